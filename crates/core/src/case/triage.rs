//! What triage found (C3, C9, C11): acknowledgement, questions, decisions.

use super::Stage;
use crate::event::{Assessment, FinalDecision};
use crate::ids::QuestionId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageState {
    pub acknowledged_at: Option<Timestamp>,
    pub open_question: Option<Question>,
    pub questions_asked: u32,
    pub preliminary: Option<PreliminaryDecision>,
    pub decision: Option<FinalDecision>,
    pub decided_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub body: String,
    pub asked_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreliminaryDecision {
    pub assessment: Assessment,
    pub note: Option<String>,
    pub at: Timestamp,
}

impl TriageState {
    pub(super) fn ask(&mut self, question: QuestionId, body: &str, at: Timestamp) {
        self.questions_asked = question.0;
        self.open_question = Some(Question {
            id: question,
            body: body.to_owned(),
            asked_at: at,
        });
    }

    /// Records the final decision; the stage it leads to.
    pub(super) fn decide(&mut self, decision: &FinalDecision, at: Timestamp) -> Stage {
        // A question left open when the team decides is moot.
        self.open_question = None;
        self.decision = Some(decision.clone());
        self.decided_at = Some(at);
        match decision {
            FinalDecision::Confirmed { .. } => Stage::Confirmed,
            FinalDecision::Rejected { .. } => Stage::Rejected,
        }
    }
}
