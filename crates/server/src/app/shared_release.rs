//! Releases shared by several cases (`core::shared_release`): created in a project,
//! cases joined and left, the plan proposed — each change decided on the release and,
//! for the plan, on every joined case as that case's own proposed plan, and stored in
//! one append covering the release and those cases.

use super::spans::actor_kind;
use super::{App, AppError, AppResult};
use crate::secrets;
use embargo_core::actor::Actor;
use embargo_core::aggregate::decide_all;
use embargo_core::case::Case;
use embargo_core::command::Command;
use embargo_core::decide::CaseContext;
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::CaseId;
use embargo_core::project::Project;
use embargo_core::rejection::{Invalid, Rejection, Rule};
use embargo_core::release::PlanInput;
use embargo_core::shared_release::{self as shared, ReleaseEvent, ReleaseId, SharedRelease};
use embargo_formats::release_notes as rn;
use embargo_store::{CaseAppend, StoreError};

/// A release as someone who may see it sees it: its project and its joined cases.
#[derive(Clone, Debug)]
pub struct ReleaseView {
    pub release: SharedRelease,
    pub project: Project,
    /// The joined cases the viewer sees, in the order they joined.
    pub cases: Vec<Case>,
    /// Whether the viewer may change the release.
    pub manages: bool,
}

/// A change of a shared release.
#[derive(Clone, Debug)]
pub enum ReleaseChange {
    Join {
        case: String,
    },
    Leave {
        case: String,
        reason: String,
    },
    Plan {
        plan: PlanInput,
        reason: Option<String>,
    },
}

/// Conflicts are rare; a few rounds settle them.
const ROUNDS: usize = 5;

