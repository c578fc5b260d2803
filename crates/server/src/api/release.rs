//! The release of a case (C6, C17, C18, C19, V8, V9): the plan and its date agreed with
//! the reporter, the release notes, a scheduled disclosure and the post-mortem.

use super::caller::Caller;
use super::cases::run;
use super::error::{ApiError, ApiJson, ErrorBody, OptionalJson};
use super::wire::{CaseOut, NoParameters};
use crate::app::{App, AppError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use embargo_core::case::{Agreement, Case};
use embargo_core::command::Command;
use embargo_core::ids::CaseId;
use embargo_core::policy::Policy;
use embargo_core::release::{PlanInput, PostMortemText, ReleasePlan, utc_minute};
use embargo_core::{Timestamp, access::Standing};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

// ---------- wire shapes ----------

/// A release plan as proposed (C6, V9).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    /// The release time with its zone: `2026-06-10T14:00:00Z` or `2026-06-10 14:00 UTC`.
    pub at: String,
    /// The version each branch releases; each branch one of the component's, each
    /// version of its branch's line (`release-1.17` → `1.17.*`).
    #[serde(default)]
    pub versions: Vec<BranchVersionWire>,
    /// Where the binaries will be (a URL or Markdown).
    pub binaries: Option<String>,
    /// What users can do before they upgrade (Markdown).
    pub mitigation: Option<String>,
    /// How to upgrade (Markdown).
    pub upgrade: Option<String>,
    /// Why the date changed; required when it does.
    pub reason: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchVersionWire {
    pub branch: String,
    pub version: String,
}

/// The reporter's other date, with the reason.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateIn {
    /// As for the plan's `at`.
    pub at: String,
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    pub reason: String,
}

/// The post-mortem as the coordinator writes it (C19). The timeline is generated from
/// the case's public facts; people appear by role.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMortemIn {
    pub summary: Option<String>,
    /// How the vulnerability came about (Markdown).
    pub root_cause: String,
    #[serde(default)]
    pub went_well: Vec<String>,
    #[serde(default)]
    pub to_improve: Vec<String>,
    /// At least one step that keeps it from happening again.
    #[serde(default)]
    pub prevention: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    pub at: Timestamp,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub at_utc: String,
    pub versions: Vec<BranchVersionWire>,
    pub binaries: Option<String>,
    pub mitigation: Option<String>,
    pub upgrade: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CounterOut {
    pub at: Timestamp,
    pub at_utc: String,
    pub reason: String,
    pub proposed_at: Timestamp,
}

/// The case's release: the plan, whether its date stands, the notes, a schedule, the
/// post-mortem.
#[derive(Serialize, ToSchema)]
pub struct ReleaseOut {
    pub plan: Option<PlanOut>,
    /// The reporter's other date, waiting for the coordinator.
    pub counter_proposal: Option<CounterOut>,
    /// `agreed`, `overridden`, or null while the date is open.
    pub agreement: Option<&'static str>,
    /// Why the coordinator set the date after the reporter's silence.
    pub override_reason: Option<String>,
    /// While the proposed date waits for the reporter: from when the coordinator may set
    /// it after their silence (the policy's `reporter_silence` after the proposal).
    pub reporter_silent_until: Option<Timestamp>,
    /// Whether the release notes are final (team only; null for the reporter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes_final: Option<bool>,
    /// When disclosure is scheduled.
    pub disclosure_scheduled_at: Option<Timestamp>,
    pub post_mortem_published_at: Option<Timestamp>,
}

pub fn release_plan(plan: &ReleasePlan) -> PlanOut {
    PlanOut {
        at: plan.at,
        at_utc: utc_minute(plan.at),
        versions: plan
            .versions
            .iter()
            .map(|v| BranchVersionWire {
                branch: v.branch.clone(),
                version: v.version.clone(),
            })
            .collect(),
        binaries: plan.binaries.clone(),
        mitigation: plan.mitigation.clone(),
        upgrade: plan.upgrade.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PostMortemOut {
    pub summary: Option<String>,
    pub root_cause: String,
    pub went_well: Vec<String>,
    pub to_improve: Vec<String>,
    pub prevention: Vec<String>,
}

pub fn post_mortem_out(p: &PostMortemText) -> PostMortemOut {
    PostMortemOut {
        summary: p.summary.clone(),
        root_cause: p.root_cause.clone(),
        went_well: p.went_well.clone(),
        to_improve: p.to_improve.clone(),
        prevention: p.prevention.clone(),
    }
}

pub fn release(c: &Case, standing: Standing, policy: &Policy) -> ReleaseOut {
    let r = &c.release;
    ReleaseOut {
        plan: r.plan.as_ref().map(release_plan),
        counter_proposal: r.counter.as_ref().map(|p| CounterOut {
            at: p.at,
            at_utc: utc_minute(p.at),
            reason: p.reason.clone(),
            proposed_at: p.proposed_at,
        }),
        agreement: r.agreement.as_ref().map(|a| match a {
            Agreement::Agreed { .. } => "agreed",
            Agreement::Overridden { .. } => "overridden",
        }),
        override_reason: match &r.agreement {
            Some(Agreement::Overridden { reason, .. }) => Some(reason.clone()),
            Some(Agreement::Agreed { .. }) | None => None,
        },
        reporter_silent_until: r.silent_until(policy, c.received_at),
        notes_final: match standing {
            Standing::Team(_) => Some(r.notes.is_some()),
            Standing::Reporter => None,
        },
        disclosure_scheduled_at: r.scheduled,
        post_mortem_published_at: r.post_mortem.as_ref().map(|p| p.at),
    }
}

// ---------- routes ----------

/// Propose the release plan, or change it (the coordinator; C6, V9). A change of date
/// needs a `reason`; it reopens the agreement, and the reporter hears of it.
#[utoipa::path(put, path = "/cases/{id}/release-plan", tag = "case actions",
    params(("id" = String, Path)), request_body = PlanIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "A time in the past or without a zone, not a time, a branch or version that is not the project's", body = ErrorBody)))]
