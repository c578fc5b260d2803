//! What happened to a case: immutable facts, past tense. A case is the fold of its
//! events ([`crate::case::Case::apply`]).
//!
//! These types are `Serialize` because they *are* the persisted event format (the
//! store writes them as JSON, hash-chained). The API never serializes them: it has its
//! own wire types in `embargo-server`.

use crate::actor::{ActorRef, UserRef};
use crate::advisory::AdvisoryDetails;
use crate::case::FixState;
use crate::clocks::{ClockName, LowSeverityBasis, SlowChange};
use crate::effect::{EffectFailure, EffectKind};
use crate::ids::{AttachmentId, CaseId, FixId, GuestId, ProjectSlug, QuestionId};
use crate::policy::{Audience, Notice};
use crate::release::{PostMortemText, ReleasePlan};
use crate::report::Report;
use crate::scoring::{CaseVersion, FinalScore};
use crate::track::{AffectedBranch, TrackKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// An event with when and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded<E> {
    pub at: Timestamp,
    pub actor: ActorRef,
    pub event: E,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Submitted {
        case: CaseId,
        project: ProjectSlug,
        report: Report,
        /// The project's version when the report was decided: its policy planned the
        /// case's clocks, so a policy set at that version or before needs no
        /// recomputing on this case. Absent on reports stored before it was kept.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project_version: Option<u64>,
    },
    Acknowledged,
    Claimed {
        coordinator: UserRef,
    },
    HandedOver {
        from: Option<UserRef>,
        to: UserRef,
    },
    CollaboratorAdded {
        collaborator: UserRef,
    },
    CollaboratorRemoved {
        collaborator: UserRef,
    },
    /// The team wrote to the reporter.
    MessagedReporter {
        body: String,
    },
    /// The reporter wrote to the team.
    ReporterReplied {
        body: String,
    },
    /// An internal note: the team only.
    NoteAdded {
        body: String,
    },
    QuestionAsked {
        question: QuestionId,
        body: String,
    },
    QuestionAnswered {
        question: QuestionId,
        body: String,
    },
    PreliminaryDecisionSet {
        assessment: Assessment,
        note: Option<String>,
    },
    FinalDecisionSet {
        decision: FinalDecision,
    },
    MarkedPublic {
        link: Option<String>,
        note: Option<String>,
    },
    AttachmentAdded {
        attachment: Attachment,
    },
    /// Someone on the team proposed a vector (C13).
    CvssProposed {
        version: CaseVersion,
        vector: String,
    },
    /// The reporter suggested a vector.
    CvssSuggested {
        version: CaseVersion,
        vector: String,
    },
    /// The advisory's details changed (internal until disclosure).
    AdvisoryUpdated {
        details: AdvisoryDetails,
    },
    /// A CVE ID was requested from CVE Services.
    CveRequested,
    /// A CVE ID assigned elsewhere was entered.
    CveAssigned {
        id: String,
    },
    /// The case became public (C18).
    Disclosed,
    /// An advisory published before Embargo, as its OSV record (JSON text), kept
    /// verbatim so that its documents stay what they were (V10).
    AdvisoryImported {
        osv: String,
    },
    /// CVE Services reserved an ID for the case.
    CveReserved {
        id: String,
    },
    /// CVE Services published the case's record.
    CvePublished {
        id: String,
    },
    /// The worker could not carry out the request (and says why). No longer recorded
    /// ([`Event::EffectFailed`] took its place); read so that older logs still fold.
    CveRequestFailed {
        message: String,
    },
    /// CVE Services refused the request, with its message.
    CveRequestRejected {
        message: String,
    },
    /// The CVE Program rejected the reserved ID (CVE Services lists it REJECTED): it
    /// can no longer be used, and a new one may be requested.
    CveIdRejected {
        id: String,
    },
    /// The coordinator's final call; a later one replaces it.
    CvssSet {
        score: FinalScore,
    },
    /// Work the case's events asked for failed: when it will be tried again, or that
    /// it gave up.
    EffectFailed(EffectFailure),
    /// The coordinator recorded that CVSS does not apply to this case, and why (C13).
    CvssNotApplicable {
        reason: String,
    },
    /// The branches the case affects, the track they call for and the backport
    /// checklist it implies (V3, V4, V5, C15), from the project's branch list.
    AffectedSet {
        branches: Vec<AffectedBranch>,
        track: Option<TrackKind>,
        checklist: Vec<AffectedBranch>,
    },
    /// A fix for one branch, in the private fork (C12).
    FixRecorded {
        fix: FixId,
        branch: AffectedBranch,
        reference: String,
        commit: Option<String>,
        author: UserRef,
    },
    /// The actor, a reviewer other than the author, approved the fix (V6).
    FixApproved {
        fix: FixId,
    },
    /// The fix moved on: approved (enough approvals), merged, released in a version.
    FixStateChanged {
        fix: FixId,
        state: FixState,
    },
    /// A patch file (an internal attachment) belongs to the fix.
    FixPatchAttached {
        fix: FixId,
        attachment: AttachmentId,
    },
    /// A branch on the checklist gets no fix, for this reason (C15, V1).
    BackportWaived {
        branch: AffectedBranch,
        reason: String,
    },
    /// What users can do before (or instead of) a fix (V8; the upgrade notice on V4).
    MitigationRecorded {
        text: String,
    },
    /// The coordinator proposed the release plan, or changed it; a change of date says
    /// why (C6, V9).
    ReleasePlanProposed {
        plan: ReleasePlan,
        reason: Option<String>,
    },
    /// The reporter proposed another release date, with their reason (C6).
    ReleaseDateCounterProposed {
        at: Timestamp,
        reason: String,
    },
    /// The release date stands: the reporter accepted the team's, or the coordinator
    /// the reporter's (`at` is the date agreed).
    ReleaseDateAgreed {
        at: Timestamp,
    },
    /// The coordinator set the date after the reporter's silence, with the reason.
    ReleaseDateOverridden {
        reason: String,
    },
    /// The release notes are complete (C17); their Markdown as finalized.
    ReleaseNotesFinalized {
        markdown: String,
    },
    /// Disclosure is scheduled for the release time (C6, C18).
    DisclosureScheduled {
        at: Timestamp,
    },
    DisclosureUnscheduled,
    /// The scheduled disclosure came and the gate refused it: why, and nothing went
    /// public.
    ScheduledDisclosureRefused {
        blockers: Vec<String>,
    },
    /// The blameless post-mortem is public; the case is closed (C19).
    PostMortemPublished {
        post_mortem: PostMortemText,
    },
    /// A clock falls due soon: the people the policy names were reminded (C3). `key`
    /// (`clocks::Reminder::key`) makes it once per clock, rule and due time.
    ClockReminder {
        clock: ClockName,
        due: Timestamp,
        key: String,
        to: Vec<Audience>,
    },
    /// A clock fell overdue and was escalated to the people the policy names.
    ClockOverdue {
        clock: ClockName,
        due: Timestamp,
        key: String,
        to: Vec<Audience>,
    },
    /// The coordinator moved a clock's due time, with a reason (V2: clocks are
    /// suggestions). `shared`: the clock is one the reporter sees, so they see this.
    ClockMoved {
        clock: ClockName,
        due: Timestamp,
        reason: String,
        shared: bool,
    },
    /// The coordinator slowed a low-severity case down (C16, V7) after the discussion
    /// recorded as the internal note at place `note` of the case's stream.
    SlowedDown {
        clocks: Vec<ClockName>,
        change: SlowChange,
        basis: LowSeverityBasis,
        note: u64,
    },
    /// The case follows another project's disclosure date (V2), from `source`.
    UpstreamDateSet {
        date: Timestamp,
        source: String,
    },
    /// The project's policy (its clocks, holidays or reminders) changed at project
    /// version `policy_version`: the case's clocks are computed under the new one.
    ClocksRecomputed {
        policy_version: u64,
    },
    /// The coordinator withdrew the published advisory, saying why. It stays
    /// published, marked withdrawn in every document (issue 14).
    AdvisoryWithdrawn {
        reason: String,
    },
    /// The reporter answered the advisory's draft credit line before disclosure:
    /// accepted it, gave the name to credit, or declined credit (issue 14).
    CreditChosen {
        choice: CreditChoice,
    },
    /// Mail to the reporter's address bounced (a delivery status report came back):
    /// the address is failing. `status` is the DSN code (`5.1.1`), `diagnostic` the
    /// receiving server's words.
    ReporterAddressFailed {
        address: String,
        status: Option<String>,
        diagnostic: Option<String>,
    },
    /// Someone asked for the reporter's links again ("Lost your tracking link?"): the
    /// old tracking link stopped working and a new one was mailed to the reporter's
    /// address.
    TrackingLinkRenewed,
    /// The coordinator reviewed a notice's text (Markdown, title first): it is what
    /// the notice sends (V9, V10, V3, V4).
    NoticeDrafted {
        notice: Notice,
        markdown: String,
    },
    /// A notice goes to the project's channels at `due`: sent or scheduled by the
    /// coordinator, or queued at disclosure (C18).
    NoticeQueued {
        notice: Notice,
        due: Timestamp,
    },
    /// A channel (or a pre-notified person) took a notice: the worker's report, with
    /// the answer (HTTP status and message id, or the SMTP message id).
    NoticeDelivered {
        notice: Notice,
        to: String,
        answer: String,
    },
    /// A third party to be told before disclosure (V11), where the policy allows it.
    PreNotifiedAdded {
        address: String,
        name: Option<String>,
    },
    PreNotifiedRemoved {
        address: String,
    },
    /// A person from another project may see the shared parts of this case, because
    /// their project must help ship the fix (C5).
    GuestInvited {
        guest: crate::case::Guest,
    },
    /// A guest's access ended, with why.
    GuestRemoved {
        guest: GuestId,
        email: String,
        reason: String,
    },
    /// A guest wrote to the team (recorded by the system for the guest's capability).
    GuestCommented {
        guest: GuestId,
        email: String,
        body: String,
    },
}

