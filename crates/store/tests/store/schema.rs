//! The two migration sets must describe the same schema: same tables, same columns,
//! same nullability, equivalent types. The search index is the one deliberate
//! difference (FTS5 on SQLite, a tsvector on PostgreSQL: `Dialect`'s search pieces), so
//! its tables are left out on both sides.

use std::collections::BTreeMap;

type Schema = BTreeMap<String, Vec<(String, &'static str, bool)>>;

fn canonical(ty: &str) -> &'static str {
    match ty.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => "int",
        "TEXT" => "text",
        "BLOB" | "BYTEA" => "bytes",
        "BOOLEAN" => "bool",
        other => panic!("add a mapping for column type {other}"),
    }
}

async fn sqlite_schema() -> Schema {
    use sqlx::Row;
    let b = crate::sqlite().await;
    let url = b.raw_url.clone();
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    let mut schema = Schema::new();
    for t in tables.into_iter().filter(|t| !is_search_index(t)) {
        let cols = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info(\"{t}\")")))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let notnull: i64 = r.get("notnull");
                let ty: String = r.get("type");
                (r.get::<String, _>("name"), canonical(&ty), notnull == 0)
            })
            .collect::<Vec<_>>();
        schema.insert(t, sorted(cols));
    }
    schema
}

async fn postgres_schema() -> Schema {
    use sqlx::Row;
    let b = crate::postgres().await;
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for r in rows {
        if is_search_index(&r.get::<String, _>("t")) {
            continue;
        }
        let ty: String = r.get("ty");
        let ty = match ty.as_str() {
            "bigint" => "BIGINT",
            "text" => "TEXT",
            "bytea" => "BYTEA",
            "boolean" => "BOOLEAN",
            other => panic!("add a mapping for {other}"),
        };
        schema.entry(r.get("t")).or_default().push((
            r.get("c"),
            canonical(ty),
            r.get::<String, _>("n") == "YES",
        ));
    }
    schema.into_iter().map(|(t, c)| (t, sorted(c))).collect()
}

/// `case_search` and FTS5's shadow tables (`case_search_data`, …).
fn is_search_index(table: &str) -> bool {
    table.starts_with("case_search")
}

fn sorted(mut v: Vec<(String, &'static str, bool)>) -> Vec<(String, &'static str, bool)> {
    v.sort();
    v
}

#[tokio::test]
async fn both_migration_sets_describe_the_same_schema() {
    let (lite, pg) = (sqlite_schema().await, postgres_schema().await);
    assert!(
        lite.contains_key("events") && lite.contains_key("cases"),
        "{lite:?}"
    );
    assert_eq!(lite, pg);
}

/// The migrations as they were before the outbox opened to every stream.
async fn migrations_before_effects(dialect: &str) -> sqlx::migrate::Migrator {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    let mut before = sqlx::migrate::Migrator::new(dir).await.unwrap();
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version <= 2)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before
}

/// Jobs as they were queued then: a reservation, and the daily watch of a reserved ID.
fn old_rows() -> Vec<String> {
    let case_id = embargo_core::ids::CaseId::from_entropy(7);
    vec![
        "INSERT INTO projects (slug, name, version, created_at, state) \
         VALUES ('connect', 'Connect', 1, 0, '{}')"
            .to_owned(),
        format!(
            "INSERT INTO cases (id, project, stage, title, version, received_at, updated_at, \
                                tracking_token_hash, state) \
             VALUES ('{case_id}', 'connect', 'confirmed', 't', 1, 0, 0, 'x', '{{}}')"
        ),
        format!(
            "INSERT INTO outbox (case_id, effect, created_at, attempts, next_attempt_at) VALUES \
             ('{case_id}', '{{\"kind\":\"watch-cve-id\",\"id\":\"CVE-2026-1000\"}}', 1, 3, 20), \
             ('{case_id}', '{{\"kind\":\"reserve-cve\"}}', 1, 1, 10)"
        ),
    ]
}

async fn claim_all(store: &dyn embargo_store::Store) -> Vec<embargo_store::Job> {
    let at = |us| embargo_core::Timestamp::from_microsecond(us).unwrap();
    let mut jobs = Vec::new();
    while let Some(job) = store.claim_job(at(1_000), at(2_000)).await.unwrap() {
        store.finish_job(&job, at(1_001)).await.unwrap();
        jobs.push(job);
    }
    jobs
}

fn assert_upgraded(jobs: &[embargo_store::Job]) {
    use embargo_core::effect::{Effect, Subject, WakeReason};
    let case_id = embargo_core::ids::CaseId::from_entropy(7);
    let got: Vec<_> = jobs
        .iter()
        .map(|j| (j.subject.clone(), j.effect.clone(), j.attempts))
        .collect();
    assert_eq!(
        got,
        [
            (Subject::Case(case_id.clone()), Effect::ReserveCve, 2),
            (
                Subject::Case(case_id),
                Effect::Wake {
                    reason: WakeReason::WatchCveId {
                        id: "CVE-2026-1000".into()
                    }
                },
                4
            ),
        ]
    );
}

#[tokio::test]
async fn old_outbox_rows_become_open_jobs_on_sqlite() {
    let dir = embargo_testkit::temp_dir();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("embargo.sqlite3"))
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    migrations_before_effects("sqlite")
        .await
        .run(&pool)
        .await
        .unwrap();
    for sql in old_rows() {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = embargo_store::open_sqlite(dir.path()).await.unwrap();
    assert_upgraded(&claim_all(&*store).await);
}

#[tokio::test]
async fn old_outbox_rows_become_open_jobs_on_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    migrations_before_effects("postgres")
        .await
        .run(&pool)
        .await
        .unwrap();
    for sql in old_rows() {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = embargo_store::open_postgres(&db.url).await.unwrap();
    assert_upgraded(&claim_all(&*store).await);
}

/// Each index keyed by a random value writes a whole page to the WAL for each report:
/// 4 KiB pages write half the bytes of 8 KiB ones, and a case's rows, now small, pack
/// as well (`backend/sqlite.rs` has the figures).
#[tokio::test]
async fn a_new_sqlite_database_has_4_kib_pages() {
    use sqlx::Connection;
    let b = crate::sqlite().await;
    let mut conn = sqlx::SqliteConnection::connect(&b.raw_url).await.unwrap();
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(page_size, 4096);
}
