//! In-app notifications: written with the events that notify (in their transaction),
//! read by the member they are for, each handed out only with the case it is about as
//! that member may see it now.

use super::Backing;
use super::listing::{Builder, after_descending, limit, page};
use super::support::{DbRow, Tx, corrupt};
use crate::backend::{micros, timestamp};
use crate::{CaseAccess, NotificationFilter, NotificationRecord, Page, PageRequest, Result};
use embargo_core::Timestamp;
use embargo_core::access;
use embargo_core::actor::{Actor, User};
use embargo_core::case::Case;
use embargo_core::clocks::{ClockName, ReminderKind};
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::{CaseId, UserId};
use embargo_core::notification;
use embargo_core::project::Project;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;

/// Writes the notifications `events` (the last ones of `case`) call for.
pub(super) async fn notify(
    tx: &mut Tx,
    case: &Case,
    project: &Project,
    events: &[Recorded<Event>],
) -> Result<()> {
    let first = case.version + 1 - events.len() as u64;
    for (i, e) in events.iter().enumerate() {
        let (kind, clock, due) = match &e.event {
            Event::ClockReminder { clock, due, .. } => ("clock_reminder", clock, due),
            Event::ClockOverdue { clock, due, .. } => ("clock_overdue", clock, due),
            _ => continue,
        };
        for user in notification::recipients(case, project, &e.event) {
            sqlx::query(
                "INSERT INTO notifications (user_id, case_id, seq, kind, clock, due_at, \
                                            created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(user.0)
            .bind(case.id.as_str())
            .bind((first + i as u64) as i64)
            .bind(kind)
            .bind(clock.as_str())
            .bind(micros(*due))
            .bind(micros(e.at))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

fn record(r: &DbRow) -> Result<NotificationRecord> {
    let kind: String = r.try_get("kind")?;
    let clock: String = r.try_get("clock")?;
    let case: String = r.try_get("case_id")?;
    Ok(NotificationRecord {
        id: r.try_get("nid")?,
        case: CaseId::parse(&case).ok_or_else(|| corrupt("notification case", &case))?,
        seq: r.try_get::<i64, _>("seq")? as u64,
        kind: match kind.as_str() {
            "clock_reminder" => ReminderKind::Reminder,
            "clock_overdue" => ReminderKind::Escalation,
            other => return Err(corrupt("notification kind", other)),
        },
        clock: ClockName::parse(&clock).ok_or_else(|| corrupt("notification clock", &clock))?,
        due: timestamp(r.try_get("due_at")?)?,
        created_at: timestamp(r.try_get("created_at")?)?,
        read_at: r
            .try_get::<Option<i64>, _>("read_at")?
            .map(timestamp)
            .transpose()?,
    })
}

const COLUMNS: &str = "n.id AS nid, n.case_id, n.seq, n.kind, n.clock, n.due_at, n.created_at, \
                       n.read_at, c.state";

impl Backing {
    /// The notification with the case as `user` may see it now; `None` if they may
    /// not. `projects` keeps the projects a page's rows share.
    async fn visible(
        &self,
        r: &DbRow,
        user: &User,
        projects: &mut HashMap<String, Arc<Project>>,
    ) -> Result<Option<(NotificationRecord, CaseAccess)>> {
        let rec = record(r)?;
        let case = self.case_opened(r.try_get("state")?).await?;
        let slug = case.project.as_str().to_owned();
        if !projects.contains_key(&slug) {
            let project = self
                .load_project(&slug)
                .await?
                .ok_or_else(|| corrupt("case", format!("{} has no project", case.id)))?;
            projects.insert(slug.clone(), project);
        }
        let project = &projects[&slug];
        // The one visibility rule lives in core.
        let actor = Actor::User(user.clone());
        Ok(access::standing(&actor, project, &case)
            .map(|s| (rec, CaseAccess::new(case, Arc::clone(project), s))))
    }
}

#[async_trait::async_trait]
impl crate::NotificationStore for Backing {
    async fn notifications(
        &self,
        user: &User,
        filter: NotificationFilter,
        page_request: &PageRequest,
    ) -> Result<Page<(NotificationRecord, CaseAccess)>> {
        // Newest first; the id is the key and unique, so the cursor's tie-break (the
        // case id) never decides.
        let mut q = Builder::new(format!(
            "SELECT {COLUMNS}, n.id AS sort_key, n.case_id AS id FROM notifications n \
             JOIN cases c ON c.id = n.case_id WHERE n.user_id = "
        ));
        q.push_bind(user.id.0);
        match filter {
            NotificationFilter::All => {}
            NotificationFilter::Unread => {
                q.push(" AND n.read_at IS NULL");
            }
        }
        after_descending(&mut q, "n.id", "n.case_id", page_request.after.as_ref());
        q.push(" ORDER BY n.id DESC");
        limit(&mut q, page_request);
        let rows = q.build().fetch_all(&self.reader).await?;
        let mut visible = Vec::with_capacity(rows.len());
        let mut projects = HashMap::new();
        for r in &rows {
            visible.push(self.visible(r, user, &mut projects).await?);
        }
        let mut it = visible.into_iter();
        page(rows, page_request, |_| Ok(it.next().flatten()))
    }

    async fn notification(
        &self,
        user: &User,
        id: i64,
    ) -> Result<Option<(NotificationRecord, CaseAccess)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM notifications n JOIN cases c ON c.id = n.case_id \
             WHERE n.id = $1 AND n.user_id = $2"
        )))
        .bind(id)
        .bind(user.id.0)
        .fetch_optional(&self.reader)
        .await?;
        match row {
            Some(r) => self.visible(&r, user, &mut HashMap::new()).await,
            None => Ok(None),
        }
    }

    async fn mark_notifications_read(
        &self,
        user: UserId,
        ids: &[i64],
        now: Timestamp,
    ) -> Result<u64> {
        let mut q = Builder::new("UPDATE notifications SET read_at = ");
        q.push_bind(micros(now));
        q.push(" WHERE read_at IS NULL AND user_id = ");
        q.push_bind(user.0);
        q.push(" AND id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        q.push(")");
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(q.build().execute(&self.writer).await?.rows_affected())
    }
}
