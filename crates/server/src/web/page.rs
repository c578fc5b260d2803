//! The page shell, error pages and the small helpers every page uses.

use super::session::{CSRF_FIELD, Visitor};
use crate::app::AppError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use embargo_core::Timestamp;
use embargo_core::case::Stage;
use embargo_core::rejection::Rejection;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::HashMap;

/// A rendered page with the navigation for its visitor.
pub struct Page {
    status: StatusCode,
    html: String,
    cookies: Vec<String>,
    /// Seconds, for a refusal that passes with time (`Retry-After`).
    retry_after: Option<u64>,
}

impl Page {
    pub fn new(visitor: &Visitor, title: &str, body: Markup) -> Page {
        Page {
            status: StatusCode::OK,
            html: shell(Some(visitor), title, body).into_string(),
            cookies: visitor.set_cookies(),
            retry_after: None,
        }
    }

    pub fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    /// The page as the answer to a refusal: its status, and `Retry-After` when the
    /// refusal passes with time (the uploads at once, a busy writer), as the API says.
    pub fn refused(mut self, p: &Problem) -> Page {
        self.status = p.status;
        self.retry_after = p.retry_after;
        self
    }

    pub fn cookie(mut self, cookie: String) -> Page {
        self.cookies.push(cookie);
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut res = (self.status, Html(self.html)).into_response();
        retry_after(&mut res, self.retry_after);
        for c in self.cookies {
            if let Ok(v) = HeaderValue::from_str(&c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        res
    }
}

/// `Retry-After` on a page refused for a reason that passes with time.
fn retry_after(res: &mut Response, secs: Option<u64>) {
    if let Some(secs) = secs {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

fn shell(visitor: Option<&Visitor>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · Embargo" }
                link rel="stylesheet" href="/static/embargo.css";
                script src="/static/embargo.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header.top {
                    a.brand href="/" { "Embargo" }
                    nav {
                        @if let Some(u) = visitor.and_then(|v| v.user.as_ref()) {
                            a href="/my" { "My cases" }
                            a href="/triage" { "Triage" }
                            @let unread = visitor.map_or(0, |v| v.unread);
                            a href="/notifications" {
                                "Notifications"
                                @if unread > 0 {
                                    " "
                                    span.badge title="unread notifications" {
                                        @if unread > crate::app::BADGE_LIMIT { "99+" } @else { (unread) }
                                    }
                                }
                            }
                            @if u.instance_admin { a href="/admin" { "Admin" } }
                            a href="/settings/tokens" { "API tokens" }
                            form.inline method="post" action="/logout" {
                                (csrf(visitor.expect("signed in")))
                                button.link type="submit" { "Sign out " (u.name) }
                            }
                        } @else {
                            a href="/login" { "Sign in" }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
            }
        }
    }
}

/// The hidden CSRF field.
pub fn csrf(visitor: &Visitor) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf()); }
}

/// Already-sanitized HTML (our Markdown renderer's output).
pub fn sanitized(html: String) -> PreEscaped<String> {
    PreEscaped(html)
}

