//! Releases shared by several cases (issue 10, C6): `/projects/{slug}/releases` and
//! `/releases/{id}`. A release is seen by the project's security team and admins and
//! by whoever works on one of its cases; everyone else gets 404, as for a missing one.

use super::caller::Caller;
use super::error::{ApiError, ApiJson, ErrorBody};
use super::release::{PlanIn, PlanOut, ReasonIn, release_plan};
use crate::app::{App, ReleaseChange, ReleaseView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use embargo_core::Timestamp;
use embargo_core::release::{PlanInput, utc_minute};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    /// What the release is called, e.g. `1.17.1 security release`.
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinIn {
    /// The case that joins (one of the release's project).
    pub case: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseCaseOut {
    pub id: String,
    pub stage: String,
    /// Whether this case's reporter agreed to the date (or it was set after their
    /// silence).
    pub date_agreed: bool,
    pub notes_final: bool,
    pub disclosure_scheduled_at: Option<Timestamp>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanChangeOut {
    pub at: Timestamp,
    /// The release time the change set, `YYYY-MM-DD HH:MM UTC`.
    pub release_at_utc: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DepartureOut {
    pub case: String,
    pub reason: String,
    pub at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct SharedReleaseOut {
    pub id: String,
    pub project: String,
    pub name: String,
    pub plan: Option<PlanOut>,
    /// The joined cases the caller sees, in the order they joined.
    pub cases: Vec<ReleaseCaseOut>,
    pub changes: Vec<PlanChangeOut>,
    pub departures: Vec<DepartureOut>,
    pub created_at: Timestamp,
}

fn out(v: &ReleaseView) -> SharedReleaseOut {
    let r = &v.release;
    SharedReleaseOut {
        id: r.id.to_string(),
        project: r.project.to_string(),
        name: r.name.clone(),
        plan: r.plan.as_ref().map(release_plan),
        cases: v
            .cases
            .iter()
            .map(|c| ReleaseCaseOut {
                id: c.id.to_string(),
                stage: c.stage.as_str().to_owned(),
                date_agreed: c.release.agreement.is_some(),
                notes_final: c.release.notes.is_some(),
                disclosure_scheduled_at: c.release.scheduled,
            })
            .collect(),
        changes: r
            .changes
            .iter()
            .map(|c| PlanChangeOut {
                at: c.at,
                release_at_utc: utc_minute(c.release_at),
                reason: c.reason.clone(),
            })
            .collect(),
        departures: if v.manages {
            r.departures
                .iter()
                .map(|d| DepartureOut {
                    case: d.case.to_string(),
                    reason: d.reason.clone(),
                    at: d.at,
                })
                .collect()
        } else {
            Vec::new()
        },
        created_at: r.created_at,
    }
}

/// Create a release several cases of the project will share (its security team or
/// admins).
#[utoipa::path(post, path = "/projects/{slug}/releases", tag = "releases",
    params(("slug" = String, Path)), request_body = ReleaseIn,
    responses((status = 201, body = SharedReleaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_release(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(p): ApiJson<ReleaseIn>,
) -> ApiResult<(StatusCode, Json<SharedReleaseOut>)> {
    let r = app.create_release(&caller.actor, &slug, &p.name).await?;
    let view = app.release_view(&caller.actor, r.id.as_str()).await?;
    Ok((StatusCode::CREATED, Json(out(&view))))
}

/// A shared release: its plan, its cases, each change of plan with its reason.
#[utoipa::path(get, path = "/releases/{id}", tag = "releases",
    params(("id" = String, Path)),
    responses((status = 200, body = SharedReleaseOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_release(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SharedReleaseOut>> {
    Ok(Json(out(&app.release_view(&caller.actor, &id).await?)))
}

async fn change(
    app: &App,
    caller: &Caller,
    id: &str,
    change: ReleaseChange,
) -> ApiResult<Json<SharedReleaseOut>> {
    Ok(Json(out(&app
        .change_release(&caller.actor, id, &change)
        .await?)))
}

/// A case of the project joins the release: the release's plan becomes the case's
/// proposed plan, for its reporter to accept. A case is in one release at a time.
#[utoipa::path(post, path = "/releases/{id}/cases", tag = "releases",
    params(("id" = String, Path)), request_body = JoinIn,
    responses((status = 200, body = SharedReleaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "Not a case of the project, already in this or another release, or the plan does not fit the case", body = ErrorBody)))]
pub async fn join_release(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<JoinIn>,
) -> ApiResult<Json<SharedReleaseOut>> {
    change(&app, &caller, &id, ReleaseChange::Join { case: p.case }).await
}

/// A case leaves the release, with the reason; it keeps its plan as its own.
#[utoipa::path(delete, path = "/releases/{id}/cases/{case}", tag = "releases",
    params(("id" = String, Path), ("case" = String, Path)), request_body = ReasonIn,
    responses((status = 200, body = SharedReleaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn leave_release(
    State(app): State<App>,
    caller: Caller,
    Path((id, case)): Path<(String, String)>,
    ApiJson(p): ApiJson<ReasonIn>,
) -> ApiResult<Json<SharedReleaseOut>> {
    change(
        &app,
        &caller,
        &id,
        ReleaseChange::Leave {
            case,
            reason: p.reason,
        },
    )
    .await
}

/// Propose or change the release's plan: it becomes each joined case's proposed plan
/// (with the reason), in one change. A change of date needs a `reason` and reopens each
/// case's agreement with its reporter.
#[utoipa::path(put, path = "/releases/{id}/plan", tag = "releases",
    params(("id" = String, Path)), request_body = PlanIn,
    responses((status = 200, body = SharedReleaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "A time in the past or without a zone, not a time, a branch or version that is not the project's or a case's", body = ErrorBody)))]
pub async fn propose_plan(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PlanIn>,
) -> ApiResult<Json<SharedReleaseOut>> {
    let plan = PlanInput {
        at: p.at,
        versions: p
            .versions
            .into_iter()
            .map(|v| (v.branch, v.version))
            .collect(),
        binaries: p.binaries,
        mitigation: p.mitigation,
        upgrade: p.upgrade,
    };
    change(
        &app,
        &caller,
        &id,
        ReleaseChange::Plan {
            plan,
            reason: p.reason,
        },
    )
    .await
}

/// The release notes of the shared release in Markdown: each case's section, once every
/// joined case's notes are final (409 naming each case and what its notes miss).
#[utoipa::path(get, path = "/releases/{id}/release-notes", tag = "releases",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/markdown", body = String), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "No plan yet, or a case whose notes are not final", body = ErrorBody)))]
pub async fn release_notes(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let markdown = app.shared_release_notes(&caller.actor, &id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        markdown,
    )
        .into_response())
}
