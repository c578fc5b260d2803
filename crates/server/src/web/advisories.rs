//! The public face of disclosed cases (policy step C18): a page per advisory, a
//! project's list and its Atom feed. Only `Store::public_case(s)` feeds these, so an
//! undisclosed case answers 404 here whoever asks, signed in or not.

use super::page::{Page, WebError, sanitized, when};
use super::session::Visitor;
use super::view;
use crate::app::PageRequest;
use crate::app::{App, AppError, Format};
use crate::markdown;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use embargo_core::case::Case;
use embargo_core::ids::CaseId;
use maud::{Markup, PreEscaped, html};
use std::collections::HashMap;

async fn disclosed(app: &App, id: &str) -> Result<Case, WebError> {
    let id = CaseId::parse(id).ok_or_else(AppError::not_found)?;
    Ok(app
        .public_case(&id)
        .await?
        .ok_or_else(AppError::not_found)?)
}

/// The team's summary; never the report's title, which is not published.
pub fn title(case: &Case) -> String {
    case.public_title()
}

/// `cve_record`: whether the CVE JSON 5 record can be made (a CVE ID and the project's
/// CNA settings); otherwise only the ID is linked, to cve.org.
fn body(case: &Case, cve_record: bool) -> Markup {
    let a = &case.advisory.details;
    html! {
        article.advisory {
            p.crumbs { a href=(format!("/p/{}/advisories", case.project)) { "Advisories" } " · " code { (case.id) } }
            h1 { (title(case)) }
            @if let Some(w) = &case.advisory.withdrawn {
                section.withdrawn role="note" {
                    p { strong { "Withdrawn on " (when(w.at)) "." } " This advisory stays published for the record, but no longer stands:" }
                    (sanitized(markdown::render(&w.reason)))
                }
            }
            dl.facts {
                @if let Some(id) = case.advisory.cve.as_ref().and_then(|c| c.id()) { dt { "CVE" } dd { code { (id) } } }
                @if let Some(s) = case.scoring.score.as_ref().and_then(|s| s.highest()) {
                    dt { "Severity" } dd { (s.severity.as_str()) " (" (s.score) ")" }
                }
                @if let Some(at) = case.disclosure.disclosed_at { dt { "Published" } dd { (when(at)) } }
                @if !a.cwes.is_empty() { dt { "Weakness" } dd { (a.cwes.join(", ")) } }
            }
            @match (&a.details, &case.advisory.imported_osv) {
                (Some(d), _) => { section { (sanitized(markdown::render(d))) } }
                // An imported advisory's description was public before it came here;
                // a reported case's description stays internal.
                (None, Some(_)) => { section { (sanitized(markdown::render(&case.report.description))) } }
                (None, None) => {}
            }
            @if let Some(score) = &case.scoring.score { h2 { "Impact" } (view::final_score(score)) }
            @if !a.affected.is_empty() {
                h2 { "Affected versions" }
                table {
                    thead { tr { th { "Component" } th { "Introduced" } th { "Fixed" } } }
                    tbody {
                        @for r in &a.affected {
                            tr {
                                td { (r.component) }
                                td { (r.introduced) }
                                td {
                                    @match (&r.fixed, &r.last_affected) {
                                        (Some(f), _) => { (f) },
                                        (None, Some(l)) => { "not fixed; last affected " (l) },
                                        (None, None) => "not fixed",
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(m) = case.mitigation() { h2 { "Mitigation" } (sanitized(markdown::render(m))) }
            @let credits = case.published_credits();
            @if !credits.is_empty() {
                h2 { "Credits" }
                ul { @for c in &credits { li { (c.name) " (" (c.kind.as_str()) ")" } } }
            }
            @if case.release.post_mortem.is_some() {
                h2 { "Post-mortem" }
                p { a href=(format!("/advisories/{}/post-mortem", case.id)) { "The blameless post-mortem of this vulnerability" } }
            }
            @if !a.references.is_empty() {
                h2 { "References" }
                ul { @for r in &a.references { li { a href=(r.url) rel="noopener noreferrer" { (r.url) } " (" (r.kind.as_str()) ")" } } }
            }
            h2 { "Documents" }
            ul.documents {
                @if let Some(id) = case.advisory.cve.as_ref().and_then(|c| c.id()) {
                    li {
                        @if cve_record { a href=(format!("/advisories/{}.cve.json", case.id)) { "CVE JSON 5 record" } " · " }
                        a href=(format!("https://www.cve.org/CVERecord?id={id}")) rel="noopener noreferrer" { (id) " at cve.org" }
                    }
                }
                li { a href=(format!("/advisories/{}.osv.json", case.id)) { "OSV entry" } }
                li { a href=(format!("/advisories/{}.csaf.json", case.id)) { "CSAF 2.0 document" } }
                @if case.release.notes.is_some() {
                    li { a href=(format!("/advisories/{}/release-notes.md", case.id)) { "Release notes" } " (Markdown)" }
                }
                @if case.release.post_mortem.is_some() {
                    li { a href=(format!("/advisories/{}/post-mortem.md", case.id)) { "Post-mortem" } " (Markdown)" }
                }
            }
            @if let Some(at) = case.disclosure.disclosed_at {
                h2 { "History" }
                ol.revisions {
                    li { (when(at)) ": initial release" }
                    @for r in &case.advisory.revisions { li { (when(r.at)) ": " (r.summary) } }
                }
            }
        }
    }
}

/// `/advisories/{id}` (the page) and `/advisories/{id}.{cve,osv,csaf}.json`.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let document = Format::ALL.into_iter().find_map(|f| {
        file.strip_suffix(&format!(".{}.json", f.as_str()))
            .map(|id| (id, f))
    });
    let Some((id, format)) = document else {
        let case = disclosed(&app, &file).await?;
        let project = app.project(case.project.as_str()).await?;
        let cve_record = app.document(&case, &project, Format::Cve).is_ok();
        return Ok(Page::new(&visitor, &title(&case), body(&case, cve_record)).into_response());
    };
    let case = disclosed(&app, id).await?;
    let project = app.project(case.project.as_str()).await?;
    Ok(json_document(app.document(&case, &project, format)))
}

/// `/advisories/{id}/post-mortem` (the page) and `/advisories/{id}/post-mortem.md` (C19):
/// only for a disclosed case whose post-mortem is published; and
/// `/advisories/{id}/release-notes.md` (C17), once the notes are final.
pub async fn post_mortem(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let markdown_wanted = match file.as_str() {
        "post-mortem" => false,
        "post-mortem.md" | "release-notes.md" => true,
        _ => return Err(AppError::not_found().into()),
    };
    let case = disclosed(&app, &id).await?;
    let project = app.project(case.project.as_str()).await?;
    if file == "release-notes.md" {
        let md = app
            .public_release_notes(&case, &project)
            .ok_or_else(AppError::not_found)?;
        return Ok(markdown_response(md));
    }
    let Some(md) = app.post_mortem_markdown(&case, &project) else {
        return Err(AppError::not_found().into());
    };
    if markdown_wanted {
        return Ok(markdown_response(md));
    }
    let p = embargo_formats::post_mortem::page(&app.post_mortem_of(&case, &project));
    let body = html! {
        article.post-mortem {
            p.crumbs { a href=(format!("/advisories/{}", case.id)) { "Advisory" } " · " a href=(format!("/advisories/{}/post-mortem.md", case.id)) { "Markdown" } }
            h1 { (PreEscaped(p.title.as_str())) }
            p { (PreEscaped(p.intro.as_str())) }
            @if let Some(s) = &p.summary { section { (sanitized(markdown::render(&s.0))) } }
            h2 { "Timeline" }
            table {
                tbody {
                    @for (when, what) in &p.timeline {
                        tr { td { (PreEscaped(when.as_str())) } td { (PreEscaped(what.as_str())) } }
                    }
                }
            }
            @for (heading, body) in &p.sections {
                h2 { (PreEscaped(heading.as_str())) }
                (sanitized(markdown::render(&body.0)))
            }
        }
    };
    Ok(Page::new(&visitor, &format!("Post-mortem of {}", case.id), body).into_response())
}

fn markdown_response(md: String) -> Response {
    let mut res = md.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    res
}

/// A document, or why the case cannot have it (e.g. no CNA settings for a CVE record).
pub fn json_document(doc: Result<serde_json::Value, embargo_formats::Error>) -> Response {
    match doc {
        Ok(v) => {
            let mut res = serde_json::to_string_pretty(&v)
                .unwrap_or_default()
                .into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            res
        }
        Err(e) => (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({
                "error": { "code": "not_available", "message": e.to_string() }
            })),
        )
            .into_response(),
    }
}

/// The components an advisory affects: its ranges', else the report's.
fn components(case: &Case) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in &case.advisory.details.affected {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&r.component)) {
            names.push(r.component.clone());
        }
    }
    if names.is_empty() {
        names.extend(case.report.component.clone());
    }
    names
}

