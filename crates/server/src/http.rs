//! The HTTP server: the API and the pages on one router, with the headers every
//! response carries and a request log that names routes, never raw paths (paths can
//! hold capability tokens).

use crate::app::App;
use crate::app::security::{self, Note, SecurityKind};
use crate::auth::ClientIp;
use crate::{api, web};
use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::TcpListener;

/// No inline script, no inline style, nothing from elsewhere; forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

pub fn router(app: App) -> Router {
    let https = app.settings().https();
    Router::new()
        .nest("/api/v1", api::router(app.settings()))
        .merge(web::router(app.settings()))
        .layer(middleware::from_fn(move |req, next| {
            security_headers(https, req, next)
        }))
        .layer(middleware::from_fn_with_state(app.clone(), security_log))
        .layer(middleware::from_fn(log_request))
        .with_state(app)
}

async fn security_headers(https: bool, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    // Downloads bring their own, stricter policy (a sandbox).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    }
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    if https {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    // Embargoed pages must not linger in caches; static assets set their own.
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}

/// Writes what the request noted as security events (`app::security`), with the
/// route and the client address. A refusal nobody noted more precisely is still one:
/// a 401 (a bad token), a 403 (a denial) or a 429 (rate limiting).
async fn security_log(State(app): State<App>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "<unmatched>".into());
    let (mut parts, body) = req.into_parts();
    let ClientIp(client) = ClientIp::from_request_parts(&mut parts, &app)
        .await
        .unwrap_or_else(|e| match e {});
    let req = Request::from_parts(parts, body);
    let (res, notes) = security::scoped(next.run(req)).await;
    let mut list = notes.take();
    if list.is_empty() {
        let kind = match res.status().as_u16() {
            401 => Some(SecurityKind::BadToken),
            403 => Some(SecurityKind::Denied),
            429 => Some(SecurityKind::RateLimited),
            _ => None,
        };
        if let Some(kind) = kind {
            list.push(Note {
                kind,
                account: notes.caller(),
                detail: String::new(),
            });
        }
    }
    for note in list {
        app.record_security_event(&route, &client, note).await;
    }
    res
}

async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "<unmatched>".into());
    let started = Instant::now();
    let res = next.run(req).await;
    tracing::info!(
        http.method = %method,
        http.route = %route,
        http.status = res.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    res
}

/// Serves until the future `shutdown` completes.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
