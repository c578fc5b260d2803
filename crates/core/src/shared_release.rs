//! A release shared by several cases of one project (issue 10, C6): its own stream
//! `release:<id>`. The release holds the plan; every case that joins it gets the plan
//! as its own proposed plan (`Event::ReleasePlanProposed`, decided by the case), in the
//! same append, so each reporter accepts on their own case, the override after their
//! silence, the gate and the scheduled disclosure stay per case.
//!
//! Deciding here covers the release's own stream; the shell also decides the mirrored
//! plan on each joined case and appends all of it at once.

use crate::access;
use crate::actor::Actor;
use crate::case::Case;
use crate::event::Recorded;
use crate::ids::{CaseId, ProjectSlug};
use crate::project::Project;
use crate::rejection::{Invalid, Rejection, Rule};
use crate::release::{self, PlanInput, ReleasePlan, utc_minute};
use crate::text::{self, limits};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most cases one release ships.
pub const MAX_CASES: usize = 50;

/// A shared release's id such as `REL-7K3Q-9XHM-2RPA` (60 random bits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReleaseId(String);

impl ReleaseId {
    pub const PREFIX: &'static str = "REL-";

    pub fn from_entropy(entropy: u64) -> Self {
        let case = CaseId::from_entropy(entropy);
        ReleaseId(format!(
            "{}{}",
            Self::PREFIX,
            &case.as_str()[CaseId::PREFIX.len()..]
        ))
    }

    /// Parses user input; `None` for anything that is not a well-formed release id.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case(Self::PREFIX))
            .map(|_| &s[4..])?;
        let case = CaseId::parse(&format!("{}{rest}", CaseId::PREFIX))?;
        Some(ReleaseId(format!(
            "{}{}",
            Self::PREFIX,
            &case.as_str()[CaseId::PREFIX.len()..]
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What happened to a shared release: the persisted event format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReleaseEvent {
    Created {
        release: ReleaseId,
        project: ProjectSlug,
        name: String,
    },
    /// The case takes the release's plan as its own (recorded on the case in the same
    /// append, when the release has a plan).
    CaseJoined { case: CaseId },
    /// The case leaves, keeping the plan it had as its own.
    CaseLeft { case: CaseId, reason: String },
    /// The plan proposed or changed (with the reason when its date moves).
    PlanProposed {
        plan: ReleasePlan,
        reason: Option<String>,
    },
}

impl ReleaseEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ReleaseEvent::Created { .. } => "created",
            ReleaseEvent::CaseJoined { .. } => "case_joined",
            ReleaseEvent::CaseLeft { .. } => "case_left",
            ReleaseEvent::PlanProposed { .. } => "plan_proposed",
        }
    }
}

/// A change of the plan, for the release page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChange {
    pub at: Timestamp,
    pub release_at: Timestamp,
    pub reason: Option<String>,
}

/// A case that left, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Departure {
    pub case: CaseId,
    pub reason: String,
    pub at: Timestamp,
}

/// The fold of a `release:<id>` stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedRelease {
    pub id: ReleaseId,
    pub project: ProjectSlug,
    pub name: String,
    /// The joined cases, in the order they joined.
    pub cases: Vec<CaseId>,
    pub plan: Option<ReleasePlan>,
    pub changes: Vec<PlanChange>,
    pub departures: Vec<Departure>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The number of events in the stream (optimistic concurrency).
    pub version: u64,
}

impl SharedRelease {
    /// Folds a stream; `None` for an empty one, or one that does not start with `created`.
    pub fn replay(events: &[Recorded<ReleaseEvent>]) -> Option<SharedRelease> {
        let mut state: Option<SharedRelease> = None;
        for e in events {
            match (&mut state, &e.event) {
                (
                    None,
                    ReleaseEvent::Created {
                        release,
                        project,
                        name,
                    },
                ) => {
                    state = Some(SharedRelease {
                        id: release.clone(),
                        project: project.clone(),
                        name: name.clone(),
                        cases: Vec::new(),
                        plan: None,
                        changes: Vec::new(),
                        departures: Vec::new(),
                        created_at: e.at,
                        updated_at: e.at,
                        version: 1,
                    });
                }
                (None, _) => return None,
                (Some(s), _) => s.apply(e),
            }
        }
        state
    }

