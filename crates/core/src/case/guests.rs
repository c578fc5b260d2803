//! The people from another project a case is shared with (policy step C5): who, which
//! parts of the case they see, why, and who brought them in. Their capability is a
//! token the shell drew; only its hash is kept here, so removing a guest ends it.

use crate::actor::ActorRef;
use crate::ids::GuestId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A part of a case a guest may be shown. What is not here a guest never sees: the
/// reporter's identity and contact, internal notes, questions, the conversation with
/// the reporter, the team's names, other cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Share {
    /// The report's title, description, component, versions and platform.
    Report,
    /// The files the reporter sees (the report's, and those shared with the reporter).
    Attachments,
    /// The fixes: branch, private reference, commit, state.
    Fixes,
    /// The advisory draft (summary, details, CVE ID, CVSS).
    Advisory,
    /// The release plan: date, versions, mitigation.
    ReleasePlan,
}

impl Share {
    pub const ALL: [Share; 5] = [
        Share::Report,
        Share::Attachments,
        Share::Fixes,
        Share::Advisory,
        Share::ReleasePlan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Share::Report => "report",
            Share::Attachments => "attachments",
            Share::Fixes => "fixes",
            Share::Advisory => "advisory",
            Share::ReleasePlan => "release-plan",
        }
    }

    pub fn parse(s: &str) -> Option<Share> {
        Share::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// A guest as the invitation recorded them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    pub id: GuestId,
    pub email: String,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub shares: Vec<Share>,
    /// Why this project must help ship the fix (C5).
    pub reason: String,
    /// SHA-256 of the guest's capability token, hex. Never shown.
    pub token_hash: String,
}

impl Guest {
    pub fn sees(&self, share: Share) -> bool {
        self.shares.contains(&share)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitedGuest {
    pub guest: Guest,
    pub invited_by: ActorRef,
    pub at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestsState {
    /// The guests who may see the case now.
    pub current: Vec<InvitedGuest>,
    /// How many were ever invited: the next guest's number is one more.
    pub issued: u32,
}

impl GuestsState {
    pub fn get(&self, id: GuestId) -> Option<&Guest> {
        self.current.iter().map(|g| &g.guest).find(|g| g.id == id)
    }

    pub fn by_email(&self, email: &str) -> Option<&Guest> {
        self.current
            .iter()
            .map(|g| &g.guest)
            .find(|g| g.email.eq_ignore_ascii_case(email.trim()))
    }

    pub fn next_id(&self) -> GuestId {
        GuestId(self.issued + 1)
    }

    pub(super) fn invite(&mut self, guest: &Guest, by: &ActorRef, at: Timestamp) {
        self.issued = self.issued.max(guest.id.0);
        self.current.push(InvitedGuest {
            guest: guest.clone(),
            invited_by: by.clone(),
            at,
        });
    }

    pub(super) fn remove(&mut self, id: GuestId) {
        self.current.retain(|g| g.guest.id != id);
    }
}
