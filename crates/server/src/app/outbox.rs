//! The outbox worker: carries out the work events queued (`core::effect`) — today,
//! reserving CVE IDs and publishing CVE records at CVE Services (C14, C18) — and
//! reports back as system events on the case, where the coordinator and the reporter
//! see them. Failures the service may get over are retried with growing pauses;
//! refusals are reported with the service's own message. A reserved ID is watched
//! daily until it is published, so one the CVE Program rejects is noticed.

use super::{App, AppResult, Format};
use embargo_core::advisory::CveState;
use embargo_core::case::Case;
use embargo_core::effect::{Effect, SystemCommand, WATCH_INTERVAL, decide_system};
use embargo_core::project::Project;
use embargo_cve_services::{Amount, ApiKey, Credentials, CveId, CveServices, IdState};
use embargo_store::{Job, StoreError};
use jiff::SignedDuration;

/// After this many attempts a job gives up and says so on the case.
pub const MAX_ATTEMPTS: u32 = 8;
/// How long a claimed job is hidden from other workers.
const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// What one attempt came to.
enum Outcome {
    /// Report this on the case; the job is done.
    Report(SystemCommand),
    /// Try again later (at the earliest after the service's `Retry-After`).
    Retry {
        reason: String,
        after: Option<std::time::Duration>,
    },
}

/// 1, 2, 4, … minutes, at most 2 hours, and never sooner than the service's
/// `Retry-After`.
fn backoff(attempts: u32, retry_after: Option<std::time::Duration>) -> SignedDuration {
    let minutes = 1i64 << attempts.min(7);
    let wait = SignedDuration::from_mins(minutes.min(120));
    match retry_after.and_then(|a| SignedDuration::try_from(a).ok()) {
        Some(after) => wait.max(after),
        None => wait,
    }
}

fn service_failure(e: embargo_cve_services::Error) -> Outcome {
    if e.retryable() {
        Outcome::Retry {
            after: e.retry_after(),
            reason: e.to_string(),
        }
    } else if matches!(e, embargo_cve_services::Error::Rejected { .. }) {
        // The service looked at the request and said no: its words, as a refusal.
        Outcome::Report(SystemCommand::CveRejected {
            message: e.to_string(),
        })
    } else {
        Outcome::Report(SystemCommand::CveFailed {
            message: e.to_string(),
        })
    }
}

/// The client the settings describe; `Err` says what is wrong with them.
pub fn client(settings: &crate::settings::CveServicesSettings) -> Result<CveServices, String> {
    if !settings.enabled() {
        return Err(
            "CVE Services is not configured on this instance (cve_services.base_url)".into(),
        );
    }
    let credentials = Credentials::new(
        settings.org.clone(),
        settings.user.clone(),
        ApiKey::new(settings.api_key.clone()),
    );
    let mut builder = CveServices::builder(&settings.base_url, credentials);
    if settings.allow_local_http {
        builder = builder.allow_local_http();
    }
    builder.build().map_err(|e| e.to_string())
}

impl App {
    /// Works every due job once; returns how many it worked. The server calls this
    /// periodically; tests call it to run the worker deterministically.
    pub async fn run_outbox_once(&self) -> AppResult<usize> {
        let jobs = self.store().due_jobs(self.now(), 20).await?;
        let mut worked = 0;
        for job in jobs {
            if !self.store().claim_job(&job, self.now() + LEASE).await? {
                continue;
            }
            worked += 1;
            self.work(&job).await?;
        }
        Ok(worked)
    }

    async fn work(&self, job: &Job) -> AppResult<()> {
        let Some((case, project)) = self.store().case_for_job(job).await? else {
            return Ok(self.store().finish_job(job, self.now()).await?);
        };
        let outcome = match (&job.effect, self.cve_services()) {
            (Effect::WatchCveId { id }, _) => return self.watch(job, &case, id).await,
            (_, Err(why)) => Outcome::Report(SystemCommand::CveFailed { message: why }),
            (Effect::ReserveCve, Ok(client)) => self.reserve(client, &project).await,
            (Effect::PublishCve { id }, Ok(client)) => {
                self.publish(client, &case, &project, id).await
            }
        };
        match outcome {
            Outcome::Report(command) => {
                self.report(job, command).await?;
                self.store().finish_job(job, self.now()).await?;
            }
            // `attempts` counts the attempts before this one.
            Outcome::Retry { reason, after } if job.attempts + 1 < MAX_ATTEMPTS => {
                let wait = backoff(job.attempts, after);
                tracing::warn!(case.id = %case.id, effect = job.effect.as_str(), attempts = job.attempts + 1, %reason, "outbox job will be retried");
                self.store()
                    .retry_job(job, &reason, self.now() + wait)
                    .await?;
            }
            Outcome::Retry { reason, .. } => {
                let message = format!("gave up after {MAX_ATTEMPTS} attempts: {reason}");
                self.report(job, SystemCommand::CveFailed { message })
                    .await?;
                self.store().finish_job(job, self.now()).await?;
            }
        }
        Ok(())
    }

