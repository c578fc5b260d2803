//! Fixes (C12, C15, V1, V3–V6, V8): affected branches and the track, fixes per branch
//! with approvals and state, the backport checklist's waivers, the mitigation, CVSS
//! recorded as not applicable; and their JSON shapes.

use super::caller::Caller;
use super::cases::run;
use super::error::{ApiError, ApiJson, ErrorBody, OptionalJson};
use super::wire::{self, AttachmentOut, CaseOut, NoParameters, UserOut};
use crate::app::{App, AppError};
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use embargo_core::Timestamp;
use embargo_core::access::Standing;
use embargo_core::case::{Blocker, Case, Fix, FixState, ItemStatus};
use embargo_core::command::{Command, FixProgress};
use embargo_core::event::Visibility;
use embargo_core::ids::{CaseId, FixId, UserId};
use embargo_core::policy::Policy;
use embargo_core::rejection::{Rejection, Rule};
use embargo_core::track::{self, AffectedBranch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

// ---------- shapes ----------

/// A branch of one of the project's components.
#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct BranchWire {
    pub component: String,
    pub branch: String,
}

impl From<BranchWire> for AffectedBranch {
    fn from(b: BranchWire) -> Self {
        AffectedBranch::new(b.component, b.branch)
    }
}

fn branch(b: &AffectedBranch) -> BranchWire {
    BranchWire {
        component: b.component.clone(),
        branch: b.branch.clone(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AffectedIn {
    /// Each must be in the project's branch list.
    pub branches: Vec<BranchWire>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixIn {
    pub component: String,
    pub branch: String,
    /// Where the fix is in the private fork: a branch, pull request or patch URL.
    pub reference: String,
    /// The commit, 7 to 64 hexadecimal digits.
    pub commit: Option<String>,
    /// The member who wrote the fix; the caller when absent.
    pub author_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixStateIn {
    /// `merged` (after the policy's approvals) or `released` (after merged).
    pub state: String,
    /// The version the fix was released in; with `released` only.
    pub version: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverIn {
    pub component: String,
    pub branch: String,
    /// Why this branch of the checklist gets no fix.
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MitigationIn {
    /// What users can do without the fix (Markdown); on `unsupported-only`, the
    /// upgrade notice.
    pub text: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotApplicableIn {
    /// Why CVSS does not apply to this case.
    pub reason: String,
}

/// The case's track (V3, V4, V5) and modifiers (C7, C16, V2).
#[derive(Serialize, ToSchema)]
pub struct TrackOut {
    /// `full`, `main-only` or `unsupported-only`.
    pub kind: &'static str,
    /// `public`, `low-severity`, `upstream`.
    pub modifiers: Vec<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalOut {
    pub by: UserOut,
    pub at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct FixOut {
    pub id: u32,
    pub component: String,
    pub branch: String,
    pub reference: String,
    pub commit: Option<String>,
    pub author: UserOut,
    /// `in-review`, `approved`, `merged` or `released`.
    pub state: &'static str,
    /// With `released`: the version.
    pub version: Option<String>,
    /// Approvals by reviewers other than the author.
    pub approvals: Vec<ApprovalOut>,
    /// What the project's policy requires (V6).
    pub approvals_required: u8,
    /// The patch file, downloaded like every attachment.
    pub patch: Option<AttachmentOut>,
    pub recorded_at: Timestamp,
}

/// One line of the backport checklist (C15, V1).
#[derive(Serialize, ToSchema)]
pub struct ChecklistOut {
    pub component: String,
    pub branch: String,
    /// `open`, `merged` or `waived`.
    pub status: &'static str,
    /// The merged fix.
    pub fix: Option<u32>,
    /// Why it gets no fix.
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MitigationOut {
    pub text: String,
    pub at: Timestamp,
}

/// The case's fixes, for the team.
#[derive(Serialize, ToSchema)]
pub struct FixesOut {
    pub fixes: Vec<FixOut>,
    pub checklist: Vec<ChecklistOut>,
    /// Every branch on the checklist is done (this stops the V6 fix-ready clock).
    pub complete: bool,
    pub ready_at: Option<Timestamp>,
    pub mitigation: Option<MitigationOut>,
}

/// Something missing before disclosure.
#[derive(Serialize, ToSchema)]
pub struct BlockerOut {
    /// `no_fix_or_mitigation`, `no_upgrade_notice`, `no_summary`, `no_final_cvss`.
    pub code: &'static str,
    pub field: &'static str,
    pub message: &'static str,
}

pub fn track(c: &Case, policy: &Policy) -> Option<TrackOut> {
    c.fixes.track.map(|kind| TrackOut {
        kind: kind.as_str(),
        modifiers: track::modifiers(policy, &c.clock_facts())
            .into_iter()
            .map(|m| m.as_str())
            .collect(),
    })
}

fn fix(c: &Case, f: &Fix, standing: Standing, policy: &Policy) -> FixOut {
    FixOut {
        id: f.id.0,
        component: f.branch.component.clone(),
        branch: f.branch.branch.clone(),
        reference: f.reference.clone(),
        commit: f.commit.clone(),
        author: UserOut::from(&f.author),
        state: f.state.as_str(),
        version: match &f.state {
            FixState::Released { version } => Some(version.clone()),
            FixState::InReview | FixState::Approved | FixState::Merged => None,
        },
        approvals: f
            .approvals
            .iter()
            .map(|a| ApprovalOut {
                by: UserOut::from(&a.by),
                at: a.at,
            })
            .collect(),
        approvals_required: policy.required_approvals,
        patch: f
            .patch
            .as_ref()
            .and_then(|id| c.attachments.iter().find(|a| &a.id == id))
            .filter(|a| embargo_core::access::sees_attachment(standing, a))
            .map(|a| wire::attachment(c, a)),
        recorded_at: f.recorded_at,
    }
}

pub fn fixes(c: &Case, standing: Standing, policy: &Policy) -> FixesOut {
    FixesOut {
        fixes: c
            .fixes
            .fixes
            .iter()
            .map(|f| fix(c, f, standing, policy))
            .collect(),
        checklist: c
            .fixes
            .checklist()
            .into_iter()
            .map(|i| {
                let (status, fix, reason) = match i.status {
                    ItemStatus::Open => ("open", None, None),
                    ItemStatus::Merged(f) => ("merged", Some(f.id.0), None),
                    ItemStatus::Waived(w) => ("waived", None, Some(w.reason.clone())),
                };
                ChecklistOut {
                    component: i.branch.component.clone(),
                    branch: i.branch.branch.clone(),
                    status,
                    fix,
                    reason,
                }
            })
            .collect(),
        complete: c.fixes.complete(),
        ready_at: c.fixes.ready_at,
        mitigation: c.fixes.mitigation.as_ref().map(|m| MitigationOut {
            text: m.text.clone(),
            at: m.at,
        }),
    }
}

pub fn affected(c: &Case) -> Vec<BranchWire> {
    c.fixes.affected.iter().map(branch).collect()
}

pub fn blockers(list: &[Blocker]) -> Vec<BlockerOut> {
    list.iter()
        .map(|b| BlockerOut {
            code: b.code(),
            field: b.field(),
            message: b.message(),
        })
        .collect()
}

// ---------- routes ----------

fn fix_id(s: &str) -> Result<FixId, ApiError> {
    // A fix that is not a number is as missing as one that does not exist.
    s.parse::<u32>()
        .map(FixId)
        .map_err(|_| AppError::not_found().into())
}

/// Record the branches the case affects; the track and the backport checklist follow
/// from the project's branch list (V3, V4, V5). The coordinator, security team or an
/// admin.
#[utoipa::path(put, path = "/cases/{id}/affected", tag = "fixes",
    params(("id" = String, Path)), request_body = AffectedIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "A branch is not in the project's list (`unknown_branch`, naming it)", body = ErrorBody)))]
pub async fn set_affected(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<AffectedIn>,
) -> ApiResult<Json<CaseOut>> {
    let branches = p.branches.into_iter().map(Into::into).collect();
    run(&app, &caller, &id, vec![Command::SetAffected { branches }]).await
}

/// Record a fix for one branch (C12): its private reference, commit and author. The
/// first fix moves the case to `fixing`. The coordinator or a collaborator.
#[utoipa::path(post, path = "/cases/{id}/fixes", tag = "fixes",
    params(("id" = String, Path)), request_body = FixIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn record_fix(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<FixIn>,
) -> ApiResult<Json<CaseOut>> {
    let command = Command::RecordFix {
        branch: AffectedBranch::new(p.component, p.branch),
        reference: p.reference,
        commit: p.commit,
        author: p.author_id.map(UserId),
    };
    run(&app, &caller, &id, vec![command]).await
}

/// Approve a fix as a reviewer (V6). The fix's author's own approval never counts:
/// it is refused (`422`, `not_allowed`). With the policy's required approvals the fix
/// is `approved`.
#[utoipa::path(post, path = "/cases/{id}/fixes/{fix}/approvals", tag = "fixes",
    params(("id" = String, Path), ("fix" = u32, Path)), request_body = NoParameters,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such case or fix", body = ErrorBody),
        (status = 409, description = "Already approved by the caller, or already merged", body = ErrorBody),
        (status = 422, description = "The caller wrote the fix", body = ErrorBody)))]
pub async fn approve_fix(
    State(app): State<App>,
    caller: Caller,
    Path((id, fix)): Path<(String, String)>,
    OptionalJson(_p): OptionalJson<NoParameters>,
) -> ApiResult<Json<CaseOut>> {
    let fix = fix_id(&fix)?;
    run(&app, &caller, &id, vec![Command::ApproveFix { fix }]).await
}

/// Move a fix on: `merged` (after its approvals), then `released` in a version (C15).
#[utoipa::path(post, path = "/cases/{id}/fixes/{fix}/state", tag = "fixes",
    params(("id" = String, Path), ("fix" = u32, Path)), request_body = FixStateIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not approved (or merged) yet", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn advance_fix(
    State(app): State<App>,
    caller: Caller,
    Path((id, fix)): Path<(String, String)>,
    ApiJson(p): ApiJson<FixStateIn>,
) -> ApiResult<Json<CaseOut>> {
    let fix = fix_id(&fix)?;
    // Look first: a case the caller may not see is not found, whatever the body says.
    app.case(&caller.actor, &id).await?;
    let to = match (p.state.as_str(), p.version) {
        ("merged", None) => FixProgress::Merged,
        ("released", Some(version)) => FixProgress::Released { version },
        ("released", None) => {
            return Err(Rejection::invalid(
                "version",
                Rule::Required,
                "`version`: name the version the fix was released in",
            )
            .into());
        }
        ("merged", Some(_)) => {
            return Err(Rejection::invalid(
                "version",
                Rule::NotAllowed,
                "`version` goes with `released` only",
            )
            .into());
        }
        _ => {
            return Err(Rejection::invalid(
                "state",
                Rule::InvalidFormat,
                "`state` must be merged or released (approved follows from the approvals)",
            )
            .into());
        }
    };
    run(&app, &caller, &id, vec![Command::AdvanceFix { fix, to }]).await
}

/// Attach a patch file to a fix (multipart/form-data, one `file` part). It is an
/// internal attachment of the case, downloaded like every attachment.
#[utoipa::path(post, path = "/cases/{id}/fixes/{fix}/patch", tag = "fixes",
    params(("id" = String, Path), ("fix" = u32, Path)),
    request_body(content_type = "multipart/form-data", description = "one `file` part"),
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach_patch(
    State(app): State<App>,
    caller: Caller,
    Path((id, fix)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<CaseOut>> {
    let case_id = CaseId::parse(&id).ok_or_else(AppError::not_found)?;
    // Look before reading the body: a case the caller may not see is not found.
    app.case(&caller.actor, &id).await?;
    let fix = fix_id(&fix)?;
    let multipart = multipart.map_err(|_| {
        AppError::bad_request(
            "unsupported_media_type",
            "send the patch as multipart/form-data",
            None,
        )
    })?;
    let mut form = upload::read(
        &app.settings().limits,
        app.upload_slots(),
        multipart,
        Visibility::Internal,
    )
    .await?
    .accepted()?;
    if form.files.len() != 1 {
        return Err(
            Rejection::invalid("file", Rule::Required, "attach one `file`: the patch").into(),
        );
    }
    let file = form.files.remove(0);
    let access = app.attach_patch(&caller.actor, &case_id, fix, file).await?;
    Ok(Json(wire::case(
        access.case(),
        access.standing(),
        &access.project().policy(),
        app.now(),
    )))
}

/// Record why a branch of the backport checklist gets no fix (C15, V1). The
/// coordinator, security team or an admin.
#[utoipa::path(post, path = "/cases/{id}/backports/waivers", tag = "fixes",
    params(("id" = String, Path)), request_body = WaiverIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn waive_backport(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<WaiverIn>,
) -> ApiResult<Json<CaseOut>> {
    let command = Command::WaiveBackport {
        branch: AffectedBranch::new(p.component, p.branch),
        reason: p.reason,
    };
    run(&app, &caller, &id, vec![command]).await
}

/// Record the mitigation: what users can do without the fix (V8); on the
/// `unsupported-only` track, the upgrade notice.
#[utoipa::path(put, path = "/cases/{id}/mitigation", tag = "fixes",
    params(("id" = String, Path)), request_body = MitigationIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn record_mitigation(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<MitigationIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::RecordMitigation { text: p.text }],
    )
    .await
}

/// Record that CVSS does not apply to this case, and why (C13). The coordinator; a
/// later final call replaces it.
#[utoipa::path(put, path = "/cases/{id}/cvss/not-applicable", tag = "case actions",
    params(("id" = String, Path)), request_body = NotApplicableIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn cvss_not_applicable(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<NotApplicableIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::SetCvssNotApplicable { reason: p.reason }],
    )
    .await
}
