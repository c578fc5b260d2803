//! Projects (the `project:<slug>` streams) and their members, kept as rows beside the
//! JSON state so that case scoping can join on them.

use super::Backing;
use super::outbox::queue_project_effects;
use super::support::{Tx, append, from_json, read_stream, to_json, unique_violation};
use crate::backend::micros;
use crate::chain::stream;
use crate::{Queued, Result, StoreError, StoredEvent};
use embargo_core::event::Recorded;
use embargo_core::ids::{ProjectSlug, UserId};
use embargo_core::project::{Project, ProjectEvent};
use sqlx::Row;
use std::sync::Arc;

/// A project's version, to find the project in the cache: a single read each report
/// makes (`project_version`: SQLite on the caller's own thread, PostgreSQL on its own
/// connections).
pub(super) const PROJECT_VERSION: &str = "SELECT version FROM projects WHERE slug = $1";

pub(super) async fn save_project(tx: &mut Tx, p: &Project) -> Result<()> {
    sqlx::query(
        "INSERT INTO projects (slug, name, version, created_at, state) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (slug) DO UPDATE SET name = $2, version = $3, state = $5",
    )
    .bind(p.slug.as_str())
    .bind(&p.name)
    .bind(p.version as i64)
    .bind(micros(p.created_at))
    .bind(to_json(p))
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM memberships WHERE project = $1")
        .bind(p.slug.as_str())
        .execute(&mut **tx)
        .await?;
    for m in &p.members {
        sqlx::query("INSERT INTO memberships (project, user_id, role) VALUES ($1, $2, $3)")
            .bind(p.slug.as_str())
            .bind(m.user.id.0)
            .bind(m.role.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Backing {
    /// The project, decoded only when its version moved since the last read
    /// (`ProjectCache`).
    pub(super) async fn load_project(&self, slug: &str) -> Result<Option<Arc<Project>>> {
        let Some(version) = self.project_version(slug).await? else {
            return Ok(None);
        };
        self.project_at(slug, version as u64).await.map(Some)
    }

    /// The project at `version`, as just read from its row: from the cache, or decoded
    /// from the row's state (a newer state than `version` may be read, never an older).
    pub(super) async fn project_at(&self, slug: &str, version: u64) -> Result<Arc<Project>> {
        if let Some(p) = self.projects.get(slug, version) {
            return Ok(p);
        }
        let row = sqlx::query("SELECT state FROM projects WHERE slug = $1")
            .bind(slug)
            .fetch_one(&self.reader)
            .await?;
        let project = Arc::new(from_json::<Project>(
            "project",
            &row.try_get::<String, _>("state")?,
        )?);
        self.projects.put(&project);
        Ok(project)
    }
}

#[async_trait::async_trait]
impl crate::ProjectStore for Backing {
    async fn create_project(
        &self,
        project: &Project,
        events: &[Recorded<ProjectEvent>],
    ) -> Result<Vec<Queued>> {
        let mut tx = self.writer.begin().await?;
        let taken = sqlx::query("SELECT 1 FROM projects WHERE slug = $1")
            .bind(project.slug.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Taken { field: "slug" });
        }
        save_project(&mut tx, project).await?;
        match append(
            &mut tx,
            &self.chain,
            &stream::project(&project.slug),
            Some(0),
            ProjectEvent::kind,
            events,
            None,
        )
        .await
        {
            Err(StoreError::Conflict) => return Err(StoreError::Taken { field: "slug" }),
            other => other?,
        }
        let queued = queue_project_effects(&mut tx, project, events).await?;
        match tx.commit().await {
            Err(e) if unique_violation(&e) => Err(StoreError::Taken { field: "slug" }),
            other => other.map(|()| queued).map_err(Into::into),
        }
    }

    async fn update_project(
        &self,
        before: u64,
        project: &Project,
        events: &[Recorded<ProjectEvent>],
    ) -> Result<Vec<Queued>> {
        let mut tx = self.writer.begin().await?;
        append(
            &mut tx,
            &self.chain,
            &stream::project(&project.slug),
            Some(before),
            ProjectEvent::kind,
            events,
            None,
        )
        .await?;
        save_project(&mut tx, project).await?;
        let queued = queue_project_effects(&mut tx, project, events).await?;
        tx.commit().await?;
        Ok(queued)
    }

    async fn project(&self, slug: &ProjectSlug) -> Result<Option<Project>> {
        Ok(self
            .load_project(slug.as_str())
            .await?
            .map(Arc::unwrap_or_clone))
    }

    async fn projects(&self) -> Result<Vec<Project>> {
        let rows = sqlx::query("SELECT state FROM projects ORDER BY slug")
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| from_json("project", &r.try_get::<String, _>("state")?))
            .collect()
    }

    async fn projects_of(&self, user: UserId) -> Result<Vec<Project>> {
        let rows = sqlx::query(
            "SELECT p.state FROM projects p JOIN memberships m ON m.project = p.slug \
             WHERE m.user_id = $1 ORDER BY p.slug",
        )
        .bind(user.0)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| from_json("project", &r.try_get::<String, _>("state")?))
            .collect()
    }

    async fn project_events(&self, slug: &ProjectSlug) -> Result<Vec<StoredEvent<ProjectEvent>>> {
        read_stream(&self.reader, &stream::project(slug)).await
    }
}
