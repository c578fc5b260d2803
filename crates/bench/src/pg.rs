//! Throwaway PostgreSQL databases: created for a run, named after the run's process,
//! dropped at its end; databases left by a run that died are dropped by the next one.

use crate::{Error, Result};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection};
use std::sync::Mutex;

/// Where the PostgreSQL URL comes from when `EMBARGO_BENCH_PG_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PREFIX: &str = "embargo_bench_";

pub struct Pg {
    /// A maintenance database URL on the server (e.g. `…/postgres`).
    pub admin_url: String,
    created: Mutex<Vec<String>>,
}

impl Pg {
    pub fn from_env() -> Pg {
        Pg::new(std::env::var("EMBARGO_BENCH_PG_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned()))
    }

    pub fn new(admin_url: String) -> Pg {
        Pg {
            admin_url,
            created: Mutex::new(Vec::new()),
        }
    }

    async fn admin(&self) -> Result<PgConnection> {
        PgConnection::connect(&self.admin_url).await.map_err(|e| {
            Error::Missing(format!(
                "PostgreSQL is not reachable at {} ({e}); start one on 127.0.0.1:5432 or set \
                 EMBARGO_BENCH_PG_URL to a server where this user may create databases",
                self.admin_url
            ))
        })
    }

    /// The server's version and the settings that decide what a commit costs.
    pub async fn describe(&self) -> Result<String> {
        let mut c = self.admin().await?;
        let mut out = Vec::new();
        for setting in [
            "server_version",
            "fsync",
            "synchronous_commit",
            "shared_buffers",
        ] {
            let (v,): (String,) = sqlx::query_as(AssertSqlSafe(format!("SHOW {setting}")))
                .fetch_one(&mut c)
                .await?;
            out.push(format!("{setting}={v}"));
        }
        Ok(out.join(", "))
    }

    /// A new empty database; returns its URL.
    pub async fn create(&self, label: &str) -> Result<String> {
        let name = format!("{PREFIX}{}_{label}", std::process::id());
        let mut c = self.admin().await?;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut c)
        .await?;
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut c)
            .await?;
        self.created.lock().expect("lock").push(name.clone());
        Ok(with_database(&self.admin_url, &name))
    }

    /// Drops a database this run created (its URL as [`Pg::create`] returned it).
    pub async fn drop_url(&self, url: &str) -> Result<()> {
        let name = database_of(url);
        let mut c = self.admin().await?;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut c)
        .await?;
        self.created.lock().expect("lock").retain(|n| *n != name);
        Ok(())
    }

    /// Drops every database this run created and has not dropped yet.
    pub async fn drop_all(&self) -> Result<()> {
        let names: Vec<String> = self.created.lock().expect("lock").clone();
        for name in names {
            self.drop_url(&with_database(&self.admin_url, &name))
                .await?;
        }
        Ok(())
    }

    /// Drops bench databases whose run (named by its process id) is no longer running.
    pub async fn drop_stale(&self) -> Result<Vec<String>> {
        let mut c = self.admin().await?;
        let names: Vec<(String,)> = sqlx::query_as(
            "SELECT datname FROM pg_database WHERE datname LIKE 'embargo\\_bench\\_%'",
        )
        .fetch_all(&mut c)
        .await?;
        let mut dropped = Vec::new();
        for (name,) in names {
            let pid = name
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.split('_').next())
                .and_then(|p| p.parse::<u32>().ok());
            let Some(pid) = pid else { continue };
            if std::path::Path::new(&format!("/proc/{pid}")).exists() {
                continue;
            }
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut c)
            .await?;
            dropped.push(name);
        }
        Ok(dropped)
    }

    /// The size of the database at `url`, in bytes (`pg_database_size`: tables and
    /// indexes, not the server's write-ahead log).
    pub async fn size(&self, url: &str) -> Result<u64> {
        let mut c = PgConnection::connect(url).await?;
        let (n,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
            .fetch_one(&mut c)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Replaces the database name in a `postgres://…/db?params` URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// The database name of a `postgres://…/db?params` URL.
pub fn database_of(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let after_scheme = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
    after_scheme
        .split_once('/')
        .map(|(_, db)| db.to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_in_urls() {
        let u = with_database(
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
            "x_1",
        );
        assert_eq!(u, "postgres://postgres@127.0.0.1:5432/x_1?sslmode=disable");
        assert_eq!(database_of(&u), "x_1");
        assert_eq!(with_database("postgres://h", "d"), "postgres://h/d");
    }
}
