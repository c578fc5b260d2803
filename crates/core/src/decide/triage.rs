//! Triage (C3, C9, C11): acknowledging a report, questions to the reporter, the
//! preliminary and the final decision.

use super::{Decider, body_text, optional_body};
use crate::access::Action;
use crate::case::Stage;
use crate::command::DecisionInput;
use crate::event::{Assessment, Event, FinalDecision, RejectReason};
use crate::ids::{CaseId, QuestionId};
use crate::rejection::{Rejection, Rule};

pub(super) fn acknowledge(d: &Decider) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    match d.case.stage {
        Stage::Received => Ok(Event::Acknowledged),
        Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Disclosed => Err(d.illegal("it was already acknowledged")),
        Stage::Closed | Stage::Rejected => Err(d.closed()),
    }
}

pub(super) fn ask_reporter(d: &Decider, body: &str) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    match d.case.stage {
        Stage::Triage => Ok(Event::QuestionAsked {
            question: QuestionId(d.case.triage.questions_asked + 1),
            body: body_text(body)?,
        }),
        Stage::Received => Err(d.illegal("acknowledge it first")),
        Stage::NeedsInfo => {
            Err(d
                .illegal("a question is already open; wait for the answer or message the reporter"))
        }
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed => {
            Err(d.illegal("it is past triage; message the reporter instead"))
        }
        Stage::Closed | Stage::Rejected => Err(d.closed()),
    }
}

pub(super) fn answer_question(
    d: &Decider,
    question: QuestionId,
    body: &str,
) -> Result<Event, Rejection> {
    d.need(Action::ActAsReporter)?;
    match &d.case.triage.open_question {
        Some(q) if q.id == question => Ok(Event::QuestionAnswered {
            question,
            body: body_text(body)?,
        }),
        Some(q) => Err(d.illegal(&format!(
            "question {question} is not open; the open question is {}",
            q.id
        ))),
        None => Err(d.illegal(&format!("question {question} is not open"))),
    }
}

pub(super) fn preliminary(
    d: &Decider,
    assessment: Assessment,
    note: Option<&str>,
) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    must_be_in_triage(d)?;
    Ok(Event::PreliminaryDecisionSet {
        assessment,
        note: optional_body("note", note)?,
    })
}

pub(super) fn final_decision(d: &Decider, input: &DecisionInput) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    // Spam and duplicates in a flood are rejected straight from the queue.
    let unacknowledged_rejection = matches!(
        input,
        DecisionInput::Reject { reason, .. } if reason.before_acknowledging()
    ) && d.case.stage == Stage::Received;
    if !unacknowledged_rejection {
        must_be_in_triage(d)?;
    }
    let decision = match input {
        DecisionInput::Confirm { explanation } => FinalDecision::Confirmed {
            explanation: optional_body("explanation", explanation.as_deref())?,
        },
        DecisionInput::Reject {
            reason,
            explanation,
        } => {
            if let RejectReason::Duplicate { of } = reason {
                original(d, of)?;
            }
            let explanation = optional_body("explanation", explanation.as_deref())?
                .unwrap_or_else(|| reason.canned_explanation());
            FinalDecision::Rejected {
                reason: reason.clone(),
                explanation,
            }
        }
    };
    Ok(Event::FinalDecisionSet { decision })
}

/// A duplicate points at the report the team keeps: another case of the same project
/// that the actor can see and that is not itself a duplicate (so that following
/// `duplicate_of` always ends at once at a kept case).
fn original(d: &Decider, of: &CaseId) -> Result<(), Rejection> {
    let refuse = |rule, message: String| Err(Rejection::invalid("duplicate_of", rule, message));
    if *of == d.case.id {
        return refuse(
            Rule::NotAllowed,
            "a case cannot be a duplicate of itself".into(),
        );
    }
    // Missing, unseen and in another project read alike: naming a case one may not
    // see must not tell whether it exists.
    let Some(original) = d.context.named(of).filter(|c| c.project == d.case.project) else {
        return refuse(
            Rule::UnknownCase,
            format!("`duplicate_of`: no case {of} in this project"),
        );
    };
    if let Some(FinalDecision::Rejected {
        reason: RejectReason::Duplicate { of: first },
        ..
    }) = &original.triage.decision
    {
        return refuse(
            Rule::NotAllowed,
            format!("`duplicate_of`: case {of} is itself a duplicate of {first}; name {first}"),
        );
    }
    Ok(())
}

