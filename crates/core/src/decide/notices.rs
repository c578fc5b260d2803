//! Notices (V3, V4, V8, V9, V10, V11, C18): the coordinator drafts and sends them; the
//! ones that describe the flaw go out only once the case is disclosed, and disclosure
//! queues them itself. Pre-notification of third parties only where the policy allows.

use super::{Decider, one};
use crate::access::Action;
use crate::case::{Blocker, Case, Stage};
use crate::event::Event;
use crate::policy::{Notice, Policy};
use crate::rejection::{Rejection, Rule};
use crate::text::{self, limits};
use crate::track::TrackKind;
use jiff::Timestamp;

/// The track whose notices a case sends; a case without recorded branches runs the
/// full process.
fn track(case: &Case) -> TrackKind {
    case.fixes.track.unwrap_or(TrackKind::Full)
}

pub(super) fn draft(d: &Decider, notice: Notice, markdown: &str) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    d.publishing()?;
    let markdown = text::required_body("markdown", markdown, limits::BODY).map_err(one)?;
    let titled = markdown
        .lines()
        .next()
        .is_some_and(|l| l.starts_with("# ") && !l[2..].trim().is_empty());
    if !titled {
        return Err(Rejection::invalid(
            "markdown",
            Rule::InvalidFormat,
            "`markdown`: the first line is the notice's title and starts with `# `",
        ));
    }
    Ok(Event::NoticeDrafted { notice, markdown })
}

/// What a forthcoming-fix notice needs (V8, V9): a fix or mitigation and an agreed
/// date — the disclosure gate's own items, so each rule lives in one place.
pub fn forthcoming_blockers(case: &Case) -> Vec<Blocker> {
    case.disclosure_blockers()
        .into_iter()
        .filter(|b| match b {
            Blocker::NoFixOrMitigation
            | Blocker::NoUpgradeNotice
            | Blocker::ReleaseDateNotAgreed => true,
            Blocker::NoSummary | Blocker::NoFinalCvss | Blocker::ReleaseNotesNotFinal => false,
        })
        .collect()
}

pub(super) fn send(d: &Decider, notice: Notice, at: Option<Timestamp>) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    let policy = d.project().policy();
    let track = track(d.case);
    if !policy.notices.for_track(track).contains(&notice) {
        return Err(Rejection::invalid(
            "notice",
            Rule::NotAllowed,
            format!(
                "`notice`: the policy sends no `{}` notice on the `{}` track (its `notices.{}`)",
                notice.as_str(),
                track.as_str(),
                track.as_str()
            ),
        ));
    }
    if let Some(at) = at
        && at <= d.now
    {
        return Err(Rejection::invalid(
            "at",
            Rule::InvalidFormat,
            "`at`: a scheduled notice goes out in the future; leave it empty to send now",
        ));
    }
    match notice {
        Notice::ForthcomingFix => {
            match d.case.stage {
                Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned => {}
                Stage::Disclosed => {
                    return Err(d.illegal(
                        "it is disclosed: the fixed-vulnerability notice tells of the fix now",
                    ));
                }
                Stage::Received | Stage::Triage | Stage::NeedsInfo => {
                    return Err(d.illegal("confirm the vulnerability first"));
                }
                Stage::Closed | Stage::Rejected => return Err(d.closed()),
            }
            let missing = forthcoming_blockers(d.case);
            if !missing.is_empty() {
                return Err(Rejection::Blocked {
                    action: d.command.action(),
                    blockers: missing,
                });
            }
        }
        // These describe the flaw: never before disclosure (disclosure queues them).
        Notice::FixedVulnerability | Notice::Courtesy | Notice::Upgrade => {
            if !d.case.stage.is_public() {
                return Err(d.illegal(
                    "it describes the vulnerability, so it goes out at disclosure, not before",
                ));
            }
        }
    }
    Ok(Event::NoticeQueued {
        notice,
        due: at.unwrap_or(d.now),
    })
}

/// The notices a case's disclosure queues: those its track sends after the fix is out
/// (C18, V3, V4, V10), not queued already. The worker finds which channels take them.
pub fn notices_at_disclosure(case: &Case, policy: &Policy, now: Timestamp) -> Vec<Event> {
    policy
        .notices
        .for_track(track(case))
        .iter()
        .filter(|n| match n {
            Notice::ForthcomingFix => false,
            Notice::FixedVulnerability | Notice::Courtesy | Notice::Upgrade => true,
        })
        .filter(|n| !case.notices.was_queued(**n))
        .map(|n| Event::NoticeQueued {
            notice: *n,
            due: now,
        })
        .collect()
}

pub(super) fn add_pre_notified(
    d: &Decider,
    address: &str,
    name: Option<&str>,
) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    if !d.project().policy().pre_notification {
        return Err(Rejection::invalid(
            "address",
            Rule::NotAllowed,
            "the project's policy gives no advance notice to third parties (V11: \
             `pre_notification = false`); a project admin may turn it on in the policy",
        ));
    }
    match d.case.stage {
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned => {}
        Stage::Received | Stage::Triage | Stage::NeedsInfo => {
            return Err(d.illegal("confirm the vulnerability first"));
        }
        Stage::Disclosed => return Err(d.illegal("it is disclosed: everyone may know")),
        Stage::Closed | Stage::Rejected => return Err(d.closed()),
    }
    let address = text::email("address", address).map_err(one)?;
    let name = text::optional_line("name", name, limits::NAME).map_err(one)?;
    if d.case.notices.recipient(&address).is_some() {
        return Err(Rejection::Conflict {
            field: "address".into(),
            message: format!("{address} is on the pre-notification list already"),
        });
    }
    Ok(Event::PreNotifiedAdded { address, name })
}

