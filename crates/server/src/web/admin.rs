//! Administration: projects (name, guidance, components and branches, members and
//! their roles) and accounts (create, one-time password links). Instance admins see
//! everything here; a project's admins see their project's page. Everyone else gets
//! "not found", as for any page they may not see. `core` decides every change.

use super::page::{Fields, Page, Problem, WebError, csrf, problem, sanitized, see_other};
use super::session::{FormResult, MultipartResult, Visitor};
use crate::app::{App, AppError, IssuedLink, User};
use crate::markdown;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use embargo_core::access;
use embargo_core::ids::UserId;
use embargo_core::project::{BranchKind, NewProject, Project, ProjectCommand, Role};
use embargo_core::rejection::{Rejection, Rule};
use maud::html;

/// The administration pages exist only for instance admins (`core::access`).
fn instance_admin<'v>(visitor: &'v Visitor, here: &str) -> Result<&'v User, WebError> {
    let user = visitor.account(here)?;
    if access::administers_instance(&visitor.actor()) {
        Ok(user)
    } else {
        Err(AppError::not_found().into())
    }
}

struct Notice {
    problem: Option<Problem>,
    /// A one-time link to hand to someone (shown once), and to whom.
    link: Option<(String, IssuedLink)>,
}

const NO_NOTICE: Notice = Notice {
    problem: None,
    link: None,
};

/// A one-time set-password link, shown once with a copy button. Both places that hand
/// links out (the accounts list, and the member form for someone without an account)
/// show it this way; `made` says the account was just made and added.
fn one_time_link(email: &str, link: &IssuedLink, made: bool) -> maud::Markup {
    html! {
        div.capability #invited {
            @if made {
                p { strong { (email) } " had no account: one was made and added. Send them this one-time link to set a password. It is shown only once." }
            } @else {
                p { "Send this one-time link to " strong { (email) } " so they can set a password. It is shown only once." }
            }
            @if link.replaced_live_link { p.warning { "It replaces the link given to them before, which no longer works." } }
            p { code #invite-link { (link.url) } }
            button.copy type="button" data-copy="invite-link" hidden { "Copy" }
        }
    }
}

