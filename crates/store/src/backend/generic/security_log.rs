//! The security log: a bounded table of security events, newest first. Each insert
//! deletes what lies beyond the newest `keep` rows, so the table never grows past it.

use super::Backing;
use crate::backend::{micros, timestamp};
use crate::{Cursor, NewSecurityEvent, Page, PageRequest, Result, SecurityEventRecord};
use embargo_core::ids::UserId;
use sqlx::Row;

#[async_trait::async_trait]
impl crate::SecurityLogStore for Backing {
    async fn record_security_event(&self, e: &NewSecurityEvent, keep: u64) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO security_events (at, kind, route, client, account, detail) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(micros(e.at))
        .bind(&e.kind)
        .bind(&e.route)
        .bind(&e.client)
        .bind(e.account.map(|u| u.0))
        .bind(&e.detail)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        sqlx::query("DELETE FROM security_events WHERE id <= $1")
            .bind(id.saturating_sub(keep))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn security_events(&self, page: &PageRequest) -> Result<Page<SecurityEventRecord>> {
        let before = page.after.as_ref().map_or(i64::MAX, Cursor::key);
        let rows = sqlx::query(
            "SELECT id, at, kind, route, client, account, detail FROM security_events \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(page.limit()) + 1)
        .fetch_all(&self.reader)
        .await?;
        let more = rows.len() > page.limit() as usize;
        let items = rows
            .iter()
            .take(page.limit() as usize)
            .map(|r| {
                Ok(SecurityEventRecord {
                    id: r.try_get("id")?,
                    at: timestamp(r.try_get("at")?)?,
                    kind: r.try_get("kind")?,
                    route: r.try_get("route")?,
                    client: r.try_get("client")?,
                    account: r.try_get::<Option<i64>, _>("account")?.map(UserId),
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = match items.last() {
            Some(last) if more => Some(Cursor::new(last.id, "e")),
            _ => None,
        };
        Ok(Page { items, next })
    }
}
