//! Who may see and do what — the only place these rules live.
//!
//! Seeing comes first: [`standing`] is `None` for anyone who may not see a case, and the
//! shells answer them exactly as for a case that does not exist. [`scope`] is the same
//! rule in the shape a store can turn into a query, so listings never load what the
//! viewer may not see.

use crate::actor::{Actor, User};
use crate::case::Case;
use crate::event::{Attachment, Event, Visibility};
use crate::ids::{CaseId, UserId};
use crate::project::{Project, Role};

/// How someone stands towards one case they can see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Holds the case's tracking token.
    Reporter,
    Team(TeamStanding),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeamStanding {
    pub role: Role,
    pub coordinator: bool,
    pub collaborator: bool,
}

impl TeamStanding {
    /// Runs the case: the coordinator, the security team, project admins.
    pub fn leads(self) -> bool {
        self.coordinator || self.role.sees_all_cases()
    }
}

/// `None` means: this actor may not know the case exists.
pub fn standing(actor: &Actor, project: &Project, case: &Case) -> Option<Standing> {
    if case.project != project.slug {
        return None;
    }
    match actor {
        Actor::Anonymous | Actor::Operator => None,
        Actor::Reporter(id) => (*id == case.id).then_some(Standing::Reporter),
        Actor::User(user) => {
            let role = project.role_of(user.id)?;
            if !meets_second_factor_rule(user, project) {
                return None;
            }
            let t = TeamStanding {
                role,
                coordinator: case.is_coordinator(user.id),
                collaborator: case.is_collaborator(user.id),
            };
            (role.sees_all_cases() || t.coordinator || t.collaborator).then_some(Standing::Team(t))
        }
    }
}

/// A project whose policy requires a second factor shows its cases only to members
/// who have one; the others keep their role (and the project's settings, for admins)
/// and see its cases once they set one up.
pub fn meets_second_factor_rule(user: &User, project: &Project) -> bool {
    user.second_factor
        || !project
            .policy
            .as_ref()
            .is_some_and(|p| p.require_second_factor)
}

/// Which of a project's cases someone may list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every case of the project.
    All,
    /// Cases where this user is coordinator or collaborator.
    Involved(UserId),
    /// Only this case.
    One(CaseId),
    Nothing,
}

/// The listing form of [`standing`]; the two must agree (a property test checks it).
pub fn scope(actor: &Actor, project: &Project) -> Scope {
    match actor {
        Actor::Anonymous | Actor::Operator => Scope::Nothing,
        Actor::Reporter(id) => Scope::One(id.clone()),
        Actor::User(user) => match project.role_of(user.id) {
            None => Scope::Nothing,
            Some(_) if !meets_second_factor_rule(user, project) => Scope::Nothing,
            Some(role) if role.sees_all_cases() => Scope::All,
            Some(_) => Scope::Involved(user.id),
        },
    }
}

impl Scope {
    pub fn includes(&self, case: &Case) -> bool {
        match self {
            Scope::All => true,
            Scope::Involved(u) => case.is_coordinator(*u) || case.is_collaborator(*u),
            Scope::One(id) => *id == case.id,
            Scope::Nothing => false,
        }
    }
}

/// Runs the instance: creates projects and accounts, hands out password links.
pub fn administers_instance(actor: &Actor) -> bool {
    match actor {
        Actor::Operator => true,
        Actor::User(u) => u.instance_admin,
        Actor::Anonymous | Actor::Reporter(_) => false,
    }
}

/// Manages a project: its name, guidance, components, members and CNA settings.
pub fn manages_project(actor: &Actor, project: &Project) -> bool {
    administers_instance(actor)
        || matches!(actor, Actor::User(u) if project.role_of(u.id) == Some(Role::Admin))
}

/// Who reviews mail held in a project's quarantine (it may be an embargoed report):
/// the project's admins and security team, who see every case of the project. Mail no
/// project could be told for (`None`) is the instance admins' to sort.
pub fn reviews_quarantine(actor: &Actor, project: Option<&Project>) -> bool {
    match (actor, project) {
        (Actor::Operator, _) => true,
        (Actor::User(u), Some(p)) => {
            matches!(p.role_of(u.id), Some(Role::Admin | Role::SecurityTeam))
        }
        (Actor::User(u), None) => u.instance_admin,
        (Actor::Anonymous | Actor::Reporter(_), _) => false,
    }
}

/// Whether someone may see who works on a project: its members and their roles.
/// Reporters and the public see only the project's name, guidance and components.
pub fn sees_members(actor: &Actor, project: &Project) -> bool {
    match actor {
        Actor::Operator => true,
        Actor::User(u) => u.instance_admin || project.member(u.id).is_some(),
        Actor::Anonymous | Actor::Reporter(_) => false,
    }
}

/// Whether someone with this standing sees this event on the timeline.
pub fn sees_event(standing: Standing, event: &Event) -> bool {
    match standing {
        Standing::Team(_) => true,
        Standing::Reporter => match event.visibility() {
            Visibility::Shared => true,
            Visibility::Internal => false,
        },
    }
}

