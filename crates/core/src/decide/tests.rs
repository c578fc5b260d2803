//! The state machine through its policy steps, the permission rules, and a property
//! test over random command sequences.

use super::*;
use crate::access::{Scope, scope, standing};
use crate::actor::User;
use crate::event::Assessment;
use crate::ids::{AttachmentId, ProjectSlug, QuestionId};
use crate::project::{Component, Member, Role};
use proptest::prelude::*;

const T0: i64 = 1_780_000_000;

fn at(sec: i64) -> Timestamp {
    Timestamp::from_second(T0 + sec).unwrap()
}

fn user(id: i64, name: &str) -> User {
    User {
        id: UserId(id),
        name: name.into(),
        instance_admin: false,
    }
}

/// Connect: Ada admin, Sam security-team, Mia and Max maintainers. Ivy (9) has no role.
fn project() -> Project {
    let m = |id, name: &str, role| Member {
        user: UserRef {
            id: UserId(id),
            name: name.into(),
        },
        role,
    };
    Project {
        slug: ProjectSlug::parse("connect").unwrap(),
        name: "Connect".into(),
        guidance: String::new(),
        components: vec![Component::new("go".into())],
        cna: None,
        members: vec![
            m(1, "Ada", Role::Admin),
            m(2, "Sam", Role::SecurityTeam),
            m(3, "Mia", Role::Maintainer),
            m(4, "Max", Role::Maintainer),
        ],
        created_at: at(0),
        version: 5,
    }
}

fn ada() -> Actor {
    Actor::User(user(1, "Ada"))
}
fn sam() -> Actor {
    Actor::User(user(2, "Sam"))
}
fn mia() -> Actor {
    Actor::User(user(3, "Mia"))
}
fn max() -> Actor {
    Actor::User(user(4, "Max"))
}
fn ivy() -> Actor {
    Actor::User(User {
        instance_admin: true,
        ..user(9, "Ivy")
    })
}
fn case_id() -> CaseId {
    CaseId::from_entropy(42)
}
fn reporter() -> Actor {
    Actor::Reporter(case_id())
}

fn new_case() -> Case {
    let draft = Draft {
        title: "Panic on oversized frame".into(),
        description: "Send 2 GiB…".into(),
        component: Some("go".into()),
        ..Draft::default()
    };
    let events = submit(
        &Actor::Anonymous,
        &project(),
        case_id(),
        draft,
        Channel::Web,
        vec![],
        at(0),
    )
    .unwrap();
    Case::replay(&events).unwrap()
}

/// Applies a command that must succeed; returns the events.
fn run(case: &mut Case, actor: &Actor, cmd: Command) -> Vec<Recorded<Event>> {
    let events = decide(
        actor,
        &project(),
        case,
        cmd.clone(),
        at(case.version as i64),
    )
    .unwrap_or_else(|e| panic!("{cmd:?} by {actor:?} refused: {e}"));
    for e in &events {
        case.apply(e);
    }
    events
}

fn refused(case: &Case, actor: &Actor, cmd: Command) -> Rejection {
    decide(actor, &project(), case, cmd.clone(), at(99))
        .expect_err(&format!("{cmd:?} should be refused"))
}

fn reject(reason: RejectReason) -> Command {
    Command::SetFinalDecision(DecisionInput::Reject {
        reason,
        explanation: None,
    })
}

#[test]
fn c3_acknowledge_moves_a_received_case_into_triage_once() {
    let mut c = new_case();
    assert_eq!(c.stage, Stage::Received);
    run(&mut c, &sam(), Command::Acknowledge);
    assert_eq!(c.stage, Stage::Triage);
    assert_eq!(c.acknowledged_at, Some(at(1)));
    let e = refused(&c, &sam(), Command::Acknowledge);
    assert_eq!(
        e.to_string(),
        "cannot acknowledge a case in stage triage: it was already acknowledged"
    );
}

