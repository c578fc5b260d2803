//! `bench-ceiling-http`: the HTTP ceiling, a bare axum server answering
//! `GET /api/v1/cases/{id}` with 1 KiB of JSON from memory. Prints
//! `bench-ceiling-http listening on http://ADDR` when ready; stops on SIGTERM or Ctrl-C.

use clap::Parser;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "bench-ceiling-http",
    about = "The bare axum ceiling: 1 KiB of JSON from memory"
)]
struct Args {
    /// Address and port to listen on (port 0: a free one)
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

async fn shutdown() {
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

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {} (--listen): {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("bench-ceiling-http listening on http://{addr}"),
        Err(e) => {
            eprintln!("error: listening socket: {e}");
            return ExitCode::FAILURE;
        }
    }
    match embargo_bench::ceiling::http::serve(listener, shutdown()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
