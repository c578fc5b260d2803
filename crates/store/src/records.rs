//! Rows the store hands out and takes in, beside the domain types from `core`.

use crate::SecretHash;
use embargo_core::Timestamp;
use embargo_core::access::Standing;
use embargo_core::account::TokenId;
use embargo_core::case::{Case, Stage};
use embargo_core::event::Recorded;
use embargo_core::ids::{AttachmentId, UserId};
use embargo_core::project::Project;

#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    /// PHC string (argon2id); `None` until the user sets a password.
    pub password_hash: Option<String>,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("instance_admin", &self.instance_admin)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    pub password_hash: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewApiToken {
    pub id: TokenId,
    pub user: UserId,
    pub name: String,
    pub hash: SecretHash,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: TokenId,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub hash: SecretHash,
    pub user: UserId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Clone)]
pub struct SessionRecord {
    pub user: UserId,
    /// The form token bound to this session.
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRecord")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Bytes of an attachment, stored with the event that records it.
#[derive(Clone, Debug)]
pub struct NewFile {
    pub id: AttachmentId,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// An event as stored: its place in the stream and its chain hash (hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent<E> {
    pub seq: u64,
    pub hash: String,
    pub recorded: Recorded<E>,
}

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub stages: Vec<Stage>,
}

/// Proof that someone may see a case: only the store makes these, and only after
/// `core::access::standing` said yes. Reading a case's timeline or files takes one.
#[derive(Clone, Debug)]
pub struct CaseAccess {
    case: Case,
    project: Project,
    standing: Standing,
}

impl CaseAccess {
    pub(crate) fn new(case: Case, project: Project, standing: Standing) -> Self {
        CaseAccess {
            case,
            project,
            standing,
        }
    }

    pub fn case(&self) -> &Case {
        &self.case
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    pub fn standing(&self) -> Standing {
        self.standing
    }

    pub fn into_parts(self) -> (Case, Project, Standing) {
        (self.case, self.project, self.standing)
    }
}

/// A claimed piece of work (`core::effect::Effect`) for a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub subject: embargo_core::effect::Subject,
    pub effect: embargo_core::effect::Effect,
    /// Attempts started so far, this one included.
    pub attempts: u32,
    pub due: Timestamp,
}

/// Work the store queued with the events that asked for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    pub id: i64,
    pub subject: embargo_core::effect::Subject,
    pub effect: embargo_core::effect::Effect,
    pub due: Timestamp,
}
