//! Cases (the `case:<id>` streams): submitted, appended to, and read only through a
//! viewer's scope (`core::access`), with their attachments' bytes.

use super::Backing;
use super::outbox::queue_effects;
use super::support::{
    DbRow, Tx, append, corrupt, from_json, read_stream, to_json, unique_violation,
};
use crate::backend::micros;
use crate::chain::stream;
use crate::{CaseAccess, CaseFilter, NewFile, Result, SecretHash, StoreError, StoredEvent};
use embargo_core::access::{self, Scope};
use embargo_core::actor::Actor;
use embargo_core::case::Case;
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::{AttachmentId, CaseId, ProjectSlug};
use embargo_core::project::Project;
use sqlx::Row;

pub(super) async fn save_case(tx: &mut Tx, c: &Case) -> Result<()> {
    sqlx::query(
        "UPDATE cases SET stage = $2, title = $3, version = $4, updated_at = $5, state = $6 \
         WHERE id = $1",
    )
    .bind(c.id.as_str())
    .bind(c.stage.as_str())
    .bind(&c.report.title)
    .bind(c.version as i64)
    .bind(micros(c.updated_at))
    .bind(to_json(c))
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM case_people WHERE case_id = $1")
        .bind(c.id.as_str())
        .execute(&mut **tx)
        .await?;
    let people = c
        .people
        .coordinator
        .iter()
        .map(|u| (u.id, "coordinator"))
        .chain(
            c.people
                .collaborators
                .iter()
                .map(|u| (u.id, "collaborator")),
        );
    for (user, relation) in people {
        sqlx::query("INSERT INTO case_people (case_id, user_id, relation) VALUES ($1, $2, $3)")
            .bind(c.id.as_str())
            .bind(user.0)
            .bind(relation)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn save_files(tx: &mut Tx, case: &CaseId, files: &[NewFile]) -> Result<()> {
    for f in files {
        sqlx::query(
            "INSERT INTO attachments (id, case_id, size, sha256, content) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(f.id.as_str())
        .bind(case.as_str())
        .bind(f.content.len() as i64)
        .bind(&f.sha256)
        .bind(&f.content)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The rule for the public side, checked again on the state itself so that a stage
/// column out of step with the case could never publish an embargoed case.
fn public(case: Case) -> Option<Case> {
    (case.stage.is_public() && case.disclosure.disclosed_at.is_some()).then_some(case)
}

impl Backing {
    async fn access(&self, row: Option<DbRow>, actor: &Actor) -> Result<Option<CaseAccess>> {
        let Some(row) = row else { return Ok(None) };
        let case: Case = from_json("case", &row.try_get::<String, _>("state")?)?;
        let Some(project) = self.load_project(case.project.as_str()).await? else {
            return Err(corrupt("case", format!("{} has no project", case.id)));
        };
        // The one visibility rule lives in core; the store only refuses to hand out
        // what it says no to.
        Ok(access::standing(actor, &project, &case).map(|s| CaseAccess::new(case, project, s)))
    }
}

#[async_trait::async_trait]
impl crate::CaseStore for Backing {
    async fn submit_case(
        &self,
        case: &Case,
        events: &[Recorded<Event>],
        tracking_token: &SecretHash,
        files: &[NewFile],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO cases (id, project, stage, title, version, received_at, updated_at, \
                                tracking_token_hash, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(case.id.as_str())
        .bind(case.project.as_str())
        .bind(case.stage.as_str())
        .bind(&case.report.title)
        .bind(case.version as i64)
        .bind(micros(case.received_at))
        .bind(micros(case.updated_at))
        .bind(&tracking_token.0[..])
        .bind(to_json(case))
        .execute(&mut *tx)
        .await;
        match inserted {
            // A random id or token collided: the caller draws new ones.
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict),
            other => other?,
        };
        append(
            &mut tx,
            &stream::case(&case.id),
            Some(0),
            Event::kind,
            events,
        )
        .await?;
        save_files(&mut tx, &case.id, files).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn append_case_events(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        files: &[NewFile],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        append(
            &mut tx,
            &stream::case(&case.id),
            Some(before),
            Event::kind,
            events,
        )
        .await?;
        save_case(&mut tx, case).await?;
        save_files(&mut tx, &case.id, files).await?;
        queue_effects(&mut tx, case, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn case_for_viewer(&self, id: &CaseId, actor: &Actor) -> Result<Option<CaseAccess>> {
        let row = sqlx::query("SELECT state FROM cases WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        self.access(row, actor).await
    }

    async fn public_case(&self, id: &CaseId) -> Result<Option<Case>> {
        let row = sqlx::query(
            "SELECT state FROM cases WHERE id = $1 AND stage IN ('disclosed', 'closed')",
        )
        .bind(id.as_str())
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let case: Case = from_json("case", &row.try_get::<String, _>("state")?)?;
        Ok(public(case))
    }

    async fn public_cases(&self, project: &ProjectSlug) -> Result<Vec<Case>> {
        let rows = sqlx::query(
            "SELECT state FROM cases WHERE project = $1 AND stage IN ('disclosed', 'closed')",
        )
        .bind(project.as_str())
        .fetch_all(&self.reader)
        .await?;
        let mut cases = Vec::with_capacity(rows.len());
        for r in rows {
            cases.extend(public(from_json(
                "case",
                &r.try_get::<String, _>("state")?,
            )?));
        }
        cases.sort_by(|a, b| {
            b.disclosure
                .disclosed_at
                .cmp(&a.disclosure.disclosed_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(cases)
    }

    async fn case_for_tracking_token(&self, hash: &SecretHash) -> Result<Option<CaseAccess>> {
        let row = sqlx::query("SELECT id, state FROM cases WHERE tracking_token_hash = $1")
            .bind(&hash.0[..])
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id = CaseId::parse(&row.try_get::<String, _>("id")?)
            .ok_or_else(|| corrupt("case id", "unparseable"))?;
        self.access(Some(row), &Actor::Reporter(id)).await
    }

    async fn cases_for_viewer(
        &self,
        project: &Project,
        actor: &Actor,
        filter: &CaseFilter,
    ) -> Result<Vec<Case>> {
        let rows = match access::scope(actor, project) {
            Scope::Nothing => return Ok(Vec::new()),
            Scope::All => {
                sqlx::query("SELECT state FROM cases WHERE project = $1 ORDER BY received_at, id")
                    .bind(project.slug.as_str())
                    .fetch_all(&self.reader)
                    .await?
            }
            Scope::Involved(user) => {
                sqlx::query(
                    "SELECT c.state FROM cases c WHERE c.project = $1 AND EXISTS \
                     (SELECT 1 FROM case_people p WHERE p.case_id = c.id AND p.user_id = $2) \
                     ORDER BY c.received_at, c.id",
                )
                .bind(project.slug.as_str())
                .bind(user.0)
                .fetch_all(&self.reader)
                .await?
            }
            Scope::One(id) => {
                sqlx::query("SELECT state FROM cases WHERE project = $1 AND id = $2")
                    .bind(project.slug.as_str())
                    .bind(id.as_str())
                    .fetch_all(&self.reader)
                    .await?
            }
        };
        let mut cases = Vec::with_capacity(rows.len());
        for r in rows {
            let case: Case = from_json("case", &r.try_get::<String, _>("state")?)?;
            // The SQL scope and core's rule must agree; if they ever do not, tests fail
            // loudly and production still hands out nothing core refuses.
            let visible = access::standing(actor, project, &case).is_some();
            debug_assert!(visible, "scope query returned {} that core hides", case.id);
            if visible && (filter.stages.is_empty() || filter.stages.contains(&case.stage)) {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    async fn case_events(&self, access: &CaseAccess) -> Result<Vec<StoredEvent<Event>>> {
        let all: Vec<StoredEvent<Event>> =
            read_stream(&self.reader, &stream::case(&access.case().id)).await?;
        Ok(all
            .into_iter()
            .filter(|e| access::sees_event(access.standing(), &e.recorded.event))
            .collect())
    }

    async fn attachment_content(
        &self,
        access: &CaseAccess,
        id: &AttachmentId,
    ) -> Result<Option<Vec<u8>>> {
        let Some(meta) = access.case().attachments.iter().find(|a| &a.id == id) else {
            return Ok(None);
        };
        if !access::sees_attachment(access.standing(), meta) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT content FROM attachments WHERE id = $1 AND case_id = $2")
            .bind(id.as_str())
            .bind(access.case().id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| r.try_get("content").map_err(Into::into))
            .transpose()
    }
}
