//! Rules across areas: who sees a case and its events, and a property test over random
//! command sequences by random actors.

use super::fixtures::*;
use crate::access::{Scope, scope};
use crate::event::CreditChoice;
use proptest::prelude::*;

#[test]
fn reporters_see_only_shared_events_and_only_their_case() {
    let mut c = new_case();
    let note = run(
        &mut c,
        &sam(),
        Command::AddNote {
            body: "internal".into(),
        },
    );
    let msg = run(
        &mut c,
        &sam(),
        Command::MessageReporter {
            body: "thanks".into(),
        },
    );
    assert!(!access::sees_event(Standing::Reporter, &note[0].event));
    assert!(access::sees_event(Standing::Reporter, &msg[0].event));
    let other = Actor::Reporter(CaseId::from_entropy(1));
    assert_eq!(standing(&other, &project(), &c), None);
    assert_eq!(
        refused(&c, &other, Command::Reply { body: "x".into() }),
        Rejection::NotFound
    );
    assert!(matches!(
        refused(&c, &reporter(), Command::AddNote { body: "x".into() }),
        Rejection::Forbidden { .. }
    ));
}

#[test]
fn instance_admins_without_a_role_see_no_case() {
    let c = new_case();
    assert_eq!(standing(&ivy(), &project(), &c), None);
    assert_eq!(scope(&ivy(), &project()), Scope::Nothing);
    assert_eq!(
        refused(&c, &ivy(), Command::Acknowledge),
        Rejection::NotFound
    );
}

fn command() -> impl Strategy<Value = Command> {
    let user = (1i64..=9).prop_map(UserId);
    let body = prop_oneof![Just("text".to_owned()), Just(" ".to_owned())];
    let reason = prop_oneof![
        Just(RejectReason::NotAVulnerability),
        Just(RejectReason::SupportRequest),
        Just(RejectReason::OutOfScope),
        Just(RejectReason::Spam),
        (0u64..3).prop_map(|n| RejectReason::Duplicate {
            of: CaseId::from_entropy(40 + n)
        }),
    ];
    prop_oneof![
        Just(Command::Acknowledge),
        Just(Command::Claim),
        user.clone().prop_map(|to| Command::HandOver { to }),
        user.clone()
            .prop_map(|user| Command::AddCollaborator { user }),
        user.prop_map(|user| Command::RemoveCollaborator { user }),
        body.clone()
            .prop_map(|body| Command::MessageReporter { body }),
        body.clone().prop_map(|body| Command::AddNote { body }),
        body.clone().prop_map(|body| Command::AskReporter { body }),
        (1u32..4, body.clone()).prop_map(|(q, body)| Command::AnswerQuestion {
            question: QuestionId(q),
            body
        }),
        body.prop_map(|body| Command::Reply { body }),
        Just(Command::SetPreliminaryDecision {
            assessment: Assessment::NeedsAnalysis,
            note: None
        }),
        Just(Command::SetFinalDecision(DecisionInput::Confirm {
            explanation: None
        })),
        reason.prop_map(|reason| Command::SetFinalDecision(DecisionInput::Reject {
            reason,
            explanation: None
        })),
        Just(Command::MarkPublic {
            link: None,
            note: None
        }),
        prop_oneof![Just(V31), Just(V40), Just("CVSS:3.1/AV:N")]
            .prop_map(|v| Command::ProposeCvss { vector: v.into() }),
        (
            proptest::option::of(Just(V31)),
            proptest::option::of(Just(V40))
        )
            .prop_map(|(a, b)| set_cvss(a, b, "effect")),
        Just(Command::WithdrawAdvisory {
            reason: "wrong".into()
        }),
        prop_oneof![
            Just(CreditChoice::Accepted),
            Just(CreditChoice::Declined),
            Just(CreditChoice::Renamed { name: "R.".into() }),
        ]
        .prop_map(Command::ChooseCredit),
    ]
}

fn check_invariants(c: &Case, log: &[Recorded<Event>]) {
    let p = project();
    assert_eq!(c.version as usize, log.len());
    assert_eq!(
        Case::replay(log).as_ref(),
        Some(c),
        "the stored fold equals a replay"
    );
    assert_eq!(
        c.stage == Stage::NeedsInfo,
        c.triage.open_question.is_some()
    );
    // Leaving `received` acknowledges the report, except rejecting a flood's report
    // (spam or a duplicate), which is never acknowledged (issue 14).
    let flood = matches!(
        c.triage.decision,
        Some(FinalDecision::Rejected {
            reason: RejectReason::Spam | RejectReason::Duplicate { .. },
            ..
        })
    );
    if c.triage.acknowledged_at.is_none() {
        assert!(
            c.stage == Stage::Received || (c.stage == Stage::Rejected && flood),
            "only a flood's report leaves `received` unacknowledged: {:?}",
            c.stage
        );
    }
    if c.stage == Stage::Received {
        assert!(c.triage.acknowledged_at.is_none());
    }
    assert_eq!(
        matches!(
            c.stage,
            Stage::Confirmed | Stage::Rejected | Stage::Disclosed
        ),
        c.triage.decision.is_some()
    );
    // Public exactly when disclosed, and only from a confirmed case.
    assert_eq!(c.stage.is_public(), c.disclosure.disclosed_at.is_some());
    if c.disclosure.disclosed_at.is_some() {
        assert!(matches!(
            c.triage.decision,
            Some(FinalDecision::Confirmed { .. })
        ));
    }
    for a in actors() {
        // The listing rule and the per-case rule agree, for every actor.
        assert_eq!(
            scope(&a, &p).includes(c),
            standing(&a, &p, c).is_some(),
            "{a:?}"
        );
    }
    assert_eq!(standing(&reporter(), &p, c), Some(Standing::Reporter));
    for a in [
        Actor::Anonymous,
        Actor::Operator,
        ivy(),
        Actor::Reporter(CaseId::from_entropy(1)),
    ] {
        assert_eq!(standing(&a, &p, c), None, "{a:?} never sees the case");
    }
    // Only the coordinator's call sets a score, and it always holds a vector.
    if let Some(score) = &c.scoring.score {
        assert!(score.cvss_v3_1.is_some() || score.cvss_v4_0.is_some());
        assert!(log.iter().any(|e| matches!(e.event, Event::CvssSet { .. })));
    }
    let mut ids: Vec<_> = c.people.collaborators.iter().map(|u| u.id).collect();
    ids.dedup();
    assert_eq!(
        ids.len(),
        c.people.collaborators.len(),
        "no collaborator twice"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_the_invariants(
        steps in proptest::collection::vec((0usize..9, command()), 1..40)
    ) {
        let actors = actors();
        let mut case = new_case();
        let mut log = vec![decide_first()];
        for (i, (who, cmd)) in steps.into_iter().enumerate() {
            let before = case.clone();
            match decide(&actors[who], &project(), &case, cmd, at(i as i64 + 1)) {
                Ok(events) => {
                    prop_assert!(!events.is_empty());
                    for e in &events { case.apply(e); }
                    log.extend(events);
                }
                Err(_) => prop_assert_eq!(&case, &before),
            }
            check_invariants(&case, &log);
        }
    }
}
