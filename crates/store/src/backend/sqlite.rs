//! The embedded default: one SQLite file in the data directory.

use crate::{Backend, Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

type Pool = sqlx::SqlitePool;
type Backing = SqliteStore;

/// The embedded database. Writes go through one connection, so SQLite never
/// answers "database is locked" under concurrent requests; reads use several.
pub struct SqliteStore {
    writer: Pool,
    reader: Pool,
    /// Whether mail effects are queued (`OutboxStore::set_outlets`).
    mail_outlet: std::sync::atomic::AtomicBool,
    chain: crate::ChainKey,
    /// Set on opening, from the `chain_key` row.
    database_id: std::sync::OnceLock<String>,
}

impl SqliteStore {
    pub async fn open(file: &Path, options: &crate::OpenOptions) -> Result<Self> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let connect = SqliteConnectOptions::new()
            .filename(file)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a report answered 2xx survives a power cut, not just a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(connect.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(connect.read_only(true))
            .await?;
        let store = SqliteStore {
            writer,
            reader,
            mail_outlet: Default::default(),
            chain: options.chain.clone(),
            database_id: Default::default(),
        };
        store.ensure_chain_key(options.adopt_unkeyed).await?;
        store.ensure_projection_version().await?;
        Ok(store)
    }
}

impl super::Dialect for SqliteStore {
    const SKIP_LOCKED: &'static str = "";
    // One process per database file: its worker is rung in-process.
    const NOTIFY_JOBS: Option<&'static str> = None;
}

impl SqliteStore {
    /// Nothing to hear: no other instance writes this file.
    async fn listen(&self, _ring: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
        Ok(())
    }
}

impl crate::Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

#[path = "generic/accounts.rs"]
mod accounts;
#[path = "generic/cases.rs"]
mod cases;
#[path = "generic/integrity.rs"]
mod integrity;
#[path = "generic/listing.rs"]
mod listing;
#[path = "generic/mail.rs"]
mod mail;
#[path = "generic/notifications.rs"]
mod notifications;
#[path = "generic/outbox.rs"]
mod outbox;
#[path = "generic/projects.rs"]
mod projects;
#[path = "generic/releases.rs"]
mod releases;
#[path = "generic/second_factors.rs"]
mod second_factors;
#[path = "generic/security_log.rs"]
mod security_log;
#[path = "generic/sessions.rs"]
mod sessions;
#[path = "generic/support.rs"]
mod support;
