//! The caller of an API request: a bearer token (personal API token or reporter
//! tracking token); no token means anonymous.

use super::error::ApiError;
use crate::app::{App, AppError, User};
use crate::auth::ClientIp;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use embargo_core::actor::Actor;

/// The caller of an API request.
pub struct Caller {
    pub actor: Actor,
    /// The account, for callers with an API token.
    pub user: Option<User>,
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
        let (actor, user) = app.bearer(&ip, token).await?;
        if let Actor::User(u) = &actor {
            crate::app::security::set_caller(u.id);
        }
        Ok(Caller { actor, user, ip })
    }
}

impl Caller {
    /// The signed-in account, or 401 for anonymous callers and reporters.
    pub fn account(&self) -> Result<&User, ApiError> {
        self.user.as_ref().ok_or_else(|| {
            ApiError(AppError::Unauthorized {
                code: "authentication_required",
                message: "this needs a personal API token (Authorization: Bearer emb_pat_…)".into(),
            })
        })
    }
}
