//! A case: one report from receipt to post-mortem, as the fold of its events.
//!
//! Beside what every case has (its id, project, stage, report and files), its state is
//! kept by area, one module each: [`triage`], [`people`], [`scoring`], [`advisory`],
//! [`disclosure`]. A new area (fixes, releases, clocks, notices) is a new module, a new
//! field of [`Case`] and the events it folds.

mod activity;
mod advisory;
mod clock_log;
mod disclosure;
mod fixes;
mod gate;
mod guests;
mod milestones;
mod next;
mod notices;
mod people;
mod release;
mod scoring;
mod triage;

pub use activity::{Activity, WaitingOn};
pub use advisory::{AdvisoryRevision, AdvisoryState, Withdrawn, revision_summary};
pub use clock_log::ClockLog;
pub use disclosure::{Disclosure, Publicity};
pub use fixes::{
    Approval, ChecklistItem, Fix, FixState, FixesState, ItemStatus, Mitigation, Waiver,
};
pub use gate::Blocker;
pub use guests::{Guest, GuestsState, InvitedGuest, Share};
pub use milestones::Milestones;
pub use next::{Lead, Step, lead};
pub use notices::{Delivery, NoticeDraft, NoticesState, PreRecipient, QueuedNotice};
pub use people::People;
pub use release::{
    Agreement, DateProposal, FinalNotes, PublishedPostMortem, ReleaseBlocker, ReleaseState,
};
pub use scoring::{CvssProposal, ScoringState};
pub use triage::{PreliminaryDecision, Question, TriageState};

