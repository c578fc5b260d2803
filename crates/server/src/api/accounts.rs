//! The caller's account, API tokens, and creating accounts.

use super::caller::Caller;
use super::error::{ApiError, ApiJson, ErrorBody};
use super::wire::*;
use crate::app::App;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use embargo_core::account::TokenId;

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, body = MeOut), (status = 401, body = ErrorBody)))]
pub async fn me(State(app): State<App>, caller: Caller) -> ApiResult<Json<MeOut>> {
    let u = caller.account()?;
    let projects = app.projects_of(u).await?;
    Ok(Json(MeOut {
        id: u.id.0,
        email: u.email.clone(),
        name: u.name.clone(),
        instance_admin: u.instance_admin,
        projects: projects
            .iter()
            .filter_map(|p| {
                p.role_of(u.id).map(|r| MembershipOut {
                    project: p.slug.to_string(),
                    role: r.as_str(),
                })
            })
            .collect(),
    }))
}

/// Create an account (instance admins). The response carries a one-time link for the
/// new user to set their password.
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = NewUserIn,
    responses((status = 201, body = NewUserOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The address has an account", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(app): State<App>,
    caller: Caller,
    ApiJson(u): ApiJson<NewUserIn>,
) -> ApiResult<(StatusCode, Json<NewUserOut>)> {
    caller.account()?;
    let user = app
        .create_user(&caller.actor, &u.email, &u.name, u.instance_admin)
        .await?;
    let password_link = app.issue_password_link(&caller.actor, &user).await?.url;
    Ok((
        StatusCode::CREATED,
        Json(NewUserOut {
            id: user.id.0,
            email: user.email,
            name: user.name,
            instance_admin: user.instance_admin,
            password_link,
        }),
    ))
}

#[utoipa::path(get, path = "/me/tokens", tag = "accounts",
    responses((status = 200, body = [TokenOut]), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<TokenOut>>> {
    let tokens = app.api_tokens(caller.account()?).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenOut {
                id: t.id.0,
                name: t.name,
                created_at: t.created_at,
                last_used_at: t.last_used_at,
            })
            .collect(),
    ))
}

/// A new personal API token; the token is shown once.
#[utoipa::path(post, path = "/me/tokens", tag = "accounts", request_body = TokenIn,
    responses((status = 201, body = NewTokenOut), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(app): State<App>,
    caller: Caller,
    ApiJson(t): ApiJson<TokenIn>,
) -> ApiResult<(StatusCode, Json<NewTokenOut>)> {
    let owner = caller.account()?;
    let (id, token) = app.create_api_token(&caller.actor, owner, &t.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenOut {
            id: id.0,
            name: t.name.trim().to_owned(),
            token,
        }),
    ))
}

#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let owner = caller.account()?;
    app.revoke_api_token(&caller.actor, owner, TokenId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the caller has a second factor (an authenticator app), one being set up,
/// how many recovery codes are left, and their passkeys.
#[utoipa::path(get, path = "/me/second-factor", tag = "accounts",
    responses((status = 200, body = SecondFactorOut), (status = 401, body = ErrorBody)))]
pub async fn second_factor(
    State(app): State<App>,
    caller: Caller,
) -> ApiResult<Json<SecondFactorOut>> {
    let user = caller.account()?;
    let status = app.second_factor_status(user).await?;
    let passkeys = app
        .passkeys(user)
        .await?
        .into_iter()
        .map(|k| PasskeyOut {
            id: k.id,
            name: k.name,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        })
        .collect();
    Ok(Json(SecondFactorOut {
        enabled: status.enabled,
        pending: status.pending.is_some(),
        recovery_codes_left: status.recovery_codes_left,
        passkeys,
    }))
}

/// Step one of setting up an authenticator app: a new secret (replacing one not yet
/// confirmed), to type or scan into the app. 409 if one is set up already.
#[utoipa::path(post, path = "/me/second-factor", tag = "accounts",
    responses((status = 201, body = EnrolmentOut), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn begin_second_factor(
    State(app): State<App>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<EnrolmentOut>)> {
    let e = app
        .begin_second_factor(&caller.actor, caller.account()?)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrolmentOut {
            secret: e.secret,
            otpauth_uri: e.uri,
        }),
    ))
}

/// Step two: a code from the app confirms it. The recovery codes are shown once.
#[utoipa::path(post, path = "/me/second-factor/confirm", tag = "accounts", request_body = CodeIn,
    responses((status = 200, body = RecoveryCodesOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_second_factor(
    State(app): State<App>,
    caller: Caller,
    ApiJson(c): ApiJson<CodeIn>,
) -> ApiResult<Json<RecoveryCodesOut>> {
    let codes = app
        .confirm_second_factor(&caller.actor, caller.account()?, &c.code)
        .await?;
    Ok(Json(RecoveryCodesOut {
        recovery_codes: codes,
    }))
}

/// Remove the caller's second factor, with a current code or a recovery code.
#[utoipa::path(post, path = "/me/second-factor/remove", tag = "accounts", request_body = CodeIn,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_second_factor(
    State(app): State<App>,
    caller: Caller,
    ApiJson(c): ApiJson<CodeIn>,
) -> ApiResult<StatusCode> {
    app.remove_second_factor(&caller.actor, caller.account()?, &c.code)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
