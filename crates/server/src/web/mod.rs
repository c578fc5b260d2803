//! The server-rendered pages: the report form and the reporter's tracking page (no
//! account), sign-in, the triage queue, case pages with their actions, project
//! administration and API tokens. Every page works without JavaScript; one static
//! script improves some forms. No inline script or style, so the CSP stays strict.
//!
//! Every state-changing form is a POST carrying a CSRF token (see [`session`]), and
//! every handler goes through the same [`App`] operations as the API.

mod admin;
mod advisories;
mod advisory;
mod assets;
mod auth;
mod calculator;
mod cases;
mod clocks;
mod csaf;
mod fixes;
mod guests;
mod notices;
mod notifications;
mod page;
mod quarantine;
mod release;
mod report;
mod second_factor;
mod security_txt;
pub mod session;
mod shared_release;
mod track;
mod transparency;
mod view;

use crate::app::App;
use crate::settings::Settings;
use crate::upload;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use page::{Page, WebError};

pub fn router(settings: &Settings) -> Router<App> {
    let uploads = DefaultBodyLimit::max(upload::body_limit(&settings.limits));
    Router::new()
        .route("/", get(cases::home))
        .route("/static/{file}", get(assets::serve))
        .route(
            "/p/{slug}/report",
            get(report::form).post(report::submit).layer(uploads),
        )
        .route("/advisories/{file}", get(advisories::page))
        .route("/advisories/{id}/{file}", get(advisories::post_mortem))
        .route(
            "/p/{slug}/csaf/provider-metadata.json",
            get(csaf::provider_metadata),
        )
        .route(
            "/.well-known/csaf/provider-metadata.json",
            get(csaf::well_known_metadata),
        )
        .route("/.well-known/security.txt", get(security_txt::serve))
        .route("/security.txt", get(security_txt::legacy))
        .route("/p/{slug}/pgp-key.asc", get(security_txt::pgp_key))
        .route("/p/{slug}/csaf/white/", get(csaf::directory))
        .route("/p/{slug}/csaf/white/{year}/", get(csaf::year_directory))
        .route("/p/{slug}/csaf/white/index.txt", get(csaf::index))
        .route("/p/{slug}/csaf/openpgp/{file}", get(csaf::public_key))
        .route("/p/{slug}/csaf/white/changes.csv", get(csaf::changes))
        .route("/p/{slug}/csaf/white/{year}/{file}", get(csaf::document))
        .route("/p/{slug}/advisories", get(advisories::list))
        .route("/p/{slug}/advisories.atom", get(advisories::feed))
        .route(
            "/lost-link",
            get(report::lost_link_form).post(report::lost_link),
        )
        .route("/guest/{token}", get(guests::page))
        .route("/guest/{token}/comment", post(guests::comment))
        .route(
            "/guest/{token}/attachments/{attachment}",
            get(guests::download_attachment),
        )
        .route("/track/{token}", get(track::page))
        .route("/track/{token}/reply", post(track::reply).layer(uploads))
        .route("/track/{token}/answer", post(track::answer))
        .route("/track/{token}/cvss", post(track::suggest_cvss))
        .route("/track/{token}/credit", post(track::choose_credit))
        .route(
            "/track/{token}/release/accept",
            post(track::accept_release_date),
        )
        .route(
            "/track/{token}/release/date",
            post(track::propose_release_date),
        )
        .route(
            "/track/{token}/attachments/{attachment}",
            get(track::download_attachment),
        )
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/login/oidc/{provider}", post(auth::sso_start))
        .route("/login/passkey", post(auth::passkey_sign_in))
        .route("/passkey/challenge", get(second_factor::passkey_challenge))
        .route("/login/oidc/{provider}/callback", get(auth::sso_callback))
        .route("/setup/{token}", get(auth::setup_form).post(auth::setup))
        .route(
            "/password/{token}",
            get(auth::password_form).post(auth::set_password),
        )
        .route(
            "/settings/tokens",
            get(auth::tokens).post(auth::create_token),
        )
        .route("/settings/tokens/{id}/revoke", post(auth::revoke_token))
        .route("/settings/sessions", get(auth::sessions))
        .route(
            "/settings/second-factor",
            get(second_factor::show).post(second_factor::begin),
        )
        .route(
            "/settings/second-factor/confirm",
            post(second_factor::confirm),
        )
        .route(
            "/settings/second-factor/remove",
            post(second_factor::remove),
        )
        .route("/settings/passkeys", post(second_factor::add_passkey))
        .route(
            "/settings/passkeys/challenge",
            get(second_factor::passkey_registration),
        )
        .route(
            "/settings/passkeys/{id}/remove",
            post(second_factor::remove_passkey),
        )
        .route(
            "/settings/sessions/end-others",
            post(auth::end_other_sessions),
        )
        .route("/cvss", get(cases::calculator_page))
        .route("/triage", get(cases::triage))
        .route("/my", get(cases::my_cases))
        .route("/notifications", get(notifications::page))
        .route("/notifications/read", post(notifications::mark_all_read))
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route(
            "/notifications/account/{id}/read",
            post(notifications::mark_account_read),
        )
        .route("/projects/{slug}/cases", get(cases::project_cases))
        .route("/projects/{slug}/queue", get(transparency::queue))
        .route("/projects/{slug}/queue/reject", post(transparency::reject))
        .route(
            "/projects/{slug}/releases",
            get(shared_release::list).post(shared_release::create),
        )
        .route("/releases/{id}", get(shared_release::page))
        .route("/releases/{id}/{action}", post(shared_release::act))
        .route("/projects/{slug}/metrics", get(transparency::metrics_page))
        .route("/p/{slug}/SECURITY.md", get(transparency::security_md))
        .route("/metrics", get(transparency::prometheus))
        .route(
            "/projects/{slug}/mail-preference",
            post(cases::set_mail_preference),
        )
        // Every form on the case page posts to the case itself (`cases::act_here`); the
        // routes by action below stay for scripts and older pages.
        .route(
            "/cases/{id}",
            get(cases::case_page).post(cases::act_here).layer(uploads),
        )
        .route("/cases/{id}/actions/{action}", post(cases::act))
        .route("/cases/{id}/clocks/{action}", post(clocks::act))
        .route(
            "/cases/{id}/attachments",
            post(cases::attach).layer(uploads),
        )
        .route("/cases/{id}/attachments/{attachment}", get(cases::download))
        .route(
            "/cases/{id}/fixes/{fix}/patch",
            post(cases::attach_patch).layer(uploads),
        )
        .route("/quarantine", get(quarantine::list))
        .route("/quarantine/{id}", get(quarantine::message))
        .route("/quarantine/{id}/release", post(quarantine::release))
        .route("/quarantine/{id}/delete", post(quarantine::delete))
        .route("/admin", get(admin::overview))
        .route("/admin/security", get(admin::security_events))
        .route("/admin/projects", post(admin::create_project))
        .route("/admin/projects/{slug}", get(admin::project))
        .route(
            "/admin/projects/{slug}/holidays",
            post(admin::import_holidays).layer(uploads),
        )
        .route(
            "/admin/projects/{slug}/{action}",
            post(admin::change_project),
        )
        .route("/admin/users", post(admin::create_user))
        .route(
            "/admin/users/{id}/password-link",
            post(admin::password_link),
        )
        .fallback(page::not_found)
}
