//! Second factors (issue 11, item 1): an authenticator app (TOTP, RFC 6238: SHA-1, six
//! digits, 30-second steps, one step of drift either way) with ten recovery codes.
//! Set up in two steps — a new secret, then a code from the app confirms it — so a
//! mistyped secret never locks anyone out. A code is accepted once (the store keeps
//! the newest step used); recovery codes are kept hashed and work once each.

use super::accounts::user_ref;
use super::security::{SecurityKind, note_for};
use super::{App, AppError, AppResult, User};
use crate::secrets;
use embargo_core::account::AccountCommand;
use embargo_core::actor::Actor;
use embargo_core::rejection::{Rejection, Rule};
use embargo_store::{SecondFactorRecord, SecretHash};
use totp_rs::{Algorithm, TOTP};

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;
const STEP_SECONDS: i64 = 30;

/// A secret to type or scan into an authenticator app, shown while setting up.
pub struct Enrolment {
    /// Base32, as apps take it typed.
    pub secret: String,
    /// `otpauth://totp/…`, as apps take it scanned.
    pub uri: String,
}

/// Where an account's second factor stands.
pub struct SecondFactorStatus {
    pub enabled: bool,
    /// Set up but not confirmed: the secret, to finish with.
    pub pending: Option<Enrolment>,
    pub recovery_codes_left: u64,
}

/// RFC 4648 base32 without padding.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn totp(secret: &[u8]) -> AppResult<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS as u64, secret.to_vec())
        .map_err(|e| AppError::Internal(format!("TOTP secret: {e}")))
}

