//! Signing in and out, the one-time links (first admin, set a password), and the
//! personal API tokens page.

use super::page::{Fields, Page, Problem, WebError, csrf, problem, see_other, when};
use super::session::{FormResult, Visitor};
use crate::app::{App, AppError, Signup};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use embargo_core::account::TokenId;
use maud::html;
use std::collections::HashMap;

/// Only paths of ours, so the sign-in page cannot send anyone elsewhere.
fn next_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/triage".to_owned(),
    }
}

fn login_page(
    visitor: &Visitor,
    providers: &[(String, String)],
    next: &str,
    email: &str,
    problem: Option<&Problem>,
) -> Page {
    login_page_with(visitor, providers, next, email, problem, None)
}

fn login_page_with(
    visitor: &Visitor,
    providers: &[(String, String)],
    next: &str,
    email: &str,
    problem: Option<&Problem>,
    notice: Option<&str>,
) -> Page {
    let body = html! {
        h1 { "Sign in" }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if let Some(p) = problem { (p.banner()) }
        form.narrow method="post" action="/login" {
            (csrf(visitor))
            input type="hidden" name="next" value=(next);
            label for="email" { "E-mail" }
            input #email name="email" type="email" autocomplete="username" required value=(email);
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="current-password" required;
            label for="code" { "Authenticator code or recovery code (only if you set up a second factor)" }
            input #code name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="64";
            @if let Some(m) = problem.and_then(|p| p.on("code")) { p.field-error { (m) } }
            button type="submit" { "Sign in" }
        }
        form.narrow #passkey-sign-in method="post" action="/login/passkey" data-passkey="get" data-challenge="/passkey/challenge" hidden {
            (csrf(visitor))
            input type="hidden" name="next" value=(next);
            input type="hidden" name="passkey" value="";
            @if let Some(m) = problem.and_then(|p| p.on("credential").or(p.on("passkey"))) { p.field-error { (m) } }
            button.secondary type="submit" { "Sign in with a passkey" }
        }
        @if !providers.is_empty() {
            h2 { "Or sign in with" }
            @for (id, name) in providers {
                form.narrow method="post" action=(format!("/login/oidc/{id}")) {
                    (csrf(visitor))
                    input type="hidden" name="next" value=(next);
                    button.secondary type="submit" { "Sign in with " (name) }
                }
            }
            p.hint { "Signing in with a provider opens the Embargo account that has the e-mail address the provider has verified. It never creates an account." }
        }
    };
    let page = Page::new(visitor, "Sign in", body);
    match problem {
        Some(p) => page.refused(p),
        None => page,
    }
}

pub async fn login_form(
    State(app): State<App>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    // After a password link, for an account with a second factor.
    let notice = q.contains_key("password_set").then_some(
        "Your password is set. Sign in with it and the code your authenticator app shows.",
    );
    login_page_with(
        &visitor,
        &app.oidc_providers(),
        &next_path(q.get("next").map(String::as_str)),
        "",
        None,
        notice,
    )
}

pub async fn login(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let f = visitor.form(form)?;
    let next = next_path(f.opt("next").as_deref());
    let email = f.text("email");
    match app
        .sign_in(
            &visitor.ip,
            email.trim(),
            f.text("password"),
            visitor.device_cookie(),
            f.opt("code").as_deref(),
        )
        .await
    {
        Ok(start) => signed_in(&app, &visitor, &start, &next).await,
        Err(e) => {
            let p = problem(&e);
            Ok(
                login_page(&visitor, &app.oidc_providers(), &next, &email, Some(&p))
                    .into_response(),
            )
        }
    }
}

/// Signing in with a passkey: the page's script put the authenticator's answer in
/// the form.
pub async fn passkey_sign_in(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let f = visitor.form(form)?;
    let next = next_path(f.opt("next").as_deref());
    let signed = match super::second_factor::passkey_proof(f.opt("passkey")) {
        Ok(proof) => app.sign_in_with_passkey(&visitor.ip, &proof).await,
        Err(e) => Err(e),
    };
    match signed {
        Ok(start) => signed_in(&app, &visitor, &start, &next).await,
        Err(e) => {
            let p = problem(&e);
            Ok(login_page(&visitor, &app.oidc_providers(), &next, "", Some(&p)).into_response())
        }
    }
}

