//! What `App` hands the shells: its own types, converted from the store's records at
//! the App boundary, so that neither the API nor the pages name `embargo_store` and a
//! password hash never leaves `app`.

use embargo_core::Timestamp;
use embargo_core::access::Standing;
use embargo_core::account::TokenId;
use embargo_core::case::Case;
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::UserId;
use embargo_core::project::Project;
use embargo_store::{ApiTokenRecord, CaseAccess, SessionRecord, StoredEvent, UserRecord};

/// An account, as the shells show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    /// Whether the account has a confirmed second factor.
    pub second_factor: bool,
    /// Whether a password is set (the hash itself stays in `app`).
    pub password_set: bool,
    pub created_at: Timestamp,
}

impl User {
    /// The account as the one who acts, which access rules are decided for.
    pub fn acting(&self) -> embargo_core::actor::User {
        embargo_core::actor::User {
            id: self.id,
            name: self.name.clone(),
            instance_admin: self.instance_admin,
            second_factor: self.second_factor,
        }
    }
}

impl From<UserRecord> for User {
    fn from(u: UserRecord) -> Self {
        User {
            id: u.id,
            email: u.email,
            name: u.name,
            instance_admin: u.instance_admin,
            second_factor: u.second_factor,
            password_set: u.password_hash.is_some(),
            created_at: u.created_at,
        }
    }
}

/// A live sign-in session.
/// One of the signed-in person's sessions, for their list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The session this request came with.
    pub current: bool,
}

#[derive(Clone)]
pub struct Session {
    pub user: UserId,
    pub signed_in_at: Timestamp,
    /// The form token bound to this session.
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl From<SessionRecord> for Session {
    fn from(s: SessionRecord) -> Self {
        Session {
            user: s.user,
            signed_in_at: s.signed_in_at,
            csrf_token: s.csrf_token,
            expires_at: s.expires_at,
        }
    }
}

/// A personal API token, without the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

impl From<ApiTokenRecord> for ApiToken {
    fn from(t: ApiTokenRecord) -> Self {
        ApiToken {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A case as someone may see it, with their standing. Only `App` makes these (from
/// the store's proof of access), so holding one means the lookup was scoped.
#[derive(Clone, Debug)]
pub struct CaseView {
    access: CaseAccess,
}

impl CaseView {
    pub fn case(&self) -> &Case {
        self.access.case()
    }

    pub fn project(&self) -> &Project {
        self.access.project()
    }

    pub fn standing(&self) -> Standing {
        self.access.standing()
    }

    pub fn into_parts(self) -> (Case, Project, Standing) {
        self.access.into_parts()
    }

    /// The store's proof, for reading what it guards (timeline, files).
    pub(super) fn access(&self) -> &CaseAccess {
        &self.access
    }
}

impl From<CaseAccess> for CaseView {
    fn from(access: CaseAccess) -> Self {
        CaseView { access }
    }
}

/// One event on a case's timeline, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// Its place in the case's stream.
    pub seq: u64,
    /// Its link in the hash chain (hex), which readers of the API may check.
    pub hash: String,
    pub recorded: Recorded<Event>,
}

impl From<StoredEvent<Event>> for TimelineEntry {
    fn from(e: StoredEvent<Event>) -> Self {
        TimelineEntry {
            seq: e.seq,
            hash: e.hash,
            recorded: e.recorded,
        }
    }
}
