//! Files at rest (issue 11, item 3, in part), as an operator meets it: a file that came
//! by mail is stored sealed, so the database's files (SQLite) or the attachments table
//! (PostgreSQL) never show its bytes, while the server still hands it out;
//! `admin rotate-key` re-wraps the data keys under a new master key, after which the
//! new key alone opens the file and the old one alone does not. On both databases.

use super::support::*;
use sqlx::Connection;
use std::path::Path;

const TO: &str = "security@connect.example";
const CANARY: &str = "CANARY-5be1-exploit-core-dump";

/// Whether `needle` is anywhere in the files under `dir` (the database, its WAL).
/// SQLite removes its `-wal` and `-shm` files when the last connection closes, which
/// may happen between listing the folder and reading a file: a file gone holds nothing.
fn files_hold(dir: &Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let path = e.unwrap().path();
        if path.is_dir() {
            files_hold(&path, needle)
        } else {
            match std::fs::read(&path) {
                Ok(bytes) => bytes.windows(needle.len()).any(|w| w == needle),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(e) => panic!("reading {}: {e}", path.display()),
            }
        }
    })
}

/// The attachments' stored contents and whether each is marked sealed.
async fn stored(storage: &[String]) -> Vec<(Vec<u8>, bool)> {
    let sql = "SELECT content, sealed FROM attachments";
    if storage[0] == "--database-url" {
        let mut c = sqlx::PgConnection::connect(&storage[1]).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&mut c).await.unwrap();
        c.close().await.unwrap();
        rows
    } else {
        let url = format!("sqlite://{}/embargo.sqlite3", storage[1]);
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&mut c).await.unwrap();
        // Closed before the folder is read, so the WAL is not removed under the reader.
        c.close().await.unwrap();
        rows
    }
}

