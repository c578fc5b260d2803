//! `bench-load`: the load generator on its own — fresh report POSTs (`intake`) or GETs
//! (`get`) at N connections for a while; prints req/s, p50/p99 and every kind of error,
//! and exits 1 if any request went wrong.

use clap::{Parser, Subcommand};
use embargo_bench::load::{self, Get, Plan, Summary, Work};
use embargo_bench::seed::Intake;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "bench-load",
    about = "Closed-loop HTTP load with every answer checked"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
    /// The server, e.g. http://127.0.0.1:8080
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, global = true, default_value_t = 64)]
    connections: usize,
    #[arg(long, global = true, default_value_t = 10)]
    seconds: u64,
}

#[derive(Subcommand)]
enum Command {
    /// POST a fresh report per request to a project; right answers are 201 with an id.
    Intake {
        #[arg(long)]
        project: String,
    },
    /// GET paths in turn; right answers are 2xx (containing --expect, if given).
    Get {
        #[arg(long = "path", required = true)]
        paths: Vec<String>,
        /// An API token, sent as `Authorization: Bearer …`
        #[arg(long)]
        token: Option<String>,
        /// Text every right answer contains
        #[arg(long)]
        expect: Option<String>,
    },
}

fn print(mut s: Summary) -> ExitCode {
    let ms = |d: Option<Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let (p50, p99) = (s.latencies.percentile(50.0), s.latencies.percentile(99.0));
    println!(
        "{} right answers in {:.1} s: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms; {} non-2xx, {} wrong, {} transport errors",
        s.ok,
        s.elapsed.as_secs_f64(),
        s.ok_per_sec(),
        ms(p50),
        ms(p99),
        s.non_2xx,
        s.wrong,
        s.transport_errors
    );
    if let Some(p) = &s.first_problem {
        println!("first problem: {p}");
    }
    if s.errors() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let addr = match load::socket_addr(&args.url) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: --url: {e}");
            return ExitCode::from(2);
        }
    };
    if args.connections == 0 || args.seconds == 0 {
        eprintln!("error: --connections and --seconds: at least 1");
        return ExitCode::from(2);
    }
    let work: Arc<dyn Work> = match args.command {
        Command::Intake { project } => Arc::new(Intake {
            host: addr.to_string(),
            project,
            salt: std::process::id() as u64 ^ 0x5eed,
            ids: None,
        }),
        Command::Get {
            paths,
            token,
            expect,
        } => Arc::new(Get {
            host: addr.to_string(),
            paths,
            headers: token
                .map(|t| vec![("authorization".into(), format!("Bearer {t}"))])
                .unwrap_or_default(),
            expect: expect.into_iter().collect(),
        }),
    };
    let plan = Plan {
        connections: args.connections,
        duration: Duration::from_secs(args.seconds),
        max_requests: None,
        timeout: Duration::from_secs(60),
    };
    print(load::run(addr, &plan, work).await)
}