async fn overview_page(app: &App, visitor: &Visitor, notice: Notice) -> Result<Page, WebError> {
    instance_admin(visitor, "/admin")?;
    let projects = app.projects().await?;
    let users = app.users(&visitor.actor()).await?;
    let mail_waiting = app.mail_waiting().await?;
    let untrusted = app.untrusted_streams();
    let body = html! {
        h1 { "Administration" }
        @if !untrusted.is_empty() {
            div.error #untrusted role="alert" {
                p { "These histories no longer match the newest signed checkpoint, so they are not served. The event log was changed behind Embargo's back: run " code { "embargo admin verify" } ", restore a backup taken before the change, and restart." }
                ul {
                    @for (stream, what) in &untrusted {
                        li { code { (stream) } ": " (what) }
                    }
                }
            }
        }
        @let copies = app.checkpoint_copies();
        @if !copies.is_empty() {
            section #checkpoint-copies {
                h2 { "Checkpoint copies" }
                p { "The latest signed checkpoint, copied off this machine (" code { "integrity.checkpoint_mail" } ", " code { "integrity.checkpoint_webhook" } "):" }
                ul {
                    @for c in &copies {
                        li {
                            code { (c.checkpoint) } " — " (c.to) ", " (super::page::when(c.at)) ": "
                            @match &c.outcome {
                                Ok(answer) => { "sent (" (answer) ")" }
                                Err(why) => { strong { "not sent: " } (why) ". The next checkpoint is sent anyway." }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/admin/security" { "Security events" } ": sign-ins, refusals, rate limiting and role grants." }
        @if let Some(n) = mail_waiting {
            p.notice #mail-status {
                "Mail is not configured: " (n) @if n == 1 { " mail" } @else { " mails" }
                " waiting. Set " code { "mail.smtp_url" } " and " code { "mail.from" }
                " and restart; the waiting mail goes out then."
            }
        }
        @if let Some(p) = &notice.problem { (p.banner()) }
        @if let Some((email, link)) = &notice.link { (one_time_link(email, link, false)) }
        h2 { "Projects" }
        ul {
            @for p in &projects {
                li { a href=(format!("/admin/projects/{}", p.slug)) { (p.name) } " (" code { (p.slug) } ", " (p.components.len()) " components, " (p.members.len()) " members)" }
            }
        }
        form.narrow method="post" action="/admin/projects" {
            (csrf(visitor))
            h3 { "New project" }
            label for="slug" { "Slug (lowercase letters, digits and dashes)" }
            input #slug name="slug" required pattern="[a-z0-9][a-z0-9-]*";
            label for="name" { "Name" }
            input #name name="name" required;
            label for="components" { "Components, one per line (e.g. one per language implementation)" }
            textarea #components name="components" rows="4" {}
            label for="guidance" { "Guidance shown above the report form (Markdown; empty for the default)" }
            textarea #guidance name="guidance" rows="4" {}
            label for="policy_preset" { "Policy (the project's process; edit it on the project's page)" }
            select #policy_preset name="policy_preset" {
                option value="connect" selected { "connect: acknowledge in 5 working days, disclose within 30 days" }
                option value="vitess" { "vitess: fix and forthcoming-fix notice within 7 days" }
            }
            button type="submit" { "Create the project" }
        }
        h2 { "Accounts" }
        table {
            thead { tr { th { "Name" } th { "E-mail" } th { "Admin" } th { "Password" } th {} } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.name) } td { (u.email) }
                        td { @if u.instance_admin { "instance admin" } }
                        td { @if u.password_set { "set" } @else { "not set" } }
                        td {
                            form.inline method="post" action=(format!("/admin/users/{}/password-link", u.id.0)) {
                                (csrf(visitor))
                                button type="submit" { "New password link" }
                            }
                        }
                    }
                }
            }
        }
        form.narrow method="post" action="/admin/users" {
            (csrf(visitor))
            h3 { "New account" }
            label for="user-name" { "Name" }
            input #user-name name="name" required;
            label for="user-email" { "E-mail" }
            input #user-email name="email" type="email" required;
            label.check { input type="checkbox" name="instance_admin"; " Instance admin" }
            button type="submit" { "Create and get a password link" }
        }
    };
    let page = Page::new(visitor, "Administration", body);
    Ok(match &notice.problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

pub async fn overview(State(app): State<App>, visitor: Visitor) -> Result<Page, WebError> {
    overview_page(&app, &visitor, NO_NOTICE).await
}

pub async fn create_project(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    instance_admin(&visitor, "/admin")?;
    let f = visitor.form(form)?;
    let policy = match f.opt("policy_preset") {
        Some(name) => match crate::app::input::policy_preset("policy_preset", &name) {
            Ok(p) => Some(p),
            Err(e) => {
                let notice = Notice {
                    problem: Some(problem(&e.into())),
                    ..NO_NOTICE
                };
                return Ok(overview_page(&app, &visitor, notice).await?.into_response());
            }
        },
        None => None,
    };
    let new = NewProject {
        slug: f.text("slug").trim().to_owned(),
        name: f.text("name"),
        guidance: f.opt("guidance"),
        components: f
            .text("components")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        policy,
    };
    match app.create_project(&visitor.actor(), new).await {
        Ok(p) => Ok(see_other(&format!("/admin/projects/{}", p.slug))),
        Err(e) => {
            let notice = Notice {
                problem: Some(problem(&e)),
                ..NO_NOTICE
            };
            Ok(overview_page(&app, &visitor, notice).await?.into_response())
        }
    }
}

pub async fn create_user(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    instance_admin(&visitor, "/admin")?;
    let f = visitor.form(form)?;
    let actor = visitor.actor();
    let result = async {
        let user = app
            .create_user(
                &actor,
                f.text("email").trim(),
                &f.text("name"),
                f.flag("instance_admin"),
            )
            .await?;
        let link = app.issue_password_link(&actor, &user).await?;
        Ok::<_, AppError>((user.email, link))
    }
    .await;
    let notice = match result {
        Ok(link) => Notice {
            problem: None,
            link: Some(link),
        },
        Err(e) => Notice {
            problem: Some(problem(&e)),
            link: None,
        },
    };
    Ok(overview_page(&app, &visitor, notice).await?.into_response())
}

pub async fn password_link(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<i64>,
    form: FormResult,
) -> Result<Response, WebError> {
    instance_admin(&visitor, "/admin")?;
    visitor.form(form)?;
    let user = app
        .user(UserId(id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let link = app.issue_password_link(&visitor.actor(), &user).await?;
    let notice = Notice {
        problem: None,
        link: Some((user.email, link)),
    };
    Ok(overview_page(&app, &visitor, notice).await?.into_response())
}

/// The project, for its admins and instance admins only.
async fn managed_project(app: &App, visitor: &Visitor, slug: &str) -> Result<Project, WebError> {
    visitor.account(&format!("/admin/projects/{slug}"))?;
    let project = app.project(slug).await?;
    if access::manages_project(&visitor.actor(), &project) {
        Ok(project)
    } else {
        Err(AppError::not_found().into())
    }
}

/// What the channels form shows besides the project: what was typed (after an error)
/// and a new webhook's secret (shown once).
#[derive(Default)]
struct ChannelForm {
    typed: Option<Fields>,
    secret: Option<(String, String)>,
}

/// The confirmation after a save on the project's page (issue 12, item 4).
const SAVED: &str = "Saved.";

/// What the project's page shows besides the project: a refusal with what was typed
/// into the refused form (the policy, a channel, a member), the confirmation after a
/// save, and what is shown once (a webhook's secret, the one-time link of someone just
/// invited).
#[derive(Default)]
struct Shown<'a> {
    problem: Option<&'a Problem>,
    policy_draft: Option<&'a str>,
    channel: ChannelForm,
    saved: bool,
    member: Option<Fields>,
    invited: Option<(String, IssuedLink)>,
}

fn channels_section(
    visitor: &Visitor,
    project: &Project,
    problem: Option<&Problem>,
    form: &ChannelForm,
) -> maud::Markup {
    use embargo_core::channel::ChannelKind;
    use embargo_core::policy::Notice as NoticeKind;
    let s = &project.slug;
    let typed = |name: &str| {
        form.typed
            .as_ref()
            .map(|f| f.text(name))
            .unwrap_or_default()
    };
    let error = |field: &str| problem.and_then(|p| p.on(field));
    let kind = typed("kind");
    html! {
        h2 #channels { "Channels" }
        p.hint { "Where the project's notices go (C18, V3, V4, V9, V10): mailing lists by mail, Slack-compatible (Slack, Mattermost, Rocket.Chat) and Discord incoming webhooks, and generic webhooks signed per Standard Webhooks. A webhook URL must reach a public address (or one "
            code { "webhooks.allow_private" } " lists). Its URL and secret are kept outside the event log." }
        @if let Some((name, secret)) = &form.secret {
            div.banner role="status" {
                p { "The signing secret of " code { (name) } ", shown this once: give it to the receiver, which verifies " code { "webhook-signature" } " with it." }
                p { code #channel-secret { (secret) } }
            }
        }
        @if !project.channels.is_empty() {
            table {
                thead { tr { th { "Name" } th { "Kind" } th { "Goes to" } th { "Notices" } th { "Last test" } th {} } }
                tbody {
                    @for c in &project.channels {
                        tr {
                            td { code { (c.name) } }
                            td { (c.kind.as_str()) }
                            td { (c.target) }
                            td {
                                (c.notices.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", "))
                                @if c.team { " (and team reminders)" }
                            }
                            td {
                                @match &c.last_test {
                                    Some(t) => {
                                        @if t.delivered { "delivered: " } @else { "failed: " }
                                        (t.answer)
                                    }
                                    None => { "—" }
                                }
                            }
                            td {
                                form.inline method="post" action=(format!("/admin/projects/{s}/channel-test")) {
                                    (csrf(visitor))
                                    input type="hidden" name="name" value=(c.name);
                                    button type="submit" { "Send a test" }
                                }
                                form.inline method="post" action=(format!("/admin/projects/{s}/channel-remove")) {
                                    (csrf(visitor))
                                    input type="hidden" name="name" value=(c.name);
                                    button type="submit" data-confirm="Remove this channel?" { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.narrow method="post" action=(format!("/admin/projects/{s}/channel-add")) {
            (csrf(visitor))
            h3 { "Add a channel" }
            label for="channel-name" { "Name (lower-case letters, digits and -)" }
            input #channel-name name="name" required value=(typed("name"));
            @if let Some(m) = error("name") { span.field-error { (m) } }
            label for="channel-kind" { "Kind" }
            select #channel-kind name="kind" {
                @for k in ChannelKind::ALL {
                    option value=(k.as_str()) selected[kind == k.as_str()] { (k.as_str()) }
                }
            }
            @if let Some(m) = error("kind") { span.field-error { (m) } }
            label for="channel-target" { "The list's address, or the webhook's URL" }
            input #channel-target name="target" required value=(typed("target"));
            @if let Some(m) = error("url").or_else(|| error("address")) { span.field-error #channel-target-error { (m) } }
            fieldset {
                legend { "Notices it receives" }
                @for n in NoticeKind::ALL {
                    @let field = format!("notice_{}", n.as_str());
                    label { input type="checkbox" name=(field) checked[form.typed.as_ref().is_some_and(|f| f.flag(&field))]; " " (n.as_str()) }
                }
                label { input type="checkbox" name="team" checked[form.typed.as_ref().is_some_and(|f| f.flag("team"))]; " team reminders (a count and a link)" }
            }
            @if let Some(m) = error("notices") { span.field-error { (m) } }
            button type="submit" { "Add the channel" }
        }
    }
}

async fn project_page(
    app: &App,
    visitor: &Visitor,
    slug: &str,
    shown: &Shown<'_>,
) -> Result<Page, WebError> {
    let Shown {
        problem,
        policy_draft,
        saved,
        ..
    } = *shown;
    let project = managed_project(app, visitor, slug).await?;
    let s = &project.slug;
    let policy = project.policy();
    let policy_errors: Vec<&str> = problem
        .map(|p| {
            p.fields
                .iter()
                .filter(|(f, _)| f == "toml" || f == "ics" || f == "preset")
                .map(|(_, m)| m.as_str())
                .collect()
        })
        .unwrap_or_default();
    let body = html! {
        p.crumbs { a href="/admin" { "Administration" } " · " code { (s) } }
        h1 { (project.name) }
        @if saved && problem.is_none() { p.done role="status" { (SAVED) } }
        p { "Report page: " a href=(format!("/p/{s}/report")) { (app.url(&format!("/p/{s}/report"))) } }
        @if let Some(p) = problem { (p.banner()) }
        form.narrow method="post" action=(format!("/admin/projects/{s}/update")) {
            (csrf(visitor))
            h2 { "Name and guidance" }
            label for="name" { "Name" }
            input #name name="name" required value=(project.name);
            label for="guidance" { "Guidance shown above the report form (Markdown)" }
            textarea #guidance name="guidance" rows="8" { (project.guidance) }
            button type="submit" { "Save" }
        }
        details.preview { summary { "Guidance as reporters see it" } (sanitized(markdown::render(&project.guidance))) }
        form.narrow method="post" action=(format!("/admin/projects/{s}/cna")) {
            (csrf(visitor))
            h2 { "CVE Numbering Authority" }
            p.hint { "Needed for CVE records (export and publishing). Leave both empty when another CNA, such as GitHub, assigns the project's CVE IDs." }
            label for="cna_short_name" { "CNA short name" }
            input #cna_short_name name="cna_short_name" value=(project.cna.as_ref().map(|c| c.short_name.as_str()).unwrap_or(""));
            label for="cna_org_id" { "CNA organization UUID" }
            input #cna_org_id name="cna_org_id" value=(project.cna.as_ref().map(|c| c.org_id.as_str()).unwrap_or(""));
            button type="submit" { "Save" }
        }
        form.narrow method="post" action=(format!("/admin/projects/{s}/security-address")) {
            (csrf(visitor))
            h2 { "Mail" }
            p.hint { "Reports sent to this address become cases (through " code { "embargo mail ingest" } " or " code { "mail.imap_url" } "); replies to the team's mail come back to it as " code { "security+…@" } ". Empty to stop taking mail." }
            label for="security_address" { "Security address" }
            input #security_address name="security_address" type="email" value=(project.security_address.as_deref().unwrap_or(""));
            @if let Some(m) = problem.and_then(|p| p.on("security_address")) {
                span.field-error #security_address-error { (m) }
            }
            button type="submit" { "Save" }
        }
        h2 { "Components and branches" }
        @for c in &project.components {
            h3 { (c.name) }
            ul {
                @for b in &c.branches { li { code { (b.name) } " — " (b.kind.as_str()) } }
            }
            form.inline-form method="post" action=(format!("/admin/projects/{s}/package")) {
                (csrf(visitor))
                input type="hidden" name="component" value=(c.name);
                label { "Ecosystem " input name="ecosystem" placeholder="Go" value=(c.package.as_ref().map(|p| p.ecosystem.as_str()).unwrap_or("")); }
                label { "Package " input name="package" placeholder="connectrpc.com/connect" value=(c.package.as_ref().map(|p| p.name.as_str()).unwrap_or("")); }
                label { "Package URL " input name="purl" placeholder="pkg:golang/connectrpc.com/connect" value=(c.package.as_ref().and_then(|p| p.purl.as_deref()).unwrap_or("")); }
                button type="submit" { "Save the package" }
            }
            form.inline-form method="post" action=(format!("/admin/projects/{s}/branch")) {
                (csrf(visitor))
                input type="hidden" name="component" value=(c.name);
                label { "Branch " input name="branch" required placeholder="release-1.2"; }
                label { "is "
                    select name="kind" {
                        option value="supported" { "supported" }
                        option value="unsupported" { "unsupported" }
                        option value="main" { "main" }
                    }
                }
                button type="submit" { "Set" }
            }
        }
        form.inline-form method="post" action=(format!("/admin/projects/{s}/component")) {
            (csrf(visitor))
            label { "New component " input name="name" required; }
            button type="submit" { "Add" }
        }
        h2 #policy { "Policy" }
        p { (policy.summary()) }
        p.hint { "The process the project's cases run: its calendar, clocks and notices ("
            @match policy.preset_name() { Some(n) => { "the " code { (n) } " preset" } None => { "edited" } }
            "). See " a href=(format!("/p/{s}/SECURITY.md")) { "SECURITY.md" } " for it in words." }
        form.narrow method="post" action=(format!("/admin/projects/{s}/policy")) {
            (csrf(visitor))
            label for="toml" { "Policy (TOML)" }
            textarea #toml name="toml" rows="24" spellcheck="false" aria-describedby=[(!policy_errors.is_empty()).then_some("toml-error")] {
                (policy_draft.map_or_else(|| policy.to_toml(), str::to_owned))
            }
            @if !policy_errors.is_empty() {
                ul.field-error #toml-error { @for m in &policy_errors { li { (m) } } }
            }
            (super::page::reauth_field("policy-reauth", problem))
            button type="submit" { "Save the policy" }
        }
        form.inline-form method="post" action=(format!("/admin/projects/{s}/policy-preset")) {
            (csrf(visitor))
            label { "Or start from a preset "
                select name="preset" {
                    @for n in embargo_core::policy::Policy::PRESETS { option value=(n) { (n) } }
                }
            }
            (super::page::reauth_field("preset-reauth", problem))
            button type="submit" data-confirm="Replace the project's policy with this preset?" { "Use the preset" }
        }
        form.inline-form method="post" action=(format!("/admin/projects/{s}/holidays")) enctype="multipart/form-data" {
            (csrf(visitor))
            label { "Import holidays from an iCalendar file (.ics; all-day events) "
                input type="file" name="ics" accept=".ics,text/calendar" required; }
            button type="submit" { "Import" }
        }
        (channels_section(visitor, &project, problem, &shown.channel))
        h2 { "Members" }
        table {
            thead { tr { th { "Name" } th { "Role" } th {} } }
            tbody {
                @for m in &project.members {
                    tr {
                        td { (m.user.name) }
                        td { (m.role.as_str()) }
                        td {
                            form.inline method="post" action=(format!("/admin/projects/{s}/remove-member")) {
                                (csrf(visitor))
                                input type="hidden" name="user_id" value=(m.user.id.0);
                                button.danger type="submit" data-confirm="Remove this member from the project?" { "Remove" }
                            }
                        }
                    }
                }
            }
        }
        @if let Some((email, link)) = &shown.invited { (one_time_link(email, link, true)) }
        @let typed = |k: &str| shown.member.as_ref().map(|f| f.text(k)).unwrap_or_default();
        @let err = |k: &str| problem.filter(|_| shown.member.is_some()).and_then(|p| p.on(k));
        form.inline-form #member method="post" action=(format!("/admin/projects/{s}/member")) {
            (csrf(visitor))
            label { "E-mail " input name="email" type="email" required value=(typed("email")); }
            @if let Some(m) = err("email") { p.field-error { (m) } }
            @if access::administers_instance(&visitor.actor()) {
                label { "Name (for someone without an account: they are invited) " input name="name" value=(typed("name")); }
                @if let Some(m) = err("name") { p.field-error { (m) } }
            }
            (super::page::reauth_field("member-reauth", problem))
            label { "Role "
                select name="role" {
                    @for (value, words) in [
                        ("maintainer", "maintainer (sees the cases they are added to)"),
                        ("security-team", "security-team (sees every case)"),
                        ("admin", "admin (security team, and manages the project)"),
                    ] {
                        option value=(value) selected[typed("role") == value] { (words) }
                    }
                }
            }
            @if let Some(m) = err("role") { p.field-error { (m) } }
            button type="submit" { "Add or change" }
        }
    };
    let page = Page::new(visitor, &project.name, body);
    Ok(match problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

pub async fn project(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Page, WebError> {
    project_page(
        &app,
        &visitor,
        &slug,
        &Shown {
            saved: q.contains_key("saved"),
            ..Shown::default()
        },
    )
    .await
}

fn project_command(action: &str, f: &Fields) -> Result<Option<ProjectCommand>, AppError> {
    let invalid = |field: &str, msg: &str| -> AppError {
        Rejection::invalid(field, Rule::InvalidFormat, msg).into()
    };
    Ok(Some(match action {
        "update" => ProjectCommand::Update {
            name: Some(f.text("name")),
            guidance: Some(f.text("guidance")),
        },
        "cna" => ProjectCommand::SetCna {
            short_name: f.opt("cna_short_name"),
            org_id: f.opt("cna_org_id"),
        },
        "security-address" => ProjectCommand::SetSecurityAddress {
            address: f.opt("security_address"),
        },
        "component" => ProjectCommand::AddComponent {
            name: f.text("name"),
        },
        "branch" => ProjectCommand::SetBranch {
            component: f.text("component"),
            branch: f.text("branch"),
            kind: BranchKind::parse(&f.text("kind"))
                .ok_or_else(|| invalid("kind", "choose main, supported or unsupported"))?,
        },
        "remove-member" => ProjectCommand::RemoveMember {
            user: UserId(
                f.opt("user_id")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| invalid("user_id", "choose a member"))?,
            ),
        },
        _ => return Ok(None),
    }))
}

pub async fn change_project(
    State(app): State<App>,
    visitor: Visitor,
    Path((slug, action)): Path<(String, String)>,
    form: FormResult,
) -> Result<Response, WebError> {
    managed_project(&app, &visitor, &slug).await?;
    let f = visitor.form(form)?;
    if action.starts_with("channel-") {
        return channel_action(&app, &visitor, &slug, &action, f).await;
    }
    // Sensitive acts ask again for the password after a while (issue 11, item 1).
    let sensitive = matches!(action.as_str(), "policy" | "policy-preset" | "member");
    let reauth = if sensitive {
        visitor.reauthenticate(&app, &f).await
    } else {
        Ok(())
    };
    if action == "member" {
        return member_action(&app, &visitor, &slug, f, reauth).await;
    }
    if action == "policy" {
        let typed = f.text("toml");
        let result = match (reauth, embargo_core::policy::Policy::from_toml(&typed)) {
            (Err(e), _) => Err(e),
            (Ok(()), Ok(policy)) => app.set_policy(&visitor.actor(), &slug, policy).await,
            (Ok(()), Err(e)) => Err(e.rejection("toml").into()),
        };
        return match result {
            Ok(_) => Ok(see_other(&format!("/admin/projects/{slug}?saved=1#policy"))),
            Err(e) => {
                let p = problem(&e);
                let shown = Shown {
                    problem: Some(&p),
                    policy_draft: Some(&typed),
                    ..Shown::default()
                };
                Ok(project_page(&app, &visitor, &slug, &shown)
                    .await?
                    .into_response())
            }
        };
    }
    let result = if let Err(e) = reauth {
        Err(e)
    } else if action == "policy-preset" {
        match crate::app::input::policy_preset("preset", &f.text("preset")) {
            Ok(policy) => app
                .set_policy(&visitor.actor(), &slug, policy)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        }
    } else if action == "package" {
        let package = match (f.opt("ecosystem"), f.opt("package")) {
            (None, None) => None,
            (ecosystem, name) => Some(embargo_core::project::Package {
                ecosystem: ecosystem.unwrap_or_default(),
                name: name.unwrap_or_default(),
                purl: f.opt("purl"),
            }),
        };
        app.set_package(&visitor.actor(), &slug, &f.text("component"), package)
            .await
            .map(|_| ())
    } else {
        match project_command(&action, &f) {
            Ok(Some(command)) => app
                .change_project(&visitor.actor(), &slug, command)
                .await
                .map(|_| ()),
            Ok(None) => return Err(AppError::not_found().into()),
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/projects/{slug}?saved=1"))),
        Err(e) => {
            let p = problem(&e);
            let shown = Shown {
                problem: Some(&p),
                ..Shown::default()
            };
            Ok(project_page(&app, &visitor, &slug, &shown)
                .await?
                .into_response())
        }
    }
}

/// Adds a member or changes their role, in one step for someone without an account
/// when an instance admin adds them: the account is made, the one-time link shown
/// (issue 12, item 4). A refusal comes back with the form as typed.
async fn member_action(
    app: &App,
    visitor: &Visitor,
    slug: &str,
    f: Fields,
    reauth: Result<(), AppError>,
) -> Result<Response, WebError> {
    let result = async {
        reauth?;
        // The role is checked before anything is made.
        let role = Role::parse(&f.text("role")).ok_or_else(|| -> AppError {
            Rejection::invalid(
                "role",
                Rule::InvalidFormat,
                "choose maintainer, security-team or admin",
            )
            .into()
        })?;
        let added = app
            .add_member_by_email(
                &visitor.actor(),
                slug,
                &f.text("email"),
                f.opt("name"),
                role,
            )
            .await?;
        Ok::<_, AppError>(added.invitation.map(|link| (added.user.email, link)))
    }
    .await;
    let shown = match result {
        Ok(None) => return Ok(see_other(&format!("/admin/projects/{slug}?saved=1#member"))),
        Ok(Some(invited)) => Shown {
            saved: true,
            invited: Some(invited),
            ..Shown::default()
        },
        Err(e) => {
            let p = problem(&e);
            let shown = Shown {
                problem: Some(&p),
                member: Some(f),
                ..Shown::default()
            };
            return Ok(project_page(app, visitor, slug, &shown)
                .await?
                .into_response());
        }
    };
    Ok(project_page(app, visitor, slug, &shown)
        .await?
        .into_response())
}

/// Adds, tests or removes a channel; a new webhook's secret is shown once, on the page
/// that answers the form.
async fn channel_action(
    app: &App,
    visitor: &Visitor,
    slug: &str,
    action: &str,
    f: Fields,
) -> Result<Response, WebError> {
    let actor = visitor.actor();
    let result = match action {
        "channel-add" => {
            let notices = embargo_core::policy::Notice::ALL
                .into_iter()
                .filter(|n| f.flag(&format!("notice_{}", n.as_str())))
                .map(|n| n.as_str().to_owned())
                .collect();
            let input = crate::app::ChannelInput {
                name: f.text("name"),
                kind: f.text("kind"),
                target: f.text("target"),
                notices,
                team: f.flag("team"),
            };
            match app.add_channel(&actor, slug, input).await {
                Ok((_, Some(secret))) => {
                    let shown = Shown {
                        channel: ChannelForm {
                            typed: None,
                            secret: Some((f.text("name").trim().to_owned(), secret)),
                        },
                        ..Shown::default()
                    };
                    return Ok(project_page(app, visitor, slug, &shown)
                        .await?
                        .into_response());
                }
                Ok((_, None)) => Ok(()),
                Err(e) => Err(e),
            }
        }
        "channel-test" => app
            .test_channel(&actor, slug, &f.text("name"))
            .await
            .map(|_| ()),
        "channel-remove" => app
            .remove_channel(&actor, slug, &f.text("name"))
            .await
            .map(|_| ()),
        _ => return Err(AppError::not_found().into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/admin/projects/{slug}?saved=1#channels"
        ))),
        Err(e) => {
            let p = problem(&e);
            let shown = Shown {
                problem: Some(&p),
                channel: ChannelForm {
                    typed: (action == "channel-add").then_some(f),
                    secret: None,
                },
                ..Shown::default()
            };
            Ok(project_page(app, visitor, slug, &shown)
                .await?
                .into_response())
        }
    }
}

/// Holidays from an uploaded `.ics` file join the project's policy.
pub async fn import_holidays(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
    multipart: MultipartResult,
) -> Result<Response, WebError> {
    managed_project(&app, &visitor, &slug).await?;
    let form = visitor.multipart(&app.settings().limits, multipart).await?;
    let result = match form.files.first() {
        Some(file) => app
            .import_holidays(&visitor.actor(), &slug, &file.bytes)
            .await
            .map(|_| ()),
        None => Err(Rejection::invalid("ics", Rule::Required, "`ics`: choose an .ics file").into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/projects/{slug}?saved=1#policy"))),
        Err(e) => {
            let p = problem(&e);
            let shown = Shown {
                problem: Some(&p),
                ..Shown::default()
            };
            Ok(project_page(&app, &visitor, &slug, &shown)
                .await?
                .into_response())
        }
    }
}

/// The security log (issue 11, item 8): sign-ins, refusals, rate limiting and role
/// grants, newest first, a page at a time. Instance admins only.
pub async fn security_events(
    State(app): State<App>,
    visitor: Visitor,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Page, WebError> {
    instance_admin(&visitor, "/admin/security")?;
    let page = super::view::page_request(&q)?;
    let list = app.security_events(&visitor.actor(), &page).await?;
    let body = html! {
        h1 { "Security events" }
        p {
            "Sign-ins, second-factor failures, refused forms, denials, bad tokens, rate limiting "
            "and role grants, newest first. The newest "
            (crate::app::security::KEEP) " are kept; every one also goes to the log (target "
            code { (crate::app::security::TARGET) } ")."
        }
        @if list.items.is_empty() {
            p.empty { "No security events." }
        } @else {
            table #security-events {
                thead { tr { th { "When" } th { "What" } th { "Route" } th { "Client" } th { "Account" } th { "Detail" } } }
                tbody {
                    @for e in &list.items {
                        tr {
                            td { (super::page::when(e.at)) }
                            td { code { (e.kind) } }
                            td { code { (e.route) } }
                            td { (e.client) }
                            td { @if let Some(a) = e.account { (a) } }
                            td { (e.detail) }
                        }
                    }
                }
            }
        }
        (super::view::pager("/admin/security", &page, list.next.as_ref()))
    };
    Ok(Page::new(&visitor, "Security events", body))
}
