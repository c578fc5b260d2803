//! The outbox: work the events ask of the outside world (`core::effect`), queued in the
//! events' transaction and claimed by workers.

use super::Backing;
use super::support::{Tx, corrupt, from_json, to_json};
use crate::ProjectStore;
use crate::backend::{Dialect, micros};
use crate::{Job, Result};
use embargo_core::Timestamp;
use embargo_core::case::Case;
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::CaseId;
use embargo_core::project::Project;
use sqlx::Row;

/// Queues the work the events ask for (`core::effect`), in the events' transaction.
pub(super) async fn queue_effects(
    tx: &mut Tx,
    case: &Case,
    events: &[Recorded<Event>],
) -> Result<()> {
    for e in events {
        for effect in embargo_core::effect::effects(case, &e.event) {
            sqlx::query(
                "INSERT INTO outbox (case_id, effect, created_at, attempts, next_attempt_at) \
                 VALUES ($1, $2, $3, 0, $4)",
            )
            .bind(case.id.as_str())
            .bind(to_json(&effect))
            .bind(micros(e.at))
            .bind(micros(e.at + effect.delay()))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl crate::OutboxStore for Backing {
    async fn due_jobs(&self, now: Timestamp, limit: u32) -> Result<Vec<Job>> {
        let rows = sqlx::query(
            "SELECT id, case_id, effect, attempts FROM outbox \
             WHERE done_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Job {
                    id: r.try_get("id")?,
                    case: CaseId::parse(&r.try_get::<String, _>("case_id")?)
                        .ok_or_else(|| corrupt("outbox case id", "unparseable"))?,
                    effect: from_json("outbox effect", &r.try_get::<String, _>("effect")?)?,
                    attempts: r.try_get::<i64, _>("attempts")? as u32,
                })
            })
            .collect()
    }

    async fn claim_job(&self, job: &Job, lease_until: Timestamp) -> Result<bool> {
        // A conditional update: of two workers, only the one that still sees the
        // attempt count it read gets the job. Where rows can be locked, a worker that
        // finds the row locked by another's claim passes instead of waiting for it.
        let sql = format!(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3 \
             WHERE id = (SELECT id FROM outbox \
                         WHERE id = $1 AND attempts = $2 AND done_at IS NULL{})",
            Backing::SKIP_LOCKED
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(job.id)
            .bind(i64::from(job.attempts))
            .bind(micros(lease_until))
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_job(&self, job: &Job, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE outbox SET done_at = $2, last_error = NULL WHERE id = $1")
            .bind(job.id)
            .bind(micros(now))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn retry_job(&self, job: &Job, error: &str, next_attempt_at: Timestamp) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET last_error = $2, next_attempt_at = $3 \
             WHERE id = $1 AND done_at IS NULL",
        )
        .bind(job.id)
        .bind(error)
        .bind(micros(next_attempt_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn case_for_job(&self, job: &Job) -> Result<Option<(Case, Project)>> {
        let row = sqlx::query(
            "SELECT c.state FROM cases c WHERE c.id = $1 \
             AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = $2 AND o.case_id = c.id)",
        )
        .bind(job.case.as_str())
        .bind(job.id)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let case: Case = from_json("case", &row.try_get::<String, _>("state")?)?;
        let project = self
            .project(&case.project)
            .await?
            .ok_or_else(|| corrupt("case project", "missing"))?;
        Ok(Some((case, project)))
    }
}