#[test]
fn c8_claim_and_hand_over_the_coordinator_role() {
    let mut c = new_case();
    run(&mut c, &sam(), Command::Claim);
    assert!(c.is_coordinator(UserId(2)));
    let e = refused(&c, &ada(), Command::Claim);
    assert!(e.to_string().contains("Sam coordinates it"), "{e}");
    run(&mut c, &sam(), Command::HandOver { to: UserId(3) });
    assert!(c.is_coordinator(UserId(3)));
    // Mia hands over to Max; Mia, a maintainer, keeps seeing the case as a collaborator.
    let mut d = c.clone();
    let events = run(&mut d, &mia(), Command::HandOver { to: UserId(4) });
    assert_eq!(
        events.iter().map(|e| e.event.kind()).collect::<Vec<_>>(),
        ["handed_over", "collaborator_added"]
    );
    assert!(d.is_collaborator(UserId(3)));
    assert!(standing(&mia(), &project(), &d).is_some());
    // Mia, a maintainer, sees the case because she coordinates it, and leads it.
    assert!(matches!(standing(&mia(), &project(), &c), Some(Standing::Team(t)) if t.leads()));
    run(&mut c, &mia(), Command::AddCollaborator { user: UserId(4) });
    run(&mut c, &mia(), Command::Acknowledge);
}

