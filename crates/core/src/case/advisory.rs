//! The advisory being prepared (C14, C17) and its CVE ID.

use crate::advisory::{AdvisoryDetails, CveState};
use crate::effect::EffectKind;
use crate::event::Event;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryState {
    /// What the advisory will say.
    pub details: AdvisoryDetails,
    pub cve: Option<CveState>,
    /// For imported advisories: the original OSV record (JSON text).
    pub imported_osv: Option<String>,
}

impl AdvisoryState {
    /// Folds the advisory's events; `Case::apply` sends only those here.
    pub(super) fn apply(&mut self, event: &Event) {
        match event {
            Event::AdvisoryUpdated { details } => self.details = details.clone(),
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
            | Event::ClocksRecomputed { .. } => {}
        }
    }
}
