//! Signing in through an OpenID provider. The provider proves who the person is; the
//! account is the one already linked to the provider's subject, else the one with the
//! provider's *verified* e-mail address, which is then linked (an `identity_linked`
//! event). A provider never creates an account or a project role.

use super::{App, AppError, AppResult, SessionStart, User, actor_of, user_ref};
use crate::oidc::OidcError;
use embargo_core::account::AccountCommand;
use embargo_store::{OidcLogin, SecretHash, StoreError};
use jiff::SignedDuration;

/// How long a sign-in started here may take at the provider.
const SIGN_IN_MINUTES: i64 = 10;

/// Where to send the browser, and the state to bind to it (a cookie).
pub struct SsoStart {
    pub url: String,
    pub state: String,
}

fn refused(code: &'static str, message: String) -> AppError {
    AppError::Unauthorized { code, message }
}

fn from_provider(e: OidcError) -> AppError {
    match e {
        OidcError::UnknownProvider(_) => AppError::not_found(),
        OidcError::Setup { .. } => {
            // The admin's to fix; the person sees that it failed and whose it is.
            tracing::error!(error = %e, "single sign-on is set up wrongly");
            refused("sso_failed", e.to_string())
        }
        OidcError::Provider { .. } | OidcError::Rejected { .. } => {
            tracing::warn!(error = %e, "single sign-on failed");
            refused("sso_failed", e.to_string())
        }
    }
}

impl App {
    /// Starts a sign-in at `provider`; `next` is the path to go to afterwards.
    pub async fn sso_start(&self, provider: &str, next: &str) -> AppResult<SsoStart> {
        let oidc = self.oidc()?;
        let started = oidc.start(provider).await.map_err(from_provider)?;
        self.store()
            .create_oidc_login(OidcLogin {
                state_hash: SecretHash::of(&started.state),
                provider: provider.to_owned(),
                nonce: started.nonce,
                pkce_verifier: started.pkce_verifier,
                next: next.to_owned(),
                expires_at: self.now() + SignedDuration::from_mins(SIGN_IN_MINUTES),
            })
            .await?;
        Ok(SsoStart {
            url: started.url,
            state: started.state,
        })
    }

    /// Finishes a sign-in the provider sent back: `state` from the URL must be the one
    /// this browser started with (`browser_state`, from its cookie), else someone could
    /// make another's browser finish their own sign-in. Returns the new session and
    /// where to go.
    pub async fn sso_finish(
        &self,
        provider: &str,
        state: &str,
        browser_state: Option<&str>,
        code: &str,
    ) -> AppResult<(SessionStart, String)> {
        let oidc = self.oidc()?;
        let stale = || {
            refused(
                "sso_state",
                "this sign-in was not started in this browser, was used already or took too long; start again".into(),
            )
        };
        if state.is_empty() || browser_state != Some(state) {
            return Err(stale());
        }
        let login = self
            .store()
            .take_oidc_login(&SecretHash::of(state), self.now())
            .await?
            .filter(|l| l.provider == provider)
            .ok_or_else(stale)?;
        let claims = oidc
            .finish(provider, code, &login.nonce, &login.pkce_verifier)
            .await
            .map_err(from_provider)?;
        let name = self
            .oidc_providers()
            .into_iter()
            .find(|(id, _)| id == provider)
            .map(|(_, name)| name)
            .unwrap_or_else(|| provider.to_owned());
        if let Some(user) = self
            .store()
            .user_by_identity(provider, &claims.subject)
            .await?
        {
            return Ok((self.open_session(user.into()).await?, login.next));
        }
        if claims.verified_emails.is_empty() {
            return Err(refused(
                "sso_unverified",
                if claims.unverified_email {
                    format!(
                        "{name} has not verified your e-mail address; verify it there, then sign in again"
                    )
                } else {
                    format!(
                        "{name} did not tell Embargo your e-mail address; allow the `email` scope, then sign in again"
                    )
                },
            ));
        }
        // Any verified address may be the account's (GitHub keeps several per person);
        // two accounts behind one person's addresses is for an admin to sort out, not
        // for the sign-in to guess.
        let mut found: Vec<embargo_store::UserRecord> = Vec::new();
        for email in &claims.verified_emails {
            if let Some(user) = self.store().user_by_email(email).await?
                && !found.iter().any(|u| u.id == user.id)
            {
                found.push(user);
            }
        }
        let user = match found.len() {
            0 => {
                return Err(refused(
                    "sso_no_account",
                    format!(
                        "no Embargo account has the address {}; ask an admin to add you, then sign in again",
                        or_list(&claims.verified_emails)
                    ),
                ));
            }
            1 => found.remove(0),
            _ => {
                let emails: Vec<String> = found.iter().map(|u| u.email.clone()).collect();
                return Err(refused(
                    "sso_ambiguous",
                    format!(
                        "your verified addresses at {name} belong to more than one Embargo account ({}); ask an admin to merge or remove one",
                        emails.join(", ")
                    ),
                ));
            }
        };
        let user: User = user.into();
        let linked_elsewhere = || {
            refused(
                "sso_other_identity",
                format!(
                    "your Embargo account is linked to another {name} account; sign in with that one"
                ),
            )
        };
        if self.store().identity_of(user.id, provider).await?.is_some() {
            return Err(linked_elsewhere());
        }
        let event = self
            .decide_account(
                &actor_of(&user),
                AccountCommand::LinkIdentity {
                    user: user_ref(&user),
                    provider: provider.to_owned(),
                    subject: claims.subject,
                },
            )?
            .remove(0);
        match self.store().link_identity(event).await {
            Ok(()) => {}
            Err(StoreError::Taken { .. }) => return Err(linked_elsewhere()),
            Err(e) => return Err(e.into()),
        }
        Ok((self.open_session(user).await?, login.next))
    }
}

/// "a", "a or b", "a, b or c".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
