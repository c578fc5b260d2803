//! Notices about an account's privileges (issue 11 item 6): a new API token, a second
//! factor set up or removed, a project role given or taken. The account they concern
//! hears of each, in the app and by mail, so a privilege nobody asked for is seen; an
//! admin who changes their own role on a project is heard of by that project's other
//! admins. A notice names what changed and who did it, never a secret (a token, a
//! second factor's secret, a recovery code): events carry none to begin with.

use crate::account::{AccountEvent, TokenId};
use crate::actor::{ActorRef, UserRef};
use crate::event::Recorded;
use crate::ids::{ProjectSlug, UserId};
use crate::project::{Project, ProjectEvent, Role};
use serde::{Deserialize, Serialize};

/// What an account hears of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum AccountNotice {
    TokenCreated {
        token: TokenId,
        name: String,
    },
    SecondFactorEnrolled,
    /// `by`: someone other than the owner (an instance admin) removed it.
    SecondFactorRemoved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserRef>,
    },
    PasskeyAdded {
        name: String,
    },
    /// `name`: `None` when all went; `by` as for a second factor.
    PasskeyRemoved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserRef>,
    },
    /// `by`: who gave it; `None` for the operator (the CLI).
    RoleGranted {
        project: ProjectSlug,
        role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserRef>,
    },
    RoleRemoved {
        project: ProjectSlug,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserRef>,
    },
    /// To a project's admins: `admin` gave themselves `role` on it (an instance admin
    /// reaching into a project it was not part of, or an admin changing their own).
    RoleTakenByThemselves {
        project: ProjectSlug,
        admin: UserRef,
        role: Role,
    },
    /// To a project's admins: `admin` removed themselves from it.
    RoleLeftByThemselves {
        project: ProjectSlug,
        admin: UserRef,
    },
}

impl AccountNotice {
    /// The notice's kind, as the API names it.
    pub fn kind(&self) -> &'static str {
        match self {
            AccountNotice::TokenCreated { .. } => "token_created",
            AccountNotice::SecondFactorEnrolled => "second_factor_enrolled",
            AccountNotice::SecondFactorRemoved { .. } => "second_factor_removed",
            AccountNotice::PasskeyAdded { .. } => "passkey_added",
            AccountNotice::PasskeyRemoved { .. } => "passkey_removed",
            AccountNotice::RoleGranted { .. } => "role_granted",
            AccountNotice::RoleRemoved { .. } => "role_removed",
            AccountNotice::RoleTakenByThemselves { .. } => "role_taken_by_themselves",
            AccountNotice::RoleLeftByThemselves { .. } => "role_left_by_themselves",
        }
    }

    /// What it says, in one sentence to the account's owner.
    pub fn words(&self) -> String {
        let by = |by: &Option<UserRef>| match by {
            Some(u) => format!(" by {} (user {})", u.name, u.id),
            None => " by the operator".to_owned(),
        };
        match self {
            AccountNotice::TokenCreated { token, name } => {
                format!("A new API token “{name}” (token {token}) was created for your account.")
            }
            AccountNotice::SecondFactorEnrolled => {
                "An authenticator app was set up as your account's second factor.".to_owned()
            }
            AccountNotice::SecondFactorRemoved { by: None } => {
                "Your account's second factor was removed.".to_owned()
            }
            AccountNotice::SecondFactorRemoved { by: Some(u) } => format!(
                "Your account's second factor was removed by {} (user {}).",
                u.name, u.id
            ),
            AccountNotice::PasskeyAdded { name } => {
                format!("A passkey “{name}” was added to your account.")
            }
            AccountNotice::PasskeyRemoved { name, by: b } => {
                let which = match name {
                    Some(n) => format!("The passkey “{n}” was removed from your account"),
                    None => "Every passkey of your account was removed".to_owned(),
                };
                match b {
                    Some(u) => format!("{which} by {} (user {}).", u.name, u.id),
                    None => format!("{which}."),
                }
            }
            AccountNotice::RoleGranted {
                project,
                role,
                by: b,
            } => {
                format!("You were made {role} of project `{project}`{}.", by(b))
            }
            AccountNotice::RoleRemoved { project, by: b } => {
                format!("You were removed from project `{project}`{}.", by(b))
            }
            AccountNotice::RoleTakenByThemselves {
                project,
                admin,
                role,
            } => format!(
                "{} (user {}) made themselves {role} of project `{project}`.",
                admin.name, admin.id
            ),
            AccountNotice::RoleLeftByThemselves { project, admin } => format!(
                "{} (user {}) removed themselves from project `{project}`.",
                admin.name, admin.id
            ),
        }
    }

    /// A mail subject's words: what changed, without names.
    pub fn headline(&self) -> &'static str {
        match self {
            AccountNotice::TokenCreated { .. } => "a new API token on your account",
            AccountNotice::SecondFactorEnrolled => "a second factor was set up on your account",
            AccountNotice::SecondFactorRemoved { .. } => {
                "the second factor of your account was removed"
            }
            AccountNotice::PasskeyAdded { .. } => "a passkey was added to your account",
            AccountNotice::PasskeyRemoved { .. } => "a passkey was removed from your account",
            AccountNotice::RoleGranted { .. } => "you were given a project role",
            AccountNotice::RoleRemoved { .. } => "you were removed from a project",
            AccountNotice::RoleTakenByThemselves { .. } => {
                "an admin gave themselves a role on your project"
            }
            AccountNotice::RoleLeftByThemselves { .. } => {
                "an admin removed themselves from your project"
            }
        }
    }
}