    /// Folds one event. Never fails: events are facts.
    pub fn apply(&mut self, e: &Recorded<ReleaseEvent>) {
        match &e.event {
            ReleaseEvent::Created { name, .. } => self.name = name.clone(),
            ReleaseEvent::CaseJoined { case } => {
                if !self.cases.contains(case) {
                    self.cases.push(case.clone());
                }
            }
            ReleaseEvent::CaseLeft { case, reason } => {
                self.cases.retain(|c| c != case);
                self.departures.push(Departure {
                    case: case.clone(),
                    reason: reason.clone(),
                    at: e.at,
                });
            }
            ReleaseEvent::PlanProposed { plan, reason } => {
                self.plan = Some(plan.clone());
                self.changes.push(PlanChange {
                    at: e.at,
                    release_at: plan.at,
                    reason: reason.clone(),
                });
            }
        }
        self.updated_at = e.at;
        self.version += 1;
    }

    /// The plan as a case's `release-plan` input, to be decided on each joined case.
    pub fn plan_input(&self) -> Option<PlanInput> {
        self.plan.as_ref().map(|p| PlanInput {
            at: p.at.to_string(),
            versions: p
                .versions
                .iter()
                .map(|v| (v.branch.clone(), v.version.clone()))
                .collect(),
            binaries: p.binaries.clone(),
            mitigation: p.mitigation.clone(),
            upgrade: p.upgrade.clone(),
        })
    }

    /// The reason a joined case's mirrored plan carries.
    pub fn case_reason(&self, reason: Option<&str>) -> String {
        match reason {
            Some(r) => format!("{} (shared release {}): {r}", self.name, self.id),
            None => format!("the plan of the shared release {} ({})", self.name, self.id),
        }
    }
}

/// Whether someone may see a shared release: the project's security team and admins,
/// and whoever works (as team) on one of its cases — `cases` as the actor sees them.
/// Everyone else is answered as for a release that does not exist.
pub fn sees(actor: &Actor, project: &Project, cases: &[Case]) -> bool {
    if manages(actor, project) {
        return true;
    }
    cases.iter().any(|c| {
        matches!(
            access::standing(actor, project, c),
            Some(access::Standing::Team(_))
        )
    })
}

/// Whether someone may create a release and change it: the project's security team
/// and admins (who coordinate every case of the project).
pub fn manages(actor: &Actor, project: &Project) -> bool {
    match actor {
        Actor::User(u) => project.role_of(u.id).is_some_and(|r| r.sees_all_cases()),
        Actor::Anonymous | Actor::Operator | Actor::Reporter(_) => false,
    }
}

fn forbidden() -> Rejection {
    Rejection::Forbidden {
        action: "change a shared release",
        needs: "the project's security team or an admin",
    }
}

/// Creates a release in `project`, named.
pub fn create(
    actor: &Actor,
    project: &Project,
    release: ReleaseId,
    name: &str,
) -> Result<ReleaseEvent, Rejection> {
    if !manages(actor, project) {
        return Err(forbidden());
    }
    let name = text::required_line("name", name, limits::NAME).map_err(one)?;
    Ok(ReleaseEvent::Created {
        release,
        project: project.slug.clone(),
        name,
    })
}

