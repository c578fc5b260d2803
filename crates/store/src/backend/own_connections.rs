//! PostgreSQL's single reads on connections of their own, beside sqlx's pool.
//!
//! sqlx's pool pings each connection as it is given back, always (a round trip, in a
//! task of its own), and by default again as it is taken, so every statement through it
//! costs PostgreSQL two or three round trips.
//! The single reads that requests make most (a token's case, a viewer's case, a session,
//! a project's version) run here instead: a few connections kept idle, taken one per
//! read, given back without a ping once the read has answered.
//!
//! A kept connection may have been closed by the server since (a restart, an operator
//! ending sessions). A read that fails on one is tried once more on a new connection:
//! a read changes nothing, so trying it again is safe, and so a restart costs no request
//! an error. A connection that failed is closed, never kept.

use crate::Result;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgRow, Postgres};
use sqlx::query::Query;
use std::sync::Mutex;
use tokio::sync::Semaphore;

/// Connections open at once for single reads, as many as the pool's; more requests wait
/// for one. With 8, one instance read 12 % faster on 2 cores, but two instances on one
/// database more often answered their slowest reads in seconds (docs/performance.md,
/// "How many connections of their own").
const CONNECTIONS_MAX: usize = 16;

pub(crate) struct OwnConnections {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    open: Semaphore,
}

impl OwnConnections {
    pub(crate) fn new(options: PgConnectOptions) -> Self {
        OwnConnections {
            options,
            idle: Mutex::new(Vec::new()),
            open: Semaphore::new(CONNECTIONS_MAX),
        }
    }

    /// The row the query `query` makes finds, if any, read on one of these connections.
    pub(crate) async fn row<'q>(
        &self,
        query: impl Fn() -> Query<'q, Postgres, PgArguments>,
    ) -> Result<Option<PgRow>> {
        let _turn = self.open.acquire().await.expect("never closed");
        let kept = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        // Dropped before it answers (the request went away), a connection is closed with
        // this future: only one that answered is given back.
        let (connection, found) = match kept {
            Some(mut connection) => match query().fetch_optional(&mut connection).await {
                Ok(found) => (connection, found),
                Err(_) => self.afresh(query).await?,
            },
            None => self.afresh(query).await?,
        };
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(connection);
        Ok(found)
    }

    async fn afresh<'q>(
        &self,
        query: impl Fn() -> Query<'q, Postgres, PgArguments>,
    ) -> Result<(PgConnection, Option<PgRow>)> {
        let mut connection =
            <PgConnection as sqlx::Connection>::connect_with(&self.options).await?;
        let found = query().fetch_optional(&mut connection).await?;
        Ok((connection, found))
    }
}
