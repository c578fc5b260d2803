//! The case's release (C6, C17, C19, V8, V9): the plan and whether its date is agreed,
//! the release notes' state, a scheduled disclosure and the published post-mortem.

use super::Stage;
use crate::event::Event;
use crate::release::{PostMortemText, ReleasePlan};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseState {
    /// The plan as the coordinator last proposed it (with an agreed counter-date in `at`).
    pub plan: Option<ReleasePlan>,
    /// When the plan's current date was proposed: the reporter's silence counts from here.
    pub proposed_at: Option<Timestamp>,
    /// A date the reporter proposed instead, waiting for the coordinator.
    pub counter: Option<DateProposal>,
    /// Whether the plan's date stands.
    pub agreement: Option<Agreement>,
    /// The stage the case had before its release was planned, to return to when the
    /// date is reopened.
    pub stage_before: Option<Stage>,
    /// The final release notes (Markdown), until the plan changes.
    pub notes: Option<FinalNotes>,
    /// When disclosure is scheduled (the release time when it was scheduled).
    pub scheduled: Option<Timestamp>,
    pub post_mortem: Option<PublishedPostMortem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateProposal {
    pub at: Timestamp,
    pub reason: String,
    pub proposed_at: Timestamp,
}

/// How the release date came to stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Agreement {
    /// The reporter accepted the team's date, or the coordinator the reporter's.
    Agreed { at: Timestamp },
    /// Set by the coordinator after the reporter's silence, with the reason.
    Overridden { at: Timestamp, reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalNotes {
    pub markdown: String,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPostMortem {
    pub text: PostMortemText,
    pub at: Timestamp,
}

/// Why disclosure may not happen yet, as far as the release is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseBlocker {
    /// The release notes are not final (C17).
    NotesNotFinal,
    /// No release date is agreed with the reporter, nor set after their silence (C6).
    DateNotAgreed,
}

impl ReleaseBlocker {
    pub fn code(self) -> &'static str {
        match self {
            ReleaseBlocker::NotesNotFinal => "release_notes_not_final",
            ReleaseBlocker::DateNotAgreed => "release_date_not_agreed",
        }
    }

    /// What to do about it, in words.
    pub fn message(self) -> &'static str {
        match self {
            ReleaseBlocker::NotesNotFinal => "the release notes are not final: finalize them",
            ReleaseBlocker::DateNotAgreed => {
                "the release date is not agreed with the reporter (nor set after their silence)"
            }
        }
    }
}

impl ReleaseState {
    /// While the proposed date waits for the reporter (a plan, no agreement, no other date
    /// of theirs): the moment the coordinator may set it after their silence, the policy's
    /// `reporter_silence` after the proposal (C6). `received` stands in for a plan
    /// recorded before `proposed_at` was.
    pub fn silent_until(
        &self,
        policy: &crate::policy::Policy,
        received: Timestamp,
    ) -> Option<Timestamp> {
        if self.plan.is_none() || self.agreement.is_some() || self.counter.is_some() {
            return None;
        }
        let since = self.proposed_at.unwrap_or(received);
        Some(policy.calendar().due(since, policy.reporter_silence))
    }

    /// The release's part of the disclosure gate. An imported advisory was released
    /// elsewhere and is not gated here.
    pub fn blockers(&self) -> Vec<ReleaseBlocker> {
        let mut b = Vec::new();
        if self.notes.is_none() {
            b.push(ReleaseBlocker::NotesNotFinal);
        }
        if self.agreement.is_none() {
            b.push(ReleaseBlocker::DateNotAgreed);
        }
        b
    }

