//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json`. Authentication: `Authorization: Bearer` with a personal API
//! token (`emb_pat_…`) or a reporter's tracking token (`emb_trk_…`); none is anonymous.

mod accounts;
mod caller;
mod cases;
mod error;
mod fixes;
mod guests;
mod notices;
mod notifications;
mod projects;
mod quarantine;
mod release;
mod scoring;
mod security;
mod shared_release;
pub mod wire;

pub use error::{ApiError, ApiJson, ErrorBody};

use crate::app::{App, AppError};
use crate::upload;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Embargo API",
        description = "Private vulnerability reports, triage and coordinated disclosure. \
            A case the caller may not see answers exactly as one that does not exist (404).",
        version = "1"
    ),
    servers((url = "/api/v1")),
    paths(
        cases::submit_report, cases::list_cases, cases::queue, cases::reject_cases, cases::get_case, cases::list_events,
        cases::acknowledge, cases::claim, cases::hand_over, cases::add_collaborator, cases::remove_collaborator,
        cases::post_message, cases::add_note, cases::ask_reporter, cases::answer_question,
        cases::set_preliminary_decision, cases::set_final_decision, cases::mark_public,
        cases::add_attachments, cases::download_attachment, cases::propose_cvss, cases::set_cvss,
        cases::set_advisory, cases::cve, cases::disclose, cases::withdraw_advisory, cases::choose_credit,
        fixes::set_affected, fixes::record_fix, fixes::approve_fix, fixes::advance_fix, fixes::attach_patch,
        fixes::waive_backport, fixes::record_mitigation, fixes::cvss_not_applicable,
        release::propose_release_plan, release::propose_release_date, release::accept_release_date,
        release::override_release_date, release::release_notes, release::finalize_release_notes,
        release::schedule_disclosure, release::unschedule_disclosure, release::publish_post_mortem,
        cases::move_clock, cases::slow_down, cases::set_upstream,
        shared_release::create_release, shared_release::get_release, shared_release::join_release,
        shared_release::leave_release, shared_release::propose_plan, shared_release::release_notes,
        notifications::list_notifications, notifications::mark_read, notifications::mark_all_read,
        notifications::list_account_notifications, notifications::mark_account_read,
        notifications::mark_all_account_read,
        scoring::score, scoring::metrics,
        projects::list_projects, projects::get_project, projects::create_project, projects::update_project,
        projects::add_component, projects::set_branch, projects::set_package, projects::remove_package, projects::set_member, projects::add_member_by_email, projects::remove_member,
        projects::get_policy, projects::set_policy, projects::get_metrics,
        projects::get_mail_preference, projects::set_mail_preference,
        notices::list_channels, notices::add_channel, notices::remove_channel, notices::test_channel,
        notices::get_template, notices::set_template, notices::preview_template,
        notices::get_notice, notices::draft_notice, notices::send_notice,
        notices::add_recipient, notices::remove_recipient,
        guests::invite_guest, guests::remove_guest, guests::get_guest_case, guests::download_guest_attachment, guests::post_guest_comment,
        quarantine::list_quarantine, quarantine::get_quarantined, quarantine::download_quarantined,
        quarantine::release_quarantined, quarantine::delete_quarantined,
        accounts::me, accounts::create_user, accounts::list_tokens, accounts::create_token, accounts::revoke_token,
        accounts::second_factor, accounts::begin_second_factor, accounts::confirm_second_factor,
        accounts::remove_second_factor, security::list_security_events,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal API token (emb_pat_…), a reporter's tracking token (emb_trk_…), or on the /guest routes only a guest's token (emb_gst_…)"))
                    .build(),
            ),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn no_such_route() -> ApiError {
    ApiError(AppError::not_found())
}

