//! The team's fixes section of a case page (C12, C15, V1, V3–V6, V8): affected
//! branches and the track, the backport checklist, fixes with their approvals and
//! state, waivers, the mitigation; and reading its forms into commands.

use super::page::{Fields, Problem, csrf, when};
use super::session::Visitor;
use crate::app::{AppError, CaseView};
use embargo_core::access::Standing;
use embargo_core::case::{Case, FixState, ItemStatus, Stage};
use embargo_core::command::{Command, FixProgress};
use embargo_core::ids::{CaseId, FixId, UserId};
use embargo_core::project::Project;
use embargo_core::rejection::{Rejection, Rule};
use embargo_core::track::AffectedBranch;
use maud::{Markup, html};

/// What was typed into the form that failed, to show again with its errors.
pub struct Typed<'a> {
    pub action: &'a str,
    pub fields: &'a Fields,
    pub problem: &'a Problem,
}

impl Typed<'_> {
    /// What was typed into `name` of the refused `action` form.
    pub(super) fn value(typed: Option<&Self>, action: &str, name: &str) -> Option<String> {
        typed
            .filter(|t| t.action == action)
            .map(|t| t.fields.text(name))
    }

    /// The refusal's message for `field`, beside it, when `action` was refused.
    pub(super) fn error(typed: Option<&Self>, action: &str, field: &str) -> Markup {
        let m = typed
            .filter(|t| t.action == action)
            .and_then(|t| t.problem.on(field));
        html! { @if let Some(m) = m { span.field-error id=(format!("{action}-{field}-error")) { (m) } } }
    }

    /// At the top of the refused form: what went wrong, so the person reading where the
    /// page opened (the form's anchor) sees it without scrolling to the banner.
    pub(super) fn notice(typed: Option<&Self>, action: &str) -> Markup {
        let Some(t) = typed.filter(|t| t.action == action) else {
            return html! {};
        };
        html! {
            div.error.form-error role="alert" {
                @if t.problem.fields.is_empty() {
                    p { "Not done: " (t.problem.message) }
                } @else {
                    p { "Not done: see the marked field. What you typed is kept." }
                }
            }
        }
    }
}

fn form(
    visitor: &Visitor,
    typed: Option<&Typed>,
    case: &CaseId,
    action: &str,
    inner: Markup,
) -> Markup {
    super::cases::action_form(visitor, typed, case, action, inner)
}

fn key(b: &AffectedBranch) -> String {
    format!("{}/{}", b.component, b.branch)
}

/// Every branch of the project, in its order.
fn branches(project: &Project) -> Vec<AffectedBranch> {
    project
        .components
        .iter()
        .flat_map(|c| {
            c.branches
                .iter()
                .map(|b| AffectedBranch::new(&c.name, &b.name))
        })
        .collect()
}

/// Branches the reporter's words name: of the component they chose (or any, when
/// none), each branch whose name appears in what they wrote about versions.
fn reporter_named(case: &Case, project: &Project) -> Vec<AffectedBranch> {
    let r = &case.report;
    let words = r.affected_versions.as_deref().unwrap_or("").to_lowercase();
    if words.trim().is_empty() {
        return Vec::new();
    }
    project
        .components
        .iter()
        .filter(|c| {
            r.component
                .as_deref()
                .is_none_or(|rc| rc.eq_ignore_ascii_case(&c.name))
        })
        .flat_map(|c| {
            c.branches
                .iter()
                .filter(|b| words.contains(&b.name.to_lowercase()))
                .map(|b| AffectedBranch::new(&c.name, &b.name))
        })
        .collect()
}

