//! A case's clocks (C3, C6, C10, C19, V6, V9) computed from plain facts and the
//! policy, and the reminders and escalations they call for. Pure: the shell folds a
//! case's events into [`ClockFacts`] and passes "now".
//!
//! How a clock's due time is made, in time order: the policy's duration from the start
//! milestone (later by paused time if the clock pauses in `needs-info`), then each
//! change that happened before the clock stopped: a slow-down (`low-severity`, C16, V7),
//! another project's date (`upstream`, V2, the disclosure clock only), a coordinator's
//! move with a reason (V2: clocks are suggestions), and "as soon as possible" once the
//! case is public with a final CVSS at or over the threshold (C7, V2), which only ever
//! brings a due time earlier.

use crate::calendar::{Calendar, Interval, TimeLeft};
use crate::policy::{Audience, ClockRule, CvssScore, Duration, Policy, Unit, covers};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The clocks a policy may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockName {
    /// C3: acknowledge and analyze the report.
    Acknowledge,
    /// C10: the coordinator includes the relevant maintainers.
    CollaboratorsAdded,
    /// V6: CVSS, the fix complete and reviewed with the required approvals.
    FixReady,
    /// V9: the notice of the forthcoming fix, with the release date.
    ForthcomingFixNotice,
    /// C6: disclosure (most within a month).
    DisclosureTarget,
    /// C19: the blameless post-mortem, published.
    PostMortem,
}

impl ClockName {
    pub const ALL: [ClockName; 6] = [
        ClockName::Acknowledge,
        ClockName::CollaboratorsAdded,
        ClockName::FixReady,
        ClockName::ForthcomingFixNotice,
        ClockName::DisclosureTarget,
        ClockName::PostMortem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClockName::Acknowledge => "acknowledge",
            ClockName::CollaboratorsAdded => "collaborators-added",
            ClockName::FixReady => "fix-ready",
            ClockName::ForthcomingFixNotice => "forthcoming-fix-notice",
            ClockName::DisclosureTarget => "disclosure-target",
            ClockName::PostMortem => "post-mortem",
        }
    }

    pub fn parse(s: &str) -> Option<ClockName> {
        ClockName::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The policy step it comes from.
    pub fn step(self) -> &'static str {
        match self {
            ClockName::Acknowledge => "C3",
            ClockName::CollaboratorsAdded => "C10",
            ClockName::FixReady => "V6",
            ClockName::ForthcomingFixNotice => "V9",
            ClockName::DisclosureTarget => "C6",
            ClockName::PostMortem => "C19",
        }
    }

    /// The milestone that stops (meets) it.
    pub fn stop(self) -> Milestone {
        match self {
            ClockName::Acknowledge => Milestone::Acknowledged,
            ClockName::CollaboratorsAdded => Milestone::CollaboratorAdded,
            ClockName::FixReady => Milestone::FixReady,
            ClockName::ForthcomingFixNotice => Milestone::ForthcomingNoticeSent,
            ClockName::DisclosureTarget => Milestone::Disclosed,
            ClockName::PostMortem => Milestone::PostMortemPublished,
        }
    }

    /// What must happen, in words (for SECURITY.md and the queue).
    pub fn task(self) -> &'static str {
        match self {
            ClockName::Acknowledge => "acknowledge and analyze the report",
            ClockName::CollaboratorsAdded => "include the relevant maintainers",
            ClockName::FixReady => "have the fix complete and reviewed",
            ClockName::ForthcomingFixNotice => "announce the forthcoming fix and its release date",
            ClockName::DisclosureTarget => "disclose the vulnerability",
            ClockName::PostMortem => "publish a blameless post-mortem",
        }
    }
}

impl fmt::Display for ClockName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Moments in a case that start or stop clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Milestone {
    Received,
    Acknowledged,
    Claimed,
    CollaboratorAdded,
    Confirmed,
    FixReady,
    ForthcomingNoticeSent,
    Disclosed,
    PostMortemPublished,
}

impl Milestone {
    pub const ALL: [Milestone; 9] = [
        Milestone::Received,
        Milestone::Acknowledged,
        Milestone::Claimed,
        Milestone::CollaboratorAdded,
        Milestone::Confirmed,
        Milestone::FixReady,
        Milestone::ForthcomingNoticeSent,
        Milestone::Disclosed,
        Milestone::PostMortemPublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Milestone::Received => "received",
            Milestone::Acknowledged => "acknowledged",
            Milestone::Claimed => "claimed",
            Milestone::CollaboratorAdded => "collaborator-added",
            Milestone::Confirmed => "confirmed",
            Milestone::FixReady => "fix-ready",
            Milestone::ForthcomingNoticeSent => "forthcoming-notice-sent",
            Milestone::Disclosed => "disclosed",
            Milestone::PostMortemPublished => "post-mortem-published",
        }
    }

    pub fn parse(s: &str) -> Option<Milestone> {
        Milestone::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// "of receipt", "of the claim": how SECURITY.md says where a clock starts.
    pub fn words(self) -> &'static str {
        match self {
            Milestone::Received => "of receiving the report",
            Milestone::Acknowledged => "of acknowledging the report",
            Milestone::Claimed => "of a coordinator taking the case",
            Milestone::CollaboratorAdded => "of the maintainers being included",
            Milestone::Confirmed => "of confirming the vulnerability",
            Milestone::FixReady => "of the fix being ready",
            Milestone::ForthcomingNoticeSent => "of announcing the forthcoming fix",
            Milestone::Disclosed => "of disclosure",
            Milestone::PostMortemPublished => "of publishing the post-mortem",
        }
    }
}

