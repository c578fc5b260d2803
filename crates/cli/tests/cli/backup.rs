//! `embargo backup` while the server runs and `embargo restore` (issue 13 item 8), on
//! both databases, with the chain key in a file of its own (`integrity.key_file`):
//! the restored database passes `admin verify`, holds what the backup held and not
//! what came after, and the server starts on it.

use super::support::*;
use serde_json::json;

async fn report(http: &reqwest::Client, base: &str, title: &str) -> String {
    let res = http
        .post(format!("{base}/api/v1/projects/connect/reports"))
        .json(&json!({ "title": title, "description": "crash me" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v: serde_json::Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

async fn status_of(http: &reqwest::Client, base: &str, token: &str, id: &str) -> u16 {
    http.get(format!("{base}/api/v1/cases/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `source` is where the data lives; `target` where the backup is restored to (the
/// same database, or another one: a new PostgreSQL database).
async fn backup_then_restore(source: Vec<String>, target: Vec<String>) {
    let source: Vec<&str> = source.iter().map(String::as_str).collect();
    let target: Vec<&str> = target.iter().map(String::as_str).collect();
    embargo_testkit::tls_provider();
    let http = reqwest::Client::new();
    let keys = embargo_testkit::temp_dir();
    let backup = keys.path().join("backup.db");
    let backup = backup.to_str().unwrap();

    let token = connect_with_sam(&source);

    let server = Server::start(&source).await;
    let kept = report(&http, &server.base, "before the backup").await;
    // Online: the server runs and answers while the backup is taken.
    let said = run_ok(&with(&["backup", "--out", backup], &source));
    assert!(said.contains("Backed up"), "{said}");
    let refused = embargo(&with(&["backup", "--out", backup], &source));
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("exists"), "{}", stderr(&refused));
    let lost = report(&http, &server.base, "after the backup").await;
    assert_eq!(status_of(&http, &server.base, &token, &lost).await, 200);
    assert!(server.terminate().await.success());
    // A checkpoint that vouches for the report the backup does not have.
    run_ok(&with(&["admin", "checkpoint"], &source));

    let said = run_ok(&with(&["restore", backup], &target));
    assert!(said.contains("Restored"), "{said}");
    assert!(
        said.contains("Set aside a checkpoint taken after the backup"),
        "{said}"
    );
    let verified = run_ok(&with(&["admin", "verify"], &target));
    assert!(
        verified.contains("every chain is intact")
            && verified.contains("every event it names is unchanged"),
        "{verified}"
    );

    let server = Server::start(&target).await;
    assert_eq!(status_of(&http, &server.base, &token, &kept).await, 200);
    assert_eq!(status_of(&http, &server.base, &token, &lost).await, 404);
    assert!(server.terminate().await.success());
}

/// A config naming the chain key's own file, outside the data directory.
fn config_with_key_file(dir: &std::path::Path) -> String {
    let key = dir.join("secret").join("chain.key");
    let config = dir.join("embargo.toml");
    std::fs::write(
        &config,
        format!("[integrity]\nkey_file = \"{}\"\n", key.display()),
    )
    .unwrap();
    config.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_and_verifies() {
    let dir = embargo_testkit::temp_dir();
    let config = config_with_key_file(dir.path());
    let data = dir.path().join("data").display().to_string();
    let storage = vec![
        "--config".to_owned(),
        config.clone(),
        "--data-dir".into(),
        data,
    ];
    backup_then_restore(storage.clone(), storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_restore_needs_the_chain_key_and_a_real_backup() {
    let dir = embargo_testkit::temp_dir();
    let data = dir.path().join("data").display().to_string();
    let storage = ["--data-dir", data.as_str()];
    run_ok(&with(
        &[
            "admin", "project", "create", "--slug", "connect", "--name", "Connect",
        ],
        &storage,
    ));
    let backup = dir.path().join("backup.db").display().to_string();
    run_ok(&with(&["backup", "--out", &backup], &storage));

    // Into a new data directory without the key: refused, nothing written.
    let fresh = dir.path().join("fresh").display().to_string();
    let out = embargo(&["restore", &backup, "--data-dir", &fresh]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no chain key at"), "{}", stderr(&out));
    assert!(!dir.path().join("fresh").join("embargo.sqlite3").exists());

    // Not a database: refused, the installation untouched.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let out = embargo(&with(&["restore", junk.to_str().unwrap()], &storage));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("restore refused"), "{}", stderr(&out));
    run_ok(&with(&["admin", "verify"], &storage));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_restores_into_a_new_database_and_verifies() {
    let dir = embargo_testkit::temp_dir();
    let config = config_with_key_file(dir.path());
    let data = dir.path().join("data").display().to_string();
    let from = embargo_testkit::PgTestDb::create().await;
    let to = embargo_testkit::PgTestDb::create().await;
    let storage = |url: &str| {
        vec![
            "--config".to_owned(),
            config.clone(),
            "--data-dir".into(),
            data.clone(),
            "--database-url".into(),
            url.to_owned(),
        ]
    };
    backup_then_restore(storage(&from.url), storage(&to.url)).await;
}
