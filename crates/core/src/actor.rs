//! Who is acting: a signed-in user, a reporter holding a case's tracking token, someone
//! anonymous, or the operator running the CLI against the database.

use crate::ids::{CaseId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    /// Holds the tracking token of exactly this case.
    Reporter(CaseId),
    User(User),
    /// Someone with direct access to the database through the CLI (bootstrap, scripts).
    Operator,
}

/// A signed-in account, as the shell authenticated it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    /// Manages the instance (creates projects and accounts). Seeing a project's cases
    /// still needs a role in that project, so every reader of embargoed text is a
    /// member whose membership is on record.
    pub instance_admin: bool,
    /// The account has a confirmed second factor (a project may require one of the
    /// members who see its cases).
    pub second_factor: bool,
}

impl User {
    pub fn as_ref(&self) -> UserRef {
        UserRef {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

/// A user as events remember them: the name at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: UserId,
    pub name: String,
}

/// Who did something, as an event records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActorRef {
    User(UserRef),
    Reporter,
    Operator,
    /// Embargo itself (the scheduler, the outbox worker).
    System,
}

impl Actor {
    /// How events record this actor. Anonymous actors only ever submit reports, so
    /// they are recorded as the reporter.
    pub fn as_ref(&self) -> ActorRef {
        match self {
            Actor::Anonymous | Actor::Reporter(_) => ActorRef::Reporter,
            Actor::User(u) => ActorRef::User(u.as_ref()),
            Actor::Operator => ActorRef::Operator,
        }
    }
}

impl ActorRef {
    /// The user who acted, if a user did.
    pub fn user(&self) -> Option<&UserRef> {
        match self {
            ActorRef::User(u) => Some(u),
            ActorRef::Reporter | ActorRef::Operator | ActorRef::System => None,
        }
    }
}
