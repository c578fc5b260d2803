//! The outbox: work any stream's events ask of the outside world (`core::effect`),
//! queued in the events' transaction and claimed by workers with a lease.

use super::Backing;
use super::support::{DbRow, ROWS_PER_INSERT, Tx, corrupt, from_json, to_json};
use crate::ProjectStore;
use crate::backend::{Dialect, micros, timestamp};
use crate::{Job, Queued, Result};
use embargo_core::Timestamp;
use embargo_core::account::AccountEvent;
use embargo_core::case::Case;
use embargo_core::effect::{self, Effect, EffectKind, Email, MailKind, Outlets, Planned, Subject};
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::CaseId;
use embargo_core::project::{Project, ProjectEvent};
use sqlx::Row;
use std::sync::Arc;

/// Queues planned work for `subject` inside `tx`; on PostgreSQL, other instances hear
/// of it (`NOTIFY`) when the transaction commits, and not before.
async fn queue(
    tx: &mut Tx,
    subject: &Subject,
    planned: Vec<Planned>,
    now: Timestamp,
) -> Result<Vec<Queued>> {
    let mut queued = Vec::with_capacity(planned.len());
    for p in planned {
        let row = sqlx::query(
            "INSERT INTO outbox (subject_kind, subject_id, case_id, kind, payload, created_at, \
                                 due_at, attempts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING id",
        )
        .bind(subject.kind())
        .bind(subject.id())
        .bind(subject.case().map(|c| c.as_str().to_owned()))
        .bind(p.effect.as_str())
        .bind(to_json(&p.effect))
        .bind(micros(now))
        .bind(micros(p.due))
        .fetch_one(&mut **tx)
        .await?;
        queued.push(Queued {
            id: row.try_get("id")?,
            subject: subject.clone(),
            effect: p.effect,
            due: p.due,
        });
    }
    if !queued.is_empty()
        && let Some(notify) = Backing::NOTIFY_JOBS
    {
        sqlx::query(notify).execute(&mut **tx).await?;
    }
    Ok(queued)
}

/// Queues the work case events ask for, given the case after them. At intake the
/// reporter's tracking token, which only the shell knows, goes into the receipt's
/// payload (and a guest's token into their invitation, C5); `finish_job` takes it out
/// again.
pub(super) async fn queue_case_effects(
    tx: &mut Tx,
    case: &Case,
    events: &[Recorded<Event>],
    tracking_token: Option<&str>,
) -> Result<Vec<Queued>> {
    let now = events.last().map_or(case.updated_at, |e| e.at);
    let subject = Subject::Case(case.id.clone());
    let planned = planned_case_effects(case, events, tracking_token);
    let mut queued = queue(tx, &subject, planned, now).await?;
    let project = project_in(tx, case).await?;
    queued.extend(replan_clock_timer(tx, case, &project, now).await?);
    super::notifications::notify(tx, case, &project, events).await?;
    Ok(queued)
}

/// The work a case stored just now asks for ([`queue_case_effects`]' rule), for
/// [`queue_many`]: it has no timer yet to replan, only its first to queue.
pub(super) fn new_case_work(
    case: &Case,
    project: &Project,
    events: &[Recorded<Event>],
    tracking_token: &str,
) -> Vec<(Subject, Planned, Timestamp)> {
    let now = events.last().map_or(case.updated_at, |e| e.at);
    let mut planned = planned_case_effects(case, events, Some(tracking_token));
    planned.extend(effect::clock_timer(case, &project.policy(), now));
    planned
        .into_iter()
        .map(|p| (Subject::Case(case.id.clone()), p, now))
        .collect()
}

/// Queues many jobs (each with its subject and the time it was asked for) in a few
/// multi-row inserts; returns them in the order given.
pub(super) async fn queue_many(
    tx: &mut Tx,
    jobs: Vec<(Subject, Planned, Timestamp)>,
) -> Result<Vec<Queued>> {
    let mut queued = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        let chunk: Vec<_> = jobs.by_ref().take(ROWS_PER_INSERT).collect();
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO outbox (subject_kind, subject_id, case_id, kind, payload, created_at, \
                                 due_at, attempts) ",
        );
        q.push_values(&chunk, |mut b, (subject, p, now)| {
            b.push_bind(subject.kind())
                .push_bind(subject.id())
                .push_bind(subject.case().map(|c| c.as_str().to_owned()))
                .push_bind(p.effect.as_str())
                .push_bind(to_json(&p.effect))
                .push_bind(micros(*now))
                .push_bind(micros(p.due))
                .push("0");
        });
        q.push(" RETURNING id");
        let mut ids = q
            .build()
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // RETURNING promises no order, but one statement draws its rows' ids in the
        // order of its VALUES, rising: sorted, they pair with the rows again.
        ids.sort_unstable();
        for ((subject, p, _), id) in chunk.into_iter().zip(ids) {
            queued.push(Queued {
                id,
                subject,
                effect: p.effect,
                due: p.due,
            });
        }
    }
    if !queued.is_empty()
        && let Some(notify) = Backing::NOTIFY_JOBS
    {
        sqlx::query(notify).execute(&mut **tx).await?;
    }
    Ok(queued)
}

