//! Intake: fresh reports POSTed at 64 connections, each answer checked (`201` with an id),
//! beside the single-row durable-insert ceilings — `bench-ceiling-sqlite` for SQLite,
//! pgbench with 8 clients for PostgreSQL — interleaved. Afterwards every accepted report
//! must be a case in the project's listing.

use super::{Backend, Context, Reps};
use crate::embargo::{Embargo, PROJECT, Server};
use crate::load::{self, Plan};
use crate::seed::Intake;
use crate::table::Row;
use crate::{Error, Result};
use std::sync::Arc;
use std::time::Duration;

/// The size of a ceiling row: about a report's JSON.
pub const ROW_BYTES: usize = 1024;
/// pgbench clients, as issue 13 names them.
pub const PGBENCH_CLIENTS: u32 = 8;

struct Target {
    backend: Backend,
    embargo: Embargo,
    server: Server,
    token: String,
    reps: Reps,
    ceiling: Reps,
    accepted: u64,
}

/// One ceiling repetition for `backend`: durable single-row inserts per second.
async fn ceiling_once(
    ctx: &Context,
    backend: Backend,
) -> Result<(f64, Option<Duration>, Option<Duration>)> {
    match backend {
        Backend::Sqlite => {
            let file = ctx.subdir("ceiling-sqlite")?.join("ceiling.sqlite3");
            let out = tokio::process::Command::new(&ctx.tools.ceiling_sqlite)
                .arg("--file")
                .arg(&file)
                .args(["--seconds", &ctx.opts.duration.as_secs().max(1).to_string()])
                .args(["--row-bytes", &ROW_BYTES.to_string(), "--json"])
                .output()
                .await
                .map_err(Error::io("running bench-ceiling-sqlite"))?;
            if !out.status.success() {
                return Err(Error::failed(format!(
                    "bench-ceiling-sqlite exited with {}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )));
            }
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                .map_err(|e| Error::failed(format!("bench-ceiling-sqlite printed no JSON: {e}")))?;
            let us = |k: &str| v[k].as_u64().map(Duration::from_micros);
            Ok((
                v["inserts_per_sec"].as_f64().unwrap_or(0.0),
                us("p50_us"),
                us("p99_us"),
            ))
        }
        Backend::Postgres => {
            let url = ctx.pg.create(&ctx.fresh("pgbench")).await?;
            let dir = ctx.subdir("pgbench")?;
            let r = crate::ceiling::pgbench::run(
                &ctx.tools.pgbench,
                &url,
                PGBENCH_CLIENTS,
                ctx.opts.duration,
                ROW_BYTES,
                &dir,
            )
            .await;
            ctx.pg.drop_url(&url).await?;
            let t = r?;
            if t.failed > 0 {
                return Err(Error::failed(format!(
                    "pgbench: {} failed transactions",
                    t.failed
                )));
            }
            Ok((t.tps, None, None))
        }
    }
}

/// How many cases the project lists, every page of it.
async fn listed_cases(ctx: &Context, t: &Target) -> Result<u64> {
    let ids = crate::embargo::listed_ids(&ctx.client, &t.server.url, PROJECT, &t.token).await?;
    Ok(ids.len() as u64)
}

pub async fn run(ctx: &mut Context) -> Result<()> {
    let mut targets = Vec::new();
    for backend in ctx.opts.backends.clone() {
        let embargo = ctx.fresh_embargo(backend, "intake").await?;
        let setup = embargo.set_up().await?;
        let log = ctx.dir.join(ctx.fresh("intake-embargo.log"));
        let server = embargo.serve(&log).await?;
        targets.push(Target {
            backend,
            embargo,
            server,
            token: setup.token,
            reps: Reps::default(),
            ceiling: Reps::default(),
            accepted: 0,
        });
    }
    let plan = Plan {
        connections: ctx.opts.connections as usize,
        duration: ctx.opts.duration,
        max_requests: None,
        timeout: Duration::from_secs(60),
    };
    for rep in 0..ctx.opts.reps {
        // Interleaved: Embargo on SQLite, its ceiling, Embargo on PostgreSQL, its ceiling.
        for t in targets.iter_mut() {
            let addr = load::socket_addr(&t.server.url)?;
            let work = Arc::new(Intake {
                host: addr.to_string(),
                project: PROJECT.into(),
                salt: ctx.salt(),
                ids: None,
            });
            let mut s = load::run(addr, &plan, work).await;
            ctx.log(format!(
                "intake: repetition {}: {}: {:.0} accepted/s, {} errors",
                rep + 1,
                t.backend.name(),
                s.ok_per_sec(),
                s.errors()
            ));
            if s.errors() > 0 {
                t.reps.errors.push(format!(
                    "repetition {}: {} non-2xx, {} wrong answers, {} transport errors of {} requests; first: {}",
                    rep + 1,
                    s.non_2xx,
                    s.wrong,
                    s.transport_errors,
                    s.answered + s.transport_errors,
                    s.first_problem.clone().unwrap_or_default()
                ));
            }
            t.accepted += s.ok;
            let (p50, p99) = (s.latencies.percentile(50.0), s.latencies.percentile(99.0));
            t.reps.add(s.ok_per_sec(), p50, p99);

            let (per_sec, p50, p99) = ceiling_once(ctx, t.backend).await?;
            ctx.log(format!(
                "intake: repetition {}: {} ceiling: {per_sec:.0}/s",
                rep + 1,
                t.backend.name()
            ));
            t.ceiling.add(per_sec, p50, p99);
        }
    }
    for t in &targets {
        let mut errors = t.reps.errors.clone();
        match listed_cases(ctx, t).await {
            Ok(n) if n != t.accepted => errors.push(format!(
                "{} reports were accepted but the project lists {n} cases",
                t.accepted
            )),
            Ok(_) => {}
            Err(e) => errors.push(format!("counting the cases afterwards: {e}")),
        }
        let (measurement, ceiling) = match t.backend {
            Backend::Sqlite => (
                format!("intake, SQLite, {} conns", ctx.opts.connections),
                format!(
                    "{} durable inserts/s (one writer, WAL, synchronous=FULL)",
                    crate::stats::rate(t.ceiling.median())
                ),
            ),
            Backend::Postgres => (
                format!("intake, PostgreSQL, {} conns", ctx.opts.connections),
                format!(
                    "pgbench {PGBENCH_CLIENTS} clients {} tps (single-row inserts)",
                    crate::stats::rate(t.ceiling.median())
                ),
            ),
        };
        ctx.push(Row {
            measurement,
            embargo: t.reps.cell("req/s"),
            ceiling,
            ratio: t.reps.ratio_to(&t.ceiling),
            runs: format!(
                "Embargo {}; ceiling {}",
                t.reps.runs("req/s"),
                t.ceiling.runs("/s")
            ),
            errors,
        });
    }
    for t in targets {
        t.server.stop().await?;
        ctx.drop_embargo(&t.embargo).await?;
    }
    Ok(())
}