/// What the shell knows about a case, as plain moments: the fold of its events that
/// clocks need. `received` is the only required fact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockFacts {
    pub received: Timestamp,
    pub acknowledged: Option<Timestamp>,
    pub claimed: Option<Timestamp>,
    /// The first time a collaborator was added.
    pub first_collaborator_added: Option<Timestamp>,
    /// The final decision that it is a vulnerability (C11).
    pub confirmed: Option<Timestamp>,
    /// The fix checklist complete: every required fix reviewed with its approvals.
    pub fix_ready: Option<Timestamp>,
    pub forthcoming_notice_sent: Option<Timestamp>,
    pub disclosed: Option<Timestamp>,
    pub post_mortem_published: Option<Timestamp>,
    /// The case was closed or rejected.
    pub ended: Option<Ended>,
    /// The spans the case waited on the reporter (`needs-info`); the last may be open.
    pub needs_info: Vec<Pause>,
    /// When the case was marked public (C7, V2).
    pub public_since: Option<Timestamp>,
    /// The coordinator's final CVSS calls, oldest first (the highest of v3.1/v4.0).
    pub final_scores: Vec<ScoreSet>,
    pub slowdowns: Vec<Slowdown>,
    /// Another project's disclosure dates, oldest first (V2).
    pub upstream: Vec<UpstreamDate>,
    pub moves: Vec<ClockMove>,
}

impl ClockFacts {
    /// A case that was just received and nothing else.
    pub fn received(at: Timestamp) -> ClockFacts {
        ClockFacts {
            received: at,
            acknowledged: None,
            claimed: None,
            first_collaborator_added: None,
            confirmed: None,
            fix_ready: None,
            forthcoming_notice_sent: None,
            disclosed: None,
            post_mortem_published: None,
            ended: None,
            needs_info: Vec::new(),
            public_since: None,
            final_scores: Vec::new(),
            slowdowns: Vec::new(),
            upstream: Vec::new(),
            moves: Vec::new(),
        }
    }

    /// When a milestone happened, if it has.
    pub fn at(&self, m: Milestone) -> Option<Timestamp> {
        match m {
            Milestone::Received => Some(self.received),
            Milestone::Acknowledged => self.acknowledged,
            Milestone::Claimed => self.claimed,
            Milestone::CollaboratorAdded => self.first_collaborator_added,
            Milestone::Confirmed => self.confirmed,
            Milestone::FixReady => self.fix_ready,
            Milestone::ForthcomingNoticeSent => self.forthcoming_notice_sent,
            Milestone::Disclosed => self.disclosed,
            Milestone::PostMortemPublished => self.post_mortem_published,
        }
    }

    /// The current final CVSS score, if the coordinator has made the call.
    pub fn final_score(&self) -> Option<CvssScore> {
        self.final_scores.last().map(|s| s.score)
    }

    /// When the case was decided: confirmed, or rejected.
    pub fn decided(&self) -> Option<Timestamp> {
        let rejected = self.ended.and_then(|e| match e.outcome {
            Outcome::Rejected => Some(e.at),
            Outcome::Closed => None,
        });
        match (self.confirmed, rejected) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Since when every remaining clock runs "as soon as possible": the case is public
    /// and its final score has been at or over the threshold since then (C7, V2).
    pub fn asap_since(&self, policy: &Policy) -> Option<(Timestamp, CvssScore)> {
        let public = self.public_since?;
        let last = self.final_scores.last()?;
        if last.score < policy.public_asap_from {
            return None;
        }
        // The start of the latest run of calls at or over the threshold.
        let run_start = self
            .final_scores
            .iter()
            .rev()
            .take_while(|s| s.score >= policy.public_asap_from)
            .last()
            .map_or(last.at, |s| s.at);
        Some((public.max(run_start), last.score))
    }
}

/// How a case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    pub at: Timestamp,
    pub outcome: Outcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Closed,
    Rejected,
}

/// A wait on the reporter; `until` is `None` while it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: Timestamp,
    pub until: Option<Timestamp>,
}

/// A final CVSS call and when it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSet {
    pub at: Timestamp,
    pub score: CvssScore,
}

/// The coordinator slows clocks down on a low-severity case (C16, V7), after the
/// discussion recorded as a note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slowdown {
    pub at: Timestamp,
    pub clocks: Vec<ClockName>,
    pub change: SlowChange,
    pub basis: LowSeverityBasis,
    /// The note that records the discussion and the decision.
    pub note: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlowChange {
    /// The clock runs this long from its start instead.
    Duration(Duration),
    /// The clock is due then.
    Until(Timestamp),
}

/// Why a case may be slowed down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LowSeverityBasis {
    /// The final CVSS score is under the policy's threshold (C16, V7).
    Cvss,
    /// The assessed risk is low (C16), if the policy allows it.
    AssessedRisk,
}

/// Why a slow-down does not (or no longer does) apply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlowdownRefused {
    #[error("a slow-down needs the note that records its discussion (C16)")]
    NoNote,
    #[error("a slow-down names at least one clock")]
    NoClocks,
    #[error("the case has no final CVSS score yet; slowing down needs one under {threshold}")]
    NoScore { threshold: CvssScore },
    #[error(
        "the final CVSS score {score} is not under {threshold}, so the case may not be slowed down"
    )]
    NotLowSeverity {
        score: CvssScore,
        threshold: CvssScore,
    },
    #[error("this policy slows down only on the CVSS score (V7), not on assessed risk")]
    RiskNotAllowed,
    #[error("the new due time of `{0}` is earlier than the policy's; that is not a slow-down")]
    NotSlower(ClockName),
}

