//! The caller's in-app notifications: clock reminders and escalations (issue 8).

use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::wire::{self, AccountNotificationPage, MarkedRead, NotificationPage};
use crate::app::App;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

type ApiResult<T> = Result<T, ApiError>;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Items per page, 1 to 200 (default 50).
    limit: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// `true`: only the unread ones.
    unread: Option<bool>,
}

/// A page of the caller's notifications, newest first. A notification about a case
/// the caller may no longer see is left out.
#[utoipa::path(get, path = "/notifications", tag = "notifications",
    params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "A reporter's token: notifications are for members", body = ErrorBody)))]
pub async fn list_notifications(
    State(app): State<App>,
    caller: Caller,
    q: Result<Query<NotificationQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<NotificationPage>> {
    let Query(q) = q.map_err(super::scoring::query_error)?;
    let page = crate::app::page_request(q.limit.as_deref(), q.after.as_deref())?;
    let p = app.notifications(&caller.actor, q.unread, &page).await?;
    Ok(Json(NotificationPage {
        items: p.items.iter().map(wire::notification).collect(),
        next: p.next.map(|c| c.token()),
        unread: app.unread_notifications(&caller.actor).await?,
    }))
}

/// Mark one notification read.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path)),
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MarkedRead>> {
    app.mark_notification_read(&caller.actor, id).await?;
    Ok(Json(MarkedRead { marked: 1 }))
}

/// Mark every notification read.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications",
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn mark_all_read(State(app): State<App>, caller: Caller) -> ApiResult<Json<MarkedRead>> {
    let marked = app.mark_all_notifications_read(&caller.actor).await?;
    Ok(Json(MarkedRead { marked }))
}

/// A page of the notices about the caller's own account (issue 11 item 6): new API
/// tokens, second factors set up or removed, project roles given or taken. Newest
/// first; nobody reads another account's.
#[utoipa::path(get, path = "/account-notifications", tag = "notifications",
    params(NotificationQuery),
    responses((status = 200, body = AccountNotificationPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "A reporter's token: notifications are for members", body = ErrorBody)))]
pub async fn list_account_notifications(
    State(app): State<App>,
    caller: Caller,
    q: Result<Query<NotificationQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<AccountNotificationPage>> {
    let Query(q) = q.map_err(super::scoring::query_error)?;
    let page = crate::app::page_request(q.limit.as_deref(), q.after.as_deref())?;
    let p = app
        .account_notifications(&caller.actor, q.unread, &page)
        .await?;
    Ok(Json(AccountNotificationPage {
        items: p.items.iter().map(wire::account_notification).collect(),
        next: p.next.map(|c| c.token()),
        unread: app.unread_account_notifications(&caller.actor).await?,
    }))
}

/// Mark one notice about the caller's account read.
#[utoipa::path(post, path = "/account-notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path)),
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mark_account_read(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MarkedRead>> {
    app.mark_account_notification_read(&caller.actor, id)
        .await?;
    Ok(Json(MarkedRead { marked: 1 }))
}

/// Mark every notice about the caller's account read.
#[utoipa::path(post, path = "/account-notifications/read", tag = "notifications",
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn mark_all_account_read(
    State(app): State<App>,
    caller: Caller,
) -> ApiResult<Json<MarkedRead>> {
    let marked = app
        .mark_all_account_notifications_read(&caller.actor)
        .await?;
    Ok(Json(MarkedRead { marked }))
}
