//! The team's queue by urgency (issue 8, item 5): a case is as urgent as its most
//! urgent live clock. Most overdue first, then the nearest due: both are "earliest due
//! time first", so one key orders the whole queue.
//!
//! Only `running` and `overdue` clocks count. A `paused` clock waits on the reporter
//! (not the team), and its due time moves with "now" while it waits; leaving it out
//! keeps every case's key independent of the time of the request, so a keyset cursor
//! over the key stays put between pages.

use crate::clocks::{Clock, ClockState};
use jiff::Timestamp;

/// The clock that makes a case urgent: the live one due first (ties: the earlier in
/// [`crate::clocks::ClockName::ALL`] order). `None` when no clock is running or overdue.
pub fn most_urgent(clocks: &[Clock]) -> Option<&Clock> {
    clocks
        .iter()
        .filter(|c| is_live(c.state))
        .min_by_key(|c| (c.due, c.name))
}

/// Whether a clock asks the team for something now.
pub fn is_live(state: ClockState) -> bool {
    match state {
        ClockState::Running | ClockState::Overdue => true,
        ClockState::Paused | ClockState::Met | ClockState::Stopped => false,
    }
}

/// The sort key of a case whose most urgent clock is `clock`: its due time in
/// milliseconds since the epoch, smaller first; cases without a live clock come last
/// (`i64::MAX`). Cases with equal keys are ordered by id by whoever sorts.
pub fn urgency_key(clock: Option<&Clock>) -> i64 {
    clock.map_or(i64::MAX, |c| c.due.as_millisecond())
}

/// Whether the case has a clock overdue at the time its clocks were computed.
pub fn is_overdue(clocks: &[Clock]) -> bool {
    clocks.iter().any(|c| c.state == ClockState::Overdue)
}

/// `urgency_key` back as a time, for showing a cursor's place; `None` for the end.
pub fn key_time(key: i64) -> Option<Timestamp> {
    (key != i64::MAX)
        .then(|| Timestamp::from_millisecond(key).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::{ClockFacts, compute};
    use crate::policy::Policy;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn c3_c10_the_earliest_live_clock_makes_the_case_urgent() {
        let policy = Policy::connect();
        // Received Monday 09:00 UTC: collaborators due in a day, acknowledge in 5
        // working days, disclosure in 30 days.
        let facts = ClockFacts::received(ts("2026-12-07T09:00:00Z"));
        let now = ts("2026-12-07T10:00:00Z");
        let clocks = compute(&policy, &facts, now);
        let urgent = most_urgent(&clocks).unwrap();
        assert_eq!(urgent.name.as_str(), "collaborators-added");
        assert_eq!(urgency_key(Some(urgent)), urgent.due.as_millisecond());
        assert!(!is_overdue(&clocks));
        // A day and a half later it is overdue, and still the most urgent.
        let later = ts("2026-12-08T21:00:00Z");
        let clocks = compute(&policy, &facts, later);
        assert!(is_overdue(&clocks));
        assert_eq!(
            most_urgent(&clocks).unwrap().name.as_str(),
            "collaborators-added"
        );
        // Collaborators added: the acknowledge clock is next.
        let mut facts = facts;
        facts.first_collaborator_added = Some(ts("2026-12-07T11:00:00Z"));
        let clocks = compute(&policy, &facts, later);
        assert_eq!(most_urgent(&clocks).unwrap().name.as_str(), "acknowledge");
    }

    #[test]
    fn a_case_without_a_live_clock_sorts_last() {
        assert_eq!(urgency_key(None), i64::MAX);
        assert_eq!(key_time(i64::MAX), None);
        let t = ts("2026-12-07T09:00:00Z");
        assert_eq!(key_time(t.as_millisecond()), Some(t));
    }
}
