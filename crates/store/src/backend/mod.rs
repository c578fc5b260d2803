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

/// Where SQLite's and PostgreSQL's SQL differ. The generic modules write the portable
/// part and splice in these pieces, so a difference is named once, here.
pub(crate) trait Dialect {
    /// Ends a `SELECT … FOR UPDATE`-style claim of rows several workers may want.
    /// PostgreSQL locks the rows and lets other workers skip them; SQLite has a single
    /// writer connection, so there is no one to skip and no row lock to take.
    const SKIP_LOCKED: &'static str;
}

#[expect(
    clippy::duplicate_mod,
    reason = "the generic modules are compiled once per backend, over its own pool type"
)]
pub mod postgres;
pub mod sqlite;
