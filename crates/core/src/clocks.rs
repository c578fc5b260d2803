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
mod tests {}
