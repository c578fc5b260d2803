//! The team's pages: home, the triage queue, a project's cases, and a case with its
//! actions. The case page leads with where the case stands and the next steps
//! (`embargo_core::case::lead`), then only the actions the stage and the viewer allow,
//! grouped under anchors. Each action is a form posting to
//! `/cases/{id}/actions/{action}#{group}`; the command is decided by `core` as for the
//! API, and a refusal comes back as the case page, opened at that group, with what was
//! typed and the error beside its field.

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
use embargo_core::case::{Stage, Step};
use embargo_core::command::Command;
use embargo_core::event::{Assessment, Visibility};
use embargo_core::ids::{CaseId, UserId};
use embargo_core::rejection::{Rejection, Rule};
use embargo_cvss::Version;
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
    let error = |k: &str| refused.as_ref().and_then(|p| p.on(k));
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
        Some(p) => out.refused(&p).into_response(),
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

/// The part of the case page an action belongs to: the anchor its form posts to (so a
/// refused form opens where it was) and the one the page comes back to after it.
pub(super) fn anchor(action: &str) -> &'static str {
    match action {
        "acknowledge" | "claim" | "ask" | "preliminary" | "decision" | "public" => "triage",
        "hand-over" | "add-collaborator" | "remove-collaborator" => "people",
        "message" | "note" | "attach" => "conversation",
        a if a.starts_with("cvss") => "scoring",
        a if a.starts_with("fix") => "fixes",
        "affected" | "waive" | "mitigation" => "fixes",
        "advisory" | "cve-assign" | "cve-request" | "disclose" | "withdraw" => "advisory",
        a if a.starts_with("notice") || a.starts_with("prenotify") => "notices",
        a if a.starts_with("guest") => "guests",
        a if a.starts_with("clock-") => "clocks",
        a if a.starts_with("release") || a.starts_with("disclosure") || a == "post-mortem" => {
            "release"
        }
        _ => "timeline",
    }
}

/// Where a next step is done on the page.
fn step_anchor(step: Step) -> &'static str {
    match step {
        Step::Acknowledge | Step::Claim | Step::AwaitAnswer | Step::Decide => "triage",
        Step::AddCollaborators => "people",
        Step::Score => "scoring",
        Step::RecordAffected | Step::CompleteFixes => "fixes",
        Step::WriteAdvisory | Step::Disclose => "advisory",
        Step::PlanRelease | Step::PublishPostMortem => "release",
        Step::AnnounceFix => "notices",
    }
}

/// Where a case-page form posts: the case's own URL, the form named in `do`, at its
/// group's anchor. A refused form is answered there, so the page that comes back is
/// the case's, opened at the form (`act_here`).
pub(super) fn action_url(case: &impl std::fmt::Display, action: &str) -> String {
    format!("/cases/{case}?do={action}#{}", anchor(action))
}

/// Where a fix's patch upload posts (`action_url` for the `fix-patch` form of one fix).
pub(super) fn patch_url(case: &impl std::fmt::Display, fix: u32) -> String {
    format!("/cases/{case}?do=fix-patch&fix={fix}#fixes")
}

/// One action's form; it posts to the case with its group's anchor, and when it was
/// the one refused it says so at its top.
pub(super) fn action_form(
    visitor: &Visitor,
    typed: Option<&Typed<'_>>,
    case: &CaseId,
    action: &str,
    inner: Markup,
) -> Markup {
    html! {
        form.action method="post" action=(action_url(case, action)) data-action=(action) {
            (csrf(visitor))
            (Typed::notice(typed, action))
            (inner)
        }
    }
}

/// What was typed into `name` when `action` was refused.
fn kept(typed: Option<&Typed<'_>>, action: &str, name: &str) -> Option<String> {
    Typed::value(typed, action, name)
}

