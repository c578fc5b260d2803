//! The worker: carries out the work events queued (`core::effect`) and reports back
//! on the work's subject as system events, decided by `core` like any other change.
//!
//! One job at a time is claimed from the outbox with a lease, so several workers (in
//! one process or in several instances on one PostgreSQL) never do the same job at
//! once, and a job whose worker died is taken up again when the lease runs out. Between
//! jobs the worker sleeps until the earliest due job, new work queued in this process,
//! work queued by another instance (PostgreSQL `LISTEN`), or a long safety re-check.
//!
//! Each effect kind has its handler module. A failed attempt the handler deems worth
//! retrying waits 1, 2, 4, … minutes (at most 2 hours, never less than the service's
//! `Retry-After`); the first failure and the final giving up are recorded on the
//! subject's timeline as one generic `effect_failed` event each.

mod cve_services;
mod email;
pub mod imap;
mod publish_cve;
mod reserve_cve;
mod wake;
mod webhook;

use crate::app::{App, AppError, AppResult};
use embargo_core::Timestamp;
use embargo_core::effect::{Effect, EffectFailure, Subject, SystemCommand, decide_system};
use embargo_store::{Job, StoreError};
use jiff::SignedDuration;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// After this many attempts a job gives up and says so on its subject.
pub const MAX_ATTEMPTS: u32 = 8;
/// How long a claimed job is hidden from other workers: longer than any handler takes
/// (CVE Services calls time out well before).
const LEASE: SignedDuration = SignedDuration::from_mins(5);
/// The longest the worker sleeps without looking: covers a lost wake-up (a dropped
/// `LISTEN` connection), never the normal path.
const RECHECK: Duration = Duration::from_secs(60);

/// What one attempt came to, as a handler says it.
pub(crate) enum Outcome {
    /// Nothing (more) to do, nothing to report.
    Done,
    /// Report this on the subject; the job is done.
    Report(SystemCommand),
    /// Failed; worth another attempt (at the earliest after `after`).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Failed for good.
    GiveUp(String),
    /// A timer that goes on: look again at `at` (not a failure).
    Later { at: Timestamp, note: String },
}

/// 1, 2, 4, … minutes after the `failed`-th failure, at most 2 hours, and never
/// sooner than the service's `Retry-After`.
pub(crate) fn backoff(failed: u32, retry_after: Option<Duration>) -> SignedDuration {
    let minutes = 1i64 << failed.saturating_sub(1).min(7);
    let wait = SignedDuration::from_mins(minutes.min(120));
    match retry_after.and_then(|a| SignedDuration::try_from(a).ok()) {
        Some(after) => wait.max(after),
        None => wait,
    }
}

/// Works jobs until `shutdown` resolves. A job under way when it does is finished
/// (its handler's own timeouts bound that); jobs not yet claimed stay queued.
pub async fn run(app: App, shutdown: impl Future<Output = ()> + Send + 'static) {
    let (stop, mut stopping) = tokio::sync::watch::channel(false);
    let stopping_app = app.clone();
    tokio::spawn(async move {
        shutdown.await;
        // A long job (a policy change over 10⁶ cases) looks at this between pages.
        stopping_app.begin_stopping();
        let _ = stop.send(true);
    });
    let listener = tokio::spawn(listen(app.clone()));
    let reader = app
        .settings()
        .mail
        .incoming()
        .map(|imap| tokio::spawn(imap::run(app.clone(), imap, stopping.clone())));
    tracing::info!("worker started");
    match app.mailer() {
        Some(m) => tracing::info!(smtp = %m.server, from = %m.from, "mail: sending through SMTP"),
        None => tracing::info!(
            "mail: not set up (mail.smtp_url), so mail waits in the outbox until it is; \
             reporters keep the tracking link shown when they report"
        ),
    }
    loop {
        while !*stopping.borrow() {
            match run_one(&app).await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(error = %e, "worker");
                    break;
                }
            }
        }
        if *stopping.borrow() {
            break;
        }
        let wait = match app.store().next_job_due().await {
            Ok(Some(due)) => Duration::try_from(due.duration_since(app.now()))
                .unwrap_or(Duration::ZERO)
                .min(RECHECK),
            Ok(None) => RECHECK,
            Err(e) => {
                tracing::error!(error = %e, "worker: next due job");
                RECHECK
            }
        };
        tokio::select! {
            () = app.work_queued() => {}
            () = tokio::time::sleep(wait) => {}
            _ = stopping.changed() => {}
        }
    }
    listener.abort();
    if let Some(reader) = reader {
        // It stops at the same signal; a message cut off mid-way was not marked, so it
        // is read again next time.
        let _ = reader.await;
    }
    tracing::info!("worker stopped");
}

