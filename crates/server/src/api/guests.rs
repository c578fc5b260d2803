//! Sharing a case with a person from another project (C5): the coordinator invites and
//! removes guests; a guest's token (`emb_gst_…`) reads the shared parts of its one case
//! and leaves comments for the team, on the `/guest` routes only.

use super::caller::Caller;
use super::error::{ApiError, ApiJson, ErrorBody};
use super::wire::{self, CaseOut};
use crate::app::{App, AppError, GuestInput, GuestView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use embargo_core::case::{Case, Guest, Share};
use embargo_core::ids::{CaseId, GuestId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

/// An invitation (C5).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestIn {
    pub email: String,
    pub name: Option<String>,
    /// Their project or company.
    pub organisation: Option<String>,
    /// What they see: some of `report`, `attachments`, `fixes`, `advisory`,
    /// `release-plan`. Never the reporter's identity, notes, questions or the
    /// conversation with the reporter.
    pub shares: Vec<String>,
    /// Why their project must help ship the fix.
    pub reason: String,
}

/// Why a guest's access ends.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveGuestIn {
    pub reason: String,
}

/// A guest of a case, as the team sees them.
#[derive(Serialize, ToSchema)]
pub struct GuestOut {
    pub id: u32,
    pub email: String,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub shares: Vec<&'static str>,
    pub reason: String,
    pub invited_at: embargo_core::Timestamp,
}

/// The invitation's answer: the case, the new guest's number and their link.
#[derive(Serialize, ToSchema)]
pub struct InvitedOut {
    pub guest: u32,
    /// The guest's link, shown once (it is also mailed to them): whoever holds it reads
    /// the shared parts. Its path's last segment is the guest's API token.
    pub link: String,
    pub case: CaseOut,
}

pub fn guests(c: &Case) -> Vec<GuestOut> {
    c.guests
        .current
        .iter()
        .map(|g| GuestOut {
            id: g.guest.id.0,
            email: g.guest.email.clone(),
            name: g.guest.name.clone(),
            organisation: g.guest.organisation.clone(),
            shares: g.guest.shares.iter().map(|s| s.as_str()).collect(),
            reason: g.guest.reason.clone(),
            invited_at: g.at,
        })
        .collect()
}

/// Share the case with a person from another project who must help ship the fix
/// (C5). Their link is mailed to them; it opens the shared parts only.
#[utoipa::path(post, path = "/cases/{id}/guests", tag = "sharing",
    params(("id" = String, Path)), request_body = GuestIn,
    responses((status = 200, body = InvitedOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Already a guest; the case is not confirmed or is disclosed", body = ErrorBody),
        (status = 422, description = "A bad address, an unknown share, no reason", body = ErrorBody)))]
pub async fn invite_guest(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(g): ApiJson<GuestIn>,
) -> ApiResult<Json<InvitedOut>> {
    let id = CaseId::parse(&id).ok_or_else(AppError::not_found)?;
    let (view, guest, link) = app
        .invite_guest(
            &caller.actor,
            &id,
            GuestInput {
                email: g.email,
                name: g.name,
                organisation: g.organisation,
                shares: g.shares,
                reason: g.reason,
            },
        )
        .await?;
    Ok(Json(InvitedOut {
        guest: guest.0,
        link,
        case: wire::case(
            view.case(),
            view.standing(),
            &view.project().policy(),
            app.now(),
        ),
    }))
}

/// End a guest's access (C5): their link and token answer as a missing case at once.
#[utoipa::path(delete, path = "/cases/{id}/guests/{guest}", tag = "sharing",
    params(("id" = String, Path), ("guest" = u32, Path)), request_body = RemoveGuestIn,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "No such guest; no reason", body = ErrorBody)))]
pub async fn remove_guest(
    State(app): State<App>,
    caller: Caller,
    Path((id, guest)): Path<(String, String)>,
    ApiJson(r): ApiJson<RemoveGuestIn>,
) -> ApiResult<Json<CaseOut>> {
    let id = CaseId::parse(&id).ok_or_else(AppError::not_found)?;
    let guest = guest.parse::<u32>().map_err(|_| {
        AppError::Rejected(embargo_core::rejection::Rejection::invalid(
            "guest",
            embargo_core::rejection::Rule::InvalidFormat,
            "`guest`: expected a guest's number (1, 2, …)",
        ))
    })?;
    let view = app
        .remove_guest(&caller.actor, &id, GuestId(guest), &r.reason)
        .await?;
    Ok(Json(wire::case(
        view.case(),
        view.standing(),
        &view.project().policy(),
        app.now(),
    )))
}

/// What a guest sees of the case: the parts shared with them, nothing else.
#[derive(Serialize, ToSchema)]
pub struct GuestCaseOut {
    pub id: String,
    pub project: String,
    pub stage: &'static str,
    /// The parts shared with this guest.
    pub shares: Vec<&'static str>,
    /// Why the team shares it.
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<GuestReportOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<GuestAttachmentOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixes: Option<Vec<GuestFixOut>>,
    /// The advisory draft, without credits (they may name the reporter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<wire::AdvisoryWire>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_plan: Option<super::release::PlanOut>,
}