pub async fn propose_release_plan(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PlanIn>,
) -> ApiResult<Json<CaseOut>> {
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
    run(
        &app,
        &caller,
        &id,
        vec![Command::ProposeReleasePlan {
            plan,
            reason: p.reason,
        }],
    )
    .await
}

/// The reporter proposes another release date, with a reason (C6).
#[utoipa::path(post, path = "/cases/{id}/release-plan/date", tag = "case actions",
    params(("id" = String, Path)), request_body = DateIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose_release_date(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<DateIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::ProposeReleaseDate {
            at: p.at,
            reason: p.reason,
        }],
    )
    .await
}

/// Accept the release date: the reporter the plan's, the coordinator the reporter's.
/// The case moves to `release-planned` (C6).
#[utoipa::path(post, path = "/cases/{id}/release-plan/accept", tag = "case actions",
    params(("id" = String, Path)), request_body = NoParameters,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept_release_date(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(_p): OptionalJson<NoParameters>,
) -> ApiResult<Json<CaseOut>> {
    run(&app, &caller, &id, vec![Command::AcceptReleaseDate]).await
}

/// Set the plan's date after the reporter's silence (the policy's `reporter_silence` from
/// the proposal, five working days in both presets),
/// recorded as an override with its reason (the coordinator; C6).
#[utoipa::path(post, path = "/cases/{id}/release-plan/override", tag = "case actions",
    params(("id" = String, Path)), request_body = ReasonIn,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn override_release_date(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<ReasonIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::OverrideReleaseDate { reason: p.reason }],
    )
    .await
}

/// The release notes in Markdown, ready for a GitHub release (C17): as finalized, or
/// the draft with `_to be written_` where a field is missing. The team's until
/// disclosure.
#[utoipa::path(get, path = "/cases/{id}/release-notes", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/markdown", body = String), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "No release plan yet", body = ErrorBody)))]
pub async fn release_notes(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let view = app.case(&caller.actor, &id).await?;
    let markdown = app.release_notes_markdown(&view)?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        markdown,
    )
        .into_response())
}

/// Finalize the release notes: refused with every missing field named (`cve_id`,
/// `severity`, `impact`, `branches[0].fixed`, `binaries`, `mitigation`, `upgrade`, …)
/// until all are there (the coordinator; C17).
#[utoipa::path(post, path = "/cases/{id}/release-notes/finalize", tag = "case actions",
    params(("id" = String, Path)), request_body = NoParameters,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "The fields the notes miss, one error each", body = ErrorBody)))]
pub async fn finalize_release_notes(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(_p): OptionalJson<NoParameters>,
) -> ApiResult<Json<CaseOut>> {
    let case_id = CaseId::parse(&id).ok_or_else(AppError::not_found)?;
    let view = app.finalize_release_notes(&caller.actor, &case_id).await?;
    Ok(Json(super::wire::case(
        view.case(),
        view.standing(),
        &view.project().policy(),
        app.now(),
    )))
}

/// Schedule disclosure for the release time: then the worker discloses the case if the
/// gate lets it, or the timeline says why not (the coordinator; C6, C18, V8).
#[utoipa::path(post, path = "/cases/{id}/disclosure/schedule", tag = "case actions",
    params(("id" = String, Path)), request_body = NoParameters,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn schedule_disclosure(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(_p): OptionalJson<NoParameters>,
) -> ApiResult<Json<CaseOut>> {
    run(&app, &caller, &id, vec![Command::ScheduleDisclosure]).await
}

/// Unschedule the disclosure.
#[utoipa::path(delete, path = "/cases/{id}/disclosure/schedule", tag = "case actions",
    params(("id" = String, Path)),
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn unschedule_disclosure(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseOut>> {
    run(&app, &caller, &id, vec![Command::UnscheduleDisclosure]).await
}

/// Publish the blameless post-mortem at `/advisories/{id}/post-mortem` and close the
/// case (the coordinator, after disclosure; C19).
#[utoipa::path(post, path = "/cases/{id}/post-mortem", tag = "case actions",
    params(("id" = String, Path)), request_body = PostMortemIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_post_mortem(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PostMortemIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::PublishPostMortem(PostMortemText {
            summary: p.summary,
            root_cause: p.root_cause,
            went_well: p.went_well,
            to_improve: p.to_improve,
            prevention: p.prevention,
        })],
    )
    .await
}