fn user_actor(actor: &ActorRef) -> Option<&UserRef> {
    match actor {
        ActorRef::User(u) => Some(u),
        ActorRef::Reporter | ActorRef::Operator | ActorRef::System => None,
    }
}

/// Who hears of an account event, and what: always the account it is about.
pub fn for_account_event(e: &Recorded<AccountEvent>) -> Vec<(UserId, AccountNotice)> {
    match &e.event {
        AccountEvent::TokenCreated { owner, token, name } => vec![(
            owner.id,
            AccountNotice::TokenCreated {
                token: *token,
                name: name.clone(),
            },
        )],
        AccountEvent::SecondFactorEnrolled { user } => {
            vec![(user.id, AccountNotice::SecondFactorEnrolled)]
        }
        AccountEvent::SecondFactorRemoved { user } => {
            let by = user_actor(&e.actor).filter(|a| a.id != user.id).cloned();
            vec![(user.id, AccountNotice::SecondFactorRemoved { by })]
        }
        AccountEvent::PasskeyAdded { user, name } => {
            vec![(user.id, AccountNotice::PasskeyAdded { name: name.clone() })]
        }
        AccountEvent::PasskeyRemoved { user, name } => {
            let by = user_actor(&e.actor).filter(|a| a.id != user.id).cloned();
            vec![(
                user.id,
                AccountNotice::PasskeyRemoved {
                    name: name.clone(),
                    by,
                },
            )]
        }
        AccountEvent::UserCreated { .. }
        | AccountEvent::TokenRevoked { .. }
        | AccountEvent::PasswordLinkIssued { .. }
        | AccountEvent::PasswordSet { .. }
        | AccountEvent::IdentityLinked { .. } => Vec::new(),
    }
}

