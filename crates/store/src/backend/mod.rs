//! The two backends. Their SQL is portable (`$n` parameters, `ON CONFLICT`), so one
//! implementation, the modules under `generic/`, is compiled once per backend with that
//! backend's pool type (`sqlite.rs` and `postgres.rs` each name it `Pool`, their struct
//! `Backing` and its [`Dialect`]); each backend keeps its own migrations and connection
//! setup.
//! The generic modules are ordinary `#[path]` modules, so `cargo fmt` formats them.

use crate::{Result, StoreError};
use embargo_core::Timestamp;

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn timestamp(us: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| StoreError::Corrupt(format!("timestamp {us}: {e}")))
}

/// Projects as last decoded, by slug, each with the version it was read at. A reader
/// asks the database for the project's version (a column, in the same statement as
/// the case where it can) and decodes the JSON state only when that version is not the
/// one cached. Every change to a project appends to its stream and sets `version` in
/// the same transaction, so a version read from the database names one state: another
/// instance's change is seen at once, with no message between instances.
#[derive(Default)]
pub(crate) struct ProjectCache(
    std::sync::Mutex<
        std::collections::HashMap<String, std::sync::Arc<embargo_core::project::Project>>,
    >,
);

/// Projects are few; the bound only keeps a runaway from growing the map.
const PROJECT_CACHE_MAX: usize = 10_000;

impl ProjectCache {
    pub(crate) fn get(
        &self,
        slug: &str,
        version: u64,
    ) -> Option<std::sync::Arc<embargo_core::project::Project>> {
        let map = self.0.lock().expect("project cache lock");
        map.get(slug).filter(|p| p.version == version).cloned()
    }

    pub(crate) fn put(&self, project: &std::sync::Arc<embargo_core::project::Project>) {
        let mut map = self.0.lock().expect("project cache lock");
        if map.len() >= PROJECT_CACHE_MAX && !map.contains_key(project.slug.as_str()) {
            map.clear();
        }
        match map.get(project.slug.as_str()) {
            // Never replace a newer state with an older one read by a slower request.
            Some(cached) if cached.version > project.version => {}
            _ => {
                map.insert(project.slug.as_str().to_owned(), project.clone());
            }
        }
    }
}

/// Cases as last opened, by the stored text they were opened from. A single read or a
/// page takes the row's `state` anyway (in one statement with the token, or the
/// project's version); when it is the very text cached, the case is shared instead of
/// opened again (base64, AES-GCM, inflate) and parsed. The same stored text always
/// opens to the same case, and every change writes another text (a new version; sealed,
/// a new nonce), so what is found here cannot be stale, even after another instance's
/// change. Who may see the case is decided after, on every read.
#[derive(Default)]
pub(crate) struct CaseCache(
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<embargo_core::case::Case>>>,
);

/// About 2,000 cases of a few KB each: the cases being worked on, not the instance's.
/// Full, it starts again empty (no bookkeeping on the read path).
const CASE_CACHE_MAX: usize = 2_000;

impl CaseCache {
    pub(crate) fn get(&self, stored: &str) -> Option<std::sync::Arc<embargo_core::case::Case>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(stored).cloned()
    }

    pub(crate) fn put(&self, stored: String, case: &std::sync::Arc<embargo_core::case::Case>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CASE_CACHE_MAX {
            map.clear();
        }
        map.insert(stored, case.clone());
    }

    /// [`CaseCache::put`] from a page: only while there is room, never emptying it.
    pub(crate) fn offer(&self, stored: String, case: &std::sync::Arc<embargo_core::case::Case>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() < CASE_CACHE_MAX {
            map.insert(stored, case.clone());
        }
    }
}

/// A search asked of each listed case in turn ([`Dialect::SEARCH_PROBE`]).
pub(crate) struct SearchProbe {
    /// Counts the cases matching the query `$1`, stopping at `$2`; selects `found`.
    pub(crate) count: &'static str,
    /// "The listed case `c` matches": the SQL before and after the bound query.
    pub(crate) each: (&'static str, &'static str),
}

