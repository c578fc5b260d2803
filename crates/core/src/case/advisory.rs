//! The advisory being prepared (C14, C17) and its CVE ID.

use crate::advisory::{AdvisoryDetails, Credit, CreditKind, CveState};
use crate::effect::EffectKind;
use crate::event::{CreditChoice, Event};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryState {
    /// What the advisory will say.
    pub details: AdvisoryDetails,
    pub cve: Option<CveState>,
    /// For imported advisories: the original OSV record (JSON text).
    pub imported_osv: Option<String>,
    /// The published advisory's changes, oldest first: each change after disclosure
    /// and the withdrawal. The documents number them after the initial release.
    pub revisions: Vec<AdvisoryRevision>,
    /// Set when the coordinator withdrew the published advisory.
    pub withdrawn: Option<Withdrawn>,
    /// The reporter's answer to the draft credit line, if they gave one.
    pub reporter_credit: Option<CreditChoice>,
}

/// One change to the published advisory, and what changed in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryRevision {
    pub at: Timestamp,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawn {
    pub at: Timestamp,
    pub reason: String,
}

impl super::Case {
    /// The line that credits the reporter in the draft advisory: its first `reporter`
    /// credit, else the credit the reporter asked for on the report form. `None`:
    /// nothing credits them.
    pub fn draft_reporter_credit(&self) -> Option<Credit> {
        let credits = &self.advisory.details.credits;
        credits
            .iter()
            .find(|c| c.kind == CreditKind::Reporter)
            .cloned()
            .or_else(|| {
                self.report.reporter.credit.as_ref().map(|name| Credit {
                    name: name.clone(),
                    contact: None,
                    kind: CreditKind::Reporter,
                })
            })
    }

    /// The credits the advisory publishes: the team's, with the reporter's line as
    /// the reporter chose it (renamed, or left out when they declined). Credits the
    /// reporter did not answer are published as drafted: they saw the draft.
    pub fn published_credits(&self) -> Vec<Credit> {
        let mut credits = self.advisory.details.credits.clone();
        let at = credits.iter().position(|c| c.kind == CreditKind::Reporter);
        let at = match (at, self.draft_reporter_credit()) {
            (Some(i), _) => i,
            (None, Some(requested)) => {
                credits.push(requested);
                credits.len() - 1
            }
            (None, None) => return credits,
        };
        match &self.advisory.reporter_credit {
            None | Some(CreditChoice::Accepted) => {}
            Some(CreditChoice::Renamed { name }) => credits[at].name = name.clone(),
            Some(CreditChoice::Declined) => {
                credits.remove(at);
            }
        }
        credits
    }
}

/// What changed between two versions of the published advisory, in words: "Updated
/// the affected versions and the references."
pub fn revision_summary(before: &AdvisoryDetails, after: &AdvisoryDetails) -> String {
    let parts: Vec<&str> = [
        (before.affected != after.affected, "the affected versions"),
        (before.references != after.references, "the references"),
        (before.summary != after.summary, "the title"),
        (before.details != after.details, "the description"),
        (before.cwes != after.cwes, "the weaknesses"),
        (before.credits != after.credits, "the credits"),
        (before.mitigation != after.mitigation, "the mitigation"),
    ]
    .into_iter()
    .filter_map(|(changed, what)| changed.then_some(what))
    .collect();
    match parts.as_slice() {
        [] => "Updated the advisory.".into(),
        [one] => format!("Updated {one}."),
        [init @ .., last] => format!("Updated {} and {last}.", init.join(", ")),
    }
}

impl AdvisoryState {
    /// Folds the advisory's events; `Case::apply` sends only those here. `public`:
    /// the case was disclosed before this event, so a change is a new revision.
    pub(super) fn apply(&mut self, event: &Event, at: Timestamp, public: bool) {
        match event {
            Event::AdvisoryUpdated { details } => {
                if public {
                    self.revisions.push(AdvisoryRevision {
                        at,
                        summary: revision_summary(&self.details, details),
                    });
                }
                self.details = details.clone()
            }
            Event::CreditChosen { choice } => self.reporter_credit = Some(choice.clone()),
            Event::AdvisoryWithdrawn { reason } => {
                self.revisions.push(AdvisoryRevision {
                    at,
                    summary: format!("Withdrawn: {reason}"),
                });
                self.withdrawn = Some(Withdrawn {
                    at,
                    reason: reason.clone(),
                });
            }
            Event::AdvisoryImported { osv } => self.imported_osv = Some(osv.clone()),
            Event::CveRequested => self.cve = Some(CveState::Requested),
            Event::CveAssigned { id } => self.cve = Some(CveState::Assigned { id: id.clone() }),
            Event::CveReserved { id } => self.cve = Some(CveState::Reserved { id: id.clone() }),
            Event::CvePublished { id } => self.cve = Some(CveState::Published { id: id.clone() }),
            // A failed reservation leaves the case without an ID (it may ask again); a
            // failed publication keeps the reserved ID, and the message is on the timeline.
            Event::CveRequestFailed { message } => {
                if self.cve == Some(CveState::Requested) {
                    self.cve = Some(CveState::Failed {
                        message: message.clone(),
                    })
                }
            }
            // A reservation that gave up is a failed request: the coordinator may ask again.
            Event::EffectFailed(f) => {
                if f.effect == EffectKind::ReserveCve
                    && f.gave_up()
                    && self.cve == Some(CveState::Requested)
                {
                    self.cve = Some(CveState::Failed {
                        message: f.reason.clone(),
                    })
                }
            }
            Event::CveRequestRejected { message } => {
                if self.cve == Some(CveState::Requested) {
                    self.cve = Some(CveState::Rejected {
                        message: message.clone(),
                    })
                }
            }
            Event::CveIdRejected { id } => {
                if matches!(&self.cve, Some(CveState::Reserved { id: held }) if held == id) {
                    self.cve = Some(CveState::Rejected {
                        message: format!(
                            "CVE Services lists {id} as REJECTED, so it can no longer be used; request a new ID"
                        ),
                    })
                }
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
            | Event::Disclosed
            | Event::ReporterAddressFailed { .. }
            | Event::TrackingLinkRenewed
            | Event::CvssNotApplicable { .. }
            | Event::AffectedSet { .. }
            | Event::FixRecorded { .. }
            | Event::FixApproved { .. }
            | Event::FixStateChanged { .. }
            | Event::FixPatchAttached { .. }
            | Event::BackportWaived { .. }
            | Event::MitigationRecorded { .. }
            | Event::ReleasePlanProposed { .. }
            | Event::ReleaseDateCounterProposed { .. }
            | Event::ReleaseDateAgreed { .. }
            | Event::ReleaseDateOverridden { .. }
            | Event::ReleaseNotesFinalized { .. }
            | Event::DisclosureScheduled { .. }
            | Event::DisclosureUnscheduled
            | Event::ScheduledDisclosureRefused { .. }
            | Event::PostMortemPublished { .. } => {}
            Event::ClockReminder { .. }
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
            | Event::ClocksRecomputed { .. } => {}
        }
    }
}