/// The reported file, downloaded through the running server: its status and body.
async fn download(storage: &[String], token: &str) -> (u16, String) {
    let server = Server::start(&storage.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let http = reqwest::Client::new();
    let get = |path: String| {
        http.get(format!("{}{path}", server.base))
            .bearer_auth(token)
            .send()
    };
    let list: serde_json::Value = get("/api/v1/projects/connect/cases".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let case: serde_json::Value = get(format!("/api/v1/cases/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = case["attachments"][0]["url"].as_str().unwrap().to_owned();
    let res = get(url).await.unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert!(server.terminate().await.success());
    (status, body)
}

async fn files_are_sealed_and_the_key_rotates(storage: Vec<String>, data_dir: &Path) {
    embargo_testkit::tls_provider();
    let token = connect_with_sam(&storage);
    run_ok(&with(
        &[
            "admin",
            "project",
            "update",
            "--slug",
            "connect",
            "--security-address",
            TO,
        ],
        &storage,
    ));
    let message = format!(
        "From: Rae <rae@reporter.example>\r\nTo: {TO}\r\nSubject: Overflow canarysubject5be1, with a dump\r\n\
         Message-ID: <dump@reporter.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nA crafted frame overflows the parser.\r\n\
         --b\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"core.dump\"\r\n\r\n{CANARY}\r\n--b--\r\n"
    );
    let out = ingest(
        &storage.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
        message.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // At rest: sealed, and the canary nowhere in what a thief of the database gets.
    let rows = stored(&storage).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1, "marked sealed");
    let needle = CANARY.as_bytes();
    assert!(!rows[0].0.windows(needle.len()).any(|w| w == needle));
    if storage[0] == "--data-dir" {
        assert!(
            !files_hold(data_dir, needle),
            "the canary is in the data folder"
        );
        // The report's text too (its title is the mail's subject).
        assert!(!files_hold(data_dir, b"canarysubject5be1"), "the title is");
    }
    assert_eq!(download(&storage, &token).await, (200, CANARY.to_owned()));

    // Rotation: the data key re-wrapped; the old master key kept beside the new one.
    let key = data_dir.join("keys/data.key");
    let old_key = std::fs::read_to_string(&key).unwrap();
    let said = run_ok(&with(&["admin", "rotate-key"], &storage));
    assert!(
        // The project's data key, and the instance's search key.
        said.contains("Re-wrapped 2 data keys under the new master key"),
        "{said}"
    );
    let new_key = std::fs::read_to_string(&key).unwrap();
    assert_ne!(new_key, old_key);
    let old_path = data_dir.join("keys/data.key.old");
    assert_eq!(std::fs::read_to_string(&old_path).unwrap(), old_key);
    assert_eq!(rows, stored(&storage).await, "the files are not touched");

    // The new key alone opens the file…
    std::fs::remove_file(&old_path).unwrap();
    assert_eq!(download(&storage, &token).await, (200, CANARY.to_owned()));
    // …and the old one alone no longer does: nothing opens the database with it, and
    // the error says which key is missing and where it goes.
    std::fs::write(&key, &old_key).unwrap();
    let out = embargo(&with(&["admin", "verify"], &storage));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("is not among the key files given (`encryption.key_file`"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&key, &new_key).unwrap();
    assert!(
        embargo(&with(&["admin", "verify"], &storage))
            .status
            .success()
    );

    // Nothing to rotate where there is no database, and a clear word for it.
    let empty = embargo_testkit::temp_dir();
    let out = embargo(&[
        "admin",
        "rotate-key",
        "--data-dir",
        &empty.path().display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no database at"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_sealed_and_the_key_rotates_on_sqlite() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    files_are_sealed_and_the_key_rotates(vec!["--data-dir".into(), d], dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_sealed_and_the_key_rotates_on_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    files_are_sealed_and_the_key_rotates(
        vec![
            "--database-url".into(),
            db.url.clone(),
            "--data-dir".into(),
            d,
        ],
        dir.path(),
    )
    .await;
}

/// Whether `needle` is in any row of any table of the PostgreSQL database at `url`, as
/// text or (in a `bytea`) as bytes.
async fn rows_hold(url: &str, needle: &str) -> bool {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
    let mut found = false;
    for t in tables {
        let sql =
            format!("SELECT COUNT(*) FROM \"{t}\" r WHERE r::text LIKE $1 OR r::text LIKE $2");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(format!("%{needle}%"))
            .bind(format!("%{hex}%"))
            .fetch_one(&mut c)
            .await
            .unwrap();
        found |= n > 0;
    }
    c.close().await.unwrap();
    found
}

/// Stores a report in clear, as Embargo did before a report's text was sealed: the
/// store opened with the database's chain key and no master key.
async fn report_in_clear(storage: &[String], data_dir: &Path, title: &str) -> String {
    use embargo_core::actor::Actor;
    use embargo_core::report::{Channel, Draft};
    let hex = std::fs::read_to_string(data_dir.join("keys/chain.key")).unwrap();
    let hex = hex.trim();
    let chain: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let options = embargo_store::OpenOptions {
        chain: embargo_store::ChainKey::new(chain.try_into().unwrap()),
        adopt_unkeyed: false,
        sealing: None,
    };
    let store = if storage[0] == "--database-url" {
        embargo_store::open_postgres_with(&storage[1], &options).await
    } else {
        embargo_store::open_sqlite_with(data_dir, &options).await
    }
    .unwrap();
    let slug = embargo_core::ids::ProjectSlug::parse("connect").unwrap();
    let project = store.project(&slug).await.unwrap().unwrap();
    let draft = Draft {
        title: title.into(),
        description: format!("{title}: a crafted frame overflows the parser."),
        component: Some("go".into()),
        ..Draft::default()
    };
    let id = embargo_core::ids::CaseId::from_entropy(7);
    let events = embargo_core::decide::submit(
        &Actor::Anonymous,
        &project,
        id.clone(),
        draft,
        Channel::Api,
        vec![],
        embargo_core::Timestamp::now(),
    )
    .unwrap();
    let case = embargo_core::case::Case::replay(&events).unwrap();
    store
        .submit_case(&case, &events, "tracking-token-7", &[])
        .await
        .unwrap();
    id.as_str().to_owned()
}

/// Issue 11, item 3, for a database from before sealing: `admin seal-history` seals
/// what it stored in clear, re-links those streams, sets the old checkpoints aside,
/// compacts the database so the text leaves its files, and the case still reads.
async fn a_history_in_clear_is_sealed(storage: Vec<String>, data_dir: &Path) {
    const TITLE: &str = "Overflow canaryold7f3e";
    embargo_testkit::tls_provider();
    let s: Vec<&str> = storage.iter().map(String::as_str).collect();
    let token = connect_with_sam(&s);
    let id = report_in_clear(&storage, data_dir, TITLE).await;
    run_ok(&with(&["admin", "checkpoint"], &s));
    let holds = || async {
        if storage[0] == "--database-url" {
            rows_hold(&storage[1], "canaryold7f3e").await
        } else {
            files_hold(data_dir, b"canaryold7f3e")
        }
    };
    assert!(holds().await, "stored in clear, as before sealing");

    let said = run_ok(&with(&["admin", "seal-history"], &s));
    assert!(
        said.contains("sealed 1 event in 1 stream, 0 files and 0 mails in quarantine"),
        "{said}"
    );
    assert!(
        said.contains("Set aside a checkpoint taken before the re-linking"),
        "{said}"
    );
    assert!(!holds().await, "the clear text left the database's files");
    let said = run_ok(&with(&["admin", "verify"], &s));
    assert!(said.contains("every event it names is unchanged"), "{said}");
    // Served as before, found by a word of its title.
    let server = Server::start(&s).await;
    let http = reqwest::Client::new();
    let case: serde_json::Value = http
        .get(format!("{}/api/v1/cases/{id}", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["title"], TITLE, "{case}");
    let found: serde_json::Value = http
        .get(format!(
            "{}/api/v1/projects/connect/cases?q=canaryold7f3e",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"][0]["id"], id.as_str(), "{found}");
    assert_eq!(server.terminate().await.code(), Some(0));
    // Nothing left: said so, and the checkpoint is not set aside again.
    let said = run_ok(&with(&["admin", "seal-history"], &s));
    assert!(said.contains("sealed 0 events in 0 streams"), "{said}");
    assert!(!said.contains("Set aside"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_in_clear_is_sealed_on_sqlite() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    a_history_in_clear_is_sealed(vec!["--data-dir".into(), d], dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_in_clear_is_sealed_on_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    a_history_in_clear_is_sealed(
        vec![
            "--database-url".into(),
            db.url.clone(),
            "--data-dir".into(),
            d,
        ],
        dir.path(),
    )
    .await;
}
