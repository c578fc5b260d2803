//! Who is looking at a page, and the CSRF rule for every form.
//!
//! Signed-in people carry a session cookie (`embargo_session`, `__Host-embargo_session`
//! over HTTPS; HttpOnly, SameSite=Lax) whose hash the store keeps with a per-session
//! form token. Everyone else — reporters, people signing in — gets a random form
//! cookie (`embargo_form`, SameSite=Strict) that each form repeats in a hidden field
//! (double submit). On top of the token, a POST must come from our own origin as
//! the browser tells it (`Sec-Fetch-Site`, `Origin`); either check alone would stop
//! a cross-site form, both together also cover old browsers and leaked tokens.

use super::page::{Fields, WebError};
use crate::app::{App, AppError, User, actor_of};
use crate::auth::ClientIp;
use crate::secrets;
use crate::upload;
use axum::Form;
use axum::extract::FromRequestParts;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::FormRejection;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use embargo_core::actor::Actor;
use embargo_core::event::Visibility;
use std::collections::HashMap;

/// What a handler takes for a urlencoded form; [`Visitor::form`] reads it.
pub type FormResult = Result<Form<HashMap<String, String>>, FormRejection>;
/// What a handler takes for a multipart form; [`Visitor::multipart`] reads it.
pub type MultipartResult = Result<Multipart, MultipartRejection>;

const SESSION: &str = "embargo_session";
const SESSION_HTTPS: &str = "__Host-embargo_session";
const FORM: &str = "embargo_form";
const FORM_HTTPS: &str = "__Host-embargo_form";
/// Binds a single sign-on in progress to the browser that started it (SameSite=Lax:
/// the provider sends the browser back with a top-level GET from its own site).
const SSO: &str = "embargo_sso";
const SSO_HTTPS: &str = "__Host-embargo_sso";
/// The known-device cookie (`secrets::DeviceKey`), set at sign-in.
const DEVICE: &str = "embargo_device";
const DEVICE_HTTPS: &str = "__Host-embargo_device";

/// The name of the hidden field every form carries.
pub const CSRF_FIELD: &str = "csrf";

pub struct Visitor {
    pub user: Option<User>,
    /// The signed-in member's unread notifications (the header's badge).
    pub unread: u32,
    pub ip: String,
    /// When the signed-in member signed in.
    signed_in_at: Option<embargo_core::Timestamp>,
    session_cookie: Option<String>,
    /// The state of a single sign-on this browser started, if any.
    sso_state: Option<String>,
    /// The known-device cookie, if the browser sent one.
    device_cookie: Option<String>,
    /// The token forms must repeat: the session's, or the form cookie's.
    csrf: String,
    /// A new form cookie to send with the response.
    new_form_cookie: bool,
    same_origin: bool,
    https: bool,
    /// `App::upload_slots`, for a multipart form.
    upload_slots: crate::app::spool::Slots,
}

pub(super) fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .map(|c| (c.name().to_owned(), c.value().to_owned()))
        .collect()
}

/// Does the request come from a page of ours? Browsers say so in `Sec-Fetch-Site`
/// (or, older ones, in `Origin`); a request with neither is not from a browser
/// form and is left to the token check.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let ours = public_url.split('/').take(3).collect::<Vec<_>>().join("/");
    origin == ours || origin == format!("http://{host}") || origin == format!("https://{host}")
}

impl FromRequestParts<App> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, app)
            .await
            .unwrap_or_else(|e| match e {});
        let https = app.settings().https();
        let jar = cookies(&parts.headers);
        let same_origin = same_origin(&parts.headers, &app.settings().public_url());
        let session_cookie = jar
            .get(if https { SESSION_HTTPS } else { SESSION })
            .cloned();
        let sso_state = jar.get(if https { SSO_HTTPS } else { SSO }).cloned();
        let device_cookie = jar.get(if https { DEVICE_HTTPS } else { DEVICE }).cloned();
        if let Some(cookie) = &session_cookie
            && let Some((session, user)) = app.session(cookie).await?
        {
            crate::app::security::set_caller(user.id);
            let actor = actor_of(&user);
            // The badge counts the notices about one's own account too (issue 11 item 6).
            let account = app.unread_account_notifications(&actor).await?;
            let unread = app
                .unread_notifications(&actor)
                .await?
                .saturating_add(u32::try_from(account).unwrap_or(u32::MAX));
            return Ok(Visitor {
                signed_in_at: Some(session.signed_in_at),
                user: Some(user),
                unread,
                ip,
                session_cookie: session_cookie.clone(),
                sso_state,
                device_cookie,
                csrf: session.csrf_token,
                new_form_cookie: false,
                same_origin,
                https,
                upload_slots: app.upload_slots().clone(),
            });
        }
        let (csrf, new_form_cookie) = match jar.get(if https { FORM_HTTPS } else { FORM }) {
            Some(v) if v.len() >= 20 => (v.clone(), false),
            _ => (secrets::token(""), true),
        };
        Ok(Visitor {
            signed_in_at: None,
            user: None,
            unread: 0,
            ip,
            session_cookie: None,
            sso_state,
            device_cookie,
            csrf,
            new_form_cookie,
            same_origin,
            https,
            upload_slots: app.upload_slots().clone(),
        })
    }
}

