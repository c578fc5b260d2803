//! `wake`: timers. Each reason says what to look at when the time comes; what the look
//! finds is recorded through `core` like any other report.

use super::{Outcome, backoff};
use crate::app::{App, AppResult};
use embargo_core::advisory::CveState;
use embargo_core::effect::{Subject, SystemCommand, WATCH_INTERVAL, WakeReason, decide_system};
use embargo_cve_services::{CveId, IdState};
use embargo_store::Job;

pub(super) async fn handle(app: &App, job: &Job, reason: &WakeReason) -> AppResult<Outcome> {
    match reason {
        WakeReason::WatchCveId { id } => watch_cve_id(app, job, id).await,
        WakeReason::ScheduledDisclosure { at } => scheduled_disclosure(app, job, *at).await,
        // What is due is decided on the case as it is when the report is recorded;
        // a stale timer, or one a second worker already served, finds nothing.
        WakeReason::Clocks => Ok(Outcome::Report(SystemCommand::CheckClocks)),
        WakeReason::RecomputeClocks { policy_version } => {
            recompute_clocks(app, job, *policy_version).await
        }
    }
}

/// The release time has come: core discloses the case if the gate lets it, or records
/// why not. A disclosure unscheduled or moved meanwhile leaves nothing to do.
async fn scheduled_disclosure(
    app: &App,
    job: &Job,
    at: embargo_core::Timestamp,
) -> AppResult<Outcome> {
    let Some((case, _)) = app.store().case_for_job(job).await? else {
        return Ok(Outcome::Done);
    };
    Ok(if case.release.scheduled == Some(at) {
        Outcome::Report(SystemCommand::DiscloseAsScheduled { at })
    } else {
        Outcome::Done
    })
}

/// Says on each open case of the project that its clocks follow the new policy; the
/// append re-plans each case's clock timer. Safe to run again: a case that says so
/// already is passed over.
async fn recompute_clocks(app: &App, job: &Job, policy_version: u64) -> AppResult<Outcome> {
    let Subject::Project(slug) = &job.subject else {
        return Ok(Outcome::Done);
    };
    let Some(project) = app.store().project(slug).await? else {
        return Ok(Outcome::Done);
    };
    let policy = project.policy();
    for _ in 0..5 {
        let mut moved = false;
        let mut after = None;
        loop {
            // A page at a time: a project may hold 10⁶ open cases.
            let page = app
                .store()
                .open_cases_for_job(job, after.as_ref(), RECOMPUTE_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for case in &page {
                let command = SystemCommand::RecomputeClocks { policy_version };
                let Ok(events) = decide_system(case, &policy, command, app.now()) else {
                    continue;
                };
                moved |= !super::append_system(app, case, &events).await?;
            }
            if app.stopping() {
                // Safe to leave: the cases done say so and are passed over next time.
                return Ok(Outcome::Later {
                    at: app.now(),
                    note: "the server is stopping; the rest of the cases at the next start".into(),
                });
            }
        }
        if !moved {
            return Ok(Outcome::Done);
        }
    }
    Ok(Outcome::Retry {
        reason: "cases kept changing while their clocks were recomputed".into(),
        after: None,
    })
}

/// Open cases read and recomputed at a time.
const RECOMPUTE_PAGE: usize = 500;

/// One look at a reserved ID's state. The watch goes on daily while the case holds the
/// ID as reserved, and never fails the case: an outage only delays it.
async fn watch_cve_id(app: &App, job: &Job, id: &str) -> AppResult<Outcome> {
    let Some((case, _)) = app.store().case_for_job(job).await? else {
        return Ok(Outcome::Done);
    };
    let still_ours =
        matches!(&case.advisory.cve, Some(CveState::Reserved { id: held }) if held == id);
    let (true, Ok(client), Ok(cve_id)) = (still_ours, app.cve_services(), CveId::parse(id)) else {
        // Published, replaced by another ID, or no service to ask: nothing to watch.
        return Ok(Outcome::Done);
    };
    Ok(match client.get_id(&cve_id).await {
        Ok(info) => match info.state {
            IdState::Reserved => Outcome::Later {
                at: app.now() + WATCH_INTERVAL,
                note: "still RESERVED".into(),
            },
            IdState::Rejected => {
                Outcome::Report(SystemCommand::CveIdRejected { id: id.to_owned() })
            }
            // Published outside Embargo (e.g. by hand at the CNA): say so.
            IdState::Published => {
                Outcome::Report(SystemCommand::CvePublished { id: id.to_owned() })
            }
        },
        Err(e) => {
            tracing::warn!(case.id = %case.id, error = %e, "could not check a reserved CVE ID");
            Outcome::Later {
                at: app.now() + backoff(job.attempts, e.retry_after()),
                note: e.to_string(),
            }
        }
    })
}