/// The time step whose code `code` is, within one step of `now` (Unix seconds).
fn matching_step(secret: &[u8], code: &str, now: i64) -> AppResult<Option<i64>> {
    let t = totp(secret)?;
    let step = now / STEP_SECONDS;
    for s in [step, step - 1, step + 1] {
        let expected = t.generate((s * STEP_SECONDS).max(0) as u64);
        if secrets::constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// A code as people type it: spaces and dashes dropped, letters upper-cased.
fn normalized(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .take(64)
        .flat_map(char::to_uppercase)
        .collect()
}

fn wrong_code() -> AppError {
    AppError::Rejected(Rejection::invalid(
        "code",
        Rule::InvalidFormat,
        "`code`: not the current code of your authenticator app, nor an unused recovery code",
    ))
}

/// A recovery code: ten base32 characters (50 bits), shown as `XXXXX-XXXXX`.
fn recovery_code() -> String {
    let mut bytes = [0u8; 7];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    let s = base32(&bytes);
    format!("{}-{}", &s[..5], &s[5..10])
}

impl App {
    fn enrolment(&self, user: &User, secret: &[u8]) -> Enrolment {
        let secret = base32(secret);
        let label: String = user
            .email
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"._-@".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        Enrolment {
            uri: format!(
                "otpauth://totp/Embargo:{label}?secret={secret}&issuer=Embargo&algorithm=SHA1&digits=6&period=30"
            ),
            secret,
        }
    }

    pub async fn second_factor_status(&self, user: &User) -> AppResult<SecondFactorStatus> {
        let record = self.store().second_factor(user.id).await?;
        Ok(match record {
            Some(r) if r.confirmed => SecondFactorStatus {
                enabled: true,
                pending: None,
                recovery_codes_left: self.store().recovery_codes_left(user.id).await?,
            },
            Some(r) => SecondFactorStatus {
                enabled: false,
                pending: Some(self.enrolment(user, &r.secret)),
                recovery_codes_left: 0,
            },
            None => SecondFactorStatus {
                enabled: false,
                pending: None,
                recovery_codes_left: 0,
            },
        })
    }

    /// Step one: a new secret for `user`'s authenticator app (replacing one not yet
    /// confirmed). 409 if they have a second factor already.
    pub async fn begin_second_factor(&self, actor: &Actor, user: &User) -> AppResult<Enrolment> {
        // Only the owner: the same rule as confirming.
        self.decide_account(
            actor,
            AccountCommand::EnrolSecondFactor {
                user: user_ref(user),
            },
        )?;
        let mut secret = [0u8; 20];
        getrandom::fill(&mut secret).expect("the operating system's random source");
        if !self
            .store()
            .begin_second_factor(user.id, &secret, self.now())
            .await?
        {
            return Err(AppError::Rejected(Rejection::Conflict {
                field: "second_factor".into(),
                message: "a second factor is set up already; remove it first to set up another"
                    .into(),
            }));
        }
        Ok(self.enrolment(user, &secret))
    }

    /// Step two: a code from the app confirms the secret. Returns the recovery codes,
    /// shown this once.
    pub async fn confirm_second_factor(
        &self,
        actor: &Actor,
        user: &User,
        code: &str,
    ) -> AppResult<Vec<String>> {
        let event = self
            .decide_account(
                actor,
                AccountCommand::EnrolSecondFactor {
                    user: user_ref(user),
                },
            )?
            .remove(0);
        let code = normalized(code);
        if code.is_empty() {
            return Err(AppError::Rejected(Rejection::invalid(
                "code",
                Rule::Required,
                "`code`: type the six digits your authenticator app shows",
            )));
        }
        let pending = match self.store().second_factor(user.id).await? {
            Some(SecondFactorRecord {
                confirmed: false,
                secret,
                ..
            }) => secret,
            Some(_) => {
                return Err(AppError::Rejected(Rejection::Conflict {
                    field: "second_factor".into(),
                    message: "the second factor is confirmed already".into(),
                }));
            }
            None => {
                return Err(AppError::Rejected(Rejection::Conflict {
                    field: "second_factor".into(),
                    message: "set up a second factor first".into(),
                }));
            }
        };
        let Some(step) = matching_step(&pending, &code, self.now().as_second())? else {
            note_for(
                SecurityKind::SecondFactorFailed,
                Some(user.id),
                "setting up",
            );
            return Err(wrong_code());
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashes: Vec<SecretHash> = codes
            .iter()
            .map(|c| SecretHash::of(&normalized(c)))
            .collect();
        if !self
            .store()
            .confirm_second_factor(user.id, step, &hashes, event)
            .await?
        {
            return Err(wrong_code());
        }
        Ok(codes)
    }

    /// Whether `code` is `user`'s current TOTP code (unused) or an unused recovery
    /// code; either is used up by this check. `None`: they have no second factor.
    pub(crate) async fn check_second_factor(
        &self,
        user: &User,
        code: &str,
    ) -> AppResult<Option<bool>> {
        let Some(f) = self
            .store()
            .second_factor(user.id)
            .await?
            .filter(|f| f.confirmed)
        else {
            return Ok(None);
        };
        let code = normalized(code);
        if code.is_empty() {
            return Ok(Some(false));
        }
        let ok = match matching_step(&f.secret, &code, self.now().as_second())? {
            Some(step) => self.store().use_totp_step(user.id, step).await?,
            None => {
                self.store()
                    .use_recovery_code(user.id, &SecretHash::of(&code))
                    .await?
            }
        };
        if !ok {
            note_for(SecurityKind::SecondFactorFailed, Some(user.id), "");
        }
        Ok(Some(ok))
    }

    /// Whether `user` has a confirmed second factor: an authenticator app or a passkey.
    pub async fn has_second_factor(&self, user: &User) -> AppResult<bool> {
        Ok(self
            .store()
            .second_factor(user.id)
            .await?
            .is_some_and(|f| f.confirmed)
            || !self.store().passkeys(user.id).await?.is_empty())
    }

    /// Removes `user`'s second factor; the owner proves it is them with a current code
    /// or a recovery code.
    pub async fn remove_second_factor(
        &self,
        actor: &Actor,
        user: &User,
        code: &str,
    ) -> AppResult<()> {
        let event = self
            .decide_account(
                actor,
                AccountCommand::RemoveSecondFactor {
                    user: user_ref(user),
                },
            )?
            .remove(0);
        match self.check_second_factor(user, code).await? {
            None => {
                return Err(AppError::Rejected(Rejection::Conflict {
                    field: "second_factor".into(),
                    message: "no second factor is set up".into(),
                }));
            }
            Some(false) => return Err(wrong_code()),
            Some(true) => {}
        }
        if !self.store().remove_second_factor(user.id, event).await? {
            return Err(AppError::not_found());
        }
        Ok(())
    }
}

impl App {
    /// For someone who lost their second factors: removes `user`'s authenticator app
    /// and every passkey (an instance admin, or the operator at the command line). The
    /// account hears of each. Returns whether an app went, and whether passkeys did.
    pub async fn reset_second_factors(
        &self,
        actor: &Actor,
        user: &User,
    ) -> AppResult<(bool, bool)> {
        let app_event = self
            .decide_account(
                actor,
                AccountCommand::RemoveSecondFactor {
                    user: user_ref(user),
                },
            )?
            .remove(0);
        let passkey_event = self
            .decide_account(
                actor,
                AccountCommand::RemovePasskey {
                    user: user_ref(user),
                    name: None,
                },
            )?
            .remove(0);
        let app = self
            .store()
            .remove_second_factor(user.id, app_event)
            .await?;
        let passkeys = self
            .store()
            .remove_passkeys(user.id, None, passkey_event)
            .await?;
        Ok((app, passkeys))
    }
}

/// The code an authenticator app shows for `secret` (base32) at `at` (Unix seconds),
/// for tests that play the app.
pub fn code_at(secret_base32: &str, at: i64) -> Option<String> {
    let mut bytes = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in secret_base32.chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bytes.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(totp(&bytes).ok()?.generate(at.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    /// RFC 6238, appendix B (SHA-1, the 20-byte ASCII secret "12345678901234567890").
    #[test]
    fn codes_match_the_rfc_vectors_and_a_step_either_way() {
        let secret = b"12345678901234567890";
        assert_eq!(totp(secret).unwrap().generate(59), "287082");
        assert_eq!(totp(secret).unwrap().generate(1_111_111_109), "081804");
        assert_eq!(
            matching_step(secret, "081804", 1_111_111_109).unwrap(),
            Some(37_037_036)
        );
        assert_eq!(
            matching_step(secret, "081804", 1_111_111_109 + 30).unwrap(),
            Some(37_037_036)
        );
        assert_eq!(
            matching_step(secret, "081804", 1_111_111_109 + 90).unwrap(),
            None
        );
        assert_eq!(code_at(&base32(secret), 59).as_deref(), Some("287082"));
    }

    #[test]
    fn recovery_codes_are_typed_forgivingly() {
        let c = recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(
            normalized(&c.to_lowercase().replace('-', " ")),
            normalized(&c)
        );
    }
}
