//! What a case's people and the worker did to its clocks (V2, C16, V7, C3): moves with
//! their reasons, slow-downs with the note that records the decision, another
//! project's disclosure dates, and the reminders and escalations already sent, by key,
//! so that none is sent twice.

use crate::clocks::{ClockMove, Slowdown, UpstreamDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockLog {
    pub moves: Vec<ClockMove>,
    pub slowdowns: Vec<Slowdown>,
    /// Another project's disclosure dates, oldest first.
    pub upstream: Vec<UpstreamDate>,
    /// The keys (`clocks::Reminder::key`) of the reminders and escalations recorded.
    pub fired: BTreeSet<String>,
    /// Where the case's internal notes are in its stream: a slow-down names one.
    pub notes: BTreeSet<u64>,
    /// The notes that record a decision to slow the case down (C16), by place.
    pub decision_notes: BTreeSet<u64>,
    /// The project version whose policy the clocks were last recomputed for.
    pub recomputed_for: Option<u64>,
}