    /// One look at a reserved ID's state. The watch goes on daily while the case
    /// holds the ID as reserved, and never fails the case: an outage only delays it.
    async fn watch(&self, job: &Job, case: &Case, id: &str) -> AppResult<()> {
        let still_ours =
            matches!(&case.advisory.cve, Some(CveState::Reserved { id: held }) if held == id);
        let (true, Ok(client), Ok(cve_id)) = (still_ours, self.cve_services(), CveId::parse(id))
        else {
            // Published, replaced by another ID, or no service to ask: nothing to watch.
            return Ok(self.store().finish_job(job, self.now()).await?);
        };
        let report = match client.get_id(&cve_id).await {
            Ok(info) => match info.state {
                IdState::Reserved => None,
                IdState::Rejected => Some(SystemCommand::CveIdRejected { id: id.to_owned() }),
                // Published outside Embargo (e.g. by hand at the CNA): say so.
                IdState::Published => Some(SystemCommand::CvePublished { id: id.to_owned() }),
            },
            Err(e) => {
                let wait = backoff(job.attempts, e.retry_after());
                tracing::warn!(case.id = %case.id, effect = job.effect.as_str(), error = %e, "could not check a reserved CVE ID");
                let reason = e.to_string();
                return Ok(self
                    .store()
                    .retry_job(job, &reason, self.now() + wait)
                    .await?);
            }
        };
        match report {
            Some(command) => {
                self.report(job, command).await?;
                self.store().finish_job(job, self.now()).await?;
            }
            None => {
                self.store()
                    .retry_job(job, "still RESERVED", self.now() + WATCH_INTERVAL)
                    .await?;
            }
        }
        Ok(())
    }

    async fn reserve(&self, client: &CveServices, project: &Project) -> Outcome {
        let short_name = project
            .cna
            .as_ref()
            .map(|c| c.short_name.clone())
            .unwrap_or_else(|| self.settings().cve_services.org.clone());
        let year = self.now().to_zoned(jiff::tz::TimeZone::UTC).year() as u16;
        match client.reserve(Amount::One, year, &short_name).await {
            Ok(r) => match r.ids.first() {
                Some(info) => Outcome::Report(SystemCommand::CveReserved {
                    id: info.cve_id.as_str().to_owned(),
                }),
                None => Outcome::Report(SystemCommand::CveFailed {
                    message: r
                        .shortfall
                        .unwrap_or_else(|| "CVE Services reserved no ID".into()),
                }),
            },
            Err(e) => service_failure(e),
        }
    }

    async fn publish(
        &self,
        client: &CveServices,
        case: &Case,
        project: &Project,
        id: &str,
    ) -> Outcome {
        let record = match self.document(case, project, Format::Cve) {
            Ok(r) => r,
            Err(e) => {
                return Outcome::Report(SystemCommand::CveFailed {
                    message: format!("the CVE record cannot be made: {e}"),
                });
            }
        };
        let container = &record["containers"]["cna"];
        let Ok(cve_id) = CveId::parse(id) else {
            return Outcome::Report(SystemCommand::CveFailed {
                message: format!("`{id}` is not a CVE ID"),
            });
        };
        let done = || Outcome::Report(SystemCommand::CvePublished { id: id.to_owned() });
        match client.publish(&cve_id, container).await {
            Ok(_) => done(),
            // An earlier attempt went through before its answer was lost: bring the
            // record up to date instead.
            Err(embargo_cve_services::Error::Rejected { error, .. })
                if error == "CVE_RECORD_EXISTS" =>
            {
                match client.update(&cve_id, container).await {
                    Ok(_) => done(),
                    Err(e) => service_failure(e),
                }
            }
            Err(e) => service_failure(e),
        }
    }

    /// Records the worker's report on the case, deciding again on fresh state if the
    /// case changed meanwhile; a report that no longer applies changes nothing.
    async fn report(&self, job: &Job, command: SystemCommand) -> AppResult<()> {
        for _ in 0..5 {
            let Some((case, _)) = self.store().case_for_job(job).await? else {
                return Ok(());
            };
            let events = match decide_system(&case, command.clone(), self.now()) {
                Ok(events) => events,
                Err(why) => {
                    tracing::info!(case.id = %case.id, %why, "outbox report no longer applies");
                    return Ok(());
                }
            };
            let mut next = case.clone();
            for e in &events {
                next.apply(e);
            }
            match self
                .store()
                .append_case_events(case.version, &next, &events, &[])
                .await
            {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(super::AppError::Busy)
    }
}
