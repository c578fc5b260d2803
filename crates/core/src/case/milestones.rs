//! The moments a case's clocks count from that no other area keeps (C3, C7, C9, C10,
//! C16): the first claim, the first collaborator, the waits on the reporter and each
//! final CVSS call. [`super::Case::clock_facts`] gathers them with the rest.

use crate::clocks::{Pause, ScoreSet};
use crate::policy::CvssScore;
use crate::scoring::FinalScore;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestones {
    /// The first time a coordinator took the case; a hand-over does not restart it.
    pub claimed_at: Option<Timestamp>,
    pub first_collaborator_at: Option<Timestamp>,
    /// The spans the case waited on the reporter (`needs-info`); the last may be open.
    pub needs_info: Vec<Pause>,
    /// Each final CVSS call's highest score, oldest first.
    pub final_scores: Vec<ScoreSet>,
}

impl Milestones {
    pub(super) fn claimed(&mut self, at: Timestamp) {
        self.claimed_at.get_or_insert(at);
    }

    pub(super) fn collaborator_added(&mut self, at: Timestamp) {
        self.first_collaborator_at.get_or_insert(at);
    }

    pub(super) fn waiting_on_reporter(&mut self, at: Timestamp) {
        if self.needs_info.last().is_none_or(|p| p.until.is_some()) {
            self.needs_info.push(Pause {
                from: at,
                until: None,
            });
        }
    }

    pub(super) fn not_waiting(&mut self, at: Timestamp) {
        if let Some(p) = self.needs_info.last_mut()
            && p.until.is_none()
        {
            p.until = Some(at);
        }
    }

    pub(super) fn scored(&mut self, score: &FinalScore, at: Timestamp) {
        if let Some(score) = score
            .highest()
            .and_then(|a| CvssScore::from_tenths(a.score.tenths()))
        {
            self.final_scores.push(ScoreSet { at, score });
        }
    }
}