/// Joins a case (as the actor sees it; `None` when they do not, or it does not exist)
/// to the release. `elsewhere` names the release the case is already in, if any.
pub fn join(
    state: &SharedRelease,
    project: &Project,
    actor: &Actor,
    case: Option<&Case>,
    elsewhere: Option<&ReleaseId>,
) -> Result<ReleaseEvent, Rejection> {
    if !manages(actor, project) {
        return Err(forbidden());
    }
    let unknown = || {
        Rejection::invalid(
            "case",
            Rule::UnknownCase,
            "`case`: no such case in the release's project",
        )
    };
    let case = case.ok_or_else(unknown)?;
    if case.project != state.project {
        return Err(unknown());
    }
    if state.cases.contains(&case.id) {
        return Err(Rejection::invalid(
            "case",
            Rule::NotAllowed,
            format!("`case`: {} is already in this release", case.id),
        ));
    }
    if let Some(other) = elsewhere {
        return Err(Rejection::invalid(
            "case",
            Rule::NotAllowed,
            format!(
                "`case`: {} is in the shared release {other}: it leaves that one first",
                case.id
            ),
        ));
    }
    if state.cases.len() >= MAX_CASES {
        return Err(Rejection::invalid(
            "case",
            Rule::TooLong,
            format!("a release ships at most {MAX_CASES} cases"),
        ));
    }
    Ok(ReleaseEvent::CaseJoined {
        case: case.id.clone(),
    })
}

/// A case leaves the release, with the reason.
pub fn leave(
    state: &SharedRelease,
    project: &Project,
    actor: &Actor,
    case: &CaseId,
    reason: &str,
) -> Result<ReleaseEvent, Rejection> {
    if !manages(actor, project) {
        return Err(forbidden());
    }
    if !state.cases.contains(case) {
        return Err(Rejection::NotFound);
    }
    let reason = release::reason(reason).map_err(one)?;
    Ok(ReleaseEvent::CaseLeft {
        case: case.clone(),
        reason,
    })
}

/// Proposes or changes the plan: checked against every component of the project (each
/// joined case checks it again against its own when it takes it); a new date needs a
/// reason.
pub fn propose_plan(
    state: &SharedRelease,
    project: &Project,
    actor: &Actor,
    input: &PlanInput,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<ReleaseEvent, Rejection> {
    if !manages(actor, project) {
        return Err(forbidden());
    }
    let plan = release::plan(input, project, None, now).map_err(Rejection::Invalid)?;
    let reason = match (&state.plan, reason.map(str::trim)) {
        (Some(old), None | Some("")) if old.at != plan.at => {
            return Err(one(Invalid::new(
                "reason",
                Rule::Required,
                format!(
                    "`reason`: say why the release moves from {} to {}",
                    utc_minute(old.at),
                    utc_minute(plan.at)
                ),
            )));
        }
        (_, None | Some("")) => None,
        (_, Some(r)) => Some(release::reason(r).map_err(one)?),
    };
    if state.plan.as_ref() == Some(&plan) {
        return Err(Rejection::Conflict {
            field: "plan".into(),
            message: "the release plan is already this one".into(),
        });
    }
    Ok(ReleaseEvent::PlanProposed { plan, reason })
}

fn one(i: Invalid) -> Rejection {
    Rejection::Invalid(vec![i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let id = ReleaseId::from_entropy(0x0123_4567_89ab_cdef);
        assert!(id.as_str().starts_with("REL-"));
        assert_eq!(ReleaseId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(ReleaseId::parse(&id.as_str().to_lowercase()), Some(id));
        assert_eq!(ReleaseId::parse("EMB-0000-0000-0000"), None);
        assert_eq!(ReleaseId::parse("REL-0000"), None);
    }

    #[test]
    fn a_stream_must_start_with_created() {
        let at = Timestamp::UNIX_EPOCH;
        let rec = |event| Recorded {
            at,
            actor: crate::actor::ActorRef::System,
            event,
        };
        let case = CaseId::from_entropy(7);
        assert_eq!(
            SharedRelease::replay(&[rec(ReleaseEvent::CaseJoined { case: case.clone() })]),
            None
        );
        let r = SharedRelease::replay(&[
            rec(ReleaseEvent::Created {
                release: ReleaseId::from_entropy(1),
                project: ProjectSlug::parse("connect").unwrap(),
                name: "1.17.1".into(),
            }),
            rec(ReleaseEvent::CaseJoined { case: case.clone() }),
            rec(ReleaseEvent::CaseLeft {
                case,
                reason: "not ready".into(),
            }),
        ])
        .unwrap();
        assert_eq!((r.version, r.cases.len(), r.departures.len()), (3, 0, 1));
    }
}
