//! The release on the pages (C6, C17, C18, C19): the plan, its date and the reporter's
//! answer, the release notes, a scheduled disclosure and the post-mortem form. Each form
//! keeps what was typed when it is refused, with the error beside its field.

use super::page::{Fields, Problem, csrf, sanitized, when};
use super::session::Visitor;
use crate::app::{AppError, CaseView};
use crate::markdown;
use embargo_core::access::Standing;
use embargo_core::case::{Agreement, Stage};
use embargo_core::command::Command;
use embargo_core::ids::CaseId;
use embargo_core::release::{PlanInput, PostMortemText, utc_minute};
use maud::{Markup, html};

fn field_error(problem: Option<&Problem>, name: &str) -> Markup {
    let messages: Vec<&str> = problem
        .map(|p| {
            p.fields
                .iter()
                .filter(|(f, _)| f == name || f.starts_with(&format!("{name}[")))
                .map(|(_, m)| m.as_str())
                .collect()
        })
        .unwrap_or_default();
    html! {
        @for m in messages { span.field-error { (m) } }
    }
}

/// What was typed (on a refusal), else what the case holds.
fn value(typed: Option<&Fields>, name: &str, stored: impl FnOnce() -> String) -> String {
    match typed {
        Some(f) => f.text(name),
        None => stored(),
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The plan as it stands, for both pages.
fn plan_summary(access: &CaseView) -> Markup {
    let r = &access.case().release;
    html! {
        @match &r.plan {
            None => { p.empty { "No release plan yet." } }
            Some(plan) => {
                dl.facts {
                    dt { "Release" } dd { strong { (utc_minute(plan.at)) } }
                    dt { "Date" }
                    dd {
                        @match &r.agreement {
                            Some(Agreement::Agreed { .. }) => { "agreed with the reporter" }
                            Some(Agreement::Overridden { reason, .. }) => { "set after the reporter's silence: " (reason) }
                            None => {
                                "proposed, waiting for the reporter"
                                @if let Some(until) = r.silent_until(&access.project().policy(), access.case().received_at) {
                                    " (if they stay silent, the coordinator may set it from " (utc_minute(until)) ")"
                                }
                            }
                        }
                    }
                    @if let Some(c) = &r.counter {
                        dt { "Reporter proposes" } dd { strong { (utc_minute(c.at)) } ": " (c.reason) }
                    }
                    @if !plan.versions.is_empty() {
                        dt { "Versions" }
                        dd { @for v in &plan.versions { code { (v.branch) } " → " (v.version) br; } }
                    }
                    @if let Some(b) = &plan.binaries { dt { "Binaries" } dd { (sanitized(markdown::render(b))) } }
                    @if let Some(m) = &plan.mitigation { dt { "Mitigation" } dd { (sanitized(markdown::render(m))) } }
                    @if let Some(u) = &plan.upgrade { dt { "Upgrade" } dd { (sanitized(markdown::render(u))) } }
                    @if let Some(at) = r.scheduled { dt { "Disclosure" } dd { "scheduled for " (utc_minute(at)) } }
                }
            }
        }
    }
}

fn form(visitor: &Visitor, case: &CaseId, action: &str, inner: Markup) -> Markup {
    html! {
        form.action method="post" action=(super::cases::action_url(case, action)) data-action=(action) {
            (csrf(visitor))
            (inner)
        }
    }
}

/// The team's section of the case page.
pub fn team_section(
    visitor: &Visitor,
    access: &CaseView,
    problem: Option<&Problem>,
    typed: Option<&Fields>,
) -> Markup {
    let case = access.case();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    let planning = matches!(
        case.stage,
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned
    );
    if !planning && case.release.plan.is_none() && case.stage != Stage::Disclosed {
        return html! {};
    }
    let id = &case.id;
    let r = &case.release;
    let plan = r.plan.as_ref();
    let versions = || {
        plan.map(|p| {
            p.versions
                .iter()
                .map(|v| format!("{} {}", v.branch, v.version))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
    };
    let opt = |o: Option<&String>| o.cloned().unwrap_or_default();
    html! {
        section.release #release {
            h2 { "Release" }
            (plan_summary(access))
            @if team.coordinator && planning {
                (form(visitor, id, "release-plan", html! {
                    fieldset {
                        legend { @if plan.is_some() { "Change the release plan" } @else { "Propose a release plan" } }
                        label for="release-at" { "Release time (UTC), e.g. 2026-06-10 14:00 UTC" }
                        input #release-at name="at" required value=(value(typed, "at", || plan.map(|p| utc_minute(p.at)).unwrap_or_default()));
                        (field_error(problem, "at"))
                        label for="release-versions" { "Versions, one line per branch: `branch version`" }
                        textarea #release-versions name="versions" rows="3" { (value(typed, "versions", versions)) }
                        (field_error(problem, "versions"))
                        label for="release-binaries" { "Where the binaries will be" }
                        input #release-binaries name="binaries" value=(value(typed, "binaries", || opt(plan.and_then(|p| p.binaries.as_ref()))));
                        (field_error(problem, "binaries"))
                        label for="release-mitigation" { "Mitigation (Markdown)" }
                        textarea #release-mitigation name="mitigation" rows="3" { (value(typed, "mitigation", || opt(plan.and_then(|p| p.mitigation.as_ref())))) }
                        (field_error(problem, "mitigation"))
                        label for="release-upgrade" { "How to upgrade (Markdown)" }
                        textarea #release-upgrade name="upgrade" rows="3" { (value(typed, "upgrade", || opt(plan.and_then(|p| p.upgrade.as_ref())))) }
                        (field_error(problem, "upgrade"))
                        label for="release-reason" { "Why the date changes (required when it does; the reporter reads it)" }
                        input #release-reason name="reason" value=(value(typed, "reason", String::new));
                        (field_error(problem, "reason"))
                        button type="submit" { "Propose to the reporter" }
                    }
                }))
                @if r.counter.is_some() {
                    (form(visitor, id, "release-accept", html! {
                        button type="submit" { "Accept the reporter's date" }
                    }))
                }
                @if plan.is_some() && r.agreement.is_none() && r.counter.is_none() {
                    (form(visitor, id, "release-override", html! {
                        label for="override-reason" { "The reporter is silent: set the date anyway (recorded as an override)" }
                        input #override-reason name="override_reason" required value=(value(typed, "override_reason", String::new));
                        (field_error(problem, "reason"))
                        button type="submit" { "Set the date" }
                    }))
                }
                @if plan.is_some() {
                    h3 { "Release notes" }
                    p {
                        @if r.notes.is_some() { "Final. " } @else { "Draft. " }
                        a href=(format!("/api/v1/cases/{id}/release-notes")) { "Markdown" }
                    }
                    @if r.notes.is_none() {
                        (form(visitor, id, "release-notes-finalize", html! {
                            button type="submit" { "Finalize the release notes" }
                        }))
                        @for f in ["cve_id", "severity", "impact", "branches", "binaries", "mitigation", "upgrade", "advisory_url", "name", "vulnerabilities"] {
                            (field_error(problem, f))
                        }
                    }
                    h3 { "Disclosure at the release time" }
                    @match r.scheduled {
                        Some(_) => {
                            (form(visitor, id, "disclosure-unschedule", html! {
                                button type="submit" { "Unschedule the disclosure" }
                            }))
                        }
                        None => {
                            (form(visitor, id, "disclosure-schedule", html! {
                                (super::page::reauth_field("schedule-reauth", problem))
                                button type="submit" { "Schedule the disclosure for " (plan.map(|p| utc_minute(p.at)).unwrap_or_default()) }
                            }))
                        }
                    }
                }
            }
            @if team.coordinator && case.stage == Stage::Disclosed {
                h3 { "Post-mortem" }
                p { "A timeline of the case's public facts goes first:" }
                ul {
                    @for m in crate::app::public_timeline(case) {
                        li { (when(m.at)) ": " (step_words(&m.step)) }
                    }
                }
                (form(visitor, id, "post-mortem", html! {
                    label for="pm-summary" { "Summary (Markdown)" }
                    textarea #pm-summary name="summary" rows="3" { (value(typed, "summary", String::new)) }
                    label for="pm-root-cause" { "Root cause (Markdown)" }
                    textarea #pm-root-cause name="root_cause" rows="4" required { (value(typed, "root_cause", String::new)) }
                    (field_error(problem, "root_cause"))
                    label for="pm-went-well" { "What went well (one per line)" }
                    textarea #pm-went-well name="went_well" rows="3" { (value(typed, "went_well", String::new)) }
                    label for="pm-to-improve" { "What we can improve (one per line)" }
                    textarea #pm-to-improve name="to_improve" rows="3" { (value(typed, "to_improve", String::new)) }
                    label for="pm-prevention" { "Prevention (one per line; people by role)" }
                    textarea #pm-prevention name="prevention" rows="3" { (value(typed, "prevention", String::new)) }
                    (field_error(problem, "prevention"))
                    button type="submit" data-confirm="Publish the post-mortem and close the case?" { "Publish and close the case" }
                }))
            }
            @if let Some(_) = &r.post_mortem {
                p { a href=(format!("/advisories/{id}/post-mortem")) { "The published post-mortem" } }
            }
        }
    }
}

fn step_words(step: &embargo_formats::post_mortem::Step) -> String {
    use embargo_formats::post_mortem::Step;
    match step {
        Step::Received => "the report was received".into(),
        Step::Acknowledged => "the report was acknowledged".into(),
        Step::Confirmed => "the vulnerability was confirmed".into(),
        Step::FixMerged { branch } => format!("the fix was merged on {branch}"),
        Step::Released { version } => format!("{version} was released"),
        Step::Disclosed => "the vulnerability was disclosed".into(),
        Step::Other(text) => text.clone(),
    }
}

/// The team's release actions (the notes are finalized by `App`, which builds them).
pub fn command(action: &str, f: &Fields) -> Option<Result<Command, AppError>> {
    Some(Ok(match action {
        "release-plan" => {
            let versions = lines(&f.text("versions"))
                .into_iter()
                .map(|l| match l.split_once(char::is_whitespace) {
                    Some((b, v)) => (b.trim().to_owned(), v.trim().to_owned()),
                    None => (l, String::new()),
                })
                .collect();
            Command::ProposeReleasePlan {
                plan: PlanInput {
                    at: f.text("at"),
                    versions,
                    binaries: f.opt("binaries"),
                    mitigation: f.opt("mitigation"),
                    upgrade: f.opt("upgrade"),
                },
                reason: f.opt("reason"),
            }
        }
        "release-accept" => Command::AcceptReleaseDate,
        "release-override" => Command::OverrideReleaseDate {
            reason: f.text("override_reason"),
        },
        "disclosure-schedule" => Command::ScheduleDisclosure,
        "disclosure-unschedule" => Command::UnscheduleDisclosure,
        "post-mortem" => Command::PublishPostMortem(PostMortemText {
            summary: f.opt("summary"),
            root_cause: f.text("root_cause"),
            went_well: lines(&f.text("went_well")),
            to_improve: lines(&f.text("to_improve")),
            prevention: lines(&f.text("prevention")),
        }),
        _ => return None,
    }))
}

/// The reporter's part on the tracking page: the plan, and accept or propose another date.
pub fn reporter_section(
    visitor: &Visitor,
    token: &str,
    access: &CaseView,
    problem: Option<&Problem>,
    typed: Option<&Fields>,
) -> Markup {
    let case = access.case();
    let r = &case.release;
    if r.plan.is_none() {
        return html! {};
    }
    let open = matches!(
        case.stage,
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned
    );
    html! {
        section.release #release {
            h2 { "Release plan" }
            (plan_summary(access))
            @if open && r.agreement.is_none() {
                form method="post" action=(format!("/track/{token}/release/accept")) {
                    (csrf(visitor))
                    button type="submit" { "Accept this date" }
                }
            }
            @if open {
                form method="post" action=(format!("/track/{token}/release/date")) {
                    (csrf(visitor))
                    label for="date-at" { "Propose another date (UTC), e.g. 2026-06-12 14:00 UTC" }
                    input #date-at name="at" required value=(value(typed, "at", String::new));
                    (field_error(problem, "at"))
                    label for="date-reason" { "Why" }
                    textarea #date-reason name="reason" rows="3" required { (value(typed, "reason", String::new)) }
                    (field_error(problem, "reason"))
                    button type="submit" { "Propose this date" }
                }
            }
            @if r.post_mortem.is_some() {
                p { a href=(format!("/advisories/{}/post-mortem", case.id)) { "The published post-mortem" } }
            }
        }
    }
}
