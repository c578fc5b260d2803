//! Projects: creating them and changing their components, branches and members.

use super::spans::actor_kind;
use super::{App, AppError, AppResult};
use embargo_core::actor::Actor;
use embargo_core::event::Recorded;
use embargo_core::ids::ProjectSlug;
use embargo_core::project::{NewProject, Project, ProjectCommand, apply_project, decide_project};
use embargo_store::StoreError;

impl App {
    /// A project by slug; projects are public (their report pages are).
    pub async fn project(&self, slug: &str) -> AppResult<Project> {
        let slug = ProjectSlug::parse(slug).ok_or_else(AppError::not_found)?;
        self.store()
            .project(&slug)
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// The projects `user` is a member of.
    pub async fn projects_of(&self, user: &super::User) -> AppResult<Vec<Project>> {
        Ok(self.store().projects_of(user.id).await?)
    }

    pub async fn projects(&self) -> AppResult<Vec<Project>> {
        Ok(self.store().projects().await?)
    }

    #[tracing::instrument(skip_all, fields(project = %new.slug, actor = actor_kind(actor)))]
    pub async fn create_project(&self, actor: &Actor, new: NewProject) -> AppResult<Project> {
        let existing = match ProjectSlug::parse(&new.slug) {
            Some(slug) => self.store().project(&slug).await?,
            None => None,
        };
        let events = decide_project(actor, existing.as_ref(), ProjectCommand::Create(new))?;
        let now = self.now();
        let recorded: Vec<_> = events
            .into_iter()
            .map(|event| Recorded {
                at: now,
                actor: actor.as_ref(),
                event,
            })
            .collect();
        let mut project = None;
        for e in &recorded {
            project = Some(apply_project(project, &e.event, now));
        }
        let project = project.expect("Create decides one event");
        if !self
            .store()
            .create_project(&project, &recorded)
            .await?
            .is_empty()
        {
            self.ring_worker();
        }
        Ok(project)
    }

    /// Applies a change, deciding again on fresh state if someone else changed the
    /// project meanwhile.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor)))]
    pub async fn change_project(
        &self,
        actor: &Actor,
        slug: &str,
        command: ProjectCommand,
    ) -> AppResult<Project> {
        for _ in 0..5 {
            let project = self.project(slug).await?;
            let events = decide_project(actor, Some(&project), command.clone())?;
            let now = self.now();
            let recorded: Vec<_> = events
                .into_iter()
                .map(|event| Recorded {
                    at: now,
                    actor: actor.as_ref(),
                    event,
                })
                .collect();
            let before = project.version;
            let mut next = Some(project);
            for e in &recorded {
                next = Some(apply_project(next, &e.event, now));
            }
            let next = next.expect("a project");
            match self.store().update_project(before, &next, &recorded).await {
                Ok(queued) => {
                    if !queued.is_empty() {
                        self.ring_worker();
                    }
                    return Ok(next);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }
}

impl App {
    /// Names a component's package (C17: OSV and CVE records list it). The ecosystem
    /// must be one OSV knows, as the OSV export requires.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor)))]
    pub async fn set_package(
        &self,
        actor: &Actor,
        slug: &str,
        component: &str,
        package: Option<embargo_core::project::Package>,
    ) -> AppResult<Project> {
        if let Some(p) = &package {
            let base = p.ecosystem.split(':').next().unwrap_or_default();
            if !embargo_formats::osv::ECOSYSTEMS.contains(&base) {
                return Err(embargo_core::rejection::Rejection::invalid(
                    "ecosystem",
                    embargo_core::rejection::Rule::InvalidFormat,
                    format!(
                        "`ecosystem`: `{}` is not an OSV ecosystem (e.g. Go, npm, Maven, PyPI, crates.io, SwiftURL)",
                        p.ecosystem
                    ),
                )
                .into());
            }
        }
        self.change_project(
            actor,
            slug,
            ProjectCommand::SetPackage {
                component: component.to_owned(),
                package,
            },
        )
        .await
    }
}
