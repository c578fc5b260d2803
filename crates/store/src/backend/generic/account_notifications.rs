//! Notices about an account's privileges (issue 11 item 6): written with the account
//! and project events that call for them (in their transaction, beside their mail in
//! the outbox), read only by the account they are for.

use super::Backing;
use super::listing::{Builder, limit, page};
use super::support::{DbRow, Tx, from_json, to_json};
use crate::backend::{micros, timestamp};
use crate::{AccountNotificationRecord, NotificationFilter, Page, PageRequest, Result};
use embargo_core::Timestamp;
use embargo_core::account_notice::AccountNotice;
use embargo_core::ids::UserId;
use sqlx::Row;

/// Keeps `notices`, each for its account, in `tx`.
pub(super) async fn keep(
    tx: &mut Tx,
    notices: &[(UserId, AccountNotice)],
    at: Timestamp,
) -> Result<()> {
    for (user, notice) in notices {
        sqlx::query(
            "INSERT INTO account_notifications (user_id, notice, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user.0)
        .bind(to_json(notice))
        .bind(micros(at))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn record(r: &DbRow) -> Result<AccountNotificationRecord> {
    Ok(AccountNotificationRecord {
        id: r.try_get("id_n")?,
        notice: from_json("account notice", &r.try_get::<String, _>("notice")?)?,
        created_at: timestamp(r.try_get("created_at")?)?,
        read_at: r
            .try_get::<Option<i64>, _>("read_at")?
            .map(timestamp)
            .transpose()?,
    })
}

const COLUMNS: &str = "n.id AS id_n, n.notice, n.created_at, n.read_at";

#[async_trait::async_trait]
impl crate::AccountNotificationStore for Backing {
    async fn account_notifications(
        &self,
        user: UserId,
        filter: NotificationFilter,
        page_request: &PageRequest,
    ) -> Result<Page<AccountNotificationRecord>> {
        // Newest first by the id alone (unique), so the cursor's second part is unused.
        let mut q = Builder::new(format!(
            "SELECT {COLUMNS}, n.id AS sort_key, '' AS id FROM account_notifications n \
             WHERE n.user_id = "
        ));
        q.push_bind(user.0);
        match filter {
            NotificationFilter::All => {}
            NotificationFilter::Unread => {
                q.push(" AND n.read_at IS NULL");
            }
        }
        if let Some(after) = &page_request.after {
            q.push(" AND n.id < ");
            q.push_bind(after.key);
        }
        // `n.id`: the output's `id` is the cursor's (empty) tie-break.
        q.push(" ORDER BY n.id DESC");
        limit(&mut q, page_request);
        let rows = q.build().fetch_all(&self.reader).await?;
        page(rows, page_request, |r| record(r).map(Some))
    }

    async fn account_notification(
        &self,
        user: UserId,
        id: i64,
    ) -> Result<Option<AccountNotificationRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM account_notifications n WHERE n.id = $1 AND n.user_id = $2"
        )))
        .bind(id)
        .bind(user.0)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(record).transpose()
    }

    async fn unread_account_notifications(&self, user: UserId) -> Result<u64> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM account_notifications \
             WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user.0)
        .fetch_one(&self.reader)
        .await?
        .try_get("n")?;
        Ok(n as u64)
    }

    async fn mark_account_notifications_read(
        &self,
        user: UserId,
        only: Option<i64>,
        now: Timestamp,
    ) -> Result<u64> {
        let mut q = Builder::new("UPDATE account_notifications SET read_at = ");
        q.push_bind(micros(now));
        q.push(" WHERE read_at IS NULL AND user_id = ");
        q.push_bind(user.0);
        if let Some(id) = only {
            q.push(" AND id = ");
            q.push_bind(id);
        }
        Ok(q.build().execute(&self.writer).await?.rows_affected())
    }
}