#[test]
fn c10_collaborators_see_and_comment_but_do_not_lead() {
    let mut c = new_case();
    assert_eq!(
        refused(&c, &max(), Command::AddNote { body: "hi".into() }),
        Rejection::NotFound
    );
    run(&mut c, &sam(), Command::AddCollaborator { user: UserId(4) });
    run(
        &mut c,
        &max(),
        Command::AddNote {
            body: "reproduced on 1.2".into(),
        },
    );
    assert!(matches!(
        refused(&c, &max(), Command::Acknowledge),
        Rejection::Forbidden { .. }
    ));
    assert!(matches!(
        refused(&c, &sam(), Command::AddCollaborator { user: UserId(4) }),
        Rejection::Conflict { .. }
    ));
    let e = refused(&c, &sam(), Command::AddCollaborator { user: UserId(9) });
    assert!(
        matches!(&e, Rejection::Invalid(v) if v[0].rule == Rule::UnknownMember),
        "{e:?}"
    );
    run(
        &mut c,
        &sam(),
        Command::RemoveCollaborator { user: UserId(4) },
    );
    assert_eq!(
        refused(&c, &max(), Command::AddNote { body: "x".into() }),
        Rejection::NotFound
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
    assert_eq!(c.open_question.as_ref().unwrap().id, QuestionId(1));
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

#[test]
fn a_case_is_not_its_own_duplicate() {
    let mut c = new_case();
    run(&mut c, &sam(), Command::Acknowledge);
    let e = refused(
        &c,
        &sam(),
        reject(RejectReason::Duplicate { of: case_id() }),
    );
    assert!(matches!(&e, Rejection::Invalid(v) if v[0].field == "duplicate_of"));
    run(
        &mut c,
        &sam(),
        reject(RejectReason::Duplicate {
            of: CaseId::from_entropy(7),
        }),
    );
}

#[test]
fn c7_mark_public_once() {
    let mut c = new_case();
    run(
        &mut c,
        &sam(),
        Command::MarkPublic {
            link: Some("https://example.org/post".into()),
            note: None,
        },
    );
    assert!(c.public.is_some());
    assert!(matches!(
        refused(
            &c,
            &sam(),
            Command::MarkPublic {
                link: None,
                note: None
            }
        ),
        Rejection::IllegalTransition { .. }
    ));
    let e = refused(
        &new_case(),
        &sam(),
        Command::MarkPublic {
            link: Some("javascript:x".into()),
            note: None,
        },
    );
    assert!(matches!(&e, Rejection::Invalid(v) if v[0].rule == Rule::InvalidUrl));
}

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

#[test]
fn attachments_from_reporters_are_shared_and_names_are_plain() {
    let mut c = new_case();
    let att = |name: &str, visibility| Attachment {
        id: AttachmentId::from_entropy(5),
        filename: name.into(),
        content_type: "text/plain".into(),
        size: 3,
        sha256: "00".into(),
        visibility,
    };
    let ev = run(
        &mut c,
        &reporter(),
        Command::AddAttachment {
            attachment: att("poc.py", Visibility::Internal),
        },
    );
    assert_eq!(ev[0].event.visibility(), Visibility::Shared);
    let e = refused(
        &c,
        &sam(),
        Command::AddAttachment {
            attachment: att("../../etc/passwd", Visibility::Internal),
        },
    );
    assert!(matches!(&e, Rejection::Invalid(v) if v[0].field == "filename"));
}

// ---- property test: random command sequences by random actors ----

fn actors() -> Vec<Actor> {
    vec![
        Actor::Anonymous,
        reporter(),
        Actor::Reporter(CaseId::from_entropy(1)),
        ada(),
        sam(),
        mia(),
        max(),
        ivy(),
        Actor::Operator,
    ]
}

const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N";

fn set_cvss(v31: Option<&str>, v40: Option<&str>, effect: &str) -> Command {
    Command::SetCvss {
        cvss_v3_1: v31.map(str::to_owned),
        cvss_v4_0: v40.map(str::to_owned),
        effect: effect.into(),
    }
}

#[test]
fn c13_anyone_on_the_case_proposes_the_reporter_suggests_the_coordinator_decides() {
    let mut case = new_case();
    // The reporter may suggest a vector from the start; the team sees it as theirs.
    let e = run(
        &mut case,
        &reporter(),
        Command::ProposeCvss { vector: V31.into() },
    );
    assert!(matches!(e[0].event, Event::CvssSuggested { .. }));
    assert_eq!(e[0].event.visibility(), Visibility::Shared);
    run(&mut case, &sam(), Command::Acknowledge);
    run(
        &mut case,
        &sam(),
        Command::AddCollaborator { user: UserId(3) },
    );
    run(&mut case, &mia(), Command::Claim);
    run(
        &mut case,
        &mia(),
        Command::AddCollaborator { user: UserId(4) },
    );
    // A collaborator's proposal is internal; the vector is stored normalized.
    let e = run(
        &mut case,
        &max(),
        Command::ProposeCvss {
            vector: format!("  {V40}\n"),
        },
    );
    assert_eq!(e[0].event.visibility(), Visibility::Internal);
    assert_eq!(case.cvss_proposals.len(), 2);
    assert_eq!(case.cvss_proposals[1].vector, V40);
    assert_eq!(case.cvss_proposals[0].by, ActorRef::Reporter);

    // Only the coordinator makes the final call; security-team members propose.
    assert!(matches!(
        refused(&case, &sam(), set_cvss(Some(V31), None, "RCE")),
        Rejection::Forbidden { .. }
    ));
    assert!(matches!(
        refused(&case, &max(), set_cvss(Some(V31), None, "RCE")),
        Rejection::Forbidden { .. }
    ));
    run(
        &mut case,
        &mia(),
        set_cvss(Some(V31), Some(V40), "An attacker runs code."),
    );
    let score = case.cvss.clone().unwrap();
    assert_eq!(score.highest().unwrap().score.tenths(), 98);
    // Changing it is another event; the same call twice is refused.
    run(
        &mut case,
        &mia(),
        set_cvss(None, Some(V40), "An attacker reads memory."),
    );
    assert_eq!(case.cvss.as_ref().unwrap().cvss_v3_1, None);
    assert!(matches!(
        refused(
            &case,
            &mia(),
            set_cvss(None, Some(V40), "An attacker reads memory.")
        ),
        Rejection::IllegalTransition { .. }
    ));
}

#[test]
fn cvss_input_is_checked_with_the_cvss_library_rules() {
    let mut case = new_case();
    run(&mut case, &sam(), Command::Acknowledge);
    run(&mut case, &sam(), Command::Claim);
    let rule = |r: Rejection| match r {
        Rejection::Invalid(list) => (list[0].field.clone(), list[0].rule.code()),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        rule(refused(
            &case,
            &sam(),
            Command::ProposeCvss {
                vector: "CVSS:3.1/AV:N/AV:N".into()
            }
        )),
        ("vector".to_owned(), "cvss.duplicate_metric")
    );
    assert_eq!(
        rule(refused(
            &case,
            &reporter(),
            Command::ProposeCvss {
                vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into()
            }
        )),
        ("vector".to_owned(), "cvss.version_not_kept")
    );
    assert_eq!(
        rule(refused(&case, &sam(), set_cvss(Some(V31), None, ""))),
        ("effect".to_owned(), "required")
    );
    // Not on the case at all: not found, as always.
    assert_eq!(
        refused(&case, &mia(), Command::ProposeCvss { vector: V31.into() }),
        Rejection::NotFound
    );
}

#[test]
fn scoring_waits_for_acknowledgement_and_stops_at_rejection() {
    let mut case = new_case();
    run(&mut case, &sam(), Command::Claim);
    assert!(matches!(
        refused(&case, &sam(), set_cvss(Some(V31), None, "x")),
        Rejection::IllegalTransition { .. }
    ));
    run(&mut case, &sam(), Command::Acknowledge);
    run(&mut case, &sam(), reject(RejectReason::NotAVulnerability));
    for cmd in [
        set_cvss(Some(V31), None, "x"),
        Command::ProposeCvss { vector: V31.into() },
    ] {
        assert!(matches!(
            refused(&case, &sam(), cmd),
            Rejection::IllegalTransition { .. }
        ));
    }
}

fn advisory() -> crate::advisory::AdvisoryDetails {
    use crate::advisory::*;
    AdvisoryDetails {
        summary: Some("Unbounded allocation in frame decoding".into()),
        details: None,
        cwes: vec!["cwe-0400".into()],
        references: vec![Reference {
            url: "https://github.com/connectrpc/connect-go/pull/1".into(),
            kind: ReferenceKind::Fix,
        }],
        credits: vec![Credit {
            name: "Rae Porter".into(),
            contact: None,
            kind: CreditKind::Finder,
        }],
        affected: vec![AffectedRange {
            component: "GO".into(),
            introduced: "0".into(),
            fixed: Some("1.16.2".into()),
            last_affected: None,
        }],
        mitigation: None,
    }
}

fn confirmed_case_led_by_sam() -> Case {
    let mut case = new_case();
    run(&mut case, &sam(), Command::Acknowledge);
    run(&mut case, &sam(), Command::Claim);
    run(
        &mut case,
        &sam(),
        Command::SetFinalDecision(DecisionInput::Confirm { explanation: None }),
    );
    case
}

#[test]
fn c14_c17_c18_the_coordinator_prepares_the_advisory_gets_a_cve_id_and_discloses() {
    let mut case = new_case();
    // Nothing to publish before the vulnerability is confirmed.
    run(&mut case, &sam(), Command::Acknowledge);
    run(&mut case, &sam(), Command::Claim);
    for cmd in [
        Command::SetAdvisory(advisory()),
        Command::RequestCveId,
        Command::Disclose,
    ] {
        assert!(matches!(
            refused(&case, &sam(), cmd),
            Rejection::IllegalTransition { .. }
        ));
    }
    let mut case = confirmed_case_led_by_sam();
    // Only the coordinator; Ada (project admin) may not.
    assert!(matches!(
        refused(&case, &ada(), Command::SetAdvisory(advisory())),
        Rejection::Forbidden { .. }
    ));
    let e = run(&mut case, &sam(), Command::SetAdvisory(advisory()));
    assert_eq!(e[0].event.visibility(), Visibility::Internal, "embargoed");
    assert_eq!(case.advisory.cwes, ["CWE-400"], "normalized");
    assert_eq!(
        case.advisory.affected[0].component, "go",
        "canonical spelling"
    );
    assert!(matches!(
        refused(&case, &sam(), Command::SetAdvisory(advisory())),
        Rejection::IllegalTransition { .. }
    ));

    run(&mut case, &sam(), Command::RequestCveId);
    assert_eq!(case.cve, Some(crate::advisory::CveState::Requested));
    assert!(matches!(
        refused(&case, &sam(), Command::RequestCveId),
        Rejection::IllegalTransition { .. }
    ));
    run(
        &mut case,
        &sam(),
        Command::AssignCveId {
            id: "cve-2026-4242".into(),
        },
    );
    assert_eq!(
        case.cve.as_ref().and_then(|c| c.id()),
        Some("CVE-2026-4242")
    );
    assert!(matches!(
        refused(
            &case,
            &sam(),
            Command::AssignCveId {
                id: "CVE-2026-1111".into()
            }
        ),
        Rejection::IllegalTransition { .. }
    ));

    let e = run(&mut case, &sam(), Command::Disclose);
    assert_eq!(e[0].event.visibility(), Visibility::Shared);
    assert_eq!(case.stage, Stage::Disclosed);
    assert!(case.disclosed_at.is_some());
    assert!(matches!(
        refused(&case, &sam(), Command::Disclose),
        Rejection::IllegalTransition { .. }
    ));
    // The advisory can still be revised after disclosure.
    let mut revised = advisory();
    revised.mitigation = Some("Limit the maximum frame size.".into());
    run(&mut case, &sam(), Command::SetAdvisory(revised));
}

#[test]
fn advisory_details_report_every_problem_with_its_field() {
    let case = confirmed_case_led_by_sam();
    let mut bad = advisory();
    bad.cwes.push("XSS".into());
    bad.references[0].url = "javascript:alert(1)".into();
    bad.affected[0].component = "cobol".into();
    bad.credits[0].name = " ".into();
    let Rejection::Invalid(list) = refused(&case, &sam(), Command::SetAdvisory(bad)) else {
        panic!("invalid")
    };
    let fields: Vec<_> = list.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "cwes[1]",
            "references[0].url",
            "credits[0].name",
            "affected[0].component"
        ]
    );
    assert_eq!(
        refused(
            &case,
            &sam(),
            Command::AssignCveId {
                id: "CVE-26-1".into()
            }
        ),
        Rejection::invalid(
            "cve_id",
            Rule::InvalidFormat,
            "`cve_id` must be a CVE ID like CVE-2026-12345"
        )
    );
}

