//! Cases in: the intake requests (fresh reports, each answer checked) and seeding
//! through the HTTP API ([`seed_cases`], for the groups that need a few thousand). The
//! `scale` group seeds 10⁵–10⁶ through the store instead (`embargo admin seed`).

use crate::load::{self, Plan, Work};
use crate::{Error, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, StatusCode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `POST /api/v1/projects/{project}/reports`, each a fresh report; a right answer is
/// `201` with the new case's id and tracking token.
pub struct Intake {
    pub host: String,
    pub project: String,
    /// Makes this run's reports differ from every other run's.
    pub salt: u64,
    /// Keeps the ids of the new cases, by request number.
    pub ids: Option<Mutex<Vec<(u64, String)>>>,
}

impl Work for Intake {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        Request::post(format!("/api/v1/projects/{}/reports", self.project))
            .header(hyper::header::HOST, self.host.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(crate::report::report_json(
                self.salt, n,
            ))))
            .expect("a fixed path and headers")
    }

    fn check(&self, n: u64, status: StatusCode, body: &[u8]) -> Result<(), String> {
        if status != StatusCode::CREATED {
            return Err(format!("intake answered {status}, not 201 Created"));
        }
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("intake answer is not JSON: {e}"))?;
        let id = v["id"].as_str().unwrap_or_default();
        if id.is_empty() || v["tracking_token"].as_str().unwrap_or_default().is_empty() {
            return Err(format!(
                "intake answer without `id` and `tracking_token`: {v}"
            ));
        }
        if let Some(ids) = &self.ids {
            ids.lock().expect("lock").push((n, id.to_owned()));
        }
        Ok(())
    }
}

/// Puts `count` new cases into `project` on the Embargo at `base_url`; returns their ids
/// in the order they were asked for. Fails if a single report was not accepted.
pub async fn seed_cases(
    base_url: &str,
    project: &str,
    count: u64,
    salt: u64,
) -> Result<Vec<String>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let addr = load::socket_addr(base_url)?;
    let work = Arc::new(Intake {
        host: addr.to_string(),
        project: project.to_owned(),
        salt,
        ids: Some(Mutex::new(Vec::with_capacity(count as usize))),
    });
    let plan = Plan {
        connections: 32,
        duration: Duration::from_secs(24 * 3600),
        max_requests: Some(count),
        timeout: Duration::from_secs(60),
    };
    let summary = load::run(addr, &plan, work.clone()).await;
    if summary.errors() > 0 || summary.ok != count {
        return Err(Error::failed(format!(
            "seeding {count} cases: {} accepted, {} errors; first: {}",
            summary.ok,
            summary.errors(),
            summary.first_problem.unwrap_or_default()
        )));
    }
    let mut ids = work
        .ids
        .as_ref()
        .map(|m| std::mem::take(&mut *m.lock().expect("lock")))
        .unwrap_or_default();
    ids.sort_by_key(|(n, _)| *n);
    Ok(ids.into_iter().map(|(_, id)| id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intake() -> Intake {
        Intake {
            host: "127.0.0.1:1".into(),
            project: "bench".into(),
            salt: 1,
            ids: Some(Mutex::new(Vec::new())),
        }
    }

    #[test]
    fn only_a_201_with_an_id_and_a_token_is_right() {
        let w = intake();
        let good = br#"{"id":"EMB-1","tracking_token":"emb_trk_x","tracking_url":"u"}"#;
        assert!(w.check(0, StatusCode::CREATED, good).is_ok());
        assert!(w.check(1, StatusCode::OK, good).is_err());
        assert!(
            w.check(2, StatusCode::CREATED, br#"{"id":"EMB-2"}"#)
                .is_err()
        );
        assert!(w.check(3, StatusCode::CREATED, b"not json").is_err());
        let ids = w.ids.unwrap().into_inner().unwrap();
        assert_eq!(ids, vec![(0, "EMB-1".to_owned())]);
    }

    #[test]
    fn each_request_is_a_fresh_report_to_the_project() {
        let w = intake();
        let (a, b) = (w.request(0), w.request(1));
        assert_eq!(a.uri().path(), "/api/v1/projects/bench/reports");
        assert_eq!(a.method(), hyper::Method::POST);
        assert_ne!(
            format!("{:?}", a.body()),
            format!("{:?}", b.body()),
            "two requests, two different reports"
        );
    }
}
