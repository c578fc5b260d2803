//! What people ask Embargo to do to a case. Imperative; checked by
//! [`crate::decide::decide`], never applied directly.

use crate::advisory::AdvisoryDetails;
use crate::clocks::{ClockName, LowSeverityBasis, SlowChange};
use crate::event::{Assessment, Attachment, RejectReason};
use crate::ids::{QuestionId, UserId};

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
    /// C13: the coordinator's final vectors and the effect statement.
    SetCvss {
        cvss_v3_1: Option<String>,
        cvss_v4_0: Option<String>,
        effect: String,
    },
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
            Command::MoveClock { .. } => "move a clock of",
            Command::SlowDown { .. } => "slow down",
            Command::SetUpstreamDate { .. } => "set the upstream disclosure date of",
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