/// Decisions about whether a report is a vulnerability are made after acknowledging
/// and before the fix work starts.
fn must_be_in_triage(d: &Decider) -> Result<(), Rejection> {
    match d.case.stage {
        Stage::Triage | Stage::NeedsInfo => Ok(()),
        Stage::Received => Err(d.illegal("acknowledge it first")),
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed => {
            Err(d.illegal("the final decision was already made"))
        }
        Stage::Closed | Stage::Rejected => Err(d.closed()),
    }
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;

    #[test]
    fn floods_spam_and_duplicates_are_rejected_without_acknowledging_first() {
        let c = new_case();
        // Other reasons still wait for the acknowledgement (C3).
        let e = refused(&c, &sam(), reject(RejectReason::OutOfScope));
        assert!(e.to_string().ends_with("acknowledge it first"), "{e}");
        let mut spam = new_case();
        run(&mut spam, &sam(), reject(RejectReason::Spam));
        assert_eq!(spam.stage, Stage::Rejected);
        assert_eq!(spam.triage.acknowledged_at, None);
        // Only the team leads a rejection.
        assert!(matches!(
            refused(&new_case(), &reporter(), reject(RejectReason::Spam)),
            Rejection::Forbidden { .. }
        ));
    }

    #[test]
    fn c3_acknowledge_moves_a_received_case_into_triage_once() {
        let mut c = new_case();
        assert_eq!(c.stage, Stage::Received);
        run(&mut c, &sam(), Command::Acknowledge);
        assert_eq!(c.stage, Stage::Triage);
        assert_eq!(c.triage.acknowledged_at, Some(at(1)));
        let e = refused(&c, &sam(), Command::Acknowledge);
        assert_eq!(
            e.to_string(),
            "cannot acknowledge a case in stage triage: it was already acknowledged"
        );
    }

    #[test]
    fn c9_needs_info_until_the_reporter_answers() {
        let mut c = new_case();
        let e = refused(
            &c,
            &sam(),
            Command::AskReporter {
                body: "Which version?".into(),
            },
        );
        assert!(e.to_string().ends_with("acknowledge it first"), "{e}");
        run(&mut c, &sam(), Command::Acknowledge);
        run(
            &mut c,
            &sam(),
            Command::SetPreliminaryDecision {
                assessment: Assessment::LikelyVulnerability,
                note: None,
            },
        );
        run(
            &mut c,
            &sam(),
            Command::AskReporter {
                body: "Which version?".into(),
            },
        );
        assert_eq!(c.stage, Stage::NeedsInfo);
        assert_eq!(c.triage.open_question.as_ref().unwrap().id, QuestionId(1));
        // Only the reporter answers, and only the open question.
        assert!(matches!(
            refused(
                &c,
                &sam(),
                Command::AnswerQuestion {
                    question: QuestionId(1),
                    body: "1.2".into()
                }
            ),
            Rejection::Forbidden { .. }
        ));
        let e = refused(
            &c,
            &reporter(),
            Command::AnswerQuestion {
                question: QuestionId(2),
                body: "1.2".into(),
            },
        );
        assert!(
            e.to_string()
                .contains("question 2 is not open; the open question is 1"),
            "{e}"
        );
        run(
            &mut c,
            &reporter(),
            Command::AnswerQuestion {
                question: QuestionId(1),
                body: "1.2".into(),
            },
        );
        assert_eq!(c.stage, Stage::Triage);
        let e = refused(
            &c,
            &reporter(),
            Command::AnswerQuestion {
                question: QuestionId(1),
                body: "again".into(),
            },
        );
        assert!(matches!(e, Rejection::IllegalTransition { .. }));
    }

    #[test]
    fn answering_a_question_never_asked_is_refused() {
        let mut c = new_case();
        run(&mut c, &sam(), Command::Acknowledge);
        let e = refused(
            &c,
            &reporter(),
            Command::AnswerQuestion {
                question: QuestionId(1),
                body: "?".into(),
            },
        );
        assert_eq!(
            e.to_string(),
            "cannot answer a question on a case in stage triage: question 1 is not open"
        );
    }

    #[test]
    fn c11_final_decision_needs_an_acknowledged_case() {
        let mut c = new_case();
        let e = refused(
            &c,
            &sam(),
            Command::SetFinalDecision(DecisionInput::Confirm { explanation: None }),
        );
        assert_eq!(
            e.to_string(),
            "cannot record a final decision on a case in stage received: acknowledge it first"
        );
        run(&mut c, &sam(), Command::Acknowledge);
        run(
            &mut c,
            &sam(),
            Command::SetFinalDecision(DecisionInput::Confirm { explanation: None }),
        );
        assert_eq!(c.stage, Stage::Confirmed);
        let e = refused(&c, &sam(), reject(RejectReason::OutOfScope));
        assert!(
            e.to_string()
                .ends_with("the final decision was already made")
        );
    }

    #[test]
    fn c2_support_requests_are_rejected_with_a_polite_reason_the_reporter_sees() {
        let mut c = new_case();
        run(&mut c, &sam(), Command::Acknowledge);
        let events = run(&mut c, &sam(), reject(RejectReason::SupportRequest));
        assert_eq!(c.stage, Stage::Rejected);
        let Event::FinalDecisionSet {
            decision: FinalDecision::Rejected { explanation, .. },
        } = &events[0].event
        else {
            panic!()
        };
        assert!(explanation.contains("request for help"));
        assert!(access::sees_event(Standing::Reporter, &events[0].event));
        // Claiming a rejected case is refused; the reporter may still write.
        let e = refused(&c, &ada(), Command::Claim);
        assert_eq!(
            e.to_string(),
            "cannot claim a case in stage rejected: it was rejected"
        );
        run(
            &mut c,
            &reporter(),
            Command::Reply {
                body: "But it is a vuln!".into(),
            },
        );
    }

    /// Decides with the cases the shell found for the actor (`named`).
    fn with_named(
        case: &Case,
        actor: &Actor,
        cmd: &Command,
        named: Vec<Case>,
    ) -> Result<Vec<Event>, Rejection> {
        let context = CaseContext {
            project: project(),
            named,
        };
        crate::aggregate::Aggregate::decide(case, &context, actor, cmd, at(99))
    }

    /// Another case of the project, in triage (or rejected as `reason`).
    fn other(entropy: u64, project_slug: &str, reason: Option<RejectReason>) -> Case {
        let mut c = new_case();
        c.id = CaseId::from_entropy(entropy);
        c.project = ProjectSlug::parse(project_slug).unwrap();
        if let Some(reason) = reason {
            c.triage.decision = Some(FinalDecision::Rejected {
                reason,
                explanation: "dup".into(),
            });
            c.stage = Stage::Rejected;
        }
        c
    }

    #[test]
    fn a_duplicate_names_a_kept_case_of_the_same_project_the_actor_sees() {
        let mut c = new_case();
        run(&mut c, &sam(), Command::Acknowledge);
        let dup = |of: u64| {
            reject(RejectReason::Duplicate {
                of: CaseId::from_entropy(of),
            })
        };
        let field_rule = |r: Result<Vec<Event>, Rejection>| match r {
            Err(Rejection::Invalid(v)) => (v[0].field.clone(), v[0].rule, v[0].message.clone()),
            other => panic!("{other:?}"),
        };
        // Itself.
        let (field, rule, _) = field_rule(with_named(
            &c,
            &sam(),
            &reject(RejectReason::Duplicate { of: case_id() }),
            vec![c.clone()],
        ));
        assert_eq!((field.as_str(), rule), ("duplicate_of", Rule::NotAllowed));
        // A case the actor does not see reads exactly as one that does not exist.
        let unseen = field_rule(with_named(&c, &sam(), &dup(7), vec![]));
        let missing = field_rule(with_named(&c, &sam(), &dup(8), vec![]));
        assert_eq!(
            (unseen.0.as_str(), unseen.1),
            ("duplicate_of", Rule::UnknownCase)
        );
        assert_eq!(
            unseen.2.replace(&CaseId::from_entropy(7).to_string(), "X"),
            missing.2.replace(&CaseId::from_entropy(8).to_string(), "X")
        );
        // Another project's case, even one the actor sees, reads the same.
        let elsewhere = field_rule(with_named(
            &c,
            &sam(),
            &dup(7),
            vec![other(7, "vitess", None)],
        ));
        assert_eq!(elsewhere.1, Rule::UnknownCase);
        // A case that is itself a duplicate: name the one it duplicates.
        let first = CaseId::from_entropy(6);
        let chained = field_rule(with_named(
            &c,
            &sam(),
            &dup(7),
            vec![other(
                7,
                "connect",
                Some(RejectReason::Duplicate { of: first.clone() }),
            )],
        ));
        assert_eq!(chained.1, Rule::NotAllowed);
        assert!(chained.2.contains(&first.to_string()), "{}", chained.2);
        // A kept case of the same project, rejected for another reason or open, is fine.
        assert!(with_named(&c, &sam(), &dup(7), vec![other(7, "connect", None)]).is_ok());
        assert!(
            with_named(
                &c,
                &sam(),
                &dup(7),
                vec![other(7, "connect", Some(RejectReason::OutOfScope))]
            )
            .is_ok()
        );
        // The plain entry point names no other case, so it refuses every duplicate.
        assert!(matches!(refused(&c, &sam(), dup(7)), Rejection::Invalid(_)));
    }
}
