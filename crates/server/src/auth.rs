//! Where a request comes from: the client address, as the rate limiters see it.
//! Who is asking is each shell's own affair: `api::caller` (bearer tokens) and
//! `web::session` (cookies).

use crate::app::App;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::SocketAddr;

/// The longest client address kept.
const MAX_ADDRESS: usize = 64;

/// The client's address as the rate limiters see it.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl FromRequestParts<App> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let header_name = &app.settings().auth.client_ip_header;
        if !header_name.is_empty()
            && let Some(v) = parts
                .headers
                .get(header_name.as_str())
                .and_then(|v| v.to_str().ok())
            && let Some(last) = v
                .rsplit(',')
                .next()
                .map(str::trim)
                .filter(|s| !s.is_empty())
        {
            // An address is at most 45 characters (IPv6 with IPv4 inside); a longer
            // header value is cut, so it can't grow what is keyed or logged on it.
            return Ok(ClientIp(last.chars().take(MAX_ADDRESS).collect()));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(peer))
    }
}
