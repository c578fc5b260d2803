//! What every area of a backend shares: the transaction type, JSON (de)coding, and
//! appending to and reading a hash-chained stream. Compiled once per backend, whose
//! module (`super`) names `Pool`.

use super::Pool;
use crate::backend::micros;
use crate::chain::{self, ChainKey};
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
/// concurrent append surfaces as `StoreError::Conflict` via the primary key.
pub(super) async fn append<E: Serialize>(
    tx: &mut Tx,
    chain: &ChainKey,
    stream: &str,
    expected: Option<u64>,
    kinds: impl Fn(&E) -> &'static str,
    events: &[Recorded<E>],
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
    let (mut seq, mut prev): (u64, Option<Vec<u8>>) = match last {
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
    for e in events {
        seq += 1;
        let body = to_json(e);
        let hash = chain::link(chain, prev.as_deref(), stream, seq, &body);
        let inserted = sqlx::query(
            "INSERT INTO events (stream, seq, kind, at, body, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(stream)
        .bind(seq as i64)
        .bind(kinds(&e.event))
        .bind(micros(e.at))
        .bind(&body)
        .bind(prev.as_deref())
        .bind(&hash)
        .execute(&mut **tx)
        .await;
        match inserted {
            Err(err) if unique_violation(&err) => return Err(StoreError::Conflict),
            other => other?,
        };
        prev = Some(hash);
    }
    Ok(())
}

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
