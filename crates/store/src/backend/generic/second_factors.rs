//! Second factors: an account's TOTP secret (confirmed or not yet), the newest time
//! step used (so a code works once), and its recovery codes (hashed, deleted when
//! used). Enrolling and removing are account events.

use super::Backing;
use super::accounts::append_account_events;
use super::support::retrying;
use crate::backend::micros;
use crate::{Result, SecondFactorRecord, SecretHash};
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
}
