//! Test support shared by the crates' integration tests.
//!
//! PostgreSQL: tests use the server at `$EMBARGO_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), each in a fresh database that is
//! dropped afterwards. If no server answers, the test fails and says how to get one
//! (`scripts/test` starts a throwaway server): the PostgreSQL half of the suite is
//! never skipped silently.

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub mod imap;
pub mod schemas;
pub mod smtp;
pub mod tls;

pub use tempfile::TempDir;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The maintenance database URL tests create their databases from.
pub fn pg_admin_url() -> String {
    std::env::var("EMBARGO_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

fn unique_name(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
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

/// A fresh PostgreSQL database, dropped (with its connections) when this is dropped.
pub struct PgTestDb {
    pub url: String,
    name: String,
    admin_url: String,
}

impl PgTestDb {
    pub async fn create() -> Self {
        let admin_url = pg_admin_url();
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {admin_url}: {e}.\n\
                 Run the tests with `scripts/test`, which uses the server on 127.0.0.1:5432 or \
                 starts a throwaway one, or point EMBARGO_TEST_PG_URL at a server where this \
                 user may create databases."
            )
        });
        let name = unique_name("embargo_test");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        PgTestDb {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        }
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside any async context we can rely on; use a small runtime on
        // a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
            .map_err(|e| std::io::Error::other(e.to_string()))
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

/// The shared specs folder (`../shared/specs` beside the repository), or
/// `$EMBARGO_SPECS_DIR`. Panics with directions if it is missing.
pub fn specs_dir() -> PathBuf {
    let dir = std::env::var_os("EMBARGO_SPECS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs"));
    assert!(
        dir.is_dir(),
        "the shared specs are missing at {}; set EMBARGO_SPECS_DIR to the specs folder",
        dir.display()
    );
    dir
}

pub fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("embargo-test-")
        .tempdir()
        .expect("creating a temporary directory")
}

/// Installs rustls' `ring` provider for the process. `embargo-cve-services` builds
/// reqwest with `rustls-no-provider` (and brings its own provider), and Cargo unifies
/// that feature into every reqwest of the build, tests' clients included: they need
/// a process-wide provider before any client is built. Idempotent.
pub fn tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "x"),
            "postgres://u@h:5/x"
        );
        assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
        assert_eq!(
            with_database("postgres://u@h/p?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
