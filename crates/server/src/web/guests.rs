//! Sharing a case with a person from another project (C5): the team's section on the
//! case page (the guests, the invitation form, removal) and the guest's page, opened by
//! their link, showing only the parts shared with them and a form to write to the team.

use super::page::{Fields, Page, Problem, WebError, csrf, problem, see_other, stage};
use super::session::{FormResult, Visitor};
use crate::app::{App, AppError, CaseView, GuestInput, GuestView};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use embargo_core::access::Standing;
use embargo_core::case::{Share, Stage};
use embargo_core::command::Command;
use embargo_core::ids::GuestId;
use maud::{Markup, html};

fn share_words(s: Share) -> &'static str {
    match s {
        Share::Report => "the report (title, description, component, versions, platform)",
        Share::Attachments => "the report's files",
        Share::Fixes => "the fixes (branch, private reference, commit, state)",
        Share::Advisory => "the advisory draft (without credits)",
        Share::ReleasePlan => "the release plan",
    }
}

/// The guests of a case and, for whoever leads it, the invitation form.
pub fn team_section(
    visitor: &Visitor,
    access: &CaseView,
    problem: Option<&Problem>,
    typed: Option<(&str, &Fields)>,
) -> Markup {
    let case = access.case();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    let sharing = matches!(
        case.stage,
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned
    );
    if case.guests.current.is_empty() && !(sharing && team.leads()) {
        return html! {};
    }
    let id = &case.id;
    let act = |a: &str| super::cases::action_url(id, a);
    // Each form sees only its own refusal: the invitation's, or one guest's removal.
    let invite = typed.filter(|(a, _)| *a == "guest-invite").map(|(_, f)| f);
    let removal = |guest: GuestId| {
        typed
            .filter(|(a, f)| *a == "guest-remove" && f.text("guest") == guest.0.to_string())
            .map(|(_, f)| f)
    };
    let error = |field: &str| {
        html! { @if let Some(m) = problem.filter(|_| invite.is_some()).and_then(|p| p.on(field)) { span.field-error id=(format!("guest-{field}-error")) { (m) } } }
    };
    let typed_text = |name: &str| invite.map(|f| f.text(name)).unwrap_or_default();
    html! {
        h2 #guests { "Sharing with other projects (C5)" }
        p.hint { "Information stays in the project unless another project must help ship the fix. Sharing is explicit and on the timeline: a guest sees only the parts you choose, never the reporter's identity, notes, questions or the conversation with the reporter, and their access ends when you remove them. This is not pre-notification, which only tells third parties that a fix is coming." }
        @if case.guests.current.is_empty() {
            p { "Not shared with anyone." }
        }
        ul.guests {
            @for g in &case.guests.current {
                li {
                    strong { (g.guest.email) }
                    @if let Some(n) = &g.guest.name { " (" (n) ")" }
                    @if let Some(o) = &g.guest.organisation { ", " (o) }
                    " — sees " (g.guest.shares.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                    "; why: " (g.guest.reason)
                    " · since " (embargo_core::release::utc_minute(g.at))
                    @if team.leads() {
                        @let refused = removal(g.guest.id);
                        form.inline-form method="post" action=(act("guest-remove")) {
                            (csrf(visitor))
                            input type="hidden" name="guest" value=(g.guest.id.0);
                            label { "Why " input name="reason" required value=(refused.map(|f| f.text("reason")).unwrap_or_default()); }
                            @if let Some(m) = problem.filter(|_| refused.is_some()).and_then(|p| p.on("reason")) {
                                span.field-error id=(format!("guest-remove-{}-reason-error", g.guest.id.0)) { (m) }
                            }
                            button type="submit" { "Remove" }
                        }
                    }
                }
            }
        }
        @if sharing && team.leads() {
            form.narrow method="post" action=(act("guest-invite")) {
                (csrf(visitor))
                label for="guest-email" { "Their e-mail" }
                input #guest-email name="email" type="email" required value=(typed_text("email"));
                (error("email"))
                label for="guest-name" { "Name (optional)" }
                input #guest-name name="name" value=(typed_text("name"));
                (error("name"))
                label for="guest-organisation" { "Project or organisation (optional)" }
                input #guest-organisation name="organisation" value=(typed_text("organisation"));
                (error("organisation"))
                fieldset {
                    legend { "What they see" }
                    @for s in Share::ALL {
                        @let field = format!("share-{}", s.as_str());
                        label.check {
                            input type="checkbox" name=(field) value="on" checked[invite.and_then(|f| f.opt(&field)).is_some()];
                            " " (share_words(s))
                        }
                    }
                    (error("shares"))
                }
                label for="guest-reason" { "Why their project must help ship the fix" }
                textarea #guest-reason name="reason" rows="3" required { (typed_text("reason")) }
                (error("reason"))
                button type="submit" { "Share and send the invitation" }
            }
        }
    }
}

/// The invitation as the form typed it.
pub fn input(f: &Fields) -> GuestInput {
    GuestInput {
        email: f.text("email"),
        name: f.opt("name"),
        organisation: f.opt("organisation"),
        shares: Share::ALL
            .into_iter()
            .filter(|s| f.opt(&format!("share-{}", s.as_str())).is_some())
            .map(|s| s.as_str().to_owned())
            .collect(),
        reason: f.text("reason"),
    }
}

/// The case page's actions on guests that are plain commands.
pub fn command(action: &str, f: &Fields) -> Option<Result<Command, AppError>> {
    Some(match action {
        "guest-remove" => f
            .opt("guest")
            .and_then(|g| g.parse::<u32>().ok())
            .ok_or_else(|| {
                AppError::Rejected(embargo_core::rejection::Rejection::invalid(
                    "guest",
                    embargo_core::rejection::Rule::InvalidFormat,
                    "`guest`: expected a guest's number",
                ))
            })
            .map(|g| Command::RemoveGuest {
                guest: GuestId(g),
                reason: f.text("reason"),
            }),
        _ => return None,
    })
}

fn render(
    visitor: &Visitor,
    token: &str,
    view: &GuestView,
    problem: Option<&Problem>,
    typed: Option<&Fields>,
) -> Page {
    let case = &view.case;
    let guest = &view.guest;
    let r = &case.report;
    let md = |s: &str| super::page::sanitized(crate::markdown::render(s));
    let body = html! {
        p.crumbs { "Shared with you by " (view.project.name) " · " code { (case.id) } }
        h1 { @if guest.sees(Share::Report) { (r.title) } @else { "Case " (case.id) } }
        p.stage-line { (stage(case.stage)) }
        p.hint { "The " (view.project.name) " security team shares this case with you because your project must help ship the fix: " (guest.reason) ". It is under embargo: keep it private until it is disclosed." }
        @if let Some(p) = problem { (p.banner()) }
        @if guest.sees(Share::Report) {
            section.report {
                h2 { "The report" }
                dl.facts {
                    @if let Some(c) = &r.component { dt { "Component" } dd { (c) } }
                    @if let Some(v) = &r.affected_versions { dt { "Affected versions" } dd { (v) } }
                    @if let Some(p) = &r.platform { dt { "Platform" } dd { (p) } }
                }
                (md(&r.description))
            }
        }
        @if guest.sees(Share::Attachments) {
            section.attachments {
                h2 { "Files" }
                ul {
                    @for a in case.attachments.iter().filter(|a| a.visibility == embargo_core::event::Visibility::Shared) {
                        li { a href=(format!("/guest/{token}/attachments/{}", a.id)) { (a.filename) } " (" (a.size) " bytes, sha256 " code { (a.sha256) } ")" }
                    }
                }
            }
        }
        @if guest.sees(Share::Fixes) {
            section.fixes {
                h2 { "Fixes" }
                @if case.fixes.fixes.is_empty() { p { "None recorded yet." } }
                ul {
                    @for f in &case.fixes.fixes {
                        li { (f.branch.component) " " (f.branch.branch) ": " code { (f.reference) }
                            @if let Some(c) = &f.commit { " @ " code { (c) } }
                            " — " (f.state.as_str()) }
                    }
                }
            }
        }
        @if guest.sees(Share::Advisory) {
            section.advisory {
                h2 { "Advisory draft" }
                @let a = &case.advisory.details;
                p { strong { (a.summary.as_deref().unwrap_or("(no summary yet)")) } }
                @if let Some(d) = &a.details { (md(d)) }
                @if let Some(cve) = case.advisory.cve.as_ref().and_then(|c| c.id()) { p { "CVE: " (cve) } }
            }
        }
        @if guest.sees(Share::ReleasePlan) {
            section.release {
                h2 { "Release plan" }
                @match &case.release.plan {
                    Some(p) => {
                        p { "Release at " strong { (embargo_core::release::utc_minute(p.at)) } }
                        ul { @for v in &p.versions { li { (v.branch) ": " (v.version) } } }
                        @if let Some(m) = &p.mitigation { h3 { "Mitigation" } (md(m)) }
                    }
                    None => p { "No release planned yet." }
                }
            }
        }
        section.reply {
            h2 { "Write to the team" }
            form method="post" action=(format!("/guest/{token}/comment")) {
                (csrf(visitor))
                label for="guest-comment" { "Message (Markdown); only the team reads it" }
                textarea #guest-comment name="body" rows="6" required { (typed.map(|f| f.text("body")).unwrap_or_default()) }
                @if let Some(m) = problem.and_then(|p| p.on("body")) { span.field-error { (m) } }
                button type="submit" { "Send" }
            }
        }
    };
    let page = Page::new(visitor, &format!("Case {}", case.id), body);
    match problem {
        Some(p) => page.refused(p),
        None => page,
    }
}

pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Page, WebError> {
    let view = app.guest_case(&visitor.ip, &token).await?;
    Ok(render(&visitor, &token, &view, None, None))
}

pub async fn download_attachment(
    State(app): State<App>,
    visitor: Visitor,
    Path((token, attachment)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (meta, bytes) = app
        .guest_attachment(&visitor.ip, &token, &attachment)
        .await?;
    Ok(crate::download::download(&meta.filename, bytes))
}

pub async fn comment(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    // A token that opens nothing is not found before the form is read.
    let view = app.guest_case(&visitor.ip, &token).await?;
    let f = visitor.form(form)?;
    match app
        .guest_comment(&visitor.ip, &token, &f.text("body"))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/guest/{token}"))),
        Err(e) => {
            let p = problem(&e);
            if p.status == axum::http::StatusCode::NOT_FOUND {
                return Err(e.into());
            }
            Ok(render(&visitor, &token, &view, Some(&p), Some(&f)).into_response())
        }
    }
}
