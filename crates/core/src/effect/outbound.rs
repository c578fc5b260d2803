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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "kebab-case")]
pub enum MailKind {
    /// The report arrived, with the tracking link (C1, C3).
    ReportReceived,
    /// The team wrote or the case moved: the event at `seq` on the case's timeline.
    CaseUpdated { seq: u64 },
}

/// A notice to one of a project's channels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// The channel's name in the project's settings.
    pub channel: String,
    pub notice: Notice,
}
