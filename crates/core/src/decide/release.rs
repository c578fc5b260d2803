//! The release (C6, C17, C19, V8, V9): the plan and its date agreed with the reporter,
//! the release notes, a scheduled disclosure, and the post-mortem after disclosure.

use super::{Decider, closed_reason, one};
use crate::access::Action;
use crate::case::{Agreement, Stage};
use crate::event::Event;
use crate::rejection::{Invalid, Rejection};
use crate::release::{self, PlanInput, PostMortemText, utc_minute};

/// The release is planned from confirmation until disclosure.
fn before_release(d: &Decider) -> Result<(), Rejection> {
    match d.case.stage {
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned => Ok(()),
        Stage::Received | Stage::Triage | Stage::NeedsInfo => {
            Err(d.illegal("confirm the vulnerability first"))
        }
        Stage::Disclosed => Err(d.illegal("it is already disclosed")),
        Stage::Closed | Stage::Rejected => Err(d.illegal(closed_reason(d.case.stage))),
    }
}

fn no_plan(d: &Decider) -> Rejection {
    d.illegal("no release plan is proposed yet")
}

pub(super) fn propose_plan(
    d: &Decider,
    input: &PlanInput,
    reason: Option<&str>,
) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    before_release(d)?;
    let plan = release::plan(
        input,
        d.project(),
        d.case.report.component.as_deref(),
        d.now,
    )
    .map_err(Rejection::Invalid)?;
    let reason = match (&d.case.release.plan, reason.map(str::trim)) {
        (None, None | Some("")) => None,
        (Some(old), None | Some("")) if old.at != plan.at => {
            return Err(one(Invalid::new(
                "reason",
                crate::rejection::Rule::Required,
                format!(
                    "`reason`: say why the release moves from {} to {}",
                    utc_minute(old.at),
                    utc_minute(plan.at)
                ),
            )));
        }
        (Some(_), None | Some("")) => None,
        (_, Some(r)) => Some(release::reason(r).map_err(one)?),
    };
    if d.case.release.plan.as_ref() == Some(&plan) {
        return Err(d.illegal("the release plan is already this one"));
    }
    Ok(Event::ReleasePlanProposed { plan, reason })
}

pub(super) fn propose_date(d: &Decider, at: &str, reason: &str) -> Result<Event, Rejection> {
    d.need(Action::ActAsReporter)?;
    before_release(d)?;
    let plan = d.case.release.plan.as_ref().ok_or_else(|| no_plan(d))?;
    let at = release::release_time("at", at, d.now).map_err(one)?;
    let reason = release::reason(reason).map_err(one)?;
    if at == plan.at {
        return Err(d.illegal("that is the plan's date already: accept it instead"));
    }
    Ok(Event::ReleaseDateCounterProposed { at, reason })
}

pub(super) fn accept_date(d: &Decider) -> Result<Event, Rejection> {
    before_release(d)?;
    let state = &d.case.release;
    let plan = state.plan.as_ref().ok_or_else(|| no_plan(d))?;
    if d.need(Action::ActAsReporter).is_ok() {
        if state.agreement.is_some() {
            return Err(d.illegal("the release date is already agreed"));
        }
        return Ok(Event::ReleaseDateAgreed { at: plan.at });
    }
    d.need(Action::Coordinate)?;
    match &state.counter {
        Some(counter) if counter.at <= d.now => Err(d.illegal(
            "the reporter's date has passed: propose a new plan instead",
        )),
        Some(counter) => Ok(Event::ReleaseDateAgreed { at: counter.at }),
        None => Err(d.illegal(
            "the reporter has proposed no other date: they accept the plan, or you set it after their silence",
        )),
    }
}

pub(super) fn override_date(d: &Decider, reason: &str) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    before_release(d)?;
    let state = &d.case.release;
    state.plan.as_ref().ok_or_else(|| no_plan(d))?;
    if state.agreement.is_some() {
        return Err(d.illegal("the release date is already agreed"));
    }
    if let Some(counter) = &state.counter {
        return Err(d.illegal(&format!(
            "the reporter proposed {} instead: accept it or propose another plan",
            utc_minute(counter.at)
        )));
    }
    let policy = d.project().policy();
    let Some(silent_until) = state.silent_until(&policy, d.case.received_at) else {
        return Err(no_plan(d));
    };
    if d.now < silent_until {
        return Err(d.illegal(&format!(
            "the reporter has until {} to answer the proposed date",
            utc_minute(silent_until)
        )));
    }
    let reason = release::reason(reason).map_err(one)?;
    Ok(Event::ReleaseDateOverridden { reason })
}