/// Relays the store's wake-ups from other instances (PostgreSQL `LISTEN`) to this
/// process's worker; on SQLite there are none and this returns at once.
async fn listen(app: App) {
    loop {
        let ring_app = app.clone();
        let ring: Arc<dyn Fn() + Send + Sync> = Arc::new(move || ring_app.ring_worker());
        match app.store().listen_for_jobs(ring).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "worker: listening for queued work");
                // Whatever was announced meanwhile is looked at now.
                app.ring_worker();
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// Works every due job, one after another; returns how many. Tests call this to run
/// the worker deterministically against their clock.
pub async fn run_due(app: &App) -> AppResult<usize> {
    let mut worked = 0;
    while run_one(app).await? {
        worked += 1;
    }
    Ok(worked)
}

/// Claims and works one due job; `false` if none is due.
async fn run_one(app: &App) -> AppResult<bool> {
    let now = app.now();
    let Some(job) = app.store().claim_job(now, now + LEASE).await? else {
        return Ok(false);
    };
    let span = tracing::info_span!(
        "job",
        job.id = job.id,
        subject = job.subject.kind(),
        effect = job.effect.as_str(),
        attempt = job.attempts
    );
    work(app, &job).instrument(span).await?;
    app.job_done();
    Ok(true)
}

async fn work(app: &App, job: &Job) -> AppResult<()> {
    let outcome = match &job.effect {
        Effect::ReserveCve => reserve_cve::handle(app, job).await?,
        Effect::PublishCve { id } => publish_cve::handle(app, job, id).await?,
        Effect::Wake { reason } => wake::handle(app, job, reason).await?,
        Effect::Email(email) => email::handle(app, job, email).await?,
        Effect::Webhook(webhook) => webhook::handle(app, job, webhook).await?,
    };
    settle(app, job, outcome).await
}

async fn settle(app: &App, job: &Job, outcome: Outcome) -> AppResult<()> {
    let store = app.store();
    let failure = |reason: String, retry_at: Option<Timestamp>| {
        SystemCommand::Failed(EffectFailure {
            effect: job.effect.kind(),
            reason,
            attempts: job.attempts,
            retry_at,
        })
    };
    match outcome {
        Outcome::Done => store.finish_job(job, app.now()).await?,
        Outcome::Report(command) => {
            report(app, job, command).await?;
            store.finish_job(job, app.now()).await?;
        }
        Outcome::Later { at, note } => {
            // Never in the past: a timer that is due again at once would spin.
            let at = at.max(app.now() + SignedDuration::from_secs(1));
            store.retry_job(job, &note, at).await?;
        }
        Outcome::Retry { reason, after } if job.attempts < MAX_ATTEMPTS => {
            let at = app.now() + backoff(job.attempts, after);
            tracing::warn!(%reason, retry_at = %at, "job will be retried");
            // The first failure is news; the ones after it would only repeat it.
            if job.attempts == 1 {
                report(app, job, failure(reason.clone(), Some(at))).await?;
            }
            store.retry_job(job, &reason, at).await?;
        }
        Outcome::Retry { reason, .. } => {
            tracing::warn!(%reason, "job gave up");
            let reason = format!("gave up after {MAX_ATTEMPTS} attempts: {reason}");
            report(app, job, failure(reason, None)).await?;
            store.finish_job(job, app.now()).await?;
        }
        Outcome::GiveUp(reason) => {
            tracing::warn!(%reason, "job failed");
            report(app, job, failure(reason, None)).await?;
            store.finish_job(job, app.now()).await?;
        }
    }
    Ok(())
}

/// Records the worker's report on the job's subject, deciding again on fresh state if
/// the subject changed meanwhile; a report that no longer applies changes nothing.
async fn report(app: &App, job: &Job, command: SystemCommand) -> AppResult<()> {
    match &job.subject {
        Subject::Case(_) => report_on_case(app, job, command).await,
        // No project or account work exists yet; the first that does gives its stream
        // an `effect_failed` event. Until then the outbox row keeps the reason.
        Subject::Project(_) | Subject::Account(_) => {
            tracing::warn!(report = ?command, "no timeline for this subject's reports yet");
            Ok(())
        }
    }
}

async fn report_on_case(app: &App, job: &Job, command: SystemCommand) -> AppResult<()> {
    for _ in 0..5 {
        let Some((case, project)) = app.store().case_for_job(job).await? else {
            return Ok(());
        };
        let events = match decide_system(&case, &project.policy(), command.clone(), app.now()) {
            Ok(events) => events,
            Err(why) => {
                tracing::info!(case.id = %case.id, %why, "worker report no longer applies");
                return Ok(());
            }
        };
        match append_system(app, &case, &events).await? {
            true => return Ok(()),
            false => continue,
        }
    }
    Err(AppError::Busy)
}

/// Appends the system's events to a case read at its version; `false` if the case
/// moved meanwhile (decide again on fresh state).
pub(super) async fn append_system(
    app: &App,
    case: &embargo_core::case::Case,
    events: &[embargo_core::event::Recorded<embargo_core::event::Event>],
) -> AppResult<bool> {
    let mut next = case.clone();
    for e in events {
        next.apply(e);
    }
    match app
        .store()
        .append_case_events(case.version, &next, events, &[])
        .await
    {
        Ok(queued) => {
            if !queued.is_empty() {
                app.ring_worker();
            }
            Ok(true)
        }
        Err(StoreError::Conflict) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Records a channel test's answer on its project (by the system), deciding again on a
/// fresh project if it changed meanwhile; a channel removed meanwhile hears nothing.
pub(super) async fn report_channel_test(
    app: &App,
    slug: &str,
    name: &str,
    delivered: bool,
    answer: &str,
) -> AppResult<()> {
    for _ in 0..5 {
        let project = app.project(slug).await?;
        let Ok(event) =
            embargo_core::project::decide_channel_tested(&project, name, delivered, answer)
        else {
            return Ok(());
        };
        let now = app.now();
        let next = embargo_core::project::apply_project(Some(project.clone()), &event, now);
        let recorded = [embargo_core::event::Recorded {
            at: now,
            actor: embargo_core::actor::ActorRef::System,
            event,
        }];
        match app
            .store()
            .update_project(project.version, &next, &recorded)
            .await
        {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}
