//! A member's in-app notifications (issue 8 item 3): each clock reminder and
//! escalation, listed newest first, with an unread count for the page header. Each is
//! handed out with its case only while the member may see that case.

use super::{App, AppError, AppResult, CaseView};
use embargo_core::Timestamp;
use embargo_core::actor::{Actor, User};
use embargo_core::clocks::{ClockName, ReminderKind};
use embargo_core::rejection::Rejection;
use embargo_store::{NotificationFilter, NotificationRecord, Page, PageRequest};

/// One notification, with the case as its reader may see it.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: i64,
    /// The timeline event it is about.
    pub seq: u64,
    pub kind: ReminderKind,
    pub clock: ClockName,
    pub due: Timestamp,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
    pub case: CaseView,
}

impl Notification {
    /// `clock_reminder` or `clock_overdue`: the event's kind.
    pub fn kind_str(&self) -> &'static str {
        match self.kind {
            ReminderKind::Reminder => "clock_reminder",
            ReminderKind::Escalation => "clock_overdue",
        }
    }

    /// What it says, without the case's title (the shells add that).
    pub fn words(&self) -> String {
        match self.kind {
            ReminderKind::Reminder => format!(
                "Reminder: {} ({}) is due {}",
                self.clock.task(),
                self.clock.as_str(),
                self.due.strftime("%Y-%m-%d %H:%M UTC")
            ),
            ReminderKind::Escalation => format!(
                "Overdue: {} ({}) was due {}",
                self.clock.task(),
                self.clock.as_str(),
                self.due.strftime("%Y-%m-%d %H:%M UTC")
            ),
        }
    }
}

/// What the header's badge shows: the unread count up to this, then "99+".
pub const BADGE_LIMIT: u32 = 99;

fn member(actor: &Actor) -> AppResult<&User> {
    match actor {
        Actor::User(u) => Ok(u),
        Actor::Reporter(_) => Err(Rejection::Forbidden {
            action: "read notifications",
            needs: "a member's account",
        }
        .into()),
        Actor::Anonymous | Actor::Operator => Err(AppError::Unauthorized {
            code: "unauthenticated",
            message: "sign in to read your notifications".into(),
        }),
    }
}

fn view(n: (NotificationRecord, embargo_store::CaseAccess)) -> Notification {
    let (r, access) = n;
    Notification {
        id: r.id,
        seq: r.seq,
        kind: r.kind,
        clock: r.clock,
        due: r.due,
        created_at: r.created_at,
        read_at: r.read_at,
        case: CaseView::from(access),
    }
}

impl App {
    /// A page of the member's notifications, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: Option<bool>,
        page: &PageRequest,
    ) -> AppResult<Page<Notification>> {
        let user = member(actor)?;
        let filter = match unread_only {
            Some(true) => NotificationFilter::Unread,
            Some(false) | None => NotificationFilter::All,
        };
        let p = self.store().notifications(user, filter, page).await?;
        Ok(Page {
            items: p.items.into_iter().map(view).collect(),
            next: p.next,
        })
    }

    /// How many unread notifications the member has, counted up to [`BADGE_LIMIT`] + 1.
    pub async fn unread_notifications(&self, actor: &Actor) -> AppResult<u32> {
        let user = member(actor)?;
        let mut count = 0u32;
        let mut after = None;
        loop {
            let page = PageRequest::new(BADGE_LIMIT + 1, after).expect("within the limits");
            let p = self
                .store()
                .notifications(user, NotificationFilter::Unread, &page)
                .await?;
            count += p.items.len() as u32;
            match p.next {
                Some(next) if count <= BADGE_LIMIT => after = Some(next),
                Some(_) | None => return Ok(count),
            }
        }
    }

    /// Marks one notification read; one whose case the member may not see (any more)
    /// answers as one that does not exist.
    pub async fn mark_notification_read(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let user = member(actor)?;
        if self.store().notification(user, id).await?.is_none() {
            return Err(AppError::not_found());
        }
        self.store()
            .mark_notifications_read(user.id, &[id], self.now())
            .await?;
        Ok(())
    }

    /// Marks every unread notification the member may see read; how many.
    pub async fn mark_all_notifications_read(&self, actor: &Actor) -> AppResult<u64> {
        let user = member(actor)?;
        let mut marked = 0;
        let mut after = None;
        loop {
            let page = PageRequest::new(PageRequest::MAX_LIMIT, after).expect("within the limits");
            let p = self
                .store()
                .notifications(user, NotificationFilter::Unread, &page)
                .await?;
            let ids: Vec<i64> = p.items.iter().map(|(r, _)| r.id).collect();
            marked += self
                .store()
                .mark_notifications_read(user.id, &ids, self.now())
                .await?;
            match p.next {
                Some(next) => after = Some(next),
                None => return Ok(marked),
            }
        }
    }
}

/// A notice about the member's own account (issue 11 item 6): a new API token, a
/// second factor set up or removed, a project role given or taken.
#[derive(Clone, Debug)]
pub struct AccountNotification {
    pub id: i64,
    pub notice: embargo_core::account_notice::AccountNotice,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

impl From<embargo_store::AccountNotificationRecord> for AccountNotification {
    fn from(r: embargo_store::AccountNotificationRecord) -> Self {
        AccountNotification {
            id: r.id,
            notice: r.notice,
            created_at: r.created_at,
            read_at: r.read_at,
        }
    }
}

impl App {
    /// A page of the notices about the caller's own account, newest first. Nobody
    /// reads another account's, instance admins included.
    pub async fn account_notifications(
        &self,
        actor: &Actor,
        unread_only: Option<bool>,
        page: &PageRequest,
    ) -> AppResult<Page<AccountNotification>> {
        let user = member(actor)?;
        let filter = match unread_only {
            Some(true) => NotificationFilter::Unread,
            Some(false) | None => NotificationFilter::All,
        };
        let p = self
            .store()
            .account_notifications(user.id, filter, page)
            .await?;
        Ok(Page {
            items: p.items.into_iter().map(Into::into).collect(),
            next: p.next,
        })
    }

    /// How many notices about the caller's account are unread.
    pub async fn unread_account_notifications(&self, actor: &Actor) -> AppResult<u64> {
        let user = member(actor)?;
        Ok(self.store().unread_account_notifications(user.id).await?)
    }

    /// Marks one notice about the caller's account read; another account's answers as
    /// one that does not exist.
    pub async fn mark_account_notification_read(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let user = member(actor)?;
        if self
            .store()
            .account_notification(user.id, id)
            .await?
            .is_none()
        {
            return Err(AppError::not_found());
        }
        self.store()
            .mark_account_notifications_read(user.id, Some(id), self.now())
            .await?;
        Ok(())
    }

    /// Marks every notice about the caller's account read; how many.
    pub async fn mark_all_account_notifications_read(&self, actor: &Actor) -> AppResult<u64> {
        let user = member(actor)?;
        Ok(self
            .store()
            .mark_account_notifications_read(user.id, None, self.now())
            .await?)
    }
}
