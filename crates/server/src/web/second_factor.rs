//! The signed-in member's second factor (issue 11, item 1): set up an authenticator
//! app (a secret to type or scan, then a code to confirm it), see how many recovery
//! codes are left, remove it with a current code or a recovery code.

use super::page::{Page, Problem, WebError, csrf, problem};
use super::session::{FormResult, Visitor};
use crate::app::App;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

const HERE: &str = "/settings/second-factor";

async fn page(
    app: &App,
    visitor: &Visitor,
    codes: Option<Vec<String>>,
    problem: Option<&Problem>,
) -> Result<Page, WebError> {
    let user = visitor.account(HERE)?;
    let status = app.second_factor_status(user).await?;
    let field_error = |field: &str| problem.and_then(|p| p.on(field));
    let body = html! {
        h1 { "Second factor" }
        p { "With an authenticator app as a second factor, signing in asks for the six-digit code it shows as well as your password." }
        @if let Some(p) = problem { (p.banner()) }
        @if let Some(codes) = &codes {
            div.capability #recovery-codes {
                p { strong { "Your recovery codes" } " — each works once in place of a code, if you lose your phone. Keep them somewhere safe; they are shown only now:" }
                ul { @for c in codes { li { code { (c) } } } }
            }
        }
        @if status.enabled {
            p #second-factor-status { "An authenticator app is set up. " (status.recovery_codes_left) " recovery codes left." }
            form.narrow method="post" action="/settings/second-factor/remove" {
                (csrf(visitor))
                h2 { "Remove it" }
                label for="remove-code" { "A current code, or a recovery code" }
                input #remove-code name="code" autocomplete="one-time-code" required maxlength="64";
                @if let Some(m) = field_error("code") { span.field-error { (m) } }
                button type="submit" data-confirm="Remove your second factor?" { "Remove the second factor" }
            }
        } @else if let Some(pending) = &status.pending {
            p #second-factor-status { "Almost done: add this secret to your authenticator app, then type the code it shows." }
            p { "Secret: " code #totp-secret { (pending.secret) } }
            p { "Or open this link on the phone: " code #totp-uri { (pending.uri) } }
            form.narrow method="post" action="/settings/second-factor/confirm" {
                (csrf(visitor))
                label for="confirm-code" { "The code your app shows" }
                input #confirm-code name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="64";
                @if let Some(m) = field_error("code") { span.field-error { (m) } }
                button type="submit" { "Confirm" }
            }
            form.inline method="post" action=(HERE) {
                (csrf(visitor))
                button.link type="submit" { "Start again with a new secret" }
            }
        } @else {
            p #second-factor-status { "No second factor is set up." }
            form.inline method="post" action=(HERE) {
                (csrf(visitor))
                button type="submit" { "Set up an authenticator app" }
            }
        }
    };
    let page = Page::new(visitor, "Second factor", body);
    Ok(match problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

pub async fn show(State(app): State<App>, visitor: Visitor) -> Result<Page, WebError> {
    page(&app, &visitor, None, None).await
}

pub async fn begin(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account(HERE)?;
    visitor.form(form)?;
    match app.begin_second_factor(&visitor.actor(), user).await {
        Ok(_) => Ok(page(&app, &visitor, None, None).await?.into_response()),
        Err(e) => Ok(page(&app, &visitor, None, Some(&problem(&e)))
            .await?
            .into_response()),
    }
}

pub async fn confirm(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account(HERE)?;
    let f = visitor.form(form)?;
    match app
        .confirm_second_factor(&visitor.actor(), user, &f.text("code"))
        .await
    {
        Ok(codes) => Ok(page(&app, &visitor, Some(codes), None)
            .await?
            .into_response()),
        Err(e) => Ok(page(&app, &visitor, None, Some(&problem(&e)))
            .await?
            .into_response()),
    }
}

pub async fn remove(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account(HERE)?;
    let f = visitor.form(form)?;
    match app
        .remove_second_factor(&visitor.actor(), user, &f.text("code"))
        .await
    {
        Ok(()) => Ok(page(&app, &visitor, None, None).await?.into_response()),
        Err(e) => Ok(page(&app, &visitor, None, Some(&problem(&e)))
            .await?
            .into_response()),
    }
}
