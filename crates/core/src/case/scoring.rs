//! Severity (C13): proposed vectors and the coordinator's final call.

use crate::actor::ActorRef;
use crate::scoring::{CaseVersion, FinalScore};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringState {
    /// The coordinator's final call.
    pub score: Option<FinalScore>,
    /// Vectors proposed by the team and suggested by the reporter, oldest first.
    pub proposals: Vec<CvssProposal>,
    /// The coordinator recorded CVSS as not applicable, with this reason; a final
    /// call replaces it and it replaces a final call.
    pub not_applicable: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvssProposal {
    pub version: CaseVersion,
    pub vector: String,
    pub by: ActorRef,
    pub at: Timestamp,
}
