//! `embargo admin verify` and `reproject` on both databases: what they print, what they
//! find, their exit codes, and their refusals of a database that is not there.

use super::support::*;
use sqlx::Connection;

/// Runs SQL behind the program's back.
async fn damage(storage: &[String], sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if storage[0] == "--data-dir" {
        let url = format!("sqlite://{}/embargo.sqlite3", storage[1]);
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(&storage[1]).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    }
}

fn admin(storage: &[String], args: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = vec!["admin"];
    all.extend_from_slice(args);
    all.extend(storage.iter().map(String::as_str));
    embargo(&all)
}

async fn verify_and_reproject(storage: Vec<String>) {
    let out = admin(
        &storage,
        &[
            "project",
            "create",
            "--slug",
            "connect",
            "--name",
            "Connect",
            "--component",
            "go",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = admin(
        &storage,
        &[
            "user",
            "create",
            "--email",
            "sam@example.org",
            "--project",
            "connect",
            "--role",
            "security-team",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let out = admin(&storage, &["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    // The project's creation, its policy (the CLI records its preset) and its member;
    // the account's creation and the admin's password link (an event of its own, with
    // the operator as actor).
    assert!(
        said.contains("Verified 2 streams, 5 events and 2 projections in "),
        "{said}"
    );

    // A projection edited: named, exit 1; reproject puts it back.
    damage(
        &storage,
        "UPDATE projects SET name = 'Evil' WHERE slug = 'connect'",
    )
    .await;
    let out = admin(&storage, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("stream `project:connect`, event 3") && err.contains("not the fold"),
        "{err}"
    );
    let out = admin(&storage, &["reproject"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Rebuilt 0 cases and 1 projects from 5 events"),
        "{}",
        stdout(&out)
    );
    assert!(admin(&storage, &["verify"]).status.success());

    // An edited event: named by stream and number.
    damage(&storage, "UPDATE events SET body = REPLACE(body, 'Connect', 'Evil') WHERE stream = 'project:connect' AND seq = 1").await;
    let out = admin(&storage, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stream `project:connect`, event 1: does not match its hash"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_reproject_on_sqlite() {
    let dir = embargo_testkit::temp_dir();
    verify_and_reproject(vec!["--data-dir".into(), dir.path().display().to_string()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_reproject_on_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    verify_and_reproject(vec!["--database-url".into(), db.url.clone()]).await;
}

#[test]
fn a_database_that_is_not_there_is_named_and_not_created() {
    let dir = embargo_testkit::temp_dir();
    let missing = dir.path().join("nowhere");
    let m = missing.display().to_string();
    for command in ["verify", "reproject"] {
        let out = embargo(&["admin", command, "--data-dir", &m]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(
            stderr(&out).contains(&format!("no database at {m}/embargo.sqlite3")),
            "{}",
            stderr(&out)
        );
        assert!(!missing.exists(), "{command} created {m}");
        for (url, names) in [
            (
                "postgres://postgres@127.0.0.1:1/embargo",
                "PostgreSQL at 127.0.0.1:1/embargo",
            ),
            ("not a url", "`database_url`"),
        ] {
            let out = embargo(&["admin", command, "--database-url", url]);
            assert_eq!(out.status.code(), Some(1), "{command} {url}");
            assert!(
                stderr(&out).contains(names),
                "{command} {url}: {}",
                stderr(&out)
            );
        }
    }
}