/// A 303 to another page (after a successful POST).
pub fn see_other(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// "3 days", "5 hours", "12 minutes".
pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0);
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => (s / 60, "minute"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

pub fn stage(s: Stage) -> Markup {
    html! { span class=(format!("stage stage-{}", s.as_str())) { (s.as_str()) } }
}

/// A form's fields, with blank ones read as absent.
pub struct Fields(pub HashMap<String, String>);

impl Fields {
    pub fn opt(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn text(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }

    pub fn flag(&self, name: &str) -> bool {
        self.0
            .get(name)
            .is_some_and(|v| matches!(v.as_str(), "on" | "true" | "1" | "yes"))
    }
}

/// What went wrong, for a banner above a form: the message and the field it names.
pub struct Problem {
    pub status: StatusCode,
    pub message: String,
    pub fields: Vec<(String, String)>,
    /// Seconds after which the same request may pass (see [`Page::refused`]).
    pub retry_after: Option<u64>,
}

pub fn problem(e: &AppError) -> Problem {
    let (message, fields) = match e {
        AppError::Rejected(Rejection::NotFound) => ("not found".to_owned(), vec![]),
        AppError::Rejected(Rejection::Invalid(list)) => (
            list.iter()
                .map(|i| i.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            list.iter()
                .map(|i| (i.field.clone(), i.message.clone()))
                .collect(),
        ),
        AppError::Rejected(Rejection::Conflict { field, message }) => {
            (message.clone(), vec![(field.clone(), message.clone())])
        }
        AppError::Rejected(r @ Rejection::Blocked { blockers, .. }) => (
            r.to_string(),
            blockers
                .iter()
                .map(|b| (b.field().to_owned(), b.message().to_owned()))
                .collect(),
        ),
        AppError::BadRequest { message, field, .. } => (
            message.clone(),
            field.iter().map(|f| (f.clone(), message.clone())).collect(),
        ),
        AppError::Internal(detail) => {
            tracing::error!(error = %detail, "internal error");
            ("internal error; it was logged".to_owned(), vec![])
        }
        // Beside the file input, naming the files to choose again.
        AppError::UploadRefused { message, .. } => {
            (message.clone(), vec![("file".to_owned(), message.clone())])
        }
        AppError::Rejected(Rejection::Forbidden { .. } | Rejection::IllegalTransition { .. })
        | AppError::Overloaded { .. }
        | AppError::Unauthorized { .. }
        | AppError::RateLimited { .. }
        | AppError::TooLarge { .. }
        | AppError::Busy
        | AppError::Untrusted(_) => (e.to_string(), vec![]),
    };
    let retry_after = match e {
        AppError::Overloaded {
            retry_after_secs, ..
        } => Some(*retry_after_secs),
        AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
        AppError::Busy => Some(1),
        _ => None,
    };
    Problem {
        status: e.status(),
        message,
        fields,
        retry_after,
    }
}

impl Problem {
    pub fn banner(&self) -> Markup {
        html! { div.error role="alert" { p { (self.in_words()) } } }
    }

    /// The message for the top of the page, in words: a field's own message names the
    /// field by its label ("Password: must be at least 12 characters"), not as the API
    /// spells it ("`password` must be …").
    pub fn in_words(&self) -> String {
        if self.fields.is_empty() {
            return self.message.clone();
        }
        let mut said: Vec<String> = Vec::new();
        for (field, message) in &self.fields {
            // "`field`: what is wrong" keeps its colon; "`field` must …" reads as a sentence.
            let named_then_said = message.starts_with(&format!("`{field}`:"));
            let line = match rest_after(field, message) {
                Some(rest) if named_then_said => format!("{}: {rest}", label(field)),
                Some(rest) => format!("{} {rest}", label(field)),
                None => message.clone(),
            };
            if !said.contains(&line) {
                said.push(line);
            }
        }
        said.join("; ")
    }

    /// The message for one field, shown next to it. Beside its field, the message does
    /// not name the field again in the API's words: "`password` must be at least 12
    /// characters" reads "Must be at least 12 characters" under the password's label.
    pub fn on(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(f, m)| beside(f, m))
    }
}

/// A field's message after its leading "`field`:" or "`field`", if it starts so.
fn rest_after<'m>(field: &str, message: &'m str) -> Option<&'m str> {
    let rest = message.strip_prefix(&format!("`{field}`"))?;
    Some(rest.trim_start_matches(':').trim_start()).filter(|r| !r.is_empty())
}

