//! Who is asking: the client address (for rate limits), and the caller of an API
//! request (a bearer token: personal API token or reporter tracking token; no token
//! means anonymous). The web pages' sessions are in `web::session`.

use crate::api::ApiError;
use crate::app::{App, AppError};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use embargo_core::actor::Actor;
use embargo_store::UserRecord;
use std::net::SocketAddr;

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
            return Ok(ClientIp(last.to_owned()));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(peer))
    }
}

/// The caller of an API request.
pub struct Caller {
    pub actor: Actor,
    /// The account, for callers with an API token.
    pub user: Option<UserRecord>,
    pub ip: String,
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, app)
            .await
            .unwrap_or_else(|e| match e {});
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller {
                actor: Actor::Anonymous,
                user: None,
                ip,
            });
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            app.limiters().token_attempt(&ip)?;
            app.limiters().bad_token(&ip);
            return Err(ApiError(AppError::Unauthorized {
                code: "invalid_token",
                message: "the Authorization header must be `Bearer <token>`".into(),
            }));
        };
        let actor = app.bearer(&ip, token).await?;
        let user = match &actor {
            Actor::User(u) => app.store().user(u.id).await.map_err(AppError::from)?,
            Actor::Anonymous | Actor::Reporter(_) | Actor::Operator => None,
        };
        Ok(Caller { actor, user, ip })
    }
}

impl Caller {
    /// The signed-in account, or 401 for anonymous callers and reporters.
    pub fn account(&self) -> Result<&UserRecord, ApiError> {
        self.user.as_ref().ok_or_else(|| {
            ApiError(AppError::Unauthorized {
                code: "authentication_required",
                message: "this needs a personal API token (Authorization: Bearer emb_pat_…)".into(),
            })
        })
    }
}
