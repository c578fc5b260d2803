//! The project's report page: guidance, the form, and the receipt with the tracking
//! link (shown once; only its hash is stored).

use super::page::{Fields, Page, Problem, WebError, csrf, problem, sanitized};
use super::session::{FormResult, MultipartResult, Visitor};
use crate::app::App;
use crate::markdown;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use embargo_core::project::Project;
use embargo_core::report::{Channel, Draft};
use maud::{Markup, html};
use std::collections::HashMap;

pub async fn form(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Page, WebError> {
    let project = app.project(&slug).await?;
    Ok(render(
        &app,
        &visitor,
        &project,
        &Fields(HashMap::new()),
        None,
    ))
}

fn field_error(problem: Option<&Problem>, name: &str) -> Markup {
    html! {
        @if let Some(m) = problem.and_then(|p| p.on(name)) {
            span.field-error id=(format!("{name}-error")) { (m) }
        }
    }
}

fn render(
    app: &App,
    visitor: &Visitor,
    project: &Project,
    f: &Fields,
    problem: Option<&Problem>,
) -> Page {
    let limits = &app.settings().limits;
    let chosen = f.opt("component");
    let body = html! {
        h1 { "Report a vulnerability in " (project.name) }
        section.guidance { (sanitized(markdown::render(&project.guidance))) }
        @if let Some(p) = problem { (p.banner()) }
        form.report method="post" enctype="multipart/form-data" action=(format!("/p/{}/report", project.slug)) {
            (csrf(visitor))
            label for="title" { "Title " span.req { "(required)" } }
            input #title name="title" required maxlength="200" value=(f.text("title"));
            (field_error(problem, "title"))
            label for="description" { "Description " span.req { "(required; Markdown)" } }
            p.hint { "What is vulnerable, how to reproduce it, and what an attacker gains." }
            textarea #description name="description" required rows="12" { (f.text("description")) }
            (field_error(problem, "description"))
            @if !project.components.is_empty() {
                label for="component" { "Affected component" }
                select #component name="component" {
                    option value="" { "Not sure" }
                    @for c in &project.components {
                        option value=(c.name) selected[chosen.as_deref() == Some(c.name.as_str())] { (c.name) }
                    }
                }
                (field_error(problem, "component"))
            }
            label for="affected_versions" { "Affected versions" }
            input #affected_versions name="affected_versions" value=(f.text("affected_versions"));
            (field_error(problem, "affected_versions"))
            label for="platform" { "Platform" }
            input #platform name="platform" value=(f.text("platform"));
            fieldset {
                legend { "Is it already known?" }
                label.check { input type="checkbox" name="already_public" #already_public checked[f.flag("already_public")]; " It is already public" }
                div.reveal data-when="already_public" {
                    label for="public_link" { "Where (link)" }
                    input #public_link name="public_link" type="url" value=(f.text("public_link"));
                    (field_error(problem, "public_link"))
                }
                label.check { input type="checkbox" name="in_dependency" #in_dependency checked[f.flag("in_dependency")]; " It is in a dependency" }
                div.reveal data-when="in_dependency" {
                    label for="dependency" { "Which dependency" }
                    input #dependency name="dependency" value=(f.text("dependency"));
                    (field_error(problem, "dependency"))
                }
            }
            fieldset {
                legend { "About you (optional)" }
                label for="reporter_name" { "Name" }
                input #reporter_name name="reporter_name" value=(f.text("reporter_name"));
                label for="reporter_email" { "E-mail" }
                input #reporter_email name="reporter_email" type="email" value=(f.text("reporter_email"));
                (field_error(problem, "reporter_email"))
                label for="credit" { "How to credit you in the advisory (leave empty for no credit)" }
                input #credit name="credit" value=(f.text("credit"));
                label for="reporter_pgp_key" { "Your OpenPGP public key (optional: our mail to you is then encrypted)" }
                textarea #reporter_pgp_key name="reporter_pgp_key" rows="4" placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----" { (f.text("reporter_pgp_key")) }
                (field_error(problem, "reporter_pgp_key"))
            }
            label for="file" { "Attachments" }
            p.hint { "At most " (limits.attachments_per_upload) " files of " (limits.attachment_bytes / 1024) " KiB each. They are only ever offered as downloads." }
            input #file name="file" type="file" multiple data-max-bytes=(limits.attachment_bytes) data-max-files=(limits.attachments_per_upload) aria-describedby=[problem.and_then(|p| p.on("file")).map(|_| "file-error")];
            (field_error(problem, "file"))
            p { button type="submit" { "Send the report privately" } }
        }
        p.lost-link { a href="/lost-link" { "Lost your tracking link?" } }
    };
    let title = format!("Report a vulnerability in {}", project.name);
    let page = Page::new(visitor, &title, body);
    match problem {
        Some(p) => page.refused(p),
        None => page,
    }
}

pub async fn submit(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
    multipart: MultipartResult,
) -> Result<Response, WebError> {
    let project = app.project(&slug).await?;
    let mut form = visitor
        .multipart_as_typed(&app.settings().limits, multipart)
        .await?;
    let f = Fields(std::mem::take(&mut form.fields));
    // A broken upload limit: the form again, with the error beside the file field.
    if let Some(e) = form.refused.take() {
        let p = problem(&e);
        return Ok(render(&app, &visitor, &project, &f, Some(&p)).into_response());
    }
    let draft = Draft {
        title: f.text("title"),
        description: f.text("description"),
        component: f.opt("component"),
        affected_versions: f.opt("affected_versions"),
        platform: f.opt("platform"),
        already_public: f.flag("already_public"),
        public_link: f.opt("public_link"),
        in_dependency: f.flag("in_dependency"),
        dependency: f.opt("dependency"),
        reporter_name: f.opt("reporter_name"),
        reporter_email: f.opt("reporter_email"),
        credit: f.opt("credit"),
        reporter_pgp_key: f.opt("reporter_pgp_key"),
    };
    let submitted = match app
        .submit_report(
            &visitor.actor(),
            &visitor.ip,
            &slug,
            draft,
            Channel::Web,
            form.files,
        )
        .await
    {
        Ok(s) => s,
        // The form comes back with everything typed in it (files must be chosen again).
        Err(e) => {
            let p = problem(&e);
            return Ok(render(&app, &visitor, &project, &f, Some(&p)).into_response());
        }
    };
    let body = html! {
        h1 { "Report received" }
        p { "Thank you. The " (project.name) " security team will look at your report; its reference is " code { (submitted.case.id) } "." }
        div.capability {
            p { strong { "Keep this link private and safe." } " It is the only way to follow your report, answer questions and add files. It is shown only this once." }
            p { a #tracking-link href=(submitted.tracking_url) { (submitted.tracking_url) } }
            button.copy type="button" data-copy="tracking-link" hidden { "Copy the link" }
        }
    };
    Ok(Page::new(&visitor, "Report received", body)
        .status(axum::http::StatusCode::CREATED)
        .into_response())
}

// ---------- "Lost your tracking link?" ----------

fn lost_link_page(visitor: &Visitor, f: &Fields, problem: Option<&Problem>) -> Page {
    let body = html! {
        h1 { "Lost your tracking link?" }
        p { "Enter the e-mail address you gave with your report. Each report sent from it gets a new tracking link by mail; the old links stop working." }
        @if let Some(p) = problem { (p.banner()) }
        form.narrow method="post" action="/lost-link" {
            (csrf(visitor))
            label for="email" { "E-mail" }
            input #email name="email" type="email" required value=(f.text("email"));
            (field_error(problem, "email"))
            button type="submit" { "Send me new links" }
        }
    };
    let page = Page::new(visitor, "Lost your tracking link?", body);
    match problem {
        Some(p) => page.refused(p),
        None => page,
    }
}

pub async fn lost_link_form(visitor: Visitor) -> Page {
    lost_link_page(&visitor, &Fields(HashMap::new()), None)
}

/// Answers the same whether or not the address reported anything: the page must not
/// tell who reported to whom.
pub async fn lost_link(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let f = visitor.form(form)?;
    if let Err(e) = app.send_lost_links(&visitor.ip, &f.text("email")).await {
        let p = problem(&e);
        return Ok(lost_link_page(&visitor, &f, Some(&p)).into_response());
    }
    let body = html! {
        h1 { "Check your mail" }
        p #lost-link-sent { "If reports were sent from this address, a new tracking link for each of them is on its way to it. The old links no longer work." }
    };
    Ok(Page::new(&visitor, "Check your mail", body).into_response())
}