pub(super) fn finalize_notes(
    d: &Decider,
    notes: &Result<String, Vec<Invalid>>,
) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    before_release(d)?;
    d.case.release.plan.as_ref().ok_or_else(|| no_plan(d))?;
    if d.case.release.notes.is_some() {
        return Err(d.illegal("the release notes are already final"));
    }
    match notes {
        Ok(markdown) => Ok(Event::ReleaseNotesFinalized {
            markdown: markdown.clone(),
        }),
        Err(gaps) => Err(Rejection::Invalid(gaps.clone())),
    }
}

pub(super) fn schedule(d: &Decider) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    before_release(d)?;
    let state = &d.case.release;
    let plan = state.plan.as_ref().ok_or_else(|| no_plan(d))?;
    // V8: the communication plan starts once a mitigation (or, with fixes, a fix) is
    // recorded; a date nobody agreed is not one to go public at.
    if d.case.mitigation().is_none() && !d.case.fixes.any_merged() {
        return Err(d.illegal(
            "no fix is merged and no mitigation is recorded (V8): merge a fix, or record a mitigation on the case or in the plan",
        ));
    }
    if state.agreement.is_none() {
        return Err(d.illegal(
            "the release date is not agreed with the reporter (nor set after their silence)",
        ));
    }
    if plan.at <= d.now {
        return Err(d.illegal("the release time has passed: disclose now, or move the date"));
    }
    if state.scheduled == Some(plan.at) {
        return Err(d.illegal("disclosure is already scheduled for the release time"));
    }
    Ok(Event::DisclosureScheduled { at: plan.at })
}

pub(super) fn unschedule(d: &Decider) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    before_release(d)?;
    if d.case.release.scheduled.is_none() {
        return Err(d.illegal("no disclosure is scheduled"));
    }
    Ok(Event::DisclosureUnscheduled)
}

pub(super) fn publish_post_mortem(d: &Decider, text: &PostMortemText) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    match d.case.stage {
        Stage::Disclosed => {}
        Stage::Closed => return Err(d.illegal("it is closed: the post-mortem is published")),
        Stage::Received
        | Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Rejected => {
            return Err(d.illegal("the post-mortem follows disclosure (C19)"));
        }
    }
    let post_mortem = release::post_mortem(text).map_err(Rejection::Invalid)?;
    Ok(Event::PostMortemPublished { post_mortem })
}

