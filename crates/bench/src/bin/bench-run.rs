//! `bench-run`: what `scripts/bench` runs after building — the measurements of issue 13,
//! Embargo and its ceilings interleaved, three repetitions, medians, one Markdown table.
//! Exits 1 when a measurement had errors (the table says which), 2 on bad options.

use clap::Parser;
use embargo_bench::machine;
use embargo_bench::pg::Pg;
use embargo_bench::suite::{self, Backend, Context, Group, Options, Tools};
use embargo_bench::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "bench-run",
    about = "Embargo beside its ceilings: one table of ratios"
)]
struct Args {
    /// Groups to run: reads, intake, scale, instances, import, cvss (default: all)
    groups: Vec<String>,
    /// The large case count of the `scale` group
    #[arg(long, default_value_t = 100_000)]
    cases: u64,
    /// The small case count (`reads`, and `scale`'s first size)
    #[arg(long, default_value_t = 1_000)]
    small_cases: u64,
    /// Repetitions of each measurement (medians are taken)
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Seconds of each load run
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Connections for GETs (wrk) and intake
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Concurrent clients on the listing and queue pages
    #[arg(long, default_value_t = 8)]
    listing_clients: usize,
    /// OSV files for the `import` group
    #[arg(long, default_value_t = 2_000)]
    osv_files: u64,
    /// Databases: sqlite, postgres or both
    #[arg(long, default_value = "both")]
    db: String,
    /// Also write the table to this file
    #[arg(long)]
    out: Option<PathBuf>,
    /// Wait until the 1-minute load average is below this before starting (0: don't wait)
    #[arg(long, default_value_t = 1.5)]
    quiet_load: f64,
    /// …but at most this many seconds
    #[arg(long, default_value_t = 900)]
    quiet_wait: u64,
    /// Where `embargo` and the bench binaries are (default: beside this program)
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// The repository (for `scripts/bench-cvss`, and the commit the table names)
    #[arg(long, default_value = ".")]
    repo: PathBuf,
}

fn options(a: &Args) -> Result<Options> {
    let mut groups = Vec::new();
    for g in &a.groups {
        groups.push(Group::parse(g).ok_or_else(|| {
            Error::Usage(format!(
                "group `{g}`: expected one of reads, intake, scale, instances, import, cvss"
            ))
        })?);
    }
    if groups.is_empty() {
        groups = Group::ALL.to_vec();
    }
    let backends = match a.db.as_str() {
        "both" => vec![Backend::Sqlite, Backend::Postgres],
        "sqlite" => vec![Backend::Sqlite],
        "postgres" => vec![Backend::Postgres],
        other => {
            return Err(Error::Usage(format!(
                "--db `{other}`: expected sqlite, postgres or both"
            )));
        }
    };
    for (name, v) in [
        ("--cases", a.cases),
        ("--small-cases", a.small_cases),
        ("--reps", a.reps as u64),
        ("--seconds", a.seconds),
        ("--connections", u64::from(a.connections)),
        ("--listing-clients", a.listing_clients as u64),
        ("--osv-files", a.osv_files),
    ] {
        if v == 0 {
            return Err(Error::Usage(format!("{name}: at least 1")));
        }
    }
    if a.small_cases > a.cases {
        return Err(Error::Usage(format!(
            "--small-cases {} is more than --cases {}",
            a.small_cases, a.cases
        )));
    }
    Ok(Options {
        groups,
        backends,
        cases: a.cases,
        small_cases: a.small_cases,
        reps: a.reps,
        duration: Duration::from_secs(a.seconds),
        connections: a.connections,
        listing_clients: a.listing_clients,
        osv_files: a.osv_files,
    })
}

fn tool(dir: &Path, name: &str) -> Result<PathBuf> {
    let p = dir.join(name);
    if p.is_file() {
        Ok(p)
    } else {
        Err(Error::Missing(format!(
            "{} is missing; build it with `cargo build --release -p embargo -p embargo-bench` (scripts/bench does)",
            p.display()
        )))
    }
}