/// The top of the page: where the case stands, whose turn it is, and the next steps
/// the policy expects with their clocks (`embargo_core::case::lead`).
fn lead_panel(access: &CaseView, now: embargo_core::Timestamp) -> Markup {
    use embargo_core::case::WaitingOn;
    use embargo_core::clocks::ClockState;
    let case = access.case();
    let lead = embargo_core::case::lead(case);
    let policy = access.project().policy();
    let clocks: Vec<_> = case
        .clocks(&policy, now)
        .into_iter()
        .filter(|c| embargo_core::access::sees_clock(access.standing(), c))
        .collect();
    html! {
        section.lead #lead aria-labelledby="lead-heading" {
            h2.visually-hidden #lead-heading { "Where the case stands" }
            p.stage-line { (stage(case.stage)) " " span.state { (lead.state) } }
            p.waiting {
                "Waiting on: "
                @match lead.waiting_on {
                    Some(WaitingOn::Team) => { strong.waiting-team { "the team" } }
                    Some(WaitingOn::Reporter) => { strong.waiting-reporter { "the reporter" } }
                    None => { "nobody" }
                }
            }
            @if !lead.steps.is_empty() {
                h3 { "Next steps" }
                ol.next-steps {
                    @for s in &lead.steps {
                        li data-step=(format!("{s:?}")) {
                            a href=(format!("#{}", step_anchor(*s))) { (s.words()) }
                            @if let Some(c) = s.clock().and_then(|n| clocks.iter().find(|c| c.name == n)) {
                                @match c.state {
                                    ClockState::Running | ClockState::Overdue | ClockState::Paused => {
                                        " — " span.clock.overdue[c.state == ClockState::Overdue] data-clock=(c.name.as_str()) {
                                            "due " (when(c.due)) ", " (c.time_left(&policy, now).to_string())
                                            @if c.state == ClockState::Paused { " (paused)" }
                                        }
                                    }
                                    ClockState::Met => { " — " span.clock { "clock met" } }
                                    ClockState::Stopped => {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Severity (C13): the final call, the proposals, the calculator and the forms.
fn scoring(
    visitor: &Visitor,
    access: &CaseView,
    q: &HashMap<String, String>,
    typed: Option<&Typed<'_>>,
) -> Markup {
    let case = access.case();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    let calc = calculator::calculate(q);
    let computed = calculator::vector(&calc);
    let id = &case.id;
    let current = case.scoring.score.as_ref();
    // What was typed wins; then the calculator's vector of that version (scored now, or
    // carried across a switch of version); then the call.
    let prefill = |version: Version, name: &str, stored: Option<&String>| -> String {
        kept(typed, "cvss-set", name)
            .or_else(|| calculator::kept(q, &calc, version))
            .or_else(|| stored.cloned())
            .unwrap_or_default()
    };
    let err = |action: &str, field: &str| Typed::error(typed, action, field);
    html! {
        section.scoring.group #scoring aria-labelledby="scoring-heading" {
            h2 #scoring-heading { "Scoring" }
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
            @if case.stage.is_open() {
                (calculator::render(&format!("/cases/{id}"), q, &calc))
                (action_form(visitor, typed, id, "cvss-propose", html! {
                    label for="cvss-vector" { "Propose a vector (v3.1 or v4.0)" }
                    input #cvss-vector name="vector" required value=(kept(typed, "cvss-propose", "vector").or(computed.clone()).unwrap_or_default()) data-calc-fill="any" data-keep;
                    (err("cvss-propose", "vector"))
                    button.secondary type="submit" { "Propose" }
                }))
                @if team.coordinator {
                    (action_form(visitor, typed, id, "cvss-set", html! {
                        fieldset {
                            legend { "Final call (coordinator)" }
                            label for="cvss_v3_1" { "CVSS v3.1 vector" }
                            input #cvss_v3_1 name="cvss_v3_1" value=(prefill(Version::V3_1, "cvss_v3_1", current.and_then(|c| c.cvss_v3_1.as_ref()))) data-calc-fill="3.1" data-keep;
                            (err("cvss-set", "cvss_v3_1"))
                            label for="cvss_v4_0" { "CVSS v4.0 vector" }
                            input #cvss_v4_0 name="cvss_v4_0" value=(prefill(Version::V4_0, "cvss_v4_0", current.and_then(|c| c.cvss_v4_0.as_ref()))) data-calc-fill="4.0" data-keep;
                            (err("cvss-set", "cvss_v4_0"))
                            label for="effect" { "Effect: what an attacker can do (Markdown; goes into the advisory)" }
                            textarea #effect name="effect" rows="3" required data-keep { (kept(typed, "cvss-set", "effect").unwrap_or_else(|| current.map(|c| c.effect.clone()).unwrap_or_default())) }
                            (err("cvss-set", "effect"))
                            (err("cvss-set", "cvss"))
                            button type="submit" { "Set the score" }
                        }
                    }))
                    (action_form(visitor, typed, id, "cvss-na", html! {
                        label for="cvss-na-reason" { "Or: CVSS does not apply to this case, because" }
                        textarea #cvss-na-reason name="reason" rows="2" required { (kept(typed, "cvss-na", "reason").unwrap_or_else(|| case.scoring.not_applicable.clone().unwrap_or_default())) }
                        (err("cvss-na", "reason"))
                        button.secondary type="submit" { "Record CVSS as not applicable" }
                    }))
                }
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
        section.advisory.group #advisory aria-labelledby="advisory-heading" {
            h2 #advisory-heading { "Advisory" }
            (advisory::summary(case))
            @if let Some(w) = &case.advisory.withdrawn {
                p.withdrawn { strong { "Withdrawn" } " on " (super::page::when(w.at)) ": " (w.reason) }
            }
            @if team.coordinator && case.advisory.withdrawn.is_none() {
                (action_form(visitor, typed, id, "advisory", advisory::form(case, typed)))
                @if !has_id && cve_services && case.advisory.cve != Some(embargo_core::advisory::CveState::Requested) {
                    (action_form(visitor, typed, id, "cve-request", html! {
                        button.secondary type="submit" { "Request a CVE ID from CVE Services" }
                    }))
                }
                @if !has_id {
                    (action_form(visitor, typed, id, "cve-assign", html! {
                        label for="cve-id" { "CVE ID assigned elsewhere (e.g. by GitHub as CNA)" }
                        input #cve-id name="cve_id" placeholder="CVE-2026-12345" required value=(kept(typed, "cve-assign", "cve_id").unwrap_or_default());
                        (Typed::error(typed, "cve-assign", "cve_id"))
                        (Typed::error(typed, "cve-assign", "id"))
                        button.secondary type="submit" { "Record the CVE ID" }
                    }))
                }
                @if case.disclosure.disclosed_at.is_none() {
                    (fixes::blockers(case))
                    (action_form(visitor, typed, id, "disclose", html! {
                        (super::page::reauth_field("disclose-reauth", typed.filter(|t| t.action == "disclose").map(|t| t.problem)))
                        button type="submit" data-confirm="Disclose? The case and its advisory become public." { "Disclose: publish the advisory" }
                    }))
                } @else {
                    p { "Public at " a href=(format!("/advisories/{id}")) { "/advisories/" (id) } ". A change to the advisory is published as a new revision." }
                    (action_form(visitor, typed, id, "withdraw", html! {
                        label for="withdraw-reason" { "Withdraw the advisory: why (published with it)" }
                        textarea #withdraw-reason name="reason" rows="3" required { (kept(typed, "withdraw", "reason").unwrap_or_default()) }
                        (Typed::error(typed, "withdraw", "reason"))
                        button.danger type="submit" data-confirm="Withdraw the advisory? It stays published, marked withdrawn, and its CVE record is updated." { "Withdraw the advisory" }
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

/// A group of actions under its heading, or nothing when none of them applies.
fn group(anchor: &str, title: &str, forms: Markup) -> Markup {
    if forms.0.trim().is_empty() {
        return html! {};
    }
    html! {
        section.actions.group id=(anchor) aria-labelledby=(format!("{anchor}-heading")) {
            h2 id=(format!("{anchor}-heading")) { (title) }
            (forms)
        }
    }
}

/// Triage (C3, C7, C8, C9, C11): only the forms the stage and the viewer allow.
fn triage_group(visitor: &Visitor, access: &CaseView, typed: Option<&Typed<'_>>) -> Markup {
    let case = access.case();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    let id = &case.id;
    let open = !matches!(
        case.stage,
        Stage::Rejected | Stage::Closed | Stage::Disclosed
    );
    let in_triage = matches!(case.stage, Stage::Triage | Stage::NeedsInfo);
    let undecided = case.triage.decision.is_none()
        && matches!(
            case.stage,
            Stage::Received | Stage::Triage | Stage::NeedsInfo
        );
    let err = |action: &str, field: &str| Typed::error(typed, action, field);
    let outcome = kept(typed, "decision", "outcome");
    let reason = kept(typed, "decision", "reason").unwrap_or_default();
    let assessment = kept(typed, "preliminary", "assessment").or_else(|| {
        case.triage
            .preliminary
            .as_ref()
            .map(|p| p.assessment.as_str().to_owned())
    });
    group(
        "triage",
        "Triage",
        html! {
            @if team.leads() && case.stage == Stage::Received {
                (action_form(visitor, typed, id, "acknowledge", html! { button type="submit" { "Acknowledge the report" } }))
            }
            @if open && !team.coordinator && (team.leads() || case.people.coordinator.is_none()) {
                (action_form(visitor, typed, id, "claim", html! { button type="submit" { "Claim: become the coordinator" } }))
            }
            @if team.leads() && case.stage == Stage::Triage && case.triage.open_question.is_none() {
                (action_form(visitor, typed, id, "ask", html! {
                    label for="question" { "Ask the reporter for information (the case waits in needs-info)" }
                    textarea #question name="body" rows="4" required { (kept(typed, "ask", "body").unwrap_or_default()) }
                    (err("ask", "body"))
                    button.secondary type="submit" { "Ask" }
                }))
            }
            @if let Some(q) = case.triage.open_question.as_ref().filter(|_| case.stage == Stage::NeedsInfo) {
                p.open-question { "Open question #" (q.id.0) ", asked " (when(q.asked_at)) ": the reporter's answer moves the case back to triage." }
            }
            @if team.leads() && in_triage {
                (action_form(visitor, typed, id, "preliminary", html! {
                    label for="assessment" { "Preliminary decision" }
                    select #assessment name="assessment" {
                        @for a in Assessment::ALL { option value=(a.as_str()) selected[assessment.as_deref() == Some(a.as_str())] { (a.as_str()) } }
                    }
                    (err("preliminary", "assessment"))
                    label for="preliminary-note" { "Note (internal)" }
                    textarea #preliminary-note name="note" rows="3" { (kept(typed, "preliminary", "note").unwrap_or_default()) }
                    (err("preliminary", "note"))
                    button.secondary type="submit" { "Record" }
                }))
            }
            @if team.leads() && undecided {
                (action_form(visitor, typed, id, "decision", html! {
                    fieldset {
                        legend { "Final decision" }
                        label.check { input type="radio" name="outcome" value="confirmed" required checked[outcome.as_deref() == Some("confirmed")]; " Confirmed vulnerability" }
                        label.check { input type="radio" name="outcome" value="rejected" checked[outcome.as_deref() == Some("rejected")]; " Rejected" }
                        (err("decision", "outcome"))
                        label for="reason" { "Reason (for a rejection)" }
                        select #reason name="reason" {
                            @for (value, words) in [("", "—"), ("not-a-vulnerability", "not a vulnerability"), ("support-request", "support request"), ("duplicate", "duplicate"), ("out-of-scope", "out of scope"), ("spam", "spam (no reply)")] {
                                option value=(value) selected[reason == value] { (words) }
                            }
                        }
                        (err("decision", "reason"))
                        label for="duplicate_of" { "Duplicate of (case id)" }
                        input #duplicate_of name="duplicate_of" placeholder="EMB-…" value=(kept(typed, "decision", "duplicate_of").unwrap_or_default());
                        (err("decision", "duplicate_of"))
                        label for="explanation" { "Explanation the reporter reads (empty: a polite standard text)" }
                        textarea #explanation name="explanation" rows="4" { (kept(typed, "decision", "explanation").unwrap_or_default()) }
                        (err("decision", "explanation"))
                        button type="submit" data-confirm="Record the final decision? The reporter is told." { "Record the final decision" }
                    }
                }))
            }
            @if team.leads() && open && case.disclosure.public.is_none() {
                (action_form(visitor, typed, id, "public", html! {
                    label for="public-link" { "Already public? Where (link)" }
                    input #public-link name="link" type="url" value=(kept(typed, "public", "link").unwrap_or_default());
                    (err("public", "link"))
                    label for="public-note" { "Note" }
                    input #public-note name="note" value=(kept(typed, "public", "note").unwrap_or_default());
                    (err("public", "note"))
                    button.secondary type="submit" { "Mark as already public" }
                }))
            }
        },
    )
}

/// People (C8, C10): the coordinator role and the collaborators.
fn people_group(visitor: &Visitor, access: &CaseView, typed: Option<&Typed<'_>>) -> Markup {
    let case = access.case();
    let project = access.project();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    if !team.leads() {
        return html! {};
    }
    let me = visitor.user.as_ref().map(|u| u.id);
    let open = !matches!(
        case.stage,
        Stage::Rejected | Stage::Closed | Stage::Disclosed
    );
    let others: Vec<_> = project
        .members
        .iter()
        .filter(|m| Some(m.user.id) != me && !case.people.is_coordinator(m.user.id))
        .collect();
    let addable: Vec<_> = project
        .members
        .iter()
        .filter(|m| {
            !case.people.is_coordinator(m.user.id) && !case.people.is_collaborator(m.user.id)
        })
        .collect();
    let id = &case.id;
    let chosen = |action: &str| kept(typed, action, "user_id");
    group(
        "people",
        "People",
        html! {
            @if open && !others.is_empty() {
                (action_form(visitor, typed, id, "hand-over", html! {
                    label for="hand-over-to" { "Hand the coordinator role to" }
                    select #hand-over-to name="user_id" {
                        @for m in &others { option value=(m.user.id.0) selected[chosen("hand-over") == Some(m.user.id.0.to_string())] { (m.user.name) " (" (m.role.as_str()) ")" } }
                    }
                    (Typed::error(typed, "hand-over", "user_id"))
                    (Typed::error(typed, "hand-over", "to"))
                    button.secondary type="submit" { "Hand over" }
                }))
            }
            @if open && !addable.is_empty() {
                (action_form(visitor, typed, id, "add-collaborator", html! {
                    label for="collaborator" { "Add a collaborator" }
                    select #collaborator name="user_id" {
                        @for m in &addable { option value=(m.user.id.0) selected[chosen("add-collaborator") == Some(m.user.id.0.to_string())] { (m.user.name) " (" (m.role.as_str()) ")" } }
                    }
                    (Typed::error(typed, "add-collaborator", "user_id"))
                    (Typed::error(typed, "add-collaborator", "user"))
                    button.secondary type="submit" { "Add" }
                }))
            }
            @if !case.people.collaborators.is_empty() {
                p { "Collaborators:" }
                ul.plain {
                    @for c in &case.people.collaborators {
                        li {
                            (c.name) " "
                            form.inline method="post" action=(action_url(id, "remove-collaborator")) {
                                (csrf(visitor))
                                input type="hidden" name="user_id" value=(c.id.0);
                                button.link type="submit" title=(format!("Remove {}", c.name)) { "remove" }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Conversation (C4, C9): the reporter's thread, the team's notes, files.
fn conversation_group(visitor: &Visitor, access: &CaseView, typed: Option<&Typed<'_>>) -> Markup {
    let case = access.case();
    let Standing::Team(_) = access.standing() else {
        return html! {};
    };
    let id = &case.id;
    let err = |action: &str, field: &str| Typed::error(typed, action, field);
    let attach_refused = typed.filter(|t| t.action == "attach");
    group(
        "conversation",
        "Conversation",
        html! {
            (action_form(visitor, typed, id, "message", html! {
                label for="message" { "Write to the reporter (Markdown; the reporter reads this)" }
                textarea #message name="body" rows="5" required { (kept(typed, "message", "body").unwrap_or_default()) }
                (err("message", "body"))
                button type="submit" { "Send to the reporter" }
            }))
            (action_form(visitor, typed, id, "note", html! {
                label for="note" { "Internal note (the reporter does not see it)" }
                textarea #note name="body" rows="4" required { (kept(typed, "note", "body").unwrap_or_default()) }
                (err("note", "body"))
                button.secondary type="submit" { "Add the note" }
            }))
            form.action method="post" enctype="multipart/form-data" action=(action_url(id, "attach")) data-action="attach" {
                (csrf(visitor))
                (Typed::notice(typed, "attach"))
                label for="file" { "Attach files" }
                input #file name="file" type="file" multiple required aria-describedby=[attach_refused.and_then(|t| t.problem.on("file")).map(|_| "attach-file-error")];
                @if let Some(t) = attach_refused {
                    @if let Some(m) = t.problem.on("file") { span.field-error #attach-file-error { (m) } }
                    p.hint { "Choose the files again: a browser never lets a page fill a file field in for you, so nothing you chose was kept."
                        @let names = t.fields.text("files");
                        @if !names.trim().is_empty() { " You had chosen: " (names) "." } }
                }
                label.check { input type="checkbox" name="internal" checked[attach_refused.is_some_and(|t| t.fields.flag("internal"))]; " Internal (the reporter does not see them)" }
                button.secondary type="submit" { "Attach" }
            }
        },
    )
}

/// The case page. `clock_typed` is what a refused clock form held; `typed` what a
/// refused action form held, with its problem.
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
    let now = app.now();
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
    // Each section sees only its own forms' refusal, so one form's error or text never
    // shows in another's fields.
    let for_area = |area: &str| typed.filter(|t| anchor(t.action) == area);
    let section_problem = |area: &str| for_area(area).map(|t| t.problem);
    let section_fields = |area: &str| for_area(area).map(|t| t.fields);
    let triage = triage_group(visitor, access, typed);
    let people = people_group(visitor, access, typed);
    let conversation = conversation_group(visitor, access, typed);
    let scoring = scoring(visitor, access, q, typed);
    let fixes = fixes::section(visitor, access, typed);
    let advisory = publishing(visitor, access, app.cve_services().is_ok(), typed);
    let release = super::release::team_section(
        visitor,
        access,
        section_problem("release"),
        section_fields("release"),
    );
    let notices = super::notices::team_section(
        app,
        visitor,
        access,
        section_problem("notices"),
        section_fields("notices"),
    );
    let sharing = super::guests::team_section(
        visitor,
        access,
        section_problem("guests"),
        typed
            .filter(|t| t.action.starts_with("guest"))
            .map(|t| (t.action, t.fields)),
    );
    // The parts this page has, for a jump list under the lead (long on a phone); the
    // timeline is always there.
    let always = html! { "timeline" };
    let parts: Vec<(&str, &str)> = [
        ("triage", "Triage", &triage),
        ("people", "People", &people),
        ("conversation", "Conversation", &conversation),
        ("timeline", "Timeline", &always),
        ("scoring", "Scoring", &scoring),
        ("fixes", "Fixes", &fixes),
        ("advisory", "Advisory", &advisory),
        ("release", "Release", &release),
        ("notices", "Notices", &notices),
        ("guests", "Sharing", &sharing),
    ]
    .into_iter()
    .filter(|(_, _, m)| !m.0.trim().is_empty())
    .map(|(anchor, words, _)| (anchor, words))
    .collect();
    let body = html! {
        p.crumbs { a href=(format!("/projects/{}/cases", case.project)) { (access.project().name) } " · " code { (case.id) } }
        h1 { (case.report.title) }
        (lead_panel(access, now))
        nav.case-parts aria-label="Parts of this case" {
            ul { @for (anchor, words) in &parts { li { a href=(format!("#{anchor}")) { (words) } } } }
        }
        @if let Some(done) = problem.is_none().then(|| q.get("done").and_then(|d| done_words(d))).flatten() {
            p.done role="status" { (done) }
        }
        // Told here too: the refused form may be gone (someone else's change made it moot).
        @if let Some(p) = problem { (p.banner()) }
        div.columns {
            div.main {
                (triage)
                (people)
                (view::report(case))
                (view::attachments(&all, &links))
                (conversation)
                h2 { "Timeline" }
                (view::timeline(&events, access.standing(), &links))
                (scoring)
                (fixes)
                (advisory)
                @if let Some(shared) = &shared {
                    p.shared-release #shared-release {
                        "This case ships in the shared release "
                        a href=(format!("/releases/{}", shared.id)) { (shared.name) }
                        ": its plan and date are changed there."
                    }
                }
                (release)
                (notices)
                (sharing)
            }
            aside {
                h2 { "People" }
                dl.facts {
                    dt { "Coordinator" } dd { (case.people.coordinator.as_ref().map(|c| c.name.as_str()).unwrap_or("nobody yet")) }
                    dt { "Collaborators" }
                    dd {
                        @if case.people.collaborators.is_empty() { "none" }
                        (case.people.collaborators.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "))
                    }
                    dt { "Reporter" }
                    dd { (r.name.as_deref().unwrap_or("anonymous")) @if let Some(e) = &r.email { br; (e) } }
                    @if let Some(c) = &r.credit { dt { "Credit as" } dd { (c) } }
                    @if let Some(p) = &case.triage.preliminary { dt { "Preliminary" } dd { (p.assessment.as_str()) } }
                    @if let Some(q) = &case.triage.open_question { dt { "Open question" } dd { "#" (q.id.0) " since " (when(q.asked_at)) } }
                }
                (clocks(access, now))
                (super::clocks::forms(visitor, access, now, clock_typed, problem.filter(|_| typed.is_none())))
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
        Some(p) => page.refused(p),
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
        "triage" => "Done: the triage is updated and it is on the timeline.",
        "people" => "Saved: the people on the case are updated.",
        "clocks" => "Saved: the clocks are updated.",
        "conversation" | "timeline" => "Done: it is on the timeline.",
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
    let anchor = anchor(&action);
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

/// Every form on the case page posts to the case's own URL, naming itself in `do`
/// (`action_url`); a refused one is answered there, so the address is the case's and
/// the form's `#group` opens the page at the form. The plain forms are held to axum's
/// default size; this route's larger limit is for the two upload forms.
pub async fn act_here(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    use axum::extract::FromRequest;
    let Some(action) = q.get("do").cloned() else {
        visitor.account(&format!("/cases/{id}"))?;
        app.case(&visitor.actor(), &id).await?;
        return Err(AppError::bad_request(
            "invalid_form",
            "this form named no action: the case page's forms name theirs in `do`",
            Some("do"),
        )
        .into());
    };
    match action.as_str() {
        "attach" => {
            let multipart = axum::extract::Multipart::from_request(request, &app).await;
            attach(State(app), visitor, Path(id), multipart).await
        }
        "fix-patch" => {
            let fix = q.get("fix").cloned().unwrap_or_default();
            let multipart = axum::extract::Multipart::from_request(request, &app).await;
            attach_patch(State(app), visitor, Path((id, fix)), multipart).await
        }
        _ => {
            let request = request.map(|body| {
                axum::body::Body::new(http_body_util::Limited::new(body, PLAIN_FORM_LIMIT))
            });
            let form = axum::Form::from_request(request, &app).await;
            match action.strip_prefix("clock-") {
                Some(clock) => {
                    super::clocks::act(State(app), visitor, Path((id, clock.to_owned())), form)
                        .await
                }
                None => act(State(app), visitor, Path((id, action)), form).await,
            }
        }
    }
}

/// axum's default body limit, which the case's plain forms keep.
const PLAIN_FORM_LIMIT: usize = 2 * 1024 * 1024;

/// A broken upload limit: the case page again, the error beside the refused upload
/// form's file field (`action`: the attach form, or one fix's patch form) and what else
/// was typed kept.
async fn refused_upload(
    app: &App,
    visitor: &Visitor,
    id: &str,
    action: &str,
    form: &mut crate::upload::Form,
) -> Option<Result<Response, WebError>> {
    let e = form.refused.take()?;
    let typed = Fields(std::mem::take(&mut form.fields));
    Some(
        answer(
            app,
            visitor,
            id,
            anchor(action),
            Err(e),
            Some((action, &typed)),
        )
        .await,
    )
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
    if let Some(refused) = refused_upload(&app, &visitor, &id, "attach", &mut form).await {
        return refused;
    }
    let visibility = if form.flag("internal") {
        Visibility::Internal
    } else {
        Visibility::Shared
    };
    for file in &mut form.files {
        file.visibility = visibility;
    }
    if form.files.is_empty() {
        let e = Rejection::invalid("file", Rule::Required, "choose at least one file").into();
        let typed = Fields(std::mem::take(&mut form.fields));
        return answer(
            &app,
            &visitor,
            &id,
            "conversation",
            Err(e),
            Some(("attach", &typed)),
        )
        .await;
    }
    run(
        &app,
        &visitor,
        &id,
        "timeline",
        Ok(vec![]),
        form.files,
        None,
    )
    .await
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
    // Whichever way it is refused, it comes back beside this fix's own patch form.
    form.fields.insert("fix".to_owned(), fix.0.to_string());
    if let Some(refused) = refused_upload(&app, &visitor, &id, "fix-patch", &mut form).await {
        return refused;
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
    let typed = Fields(std::mem::take(&mut form.fields));
    answer(
        &app,
        &visitor,
        &id,
        "fixes",
        result,
        Some(("fix-patch", &typed)),
    )
    .await
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
