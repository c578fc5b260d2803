//! The groups of measurements of issue 13, each run against its ceiling interleaved,
//! repetition by repetition, and summarised by medians into [`crate::table`] rows.
//!
//! Every group starts its own servers on free ports with fresh data (a directory under
//! the run's folder, or a throwaway PostgreSQL database) and stops and drops them when
//! it ends, also when it fails.

pub mod cvss;
pub mod import;
pub mod instances;
pub mod intake;
pub mod reads;
pub mod scale;

use crate::client::Client;
use crate::embargo::{Database, Embargo};
use crate::pg::Pg;
use crate::table::{Report, Row};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The groups, in the order a full run takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// `GET /api/v1/cases/{id}` with a token (wrk) beside the bare axum ceiling.
    Reads,
    /// Report intake at 64 connections beside the durable-insert ceilings.
    Intake,
    /// Listing, queue and one case at the small and the large case count; database
    /// size per case, start-up time, server memory under 8 listing clients.
    Scale,
    /// Two instances on one PostgreSQL database beside one (reads and intake).
    Instances,
    /// `embargo import osv` records per second.
    Import,
    /// `embargo cvss --json -`, through `scripts/bench-cvss` when the tree has it.
    Cvss,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Reads,
        Group::Intake,
        Group::Scale,
        Group::Instances,
        Group::Import,
        Group::Cvss,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Reads => "reads",
            Group::Intake => "intake",
            Group::Scale => "scale",
            Group::Instances => "instances",
            Group::Import => "import",
            Group::Cvss => "cvss",
        }
    }

    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == s)
    }
}

/// Which databases Embargo is measured on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub groups: Vec<Group>,
    pub backends: Vec<Backend>,
    /// The large case count of the scale group.
    pub cases: u64,
    /// The small case count (reads, and the scale group's first size).
    pub small_cases: u64,
    pub reps: usize,
    /// How long each load run lasts.
    pub duration: Duration,
    /// Connections for the GET and intake loads.
    pub connections: u32,
    /// Concurrent clients for the listing and queue pages (and the memory figure).
    pub listing_clients: usize,
    pub osv_files: u64,
}

/// The programs a run uses.
#[derive(Clone, Debug)]
pub struct Tools {
    pub embargo: PathBuf,
    pub ceiling_http: PathBuf,
    pub ceiling_sqlite: PathBuf,
    pub wrk: PathBuf,
    pub pgbench: PathBuf,
    /// The repository, for `scripts/bench-cvss`.
    pub repo: PathBuf,
}

/// What every group needs: the options, the tools, the run's folder, PostgreSQL.
pub struct Context {
    pub opts: Options,
    pub tools: Tools,
    /// This run's folder; removed at the end.
    pub dir: PathBuf,
    pub pg: Pg,
    pub client: Client,
    pub report: Report,
    counter: AtomicU64,
}

impl Context {
    pub fn new(opts: Options, tools: Tools, dir: PathBuf, pg: Pg) -> Context {
        Context {
            opts,
            tools,
            dir,
            pg,
            client: Client::default(),
            report: Report::default(),
            counter: AtomicU64::new(0),
        }
    }

