//! A project's CSAF 2.0 provider layout (CSAF 2.0 section 7): `provider-metadata.json`
//! and a directory-based distribution for TLP:WHITE with `index.txt`, `changes.csv`,
//! and each advisory at `{year}/{file name}.json` with its `.sha256`, so aggregators
//! can pull the project's advisories. Only disclosed cases appear.
//!
//! With a signing key (`csaf.signing_key_file`) each document also has a detached
//! OpenPGP signature (`.asc`), the public key is served and named in the metadata, and
//! the role is `csaf_trusted_provider`; without one, `csaf_provider`.
//!
//! Aggregators find the metadata through `/.well-known/security.txt` (requirement 8,
//! every project) and `/.well-known/csaf/provider-metadata.json` (requirement 9, the
//! project `csaf.well_known_project` names).

use super::advisories::json_document;
use super::page::{Page, WebError};
use super::session::Visitor;
use crate::app::{App, AppError, Format};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use embargo_core::case::Case;
use embargo_core::project::Project;
use maud::html;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// CSAF 5.1: the file name is the tracking id in lower case, with every character
/// other than `+`, `-`, a–z and 0–9 replaced by `_`.
pub fn file_name(tracking_id: &str) -> String {
    let name: String = tracking_id
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}.json")
}

struct Entry {
    path: String,
    current_release_date: String,
    document: Value,
}

fn entries(app: &App, project: &Project, cases: &[Case]) -> Vec<Entry> {
    cases
        .iter()
        .filter_map(|c| {
            // A case whose document cannot be made is left out of the distribution,
            // never published half-made; `/advisories/{id}.csaf.json` says why.
            let document = app.document(c, project, Format::Csaf).ok()?;
            let tracking = &document["document"]["tracking"];
            let id = tracking["id"].as_str()?.to_owned();
            let date = tracking["current_release_date"].as_str()?.to_owned();
            let year = date.get(..4)?.to_owned();
            Some(Entry {
                path: format!("{year}/{}", file_name(&id)),
                current_release_date: date,
                document,
            })
        })
        .collect()
}

