//! Work that events ask of the outside world (CVE Services today; e-mail and webhooks
//! later). `core` names the work; the store queues it in the same transaction as the
//! events, so an accepted request is never lost and a refused one queues nothing; the
//! server's outbox worker carries it out and reports back with a [`SystemCommand`].

use crate::actor::ActorRef;
use crate::advisory::CveState;
use crate::case::{Case, Stage};
use crate::event::{Event, Recorded};
use crate::rejection::Rejection;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Effect {
    /// Reserve one CVE ID for the case at CVE Services (C14).
    ReserveCve,
    /// Publish the case's CVE record at CVE Services (C18).
    PublishCve { id: String },
    /// Ask CVE Services, once a day while the case holds `id` as reserved, whether
    /// the ID is still RESERVED: the CVE Program rejects IDs (a duplicate, one left
    /// unused at the end of its year), and a rejected ID must not be published.
    WatchCveId { id: String },
}

/// How often a reserved ID's state is checked.
pub const WATCH_INTERVAL: SignedDuration = SignedDuration::from_hours(24);

impl Effect {
    pub fn as_str(&self) -> &'static str {
        match self {
            Effect::ReserveCve => "reserve-cve",
            Effect::PublishCve { .. } => "publish-cve",
            Effect::WatchCveId { .. } => "watch-cve-id",
        }
    }

    /// How long after the event the work is first due.
    pub fn delay(&self) -> SignedDuration {
        match self {
            Effect::ReserveCve | Effect::PublishCve { .. } => SignedDuration::ZERO,
            // The ID was reserved a moment ago: nothing to learn before tomorrow.
            Effect::WatchCveId { .. } => WATCH_INTERVAL,
        }
    }
}

/// The work `event` asks for, given the case as it is after the event.
pub fn effects(case: &Case, event: &Event) -> Vec<Effect> {
    let reserved = match &case.advisory.cve {
        Some(CveState::Reserved { id }) => Some(id.clone()),
        _ => None,
    };
    let publish = || -> Vec<Effect> {
        reserved
            .clone()
            .map(|id| Effect::PublishCve { id })
            .into_iter()
            .collect()
    };
    match event {
        Event::CveRequested => vec![Effect::ReserveCve],
        // A record is published once the case is public and its ID is ours: at
        // disclosure, or when a reservation arrives after it.
        Event::Disclosed if case.stage == Stage::Disclosed => publish(),
        Event::CveReserved { id } => {
            let mut work = vec![Effect::WatchCveId { id: id.clone() }];
            if case.stage == Stage::Disclosed {
                work.extend(publish());
            }
            work
        }
        _ => Vec::new(),
    }
}

/// What the outbox worker reports back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemCommand {
    CveReserved {
        id: String,
    },
    CvePublished {
        id: String,
    },
    /// The worker could not do it (gave up, not configured, credentials refused).
    CveFailed {
        message: String,
    },
    /// CVE Services refused; its message.
    CveRejected {
        message: String,
    },
    /// CVE Services lists the reserved ID as REJECTED.
    CveIdRejected {
        id: String,
    },
}

