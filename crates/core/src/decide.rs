//! The case state machine: a command, in the light of the case, the project and the
//! actor, becomes events or a rejection. Nothing else changes a case.

use crate::access::{self, Action, Standing};
use crate::actor::{Actor, ActorRef, UserRef};
use crate::advisory::{self, CveState};
use crate::case::{Case, Stage};
use crate::command::{Command, DecisionInput};
use crate::event::{Attachment, Event, FinalDecision, Recorded, RejectReason, Visibility};
use crate::ids::{CaseId, UserId};
use crate::project::Project;
use crate::rejection::{Invalid, Rejection, Rule};
use crate::report::{Channel, Draft};
use crate::scoring;
use crate::text::{self, limits};
use jiff::Timestamp;

/// The most files one case may carry; beyond that, share a link.
pub const MAX_ATTACHMENTS: usize = 50;

/// A new report: anyone may submit, no account needed. `id` and the attachments' ids
/// are drawn by the shell.
pub fn submit(
    actor: &Actor,
    project: &Project,
    id: CaseId,
    draft: Draft,
    channel: Channel,
    attachments: Vec<Attachment>,
    now: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    let report = draft.check(project, channel).map_err(Rejection::Invalid)?;
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(Rejection::invalid(
            "attachments",
            Rule::TooLong,
            format!("a case may carry at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    // Whoever submits is the reporter of this case, signed in or not.
    let by = match actor {
        Actor::User(u) => ActorRef::User(u.as_ref()),
        Actor::Anonymous | Actor::Reporter(_) | Actor::Operator => ActorRef::Reporter,
    };
    let mut events = vec![Recorded {
        at: now,
        actor: by.clone(),
        event: Event::Submitted {
            case: id,
            project: project.slug.clone(),
            report,
        },
    }];
    for a in attachments {
        check_attachment(&a)?;
        events.push(Recorded {
            at: now,
            actor: by.clone(),
            event: Event::AttachmentAdded {
                attachment: Attachment {
                    visibility: Visibility::Shared,
                    ..a
                },
            },
        });
    }
    Ok(events)
}

/// Decides a command on an existing case.
pub fn decide(
    actor: &Actor,
    project: &Project,
    case: &Case,
    command: Command,
    now: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    let standing = access::standing(actor, project, case).ok_or(Rejection::NotFound)?;
    let need = |action: Action| {
        if access::permits(standing, action) {
            Ok(())
        } else {
            Err(Rejection::Forbidden {
                action: command.action(),
                needs: action.needs(),
            })
        }
    };
    let illegal = |reason: &str| Rejection::IllegalTransition {
        action: command.action(),
        stage: case.stage,
        reason: reason.to_owned(),
    };
    let closed = || illegal(closed_reason(case.stage));

    let event = match &command {
        Command::Acknowledge => {
            need(Action::Lead)?;
            match case.stage {
                Stage::Received => Event::Acknowledged,
                Stage::Triage
                | Stage::NeedsInfo
                | Stage::Confirmed
                | Stage::Fixing
                | Stage::ReleasePlanned
                | Stage::Disclosed => return Err(illegal("it was already acknowledged")),
                Stage::Closed | Stage::Rejected => return Err(closed()),
            }
        }
        Command::Claim => {
            need(Action::Claim)?;
            if !case.stage.is_open() {
                return Err(closed());
            }
            let Actor::User(me) = actor else {
                unreachable!("only users have team standing")
            };
            match &case.coordinator {
                Some(c) if c.id == me.id => return Err(illegal("you are already its coordinator")),
                Some(c) => {
                    return Err(illegal(&format!(
                        "{} coordinates it; they or the security team can hand it over",
                        c.name
                    )));
                }
                None => Event::Claimed {
                    coordinator: me.as_ref(),
                },
            }
        }
        Command::HandOver { to } => {
            need(Action::Lead)?;
            if !case.stage.is_open() {
                return Err(closed());
            }
            let to = member(project, *to, "to")?;
            if case.is_coordinator(to.id) {
                return Err(illegal(&format!("{} already coordinates it", to.name)));
            }
            let handed = Recorded {
                at: now,
                actor: actor.as_ref(),
                event: Event::HandedOver {
                    from: case.coordinator.clone(),
                    to,
                },
            };
            // Whoever coordinated stays on the case: a hand-over is not an eviction
            // (removing someone is its own, explicit act).
            return Ok(match &case.coordinator {
                Some(previous) if !case.is_collaborator(previous.id) => vec![
                    handed,
                    Recorded {
                        at: now,
                        actor: actor.as_ref(),
                        event: Event::CollaboratorAdded {
                            collaborator: previous.clone(),
                        },
                    },
                ],
                Some(_) | None => vec![handed],
            });
        }
        Command::AddCollaborator { user } => {
            need(Action::Lead)?;
            if !case.stage.is_open() {
                return Err(closed());
            }
            let user = member(project, *user, "user")?;
            if case.is_collaborator(user.id) {
                return Err(Rejection::Conflict {
                    field: "user".into(),
                    message: format!("{} is already a collaborator", user.name),
                });
            }
            Event::CollaboratorAdded { collaborator: user }
        }
        Command::RemoveCollaborator { user } => {
            need(Action::Lead)?;
            let Some(c) = case.collaborators.iter().find(|c| c.id == *user) else {
                return Err(Rejection::invalid(
                    "user",
                    Rule::UnknownMember,
                    format!("user {user} is not a collaborator on this case"),
                ));
            };
            Event::CollaboratorRemoved {
                collaborator: c.clone(),
            }
        }
        Command::MessageReporter { body } => {
            need(Action::Collaborate)?;
            refuse_when_closed(case, &illegal)?;
            Event::MessagedReporter {
                body: body_text(body)?,
            }
        }
        Command::AddNote { body } => {
            need(Action::Collaborate)?;
            Event::NoteAdded {
                body: body_text(body)?,
            }
        }
        Command::AskReporter { body } => {
            need(Action::Lead)?;
            match case.stage {
                Stage::Triage => Event::QuestionAsked {
                    question: crate::ids::QuestionId(case.questions_asked + 1),
                    body: body_text(body)?,
                },
                Stage::Received => return Err(illegal("acknowledge it first")),
                Stage::NeedsInfo => {
                    return Err(illegal(
                        "a question is already open; wait for the answer or message the reporter",
                    ));
                }
                Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed => {
                    return Err(illegal("it is past triage; message the reporter instead"));
                }
                Stage::Closed | Stage::Rejected => return Err(closed()),
            }
        }
        Command::AnswerQuestion { question, body } => {
            need(Action::ActAsReporter)?;
            match &case.open_question {
                Some(q) if q.id == *question => Event::QuestionAnswered {
                    question: *question,
                    body: body_text(body)?,
                },
                Some(q) => {
                    return Err(illegal(&format!(
                        "question {question} is not open; the open question is {}",
                        q.id
                    )));
                }
                None => return Err(illegal(&format!("question {question} is not open"))),
            }
        }
        Command::Reply { body } => {
            need(Action::ActAsReporter)?;
            refuse_when_closed(case, &illegal)?;
            Event::ReporterReplied {
                body: body_text(body)?,
            }
        }
        Command::SetPreliminaryDecision { assessment, note } => {
            need(Action::Lead)?;
            must_be_in_triage(case.stage, &illegal)?;
            Event::PreliminaryDecisionSet {
                assessment: *assessment,
                note: optional_body("note", note.as_deref())?,
            }
        }
        Command::SetFinalDecision(input) => {
            need(Action::Lead)?;
            must_be_in_triage(case.stage, &illegal)?;
            Event::FinalDecisionSet {
                decision: final_decision(case, input)?,
            }
        }
        Command::MarkPublic { link, note } => {
            need(Action::Lead)?;
            refuse_when_closed(case, &illegal)?;
            if case.public.is_some() {
                return Err(illegal("it is already marked public"));
            }
            let link = match link.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(l) => Some(text::url("link", l).map_err(one)?),
            };
            Event::MarkedPublic {
                link,
                note: optional_body("note", note.as_deref())?,
            }
        }
        Command::AddAttachment { attachment } => {
            let visibility = match standing {
                Standing::Reporter => Visibility::Shared,
                Standing::Team(_) => {
                    need(Action::Collaborate)?;
                    attachment.visibility
                }
            };
            refuse_when_closed(case, &illegal)?;
            if case.attachments.len() >= MAX_ATTACHMENTS {
                return Err(Rejection::invalid(
                    "file",
                    Rule::TooLong,
                    format!("a case may carry at most {MAX_ATTACHMENTS} attachments"),
                ));
            }
            check_attachment(attachment)?;
            Event::AttachmentAdded {
                attachment: Attachment {
                    visibility,
                    ..attachment.clone()
                },
            }
        }
        Command::ProposeCvss { vector } => {
            let (version, vector) = scoring::case_vector("vector", vector).map_err(one)?;
            scoring_open(case, &illegal)?;
            match standing {
                Standing::Reporter => Event::CvssSuggested { version, vector },
                Standing::Team(_) => {
                    need(Action::Collaborate)?;
                    Event::CvssProposed { version, vector }
                }
            }
        }
        Command::SetAdvisory(details) => {
            need(Action::Coordinate)?;
            publishing(case, &illegal)?;
            let details = details.clone().check(project)?;
            if details == case.advisory {
                return Err(illegal("the advisory already says this"));
            }
            Event::AdvisoryUpdated { details }
        }
        Command::RequestCveId => {
            need(Action::Coordinate)?;
            publishing(case, &illegal)?;
            match &case.cve {
                None | Some(CveState::Failed { .. } | CveState::Rejected { .. }) => {
                    Event::CveRequested
                }
                Some(CveState::Requested) => {
                    return Err(illegal(
                        "a CVE ID was already requested; wait for CVE Services",
                    ));
                }
                Some(other) => {
                    return Err(illegal(&format!(
                        "it already has {}",
                        other.id().unwrap_or("a CVE ID")
                    )));
                }
            }
        }
        Command::AssignCveId { id } => {
            need(Action::Coordinate)?;
            publishing(case, &illegal)?;
            let id = advisory::cve_id("cve_id", id).map_err(one)?;
            if let Some(existing) = case.cve.as_ref().and_then(CveState::id) {
                return Err(illegal(&format!("it already has {existing}")));
            }
            Event::CveAssigned { id }
        }
        Command::Disclose => {
            need(Action::Coordinate)?;
            match case.stage {
                Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned => Event::Disclosed,
                Stage::Disclosed => return Err(illegal("it is already disclosed")),
                Stage::Received | Stage::Triage | Stage::NeedsInfo => {
                    return Err(illegal("confirm the vulnerability first"));
                }
                Stage::Closed | Stage::Rejected => return Err(illegal(closed_reason(case.stage))),
            }
        }
        Command::SetCvss {
            cvss_v3_1,
            cvss_v4_0,
            effect,
        } => {
            need(Action::Coordinate)?;
            if case.stage == Stage::Received {
                return Err(illegal("acknowledge it first"));
            }
            scoring_open(case, &illegal)?;
            let score = scoring::final_score(cvss_v3_1.as_deref(), cvss_v4_0.as_deref(), effect)?;
            if case.cvss.as_ref() == Some(&score) {
                return Err(illegal("this is already the case's score"));
            }
            Event::CvssSet { score }
        }
    };
    Ok(vec![Recorded {
        at: now,
        actor: actor.as_ref(),
        event,
    }])
}

/// The advisory and its CVE ID are prepared from confirmation on, and revised after
/// disclosure.
fn publishing(case: &Case, illegal: &dyn Fn(&str) -> Rejection) -> Result<(), Rejection> {
    match case.stage {
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed => Ok(()),
        Stage::Received | Stage::Triage | Stage::NeedsInfo => {
            Err(illegal("confirm the vulnerability first"))
        }
        Stage::Closed | Stage::Rejected => Err(illegal(closed_reason(case.stage))),
    }
}

/// Scores matter while a case is open; a rejected or closed case is not scored.
fn scoring_open(case: &Case, illegal: &dyn Fn(&str) -> Rejection) -> Result<(), Rejection> {
    match case.stage {
        Stage::Rejected => Err(illegal("it was rejected")),
        Stage::Closed => Err(illegal("it is closed")),
        Stage::Received
        | Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Disclosed => Ok(()),
    }
}

fn closed_reason(stage: Stage) -> &'static str {
    match stage {
        Stage::Rejected => "it was rejected",
        Stage::Closed => "it is closed",
        Stage::Received
        | Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Disclosed => "it is open",
    }
}

/// Closed cases are history; rejected ones still take messages so a reporter can
/// contest the decision and the team can answer.
fn refuse_when_closed(case: &Case, illegal: &dyn Fn(&str) -> Rejection) -> Result<(), Rejection> {
    match case.stage {
        Stage::Closed => Err(illegal("it is closed")),
        Stage::Received
        | Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Disclosed
        | Stage::Rejected => Ok(()),
    }
}

/// Decisions about whether a report is a vulnerability are made after acknowledging
/// and before the fix work starts.
fn must_be_in_triage(stage: Stage, illegal: &dyn Fn(&str) -> Rejection) -> Result<(), Rejection> {
    match stage {
        Stage::Triage | Stage::NeedsInfo => Ok(()),
        Stage::Received => Err(illegal("acknowledge it first")),
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed => {
            Err(illegal("the final decision was already made"))
        }
        Stage::Closed | Stage::Rejected => Err(illegal(closed_reason(stage))),
    }
}

fn final_decision(case: &Case, input: &DecisionInput) -> Result<FinalDecision, Rejection> {
    match input {
        DecisionInput::Confirm { explanation } => Ok(FinalDecision::Confirmed {
            explanation: optional_body("explanation", explanation.as_deref())?,
        }),
        DecisionInput::Reject {
            reason,
            explanation,
        } => {
            if let RejectReason::Duplicate { of } = reason
                && *of == case.id
            {
                return Err(Rejection::invalid(
                    "duplicate_of",
                    Rule::NotAllowed,
                    "a case cannot be a duplicate of itself",
                ));
            }
            let explanation = optional_body("explanation", explanation.as_deref())?
                .unwrap_or_else(|| reason.canned_explanation());
            Ok(FinalDecision::Rejected {
                reason: reason.clone(),
                explanation,
            })
        }
    }
}

fn member(project: &Project, user: UserId, field: &str) -> Result<UserRef, Rejection> {
    project.member(user).map(|m| m.user.clone()).ok_or_else(|| {
        Rejection::invalid(
            field,
            Rule::UnknownMember,
            format!("user {user} is not a member of project `{}`", project.slug),
        )
    })
}

fn one(i: Invalid) -> Rejection {
    Rejection::Invalid(vec![i])
}

fn body_text(body: &str) -> Result<String, Rejection> {
    text::required_body("body", body, limits::BODY).map_err(one)
}

fn optional_body(field: &str, body: Option<&str>) -> Result<Option<String>, Rejection> {
    text::optional_body(field, body, limits::BODY).map_err(one)
}

fn check_attachment(a: &Attachment) -> Result<(), Rejection> {
    let name = text::required_line("filename", &a.filename, 255).map_err(one)?;
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(Rejection::invalid(
            "filename",
            Rule::InvalidFormat,
            "`filename` must be a plain file name without folders",
        ));
    }
    text::required_line("content_type", &a.content_type, 255).map_err(one)?;
    Ok(())
}