/// The work `events` ask for, with the token only the shell knows in the mail that
/// carries it.
fn planned_case_effects(
    case: &Case,
    events: &[Recorded<Event>],
    tracking_token: Option<&str>,
) -> Vec<Planned> {
    events
        .iter()
        .flat_map(|e| effect::case_effects(case, e))
        .map(|mut p| {
            if let Effect::Email(Email {
                message:
                    MailKind::ReportReceived { tracking_token: t }
                    | MailKind::LinkRenewed { tracking_token: t },
                ..
            }) = &mut p.effect
            {
                *t = tracking_token.map(str::to_owned);
            }
            if let Effect::Email(Email {
                message: MailKind::GuestInvitation { token: t },
                ..
            }) = &mut p.effect
            {
                *t = tracking_token.map(str::to_owned);
            }
            p
        })
        .collect()
}

/// The case's project as this transaction sees it: its policy runs the clocks.
pub(super) async fn project_in(tx: &mut Tx, case: &Case) -> Result<Project> {
    let row = sqlx::query("SELECT state FROM projects WHERE slug = $1")
        .bind(case.project.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| corrupt("case project", "missing"))?;
    from_json("project", &row.try_get::<String, _>("state")?)
}

/// Keeps one live clock timer per case (`core::effect::clock_timer`), named by the
/// case's row (`cases.clock_job`): the open timer due at the next moment stays (or is
/// queued and named), the one open before is finished here, so a stale timer does
/// nothing. A timer a worker holds right now is finished too: its worker's
/// `finish_job` then changes nothing, and the new one takes over. (Named by the row, a
/// case's timer needs no index of open jobs by case, which cost intake a page of a
/// random key at every report.)
async fn replan_clock_timer(
    tx: &mut Tx,
    case: &Case,
    project: &Project,
    now: Timestamp,
) -> Result<Vec<Queued>> {
    let next = effect::clock_timer(case, &project.policy(), now);
    let keep = next.as_ref().map(|p| micros(p.due));
    let open = sqlx::query(
        "SELECT o.id, o.due_at FROM cases c JOIN outbox o ON o.id = c.clock_job \
         WHERE c.id = $1 AND o.done_at IS NULL",
    )
    .bind(case.id.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(open) = open {
        if Some(open.try_get::<i64, _>("due_at")?) == keep {
            return Ok(Vec::new());
        }
        sqlx::query(
            "UPDATE outbox SET done_at = $1, leased_until = NULL, last_error = 'replanned' \
             WHERE id = $2 AND done_at IS NULL",
        )
        .bind(micros(now))
        .bind(open.try_get::<i64, _>("id")?)
        .execute(&mut **tx)
        .await?;
    }
    let Some(next) = next else {
        return Ok(Vec::new());
    };
    let queued = queue(tx, &Subject::Case(case.id.clone()), vec![next], now).await?;
    name_clock_timers(tx, &queued).await?;
    Ok(queued)
}

/// Names on each case's row the clock timer just queued for it, if any (many to a
/// statement: intake's batch).
pub(super) async fn name_clock_timers(tx: &mut Tx, queued: &[Queued]) -> Result<()> {
    let timers: Vec<(&CaseId, i64)> = queued.iter().filter_map(clock_timer).collect();
    for chunk in timers.chunks(ROWS_PER_INSERT) {
        // `VALUES` names its columns `column1`, `column2` on both databases.
        let mut q = sqlx::QueryBuilder::new("UPDATE cases SET clock_job = timers.column2 FROM (");
        q.push_values(chunk, |mut b, (case, job)| {
            b.push_bind(case.as_str().to_owned()).push_bind(*job);
        });
        q.push(") AS timers WHERE cases.id = timers.column1");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// The case and id of `job` if it is a case's clock timer.
pub(super) fn clock_timer(job: &Queued) -> Option<(&CaseId, i64)> {
    match (&job.subject, &job.effect) {
        (
            Subject::Case(case),
            Effect::Wake {
                reason: effect::WakeReason::Clocks,
            },
        ) => Some((case, job.id)),
        _ => None,
    }
}

/// Queues the work project events ask for, given the project after them.
pub(super) async fn queue_project_effects(
    tx: &mut Tx,
    project: &Project,
    events: &[Recorded<ProjectEvent>],
) -> Result<Vec<Queued>> {
    let planned = effect::project_effects(project, events);
    let Some(now) = events.last().map(|e| e.at) else {
        return Ok(Vec::new());
    };
    for e in events {
        let notices = embargo_core::account_notice::for_project_event(project, e);
        super::account_notifications::keep(tx, &notices, e.at).await?;
    }
    queue(tx, &Subject::Project(project.slug.clone()), planned, now).await
}

/// Queues the work account events ask for, each for the account it is about.
pub(super) async fn queue_account_effects(
    tx: &mut Tx,
    events: &[Recorded<AccountEvent>],
) -> Result<Vec<Queued>> {
    let mut queued = Vec::new();
    for e in events {
        let planned = effect::account_effects(e);
        let notices = embargo_core::account_notice::for_account_event(e);
        super::account_notifications::keep(tx, &notices, e.at).await?;
        queued.extend(queue(tx, &Subject::account_of(&e.event), planned, e.at).await?);
    }
    Ok(queued)
}

impl Backing {
    pub(super) fn outlets(&self) -> Outlets {
        Outlets {
            mail: self.mail_outlet.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The kinds of job this instance can work (the others wait for one that can):
    /// our own constants, never input, so they may be written into SQL.
    fn workable_kinds(&self) -> Vec<&'static str> {
        let lacking = self.outlets().lacking();
        EffectKind::ALL
            .into_iter()
            .filter(|k| !lacking.contains(k))
            .map(EffectKind::as_str)
            .collect()
    }
}

fn job(r: &DbRow) -> Result<Job> {
    let kind: String = r.try_get("subject_kind")?;
    let id: String = r.try_get("subject_id")?;
    Ok(Job {
        id: r.try_get("id")?,
        subject: Subject::parse(&kind, &id)
            .ok_or_else(|| corrupt("outbox subject", format!("{kind} {id}")))?,
        effect: from_json("outbox payload", &r.try_get::<String, _>("payload")?)?,
        attempts: r.try_get::<i64, _>("attempts")? as u32,
        due: timestamp(r.try_get("due_at")?)?,
    })
}

#[async_trait::async_trait]
impl crate::OutboxStore for Backing {
    async fn claim_job(&self, now: Timestamp, lease_until: Timestamp) -> Result<Option<Job>> {
        // The earliest open job nobody holds, of each workable kind, each one step down
        // `outbox_open_kind` (PostgreSQL skips rows another worker is claiming this
        // instant); then the earliest of those. One walk down the due jobs of every
        // kind went past every job waiting for a missing way out (mail without SMTP
        // piles up one per report, all due): 27,000 of them, 93 ms, on SQLite's one
        // writer at each wake. The outer conditions are checked again on the row as it
        // is when the update locks it, so of two workers that picked the same row, only
        // the first gets it.
        let kinds = self.workable_kinds();
        if kinds.is_empty() {
            return Ok(None);
        }
        let firsts = kinds
            .iter()
            .enumerate()
            .map(|(n, k)| {
                format!(
                    "SELECT * FROM (SELECT id, due_at FROM outbox \
                       WHERE done_at IS NULL AND kind = '{k}' AND due_at <= $1 \
                         AND (leased_until IS NULL OR leased_until <= $1) \
                       ORDER BY due_at, id LIMIT 1{}) AS kind{n}",
                    Backing::SKIP_LOCKED
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!(
            "UPDATE outbox SET attempts = attempts + 1, leased_until = $2 \
             WHERE id = (SELECT id FROM ({firsts}) AS firsts ORDER BY due_at, id LIMIT 1) \
               AND done_at IS NULL AND (leased_until IS NULL OR leased_until <= $1) \
             RETURNING id, subject_kind, subject_id, payload, attempts, due_at"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(micros(now))
            .bind(micros(lease_until))
            .fetch_optional(&self.writer)
            .await?;
        row.as_ref().map(job).transpose()
    }

    fn set_outlets(&self, outlets: Outlets) {
        self.mail_outlet
            .store(outlets.mail, std::sync::atomic::Ordering::Relaxed);
    }

    async fn finish_job(&self, job: &Job, now: Timestamp) -> Result<()> {
        // `attempts` fences the claim: a worker whose lease ran out and whose job was
        // claimed again cannot settle the newer attempt. The secrets the job carried
        // (a receipt's tracking token) leave with it, in the same statement.
        sqlx::query(
            "UPDATE outbox SET done_at = $3, leased_until = NULL, last_error = NULL, \
                               payload = $4 \
             WHERE id = $1 AND attempts = $2 AND done_at IS NULL",
        )
        .bind(job.id)
        .bind(i64::from(job.attempts))
        .bind(micros(now))
        .bind(to_json(&job.effect.redacted()))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn fan_out(&self, job: &Job, work: Vec<Planned>, now: Timestamp) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE outbox SET done_at = $3, leased_until = NULL, last_error = NULL \
             WHERE id = $1 AND attempts = $2 AND done_at IS NULL",
        )
        .bind(job.id)
        .bind(i64::from(job.attempts))
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        queue(&mut tx, &job.subject, work, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn retry_job(&self, job: &Job, note: &str, due: Timestamp) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET last_error = $3, due_at = $4, leased_until = NULL \
             WHERE id = $1 AND attempts = $2 AND done_at IS NULL",
        )
        .bind(job.id)
        .bind(i64::from(job.attempts))
        .bind(note)
        .bind(micros(due))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn next_job_due(&self) -> Result<Option<Timestamp>> {
        // The worker asks after every wake, and every case keeps its timers open for
        // days: a MIN over every open job read them all each time, and intake slowed
        // as the database grew. Each term here is one step down an index: the earliest
        // free job of each workable kind (`outbox_open_kind`), and the earliest lease
        // that outlives its job's due time (`outbox_leased`: held jobs are few).
        let kinds = self.workable_kinds();
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut terms: Vec<String> = kinds
            .iter()
            .map(|k| {
                format!(
                    "(SELECT due_at FROM outbox WHERE done_at IS NULL AND kind = '{k}' \
                       AND (leased_until IS NULL OR leased_until <= due_at) \
                     ORDER BY due_at LIMIT 1)"
                )
            })
            .collect();
        // `kind || ''` keeps the planner on `outbox_leased` and off `outbox_open_kind`:
        // PostgreSQL, with statistics older than a burst of intake, took the open jobs
        // of these kinds for a few rows and read every case's timer at each wake
        // (26,000 rows, 9 ms, about 75 times a second: most of the database's time).
        terms.push(format!(
            "(SELECT MIN(leased_until) FROM outbox \
              WHERE done_at IS NULL AND leased_until IS NOT NULL \
                AND leased_until > due_at AND kind || '' IN ({}))",
            kinds
                .iter()
                .map(|k| format!("'{k}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let sql = format!(
            "SELECT {}",
            terms
                .iter()
                .enumerate()
                .map(|(n, t)| format!("{t} AS t{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.reader)
            .await?;
        let mut next: Option<i64> = None;
        for n in 0..terms.len() {
            if let Some(t) = row.try_get::<Option<i64>, _>(n)? {
                next = Some(next.map_or(t, |m| m.min(t)));
            }
        }
        next.map(timestamp).transpose()
    }

    async fn waiting_jobs(&self, kind: EffectKind) -> Result<u64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE done_at IS NULL AND kind = $1")
                .bind(kind.as_str())
                .fetch_one(&self.reader)
                .await?;
        Ok(row.try_get::<i64, _>("n")? as u64)
    }

    async fn case_for_job(&self, job: &Job) -> Result<Option<(Case, Project)>> {
        let Some(case_id) = job.subject.case() else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT c.state FROM cases c WHERE c.id = $1 \
             AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = $2 AND o.case_id = c.id)",
        )
        .bind(case_id.as_str())
        .bind(job.id)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let case: Case = self.case_from(&row).await?;
        let project = self
            .project(&case.project)
            .await?
            .ok_or_else(|| corrupt("case project", "missing"))?;
        Ok(Some((case, project)))
    }

    async fn open_cases_for_job(
        &self,
        job: &Job,
        after: Option<&CaseId>,
        limit: usize,
    ) -> Result<Vec<Case>> {
        let Subject::Project(slug) = &job.subject else {
            return Ok(Vec::new());
        };
        let mut q = super::listing::Builder::new("SELECT c.state FROM cases c WHERE c.project = ");
        q.push_bind(slug.as_str().to_owned());
        let open: Vec<_> = embargo_core::case::Stage::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        super::listing::stages_in(&mut q, "c.stage", &open);
        q.push(" AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = ");
        q.push_bind(job.id);
        q.push(" AND o.subject_kind = 'project' AND o.subject_id = c.project)");
        if let Some(after) = after {
            q.push(" AND c.id > ");
            q.push_bind(after.as_str().to_owned());
        }
        q.push(" ORDER BY c.id LIMIT ");
        q.push_bind(limit as i64);
        let rows = q.build().fetch_all(&self.reader).await?;
        self.load_state_keys(&rows).await?;
        rows.iter().map(|r| self.case_of(r)).collect()
    }

    async fn listen_for_jobs(&self, ring: Arc<dyn Fn() + Send + Sync>) -> Result<()> {
        self.listen(ring).await
    }
}
