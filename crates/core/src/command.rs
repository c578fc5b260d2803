//! What people ask Embargo to do to a case. Imperative; checked by
//! [`crate::decide::decide`], never applied directly.

use crate::advisory::AdvisoryDetails;
use crate::clocks::{ClockName, LowSeverityBasis, SlowChange};
use crate::event::{Assessment, Attachment, CreditChoice, RejectReason};
use crate::ids::{AttachmentId, FixId, GuestId, QuestionId, UserId};
use crate::rejection::Invalid;
use crate::release::{PlanInput, PostMortemText};
use crate::track::AffectedBranch;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Policy step C3.
    Acknowledge,
    /// The actor becomes the coordinator (C8).
    Claim,
    HandOver {
        to: UserId,
    },
    /// C10.
    AddCollaborator {
        user: UserId,
    },
    RemoveCollaborator {
        user: UserId,
    },
    MessageReporter {
        body: String,
    },
    AddNote {
        body: String,
    },
    /// C9: the case waits in `needs-info` until the reporter answers.
    AskReporter {
        body: String,
    },
    /// The reporter answers the open question.
    AnswerQuestion {
        question: QuestionId,
        body: String,
    },
    /// The reporter writes to the team.
    Reply {
        body: String,
    },
    SetPreliminaryDecision {
        assessment: Assessment,
        note: Option<String>,
    },
    /// C11.
    SetFinalDecision(DecisionInput),
    /// C7.
    MarkPublic {
        link: Option<String>,
        note: Option<String>,
    },
    AddAttachment {
        attachment: Attachment,
    },
    /// C13: a CVSS vector (v3.1 or v4.0) for the team to weigh; from the reporter, a
    /// suggestion.
    ProposeCvss {
        vector: String,
    },
    /// C14, C17: the advisory's details, prepared under embargo.
    SetAdvisory(AdvisoryDetails),
    /// C14: ask CVE Services for an ID; the outbox worker does the asking.
    RequestCveId,
    /// C14: an ID assigned elsewhere (e.g. by GitHub as CNA).
    AssignCveId {
        id: String,
    },
    /// C18: the fix is out; the case and its advisory become public.
    Disclose,
    /// The published advisory was wrong: it stays published, marked withdrawn, with
    /// the reason (issue 14).
    WithdrawAdvisory {
        reason: String,
    },
    /// The reporter answers the advisory's draft credit line before disclosure.
    ChooseCredit(CreditChoice),
    /// C13: the coordinator's final vectors and the effect statement.
    SetCvss {
        cvss_v3_1: Option<String>,
        cvss_v4_0: Option<String>,
        effect: String,
    },
    /// C13: CVSS does not apply to this case (recorded with the reason).
    SetCvssNotApplicable {
        reason: String,
    },
    /// V3–V5: the branches the case affects, checked against the project's list.
    SetAffected {
        branches: Vec<AffectedBranch>,
    },
    /// C12: a fix for one branch; the author is the actor unless named.
    RecordFix {
        branch: AffectedBranch,
        reference: String,
        commit: Option<String>,
        author: Option<UserId>,
    },
    /// V6: the actor approves the fix (never its author).
    ApproveFix {
        fix: FixId,
    },
    /// C15: the fix was merged, or released in a version.
    AdvanceFix {
        fix: FixId,
        to: FixProgress,
    },
    /// A patch file (already added as an internal attachment) belongs to the fix.
    AttachPatch {
        fix: FixId,
        attachment: AttachmentId,
    },
    /// C15, V1: a branch on the checklist gets no fix, with the reason.
    WaiveBackport {
        branch: AffectedBranch,
        reason: String,
    },
    /// V8: what users can do without the fix (the upgrade notice on `unsupported-only`).
    RecordMitigation {
        text: String,
    },
    /// C6, V9: the coordinator proposes the release plan or changes it; a change of
    /// date needs a reason.
    ProposeReleasePlan {
        plan: PlanInput,
        reason: Option<String>,
    },
    /// C6: the reporter proposes another release date, with a reason.
    ProposeReleaseDate {
        at: String,
        reason: String,
    },
    /// C6: the reporter accepts the plan's date, or the coordinator the reporter's.
    AcceptReleaseDate,
    /// C6: the coordinator sets the date after the reporter's silence.
    OverrideReleaseDate {
        reason: String,
    },
    /// C17: the notes as the shell built them from the case, or every field they miss
    /// (the `formats` crate's check), so that the actor's standing is checked first.
    FinalizeReleaseNotes {
        notes: Result<String, Vec<Invalid>>,
    },
    /// C6, C18: disclose at the release time.
    ScheduleDisclosure,
    UnscheduleDisclosure,
    /// C19.
    PublishPostMortem(PostMortemText),
    /// V2: clocks are suggestions; the coordinator moves one, saying why.
    MoveClock {
        clock: ClockName,
        due: jiff::Timestamp,
        reason: String,
    },
    /// C16, V7: slow a low-severity case down, naming the internal note (by its place
    /// in the case's stream) that records the discussion and the decision.
    SlowDown {
        clocks: Vec<ClockName>,
        change: SlowChange,
        basis: LowSeverityBasis,
        note: u64,
    },
    /// V2: follow another project's disclosure date.
    SetUpstreamDate {
        date: jiff::Timestamp,
        source: String,
    },
    /// The coordinator's reviewed text of a notice (Markdown, `# title` first).
    DraftNotice {
        notice: crate::policy::Notice,
        markdown: String,
    },
    /// Send a notice to the project's channels now, or at `at` (V9: the forthcoming
    /// fix; the others follow disclosure).
    SendNotice {
        notice: crate::policy::Notice,
        at: Option<jiff::Timestamp>,
    },
    /// V11: tell this third party before disclosure, where the policy allows it.
    AddPreNotified {
        address: String,
        name: Option<String>,
    },
    RemovePreNotified {
        address: String,
    },
    /// C5: share the case with a person from another project who must help ship the
    /// fix. `shares` are names as typed (`report`, `attachments`, `fixes`, `advisory`,
    /// `release-plan`); `token_hash` is the SHA-256 (hex) of the capability the shell
    /// drew and mails to them.
    InviteGuest {
        email: String,
        name: Option<String>,
        organisation: Option<String>,
        shares: Vec<String>,
        reason: String,
        token_hash: String,
    },
    /// C5: end a guest's access, with why.
    RemoveGuest {
        guest: GuestId,
        reason: String,
    },
}

