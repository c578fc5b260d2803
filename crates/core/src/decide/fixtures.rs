//! Shared by the decide tests of every area: the Connect project, its people, a new
//! case, and helpers that run or refuse a command.

#![allow(unused_imports)]

pub(crate) use crate::access;
pub(crate) use crate::access::Standing;
pub(crate) use crate::access::standing;
pub(crate) use crate::actor::{Actor, ActorRef, User, UserRef};
pub(crate) use crate::case::{Case, Stage};
pub(crate) use crate::command::{Command, DecisionInput};
pub(crate) use crate::decide::{CaseContext, decide, import, submit};
pub(crate) use crate::event::{
    Assessment, Attachment, Event, FinalDecision, Recorded, RejectReason, Visibility,
};
pub(crate) use crate::ids::{AttachmentId, CaseId, ProjectSlug, QuestionId, UserId};
pub(crate) use crate::project::{Component, Member, Project, Role};
pub(crate) use crate::rejection::{Rejection, Rule};
pub(crate) use crate::report::{Channel, Draft};
pub(crate) use jiff::Timestamp;

pub(crate) const T0: i64 = 1_780_000_000;

pub(crate) fn at(sec: i64) -> Timestamp {
    Timestamp::from_second(T0 + sec).unwrap()
}

pub(crate) fn user(id: i64, name: &str) -> User {
    User {
        id: UserId(id),
        name: name.into(),
        instance_admin: false,
        second_factor: false,
    }
}

/// Connect: Ada admin, Sam security-team, Mia and Max maintainers. Ivy (9) has no role.
pub(crate) fn project() -> Project {
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
        policy: None,
        security_address: None,
        mail_preferences: Vec::new(),
        pgp_key: None,
        channels: Vec::new(),
        notice_templates: Default::default(),
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

pub(crate) fn ada() -> Actor {
    Actor::User(user(1, "Ada"))
}

pub(crate) fn sam() -> Actor {
    Actor::User(user(2, "Sam"))
}

pub(crate) fn mia() -> Actor {
    Actor::User(user(3, "Mia"))
}

pub(crate) fn max() -> Actor {
    Actor::User(user(4, "Max"))
}

pub(crate) fn ivy() -> Actor {
    Actor::User(User {
        instance_admin: true,
        ..user(9, "Ivy")
    })
}

pub(crate) fn case_id() -> CaseId {
    CaseId::from_entropy(42)
}

pub(crate) fn reporter() -> Actor {
    Actor::Reporter(case_id())
}

pub(crate) fn new_case() -> Case {
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
pub(crate) fn run(case: &mut Case, actor: &Actor, cmd: Command) -> Vec<Recorded<Event>> {
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

pub(crate) fn refused(case: &Case, actor: &Actor, cmd: Command) -> Rejection {
    decide(actor, &project(), case, cmd.clone(), at(99))
        .expect_err(&format!("{cmd:?} should be refused"))
}

pub(crate) fn reject(reason: RejectReason) -> Command {
    Command::SetFinalDecision(DecisionInput::Reject {
        reason,
        explanation: None,
    })
}

// ---- property test: random command sequences by random actors ----

pub(crate) fn actors() -> Vec<Actor> {
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

pub(crate) const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

pub(crate) const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N";

pub(crate) fn set_cvss(v31: Option<&str>, v40: Option<&str>, effect: &str) -> Command {
    Command::SetCvss {
        cvss_v3_1: v31.map(str::to_owned),
        cvss_v4_0: v40.map(str::to_owned),
        effect: effect.into(),
    }
}

pub(crate) fn advisory() -> crate::advisory::AdvisoryDetails {
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

pub(crate) fn confirmed_case_led_by_sam() -> Case {
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

pub(crate) fn decide_first() -> Recorded<Event> {
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

/// The commands that satisfy disclosure's gate on a confirmed case led by Sam: the
/// team's summary, a final CVSS call and a mitigation (V8).
pub(crate) fn ready_to_disclose() -> Vec<Command> {
    vec![
        Command::SetAdvisory(advisory()),
        set_cvss(Some(V31), None, "Remote denial of service."),
        Command::RecordMitigation {
            text: "Limit the maximum frame size.".into(),
        },
    ]
}

pub(crate) const DAY: i64 = 86_400;

/// A plan for the release ten days after T0, on `main`.
pub(crate) fn plan_input(day: i64) -> crate::release::PlanInput {
    crate::release::PlanInput {
        at: at(day * DAY).to_string(),
        versions: vec![("main".into(), "1.17.0".into())],
        binaries: Some("https://github.com/connectrpc/connect-go/releases".into()),
        mitigation: Some("Limit frame sizes at the proxy.".into()),
        upgrade: Some("Upgrade to 1.17.0.".into()),
    }
}

/// The release's part of the disclosure gate, by whom: a plan the reporter agreed to
/// and final release notes.
pub(crate) fn release_commands() -> Vec<(Actor, Command)> {
    vec![
        (
            sam(),
            Command::ProposeReleasePlan {
                plan: plan_input(10),
                reason: None,
            },
        ),
        (reporter(), Command::AcceptReleaseDate),
        (
            sam(),
            Command::FinalizeReleaseNotes {
                notes: Ok("## Security\n".into()),
            },
        ),
    ]
}

/// Passes the whole disclosure gate: [`ready_to_disclose`], then the release's part.
pub(crate) fn release_ready(case: &mut Case) {
    for cmd in ready_to_disclose() {
        run(case, &sam(), cmd);
    }
    for (actor, cmd) in release_commands() {
        run(case, &actor, cmd);
    }
}
