//! Fixes (C12, C15, V1, V3–V6): the branches a case affects and the track they call for,
//! a fix per branch with its reviews and state, the backport checklist the track
//! implies, and a mitigation for when there is no fix (V8).
//!
//! The track and the checklist are recorded with the affected branches
//! (`affected_set`), from the project's branch list at that moment, so the fold needs
//! no project: the checklist is complete when every branch on it has a merged (or
//! released) fix or a recorded reason why not, and that moment stops the V6 fix-ready
//! clock.

use crate::actor::UserRef;
use crate::event::Event;
use crate::ids::{AttachmentId, FixId};
use crate::track::{AffectedBranch, TrackKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixesState {
    /// The branches the team says the case affects, in the project's spelling.
    pub affected: Vec<AffectedBranch>,
    /// `None` until affected branches are recorded.
    pub track: Option<TrackKind>,
    /// The backport checklist: the branches that need a fix on this track.
    pub checklist: Vec<AffectedBranch>,
    pub fixes: Vec<Fix>,
    /// Branches of the checklist that get no fix, with the reason.
    pub waived: Vec<Waiver>,
    /// What users can do without a fix (V8); on `unsupported-only`, the upgrade notice.
    pub mitigation: Option<Mitigation>,
    /// When the checklist became complete (the V6 fix-ready clock's stop).
    pub ready_at: Option<Timestamp>,
}

/// One fix on one branch (C12).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub id: FixId,
    pub branch: AffectedBranch,
    /// Where the fix is in the private fork: a branch, pull request or patch URL.
    pub reference: String,
    pub commit: Option<String>,
    pub author: UserRef,
    pub state: FixState,
    /// Approvals by reviewers other than the author, in order.
    pub approvals: Vec<Approval>,
    /// A patch file attached to the fix (an internal attachment of the case).
    pub patch: Option<AttachmentId>,
    pub recorded_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub by: UserRef,
    pub at: Timestamp,
}

/// `in-review` → `approved` (the policy's required approvals) → `merged` → `released`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixState {
    InReview,
    Approved,
    Merged,
    Released { version: String },
}

impl FixState {
    pub fn as_str(&self) -> &'static str {
        match self {
            FixState::InReview => "in-review",
            FixState::Approved => "approved",
            FixState::Merged => "merged",
            FixState::Released { .. } => "released",
        }
    }

    /// Merged into its branch (and perhaps released): it counts for the checklist.
    pub fn is_merged(&self) -> bool {
        match self {
            FixState::Merged | FixState::Released { .. } => true,
            FixState::InReview | FixState::Approved => false,
        }
    }
}

impl fmt::Display for FixState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixState::Released { version } => write!(f, "released in {version}"),
            FixState::InReview | FixState::Approved | FixState::Merged => {
                f.write_str(self.as_str())
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub branch: AffectedBranch,
    pub reason: String,
    pub by: UserRef,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    pub text: String,
    pub at: Timestamp,
}

/// One line of the backport checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistItem<'a> {
    pub branch: &'a AffectedBranch,
    pub status: ItemStatus<'a>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemStatus<'a> {
    /// No merged fix yet (perhaps one in review).
    Open,
    Merged(&'a Fix),
    Waived(&'a Waiver),
}

impl ItemStatus<'_> {
    pub fn done(&self) -> bool {
        match self {
            ItemStatus::Open => false,
            ItemStatus::Merged(_) | ItemStatus::Waived(_) => true,
        }
    }
}

impl FixesState {
    pub fn fix(&self, id: FixId) -> Option<&Fix> {
        self.fixes.iter().find(|f| f.id == id)
    }

    fn fix_mut(&mut self, id: FixId) -> Option<&mut Fix> {
        self.fixes.iter_mut().find(|f| f.id == id)
    }

    pub fn next_id(&self) -> FixId {
        FixId(self.fixes.len() as u32 + 1)
    }

    /// The backport checklist (C15, V1), in the order the track listed it.
    pub fn checklist(&self) -> Vec<ChecklistItem<'_>> {
        self.checklist
            .iter()
            .map(|branch| {
                let merged = self
                    .fixes
                    .iter()
                    .find(|f| &f.branch == branch && f.state.is_merged());
                let waived = self.waived.iter().rev().find(|w| &w.branch == branch);
                let status = match (merged, waived) {
                    (Some(f), _) => ItemStatus::Merged(f),
                    (None, Some(w)) => ItemStatus::Waived(w),
                    (None, None) => ItemStatus::Open,
                };
                ChecklistItem { branch, status }
            })
            .collect()
    }

    /// The track is known and every branch it needs is done.
    pub fn complete(&self) -> bool {
        self.track.is_some() && self.checklist().iter().all(|i| i.status.done())
    }

    /// A fix merged into some branch (V8: the communication plan may start).
    pub fn any_merged(&self) -> bool {
        self.fixes.iter().any(|f| f.state.is_merged())
    }

    /// Folds the fixes' events; `Case::apply` sends only those here.
    pub(super) fn apply(&mut self, event: &Event, by: Option<&UserRef>, at: Timestamp) {
        match event {
            Event::AffectedSet {
                branches,
                track,
                checklist,
            } => {
                self.affected = branches.clone();
                self.track = *track;
                self.checklist = checklist.clone();
            }
            Event::FixRecorded {
                fix,
                branch,
                reference,
                commit,
                author,
            } => self.fixes.push(Fix {
                id: *fix,
                branch: branch.clone(),
                reference: reference.clone(),
                commit: commit.clone(),
                author: author.clone(),
                state: FixState::InReview,
                approvals: Vec::new(),
                patch: None,
                recorded_at: at,
            }),
            Event::FixApproved { fix } => {
                if let (Some(f), Some(by)) = (self.fix_mut(*fix), by) {
                    f.approvals.push(Approval { by: by.clone(), at });
                }
            }
            Event::FixStateChanged { fix, state } => {
                if let Some(f) = self.fix_mut(*fix) {
                    f.state = state.clone();
                }
            }
            Event::FixPatchAttached { fix, attachment } => {
                if let Some(f) = self.fix_mut(*fix) {
                    f.patch = Some(attachment.clone());
                }
            }
            Event::BackportWaived { branch, reason } => {
                if let Some(by) = by {
                    self.waived.push(Waiver {
                        branch: branch.clone(),
                        reason: reason.clone(),
                        by: by.clone(),
                        at,
                    });
                }
            }
            Event::MitigationRecorded { text } => {
                self.mitigation = Some(Mitigation {
                    text: text.clone(),
                    at,
                })
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
            | Event::CvssSet { .. }
            | Event::CvssNotApplicable { .. }
            | Event::AdvisoryUpdated { .. }
            | Event::CveRequested
            | Event::CveAssigned { .. }
            | Event::ReleasePlanProposed { .. }
            | Event::ReleaseDateCounterProposed { .. }
            | Event::ReleaseDateAgreed { .. }
            | Event::ReleaseDateOverridden { .. }
            | Event::ReleaseNotesFinalized { .. }
            | Event::DisclosureScheduled { .. }
            | Event::DisclosureUnscheduled
            | Event::ScheduledDisclosureRefused { .. }
            | Event::PostMortemPublished { .. }
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
            | Event::EffectFailed(_) => {}
        }
        // The fix-ready moment is the first time the checklist is complete; new
        // affected branches that reopen it start it over.
        match (self.complete(), self.ready_at) {
            (true, None) => self.ready_at = Some(at),
            (false, Some(_)) => self.ready_at = None,
            (true, Some(_)) | (false, None) => {}
        }
    }
}
