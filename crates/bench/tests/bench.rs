//! The bench's instruments, checked against real servers and databases: the load
//! generator counts right answers, wrong answers, error statuses and broken
//! connections; the ceilings do what they claim; throwaway databases go away; the
//! generated OSV records are ones Embargo imports.

use embargo_bench::ceiling;
use embargo_bench::load::{self, Get, Plan};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

async fn ceiling_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(ceiling::http::serve(listener, std::future::pending()));
    addr
}

fn plan(connections: usize, requests: u64) -> Plan {
    Plan {
        connections,
        duration: Duration::from_secs(600),
        max_requests: Some(requests),
        timeout: Duration::from_secs(30),
    }
}

fn get(addr: SocketAddr, path: &str, expect: &str) -> Arc<Get> {
    Arc::new(Get {
        host: addr.to_string(),
        paths: vec![path.to_owned()],
        headers: vec![("authorization".into(), "Bearer emb_pat_test".into())],
        expect: if expect.is_empty() {
            vec![]
        } else {
            vec![expect.to_owned()]
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_counts_right_answers_from_the_http_ceiling() {
    let addr = ceiling_server().await;
    let mut s = load::run(
        addr,
        &plan(8, 400),
        get(addr, "/api/v1/cases/EMB-1", "\"stage\":\"triage\""),
    )
    .await;
    assert_eq!(s.ok, 400, "first problem: {:?}", s.first_problem);
    assert_eq!(s.errors(), 0);
    assert_eq!(s.latencies.len(), 400);
    assert_eq!(s.body_bytes, 400 * ceiling::http::ANSWER_BYTES as u64);
    assert!(s.latencies.percentile(99.0).unwrap() >= s.latencies.percentile(50.0).unwrap());
    assert!(s.ok_per_sec() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_counts_error_statuses_and_wrong_answers_apart() {
    let addr = ceiling_server().await;
    let s = load::run(addr, &plan(4, 40), get(addr, "/no/such/route", "")).await;
    assert_eq!((s.ok, s.non_2xx, s.wrong), (0, 40, 0));
    assert!(s.first_problem.unwrap().contains("404"));

    let s = load::run(
        addr,
        &plan(4, 40),
        get(addr, "/api/v1/cases/EMB-1", "EMB-NOT-THIS"),
    )
    .await;
    assert_eq!((s.ok, s.non_2xx, s.wrong), (0, 0, 40));
    assert!(s.first_problem.unwrap().contains("EMB-NOT-THIS"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_counts_refused_connections_as_transport_errors() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let s = load::run(closed, &plan(2, 10), get(closed, "/", "")).await;
    assert_eq!(s.answered, 0);
    assert_eq!(s.transport_errors, 10);
    assert!(s.first_problem.unwrap().contains("connect"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_ceiling_commits_every_insert_durably_in_wal_mode() {
    use sqlx::{ConnectOptions, Connection};
    let dir = embargo_testkit::TempDir::new().unwrap();
    let file = dir.path().join("ceiling.sqlite3");
    let first = ceiling::sqlite::insert_loop(&file, Duration::from_millis(300), 1024)
        .await
        .unwrap();
    assert!(first.rows > 0);
    assert_eq!(first.latencies.len() as u64, first.rows);
    // A second run adds to the same table and counts only its own rows.
    let second = ceiling::sqlite::insert_loop(&file, Duration::from_millis(100), 10)
        .await
        .unwrap();
    let mut c = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .connect()
        .await
        .unwrap();
    let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM ceiling")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(rows as u64, first.rows + second.rows);
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throwaway_databases_are_created_measured_and_dropped() {
    use sqlx::Connection;
    let pg = embargo_bench::pg::Pg::new(embargo_testkit::pg_admin_url());
    let url = pg.create("test").await.unwrap_or_else(|e| panic!("{e}"));
    assert!(pg.size(&url).await.unwrap() > 0);
    let name = embargo_bench::pg::database_of(&url);
    let exists = || async {
        let mut c = sqlx::postgres::PgConnection::connect(&embargo_testkit::pg_admin_url())
            .await
            .unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_one(&mut c)
            .await
            .unwrap();
        n == 1
    };
    assert!(exists().await);
    pg.drop_all().await.unwrap();
    assert!(!exists().await, "{name} is still there");
    let unreachable = embargo_bench::pg::Pg::new("postgres://postgres@127.0.0.1:1/postgres".into());
    let e = unreachable.describe().await.unwrap_err().to_string();
    assert!(e.contains("EMBARGO_BENCH_PG_URL"), "{e}");
}

#[test]
fn generated_osv_records_are_distinct_and_embargo_imports_them() {
    let now: jiff::Timestamp = "2025-06-01T00:00:00Z".parse().unwrap();
    let mut ids = std::collections::HashSet::new();
    for n in 0..200 {
        let record = embargo_bench::osv::record(42, n);
        let imported = embargo_formats::osv::import(&record, now)
            .unwrap_or_else(|e| panic!("record {n} is refused: {e}\n{record:#}"));
        assert!(ids.insert(imported.advisory.id.clone()));
    }
    let dir = embargo_testkit::TempDir::new().unwrap();
    let paths = embargo_bench::osv::write_records(dir.path(), 42, 3).unwrap();
    assert_eq!(paths.len(), 3);
    let back: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths[1]).unwrap()).unwrap();
    assert_eq!(back, embargo_bench::osv::record(42, 1));
}