pub fn router(settings: &crate::settings::Settings) -> Router<App> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route(
            "/projects",
            get(projects::list_projects).post(projects::create_project),
        )
        .route(
            "/projects/{slug}",
            get(projects::get_project).patch(projects::update_project),
        )
        .route(
            "/projects/{slug}/policy",
            get(projects::get_policy).put(projects::set_policy),
        )
        .route(
            "/projects/{slug}/mail-preference",
            get(projects::get_mail_preference).put(projects::set_mail_preference),
        )
        .route(
            "/projects/{slug}/channels",
            get(notices::list_channels).post(notices::add_channel),
        )
        .route(
            "/projects/{slug}/channels/{name}",
            delete(notices::remove_channel),
        )
        .route(
            "/projects/{slug}/channels/{name}/test",
            post(notices::test_channel),
        )
        .route(
            "/projects/{slug}/notice-templates/{notice}",
            get(notices::get_template).put(notices::set_template),
        )
        .route(
            "/projects/{slug}/notice-templates/{notice}/preview",
            post(notices::preview_template),
        )
        .route(
            "/cases/{id}/notices/{notice}",
            get(notices::get_notice).put(notices::draft_notice),
        )
        .route(
            "/cases/{id}/notices/{notice}/send",
            post(notices::send_notice),
        )
        .route("/cases/{id}/guests", post(guests::invite_guest))
        .route("/cases/{id}/guests/{guest}", delete(guests::remove_guest))
        .route("/guest/case", get(guests::get_guest_case))
        .route("/guest/comments", post(guests::post_guest_comment))
        .route(
            "/guest/attachments/{attachment}",
            get(guests::download_guest_attachment),
        )
        .route("/cases/{id}/pre-notification", post(notices::add_recipient))
        .route(
            "/cases/{id}/pre-notification/{address}",
            delete(notices::remove_recipient),
        )
        .route("/projects/{slug}/components", post(projects::add_component))
        .route(
            "/projects/{slug}/components/{component}/package",
            put(projects::set_package).delete(projects::remove_package),
        )
        .route(
            "/projects/{slug}/components/{component}/branches",
            post(projects::set_branch),
        )
        .route(
            "/projects/{slug}/members",
            post(projects::add_member_by_email),
        )
        .route(
            "/projects/{slug}/members/{user_id}",
            put(projects::set_member).delete(projects::remove_member),
        )
        .route("/projects/{slug}/reports", post(cases::submit_report))
        .route("/quarantine", get(quarantine::list_quarantine))
        .route("/quarantine/{id}", get(quarantine::get_quarantined))
        .route(
            "/quarantine/{id}/raw",
            get(quarantine::download_quarantined),
        )
        .route(
            "/quarantine/{id}/release",
            post(quarantine::release_quarantined),
        )
        .route(
            "/quarantine/{id}/delete",
            post(quarantine::delete_quarantined),
        )
        .route("/projects/{slug}/cases", get(cases::list_cases))
        .route("/projects/{slug}/queue", get(cases::queue))
        .route("/projects/{slug}/cases/reject", post(cases::reject_cases))
        .route("/projects/{slug}/metrics", get(projects::get_metrics))
        .route("/cases/{id}", get(cases::get_case))
        .route("/cases/{id}/events", get(cases::list_events))
        .route("/cases/{id}/acknowledge", post(cases::acknowledge))
        .route("/cases/{id}/claim", post(cases::claim))
        .route("/cases/{id}/hand-over", post(cases::hand_over))
        .route("/cases/{id}/collaborators", post(cases::add_collaborator))
        .route(
            "/cases/{id}/collaborators/{user_id}",
            delete(cases::remove_collaborator),
        )
        .route("/cases/{id}/messages", post(cases::post_message))
        .route("/cases/{id}/notes", post(cases::add_note))
        .route("/cases/{id}/questions", post(cases::ask_reporter))
        .route(
            "/cases/{id}/questions/{question}/answer",
            post(cases::answer_question),
        )
        .route(
            "/cases/{id}/preliminary-decision",
            post(cases::set_preliminary_decision),
        )
        .route("/cases/{id}/decision", post(cases::set_final_decision))
        .route("/cases/{id}/public", post(cases::mark_public))
        .route(
            "/cases/{id}/attachments",
            post(cases::add_attachments)
                .layer(DefaultBodyLimit::max(upload::body_limit(&settings.limits))),
        )
        .route(
            "/cases/{id}/attachments/{attachment}",
            get(cases::download_attachment),
        )
        .route("/cases/{id}/cvss/proposals", post(cases::propose_cvss))
        .route("/cases/{id}/cvss", put(cases::set_cvss))
        .route("/cases/{id}/advisory", put(cases::set_advisory))
        .route("/cases/{id}/cve", post(cases::cve))
        .route("/cases/{id}/disclose", post(cases::disclose))
        .route(
            "/cases/{id}/advisory/withdraw",
            post(cases::withdraw_advisory),
        )
        .route("/cases/{id}/credit", post(cases::choose_credit))
        .route(
            "/cases/{id}/cvss/not-applicable",
            put(fixes::cvss_not_applicable),
        )
        .route("/cases/{id}/affected", put(fixes::set_affected))
        .route("/cases/{id}/fixes", post(fixes::record_fix))
        .route(
            "/cases/{id}/fixes/{fix}/approvals",
            post(fixes::approve_fix),
        )
        .route("/cases/{id}/fixes/{fix}/state", post(fixes::advance_fix))
        .route(
            "/cases/{id}/fixes/{fix}/patch",
            post(fixes::attach_patch)
                .layer(DefaultBodyLimit::max(upload::body_limit(&settings.limits))),
        )
        .route("/cases/{id}/backports/waivers", post(fixes::waive_backport))
        .route("/cases/{id}/mitigation", put(fixes::record_mitigation))
        .route(
            "/cases/{id}/release-plan",
            put(release::propose_release_plan),
        )
        .route(
            "/cases/{id}/release-plan/date",
            post(release::propose_release_date),
        )
        .route(
            "/cases/{id}/release-plan/accept",
            post(release::accept_release_date),
        )
        .route(
            "/cases/{id}/release-plan/override",
            post(release::override_release_date),
        )
        .route("/cases/{id}/release-notes", get(release::release_notes))
        .route(
            "/cases/{id}/release-notes/finalize",
            post(release::finalize_release_notes),
        )
        .route(
            "/cases/{id}/disclosure/schedule",
            post(release::schedule_disclosure).delete(release::unschedule_disclosure),
        )
        .route(
            "/cases/{id}/post-mortem",
            post(release::publish_post_mortem),
        )
        .route(
            "/projects/{slug}/releases",
            post(shared_release::create_release),
        )
        .route("/releases/{id}", get(shared_release::get_release))
        .route("/releases/{id}/cases", post(shared_release::join_release))
        .route(
            "/releases/{id}/cases/{case}",
            delete(shared_release::leave_release),
        )
        .route("/releases/{id}/plan", put(shared_release::propose_plan))
        .route(
            "/releases/{id}/release-notes",
            get(shared_release::release_notes),
        )
        .route("/cases/{id}/clocks/{name}/move", post(cases::move_clock))
        .route("/cases/{id}/slow-down", post(cases::slow_down))
        .route("/cases/{id}/upstream", put(cases::set_upstream))
        .route("/notifications", get(notifications::list_notifications))
        .route("/notifications/read", post(notifications::mark_all_read))
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route(
            "/account-notifications",
            get(notifications::list_account_notifications),
        )
        .route(
            "/account-notifications/read",
            post(notifications::mark_all_account_read),
        )
        .route(
            "/account-notifications/{id}/read",
            post(notifications::mark_account_read),
        )
        .route("/cvss/score", get(scoring::score))
        .route("/cvss/metrics", get(scoring::metrics))
        .route("/me", get(accounts::me))
        .route("/users", post(accounts::create_user))
        .route(
            "/me/tokens",
            get(accounts::list_tokens).post(accounts::create_token),
        )
        .route("/me/tokens/{id}", delete(accounts::revoke_token))
        .route(
            "/me/second-factor",
            get(accounts::second_factor).post(accounts::begin_second_factor),
        )
        .route(
            "/me/second-factor/confirm",
            post(accounts::confirm_second_factor),
        )
        .route(
            "/me/second-factor/remove",
            post(accounts::remove_second_factor),
        )
        .route("/security-events", get(security::list_security_events))
        .fallback(no_such_route)
}