fn text(body: String, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

pub async fn provider_metadata(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let (project, cases) = app.disclosed_cases(&slug).await?;
    Ok(json_document(Ok(metadata(&app, &project, &cases))))
}

/// `/.well-known/csaf/provider-metadata.json` (CSAF 2.0 requirement 9): the metadata
/// of the project named by `csaf.well_known_project`; 404 when none is.
pub async fn well_known_metadata(State(app): State<App>) -> Result<Response, WebError> {
    let slug = app
        .settings()
        .csaf
        .well_known_project
        .clone()
        .ok_or_else(AppError::not_found)?;
    provider_metadata(State(app), Path(slug)).await
}

/// Where a project's provider metadata lives: the well-known URL for the project
/// the settings put there, so both addresses name one canonical URL.
pub fn canonical_metadata_url(app: &App, project: &Project) -> String {
    if app.settings().csaf.well_known_project.as_deref() == Some(project.slug.as_str()) {
        app.url("/.well-known/csaf/provider-metadata.json")
    } else {
        app.url(&format!("/p/{}/csaf/provider-metadata.json", project.slug))
    }
}

fn metadata(app: &App, project: &Project, cases: &[Case]) -> Value {
    let base = app.url(&format!("/p/{}/csaf", project.slug));
    let last_updated = cases
        .iter()
        .map(|c| c.updated_at)
        .max()
        .unwrap_or(project.created_at);
    let (keys, role) = match app.csaf_signer() {
        Some(s) => (
            json!([{
                "fingerprint": s.fingerprint(),
                "url": format!("{base}/openpgp/{}.asc", s.fingerprint()),
            }]),
            "csaf_trusted_provider",
        ),
        None => (json!([]), "csaf_provider"),
    };
    json!({
        "canonical_url": canonical_metadata_url(app, project),
        "distributions": [{ "directory_url": format!("{base}/white/") }],
        "last_updated": last_updated.to_string(),
        "list_on_CSAF_aggregators": true,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": true,
        "public_openpgp_keys": keys,
        "publisher": {
            "category": "vendor",
            "name": project.name,
            "namespace": app.settings().public_url(),
        },
        "role": role,
    })
}

/// CSAF 2.0 requirement 14: a listing of the distribution directory (the year
/// folders, `index.txt`, `changes.csv`), so people and tools can browse it.
pub async fn directory(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Page, WebError> {
    let (project, cases) = app.disclosed_cases(&slug).await?;
    let mut years: Vec<String> = entries(&app, &project, &cases)
        .into_iter()
        .filter_map(|e| Some(e.path.split_once('/')?.0.to_owned()))
        .collect();
    years.sort();
    years.dedup();
    let mut names = vec!["changes.csv".to_owned(), "index.txt".to_owned()];
    names.extend(years.into_iter().map(|y| format!("{y}/")));
    Ok(listing(&visitor, &project, "white/", &names))
}

/// The files of one year folder: each document with its hash and signature.
pub async fn year_directory(
    State(app): State<App>,
    visitor: Visitor,
    Path((slug, year)): Path<(String, String)>,
) -> Result<Page, WebError> {
    let (project, cases) = app.disclosed_cases(&slug).await?;
    let prefix = format!("{year}/");
    let mut names: Vec<String> = Vec::new();
    for e in entries(&app, &project, &cases) {
        let Some(name) = e.path.strip_prefix(&prefix) else {
            continue;
        };
        names.push(name.to_owned());
        names.push(format!("{name}.sha256"));
        if app.csaf_signer().is_some() {
            names.push(format!("{name}.asc"));
        }
    }
    if names.is_empty() {
        return Err(AppError::not_found().into());
    }
    names.sort();
    Ok(listing(
        &visitor,
        &project,
        &format!("white/{prefix}"),
        &names,
    ))
}

fn listing(visitor: &Visitor, project: &Project, dir: &str, names: &[String]) -> Page {
    let title = format!("Index of /p/{}/csaf/{dir}", project.slug);
    let body = html! {
        h1 { (title) }
        ul.listing {
            @if dir != "white/" { li { a href="../" { "../" } } }
            @for n in names { li { a href=(n) { (n) } } }
        }
    };
    Page::new(visitor, &title, body)
}

pub async fn index(State(app): State<App>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let (project, cases) = app.disclosed_cases(&slug).await?;
    let mut lines: Vec<String> = entries(&app, &project, &cases)
        .into_iter()
        .map(|e| e.path)
        .collect();
    lines.sort();
    Ok(text(
        lines.iter().map(|l| format!("{l}\n")).collect(),
        "text/plain; charset=utf-8",
    ))
}

/// CSAF 7.1.13: `"path","current_release_date"`, newest first.
pub async fn changes(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let (project, cases) = app.disclosed_cases(&slug).await?;
    let mut list = entries(&app, &project, &cases);
    list.sort_by(|a, b| {
        b.current_release_date
            .cmp(&a.current_release_date)
            .then_with(|| a.path.cmp(&b.path))
    });
    Ok(text(
        list.iter()
            .map(|e| format!("\"{}\",\"{}\"\n", e.path, e.current_release_date))
            .collect(),
        "text/csv; charset=utf-8",
    ))
}

pub async fn document(
    State(app): State<App>,
    Path((slug, year, file)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let (project, cases) = app.disclosed_cases(&slug).await?;
    enum Want {
        Document,
        Hash,
        Signature,
    }
    let (name, want) = if let Some(name) = file.strip_suffix(".sha256") {
        (name.to_owned(), Want::Hash)
    } else if let Some(name) = file.strip_suffix(".asc") {
        (name.to_owned(), Want::Signature)
    } else {
        (file.clone(), Want::Document)
    };
    let wanted = format!("{year}/{name}");
    let entry = entries(&app, &project, &cases)
        .into_iter()
        .find(|e| e.path == wanted)
        .ok_or_else(AppError::not_found)?;
    let body = serde_json::to_string_pretty(&entry.document).unwrap_or_default();
    match want {
        // sha256sum's format: the digest, two spaces, the file name.
        Want::Hash => {
            let digest = hex::encode(Sha256::digest(body.as_bytes()));
            Ok(text(
                format!("{digest}  {name}\n"),
                "text/plain; charset=utf-8",
            ))
        }
        Want::Signature => {
            let signer = app.csaf_signer().ok_or_else(AppError::not_found)?;
            let signature = signer.sign(body.as_bytes()).map_err(AppError::Internal)?;
            Ok(text(signature, "application/pgp-signature"))
        }
        Want::Document => Ok(text(body, "application/json")),
    }
}

/// The public key documents are signed with.
pub async fn public_key(
    State(app): State<App>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    app.project(&slug).await?;
    let signer = app.csaf_signer().ok_or_else(AppError::not_found)?;
    if file != format!("{}.asc", signer.fingerprint()) {
        return Err(AppError::not_found().into());
    }
    Ok(text(signer.public_key().to_owned(), "application/pgp-keys"))
}
