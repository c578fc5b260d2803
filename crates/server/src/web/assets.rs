//! The stylesheet and the script, compiled into the binary and served from our own
//! origin (the CSP allows nothing else).

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("assets/embargo.css");
const JS: &str = include_str!("assets/embargo.js");

pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "embargo.css" => (CSS, "text/css; charset=utf-8"),
        "embargo.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return super::page::not_found().await.into_response(),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Not secret; a day keeps pages fast without pinning a stale file for long.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}