impl Event {
    /// A stable name per variant, for the store's `kind` column and the API.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Submitted { .. } => "submitted",
            Event::Acknowledged => "acknowledged",
            Event::Claimed { .. } => "claimed",
            Event::HandedOver { .. } => "handed_over",
            Event::CollaboratorAdded { .. } => "collaborator_added",
            Event::CollaboratorRemoved { .. } => "collaborator_removed",
            Event::MessagedReporter { .. } => "messaged_reporter",
            Event::ReporterReplied { .. } => "reporter_replied",
            Event::NoteAdded { .. } => "note_added",
            Event::QuestionAsked { .. } => "question_asked",
            Event::QuestionAnswered { .. } => "question_answered",
            Event::PreliminaryDecisionSet { .. } => "preliminary_decision_set",
            Event::FinalDecisionSet { .. } => "final_decision_set",
            Event::MarkedPublic { .. } => "marked_public",
            Event::AttachmentAdded { .. } => "attachment_added",
            Event::CvssProposed { .. } => "cvss_proposed",
            Event::CvssSuggested { .. } => "cvss_suggested",
            Event::CvssSet { .. } => "cvss_set",
            Event::AdvisoryUpdated { .. } => "advisory_updated",
            Event::CveRequested => "cve_requested",
            Event::CveAssigned { .. } => "cve_assigned",
            Event::Disclosed => "disclosed",
            Event::AdvisoryImported { .. } => "advisory_imported",
            Event::CveReserved { .. } => "cve_reserved",
            Event::CvePublished { .. } => "cve_published",
            Event::CveRequestFailed { .. } => "cve_request_failed",
            Event::CveRequestRejected { .. } => "cve_request_rejected",
            Event::CveIdRejected { .. } => "cve_id_rejected",
            Event::EffectFailed(_) => "effect_failed",
            Event::CvssNotApplicable { .. } => "cvss_not_applicable",
            Event::AffectedSet { .. } => "affected_set",
            Event::FixRecorded { .. } => "fix_recorded",
            Event::FixApproved { .. } => "fix_approved",
            Event::FixStateChanged { .. } => "fix_state_changed",
            Event::FixPatchAttached { .. } => "fix_patch_attached",
            Event::BackportWaived { .. } => "backport_waived",
            Event::MitigationRecorded { .. } => "mitigation_recorded",
            Event::ReleasePlanProposed { .. } => "release_plan_proposed",
            Event::ReleaseDateCounterProposed { .. } => "release_date_counter_proposed",
            Event::ReleaseDateAgreed { .. } => "release_date_agreed",
            Event::ReleaseDateOverridden { .. } => "release_date_overridden",
            Event::ReleaseNotesFinalized { .. } => "release_notes_finalized",
            Event::DisclosureScheduled { .. } => "disclosure_scheduled",
            Event::DisclosureUnscheduled => "disclosure_unscheduled",
            Event::ScheduledDisclosureRefused { .. } => "scheduled_disclosure_refused",
            Event::PostMortemPublished { .. } => "post_mortem_published",
            Event::ClockReminder { .. } => "clock_reminder",
            Event::ClockOverdue { .. } => "clock_overdue",
            Event::ClockMoved { .. } => "clock_moved",
            Event::SlowedDown { .. } => "slowed_down",
            Event::UpstreamDateSet { .. } => "upstream_date_set",
            Event::ClocksRecomputed { .. } => "clocks_recomputed",
            Event::ReporterAddressFailed { .. } => "reporter_address_failed",
            Event::TrackingLinkRenewed => "tracking_link_renewed",
            Event::AdvisoryWithdrawn { .. } => "advisory_withdrawn",
            Event::CreditChosen { .. } => "credit_chosen",
            Event::NoticeDrafted { .. } => "notice_drafted",
            Event::NoticeQueued { .. } => "notice_queued",
            Event::NoticeDelivered { .. } => "notice_delivered",
            Event::PreNotifiedAdded { .. } => "pre_notified_added",
            Event::PreNotifiedRemoved { .. } => "pre_notified_removed",
            Event::GuestInvited { .. } => "guest_invited",
            Event::GuestRemoved { .. } => "guest_removed",
            Event::GuestCommented { .. } => "guest_commented",
        }
    }
}

