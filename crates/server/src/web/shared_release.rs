//! The page of a release shared by several cases: its plan, its cases (each linked),
//! each change of plan with its reason, and — for the project's security team and
//! admins — the forms to create one, change the plan, join and leave cases. Each form
//! keeps what was typed when it is refused, with the error beside its field.

use super::page::{Fields, Page, Problem, WebError, csrf, problem, see_other, stage};
use super::session::{FormResult, Visitor};
use crate::app::{App, ReleaseChange, ReleaseView};
use crate::markdown;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use embargo_core::release::{PlanInput, utc_minute};
use maud::{Markup, html};
use std::collections::HashMap;

fn error(problem: Option<&Problem>, name: &str) -> Markup {
    let messages: Vec<&str> = problem
        .map(|p| {
            p.fields
                .iter()
                .filter(|(f, _)| f == name || f.starts_with(&format!("{name}[")))
                .map(|(_, m)| m.as_str())
                .collect()
        })
        .unwrap_or_default();
    html! { @for m in messages { span.field-error { (m) } } }
}

async fn release_page(
    app: &App,
    visitor: &Visitor,
    id: &str,
    form: Option<(&str, &Fields)>,
    problem: Option<&Problem>,
) -> Result<Page, WebError> {
    visitor.account(&format!("/releases/{id}"))?;
    let view: ReleaseView = app.release_view(&visitor.actor(), id).await?;
    let r = &view.release;
    // What was typed in the refused form, else what the release holds.
    let typed = |which: &str, name: &str, stored: String| match form {
        Some((w, f)) if w == which => f.text(name),
        _ => stored,
    };
    let plan = r.plan.as_ref();
    let versions = plan
        .map(|p| {
            p.versions
                .iter()
                .map(|v| format!("{} {}", v.branch, v.version))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    let opt = |o: Option<&String>| o.cloned().unwrap_or_default();
    let act = |a: &str| format!("/releases/{}/{a}", r.id);
    let body = html! {
        p.crumbs { a href=(format!("/projects/{}/cases", r.project)) { (view.project.name) } " · " code { (r.id) } }
        h1 { "Release " (r.name) }
        @if let Some(p) = problem { (p.banner()) }
        h2 { "Plan" }
        @match plan {
            None => { p.empty { "No plan yet." } }
            Some(plan) => {
                dl.facts {
                    dt { "Release" } dd { strong { (utc_minute(plan.at)) } }
                    @if !plan.versions.is_empty() {
                        dt { "Versions" }
                        dd { @for v in &plan.versions { code { (v.branch) } " → " (v.version) br; } }
                    }
                    @if let Some(b) = &plan.binaries { dt { "Binaries" } dd { (super::page::sanitized(markdown::render(b))) } }
                    @if let Some(m) = &plan.mitigation { dt { "Mitigation" } dd { (super::page::sanitized(markdown::render(m))) } }
                    @if let Some(u) = &plan.upgrade { dt { "Upgrade" } dd { (super::page::sanitized(markdown::render(u))) } }
                }
            }
        }
        h2 { "Cases" }
        p { "Each case takes the release's plan as its own; each reporter accepts it on their case, and each case is disclosed at the release time only if its own gate passes." }
        @if view.cases.is_empty() { p.empty #release-cases-empty { "No case is in the release yet." } }
        ul #release-cases {
            @for c in &view.cases {
                li {
                    a href=(format!("/cases/{}", c.id)) { code { (c.id) } } " " (stage(c.stage)) " "
                    @if c.release.agreement.is_some() { "date agreed" } @else { "date not agreed" }
                    ", notes " @if c.release.notes.is_some() { "final" } @else { "draft" }
                    @if view.manages {
                        form.action method="post" action=(act("leave")) {
                            (csrf(visitor))
                            input type="hidden" name="case" value=(c.id);
                            label for=(format!("leave-{}", c.id)) { "Why it leaves" }
                            input id=(format!("leave-{}", c.id)) name="reason" value=(match form { Some(("leave", f)) if f.text("case") == c.id.as_str() => f.text("reason"), _ => String::new() });
                            @if matches!(form, Some(("leave", f)) if f.text("case") == c.id.as_str()) { (error(problem, "reason")) }
                            button type="submit" { "Leave the release" }
                        }
                    }
                }
            }
        }
        @if !r.changes.is_empty() {
            h2 { "Changes of plan" }
            ul #release-changes {
                @for c in &r.changes {
                    li { (super::page::when(c.at)) ": release at " (utc_minute(c.release_at)) @if let Some(why) = &c.reason { " — " (why) } }
                }
            }
        }
        @if view.manages && !r.departures.is_empty() {
            h2 { "Cases that left" }
            ul { @for d in &r.departures { li { code { (d.case) } ": " (d.reason) } } }
        }
        @if view.manages {
            form.action method="post" action=(act("join")) {
                (csrf(visitor))
                label for="join-case" { "A case of the project joins (its id)" }
                input #join-case name="case" required value=(typed("join", "case", String::new()));
                (error(form.filter(|(w, _)| *w == "join").and(problem), "case"))
                button type="submit" { "Join" }
            }
            form.action method="post" action=(act("plan")) {
                (csrf(visitor))
                fieldset {
                    legend { @if plan.is_some() { "Change the plan" } @else { "Propose the plan" } }
                    label for="release-at" { "Release time (UTC), e.g. 2026-06-10 14:00 UTC" }
                    input #release-at name="at" required value=(typed("plan", "at", plan.map(|p| utc_minute(p.at)).unwrap_or_default()));
                    (error(problem, "at"))
                    label for="release-versions" { "Versions, one line per branch: `branch version`" }
                    textarea #release-versions name="versions" rows="3" { (typed("plan", "versions", versions)) }
                    (error(problem, "versions"))
                    label for="release-binaries" { "Where the binaries will be" }
                    input #release-binaries name="binaries" value=(typed("plan", "binaries", opt(plan.and_then(|p| p.binaries.as_ref()))));
                    (error(problem, "binaries"))
                    label for="release-mitigation" { "Mitigation (Markdown)" }
                    textarea #release-mitigation name="mitigation" rows="3" { (typed("plan", "mitigation", opt(plan.and_then(|p| p.mitigation.as_ref())))) }
                    (error(problem, "mitigation"))
                    label for="release-upgrade" { "How to upgrade (Markdown)" }
                    textarea #release-upgrade name="upgrade" rows="3" { (typed("plan", "upgrade", opt(plan.and_then(|p| p.upgrade.as_ref())))) }
                    (error(problem, "upgrade"))
                    label for="release-reason" { "Why the date changes (required when it does; each reporter reads it)" }
                    input #release-reason name="reason" value=(typed("plan", "reason", String::new()));
                    @if matches!(form, Some(("plan", _))) { (error(problem, "reason")) }
                    button type="submit" { "Propose to every case's reporter" }
                }
            }
            p { a href=(format!("/api/v1/releases/{}/release-notes", r.id)) { "Release notes (Markdown)" } }
        }
    };
    let page = Page::new(visitor, &format!("Release {}", r.name), body);
    Ok(match problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Page, WebError> {
    release_page(&app, &visitor, &id, None, None).await
}

fn lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((b, v)) => (b.trim().to_owned(), v.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

pub async fn act(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.account(&format!("/releases/{id}"))?;
    let f = visitor.form(form)?;
    let change = match action.as_str() {
        "join" => ReleaseChange::Join {
            case: f.text("case"),
        },
        "leave" => ReleaseChange::Leave {
            case: f.text("case"),
            reason: f.text("reason"),
        },
        "plan" => ReleaseChange::Plan {
            plan: PlanInput {
                at: f.text("at"),
                versions: lines(&f.text("versions")),
                binaries: f.opt("binaries"),
                mitigation: f.opt("mitigation"),
                upgrade: f.opt("upgrade"),
            },
            reason: f.opt("reason"),
        },
        _ => return Err(crate::app::AppError::not_found().into()),
    };
    match app.change_release(&visitor.actor(), &id, &change).await {
        Ok(v) => Ok(see_other(&format!("/releases/{}", v.release.id))),
        Err(e) => {
            let p = problem(&e);
            Ok(
                release_page(&app, &visitor, &id, Some((&action, &f)), Some(&p))
                    .await?
                    .into_response(),
            )
        }
    }
}

/// A project's shared releases, and the form to create one (its security team and
/// admins; anyone else sees an empty list).
async fn list_page(
    app: &App,
    visitor: &Visitor,
    slug: &str,
    f: &Fields,
    problem: Option<&Problem>,
) -> Result<Page, WebError> {
    visitor.account(&format!("/projects/{slug}/releases"))?;
    let project = app.project(slug).await?;
    let releases = app.releases_of_project(&visitor.actor(), &project).await?;
    let manages = embargo_core::shared_release::manages(&visitor.actor(), &project);
    let body = html! {
        p.crumbs { a href=(format!("/projects/{}/cases", project.slug)) { (project.name) } }
        h1 { "Shared releases" }
        @if let Some(p) = problem { (p.banner()) }
        @if releases.is_empty() { p.empty { "No shared release." } }
        ul #releases {
            @for r in &releases {
                li {
                    a href=(format!("/releases/{}", r.id)) { (r.name) } " — "
                    (r.cases.len()) " case(s)"
                    @if let Some(p) = &r.plan { ", at " (utc_minute(p.at)) }
                }
            }
        }
        @if manages {
            form.narrow method="post" action=(format!("/projects/{}/releases", project.slug)) {
                (csrf(visitor))
                label for="release-name" { "Name, e.g. 1.17.1 security release" }
                input #release-name name="name" required value=(f.text("name"));
                (error(problem, "name"))
                button type="submit" { "Create the release" }
            }
        }
    };
    let page = Page::new(visitor, "Shared releases", body);
    Ok(match problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

pub async fn list(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Page, WebError> {
    list_page(&app, &visitor, &slug, &Fields(HashMap::new()), None).await
}

pub async fn create(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.account(&format!("/projects/{slug}/releases"))?;
    let f = visitor.form(form)?;
    match app
        .create_release(&visitor.actor(), &slug, &f.text("name"))
        .await
    {
        Ok(r) => Ok(see_other(&format!("/releases/{}", r.id))),
        Err(e) => {
            let p = problem(&e);
            Ok(list_page(&app, &visitor, &slug, &f, Some(&p))
                .await?
                .into_response())
        }
    }
}
