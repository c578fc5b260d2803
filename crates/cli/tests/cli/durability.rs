//! Every report answered 2xx is in the database after the process is SIGKILLed and
//! restarted, on SQLite and on PostgreSQL.

use super::support::*;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Mutex;

async fn reports_survive_sigkill(storage: Vec<String>) {
    let storage: Vec<&str> = storage.iter().map(String::as_str).collect();
    let token = connect_with_sam(&storage);

    let server = Server::start(&storage).await;
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    embargo_testkit::tls_provider();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/projects/connect/reports", server.base);
    let mut writers = Vec::new();
    for w in 0..6 {
        let (http, url, accepted) = (http.clone(), url.clone(), accepted.clone());
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let body = json!({ "title": format!("report {w}-{n}"), "description": "crash me" });
                match http.post(&url).json(&body).send().await {
                    Ok(res) if res.status().is_success() => {
                        let v: serde_json::Value = res.json().await.unwrap_or_default();
                        if let Some(id) = v["id"].as_str() {
                            accepted.lock().await.push(id.to_owned());
                        }
                    }
                    // The server is gone: stop writing.
                    Err(_) => return,
                    Ok(res) => panic!("a report was refused: {}", res.status()),
                }
            }
        }));
    }
    // Kill once a good number of reports were accepted, with more in flight.
    loop {
        if accepted.lock().await.len() >= 60 {
            break;
        }
        assert!(
            !writers.iter().all(|w| w.is_finished()),
            "every writer stopped before 60 reports were accepted"
        );
        tokio::task::yield_now().await;
    }
    server.kill().await;
    for w in writers {
        w.await.unwrap();
    }
    let accepted = accepted.lock().await.clone();
    assert!(accepted.len() >= 60);

    let server = Server::start(&storage).await;
    let mut missing = Vec::new();
    for id in &accepted {
        let res = http
            .get(format!("{}/api/v1/cases/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if res.status() != 200 {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} accepted reports lost: {missing:?}",
        missing.len(),
        accepted.len()
    );
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_accepted_report() {
    let dir = embargo_testkit::temp_dir();
    reports_survive_sigkill(vec!["--data-dir".into(), dir.path().display().to_string()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_accepted_report() {
    let db = embargo_testkit::PgTestDb::create().await;
    reports_survive_sigkill(vec!["--database-url".into(), db.url.clone()]).await;
}