#[derive(Serialize, ToSchema)]
pub struct GuestReportOut {
    pub title: String,
    pub description: String,
    pub component: Option<String>,
    pub affected_versions: Option<String>,
    pub platform: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GuestAttachmentOut {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Serialize, ToSchema)]
pub struct GuestFixOut {
    pub component: String,
    pub branch: String,
    pub reference: String,
    pub commit: Option<String>,
    /// `in-review`, `approved`, `merged` or `released`.
    pub state: &'static str,
}

/// The shared parts of a case, for `guest` only.
pub fn guest_case(c: &Case, guest: &Guest) -> GuestCaseOut {
    let r = &c.report;
    GuestCaseOut {
        id: c.id.to_string(),
        project: c.project.to_string(),
        stage: c.stage.as_str(),
        shares: guest.shares.iter().map(|s| s.as_str()).collect(),
        reason: guest.reason.clone(),
        report: guest.sees(Share::Report).then(|| GuestReportOut {
            title: r.title.clone(),
            description: r.description.clone(),
            component: r.component.clone(),
            affected_versions: r.affected_versions.clone(),
            platform: r.platform.clone(),
        }),
        attachments: guest.sees(Share::Attachments).then(|| {
            c.attachments
                .iter()
                .filter(|a| a.visibility == embargo_core::event::Visibility::Shared)
                .map(|a| GuestAttachmentOut {
                    id: a.id.to_string(),
                    filename: a.filename.clone(),
                    content_type: a.content_type.clone(),
                    size: a.size,
                    sha256: a.sha256.clone(),
                })
                .collect()
        }),
        fixes: guest.sees(Share::Fixes).then(|| {
            c.fixes
                .fixes
                .iter()
                .map(|f| GuestFixOut {
                    component: f.branch.component.clone(),
                    branch: f.branch.branch.clone(),
                    reference: f.reference.clone(),
                    commit: f.commit.clone(),
                    state: f.state.as_str(),
                })
                .collect()
        }),
        advisory: guest.sees(Share::Advisory).then(|| {
            let mut a = wire::advisory(&c.advisory.details);
            a.credits.clear();
            a
        }),
        release_plan: guest
            .sees(Share::ReleasePlan)
            .then(|| c.release.plan.as_ref().map(super::release::release_plan))
            .flatten(),
    }
}

/// The guest token from `Authorization: Bearer emb_gst_…`; anything else finds nothing.
fn guest_token(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or("")
}

async fn guest_view(app: &App, caller_ip: &str, headers: &HeaderMap) -> ApiResult<GuestView> {
    Ok(app.guest_case(caller_ip, guest_token(headers)).await?)
}

/// The case shared with the guest whose token is the bearer (C5): the shared parts
/// only. Any other token, a removed guest or a closed case: 404, as a missing case.
#[utoipa::path(get, path = "/guest/case", tag = "sharing",
    responses((status = 200, body = GuestCaseOut), (status = 404, body = ErrorBody)))]
pub async fn get_guest_case(
    State(app): State<App>,
    ip: crate::auth::ClientIp,
    headers: HeaderMap,
) -> ApiResult<Json<GuestCaseOut>> {
    let view = guest_view(&app, &ip.0, &headers).await?;
    Ok(Json(guest_case(&view.case, &view.guest)))
}

/// Download a file shared with the guest (C5): always as a download, never rendered.
#[utoipa::path(get, path = "/guest/attachments/{attachment}", tag = "sharing",
    params(("attachment" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn download_guest_attachment(
    State(app): State<App>,
    ip: crate::auth::ClientIp,
    headers: HeaderMap,
    Path(attachment): Path<String>,
) -> ApiResult<axum::response::Response> {
    let (meta, bytes) = app
        .guest_attachment(&ip.0, guest_token(&headers), &attachment)
        .await?;
    Ok(crate::download::download(&meta.filename, bytes))
}

/// A comment for the team.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestCommentIn {
    /// Markdown.
    pub body: String,
}

/// Write to the team (C5): recorded on the case's timeline for the team, never shown
/// to the reporter.
#[utoipa::path(post, path = "/guest/comments", tag = "sharing", request_body = GuestCommentIn,
    responses((status = 201, body = GuestCaseOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_guest_comment(
    State(app): State<App>,
    ip: crate::auth::ClientIp,
    headers: HeaderMap,
    ApiJson(c): ApiJson<GuestCommentIn>,
) -> ApiResult<(StatusCode, Json<GuestCaseOut>)> {
    let view = app
        .guest_comment(&ip.0, guest_token(&headers), &c.body)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(guest_case(&view.case, &view.guest)),
    ))
}