impl App {
    /// Creates a release in the project (its security team or admins).
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor)))]
    pub async fn create_release(
        &self,
        actor: &Actor,
        slug: &str,
        name: &str,
    ) -> AppResult<SharedRelease> {
        let project = self.project(slug).await?;
        if !embargo_core::access::sees_members(actor, &project) {
            return Err(AppError::not_found());
        }
        for _ in 0..ROUNDS {
            let id = ReleaseId::from_entropy(secrets::random_u64());
            let event = shared::create(actor, &project, id, name)?;
            let recorded = Recorded {
                at: self.now(),
                actor: actor.as_ref(),
                event,
            };
            let release = SharedRelease::replay(std::slice::from_ref(&recorded))
                .expect("a release starts with `created`");
            match self.store().create_release(&release, &[recorded]).await {
                Ok(()) => return Ok(release),
                // The random id collided: draw another.
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }

    /// The release if `actor` may see it; otherwise not found, exactly as a missing one.
    pub async fn release_view(&self, actor: &Actor, id: &str) -> AppResult<ReleaseView> {
        let id = ReleaseId::parse(id.trim()).ok_or_else(AppError::not_found)?;
        let release = self
            .store()
            .release(&id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let project = self
            .store()
            .project(&release.project)
            .await?
            .ok_or_else(|| AppError::Internal(format!("release {id} has no project")))?;
        let mut cases = Vec::new();
        for c in &release.cases {
            if let Some(access) = self.store().case_for_viewer(c, actor).await? {
                cases.push(access.into_parts().0);
            }
        }
        if !shared::sees(actor, &project, &cases) {
            return Err(AppError::not_found());
        }
        let manages = shared::manages(actor, &project);
        Ok(ReleaseView {
            release,
            project,
            cases,
            manages,
        })
    }

    /// The release a case is in, for the case's page: only to those who see the release.
    pub async fn release_of_case(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> AppResult<Option<SharedRelease>> {
        let Some(id) = self.store().release_of_case(case).await? else {
            return Ok(None);
        };
        match self.release_view(actor, id.as_str()).await {
            Ok(v) => Ok(Some(v.release)),
            Err(AppError::Rejected(Rejection::NotFound)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Applies a change to the release and, for a plan (or a case joining a release
    /// with a plan), the plan to each joined case as its own, in one append; decided
    /// again on fresh state if anything moved meanwhile.
    #[tracing::instrument(skip_all, fields(release = %id, actor = actor_kind(actor)))]
    pub async fn change_release(
        &self,
        actor: &Actor,
        id: &str,
        change: &ReleaseChange,
    ) -> AppResult<ReleaseView> {
        for _ in 0..ROUNDS {
            let view = self.release_view(actor, id).await?;
            let now = self.now();
            let release = &view.release;
            let event = match change {
                ReleaseChange::Join { case } => {
                    let case_id = CaseId::parse(case.trim());
                    let found = match &case_id {
                        Some(c) => self
                            .store()
                            .case_for_viewer(c, actor)
                            .await?
                            .map(|a| a.into_parts().0),
                        None => None,
                    };
                    let elsewhere = match &case_id {
                        Some(c) => self
                            .store()
                            .release_of_case(c)
                            .await?
                            .filter(|r| *r != release.id),
                        None => None,
                    };
                    shared::join(
                        release,
                        &view.project,
                        actor,
                        found.as_ref(),
                        elsewhere.as_ref(),
                    )?
                }
                ReleaseChange::Leave { case, reason } => {
                    let case = CaseId::parse(case.trim()).ok_or_else(AppError::not_found)?;
                    shared::leave(release, &view.project, actor, &case, reason)?
                }
                ReleaseChange::Plan { plan, reason } => shared::propose_plan(
                    release,
                    &view.project,
                    actor,
                    plan,
                    reason.as_deref(),
                    now,
                )?,
            };
            let recorded = Recorded {
                at: now,
                actor: actor.as_ref(),
                event,
            };
            let mut next = release.clone();
            next.apply(&recorded);
            // The cases that take the plan: all of them for a new plan, the joining one
            // for a join.
            let reason = match &recorded.event {
                ReleaseEvent::PlanProposed { reason, .. } => Some(reason.as_deref()),
                ReleaseEvent::CaseJoined { .. } => Some(None),
                ReleaseEvent::Created { .. } | ReleaseEvent::CaseLeft { .. } => None,
            };
            let targets: Vec<CaseId> = match &recorded.event {
                ReleaseEvent::PlanProposed { .. } => next.cases.clone(),
                ReleaseEvent::CaseJoined { case } => vec![case.clone()],
                ReleaseEvent::Created { .. } | ReleaseEvent::CaseLeft { .. } => Vec::new(),
            };
            let mut decided: Vec<(u64, Case, Vec<Recorded<Event>>)> = Vec::new();
            if let (Some(reason), Some(input)) = (reason, next.plan_input()) {
                for case_id in &targets {
                    let case = self
                        .store()
                        .case_for_viewer(case_id, actor)
                        .await?
                        .ok_or_else(|| {
                            // The manager sees every case of the project.
                            AppError::Internal(format!("{case_id} of {} unseen", next.id))
                        })?
                        .into_parts()
                        .0;
                    if case.release.plan.as_ref() == next.plan.as_ref() {
                        continue;
                    }
                    let command = Command::ProposeReleasePlan {
                        plan: input.clone(),
                        reason: Some(next.case_reason(reason)),
                    };
                    let context = CaseContext::of(view.project.clone());
                    let (after, events) = decide_all(&case, &context, actor, &[command], now)
                        .map_err(|r| for_case(&case.id, r))?;
                    decided.push((case.version, after, events));
                }
            }
            let appends: Vec<CaseAppend<'_>> = decided
                .iter()
                .map(|(before, case, events)| CaseAppend {
                    before: *before,
                    case,
                    events,
                })
                .collect();
            match self
                .store()
                .update_release(release.version, &next, &[recorded], &appends)
                .await
            {
                Ok(queued) => {
                    if !queued.is_empty() {
                        self.ring_worker();
                    }
                    tracing::info!(release.id = %next.id, cases = appends.len(), "release changed");
                    return self.release_view(actor, id).await;
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }

    /// The release notes of a shared release: each joined case's section, once every
    /// case's notes are final (C17); otherwise a conflict naming each case and what
    /// its notes miss.
    pub async fn shared_release_notes(&self, actor: &Actor, id: &str) -> AppResult<String> {
        let view = self.release_view(actor, id).await?;
        if !view.manages {
            return Err(Rejection::Forbidden {
                action: "read the release notes of a shared release",
                needs: "the project's security team or an admin",
            }
            .into());
        }
        let plan = view
            .release
            .plan
            .as_ref()
            .ok_or_else(|| Rejection::Conflict {
                field: "plan".into(),
                message: "the release has no plan yet".into(),
            })?;
        if view.cases.is_empty() {
            return Err(Rejection::Conflict {
                field: "cases".into(),
                message: "no case is in the release".into(),
            }
            .into());
        }
        let mut missing = Vec::new();
        let mut vulnerabilities = Vec::new();
        for case in &view.cases {
            let notes = self.release_notes_of(case, &view.project);
            if case.release.notes.is_none() {
                let gaps = match notes.as_ref().map(rn::finalize) {
                    Some(Err(incomplete)) => incomplete
                        .gaps
                        .iter()
                        .map(|g| g.field.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    Some(Ok(_)) | None => "not finalized".into(),
                };
                missing.push(format!("{} ({gaps})", case.id));
                continue;
            }
            if let Some(n) = notes {
                vulnerabilities.extend(n.vulnerabilities);
            }
        }
        if !missing.is_empty() {
            return Err(Rejection::Conflict {
                field: "cases".into(),
                message: format!(
                    "the release notes are not final for: {}",
                    missing.join("; ")
                ),
            }
            .into());
        }
        let versions: Vec<_> = plan.versions.iter().map(|v| v.version.as_str()).collect();
        Ok(rn::render(&rn::ReleaseNotes {
            name: format!(
                "{} {} ({})",
                view.project.name,
                versions.join(", "),
                view.release.name
            ),
            date: plan.at,
            intro: None,
            vulnerabilities,
        }))
    }

    /// The project's releases `actor` may see, newest first.
    pub async fn releases_of_project(
        &self,
        actor: &Actor,
        project: &Project,
    ) -> AppResult<Vec<SharedRelease>> {
        if !shared::manages(actor, project) {
            return Ok(Vec::new());
        }
        Ok(self.store().releases_of_project(&project.slug).await?)
    }
}

/// A joined case refused the plan: the refusal, naming the case.
fn for_case(case: &CaseId, r: Rejection) -> AppError {
    match r {
        Rejection::Invalid(list) => Rejection::Invalid(
            list.into_iter()
                .map(|i| Invalid {
                    message: format!("{case}: {}", i.message),
                    ..i
                })
                .collect(),
        ),
        Rejection::NotFound => Rejection::invalid(
            "case",
            Rule::UnknownCase,
            format!("`case`: {case} is not in the release's project"),
        ),
        other => Rejection::Conflict {
            field: "cases".into(),
            message: format!("{case}: {other}"),
        },
    }
    .into()
}
