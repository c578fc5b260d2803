//! `bench-seed`: cases into a running Embargo (through the API today; see
//! `embargo_bench::seed::seed_cases`), or OSV records into a folder for `embargo import osv`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "bench-seed", about = "Seed cases or generate OSV records")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Submit COUNT fresh reports to a project of a running Embargo; prints the case ids.
    Cases {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long)]
        project: String,
        #[arg(long)]
        count: u64,
    },
    /// Write COUNT OSV records, one file each, into a folder.
    Osv {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        count: u64,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let salt = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    match Args::parse().command {
        Command::Cases {
            url,
            project,
            count,
        } => {
            let started = std::time::Instant::now();
            match embargo_bench::seed::seed_cases(&url, &project, count, salt).await {
                Ok(ids) => {
                    for id in &ids {
                        println!("{id}");
                    }
                    eprintln!(
                        "{} cases in {:.1} s",
                        ids.len(),
                        started.elapsed().as_secs_f64()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Osv { out, count } => match embargo_bench::osv::write_records(&out, salt, count) {
            Ok(paths) => {
                eprintln!("{} records in {}", paths.len(), out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: --out {}: {e}", out.display());
                ExitCode::FAILURE
            }
        },
    }
}