impl Visitor {
    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(u) => actor_of(u),
            None => Actor::Anonymous,
        }
    }

    /// Re-authentication before a sensitive act (`App::reauthenticate`), with the
    /// form's `reauth` field.
    pub async fn reauthenticate(&self, app: &App, fields: &Fields) -> Result<(), AppError> {
        match (&self.user, self.signed_in_at) {
            (Some(user), Some(at)) => {
                app.reauthenticate(user, at, fields.0.get("reauth").map(String::as_str))
                    .await
            }
            _ => Err(AppError::not_found()),
        }
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    pub fn session_cookie(&self) -> Option<&str> {
        self.session_cookie.as_deref()
    }

    /// The signed-in account, or a trip to the sign-in page and back to `here`.
    pub fn account(&self, here: &str) -> Result<&User, WebError> {
        self.user.as_ref().ok_or_else(|| WebError::SignIn {
            next: here.to_owned(),
        })
    }

    /// The CSRF rule: our origin, and the right token in the form.
    pub fn check_form(&self, fields: &HashMap<String, String>) -> Result<(), WebError> {
        let submitted = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
        if self.same_origin
            && !self.new_form_cookie
            && secrets::constant_time_eq(submitted.as_bytes(), self.csrf.as_bytes())
        {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }

    /// A urlencoded form's fields, after the CSRF rule.
    pub fn form(&self, form: FormResult) -> Result<Fields, WebError> {
        let Form(fields) =
            form.map_err(|e| AppError::bad_request("invalid_form", e.body_text(), None))?;
        self.check_form(&fields)?;
        Ok(Fields(fields))
    }

    /// A multipart form (with files, each within the limit), after the CSRF rule.
    pub async fn multipart(
        &self,
        limits: &crate::settings::Limits,
        multipart: MultipartResult,
    ) -> Result<upload::Form, WebError> {
        Ok(self
            .multipart_as_typed(limits, multipart)
            .await?
            .accepted()?)
    }

    /// Like [`Visitor::multipart`], but a form that broke an upload limit comes back
    /// with its refusal (`upload::Form::refused`) and the fields read before it, for
    /// the page to show again with the error beside its file field.
    pub async fn multipart_as_typed(
        &self,
        limits: &crate::settings::Limits,
        multipart: MultipartResult,
    ) -> Result<upload::Form, WebError> {
        let multipart = multipart.map_err(|_| {
            AppError::bad_request(
                "unsupported_media_type",
                "send the form as multipart/form-data",
                None,
            )
        })?;
        let form = upload::read(limits, &self.upload_slots, multipart, Visibility::Shared).await?;
        self.check_form(&form.fields)?;
        Ok(form)
    }

    /// `Set-Cookie` values the response must carry.
    pub fn set_cookies(&self) -> Vec<String> {
        if !self.new_form_cookie {
            return Vec::new();
        }
        let (name, secure) = if self.https {
            (FORM_HTTPS, "; Secure")
        } else {
            (FORM, "")
        };
        vec![format!(
            "{name}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.csrf
        )]
    }

    /// The cookie that signs someone in.
    pub fn session_set_cookie(&self, value: &str, max_age_secs: u64) -> String {
        let (name, secure) = if self.https {
            (SESSION_HTTPS, "; Secure")
        } else {
            (SESSION, "")
        };
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
    }

    pub fn sso_state(&self) -> Option<&str> {
        self.sso_state.as_deref()
    }

    /// Remembers the state of a single sign-on for as long as it may take.
    pub fn sso_set_cookie(&self, state: &str, max_age_secs: u64) -> String {
        let (name, secure) = if self.https {
            (SSO_HTTPS, "; Secure")
        } else {
            (SSO, "")
        };
        format!("{name}={state}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
    }

    pub fn sso_clear_cookie(&self) -> String {
        self.sso_set_cookie("", 0)
    }

    pub fn device_cookie(&self) -> Option<&str> {
        self.device_cookie.as_deref()
    }

    /// The cookie that marks this browser as known to the account that signed in.
    pub fn device_set_cookie(&self, value: &str, max_age_secs: u64) -> String {
        let (name, secure) = if self.https {
            (DEVICE_HTTPS, "; Secure")
        } else {
            (DEVICE, "")
        };
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
    }

    pub fn session_clear_cookie(&self) -> String {
        let (name, secure) = if self.https {
            (SESSION_HTTPS, "; Secure")
        } else {
            (SESSION, "")
        };
        format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError::App(e)
    }
}
