//! The team's pages: home, the triage queue, a project's cases, and a case with its
//! actions. Each action is a form posting to `/cases/{id}/actions/{action}`; the
//! command is decided by `core` as for the API, and a refusal comes back as the case
//! page with the reason above the forms.

use super::advisory;
use super::calculator;
use super::fixes::{self, Typed};
use super::page::{Fields, Page, Problem, WebError, age, csrf, problem, see_other, stage, when};
use super::session::{FormResult, MultipartResult, Visitor};
use super::view::{self, Links};
use crate::app::input::{self, DecisionFields};
use crate::app::{App, AppError, CaseView, Upload};
use crate::download::download as download_response;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use embargo_core::access::Standing;
use embargo_core::actor::ActorRef;
use embargo_core::case::Stage;
use embargo_core::command::Command;
use embargo_core::event::{Assessment, Visibility};
use embargo_core::ids::{CaseId, UserId};
use embargo_core::rejection::{Rejection, Rule};
use maud::{Markup, html};
use std::collections::HashMap;

pub async fn home(State(app): State<App>, visitor: Visitor) -> Result<Page, WebError> {
    let projects = app.projects().await?;
    let mine = match &visitor.user {
        Some(u) => app.projects_of(u).await?,
        None => Vec::new(),
    };
    let body = html! {
        h1 { "Embargo" }
        p { "Private vulnerability reports, triage and coordinated disclosure." }
        @if visitor.user.is_some() {
            h2 { "Your projects" }
            @if mine.is_empty() { p { "You are not a member of any project yet." } }
            ul {
                @for p in &mine {
                    li { a href=(format!("/projects/{}/cases", p.slug)) { (p.name) } " — cases" }
                }
            }
        }
        h2 { "Report a vulnerability" }
        @if projects.is_empty() { p { "No project takes reports here yet." } }
        ul {
            @for p in &projects {
                li { a href=(format!("/p/{}/report", p.slug)) { (p.name) } }
            }
        }
    };
    Ok(Page::new(&visitor, "Home", body))
}

pub async fn triage(
    State(app): State<App>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let user = visitor.account("/triage")?;
    // Triage is for the roles that see every case; a maintainer starts at their cases.
    let projects = app.projects_of(user).await?;
    let triages = projects
        .iter()
        .any(|p| p.role_of(user.id).is_some_and(|r| r.sees_all_cases()));
    if !projects.is_empty() && !triages {
        return Ok(see_other("/my"));
    }
    let page = view::page_request(&q)?;
    let queue = app.triage_queue(user, &page).await?;
    let now = app.now();
    let body = html! {
        h1 { "Triage queue" }
        p { "New reports and reports waiting for an answer, oldest first." }
        @if queue.items.is_empty() {
            p.empty { "Nothing waits for triage." }
        } @else {
            table.cases {
                thead { tr { th { "Age" } th { "Case" } th { "Project" } th { "Stage" } th { "Coordinator" } } }
                tbody {
                    @for (project, case) in &queue.items {
                        tr {
                            td.age title=(when(case.received_at)) { (age(now, case.received_at)) }
                            td { (view::case_link(case, false)) }
                            td { (project.name) }
                            td { (stage(case.stage)) }
                            td { (case.people.coordinator.as_ref().map(|c| c.name.as_str()).unwrap_or("—")) }
                        }
                    }
                }
            }
        }
        (view::pager("/triage", &page, queue.next.as_ref()))
    };
    Ok(Page::new(&visitor, "Triage", body).into_response())
}

