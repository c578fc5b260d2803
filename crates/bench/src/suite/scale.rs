//! Scale: at the small and the large case count, on each database — the project listing
//! (API) and the triage queue (web page), first page, at 8 concurrent clients; one case
//! at 8 and at 64 connections; a search's first page at 8 clients, last; the server's
//! peak memory under the listing clients; start-up time; the database's size per case.
//! Each repetition restarts the server, so each start-up and each memory figure is a
//! fresh process's.

use super::{Backend, Context, Reps};
use crate::embargo::{PROJECT, Server};
use crate::load::{self, Get, Plan};
use crate::stats::{self, latency};
use crate::table::Row;
use crate::{Error, Result};
use std::sync::Arc;
use std::time::Duration;

/// The page size asked for where listings are paged.
const PAGE: usize = 50;

/// The search measured (issue 13: p99 < 50 ms at 10⁶ cases): one of the sixteen words
/// `admin seed` writes, so about two cases in five match, and the first page of them
/// is asked for.
const SEARCH_WORD: &str = "overflow";

/// How a listing is asked for, and how the table describes it.
struct Listing {
    path: String,
    what: String,
}

/// The listing's first page where `?limit=` is understood, else the whole listing.
async fn listing(ctx: &Context, server: &Server, token: &str) -> Result<Listing> {
    let auth = format!("Bearer {token}");
    let paged = format!("/api/v1/projects/{PROJECT}/cases?limit={PAGE}");
    let a = ctx
        .client
        .get(
            &format!("{}{paged}", server.url),
            &[("authorization", &auth)],
        )
        .await?;
    Ok(if a.status == 200 {
        Listing {
            path: paged,
            what: format!("first page of {PAGE}"),
        }
    } else {
        Listing {
            path: format!("/api/v1/projects/{PROJECT}/cases"),
            what: "the whole listing: no paging yet".into(),
        }
    })
}

/// A page measurement's repetitions.
#[derive(Default)]
struct Pages {
    reps: Reps,
    bytes: Vec<f64>,
}

impl Pages {
    fn cell(&self, clients: usize) -> String {
        let p = |v: &[Duration]| {
            stats::median_duration(v)
                .map(latency)
                .unwrap_or_else(|| "—".into())
        };
        format!(
            "p50 {}, p99 {}, {} pages/s at {clients} clients; {} per page",
            p(&self.reps.p50),
            p(&self.reps.p99),
            stats::rate(self.reps.median()),
            stats::bytes(stats::median(&self.bytes).unwrap_or(0.0))
        )
    }
}

async fn pages(
    ctx: &Context,
    server: &Server,
    path: &str,
    header: (&str, String),
    expect: &str,
    into: &mut Pages,
    label: &str,
) -> Result<()> {
    let addr = load::socket_addr(&server.url)?;
    let work = Arc::new(Get {
        host: addr.to_string(),
        paths: vec![path.to_owned()],
        headers: vec![(header.0.to_owned(), header.1)],
        expect: vec![expect.to_owned()],
    });
    let plan = Plan {
        connections: ctx.opts.listing_clients,
        duration: ctx.opts.duration,
        max_requests: None,
        timeout: Duration::from_secs(300),
    };
    let mut s = load::run(addr, &plan, work).await;
    if s.errors() > 0 {
        into.reps.errors.push(format!(
            "{label}: {} non-2xx, {} wrong answers, {} transport errors; first: {}",
            s.non_2xx,
            s.wrong,
            s.transport_errors,
            s.first_problem.clone().unwrap_or_default()
        ));
    }
    if s.answered > 0 {
        into.bytes.push(s.body_bytes as f64 / s.answered as f64);
    }
    let (p50, p99) = (s.latencies.percentile(50.0), s.latencies.percentile(99.0));
    let show = |d: Option<Duration>| d.map(latency).unwrap_or_else(|| "—".into());
    ctx.log(format!(
        "scale: {label}: {} answers, p50 {}, p99 {}, {} errors",
        s.answered,
        show(p50),
        show(p99),
        s.errors()
    ));
    into.reps.add(s.ok_per_sec(), p50, p99);
    Ok(())
}

