//! SQLite reads on the caller's own thread, for the single reads every request makes.
//!
//! sqlx runs each SQLite connection on a thread of its own and reaches it through a
//! channel: a statement costs two hand-offs between threads, and under load half the
//! server's time went to threads waking each other (docs/performance.md). A point read
//! by primary key takes microseconds in SQLite itself, so here it runs where the
//! request already is, on a connection of this small pool, through rusqlite over the
//! same bundled SQLite library. The connections are opened read-only: whatever goes
//! wrong here cannot write.
//!
//! Each statement is its own read transaction, so it sees every commit made before it
//! began, by this process or another, as sqlx's readers do.

use crate::Result;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Idle connections kept: about as many as threads that read at once (the runtime's
/// workers); more are opened when needed and closed after.
const IDLE_MAX: usize = 8;

pub(crate) struct OwnThreadReads {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl OwnThreadReads {
    pub(crate) fn new(file: PathBuf) -> Self {
        OwnThreadReads {
            file,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle connection (opening one if none is), then keeps it.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let connection = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        let found = read(&connection)?;
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_MAX {
            idle.push(connection);
        }
        Ok(found)
    }

    fn open(&self) -> Result<Connection> {
        let connection = Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // As sqlx's connections: a reader waits out a writer's brief exclusive moments
        // (WAL recovery, a checkpoint's reset) instead of failing.
        connection.busy_timeout(Duration::from_secs(10))?;
        connection.pragma_update(None, "cache_size", super::sqlite::READER_CACHE_KIB)?;
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_see_each_commit_and_never_write() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db.sqlite3");
        let writer = Connection::open(&file).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);",
            )
            .unwrap();
        let reads = OwnThreadReads::new(file);
        let count = || {
            reads
                .read(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0)))
                .unwrap()
        };
        assert_eq!(count(), 1);
        writer.execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_eq!(
            count(),
            2,
            "a kept connection sees the commit after its last read"
        );
        let refused = reads.read(|c| c.execute("INSERT INTO t VALUES (3)", []));
        assert!(
            matches!(refused, Err(crate::StoreError::SqliteRead(_))),
            "{refused:?}"
        );
        assert_eq!(count(), 2);
    }
}