pub async fn project_cases(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let here = format!("/projects/{slug}/cases");
    visitor.account(&here)?;
    let field = |k: &str| q.get(k).cloned();
    let fields = input::ListFields {
        stage: field("stage"),
        component: field("component"),
        severity: field("severity"),
        coordinator: field("coordinator"),
        track: field("track"),
        mine: field("mine"),
        q: field("q"),
        sort: field("sort"),
    };
    let page = view::page_request(&q)?;
    // A refused filter shows the form again with what was typed and the reason beside
    // the field; the project must still be one the visitor may see.
    let (project, cases, refused) = match app.cases(&visitor.actor(), &slug, &fields, &page).await {
        Ok((project, cases)) => (project, cases, None),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let project = app.project(&slug).await?;
            (project, crate::app::Page::empty(), Some(problem(&e)))
        }
        Err(e) => return Err(e.into()),
    };
    // A project the visitor has no part in shows nothing, as if absent.
    if !embargo_core::access::sees_members(&visitor.actor(), &project) {
        return Err(AppError::not_found().into());
    }
    let now = app.now();
    let kept = list_query(&fields);
    let listed = if kept.is_empty() {
        here.clone()
    } else {
        format!("{here}?{kept}")
    };
    let value = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let error = |k: &str| refused.as_ref().and_then(|p| p.on(k)).map(str::to_owned);
    let by_activity = value("sort") == "activity";
    let body = html! {
        h1 { (project.name) ": cases" }
        p.muted { a href=(format!("/projects/{slug}/queue")) { "Queue by urgency" } " · " a href="/my" { "My cases" } " · " a href=(format!("/projects/{slug}/metrics")) { "Metrics" } }
        form.filters #case-filters method="get" action=(here) role="search" {
            (filter_field("q", "Search", error("q"), html! {
                input #filter-q type="search" name="q" value=(value("q")) maxlength=(input::SEARCH_MAX) placeholder="words in title, description, summary" data-search-box aria-describedby=[error("q").map(|_| "q-error")] aria-keyshortcuts="/";
            }))
            (filter_field("stage", "Stage", error("stage"), html! {
                select #filter-stage name="stage" aria-describedby=[error("stage").map(|_| "stage-error")] {
                    option value="" selected[value("stage").is_empty()] { "any" }
                    @for s in Stage::ALL { option value=(s.as_str()) selected[value("stage") == s.as_str()] { (s.as_str()) } }
                    @if refused.is_some() && !value("stage").is_empty() && Stage::parse(&value("stage")).is_none() {
                        option value=(value("stage")) selected { (value("stage")) }
                    }
                }
            }))
            (filter_field("component", "Component", error("component"), html! {
                input #filter-component name="component" list="components" value=(value("component")) size="10" aria-describedby=[error("component").map(|_| "component-error")];
                datalist #components { @for c in &project.components { option value=(c.name) {} } }
            }))
            (filter_field("severity", "Severity", error("severity"), html! {
                input #filter-severity name="severity" value=(value("severity")) size="10" placeholder="high,critical" aria-describedby=[error("severity").map(|_| "severity-error")];
            }))
            (filter_field("coordinator", "Coordinator", error("coordinator"), html! {
                input #filter-coordinator name="coordinator" value=(value("coordinator")) size="8" placeholder="me, none, id" aria-describedby=[error("coordinator").map(|_| "coordinator-error")];
            }))
            (filter_field("track", "Track", error("track"), html! {
                input #filter-track name="track" value=(value("track")) size="12" placeholder="full,main-only" aria-describedby=[error("track").map(|_| "track-error")];
            }))
            label.check { input type="checkbox" name="mine" value="true" checked[matches!(value("mine").as_str(), "true" | "1")]; " mine only" }
            @if by_activity { input type="hidden" name="sort" value="activity"; }
            " " button type="submit" { "Show" }
            @if let Some(e) = error("sort").or(error("mine")) { p.field-error { (e) } }
        }
        p.muted {
            "Order: "
            @let other = |sort: &str| {
                let mut f = fields.clone();
                f.sort = Some(sort.to_owned());
                format!("{here}?{}", list_query(&f))
            };
            @if by_activity { a href=(other("received")) { "oldest report first" } " · " strong { "latest activity first" } }
            @else { strong { "oldest report first" } " · " a href=(other("activity")) { "latest activity first" } }
            " · keys: " kbd { "j" } "/" kbd { "k" } " move, " kbd { "Enter" } " open, " kbd { "/" } " search"
        }
        @if let Some(p) = &refused { (p.banner()) }
        @else if cases.items.is_empty() { p.empty { "No cases you may see." } }
        @else {
            table.cases data-keyboard-rows {
                thead { tr { th { "Received" } th { "Case" } th { "Component" } th { "Stage" } th { "Waiting on" } th { "Last activity" } th { "Coordinator" } } }
                tbody {
                    @for listed in &cases.items {
                        @let case = &listed.case;
                        tr .unread-row[listed.unread] {
                            td title=(when(case.received_at)) { (age(now, case.received_at)) " ago" }
                            td { (view::case_link(case, listed.unread)) }
                            td { (case.report.component.as_deref().unwrap_or("—")) }
                            td { (stage(case.stage)) }
                            td { (view::waiting_on(case)) }
                            td { (view::last_activity(case, now)) }
                            td { (case.people.coordinator.as_ref().map(|c| c.name.as_str()).unwrap_or("—")) }
                        }
                    }
                }
            }
        }
        (view::pager(&listed, &page, cases.next.as_ref()))
        @if let Some(user) = visitor.user.as_ref().filter(|u| project.member(u.id).is_some()) {
            @let choice = project.mail_preference(user.id);
            form.narrow #mail-preference method="post" action=(format!("/projects/{}/mail-preference", project.slug)) {
                (csrf(&visitor))
                h2 { "Mail from " (project.name) }
                p.hint { "New reports, the reporter's replies and your assignments, by mail as well as here." }
                @for level in embargo_core::project::MailLevel::ALL {
                    label.check {
                        input type="radio" name="level" value=(level.as_str()) checked[choice.level == level];
                        " " (match level {
                            embargo_core::project::MailLevel::Everything => "Everything on cases I can see",
                            embargo_core::project::MailLevel::MyCases => "Only cases I coordinate or collaborate on",
                            embargo_core::project::MailLevel::Nothing => "Nothing (in the app only)",
                        })
                    }
                }
                label.check { input type="checkbox" name="titles" checked[choice.titles]; " Show case titles in subjects (they may be embargoed)" }
                button type="submit" { "Save" }
            }
        }
    };
    let out = Page::new(&visitor, &project.name, body);
    Ok(match refused {
        Some(p) => out.status(p.status).into_response(),
        None => out.into_response(),
    })
}

/// A filter with its label and, when refused, the reason beside it.
fn filter_field(name: &str, label: &str, error: Option<String>, control: Markup) -> Markup {
    html! {
        span.filter {
            label for=(format!("filter-{name}")) { (label) }
            " " (control)
            @if let Some(e) = error { " " span.field-error id=(format!("{name}-error")) { (e) } }
        }
        " "
    }
}

