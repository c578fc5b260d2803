//! The team's queue by urgency (issue 8, item 5): a project's cases, most overdue
//! first, then the nearest due clock, each with the clock that makes it urgent.
//!
//! Clocks are computed on read (`core::clocks`), so no column holds a case's urgency.
//! The queue reads every case of the project the viewer may see in the asked stages
//! (by default the open ones, so the work is bounded by open cases, not by history),
//! computes their clocks at "now", sorts them by `core::queue::urgency_key` and the
//! case id, and cuts a page after the cursor. The key is the due time of the most
//! urgent running or overdue clock, which does not depend on "now"; so a cursor
//! (key, id) positions the next page the same way whenever it is asked for. A case
//! that changes between two pages may move (a met clock hands urgency to the next
//! one): it is then shown again or not at all, as with any keyset listing of a
//! changing order. The cost is in `docs/performance.md`.

use super::{App, AppError, AppResult, Cursor, Page, PageRequest};
use embargo_core::actor::Actor;
use embargo_core::case::{Case, Stage};
use embargo_core::clocks::Clock;
use embargo_core::command::{Command, DecisionInput};
use embargo_core::ids::CaseId;
use embargo_core::ids::UserId;
use embargo_core::project::Project;
use embargo_core::rejection::{Rejection, Rule};
use embargo_core::track::TrackKind;
use embargo_store::CaseFilter;

/// Who coordinates the cases asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinatorFilter {
    /// Nobody has claimed it yet (C8).
    Nobody,
    User(UserId),
}

/// What the queue is narrowed to; every part given must hold.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// Empty: every open stage.
    pub stages: Vec<Stage>,
    pub coordinator: Option<CoordinatorFilter>,
    /// Only cases with a clock overdue now.
    pub overdue: bool,
    /// Only cases on one of these tracks. A case's track comes from its affected
    /// branches (`Case::fixes.track`).
    pub tracks: Vec<TrackKind>,
}

/// One row of the queue.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub case: Case,
    /// Every clock of the case at the time of the request.
    pub clocks: Vec<Clock>,
    /// The clock that makes the case urgent, if one is running or overdue.
    pub urgent: Option<Clock>,
    /// Someone else did something on the case since the viewer last opened it.
    pub unread: bool,
}

impl QueueRow {
    pub fn overdue(&self) -> bool {
        embargo_core::queue::is_overdue(&self.clocks)
    }
}