/// Whether someone with this standing sees this attachment (its name, its bytes): the
/// team sees every file, the reporter only the shared ones. Everyone else has no
/// standing and sees no file of the case. Every page, API answer and download asks
/// this one function.
pub fn sees_attachment(standing: Standing, attachment: &Attachment) -> bool {
    match (standing, attachment.visibility) {
        (Standing::Team(_), Visibility::Shared | Visibility::Internal) => true,
        (Standing::Reporter, Visibility::Shared) => true,
        (Standing::Reporter, Visibility::Internal) => false,
    }
}

/// Whether someone with this standing sees this clock: the team sees every one, the
/// reporter those the policy marks `reporter_sees` (acknowledge and disclosure target
/// in the `connect` preset, C3 and C6).
pub fn sees_clock(standing: Standing, clock: &crate::clocks::Clock) -> bool {
    match standing {
        Standing::Team(_) => true,
        Standing::Reporter => clock.reporter_sees,
    }
}

/// What a standing allows, for the UI to show only the buttons that will work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Lead,
    Claim,
    Collaborate,
    ActAsReporter,
    /// What only the case's coordinator does: the final CVSS call (C13), the advisory,
    /// the CVE ID, disclosure.
    Coordinate,
}

impl Action {
    pub fn needs(self) -> &'static str {
        match self {
            Action::Lead => "the case's coordinator, the security team or a project admin",
            Action::Claim => "a member of the security team or a collaborator on the case",
            Action::Collaborate => "someone working on the case",
            Action::ActAsReporter => "the case's reporter",
            Action::Coordinate => "the case's coordinator",
        }
    }
}

pub fn permits(standing: Standing, action: Action) -> bool {
    match (standing, action) {
        (Standing::Team(t), Action::Lead) => t.leads(),
        (Standing::Team(_), Action::Claim | Action::Collaborate) => true,
        (Standing::Team(t), Action::Coordinate) => t.coordinator,
        (Standing::Team(_), Action::ActAsReporter) => false,
        (Standing::Reporter, Action::ActAsReporter) => true,
        (
            Standing::Reporter,
            Action::Lead | Action::Claim | Action::Collaborate | Action::Coordinate,
        ) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{User, UserRef};
    use crate::decide::fixtures::{new_case, project};
    use crate::event::Attachment;
    use crate::ids::AttachmentId;
    use crate::project::Member;

    /// Who sees which file of a case: reporter (the tracking-link holder), collaborator,
    /// project member not on the case, outsider, instance admin without a role, project
    /// admin; for a shared and an internal file.
    #[test]
    fn attachment_matrix() {
        let mut p = project();
        p.members.push(Member {
            user: UserRef {
                id: UserId(5),
                name: "Col".into(),
            },
            role: Role::Maintainer,
        });
        let mut case = new_case();
        case.people.collaborators.push(UserRef {
            id: UserId(5),
            name: "Col".into(),
        });
        let file = |visibility| Attachment {
            id: AttachmentId::from_entropy(1),
            filename: "poc.py".into(),
            content_type: "text/x-python".into(),
            size: 1,
            sha256: String::new(),
            visibility,
        };
        let user = |id, instance_admin| {
            Actor::User(User {
                id: UserId(id),
                name: format!("u{id}"),
                instance_admin,
                second_factor: false,
            })
        };
        let sees = |actor: &Actor, v| {
            standing(actor, &p, &case).is_some_and(|s| sees_attachment(s, &file(v)))
        };
        let rows: [(&str, Actor, bool, bool); 7] = [
            (
                "tracking-link holder",
                Actor::Reporter(case.id.clone()),
                true,
                false,
            ),
            ("collaborator", user(5, false), true, true),
            (
                "project member, not on the case",
                user(3, false),
                false,
                false,
            ),
            ("security team", user(2, false), true, true),
            ("project admin", user(1, false), true, true),
            ("instance admin without a role", user(9, true), false, false),
            ("outsider", Actor::Anonymous, false, false),
        ];
        for (who, actor, shared, internal) in rows {
            assert_eq!(sees(&actor, Visibility::Shared), shared, "{who}, shared");
            assert_eq!(
                sees(&actor, Visibility::Internal),
                internal,
                "{who}, internal"
            );
        }
    }

    /// Issue 11: a project that requires a second factor shows its cases (one by one
    /// and in listings, by the same rule) only to members who have one; a reporter's
    /// link is unaffected.
    #[test]
    fn a_required_second_factor_hides_the_cases_from_members_without_one() {
        let mut p = project();
        let case = new_case();
        let member = |second_factor| {
            Actor::User(User {
                id: UserId(2),
                name: "Sam".into(),
                instance_admin: false,
                second_factor,
            })
        };
        for required in [false, true] {
            let mut policy = crate::policy::Policy::connect();
            policy.require_second_factor = required;
            p.policy = Some(policy);
            for has in [false, true] {
                let sees = has || !required;
                assert_eq!(standing(&member(has), &p, &case).is_some(), sees);
                assert_eq!(scope(&member(has), &p).includes(&case), sees);
            }
            let reporter = Actor::Reporter(case.id.clone());
            assert_eq!(standing(&reporter, &p, &case), Some(Standing::Reporter));
        }
    }
}
