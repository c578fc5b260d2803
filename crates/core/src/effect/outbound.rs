//! The payloads of e-mail and webhook work, defined ahead of their handlers (issues 9
//! and 14) so that those issues add a handler, not a new outbox shape. Payloads name
//! what to send, not its text: the handler renders it from the subject's state when it
//! sends, so the outbox holds no embargoed words and a retry sends what is true then.

use crate::ids::UserId;
use crate::policy::Notice;
use serde::{Deserialize, Serialize};

/// A message to one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: Recipient,
    pub message: MailKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "kebab-case")]
pub enum Recipient {
    /// The case's reporter, at the address they gave.
    Reporter,
    /// An account's owner.
    User { id: UserId },
    /// A person from another project the case is shared with (C5), at the address the
    /// invitation gave; nothing is sent once they are removed.
    Guest { id: crate::ids::GuestId },
    /// The project's members who want this mail (`Project::mail_preferences`): the
    /// worker turns it into one `User` mail each, by the project as it is then.
    Team,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "kebab-case")]
pub enum MailKind {
    /// The report arrived, with the tracking link (C1, C3). `core` plans it without the
    /// token, which the shell draws: the store fills it in when it queues the mail, and
    /// clears it again ([`MailKind::redacted`]) when the job is finished.
    ReportReceived {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking_token: Option<String>,
    },
    /// The case moved or the team wrote, in a way the reporter sees (C4).
    CaseUpdated { update: CaseUpdate },
    /// News for a member of the team (issue 9): a new report, the reporter wrote, an
    /// assignment.
    TeamUpdate { update: TeamUpdate },
    /// A fresh tracking link, asked for on "Lost your tracking link?"; the token is
    /// filled in and cleared as for the receipt.
    LinkRenewed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking_token: Option<String>,
    },
    /// A guest's invitation to the case (C5), with their link; the token is filled in
    /// and cleared as for the receipt.
    GuestInvitation {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// A change to the account's privileges (issue 11 item 6), to its owner; or an
    /// admin's change to their own role, to the project's other admins.
    AccountNotice {
        notice: crate::account_notice::AccountNotice,
    },
}

impl MailKind {
    /// The same mail without the secrets it carried until it was sent.
    pub fn redacted(&self) -> MailKind {
        match self {
            MailKind::ReportReceived { .. } => MailKind::ReportReceived {
                tracking_token: None,
            },
            MailKind::CaseUpdated { update } => MailKind::CaseUpdated { update: *update },
            MailKind::TeamUpdate { update } => MailKind::TeamUpdate { update: *update },
            MailKind::LinkRenewed { .. } => MailKind::LinkRenewed {
                tracking_token: None,
            },
            MailKind::GuestInvitation { .. } => MailKind::GuestInvitation { token: None },
            MailKind::AccountNotice { notice } => MailKind::AccountNotice {
                notice: notice.clone(),
            },
        }
    }
}

/// What changed for the reporter. The words are the handler's; the text of a message
/// or question stays behind the tracking link, so no embargoed words sit in a mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseUpdate {
    Acknowledged,
    /// The team needs more information: a question waits.
    Question,
    /// The team wrote to the reporter.
    Message,
    /// The team's final decision.
    Decision,
    /// The case is public.
    Disclosed,
    /// The team proposed a release plan or changed it (C6, V9).
    ReleasePlan,
    /// The release date stands: the coordinator accepted the reporter's date, or set
    /// it after their silence.
    ReleaseDate,
}

/// What the team hears of by mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "team", rename_all = "kebab-case")]
pub enum TeamUpdate {
    /// A report arrived (C1, C3).
    NewReport,
    /// The reporter wrote: a reply, or an answer to the team's question (C9).
    ReporterWrote,
    /// Someone was made coordinator of the case or added to it (C8, C10).
    Assigned { user: UserId },
    /// A clock's reminder, or its escalation once overdue (C3, issue 8), for the people
    /// the policy names (`clock_reminder` / `clock_overdue`).
    Clock {
        clock: crate::clocks::ClockName,
        overdue: bool,
        coordinator: bool,
        collaborators: bool,
        security_team: bool,
    },
}

impl TeamUpdate {
    /// The mail for a reminder or escalation to `to`.
    pub fn clock(
        clock: crate::clocks::ClockName,
        overdue: bool,
        to: &[crate::policy::Audience],
    ) -> TeamUpdate {
        use crate::policy::Audience;
        TeamUpdate::Clock {
            clock,
            overdue,
            coordinator: to.contains(&Audience::Coordinator),
            collaborators: to.contains(&Audience::Collaborators),
            security_team: to.contains(&Audience::SecurityTeam),
        }
    }
}

/// A notice to a project's channels (issue 14). The text is rendered when it is
/// sent, from the case as it is then (the coordinator's draft, or the project's
/// template), so the outbox holds no embargoed words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub to: NoticeTarget,
    /// The notice; `None` is a channel's "send a test" (a project's work).
    pub notice: Option<Notice>,
}

/// Where a notice job goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "kebab-case")]
pub enum NoticeTarget {
    /// Every channel of the project that takes this notice, and the pre-notified
    /// people the policy allows: the worker fans it out to one job each.
    Every,
    /// One channel, by name.
    Channel { name: String },
    /// One pre-notified person (V11), by mail.
    Person { address: String },
    /// The channels the project marks for the team (`Channel::team`): a clock's
    /// reminder or escalation as a count and a link, no embargoed words.
    Team { overdue: bool },
    /// One of them.
    TeamChannel { name: String, overdue: bool },
}
