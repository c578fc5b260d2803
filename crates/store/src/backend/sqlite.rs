//! The embedded default: one SQLite file in the data directory.

use crate::{Backend, Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

type Pool = sqlx::SqlitePool;
type Backing = SqliteStore;

/// Each reading connection's page cache, in SQLite's negative-KiB form: 512 KiB, not
/// SQLite's 2 MiB. Up to 16 connections read (sqlx's 8 and `own_thread`'s); the file's
/// pages are in the kernel's page cache anyway, and the index pages a point read or a
/// page of 50 walks fit. Sixteen caches of 2 MiB could hold 32 MB at 10⁶ cases, where
/// the server's peak was 117 MB against a goal of 100 (docs/performance.md).
pub(super) const READER_CACHE_KIB: i64 = -512;

/// The embedded database. Writes go through one connection, so SQLite never
/// answers "database is locked" under concurrent requests; reads use several.
pub struct SqliteStore {
    writer: Pool,
    reader: Pool,
    /// Whether mail effects are queued (`OutboxStore::set_outlets`).
    mail_outlet: std::sync::atomic::AtomicBool,
    chain: crate::ChainKey,
    /// Seals attachment contents (`crate::sealing`), when keys were given.
    sealing: Option<std::sync::Arc<crate::sealing::Sealing>>,
    /// Set on opening, from the `chain_key` row.
    database_id: std::sync::OnceLock<String>,
    projects: super::ProjectCache,
    cases: super::CaseCache,
    /// Single reads on the request's own thread (`own_thread`).
    point: super::own_thread::OwnThreadReads,
}

impl SqliteStore {
    pub async fn open(file: &Path, options: &crate::OpenOptions) -> Result<Self> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let connect = SqliteConnectOptions::new()
            .filename(file)
            .create_if_missing(true)
            // 4 KiB, SQLite's default. Each insert into an index keyed by a random
            // value writes a whole page to the WAL (a report's are the tracking
            // token's hash and the reporter's address token; the indexes keyed by case
            // id grow at their end, `CaseId::received`): when a report had six such,
            // it wrote about 52 KB of WAL with 8 KiB pages and 28 KB with 4 KiB, and
            // intake took 9–45 % more reports a second. Rows are small now (a case's sealed state is about
            // 300 characters), so 8 KiB no longer saves bytes: at 100,000 seeded cases,
            // 1,790 B a case with 8 KiB pages, 1,817 with 4 KiB. Only a new file takes
            // it; an older one keeps its pages (docs/performance.md).
            .page_size(4096)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a report answered 2xx survives a power cut, not just a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // No ping before each use (sqlx's default): a connection to a local file does
        // not go stale, and each ping is a round trip to the connection's thread on
        // every statement's path.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(connect.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(
                connect
                    .read_only(true)
                    .pragma("cache_size", READER_CACHE_KIB.to_string()),
            )
            .await?;
        let store = SqliteStore {
            writer,
            reader,
            mail_outlet: Default::default(),
            chain: options.chain.clone(),
            sealing: options.sealing.clone(),
            database_id: Default::default(),
            projects: Default::default(),
            cases: Default::default(),
            point: super::own_thread::OwnThreadReads::new(file.to_path_buf()),
        };
        store.ensure_chain_key(options.adopt_unkeyed).await?;
        store.ensure_master_keys().await?;
        store.ensure_projection_version().await?;
        Ok(store)
    }
}