pub fn section(visitor: &Visitor, access: &CaseView, typed: Option<&Typed>) -> Markup {
    let case = access.case();
    let project = access.project();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    if !matches!(
        case.stage,
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed
    ) {
        return html! {};
    }
    let policy = project.policy();
    let id = &case.id;
    let f = &case.fixes;
    let all = branches(project);
    // Prefill: what was typed, else what is recorded, else what the reporter named.
    let checked: Vec<AffectedBranch> = match typed.filter(|t| t.action == "affected") {
        Some(t) => all
            .iter()
            .filter(|b| t.fields.flag(&format!("b:{}", key(b))))
            .cloned()
            .collect(),
        None if !f.affected.is_empty() => f.affected.clone(),
        None => reporter_named(case, project),
    };
    let open_items: Vec<_> = f
        .checklist()
        .into_iter()
        .filter(|i| !i.status.done())
        .map(|i| i.branch.clone())
        .collect();
    let me = visitor.user.as_ref().map(|u| u.id);
    let v = |action: &str, name: &str| Typed::value(typed, action, name);
    let err = |action: &str, name: &str| Typed::error(typed, action, name);
    html! {
        section.fixes #fixes {
            h2 { "Fixes" }
            dl.facts {
                dt { "Track" }
                dd {
                    @match f.track {
                        Some(t) => { strong { (t.as_str()) } " (" (t.step()) "): " (t.words()) }
                        None => { "not known yet: record the affected branches" }
                    }
                }
                dt { "Affected" }
                dd {
                    @if f.affected.is_empty() { "none recorded" }
                    @else { (f.affected.iter().map(key).collect::<Vec<_>>().join(", ")) }
                }
                @if let Some(m) = &f.mitigation {
                    dt { "Mitigation" } dd { (m.text) }
                }
            }
            @if f.track.is_some() {
                h3 { "Backport checklist" }
                @if f.checklist.is_empty() {
                    p { "No branch needs a fix on this track: the upgrade notice (the mitigation) replaces it." }
                } @else {
                    table.checklist {
                        thead { tr { th { "Branch" } th { "Status" } } }
                        tbody {
                            @for i in f.checklist() {
                                tr data-branch=(key(i.branch)) {
                                    td { code { (key(i.branch)) } }
                                    td {
                                        @match i.status {
                                            ItemStatus::Open => { "open" }
                                            ItemStatus::Merged(fx) => { "merged (fix #" (fx.id.0) ")" }
                                            ItemStatus::Waived(w) => { "no fix: " (w.reason) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p.checklist-state {
                    @match f.ready_at {
                        Some(at) => { "Complete since " (when(at)) ": the fix-ready clock is met." }
                        None => { "Not complete yet." }
                    }
                }
            }
            @if !f.fixes.is_empty() {
                h3 { "Fixes per branch" }
                ul.fixes {
                    @for fx in &f.fixes {
                        li data-fix=(fx.id.0) {
                            strong { "#" (fx.id.0) " " code { (key(&fx.branch)) } } " — " (fx.state.to_string())
                            br;
                            "by " (fx.author.name) " · " code { (fx.reference) }
                            @if let Some(c) = &fx.commit { " · commit " code { (c) } }
                            br;
                            "approvals: " (fx.approvals.len()) " of " (policy.required_approvals)
                            @for a in &fx.approvals { " · " (a.by.name) }
                            @if let Some(p) = &fx.patch {
                                br; a href=(format!("/cases/{id}/attachments/{p}")) download { "patch" }
                            }
                            @if matches!(fx.state, FixState::InReview | FixState::Approved) && Some(fx.author.id) != me && !fx.approvals.iter().any(|a| Some(a.by.id) == me) {
                                (form(visitor, typed, id, "fix-approve", html! {
                                    input type="hidden" name="fix" value=(fx.id.0);
                                    button type="submit" { "Approve fix #" (fx.id.0) }
                                }))
                            }
                            @if fx.state == FixState::Approved {
                                (form(visitor, typed, id, "fix-merged", html! {
                                    input type="hidden" name="fix" value=(fx.id.0);
                                    button type="submit" { "Mark fix #" (fx.id.0) " merged" }
                                }))
                            }
                            @if fx.state == FixState::Merged {
                                (form(visitor, typed, id, "fix-released", html! {
                                    input type="hidden" name="fix" value=(fx.id.0);
                                    label for=(format!("version-{}", fx.id.0)) { "Released in version" }
                                    input id=(format!("version-{}", fx.id.0)) name="version" required value=(typed.filter(|t| t.fields.text("fix") == fx.id.0.to_string()).and_then(|_| v("fix-released", "version")).unwrap_or_default());
                                    @if typed.is_some_and(|t| t.fields.text("fix") == fx.id.0.to_string()) { (err("fix-released", "version")) }
                                    button type="submit" { "Record the release" }
                                }))
                            }
                            @let patch_refused = typed.filter(|t| t.action == "fix-patch" && t.fields.text("fix") == fx.id.0.to_string());
                            form.action method="post" enctype="multipart/form-data" action=(super::cases::patch_url(id, fx.id.0)) data-action="fix-patch" {
                                (csrf(visitor))
                                (Typed::notice(patch_refused, "fix-patch"))
                                label for=(format!("patch-{}", fx.id.0)) { "Attach a patch file (internal, download only)" }
                                input id=(format!("patch-{}", fx.id.0)) name="file" type="file" required aria-describedby=[patch_refused.and_then(|t| t.problem.on("file")).map(|_| "fix-patch-file-error")];
                                @if let Some(t) = patch_refused {
                                    (Typed::error(Some(t), "fix-patch", "file"))
                                    p.hint { "Choose the file again: a browser never lets a page fill a file field in for you." }
                                }
                                button type="submit" { "Attach the patch" }
                            }
                        }
                    }
                }
            }
            (form(visitor, typed, id, "fix", html! {
                fieldset {
                    legend { "Record a fix (private fork)" }
                    label for="fix-branch" { "Branch" }
                    select #fix-branch name="branch" {
                        @for b in &all {
                            option value=(key(b)) selected[v("fix", "branch").as_deref() == Some(key(b).as_str())] { (key(b)) }
                        }
                    }
                    (err("fix", "branch"))
                    label for="fix-reference" { "Reference: branch, pull request or patch URL" }
                    input #fix-reference name="reference" required value=(v("fix", "reference").unwrap_or_default());
                    (err("fix", "reference"))
                    label for="fix-commit" { "Commit (optional)" }
                    input #fix-commit name="commit" value=(v("fix", "commit").unwrap_or_default());
                    (err("fix", "commit"))
                    label for="fix-author" { "Author" }
                    select #fix-author name="author_id" {
                        option value="" { "me" }
                        @for m in &project.members {
                            option value=(m.user.id.0) selected[v("fix", "author_id") == Some(m.user.id.0.to_string())] { (m.user.name) }
                        }
                    }
                    (err("fix", "author"))
                    button type="submit" { "Record the fix" }
                }
            }))
            @if team.leads() {
                (form(visitor, typed, id, "affected", html! {
                    fieldset {
                        legend { "Affected branches (the track follows)" }
                        @for b in &all {
                            label.check {
                                input type="checkbox" name=(format!("b:{}", key(b))) checked[checked.contains(b)];
                                " " (key(b))
                            }
                        }
                        (err("affected", "branches"))
                        button type="submit" { "Record the affected branches" }
                    }
                }))
                @if !open_items.is_empty() {
                    (form(visitor, typed, id, "waive", html! {
                        fieldset {
                            legend { "No fix for a branch of the checklist" }
                            label for="waive-branch" { "Branch" }
                            select #waive-branch name="branch" {
                                @for b in &open_items { option value=(key(b)) selected[v("waive", "branch").as_deref() == Some(key(b).as_str())] { (key(b)) } }
                            }
                            label for="waive-reason" { "Why not" }
                            textarea #waive-reason name="reason" rows="2" required { (v("waive", "reason").unwrap_or_default()) }
                            (err("waive", "reason"))
                            button type="submit" { "Record" }
                        }
                    }))
                }
                (form(visitor, typed, id, "mitigation", html! {
                    label for="mitigation-text" { "Mitigation (what users can do without the fix; the upgrade notice on unsupported-only)" }
                    textarea #mitigation-text name="text" rows="3" required {
                        (v("mitigation", "text").or_else(|| f.mitigation.as_ref().map(|m| m.text.clone())).unwrap_or_default())
                    }
                    (err("mitigation", "text"))
                    button type="submit" { "Record the mitigation" }
                }))
            }
        }
    }
}

/// The disclosure gate, shown above the disclose button.
pub fn blockers(case: &Case) -> Markup {
    let list = case.disclosure_blockers();
    html! {
        @if !list.is_empty() {
            div.blockers {
                p { "Before disclosure:" }
                ul {
                    @for b in &list { li data-blocker=(b.code()) { (b.message()) } }
                }
            }
        }
    }
}

fn branch(f: &Fields, name: &str) -> Result<AffectedBranch, AppError> {
    let v = f.text(name);
    match v.split_once('/') {
        Some((c, b)) if !c.is_empty() && !b.is_empty() => Ok(AffectedBranch::new(c, b)),
        _ => Err(Rejection::invalid(name, Rule::Required, "choose a branch").into()),
    }
}

fn fix(f: &Fields) -> Result<FixId, AppError> {
    f.opt("fix")
        .and_then(|v| v.parse().ok())
        .map(FixId)
        .ok_or_else(AppError::not_found)
}

/// The command of a fixes form, or `None` when `action` is not one of them.
pub fn command(action: &str, f: &Fields, project: &Project) -> Result<Option<Command>, AppError> {
    Ok(Some(match action {
        "affected" => Command::SetAffected {
            branches: branches(project)
                .into_iter()
                .filter(|b| f.flag(&format!("b:{}", key(b))))
                .collect(),
        },
        "fix" => Command::RecordFix {
            branch: branch(f, "branch")?,
            reference: f.text("reference"),
            commit: f.opt("commit"),
            author: match f.opt("author_id") {
                None => None,
                Some(v) => Some(UserId(v.parse().map_err(|_| {
                    Rejection::invalid("author", Rule::UnknownMember, "choose a member")
                })?)),
            },
        },
        "fix-approve" => Command::ApproveFix { fix: fix(f)? },
        "fix-merged" => Command::AdvanceFix {
            fix: fix(f)?,
            to: FixProgress::Merged,
        },
        "fix-released" => Command::AdvanceFix {
            fix: fix(f)?,
            to: FixProgress::Released {
                version: f.text("version"),
            },
        },
        "waive" => Command::WaiveBackport {
            branch: branch(f, "branch")?,
            reason: f.text("reason"),
        },
        "mitigation" => Command::RecordMitigation {
            text: f.text("text"),
        },
        "cvss-na" => Command::SetCvssNotApplicable {
            reason: f.text("reason"),
        },
        _ => return Ok(None),
    }))
}
