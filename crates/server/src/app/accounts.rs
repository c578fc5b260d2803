//! Accounts: the first admin, invitations, passwords, sessions and API tokens.

use super::security::{SecurityKind, note_for};
use super::{ApiToken, App, AppError, AppResult, Session, SessionView, User, actor_of};
use crate::secrets;
use embargo_core::account::{AccountCommand, AccountEvent, Accounts, TokenId, decide_account};
use embargo_core::actor::{Actor, ActorRef};
use embargo_core::aggregate;
use embargo_core::event::Recorded;
use embargo_core::ids::UserId;
use embargo_core::rejection::{Rejection, Rule};
use embargo_store::{NewApiToken, NewSession, NewUser, SecretHash, UserRecord};
use jiff::SignedDuration;

/// A one-time set-password link just issued.
#[derive(Clone, Debug)]
pub struct IssuedLink {
    pub url: String,
    /// An earlier link for the same account was still live and no longer works.
    pub replaced_live_link: bool,
}

/// A new sign-in: the cookie value (shown once, stored hashed) and its form token.
pub struct SessionStart {
    pub cookie: String,
    /// The known-device cookie for this browser (`secrets::DeviceKey`).
    pub device: String,
    pub csrf_token: String,
    pub user: User,
}

/// What the first admin (or an invited user) types.
pub struct Signup {
    pub email: String,
    pub name: String,
    pub password: String,
}

fn password_rule(password: &str) -> AppResult<()> {
    secrets::check_new_password(password).map_err(|why| {
        AppError::Rejected(Rejection::invalid(
            "password",
            Rule::InvalidFormat,
            format!("`password` {why}"),
        ))
    })
}

/// Hashing takes tens of milliseconds of CPU: keep it off the async workers.
async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

impl App {
    /// Decides an account command and records it with its actor, as every stream does
    /// (the accounts stream needs no retry: see [`Accounts`]).
    pub(super) fn decide_account(
        &self,
        actor: &Actor,
        command: AccountCommand,
    ) -> AppResult<Vec<Recorded<AccountEvent>>> {
        let (_, events) = aggregate::decide_all(&Accounts, &(), actor, &[command], self.now())?;
        Ok(events)
    }

    /// On a fresh instance: a new one-time link to create the first admin (earlier
    /// links stop working). `None` once any account exists.
    pub async fn first_admin_link(&self) -> AppResult<Option<String>> {
        if self.store().user_count().await? > 0 {
            return Ok(None);
        }
        let token = secrets::token("");
        let expires =
            self.now() + SignedDuration::from_hours(self.settings().auth.link_hours.into());
        self.store()
            .replace_setup_token(&SecretHash::of(&token), expires)
            .await?;
        Ok(Some(self.url(&format!("/setup/{token}"))))
    }

    /// Creates the first admin with the setup link's token.
    pub async fn complete_setup(&self, token: &str, signup: Signup) -> AppResult<User> {
        password_rule(&signup.password)?;
        let id = UserId(secrets::random_id());
        let mut events = decide_account(
            &Actor::Operator,
            AccountCommand::CreateUser {
                id,
                email: signup.email,
                name: signup.name,
                instance_admin: true,
            },
        )?;
        let AccountEvent::UserCreated { user, email, .. } = events[0].clone() else {
            unreachable!("CreateUser decides UserCreated")
        };
        events.extend(decide_account(
            &Actor::Operator,
            AccountCommand::SetPassword { user: user.clone() },
        )?);
        let new = NewUser {
            id,
            email,
            name: user.name.clone(),
            instance_admin: true,
            password_hash: Some(hash(signup.password).await?),
            created_at: self.now(),
        };
        // The first admin records themselves as the actor of their own creation.
        let recorded = events
            .into_iter()
            .map(|event| Recorded {
                at: self.now(),
                actor: ActorRef::User(user.clone()),
                event,
            })
            .collect();
        if !self
            .store()
            .complete_setup(&SecretHash::of(token), self.now(), new, recorded)
            .await?
        {
            return Err(AppError::not_found());
        }
        self.store()
            .user(id)
            .await?
            .map(User::from)
            .ok_or_else(|| AppError::Internal("set-up admin vanished".into()))
    }

