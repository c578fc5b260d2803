//! PostgreSQL, for deployments that share one database between instances.

use crate::{Backend, Result};
use sqlx::postgres::PgPoolOptions;

type Pool = sqlx::PgPool;
type Backing = PostgresStore;

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

impl super::Dialect for PostgresStore {
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
}

impl crate::Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

#[path = "generic/accounts.rs"]
mod accounts;
#[path = "generic/cases.rs"]
mod cases;
#[path = "generic/integrity.rs"]
mod integrity;
#[path = "generic/outbox.rs"]
mod outbox;
#[path = "generic/projects.rs"]
mod projects;
#[path = "generic/sessions.rs"]
mod sessions;
#[path = "generic/support.rs"]
mod support;