/// Where a fix moves after its approvals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixProgress {
    Merged,
    Released { version: String },
}

impl Command {
    /// The command in words, for error messages.
    pub fn action(&self) -> &'static str {
        match self {
            Command::Acknowledge => "acknowledge",
            Command::Claim => "claim",
            Command::HandOver { .. } => "hand over",
            Command::AddCollaborator { .. } => "add a collaborator to",
            Command::RemoveCollaborator { .. } => "remove a collaborator from",
            Command::MessageReporter { .. } => "message the reporter of",
            Command::AddNote { .. } => "add a note to",
            Command::AskReporter { .. } => "ask the reporter about",
            Command::AnswerQuestion { .. } => "answer a question on",
            Command::Reply { .. } => "reply on",
            Command::SetPreliminaryDecision { .. } => "record a preliminary decision on",
            Command::SetFinalDecision(_) => "record a final decision on",
            Command::MarkPublic { .. } => "mark as public",
            Command::AddAttachment { .. } => "attach a file to",
            Command::ProposeCvss { .. } => "propose a CVSS vector for",
            Command::SetCvss { .. } => "set the CVSS score of",
            Command::SetAdvisory(_) => "prepare the advisory of",
            Command::RequestCveId => "request a CVE ID for",
            Command::AssignCveId { .. } => "assign a CVE ID to",
            Command::Disclose => "disclose",
            Command::WithdrawAdvisory { .. } => "withdraw the advisory of",
            Command::ChooseCredit(_) => "choose the credit on",
            Command::SetCvssNotApplicable { .. } => "record CVSS as not applicable to",
            Command::SetAffected { .. } => "record the affected branches of",
            Command::RecordFix { .. } => "record a fix on",
            Command::ApproveFix { .. } => "approve a fix on",
            Command::AdvanceFix { .. } => "advance a fix on",
            Command::AttachPatch { .. } => "attach a patch to a fix on",
            Command::WaiveBackport { .. } => "waive a backport on",
            Command::RecordMitigation { .. } => "record a mitigation on",
            Command::ProposeReleasePlan { .. } => "propose the release plan of",
            Command::ProposeReleaseDate { .. } => "propose a release date for",
            Command::AcceptReleaseDate => "accept the release date of",
            Command::OverrideReleaseDate { .. } => "set the release date of",
            Command::FinalizeReleaseNotes { .. } => "finalize the release notes of",
            Command::ScheduleDisclosure => "schedule the disclosure of",
            Command::UnscheduleDisclosure => "unschedule the disclosure of",
            Command::PublishPostMortem(_) => "publish the post-mortem of",
            Command::MoveClock { .. } => "move a clock of",
            Command::SlowDown { .. } => "slow down",
            Command::SetUpstreamDate { .. } => "set the upstream disclosure date of",
            Command::DraftNotice { .. } => "draft a notice for",
            Command::SendNotice { .. } => "send a notice for",
            Command::AddPreNotified { .. } => "add a pre-notification recipient to",
            Command::RemovePreNotified { .. } => "remove a pre-notification recipient from",
            Command::InviteGuest { .. } => "share",
            Command::RemoveGuest { .. } => "remove a guest from",
        }
    }
}

/// A final decision as typed; the duplicate's existence is checked by the shell (it
/// must be a case the actor can see in the same project) before it gets here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecisionInput {
    Confirm {
        explanation: Option<String>,
    },
    Reject {
        reason: RejectReason,
        explanation: Option<String>,
    },
}