    /// Creates an account (no password yet; see [`App::password_link`]).
    pub async fn create_user(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        instance_admin: bool,
    ) -> AppResult<User> {
        let id = UserId(secrets::random_id());
        let event = self
            .decide_account(
                actor,
                AccountCommand::CreateUser {
                    id,
                    email: email.into(),
                    name: name.into(),
                    instance_admin,
                },
            )?
            .remove(0);
        let AccountEvent::UserCreated {
            user,
            email,
            instance_admin,
        } = event.event.clone()
        else {
            unreachable!("CreateUser decides UserCreated")
        };
        let new = NewUser {
            id,
            email,
            name: user.name,
            instance_admin,
            password_hash: None,
            created_at: self.now(),
        };
        self.store().create_user(new, event).await?;
        self.store()
            .user(id)
            .await?
            .map(User::from)
            .ok_or_else(|| AppError::Internal("created user vanished".into()))
    }

    /// A one-time link for `user` to set a password: an invitation or a reset. Instance
    /// admins hand these out, and the accounts stream records who did. It says whether
    /// it replaced a link still live, which stops working: whoever hands out the new
    /// one should say so (issue 12, item 4).
    pub async fn issue_password_link(&self, actor: &Actor, user: &User) -> AppResult<IssuedLink> {
        let mut events = self.decide_account(
            actor,
            AccountCommand::IssuePasswordLink {
                user: user_ref(user),
            },
        )?;
        let token = secrets::token("");
        let expires =
            self.now() + SignedDuration::from_hours(self.settings().auth.link_hours.into());
        let replaced = self
            .store()
            .create_password_token(user.id, &SecretHash::of(&token), expires, events.remove(0))
            .await?;
        Ok(IssuedLink {
            url: self.url(&format!("/password/{token}")),
            replaced_live_link: replaced > 0,
        })
    }

    /// Whose password a link sets, if it is live.
    pub async fn password_link_user(&self, token: &str) -> AppResult<User> {
        self.store()
            .password_token_user(&SecretHash::of(token), self.now())
            .await?
            .map(User::from)
            .ok_or_else(AppError::not_found)
    }

    pub async fn set_password_with_link(&self, token: &str, password: String) -> AppResult<User> {
        password_rule(&password)?;
        let user = self.password_link_user(token).await?;
        // The link's holder is the account's owner: the set is theirs, whoever issued
        // the link (that was recorded when it was issued).
        let event = self
            .decide_account(
                &actor_of(&user),
                AccountCommand::SetPassword {
                    user: user_ref(&user),
                },
            )?
            .remove(0);
        let hashed = hash(password).await?;
        if !self
            .store()
            .use_password_token(&SecretHash::of(token), self.now(), &hashed, event)
            .await?
        {
            return Err(AppError::not_found());
        }
        Ok(user)
    }