impl App {
    /// A page of the project's cases `actor` may see, most urgent first.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = super::spans::actor_kind(actor)))]
    pub async fn queue(
        &self,
        actor: &Actor,
        slug: &str,
        filter: &QueueFilter,
        page: &PageRequest,
    ) -> AppResult<(Project, Page<QueueRow>)> {
        let project = self.project(slug).await?;
        if !embargo_core::access::sees_members(actor, &project) {
            return Err(AppError::not_found());
        }
        let stages = if filter.stages.is_empty() {
            Stage::ALL.into_iter().filter(|s| s.is_open()).collect()
        } else {
            filter.stages.clone()
        };
        // The store narrows by track and coordinator too; `filter_keeps` checks again.
        let store_filter = CaseFilter {
            stages,
            tracks: filter.tracks.clone(),
            coordinator: filter.coordinator.map(|c| match c {
                CoordinatorFilter::Nobody => super::CoordinatorIs::Nobody,
                CoordinatorFilter::User(u) => super::CoordinatorIs::User(u),
            }),
            ..CaseFilter::default()
        };
        let policy = project.policy().into_owned();
        let now = self.now();
        let mut rows: Vec<(i64, QueueRow)> = Vec::new();
        let mut after = None;
        loop {
            let listed = self
                .store()
                .cases_for_viewer(&project, actor, &store_filter, &PageRequest::largest(after))
                .await?;
            for case in listed.items {
                if !filter_keeps(filter, &case) {
                    continue;
                }
                let clocks = case.clocks(&policy, now);
                let urgent = embargo_core::queue::most_urgent(&clocks).cloned();
                let row = QueueRow {
                    case,
                    clocks,
                    urgent,
                    unread: false,
                };
                if filter.overdue && !row.overdue() {
                    continue;
                }
                rows.push((embargo_core::queue::urgency_key(row.urgent.as_ref()), row));
            }
            match listed.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        rows.sort_by(|(a, x), (b, y)| (a, x.case.id.as_str()).cmp(&(b, y.case.id.as_str())));
        let start = match page.after.as_ref() {
            Some(c) => {
                rows.partition_point(|(key, row)| (*key, row.case.id.as_str()) <= (c.key(), c.id()))
            }
            None => 0,
        };
        let limit = page.limit() as usize;
        let rest = &rows[start..];
        let next = (rest.len() > limit).then(|| {
            let (key, row) = &rest[limit - 1];
            Cursor::new(*key, row.case.id.as_str())
        });
        let mut items: Vec<QueueRow> = rows
            .into_iter()
            .skip(start)
            .take(limit)
            .map(|(_, row)| row)
            .collect();
        if let Actor::User(user) = actor {
            let ids: Vec<CaseId> = items.iter().map(|r| r.case.id.clone()).collect();
            let seen = self.store().seen_up_to(user.id, &ids).await?;
            for row in &mut items {
                let up_to = seen.get(&row.case.id).copied().unwrap_or(0);
                row.unread = row.case.unread_for(user.id, up_to);
            }
        }
        Ok((project, Page { items, next }))
    }
}

/// The most cases one bulk rejection takes.
pub const BULK_LIMIT: usize = 100;

impl App {
    /// Rejects several cases of the project at once (floods of reports, issue 14):
    /// as spam (no reply, hidden from the queue) or as duplicates, straight from the
    /// queue. Every case is decided first, as the actor may see it; if one is refused,
    /// the answer names it (`cases[2]`) and nothing changes. A case the actor may not
    /// see reads as one that does not exist.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = super::spans::actor_kind(actor)))]
    pub async fn reject_cases(
        &self,
        actor: &Actor,
        slug: &str,
        cases: &[String],
        decision: DecisionInput,
    ) -> AppResult<Vec<CaseId>> {
        let project = self.project(slug).await?;
        if !embargo_core::access::sees_members(actor, &project) {
            return Err(AppError::not_found());
        }
        if cases.is_empty() {
            return Err(Rejection::invalid(
                "cases",
                Rule::Required,
                "`cases`: name at least one case",
            )
            .into());
        }
        if cases.len() > BULK_LIMIT {
            return Err(Rejection::invalid(
                "cases",
                Rule::TooLong,
                format!("`cases`: at most {BULK_LIMIT} cases at a time"),
            )
            .into());
        }
        let command = Command::SetFinalDecision(decision);
        let mut ids: Vec<CaseId> = Vec::with_capacity(cases.len());
        for (i, typed) in cases.iter().enumerate() {
            let field = format!("cases[{i}]");
            let unknown = || -> AppError {
                Rejection::invalid(
                    &field,
                    Rule::UnknownCase,
                    format!("`{field}`: no case {} in this project", typed.trim()),
                )
                .into()
            };
            let id = CaseId::parse(typed.trim()).ok_or_else(unknown)?;
            if ids.contains(&id) {
                return Err(Rejection::invalid(
                    &field,
                    Rule::NotAllowed,
                    format!("`{field}`: {id} is named twice"),
                )
                .into());
            }
            match self.check(actor, &id, std::slice::from_ref(&command)).await {
                Ok(case) if case.project == project.slug => {}
                Ok(_) | Err(AppError::Rejected(Rejection::NotFound)) => return Err(unknown()),
                Err(AppError::Rejected(
                    Rejection::IllegalTransition { .. } | Rejection::Blocked { .. },
                )) => {
                    return Err(Rejection::Conflict {
                        field: field.clone(),
                        message: format!(
                            "`{field}`: {id} cannot be rejected from the queue: it was already decided, or it is past triage"
                        ),
                    }
                    .into());
                }
                Err(e) => return Err(e),
            }
            ids.push(id);
        }
        for id in &ids {
            self.execute(actor, id, vec![command.clone()], Vec::new())
                .await?;
        }
        Ok(ids)
    }
}

fn filter_keeps(filter: &QueueFilter, case: &Case) -> bool {
    // Spam is hidden from the queue, whatever stage is asked for.
    if let Some(embargo_core::event::FinalDecision::Rejected {
        reason: embargo_core::event::RejectReason::Spam,
        ..
    }) = &case.triage.decision
    {
        return false;
    }
    let coordinator = case.people.coordinator.as_ref().map(|c| c.id);
    let coordinator_ok = match filter.coordinator {
        None => true,
        Some(CoordinatorFilter::Nobody) => coordinator.is_none(),
        Some(CoordinatorFilter::User(u)) => coordinator == Some(u),
    };
    let track_ok =
        filter.tracks.is_empty() || case.fixes.track.is_some_and(|t| filter.tracks.contains(&t));
    coordinator_ok && track_ok
}