impl super::Dialect for SqliteStore {
    const SKIP_LOCKED: &'static str = "";
    // One process per database file: its worker is rung in-process.
    const NOTIFY_JOBS: Option<&'static str> = None;
    // `PRAGMA defer_foreign_keys` would do it, but each case inserted after its jobs is
    // then looked for in the whole outbox (docs/performance.md, "A case written once").
    const DEFER_OUTBOX_CASE: Option<&'static str> = None;
    // FTS5, contentless (migration 0093): its rows are numbered, and `case_search_rows`
    // (filled by a trigger as each case is stored) says which case each number is.
    const SEARCH_CLEAR: &'static str = "DELETE FROM case_search WHERE rowid = \
         (SELECT row FROM case_search_rows WHERE case_id = $1)";
    const SEARCH_WRITE: &'static str = "INSERT INTO case_search (rowid, body) VALUES \
         ((SELECT row FROM case_search_rows WHERE case_id = $1), $2)";
    const SEARCH_WRITE_MANY: super::SearchWriteMany = super::SearchWriteMany {
        insert: "INSERT INTO case_search (rowid, body) ",
        id: ("(SELECT row FROM case_search_rows WHERE case_id = ", ")"),
        text: ("", ""),
    };
    const SEARCH_MATCH: (&'static str, &'static str) = (
        " AND c.id IN (SELECT r.case_id FROM case_search_rows r WHERE r.row IN \
         (SELECT rowid FROM case_search WHERE case_search MATCH ",
        "))",
    );
    // A common word's set is large (two in five of 10⁶ cases took 20 s to join and sort
    // for a page of 50), while FTS5 answers "does row N match" with a seek in each
    // word's list (8–16 µs): the listing is walked in order and each case asked in turn.
    const SEARCH_PROBE: Option<super::SearchProbe> = Some(super::SearchProbe {
        count: "SELECT count(*) AS found FROM \
                (SELECT 1 FROM case_search WHERE case_search MATCH $1 LIMIT $2)",
        each: (
            " AND EXISTS (SELECT 1 FROM case_search WHERE case_search MATCH ",
            " AND rowid = (SELECT row FROM case_search_rows WHERE case_id = c.id))",
        ),
    });
    // FTS5 keeps deleted entries in its segments until they are merged; VACUUM copies
    // the live pages into a new file; the WAL is emptied before and after.
    const COMPACT: &'static [&'static str] = &[
        "INSERT INTO case_search (case_search) VALUES ('optimize')",
        "PRAGMA wal_checkpoint(TRUNCATE)",
        "VACUUM",
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ];
    const ANALYZE: &'static str = "PRAGMA optimize";
    fn search_query(words: &[String], prefix: bool) -> String {
        let star = if prefix { "*" } else { "" };
        let terms: Vec<String> = words.iter().map(|w| format!("\"{w}\"{star}")).collect();
        format!("body : ({})", terms.join(" AND "))
    }
}

impl SqliteStore {
    /// Nothing to hear: no other instance writes this file.
    async fn listen(&self, _ring: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
        Ok(())
    }
}

/// Single reads, on the request's own thread (`own_thread`): no hand-off to a
/// connection's thread and back.
impl SqliteStore {
    async fn viewer_case(
        &self,
        id: &embargo_core::ids::CaseId,
    ) -> Result<Option<cases::StoredCase>> {
        use rusqlite::OptionalExtension;
        self.point.read(|c| {
            c.prepare_cached(cases::VIEWER_CASE)?
                .query_row(rusqlite::named_params! { "$1": id.as_str() }, |r| {
                    Ok(cases::StoredCase {
                        state: r.get("state")?,
                        project_version: r.get("project_version")?,
                    })
                })
                .optional()
        })
    }

    async fn tracking_case(
        &self,
        hash: &crate::SecretHash,
    ) -> Result<Option<(String, cases::StoredCase)>> {
        use rusqlite::OptionalExtension;
        self.point.read(|c| {
            c.prepare_cached(cases::TRACKING_CASE)?
                .query_row(rusqlite::named_params! { "$1": &hash.0[..] }, |r| {
                    Ok((
                        r.get("id")?,
                        cases::StoredCase {
                            state: r.get("state")?,
                            project_version: r.get("project_version")?,
                        },
                    ))
                })
                .optional()
        })
    }

    async fn token_case(
        &self,
        hash: &crate::SecretHash,
        id: &embargo_core::ids::CaseId,
    ) -> Result<Option<cases::TokenCase>> {
        use rusqlite::OptionalExtension;
        self.point.read(|c| {
            c.prepare_cached(cases::TOKEN_CASE)?
                .query_row(
                    rusqlite::named_params! { "$1": &hash.0[..], "$2": id.as_str() },
                    |r| {
                        let state: Option<String> = r.get("state")?;
                        Ok(cases::TokenCase {
                            owner: user_of(r)?,
                            token: crate::TokenId(r.get("token_id")?),
                            case: match state {
                                Some(state) => Some(cases::StoredCase {
                                    state,
                                    project_version: r.get("project_version")?,
                                }),
                                None => None,
                            },
                        })
                    },
                )
                .optional()
        })
    }

