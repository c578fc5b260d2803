//! A case: one report from receipt to post-mortem, as the fold of its events.

use crate::actor::{ActorRef, UserRef};
use crate::advisory::{AdvisoryDetails, CveState};
use crate::effect::EffectKind;
use crate::event::{Assessment, Attachment, Event, FinalDecision, Recorded};
use crate::ids::{CaseId, ProjectSlug, QuestionId, UserId};
use crate::report::Report;
use crate::scoring::{CaseVersion, FinalScore};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a case is. Later stages (fixing onwards) are reached by the fix and release
/// commands; every `match` on a stage lists them all, so adding one is a compile error
/// wherever it matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Received,
    Triage,
    NeedsInfo,
    Confirmed,
    Fixing,
    ReleasePlanned,
    Disclosed,
    Closed,
    Rejected,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Received,
        Stage::Triage,
        Stage::NeedsInfo,
        Stage::Confirmed,
        Stage::Fixing,
        Stage::ReleasePlanned,
        Stage::Disclosed,
        Stage::Closed,
        Stage::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Triage => "triage",
            Stage::NeedsInfo => "needs-info",
            Stage::Confirmed => "confirmed",
            Stage::Fixing => "fixing",
            Stage::ReleasePlanned => "release-planned",
            Stage::Disclosed => "disclosed",
            Stage::Closed => "closed",
            Stage::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether work on the case goes on.
    pub fn is_open(self) -> bool {
        match self {
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::ReleasePlanned
            | Stage::Disclosed => true,
            Stage::Closed | Stage::Rejected => false,
        }
    }

    /// Whether the case's content may be seen outside its audience.
    pub fn is_public(self) -> bool {
        match self {
            Stage::Disclosed | Stage::Closed => true,
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::ReleasePlanned
            | Stage::Rejected => false,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub project: ProjectSlug,
    /// The number of events folded in; the next event gets `version + 1`.
    pub version: u64,
    pub stage: Stage,
    pub report: Report,
    pub received_at: Timestamp,
    pub updated_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub coordinator: Option<UserRef>,
    /// Sorted by user id.
    pub collaborators: Vec<UserRef>,
    pub open_question: Option<Question>,
    pub questions_asked: u32,
    pub preliminary: Option<PreliminaryDecision>,
    pub decision: Option<FinalDecision>,
    pub decided_at: Option<Timestamp>,
    /// Set when the vulnerability is known to be public (policy step C7).
    pub public: Option<Publicity>,
    pub attachments: Vec<Attachment>,
    /// The coordinator's final call (C13).
    #[serde(default)]
    pub cvss: Option<FinalScore>,
    /// Vectors proposed by the team and suggested by the reporter, oldest first.
    #[serde(default)]
    pub cvss_proposals: Vec<CvssProposal>,
    /// What the advisory will say (C14, C17).
    #[serde(default)]
    pub advisory: AdvisoryDetails,
    #[serde(default)]
    pub cve: Option<CveState>,
    #[serde(default)]
    pub disclosed_at: Option<Timestamp>,
    /// For imported advisories: the original OSV record (JSON text).
    #[serde(default)]
    pub imported_osv: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvssProposal {
    pub version: CaseVersion,
    pub vector: String,
    pub by: ActorRef,
    pub at: Timestamp,
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publicity {
    pub link: Option<String>,
    pub since: Timestamp,
}

impl Case {
    /// Starts a case from its `Submitted` event.
    ///
    /// # Panics
    /// If the event is not `Submitted`: only `decide::submit` makes the first event.
    pub fn start(first: &Recorded<Event>) -> Case {
        let Event::Submitted {
            case,
            project,
            report,
        } = &first.event
        else {
            panic!(
                "a case starts with `submitted`, not `{}`",
                first.event.kind()
            );
        };
        Case {
            id: case.clone(),
            project: project.clone(),
            version: 1,
            stage: Stage::Received,
            public: report.already_public.then(|| Publicity {
                link: report.public_link.clone(),
                since: first.at,
            }),
            report: report.clone(),
            received_at: first.at,
            updated_at: first.at,
            acknowledged_at: None,
            coordinator: None,
            collaborators: Vec::new(),
            open_question: None,
            questions_asked: 0,
            preliminary: None,
            decision: None,
            decided_at: None,
            attachments: Vec::new(),
            cvss: None,
            cvss_proposals: Vec::new(),
            advisory: AdvisoryDetails::default(),
            cve: None,
            disclosed_at: None,
            imported_osv: None,
        }
    }

    /// Folds a whole stream.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Recorded<Event>>) -> Option<Case> {
        let mut it = events.into_iter();
        let mut case = Case::start(it.next()?);
        for e in it {
            case.apply(e);
        }
        Some(case)
    }

    /// Folds one event. Events are facts that `decide` already checked, so this
    /// trusts them and never fails.
    pub fn apply(&mut self, recorded: &Recorded<Event>) {
        let at = recorded.at;
        match &recorded.event {
            Event::Submitted { .. } => {
                panic!("`submitted` can only start a case")
            }
            Event::Acknowledged => {
                self.stage = Stage::Triage;
                self.acknowledged_at = Some(at);
            }
            Event::Claimed { coordinator } => self.coordinator = Some(coordinator.clone()),
            Event::HandedOver { to, .. } => self.coordinator = Some(to.clone()),
            Event::CollaboratorAdded { collaborator } => {
                self.collaborators.push(collaborator.clone());
                self.collaborators.sort_by_key(|u| u.id);
            }
            Event::CollaboratorRemoved { collaborator } => {
                self.collaborators.retain(|u| u.id != collaborator.id)
            }
            Event::MessagedReporter { .. }
            | Event::ReporterReplied { .. }
            | Event::NoteAdded { .. } => {}
            Event::QuestionAsked { question, body } => {
                self.questions_asked = question.0;
                self.open_question = Some(Question {
                    id: *question,
                    body: body.clone(),
                    asked_at: at,
                });
                self.stage = Stage::NeedsInfo;
            }
            Event::QuestionAnswered { .. } => {
                self.open_question = None;
                self.stage = Stage::Triage;
            }
            Event::PreliminaryDecisionSet { assessment, note } => {
                self.preliminary = Some(PreliminaryDecision {
                    assessment: *assessment,
                    note: note.clone(),
                    at,
                })
            }
            Event::FinalDecisionSet { decision } => {
                // A question left open when the team decides is moot.
                self.open_question = None;
                self.stage = match decision {
                    FinalDecision::Confirmed { .. } => Stage::Confirmed,
                    FinalDecision::Rejected { .. } => Stage::Rejected,
                };
                self.decision = Some(decision.clone());
                self.decided_at = Some(at);
            }
            Event::MarkedPublic { link, .. } => {
                self.public = Some(Publicity {
                    link: link.clone(),
                    since: at,
                })
            }
            Event::AttachmentAdded { attachment } => self.attachments.push(attachment.clone()),
            Event::CvssProposed { version, vector } | Event::CvssSuggested { version, vector } => {
                self.cvss_proposals.push(CvssProposal {
                    version: *version,
                    vector: vector.clone(),
                    by: recorded.actor.clone(),
                    at,
                })
            }
            Event::CvssSet { score } => self.cvss = Some(score.clone()),
            Event::AdvisoryUpdated { details } => self.advisory = details.clone(),
            Event::CveRequested => self.cve = Some(CveState::Requested),
            Event::CveAssigned { id } => self.cve = Some(CveState::Assigned { id: id.clone() }),
            Event::AdvisoryImported { osv } => self.imported_osv = Some(osv.clone()),
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
            Event::Disclosed => {
                self.stage = Stage::Disclosed;
                self.disclosed_at = Some(at);
            }
        }
        self.version += 1;
        self.updated_at = at;
    }

    pub fn is_coordinator(&self, user: UserId) -> bool {
        self.coordinator.as_ref().is_some_and(|c| c.id == user)
    }

    pub fn is_collaborator(&self, user: UserId) -> bool {
        self.collaborators.iter().any(|c| c.id == user)
    }
}
