//! Reminders and escalations, exactly once (C3, issue 8 item 3). A case keeps one
//! live timer: every append plans a `wake {clocks}` for the next moment a reminder or
//! an escalation falls due (the store drops the older ones), and when it fires the
//! worker records what is due and not yet recorded. The reminder's key, kept by the
//! case, makes a second worker's or a stale timer's look find nothing to do.

use super::{Effect, Planned, WakeReason};
use crate::case::Case;
use crate::clocks::{self, Reminder, ReminderKind};
use crate::policy::Policy;
use jiff::Timestamp;

/// The reminders and escalations still to be recorded, as of `now`, whatever their
/// time: those not recorded yet, except a reminder whose clock is already due (the
/// escalation says more, and says it once).
fn pending(case: &Case, policy: &Policy, now: Timestamp) -> Vec<Reminder> {
    case.clocks(policy, now)
        .iter()
        .flat_map(|c| {
            clocks::reminders(policy, c)
                .into_iter()
                // A reminder that falls the moment its clock starts (the clock is
                // shorter than the reminder's lead) says nothing the start did not.
                .filter(move |r| r.kind == ReminderKind::Escalation || r.at > c.start)
        })
        .filter(|r| !case.clock_log.fired.contains(&r.key()))
        .filter(|r| match r.kind {
            ReminderKind::Reminder => r.due > now,
            ReminderKind::Escalation => true,
        })
        .collect()
}

/// What is due to be recorded now: a restart or an outage catches up here.
pub fn due_alarms(case: &Case, policy: &Policy, now: Timestamp) -> Vec<Reminder> {
    let mut due: Vec<Reminder> = pending(case, policy, now)
        .into_iter()
        .filter(|r| r.at <= now)
        .collect();
    due.sort_by_key(|r| (r.at, r.key()));
    due
}

/// The case's next timer after a change: at the earliest pending moment (now, if one
/// is overdue), or none if nothing is left to remind of.
pub fn clock_timer(case: &Case, policy: &Policy, now: Timestamp) -> Option<Planned> {
    let next = pending(case, policy, now).iter().map(|r| r.at).min()?;
    Some(Planned {
        effect: Effect::Wake {
            reason: WakeReason::Clocks,
        },
        due: next.max(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::ClockName;
    use crate::decide::fixtures::*;
    use crate::effect::{SystemCommand, decide_system};
    use crate::event::Event;

    fn check(case: &mut Case, now: Timestamp) -> Vec<Event> {
        match decide_system(case, &Policy::connect(), SystemCommand::CheckClocks, now) {
            Ok(events) => {
                for e in &events {
                    case.apply(e);
                }
                events.into_iter().map(|e| e.event).collect()
            }
            Err(_) => Vec::new(),
        }
    }

    /// A new case with Mia added at once: the collaborators clock (C10) is met, and
    /// the acknowledge clock (C3) is the one left to watch.
    fn case_with_mia() -> Case {
        let mut case = new_case();
        run(
            &mut case,
            &sam(),
            Command::AddCollaborator { user: UserId(3) },
        );
        case
    }

    fn names(events: &[Event]) -> Vec<(&'static str, ClockName)> {
        events
            .iter()
            .map(|e| match e {
                Event::ClockReminder { clock, .. } => ("reminder", *clock),
                Event::ClockOverdue { clock, .. } => ("overdue", *clock),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn c3_a_reminder_then_an_escalation_each_exactly_once() {
        let policy = Policy::connect();
        let mut case = case_with_mia();
        // Received Thursday 28 May 2026, 20:26 UTC: acknowledge by the end of Thursday
        // 4 June; the reminder one working day before.
        let timer = clock_timer(&case, &policy, case.updated_at).unwrap();
        assert_eq!(timer.due, "2026-06-04T00:00:00Z".parse().unwrap());
        assert_eq!(check(&mut case, at(60)), [], "nothing is due yet");
        let reminded = check(&mut case, timer.due);
        assert_eq!(names(&reminded), [("reminder", ClockName::Acknowledge)]);
        // The same timer again, or a second worker: nothing more.
        assert_eq!(check(&mut case, timer.due), []);
        // The next timer is the escalation at the due time.
        let next = clock_timer(&case, &policy, timer.due).unwrap();
        assert_eq!(next.due, "2026-06-05T00:00:00Z".parse().unwrap());
        let escalated = check(&mut case, next.due);
        assert_eq!(names(&escalated), [("overdue", ClockName::Acknowledge)]);
        assert!(
            matches!(&escalated[0], Event::ClockOverdue { to, .. } if to == &[crate::policy::Audience::SecurityTeam])
        );
        assert_eq!(check(&mut case, next.due), []);
    }

    #[test]
    fn c3_an_outage_catches_up_with_the_escalation_only() {
        let mut case = case_with_mia();
        // Nobody looked until a week later: the reminder is moot, the escalation is not.
        let late: Timestamp = "2026-06-08T09:00:00Z".parse().unwrap();
        assert_eq!(
            names(&check(&mut case, late)),
            [("overdue", ClockName::Acknowledge)]
        );
    }

    #[test]
    fn c3_acknowledged_in_time_never_escalates_and_a_moved_clock_gets_fresh_reminders() {
        let policy = Policy::connect();
        let mut case = case_with_mia();
        run(&mut case, &sam(), Command::Acknowledge);
        let after: Timestamp = "2026-06-06T00:00:00Z".parse().unwrap();
        assert_eq!(check(&mut case, after), []);
        // The next timer is the disclosure target's reminder (30 days from receipt).
        let timer = clock_timer(&case, &policy, after).unwrap();
        let disclosure = case
            .clocks(&policy, after)
            .into_iter()
            .find(|c| c.name == ClockName::DisclosureTarget)
            .unwrap();
        assert!(timer.due < disclosure.due);
        run(&mut case, &sam(), Command::Claim);
        let moved_to = disclosure.due + jiff::SignedDuration::from_hours(24 * 10);
        let moved = decide(
            &sam(),
            &project(),
            &case,
            Command::MoveClock {
                clock: ClockName::DisclosureTarget,
                due: moved_to,
                reason: "the reporter asked".into(),
            },
            at(500),
        )
        .unwrap();
        case.apply(&moved[0]);
        let replanned = clock_timer(&case, &policy, at(500)).unwrap();
        assert!(
            replanned.due > timer.due,
            "the timer follows the moved clock"
        );
        // The old timer firing now finds nothing.
        assert_eq!(check(&mut case, timer.due), []);
    }
}