/// The list's filters as a query string, empty ones left out: for the pager and the
/// order links.
fn list_query(f: &input::ListFields) -> String {
    [
        ("stage", &f.stage),
        ("component", &f.component),
        ("severity", &f.severity),
        ("coordinator", &f.coordinator),
        ("track", &f.track),
        ("mine", &f.mine),
        ("q", &f.q),
        ("sort", &f.sort),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| format!("{k}={}", super::page::encode(v)))
    })
    .collect::<Vec<_>>()
    .join("&")
}

/// `GET /my`: the open cases the member coordinates or collaborates on, across their
/// projects, with the unread markers; and the way to each project's case list.
pub async fn my_cases(
    State(app): State<App>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Page, WebError> {
    let user = visitor.account("/my")?;
    let page = view::page_request(&q)?;
    let mine = app.my_cases(user, &page).await?;
    let projects = app.projects_of(user).await?;
    let now = app.now();
    let body = html! {
        h1 { "My cases" }
        p { "Open cases you coordinate or collaborate on, oldest report first." }
        @if mine.items.is_empty() {
            p.empty { "You are not on any open case." }
        } @else {
            table.cases data-keyboard-rows {
                thead { tr { th { "Case" } th { "Project" } th { "Stage" } th { "Waiting on" } th { "Last activity" } th { "Coordinator" } } }
                tbody {
                    @for (project, listed) in &mine.items {
                        @let case = &listed.case;
                        tr .unread-row[listed.unread] {
                            td { (view::case_link(case, listed.unread)) }
                            td { a href=(format!("/projects/{}/cases", project.slug)) { (project.name) } }
                            td { (stage(case.stage)) }
                            td { (view::waiting_on(case)) }
                            td { (view::last_activity(case, now)) }
                            td { (case.people.coordinator.as_ref().map(|c| c.name.as_str()).unwrap_or("—")) }
                        }
                    }
                }
            }
        }
        (view::pager("/my", &page, mine.next.as_ref()))
        @if !projects.is_empty() {
            h2 { "Your projects" }
            ul {
                @for p in &projects {
                    li { a href=(format!("/projects/{}/cases", p.slug)) { (p.name) ": cases" } " · " a href=(format!("/projects/{}/queue", p.slug)) { "queue" } }
                }
            }
        }
    };
    Ok(Page::new(&visitor, "My cases", body))
}

/// A member's choice of team mail, from the cases page.
pub async fn set_mail_preference(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
    form: crate::web::session::FormResult,
) -> Result<axum::response::Response, WebError> {
    visitor.account(&format!("/projects/{slug}/cases"))?;
    let f = visitor.form(form)?;
    let level = embargo_core::project::MailLevel::parse(&f.text("level")).ok_or_else(|| {
        AppError::from(embargo_core::rejection::Rejection::invalid(
            "level",
            embargo_core::rejection::Rule::InvalidFormat,
            "choose everything, my cases or nothing",
        ))
    })?;
    let command = embargo_core::project::ProjectCommand::SetMailPreference {
        level,
        titles: f.flag("titles"),
    };
    match app.change_project(&visitor.actor(), &slug, command).await {
        Ok(_) | Err(AppError::Rejected(embargo_core::rejection::Rejection::Conflict { .. })) => {
            Ok(super::page::see_other(&format!("/projects/{slug}/cases")))
        }
        Err(e) => Err(e.into()),
    }
}

fn action_form(visitor: &Visitor, case: &CaseId, action: &str, inner: Markup) -> Markup {
    html! {
        form.action method="post" action=(format!("/cases/{case}/actions/{action}")) {
            (csrf(visitor))
            (inner)
        }
    }
}

/// Severity (C13): the final call, the proposals, the calculator and the forms.
fn scoring(visitor: &Visitor, access: &CaseView, q: &HashMap<String, String>) -> Markup {
    let case = access.case();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    let calc = calculator::calculate(q);
    let computed = calculator::vector(&calc);
    let id = &case.id;
    let current = case.scoring.score.as_ref();
    let prefill = |version: &str, stored: Option<&String>| -> String {
        match &computed {
            Some(v) if v.starts_with(&format!("CVSS:{version}/")) => v.clone(),
            _ => stored.cloned().unwrap_or_default(),
        }
    };
    html! {
        section.scoring #scoring {
            h2 { "Severity" }
            @match (current, &case.scoring.not_applicable) {
                (Some(score), _) => { (view::final_score(score)) }
                (None, Some(reason)) => { p { "CVSS recorded as not applicable: " (reason) } }
                (None, None) => { p.empty { "No final CVSS call yet." } }
            }
            @if !case.scoring.proposals.is_empty() {
                h3 { "Proposals" }
                ul.proposals {
                    @for p in &case.scoring.proposals {
                        li {
                            (view::cvss_line(&p.vector))
                            span.meta {
                                @match &p.by {
                                    ActorRef::Reporter => { "the reporter's suggestion" }
                                    ActorRef::User(u) => { (u.name) }
                                    ActorRef::Operator | ActorRef::System => { "Embargo" }
                                }
                                " · " (when(p.at))
                            }
                        }
                    }
                }
            }
            (calculator::render(&format!("/cases/{id}"), q, &calc))
            (action_form(visitor, id, "cvss-propose", html! {
                label for="cvss-vector" { "Propose a vector (v3.1 or v4.0)" }
                input #cvss-vector name="vector" required value=(computed.clone().unwrap_or_default()) data-calc-fill="any";
                button type="submit" { "Propose" }
            }))
            @if team.coordinator {
                (action_form(visitor, id, "cvss-set", html! {
                    fieldset {
                        legend { "Final call (coordinator)" }
                        label for="cvss_v3_1" { "CVSS v3.1 vector" }
                        input #cvss_v3_1 name="cvss_v3_1" value=(prefill("3.1", current.and_then(|c| c.cvss_v3_1.as_ref()))) data-calc-fill="3.1";
                        label for="cvss_v4_0" { "CVSS v4.0 vector" }
                        input #cvss_v4_0 name="cvss_v4_0" value=(prefill("4.0", current.and_then(|c| c.cvss_v4_0.as_ref()))) data-calc-fill="4.0";
                        label for="effect" { "Effect: what an attacker can do (Markdown; goes into the advisory)" }
                        textarea #effect name="effect" rows="3" required { (current.map(|c| c.effect.as_str()).unwrap_or("")) }
                        button type="submit" { "Set the score" }
                    }
                }))
                (action_form(visitor, id, "cvss-na", html! {
                    label for="cvss-na-reason" { "Or: CVSS does not apply to this case, because" }
                    textarea #cvss-na-reason name="reason" rows="2" required { (case.scoring.not_applicable.as_deref().unwrap_or("")) }
                    button type="submit" { "Record CVSS as not applicable" }
                }))
            }
        }
    }
}