#[cfg(test)]
mod tests;

/// An advisory published before Embargo becomes a disclosed case (V10): reported,
/// confirmed and disclosed at `published`, carrying its OSV record. Only operators
/// import (the CLI, on the database).
pub fn import(
    actor: &Actor,
    project: &Project,
    id: CaseId,
    draft: Draft,
    osv: String,
    cve_id: Option<String>,
    published: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    if !matches!(actor, Actor::Operator) {
        return Err(Rejection::Forbidden {
            action: "import advisories",
            needs: "an operator (embargo import)",
        });
    }
    let report = draft
        .check(project, Channel::Import)
        .map_err(Rejection::Invalid)?;
    let mut events = vec![Event::Submitted {
        case: id,
        project: project.slug.clone(),
        report,
    }];
    events.push(Event::Acknowledged);
    events.push(Event::FinalDecisionSet {
        decision: FinalDecision::Confirmed { explanation: None },
    });
    events.push(Event::AdvisoryImported { osv });
    if let Some(cve) = cve_id {
        events.push(Event::CveAssigned {
            id: advisory::cve_id("cve_id", &cve).map_err(one)?,
        });
    }
    events.push(Event::Disclosed);
    Ok(events
        .into_iter()
        .map(|event| Recorded {
            at: published,
            actor: ActorRef::Operator,
            event,
        })
        .collect())
}
