//! Channels and notices (issue 14; C18, V3, V4, V8, V9, V10, V11): a project's
//! channels (added, listed, removed, tested), its notice templates (previewed, set),
//! and a case's notices (drafted from the case, reviewed, sent or scheduled) and its
//! pre-notification list.

use super::caller::Caller;
use super::cases::run;
use super::error::{ApiError, ApiJson, ErrorBody};
use super::wire::CaseOut;
use crate::app::{App, AppError, ChannelInput, RenderedNotice, parse_notice};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use embargo_core::Timestamp;
use embargo_core::channel::Channel;
use embargo_core::command::Command;
use embargo_core::project::Project;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

// ---------- wire shapes ----------

/// A channel to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelIn {
    /// 1–40 lower-case letters, digits and `-`, starting with a letter.
    pub name: String,
    /// `mailing-list`, `slack` (also Mattermost, Rocket.Chat), `discord` or `webhook`
    /// (signed per Standard Webhooks).
    pub kind: String,
    /// The list's address (mailing lists).
    pub address: Option<String>,
    /// The incoming webhook's URL (http or https, reaching a public address).
    pub url: Option<String>,
    /// The notices it receives: `forthcoming-fix`, `fixed-vulnerability`, `courtesy`,
    /// `upgrade`.
    #[serde(default)]
    pub notices: Vec<String>,
    /// Whether it also hears the team's clock reminders (a count and a link only).
    #[serde(default)]
    pub team: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelTestOut {
    pub at: Timestamp,
    pub delivered: bool,
    /// The HTTP status and message id, the SMTP answer, or why not.
    pub answer: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelOut {
    pub name: String,
    pub kind: &'static str,
    /// The list's address, or the endpoint as `scheme://host[:port]/…` (the rest of a
    /// webhook URL may be a token and is never shown).
    pub target: String,
    pub notices: Vec<&'static str>,
    pub team: bool,
    pub last_test: Option<ChannelTestOut>,
}

/// A channel just added. `secret` (generic webhooks) is shown this once: receivers
/// verify `webhook-signature` with it.
#[derive(Serialize, ToSchema)]
pub struct ChannelAddedOut {
    pub channel: ChannelOut,
    pub secret: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// Markdown with named fields (`{release_date}`); `# title` first. Null resets the
    /// notice to the default template.
    pub source: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePreviewIn {
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    pub notice: &'static str,
    pub subject: String,
    /// The whole notice, title first.
    pub markdown: String,
    /// Whether this is the coordinator's reviewed text (else the template's).
    pub reviewed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    pub notice: &'static str,
    pub source: String,
    /// Whether the project set it (else the default).
    pub custom: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftIn {
    /// The reviewed text: Markdown, `# title` first.
    pub markdown: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendIn {
    /// When to send (`2026-06-10T14:00:00Z`); absent: now.
    pub at: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientIn {
    pub address: String,
    pub name: Option<String>,
}

pub fn channel_out(c: &Channel) -> ChannelOut {
    ChannelOut {
        name: c.name.clone(),
        kind: c.kind.as_str(),
        target: c.target.clone(),
        notices: c.notices.iter().map(|n| n.as_str()).collect(),
        team: c.team,
        last_test: c.last_test.as_ref().map(|t| ChannelTestOut {
            at: t.at,
            delivered: t.delivered,
            answer: t.answer.clone(),
        }),
    }
}

fn channels_out(p: &Project) -> Vec<ChannelOut> {
    p.channels.iter().map(channel_out).collect()
}

fn notice_out(n: RenderedNotice) -> NoticeOut {
    NoticeOut {
        notice: n.notice.as_str(),
        subject: n.subject,
        markdown: n.markdown,
        reviewed: n.reviewed,
    }
}

// ---------- project routes ----------

/// A project's channels (project admins, instance admins).
#[utoipa::path(get, path = "/projects/{slug}/channels", tag = "notices", params(("slug" = String, Path)),
    responses((status = 200, body = [ChannelOut]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_channels(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<ChannelOut>>> {
    caller.account()?;
    let p = app.managed(&caller.actor, &slug).await?;
    Ok(Json(channels_out(&p)))
}

/// Add a channel. A webhook URL must be http(s) and resolve to public addresses (or
/// ones `webhooks.allow_private` lists); nothing is stored otherwise. A generic
/// webhook's signing secret is in the answer, once.
#[utoipa::path(post, path = "/projects/{slug}/channels", tag = "notices", params(("slug" = String, Path)), request_body = ChannelIn,
    responses((status = 201, body = ChannelAddedOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        (status = 422, description = "A URL that is not http(s) or reaches a private address; a bad name or address", body = ErrorBody)))]
pub async fn add_channel(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(c): ApiJson<ChannelIn>,
) -> ApiResult<(StatusCode, Json<ChannelAddedOut>)> {
    caller.account()?;
    let target = c.address.or(c.url).unwrap_or_default();
    let name = c.name.clone();
    let (p, secret) = app
        .add_channel(
            &caller.actor,
            &slug,
            ChannelInput {
                name: c.name,
                kind: c.kind,
                target,
                notices: c.notices,
                team: c.team,
            },
        )
        .await?;
    let channel = p
        .channel(&name)
        .map(channel_out)
        .ok_or_else(|| AppError::Internal("the channel just added is missing".into()))?;
    Ok((
        StatusCode::CREATED,
        Json(ChannelAddedOut { channel, secret }),
    ))
}

#[utoipa::path(delete, path = "/projects/{slug}/channels/{name}", tag = "notices",
    params(("slug" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = [ChannelOut]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_channel(
    State(app): State<App>,
    caller: Caller,
    Path((slug, name)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ChannelOut>>> {
    caller.account()?;
    let p = app.remove_channel(&caller.actor, &slug, &name).await?;
    Ok(Json(channels_out(&p)))
}

/// Send a test notice to the channel: queued now, its answer shown as the channel's
/// `last_test` once the worker has sent it.
#[utoipa::path(post, path = "/projects/{slug}/channels/{name}/test", tag = "notices",
    params(("slug" = String, Path), ("name" = String, Path)),
    responses((status = 202, body = [ChannelOut]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test_channel(
    State(app): State<App>,
    caller: Caller,
    Path((slug, name)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<Vec<ChannelOut>>)> {
    caller.account()?;
    let p = app.test_channel(&caller.actor, &slug, &name).await?;
    Ok((StatusCode::ACCEPTED, Json(channels_out(&p))))
}

/// A notice's template: the project's, or the default.
#[utoipa::path(get, path = "/projects/{slug}/notice-templates/{notice}", tag = "notices",
    params(("slug" = String, Path), ("notice" = String, Path)),
    responses((status = 200, body = TemplateOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_template(
    State(app): State<App>,
    caller: Caller,
    Path((slug, notice)): Path<(String, String)>,
) -> ApiResult<Json<TemplateOut>> {
    caller.account()?;
    let p = app.managed(&caller.actor, &slug).await?;
    let notice = parse_notice("notice", &notice)?;
    let custom = p.notice_templates.get(&notice);
    Ok(Json(TemplateOut {
        notice: notice.as_str(),
        source: custom
            .cloned()
            .unwrap_or_else(|| crate::app::kind_of(notice).default_source().to_owned()),
        custom: custom.is_some(),
    }))
}

/// Set a notice's template (or with `source: null` go back to the default). A
/// template that names an unknown field, or one the notice may not show, is refused.
#[utoipa::path(put, path = "/projects/{slug}/notice-templates/{notice}", tag = "notices",
    params(("slug" = String, Path), ("notice" = String, Path)), request_body = TemplateIn,
    responses((status = 200, body = TemplateOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, description = "An unknown field, a field the notice may not show, a required field missing", body = ErrorBody)))]
pub async fn set_template(
    State(app): State<App>,
    caller: Caller,
    Path((slug, notice)): Path<(String, String)>,
    ApiJson(t): ApiJson<TemplateIn>,
) -> ApiResult<Json<TemplateOut>> {
    caller.account()?;
    let notice = parse_notice("notice", &notice)?;
    let p = app
        .set_notice_template(&caller.actor, &slug, notice, t.source)
        .await?;
    let custom = p.notice_templates.get(&notice);
    Ok(Json(TemplateOut {
        notice: notice.as_str(),
        source: custom
            .cloned()
            .unwrap_or_else(|| crate::app::kind_of(notice).default_source().to_owned()),
        custom: custom.is_some(),
    }))
}

/// A template rendered with example values, without saving it.
#[utoipa::path(post, path = "/projects/{slug}/notice-templates/{notice}/preview", tag = "notices",
    params(("slug" = String, Path), ("notice" = String, Path)), request_body = TemplatePreviewIn,
    responses((status = 200, body = NoticeOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn preview_template(
    State(app): State<App>,
    caller: Caller,
    Path((slug, notice)): Path<(String, String)>,
    ApiJson(t): ApiJson<TemplatePreviewIn>,
) -> ApiResult<Json<NoticeOut>> {
    caller.account()?;
    let notice = parse_notice("notice", &notice)?;
    let n = app
        .preview_notice_template(&caller.actor, &slug, notice, &t.source)
        .await?;
    Ok(Json(notice_out(n)))
}

// ---------- case routes ----------

/// The notice as it would be sent now: the coordinator's reviewed text, else drafted
/// from the case with the project's template (the case's team).
#[utoipa::path(get, path = "/cases/{id}/notices/{notice}", tag = "notices",
    params(("id" = String, Path), ("notice" = String, Path)),
    responses((status = 200, body = NoticeOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "A value the notice needs is missing", body = ErrorBody)))]
pub async fn get_notice(
    State(app): State<App>,
    caller: Caller,
    Path((id, notice)): Path<(String, String)>,
) -> ApiResult<Json<NoticeOut>> {
    let view = app.case(&caller.actor, &id).await?;
    let notice = parse_notice("notice", &notice)?;
    let n = app.case_notice(&caller.actor, &view, notice)?;
    Ok(Json(notice_out(n)))
}

/// Save the coordinator's reviewed text of a notice.
#[utoipa::path(put, path = "/cases/{id}/notices/{notice}", tag = "notices",
    params(("id" = String, Path), ("notice" = String, Path)), request_body = DraftIn,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn draft_notice(
    State(app): State<App>,
    caller: Caller,
    Path((id, notice)): Path<(String, String)>,
    ApiJson(d): ApiJson<DraftIn>,
) -> ApiResult<Json<CaseOut>> {
    let notice = parse_notice("notice", &notice)?;
    run(
        &app,
        &caller,
        &id,
        vec![Command::DraftNotice {
            notice,
            markdown: d.markdown,
        }],
    )
    .await
}

/// Send a notice to the project's channels now, or at `at`. The forthcoming fix needs
/// a fix or mitigation and an agreed release date (V8, V9); the others describe the
/// flaw and go out at disclosure, which queues them.
#[utoipa::path(post, path = "/cases/{id}/notices/{notice}/send", tag = "notices",
    params(("id" = String, Path), ("notice" = String, Path)), request_body = SendIn,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not in this stage, or something it needs is missing (named)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_notice(
    State(app): State<App>,
    caller: Caller,
    Path((id, notice)): Path<(String, String)>,
    ApiJson(s): ApiJson<SendIn>,
) -> ApiResult<Json<CaseOut>> {
    let notice = parse_notice("notice", &notice)?;
    let at =
        s.at.as_deref()
            .map(|a| crate::app::input::moment("at", a))
            .transpose()?;
    let view = app.send_notice(&caller.actor, &id, notice, at).await?;
    Ok(Json(super::wire::case(
        view.case(),
        view.standing(),
        &view.project().policy(),
        app.now(),
    )))
}

/// Add a third party to be told before disclosure (V11): refused unless the policy
/// turns pre-notification on.
#[utoipa::path(post, path = "/cases/{id}/pre-notification", tag = "notices",
    params(("id" = String, Path)), request_body = RecipientIn,
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, description = "The policy gives no advance notice; a bad address", body = ErrorBody)))]
pub async fn add_recipient(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RecipientIn>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::AddPreNotified {
            address: r.address,
            name: r.name,
        }],
    )
    .await
}

#[utoipa::path(delete, path = "/cases/{id}/pre-notification/{address}", tag = "notices",
    params(("id" = String, Path), ("address" = String, Path)),
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_recipient(
    State(app): State<App>,
    caller: Caller,
    Path((id, address)): Path<(String, String)>,
) -> ApiResult<Json<CaseOut>> {
    run(
        &app,
        &caller,
        &id,
        vec![Command::RemovePreNotified { address }],
    )
    .await
}
