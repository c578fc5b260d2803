//! The coordinator's hand on the clocks: moving one with a reason (V2), slowing a
//! low-severity case after a recorded discussion (C16, V7), following another
//! project's disclosure date (V2). The clocks themselves are `crate::clocks`.

use super::{Decider, one};
use crate::access::Action;
use crate::clocks::{
    self, Clock, ClockName, ClockState, LowSeverityBasis, SlowChange, Slowdown, SlowdownRefused,
};
use crate::event::Event;
use crate::rejection::{Invalid, Rejection, Rule};
use crate::text::{self, limits};
use jiff::Timestamp;

impl Decider<'_> {
    fn clocks(&self) -> Vec<Clock> {
        clocks::compute(&self.project().policy(), &self.case.clock_facts(), self.now)
    }

    /// The clock as it runs now; a clock that is met, stopped or not started yet is
    /// not the coordinator's to move.
    fn running(&self, field: &str, name: ClockName) -> Result<Clock, Rejection> {
        let clock = self.clocks().into_iter().find(|c| c.name == name);
        match clock {
            Some(c) => match c.state {
                ClockState::Running | ClockState::Overdue | ClockState::Paused => Ok(c),
                ClockState::Met | ClockState::Stopped => Err(Rejection::invalid(
                    field,
                    Rule::NotAllowed,
                    format!(
                        "the `{name}` clock is {} and cannot change",
                        c.state.as_str()
                    ),
                )),
            },
            None => Err(Rejection::invalid(
                field,
                Rule::NotAllowed,
                format!("the `{name}` clock does not run on this case (yet)"),
            )),
        }
    }

    fn future(&self, field: &str, at: Timestamp) -> Result<(), Rejection> {
        if at <= self.now {
            return Err(Rejection::invalid(
                field,
                Rule::NotAllowed,
                format!("`{field}` must be in the future (it is now {})", self.now),
            ));
        }
        Ok(())
    }
}

pub(super) fn move_clock(
    d: &Decider,
    name: ClockName,
    due: Timestamp,
    reason: &str,
) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    d.must_be_open()?;
    let reason = text::required_body("reason", reason, limits::SHORT).map_err(|i| {
        one(Invalid {
            message: format!("{} (V2: a clock moves only with a reason)", i.message),
            ..i
        })
    })?;
    let clock = d.running("clock", name)?;
    d.future("due_at", due)?;
    Ok(Event::ClockMoved {
        clock: name,
        due,
        reason,
        shared: clock.reporter_sees,
    })
}

pub(super) fn slow_down(
    d: &Decider,
    names: &[ClockName],
    change: SlowChange,
    basis: LowSeverityBasis,
    note: u64,
) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    d.must_be_open()?;
    if !d.case.clock_log.notes.contains(&note) {
        return Err(Rejection::invalid(
            "note_seq",
            Rule::Required,
            format!(
                "event {note} of this case is not an internal note: record the discussion \
                 as a note first, then name it as the decision (C16)"
            ),
        ));
    }
    let mut before = Vec::with_capacity(names.len());
    for name in names {
        before.push(d.running("clocks", *name)?);
    }
    if let SlowChange::Until(t) = change {
        d.future("until", t)?;
    }
    let policy = d.project().policy();
    let mut facts = d.case.clock_facts();
    let slowdown = Slowdown {
        at: d.now,
        clocks: names.to_vec(),
        change,
        basis,
        note: format!("#{note}"),
    };
    clocks::check_slowdown(&policy, &facts, &slowdown).map_err(|why| {
        let field = match why {
            SlowdownRefused::NoNote => "note_seq",
            SlowdownRefused::NoClocks => "clocks",
            SlowdownRefused::NoScore { .. }
            | SlowdownRefused::NotLowSeverity { .. }
            | SlowdownRefused::RiskNotAllowed => "basis",
            SlowdownRefused::NotSlower(_) => "duration",
        };
        let rule = match why {
            SlowdownRefused::NoNote | SlowdownRefused::NoClocks => Rule::Required,
            SlowdownRefused::NoScore { .. }
            | SlowdownRefused::NotLowSeverity { .. }
            | SlowdownRefused::RiskNotAllowed
            | SlowdownRefused::NotSlower(_) => Rule::NotAllowed,
        };
        Rejection::invalid(field, rule, why.to_string())
    })?;
    facts.slowdowns.push(slowdown);
    let after = clocks::compute(&policy, &facts, d.now);
    for old in &before {
        if after.iter().any(|c| c.name == old.name && c.due < old.due) {
            return Err(Rejection::invalid(
                "duration",
                Rule::NotAllowed,
                SlowdownRefused::NotSlower(old.name).to_string(),
            ));
        }
    }
    Ok(Event::SlowedDown {
        clocks: names.to_vec(),
        change,
        basis,
        note,
    })
}

