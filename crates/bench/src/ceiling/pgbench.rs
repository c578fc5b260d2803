//! The PostgreSQL ceiling: Debian's `pgbench`, single-row inserts from 8 clients into a
//! table of a throwaway database, each its own transaction.

use crate::{Error, Result};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a run did.
#[derive(Debug, Clone)]
pub struct Transactions {
    /// Committed inserts, counted back from the table after the run.
    pub rows: u64,
    /// pgbench's own figure (without connection set-up).
    pub tps: f64,
    pub failed: u64,
    pub latency_avg: Option<Duration>,
}

/// The newest `pgbench` under `/usr/lib/postgresql/*/bin`, else the one on `PATH`.
pub fn find() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let p = e.path().join("bin/pgbench");
            p.is_file().then_some((v, p))
        })
        .collect();
    found.sort();
    if let Some((_, p)) = found.pop() {
        return Some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("pgbench"))
            .find(|p| p.is_file())
    })
}

/// Runs `clients` pgbench clients inserting rows of `row_bytes` for `duration` into
/// the (empty, throwaway) database at `url`; `dir` holds the script.
pub async fn run(
    pgbench: &Path,
    url: &str,
    clients: u32,
    duration: Duration,
    row_bytes: usize,
    dir: &Path,
) -> Result<Transactions> {
    let mut c = PgConnection::connect(url).await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS ceiling (id bigserial PRIMARY KEY, body text NOT NULL)",
    )
    .execute(&mut c)
    .await?;
    let (before,): (i64,) = sqlx::query_as("SELECT count(*) FROM ceiling")
        .fetch_one(&mut c)
        .await?;
    let script = dir.join("pgbench-insert.sql");
    std::fs::write(
        &script,
        format!("INSERT INTO ceiling (body) VALUES (repeat('x', {row_bytes}));\n"),
    )
    .map_err(Error::io(format!("writing {}", script.display())))?;
    let secs = duration.as_secs().max(1).to_string();
    let out = tokio::process::Command::new(pgbench)
        .args(["-n", "-M", "prepared", "-j", "2", "-c"])
        .arg(clients.to_string())
        .args(["-T", &secs, "-f"])
        .arg(&script)
        .arg(url)
        .output()
        .await
        .map_err(Error::io(format!("running {}", pgbench.display())))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(Error::failed(format!(
            "pgbench exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let mut t = parse(&text)?;
    let (after,): (i64,) = sqlx::query_as("SELECT count(*) FROM ceiling")
        .fetch_one(&mut c)
        .await?;
    t.rows = u64::try_from(after - before).unwrap_or(0);
    Ok(t)
}

/// Reads pgbench's report: `tps = …`, the processed and failed transactions.
pub fn parse(text: &str) -> Result<Transactions> {
    let number_after = |key: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    let tps = number_after("tps =")
        .ok_or_else(|| Error::failed(format!("pgbench printed no `tps =` line:\n{text}")))?;
    let processed = number_after("number of transactions actually processed:")
        .ok_or_else(|| Error::failed(format!("pgbench printed no transaction count:\n{text}")))?;
    Ok(Transactions {
        rows: processed as u64,
        tps,
        failed: number_after("number of failed transactions:").unwrap_or(0.0) as u64,
        latency_avg: number_after("latency average =")
            .map(|ms| Duration::from_secs_f64(ms / 1000.0)),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_pgbench_15_output() {
        let text = "transaction type: /tmp/x/pgbench-insert.sql\nscaling factor: 1\nquery mode: prepared\n\
number of clients: 8\nnumber of threads: 2\nmaximum number of tries: 1\nduration: 10 s\n\
number of transactions actually processed: 25360\nnumber of failed transactions: 0 (0.000%)\n\
latency average = 3.154 ms\ninitial connection time = 12.345 ms\ntps = 2536.123456 (without initial connection time)\n";
        let t = super::parse(text).unwrap();
        assert_eq!(t.rows, 25360);
        assert_eq!(t.failed, 0);
        assert!((t.tps - 2536.123456).abs() < 1e-6);
        assert_eq!(t.latency_avg.unwrap().as_micros(), 3154);
        assert!(super::parse("nothing").is_err());
    }
}