/// Decides a report from the outbox worker. Stale reports (the coordinator entered an
/// ID meanwhile) are refused and change nothing.
pub fn decide_system(
    case: &Case,
    command: SystemCommand,
    now: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    let stale = |why: &str| Rejection::IllegalTransition {
        action: "record the CVE Services result for",
        stage: case.stage,
        reason: why.to_owned(),
    };
    let event = match command {
        SystemCommand::CveReserved { id } => match &case.advisory.cve {
            Some(CveState::Requested) => Event::CveReserved { id },
            _ => return Err(stale("no CVE ID request is waiting")),
        },
        SystemCommand::CveFailed { message } => match &case.advisory.cve {
            Some(CveState::Requested | CveState::Reserved { .. }) => Event::CveRequestFailed {
                message: crate::text::required_body(
                    "message",
                    &message,
                    crate::text::limits::SHORT * 4,
                )
                .unwrap_or_else(|_| "CVE Services failed without a message".into()),
            },
            _ => return Err(stale("no CVE Services work is waiting")),
        },
        SystemCommand::CveRejected { message } => match &case.advisory.cve {
            Some(CveState::Requested | CveState::Reserved { .. }) => Event::CveRequestRejected {
                message: crate::text::required_body(
                    "message",
                    &message,
                    crate::text::limits::SHORT * 4,
                )
                .unwrap_or_else(|_| "CVE Services failed without a message".into()),
            },
            _ => return Err(stale("no CVE Services work is waiting")),
        },
        SystemCommand::CveIdRejected { id } => match &case.advisory.cve {
            Some(CveState::Reserved { id: ours }) if *ours == id => Event::CveIdRejected { id },
            _ => return Err(stale("the case holds no such reserved ID")),
        },
        SystemCommand::CvePublished { id } => match &case.advisory.cve {
            Some(CveState::Reserved { id: ours }) if *ours == id => Event::CvePublished { id },
            _ => return Err(stale("the case has no reserved ID to publish")),
        },
    };
    Ok(vec![Recorded {
        at: now,
        actor: ActorRef::System,
        event,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Actor, User};
    use crate::command::{Command, DecisionInput};
    use crate::decide::{decide, submit};
    use crate::ids::{CaseId, ProjectSlug, UserId};
    use crate::project::{Component, Member, Project, Role};
    use crate::report::{Channel, Draft};

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000 + s).unwrap()
    }

    fn project() -> Project {
        Project {
            slug: ProjectSlug::parse("connect").unwrap(),
            name: "Connect".into(),
            guidance: String::new(),
            components: vec![Component::new("go".into())],
            members: vec![Member {
                user: crate::actor::UserRef {
                    id: UserId(2),
                    name: "Sam".into(),
                },
                role: Role::SecurityTeam,
            }],
            cna: None,
            created_at: at(0),
            version: 2,
        }
    }

    fn run(case: &mut Case, cmd: Command) -> Vec<Effect> {
        let sam = Actor::User(User {
            id: UserId(2),
            name: "Sam".into(),
            instance_admin: false,
        });
        let events = decide(&sam, &project(), case, cmd, at(case.version as i64)).unwrap();
        let mut effects_seen = Vec::new();
        for e in &events {
            case.apply(e);
            effects_seen.extend(effects(case, &e.event));
        }
        effects_seen
    }

    fn system(case: &mut Case, cmd: SystemCommand) -> Result<Vec<Effect>, Rejection> {
        let events = decide_system(case, cmd, at(case.version as i64))?;
        let mut seen = Vec::new();
        for e in &events {
            assert_eq!(e.actor, ActorRef::System);
            case.apply(e);
            seen.extend(effects(case, &e.event));
        }
        Ok(seen)
    }

    #[test]
    fn a_cve_request_is_reserved_then_published_at_disclosure() {
        let draft = Draft {
            title: "t".into(),
            description: "d".into(),
            ..Draft::default()
        };
        let events = submit(
            &Actor::Anonymous,
            &project(),
            CaseId::from_entropy(1),
            draft,
            Channel::Web,
            vec![],
            at(0),
        )
        .unwrap();
        let mut case = Case::replay(&events).unwrap();
        run(&mut case, Command::Acknowledge);
        run(&mut case, Command::Claim);
        run(
            &mut case,
            Command::SetFinalDecision(DecisionInput::Confirm { explanation: None }),
        );
        assert_eq!(run(&mut case, Command::RequestCveId), [Effect::ReserveCve]);
        // A publication report before any reservation is stale and changes nothing.
        let before = case.clone();
        assert!(
            system(
                &mut case,
                SystemCommand::CvePublished {
                    id: "CVE-2026-1".into()
                }
            )
            .is_err()
        );
        assert_eq!(case, before);
        assert_eq!(
            system(
                &mut case,
                SystemCommand::CveReserved {
                    id: "CVE-2026-1000".into()
                }
            )
            .unwrap(),
            [Effect::WatchCveId {
                id: "CVE-2026-1000".into()
            }]
        );
        assert_eq!(
            run(&mut case, Command::Disclose),
            [Effect::PublishCve {
                id: "CVE-2026-1000".into()
            }]
        );
        // A rejection of another ID is stale; of ours, it ends the reservation.
        let before = case.clone();
        let other = SystemCommand::CveIdRejected {
            id: "CVE-2026-9999".into(),
        };
        assert!(system(&mut case, other).is_err());
        assert_eq!(case, before);
        let mut rejected = case.clone();
        let ours = SystemCommand::CveIdRejected {
            id: "CVE-2026-1000".into(),
        };
        assert_eq!(system(&mut rejected, ours).unwrap(), []);
        assert!(
            matches!(&rejected.advisory.cve, Some(CveState::Rejected { message }) if message.contains("CVE-2026-1000"))
        );
        // A failed publication keeps the ID.
        system(
            &mut case,
            SystemCommand::CveFailed {
                message: "INVALID_JSON_SCHEMA".into(),
            },
        )
        .unwrap();
        assert_eq!(
            case.advisory.cve,
            Some(CveState::Reserved {
                id: "CVE-2026-1000".into()
            })
        );
        system(
            &mut case,
            SystemCommand::CvePublished {
                id: "CVE-2026-1000".into(),
            },
        )
        .unwrap();
        assert_eq!(
            case.advisory.cve,
            Some(CveState::Published {
                id: "CVE-2026-1000".into()
            })
        );
    }
}
