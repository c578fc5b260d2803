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
    /// The project version whose policy the clocks follow: the one the report was
    /// received under, or the one they were last recomputed for.
    pub recomputed_for: Option<u64>,
}

#[cfg(test)]
mod tests {
    use crate::event::{Event, Recorded};

    /// The clock events as they are stored: events are never rewritten, so this
    /// format must keep loading.
    const LOG: &str = r#"{"at":"2026-09-28T00:00:00Z","actor":{"kind":"system"},"event":{"type":"clock_reminder","clock":"acknowledge","due":"2026-09-29T00:00:00Z","key":"acknowledge/reminder-0/2026-09-29T00:00:00Z","to":["coordinator","collaborators"]}}
{"at":"2026-09-29T00:00:00Z","actor":{"kind":"system"},"event":{"type":"clock_overdue","clock":"acknowledge","due":"2026-09-29T00:00:00Z","key":"acknowledge/escalation-0/2026-09-29T00:00:00Z","to":["security-team"]}}
{"at":"2026-09-29T01:00:00Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"clock_moved","clock":"disclosure-target","due":"2026-11-30T12:00:00Z","reason":"agreed with the reporter","shared":true}}
{"at":"2026-09-29T02:00:00Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"slowed_down","clocks":["disclosure-target"],"change":{"duration":"60 days"},"basis":"cvss","note":7}}
{"at":"2026-09-29T03:00:00Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"upstream_date_set","date":"2026-12-15T16:00:00Z","source":"Go security release"}}
{"at":"2026-09-29T04:00:00Z","actor":{"kind":"system"},"event":{"type":"clocks_recomputed","policy_version":7}}"#;

    #[test]
    fn the_clock_events_keep_their_stored_format() {
        let again: Vec<String> = LOG
            .lines()
            .map(|l| {
                let e: Recorded<Event> =
                    serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                serde_json::to_string(&e).unwrap()
            })
            .collect();
        assert_eq!(again.join("\n"), LOG);
    }
}