pub async fn list(
    State(app): State<App>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Page, WebError> {
    let page = view::page_request(&q)?;
    let (project, cases) = app.advisories(&slug, &page).await?;
    let here = format!("/p/{}/advisories", project.slug);
    let body = html! {
        h1 { (project.name) ": security advisories" }
        p { a href=(format!("/p/{}/advisories.atom", project.slug)) { "Atom feed" } }
        @if cases.items.is_empty() { p.empty { "No advisories yet." } }
        ul.advisories {
            @for c in &cases.items {
                li {
                    a href=(format!("/advisories/{}", c.id)) { (title(c)) }
                    @if c.advisory.withdrawn.is_some() { " " span.badge { "withdrawn" } }
                    @if let Some(s) = c.scoring.score.as_ref().and_then(|s| s.highest()) {
                        " " span.badge.severity { (s.severity.as_str()) " " (s.score) }
                    }
                    @let components = components(c);
                    @if !components.is_empty() { " · " span.components { (components.join(", ")) } }
                    @if let Some(id) = c.advisory.cve.as_ref().and_then(|v| v.id()) { " " code { (id) } }
                    @if let Some(at) = c.disclosure.disclosed_at { " · " (when(at)) }
                }
            }
        }
        (view::pager(&here, &page, cases.next.as_ref()))
    };
    Ok(Page::new(
        &visitor,
        &format!("{} advisories", project.name),
        body,
    ))
}

/// An Atom feed (RFC 4287) of the project's most recent advisories (one page; readers
/// keep what they have seen).
pub async fn feed(State(app): State<App>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let (project, cases) = app.advisories(&slug, &PageRequest::first()).await?;
    let cases = cases.items;
    let slug = &project.slug;
    let self_url = app.url(&format!("/p/{slug}/advisories.atom"));
    let updated = cases
        .iter()
        .map(|c| c.updated_at)
        .max()
        .unwrap_or(project.created_at);
    // maud escapes text and attributes as XML needs; every element is written with
    // a body so that none comes out as an HTML void element.
    let xml = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
        feed xmlns="http://www.w3.org/2005/Atom" {
            id { (self_url) }
            title { (project.name) " security advisories" }
            updated { (updated) }
            link rel="self" href=(self_url) {}
            link rel="alternate" href=(app.url(&format!("/p/{slug}/advisories"))) {}
            author { name { (project.name) " security team" } }
            @for c in &cases {
                @let url = app.url(&format!("/advisories/{}", c.id));
                entry {
                    id { (url) }
                    title {
                        @if c.advisory.withdrawn.is_some() { "Withdrawn: " }
                        @if let Some(id) = c.advisory.cve.as_ref().and_then(|v| v.id()) { (id) ": " }
                        (title(c))
                    }
                    updated { (c.updated_at) }
                    @if let Some(at) = c.disclosure.disclosed_at { published { (at) } }
                    link rel="alternate" type="text/html" href=(url) {}
                    @if let Some(d) = &c.advisory.details.details {
                        summary type="html" { (markdown::render(d)) }
                    }
                }
            }
        }
    };
    let mut res = xml.into_string().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(res)
}