/// A field's name as a person reads it: `duplicate_of` is "Duplicate of"; the names
/// that do not read as words have their form's label.
fn label(field: &str) -> String {
    let known = match field {
        "reauth" => Some("Your password, a current code or a passkey"),
        "passkey" | "credential" => Some("The passkey's answer"),
        "cve_id" => Some("The CVE ID"),
        "cvss_v3_1" => Some("The CVSS v3.1 vector"),
        "cvss_v4_0" => Some("The CVSS v4.0 vector"),
        "user_id" => Some("The person"),
        "due_at" => Some("The new due time"),
        "at" => Some("The release time"),
        "advisory.summary" => Some("The advisory's title"),
        _ => None,
    };
    if let Some(label) = known {
        return label.to_owned();
    }
    let words = field.replace(['_', '.'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// A field's message without its leading "`field`:" or "`field`", capitalized.
fn beside(field: &str, message: &str) -> String {
    let Some(rest) = rest_after(field, message) else {
        return message.to_owned();
    };
    let mut chars = rest.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => message.to_owned(),
    }
}

/// The field a sensitive form carries for re-authentication (`App::reauthenticate`),
/// with its error beside it, and a button that answers it with a passkey.
pub fn reauth_field(id: &str, problem: Option<&Problem>) -> Markup {
    html! {
        label for=(id) { "Your password, or a current code (asked when you signed in more than "
            (crate::app::App::REAUTH_MINUTES) " minutes ago)" }
        input id=(id) name="reauth" type="password" autocomplete="current-password" maxlength="1024";
        // The script puts a passkey's answer in the field instead.
        button.secondary type="button" data-passkey-for=(id) data-challenge="/passkey/challenge" hidden { "Confirm with a passkey" }
        span.passkey-done role="status" {}
        @if let Some(m) = problem.and_then(|p| p.on("reauth")) { span.field-error { (m) } }
    }
}

/// Failures that end a request with an error page.
#[derive(Debug)]
pub enum WebError {
    App(AppError),
    /// The page needs a signed-in account.
    SignIn {
        next: String,
    },
    /// A form without our origin or token.
    Csrf,
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = html! {
        h1 { (title) }
        p { (message) }
        p { a href="/" { "Home" } }
    };
    (status, Html(shell(None, title, body).into_string())).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::App(e) => {
                let p = problem(&e);
                match p.status {
                    // Identical for "missing" and "not yours to see".
                    StatusCode::NOT_FOUND => not_found_page(),
                    status => {
                        let title = status.canonical_reason().unwrap_or("Error");
                        let mut res = error_page(status, title, &p.in_words());
                        retry_after(&mut res, p.retry_after);
                        res
                    }
                }
            }
            WebError::SignIn { next } => {
                let next = if next.starts_with('/') && !next.starts_with("//") {
                    next
                } else {
                    "/".into()
                };
                see_other(&format!("/login?next={}", encode(&next)))
            }
            WebError::Csrf => {
                crate::app::security::note(crate::app::security::SecurityKind::CsrfRefused, "");
                error_page(
                    StatusCode::FORBIDDEN,
                    "Form expired",
                    "This form was not sent from this site, or it has expired. \
                 Go back, reload the page and send it again.",
                )
            }
        }
    }
}

fn not_found_page() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is nothing here, or you may not see it.",
    )
}

pub async fn not_found() -> Response {
    not_found_page()
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        let t = |s| Timestamp::from_second(s).unwrap();
        assert_eq!(age(t(100_000), t(100_000 - 59)), "0 minutes");
        assert_eq!(age(t(100_000), t(100_000 - 60)), "1 minute");
        assert_eq!(age(t(100_000), t(100_000 - 7_200)), "2 hours");
        assert_eq!(age(t(1_000_000), t(1_000_000 - 3 * 86_400)), "3 days");
    }

    #[test]
    fn sign_in_redirects_only_to_our_own_paths() {
        let location = |next: &str| {
            WebError::SignIn { next: next.into() }
                .into_response()
                .headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(location("/cases/X"), "/login?next=/cases/X");
        assert_eq!(location("//evil.example/"), "/login?next=/");
        assert_eq!(location("https://evil.example/"), "/login?next=/");
    }

    #[test]
    fn the_banner_names_fields_by_their_labels() {
        let p = |fields: &[(&str, &str)]| Problem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "joined".to_owned(),
            fields: fields
                .iter()
                .map(|(f, m)| ((*f).to_owned(), (*m).to_owned()))
                .collect(),
            retry_after: None,
        };
        assert_eq!(
            p(&[("password", "`password` must be at least 12 characters")]).in_words(),
            "Password must be at least 12 characters"
        );
        assert_eq!(
            p(&[("reauth", "`reauth`: type your password")]).in_words(),
            "Your password, a current code or a passkey: type your password"
        );
        assert_eq!(
            p(&[
                ("duplicate_of", "`duplicate_of`: no case `C-1` here"),
                ("reason", "choose a reason")
            ])
            .in_words(),
            "Duplicate of: no case `C-1` here; choose a reason"
        );
        // One message for two fields is said once; no fields: the message as it is.
        assert_eq!(p(&[("a", "both"), ("b", "both")]).in_words(), "both");
        assert_eq!(p(&[]).in_words(), "joined");
    }

    #[test]
    fn a_message_beside_its_field_does_not_name_it_again() {
        assert_eq!(
            beside("password", "`password` must be at least 12 characters"),
            "Must be at least 12 characters"
        );
        assert_eq!(
            beside(
                "component",
                "`component`: `rust` is not a component; expected one of go"
            ),
            "`rust` is not a component; expected one of go"
        );
        // Another field's name, or none, stays as it was.
        assert_eq!(
            beside(
                "reason",
                "`duplicate_of` is only for the reason `duplicate`"
            ),
            "`duplicate_of` is only for the reason `duplicate`"
        );
        assert_eq!(
            beside("title", "a title is required"),
            "a title is required"
        );
        assert_eq!(beside("title", "`title`"), "`title`");
    }
}
