//! Releases shared by several cases (the `release:<id>` streams), kept as rows beside
//! the JSON state, with which case is in which (`release_cases`). A change of a release
//! appends to its stream and to each joined case's stream in one transaction.

use super::Backing;
use super::cases::append_case;
use super::outbox::queue_case_effects;
use super::support::{Tx, append, from_json, read_stream, to_json, unique_violation};
use crate::backend::micros;
use crate::chain::stream;
use crate::{CaseAppend, Queued, Result, StoreError, StoredEvent};
use embargo_core::event::Recorded;
use embargo_core::ids::{CaseId, ProjectSlug};
use embargo_core::shared_release::{ReleaseEvent, ReleaseId, SharedRelease};
use sqlx::Row;

pub(super) async fn save_release(tx: &mut Tx, r: &SharedRelease) -> Result<()> {
    sqlx::query(
        "INSERT INTO releases (id, project, name, version, created_at, updated_at, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = $3, version = $4, updated_at = $6, state = $7",
    )
    .bind(r.id.as_str())
    .bind(r.project.as_str())
    .bind(&r.name)
    .bind(r.version as i64)
    .bind(micros(r.created_at))
    .bind(micros(r.updated_at))
    .bind(to_json(r))
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
        append(
            &mut tx,
            &self.chain,
            &stream::release(&release.id),
            Some(0),
            ReleaseEvent::kind,
            events,
            None,
        )
        .await?;
        save_release(&mut tx, release).await?;
        match tx.commit().await {
            Err(e) if unique_violation(&e) => Err(StoreError::Conflict),
            other => other.map_err(Into::into),
        }
    }

    async fn update_release(
        &self,
        before: u64,
        release: &SharedRelease,
        events: &[Recorded<ReleaseEvent>],
        cases: &[CaseAppend<'_>],
    ) -> Result<Vec<Queued>> {
        let mut tx = self.writer.begin().await?;
        append(
            &mut tx,
            &self.chain,
            &stream::release(&release.id),
            Some(before),
            ReleaseEvent::kind,
            events,
            None,
        )
        .await?;
        save_release(&mut tx, release).await?;
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
        Ok(queued)
    }

    async fn release(&self, id: &ReleaseId) -> Result<Option<SharedRelease>> {
        let row = sqlx::query("SELECT state FROM releases WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| from_json("release", &r.try_get::<String, _>("state")?))
            .transpose()
    }

    async fn releases_of_project(&self, project: &ProjectSlug) -> Result<Vec<SharedRelease>> {
        let rows = sqlx::query(
            "SELECT state FROM releases WHERE project = $1 ORDER BY created_at DESC, id",
        )
        .bind(project.as_str())
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| from_json("release", &r.try_get::<String, _>("state")?))
            .collect()
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
        read_stream(&self.reader, &stream::release(id)).await
    }
}
