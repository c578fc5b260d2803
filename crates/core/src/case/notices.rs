//! The case's notices (V3, V4, V9, V10, V11, C18): the coordinator's reviewed drafts,
//! the notices queued for the project's channels (now, at a time, or at disclosure),
//! what each channel answered, and the audited pre-notification list.

use crate::actor::ActorRef;
use crate::event::Event;
use crate::policy::Notice;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticesState {
    /// The coordinator's reviewed text per notice (Markdown, title first); the latest
    /// one of each kind is what is sent.
    pub drafts: Vec<NoticeDraft>,
    pub queued: Vec<QueuedNotice>,
    pub delivered: Vec<Delivery>,
    /// Third parties told before disclosure (V11), only when the policy allows it.
    pub recipients: Vec<PreRecipient>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDraft {
    pub notice: Notice,
    pub markdown: String,
    pub at: Timestamp,
    pub by: ActorRef,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedNotice {
    pub notice: Notice,
    /// When it goes out.
    pub due: Timestamp,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub notice: Notice,
    /// The channel's name, or a pre-notified person's address.
    pub to: String,
    /// HTTP status and message id, or the SMTP message id.
    pub answer: String,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreRecipient {
    pub address: String,
    pub name: Option<String>,
    pub added_by: ActorRef,
    pub at: Timestamp,
}

impl NoticesState {
    /// The coordinator's latest draft of `notice`.
    pub fn draft(&self, notice: Notice) -> Option<&NoticeDraft> {
        self.drafts.iter().rev().find(|d| d.notice == notice)
    }

    pub fn was_queued(&self, notice: Notice) -> bool {
        self.queued.iter().any(|q| q.notice == notice)
    }

    pub fn recipient(&self, address: &str) -> Option<&PreRecipient> {
        self.recipients
            .iter()
            .find(|r| r.address.eq_ignore_ascii_case(address.trim()))
    }

    pub(super) fn apply(&mut self, event: &Event, at: Timestamp, actor: &ActorRef) {
        match event {
            Event::NoticeDrafted { notice, markdown } => {
                self.drafts.retain(|d| d.notice != *notice);
                self.drafts.push(NoticeDraft {
                    notice: *notice,
                    markdown: markdown.clone(),
                    at,
                    by: actor.clone(),
                });
            }
            Event::NoticeQueued { notice, due } => self.queued.push(QueuedNotice {
                notice: *notice,
                due: *due,
                at,
            }),
            Event::NoticeDelivered { notice, to, answer } => self.delivered.push(Delivery {
                notice: *notice,
                to: to.clone(),
                answer: answer.clone(),
                at,
            }),
            Event::PreNotifiedAdded { address, name } => self.recipients.push(PreRecipient {
                address: address.clone(),
                name: name.clone(),
                added_by: actor.clone(),
                at,
            }),
            Event::PreNotifiedRemoved { address } => self
                .recipients
                .retain(|r| !r.address.eq_ignore_ascii_case(address)),
            Event::Submitted { .. }
            | Event::GuestInvited { .. }
            | Event::GuestRemoved { .. }
            | Event::GuestCommented { .. }
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
            | Event::AdvisoryUpdated { .. }
            | Event::AdvisoryWithdrawn { .. }
            | Event::CreditChosen { .. }
            | Event::CveRequested
            | Event::CveAssigned { .. }
            | Event::Disclosed
            | Event::AdvisoryImported { .. }
            | Event::CveReserved { .. }
            | Event::CvePublished { .. }
            | Event::CveRequestFailed { .. }
            | Event::CveRequestRejected { .. }
            | Event::CveIdRejected { .. }
            | Event::EffectFailed(_)
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
            | Event::PostMortemPublished { .. }
            | Event::ClockReminder { .. }
            | Event::ClockOverdue { .. }
            | Event::ClockMoved { .. }
            | Event::SlowedDown { .. }
            | Event::UpstreamDateSet { .. }
            | Event::ClocksRecomputed { .. }
            | Event::ReporterAddressFailed { .. }
            | Event::TrackingLinkRenewed => {}
        }
    }
}