fn command() -> impl Strategy<Value = Command> {
    let user = (1i64..=9).prop_map(UserId);
    let body = prop_oneof![Just("text".to_owned()), Just(" ".to_owned())];
    let reason = prop_oneof![
        Just(RejectReason::NotAVulnerability),
        Just(RejectReason::SupportRequest),
        Just(RejectReason::OutOfScope),
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
    assert_eq!(c.stage == Stage::NeedsInfo, c.open_question.is_some());
    assert_eq!(c.stage == Stage::Received, c.acknowledged_at.is_none());
    assert_eq!(
        matches!(
            c.stage,
            Stage::Confirmed | Stage::Rejected | Stage::Disclosed
        ),
        c.decision.is_some()
    );
    // Public exactly when disclosed, and only from a confirmed case.
    assert_eq!(c.stage.is_public(), c.disclosed_at.is_some());
    if c.disclosed_at.is_some() {
        assert!(matches!(c.decision, Some(FinalDecision::Confirmed { .. })));
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
    if let Some(score) = &c.cvss {
        assert!(score.cvss_v3_1.is_some() || score.cvss_v4_0.is_some());
        assert!(log.iter().any(|e| matches!(e.event, Event::CvssSet { .. })));
    }
    let mut ids: Vec<_> = c.collaborators.iter().map(|u| u.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), c.collaborators.len(), "no collaborator twice");
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

fn decide_first() -> Recorded<Event> {
    let draft = Draft {
        title: "Panic on oversized frame".into(),
        description: "Send 2 GiB…".into(),
        component: Some("go".into()),
        ..Draft::default()
    };
    submit(
        &Actor::Anonymous,
        &project(),
        case_id(),
        draft,
        Channel::Web,
        vec![],
        at(0),
    )
    .unwrap()
    .remove(0)
}

#[test]
fn v10_an_imported_advisory_is_a_disclosed_case_that_keeps_its_record() {
    let draft = Draft {
        title: "Old advisory".into(),
        description: "Published in 2024.".into(),
        ..Draft::default()
    };
    let osv = r#"{"id":"GHSA-xxxx-yyyy-zzzz"}"#.to_owned();
    assert!(matches!(
        import(
            &sam(),
            &project(),
            case_id(),
            draft.clone(),
            osv.clone(),
            None,
            at(5)
        ),
        Err(Rejection::Forbidden { .. })
    ));
    let events = import(
        &Actor::Operator,
        &project(),
        case_id(),
        draft,
        osv.clone(),
        Some("cve-2024-1234".into()),
        at(5),
    )
    .unwrap();
    let case = Case::replay(&events).unwrap();
    assert_eq!(case.stage, Stage::Disclosed);
    assert_eq!(case.disclosed_at, Some(at(5)));
    assert_eq!(case.imported_osv.as_deref(), Some(osv.as_str()));
    assert_eq!(
        case.cve.as_ref().and_then(|c| c.id()),
        Some("CVE-2024-1234")
    );
    assert_eq!(case.report.channel, Channel::Import);
    assert!(events.iter().all(|e| e.actor == ActorRef::Operator));
}
