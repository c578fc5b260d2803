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
            Blocker::NoFixOrMitigation | Blocker::NoUpgradeNotice | Blocker::ReleaseDateNotAgreed => {
                true
            }
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