use crate::clocks::{Clock, ClockFacts, ClockMove, Ended, Outcome, Slowdown, UpstreamDate};
use crate::event::{Attachment, Event, Recorded};
use crate::ids::{CaseId, ProjectSlug, UserId};
use crate::policy::Policy;
use crate::report::Report;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a case is. Later stages (fixing onwards) are reached by the fix and release
/// commands; every `match` on a stage lists them all, so adding one is a compile error
/// wherever it matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Received,
    Triage,
    NeedsInfo,
    Confirmed,
    Fixing,
    ReleasePlanned,
    Disclosed,
    Closed,
    Rejected,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Received,
        Stage::Triage,
        Stage::NeedsInfo,
        Stage::Confirmed,
        Stage::Fixing,
        Stage::ReleasePlanned,
        Stage::Disclosed,
        Stage::Closed,
        Stage::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Triage => "triage",
            Stage::NeedsInfo => "needs-info",
            Stage::Confirmed => "confirmed",
            Stage::Fixing => "fixing",
            Stage::ReleasePlanned => "release-planned",
            Stage::Disclosed => "disclosed",
            Stage::Closed => "closed",
            Stage::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether work on the case goes on.
    pub fn is_open(self) -> bool {
        match self {
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::ReleasePlanned
            | Stage::Disclosed => true,
            Stage::Closed | Stage::Rejected => false,
        }
    }

    /// Whether the case's content may be seen outside its audience.
    pub fn is_public(self) -> bool {
        match self {
            Stage::Disclosed | Stage::Closed => true,
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::ReleasePlanned
            | Stage::Rejected => false,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The projection of a case. Every field is written by the fold of its events, and a
/// snapshot is read back whole: there are no defaults for missing fields, because a
/// snapshot of an older shape is rebuilt from the events (`PROJECTION_VERSION`), not
/// patched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: CaseId,
    pub project: ProjectSlug,
    /// The number of events folded in; the next event gets `version + 1`.
    pub version: u64,
    pub stage: Stage,
    pub report: Report,
    pub received_at: Timestamp,
    pub updated_at: Timestamp,
    pub attachments: Vec<Attachment>,
    pub triage: TriageState,
    pub people: People,
    pub scoring: ScoringState,
    pub advisory: AdvisoryState,
    pub disclosure: Disclosure,
    pub fixes: FixesState,
    pub milestones: Milestones,
    pub release: ReleaseState,
    pub clock_log: ClockLog,
    pub notices: NoticesState,
    pub activity: Activity,
    /// People from another project the case is shared with (C5).
    pub guests: GuestsState,
}

impl Case {
    /// Starts a case from its `Submitted` event.
    ///
    /// # Panics
    /// If the event is not `Submitted`: only `decide::submit` makes the first event.
    pub fn start(first: &Recorded<Event>) -> Case {
        let Event::Submitted {
            case,
            project,
            report,
            project_version,
        } = &first.event
        else {
            panic!(
                "a case starts with `submitted`, not `{}`",
                first.event.kind()
            );
        };
        Case {
            id: case.clone(),
            project: project.clone(),
            version: 1,
            stage: Stage::Received,
            disclosure: Disclosure::start(report, first.at),
            report: report.clone(),
            received_at: first.at,
            updated_at: first.at,
            attachments: Vec::new(),
            triage: TriageState::default(),
            people: People::default(),
            scoring: ScoringState::default(),
            advisory: AdvisoryState::default(),
            fixes: FixesState::default(),
            milestones: Milestones::default(),
            release: ReleaseState::default(),
            // Received under the policy of that version: its clocks follow it already.
            clock_log: ClockLog {
                recomputed_for: *project_version,
                ..ClockLog::default()
            },
            notices: NoticesState::default(),
            activity: Activity::start(first.at),
            guests: GuestsState::default(),
        }
    }

    /// Folds a whole stream.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Recorded<Event>>) -> Option<Case> {
        let mut it = events.into_iter();
        let mut case = Case::start(it.next()?);
        for e in it {
            case.apply(e);
        }
        Some(case)
    }

    /// Folds one event. Events are facts that `decide` already checked, so this
    /// trusts them and never fails. Each event belongs to one area; the stage, which
    /// every area reads, moves here.
    pub fn apply(&mut self, recorded: &Recorded<Event>) {
        let at = recorded.at;
        match &recorded.event {
            Event::Submitted { .. } => {
                panic!("`submitted` can only start a case")
            }
            Event::Acknowledged => {
                self.stage = Stage::Triage;
                self.triage.acknowledged_at = Some(at);
            }
            Event::QuestionAsked { question, body } => {
                self.triage.ask(*question, body, at);
                self.stage = Stage::NeedsInfo;
                self.milestones.waiting_on_reporter(at);
                self.activity.waiting_on = WaitingOn::Reporter;
            }
            Event::QuestionAnswered { .. } => {
                self.triage.open_question = None;
                self.stage = Stage::Triage;
                self.milestones.not_waiting(at);
                self.activity.waiting_on = WaitingOn::Team;
            }
            Event::PreliminaryDecisionSet { assessment, note } => {
                self.triage.preliminary = Some(PreliminaryDecision {
                    assessment: *assessment,
                    note: note.clone(),
                    at,
                })
            }
            Event::FinalDecisionSet { decision } => {
                // A question the decision makes moot is owed no answer: the team's turn.
                if self.triage.open_question.is_some() {
                    self.activity.waiting_on = WaitingOn::Team;
                }
                self.stage = self.triage.decide(decision, at);
                // The decision makes an open question moot, so the wait ends.
                self.milestones.not_waiting(at);
            }
            Event::Claimed { coordinator } => {
                self.people.coordinator = Some(coordinator.clone());
                self.milestones.claimed(at);
            }
            Event::HandedOver { to, .. } => self.people.coordinator = Some(to.clone()),
            Event::CollaboratorAdded { collaborator } => {
                self.people.add(collaborator);
                self.milestones.collaborator_added(at);
            }
            Event::CollaboratorRemoved { collaborator } => self.people.remove(collaborator.id),
            Event::MessagedReporter { .. } => self.activity.waiting_on = WaitingOn::Reporter,
            Event::ReporterReplied { .. } => self.activity.waiting_on = WaitingOn::Team,
            Event::ReporterAddressFailed { .. } | Event::TrackingLinkRenewed => {}
            Event::NoteAdded { .. } => {
                // The place this event takes in the stream.
                self.clock_log.notes.insert(self.version + 1);
            }
            Event::ClockReminder { key, .. } | Event::ClockOverdue { key, .. } => {
                self.clock_log.fired.insert(key.clone());
            }
            Event::ClockMoved {
                clock, due, reason, ..
            } => self.clock_log.moves.push(ClockMove {
                at,
                clock: *clock,
                due: *due,
                reason: reason.clone(),
            }),
            Event::SlowedDown {
                clocks,
                change,
                basis,
                note,
            } => {
                self.clock_log.slowdowns.push(Slowdown {
                    at,
                    clocks: clocks.clone(),
                    change: *change,
                    basis: *basis,
                    note: format!("#{note}"),
                });
                self.clock_log.decision_notes.insert(*note);
            }
            Event::UpstreamDateSet { date, source } => self.clock_log.upstream.push(UpstreamDate {
                at,
                date: *date,
                source: source.clone(),
            }),
            Event::NoticeDrafted { .. }
            | Event::NoticeQueued { .. }
            | Event::NoticeDelivered { .. }
            | Event::PreNotifiedAdded { .. }
            | Event::PreNotifiedRemoved { .. } => {
                self.notices.apply(&recorded.event, at, &recorded.actor)
            }
            Event::GuestInvited { guest } => self.guests.invite(guest, &recorded.actor, at),
            Event::GuestRemoved { guest, .. } => self.guests.remove(*guest),
            Event::GuestCommented { .. } => {}
            Event::ClocksRecomputed { policy_version } => {
                self.clock_log.recomputed_for = Some(*policy_version);
            }
            Event::AttachmentAdded { attachment } => self.attachments.push(attachment.clone()),
            Event::CvssProposed { version, vector } | Event::CvssSuggested { version, vector } => {
                self.scoring.proposals.push(CvssProposal {
                    version: *version,
                    vector: vector.clone(),
                    by: recorded.actor.clone(),
                    at,
                })
            }
            Event::CvssSet { score } => {
                self.scoring.score = Some(score.clone());
                self.scoring.not_applicable = None;
                self.milestones.scored(score, at);
            }
            Event::CvssNotApplicable { reason } => {
                self.scoring.score = None;
                self.scoring.not_applicable = Some(reason.clone());
            }
            Event::FixRecorded { .. } => {
                // The first fix starts the fixing stage (C12).
                if self.stage == Stage::Confirmed {
                    self.stage = Stage::Fixing;
                }
                self.fixes.apply(&recorded.event, recorded.actor.user(), at);
            }
            Event::AffectedSet { .. }
            | Event::FixApproved { .. }
            | Event::FixStateChanged { .. }
            | Event::FixPatchAttached { .. }
            | Event::BackportWaived { .. }
            | Event::MitigationRecorded { .. } => {
                self.fixes.apply(&recorded.event, recorded.actor.user(), at)
            }
            Event::AdvisoryUpdated { .. }
            | Event::CveRequested
            | Event::CveAssigned { .. }
            | Event::AdvisoryImported { .. }
            | Event::CveReserved { .. }
            | Event::CvePublished { .. }
            | Event::CveRequestFailed { .. }
            | Event::CveRequestRejected { .. }
            | Event::EffectFailed(_)
            | Event::CveIdRejected { .. }
            | Event::AdvisoryWithdrawn { .. }
            | Event::CreditChosen { .. } => {
                let public = self.disclosure.disclosed_at.is_some();
                self.advisory.apply(&recorded.event, at, public)
            }
            Event::MarkedPublic { link, .. } => {
                self.disclosure.public = Some(Publicity {
                    link: link.clone(),
                    since: at,
                })
            }
            Event::Disclosed => {
                self.stage = Stage::Disclosed;
                self.disclosure.disclosed_at = Some(at);
                self.release.scheduled = None;
            }
            Event::ReleasePlanProposed { .. }
            | Event::ReleaseDateCounterProposed { .. }
            | Event::ReleaseDateAgreed { .. }
            | Event::ReleaseDateOverridden { .. }
            | Event::ReleaseNotesFinalized { .. }
            | Event::DisclosureScheduled { .. }
            | Event::DisclosureUnscheduled
            | Event::ScheduledDisclosureRefused { .. }
            | Event::PostMortemPublished { .. } => {
                if let Some(stage) = self.release.apply(self.stage, &recorded.event, at) {
                    self.stage = stage;
                }
            }
        }
        self.activity.record(&recorded.actor, self.version + 1, at);
        self.version += 1;
        self.updated_at = at;
    }

    /// Who the case waits on while work goes on; `None` once it is closed, rejected
    /// or disclosed (nobody owes anyone an answer in the lists' sense).
    pub fn waiting_on(&self) -> Option<WaitingOn> {
        match self.stage {
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::ReleasePlanned => Some(self.activity.waiting_on),
            Stage::Disclosed | Stage::Closed | Stage::Rejected => None,
        }
    }

    /// Whether `user` has not seen the newest activity: someone else made it after the
    /// event `seen` (the last one the user's case page showed; 0: never opened).
    pub fn unread_for(&self, user: UserId, seen: u64) -> bool {
        self.activity.seq > seen && self.activity.by != Some(user)
    }

    /// What the clocks need to know, from the areas: the shell passes these with the
    /// project's policy and "now" to [`crate::clocks::compute`]. Fixes, notices and the
    /// post-mortem have no events yet, so those facts are empty until they do.
    pub fn clock_facts(&self) -> ClockFacts {
        use crate::event::FinalDecision;
        let (confirmed, rejected) = match (&self.triage.decision, self.triage.decided_at) {
            (Some(FinalDecision::Confirmed { .. }), at) => (at, None),
            (Some(FinalDecision::Rejected { .. }), at) => (None, at),
            (None, _) => (None, None),
        };
        ClockFacts {
            received: self.received_at,
            acknowledged: self.triage.acknowledged_at,
            claimed: self.milestones.claimed_at,
            first_collaborator_added: self.milestones.first_collaborator_at,
            confirmed,
            fix_ready: self.fixes.ready_at,
            forthcoming_notice_sent: None,
            disclosed: self.disclosure.disclosed_at,
            post_mortem_published: self.release.post_mortem.as_ref().map(|p| p.at),
            // A rejection ends the clocks; so does having been handled before Embargo:
            // an imported advisory's (V10) clocks ran elsewhere, and none is owed now.
            ended: rejected
                .map(|at| Ended {
                    at,
                    outcome: Outcome::Rejected,
                })
                .or_else(|| {
                    (self.report.channel == crate::report::Channel::Import).then_some(Ended {
                        at: self.received_at,
                        outcome: Outcome::Closed,
                    })
                }),
            needs_info: self.milestones.needs_info.clone(),
            public_since: self.disclosure.public.as_ref().map(|p| p.since),
            final_scores: self.milestones.final_scores.clone(),
            slowdowns: self.clock_log.slowdowns.clone(),
            upstream: self.clock_log.upstream.clone(),
            moves: self.clock_log.moves.clone(),
        }
    }

    /// The case's clocks at `now` under `policy`, in the policy's clock order.
    pub fn clocks(&self, policy: &Policy, now: Timestamp) -> Vec<Clock> {
        crate::clocks::compute(policy, &self.clock_facts(), now)
    }

    pub fn is_coordinator(&self, user: UserId) -> bool {
        self.people.is_coordinator(user)
    }

    pub fn is_collaborator(&self, user: UserId) -> bool {
        self.people.is_collaborator(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log in the persisted event format, as it was written before `Case` was split by
    /// area: events are never rewritten, so it must still load and fold.
    const OLD_LOG: &str = r#"{"at":"2026-05-28T20:26:40Z","actor":{"kind":"reporter"},"event":{"type":"submitted","case":"EMB-A100-0000-0000","project":"connect","report":{"title":"Panic","description":"Send 2 GiB","component":"go","affected_versions":null,"platform":null,"already_public":false,"public_link":null,"in_dependency":false,"dependency":null,"reporter":{"name":null,"email":null,"credit":null},"channel":"web"}}}
{"at":"2026-05-28T20:26:41Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"acknowledged"}}
{"at":"2026-05-28T20:26:42Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"claimed","coordinator":{"id":2,"name":"Sam"}}}
{"at":"2026-05-28T20:26:43Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"question_asked","question":1,"body":"Which version?"}}
{"at":"2026-05-28T20:26:44Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"final_decision_set","decision":{"outcome":"confirmed","explanation":null}}}
{"at":"2026-05-28T20:26:45Z","actor":{"kind":"user","id":2,"name":"Sam"},"event":{"type":"cve_assigned","id":"CVE-2026-1234"}}"#;

    fn old_log() -> Vec<Recorded<Event>> {
        OLD_LOG
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    #[test]
    fn an_old_log_still_loads_and_folds_into_the_areas() {
        let log = old_log();
        let case = Case::replay(&log).unwrap();
        assert_eq!(case.version, 6);
        assert_eq!(case.stage, Stage::Confirmed);
        assert_eq!(case.people.coordinator.as_ref().unwrap().name, "Sam");
        assert_eq!(case.triage.questions_asked, 1);
        assert!(
            case.triage.open_question.is_none(),
            "the decision made it moot"
        );
        assert_eq!(
            case.advisory
                .cve
                .as_ref()
                .and_then(crate::advisory::CveState::id),
            Some("CVE-2026-1234")
        );
        // Writing the events again gives the same bytes: the format did not move.
        let again: Vec<_> = log
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        assert_eq!(again.join("\n"), OLD_LOG);
    }

    #[test]
    fn a_snapshot_round_trips_and_one_of_another_shape_is_refused_not_patched() {
        let case = Case::replay(&old_log()).unwrap();
        let json = serde_json::to_value(&case).unwrap();
        assert_eq!(serde_json::from_value::<Case>(json.clone()).unwrap(), case);
        // The shape before PROJECTION_VERSION 2 kept the coordinator at the top: the
        // store must rebuild such a snapshot from the events, so reading it fails.
        let mut old = json;
        old["coordinator"] = old["people"]["coordinator"].clone();
        assert!(serde_json::from_value::<Case>(old).is_err());
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn activity_is_the_newest_event_a_person_made_and_says_whose_turn_it_is() {
        let log = old_log();
        let asked = Case::replay(&log[..4]).unwrap();
        assert_eq!(asked.waiting_on(), Some(WaitingOn::Reporter));
        assert_eq!(asked.activity.seq, 4);
        assert_eq!(asked.activity.by, Some(UserId(2)));
        assert!(
            asked.unread_for(UserId(3), 3),
            "Sam's question is news to others"
        );
        assert!(!asked.unread_for(UserId(3), 4), "seen up to it");
        assert!(
            !asked.unread_for(UserId(2), 0),
            "Sam's own event is no news to Sam"
        );
        // The decision makes the question moot: the team's turn again.
        let decided = Case::replay(&log).unwrap();
        assert_eq!(decided.waiting_on(), Some(WaitingOn::Team));
        assert_eq!(
            (decided.activity.seq, decided.activity.at),
            (6, ts("2026-05-28T20:26:45Z"))
        );
        // What Embargo records itself is not activity.
        let mut later = decided.clone();
        later.apply(&Recorded {
            at: ts("2026-05-29T00:00:00Z"),
            actor: crate::actor::ActorRef::System,
            event: Event::ClocksRecomputed { policy_version: 1 },
        });
        assert_eq!(later.activity, decided.activity);
        assert_eq!(later.version, 7);
        // The reporter's reply: the team's turn, news to every member.
        let mut replied = decided.clone();
        replied.apply(&Recorded {
            at: ts("2026-05-29T00:00:00Z"),
            actor: crate::actor::ActorRef::Reporter,
            event: Event::ReporterReplied {
                body: "More".into(),
            },
        });
        assert_eq!(replied.waiting_on(), Some(WaitingOn::Team));
        assert!(replied.unread_for(UserId(2), 6));
    }

    #[test]
    fn clock_facts_come_from_the_areas_and_the_milestones() {
        let case = Case::replay(&old_log()).unwrap();
        let f = case.clock_facts();
        assert_eq!(f.received, ts("2026-05-28T20:26:40Z"));
        assert_eq!(f.acknowledged, Some(ts("2026-05-28T20:26:41Z")));
        assert_eq!(f.claimed, Some(ts("2026-05-28T20:26:42Z")));
        // The question was made moot by the decision, which ends the wait.
        assert_eq!(
            f.needs_info,
            [crate::clocks::Pause {
                from: ts("2026-05-28T20:26:43Z"),
                until: Some(ts("2026-05-28T20:26:44Z")),
            }]
        );
        assert_eq!(f.confirmed, Some(ts("2026-05-28T20:26:44Z")));
        assert_eq!(f.ended, None);
        assert_eq!(f.first_collaborator_added, None);
    }

    #[test]
    fn c3_acknowledge_is_met_and_c6_runs_on_the_connect_preset() {
        let case = Case::replay(&old_log()).unwrap();
        let policy = Policy::connect();
        let now = ts("2026-06-10T00:00:00Z");
        let clocks = case.clocks(&policy, now);
        let named: Vec<_> = clocks.iter().map(|c| (c.name.step(), c.state)).collect();
        use crate::clocks::ClockState::{Met, Overdue, Running};
        // C10 (a day from receipt) was never met: nobody was added.
        assert_eq!(named, [("C3", Met), ("C10", Overdue), ("C6", Running)]);
        assert_eq!(clocks[0].basis, "5 working days");
        // Received Thursday 28 May: Fri 29, Mon 1, Tue 2, Wed 3, Thu 4 June, 24:00 UTC.
        assert_eq!(clocks[0].due, ts("2026-06-05T00:00:00Z"));
    }

    #[test]
    fn the_first_claim_counts_and_a_hand_over_does_not_restart_it() {
        let mut log = old_log();
        let later = ts("2026-05-29T10:00:00Z");
        log.push(Recorded {
            at: later,
            actor: log[2].actor.clone(),
            event: Event::HandedOver {
                from: None,
                to: crate::actor::UserRef {
                    id: UserId(3),
                    name: "Kim".into(),
                },
            },
        });
        log.push(Recorded {
            at: later,
            actor: log[2].actor.clone(),
            event: Event::Claimed {
                coordinator: crate::actor::UserRef {
                    id: UserId(3),
                    name: "Kim".into(),
                },
            },
        });
        let case = Case::replay(&log).unwrap();
        assert_eq!(case.clock_facts().claimed, Some(ts("2026-05-28T20:26:42Z")));
    }
}