/// The advisory, the CVE ID and disclosure (C14, C17, C18).
fn publishing(
    visitor: &Visitor,
    access: &CaseView,
    cve_services: bool,
    typed: Option<&Typed<'_>>,
) -> Markup {
    let case = access.case();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    let from_confirmation = matches!(
        case.stage,
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed
    ) || case.disclosure.disclosed_at.is_some();
    if !from_confirmation {
        return html! {};
    }
    let id = &case.id;
    let has_id = case.advisory.cve.as_ref().and_then(|c| c.id()).is_some();
    html! {
        section.advisory #advisory {
            h2 { "Advisory" }
            (advisory::summary(case))
            @if let Some(w) = &case.advisory.withdrawn {
                p.withdrawn { strong { "Withdrawn" } " on " (super::page::when(w.at)) ": " (w.reason) }
            }
            @if team.coordinator && case.advisory.withdrawn.is_none() {
                (action_form(visitor, id, "advisory", advisory::form(case)))
                @if !has_id && cve_services && case.advisory.cve != Some(embargo_core::advisory::CveState::Requested) {
                    (action_form(visitor, id, "cve-request", html! {
                        button type="submit" { "Request a CVE ID from CVE Services" }
                    }))
                }
                @if !has_id {
                    (action_form(visitor, id, "cve-assign", html! {
                        label for="cve-id" { "CVE ID assigned elsewhere (e.g. by GitHub as CNA)" }
                        input #cve-id name="cve_id" placeholder="CVE-2026-12345" required;
                        button type="submit" { "Record the CVE ID" }
                    }))
                }
                @if case.disclosure.disclosed_at.is_none() {
                    (fixes::blockers(case))
                    (action_form(visitor, id, "disclose", html! {
                        (super::page::reauth_field("disclose-reauth", None))
                        button type="submit" data-confirm="Disclose? The case and its advisory become public." { "Disclose: publish the advisory" }
                    }))
                } @else {
                    p { "Public at " a href=(format!("/advisories/{id}")) { "/advisories/" (id) } ". A change to the advisory is published as a new revision." }
                    (action_form(visitor, id, "withdraw", html! {
                        label for="withdraw-reason" { "Withdraw the advisory: why (published with it)" }
                        textarea #withdraw-reason name="reason" rows="3" required { (typed.filter(|t| t.action == "withdraw").map(|t| t.fields.text("reason")).unwrap_or_default()) }
                        @if let Some(e) = typed.filter(|t| t.action == "withdraw").and_then(|t| t.problem.on("reason")) { span.field-error id="withdraw-reason-error" { (e) } }
                        button type="submit" data-confirm="Withdraw the advisory? It stays published, marked withdrawn, and its CVE record is updated." { "Withdraw the advisory" }
                    }))
                }
            }
        }
    }
}

