//! Sign-in sessions, the first-run setup token and one-time password links. They are
//! secrets looked up by their hash; only their outcomes (an account, a password) are events.

use super::Backing;
use super::accounts::{append_account_events, insert_user};
use super::support::{corrupt, retrying, user_from_row};
use crate::backend::{micros, timestamp};
use crate::{
    NewSession, NewUser, OidcLogin, Result, SecretHash, SessionInfo, SessionRecord, UserRecord,
};
use embargo_core::Timestamp;
use embargo_core::account::AccountEvent;
use embargo_core::event::Recorded;
use embargo_core::ids::UserId;
use sqlx::Row;

/// A sign-in abandoned at the provider is swept a day after it could no longer be used.
const OIDC_LOGIN_SWEEP_MICROS: i64 = 24 * 3600 * 1_000_000;

#[async_trait::async_trait]
impl crate::SessionStore for Backing {
    async fn create_session(&self, s: NewSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.hash.0[..])
        .bind(s.user.0)
        .bind(&s.csrf_token)
        .bind(micros(s.created_at))
        .bind(micros(s.expires_at))
        .execute(&self.writer)
        .await?;
        // Sweeping here keeps the table small without a separate job.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(micros(s.created_at))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn session(
        &self,
        hash: &SecretHash,
        now: Timestamp,
    ) -> Result<Option<(SessionRecord, UserRecord)>> {
        self.session_row(hash, now).await
    }

    async fn delete_session(&self, hash: &SecretHash) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&hash.0[..])
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn sessions_of(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionInfo>> {
        let rows = sqlx::query(
            "SELECT token_hash, created_at, expires_at FROM sessions \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash",
        )
        .bind(user.0)
        .bind(micros(now))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let hash: Vec<u8> = r.try_get("token_hash")?;
                Ok(SessionInfo {
                    hash: SecretHash(
                        hash.try_into()
                            .map_err(|_| corrupt("session", "a hash that is not 32 bytes"))?,
                    ),
                    created_at: timestamp(r.try_get("created_at")?)?,
                    expires_at: timestamp(r.try_get("expires_at")?)?,
                })
            })
            .collect()
    }

    async fn end_sessions(&self, user: UserId, keep: Option<&SecretHash>) -> Result<u64> {
        // No session hash is all zeros: SHA-256 of a random token.
        let keep = keep.map_or([0u8; 32], |h| h.0);
        Ok(
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user.0)
                .bind(&keep[..])
                .execute(&self.writer)
                .await?
                .rows_affected(),
        )
    }

    async fn create_oidc_login(&self, l: OidcLogin) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, provider, nonce, pkce_verifier, next, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&l.state_hash.0[..])
        .bind(&l.provider)
        .bind(&l.nonce)
        .bind(&l.pkce_verifier)
        .bind(&l.next)
        .bind(micros(l.expires_at))
        .execute(&self.writer)
        .await?;
        // Abandoned sign-ins: swept here, as sessions are, without a job of their own.
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1")
            .bind(micros(l.expires_at) - OIDC_LOGIN_SWEEP_MICROS)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn take_oidc_login(
        &self,
        state: &SecretHash,
        now: Timestamp,
    ) -> Result<Option<OidcLogin>> {
        let row = sqlx::query(
            "DELETE FROM oidc_logins WHERE state_hash = $1 \
             RETURNING provider, nonce, pkce_verifier, next, expires_at",
        )
        .bind(&state.0[..])
        .fetch_optional(&self.writer)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at = timestamp(row.try_get("expires_at")?)?;
        if expires_at <= now {
            return Ok(None);
        }
        Ok(Some(OidcLogin {
            state_hash: state.clone(),
            provider: row.try_get("provider")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            next: row.try_get("next")?,
            expires_at,
        }))
    }

    async fn replace_setup_token(&self, hash: &SecretHash, expires_at: Timestamp) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO setup_tokens (token_hash, expires_at) VALUES ($1, $2)")
            .bind(&hash.0[..])
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn complete_setup(
        &self,
        hash: &SecretHash,
        now: Timestamp,
        user: NewUser,
        events: Vec<Recorded<AccountEvent>>,
    ) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let used =
                sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
                    .bind(&hash.0[..])
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if used == 0 {
                return Ok(false);
            }
            insert_user(&mut tx, &user).await?;
            append_account_events(&mut tx, &self.chain, &events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn create_password_token(
        &self,
        user: UserId,
        hash: &SecretHash,
        expires_at: Timestamp,
        event: Recorded<AccountEvent>,
    ) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        // No account event queues work yet (the invitation mail comes with mail).
        append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
        let live =
            sqlx::query("DELETE FROM password_tokens WHERE user_id = $1 AND expires_at > $2")
                .bind(user.0)
                .bind(micros(event.at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query("DELETE FROM password_tokens WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO password_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(&hash.0[..])
        .bind(user.0)
        .bind(micros(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(live)
    }

    async fn password_token_user(
        &self,
        hash: &SecretHash,
        now: Timestamp,
    ) -> Result<Option<UserRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM password_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2"
        ))
        .bind(&hash.0[..])
        .bind(micros(now))
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn use_password_token(
        &self,
        hash: &SecretHash,
        now: Timestamp,
        password_hash: &str,
        event: Recorded<AccountEvent>,
    ) -> Result<bool> {
        let AccountEvent::PasswordSet { user } = &event.event else {
            return Err(corrupt("password event", "not `password_set`"));
        };
        let user = user.id;
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let used = sqlx::query(
                "DELETE FROM password_tokens \
                 WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3",
            )
            .bind(&hash.0[..])
            .bind(user.0)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if used == 0 {
                return Ok(false);
            }
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user.0)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            // A new password ends every session opened with the old one.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            let events = std::slice::from_ref(&event);
            append_account_events(&mut tx, &self.chain, events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }
}

/// A session that has not expired (`$1`: its hash, `$2`: now) with its user. Each
/// backend runs it its own way (`session_row`): SQLite on the request's own thread.
pub(super) const SESSION: &str = concat!(
    "SELECT ",
    user_columns!(),
    ", s.csrf_token, s.expires_at, s.created_at AS signed_in_at \
     FROM sessions s JOIN users u ON u.id = s.user_id \
     WHERE s.token_hash = $1 AND s.expires_at > $2"
);
