//! The quarantine (issue 9): mail held back from becoming a case, for a project's
//! admins and security team (and, for mail no project could be told for, instance
//! admins) to release as a case or delete with a reason. Anyone else gets 404.

use super::caller::Caller;
use super::error::{ApiError, ApiJson, ErrorBody};
use crate::app::{App, Quarantined};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

/// A held (or resolved) message, without its bytes.
#[derive(Serialize, ToSchema)]
pub struct QuarantinedOut {
    pub id: i64,
    /// The project it is for; `null` when no project could be told.
    pub project: Option<String>,
    pub received_at: jiff::Timestamp,
    /// Why it was held, as advice for the reviewer.
    pub reason: String,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub size: u64,
    /// `held`, `released` or `deleted`.
    pub state: &'static str,
    /// The case it became, once released.
    pub case_id: Option<String>,
    /// Why it was deleted.
    pub note: Option<String>,
}

fn out(q: &Quarantined) -> QuarantinedOut {
    QuarantinedOut {
        id: q.id,
        project: q.project.as_ref().map(|p| p.as_str().to_owned()),
        received_at: q.received_at,
        reason: q.reason.clone(),
        sender: q.sender.clone(),
        subject: q.subject.clone(),
        size: q.size,
        state: q.state.as_str(),
        case_id: q.case.as_ref().map(|c| c.as_str().to_owned()),
        note: q.note.clone(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    /// The project to file it under; required only for a message that names none.
    pub project: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReleasedOut {
    pub case_id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteIn {
    /// Why it is deleted (kept with the record).
    pub reason: String,
}

fn id_of(id: &str) -> ApiResult<i64> {
    id.parse()
        .map_err(|_| ApiError(crate::app::AppError::not_found()))
}

/// The held messages the caller reviews, newest first.
#[utoipa::path(get, path = "/quarantine", tag = "quarantine",
    responses((status = 200, body = [QuarantinedOut]), (status = 401, body = ErrorBody)))]
pub async fn list_quarantine(
    State(app): State<App>,
    caller: Caller,
) -> ApiResult<Json<Vec<QuarantinedOut>>> {
    let user = caller.account()?;
    Ok(Json(app.quarantined(user).await?.iter().map(out).collect()))
}

#[utoipa::path(get, path = "/quarantine/{id}", tag = "quarantine", params(("id" = i64, Path)),
    responses((status = 200, body = QuarantinedOut), (status = 404, body = ErrorBody)))]
pub async fn get_quarantined(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<QuarantinedOut>> {
    let user = caller.account()?;
    let (item, _) = app.quarantined_message(user, id_of(&id)?).await?;
    Ok(Json(out(&item)))
}

/// The message as received (`.eml`), as a download, while it is held.
#[utoipa::path(get, path = "/quarantine/{id}/raw", tag = "quarantine", params(("id" = i64, Path)),
    responses((status = 200, description = "The message, as a download"), (status = 404, body = ErrorBody)))]
pub async fn download_quarantined(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let user = caller.account()?;
    let id = id_of(&id)?;
    let (_, raw) = app.quarantined_message(user, id).await?;
    let raw = raw.ok_or_else(|| ApiError(crate::app::AppError::not_found()))?;
    Ok(crate::download::download(
        &format!("quarantined-{id}.eml"),
        raw,
    ))
}

/// Release as a new case of its project, as if it had arrived as a report.
#[utoipa::path(post, path = "/quarantine/{id}/release", tag = "quarantine", params(("id" = i64, Path)), request_body = ReleaseIn,
    responses((status = 201, body = ReleasedOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn release_quarantined(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReleaseIn>,
) -> ApiResult<(axum::http::StatusCode, Json<ReleasedOut>)> {
    let user = caller.account()?;
    let case = app
        .release_quarantined(user, id_of(&id)?, body.project.as_deref())
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(ReleasedOut {
            case_id: case.to_string(),
        }),
    ))
}

/// Delete, with a reason; the record of who deleted it, when and why stays.
#[utoipa::path(post, path = "/quarantine/{id}/delete", tag = "quarantine", params(("id" = i64, Path)), request_body = DeleteIn,
    responses((status = 200, body = QuarantinedOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete_quarantined(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeleteIn>,
) -> ApiResult<Json<QuarantinedOut>> {
    let user = caller.account()?;
    let id = id_of(&id)?;
    app.delete_quarantined(user, id, &body.reason).await?;
    let (item, _) = app.quarantined_message(user, id).await?;
    Ok(Json(out(&item)))
}