/// Whether a date stands, in words, for the pages.
pub fn agreement_words(a: &Agreement) -> String {
    match a {
        Agreement::Agreed { at } => format!("agreed on {}", utc_minute(*at)),
        Agreement::Overridden { at, reason } => format!(
            "set by the coordinator on {} after the reporter's silence: {reason}",
            utc_minute(*at)
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;
    use crate::release::{PostMortemText, utc_minute};

    fn propose(day: i64, reason: Option<&str>) -> Command {
        Command::ProposeReleasePlan {
            plan: plan_input(day),
            reason: reason.map(Into::into),
        }
    }

    fn fields(e: &Rejection) -> Vec<&str> {
        match e {
            Rejection::Invalid(v) => v.iter().map(|i| i.field.as_str()).collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn c6_the_reporter_proposes_another_date_and_the_coordinator_accepts_it() {
        let mut c = confirmed_case_led_by_sam();
        // Only the coordinator proposes the plan.
        assert!(matches!(
            refused(&c, &mia(), propose(10, None)),
            Rejection::Forbidden { .. } | Rejection::NotFound
        ));
        run(&mut c, &sam(), propose(10, None));
        assert_eq!(c.stage, Stage::Confirmed);
        // The coordinator cannot accept their own date: the reporter must, or be silent.
        assert!(matches!(
            refused(&c, &sam(), Command::AcceptReleaseDate),
            Rejection::IllegalTransition { .. }
        ));
        let e = refused(
            &c,
            &reporter(),
            Command::ProposeReleaseDate {
                at: at(12 * DAY).to_string(),
                reason: " ".into(),
            },
        );
        assert_eq!(fields(&e), ["reason"]);
        run(
            &mut c,
            &reporter(),
            Command::ProposeReleaseDate {
                at: at(12 * DAY).to_string(),
                reason: "My talk is on day 11".into(),
            },
        );
        assert_eq!(c.release.counter.as_ref().unwrap().at, at(12 * DAY));
        let events = run(&mut c, &sam(), Command::AcceptReleaseDate);
        assert_eq!(
            events[0].event,
            Event::ReleaseDateAgreed { at: at(12 * DAY) }
        );
        assert_eq!(c.stage, Stage::ReleasePlanned);
        assert_eq!(c.release.plan.as_ref().unwrap().at, at(12 * DAY));
        // A later change of date needs a reason and reopens the agreement.
        let e = refused(&c, &sam(), propose(14, None));
        assert_eq!(fields(&e), ["reason"]);
        run(&mut c, &sam(), propose(14, Some("a dependency slipped")));
        assert_eq!(c.stage, Stage::Confirmed);
        assert!(c.release.agreement.is_none());
        run(&mut c, &reporter(), Command::AcceptReleaseDate);
        assert_eq!(c.stage, Stage::ReleasePlanned);
    }

    #[test]
    fn v9_bad_plans_are_refused_naming_the_field() {
        let c = confirmed_case_led_by_sam();
        let mut bad = plan_input(10);
        bad.at = "2026-06-10T14:00:00".into();
        bad.versions = vec![
            ("release-9".into(), "9.0.1".into()),
            ("main".into(), "not a version!".into()),
        ];
        let e = refused(
            &c,
            &sam(),
            Command::ProposeReleasePlan {
                plan: bad,
                reason: None,
            },
        );
        assert_eq!(
            fields(&e),
            ["at", "versions[0].branch", "versions[1].version"]
        );
        let mut past = plan_input(0);
        past.at = at(-DAY).to_string();
        let e = refused(
            &c,
            &sam(),
            Command::ProposeReleasePlan {
                plan: past,
                reason: None,
            },
        );
        assert_eq!(fields(&e), ["at"]);
    }

    /// The override, decided at `at` on a case whose plan was proposed, under `policy`.
    fn override_at(
        c: &Case,
        policy: Option<crate::policy::Policy>,
        at: Timestamp,
    ) -> Result<Vec<Recorded<Event>>, Rejection> {
        let mut p = project();
        p.policy = policy;
        decide(
            &sam(),
            &p,
            c,
            Command::OverrideReleaseDate {
                reason: "no answer in five working days".into(),
            },
            at,
        )
    }

    #[test]
    fn c6_the_coordinator_sets_the_date_only_after_the_reporters_silence() {
        let mut c = confirmed_case_led_by_sam();
        run(&mut c, &sam(), propose(20, None));
        let now = c.release.proposed_at.unwrap();
        // The preset's wait: five working days on its calendar (a weekend in between).
        let policy = crate::policy::Policy::connect();
        assert_eq!(policy.reporter_silence.to_string(), "5 working days");
        let until = policy.calendar().due(now, policy.reporter_silence);
        assert!(until >= now + jiff::SignedDuration::from_hours(5 * 24));
        let early = override_at(&c, None, until - jiff::SignedDuration::from_secs(1)).unwrap_err();
        match early {
            Rejection::IllegalTransition { reason, .. } => {
                assert!(reason.contains(&utc_minute(until)), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let events = override_at(&c, None, until).unwrap();
        for e in &events {
            c.apply(e);
        }
        assert_eq!(c.stage, Stage::ReleasePlanned);
        assert!(matches!(
            c.release.agreement,
            Some(crate::case::Agreement::Overridden { .. })
        ));
    }

    #[test]
    fn c6_the_reporters_silence_is_the_policys_setting() {
        let mut c = confirmed_case_led_by_sam();
        run(&mut c, &sam(), propose(20, None));
        let now = c.release.proposed_at.unwrap();
        let mut policy = crate::policy::Policy::vitess();
        policy.reporter_silence = "36 hours".parse().unwrap();
        let until = now + jiff::SignedDuration::from_hours(36);
        assert!(
            override_at(
                &c,
                Some(policy.clone()),
                until - jiff::SignedDuration::from_secs(1)
            )
            .is_err()
        );
        assert!(override_at(&c, Some(policy), until).is_ok());
    }

    #[test]
    fn c17_finalize_names_every_missing_field_and_a_new_plan_reopens_the_notes() {
        let mut c = confirmed_case_led_by_sam();
        let gaps = vec![
            crate::rejection::Invalid::new("cve_id", Rule::Required, "missing"),
            crate::rejection::Invalid::new("impact", Rule::Required, "missing"),
        ];
        let finalize = |notes| Command::FinalizeReleaseNotes { notes };
        // Without a plan there is nothing to finalize.
        assert!(matches!(
            refused(&c, &sam(), finalize(Ok("x".into()))),
            Rejection::IllegalTransition { .. }
        ));
        run(&mut c, &sam(), propose(10, None));
        // The reporter may not finalize, whatever the notes miss.
        assert!(matches!(
            refused(&c, &reporter(), finalize(Err(gaps.clone()))),
            Rejection::Forbidden { .. }
        ));
        let e = refused(&c, &sam(), finalize(Err(gaps)));
        assert_eq!(fields(&e), ["cve_id", "impact"]);
        run(&mut c, &sam(), finalize(Ok("# notes".into())));
        assert!(c.release.notes.is_some());
        let mut changed = plan_input(10);
        changed.binaries = Some("https://example.org/dl".into());
        run(
            &mut c,
            &sam(),
            Command::ProposeReleasePlan {
                plan: changed,
                reason: None,
            },
        );
        assert!(c.release.notes.is_none());
    }

    #[test]
    fn c18_disclose_is_refused_naming_the_release_blockers() {
        let mut c = confirmed_case_led_by_sam();
        let e = refused(&c, &sam(), Command::Disclose);
        assert!(
            matches!(&e, Rejection::Blocked { blockers, .. } if blockers.ends_with(&[crate::case::Blocker::ReleaseNotesNotFinal, crate::case::Blocker::ReleaseDateNotAgreed])),
            "{e:?}"
        );
        release_ready(&mut c);
        run(&mut c, &sam(), Command::Disclose);
        assert_eq!(c.stage, Stage::Disclosed);
    }

    #[test]
    fn v8_scheduled_disclosure_needs_a_mitigation_and_an_agreed_date_and_fires_once() {
        use crate::effect::{SystemCommand, decide_system};
        let mut c = confirmed_case_led_by_sam();
        // The fixes' part of the gate but a mitigation: the summary and the CVSS.
        run(&mut c, &sam(), Command::SetAdvisory(advisory()));
        run(&mut c, &sam(), set_cvss(Some(V31), None, "DoS"));
        let mut no_mitigation = plan_input(10);
        no_mitigation.mitigation = None;
        run(
            &mut c,
            &sam(),
            Command::ProposeReleasePlan {
                plan: no_mitigation,
                reason: None,
            },
        );
        run(&mut c, &reporter(), Command::AcceptReleaseDate);
        let e = refused(&c, &sam(), Command::ScheduleDisclosure);
        assert!(e.to_string().contains("V8"), "{e}");
        // The same date keeps the agreement; a new one reopens it.
        run(
            &mut c,
            &sam(),
            propose(11, Some("the mitigation needs a day")),
        );
        assert!(
            refused(&c, &sam(), Command::ScheduleDisclosure)
                .to_string()
                .contains("not agreed")
        );
        run(&mut c, &reporter(), Command::AcceptReleaseDate);
        run(&mut c, &sam(), Command::ScheduleDisclosure);
        let release = at(11 * DAY);
        assert_eq!(c.release.scheduled, Some(release));
        // At the release time the notes are not final: nothing goes public, and why.
        let events = decide_system(
            &c,
            &crate::policy::Policy::connect(),
            SystemCommand::DiscloseAsScheduled { at: release },
            release,
        )
        .unwrap();
        let Event::ScheduledDisclosureRefused { blockers } = &events[0].event else {
            panic!("{events:?}")
        };
        assert_eq!(blockers.len(), 1);
        assert!(blockers[0].contains("release notes"));
        for e in &events {
            c.apply(e);
        }
        assert_eq!(c.stage, Stage::ReleasePlanned);
        assert_eq!(c.release.scheduled, None);
        // A stale timer changes nothing.
        assert!(
            decide_system(
                &c,
                &crate::policy::Policy::connect(),
                SystemCommand::DiscloseAsScheduled { at: release },
                release
            )
            .is_err()
        );
        run(
            &mut c,
            &sam(),
            Command::FinalizeReleaseNotes {
                notes: Ok("n".into()),
            },
        );
        run(&mut c, &sam(), Command::ScheduleDisclosure);
        run(&mut c, &sam(), Command::UnscheduleDisclosure);
        assert!(
            decide_system(
                &c,
                &crate::policy::Policy::connect(),
                SystemCommand::DiscloseAsScheduled { at: release },
                release
            )
            .is_err()
        );
        run(&mut c, &sam(), Command::ScheduleDisclosure);
        let events = decide_system(
            &c,
            &crate::policy::Policy::connect(),
            SystemCommand::DiscloseAsScheduled { at: release },
            release,
        )
        .unwrap();
        assert_eq!(events[0].event, Event::Disclosed);
        assert_eq!(events[0].actor, ActorRef::System);
    }

    #[test]
    fn c19_the_post_mortem_follows_disclosure_and_closes_the_case() {
        let mut c = confirmed_case_led_by_sam();
        let pm = PostMortemText {
            root_cause: "A length was trusted".into(),
            prevention: vec!["Fuzz the decoder".into()],
            ..PostMortemText::default()
        };
        assert!(matches!(
            refused(&c, &sam(), Command::PublishPostMortem(pm.clone())),
            Rejection::IllegalTransition { .. }
        ));
        release_ready(&mut c);
        run(&mut c, &sam(), Command::Disclose);
        let e = refused(
            &c,
            &sam(),
            Command::PublishPostMortem(PostMortemText::default()),
        );
        assert_eq!(fields(&e), ["root_cause", "prevention"]);
        run(&mut c, &sam(), Command::PublishPostMortem(pm));
        assert_eq!(c.stage, Stage::Closed);
        assert!(c.clock_facts().post_mortem_published.is_some());
    }
}
