//! Timers: "look at this subject again at T" is an outbox row due at T, and the reason
//! says what to look at. Clock reminders (`clocks`) and a policy change (`recompute-clocks`) are reasons too.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WakeReason {
    /// Ask CVE Services, once a day while the case holds `id` as reserved, whether the
    /// ID is still RESERVED: the CVE Program rejects IDs (a duplicate, one left unused
    /// at the end of its year), and a rejected ID must not be published.
    WatchCveId { id: String },
    /// Disclose the case at the release time it was scheduled for, if it still is and
    /// the disclosure gate lets it (C6, C18).
    ScheduledDisclosure { at: Timestamp },
    /// Record the case's reminders and escalations that fell due (C3, issue 8).
    Clocks,
    /// A project's policy changed at `policy_version`: say so on each open case,
    /// whose clocks and timers follow the new policy from then on.
    RecomputeClocks { policy_version: u64 },
}

impl WakeReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            WakeReason::WatchCveId { .. } => "watch-cve-id",
            WakeReason::ScheduledDisclosure { .. } => "scheduled-disclosure",
            WakeReason::Clocks => "clocks",
            WakeReason::RecomputeClocks { .. } => "recompute-clocks",
        }
    }
}

/// How often a reserved ID's state is checked.
pub const WATCH_INTERVAL: SignedDuration = SignedDuration::from_hours(24);
