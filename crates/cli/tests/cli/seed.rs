//! `embargo admin seed`: synthetic reports for load tests, through the store's batch
//! path; only into an empty project; what it stores verifies like any report. On both
//! databases.

use super::support::*;
use sqlx::Connection;

/// Cases by stage.
async fn stages(storage: &[String]) -> Vec<(String, i64)> {
    let sql = "SELECT stage, COUNT(*) FROM cases GROUP BY stage ORDER BY stage";
    if storage[0] == "--database-url" {
        let mut c = sqlx::PgConnection::connect(&storage[1]).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let url = format!("sqlite://{}/embargo.sqlite3", storage[1]);
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    }
}

async fn seeds_an_empty_project(storage: Vec<String>) {
    let out = embargo(&with(
        &[
            "admin",
            "project",
            "create",
            "--slug",
            "load",
            "--name",
            "Load",
            "--component",
            "go",
            "--component",
            "swift",
        ],
        &storage,
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = embargo(&with(
        &["admin", "seed", "--project", "load", "--count", "2500"],
        &storage,
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Stored 2500 synthetic reports in project `load`"),
        "{}",
        stdout(&out)
    );
    // Three batches, every report received as intake leaves it.
    assert_eq!(stages(&storage).await, [("received".to_owned(), 2500)]);
    let out = embargo(&with(&["admin", "verify"], &storage));
    assert!(out.status.success(), "{}", stderr(&out));

    // Never into a project that has cases, nor one that is not there.
    for (project, said) in [("load", "has cases"), ("nosuch", "nosuch")] {
        let out = embargo(&with(
            &["admin", "seed", "--project", project, "--count", "1"],
            &storage,
        ));
        assert_eq!(out.status.code(), Some(1), "{project}");
        assert!(stderr(&out).contains(said), "{project}: {}", stderr(&out));
    }
    assert_eq!(
        stages(&storage).await.iter().map(|(_, n)| n).sum::<i64>(),
        2500
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_an_empty_project_on_sqlite() {
    let dir = embargo_testkit::temp_dir();
    seeds_an_empty_project(vec!["--data-dir".into(), dir.path().display().to_string()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_an_empty_project_on_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    let dir = embargo_testkit::temp_dir();
    seeds_an_empty_project(vec![
        "--database-url".into(),
        db.url.clone(),
        "--data-dir".into(),
        dir.path().display().to_string(),
    ])
    .await;
}
