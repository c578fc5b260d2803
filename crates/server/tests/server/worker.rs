//! The worker (`embargo_server::worker`): jobs wait until they are due, failures reach
//! the subject's timeline once and then give up at the limit, two instances on one
//! database never do a job twice, and the running worker wakes for new work and stops
//! when told. CVE Services is the local double, so every job is a real one.

use super::cve::{confirmed, cve_of, with_double, with_double_on};
use super::support::*;
use embargo_cve_services::double::{Double, Failure};
use embargo_server::worker::{MAX_ATTEMPTS, run, run_due};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn failures(t: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let (s, events) = t
        .get(&format!("/api/v1/cases/{id}/events"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{events}");
    events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "effect_failed")
        .cloned()
        .collect()
}

/// A job queued for T+Δ is not run a moment before T+Δ, and is run at it.
#[tokio::test]
async fn a_timer_does_not_run_before_it_is_due() {
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let t = with_double(&double).await;
    let (sam, id, tracking) = confirmed(&t).await;
    t.post(
        &format!("/api/v1/cases/{id}/cve"),
        Some(&sam.token),
        json!({}),
    )
    .await;
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "reserved");
    let asked = double.requests().len();
    // The watch of the reserved ID is a timer due a day after the reservation.
    let due = t.app.now() + SignedDuration::from_hours(24);
    assert_eq!(t.app.store().next_job_due().await.unwrap(), Some(due));
    t.clock
        .advance(SignedDuration::from_hours(24) - SignedDuration::from_micros(1));
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "a moment early");
    assert_eq!(double.requests().len(), asked, "nothing asked early");
    t.clock.advance(SignedDuration::from_micros(1));
    assert_eq!(run_due(&t.app).await.unwrap(), 1, "on time");
    assert_eq!(double.requests().len(), asked + 1);
}

/// A failing job: one `effect_failed` event saying when it is tried again, quiet
/// retries, and at the limit a second saying it gave up; then nothing more.
#[tokio::test]
async fn a_failing_job_is_reported_once_retried_and_given_up_at_the_limit() {
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let t = with_double(&double).await;
    let (sam, id, tracking) = confirmed(&t).await;
    double.fail_next(MAX_ATTEMPTS as usize, Failure::Unavailable);
    t.post(
        &format!("/api/v1/cases/{id}/cve"),
        Some(&sam.token),
        json!({}),
    )
    .await;
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let first = failures(&t, &id, &tracking).await;
    assert_eq!(first.len(), 1, "{first:?}");
    let f = &first[0]["data"];
    assert_eq!(
        (
            f["effect"].as_str(),
            f["attempts"].as_u64(),
            f["gave_up"].as_bool()
        ),
        (Some("reserve-cve"), Some(1), Some(false)),
        "{f}"
    );
    let retry_at: jiff::Timestamp = f["retry_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(retry_at, t.app.now() + SignedDuration::from_mins(1));
    assert!(f["reason"].as_str().unwrap().contains("503"), "{f}");
    assert_eq!(first[0]["actor"]["kind"], "system");
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "requested");
    // The reporter's page says it, and when it is tried again.
    let page = WebClient::new(&t).get(&format!("/track/{tracking}")).await;
    assert!(
        page.html
            .contains("reserving a CVE ID at CVE Services failed")
            && page.html.contains("it will be tried again at"),
        "{}",
        page.html
    );

    for attempt in 2..MAX_ATTEMPTS {
        assert_eq!(run_due(&t.app).await.unwrap(), 0, "before the backoff");
        // The longest wait is two hours.
        t.clock.advance(SignedDuration::from_hours(2));
        assert_eq!(run_due(&t.app).await.unwrap(), 1, "attempt {attempt}");
        assert_eq!(failures(&t, &id, &tracking).await.len(), 1, "quiet retries");
    }
    t.clock.advance(SignedDuration::from_hours(2));
    assert_eq!(run_due(&t.app).await.unwrap(), 1, "the last attempt");
    let all = failures(&t, &id, &tracking).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let last = &all[1]["data"];
    assert_eq!(
        (
            last["attempts"].as_u64(),
            last["gave_up"].as_bool(),
            last["retry_at"].is_null()
        ),
        (Some(MAX_ATTEMPTS as u64), Some(true), true),
        "{last}"
    );
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 8 attempts"),
        "{last}"
    );
    let cve = cve_of(&t, &id, &tracking).await;
    assert_eq!(cve["state"], "failed", "a new request may be made: {cve}");
    t.clock.advance(SignedDuration::from_hours(24));
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "given up is done");
    let reservations = double
        .requests()
        .iter()
        .filter(|r| r.path == "/api/cve-id")
        .count();
    assert_eq!(reservations, MAX_ATTEMPTS as usize);
}

/// SQLite serves one process (its single writer connection is the lock), so there two
/// workers share one instance; on PostgreSQL they are two instances.
async fn two_workers_do_each_job_once(db: Db) {
    const N: usize = 8;
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let shared_instance = matches!(db, Db::Sqlite);
    let t = with_double_on(db, &double).await;
    let (sam, first, _) = confirmed(&t).await;
    let mut cases = vec![first];
    for n in 1..N {
        let (id, _) = t
            .report("connect", minimal_report(&format!("Report {n}")))
            .await;
        cases.push(id);
    }
    for id in &cases {
        let case = format!("/api/v1/cases/{id}");
        for (path, body) in [
            ("acknowledge", json!({})),
            ("claim", json!({})),
            ("decision", json!({ "outcome": "confirmed" })),
            ("cve", json!({})),
        ] {
            let (s, v) = t
                .post(&format!("{case}/{path}"), Some(&sam.token), body)
                .await;
            // The first case went through the first three already.
            assert!(s == StatusCode::OK || id == &cases[0], "{path}: {v}");
        }
    }
    let other = if shared_instance {
        t.app.clone()
    } else {
        t.second_instance().await
    };
    let (a, b) = tokio::join!(run_due(&t.app), run_due(&other));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, N, "every job worked once: {a} + {b}");
    let reservations = double
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/cve-id")
        .count();
    assert_eq!(reservations, N, "CVE Services asked once per job");
    let mut ids = Vec::new();
    for id in &cases {
        let cve = cve_of(&t, id, &sam.token).await;
        assert_eq!(cve["state"], "reserved", "{cve}");
        ids.push(cve["id"].as_str().unwrap().to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N, "one ID per case");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_sqlite_database_do_each_job_once() {
    two_workers_do_each_job_once(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_database_do_each_job_once() {
    two_workers_do_each_job_once(Db::Postgres).await;
}

/// `worker::run` as `embargo serve` runs it: woken at once by work queued in its
/// process (no polling: its safety re-check is a minute away), stopped when told.
#[tokio::test]
async fn the_running_worker_wakes_for_new_work_and_stops_when_told() {
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let t = with_double(&double).await;
    let (sam, id, tracking) = confirmed(&t).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut done = t.app.jobs_done();
    let worker = tokio::spawn(run(t.app.clone(), async {
        let _ = stopped.await;
    }));
    t.post(
        &format!("/api/v1/cases/{id}/cve"),
        Some(&sam.token),
        json!({}),
    )
    .await;
    tokio::time::timeout(Duration::from_secs(20), done.wait_for(|n| *n >= 1))
        .await
        .expect("the worker woke for the new job")
        .unwrap();
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "reserved");
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(20), worker)
        .await
        .expect("the worker stopped")
        .unwrap();
}
