//! Reports and cases.

use super::caller::{Caller, TokenOrCaller};
use super::error::{ApiError, ApiJson, ErrorBody, OptionalJson};
use super::wire::{self, *};
use crate::app::{App, AppError, input};
use crate::download::download;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use embargo_core::actor::Actor;
use embargo_core::command::Command;
use embargo_core::event::{Assessment, Visibility};
use embargo_core::ids::{CaseId, QuestionId, UserId};
use embargo_core::rejection::{Rejection, Rule};
use embargo_core::report::Channel;
use serde::Deserialize;
use utoipa::IntoParams;

type ApiResult<T> = Result<T, ApiError>;

/// Submit a vulnerability report. No account needed; the response carries the
/// reporter's tracking token, shown once.
#[utoipa::path(post, path = "/projects/{slug}/reports", tag = "reports",
    params(("slug" = String, Path, description = "The project")),
    request_body = ReportIn,
    responses(
        (status = 201, body = ReportCreated),
        (status = 400, description = "Malformed JSON, or unknown or missing fields", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn submit_report(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(report): ApiJson<ReportIn>,
) -> ApiResult<(StatusCode, Json<ReportCreated>)> {
    let submitted = app
        .submit_report(
            &caller.actor,
            &caller.ip,
            &slug,
            report.into(),
            Channel::Api,
            vec![],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReportCreated {
            id: submitted.case.id.to_string(),
            tracking_token: submitted.tracking_token,
            tracking_url: submitted.tracking_url,
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Only cases in these stages (comma-separated).
    stage: Option<String>,
    /// Only cases of this component of the project.
    component: Option<String>,
    /// Only cases whose final CVSS severity is one of these (comma-separated): `none`,
    /// `low`, `medium`, `high`, `critical`.
    severity: Option<String>,
    /// `me`, `none` (unclaimed) or an account id.
    coordinator: Option<String>,
    /// Only cases on these tracks (comma-separated): `full`, `main-only`, `unsupported-only`.
    track: Option<String>,
    /// `true`: only cases the caller coordinates or collaborates on.
    mine: Option<String>,
    /// Words that must all appear (as words or word starts) in the title, the
    /// description or the advisory summary; at most 200 characters.
    q: Option<String>,
    /// `received` (oldest report first, the default) or `activity` (latest activity first).
    sort: Option<String>,
    /// Cases per page, 1 to 200 (default 50).
    limit: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Only cases in these stages (comma-separated); default every open stage.
    stage: Option<String>,
    /// `me`, `none` (unclaimed) or an account id.
    coordinator: Option<String>,
    /// `true`: only cases with a clock overdue now.
    overdue: Option<String>,
    /// Only cases on these tracks (comma-separated): `full`, `main-only`, `unsupported-only`.
    track: Option<String>,
    /// The reader's time zone (IANA name) for `due_local`; default the policy's.
    tz: Option<String>,
    /// Cases per page, 1 to 200 (default 50).
    limit: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
}

/// Which page of a listing.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    limit: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
}

/// A page of the project's cases the caller may see, oldest first (or latest activity
/// first with `sort=activity`), narrowed by the filters and the search; every filter
/// given must hold. A bad value is a 422 naming the field.
#[utoipa::path(get, path = "/projects/{slug}/cases", tag = "cases",
    params(("slug" = String, Path, description = "The project"), CaseQuery),
    responses((status = 200, body = CasePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_cases(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    q: Result<Query<CaseQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<CasePage>> {
    let Query(q) = q.map_err(super::scoring::query_error)?;
    let page = crate::app::page_request(q.limit.as_deref(), q.after.as_deref())?;
    let fields = input::ListFields {
        stage: q.stage,
        component: q.component,
        severity: q.severity,
        coordinator: q.coordinator,
        track: q.track,
        mine: q.mine,
        q: q.q,
        sort: q.sort,
    };
    let (_, cases) = app.cases(&caller.actor, &slug, &fields, &page).await?;
    Ok(Json(CasePage {
        items: cases.items.iter().map(wire::listed).collect(),
        next: cases.next.map(|c| c.token()),
    }))
}

/// The project's queue (members): the cases the caller may see, most overdue first,
/// then the nearest due clock, each naming that clock. Clocks are computed at the
/// time of the request; the order key is the clock's due time, so `next` stays valid.
#[utoipa::path(get, path = "/projects/{slug}/queue", tag = "cases",
    params(("slug" = String, Path, description = "The project"), QueueQuery),
    responses((status = 200, body = QueuePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn queue(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    q: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<QueuePage>> {
    let Query(q) = q.map_err(super::scoring::query_error)?;
    let user = caller.account()?;
    let page = crate::app::page_request(q.limit.as_deref(), q.after.as_deref())?;
    let filter = input::queue_filter(
        &input::QueueFields {
            stage: q.stage,
            coordinator: q.coordinator,
            overdue: q.overdue,
            track: q.track,
        },
        Some(user.id),
    )?;
    let reader = input::reader_zone("tz", q.tz.as_deref())?;
    let (project, rows) = app.queue(&caller.actor, &slug, &filter, &page).await?;
    let policy = project.policy();
    let reader = reader.unwrap_or_else(|| policy.time_zone.clone());
    let now = app.now();
    Ok(Json(QueuePage {
        items: rows
            .items
            .iter()
            .map(|r| wire::queue_item(r, &policy, &reader, now))
            .collect(),
        next: rows.next.map(|c| c.token()),
        policy_time_zone: policy.time_zone.name().to_owned(),
        time_zone: reader.name().to_owned(),
    }))
}

/// Reject several cases of the project at once (floods of reports): as spam or as
/// duplicates, without acknowledging them first. Every case is checked before any
/// changes; a refusal names the case (`cases[2]`) and changes nothing.
#[utoipa::path(post, path = "/projects/{slug}/cases/reject", tag = "case actions",
    params(("slug" = String, Path, description = "The project")),
    request_body = BulkRejectIn,
    responses((status = 200, body = BulkRejectOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn reject_cases(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(p): ApiJson<BulkRejectIn>,
) -> ApiResult<Json<BulkRejectOut>> {
    caller.account()?;
    let decision = input::decision(input::DecisionFields {
        outcome: "rejected".into(),
        reason: Some(p.reason),
        duplicate_of: p.duplicate_of,
        explanation: p.explanation,
    })
    .map_err(AppError::from)?;
    let rejected = app
        .reject_cases(&caller.actor, &slug, &p.cases, decision)
        .await?;
    Ok(Json(BulkRejectOut {
        rejected: rejected.iter().map(ToString::to_string).collect(),
    }))
}

/// One case, as the caller may see it.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "Case id, e.g. EMB-7K3Q-9XHM-2RPA")),
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(app): State<App>,
    who: TokenOrCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseOut>> {
    let access = match who {
        TokenOrCaller::ApiToken { token, ip } => app.case_for_api_token(&ip, &token, &id).await?,
        TokenOrCaller::Caller(caller) => app.case(&caller.actor, &id).await?,
    };
    Ok(Json(wire::case(
        access.case(),
        access.standing(),
        &access.project().policy(),
        app.now(),
    )))
}

/// A page of the case's timeline, oldest first, as the caller may see it (reporters:
/// shared events only).
#[utoipa::path(get, path = "/cases/{id}/events", tag = "cases",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = EventPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_events(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<EventPage>> {
    let Query(q) = q.map_err(super::scoring::query_error)?;
    let page = crate::app::page_request(q.limit.as_deref(), q.after.as_deref())?;
    let access = app.case(&caller.actor, &id).await?;
    let events = app.timeline_page(&access, &page).await?;
    Ok(Json(EventPage {
        items: events
            .items
            .iter()
            .map(|e| wire::event(access.case(), e, access.standing()))
            .collect(),
        next: events.next.map(|c| c.token()),
    }))
}

pub(super) async fn run(
    app: &App,
    caller: &Caller,
    id: &str,
    commands: Vec<Command>,
) -> ApiResult<Json<CaseOut>> {
    let id = CaseId::parse(id).ok_or_else(AppError::not_found)?;
    let access = app.execute(&caller.actor, &id, commands, vec![]).await?;
    Ok(Json(wire::case(
        access.case(),
        access.standing(),
        &access.project().policy(),
        app.now(),
    )))
}

macro_rules! action {
    ($(#[$doc:meta])* $name:ident, $path:literal, |$caller:ident, $input:ident : $ty:ty| $command:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "case actions",
            params(("id" = String, Path)),
            request_body = $ty,
            responses(
                (status = 200, description = "The case after the action", body = CaseOut),
                (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
                (status = 403, description = "The caller sees the case but may not do this", body = ErrorBody),
                (status = 404, body = ErrorBody),
                (status = 409, description = "Not possible in the case's stage", body = ErrorBody),
                (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(app): State<App>,
            $caller: Caller,
            Path(id): Path<String>,
            OptionalJson($input): OptionalJson<$ty>,
        ) -> ApiResult<Json<CaseOut>> {
            let command: Command = $command;
            run(&app, &$caller, &id, vec![command]).await
        }
    };
}

action!(
    /// Acknowledge a new report (policy step C3).
    acknowledge, "/cases/{id}/acknowledge", |caller, _p: NoParameters| Command::Acknowledge);
action!(
    /// Become the case's coordinator (C8).
    claim, "/cases/{id}/claim", |caller, _p: NoParameters| Command::Claim);
action!(
    /// Hand the coordinator role to another member of the project.
    hand_over, "/cases/{id}/hand-over", |caller, p: UserIn| Command::HandOver { to: UserId(p.user_id) });
action!(
    /// Add a project member to the case (C10).
    add_collaborator, "/cases/{id}/collaborators", |caller, p: UserIn| Command::AddCollaborator { user: UserId(p.user_id) });
action!(
/// Write to the other side: from the team to the reporter, or the reporter's reply.
post_message, "/cases/{id}/messages", |caller, p: BodyIn| match caller.actor {
    Actor::Reporter(_) => Command::Reply { body: p.body },
    Actor::Anonymous | Actor::User(_) | Actor::Operator => Command::MessageReporter { body: p.body },
});
action!(
    /// An internal note: the team sees it, the reporter does not.
    add_note, "/cases/{id}/notes", |caller, p: BodyIn| Command::AddNote { body: p.body });
action!(
    /// Ask the reporter for information; the case waits in `needs-info` (C9).
    ask_reporter, "/cases/{id}/questions", |caller, p: BodyIn| Command::AskReporter { body: p.body });
action!(
    /// Mark the vulnerability as already public (C7).
    mark_public, "/cases/{id}/public", |caller, p: PublicIn| Command::MarkPublic { link: p.link, note: p.note });

/// Remove a collaborator from the case.
#[utoipa::path(delete, path = "/cases/{id}/collaborators/{user_id}", tag = "case actions",
    params(("id" = String, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_collaborator(
    State(app): State<App>,
    caller: Caller,
    Path((id, user)): Path<(String, i64)>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::RemoveCollaborator { user: UserId(user) }],
    )
    .await
}

/// The reporter answers the open question; the case returns to triage.
#[utoipa::path(post, path = "/cases/{id}/questions/{question}/answer", tag = "case actions",
    params(("id" = String, Path), ("question" = u32, Path)),
    request_body = BodyIn,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "No such open question", body = ErrorBody)))]
pub async fn answer_question(
    State(app): State<App>,
    caller: Caller,
    Path((id, question)): Path<(String, u32)>,
    ApiJson(p): ApiJson<BodyIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::AnswerQuestion {
            question: QuestionId(question),
            body: p.body,
        }],
    )
    .await
}

/// Record the coordinator's preliminary decision (C9).
#[utoipa::path(post, path = "/cases/{id}/preliminary-decision", tag = "case actions",
    params(("id" = String, Path)), request_body = PreliminaryIn,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_preliminary_decision(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PreliminaryIn>,
) -> ApiResult<Json<CaseOut>> {
    let assessment = Assessment::parse(&p.assessment).ok_or_else(|| {
        Rejection::invalid(
            "assessment",
            Rule::InvalidFormat,
            "`assessment` must be likely-vulnerability, needs-analysis or likely-not-vulnerability",
        )
    })?;
    run(
        &app,
        &caller,
        &id,
        vec![Command::SetPreliminaryDecision {
            assessment,
            note: p.note,
        }],
    )
    .await
}

/// Record the final decision: a confirmed vulnerability, or rejected with a reason the
/// reporter sees (C11, C2).
#[utoipa::path(post, path = "/cases/{id}/decision", tag = "case actions",
    params(("id" = String, Path)), request_body = DecisionIn,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_final_decision(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<DecisionIn>,
) -> ApiResult<Json<CaseOut>> {
    let input = input::decision(p.into())?;
    run(&app, &caller, &id, vec![Command::SetFinalDecision(input)]).await
}

/// Attach files (multipart/form-data: one or more `file` parts; optional `visibility`,
/// `shared` or `internal`, for the team; reporters' files are always shared).
#[utoipa::path(post, path = "/cases/{id}/attachments", tag = "case actions",
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file` parts and an optional `visibility` field"),
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn add_attachments(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<CaseOut>> {
    let multipart = multipart.map_err(|_| {
        AppError::bad_request(
            "unsupported_media_type",
            "send files as multipart/form-data",
            None,
        )
    })?;
    let case_id = CaseId::parse(&id).ok_or_else(AppError::not_found)?;
    // Look before reading the body: a case the caller may not see is not found, not "too large".
    app.case(&caller.actor, &id).await?;
    let mut form = upload::read(
        &app.settings().limits,
        app.upload_slots(),
        multipart,
        Visibility::Shared,
    )
    .await?
    .accepted()?;
    let visibility = match form.text("visibility").as_deref() {
        None | Some("shared") => Visibility::Shared,
        Some("internal") => Visibility::Internal,
        Some(_) => {
            return Err(Rejection::invalid(
                "visibility",
                Rule::InvalidFormat,
                "`visibility` must be shared or internal",
            )
            .into());
        }
    };
    if form.files.is_empty() {
        return Err(
            Rejection::invalid("file", Rule::Required, "attach at least one `file`").into(),
        );
    }
    for f in &mut form.files {
        f.visibility = visibility;
    }
    let access = app
        .execute(&caller.actor, &case_id, vec![], form.files)
        .await?;
    Ok(Json(wire::case(
        access.case(),
        access.standing(),
        &access.project().policy(),
        app.now(),
    )))
}

/// Download an attachment. Always served as a download, never rendered.
#[utoipa::path(get, path = "/cases/{id}/attachments/{attachment}", tag = "cases",
    params(("id" = String, Path), ("attachment" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn download_attachment(
    State(app): State<App>,
    caller: Caller,
    Path((id, attachment)): Path<(String, String)>,
) -> ApiResult<Response> {
    let access = app.case(&caller.actor, &id).await?;
    let (meta, bytes) = app.attachment(&access, &attachment).await?;
    Ok(download(&meta.filename, bytes))
}

/// Propose a CVSS vector (v3.1 or v4.0) for the case; the reporter's is a suggestion
/// the team sees as such (C13).
#[utoipa::path(post, path = "/cases/{id}/cvss/proposals", tag = "case actions",
    params(("id" = String, Path)), request_body = ProposalIn,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "The vector breaks a CVSS rule; `code` is e.g. `cvss.unknown_metric`", body = ErrorBody)))]
pub async fn propose_cvss(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<ProposalIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::ProposeCvss { vector: p.vector }],
    )
    .await
}

/// The coordinator's final CVSS call: v3.1 and/or v4.0 vectors and the effect (C13).
#[utoipa::path(put, path = "/cases/{id}/cvss", tag = "case actions",
    params(("id" = String, Path)), request_body = CaseScoreIn,
    responses((status = 200, body = CaseOut), (status = 403, description = "Only the coordinator sets the score", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_cvss(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<CaseScoreIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::SetCvss {
            cvss_v3_1: p.cvss_v3_1,
            cvss_v4_0: p.cvss_v4_0,
            effect: p.effect,
        }],
    )
    .await
}

/// Prepare the advisory: summary, published details, CWEs, references, credits,
/// affected ranges, mitigation (C14, C17). The coordinator; internal until disclosure.
#[utoipa::path(put, path = "/cases/{id}/advisory", tag = "case actions",
    params(("id" = String, Path)), request_body = AdvisoryWire,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_advisory(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<AdvisoryWire>,
) -> ApiResult<Json<CaseOut>> {
    let details = p.try_into()?;
    run(&app, &caller, &id, vec![Command::SetAdvisory(details)]).await
}

/// Request a CVE ID from CVE Services, or record one assigned elsewhere (C14).
#[utoipa::path(post, path = "/cases/{id}/cve", tag = "case actions",
    params(("id" = String, Path)), request_body = CveIn,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cve(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(p): OptionalJson<CveIn>,
) -> ApiResult<Json<CaseOut>> {
    let command = match p.assigned {
        Some(id) => Command::AssignCveId { id },
        None => Command::RequestCveId,
    };
    run(&app, &caller, &id, vec![command]).await
}

action!(
    /// Disclose the case: it and its advisory become public (C18). The coordinator.
    disclose, "/cases/{id}/disclose", |caller, _p: NoParameters| Command::Disclose);
/// The reporter answers the advisory's draft credit line before disclosure: accept
/// it, give the name to credit, or decline credit. The reporter only.
#[utoipa::path(post, path = "/cases/{id}/credit", tag = "case actions",
    params(("id" = String, Path)),
    request_body = CreditIn,
    responses((status = 200, description = "The case after the choice", body = CaseOut), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn choose_credit(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<CreditIn>,
) -> ApiResult<Json<CaseOut>> {
    // Whoever may not see the case learns nothing from how the body is checked.
    app.case(&caller.actor, &id).await?;
    let choice = input::credit_choice(&p.choice, p.name).map_err(AppError::from)?;
    run(&app, &caller, &id, vec![Command::ChooseCredit(choice)]).await
}

action!(
    /// Withdraw the published advisory, with the reason: it stays published, marked
    /// withdrawn in its page, feed and documents, and its CVE record is updated. The
    /// coordinator.
    withdraw_advisory, "/cases/{id}/advisory/withdraw", |caller, p: WithdrawIn| Command::WithdrawAdvisory { reason: p.reason });

/// Move a clock's due time, with a reason (V2: clocks are suggestions). The
/// coordinator only; the reporter sees the move of a clock they see.
#[utoipa::path(post, path = "/cases/{id}/clocks/{name}/move", tag = "case actions",
    params(("id" = String, Path), ("name" = String, Path, description = "The clock, e.g. `disclosure-target`")),
    request_body = MoveClockIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn move_clock(
    State(app): State<App>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    ApiJson(p): ApiJson<MoveClockIn>,
) -> ApiResult<Json<CaseOut>> {
    let command = Command::MoveClock {
        clock: input::clock_name("name", &name).map_err(AppError::from)?,
        due: input::moment("due_at", &p.due_at).map_err(AppError::from)?,
        reason: p.reason,
    };
    run(&app, &caller, &id, vec![command]).await
}

/// Slow a low-severity case down (C16, V7): its final CVSS is under the policy's
/// threshold, and the internal note `note_seq` records the discussion.
#[utoipa::path(post, path = "/cases/{id}/slow-down", tag = "case actions",
    params(("id" = String, Path)),
    request_body = SlowDownIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn slow_down(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<SlowDownIn>,
) -> ApiResult<Json<CaseOut>> {
    let command = input::slow_down(input::SlowDownFields {
        clocks: p.clocks,
        duration: p.duration,
        until: p.until,
        basis: p.basis,
        note_seq: p.note_seq.map(|n| n.to_string()),
    })
    .map_err(AppError::from)?;
    run(&app, &caller, &id, vec![command]).await
}

/// Follow another project's disclosure date (V2): the disclosure clock moves with it.
#[utoipa::path(put, path = "/cases/{id}/upstream", tag = "case actions",
    params(("id" = String, Path)),
    request_body = UpstreamIn,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_upstream(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<UpstreamIn>,
) -> ApiResult<Json<CaseOut>> {
    let command = Command::SetUpstreamDate {
        date: input::moment("date", &p.date).map_err(AppError::from)?,
        source: p.source,
    };
    run(&app, &caller, &id, vec![command]).await
}