async fn one(ctx: &mut Context, backend: Backend, size: u64) -> Result<()> {
    let b = backend.name();
    let size_name = stats::thousands(size);
    let embargo = ctx.fresh_embargo(backend, "scale").await?;
    let setup = embargo.set_up().await?;
    let empty = ctx.storage_bytes(&embargo).await?;
    // Through the store, not the HTTP API (issue 13: a generator that seeds 10⁶ in
    // minutes), with the server stopped.
    ctx.log(format!(
        "scale: seeding {size_name} cases on {b} (`embargo admin seed`)"
    ));
    let seeding = std::time::Instant::now();
    let count = size.to_string();
    embargo
        .command(&["admin", "seed", "--project", PROJECT, "--count", &count])
        .await?;
    let seeded = seeding.elapsed();
    ctx.log(format!(
        "scale: seeded {size_name} cases on {b} in {:.1} s",
        seeded.as_secs_f64()
    ));
    let full = ctx.storage_bytes(&embargo).await?;
    let per_case = full.saturating_sub(empty) as f64 / size.max(1) as f64;
    let log = ctx.dir.join(ctx.fresh("scale-embargo.log"));
    let server = embargo.serve(&log).await?;
    let ids = first_ids(ctx, &server, &setup.token).await?;
    server.stop().await?;

    let first = ids.first().cloned().unwrap_or_default();
    let case_paths: Vec<String> = ids
        .iter()
        .take(100)
        .map(|id| format!("/api/v1/cases/{id}"))
        .collect();
    let auth = format!("Bearer {}", setup.token);
    let mut cookie = None;
    let mut startup = Vec::new();
    let mut checked = Vec::new();
    let mut rss = Vec::new();
    let (mut list, mut queue) = (Pages::default(), Pages::default());
    let (mut case_few, mut case) = (Reps::default(), Reps::default());
    let mut search = Pages::default();
    let mut listing_what = String::new();
    for rep in 0..ctx.opts.reps {
        let log = ctx.dir.join(ctx.fresh("scale-embargo.log"));
        let server = embargo.serve(&log).await?;
        startup.push(server.startup);
        // The newest checkpoint is compared in the background once the server listens;
        // measured apart, and waited for, so it does not weigh on the loads below.
        checked.push(
            server
                .wait_for_log("checkpoint written", Duration::from_secs(1800))
                .await?,
        );
        let cookie = match &cookie {
            Some(c) => c,
            None => cookie.insert(
                crate::embargo::sign_in(&ctx.client, &server.url, &setup.password_link_token)
                    .await?,
            ),
        };
        let l = listing(ctx, &server, &setup.token).await?;
        listing_what = l.what;
        let label = format!("listing, {b}, {size_name} cases, repetition {}", rep + 1);
        pages(
            ctx,
            &server,
            &l.path,
            ("authorization", auth.clone()),
            &first,
            &mut list,
            &label,
        )
        .await?;
        rss.push(server.peak_rss()? as f64);
        let label = format!("queue, {b}, {size_name} cases, repetition {}", rep + 1);
        pages(
            ctx,
            &server,
            "/triage",
            ("cookie", cookie.clone()),
            &first,
            &mut queue,
            &label,
        )
        .await?;
        let probe = ctx
            .client
            .get(
                &format!("{}{}", server.url, case_paths[0]),
                &[("authorization", &auth)],
            )
            .await?;
        if probe.status != 200 || !probe.text().contains(&first) {
            case.errors.push(format!(
                "GET {} answered {} without the case",
                case_paths[0], probe.status
            ));
        }
        // A case's latency beside the 8 listing clients, then its throughput at 64
        // connections (where 2 cores are saturated: even the bare axum ceiling's p99 was
        // 4.8–11 ms there across runs).
        for (connections, reps) in [
            (ctx.opts.listing_clients as u32, &mut case_few),
            (ctx.opts.connections, &mut case),
        ] {
            let dir = ctx.subdir("wrk")?;
            let r = crate::wrk::run(
                &ctx.tools.wrk,
                &server.url,
                &case_paths,
                Some(&setup.token),
                connections,
                ctx.opts.duration,
                &dir,
            )
            .await?;
            if r.errors() > 0 {
                reps.errors.push(format!(
                    "repetition {}: {} answers of 400 or more, {} socket errors",
                    rep + 1,
                    r.status_errors,
                    r.socket_errors
                ));
            }
            reps.add(r.per_sec(), Some(r.p50), Some(r.p99));
        }
        // Last, so that searches still answering when their clients stop cannot weigh on
        // the one-case reads.
        let label = format!("search, {b}, {size_name} cases, repetition {}", rep + 1);
        pages(
            ctx,
            &server,
            &format!("/api/v1/projects/{PROJECT}/cases?q={SEARCH_WORD}&limit={PAGE}"),
            ("authorization", auth.clone()),
            "EMB-",
            &mut search,
            &label,
        )
        .await?;
        server.stop().await?;
    }
    ctx.drop_embargo(&embargo).await?;

    let clients = ctx.opts.listing_clients;
    let goal = |g: &str| format!("— (goal: {g})");
    let runs_pages = |p: &Pages| {
        p.reps
            .p99
            .iter()
            .map(|d| format!("p99 {}", latency(*d)))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    ctx.push(Row {
        measurement: format!("project listing (API), {b}, {size_name} cases, {listing_what}"),
        embargo: list.cell(clients),
        ceiling: goal("p99 < 20 ms at 10⁶ cases"),
        ratio: "—".into(),
        runs: runs_pages(&list),
        errors: list.reps.errors.clone(),
    });
    ctx.push(Row {
        measurement: format!("triage queue (web page), {b}, {size_name} cases"),
        embargo: queue.cell(clients),
        ceiling: goal("p99 < 20 ms at 10⁶ cases"),
        ratio: "—".into(),
        runs: runs_pages(&queue),
        errors: queue.reps.errors.clone(),
    });
    ctx.push(Row {
        measurement: format!(
            "search (API), {b}, {size_name} cases, `q={SEARCH_WORD}` (two cases in five), first page of {PAGE}"
        ),
        embargo: search.cell(clients),
        ceiling: goal("p99 < 50 ms at 10⁶ cases"),
        ratio: "—".into(),
        runs: runs_pages(&search),
        errors: search.reps.errors.clone(),
    });
    for (connections, reps) in [(clients, &case_few), (ctx.opts.connections as usize, &case)] {
        ctx.push(Row {
            measurement: format!("GET one case, {b}, {size_name} cases, {connections} conns"),
            embargo: reps.cell("req/s"),
            ceiling: goal("p99 < 5 ms at 10⁶ cases"),
            ratio: "—".into(),
            runs: reps.runs("req/s"),
            errors: reps.errors.clone(),
        });
    }
    ctx.push(Row {
        measurement: format!(
            "server RSS (peak), {clients} listing clients, {b}, {size_name} cases"
        ),
        embargo: stats::bytes(stats::median(&rss).unwrap_or(0.0)),
        ceiling: goal("< 100 MB at 10⁶ cases"),
        ratio: "—".into(),
        runs: rss
            .iter()
            .map(|x| stats::bytes(*x))
            .collect::<Vec<_>>()
            .join(" / "),
        errors: vec![],
    });
    ctx.push(Row {
        measurement: format!("start-up to listening, {b}, {size_name} cases"),
        embargo: stats::median_duration(&startup)
            .map(latency)
            .unwrap_or_default(),
        ceiling: goal("< 1 s at 10⁶ cases"),
        ratio: "—".into(),
        runs: stats::latencies(&startup),
        errors: vec![],
    });
    ctx.push(Row {
        measurement: format!(
            "start-up check done (checkpoint compared and written, in the background), {b}, {size_name} cases"
        ),
        embargo: stats::median_duration(&checked)
            .map(latency)
            .unwrap_or_default(),
        ceiling: "—".into(),
        ratio: "—".into(),
        runs: stats::latencies(&checked),
        errors: vec![],
    });
    ctx.push(Row {
        measurement: format!("seeding through the store (`embargo admin seed`), {b}"),
        embargo: format!(
            "{size_name} cases in {:.1} s, {}/s",
            seeded.as_secs_f64(),
            stats::thousands((size as f64 / seeded.as_secs_f64().max(1e-9)) as u64)
        ),
        ceiling: "—".into(),
        ratio: "—".into(),
        runs: String::new(),
        errors: vec![],
    });
    ctx.push(Row {
        measurement: format!("database size per case, {b}, {size_name} cases"),
        embargo: format!(
            "{} ({} for {size_name} cases)",
            stats::bytes(per_case),
            stats::bytes(full.saturating_sub(empty) as f64)
        ),
        ceiling: goal("≤ 3 KB"),
        ratio: "—".into(),
        runs: String::new(),
        errors: vec![],
    });
    Ok(())
}

/// The ids of the project's first cases (up to a page), through the API.
async fn first_ids(ctx: &Context, server: &Server, token: &str) -> Result<Vec<String>> {
    let auth = format!("Bearer {token}");
    let r = ctx
        .client
        .get(
            &format!(
                "{}/api/v1/projects/{PROJECT}/cases?limit={PAGE}",
                server.url
            ),
            &[("authorization", &auth)],
        )
        .await?;
    let v: serde_json::Value = serde_json::from_str(&r.text())
        .map_err(|e| Error::failed(format!("the project's listing is not JSON: {e}")))?;
    let ids: Vec<String> = v["items"]
        .as_array()
        .or_else(|| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    if r.status != 200 || ids.is_empty() {
        return Err(Error::failed(format!(
            "the project's listing answered {} without cases",
            r.status
        )));
    }
    Ok(ids)
}

pub async fn run(ctx: &mut Context) -> Result<()> {
    let mut sizes = vec![ctx.opts.small_cases];
    if ctx.opts.cases != ctx.opts.small_cases {
        sizes.push(ctx.opts.cases);
    }
    if sizes.contains(&0) {
        return Err(Error::Usage("--cases: at least 1".into()));
    }
    for backend in ctx.opts.backends.clone() {
        for &size in &sizes {
            one(ctx, backend, size).await?;
        }
    }
    Ok(())
}