/// The reporter's answer to the advisory's draft credit line ("credits the credited
/// accept"): the advisory credits them only as they said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum CreditChoice {
    /// Credit me as drafted.
    Accepted,
    /// Credit me under this name.
    Renamed { name: String },
    /// Do not credit me.
    Declined,
}

impl CreditChoice {
    pub fn as_str(&self) -> &'static str {
        match self {
            CreditChoice::Accepted => "accepted",
            CreditChoice::Renamed { .. } => "renamed",
            CreditChoice::Declined => "declined",
        }
    }
}

/// The coordinator's first read of a report (policy step C9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assessment {
    LikelyVulnerability,
    NeedsAnalysis,
    LikelyNotVulnerability,
}

impl Assessment {
    pub const ALL: [Assessment; 3] = [
        Assessment::LikelyVulnerability,
        Assessment::NeedsAnalysis,
        Assessment::LikelyNotVulnerability,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::LikelyVulnerability => "likely-vulnerability",
            Assessment::NeedsAnalysis => "needs-analysis",
            Assessment::LikelyNotVulnerability => "likely-not-vulnerability",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The final decision after reproducing (policy step C11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FinalDecision {
    Confirmed {
        explanation: Option<String>,
    },
    Rejected {
        reason: RejectReason,
        /// What the reporter reads.
        explanation: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectReason {
    NotAVulnerability,
    SupportRequest,
    Duplicate {
        of: CaseId,
    },
    OutOfScope,
    /// Junk in a flood of reports: no reply, and hidden from the queue (issue 14).
    Spam,
}

impl RejectReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            RejectReason::NotAVulnerability => "not-a-vulnerability",
            RejectReason::SupportRequest => "support-request",
            RejectReason::Duplicate { .. } => "duplicate",
            RejectReason::OutOfScope => "out-of-scope",
            RejectReason::Spam => "spam",
        }
    }

    /// Whether the reporter hears of the rejection. Spam gets no reply: answering
    /// tells a sender the address works.
    pub fn replies(&self) -> bool {
        match self {
            RejectReason::Spam => false,
            RejectReason::NotAVulnerability
            | RejectReason::SupportRequest
            | RejectReason::Duplicate { .. }
            | RejectReason::OutOfScope => true,
        }
    }

    /// Whether the team may reject a report for this reason straight from the queue,
    /// before acknowledging it (floods of reports, issue 14).
    pub fn before_acknowledging(&self) -> bool {
        match self {
            RejectReason::Spam | RejectReason::Duplicate { .. } => true,
            RejectReason::NotAVulnerability
            | RejectReason::SupportRequest
            | RejectReason::OutOfScope => false,
        }
    }

    /// The polite reply a reporter gets when the team writes none (policy step C2).
    pub fn canned_explanation(&self) -> String {
        match self {
            RejectReason::NotAVulnerability => "Thank you for your report. After analysis we concluded \
                that it does not describe a security vulnerability in this project."
                .to_owned(),
            RejectReason::SupportRequest => "Thank you for getting in touch. This channel is for \
                reporting security vulnerabilities, and your message is a request for help. Please \
                use the project's public support channels, where maintainers and users can help you."
                .to_owned(),
            RejectReason::Duplicate { .. } => "Thank you for your report. The same issue was already \
                reported and is being handled; we will keep the earlier report's timeline."
                .to_owned(),
            RejectReason::OutOfScope => "Thank you for your report. The issue is outside the scope of \
                this project's security policy."
                .to_owned(),
            // Never sent: spam gets no reply.
            RejectReason::Spam => "Closed as spam.".to_owned(),
        }
    }
}

/// Metadata of a file attached to a case; the bytes live in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub filename: String,
    /// As the uploader declared it; downloads are always served as
    /// `application/octet-stream`, so this is informational.
    pub content_type: String,
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub visibility: Visibility,
}

/// Who sees an event or attachment besides the team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The reporter and the team.
    Shared,
    /// The team only.
    Internal,
}

