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
        let Some(token) = bearer_of(parts) else {
            return Ok(Caller {
                actor: Actor::Anonymous,
                user: None,
                ip,
            });
        };
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

/// The `Authorization` header's bearer token: `None` without the header,
/// `Some(None)` for a header that is not `Bearer <token>`.
fn bearer_of(parts: &Parts) -> Option<Option<&str>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    )
}

/// For a route that reads what it serves with the API token, in one statement
/// (`App::case_for_api_token`): a personal API token as sent, not looked up yet; any
/// other caller (none, a tracking or guest token, a malformed header) as `Caller`
/// finds it.
pub enum TokenOrCaller {
    ApiToken { token: String, ip: String },
    Caller(Caller),
}

impl FromRequestParts<App> for TokenOrCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(Some(token)) = bearer_of(parts)
            && token.starts_with(crate::secrets::API_TOKEN_PREFIX)
        {
            let token = token.to_owned();
            let ClientIp(ip) = ClientIp::from_request_parts(parts, app)
                .await
                .unwrap_or_else(|e| match e {});
            return Ok(TokenOrCaller::ApiToken { token, ip });
        }
        Caller::from_request_parts(parts, app)
            .await
            .map(TokenOrCaller::Caller)
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
