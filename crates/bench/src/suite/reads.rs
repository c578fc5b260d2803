//! Reads: `GET /api/v1/cases/{id}` with a bearer token at 64 connections (wrk), on each
//! database, beside the bare axum ceiling serving 1 KiB of JSON from memory on the same
//! route; interleaved, repetition by repetition.

use super::{Context, Reps};
use crate::embargo::{PROJECT, Server};
use crate::table::Row;
use crate::{Error, Result};
use tokio::process::Command;

/// How many of the seeded cases the GETs rotate over.
const PATHS: usize = 100;

struct Target {
    name: String,
    server: Server,
    paths: Vec<String>,
    token: Option<String>,
    reps: Reps,
}

/// Checks every path answers 200 with the case (its id in the JSON), before and after.
async fn check_cases(ctx: &Context, t: &Target) -> Result<()> {
    let auth = format!("Bearer {}", t.token.as_deref().unwrap_or_default());
    for path in &t.paths {
        let a = ctx
            .client
            .get(
                &format!("{}{path}", t.server.url),
                &[("authorization", &auth)],
            )
            .await?;
        let id = path.rsplit('/').next().unwrap_or_default();
        if a.status != 200 || a.json()?["id"].as_str() != Some(id) {
            return Err(Error::failed(format!(
                "{}: GET {path} answered {} without the case: {}",
                t.name,
                a.status,
                crate::client::snippet(&a.text())
            )));
        }
    }
    Ok(())
}

/// Starts the HTTP ceiling on a free port.
pub async fn start_ceiling(ctx: &Context) -> Result<Server> {
    let mut cmd = Command::new(&ctx.tools.ceiling_http);
    cmd.args(["--listen", "127.0.0.1:0"]);
    let log = ctx.dir.join(ctx.fresh("ceiling-http.log"));
    let server = Server::start(cmd, &log, "bench-ceiling-http").await?;
    let a = ctx
        .client
        .get(&format!("{}/api/v1/cases/EMB-TEST", server.url), &[])
        .await?;
    if a.status != 200 || a.body.len() != crate::ceiling::http::ANSWER_BYTES {
        return Err(Error::failed(format!(
            "the HTTP ceiling answered {} with {} bytes, not 200 with 1 KiB",
            a.status,
            a.body.len()
        )));
    }
    Ok(server)
}

pub async fn run(ctx: &mut Context) -> Result<()> {
    let mut targets = Vec::new();
    for backend in ctx.opts.backends.clone() {
        let embargo = ctx.fresh_embargo(backend, "reads").await?;
        let setup = embargo.set_up().await?;
        let log = ctx.dir.join(ctx.fresh("reads-embargo.log"));
        let server = embargo.serve(&log).await?;
        let n = ctx.opts.small_cases.max(1);
        ctx.log(format!("reads: seeding {n} cases on {}", backend.name()));
        let ids = crate::seed::seed_cases(&server.url, PROJECT, n, ctx.salt()).await?;
        let paths = ids
            .iter()
            .take(PATHS)
            .map(|id| format!("/api/v1/cases/{id}"))
            .collect();
        let t = Target {
            name: format!("GET one case, {}", backend.name()),
            server,
            paths,
            token: Some(setup.token),
            reps: Reps::default(),
        };
        check_cases(ctx, &t).await?;
        targets.push((embargo, t));
    }
    let ceiling_server = start_ceiling(ctx).await?;
    let mut ceiling = Target {
        name: "bare axum".into(),
        server: ceiling_server,
        paths: targets
            .first()
            .map(|(_, t)| t.paths.clone())
            .unwrap_or_else(|| vec!["/api/v1/cases/EMB-TEST".into()]),
        token: targets.first().and_then(|(_, t)| t.token.clone()),
        reps: Reps::default(),
    };

    for rep in 0..ctx.opts.reps {
        // Interleaved: SQLite, the ceiling, PostgreSQL, then again.
        let mut order: Vec<&mut Target> = Vec::new();
        let mut rest = targets.iter_mut().map(|(_, t)| t);
        if let Some(first) = rest.next() {
            order.push(first);
        }
        order.push(&mut ceiling);
        order.extend(rest);
        for t in order {
            let dir = ctx.subdir("wrk")?;
            let r = crate::wrk::run(
                &ctx.tools.wrk,
                &t.server.url,
                &t.paths,
                t.token.as_deref(),
                ctx.opts.connections,
                ctx.opts.duration,
                &dir,
            )
            .await?;
            ctx.log(format!(
                "reads: repetition {}: {}: {:.0} req/s, p99 {:?}, {} errors",
                rep + 1,
                t.name,
                r.per_sec(),
                r.p99,
                r.errors()
            ));
            if r.errors() > 0 {
                t.reps.errors.push(format!(
                    "repetition {}: {} answers of 400 or more, {} socket errors, of {} requests",
                    rep + 1,
                    r.status_errors,
                    r.socket_errors,
                    r.requests
                ));
            }
            t.reps.add(r.per_sec(), Some(r.p50), Some(r.p99));
        }
    }

    let ceiling_cell = format!("{} (bare axum, 1 KiB JSON)", ceiling.reps.cell("req/s"));
    for (_, t) in &targets {
        // Still right after the load: the answers were cases, not fast errors.
        let after = check_cases(ctx, t).await.err().map(|e| e.to_string());
        let mut errors = t.reps.errors.clone();
        errors.extend(after);
        errors.extend(ceiling.reps.errors.iter().map(|e| format!("ceiling: {e}")));
        ctx.push(Row {
            measurement: format!("{}, {} conns, token", t.name, ctx.opts.connections),
            embargo: t.reps.cell("req/s"),
            ceiling: ceiling_cell.clone(),
            ratio: t.reps.ratio_to(&ceiling.reps),
            runs: format!(
                "Embargo {}; ceiling {}",
                t.reps.runs("req/s"),
                ceiling.reps.runs("req/s")
            ),
            errors,
        });
    }
    ceiling.server.stop().await?;
    for (embargo, t) in targets {
        t.server.stop().await?;
        ctx.drop_embargo(&embargo).await?;
    }
    Ok(())
}