/// Whether a slow-down is allowed now; the command that records one checks this, and
/// [`compute`] drops a slow-down that no longer holds (the score rose).
pub fn check_slowdown(
    policy: &Policy,
    facts: &ClockFacts,
    slowdown: &Slowdown,
) -> Result<(), SlowdownRefused> {
    if slowdown.note.trim().is_empty() {
        return Err(SlowdownRefused::NoNote);
    }
    if slowdown.clocks.is_empty() {
        return Err(SlowdownRefused::NoClocks);
    }
    let threshold = policy.low_severity_below;
    match slowdown.basis {
        LowSeverityBasis::Cvss => match facts.final_score() {
            None => return Err(SlowdownRefused::NoScore { threshold }),
            Some(score) if score >= threshold => {
                return Err(SlowdownRefused::NotLowSeverity { score, threshold });
            }
            Some(_) => {}
        },
        LowSeverityBasis::AssessedRisk => {
            if !policy.low_risk_may_slow_down {
                return Err(SlowdownRefused::RiskNotAllowed);
            }
        }
    }
    Ok(())
}

/// Another project's disclosure date the case follows (V2), with where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamDate {
    /// When it was entered.
    pub at: Timestamp,
    pub date: Timestamp,
    /// Where the date comes from (a link or the other project's name).
    pub source: String,
}

/// The coordinator moves a clock, with a reason that goes on the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockMove {
    pub at: Timestamp,
    pub clock: ClockName,
    pub due: Timestamp,
    pub reason: String,
}

/// Where a clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockState {
    Running,
    /// Its stop milestone happened (perhaps late: compare `stopped_at` with `due`).
    Met,
    Overdue,
    /// The case waits on the reporter and this clock pauses then.
    Paused,
    /// The case was closed or rejected before the clock was met.
    Stopped,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Met => "met",
            ClockState::Overdue => "overdue",
            ClockState::Paused => "paused",
            ClockState::Stopped => "stopped",
        }
    }
}

/// What last changed a clock's due time from the policy's duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adjustment {
    SlowedDown { at: Timestamp, note: String },
    Upstream { at: Timestamp, source: String },
    Moved { at: Timestamp, reason: String },
    Asap { since: Timestamp, score: CvssScore },
}

/// One clock of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clock {
    pub name: ClockName,
    pub start: Timestamp,
    pub due: Timestamp,
    pub state: ClockState,
    /// Why it is due then, in words: "5 working days", "as soon as possible (public,
    /// CVSS 7.5 ≥ 4.0)", "moved by the coordinator: waiting for the upstream fix".
    pub basis: String,
    /// The unit its time left is told in.
    pub unit: Unit,
    pub reporter_sees: bool,
    /// When it was met or stopped.
    pub stopped_at: Option<Timestamp>,
    pub adjustment: Option<Adjustment>,
}

impl Clock {
    /// "2 working days left", "overdue by 3 hours".
    pub fn time_left(&self, policy: &Policy, now: Timestamp) -> TimeLeft {
        policy.calendar().time_left(now, self.due, self.unit)
    }

    /// Met at or before its due time.
    pub fn met_on_time(&self) -> bool {
        self.state == ClockState::Met && self.stopped_at.is_some_and(|s| s <= self.due)
    }
}

/// The clocks of a case at `now`, in [`ClockName::ALL`] order: every clock the policy
/// runs whose start milestone has happened (and, for the disclosure clock, one an
/// upstream date sets even if the policy has none).
pub fn compute(policy: &Policy, facts: &ClockFacts, now: Timestamp) -> Vec<Clock> {
    let cal = policy.calendar();
    ClockName::ALL
        .into_iter()
        .filter_map(|name| clock(policy, &cal, facts, name, now))
        .collect()
}

