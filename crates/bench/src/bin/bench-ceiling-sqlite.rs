//! `bench-ceiling-sqlite`: the SQLite ceiling, single-row durable inserts (WAL,
//! `synchronous=FULL`, one writer, through sqlx) for a while; prints inserts/s.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "bench-ceiling-sqlite",
    about = "Single-row durable inserts into SQLite, one writer"
)]
struct Args {
    /// The database file (created if missing; a table `ceiling` is added)
    #[arg(long)]
    file: PathBuf,
    /// How long to insert
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Bytes per row (a report's JSON is about 1 KiB)
    #[arg(long, default_value_t = 1024)]
    row_bytes: usize,
    /// Print one JSON object instead of a sentence
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.seconds == 0 {
        eprintln!("error: --seconds: at least 1");
        return ExitCode::from(2);
    }
    let result = embargo_bench::ceiling::sqlite::insert_loop(
        &args.file,
        Duration::from_secs(args.seconds),
        args.row_bytes,
    )
    .await;
    let mut r = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "error: SQLite ceiling (--file {}): {e}",
                args.file.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let us = |d: Option<Duration>| d.map_or(0, |d| d.as_micros() as u64);
    let (p50, p99) = (r.latencies.percentile(50.0), r.latencies.percentile(99.0));
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "inserts": r.rows,
                "seconds": r.elapsed.as_secs_f64(),
                "inserts_per_sec": r.per_sec(),
                "p50_us": us(p50),
                "p99_us": us(p99),
            })
        );
    } else {
        println!(
            "{} durable inserts in {:.1} s: {:.0} inserts/s, p50 {} µs, p99 {} µs",
            r.rows,
            r.elapsed.as_secs_f64(),
            r.per_sec(),
            us(p50),
            us(p99)
        );
    }
    ExitCode::SUCCESS
}
