//! `embargo mail ingest`, as a mail server's pipe runs it: exit 0 only once the message
//! is stored (a case, a reply, a bounce on its case, or the quarantine), 75
//! (`EX_TEMPFAIL`) when it could not be, so the mail server retries. Bad input from
//! issue 9 is stored or quarantined, never a crash. On both databases.

use super::support::*;
use sqlx::Connection;

const TO: &str = "security@connect.example";

fn report(subject: &str) -> String {
    format!(
        "From: Rae <rae@reporter.example>\r\nTo: {TO}\r\nSubject: {subject}\r\n\
         Message-ID: <r1@reporter.example>\r\n\r\nA crafted frame overflows the parser.\r\n"
    )
}

async fn count(url: &str, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut c)
            .await
            .unwrap()
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut c)
            .await
            .unwrap()
    }
}

async fn exit_codes_and_bad_input(storage: &[&str], url: &str) {
    let admin = |args: &[&str]| {
        let mut all = vec!["admin", "project"];
        all.extend_from_slice(args);
        all.extend_from_slice(storage);
        let out = embargo(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    admin(&[
        "create",
        "--slug",
        "connect",
        "--name",
        "Connect",
        "--component",
        "go",
    ]);
    let out = admin(&["update", "--slug", "connect", "--security-address", TO]);
    assert!(stdout(&out).contains(TO), "{}", stdout(&out));

    // A report by mail: a case.
    let out = ingest(storage, &[], report("Heap overflow").as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("stored as case EMB-"),
        "{}",
        stdout(&out)
    );
    assert_eq!(count(url, "cases").await, 1);

    // Bad input: each kept in the quarantine, with its reason; exit 0.
    let mut parts = format!(
        "From: a@reporter.example\r\nTo: {TO}\r\nSubject: parts\r\n\
         Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n"
    );
    for _ in 0..10_000 {
        parts.push_str("--p\r\nContent-Type: text/plain\r\n\r\nx\r\n");
    }
    parts.push_str("--p--\r\n");
    let mut large =
        format!("From: a@reporter.example\r\nTo: {TO}\r\nSubject: big\r\n\r\n").into_bytes();
    large.extend(std::iter::repeat_n(b'A', 26 * 1024 * 1024));
    for (message, why) in [
        (parts.into_bytes(), "MIME parts"),
        (large, "over the limit"),
        (b"\x00\x01 not mail at all \xff\xfe".to_vec(), "quarantine"),
    ] {
        let out = ingest(storage, &["--project", "connect"], &message);
        assert_eq!(out.status.code(), Some(0), "{why}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("held in the quarantine") && stdout(&out).contains(why),
            "{why}: {}",
            stdout(&out)
        );
    }
    assert_eq!(count(url, "quarantine").await, 3);

    // A malformed MIME tree: kept one way or the other, never a crash.
    let malformed = format!(
        "From: a@reporter.example\r\nTo: {TO}\r\nSubject: broken\r\n\
         Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\n--nope\r\nunterminated"
    );
    let out = ingest(storage, &[], malformed.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        count(url, "cases").await + count(url, "quarantine").await,
        5,
        "{}",
        stdout(&out)
    );

    // Header injection in the name and the subject: a case, the title on one line.
    let injected = format!(
        "From: =?utf-8?q?Rae=0D=0ABcc=3A_x=40evil=2Eexample?= <rae@reporter.example>\r\n\
         To: {TO}\r\nSubject: =?utf-8?q?Crash=0D=0ABcc=3A_x=40evil=2Eexample?=\r\n\r\nbody\r\n"
    );
    let out = ingest(storage, &[], injected.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("stored as case"), "{}", stdout(&out));

    // Could not be stored: 75, and nothing was kept.
    let before = (count(url, "cases").await, count(url, "quarantine").await);
    let out = ingest(storage, &["--project", "nosuch"], report("x").as_bytes());
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(stderr(&out).contains("nosuch"), "{}", stderr(&out));
    assert_eq!(
        (count(url, "cases").await, count(url, "quarantine").await),
        before
    );

    let mut verify = vec!["admin", "verify"];
    verify.extend_from_slice(storage);
    let out = embargo(&verify);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_ingest_exits_0_once_stored_and_75_otherwise_sqlite() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    let url = format!("sqlite://{d}/embargo.sqlite3");
    exit_codes_and_bad_input(&["--data-dir", &d], &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_ingest_exits_0_once_stored_and_75_otherwise_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    exit_codes_and_bad_input(&["--database-url", &db.url], &db.url).await;
}

/// The database is not there: the mail server must keep the message (75).
#[test]
fn mail_ingest_without_a_database_exits_75() {
    let out = ingest(
        &["--database-url", "postgres://embargo@127.0.0.1:1/nowhere"],
        &[],
        report("x").as_bytes(),
    );
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(stderr(&out).contains("try again later"), "{}", stderr(&out));
}