fn tools(a: &Args, opts: &Options) -> Result<Tools> {
    let dir = match &a.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("target/release")),
    };
    let needs = |g: Group| opts.groups.contains(&g);
    let wrk = embargo_bench::wrk::find();
    if wrk.is_none() && (needs(Group::Reads) || needs(Group::Scale)) {
        return Err(Error::Missing(
            "wrk is not installed: `apt-get install wrk` (scripts/bench does)".into(),
        ));
    }
    let pgbench = embargo_bench::ceiling::pgbench::find();
    if pgbench.is_none() && needs(Group::Intake) && opts.backends.contains(&Backend::Postgres) {
        return Err(Error::Missing(
            "pgbench is not installed: `apt-get install postgresql-contrib` or `postgresql` (scripts/bench does)"
                .into(),
        ));
    }
    Ok(Tools {
        embargo: tool(&dir, "embargo")?,
        ceiling_http: tool(&dir, "bench-ceiling-http")?,
        ceiling_sqlite: tool(&dir, "bench-ceiling-sqlite")?,
        wrk: wrk.unwrap_or_default(),
        pgbench: pgbench.unwrap_or_default(),
        repo: a.repo.clone(),
    })
}

/// Waits (checking every 10 s) for the machine to be quiet; says how long it waited.
async fn wait_for_quiet(threshold: f64, max: Duration) -> String {
    if threshold <= 0.0 {
        return "not waited for".into();
    }
    let started = Instant::now();
    loop {
        let load = machine::load_1m().unwrap_or(0.0);
        if load < threshold {
            return format!(
                "below {threshold} after waiting {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
        if started.elapsed() >= max {
            return format!(
                "still {load} after waiting {} s for < {threshold}: a busy machine",
                max.as_secs()
            );
        }
        eprintln!("bench: waiting for a quiet machine: load average {load} ≥ {threshold}");
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

fn now_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

async fn interrupted() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

async fn run(a: Args) -> Result<bool> {
    let opts = options(&a)?;
    let tools = tools(&a, &opts)?;
    let pg = Pg::from_env();
    let uses_pg =
        opts.backends.contains(&Backend::Postgres) && opts.groups.iter().any(|g| *g != Group::Cvss);
    let pg_about = if uses_pg {
        let about = pg.describe().await?;
        for name in pg.drop_stale().await? {
            eprintln!("bench: dropped {name}, left by an earlier run that did not finish");
        }
        Some(about)
    } else {
        None
    };
    let quiet = wait_for_quiet(a.quiet_load, Duration::from_secs(a.quiet_wait)).await;
    let dir = std::env::temp_dir().join(format!("embargo-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(Error::io(format!("creating {}", dir.display())))?;

    let mut about = vec![
        format!(
            "Embargo bench, {}, commit {}",
            now_utc(),
            machine::commit(&a.repo)
        ),
        String::new(),
        format!(
            "- machine: {} cores, {}, {:.0} GiB",
            machine::cores(),
            machine::cpu_model(),
            machine::memory_gib().unwrap_or(0.0)
        ),
        format!(
            "- load average at the start: {} (1, 5, 15 min; {quiet})",
            machine::load_average()
        ),
        format!(
            "- {} interleaved repetitions, medians; load runs of {} s; {} connections for GETs (wrk) and intake; {} listing clients; {} and {} cases",
            opts.reps,
            opts.duration.as_secs(),
            opts.connections,
            opts.listing_clients,
            embargo_bench::stats::thousands(opts.small_cases),
            embargo_bench::stats::thousands(opts.cases)
        ),
    ];
    if let Some(p) = pg_about {
        about.push(format!("- PostgreSQL: {p}"));
    }
    let started = Instant::now();
    let mut ctx = Context::new(opts, tools, dir.clone(), pg);
    let stopped_early = tokio::select! {
        () = suite::run(&mut ctx) => false,
        () = interrupted() => true,
    };
    // Servers stopped with their groups (or, interrupted, were killed when dropped);
    // their data goes now.
    let cleanup = ctx.pg.drop_all().await;
    let _ = std::fs::remove_dir_all(&dir);
    about.push(format!(
        "- load average at the end: {}; the run took {:.0} min",
        machine::load_average(),
        started.elapsed().as_secs_f64() / 60.0
    ));
    if stopped_early {
        about.push("- **interrupted: the table is incomplete**".into());
    }
    ctx.report.about = about;
    let text = ctx.report.render();
    println!("{text}");
    if let Some(out) = &a.out {
        std::fs::write(out, &text).map_err(Error::io(format!("--out {}", out.display())))?;
        eprintln!("bench: table written to {}", out.display());
    }
    cleanup?;
    Ok(!ctx.report.has_errors() && !stopped_early)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(Error::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