pub(super) fn remove_pre_notified(d: &Decider, address: &str) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    let Some(r) = d.case.notices.recipient(address) else {
        return Err(Rejection::invalid(
            "address",
            Rule::NotAllowed,
            "`address` is not on the case's pre-notification list",
        ));
    };
    Ok(Event::PreNotifiedRemoved {
        address: r.address.clone(),
    })
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;
    use crate::policy::Notice;

    fn send(notice: Notice) -> Command {
        Command::SendNotice { notice, at: None }
    }

    /// The fixture's project under the Vitess preset, whose full track sends the
    /// forthcoming-fix notice (V9).
    fn vitess() -> Project {
        let mut p = project();
        p.policy = Some(crate::policy::Policy::vitess());
        p
    }

    fn on_vitess(case: &mut Case, actor: &Actor, cmd: Command) -> Result<(), Rejection> {
        let events = decide(actor, &vitess(), case, cmd, at(case.version as i64))?;
        for e in &events {
            case.apply(e);
        }
        Ok(())
    }

    #[test]
    fn v8_v9_the_forthcoming_fix_waits_for_a_fix_or_mitigation_and_an_agreed_date() {
        let mut case = confirmed_case_led_by_sam();
        // The Connect preset announces only the fixed vulnerability.
        assert!(matches!(
            refused(&case, &sam(), send(Notice::ForthcomingFix)),
            Rejection::Invalid(v) if v[0].field == "notice"
        ));
        let e = on_vitess(&mut case, &sam(), send(Notice::ForthcomingFix)).unwrap_err();
        let Rejection::Blocked { blockers, .. } = e else {
            panic!("{e:?}")
        };
        let codes: Vec<&str> = blockers.iter().map(|b| b.code()).collect();
        assert_eq!(codes, ["no_fix_or_mitigation", "release_date_not_agreed"]);
        // A plan with its mitigation, agreed by the reporter; only the coordinator sends.
        for (actor, cmd) in release_commands().into_iter().take(2) {
            run(&mut case, &actor, cmd);
        }
        assert!(matches!(
            on_vitess(&mut case.clone(), &ada(), send(Notice::ForthcomingFix)),
            Err(Rejection::Forbidden { .. })
        ));
        // A time in the past is refused, naming `at`.
        let e = on_vitess(
            &mut case.clone(),
            &sam(),
            Command::SendNotice {
                notice: Notice::ForthcomingFix,
                at: Some(at(0)),
            },
        )
        .unwrap_err();
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "at"),
            "{e:?}"
        );
        on_vitess(&mut case, &sam(), send(Notice::ForthcomingFix)).unwrap();
        assert!(case.notices.was_queued(Notice::ForthcomingFix));
    }

    #[test]
    fn c18_v10_notices_that_describe_the_flaw_wait_for_disclosure_which_queues_them() {
        let mut case = confirmed_case_led_by_sam();
        assert!(matches!(
            refused(&case, &sam(), send(Notice::FixedVulnerability)),
            Rejection::IllegalTransition { .. }
        ));
        // Not a notice of the full track.
        assert!(matches!(
            refused(&case, &sam(), send(Notice::Courtesy)),
            Rejection::Invalid(v) if v[0].field == "notice"
        ));
        release_ready(&mut case);
        let events = run(&mut case, &sam(), Command::Disclose);
        let kinds: Vec<&str> = events.iter().map(|e| e.event.kind()).collect();
        assert_eq!(kinds, ["disclosed", "notice_queued"]);
        assert!(case.notices.was_queued(Notice::FixedVulnerability));
        // Sent again by hand after disclosure (e.g. to a channel added since).
        run(&mut case, &sam(), send(Notice::FixedVulnerability));
    }

    #[test]
    fn v11_no_pre_notification_unless_the_policy_turns_it_on() {
        let case = confirmed_case_led_by_sam();
        let cmd = Command::AddPreNotified {
            address: "vendor@example.com".into(),
            name: None,
        };
        let e = refused(&case, &sam(), cmd.clone());
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "address" && v[0].message.contains("pre_notification = false")),
            "{e:?}"
        );
        let mut p = project();
        let mut policy = p.policy().into_owned();
        policy.pre_notification = true;
        p.policy = Some(policy);
        let events = crate::decide::decide(&sam(), &p, &case, cmd.clone(), at(50)).unwrap();
        let mut case = case;
        for e in &events {
            case.apply(e);
        }
        let r = &case.notices.recipients[0];
        assert_eq!(r.address, "vendor@example.com");
        assert_eq!(r.added_by, sam().as_ref());
        assert!(matches!(
            crate::decide::decide(&sam(), &p, &case, cmd, at(51)),
            Err(Rejection::Conflict { .. })
        ));
    }

    #[test]
    fn a_reviewed_text_starts_with_its_title() {
        let case = confirmed_case_led_by_sam();
        let e = refused(
            &case,
            &sam(),
            Command::DraftNotice {
                notice: Notice::ForthcomingFix,
                markdown: "no title".into(),
            },
        );
        assert!(matches!(&e, Rejection::Invalid(v) if v[0].field == "markdown"));
    }
}
