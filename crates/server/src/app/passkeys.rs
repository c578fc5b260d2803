//! Passkeys (issue 11, item 1): WebAuthn credentials an account adds beside or instead
//! of an authenticator app. A passkey asks its authenticator to verify the person
//! (a PIN or a fingerprint), so it is two factors at once: it signs in by itself, it
//! counts as the second factor a project may require, and it answers a
//! re-authentication.
//!
//! A ceremony's server state (its challenge, expiry, what was asked) travels with the
//! page, sealed under the instance's device key, so showing a page writes nothing
//! and any instance can finish what another began; each challenge is spent in the
//! store when answered, so an answer works once.
//!
//! The relying party is `public_url`'s host; browsers accept a domain name there (or
//! `localhost`), never an IP address.

use super::accounts::user_ref;
use super::security::{SecurityKind, note_for};
use super::{App, AppError, AppResult, SessionStart, User};
use embargo_core::account::AccountCommand;
use embargo_core::actor::Actor;
use embargo_core::rejection::{Rejection, Rule};
use embargo_store::PasskeyRecord;
use jiff::SignedDuration;
use webauthn_rp::bin::{Decode, Encode};
use webauthn_rp::request::auth::{
    AuthenticationVerificationOptions, DiscoverableAuthenticationServerState,
    DiscoverableCredentialRequestOptions,
};
use webauthn_rp::request::register::{
    CredProtect, Nickname, PublicKeyCredentialCreationOptions, PublicKeyCredentialUserEntity,
    RegistrationServerState, RegistrationVerificationOptions, UserHandle16, Username,
};
use webauthn_rp::request::{AsciiDomain, PublicKeyCredentialDescriptor, RpId};
use webauthn_rp::response::auth::DiscoverableAuthentication16;
use webauthn_rp::response::register::{CompressedPubKey, DynamicState, StaticState};
use webauthn_rp::response::{AuthTransports, CredentialId};
use webauthn_rp::{AuthenticatedCredential, Registration};

/// How long a spent challenge is remembered: longer than any ceremony lasts (five
/// minutes, the library's timeout).
const SPENT_FOR_MINUTES: i64 = 10;
const REGISTRATION: &[u8] = b"embargo passkey registration";
const AUTHENTICATION: &[u8] = b"embargo passkey authentication";

/// What a page needs to run a ceremony in the browser: the options for
/// `navigator.credentials` (WebAuthn's JSON form) and the sealed state to send back.
#[derive(serde::Serialize)]
pub struct Ceremony {
    pub options: serde_json::Value,
    pub state: String,
}

/// A passkey as its owner sees it.
pub struct Passkey {
    pub id: i64,
    pub name: String,
    pub created_at: embargo_core::Timestamp,
    pub last_used_at: Option<embargo_core::Timestamp>,
}

fn internal(what: &str, e: impl std::fmt::Debug) -> AppError {
    AppError::Internal(format!("{what}: {e:?}"))
}

fn refused(field: &str, message: &str) -> AppError {
    AppError::Rejected(Rejection::invalid(
        field,
        Rule::InvalidFormat,
        format!("`{field}`: {message}"),
    ))
}

/// What the browser sends back to prove a passkey: its answer and the sealed state.
#[derive(serde::Deserialize)]
pub struct PasskeyProof {
    pub credential: serde_json::Value,
    pub state: String,
}