    /// Folds the release's events; returns the stage the case moves to, if it moves.
    pub(super) fn apply(&mut self, stage: Stage, event: &Event, at: Timestamp) -> Option<Stage> {
        match event {
            Event::ReleasePlanProposed { plan, .. } => {
                let same_date = self.plan.as_ref().map(|p| p.at) == Some(plan.at);
                self.plan = Some(plan.clone());
                self.notes = None;
                self.counter = None;
                if same_date {
                    return None;
                }
                self.proposed_at = Some(at);
                self.scheduled = None;
                self.reopen(stage)
            }
            Event::ReleaseDateCounterProposed { at: date, reason } => {
                self.counter = Some(DateProposal {
                    at: *date,
                    reason: reason.clone(),
                    proposed_at: at,
                });
                None
            }
            Event::ReleaseDateAgreed { at: date } => {
                if let Some(plan) = &mut self.plan
                    && plan.at != *date
                {
                    plan.at = *date;
                    self.notes = None;
                    self.scheduled = None;
                }
                self.counter = None;
                self.agreement = Some(Agreement::Agreed { at });
                self.planned(stage)
            }
            Event::ReleaseDateOverridden { reason } => {
                self.counter = None;
                self.agreement = Some(Agreement::Overridden {
                    at,
                    reason: reason.clone(),
                });
                self.planned(stage)
            }
            Event::ReleaseNotesFinalized { markdown } => {
                self.notes = Some(FinalNotes {
                    markdown: markdown.clone(),
                    at,
                });
                None
            }
            Event::DisclosureScheduled { at: when } => {
                self.scheduled = Some(*when);
                None
            }
            Event::DisclosureUnscheduled | Event::ScheduledDisclosureRefused { .. } => {
                self.scheduled = None;
                None
            }
            Event::PostMortemPublished { post_mortem } => {
                self.post_mortem = Some(PublishedPostMortem {
                    text: post_mortem.clone(),
                    at,
                });
                Some(Stage::Closed)
            }
            Event::Submitted { .. }
            | Event::Acknowledged
            | Event::Claimed { .. }
            | Event::HandedOver { .. }
            | Event::CollaboratorAdded { .. }
            | Event::CollaboratorRemoved { .. }
            | Event::MessagedReporter { .. }
            | Event::ReporterReplied { .. }
            | Event::NoteAdded { .. }
            | Event::QuestionAsked { .. }
            | Event::QuestionAnswered { .. }
            | Event::PreliminaryDecisionSet { .. }
            | Event::FinalDecisionSet { .. }
            | Event::MarkedPublic { .. }
            | Event::AttachmentAdded { .. }
            | Event::CvssProposed { .. }
            | Event::CvssSuggested { .. }
            | Event::AdvisoryUpdated { .. }
            | Event::CveRequested
            | Event::CveAssigned { .. }
            | Event::CvssNotApplicable { .. }
            | Event::AffectedSet { .. }
            | Event::FixRecorded { .. }
            | Event::FixApproved { .. }
            | Event::FixStateChanged { .. }
            | Event::FixPatchAttached { .. }
            | Event::BackportWaived { .. }
            | Event::MitigationRecorded { .. }
            | Event::ClockReminder { .. }
            | Event::ClockOverdue { .. }
            | Event::ClockMoved { .. }
            | Event::SlowedDown { .. }
            | Event::UpstreamDateSet { .. }
            | Event::NoticeDrafted { .. }
            | Event::NoticeQueued { .. }
            | Event::NoticeDelivered { .. }
            | Event::PreNotifiedAdded { .. }
            | Event::PreNotifiedRemoved { .. }
            | Event::GuestInvited { .. }
            | Event::GuestRemoved { .. }
            | Event::GuestCommented { .. }
            | Event::ClocksRecomputed { .. }
            | Event::ReporterAddressFailed { .. }
            | Event::TrackingLinkRenewed
            | Event::AdvisoryWithdrawn { .. }
            | Event::CreditChosen { .. }
            | Event::Disclosed
            | Event::AdvisoryImported { .. }
            | Event::CveReserved { .. }
            | Event::CvePublished { .. }
            | Event::CveRequestFailed { .. }
            | Event::CveRequestRejected { .. }
            | Event::CveIdRejected { .. }
            | Event::CvssSet { .. }
            | Event::EffectFailed(_) => None,
        }
    }

    fn planned(&mut self, stage: Stage) -> Option<Stage> {
        match stage {
            Stage::Confirmed | Stage::Fixing => {
                self.stage_before = Some(stage);
                Some(Stage::ReleasePlanned)
            }
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::ReleasePlanned
            | Stage::Disclosed
            | Stage::Closed
            | Stage::Rejected => None,
        }
    }

    /// A new date is not agreed: the case leaves `release-planned`.
    fn reopen(&mut self, stage: Stage) -> Option<Stage> {
        self.agreement = None;
        match stage {
            Stage::ReleasePlanned => Some(self.stage_before.take().unwrap_or(Stage::Confirmed)),
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::Disclosed
            | Stage::Closed
            | Stage::Rejected => None,
        }
    }
}