pub(super) fn set_upstream_date(
    d: &Decider,
    date: Timestamp,
    source: &str,
) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    d.must_be_open()?;
    let source = text::required_line("source", source, limits::SHORT).map_err(one)?;
    if d.case.clock_facts().disclosed.is_some() {
        return Err(d.illegal("it is already disclosed"));
    }
    d.future("date", date)?;
    Ok(Event::UpstreamDateSet { date, source })
}

#[cfg(test)]
mod tests {
    use crate::clocks::{ClockName, ClockState, LowSeverityBasis, SlowChange};
    use crate::decide::fixtures::*;
    use crate::policy::Policy;

    fn clock(case: &Case, name: ClockName, now: Timestamp) -> crate::clocks::Clock {
        case.clocks(&Policy::connect(), now)
            .into_iter()
            .find(|c| c.name == name)
            .unwrap()
    }

    fn move_to(name: ClockName, due: Timestamp, reason: &str) -> Command {
        Command::MoveClock {
            clock: name,
            due,
            reason: reason.into(),
        }
    }

    #[test]
    fn v2_moving_a_clock_needs_a_reason_and_the_coordinator() {
        let mut case = confirmed_case_led_by_sam();
        let due = at(40 * 86_400);
        // No reason, no move.
        let e = refused(
            &case,
            &sam(),
            move_to(ClockName::DisclosureTarget, due, "  "),
        );
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "reason" && v[0].rule == Rule::Required),
            "{e:?}"
        );
        // Only the coordinator moves clocks; the reporter and a stranger to the case
        // learn nothing.
        assert!(matches!(
            refused(
                &case,
                &ada(),
                move_to(ClockName::DisclosureTarget, due, "r")
            ),
            Rejection::Forbidden { .. }
        ));
        assert_eq!(
            refused(
                &case,
                &mia(),
                move_to(ClockName::DisclosureTarget, due, "r")
            ),
            Rejection::NotFound
        );
        // A clock that is met is history.
        let e = refused(&case, &sam(), move_to(ClockName::Acknowledge, due, "late"));
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "clock"),
            "{e:?}"
        );
        // Into the past: refused.
        let e = refused(
            &case,
            &sam(),
            move_to(ClockName::DisclosureTarget, at(1), "r"),
        );
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "due_at"),
            "{e:?}"
        );

        let events = run(
            &mut case,
            &sam(),
            move_to(
                ClockName::DisclosureTarget,
                due,
                "the reporter asked for time",
            ),
        );
        // The reporter sees the disclosure clock, so they see it moved.
        assert_eq!(events[0].event.visibility(), Visibility::Shared);
        let c = clock(&case, ClockName::DisclosureTarget, at(100));
        assert_eq!(c.due, due);
        assert_eq!(
            c.basis,
            "moved by the coordinator: the reporter asked for time"
        );
        // An internal clock's move stays internal.
        let events = run(
            &mut case,
            &sam(),
            move_to(ClockName::CollaboratorsAdded, due, "waiting for Mia"),
        );
        assert_eq!(events[0].event.visibility(), Visibility::Internal);
    }

    fn note(case: &mut Case) -> u64 {
        run(
            case,
            &sam(),
            Command::AddNote {
                body: "Discussed on the call: CVSS 3.1, slow down.".into(),
            },
        );
        case.version
    }

    fn slow(note: u64, basis: LowSeverityBasis) -> Command {
        Command::SlowDown {
            clocks: vec![ClockName::DisclosureTarget],
            change: SlowChange::Duration("60 days".parse().unwrap()),
            basis,
            note,
        }
    }

    const LOW: &str = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N";

    #[test]
    fn c16_slowing_down_needs_a_score_under_the_threshold_and_a_decision_note() {
        let mut case = confirmed_case_led_by_sam();
        // High score: refused, whatever the note.
        run(&mut case, &sam(), set_cvss(Some(V31), None, "RCE"));
        let n = note(&mut case);
        let e = refused(&case, &sam(), slow(n, LowSeverityBasis::Cvss));
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "basis" && v[0].message.contains("not under 4.0")),
            "{e:?}"
        );
        // Low score, but the named event is not a note.
        run(&mut case, &sam(), set_cvss(Some(LOW), None, "leak"));
        let e = refused(&case, &sam(), slow(n + 1, LowSeverityBasis::Cvss));
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "note_seq" && v[0].rule == Rule::Required),
            "{e:?}"
        );
        let before = clock(&case, ClockName::DisclosureTarget, at(100)).due;
        let events = run(&mut case, &sam(), slow(n, LowSeverityBasis::Cvss));
        assert_eq!(events[0].event.visibility(), Visibility::Internal);
        assert!(case.clock_log.decision_notes.contains(&n));
        let c = clock(&case, ClockName::DisclosureTarget, at(100));
        assert!(c.due > before);
        assert!(
            c.basis
                .starts_with("60 days (slowed down: low severity, CVSS 2."),
            "{}",
            c.basis
        );
        assert!(c.basis.ends_with(&format!("note #{n})")), "{}", c.basis);
    }

    #[test]
    fn v7_the_vitess_preset_slows_down_on_the_score_only() {
        let mut p = project();
        p.policy = Some(Policy::vitess());
        let mut case = confirmed_case_led_by_sam();
        let n = note(&mut case);
        let cmd = Command::SlowDown {
            clocks: vec![ClockName::FixReady],
            change: SlowChange::Duration("30 days".parse().unwrap()),
            basis: LowSeverityBasis::AssessedRisk,
            note: n,
        };
        let e = decide(&sam(), &p, &case, cmd, at(99)).unwrap_err();
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "basis" && v[0].message.contains("V7")),
            "{e:?}"
        );
    }

    #[test]
    fn v2_an_upstream_date_moves_the_disclosure_clock() {
        let mut case = confirmed_case_led_by_sam();
        let date = at(50 * 86_400);
        let e = refused(
            &case,
            &sam(),
            Command::SetUpstreamDate {
                date,
                source: "".into(),
            },
        );
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "source"),
            "{e:?}"
        );
        run(
            &mut case,
            &sam(),
            Command::SetUpstreamDate {
                date,
                source: "Go security release".into(),
            },
        );
        let c = clock(&case, ClockName::DisclosureTarget, at(100));
        assert_eq!((c.due, c.state), (date, ClockState::Running));
        assert_eq!(
            c.basis,
            "the upstream disclosure date (Go security release)"
        );
    }

    #[test]
    fn c7_marked_public_with_a_high_final_score_makes_remaining_clocks_asap() {
        let mut case = confirmed_case_led_by_sam();
        run(&mut case, &sam(), set_cvss(Some(V31), None, "RCE"));
        run(
            &mut case,
            &sam(),
            Command::MarkPublic {
                link: None,
                note: None,
            },
        );
        let policy = Policy::connect();
        let public_at = case.disclosure.public.as_ref().unwrap().since;
        let c = clock(&case, ClockName::DisclosureTarget, at(100));
        assert_eq!(
            c.due,
            policy.calendar().due(public_at, policy.asap),
            "{}",
            c.basis
        );
        assert!(
            c.basis.starts_with("as soon as possible (public, CVSS 9.8"),
            "{}",
            c.basis
        );
    }
}