    /// Checks a password (and the second factor, for accounts with one) and opens a
    /// session. Unknown accounts and wrong passwords get the same answer in the same
    /// time.
    ///
    /// Throttling: the client address's budget always applies. The account's budget
    /// applies to browsers not known to the account (`device`, the known-device
    /// cookie); once it is spent, only the right password together with the right
    /// second-factor `code` gets in, and every other attempt gets the same "too many
    /// attempts", so a flood of guesses can't lock out an owner who has a second
    /// factor or a known browser, and learns nothing.
    pub async fn sign_in(
        &self,
        ip: &str,
        email: &str,
        password: String,
        device: Option<&str>,
        code: Option<&str>,
    ) -> AppResult<SessionStart> {
        self.limiters().login_from(ip)?;
        // No address is longer; a longer one names no account and is not looked up.
        let user = if email.chars().count() <= embargo_core::text::limits::EMAIL {
            self.store().user_by_email(email).await?
        } else {
            None
        };
        let known = match (&user, device) {
            (Some(u), Some(cookie)) => self.known_device(cookie) == Some(u.id),
            _ => false,
        };
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        // How long the account's budget says to wait, when it is spent.
        let throttled = if known {
            None
        } else {
            self.limiters().login_for(email).err().map(|e| match e {
                AppError::RateLimited { retry_after_secs } => retry_after_secs,
                _ => 60,
            })
        };
        let limited = |retry_after_secs| AppError::RateLimited { retry_after_secs };
        if let (Some(wait), None) = (throttled, code) {
            return Err(limited(wait));
        }
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let account = user.as_ref().map(|u| u.id);
        // No password is longer than 256 characters: a longer one is wrong without
        // hashing a megabyte (at the same cost as a wrong one).
        let password = if password.len() > 4 * 256 {
            String::new()
        } else {
            password
        };
        let _turn = self.hashing_turn().await;
        let ok = tokio::task::spawn_blocking(move || match stored {
            Some(phc) if !password.is_empty() => secrets::verify_password(&password, &phc),
            Some(_) | None => {
                secrets::burn_password_check(&password);
                false
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("verify task: {e}")))?;
        let (true, Some(user)) = (ok, user) else {
            // The account when the address names one; the address itself is not kept.
            note_for(SecurityKind::SignInFailed, account, "");
            return Err(match throttled {
                Some(wait) => limited(wait),
                None => AppError::Unauthorized {
                    code: "bad_credentials",
                    message: "wrong e-mail address or password".into(),
                },
            });
        };
        let user_view = User::from(user.clone());
        match (
            self.check_second_factor_at_sign_in(&user_view, code)
                .await?,
            throttled,
        ) {
            // No second factor: a throttled account waits.
            (None, Some(wait)) | (Some(false), Some(wait)) => return Err(limited(wait)),
            (None, None) | (Some(true), _) => {}
            (Some(false), None) => {
                return Err(AppError::Rejected(Rejection::invalid(
                    "code",
                    if code.is_some() {
                        Rule::InvalidFormat
                    } else {
                        Rule::Required
                    },
                    if code.is_some() {
                        "`code`: not the current code of your authenticator app, nor an unused recovery code"
                    } else {
                        "`code`: this account has a second factor; type the code your authenticator app shows (or a recovery code), or sign in with your passkey"
                    },
                )));
            }
        }
        self.open_session(user_view).await
    }

    /// A new session for `user`, who has just proved who they are (password and any
    /// second factor, or an OpenID provider).
    pub async fn open_session(&self, user: User) -> AppResult<SessionStart> {
        let cookie = secrets::token("");
        let csrf_token = secrets::token("");
        self.store()
            .create_session(NewSession {
                hash: SecretHash::of(&cookie),
                user: user.id,
                csrf_token: csrf_token.clone(),
                created_at: self.now(),
                expires_at: self.now()
                    + SignedDuration::from_hours(self.settings().auth.session_hours.into()),
            })
            .await?;
        note_for(SecurityKind::SignInSucceeded, Some(user.id), "");
        Ok(SessionStart {
            device: self.device_key().sign(user.id.0, self.now().as_second()),
            cookie,
            csrf_token,
            user,
        })
    }

    /// `None`: no second factor. Otherwise whether `code` passes it; a wrong code
    /// spends the account's sign-in budget.
    async fn check_second_factor_at_sign_in(
        &self,
        user: &User,
        code: Option<&str>,
    ) -> AppResult<Option<bool>> {
        if !self.has_second_factor(user).await? {
            return Ok(None);
        }
        let Some(code) = code else {
            return Ok(Some(false));
        };
        // An account whose only second factor is a passkey has no code to type: its
        // password alone never signs in (the passkey does, by itself).
        let ok = self.check_second_factor(user, code).await? == Some(true);
        if !ok {
            let _ = self.limiters().login_for(&user.email);
        }
        Ok(Some(ok))
    }

    /// Sensitive acts (a new API token, a role grant, a policy change) within this long
    /// of signing in need nothing more; later, the password (or a current code).
    pub const REAUTH_MINUTES: i64 = 10;

    /// Re-authentication before a sensitive act in a session opened at
    /// `signed_in_at`: recent enough, or `proof` is the password or a current
    /// second-factor code. Refused naming the field `reauth`.
    pub async fn reauthenticate(
        &self,
        user: &User,
        signed_in_at: embargo_core::Timestamp,
        proof: Option<&str>,
    ) -> AppResult<()> {
        if self.now().duration_since(signed_in_at)
            <= SignedDuration::from_mins(Self::REAUTH_MINUTES)
        {
            return Ok(());
        }
        let Some(proof) = proof.filter(|p| !p.is_empty()) else {
            return Err(AppError::Rejected(Rejection::invalid(
                "reauth",
                Rule::Required,
                format!(
                    "`reauth`: you signed in more than {} minutes ago; type your password (or a current code, or use a passkey) to confirm",
                    Self::REAUTH_MINUTES
                ),
            )));
        };
        let six_digits = proof.len() == 6 && proof.bytes().all(|b| b.is_ascii_digit());
        // A passkey's answer, put in the field by the page's script.
        let ok = if proof.starts_with('{') {
            self.passkey_proves(user, proof).await?
        } else if six_digits {
            self.check_second_factor(user, proof).await? == Some(true)
        } else {
            self.limiters().login_for(&user.email)?;
            let stored = self
                .store()
                .user(user.id)
                .await?
                .and_then(|u| u.password_hash);
            let password = proof.to_owned();
            let _turn = self.hashing_turn().await;
            tokio::task::spawn_blocking(move || match stored {
                Some(phc) if password.len() <= 4 * 256 => secrets::verify_password(&password, &phc),
                _ => false,
            })
            .await
            .map_err(|e| AppError::Internal(format!("verify task: {e}")))?
        };
        if ok {
            return Ok(());
        }
        note_for(
            SecurityKind::SignInFailed,
            Some(user.id),
            "re-authentication",
        );
        Err(AppError::Rejected(Rejection::invalid(
            "reauth",
            Rule::InvalidFormat,
            "`reauth`: not your password, a current code nor a passkey of yours",
        )))
    }

    /// How long a browser stays known to an account after signing in to it.
    pub const KNOWN_DEVICE_DAYS: i64 = 180;

    /// The account a known-device cookie was signed for, if it is ours and fresh.
    pub fn known_device(&self, cookie: &str) -> Option<UserId> {
        self.device_key()
            .verify(
                cookie,
                self.now().as_second(),
                Self::KNOWN_DEVICE_DAYS * 86_400,
            )
            .map(UserId)
    }

    pub async fn session(&self, cookie: &str) -> AppResult<Option<(Session, User)>> {
        Ok(self
            .store()
            .session(&SecretHash::of(cookie), self.now())
            .await?
            .map(|(s, u)| (s.into(), u.into())))
    }

    pub async fn sign_out(&self, cookie: &str) -> AppResult<()> {
        Ok(self.store().delete_session(&SecretHash::of(cookie)).await?)
    }

    /// The signed-in person's open sessions, theirs only, the current one marked.
    pub async fn sessions(&self, user: &User, cookie: &str) -> AppResult<Vec<SessionView>> {
        let current = SecretHash::of(cookie);
        Ok(self
            .store()
            .sessions_of(user.id, self.now())
            .await?
            .into_iter()
            .map(|s| SessionView {
                created_at: s.created_at,
                expires_at: s.expires_at,
                current: s.hash == current,
            })
            .collect())
    }

    /// "Sign out everywhere else": ends every session of `user` but this one.
    pub async fn sign_out_elsewhere(&self, user: &User, cookie: &str) -> AppResult<u64> {
        Ok(self
            .store()
            .end_sessions(user.id, Some(&SecretHash::of(cookie)))
            .await?)
    }

    /// Who a bearer token belongs to: an API token's user (with the account, read in
    /// the same statement), or a tracking token's reporter. An API token's use is
    /// noted in memory and written later (`token_uses`): the lookup writes nothing.
    pub async fn bearer(&self, ip: &str, token: &str) -> AppResult<(Actor, Option<User>)> {
        self.limiters().token_attempt(ip)?;
        let hash = SecretHash::of(token);
        let found = if token.starts_with(secrets::API_TOKEN_PREFIX) {
            self.store()
                .user_for_api_token(&hash)
                .await?
                .map(|(u, token)| {
                    let user = self.api_token_holder(u, token);
                    (actor_of(&user), Some(user))
                })
        } else if token.starts_with(secrets::TRACKING_TOKEN_PREFIX) {
            self.store()
                .case_for_tracking_token(&hash)
                .await?
                .map(|a| (Actor::Reporter(a.case().id.clone()), None))
        } else if token.starts_with(secrets::GUEST_TOKEN_PREFIX) {
            // A guest's token opens only the guest routes (C5); elsewhere its holder is
            // anonymous, so every case answers as a missing one.
            self.guest_lookup(token)
                .await?
                .map(|_| (Actor::Anonymous, None))
        } else {
            None
        };
        found.ok_or_else(|| self.bad_token(ip))
    }

    /// A bearer token that opens nothing: counted against the address, and `401`.
    pub(super) fn bad_token(&self, ip: &str) -> AppError {
        self.limiters().bad_token(ip);
        AppError::Unauthorized {
            code: "invalid_token",
            message: "the bearer token is not valid".into(),
        }
    }

    /// An API token's holder, read by the caller with what it asked for (see
    /// `case_for_api_token`): noted as used, as `bearer` does.
    pub(super) fn api_token_holder(&self, owner: UserRecord, token: TokenId) -> User {
        self.inner.token_uses.note(token, self.now());
        User::from(owner)
    }

    /// A new personal API token, shown once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        owner: &User,
        name: &str,
    ) -> AppResult<(TokenId, String)> {
        let id = TokenId(secrets::random_id());
        let event = self
            .decide_account(
                actor,
                AccountCommand::CreateToken {
                    owner: user_ref(owner),
                    id,
                    name: name.into(),
                },
            )?
            .remove(0);
        let AccountEvent::TokenCreated { name, .. } = &event.event else {
            unreachable!("CreateToken decides TokenCreated")
        };
        let token = secrets::token(secrets::API_TOKEN_PREFIX);
        self.store()
            .create_api_token(
                NewApiToken {
                    id,
                    user: owner.id,
                    name: name.clone(),
                    hash: SecretHash::of(&token),
                    created_at: self.now(),
                },
                event.clone(),
            )
            .await?;
        Ok((id, token))
    }