    /// A fresh name for files and databases of this run.
    pub fn fresh(&self, label: &str) -> String {
        format!("{label}_{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// A distinct salt, so no two runs' reports or records are the same.
    pub fn salt(&self) -> u64 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        t ^ self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A folder under the run's folder.
    pub fn subdir(&self, label: &str) -> Result<PathBuf> {
        let d = self.dir.join(self.fresh(label));
        std::fs::create_dir_all(&d).map_err(Error::io(format!("creating {}", d.display())))?;
        Ok(d)
    }

    /// Embargo on fresh, empty storage of `backend`.
    pub async fn fresh_embargo(&self, backend: Backend, label: &str) -> Result<Embargo> {
        let db = match backend {
            Backend::Sqlite => Database::Sqlite(self.subdir(label)?.join("data")),
            Backend::Postgres => Database::Postgres(self.pg.create(&self.fresh(label)).await?),
        };
        Ok(Embargo {
            bin: self.tools.embargo.clone(),
            db,
        })
    }

    /// Drops an Embargo's storage.
    pub async fn drop_embargo(&self, e: &Embargo) -> Result<()> {
        match &e.db {
            Database::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
                Ok(())
            }
            Database::Postgres(url) => self.pg.drop_url(url).await,
        }
    }

    /// The storage's size in bytes (SQLite: after folding the WAL in; the server must
    /// be stopped).
    pub async fn storage_bytes(&self, e: &Embargo) -> Result<u64> {
        match &e.db {
            Database::Sqlite(dir) => {
                checkpoint_sqlite(&dir.join("embargo.sqlite3")).await?;
                Ok(Database::sqlite_bytes(dir))
            }
            Database::Postgres(url) => self.pg.size(url).await,
        }
    }

    pub fn log(&self, message: impl AsRef<str>) {
        eprintln!("bench: {}", message.as_ref());
    }

    pub fn push(&mut self, row: Row) {
        self.log(format!(
            "{}: {} | {} | {}{}",
            row.measurement,
            row.embargo,
            row.ceiling,
            row.ratio,
            if row.errors.is_empty() {
                ""
            } else {
                " (WITH ERRORS)"
            }
        ));
        self.report.rows.push(row);
    }
}

/// Folds a SQLite database's WAL into the main file, so its size is the data's.
async fn checkpoint_sqlite(file: &Path) -> Result<()> {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::SqliteConnectOptions;
    let mut c = SqliteConnectOptions::new().filename(file).connect().await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await?;
    use sqlx::Connection;
    c.close().await?;
    Ok(())
}

/// Runs the chosen groups; a group that fails becomes a row saying so, and the run
/// goes on with the next.
pub async fn run(ctx: &mut Context) {
    for group in ctx.opts.groups.clone() {
        ctx.log(format!(
            "group {} (load average {})",
            group.name(),
            crate::machine::load_average()
        ));
        let outcome = match group {
            Group::Reads => reads::run(ctx).await,
            Group::Intake => intake::run(ctx).await,
            Group::Scale => scale::run(ctx).await,
            Group::Instances => instances::run(ctx).await,
            Group::Import => import::run(ctx).await,
            Group::Cvss => cvss::run(ctx).await,
        };
        if let Err(e) = outcome {
            ctx.push(Row {
                measurement: format!("group `{}`", group.name()),
                embargo: "not measured".into(),
                ceiling: "—".into(),
                ratio: "—".into(),
                runs: String::new(),
                errors: vec![e.to_string()],
            });
        }
    }
}

/// `1,386 req/s, p50 42 ms, p99 101 ms`.
pub fn throughput_cell(
    per_sec: f64,
    unit: &str,
    p50: Option<Duration>,
    p99: Option<Duration>,
) -> String {
    let mut s = format!("{} {unit}", crate::stats::rate(per_sec));
    if let Some(p) = p50 {
        s.push_str(&format!(", p50 {}", crate::stats::latency(p)));
    }
    if let Some(p) = p99 {
        s.push_str(&format!(", p99 {}", crate::stats::latency(p)));
    }
    s
}

/// Repetitions of one throughput measurement: per-second figure and latencies.
#[derive(Clone, Debug, Default)]
pub struct Reps {
    pub per_sec: Vec<f64>,
    pub p50: Vec<Duration>,
    pub p99: Vec<Duration>,
    pub errors: Vec<String>,
}

impl Reps {
    pub fn add(&mut self, per_sec: f64, p50: Option<Duration>, p99: Option<Duration>) {
        self.per_sec.push(per_sec);
        if let Some(p) = p50 {
            self.p50.push(p);
        }
        if let Some(p) = p99 {
            self.p99.push(p);
        }
    }

    pub fn median(&self) -> f64 {
        crate::stats::median(&self.per_sec).unwrap_or(0.0)
    }

    pub fn cell(&self, unit: &str) -> String {
        throughput_cell(
            self.median(),
            unit,
            crate::stats::median_duration(&self.p50),
            crate::stats::median_duration(&self.p99),
        )
    }

    pub fn runs(&self, unit: &str) -> String {
        self.per_sec
            .iter()
            .map(|x| crate::stats::rate(*x))
            .collect::<Vec<_>>()
            .join(" / ")
            + " "
            + unit
    }

    /// This measurement over `ceiling`'s, as the table shows it.
    pub fn ratio_to(&self, ceiling: &Reps) -> String {
        let c = ceiling.median();
        if c > 0.0 && !self.per_sec.is_empty() {
            crate::stats::ratio(self.median() / c)
        } else {
            "—".into()
        }
    }
}