/// The answer to someone who just proved who they are: a new session (an old one, if
/// any, ends), this browser known to the account, and on to `next`.
async fn signed_in(
    app: &App,
    visitor: &Visitor,
    start: &crate::app::SessionStart,
    next: &str,
) -> Result<Response, WebError> {
    if let Some(old) = visitor.session_cookie() {
        app.sign_out(old).await?;
    }
    let max_age = u64::from(app.settings().auth.session_hours) * 3600;
    let mut res = see_other(next);
    if let Ok(v) = visitor.session_set_cookie(&start.cookie, max_age).parse() {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    let device_age = (App::KNOWN_DEVICE_DAYS * 86_400) as u64;
    if let Ok(v) = visitor.device_set_cookie(&start.device, device_age).parse() {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(res)
}

/// Single sign-on, step one: off to the provider, with the state bound to this browser.
pub async fn sso_start(
    State(app): State<App>,
    visitor: Visitor,
    Path(provider): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    let f = visitor.form(form)?;
    let next = next_path(f.opt("next").as_deref());
    match app.sso_start(&provider, &next).await {
        Ok(start) => {
            let mut res = see_other(&start.url);
            if let Ok(v) = visitor.sso_set_cookie(&start.state, 600).parse() {
                res.headers_mut().append(axum::http::header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e) if e.status() == axum::http::StatusCode::NOT_FOUND => Err(e.into()),
        Err(e) => {
            let p = problem(&e);
            Ok(login_page(&visitor, &app.oidc_providers(), &next, "", Some(&p)).into_response())
        }
    }
}

/// Single sign-on, step two: the provider sends the browser back here.
pub async fn sso_callback(
    State(app): State<App>,
    visitor: Visitor,
    Path(provider): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let providers = app.oidc_providers();
    if !providers.iter().any(|(id, _)| *id == provider) {
        return Err(AppError::not_found().into());
    }
    let outcome = match (q.get("code"), q.get("error")) {
        (_, Some(error)) => {
            // The provider's own refusal (e.g. `access_denied` when the person cancels).
            let said = q
                .get("error_description")
                .map(|d| format!("{error}: {d}"))
                .unwrap_or_else(|| error.clone());
            Err(AppError::Unauthorized {
                code: "sso_failed",
                message: format!("the provider did not sign you in ({said})"),
            })
        }
        (Some(code), None) => {
            app.sso_finish(
                &provider,
                q.get("state").map(String::as_str).unwrap_or_default(),
                visitor.sso_state(),
                code,
            )
            .await
        }
        (None, None) => Err(AppError::Unauthorized {
            code: "sso_failed",
            message: "the provider sent no answer; start again".into(),
        }),
    };
    let mut res = match outcome {
        Ok((start, next)) => signed_in(&app, &visitor, &start, &next).await?,
        Err(e) => {
            let p = problem(&e);
            login_page(&visitor, &providers, "/triage", "", Some(&p)).into_response()
        }
    };
    // The state is used up either way.
    if let Ok(v) = visitor.sso_clear_cookie().parse() {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn logout(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.form(form)?;
    if let Some(cookie) = visitor.session_cookie() {
        app.sign_out(cookie).await?;
    }
    let mut res = see_other("/");
    if let Ok(v) = visitor.session_clear_cookie().parse() {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(res)
}

fn password_fields() -> maud::Markup {
    html! {
        label for="password" { "Password (at least 12 characters)" }
        input #password name="password" type="password" autocomplete="new-password" minlength="12" required;
    }
}

fn setup_page(visitor: &Visitor, token: &str, f: &Fields, problem: Option<&Problem>) -> Page {
    let body = html! {
        h1 { "Create the first admin" }
        p { "This account runs this Embargo instance: it creates projects and invites people." }
        @if let Some(p) = problem { (p.banner()) }
        form.narrow method="post" action=(format!("/setup/{token}")) {
            (csrf(visitor))
            label for="name" { "Name" }
            input #name name="name" required value=(f.text("name"));
            label for="email" { "E-mail" }
            input #email name="email" type="email" autocomplete="username" required value=(f.text("email"));
            (password_fields())
            button type="submit" { "Create the admin account" }
        }
    };
    let page = Page::new(visitor, "Set up Embargo", body);
    match problem {
        Some(p) => page.refused(p),
        None => page,
    }
}

pub async fn setup_form(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Page, WebError> {
    // Once an account exists the link is dead; say nothing more than "not found".
    if app.has_accounts().await? {
        return Err(AppError::not_found().into());
    }
    Ok(setup_page(&visitor, &token, &Fields(HashMap::new()), None))
}

pub async fn setup(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    let f = visitor.form(form)?;
    let signup = Signup {
        email: f.text("email").trim().to_owned(),
        name: f.text("name"),
        password: f.text("password"),
    };
    match app.complete_setup(&token, signup).await {
        // The first admin just chose a password: signed in, on to create a project.
        Ok(user) => {
            let start = app.open_session(user).await?;
            signed_in(&app, &visitor, &start, "/admin").await
        }
        Err(e) => {
            let p = problem(&e);
            if p.status == axum::http::StatusCode::NOT_FOUND {
                return Err(e.into());
            }
            Ok(setup_page(&visitor, &token, &f, Some(&p)).into_response())
        }
    }
}

fn password_page(visitor: &Visitor, token: &str, email: &str, problem: Option<&Problem>) -> Page {
    let body = html! {
        h1 { "Set your password" }
        p { "For " strong { (email) } "." }
        @if let Some(p) = problem { (p.banner()) }
        form.narrow method="post" action=(format!("/password/{token}")) {
            (csrf(visitor))
            (password_fields())
            button type="submit" { "Set the password" }
        }
    };
    let page = Page::new(visitor, "Set your password", body);
    match problem {
        Some(p) => page.refused(p),
        None => page,
    }
}

pub async fn password_form(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Page, WebError> {
    let user = app.password_link_user(&token).await?;
    Ok(password_page(&visitor, &token, &user.email, None))
}

pub async fn set_password(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    let f = visitor.form(form)?;
    let user = app.password_link_user(&token).await?;
    match app.set_password_with_link(&token, f.text("password")).await {
        // Signed in at once, unless the account has a second factor: a password link
        // alone must not pass it.
        Ok(user) => {
            if app.has_second_factor(&user).await? {
                return Ok(see_other("/login?password_set=1"));
            }
            let start = app.open_session(user).await?;
            signed_in(&app, &visitor, &start, "/").await
        }
        Err(e) => {
            let p = problem(&e);
            Ok(password_page(&visitor, &token, &user.email, Some(&p)).into_response())
        }
    }
}

async fn tokens_page(
    app: &App,
    visitor: &Visitor,
    created: Option<(String, String)>,
    problem: Option<&Problem>,
) -> Result<Page, WebError> {
    tokens_page_typed(app, visitor, created, problem, "").await
}

/// The tokens page with the new-token form holding `typed_name`.
async fn tokens_page_typed(
    app: &App,
    visitor: &Visitor,
    created: Option<(String, String)>,
    problem: Option<&Problem>,
    typed_name: &str,
) -> Result<Page, WebError> {
    let user = visitor.account("/settings/tokens")?;
    let tokens = app.api_tokens(user).await?;
    let body = html! {
        h1 { "Personal API tokens" }
        p { "Use them as " code { "Authorization: Bearer …" } " with the API under " code { "/api/v1" } "." }
        @if let Some(p) = problem { (p.banner()) }
        @if let Some((name, token)) = &created {
            div.capability {
                p { "Your new token " strong { (name) } " — copy it now; it is shown only once:" }
                p { code #new-token { (token) } }
                button.copy type="button" data-copy="new-token" hidden { "Copy" }
            }
        }
        @if tokens.is_empty() { p.empty { "You have no tokens." } }
        @else {
            table {
                thead { tr { th { "Name" } th { "Created" } th { "Last used" } th {} } }
                tbody {
                    @for t in &tokens {
                        tr {
                            td { (t.name) }
                            td { (when(t.created_at)) }
                            td { (t.last_used_at.map(when).unwrap_or_else(|| "never".into())) }
                            td {
                                form.inline method="post" action=(format!("/settings/tokens/{}/revoke", t.id.0)) {
                                    (csrf(visitor))
                                    button.danger type="submit" data-confirm="Revoke this token? Scripts using it stop working." { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "New token" }
        form.narrow method="post" action="/settings/tokens" {
            (csrf(visitor))
            label for="token-name" { "Name (what it is for)" }
            input #token-name name="name" required value=(typed_name);
            (super::page::reauth_field("token-reauth", problem))
            button type="submit" { "Create a token" }
        }
    };
    let body = html! {
        (body)
        p { a href="/settings/sessions" { "Your sign-in sessions" } " · " a href="/settings/second-factor" { "Second factor" } }
    };
    let page = Page::new(visitor, "API tokens", body);
    Ok(match problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

pub async fn tokens(State(app): State<App>, visitor: Visitor) -> Result<Page, WebError> {
    tokens_page(&app, &visitor, None, None).await
}

pub async fn create_token(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account("/settings/tokens")?.clone();
    let f = visitor.form(form)?;
    let name = f.text("name");
    // The token is shown in this response only, never after a redirect.
    let created = match visitor.reauthenticate(&app, &f).await {
        Ok(()) => app.create_api_token(&visitor.actor(), &user, &name).await,
        Err(e) => Err(e),
    };
    match created {
        Ok((_, token)) => {
            Ok(
                tokens_page(&app, &visitor, Some((name.trim().to_owned(), token)), None)
                    .await?
                    .status(axum::http::StatusCode::CREATED)
                    .into_response(),
            )
        }
        Err(e) => {
            let p = problem(&e);
            Ok(tokens_page_typed(&app, &visitor, None, Some(&p), &name)
                .await?
                .into_response())
        }
    }
}

pub async fn revoke_token(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<i64>,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account("/settings/tokens")?.clone();
    visitor.form(form)?;
    app.revoke_api_token(&visitor.actor(), &user, TokenId(id))
        .await?;
    Ok(see_other("/settings/tokens"))
}

/// The signed-in person's own sessions, and "sign out everywhere else".
pub async fn sessions(State(app): State<App>, visitor: Visitor) -> Result<Page, WebError> {
    let user = visitor.account("/settings/sessions")?;
    let cookie = visitor.session_cookie().unwrap_or_default();
    let list = app.sessions(user, cookie).await?;
    let others = list.iter().filter(|s| !s.current).count();
    let body = html! {
        h1 { "Your sessions" }
        p { "Each browser you are signed in with. Signing out elsewhere ends every session but this one; setting a new password ends them all." }
        table {
            thead { tr { th { "Signed in" } th { "Expires" } th {} } }
            tbody {
                @for s in &list {
                    tr {
                        td { (when(s.created_at)) }
                        td { (when(s.expires_at)) }
                        td { @if s.current { strong { "this browser" } } }
                    }
                }
            }
        }
        @if others > 0 {
            form.narrow method="post" action="/settings/sessions/end-others" {
                (csrf(&visitor))
                button.danger type="submit" { "Sign out everywhere else (" (others) ")" }
            }
        } @else {
            p.empty { "You are signed in nowhere else." }
        }
    };
    Ok(Page::new(&visitor, "Your sessions", body))
}

pub async fn end_other_sessions(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account("/settings/sessions")?.clone();
    visitor.form(form)?;
    let cookie = visitor.session_cookie().unwrap_or_default();
    app.sign_out_elsewhere(&user, cookie).await?;
    Ok(see_other("/settings/sessions"))
}