/// How a dialect writes many cases' search rows in one statement: `insert`, then a row
/// per case, each the bound id and the bound text with SQL around them.
pub(crate) struct SearchWriteMany {
    /// `INSERT INTO … ` before the rows.
    pub(crate) insert: &'static str,
    /// Around the bound case id.
    pub(crate) id: (&'static str, &'static str),
    /// Around the bound text.
    pub(crate) text: (&'static str, &'static str),
}

/// Where SQLite's and PostgreSQL's SQL differ. The generic modules write the portable
/// part and splice in these pieces, so a difference is named once, here.
pub(crate) trait Dialect {
    /// Ends a `SELECT … FOR UPDATE`-style claim of rows several workers may want.
    /// PostgreSQL locks the rows and lets other workers skip them; SQLite has a single
    /// writer connection, so there is no one to skip and no row lock to take.
    const SKIP_LOCKED: &'static str;
    /// Run inside a transaction that queued work, so that other instances' workers wake
    /// when it commits (and never for work rolled back). `None` where no other instance
    /// shares the database.
    const NOTIFY_JOBS: Option<&'static str>;
    /// Lets a transaction queue a new case's jobs before the case's row exists: the
    /// outbox's reference to the case is checked at commit. Where it is set, intake
    /// queues first so that each case is inserted naming its clock timer, not inserted
    /// and then updated: on PostgreSQL an update writes the whole row again, with an
    /// entry in each of the table's indexes (+17 % intake). `None` on SQLite, whose
    /// deferred check looks for a new case's jobs by scanning the outbox (no index by
    /// case; intake fell to a third), and whose update of a row just written is cheap.
    const DEFER_OUTBOX_CASE: Option<&'static str>;
    /// Removes a case's search row (`$1`: the case id), before [`Dialect::SEARCH_WRITE`].
    const SEARCH_CLEAR: &'static str;
    /// Writes a case's search row (`$1`: the case id, `$2`: its text).
    const SEARCH_WRITE: &'static str;
    /// [`Dialect::SEARCH_WRITE`] for many cases in one statement.
    const SEARCH_WRITE_MANY: SearchWriteMany;
    /// A listing's "the case's text matches": the SQL before and after the bound query
    /// that [`Dialect::search_query`] makes.
    const SEARCH_MATCH: (&'static str, &'static str);
    /// Where finding every match first costs more than asking the listed cases one by
    /// one when a word is common (`generic::cases`, `listed`); `None` where the
    /// index's set is cheap to join to the listing.
    const SEARCH_PROBE: Option<SearchProbe>;
    /// The query for `words` (from `crate::search_words`: letters and digits only, so
    /// they carry no syntax): every word must be there, as a word or a word's start.
    fn search_query(words: &[String], prefix: bool) -> String;
    /// Statements that rewrite the database's files without the space rows left when
    /// they were changed or deleted (which still hold what they said), run one by one
    /// outside a transaction.
    const COMPACT: &'static [&'static str];
    /// Refreshes the planner's statistics after a bulk load: PostgreSQL plans with the
    /// ones it had, and until autovacuum gets to it a table of 10⁶ new rows looks empty
    /// (the triage queue took 1.5 s instead of 0.2 ms at 10⁶ seeded cases).
    const ANALYZE: &'static str;
}

/// The columns `support::user_from_row` reads, for a statement that joins `users u`:
/// one string, so that each statement stays static (`concat!`). Here, once, is what
/// "has a second factor" means: a confirmed one-time-password secret or any passkey.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.name, u.instance_admin, u.password_hash, u.created_at, \
         (EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id AND f.confirmed) \
         OR EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = u.id)) AS second_factor"
    };
}

pub(crate) mod own_connections;
pub(crate) mod own_thread;
#[expect(
    clippy::duplicate_mod,
    reason = "the generic modules are compiled once per backend, over its own pool type"
)]
pub mod postgres;
pub mod sqlite;