/// The case's clocks under the project's policy at `now` (the team's page shows every
/// one); due times in UTC, with the policy's zone named.
pub(super) fn clocks(access: &CaseView, now: embargo_core::Timestamp) -> Markup {
    use embargo_core::clocks::ClockState;
    let policy = access.project().policy();
    let list: Vec<_> = access
        .case()
        .clocks(&policy, now)
        .into_iter()
        .filter(|c| embargo_core::access::sees_clock(access.standing(), c))
        .collect();
    html! {
        h2 #clocks { "Clocks" }
        @if list.is_empty() {
            p.muted { "The project's policy runs no clock on this case yet." }
        } @else {
            table.clocks {
                thead { tr { th { "Clock" } th { "State" } th { "Due (UTC)" } th { "Basis" } } }
                tbody {
                    @for c in &list {
                        tr data-clock=(c.name.as_str()) {
                            td { (c.name.as_str()) " " small { "(" (c.name.step()) ")" } }
                            td {
                                (c.state.as_str())
                                @match c.state {
                                    ClockState::Running | ClockState::Overdue | ClockState::Paused => {
                                        br; small { (c.time_left(&policy, now).to_string()) }
                                    }
                                    ClockState::Met | ClockState::Stopped => {}
                                }
                            }
                            td { (when(c.due)) }
                            td { (c.basis) }
                        }
                    }
                }
            }
            p.muted { small { "Working days count in " (policy.time_zone.name()) "." } }
        }
    }
}

fn actions(visitor: &Visitor, access: &CaseView) -> Markup {
    let case = access.case();
    let project = access.project();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    let me = visitor.user.as_ref().map(|u| u.id);
    let open = !matches!(
        case.stage,
        Stage::Rejected | Stage::Closed | Stage::Disclosed
    );
    let others: Vec<_> = project
        .members
        .iter()
        .filter(|m| Some(m.user.id) != me)
        .collect();
    let addable: Vec<_> = project
        .members
        .iter()
        .filter(|m| {
            case.people.coordinator.as_ref().map(|c| c.id) != Some(m.user.id)
                && !case.people.collaborators.iter().any(|c| c.id == m.user.id)
        })
        .collect();
    let id = &case.id;
    html! {
        section.actions {
            h2 { "Act on the case" }
            @if team.leads() && case.stage == Stage::Received {
                (action_form(visitor, id, "acknowledge", html! { button type="submit" { "Acknowledge the report" } }))
            }
            @if open && !team.coordinator && (team.leads() || case.people.coordinator.is_none()) {
                (action_form(visitor, id, "claim", html! { button type="submit" { "Claim: become the coordinator" } }))
            }
            @if team.leads() && open && !others.is_empty() {
                (action_form(visitor, id, "hand-over", html! {
                    label for="hand-over-to" { "Hand the coordinator role to" }
                    select #hand-over-to name="user_id" {
                        @for m in &others { option value=(m.user.id.0) { (m.user.name) " (" (m.role.as_str()) ")" } }
                    }
                    button type="submit" { "Hand over" }
                }))
            }
            @if team.leads() && !addable.is_empty() {
                (action_form(visitor, id, "add-collaborator", html! {
                    label for="collaborator" { "Add a collaborator" }
                    select #collaborator name="user_id" {
                        @for m in &addable { option value=(m.user.id.0) { (m.user.name) " (" (m.role.as_str()) ")" } }
                    }
                    button type="submit" { "Add" }
                }))
            }
            (action_form(visitor, id, "message", html! {
                label for="message" { "Write to the reporter (Markdown; the reporter reads this)" }
                textarea #message name="body" rows="5" required {}
                button type="submit" { "Send to the reporter" }
            }))
            (action_form(visitor, id, "note", html! {
                label for="note" { "Internal note (the reporter does not see it)" }
                textarea #note name="body" rows="4" required {}
                button type="submit" { "Add the note" }
            }))
            @if team.leads() && open && case.triage.open_question.is_none() {
                (action_form(visitor, id, "ask", html! {
                    label for="question" { "Ask the reporter for information (the case waits in needs-info)" }
                    textarea #question name="body" rows="4" required {}
                    button type="submit" { "Ask" }
                }))
            }
            @if team.leads() && open {
                (action_form(visitor, id, "preliminary", html! {
                    label for="assessment" { "Preliminary decision" }
                    select #assessment name="assessment" {
                        @for a in Assessment::ALL { option value=(a.as_str()) { (a.as_str()) } }
                    }
                    label for="preliminary-note" { "Note (internal)" }
                    textarea #preliminary-note name="note" rows="3" {}
                    button type="submit" { "Record" }
                }))
                (action_form(visitor, id, "decision", html! {
                    fieldset {
                        legend { "Final decision" }
                        label.check { input type="radio" name="outcome" value="confirmed" required; " Confirmed vulnerability" }
                        label.check { input type="radio" name="outcome" value="rejected"; " Rejected" }
                        label for="reason" { "Reason (for a rejection)" }
                        select #reason name="reason" {
                            option value="" { "—" }
                            option value="not-a-vulnerability" { "not a vulnerability" }
                            option value="support-request" { "support request" }
                            option value="duplicate" { "duplicate" }
                            option value="out-of-scope" { "out of scope" }
                            option value="spam" { "spam (no reply)" }
                        }
                        label for="duplicate_of" { "Duplicate of (case id)" }
                        input #duplicate_of name="duplicate_of" placeholder="EMB-…";
                        label for="explanation" { "Explanation the reporter reads (empty: a polite standard text)" }
                        textarea #explanation name="explanation" rows="4" {}
                        button type="submit" data-confirm="Record the final decision? The reporter is told." { "Record the final decision" }
                    }
                }))
            }
            @if team.leads() && case.disclosure.public.is_none() {
                (action_form(visitor, id, "public", html! {
                    label for="public-link" { "Already public? Where (link)" }
                    input #public-link name="link" type="url";
                    label for="public-note" { "Note" }
                    input #public-note name="note";
                    button type="submit" { "Mark as already public" }
                }))
            }
            form.action method="post" enctype="multipart/form-data" action=(format!("/cases/{id}/attachments")) {
                (csrf(visitor))
                label for="file" { "Attach files" }
                input #file name="file" type="file" multiple required;
                label.check { input type="checkbox" name="internal"; " Internal (the reporter does not see them)" }
                button type="submit" { "Attach" }
            }
        }
    }
}

