//! The member's notifications page (issue 8): clock reminders and escalations, newest
//! first, each linking to its case; mark one or all read. Above them, the notices about
//! the member's own account (issue 11 item 6: new tokens, second factors, roles). The
//! header's badge counts the unread ones of both.

use super::page::{Page, WebError, csrf, see_other, when};
use super::session::{FormResult, Visitor};
use super::view;
use crate::app::App;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use std::collections::HashMap;

pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Page, WebError> {
    visitor.account("/notifications")?;
    let page = view::page_request(&q)?;
    let list = app.notifications(&visitor.actor(), None, &page).await?;
    // The account's notices page on their own (`account_after`), beside the cases'.
    let account_page = crate::app::page_request(
        q.get("account_limit").map(String::as_str),
        q.get("account_after").map(String::as_str),
    )?;
    let account = app
        .account_notifications(&visitor.actor(), None, &account_page)
        .await?;
    let body = html! {
        h1 { "Notifications" }
        @if !account.items.is_empty() || account_page.after.is_some() {
            section #account {
                h2 { "Your account" }
                p { "New API tokens, second factors and project roles of your account. If you did not expect one, tell an instance admin." }
                ul.notifications {
                    @for n in &account.items {
                        li class=(if n.read_at.is_some() { "read" } else { "unread" }) {
                            @if n.read_at.is_none() { strong { "New " } }
                            (n.notice.words())
                            " " small { "(" (when(n.created_at)) ")" }
                            @if n.read_at.is_none() {
                                " "
                                form.inline method="post" action=(format!("/notifications/account/{}/read", n.id)) {
                                    (csrf(&visitor))
                                    button.link type="submit" { "Mark read" }
                                }
                            }
                        }
                    }
                }
                @if account_page.after.is_some() || account.next.is_some() {
                    nav.pager {
                        @if account_page.after.is_some() { a rel="first" href="/notifications#account" { "← First page" } }
                        @if account_page.after.is_some() && account.next.is_some() { " · " }
                        @if let Some(c) = &account.next {
                            a rel="next" href=(format!("/notifications?account_after={}#account", c.token())) { "Older notices →" }
                        }
                    }
                }
            }
            h2 { "Cases" }
        }
        p { "Reminders before a case's clock falls due, and escalations when it is overdue." }
        @if visitor.unread > 0 {
            form.inline method="post" action="/notifications/read" {
                (csrf(&visitor))
                button type="submit" { "Mark all read" }
            }
        }
        @if list.items.is_empty() {
            p.empty { "No notifications." }
        } @else {
            ul.notifications {
                @for n in &list.items {
                    li class=(if n.read_at.is_some() { "read" } else { "unread" }) {
                        @if n.read_at.is_none() { strong { "New " } }
                        a href=(format!("/cases/{}#event-{}", n.case.case().id, n.seq)) {
                            (n.case.case().report.title)
                        }
                        " — " (n.words())
                        " " small { "(" (when(n.created_at)) ")" }
                        @if n.read_at.is_none() {
                            " "
                            form.inline method="post" action=(format!("/notifications/{}/read", n.id)) {
                                (csrf(&visitor))
                                button.link type="submit" { "Mark read" }
                            }
                        }
                    }
                }
            }
        }
        (view::pager("/notifications", &page, list.next.as_ref()))
    };
    Ok(Page::new(&visitor, "Notifications", body))
}

pub async fn mark_read(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<i64>,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.account("/notifications")?;
    visitor.form(form)?;
    app.mark_notification_read(&visitor.actor(), id).await?;
    Ok(see_other("/notifications"))
}

pub async fn mark_all_read(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.account("/notifications")?;
    visitor.form(form)?;
    app.mark_all_notifications_read(&visitor.actor()).await?;
    app.mark_all_account_notifications_read(&visitor.actor())
        .await?;
    Ok(see_other("/notifications"))
}

pub async fn mark_account_read(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<i64>,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.account("/notifications")?;
    visitor.form(form)?;
    app.mark_account_notification_read(&visitor.actor(), id)
        .await?;
    Ok(see_other("/notifications#account"))
}
