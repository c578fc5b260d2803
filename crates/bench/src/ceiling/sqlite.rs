//! The SQLite ceiling: one writer inserting one row per transaction into a WAL database
//! with `synchronous=FULL`, opened through sqlx with Embargo's store's options, so each
//! insert waits for its fsync as each accepted report does.

use crate::Result;
use crate::stats::Latencies;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::{Duration, Instant};

/// What a run did.
#[derive(Debug)]
pub struct Inserts {
    /// Committed inserts, counted back from the table after the run.
    pub rows: u64,
    pub elapsed: Duration,
    pub latencies: Latencies,
}

impl Inserts {
    pub fn per_sec(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Inserts rows of `row_bytes` into a fresh table in `file` for `duration`.
pub async fn insert_loop(file: &Path, duration: Duration, row_bytes: usize) -> Result<Inserts> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS ceiling (id INTEGER PRIMARY KEY, public_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
    )
    .execute(&pool)
    .await?;
    let (before,): (i64,) = sqlx::query_as("SELECT count(*) FROM ceiling")
        .fetch_one(&pool)
        .await?;
    let body = "x".repeat(row_bytes);
    let mut latencies = Latencies::default();
    let started = Instant::now();
    let mut n: u64 = 0;
    while started.elapsed() < duration {
        let t0 = Instant::now();
        sqlx::query("INSERT INTO ceiling (public_id, body) VALUES ($1, $2)")
            .bind(format!("{}-{n}", before))
            .bind(&body)
            .execute(&pool)
            .await?;
        latencies.record(t0.elapsed());
        n += 1;
    }
    let elapsed = started.elapsed();
    let (after,): (i64,) = sqlx::query_as("SELECT count(*) FROM ceiling")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    let rows = u64::try_from(after - before).unwrap_or(0);
    if rows != n {
        return Err(crate::Error::failed(format!(
            "SQLite ceiling: {n} inserts ran but {rows} rows are in the table"
        )));
    }
    Ok(Inserts {
        rows,
        elapsed,
        latencies,
    })
}
