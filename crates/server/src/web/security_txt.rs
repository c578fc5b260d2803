//! `/.well-known/security.txt` (RFC 9116): where to report a vulnerability in each
//! project hosted here, and where each project's CSAF provider metadata is (CSAF 2.0
//! requirement 8), so researchers and aggregators both find their way in.
//!
//! It is made on each request from the projects, so it never goes stale: `Expires`
//! is always 30 days ahead.

use super::csaf::canonical_metadata_url;
use super::page::WebError;
use crate::app::{App, AppError};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

/// RFC 9116 recommends less than a year; a month leaves room for caches.
const VALID_DAYS: i64 = 30;
const DAY: i64 = 86_400;

pub async fn serve(State(app): State<App>) -> Result<Response, WebError> {
    let projects = app.projects().await?;
    // `Contact` is required; with no project there is nobody to report to.
    if projects.is_empty() {
        return Err(AppError::not_found().into());
    }
    // Midnight UTC, so the file is the same all day long (and cacheable).
    let today = app.now().as_second().div_euclid(DAY) * DAY;
    let expires = jiff::Timestamp::from_second(today + VALID_DAYS * DAY)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = format!(
        "# Report vulnerabilities privately, without an account, on the project's\n\
         # report page. Served by Embargo at {}.\n",
        app.settings().public_url()
    );
    for p in &projects {
        // Names are one line already; control characters would end the comment.
        let name: String = p.name.chars().filter(|c| !c.is_control()).collect();
        out.push_str(&format!(
            "\n# {name}\nContact: {}\n",
            app.url(&format!("/p/{}/report", p.slug))
        ));
        if let Some(address) = &p.security_address {
            out.push_str(&format!("Contact: mailto:{address}\n"));
        }
        if p.pgp_key.is_some() {
            out.push_str(&format!("Encryption: {}\n", pgp_key_url(&app, p)));
        }
    }
    out.push_str(&format!(
        "\nExpires: {expires}\nPreferred-Languages: en\nCanonical: {}\n",
        app.url("/.well-known/security.txt")
    ));
    for p in &projects {
        out.push_str(&format!("CSAF: {}\n", canonical_metadata_url(&app, p)));
    }
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(res)
}

/// Where a project's OpenPGP public key is published.
pub fn pgp_key_url(app: &App, p: &embargo_core::project::Project) -> String {
    app.url(&format!("/p/{}/pgp-key.asc", p.slug))
}

/// `/p/{slug}/pgp-key.asc`: the project's OpenPGP public key (C1), for reporters to
/// encrypt to; 404 while it has none.
pub async fn pgp_key(
    State(app): State<App>,
    axum::extract::Path(slug): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    let project = app.project(&slug).await?;
    let key = project.pgp_key.ok_or_else(AppError::not_found)?;
    let mut res = key.public_key.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pgp-keys"),
    );
    Ok(res)
}

/// RFC 9116 section 3: the top-level path may redirect to the well-known one.
pub async fn legacy() -> Redirect {
    Redirect::permanent("/.well-known/security.txt")
}