impl App {
    /// The relying party: `public_url`'s host, and its origin (scheme, host, port).
    fn relying_party(&self) -> AppResult<(RpId, String)> {
        let url = self.settings().public_url();
        let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
        let authority = origin.split("//").nth(1).unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.split(':').next().unwrap_or_default(),
        };
        let domain = AsciiDomain::try_from(host.to_owned()).map_err(|e| {
            internal(
                "`public_url` has no host a passkey can belong to (a domain name, or localhost)",
                e,
            )
        })?;
        Ok((RpId::Domain(domain), origin))
    }

    pub async fn passkeys(&self, user: &User) -> AppResult<Vec<Passkey>> {
        Ok(self
            .store()
            .passkeys(user.id)
            .await?
            .into_iter()
            .map(|p| Passkey {
                id: p.id,
                name: p.name,
                created_at: p.created_at,
                last_used_at: p.last_used_at,
            })
            .collect())
    }

    /// Step one of adding a passkey: options for `navigator.credentials.create`, bound
    /// to `user` (the state is sealed with their id).
    pub async fn passkey_registration(&self, user: &User) -> AppResult<Ceremony> {
        let (rp_id, _) = self.relying_party()?;
        let existing = self.store().passkeys(user.id).await?;
        // One WebAuthn user id per account, so an authenticator keeps one passkey for it.
        let handle = existing
            .first()
            .and_then(|p| <[u8; 16]>::try_from(p.user_handle.as_slice()).ok())
            .map(|b| UserHandle16::decode(b).unwrap_or_else(|e| match e {}))
            .unwrap_or_else(UserHandle16::new);
        let exclude = existing
            .iter()
            .filter_map(|p| CredentialId::decode(p.credential_id.clone()).ok())
            .filter_map(|id| {
                // No transports: the browser asks every authenticator it can reach.
                let transports = AuthTransports::decode(0).ok()?;
                Some(PublicKeyCredentialDescriptor { id, transports })
            })
            .collect();
        let name = Username::try_from(user.email.as_str())
            .or_else(|_| Username::try_from("embargo"))
            .map_err(|e| internal("user name", e))?;
        let display = Nickname::try_from(user.name.as_str()).ok();
        let entity = PublicKeyCredentialUserEntity {
            name,
            id: &handle,
            display_name: display,
        };
        let mut options = PublicKeyCredentialCreationOptions::passkey(&rp_id, entity, exclude);
        // No `credProtect`: authenticators without it (Chromium's own among them) refuse
        // the whole request when it is asked to be enforced, and every use of a passkey
        // here asks for the person to be verified anyway.
        options.extensions.cred_protect = CredProtect::None;
        let (server, client) = options
            .start_ceremony()
            .map_err(|e| internal("passkey options", e))?;
        let state = server.encode().map_err(|e| internal("passkey state", e))?;
        Ok(Ceremony {
            options: serde_json::to_value(&client).map_err(|e| internal("passkey options", e))?,
            state: self
                .device_key()
                .seal(&[REGISTRATION, &user.id.0.to_le_bytes()].concat(), &state),
        })
    }

    /// Step two: the browser's answer. Checks it, keeps the passkey as `name`.
    pub async fn add_passkey(
        &self,
        actor: &Actor,
        user: &User,
        name: &str,
        proof: &PasskeyProof,
    ) -> AppResult<()> {
        let event = self
            .decide_account(
                actor,
                AccountCommand::AddPasskey {
                    user: user_ref(user),
                    name: name.to_owned(),
                },
            )?
            .remove(0);
        let name = match &event.event {
            embargo_core::account::AccountEvent::PasskeyAdded { name, .. } => name.clone(),
            _ => unreachable!("AddPasskey decides PasskeyAdded"),
        };
        let label = [REGISTRATION, &user.id.0.to_le_bytes()].concat();
        let server = self
            .device_key()
            .open(&label, &proof.state)
            .and_then(|b| RegistrationServerState::<16>::decode(&b).ok())
            .ok_or_else(|| refused("passkey", "not a passkey request of this page; start again"))?;
        let json = serde_json::to_vec(&proof.credential).map_err(|e| internal("json", e))?;
        let registration = Registration::from_json_relaxed(&json)
            .map_err(|e| refused("credential", &format!("not a WebAuthn registration: {e}")))?;
        let (rp_id, origin) = self.relying_party()?;
        let options = RegistrationVerificationOptions::<&str, &str> {
            allowed_origins: &[origin.as_str()],
            ..RegistrationVerificationOptions::default()
        };
        let credential = server
            .verify(&rp_id, &registration, &options)
            .map_err(|e| {
                note_for(SecurityKind::SecondFactorFailed, Some(user.id), "passkey");
                refused(
                    "credential",
                    &format!("the authenticator's answer does not verify: {e}"),
                )
            })?;
        self.spend(
            registration
                .challenge()
                .map_err(|e| internal("challenge", e))?
                .0,
        )
        .await?;
        let record = PasskeyRecord {
            id: 0,
            user: user.id,
            credential_id: credential.id().as_ref().to_vec(),
            user_handle: credential.user_id().as_ref().to_vec(),
            static_state: credential
                .static_state()
                .encode()
                .unwrap_or_else(|e| match e {}),
            dynamic_state: credential
                .dynamic_state()
                .encode()
                .unwrap_or_else(|e| match e {})
                .to_vec(),
            name,
            created_at: self.now(),
            last_used_at: None,
        };
        if !self.store().add_passkey(&record, event).await? {
            return Err(AppError::Rejected(Rejection::Conflict {
                field: "credential".into(),
                message: "this passkey is added already".into(),
            }));
        }
        Ok(())
    }

    /// Options for `navigator.credentials.get`: any passkey of this site, the person
    /// verified by their authenticator. The same for signing in and re-authenticating.
    pub fn passkey_challenge(&self) -> AppResult<Ceremony> {
        let (rp_id, _) = self.relying_party()?;
        let (server, client) = DiscoverableCredentialRequestOptions::passkey(&rp_id)
            .start_ceremony()
            .map_err(|e| internal("passkey options", e))?;
        let state = server.encode().map_err(|e| internal("passkey state", e))?;
        Ok(Ceremony {
            options: serde_json::to_value(&client).map_err(|e| internal("passkey options", e))?,
            state: self.device_key().seal(AUTHENTICATION, &state),
        })
    }

    /// Spends a challenge: an answer works once.
    async fn spend(&self, challenge: u128) -> AppResult<()> {
        let now = self.now();
        let until = now + SignedDuration::from_mins(SPENT_FOR_MINUTES);
        if self
            .store()
            .spend_challenge(&challenge.to_le_bytes(), until, now)
            .await?
        {
            Ok(())
        } else {
            Err(refused(
                "credential",
                "this answer was used already; ask your authenticator again",
            ))
        }
    }

    /// The account whose passkey gave `proof`, once it verifies; the passkey's
    /// counter and last use are kept.
    async fn passkey_owner(&self, proof: &PasskeyProof) -> AppResult<Option<User>> {
        let Some(server) = self
            .device_key()
            .open(AUTHENTICATION, &proof.state)
            .and_then(|b| DiscoverableAuthenticationServerState::decode(&b).ok())
        else {
            return Err(refused(
                "passkey",
                "not a passkey request of this page; start again",
            ));
        };
        let json = serde_json::to_vec(&proof.credential).map_err(|e| internal("json", e))?;
        let answer = DiscoverableAuthentication16::from_json_relaxed(&json)
            .map_err(|e| refused("credential", &format!("not a WebAuthn assertion: {e}")))?;
        let Some(record) = self
            .store()
            .passkey_by_credential(answer.raw_id().as_ref())
            .await?
        else {
            return Ok(None);
        };
        let handle = <[u8; 16]>::try_from(record.user_handle.as_slice())
            .map(|b| UserHandle16::decode(b).unwrap_or_else(|e| match e {}))
            .map_err(|e| internal("stored user handle", e))?;
        let static_state =
            StaticState::<CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>>::decode(
                record.static_state.as_slice(),
            )
            .map_err(|e| internal("stored passkey", e))?;
        let dynamic = <[u8; 7]>::try_from(record.dynamic_state.as_slice())
            .map_err(|e| internal("stored passkey counter", e))
            .and_then(|b| DynamicState::decode(b).map_err(|e| internal("stored passkey", e)))?;
        let mut credential = AuthenticatedCredential::new(
            CredentialId::decode(record.credential_id.as_slice())
                .map_err(|e| internal("stored credential id", e))?,
            &handle,
            static_state,
            dynamic,
        )
        .map_err(|e| internal("stored passkey", e))?;
        let (rp_id, origin) = self.relying_party()?;
        let options = AuthenticationVerificationOptions::<&str, &str> {
            allowed_origins: &[origin.as_str()],
            ..AuthenticationVerificationOptions::default()
        };
        if let Err(e) = server.verify(&rp_id, &answer, &mut credential, &options) {
            note_for(
                SecurityKind::SecondFactorFailed,
                Some(record.user),
                "passkey",
            );
            return Err(refused(
                "credential",
                &format!("the authenticator's answer does not verify: {e}"),
            ));
        }
        self.spend(answer.challenge().map_err(|e| internal("challenge", e))?.0)
            .await?;
        let dynamic = credential
            .dynamic_state()
            .encode()
            .unwrap_or_else(|e| match e {});
        self.store()
            .passkey_used(record.id, &dynamic, self.now())
            .await?;
        Ok(self.store().user(record.user).await?.map(User::from))
    }

    /// Signs in with a passkey (no password: the authenticator verified the person).
    pub async fn sign_in_with_passkey(
        &self,
        ip: &str,
        proof: &PasskeyProof,
    ) -> AppResult<SessionStart> {
        self.limiters().login_from(ip)?;
        match self.passkey_owner(proof).await {
            Ok(Some(user)) => self.open_session(user).await,
            Ok(None) => {
                note_for(SecurityKind::SignInFailed, None, "unknown passkey");
                Err(AppError::Unauthorized {
                    code: "bad_credentials",
                    message: "this passkey belongs to no account here; sign in with your password and add it".into(),
                })
            }
            Err(e) => {
                note_for(SecurityKind::SignInFailed, None, "passkey");
                Err(e)
            }
        }
    }

    /// Whether `proof` (a passkey answer, as JSON) is `user`'s own.
    pub(crate) async fn passkey_proves(&self, user: &User, proof: &str) -> AppResult<bool> {
        let Ok(proof) = serde_json::from_str::<PasskeyProof>(proof) else {
            return Ok(false);
        };
        Ok(match self.passkey_owner(&proof).await {
            Ok(Some(owner)) => owner.id == user.id,
            Ok(None) | Err(AppError::Rejected(_)) => false,
            Err(e) => return Err(e),
        })
    }

    /// Removes the owner's passkey `id`; 404 for one that is not theirs.
    pub async fn remove_passkey(&self, actor: &Actor, user: &User, id: i64) -> AppResult<()> {
        let Some(passkey) = self
            .store()
            .passkeys(user.id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
        else {
            return Err(AppError::not_found());
        };
        let event = self
            .decide_account(
                actor,
                AccountCommand::RemovePasskey {
                    user: user_ref(user),
                    name: Some(passkey.name),
                },
            )?
            .remove(0);
        if !self
            .store()
            .remove_passkeys(user.id, Some(id), event)
            .await?
        {
            return Err(AppError::not_found());
        }
        Ok(())
    }
}
