//! The security log (issue 11, item 8), for instance admins.

use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::wire::{self, SecurityEventPage};
use crate::app::App;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SecurityEventQuery {
    /// Items per page, 1 to 200 (default 50).
    limit: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
}

/// A page of security events, newest first: sign-ins, second-factor failures, CSRF
/// refusals, denials, bad tokens, rate limiting, role grants. Instance admins only;
/// anyone else gets 404.
#[utoipa::path(get, path = "/security-events", tag = "accounts",
    params(SecurityEventQuery),
    responses((status = 200, body = SecurityEventPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_security_events(
    State(app): State<App>,
    caller: Caller,
    q: Result<Query<SecurityEventQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SecurityEventPage>, ApiError> {
    let Query(q) = q.map_err(super::scoring::query_error)?;
    let page = crate::app::page_request(q.limit.as_deref(), q.after.as_deref())?;
    let p = app.security_events(&caller.actor, &page).await?;
    Ok(Json(SecurityEventPage {
        items: p.items.iter().map(wire::security_event).collect(),
        next: p.next.map(|c| c.token()),
    }))
}
