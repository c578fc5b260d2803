//! Several instances: two `embargo serve` on one PostgreSQL database beside one, for
//! reads (wrk) and intake, interleaved. The load is split evenly between the two; the
//! ratio is two instances' throughput over one's. Afterwards the project must list
//! every accepted report exactly once, through either instance.

use super::{Backend, Context, Reps};
use crate::Result;
use crate::embargo::{PROJECT, Server};
use crate::load::{self, Plan, Summary};
use crate::seed::Intake;
use crate::table::Row;
use std::sync::Arc;
use std::time::Duration;

async fn intake(ctx: &Context, server: &Server, connections: usize) -> Result<Summary> {
    let addr = load::socket_addr(&server.url)?;
    let work = Arc::new(Intake {
        host: addr.to_string(),
        project: PROJECT.into(),
        salt: ctx.salt(),
        ids: None,
    });
    let plan = Plan {
        connections,
        duration: ctx.opts.duration,
        max_requests: None,
        timeout: Duration::from_secs(60),
    };
    Ok(load::run(addr, &plan, work).await)
}

fn note(errors: &mut Vec<String>, what: &str, s: &Summary) {
    if s.errors() > 0 {
        errors.push(format!(
            "{what}: {} non-2xx, {} wrong, {} transport errors; first: {}",
            s.non_2xx,
            s.wrong,
            s.transport_errors,
            s.first_problem.clone().unwrap_or_default()
        ));
    }
}

/// The route the GETs ask, as the server's request log names it.
const CASE_ROUTE: &str = "/api/v1/cases/{id}";

/// The p99 of the GETs the servers logged since their marks; none logged is an error
/// (a log not in the text format, or a route renamed), not a p99 of zero.
fn handler_p99(
    servers: &[(&Server, usize)],
    errors: &mut Vec<String>,
    what: &str,
) -> Option<std::time::Duration> {
    let mut times = crate::stats::Latencies::default();
    for (server, mark) in servers {
        times.merge(server.handler_times(*mark, CASE_ROUTE));
    }
    let p99 = times.percentile(99.0);
    if p99.is_none() {
        errors.push(format!(
            "GET, {what}: the servers logged no request to {CASE_ROUTE}"
        ));
    }
    p99
}

async fn listed(ctx: &Context, server: &Server, token: &str) -> Result<Vec<String>> {
    crate::embargo::listed_ids(&ctx.client, &server.url, PROJECT, token).await
}