    pub async fn api_tokens(&self, owner: &User) -> AppResult<Vec<ApiToken>> {
        // Every use noted so far shows in the list.
        self.flush_token_uses().await?;
        let tokens = self.store().api_tokens(owner.id).await?;
        Ok(tokens.into_iter().map(ApiToken::from).collect())
    }

    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        owner: &User,
        id: TokenId,
    ) -> AppResult<()> {
        let event = self
            .decide_account(
                actor,
                AccountCommand::RevokeToken {
                    owner: user_ref(owner),
                    id,
                },
            )?
            .remove(0);
        if self.store().revoke_api_token(owner.id, id, event).await? {
            Ok(())
        } else {
            Err(AppError::not_found())
        }
    }

    /// Every account, for instance admins; anyone else gets not found.
    pub async fn users(&self, actor: &Actor) -> AppResult<Vec<User>> {
        if !embargo_core::access::administers_instance(actor) {
            return Err(AppError::not_found());
        }
        Ok(self
            .store()
            .users()
            .await?
            .into_iter()
            .map(User::from)
            .collect())
    }

    pub async fn user_by_email(&self, email: &str) -> AppResult<Option<User>> {
        Ok(self.store().user_by_email(email).await?.map(User::from))
    }

    pub async fn user(&self, id: UserId) -> AppResult<Option<User>> {
        Ok(self.store().user(id).await?.map(User::from))
    }

    /// Whether any account exists yet (before the first admin, none does).
    pub async fn has_accounts(&self) -> AppResult<bool> {
        Ok(self.store().user_count().await? > 0)
    }
}

/// How events and commands refer to an account.
pub fn user_ref(u: &User) -> embargo_core::actor::UserRef {
    embargo_core::actor::UserRef {
        id: u.id,
        name: u.name.clone(),
    }
}
