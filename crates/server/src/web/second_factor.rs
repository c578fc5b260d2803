//! The signed-in member's second factor (issue 11, item 1): set up an authenticator
//! app (a secret to type or scan, then a code to confirm it), see how many recovery
//! codes are left, remove it with a current code or a recovery code. And passkeys: add
//! one (the page's script runs the browser's WebAuthn ceremony and sends its answer
//! with the form), see when each was last used, remove one.

use super::page::{Page, Problem, WebError, csrf, problem};
use super::session::{FormResult, Visitor};
use crate::app::App;
use crate::app::passkeys::PasskeyProof;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;

const HERE: &str = "/settings/second-factor";

/// What the passkey form held when it was refused, to show again.
#[derive(Default)]
struct Typed {
    name: String,
    notice: Option<&'static str>,
}

async fn page(
    app: &App,
    visitor: &Visitor,
    codes: Option<Vec<String>>,
    problem: Option<&Problem>,
) -> Result<Page, WebError> {
    page_with(app, visitor, codes, problem, Typed::default()).await
}

async fn page_with(
    app: &App,
    visitor: &Visitor,
    codes: Option<Vec<String>>,
    problem: Option<&Problem>,
    typed: Typed,
) -> Result<Page, WebError> {
    let user = visitor.account(HERE)?;
    let status = app.second_factor_status(user).await?;
    let passkeys = app.passkeys(user).await?;
    let field_error = |field: &str| problem.and_then(|p| p.on(field));
    let body = html! {
        h1 { "Second factor" }
        p { "With an authenticator app as a second factor, signing in asks for the six-digit code it shows as well as your password." }
        @if let Some(n) = typed.notice { p.notice role="status" { (n) } }
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
        h2 #passkeys { "Passkeys" }
        p { "A passkey signs you in by itself: your device checks it is you (a PIN, a fingerprint) and answers for this site only, so nothing can be phished. It also counts as your second factor." }
        @if passkeys.is_empty() {
            p #passkey-status { "No passkey is added." }
        } @else {
            table #passkey-list {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Added" } th scope="col" { "Last used" } th scope="col" { span.visually-hidden { "Remove" } } } }
                tbody {
                    @for k in &passkeys {
                        tr {
                            td { (k.name) }
                            td { (super::page::when(k.created_at)) }
                            td { @match k.last_used_at { Some(t) => (super::page::when(t)), None => "never" } }
                            td {
                                form.inline method="post" action=(format!("/settings/passkeys/{}/remove", k.id)) {
                                    (csrf(visitor))
                                    button.danger type="submit" data-confirm=(format!("Remove the passkey “{}”?", k.name)) { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.narrow #passkey-add method="post" action="/settings/passkeys" data-passkey="create" data-challenge="/settings/passkeys/challenge" {
            (csrf(visitor))
            input type="hidden" name="passkey" value="";
            label for="passkey-name" { "A name for it (to tell your passkeys apart)" }
            input #passkey-name name="name" required maxlength=(embargo_core::text::limits::PASSKEY_NAME) placeholder="Laptop" value=(typed.name);
            @if let Some(m) = field_error("name") { span.field-error { (m) } }
            @if let Some(m) = field_error("credential").or(field_error("passkey")) { span.field-error { (m) } }
            p.hint.no-script { "Adding a passkey needs this page's script (the browser's WebAuthn interface)." }
            button type="submit" { "Add a passkey" }
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

/// Options for adding a passkey, for the page's script.
pub async fn passkey_registration(
    State(app): State<App>,
    visitor: Visitor,
) -> Result<Response, WebError> {
    let user = visitor.account(HERE)?;
    Ok(Json(app.passkey_registration(user).await?).into_response())
}

/// Options for proving a passkey (signing in, re-authenticating), for the page's script.
pub async fn passkey_challenge(State(app): State<App>) -> Result<Response, WebError> {
    Ok(Json(app.passkey_challenge()?).into_response())
}

/// The `passkey` field: the browser's answer and the ceremony's state, as JSON.
pub(super) fn passkey_proof(field: Option<String>) -> Result<PasskeyProof, crate::app::AppError> {
    serde_json::from_str(field.as_deref().unwrap_or_default()).map_err(|_| {
        crate::app::AppError::Rejected(embargo_core::rejection::Rejection::invalid(
            "passkey",
            embargo_core::rejection::Rule::Required,
            "`passkey`: no answer from a passkey came with the form; this needs the page's script and a browser with passkeys",
        ))
    })
}

pub async fn add_passkey(
    State(app): State<App>,
    visitor: Visitor,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account(HERE)?;
    let f = visitor.form(form)?;
    let name = f.text("name");
    let added = match passkey_proof(f.opt("passkey")) {
        Ok(proof) => app.add_passkey(&visitor.actor(), user, &name, &proof).await,
        Err(e) => Err(e),
    };
    let (problem, typed) = match added {
        Ok(()) => (
            None,
            Typed {
                name: String::new(),
                notice: Some("Passkey added."),
            },
        ),
        Err(e) => (Some(problem(&e)), Typed { name, notice: None }),
    };
    Ok(page_with(&app, &visitor, None, problem.as_ref(), typed)
        .await?
        .into_response())
}

pub async fn remove_passkey(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<i64>,
    form: FormResult,
) -> Result<Response, WebError> {
    let user = visitor.account(HERE)?;
    visitor.form(form)?;
    app.remove_passkey(&visitor.actor(), user, id).await?;
    Ok(page_with(
        &app,
        &visitor,
        None,
        None,
        Typed {
            name: String::new(),
            notice: Some("Passkey removed."),
        },
    )
    .await?
    .into_response())
}
