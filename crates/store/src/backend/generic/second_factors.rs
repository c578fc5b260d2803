//! Second factors: an account's TOTP secret (confirmed or not yet), the newest time
//! step used (so a code works once), and its recovery codes (hashed, deleted when
//! used). Enrolling and removing are account events.

use super::Backing;
use super::accounts::append_account_events;
use super::support::retrying;
use crate::backend::micros;
use crate::{PasskeyRecord, Result, SecondFactorRecord, SecretHash};
use embargo_core::Timestamp;
use embargo_core::account::AccountEvent;
use embargo_core::event::Recorded;
use embargo_core::ids::UserId;
use sqlx::Row;

#[async_trait::async_trait]
impl crate::SecondFactorStore for Backing {
    async fn begin_second_factor(
        &self,
        user: UserId,
        secret: &[u8],
        now: Timestamp,
    ) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO second_factors (user_id, secret, confirmed, last_step, created_at) \
             VALUES ($1, $2, FALSE, 0, $3) \
             ON CONFLICT (user_id) DO UPDATE SET secret = $2, created_at = $3 \
             WHERE second_factors.confirmed = FALSE",
        )
        .bind(user.0)
        .bind(secret)
        .bind(micros(now))
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn second_factor(&self, user: UserId) -> Result<Option<SecondFactorRecord>> {
        let row = sqlx::query(
            "SELECT secret, confirmed, last_step FROM second_factors WHERE user_id = $1",
        )
        .bind(user.0)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| {
            Ok(SecondFactorRecord {
                secret: r.try_get("secret")?,
                confirmed: r.try_get("confirmed")?,
                last_step: r.try_get("last_step")?,
            })
        })
        .transpose()
    }

    async fn confirm_second_factor(
        &self,
        user: UserId,
        step: i64,
        recovery: &[SecretHash],
        event: Recorded<AccountEvent>,
    ) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let n = sqlx::query(
                "UPDATE second_factors SET confirmed = TRUE, last_step = $2 \
                 WHERE user_id = $1 AND confirmed = FALSE AND last_step < $2",
            )
            .bind(user.0)
            .bind(step)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            for h in recovery {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user.0)
                    .bind(&h.0[..])
                    .execute(&mut *tx)
                    .await?;
            }
            append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE second_factors SET last_step = $2 \
             WHERE user_id = $1 AND confirmed = TRUE AND last_step < $2",
        )
        .bind(user.0)
        .bind(step)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn use_recovery_code(&self, user: UserId, hash: &SecretHash) -> Result<bool> {
        let n = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2")
            .bind(user.0)
            .bind(&hash.0[..])
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn recovery_codes_left(&self, user: UserId) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1")
            .bind(user.0)
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        Ok(n as u64)
    }

    async fn remove_second_factor(
        &self,
        user: UserId,
        event: Recorded<AccountEvent>,
    ) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            let n =
                sqlx::query("DELETE FROM second_factors WHERE user_id = $1 AND confirmed = TRUE")
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn passkeys(&self, user: UserId) -> Result<Vec<PasskeyRecord>> {
        let rows = sqlx::query(
            "SELECT id, user_id, credential_id, user_handle, static_state, dynamic_state, \
             name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY id",
        )
        .bind(user.0)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(passkey).collect()
    }

    async fn passkey_by_credential(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>> {
        let row = sqlx::query(
            "SELECT id, user_id, credential_id, user_handle, static_state, dynamic_state, \
             name, created_at, last_used_at FROM passkeys WHERE credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(passkey).transpose()
    }

    async fn add_passkey(&self, p: &PasskeyRecord, event: Recorded<AccountEvent>) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let n = sqlx::query(
                "INSERT INTO passkeys (user_id, credential_id, user_handle, static_state, \
                 dynamic_state, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (credential_id) DO NOTHING",
            )
            .bind(p.user.0)
            .bind(&p.credential_id)
            .bind(&p.user_handle)
            .bind(&p.static_state)
            .bind(&p.dynamic_state)
            .bind(&p.name)
            .bind(micros(p.created_at))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn passkey_used(&self, id: i64, dynamic_state: &[u8], now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE passkeys SET dynamic_state = $2, last_used_at = $3 WHERE id = $1")
            .bind(id)
            .bind(dynamic_state)
            .bind(micros(now))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn remove_passkeys(
        &self,
        user: UserId,
        id: Option<i64>,
        event: Recorded<AccountEvent>,
    ) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let n =
                sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND ($2 IS NULL OR id = $2)")
                    .bind(user.0)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn spend_challenge(
        &self,
        challenge: &[u8],
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            sqlx::query("DELETE FROM used_challenges WHERE expires_at < $1")
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query(
                "INSERT INTO used_challenges (challenge, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (challenge) DO NOTHING",
            )
            .bind(challenge)
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
        .await
    }
}

fn passkey(r: &super::support::DbRow) -> Result<PasskeyRecord> {
    Ok(PasskeyRecord {
        id: r.try_get("id")?,
        user: UserId(r.try_get("user_id")?),
        credential_id: r.try_get("credential_id")?,
        user_handle: r.try_get("user_handle")?,
        static_state: r.try_get("static_state")?,
        dynamic_state: r.try_get("dynamic_state")?,
        name: r.try_get("name")?,
        created_at: crate::backend::timestamp(r.try_get("created_at")?)?,
        last_used_at: r
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(crate::backend::timestamp)
            .transpose()?,
    })
}