pub async fn run(ctx: &mut Context) -> Result<()> {
    if !ctx.opts.backends.contains(&Backend::Postgres) {
        return Ok(());
    }
    let embargo = ctx.fresh_embargo(Backend::Postgres, "instances").await?;
    let setup = embargo.set_up().await?;
    let a = embargo
        .serve(&ctx.dir.join(ctx.fresh("instance-a.log")))
        .await?;
    let b = embargo
        .serve(&ctx.dir.join(ctx.fresh("instance-b.log")))
        .await?;
    let ids = crate::seed::seed_cases(&a.url, PROJECT, ctx.opts.small_cases, ctx.salt()).await?;
    let paths: Vec<String> = ids
        .iter()
        .take(100)
        .map(|id| format!("/api/v1/cases/{id}"))
        .collect();
    let conns = ctx.opts.connections;
    let mut accepted = ids.len() as u64;
    let (mut one_get, mut two_get, mut one_in, mut two_in) = (
        Reps::default(),
        Reps::default(),
        Reps::default(),
        Reps::default(),
    );
    // The servers' own p99 for the same GETs (their request log), run by run.
    let (mut one_handled, mut two_handled) = (Vec::new(), Vec::new());
    let mut errors = Vec::new();
    for rep in 0..ctx.opts.reps {
        let (d1, d2, d3) = (ctx.subdir("wrk")?, ctx.subdir("wrk")?, ctx.subdir("wrk")?);
        let wrk = |url: String, c: u32, dir: std::path::PathBuf| {
            let (tool, paths, token, duration) = (
                ctx.tools.wrk.clone(),
                paths.clone(),
                setup.token.clone(),
                ctx.opts.duration,
            );
            async move { crate::wrk::run(&tool, &url, &paths, Some(&token), c, duration, &dir).await }
        };
        let mark = a.lines_heard();
        let one = wrk(a.url.clone(), conns, d1).await?;
        one_handled.extend(handler_p99(&[(&a, mark)], &mut errors, "one instance"));
        let marks = (a.lines_heard(), b.lines_heard());
        let (x, y) = tokio::join!(
            wrk(a.url.clone(), conns / 2, d2),
            wrk(b.url.clone(), conns - conns / 2, d3)
        );
        let (x, y) = (x?, y?);
        two_handled.extend(handler_p99(
            &[(&a, marks.0), (&b, marks.1)],
            &mut errors,
            "two instances",
        ));
        for (what, r) in [
            ("one instance", &one),
            ("instance A of two", &x),
            ("instance B of two", &y),
        ] {
            if r.errors() > 0 {
                errors.push(format!(
                    "GET, repetition {}, {what}: {} answers of 400 or more, {} socket errors",
                    rep + 1,
                    r.status_errors,
                    r.socket_errors
                ));
            }
        }
        one_get.add(one.per_sec(), Some(one.p50), Some(one.p99));
        two_get.add(x.per_sec() + y.per_sec(), None, Some(x.p99.max(y.p99)));

        let mut s1 = intake(ctx, &a, conns as usize).await?;
        let half = conns as usize / 2;
        let (sx, sy) = tokio::join!(
            intake(ctx, &a, half),
            intake(ctx, &b, conns as usize - half)
        );
        let (mut sx, mut sy) = (sx?, sy?);
        note(
            &mut errors,
            &format!("intake, repetition {}, one instance", rep + 1),
            &s1,
        );
        note(
            &mut errors,
            &format!("intake, repetition {}, instance A of two", rep + 1),
            &sx,
        );
        note(
            &mut errors,
            &format!("intake, repetition {}, instance B of two", rep + 1),
            &sy,
        );
        accepted += s1.ok + sx.ok + sy.ok;
        one_in.add(
            s1.ok_per_sec(),
            s1.latencies.percentile(50.0),
            s1.latencies.percentile(99.0),
        );
        let p99 = sx
            .latencies
            .percentile(99.0)
            .max(sy.latencies.percentile(99.0));
        two_in.add(sx.ok_per_sec() + sy.ok_per_sec(), None, p99);
        ctx.log(format!(
            "instances: repetition {}: GET {:.0} → {:.0} req/s, intake {:.0} → {:.0} req/s",
            rep + 1,
            one.per_sec(),
            x.per_sec() + y.per_sec(),
            s1.ok_per_sec(),
            sx.ok_per_sec() + sy.ok_per_sec()
        ));
    }
    // Every accepted report is a case, once, and both instances list the same cases.
    for (name, server) in [("A", &a), ("B", &b)] {
        let list = listed(ctx, server, &setup.token).await?;
        let distinct: std::collections::HashSet<&String> = list.iter().collect();
        if list.len() as u64 != accepted || distinct.len() != list.len() {
            errors.push(format!(
                "instance {name} lists {} cases ({} distinct) for {accepted} accepted reports",
                list.len(),
                distinct.len()
            ));
        }
    }
    let goal = "(goal: ≥ 1.6× on a machine with the cores; here: no errors)";
    ctx.push(Row {
        measurement: format!("GET one case, 2 instances on one PostgreSQL, {conns} conns"),
        embargo: two_get.cell("req/s"),
        ceiling: format!("1 instance: {} {goal}", one_get.cell("req/s")),
        ratio: two_get.ratio_to(&one_get),
        runs: format!(
            "two {}, p99 {}, in the handlers {}; one {}, p99 {}, in the handler {}",
            two_get.runs("req/s"),
            crate::stats::latencies(&two_get.p99),
            crate::stats::latencies(&two_handled),
            one_get.runs("req/s"),
            crate::stats::latencies(&one_get.p99),
            crate::stats::latencies(&one_handled),
        ),
        errors: errors
            .iter()
            .filter(|e| e.starts_with("GET"))
            .cloned()
            .collect(),
    });
    ctx.push(Row {
        measurement: format!("intake, 2 instances on one PostgreSQL, {conns} conns"),
        embargo: two_in.cell("req/s"),
        ceiling: format!("1 instance: {} {goal}", one_in.cell("req/s")),
        ratio: two_in.ratio_to(&one_in),
        runs: format!("two {}; one {}", two_in.runs("req/s"), one_in.runs("req/s")),
        errors: errors
            .iter()
            .filter(|e| !e.starts_with("GET"))
            .cloned()
            .collect(),
    });
    a.stop().await?;
    b.stop().await?;
    ctx.drop_embargo(&embargo).await?;
    Ok(())
}
