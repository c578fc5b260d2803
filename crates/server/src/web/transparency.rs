//! The queue by urgency (issue 8, item 5), the project's SECURITY.md (item 6), its
//! metrics page with server-rendered SVG charts (item 7), and Prometheus counts.
//!
//! Times on the queue are shown in the reader's zone with the policy's beside it. The
//! reader's zone is the `tz` query parameter (a form on the page; the static script
//! fills in the browser's zone), remembered in the `embargo_tz` cookie; without
//! either, the policy's zone. A cookie rather than an account setting: it follows the
//! browser, which is where the reader is, and needs no stored state.

use super::page::{Fields, Page, Problem, WebError, age, csrf, problem, see_other, stage};
use super::session::FormResult;
use super::session::Visitor;
use super::view;
use crate::app::{App, AppError, ProjectMetrics, QueueRow, input};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use embargo_core::Timestamp;
use embargo_core::case::Stage;
use embargo_core::metrics::Stat;
use embargo_core::policy::{Policy, Zone};
use maud::{Markup, html};
use std::collections::HashMap;

const TZ_COOKIE: &str = "embargo_tz";

/// A moment in a zone, for people: "2026-12-15 00:00 CET".
fn local(t: Timestamp, zone: &Zone) -> String {
    t.to_zoned(zone.time_zone().clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

pub async fn queue(
    State(app): State<App>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Page, WebError> {
    queue_page(&app, &visitor, &headers, &slug, &q, None).await
}

/// What a bulk rejection form carried back after a refusal: the fields as typed and
/// the problem.
struct Refused<'a> {
    fields: &'a Fields,
    problem: &'a Problem,
}

/// `POST /projects/{slug}/queue/reject`: the queue's bulk rejection (floods of
/// reports, issue 14). The ticked cases (`case.EMB-…`), the reason (`spam` or
/// `duplicate`) and, for duplicates, the kept case.
pub async fn reject(
    State(app): State<App>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(slug): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    let here = format!("/projects/{slug}/queue");
    visitor.account(&here)?;
    let f = visitor.form(form)?;
    let mut cases: Vec<String> =
        f.0.iter()
            .filter(|(_, v)| matches!(v.as_str(), "on" | "true"))
            .filter_map(|(k, _)| k.strip_prefix("case.").map(str::to_owned))
            .collect();
    cases.sort();
    let result = match input::decision(input::DecisionFields {
        outcome: "rejected".into(),
        reason: f.opt("reason"),
        duplicate_of: f.opt("duplicate_of"),
        explanation: f.opt("explanation"),
    }) {
        Ok(decision) => app
            .reject_cases(&visitor.actor(), &slug, &cases, decision)
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(see_other(&here)),
        Err(e) => {
            let p = problem(&e);
            if p.status == StatusCode::NOT_FOUND {
                return Err(e.into());
            }
            let refused = Refused {
                fields: &f,
                problem: &p,
            };
            Ok(queue_page(
                &app,
                &visitor,
                &headers,
                &slug,
                &HashMap::new(),
                Some(refused),
            )
            .await?
            .status(p.status)
            .into_response())
        }
    }
}

async fn queue_page(
    app: &App,
    visitor: &Visitor,
    headers: &HeaderMap,
    slug: &str,
    q: &HashMap<String, String>,
    refused: Option<Refused<'_>>,
) -> Result<Page, WebError> {
    let here = format!("/projects/{slug}/queue");
    let user = visitor.account(&here)?;
    let fields = input::QueueFields {
        stage: q.get("stage").cloned(),
        coordinator: q.get("coordinator").cloned(),
        overdue: q.get("overdue").cloned(),
        track: q.get("track").cloned(),
    };
    let filter = input::queue_filter(&fields, Some(user.id))?;
    let page = view::page_request(q)?;
    let (project, rows) = app.queue(&visitor.actor(), slug, &filter, &page).await?;
    let policy = project.policy();
    // The reader's zone: asked for now, or remembered, or the policy's.
    let typed_tz = q
        .get("tz")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let cookie_tz = super::session::cookies(headers).remove(TZ_COOKIE);
    let (reader, tz_error, remember) = match &typed_tz {
        Some(t) => match input::reader_zone("tz", Some(t)) {
            Ok(z) => (z, None, true),
            Err(e) => (None, Some(e.to_string()), false),
        },
        None => (cookie_tz.as_deref().and_then(Zone::parse), None, false),
    };
    // Nobody chose a zone yet: the static script may offer the browser's.
    let unchosen = reader.is_none() && tz_error.is_none();
    let reader = reader.unwrap_or_else(|| policy.time_zone.clone());
    let now = app.now();
    // The listing's own URL, its filters kept, for the pager.
    let mut kept: Vec<String> = Vec::new();
    for key in ["stage", "coordinator", "overdue", "track"] {
        if let Some(v) = q.get(key).filter(|v| !v.trim().is_empty()) {
            kept.push(format!("{key}={}", urlencoding(v)));
        }
    }
    let listed = if kept.is_empty() {
        here.clone()
    } else {
        format!("{here}?{}", kept.join("&"))
    };
    let value = |k: &str| q.get(k).cloned().unwrap_or_default();
    let body = html! {
        h1 { (project.name) ": queue" }
        p.muted { "Most overdue first, then the nearest due clock. " a href=(format!("/projects/{slug}/cases")) { "All cases, oldest first" } " · " a href=(format!("/projects/{slug}/metrics")) { "Metrics" } }
        form.filters method="get" action=(here) {
            label { "Stage " select name="stage" {
                option value="" selected[value("stage").is_empty()] { "every open stage" }
                @for s in Stage::ALL { option value=(s.as_str()) selected[value("stage") == s.as_str()] { (s.as_str()) } }
            } }
            " "
            label { "Coordinator " select name="coordinator" {
                option value="" selected[value("coordinator").is_empty()] { "anyone" }
                option value="me" selected[value("coordinator") == "me"] { "me" }
                option value="none" selected[value("coordinator") == "none"] { "nobody yet" }
            } }
            " "
            label { input type="checkbox" name="overdue" value="true" checked[value("overdue") == "true"]; " overdue now" }
            " "
            label { "Times in " input type="text" name="tz" size="18" data-browser-tz[unchosen] value=(typed_tz.clone().unwrap_or_else(|| reader.name().to_owned())) aria-describedby=[tz_error.as_ref().map(|_| "tz-error")]; }
            @if let Some(e) = &tz_error { " " span.field-error id="tz-error" { (e) } }
            " "
            button type="submit" { "Show" }
        }
        @if let Some(r) = &refused { (r.problem.banner()) }
        @if rows.items.is_empty() { p.empty { "No cases here." } }
        @else {
            form.bulk method="post" action=(format!("{here}/reject")) {
            (csrf(visitor))
            table.cases.queue {
                thead { tr {
                    th { span.visually-hidden { "Select" } }
                    th { "Clock" }
                    th { "Due (" (reader.name()) ")" }
                    th { "Due (policy: " (policy.time_zone.name()) ")" }
                    th { "Case" } th { "Stage" } th { "Waiting on" } th { "Last activity" } th { "Coordinator" } th { "Received" }
                } }
                tbody {
                    @for row in &rows.items {
                        @let ticked = refused.as_ref().is_some_and(|r| r.fields.flag(&format!("case.{}", row.case.id)));
                        (queue_row(row, &policy, &reader, now, ticked))
                    }
                }
            }
            @let typed = |k: &str| refused.as_ref().and_then(|r| r.fields.opt(k)).unwrap_or_default();
            @let error = |k: &str| refused.as_ref().and_then(|r| r.problem.on(k));
            fieldset.bulk-reject {
                legend { "Reject the ticked reports, without acknowledging them" }
                label for="bulk-reason" { "As" }
                select #bulk-reason name="reason" aria-describedby=[error("reason").map(|_| "bulk-reason-error")] {
                    option value="spam" selected[typed("reason") == "spam"] { "spam: no reply, hidden from the queue" }
                    option value="duplicate" selected[typed("reason") == "duplicate"] { "duplicates: each reporter is told, never the other case's id" }
                }
                @if let Some(e) = error("reason") { span.field-error id="bulk-reason-error" { (e) } }
                label for="bulk-duplicate-of" { "Duplicates of (case id)" }
                input #bulk-duplicate-of name="duplicate_of" placeholder="EMB-…" value=(typed("duplicate_of")) aria-describedby=[error("duplicate_of").map(|_| "bulk-duplicate-of-error")];
                @if let Some(e) = error("duplicate_of") { span.field-error id="bulk-duplicate-of-error" { (e) } }
                @if let Some(r) = &refused {
                    @for (field, message) in r.problem.fields.iter().filter(|(f, _)| f.starts_with("cases")) {
                        p.field-error data-field=(field) { (message) }
                    }
                }
                button type="submit" data-confirm="Reject the ticked reports?" { "Reject the ticked reports" }
            }
            }
        }
        (view::pager(&listed, &page, rows.next.as_ref()))
    };
    let mut out = Page::new(visitor, &format!("{}: queue", project.name), body);
    if tz_error.is_some() {
        out = out.status(StatusCode::BAD_REQUEST);
    }
    if remember {
        let secure = if app.settings().https() {
            "; Secure"
        } else {
            ""
        };
        out = out.cookie(format!(
            "{TZ_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
            reader.name()
        ));
    }
    Ok(out)
}

fn queue_row(
    row: &QueueRow,
    policy: &Policy,
    reader: &Zone,
    now: Timestamp,
    ticked: bool,
) -> Markup {
    let case = &row.case;
    html! {
        tr data-case=(case.id) .overdue[row.overdue()] {
            td { input type="checkbox" name=(format!("case.{}", case.id)) aria-label=(format!("Select {}", case.id)) checked[ticked]; }
            @match &row.urgent {
                Some(c) => {
                    td { strong { (c.name.as_str()) ": " (c.time_left(policy, now).to_string()) } " " small { "(" (c.name.step()) ")" } }
                    td { (local(c.due, reader)) }
                    td { (local(c.due, &policy.time_zone)) }
                }
                None => { td.muted { "no clock running" } td { "—" } td { "—" } }
            }
            td { (view::case_link(case, row.unread)) }
            td { (stage(case.stage)) }
            td { (view::waiting_on(case)) }
            td { (view::last_activity(case, now)) }
            td { (case.people.coordinator.as_ref().map(|c| c.name.as_str()).unwrap_or("—")) }
            td { (age(now, case.received_at)) " ago" }
        }
    }
}

/// Query values are ours to echo into links: keep them to safe characters.
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /p/{slug}/SECURITY.md`: the project's security policy for its repository.
pub async fn security_md(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let text = app.security_md(&slug).await?;
    let mut res = text.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    Ok(res)
}

/// `GET /metrics`: Prometheus counts, for a scraper bearing `metrics.token`. Without
/// the setting there is nothing here (404); a wrong or missing token is 401.
pub async fn prometheus(State(app): State<App>, headers: HeaderMap) -> Result<Response, WebError> {
    let Some(token) = app.settings().metrics.token.as_deref() else {
        return Err(AppError::not_found().into());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::secrets::constant_time_eq(given.trim().as_bytes(), token.trim().as_bytes()) {
        let mut res = (
            StatusCode::UNAUTHORIZED,
            "a bearer token (metrics.token) is required\n",
        )
            .into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return Ok(res);
    }
    let text = app.prometheus().await?;
    let mut res = text.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(res)
}

/// `GET /projects/{slug}/metrics`: the transparency metrics with SVG charts (members).
pub async fn metrics_page(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Page, WebError> {
    let here = format!("/projects/{slug}/metrics");
    visitor.account(&here)?;
    let m = app.project_metrics(&visitor.actor(), &slug).await?;
    let body = metrics_body(&m);
    Ok(Page::new(
        &visitor,
        &format!("{}: metrics", m.project.name),
        body,
    ))
}

/// The four steps, in the order a case goes through them.
fn steps(m: &ProjectMetrics) -> [(&'static str, &'static str, &Stat); 4] {
    let x = &m.metrics;
    [
        ("acknowledge", "C3", &x.time_to_acknowledge),
        ("decide", "C11", &x.time_to_decide),
        ("fix", "V6", &x.time_to_fix),
        ("disclose", "C6", &x.time_to_disclose),
    ]
}

fn num(x: f64) -> String {
    format!("{x:.1}")
}

fn metrics_body(m: &ProjectMetrics) -> Markup {
    let x = &m.metrics;
    let slug = &m.project.slug;
    html! {
        h1 { (m.project.name) ": metrics" }
        p.muted { "Over all " (x.cases) " cases of the project, at " (super::page::when(m.at)) ". Times run from receipt. "
            a href=(format!("/projects/{slug}/queue")) { "Queue" } " · " a href=(format!("/p/{slug}/SECURITY.md")) { "SECURITY.md" } }
        h2 { "Time to each step (days)" }
        (duration_chart(m))
        table.metrics #times {
            thead { tr { th { "Step" } th { "Cases" } th { "Median, working days" } th { "90th percentile, working days" } th { "Median, days" } th { "90th percentile, days" } } }
            tbody {
                @for (name, step, s) in steps(m) {
                    tr data-step=(name) {
                        td { (name) " " small { "(" (step) ")" } }
                        td { (s.count) }
                        td { (s.working_days.map_or("—".into(), |v| num(v.median))) }
                        td { (s.working_days.map_or("—".into(), |v| num(v.p90))) }
                        td { (s.days.map_or("—".into(), |v| num(v.median))) }
                        td { (s.days.map_or("—".into(), |v| num(v.p90))) }
                    }
                }
            }
        }
        h2 { "Disclosed within the target (C6)" }
        @match x.disclosed_within_target {
            None => { p.muted { "The policy sets no disclosure target." } }
            Some(share) => {
                p #share { (share.within) " of " (share.of) " disclosed cases within " (share.target.to_string())
                    @if let Some(p) = share.percent() { " (" (format!("{p:.0}")) "%)" } "." }
                (share_chart(share.within, share.of))
            }
        }
        h2 { "Overdue now" }
        @if x.overdue.is_empty() { p #overdue.empty { "No clock is overdue." } }
        @else {
            table.metrics #overdue {
                thead { tr { th { "Clock" } th { "Cases" } } }
                tbody { @for o in &x.overdue { tr data-clock=(o.clock.as_str()) { td { (o.clock.as_str()) " " small { "(" (o.clock.step()) ")" } } td { (o.cases.len()) } } } }
            }
        }
        h2 { "Cases by stage" }
        (stage_chart(&m.stages))
    }
}

const BAR_W: f64 = 360.0;

/// Median and 90th percentile in days per step, as horizontal bars (no script).
fn duration_chart(m: &ProjectMetrics) -> Markup {
    let max = steps(m)
        .iter()
        .filter_map(|(_, _, s)| s.days.map(|d| d.p90.max(d.median)))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let scale = |v: f64| (v / max * BAR_W).max(1.0);
    let label = steps(m)
        .iter()
        .map(|(n, _, s)| match s.days {
            Some(d) => format!(
                "{n}: median {} days, 90th percentile {} days",
                num(d.median),
                num(d.p90)
            ),
            None => format!("{n}: no case yet"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        svg.chart width="560" height="180" viewBox="0 0 560 180" role="img" aria-label=(label) xmlns="http://www.w3.org/2000/svg" {
            @for (i, (name, _, s)) in steps(m).iter().enumerate() {
                @let y = 10.0 + 42.0 * i as f64;
                text x="0" y=(y + 14.0) font-size="13" { (name) }
                @match s.days {
                    Some(d) => {
                        rect x="100" y=(y) width=(num(scale(d.median))) height="14" fill="#3465a4" {}
                        rect x="100" y=(y + 16.0) width=(num(scale(d.p90))) height="14" fill="#9dbbe0" {}
                        text x=(num(104.0 + scale(d.p90))) y=(y + 27.0) font-size="11" { "p90 " (num(d.p90)) }
                        text x=(num(104.0 + scale(d.median))) y=(y + 12.0) font-size="11" { "median " (num(d.median)) }
                    }
                    None => { text x="100" y=(y + 14.0) font-size="11" { "no case yet" } }
                }
            }
        }
    }
}

fn share_chart(within: usize, of: usize) -> Markup {
    let part = if of == 0 {
        0.0
    } else {
        BAR_W * count(within) / count(of)
    };
    html! {
        svg.chart width="380" height="30" viewBox="0 0 380 30" role="img" aria-label=(format!("{within} of {of} within the target")) xmlns="http://www.w3.org/2000/svg" {
            rect x="0" y="5" width=(num(BAR_W)) height="18" fill="#e0e0e0" {}
            rect x="0" y="5" width=(num(part)) height="18" fill="#4e9a06" {}
        }
    }
}

fn stage_chart(stages: &[(Stage, usize)]) -> Markup {
    let max = stages.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    html! {
        svg.chart width="560" height=(stages.len() * 22 + 10) role="img"
            aria-label=(stages.iter().map(|(s, n)| format!("{}: {n}", s.as_str())).collect::<Vec<_>>().join(", "))
            xmlns="http://www.w3.org/2000/svg" {
            @for (i, (s, n)) in stages.iter().enumerate() {
                @let y = 5 + 22 * i;
                text x="0" y=(y + 13) font-size="12" { (s.as_str()) }
                rect x="130" y=(y) width=(num(BAR_W * count(*n) / count(max))) height="16" fill="#75507b" {}
                text x=(num(134.0 + BAR_W * count(*n) / count(max))) y=(y + 13) font-size="11" { (n) }
            }
        }
    }
}

/// Case counts are far below 2^52, so the conversion is exact.
#[allow(clippy::cast_precision_loss)]
fn count(n: usize) -> f64 {
    n as f64
}
