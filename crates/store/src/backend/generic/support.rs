//! What every area of a backend shares: the transaction type, JSON (de)coding, and
//! appending to and reading a hash-chained stream. Compiled once per backend, whose
//! module (`super`) names `Pool`.

use super::Pool;
use crate::backend::micros;
use crate::chain::{self, ChainKey};
use crate::sealing::{self, KeyBytes};
use crate::{Result, StoreError, StoredEvent, UserRecord};
use embargo_core::event::Recorded;
use embargo_core::ids::UserId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

pub(super) type Tx = sqlx::Transaction<'static, <Pool as PoolDb>::Db>;
pub(super) type DbRow = <<Pool as PoolDb>::Db as sqlx::Database>::Row;

/// Names the database type of a pool, so the generic modules never spell out a backend.
pub(super) trait PoolDb {
    type Db: sqlx::Database;
}
impl<DB: sqlx::Database> PoolDb for sqlx::Pool<DB> {
    type Db = DB;
}

pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(super) fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain types serialize")
}

pub(super) fn from_json<T: DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, e))
}

pub(super) fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Appends events to a stream inside `tx`, extending the hash chain. `expected` is the
/// stream's current length as the caller read it (`None`: whatever it is now); a
/// concurrent append surfaces as `StoreError::Conflict` via the primary key. With
/// `seal` (a case's stream, with keys), each body is sealed under that project's key.
pub(super) async fn append<E: Serialize>(
    tx: &mut Tx,
    chain: &ChainKey,
    stream: &str,
    expected: Option<u64>,
    kinds: impl Fn(&E) -> &'static str,
    events: &[Recorded<E>],
    seal: Option<&TextKey>,
) -> Result<()> {
    // A stream expected to be new has no head to read: if it exists after all, the
    // first insert meets the unique (stream, seq) key and says `Conflict`.
    let last = match expected {
        Some(0) => None,
        _ => {
            sqlx::query("SELECT seq, hash FROM events WHERE stream = $1 ORDER BY seq DESC LIMIT 1")
                .bind(stream)
                .fetch_optional(&mut **tx)
                .await?
        }
    };
    let (seq, prev): (u64, Option<Vec<u8>>) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? as u64,
            Some(row.try_get("hash")?),
        ),
        None => (0, None),
    };
    if let Some(expected) = expected
        && expected != seq
    {
        return Err(StoreError::Conflict);
    }
    let rows = chain_events(chain, stream, seq, prev, kinds, events, seal);
    insert_events(tx, rows).await
}

/// A project's data key, for sealing a case's text at rest (issue 11, item 3), and the
/// instance's search key, for the keyed tokens search finds it by.
pub(super) struct TextKey {
    pub(super) project: String,
    pub(super) key: KeyBytes,
    pub(super) search: KeyBytes,
}

impl TextKey {
    /// Where an event's body is: what its seal is bound to.
    pub(super) fn event_place(stream: &str, seq: u64) -> String {
        format!("{stream}#{seq}")
    }

    pub(super) fn seal(&self, place: &str, plain: &str) -> String {
        sealing::seal_text(&self.key, &self.project, place, plain)
    }
}

/// Where a case's projection is, for its seal.
pub(super) const CASE_PLACE: &str = "case";

/// An `events` row, its hash already linked to the one before it.
pub(super) struct EventRow {
    stream: String,
    seq: i64,
    kind: &'static str,
    at: i64,
    body: String,
    prev_hash: Option<Vec<u8>>,
    hash: Vec<u8>,
}

/// Links `events` to a stream whose last event is `seq` with hash `prev` (a new
/// stream: 0 and `None`), as rows for [`insert_events`].
pub(super) fn chain_events<E: Serialize>(
    chain: &ChainKey,
    stream: &str,
    mut seq: u64,
    mut prev: Option<Vec<u8>>,
    kinds: impl Fn(&E) -> &'static str,
    events: &[Recorded<E>],
    seal: Option<&TextKey>,
) -> Vec<EventRow> {
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        // The chain links what is stored: a sealed body is verified without the keys.
        let body = match seal {
            Some(k) => k.seal(&TextKey::event_place(stream, seq), &to_json(e)),
            None => to_json(e),
        };
        let hash = chain::link(chain, prev.as_deref(), stream, seq, &body);
        rows.push(EventRow {
            stream: stream.to_owned(),
            seq: seq as i64,
            kind: kinds(&e.event),
            at: micros(e.at),
            body,
            prev_hash: prev.replace(hash.clone()),
            hash,
        });
    }
    rows
}

/// Inserts event rows, many to a statement (a batch's streams together). A row whose
/// place is taken (a concurrent append, a stream that exists after all) is `Conflict`.
pub(super) async fn insert_events(tx: &mut Tx, rows: Vec<EventRow>) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = sqlx::QueryBuilder::<<Pool as PoolDb>::Db>::new(
            "INSERT INTO events (stream, seq, kind, at, body, prev_hash, hash) ",
        );
        q.push_values(rows.by_ref().take(ROWS_PER_INSERT), |mut b, r| {
            b.push_bind(r.stream)
                .push_bind(r.seq)
                .push_bind(r.kind)
                .push_bind(r.at)
                .push_bind(r.body)
                .push_bind(r.prev_hash)
                .push_bind(r.hash);
        });
        match q.build().execute(&mut **tx).await {
            Err(err) if unique_violation(&err) => return Err(StoreError::Conflict),
            other => other?,
        };
    }
    Ok(())
}

/// Rows per multi-row insert: with up to 20 columns, well below either database's
/// limit on bound parameters (SQLite 32,766, PostgreSQL 65,535).
pub(super) const ROWS_PER_INSERT: usize = 500;

pub(super) async fn read_stream<E: DeserializeOwned>(
    pool: &Pool,
    stream: &str,
) -> Result<Vec<StoredEvent<E>>> {
    let rows = sqlx::query("SELECT seq, body, hash FROM events WHERE stream = $1 ORDER BY seq")
        .bind(stream)
        .fetch_all(pool)
        .await?;
    rows.iter().map(stored_event).collect()
}

/// An `events` row that selected `seq`, `body` and `hash`.
pub(super) fn stored_event<E: DeserializeOwned>(row: &DbRow) -> Result<StoredEvent<E>> {
    Ok(StoredEvent {
        seq: row.try_get::<i64, _>("seq")? as u64,
        hash: hex::encode(row.try_get::<Vec<u8>, _>("hash")?),
        recorded: from_json("event", &row.try_get::<String, _>("body")?)?,
    })
}

/// Runs a transaction again when a concurrent writer took the same stream position.
/// Only for appends whose events do not depend on what was read (account events).
pub(super) async fn retrying<F, Fut, T>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(StoreError::Conflict) if tries < 8 => tries += 1,
            other => return other,
        }
    }
}

pub(super) fn user_from_row(row: &DbRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        instance_admin: row.try_get("instance_admin")?,
        second_factor: row.try_get("second_factor")?,
        password_hash: row.try_get("password_hash")?,
        created_at: crate::backend::timestamp(row.try_get("created_at")?)?,
    })
}