/// Who hears of a project event, and what, given the project after it: the member
/// whose role changed, and when they changed it themselves, the project's other
/// admins.
pub fn for_project_event(
    project: &Project,
    e: &Recorded<ProjectEvent>,
) -> Vec<(UserId, AccountNotice)> {
    let by = user_actor(&e.actor);
    let admins_but = |me: UserId| {
        project
            .members
            .iter()
            .filter(|m| m.role == Role::Admin && m.user.id != me)
            .map(|m| m.user.id)
            .collect::<Vec<_>>()
    };
    match &e.event {
        ProjectEvent::MemberSet { member } => {
            let mut out = vec![(
                member.user.id,
                AccountNotice::RoleGranted {
                    project: project.slug.clone(),
                    role: member.role,
                    by: by.cloned(),
                },
            )];
            if by.is_some_and(|b| b.id == member.user.id) {
                out.extend(admins_but(member.user.id).into_iter().map(|id| {
                    (
                        id,
                        AccountNotice::RoleTakenByThemselves {
                            project: project.slug.clone(),
                            admin: member.user.clone(),
                            role: member.role,
                        },
                    )
                }));
            }
            out
        }
        ProjectEvent::MemberRemoved { user } => {
            let mut out = vec![(
                user.id,
                AccountNotice::RoleRemoved {
                    project: project.slug.clone(),
                    by: by.cloned(),
                },
            )];
            if by.is_some_and(|b| b.id == user.id) {
                out.extend(admins_but(user.id).into_iter().map(|id| {
                    (
                        id,
                        AccountNotice::RoleLeftByThemselves {
                            project: project.slug.clone(),
                            admin: user.clone(),
                        },
                    )
                }));
            }
            out
        }
        ProjectEvent::Created { .. }
        | ProjectEvent::Updated { .. }
        | ProjectEvent::ComponentAdded { .. }
        | ProjectEvent::BranchSet { .. }
        | ProjectEvent::CnaSet { .. }
        | ProjectEvent::PolicySet { .. }
        | ProjectEvent::PackageSet { .. }
        | ProjectEvent::SecurityAddressSet { .. }
        | ProjectEvent::PgpKeySet { .. }
        | ProjectEvent::MailPreferenceSet { .. }
        | ProjectEvent::ChannelAdded { .. }
        | ProjectEvent::ChannelRemoved { .. }
        | ProjectEvent::ChannelTestRequested { .. }
        | ProjectEvent::ChannelTested { .. }
        | ProjectEvent::NoticeTemplateSet { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Member;
    use jiff::Timestamp;

    fn user(id: i64, name: &str) -> UserRef {
        UserRef {
            id: UserId(id),
            name: name.into(),
        }
    }

    fn project_with(members: &[(UserRef, Role)]) -> Project {
        let mut p = crate::project::apply_project(
            None,
            &ProjectEvent::Created {
                slug: ProjectSlug::parse("connect").unwrap(),
                name: "Connect".into(),
                guidance: String::new(),
                components: Vec::new(),
            },
            Timestamp::UNIX_EPOCH,
        );
        for (u, role) in members {
            p = crate::project::apply_project(
                Some(p),
                &ProjectEvent::MemberSet {
                    member: Member {
                        user: u.clone(),
                        role: *role,
                    },
                },
                Timestamp::UNIX_EPOCH,
            );
        }
        p
    }

    fn by(actor: &UserRef, event: ProjectEvent) -> Recorded<ProjectEvent> {
        Recorded {
            at: Timestamp::UNIX_EPOCH,
            actor: ActorRef::User(actor.clone()),
            event,
        }
    }

    /// Issue 11 item 6: an admin giving themselves a role is heard of by the project's
    /// other admins, and by themselves as any grant is.
    #[test]
    fn a_role_taken_by_oneself_reaches_the_other_admins() {
        let (ada, root, sam) = (user(1, "Ada"), user(9, "Root"), user(2, "Sam"));
        let p = project_with(&[
            (ada.clone(), Role::Admin),
            (sam.clone(), Role::Maintainer),
            (root.clone(), Role::Admin),
        ]);
        let event = ProjectEvent::MemberSet {
            member: Member {
                user: root.clone(),
                role: Role::Admin,
            },
        };
        let to: Vec<UserId> = for_project_event(&p, &by(&root, event))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(to, vec![root.id, ada.id]);
    }

    #[test]
    fn a_role_given_by_someone_else_reaches_only_its_holder() {
        let (ada, sam) = (user(1, "Ada"), user(2, "Sam"));
        let p = project_with(&[(ada.clone(), Role::Admin), (sam.clone(), Role::Maintainer)]);
        let event = ProjectEvent::MemberSet {
            member: Member {
                user: sam.clone(),
                role: Role::Maintainer,
            },
        };
        let notices = for_project_event(&p, &by(&ada, event));
        assert_eq!(
            notices,
            vec![(
                sam.id,
                AccountNotice::RoleGranted {
                    project: p.slug.clone(),
                    role: Role::Maintainer,
                    by: Some(ada.clone()),
                }
            )]
        );
    }

    #[test]
    fn leaving_oneself_reaches_the_other_admins() {
        let (ada, root) = (user(1, "Ada"), user(9, "Root"));
        let p = project_with(&[(ada.clone(), Role::Admin)]);
        let notices = for_project_event(
            &p,
            &by(&root, ProjectEvent::MemberRemoved { user: root.clone() }),
        );
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[1].0, ada.id);
        assert_eq!(notices[1].1.kind(), "role_left_by_themselves");
    }

    #[test]
    fn a_second_factor_removed_by_an_admin_says_who() {
        let (sam, root) = (user(2, "Sam"), user(9, "Root"));
        let e = Recorded {
            at: Timestamp::UNIX_EPOCH,
            actor: ActorRef::User(root.clone()),
            event: AccountEvent::SecondFactorRemoved { user: sam.clone() },
        };
        assert_eq!(
            for_account_event(&e),
            vec![(
                sam.id,
                AccountNotice::SecondFactorRemoved { by: Some(root) }
            )]
        );
    }
}