/// The case page; `typed` is what a refused clock form held, kept for the visitor.
pub(super) async fn render(
    app: &App,
    visitor: &Visitor,
    access: &CaseView,
    q: &HashMap<String, String>,
    clock_typed: &HashMap<String, String>,
    problem: Option<&Problem>,
    typed: Option<&Typed<'_>>,
) -> Result<Page, WebError> {
    let events = app.timeline(access).await?;
    let case = access.case();
    let links = Links {
        attachment_base: format!("/cases/{}/attachments", case.id),
        decision_notes: case.clock_log.decision_notes.clone(),
    };
    let all: Vec<_> = case
        .attachments
        .iter()
        .filter(|a| embargo_core::access::sees_attachment(access.standing(), a))
        .collect();
    let r = &case.report.reporter;
    let shared = match access.standing() {
        embargo_core::access::Standing::Team(_) => {
            app.release_of_case(&visitor.actor(), &case.id).await?
        }
        embargo_core::access::Standing::Reporter => None,
    };
    let body = html! {
        p.crumbs { a href=(format!("/projects/{}/cases", case.project)) { (access.project().name) } " · " code { (case.id) } }
        h1 { (case.report.title) }
        p.stage-line { (stage(case.stage)) }
        @if let Some(done) = problem.is_none().then(|| q.get("done").and_then(|d| done_words(d))).flatten() {
            p.done role="status" { (done) }
        }
        @if let Some(p) = problem { (p.banner()) }
        div.columns {
            div.main {
                (view::report(case))
                (view::attachments(&all, &links))
                h2 { "Timeline" }
                (view::timeline(&events, access.standing(), &links))
                (scoring(visitor, access, q))
                (fixes::section(visitor, access, typed))
                (publishing(visitor, access, app.cve_services().is_ok(), typed))
                @if let Some(shared) = &shared {
                    p.shared-release #shared-release {
                        "This case ships in the shared release "
                        a href=(format!("/releases/{}", shared.id)) { (shared.name) }
                        ": its plan and date are changed there."
                    }
                }
                (super::release::team_section(visitor, access, problem, typed.map(|t| t.fields)))
                (super::notices::team_section(app, visitor, access, problem, typed.map(|t| t.fields)))
                (super::guests::team_section(visitor, access, problem.filter(|_| typed.is_some_and(|t| t.action.starts_with("guest"))), typed.filter(|t| t.action == "guest-invite").map(|t| t.fields)))
                (actions(visitor, access))
            }
            aside {
                h2 { "People" }
                dl.facts {
                    dt { "Coordinator" } dd { (case.people.coordinator.as_ref().map(|c| c.name.as_str()).unwrap_or("nobody yet")) }
                    dt { "Collaborators" }
                    dd {
                        @if case.people.collaborators.is_empty() { "none" }
                        ul.plain {
                            @for c in &case.people.collaborators {
                                li {
                                    (c.name)
                                    form.inline method="post" action=(format!("/cases/{}/actions/remove-collaborator", case.id)) {
                                        (csrf(visitor))
                                        input type="hidden" name="user_id" value=(c.id.0);
                                        button.link type="submit" title=(format!("Remove {}", c.name)) { "remove" }
                                    }
                                }
                            }
                        }
                    }
                    dt { "Reporter" }
                    dd { (r.name.as_deref().unwrap_or("anonymous")) @if let Some(e) = &r.email { br; (e) } }
                    @if let Some(c) = &r.credit { dt { "Credit as" } dd { (c) } }
                    @if let Some(p) = &case.triage.preliminary { dt { "Preliminary" } dd { (p.assessment.as_str()) } }
                    @if let Some(q) = &case.triage.open_question { dt { "Open question" } dd { "#" (q.id.0) " since " (when(q.asked_at)) } }
                }
                (clocks(access, app.now()))
                (super::clocks::forms(visitor, access, app.now(), clock_typed, problem))
                @if let Some(d) = &case.triage.decision { h2 { "Decision" } (view::decision(d)) }
                @if let Some(a) = case.scoring.score.as_ref().and_then(|s| s.highest()) {
                    h2 { "Severity" }
                    p { strong { (a.score) } " " (a.severity.as_str()) }
                }
            }
        }
    };
    let page = Page::new(visitor, &case.report.title, body);
    Ok(match problem {
        Some(p) => page.status(p.status),
        None => page,
    })
}

