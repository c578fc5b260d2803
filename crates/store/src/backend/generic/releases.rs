//! Releases shared by several cases (the `release:<id>` streams), kept as rows beside
//! the JSON state, with which case is in which (`release_cases`). A change of a release
//! appends to its stream and to each joined case's stream in one transaction.

use super::Backing;
use super::cases::{append_case, text_key_in};
use super::outbox::queue_case_effects;
use super::support::{DbRow, TextKey, Tx, append, from_json, to_json, unique_violation};
use crate::backend::micros;
use crate::chain::stream;
use crate::{CaseAppend, Queued, Result, StoreError, StoredEvent};
use embargo_core::event::Recorded;
use embargo_core::ids::{CaseId, ProjectSlug};
use embargo_core::shared_release::{ReleaseEvent, ReleaseId, SharedRelease};
use sqlx::Row;

/// Where a release's projection is, for its seal.
pub(super) const RELEASE_PLACE: &str = "release";

/// Saves a release's projection; with `keys`, sealed like a case's (its name, dates and
/// the reasons for changing them), the `name` column left empty.
pub(super) async fn save_release(
    tx: &mut Tx,
    r: &SharedRelease,
    keys: Option<&TextKey>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO releases (id, project, name, version, created_at, updated_at, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = $3, version = $4, updated_at = $6, state = $7",
    )
    .bind(r.id.as_str())
    .bind(r.project.as_str())
    .bind(match keys {
        Some(_) => String::new(),
        None => r.name.clone(),
    })
    .bind(r.version as i64)
    .bind(micros(r.created_at))
    .bind(micros(r.updated_at))
    .bind(match keys {
        Some(k) => k.seal(RELEASE_PLACE, &to_json(r)),
        None => to_json(r),
    })
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM release_cases WHERE release_id = $1")
        .bind(r.id.as_str())
        .execute(&mut **tx)
        .await?;
    for c in &r.cases {
        let inserted =
            sqlx::query("INSERT INTO release_cases (case_id, release_id) VALUES ($1, $2)")
                .bind(c.as_str())
                .bind(r.id.as_str())
                .execute(&mut **tx)
                .await;
        match inserted {
            // Another release took the case meanwhile: decide again.
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict),
            other => other?,
        };
    }
    Ok(())
}

#[async_trait::async_trait]
impl crate::ReleaseStore for Backing {
    async fn create_release(
        &self,
        release: &SharedRelease,
        events: &[Recorded<ReleaseEvent>],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let keys = text_key_in(&mut tx, self.sealing.as_deref(), release.project.as_str()).await?;
        append(
            &mut tx,
            &self.chain,
            &stream::release(&release.id),
            Some(0),
            ReleaseEvent::kind,
            events,
            keys.as_ref(),
        )
        .await?;
        save_release(&mut tx, release, keys.as_ref()).await?;
        match tx.commit().await {
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict),
            other => other?,
        }
        self.keep_keys(release.project.as_str()).await;
        Ok(())
    }

    async fn update_release(
        &self,
        before: u64,
        release: &SharedRelease,
        events: &[Recorded<ReleaseEvent>],
        cases: &[CaseAppend<'_>],
    ) -> Result<Vec<Queued>> {
        let mut tx = self.writer.begin().await?;
        let keys = text_key_in(&mut tx, self.sealing.as_deref(), release.project.as_str()).await?;
        append(
            &mut tx,
            &self.chain,
            &stream::release(&release.id),
            Some(before),
            ReleaseEvent::kind,
            events,
            keys.as_ref(),
        )
        .await?;
        save_release(&mut tx, release, keys.as_ref()).await?;
        let mut queued = Vec::new();
        for c in cases {
            append_case(
                &mut tx,
                &self.chain,
                self.sealing.as_deref(),
                c.before,
                c.case,
                c.events,
            )
            .await?;
            queued.extend(queue_case_effects(&mut tx, c.case, c.events, None).await?);
        }
        tx.commit().await?;
        self.keep_keys(release.project.as_str()).await;
        Ok(queued)
    }

    async fn release(&self, id: &ReleaseId) -> Result<Option<SharedRelease>> {
        let row = sqlx::query("SELECT state FROM releases WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        match row {
            Some(r) => self.release_from(&r).await.map(Some),
            None => Ok(None),
        }
    }

    async fn releases_of_project(&self, project: &ProjectSlug) -> Result<Vec<SharedRelease>> {
        let rows = sqlx::query(
            "SELECT state FROM releases WHERE project = $1 ORDER BY created_at DESC, id",
        )
        .bind(project.as_str())
        .fetch_all(&self.reader)
        .await?;
        let mut releases = Vec::with_capacity(rows.len());
        for r in &rows {
            releases.push(self.release_from(r).await?);
        }
        Ok(releases)
    }

    async fn release_of_case(&self, case: &CaseId) -> Result<Option<ReleaseId>> {
        let row = sqlx::query("SELECT release_id FROM release_cases WHERE case_id = $1")
            .bind(case.as_str())
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| {
            let id: String = r.try_get("release_id")?;
            ReleaseId::parse(&id).ok_or_else(|| StoreError::Corrupt(format!("release id {id}")))
        })
        .transpose()
    }

    async fn release_events(&self, id: &ReleaseId) -> Result<Vec<StoredEvent<ReleaseEvent>>> {
        let stream = stream::release(id);
        let rows = sqlx::query("SELECT seq, body, hash FROM events WHERE stream = $1 ORDER BY seq")
            .bind(&stream)
            .fetch_all(&self.reader)
            .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.push(self.stored_sealed_event(&stream, row).await?);
        }
        Ok(events)
    }
}

impl Backing {
    /// A row's `state` as a release, opened.
    async fn release_from(&self, row: &DbRow) -> Result<SharedRelease> {
        let stored: String = row.try_get("state")?;
        from_json("release", &self.open_text(RELEASE_PLACE, stored).await?)
    }
}
