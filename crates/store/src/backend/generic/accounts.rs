//! Accounts and API tokens: each change appends to the `accounts` stream in the same
//! transaction as its row.

use super::Backing;
use super::outbox::queue_account_effects;
use super::support::{Tx, append, read_stream, retrying, unique_violation, user_from_row};
use crate::backend::{micros, timestamp};
use crate::chain::{ChainKey, stream};
use crate::{ApiTokenRecord, NewApiToken, NewUser, Result, SecretHash, StoreError};
use crate::{StoredEvent, UserRecord};
use embargo_core::Timestamp;
use embargo_core::account::{AccountEvent, TokenId};
use embargo_core::event::Recorded;
use embargo_core::ids::UserId;
use sqlx::Row;

pub(super) async fn insert_user(tx: &mut super::support::Tx, u: &NewUser) -> Result<()> {
    let taken = sqlx::query("SELECT 1 FROM users WHERE email = $1")
        .bind(&u.email)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Taken { field: "email" });
    }
    let r = sqlx::query(
        "INSERT INTO users (id, email, name, instance_admin, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(u.id.0)
    .bind(&u.email)
    .bind(&u.name)
    .bind(u.instance_admin)
    .bind(u.password_hash.as_deref())
    .bind(micros(u.created_at))
    .execute(&mut **tx)
    .await;
    match r {
        Err(e) if unique_violation(&e) => Err(StoreError::Taken { field: "email" }),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

/// Appends to the `accounts` stream and queues the work the events ask for, in `tx`.
pub(super) async fn append_account_events(
    tx: &mut Tx,
    chain: &ChainKey,
    events: &[Recorded<AccountEvent>],
) -> Result<()> {
    append(
        tx,
        chain,
        stream::ACCOUNTS,
        None,
        AccountEvent::kind,
        events,
        None,
    )
    .await?;
    queue_account_effects(tx, events).await?;
    Ok(())
}

#[async_trait::async_trait]
impl crate::AccountStore for Backing {
    async fn user_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        Ok(n as u64)
    }

    async fn create_user(&self, user: NewUser, event: Recorded<AccountEvent>) -> Result<()> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            insert_user(&mut tx, &user).await?;
            append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = $1");
        let row = sqlx::query(sql)
            .bind(id.0)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn users(&self) -> Result<Vec<UserRecord>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users u ORDER BY u.email");
        let rows = sqlx::query(sql).fetch_all(&self.reader).await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.email = $1"
        );
        let row = sqlx::query(sql)
            .bind(embargo_core::account::normalize_email(email))
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn set_password(
        &self,
        user: UserId,
        password_hash: &str,
        event: Recorded<AccountEvent>,
    ) -> Result<()> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user.0)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn create_api_token(
        &self,
        token: NewApiToken,
        event: Recorded<AccountEvent>,
    ) -> Result<()> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token.id.0)
            .bind(token.user.0)
            .bind(&token.name)
            .bind(&token.hash.0[..])
            .bind(micros(token.created_at))
            .execute(&mut *tx)
            .await?;
            let events = std::slice::from_ref(&event);
            append_account_events(&mut tx, &self.chain, events).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn user_for_api_token(&self, hash: &SecretHash) -> Result<Option<(UserRecord, TokenId)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", t.id AS token_id \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(&hash.0[..])
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token = TokenId(row.try_get("token_id")?);
        Ok(Some((user_from_row(&row)?, token)))
    }

    async fn record_token_uses(&self, uses: &[(TokenId, Timestamp)]) -> Result<()> {
        if uses.is_empty() {
            return Ok(());
        }
        let mut tx = self.writer.begin().await?;
        for (token, at) in uses {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2 \
                 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
            )
            .bind(token.0)
            .bind(micros(*at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM api_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id",
        )
        .bind(user.0)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenRecord {
                    id: TokenId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    created_at: timestamp(r.try_get("created_at")?)?,
                    last_used_at: r
                        .try_get::<Option<i64>, _>("last_used_at")?
                        .map(timestamp)
                        .transpose()?,
                })
            })
            .collect()
    }

    async fn revoke_api_token(
        &self,
        user: UserId,
        id: TokenId,
        event: Recorded<AccountEvent>,
    ) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $3 \
                 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            )
            .bind(id.0)
            .bind(user.0)
            .bind(micros(event.at))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Ok(false);
            }
            let events = std::slice::from_ref(&event);
            append_account_events(&mut tx, &self.chain, events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn account_events(&self) -> Result<Vec<StoredEvent<AccountEvent>>> {
        read_stream(&self.reader, stream::ACCOUNTS).await
    }

    async fn user_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM oidc_identities i JOIN users u ON u.id = i.user_id \
             WHERE i.provider = $1 AND i.subject = $2"
        ))
        .bind(provider)
        .bind(subject)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn identity_of(&self, user: UserId, provider: &str) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT subject FROM oidc_identities WHERE user_id = $1 AND provider = $2")
                .bind(user.0)
                .bind(provider)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.map(|r| r.try_get("subject")).transpose()?)
    }

    async fn link_identity(&self, event: Recorded<AccountEvent>) -> Result<()> {
        let AccountEvent::IdentityLinked {
            user,
            provider,
            subject,
        } = &event.event
        else {
            return Err(super::support::corrupt(
                "identity event",
                "not `identity_linked`",
            ));
        };
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let r = sqlx::query(
                "INSERT INTO oidc_identities (provider, subject, user_id, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(provider)
            .bind(subject)
            .bind(user.id.0)
            .bind(micros(event.at))
            .execute(&mut *tx)
            .await;
            match r {
                Err(e) if unique_violation(&e) => {
                    return Err(StoreError::Taken { field: "subject" });
                }
                other => other?,
            };
            append_account_events(&mut tx, &self.chain, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}
