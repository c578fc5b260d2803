//! The two backends. Their SQL is portable (`$n` parameters, `ON CONFLICT`), so one
//! implementation body, `generic.rs`, is compiled once per backend with that backend's
//! pool type; each backend keeps its own migrations and connection setup here.

use crate::{Result, StoreError};
use embargo_core::Timestamp;

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn timestamp(us: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| StoreError::Corrupt(format!("timestamp {us}: {e}")))
}

pub mod sqlite {
    use crate::{Backend, Result};
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    use std::path::Path;
    use std::time::Duration;

    type Pool = sqlx::SqlitePool;

    /// The embedded database. Writes go through one connection, so SQLite never
    /// answers "database is locked" under concurrent requests; reads use several.
    pub struct SqliteStore {
        writer: Pool,
        reader: Pool,
    }

    impl SqliteStore {
        pub async fn open(file: &Path) -> Result<Self> {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            let options = SqliteConnectOptions::new()
                .filename(file)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a report answered 2xx survives a power cut, not just a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            sqlx::migrate!("migrations/sqlite").run(&writer).await?;
            let reader = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options.read_only(true))
                .await?;
            Ok(SqliteStore { writer, reader })
        }
    }

    /// One writer connection: there is no one to skip and no row lock to take.
    const SKIP_LOCKED: &str = "";
    /// One process per database file: its worker is rung in-process.
    const NOTIFY_JOBS: Option<&str> = None;

    impl SqliteStore {
        async fn listen(&self, _ring: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
            Ok(())
        }
    }

    const BACKEND: Backend = Backend::Sqlite;
    type Store = SqliteStore;
    include!("generic.rs");
}

pub mod postgres {
    use crate::{Backend, Result};
    use sqlx::postgres::PgPoolOptions;

    type Pool = sqlx::PgPool;

    pub struct PostgresStore {
        writer: Pool,
        reader: Pool,
    }

    impl PostgresStore {
        pub async fn open(url: &str) -> Result<Self> {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Ok(PostgresStore {
                writer: pool.clone(),
                reader: pool,
            })
        }
    }

    /// Workers skip the row another is claiming this instant instead of queueing
    /// behind its lock.
    const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
    /// Sent inside the queueing transaction: delivered at commit, never for work that
    /// was rolled back.
    const NOTIFY_JOBS: Option<&str> = Some("SELECT pg_notify('embargo_jobs', '')");

    impl PostgresStore {
        async fn listen(&self, ring: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
            let mut listener = sqlx::postgres::PgListener::connect_with(&self.writer).await?;
            listener.listen("embargo_jobs").await?;
            // Work queued before the listener was up is looked at now.
            ring();
            loop {
                // `None`: the connection dropped and the next call reconnects;
                // whatever was announced meanwhile is looked at now.
                let _ = listener.try_recv().await?;
                ring();
            }
        }
    }

    const BACKEND: Backend = Backend::Postgres;
    type Store = PostgresStore;
    include!("generic.rs");
}