    async fn project_version(&self, slug: &str) -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        self.point.read(|c| {
            c.prepare_cached(projects::PROJECT_VERSION)?
                .query_row(rusqlite::named_params! { "$1": slug }, |r| r.get(0))
                .optional()
        })
    }

    async fn session_row(
        &self,
        hash: &crate::SecretHash,
        now: embargo_core::Timestamp,
    ) -> Result<Option<(crate::SessionRecord, crate::UserRecord)>> {
        use rusqlite::OptionalExtension;
        self.point.read(|c| {
            c.prepare_cached(sessions::SESSION)?
                .query_row(
                    rusqlite::named_params! { "$1": &hash.0[..], "$2": super::micros(now) },
                    |r| {
                        let user = user_of(r)?;
                        Ok((
                            crate::SessionRecord {
                                user: user.id,
                                signed_in_at: timestamp_of(r, "signed_in_at")?,
                                csrf_token: r.get("csrf_token")?,
                                expires_at: timestamp_of(r, "expires_at")?,
                            },
                            user,
                        ))
                    },
                )
                .optional()
        })
    }
}

/// The user columns of [`cases::TOKEN_CASE`] and [`sessions::SESSION`], as
/// `support::user_from_row` reads them from sqlx's rows.
fn user_of(r: &rusqlite::Row) -> rusqlite::Result<crate::UserRecord> {
    Ok(crate::UserRecord {
        id: embargo_core::ids::UserId(r.get("id")?),
        email: r.get("email")?,
        name: r.get("name")?,
        instance_admin: r.get("instance_admin")?,
        second_factor: r.get("second_factor")?,
        password_hash: r.get("password_hash")?,
        created_at: timestamp_of(r, "created_at")?,
    })
}

fn timestamp_of(r: &rusqlite::Row, column: &str) -> rusqlite::Result<embargo_core::Timestamp> {
    let us: i64 = r.get(column)?;
    super::timestamp(us).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            r.as_ref().column_index(column).unwrap_or(0),
            rusqlite::types::Type::Integer,
            Box::new(e),
        )
    })
}

impl crate::Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

#[path = "generic/account_notifications.rs"]
mod account_notifications;
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

/// A consistent copy of the database in `file`, taken while the server runs:
/// `VACUUM INTO` reads one snapshot (a read transaction, so writers go on under WAL)
/// and writes a compact, self-contained database file at `out`, which must not exist.
pub async fn backup(file: &Path, out: &Path) -> Result<()> {
    use sqlx::ConnectOptions;
    let mut c = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await?;
    let target = out
        .to_str()
        .ok_or_else(|| StoreError::Corrupt(format!("{}: not a UTF-8 path", out.display())))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&mut c)
        .await?;
    sqlx::Connection::close(c).await?;
    Ok(())
}

/// Checks that `backup` is a whole Embargo database (SQLite's `integrity_check`, and a
/// chain key row) and puts it in place of `file`. The server must be stopped: the
/// file is replaced, and the old write-ahead log, which belongs to the replaced
/// database, is removed first.
pub async fn restore(backup: &Path, file: &Path) -> Result<()> {
    use sqlx::ConnectOptions;
    let bad = |why: String| StoreError::Corrupt(format!("{}: {why}", backup.display()));
    if !backup.is_file() {
        return Err(bad("no such file".into()));
    }
    let mut c = SqliteConnectOptions::new()
        .filename(backup)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| bad(format!("not a SQLite database ({e})")))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .map_err(|e| bad(format!("not a SQLite database ({e})")))?;
    if check != "ok" {
        return Err(bad(format!("fails SQLite's integrity check: {check}")));
    }
    let keyed: Option<i64> = sqlx::query_scalar("SELECT count(*) FROM chain_key")
        .fetch_optional(&mut c)
        .await
        .map_err(|_| bad("not an Embargo database (no chain_key table)".into()))?;
    if keyed.unwrap_or(0) == 0 {
        return Err(bad("not an Embargo database (no chain key)".into()));
    }
    sqlx::Connection::close(c).await?;
    let io = |e: std::io::Error| StoreError::Database(sqlx::Error::Io(e));
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // Copied beside the target and renamed over it, so a crash leaves one or the other.
    let tmp = file.with_extension("sqlite3.restoring");
    std::fs::copy(backup, &tmp).map_err(io)?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = file.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(std::path::PathBuf::from(side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
    }
    std::fs::rename(&tmp, file).map_err(io)?;
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(())
}