impl Event {
    /// Whether the reporter sees this event on their tracking page. Who works on a
    /// case, internal notes and preliminary opinions are the team's business.
    pub fn visibility(&self) -> Visibility {
        match self {
            Event::Submitted { .. }
            | Event::Acknowledged
            | Event::MessagedReporter { .. }
            | Event::ReporterReplied { .. }
            | Event::QuestionAsked { .. }
            | Event::QuestionAnswered { .. }
            | Event::FinalDecisionSet { .. }
            | Event::MarkedPublic { .. }
            | Event::CvssSuggested { .. }
            | Event::CvssSet { .. }
            | Event::CveRequested
            | Event::CveAssigned { .. }
            | Event::Disclosed
            | Event::AdvisoryImported { .. }
            | Event::CveReserved { .. }
            | Event::CvePublished { .. }
            | Event::CveRequestFailed { .. }
            | Event::CveRequestRejected { .. }
            | Event::CveIdRejected { .. }
            | Event::CvssNotApplicable { .. } => Visibility::Shared,
            | Event::ReleasePlanProposed { .. }
            | Event::ReleaseDateCounterProposed { .. }
            | Event::ReleaseDateAgreed { .. }
            | Event::ReleaseDateOverridden { .. }
            | Event::DisclosureScheduled { .. }
            | Event::DisclosureUnscheduled
            | Event::PostMortemPublished { .. } => Visibility::Shared,
            | Event::TrackingLinkRenewed
            | Event::AdvisoryWithdrawn { .. }
            | Event::CreditChosen { .. } => Visibility::Shared,
            Event::Claimed { .. }
            | Event::HandedOver { .. }
            | Event::CollaboratorAdded { .. }
            | Event::CollaboratorRemoved { .. }
            | Event::NoteAdded { .. }
            | Event::PreliminaryDecisionSet { .. }
            | Event::CvssProposed { .. }
            | Event::AdvisoryUpdated { .. }
            // Fixes live in the private fork: their references are the team's.
            | Event::AffectedSet { .. }
            | Event::FixRecorded { .. }
            | Event::FixApproved { .. }
            | Event::FixStateChanged { .. }
            | Event::FixPatchAttached { .. }
            | Event::BackportWaived { .. }
            | Event::MitigationRecorded { .. } => Visibility::Internal,
            | Event::ReleaseNotesFinalized { .. }
            | Event::ScheduledDisclosureRefused { .. } => Visibility::Internal,
            | Event::ClockReminder { .. }
            | Event::ClockOverdue { .. }
            | Event::SlowedDown { .. }
            | Event::UpstreamDateSet { .. }
            | Event::ClocksRecomputed { .. } => Visibility::Internal,
            // A move of a clock the reporter sees is theirs to know (V2).
            Event::ClockMoved { shared: true, .. } => Visibility::Shared,
            Event::ClockMoved { shared: false, .. } => Visibility::Internal,
            | Event::ReporterAddressFailed { .. } => Visibility::Internal,
            // Notices are the team's to write and send; the reporter reads them where
            // they are published.
            Event::NoticeDrafted { .. }
            | Event::NoticeQueued { .. }
            | Event::NoticeDelivered { .. }
            | Event::PreNotifiedAdded { .. }
            | Event::PreNotifiedRemoved { .. } => Visibility::Internal,
            // Sharing is the team's act (C5); the reporter is not told who helps.
            Event::GuestInvited { .. }
            | Event::GuestRemoved { .. }
            | Event::GuestCommented { .. } => Visibility::Internal,
            Event::AttachmentAdded { attachment } => attachment.visibility,
            // The reporter follows the CVE request; timers and deliveries are the team's.
            Event::EffectFailed(f) => match f.effect {
                EffectKind::ReserveCve | EffectKind::PublishCve => Visibility::Shared,
                EffectKind::Wake | EffectKind::Email | EffectKind::Webhook => Visibility::Internal,
            },
        }
    }
}
