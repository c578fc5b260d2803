//! What the queue and the case lists show of a case's recent life (issue 12 item 3):
//! the newest event a person made, and whose turn it is.

use crate::actor::ActorRef;
use crate::ids::UserId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Who the case waits on: the team (the reporter wrote last) or the reporter (the team
/// wrote to them or asked a question last).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitingOn {
    Team,
    Reporter,
}

impl WaitingOn {
    pub const ALL: [WaitingOn; 2] = [WaitingOn::Team, WaitingOn::Reporter];

    pub fn as_str(self) -> &'static str {
        match self {
            WaitingOn::Team => "team",
            WaitingOn::Reporter => "reporter",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

/// The newest activity on a case. Events Embargo records itself (timers, reminders,
/// the worker's results) are not activity: a case a person did nothing to is not "new".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// When a person last made an event on the case.
    pub at: Timestamp,
    /// That event's place in the stream (1 for the report).
    pub seq: u64,
    /// The member who made it; `None` for the reporter or an operator.
    pub by: Option<UserId>,
    /// Who spoke last between the team and the reporter.
    pub waiting_on: WaitingOn,
}

impl Activity {
    /// A new report: the team's turn.
    pub fn start(at: Timestamp) -> Self {
        Activity {
            at,
            seq: 1,
            by: None,
            waiting_on: WaitingOn::Team,
        }
    }

    /// Notes the event at `seq` made by `actor` (system events leave no trace).
    pub fn record(&mut self, actor: &ActorRef, seq: u64, at: Timestamp) {
        let by = match actor {
            ActorRef::User(u) => Some(u.id),
            ActorRef::Reporter | ActorRef::Operator => None,
            ActorRef::System => return,
        };
        self.at = at;
        self.seq = seq;
        self.by = by;
    }
}
