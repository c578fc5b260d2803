//! The quarantine page: mail held back from becoming a case (spam-flagged, too large,
//! unreadable, a stranger writing to a case's reply address, …), for the project's
//! admins and security team to read, release as a case or delete with a reason.
//! Anyone else sees an empty list, and "not found" for a message.

use super::page::{Fields, Page, Problem, WebError, csrf, problem, see_other};
use super::session::{FormResult, Visitor};
use crate::app::{App, QuarantineState, Quarantined};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::collections::HashMap;

fn when(q: &Quarantined) -> String {
    q.received_at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn id_of(id: &str) -> Result<i64, WebError> {
    id.parse()
        .map_err(|_| WebError::from(crate::app::AppError::not_found()))
}

pub async fn list(State(app): State<App>, visitor: Visitor) -> Result<Page, WebError> {
    let user = visitor.account("/quarantine")?;
    let held = app.quarantined(user).await?;
    let body = html! {
        h1 { "Quarantine" }
        p { "Mail that did not become a case by itself. Release what is a report; delete the rest with a reason." }
        @if held.is_empty() {
            p #quarantine-empty { "Nothing is held." }
        } @else {
            table {
                thead { tr { th { "Received" } th { "Project" } th { "From" } th { "Subject" } th { "Why" } } }
                tbody {
                    @for q in &held {
                        tr {
                            td { a href=(format!("/quarantine/{}", q.id)) { (when(q)) } }
                            td { @if let Some(p) = &q.project { (p.as_str()) } @else { "—" } }
                            td { (q.sender.as_deref().unwrap_or("—")) }
                            td { (q.subject.as_deref().unwrap_or("—")) }
                            td { (q.reason) }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&visitor, "Quarantine", body))
}

async fn message_page(
    app: &App,
    visitor: &Visitor,
    id: i64,
    f: &Fields,
    problem: Option<&Problem>,
) -> Result<Page, WebError> {
    let user = visitor.account(&format!("/quarantine/{id}"))?;
    let (q, raw) = app.quarantined_message(user, id).await?;
    let error = |name: &str| -> Markup {
        html! {
            @if let Some(m) = problem.and_then(|p| p.on(name)) {
                span.field-error id=(format!("{name}-error")) { (m) }
            }
        }
    };
    let body = html! {
        h1 { "Held message " (q.id) }
        @if let Some(p) = problem { (p.banner()) }
        dl {
            dt { "Received" } dd { (when(&q)) }
            dt { "From" } dd { (q.sender.as_deref().unwrap_or("—")) }
            dt { "Subject" } dd { (q.subject.as_deref().unwrap_or("—")) }
            dt { "Size" } dd { (q.size) " bytes" }
            dt { "Why it was held" } dd { (q.reason) }
            dt { "State" } dd { (q.state.as_str()) }
            @if let Some(c) = &q.case { dt { "Case" } dd { a href=(format!("/cases/{c}")) { (c) } } }
            @if let Some(n) = &q.note { dt { "Deleted because" } dd { (n) } }
        }
        @if let Some(raw) = &raw {
            h2 { "The message as received" }
            pre.raw { (String::from_utf8_lossy(&raw[..raw.len().min(64 * 1024)])) }
        }
        @if q.state == QuarantineState::Held {
            form.narrow method="post" action=(format!("/quarantine/{}/release", q.id)) {
                (csrf(visitor))
                h2 { "Release as a case" }
                @if q.project.is_none() {
                    label for="project" { "Project (slug)" }
                    input #project name="project" required value=(f.text("project"));
                    (error("project"))
                }
                button type="submit" { "Release as a case" }
            }
            form.narrow method="post" action=(format!("/quarantine/{}/delete", q.id)) {
                (csrf(visitor))
                h2 { "Delete" }
                label for="reason" { "Why (kept with the record)" }
                input #reason name="reason" required value=(f.text("reason"));
                (error("reason"))
                button.danger type="submit" { "Delete the message" }
            }
        }
    };
    let page = Page::new(visitor, &format!("Held message {}", q.id), body);
    Ok(match problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

pub async fn message(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Page, WebError> {
    message_page(&app, &visitor, id_of(&id)?, &Fields(HashMap::new()), None).await
}

pub async fn release(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let user = visitor.account(&format!("/quarantine/{id}"))?;
    let f = visitor.form(form)?;
    match app
        .release_quarantined(user, id, f.opt("project").as_deref())
        .await
    {
        Ok(case) => Ok(see_other(&format!("/cases/{case}"))),
        Err(e) => {
            let p = problem(&e);
            Ok(message_page(&app, &visitor, id, &f, Some(&p))
                .await?
                .into_response())
        }
    }
}

pub async fn delete(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let user = visitor.account(&format!("/quarantine/{id}"))?;
    let f = visitor.form(form)?;
    match app.delete_quarantined(user, id, &f.text("reason")).await {
        Ok(()) => Ok(see_other("/quarantine")),
        Err(e) => {
            let p = problem(&e);
            Ok(message_page(&app, &visitor, id, &f, Some(&p))
                .await?
                .into_response())
        }
    }
}