/// A change to a due time, at the moment it was made.
enum Change<'f> {
    Slow(&'f Slowdown),
    Upstream(&'f UpstreamDate),
    Move(&'f ClockMove),
    Asap(Timestamp, CvssScore),
}

fn clock(
    policy: &Policy,
    cal: &Calendar,
    facts: &ClockFacts,
    name: ClockName,
    now: Timestamp,
) -> Option<Clock> {
    let upstream_only = name == ClockName::DisclosureTarget && !facts.upstream.is_empty();
    let rule: Option<&ClockRule> = policy.clock(name);
    let (start, duration, reporter_sees, pauses_apply) = match rule {
        Some(r) => (
            facts.at(r.start)?,
            Some(r.duration),
            r.reporter_sees,
            r.pauses_in_needs_info,
        ),
        // The policy has no disclosure clock, but the case follows another project's
        // date: the clock runs from when that date was entered; the reporter sees it.
        None if upstream_only => (facts.upstream.first()?.at, None, true, false),
        None => return None,
    };
    if let Some(e) = facts.ended
        && e.at < start
    {
        return None;
    }
    let stop = facts.at(name.stop());
    // A stop after the case ended does not count; the case ended first.
    let ended_first = facts
        .ended
        .filter(|e| stop.is_none_or(|s| e.at < s))
        .map(|e| e.at);
    let stopped_at = stop.or(ended_first);
    let pauses: Vec<Interval> = if pauses_apply {
        facts
            .needs_info
            .iter()
            .filter_map(|p| {
                let until = p.until.unwrap_or(now);
                (p.from < until).then_some(Interval {
                    from: p.from,
                    until,
                })
            })
            .collect()
    } else {
        Vec::new()
    };

    let (mut due, mut basis, mut unit) = match duration {
        Some(d) => (cal.due_paused(start, d, &pauses), d.to_string(), d.unit()),
        None => (Timestamp::MAX, String::new(), Unit::Days),
    };
    let mut adjustment = None;

    let mut changes: Vec<(Timestamp, Change<'_>)> = Vec::new();
    for s in &facts.slowdowns {
        if s.clocks.contains(&name) && check_slowdown(policy, facts, s).is_ok() {
            changes.push((s.at, Change::Slow(s)));
        }
    }
    if name == ClockName::DisclosureTarget {
        changes.extend(facts.upstream.iter().map(|u| (u.at, Change::Upstream(u))));
    }
    changes.extend(
        facts
            .moves
            .iter()
            .filter(|m| m.clock == name)
            .map(|m| (m.at, Change::Move(m))),
    );
    if let Some((since, score)) = facts.asap_since(policy) {
        changes.push((since, Change::Asap(since, score)));
    }
    // Time order; equal times keep the order above. Changes after the clock stopped
    // do not rewrite its history.
    changes.sort_by_key(|(at, _)| *at);
    for (at, change) in changes {
        if stopped_at.is_some_and(|s| s <= at) {
            break;
        }
        match change {
            Change::Slow(s) => {
                let why = slow_words(policy, facts, s);
                match s.change {
                    SlowChange::Duration(d) => {
                        due = cal.due_paused(start, d, &pauses);
                        basis = format!("{d} (slowed down: {why})");
                        unit = d.unit();
                    }
                    SlowChange::Until(t) => {
                        due = t;
                        basis = format!("a date set when slowing down ({why})");
                        unit = Unit::Days;
                    }
                }
                adjustment = Some(Adjustment::SlowedDown {
                    at: s.at,
                    note: s.note.clone(),
                });
            }
            Change::Upstream(u) => {
                due = u.date;
                basis = format!("the upstream disclosure date ({})", u.source);
                unit = Unit::Days;
                adjustment = Some(Adjustment::Upstream {
                    at: u.at,
                    source: u.source.clone(),
                });
            }
            Change::Move(m) => {
                due = m.due;
                basis = format!("moved by the coordinator: {}", m.reason);
                unit = Unit::Days;
                adjustment = Some(Adjustment::Moved {
                    at: m.at,
                    reason: m.reason.clone(),
                });
            }
            Change::Asap(since, score) => {
                let from = since.max(start);
                let asap_due = cal.due_paused(from, policy.asap, &pauses);
                if asap_due < due {
                    due = asap_due;
                    basis = format!(
                        "as soon as possible (public, CVSS {score} ≥ {})",
                        policy.public_asap_from
                    );
                    unit = policy.asap.unit();
                    adjustment = Some(Adjustment::Asap { since, score });
                }
            }
        }
    }
    if due == Timestamp::MAX {
        // An upstream-only clock whose date was never set cannot exist (it needs one).
        return None;
    }

    let paused_now = pauses_apply
        && facts
            .needs_info
            .iter()
            .any(|p| p.from <= now && p.until.is_none_or(|u| now < u));
    let state = if stop.is_some() && ended_first.is_none() {
        ClockState::Met
    } else if ended_first.is_some() {
        ClockState::Stopped
    } else if paused_now {
        ClockState::Paused
    } else if now >= due {
        ClockState::Overdue
    } else {
        ClockState::Running
    };
    Some(Clock {
        name,
        start,
        due,
        state,
        basis,
        unit,
        reporter_sees,
        stopped_at,
        adjustment,
    })
}

fn slow_words(policy: &Policy, facts: &ClockFacts, s: &Slowdown) -> String {
    match (s.basis, facts.final_score()) {
        (LowSeverityBasis::Cvss, Some(score)) => format!(
            "low severity, CVSS {score} < {}; note {}",
            policy.low_severity_below, s.note
        ),
        (LowSeverityBasis::Cvss, None) | (LowSeverityBasis::AssessedRisk, _) => {
            format!("low assessed risk; note {}", s.note)
        }
    }
}

/// Whether a moment is a reminder before the due time or an escalation after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReminderKind {
    Reminder,
    Escalation,
}

/// A moment a reminder or escalation falls due, for the shell to queue as a timer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub clock: ClockName,
    pub kind: ReminderKind,
    pub at: Timestamp,
    /// The clock's due time it was made for; a new due time means new reminders.
    pub due: Timestamp,
    pub to: Vec<Audience>,
    /// The rule's index in `policy.reminders` (0 for the escalation).
    pub rule: usize,
}

impl Reminder {
    /// Unique per clock, kind, rule and due time: a timer keyed by it fires once, and a
    /// moved clock gets fresh ones.
    pub fn key(&self) -> String {
        let kind = match self.kind {
            ReminderKind::Reminder => "reminder",
            ReminderKind::Escalation => "escalation",
        };
        format!("{}/{kind}-{}/{}", self.clock, self.rule, self.due)
    }
}

/// The reminders and escalation a clock calls for, in time order: one per rule that
/// covers it, for its current due time. A clock that is met, stopped or paused calls
/// for none (a paused clock's due time is not settled until it runs again). A reminder
/// that would fall before the clock started falls at its start.
pub fn reminders(policy: &Policy, clock: &Clock) -> Vec<Reminder> {
    match clock.state {
        ClockState::Running | ClockState::Overdue => {}
        ClockState::Met | ClockState::Paused | ClockState::Stopped => return Vec::new(),
    }
    let cal = policy.calendar();
    let mut out: Vec<Reminder> = policy
        .reminders
        .iter()
        .enumerate()
        .filter(|(_, r)| covers(r.clocks.as_deref(), clock.name))
        .map(|(i, r)| Reminder {
            clock: clock.name,
            kind: ReminderKind::Reminder,
            at: cal.before(clock.due, r.before).max(clock.start),
            due: clock.due,
            to: r.to.clone(),
            rule: i,
        })
        .collect();
    if let Some(e) = &policy.escalation
        && covers(e.clocks.as_deref(), clock.name)
    {
        out.push(Reminder {
            clock: clock.name,
            kind: ReminderKind::Escalation,
            at: e.after.map_or(clock.due, |d| cal.after(clock.due, d)),
            due: clock.due,
            to: e.to.clone(),
            rule: 0,
        });
    }
    out.sort_by_key(|r| r.at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::ReminderRule;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn score(tenths: u8) -> CvssScore {
        CvssScore::from_tenths(tenths).unwrap()
    }

    fn get(clocks: &[Clock], name: ClockName) -> &Clock {
        clocks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} clock in {clocks:#?}"))
    }

    /// Received Friday 2026-12-04 09:00 UTC (the presets' zone).
    fn friday() -> ClockFacts {
        ClockFacts::received(ts("2026-12-04T09:00:00Z"))
    }

    #[test]
    fn c3_acknowledge_runs_from_receipt_until_acknowledged() {
        let policy = Policy::connect();
        let mut facts = friday();
        let clocks = compute(&policy, &facts, ts("2026-12-07T10:00:00Z"));
        let names: Vec<ClockName> = clocks.iter().map(|c| c.name).collect();
        // Post-mortem waits for disclosure; Connect has no fix-ready clock.
        assert_eq!(
            names,
            [
                ClockName::Acknowledge,
                ClockName::CollaboratorsAdded,
                ClockName::DisclosureTarget
            ]
        );
        let ack = get(&clocks, ClockName::Acknowledge);
        assert_eq!(ack.due, ts("2026-12-12T00:00:00Z"));
        assert_eq!(ack.state, ClockState::Running);
        assert_eq!(ack.basis, "5 working days");
        assert!(ack.reporter_sees);
        assert_eq!(
            ack.time_left(&policy, ts("2026-12-07T10:00:00Z"))
                .to_string(),
            "4 working days left"
        );
        // C10: a day from the report, so overdue on Monday.
        let collab = get(&clocks, ClockName::CollaboratorsAdded);
        assert_eq!(collab.state, ClockState::Overdue);
        assert!(!collab.reporter_sees);
        // C6: 30 days.
        assert_eq!(
            get(&clocks, ClockName::DisclosureTarget).due,
            ts("2027-01-03T09:00:00Z")
        );

        facts.acknowledged = Some(ts("2026-12-08T12:00:00Z"));
        let ack = compute(&policy, &facts, ts("2026-12-20T00:00:00Z")).remove(0);
        assert_eq!(ack.state, ClockState::Met);
        assert_eq!(ack.stopped_at, facts.acknowledged);
        assert!(ack.met_on_time());
        assert!(reminders(&policy, &ack).is_empty());
    }

    #[test]
    fn c3_overdue_after_the_due_time_and_stopped_by_a_rejection() {
        let policy = Policy::connect();
        let mut facts = friday();
        let late = compute(&policy, &facts, ts("2026-12-12T00:00:01Z"));
        assert_eq!(
            get(&late, ClockName::Acknowledge).state,
            ClockState::Overdue
        );
        assert_eq!(
            get(&late, ClockName::Acknowledge)
                .time_left(&policy, ts("2026-12-12T03:00:00Z"))
                .to_string(),
            "overdue by 3 hours"
        );
        facts.ended = Some(Ended {
            at: ts("2026-12-05T00:00:00Z"),
            outcome: Outcome::Rejected,
        });
        let clocks = compute(&policy, &facts, ts("2026-12-20T00:00:00Z"));
        let ack = get(&clocks, ClockName::Acknowledge);
        assert_eq!(ack.state, ClockState::Stopped);
        assert_eq!(ack.stopped_at, Some(ts("2026-12-05T00:00:00Z")));
        // A stop after the case ended does not turn it into a met clock.
        facts.acknowledged = Some(ts("2026-12-06T00:00:00Z"));
        let clocks = compute(&policy, &facts, ts("2026-12-20T00:00:00Z"));
        assert_eq!(
            get(&clocks, ClockName::Acknowledge).state,
            ClockState::Stopped
        );
        assert_eq!(facts.decided(), Some(ts("2026-12-05T00:00:00Z")));
    }

    #[test]
    fn c19_post_mortem_starts_at_disclosure() {
        let policy = Policy::connect();
        let mut facts = friday();
        facts.disclosed = Some(ts("2026-12-20T12:00:00Z"));
        let clocks = compute(&policy, &facts, ts("2026-12-21T00:00:00Z"));
        let pm = get(&clocks, ClockName::PostMortem);
        assert_eq!(
            (pm.start, pm.due),
            (ts("2026-12-20T12:00:00Z"), ts("2026-12-27T12:00:00Z"))
        );
        assert_eq!(
            get(&clocks, ClockName::DisclosureTarget).state,
            ClockState::Met
        );
        // Closed before the post-mortem: stopped, not met.
        facts.ended = Some(Ended {
            at: ts("2026-12-22T00:00:00Z"),
            outcome: Outcome::Closed,
        });
        let clocks = compute(&policy, &facts, ts("2026-12-30T00:00:00Z"));
        assert_eq!(
            get(&clocks, ClockName::PostMortem).state,
            ClockState::Stopped
        );
    }

    #[test]
    fn v2_public_with_cvss_at_the_threshold_makes_every_remaining_clock_asap() {
        let policy = Policy::vitess();
        let mut facts = friday();
        facts.final_scores.push(ScoreSet {
            at: ts("2026-12-04T12:00:00Z"),
            score: score(75),
        });
        facts.public_since = Some(ts("2026-12-05T08:00:00Z"));
        let clocks = compute(&policy, &facts, ts("2026-12-05T09:00:00Z"));
        for name in [ClockName::FixReady, ClockName::ForthcomingFixNotice] {
            let c = get(&clocks, name);
            assert_eq!(c.due, ts("2026-12-06T08:00:00Z"), "{name}");
            assert_eq!(c.basis, "as soon as possible (public, CVSS 7.5 ≥ 4.0)");
            assert!(matches!(c.adjustment, Some(Adjustment::Asap { .. })));
        }
        // Never later than it was: public a day before the 7 days run out changes nothing.
        facts.public_since = Some(ts("2026-12-10T12:00:00Z"));
        let clocks = compute(&policy, &facts, ts("2026-12-10T13:00:00Z"));
        let fix = get(&clocks, ClockName::FixReady);
        assert_eq!(
            (fix.due, fix.basis.as_str()),
            (ts("2026-12-11T09:00:00Z"), "7 days")
        );
        // Under the threshold a public case keeps its clocks.
        facts.public_since = Some(ts("2026-12-05T08:00:00Z"));
        facts.final_scores.push(ScoreSet {
            at: ts("2026-12-05T10:00:00Z"),
            score: score(39),
        });
        let clocks = compute(&policy, &facts, ts("2026-12-05T11:00:00Z"));
        assert_eq!(get(&clocks, ClockName::FixReady).basis, "7 days");
        // Raised again: ASAP from when the score crossed the threshold, not from public.
        facts.final_scores.push(ScoreSet {
            at: ts("2026-12-06T00:00:00Z"),
            score: score(40),
        });
        let clocks = compute(&policy, &facts, ts("2026-12-06T01:00:00Z"));
        assert_eq!(
            get(&clocks, ClockName::FixReady).due,
            ts("2026-12-07T00:00:00Z")
        );
        // A clock met before the case went public is not rewritten.
        facts.fix_ready = Some(ts("2026-12-05T07:00:00Z"));
        let clocks = compute(&policy, &facts, ts("2026-12-06T01:00:00Z"));
        let fix = get(&clocks, ClockName::FixReady);
        assert_eq!((fix.state, fix.basis.as_str()), (ClockState::Met, "7 days"));
    }

    fn slowdown(basis: LowSeverityBasis, change: SlowChange) -> Slowdown {
        Slowdown {
            at: ts("2026-12-06T00:00:00Z"),
            clocks: vec![ClockName::DisclosureTarget],
            change,
            basis,
            note: "N-17".to_owned(),
        }
    }

    #[test]
    fn c16_low_severity_slows_down_only_with_a_recorded_discussion() {
        let policy = Policy::connect();
        let mut facts = friday();
        facts.final_scores.push(ScoreSet {
            at: ts("2026-12-05T00:00:00Z"),
            score: score(31),
        });
        let sixty = SlowChange::Duration("60 days".parse().unwrap());
        let s = slowdown(LowSeverityBasis::Cvss, sixty);
        assert_eq!(check_slowdown(&policy, &facts, &s), Ok(()));
        facts.slowdowns.push(s.clone());
        let clocks = compute(&policy, &facts, ts("2026-12-07T00:00:00Z"));
        let d = get(&clocks, ClockName::DisclosureTarget);
        assert_eq!(d.due, ts("2027-02-02T09:00:00Z"));
        assert_eq!(
            d.basis,
            "60 days (slowed down: low severity, CVSS 3.1 < 4.0; note N-17)"
        );
        assert_eq!(
            d.adjustment,
            Some(Adjustment::SlowedDown {
                at: s.at,
                note: "N-17".to_owned()
            })
        );
        // The other clocks are untouched.
        assert_eq!(get(&clocks, ClockName::Acknowledge).basis, "5 working days");
        // No note, no slow-down.
        let mut silent = s.clone();
        silent.note = " ".to_owned();
        assert_eq!(
            check_slowdown(&policy, &facts, &silent),
            Err(SlowdownRefused::NoNote)
        );
        // The score rose: the slow-down lapses.
        facts.final_scores.push(ScoreSet {
            at: ts("2026-12-08T00:00:00Z"),
            score: score(65),
        });
        assert!(matches!(
            check_slowdown(&policy, &facts, &s),
            Err(SlowdownRefused::NotLowSeverity { .. })
        ));
        let clocks = compute(&policy, &facts, ts("2026-12-09T00:00:00Z"));
        assert_eq!(get(&clocks, ClockName::DisclosureTarget).basis, "30 days");
    }

    #[test]
    fn v7_vitess_slows_down_on_the_score_only() {
        let vitess = Policy::vitess();
        let connect = Policy::connect();
        let facts = friday();
        let until = SlowChange::Until(ts("2027-03-01T00:00:00Z"));
        let risk = slowdown(LowSeverityBasis::AssessedRisk, until);
        assert_eq!(
            check_slowdown(&vitess, &facts, &risk),
            Err(SlowdownRefused::RiskNotAllowed)
        );
        assert_eq!(check_slowdown(&connect, &facts, &risk), Ok(()));
        let cvss = slowdown(LowSeverityBasis::Cvss, until);
        assert!(matches!(
            check_slowdown(&vitess, &facts, &cvss),
            Err(SlowdownRefused::NoScore { .. })
        ));
        let mut facts = facts;
        facts.slowdowns.push(risk);
        let clocks = compute(&connect, &facts, ts("2026-12-07T00:00:00Z"));
        let d = get(&clocks, ClockName::DisclosureTarget);
        assert_eq!(d.due, ts("2027-03-01T00:00:00Z"));
        assert_eq!(
            d.basis,
            "a date set when slowing down (low assessed risk; note N-17)"
        );
    }

    #[test]
    fn v2_upstream_dates_move_the_disclosure_clock() {
        let upstream = UpstreamDate {
            at: ts("2026-12-06T00:00:00Z"),
            date: ts("2027-01-20T16:00:00Z"),
            source: "Go security release, golang-announce".to_owned(),
        };
        let mut facts = friday();
        facts.upstream.push(upstream.clone());
        // Vitess has no disclosure clock of its own: the upstream date makes one.
        let clocks = compute(&Policy::vitess(), &facts, ts("2026-12-07T00:00:00Z"));
        let d = get(&clocks, ClockName::DisclosureTarget);
        assert_eq!((d.start, d.due), (upstream.at, upstream.date));
        assert_eq!(
            d.basis,
            "the upstream disclosure date (Go security release, golang-announce)"
        );
        assert!(d.reporter_sees);
        // Connect's 30 days give way to the upstream date.
        let clocks = compute(&Policy::connect(), &facts, ts("2026-12-07T00:00:00Z"));
        assert_eq!(get(&clocks, ClockName::DisclosureTarget).due, upstream.date);
        // A later date wins.
        facts.upstream.push(UpstreamDate {
            at: ts("2026-12-10T00:00:00Z"),
            date: ts("2027-02-03T16:00:00Z"),
            source: "rescheduled".to_owned(),
        });
        let clocks = compute(&Policy::connect(), &facts, ts("2026-12-11T00:00:00Z"));
        assert_eq!(
            get(&clocks, ClockName::DisclosureTarget).due,
            ts("2027-02-03T16:00:00Z")
        );
    }

    #[test]
    fn v2_the_coordinator_moves_a_clock_with_a_reason() {
        let policy = Policy::connect();
        let mut facts = friday();
        facts.moves.push(ClockMove {
            at: ts("2026-12-05T00:00:00Z"),
            clock: ClockName::Acknowledge,
            due: ts("2026-12-16T00:00:00Z"),
            reason: "the team is at a conference".to_owned(),
        });
        let clocks = compute(&policy, &facts, ts("2026-12-12T06:00:00Z"));
        let ack = get(&clocks, ClockName::Acknowledge);
        assert_eq!(
            (ack.due, ack.state),
            (ts("2026-12-16T00:00:00Z"), ClockState::Running)
        );
        assert_eq!(
            ack.basis,
            "moved by the coordinator: the team is at a conference"
        );
        // Then the case goes public at 7.5: ASAP still brings it earlier.
        facts.final_scores.push(ScoreSet {
            at: ts("2026-12-06T00:00:00Z"),
            score: score(75),
        });
        facts.public_since = Some(ts("2026-12-06T00:00:00Z"));
        let clocks = compute(&policy, &facts, ts("2026-12-06T06:00:00Z"));
        assert_eq!(
            get(&clocks, ClockName::Acknowledge).due,
            ts("2026-12-07T00:00:00Z")
        );
        // And a move after that is the coordinator's call again.
        facts.moves.push(ClockMove {
            at: ts("2026-12-06T12:00:00Z"),
            clock: ClockName::Acknowledge,
            due: ts("2026-12-09T00:00:00Z"),
            reason: "the reporter asked for time".to_owned(),
        });
        let clocks = compute(&policy, &facts, ts("2026-12-07T06:00:00Z"));
        assert_eq!(
            get(&clocks, ClockName::Acknowledge).due,
            ts("2026-12-09T00:00:00Z")
        );
    }

    #[test]
    fn c9_a_clock_that_pauses_in_needs_info_waits_for_the_reporter() {
        let mut policy = Policy::connect();
        policy
            .clocks
            .get_mut(&ClockName::Acknowledge)
            .unwrap()
            .pauses_in_needs_info = true;
        let mut facts = friday();
        // Asked on Tuesday at noon; still waiting on Wednesday at noon.
        facts.needs_info.push(Pause {
            from: ts("2026-12-08T12:00:00Z"),
            until: None,
        });
        let clocks = compute(&policy, &facts, ts("2026-12-09T12:00:00Z"));
        let ack = get(&clocks, ClockName::Acknowledge);
        assert_eq!(ack.state, ClockState::Paused);
        assert_eq!(ack.due, ts("2026-12-15T00:00:00Z"));
        assert!(reminders(&policy, ack).is_empty());
        // Other clocks do not pause.
        assert_eq!(
            get(&clocks, ClockName::DisclosureTarget).state,
            ClockState::Running
        );
        // The answer came on Wednesday at noon: one working day later than planned.
        facts.needs_info[0].until = Some(ts("2026-12-09T12:00:00Z"));
        let clocks = compute(&policy, &facts, ts("2026-12-10T00:00:00Z"));
        let ack = get(&clocks, ClockName::Acknowledge);
        assert_eq!(
            (ack.state, ack.due),
            (ClockState::Running, ts("2026-12-15T00:00:00Z"))
        );
    }

    #[test]
    fn reminders_and_escalation_fall_due_once_per_rule() {
        let mut policy = Policy::connect();
        policy.reminders.push(ReminderRule {
            before: "2 hours".parse().unwrap(),
            to: vec![Audience::SecurityTeam],
            clocks: Some(vec![ClockName::Acknowledge]),
        });
        let facts = friday();
        let clocks = compute(&policy, &facts, ts("2026-12-07T00:00:00Z"));
        let ack = get(&clocks, ClockName::Acknowledge);
        let rs = reminders(&policy, ack);
        let got: Vec<(ReminderKind, Timestamp, usize)> =
            rs.iter().map(|r| (r.kind, r.at, r.rule)).collect();
        assert_eq!(
            got,
            [
                (ReminderKind::Reminder, ts("2026-12-11T00:00:00Z"), 0),
                (ReminderKind::Reminder, ts("2026-12-11T22:00:00Z"), 1),
                (ReminderKind::Escalation, ts("2026-12-12T00:00:00Z"), 0),
            ]
        );
        assert_eq!(rs[0].to, [Audience::Coordinator, Audience::Collaborators]);
        assert_eq!(rs[2].to, [Audience::SecurityTeam]);
        assert_eq!(rs[0].key(), "acknowledge/reminder-0/2026-12-12T00:00:00Z");
        // The second rule names only the acknowledge clock; a reminder that would fall
        // before a clock started falls at its start.
        let collab = get(&clocks, ClockName::CollaboratorsAdded);
        let rs = reminders(&policy, collab);
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].at, collab.start);
        // An escalation "after" counts from the due time.
        policy.escalation.as_mut().unwrap().after = Some("1 working day".parse().unwrap());
        let rs = reminders(&policy, ack);
        assert_eq!(rs.last().unwrap().at, ts("2026-12-15T00:00:00Z"));
    }

    fn facts_strategy() -> impl Strategy<Value = (ClockFacts, Timestamp)> {
        let base = ts("2026-01-01T00:00:00Z");
        let at = move |s: i64| {
            base.checked_add(jiff::SignedDuration::from_secs(s))
                .unwrap()
        };
        (
            0i64..3_000_000,
            proptest::option::of(0i64..3_000_000),
            proptest::option::of(0i64..3_000_000),
            proptest::option::of((0i64..3_000_000, 0u8..=100)),
            proptest::option::of(0i64..3_000_000),
            0i64..6_000_000,
        )
            .prop_map(move |(recv, ack, public, scored, disclosed, now)| {
                let received = at(recv);
                let after = |d: i64| at(recv + d);
                let mut f = ClockFacts::received(received);
                f.acknowledged = ack.map(after);
                f.public_since = public.map(after);
                f.final_scores = scored
                    .map(|(d, s)| ScoreSet {
                        at: after(d),
                        score: CvssScore::from_tenths(s).unwrap(),
                    })
                    .into_iter()
                    .collect();
                f.disclosed = disclosed.map(after);
                (f, after(now))
            })
    }

    proptest! {
        #[test]
        fn reminders_are_one_per_rule_and_deterministic((facts, now) in facts_strategy()) {
            for policy in [Policy::connect(), Policy::vitess()] {
                let clocks = compute(&policy, &facts, now);
                prop_assert_eq!(&clocks, &compute(&policy, &facts, now));
                for c in &clocks {
                    let rs = reminders(&policy, c);
                    let mut keys: Vec<String> = rs.iter().map(Reminder::key).collect();
                    keys.sort();
                    keys.dedup();
                    prop_assert_eq!(keys.len(), rs.len());
                    let expected = match c.state {
                        ClockState::Running | ClockState::Overdue => policy.reminders.len() + 1,
                        ClockState::Met | ClockState::Paused | ClockState::Stopped => 0,
                    };
                    prop_assert_eq!(rs.len(), expected);
                    prop_assert!(rs.iter().all(|r| r.at >= c.start && r.due == c.due));
                }
            }
        }

        #[test]
        fn asap_never_makes_a_clock_later((facts, now) in facts_strategy()) {
            let policy = Policy::connect();
            let mut private = facts.clone();
            private.public_since = None;
            let public = compute(&policy, &facts, now);
            let quiet = compute(&policy, &private, now);
            prop_assert_eq!(public.len(), quiet.len());
            for (a, b) in public.iter().zip(&quiet) {
                prop_assert_eq!(a.name, b.name);
                prop_assert!(a.due <= b.due);
            }
        }
    }
}
