//! Accounts and API tokens: who may create them, and what they must look like.
//! Secrets (password hashes, tokens) never enter an event; only that they changed.

use crate::actor::{Actor, UserRef};
use crate::aggregate::Aggregate;
use crate::event::Recorded;
use crate::ids::UserId;
use crate::rejection::{Invalid, Rejection};
use crate::text::{self, limits};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An API token's id (not the token: that is shown once and stored hashed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub i64);

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountCommand {
    /// `id` is drawn by the shell.
    CreateUser {
        id: UserId,
        email: String,
        name: String,
        instance_admin: bool,
    },
    CreateToken {
        owner: UserRef,
        id: TokenId,
        name: String,
    },
    RevokeToken {
        owner: UserRef,
        id: TokenId,
    },
    /// A one-time link for `user` to set a password: an invitation or a reset.
    IssuePasswordLink {
        user: UserRef,
    },
    /// The holder of a password link (the account's owner) sets the password.
    SetPassword {
        user: UserRef,
    },
    /// The account's owner, signed in at an OpenID provider whose verified e-mail
    /// address is the account's, binds that provider's subject to the account.
    LinkIdentity {
        user: UserRef,
        provider: String,
        subject: String,
    },
    /// The account's owner confirms an authenticator app (TOTP) as a second factor.
    EnrolSecondFactor {
        user: UserRef,
    },
    /// The owner, or an instance admin for someone who lost theirs, removes it.
    RemoveSecondFactor {
        user: UserRef,
    },
    /// The account's owner adds a passkey (a WebAuthn credential) named `name`.
    AddPasskey {
        user: UserRef,
        name: String,
    },
    /// The owner, or an instance admin for someone who lost theirs, removes a passkey
    /// (`name`) or, with `None`, all of them.
    RemovePasskey {
        user: UserRef,
        name: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AccountEvent {
    UserCreated {
        user: UserRef,
        email: String,
        instance_admin: bool,
    },
    TokenCreated {
        owner: UserRef,
        token: TokenId,
        name: String,
    },
    TokenRevoked {
        owner: UserRef,
        token: TokenId,
    },
    /// The recorded actor is the admin who issued the link.
    PasswordLinkIssued {
        user: UserRef,
    },
    /// The recorded actor is the account's owner, who used the link.
    PasswordSet {
        user: UserRef,
    },
    /// From now on `subject` at `provider` signs in to this account.
    IdentityLinked {
        user: UserRef,
        provider: String,
        subject: String,
    },
    /// An authenticator app (TOTP) is the account's second factor; the secret and the
    /// recovery codes are kept by the store, never in an event.
    SecondFactorEnrolled {
        user: UserRef,
    },
    SecondFactorRemoved {
        user: UserRef,
    },
    /// A passkey signs in to the account and serves as its second factor; the key
    /// itself is kept by the store, never in an event.
    PasskeyAdded {
        user: UserRef,
        name: String,
    },
    /// `name`: the passkey removed; `None`: all of them.
    PasskeyRemoved {
        user: UserRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

impl AccountEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            AccountEvent::UserCreated { .. } => "user_created",
            AccountEvent::TokenCreated { .. } => "token_created",
            AccountEvent::TokenRevoked { .. } => "token_revoked",
            AccountEvent::PasswordLinkIssued { .. } => "password_link_issued",
            AccountEvent::PasswordSet { .. } => "password_set",
            AccountEvent::IdentityLinked { .. } => "identity_linked",
            AccountEvent::SecondFactorEnrolled { .. } => "second_factor_enrolled",
            AccountEvent::SecondFactorRemoved { .. } => "second_factor_removed",
            AccountEvent::PasskeyAdded { .. } => "passkey_added",
            AccountEvent::PasskeyRemoved { .. } => "passkey_removed",
        }
    }
}

/// Lower-cases an address so that one person has one account.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The instance's accounts as one stream. Its projection is the store's account rows
/// (which hold secrets no event may carry), so there is no state to fold here, and the
/// stream is appended without a version check: each change is guarded by a row of its
/// own (a unique e-mail address, a token, a one-time link).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accounts;

impl Aggregate for Accounts {
    type Command = AccountCommand;
    type Event = AccountEvent;
    type Context = ();

    fn version(&self) -> u64 {
        0
    }

    fn decide(
        &self,
        _: &(),
        actor: &Actor,
        command: &AccountCommand,
        _now: Timestamp,
    ) -> Result<Vec<AccountEvent>, Rejection> {
        decide_account(actor, command.clone())
    }

    fn apply(&mut self, _: &Recorded<AccountEvent>) {}
}

pub fn decide_account(
    actor: &Actor,
    command: AccountCommand,
) -> Result<Vec<AccountEvent>, Rejection> {
    let (instance_admin, me) = match actor {
        Actor::Operator => (true, None),
        Actor::User(u) => (u.instance_admin, Some(u.id)),
        Actor::Anonymous | Actor::Reporter(_) => (false, None),
    };
    let own = |id: UserId| me == Some(id);
    match command {
        AccountCommand::CreateUser {
            id,
            email,
            name,
            instance_admin: make_admin,
        } => {
            if !instance_admin {
                return Err(Rejection::Forbidden {
                    action: "create an account",
                    needs: "an instance admin",
                });
            }
            let mut errors = Vec::new();
            let email = text::email("email", &email)
                .map_err(|e| errors.push(e))
                .ok();
            let name = text::required_line("name", &name, limits::NAME)
                .map_err(|e| errors.push(e))
                .ok();
            if !errors.is_empty() {
                return Err(Rejection::Invalid(errors));
            }
            Ok(vec![AccountEvent::UserCreated {
                user: UserRef {
                    id,
                    name: name.expect("checked"),
                },
                email: normalize_email(&email.expect("checked")),
                instance_admin: make_admin,
            }])
        }
        AccountCommand::CreateToken { owner, id, name } => {
            if !(own(owner.id) || matches!(actor, Actor::Operator)) {
                return Err(Rejection::Forbidden {
                    action: "create an API token",
                    needs: "the token's owner",
                });
            }
            let name = text::required_line("name", &name, 100)
                .map_err(|e: Invalid| Rejection::Invalid(vec![e]))?;
            Ok(vec![AccountEvent::TokenCreated {
                owner,
                token: id,
                name,
            }])
        }
        AccountCommand::RevokeToken { owner, id } => {
            if !(own(owner.id) || instance_admin) {
                return Err(Rejection::NotFound);
            }
            Ok(vec![AccountEvent::TokenRevoked { owner, token: id }])
        }
        AccountCommand::IssuePasswordLink { user } => {
            if !instance_admin {
                return Err(Rejection::Forbidden {
                    action: "issue a password link",
                    needs: "an instance admin",
                });
            }
            Ok(vec![AccountEvent::PasswordLinkIssued { user }])
        }
        AccountCommand::SetPassword { user } => {
            if !(own(user.id) || matches!(actor, Actor::Operator)) {
                return Err(Rejection::Forbidden {
                    action: "set a password",
                    needs: "the account's owner",
                });
            }
            Ok(vec![AccountEvent::PasswordSet { user }])
        }
        AccountCommand::LinkIdentity {
            user,
            provider,
            subject,
        } => {
            if !(own(user.id) || matches!(actor, Actor::Operator)) {
                return Err(Rejection::Forbidden {
                    action: "link a sign-in identity",
                    needs: "the account's owner",
                });
            }
            let mut errors = Vec::new();
            let provider = text::required_line("provider", &provider, 64)
                .map_err(|e| errors.push(e))
                .ok();
            // OpenID Connect allows a subject of up to 255 ASCII characters.
            let subject = text::required_line("subject", &subject, 255)
                .map_err(|e| errors.push(e))
                .ok();
            if !errors.is_empty() {
                return Err(Rejection::Invalid(errors));
            }
            Ok(vec![AccountEvent::IdentityLinked {
                user,
                provider: provider.expect("checked"),
                subject: subject.expect("checked"),
            }])
        }
        AccountCommand::EnrolSecondFactor { user } => {
            if !own(user.id) {
                return Err(Rejection::Forbidden {
                    action: "set up a second factor",
                    needs: "the account's owner",
                });
            }
            Ok(vec![AccountEvent::SecondFactorEnrolled { user }])
        }
        AccountCommand::RemoveSecondFactor { user } => {
            if !(own(user.id) || instance_admin) {
                return Err(Rejection::NotFound);
            }
            Ok(vec![AccountEvent::SecondFactorRemoved { user }])
        }
        AccountCommand::AddPasskey { user, name } => {
            if !own(user.id) {
                return Err(Rejection::Forbidden {
                    action: "add a passkey",
                    needs: "the account's owner",
                });
            }
            let name = text::required_line("name", &name, limits::PASSKEY_NAME)
                .map_err(|e: Invalid| Rejection::Invalid(vec![e]))?;
            Ok(vec![AccountEvent::PasskeyAdded { user, name }])
        }
        AccountCommand::RemovePasskey { user, name } => {
            if !(own(user.id) || instance_admin) {
                return Err(Rejection::NotFound);
            }
            Ok(vec![AccountEvent::PasskeyRemoved { user, name }])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::User;

    fn as_user(id: i64, instance_admin: bool) -> Actor {
        Actor::User(User {
            id: UserId(id),
            name: "x".into(),
            instance_admin,
            second_factor: false,
        })
    }

    /// Issue 11, item 1: only the owner sets up a second factor; the owner or an
    /// instance admin (for someone who lost theirs) removes it; for anyone else the
    /// account might as well not exist.
    #[test]
    fn second_factors_are_the_owners() {
        let sam = UserRef {
            id: UserId(3),
            name: "Sam".into(),
        };
        let enrol = || AccountCommand::EnrolSecondFactor { user: sam.clone() };
        let remove = || AccountCommand::RemoveSecondFactor { user: sam.clone() };
        assert_eq!(
            decide_account(&as_user(3, false), enrol()).unwrap(),
            vec![AccountEvent::SecondFactorEnrolled { user: sam.clone() }]
        );
        assert!(decide_account(&as_user(4, true), enrol()).is_err());
        assert!(decide_account(&Actor::Anonymous, enrol()).is_err());
        assert!(decide_account(&as_user(3, false), remove()).is_ok());
        assert!(decide_account(&as_user(4, true), remove()).is_ok());
        assert_eq!(
            decide_account(&as_user(4, false), remove()).unwrap_err(),
            Rejection::NotFound
        );
    }

    /// Issue 11, item 1: passkeys follow the same rule, and a passkey's name is a line
    /// of text like any other.
    #[test]
    fn passkeys_are_the_owners() {
        let sam = UserRef {
            id: UserId(3),
            name: "Sam".into(),
        };
        let add = |name: &str| AccountCommand::AddPasskey {
            user: sam.clone(),
            name: name.into(),
        };
        let remove = || AccountCommand::RemovePasskey {
            user: sam.clone(),
            name: None,
        };
        assert_eq!(
            decide_account(&as_user(3, false), add(" Laptop ")).unwrap(),
            vec![AccountEvent::PasskeyAdded {
                user: sam.clone(),
                name: "Laptop".into()
            }]
        );
        assert!(decide_account(&as_user(4, true), add("Laptop")).is_err());
        assert!(decide_account(&as_user(3, false), add("")).is_err());
        assert!(decide_account(&as_user(3, false), add("Key\u{202e}gpj")).is_err());
        assert!(decide_account(&as_user(4, true), remove()).is_ok());
        assert_eq!(
            decide_account(&as_user(4, false), remove()).unwrap_err(),
            Rejection::NotFound
        );
    }

    #[test]
    fn only_admins_create_accounts_and_emails_are_normalized() {
        let cmd = || AccountCommand::CreateUser {
            id: UserId(7),
            email: " Alice@Example.ORG ".into(),
            name: "Alice".into(),
            instance_admin: false,
        };
        let ev = decide_account(&Actor::Operator, cmd()).unwrap();
        assert!(
            matches!(&ev[0], AccountEvent::UserCreated { email, .. } if email == "alice@example.org")
        );
        let bob = Actor::User(User {
            id: UserId(2),
            name: "Bob".into(),
            instance_admin: false,
            second_factor: false,
        });
        assert!(matches!(
            decide_account(&bob, cmd()),
            Err(Rejection::Forbidden { .. })
        ));
        assert!(matches!(
            decide_account(&Actor::Anonymous, cmd()),
            Err(Rejection::Forbidden { .. })
        ));
    }

    #[test]
    fn admins_issue_password_links_and_owners_set_passwords() {
        let ada = User {
            id: UserId(1),
            name: "Ada".into(),
            instance_admin: true,
            second_factor: false,
        };
        let bob = User {
            id: UserId(2),
            name: "Bob".into(),
            instance_admin: false,
            second_factor: false,
        };
        let link = |user: &User| AccountCommand::IssuePasswordLink {
            user: user.as_ref(),
        };
        assert_eq!(
            decide_account(&Actor::User(ada.clone()), link(&bob)),
            Ok(vec![AccountEvent::PasswordLinkIssued {
                user: bob.as_ref()
            }])
        );
        assert!(decide_account(&Actor::Operator, link(&bob)).is_ok());
        // Nobody hands themselves a reset link without being an admin.
        assert!(matches!(
            decide_account(&Actor::User(bob.clone()), link(&bob)),
            Err(Rejection::Forbidden { .. })
        ));
        let set = |user: &User| AccountCommand::SetPassword {
            user: user.as_ref(),
        };
        assert!(decide_account(&Actor::User(bob.clone()), set(&bob)).is_ok());
        // An admin issues the link but does not set the password for the owner.
        assert!(matches!(
            decide_account(&Actor::User(ada), set(&bob)),
            Err(Rejection::Forbidden { .. })
        ));
    }

    #[test]
    fn tokens_are_their_owners_business() {
        let bob = User {
            id: UserId(2),
            name: "Bob".into(),
            instance_admin: false,
            second_factor: false,
        };
        let alice = UserRef {
            id: UserId(1),
            name: "Alice".into(),
        };
        let create = |owner: UserRef| AccountCommand::CreateToken {
            owner,
            id: TokenId(1),
            name: "ci".into(),
        };
        assert!(decide_account(&Actor::User(bob.clone()), create(bob.as_ref())).is_ok());
        assert!(decide_account(&Actor::User(bob.clone()), create(alice.clone())).is_err());
        assert_eq!(
            decide_account(
                &Actor::User(bob),
                AccountCommand::RevokeToken {
                    owner: alice,
                    id: TokenId(1)
                }
            ),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn only_the_owner_links_a_sign_in_identity_and_it_is_checked() {
        let bob = User {
            id: UserId(2),
            name: "Bob".into(),
            instance_admin: false,
            second_factor: false,
        };
        let ada = User {
            id: UserId(1),
            name: "Ada".into(),
            instance_admin: true,
            second_factor: false,
        };
        let link = |subject: &str| AccountCommand::LinkIdentity {
            user: bob.as_ref(),
            provider: "keycloak".into(),
            subject: subject.into(),
        };
        assert_eq!(
            decide_account(&Actor::User(bob.clone()), link("248289761001")).unwrap(),
            vec![AccountEvent::IdentityLinked {
                user: bob.as_ref(),
                provider: "keycloak".into(),
                subject: "248289761001".into(),
            }]
        );
        // Not even an instance admin binds someone else's sign-in.
        assert!(matches!(
            decide_account(&Actor::User(ada), link("248289761001")),
            Err(Rejection::Forbidden { .. })
        ));
        let Err(Rejection::Invalid(errors)) =
            decide_account(&Actor::User(bob.clone()), link(&"x".repeat(256)))
        else {
            panic!("a subject longer than 255 characters is refused");
        };
        assert_eq!(errors[0].field, "subject");
    }
}