pub async fn case_page(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Page, WebError> {
    visitor.account(&format!("/cases/{id}"))?;
    let access = app.case(&visitor.actor(), &id).await?;
    let page = render(&app, &visitor, &access, &q, &HashMap::new(), None, None).await?;
    // Seen once the page is made: the lists stop marking it for this member.
    app.mark_seen(&visitor.actor(), &access).await?;
    Ok(page)
}

/// The calculator on its own page, for anyone.
pub async fn calculator_page(visitor: Visitor, Query(q): Query<HashMap<String, String>>) -> Page {
    let calc = calculator::calculate(&q);
    let body = html! {
        h1 { "CVSS calculator" }
        p { "Scores as FIRST's specifications define them, for v3.1 and v4.0. "
            "Older vectors (v2.0, v3.0) can be pasted too, or scored with " code { "embargo cvss" } "." }
        (calculator::render("/cvss", &q, &calc))
    };
    Page::new(&visitor, "CVSS calculator", body)
}

fn user_id(f: &Fields) -> Result<UserId, AppError> {
    f.opt("user_id")
        .and_then(|v| v.parse::<i64>().ok())
        .map(UserId)
        .ok_or_else(|| {
            Rejection::invalid("user_id", Rule::Required, "choose a member of the project").into()
        })
}

fn command(action: &str, f: &Fields) -> Result<Option<Command>, AppError> {
    Ok(Some(match action {
        "acknowledge" => Command::Acknowledge,
        "claim" => Command::Claim,
        "hand-over" => Command::HandOver { to: user_id(f)? },
        "add-collaborator" => Command::AddCollaborator { user: user_id(f)? },
        "remove-collaborator" => Command::RemoveCollaborator { user: user_id(f)? },
        "message" => Command::MessageReporter {
            body: f.text("body"),
        },
        "note" => Command::AddNote {
            body: f.text("body"),
        },
        "ask" => Command::AskReporter {
            body: f.text("body"),
        },
        "preliminary" => Command::SetPreliminaryDecision {
            assessment: Assessment::parse(&f.text("assessment")).ok_or_else(|| {
                Rejection::invalid(
                    "assessment",
                    Rule::InvalidFormat,
                    "choose likely-vulnerability, needs-analysis or likely-not-vulnerability",
                )
            })?,
            note: f.opt("note"),
        },
        "decision" => Command::SetFinalDecision(input::decision(DecisionFields {
            outcome: f.text("outcome"),
            reason: f.opt("reason").filter(|_| f.text("outcome") == "rejected"),
            duplicate_of: f
                .opt("duplicate_of")
                .filter(|_| f.opt("reason").as_deref() == Some("duplicate")),
            explanation: f.opt("explanation"),
        })?),
        "public" => Command::MarkPublic {
            link: f.opt("link"),
            note: f.opt("note"),
        },
        "advisory" => Command::SetAdvisory(advisory::read(f)?),
        "cve-assign" => Command::AssignCveId {
            id: f.text("cve_id"),
        },
        "disclose" => Command::Disclose,
        "withdraw" => Command::WithdrawAdvisory {
            reason: f.text("reason"),
        },
        "cve-request" => Command::RequestCveId,
        "cvss-propose" => Command::ProposeCvss {
            vector: f.text("vector"),
        },
        "cvss-set" => Command::SetCvss {
            cvss_v3_1: f.opt("cvss_v3_1"),
            cvss_v4_0: f.opt("cvss_v4_0"),
            effect: f.text("effect"),
        },
        _ => return Ok(None),
    }))
}

async fn run(
    app: &App,
    visitor: &Visitor,
    id: &str,
    anchor: &str,
    command: Result<Vec<Command>, AppError>,
    uploads: Vec<Upload>,
    typed: Option<(&str, &Fields)>,
) -> Result<Response, WebError> {
    let access = app.case(&visitor.actor(), id).await?;
    let result = match command {
        Ok(commands) => app
            .execute(&visitor.actor(), &access.case().id, commands, uploads)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    answer(app, visitor, id, anchor, result, typed).await
}

/// The confirmation after an action, by the part of the page it went to.
fn done_words(anchor: &str) -> Option<&'static str> {
    Some(match anchor {
        "scoring" => "Saved: the scoring is updated.",
        "fixes" => "Saved: the fixes are updated.",
        "advisory" => "Saved: the advisory is updated.",
        "notices" => "Saved: the notices are updated.",
        "guests" => "Saved: the sharing is updated.",
        "release" => "Saved: the release is updated.",
        "timeline" => "Done: it is on the timeline.",
        _ => return None,
    })
}

/// After an action: back to the case, or its page again with the refusal beside what
/// was typed.
async fn answer(
    app: &App,
    visitor: &Visitor,
    id: &str,
    anchor: &str,
    result: Result<(), AppError>,
    typed: Option<(&str, &Fields)>,
) -> Result<Response, WebError> {
    match result {
        // Back where the person was, with a confirmation (issue 12, item 4).
        Ok(()) => Ok(see_other(&format!("/cases/{id}?done={anchor}#{anchor}"))),
        Err(e) => {
            let p = problem(&e);
            if p.status == axum::http::StatusCode::NOT_FOUND {
                return Err(e.into());
            }
            // Fresh state: the refusal may come from someone else's change.
            let access = app.case(&visitor.actor(), id).await?;
            let typed = typed.map(|(action, fields)| Typed {
                action,
                fields,
                problem: &p,
            });
            Ok(render(
                app,
                visitor,
                &access,
                &HashMap::new(),
                &HashMap::new(),
                Some(&p),
                typed.as_ref(),
            )
            .await?
            .into_response())
        }
    }
}

pub async fn act(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.account(&format!("/cases/{id}"))?;
    // Cases the visitor may not see are not found before the form is looked at.
    let access = app.case(&visitor.actor(), &id).await?;
    let f = visitor.form(form)?;
    // Sharing draws the guest's token: `App` does it, with the invitation mail.
    if action == "guest-invite" {
        let result = app
            .invite_guest(
                &visitor.actor(),
                &access.case().id,
                super::guests::input(&f),
            )
            .await
            .map(|_| ());
        return answer(&app, &visitor, &id, "guests", result, Some((&action, &f))).await;
    }
    let found = match (action.as_str(), command(&action, &f)) {
        // The notes are built from the case as it is: `App` does it.
        ("release-notes-finalize", _) => Ok(Some(app.release_notes_command(&access))),
        (_, Ok(None)) => match fixes::command(&action, &f, access.project()) {
            Ok(None) => match super::release::command(&action, &f)
                .or_else(|| super::notices::command(&action, &f))
                .or_else(|| super::guests::command(&action, &f))
            {
                Some(c) => c.map(Some),
                None => Ok(None),
            },
            other => other,
        },
        (_, other) => other,
    };
    let command = match found {
        Ok(Some(c)) => Ok(vec![c]),
        Ok(None) => return Err(AppError::not_found().into()),
        Err(e) => Err(e),
    };
    // Disclosing asks again for the password after a while (issue 11, item 1).
    let command = match (command, action.as_str()) {
        (Ok(c), "disclose" | "disclosure-schedule") => {
            visitor.reauthenticate(&app, &f).await.map(|()| c)
        }
        (other, _) => other,
    };
    let anchor = match action.as_str() {
        a if a.starts_with("cvss") => "scoring",
        a if a.starts_with("fix") => "fixes",
        "affected" | "waive" | "mitigation" => "fixes",
        "advisory" | "cve-assign" | "cve-request" | "disclose" | "withdraw" => "advisory",
        a if a.starts_with("notice") || a.starts_with("prenotify") => "notices",
        a if a.starts_with("guest") => "guests",
        a if a.starts_with("release") || a.starts_with("disclosure") || a == "post-mortem" => {
            "release"
        }
        _ => "timeline",
    };
    run(
        &app,
        &visitor,
        &id,
        anchor,
        command,
        vec![],
        Some((&action, &f)),
    )
    .await
}

pub async fn attach(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    multipart: MultipartResult,
) -> Result<Response, WebError> {
    visitor.account(&format!("/cases/{id}"))?;
    app.case(&visitor.actor(), &id).await?;
    let mut form = visitor
        .multipart_as_typed(&app.settings().limits, multipart)
        .await?;
    // A broken upload limit comes back to the attach form, beside its file field.
    if let Some(e) = form.refused.take() {
        let typed = Fields(std::mem::take(&mut form.fields));
        return answer(
            &app,
            &visitor,
            &id,
            "timeline",
            Err(e),
            Some(("attach", &typed)),
        )
        .await;
    }
    let visibility = if form.flag("internal") {
        Visibility::Internal
    } else {
        Visibility::Shared
    };
    for file in &mut form.files {
        file.visibility = visibility;
    }
    let command = if form.files.is_empty() {
        Err(Rejection::invalid("file", Rule::Required, "choose at least one file").into())
    } else {
        Ok(vec![])
    };
    run(&app, &visitor, &id, "timeline", command, form.files, None).await
}

/// A patch file for a fix: an internal attachment, linked to the fix (C12).
pub async fn attach_patch(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, fix)): Path<(String, String)>,
    multipart: MultipartResult,
) -> Result<Response, WebError> {
    visitor.account(&format!("/cases/{id}"))?;
    let access = app.case(&visitor.actor(), &id).await?;
    let fix = fix
        .parse()
        .map(embargo_core::ids::FixId)
        .map_err(|_| AppError::not_found())?;
    let mut form = visitor
        .multipart_as_typed(&app.settings().limits, multipart)
        .await?;
    if let Some(e) = form.refused.take() {
        let typed = Fields(std::mem::take(&mut form.fields));
        return answer(
            &app,
            &visitor,
            &id,
            "fixes",
            Err(e),
            Some(("attach", &typed)),
        )
        .await;
    }
    let result = if form.files.len() == 1 {
        app.attach_patch(
            &visitor.actor(),
            &access.case().id,
            fix,
            form.files.remove(0),
        )
        .await
        .map(|_| ())
    } else {
        Err(Rejection::invalid("file", Rule::Required, "choose one patch file").into())
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{id}?done=fixes#fixes"))),
        Err(e) => {
            let p = problem(&e);
            if p.status == axum::http::StatusCode::NOT_FOUND {
                return Err(e.into());
            }
            let access = app.case(&visitor.actor(), &id).await?;
            Ok(render(
                &app,
                &visitor,
                &access,
                &HashMap::new(),
                &HashMap::new(),
                Some(&p),
                None,
            )
            .await?
            .into_response())
        }
    }
}

pub async fn download(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response, WebError> {
    visitor.account(&format!("/cases/{id}"))?;
    let access = app.case(&visitor.actor(), &id).await?;
    let (meta, bytes) = app.attachment(&access, &attachment).await?;
    Ok(download_response(&meta.filename, bytes))
}
