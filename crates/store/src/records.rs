//! Rows the store hands out and takes in, beside the domain types from `core`.

use crate::SecretHash;
use embargo_core::Timestamp;
use embargo_core::access::Standing;
use embargo_core::account::TokenId;
use embargo_core::case::{Case, Stage};
use embargo_core::event::Recorded;
use embargo_core::ids::{AttachmentId, CaseId, ProjectSlug, UserId};
use embargo_core::project::Project;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    /// Whether the account has a confirmed second factor.
    pub second_factor: bool,
    /// PHC string (argon2id); `None` until the user sets a password.
    pub password_hash: Option<String>,
    pub created_at: Timestamp,
}

impl UserRecord {
    /// The account as the one who acts: what access rules are decided for.
    pub fn actor(&self) -> embargo_core::actor::Actor {
        embargo_core::actor::Actor::User(embargo_core::actor::User {
            id: self.id,
            name: self.name.clone(),
            instance_admin: self.instance_admin,
            second_factor: self.second_factor,
        })
    }
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

/// A sign-in started at an OpenID provider, waiting for the provider to send the
/// person back (looked up by its `state`'s hash, used once). No `Debug`: the PKCE
/// verifier is a secret until it is used.
#[derive(Clone)]
pub struct OidcLogin {
    pub state_hash: SecretHash,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go after signing in (a path of ours).
    pub next: String,
    pub expires_at: Timestamp,
}

/// An account's second factor as the store keeps it.
#[derive(Clone)]
pub struct SecondFactorRecord {
    /// The TOTP secret (20 random bytes).
    pub secret: Vec<u8>,
    /// Whether the owner confirmed it with a code; only then does sign-in ask for one.
    pub confirmed: bool,
    /// The newest TOTP time step used.
    pub last_step: i64,
}

impl std::fmt::Debug for SecondFactorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactorRecord")
            .field("secret", &"<redacted>")
            .field("confirmed", &self.confirmed)
            .field("last_step", &self.last_step)
            .finish()
    }
}

/// A passkey (a WebAuthn credential) as the store keeps it. The states are opaque
/// bytes here, in the encoding of the server's WebAuthn library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyRecord {
    pub id: i64,
    pub user: UserId,
    pub credential_id: Vec<u8>,
    /// The account's WebAuthn user id, the same on each of its passkeys.
    pub user_handle: Vec<u8>,
    /// The public key and what the authenticator said of itself at registration.
    pub static_state: Vec<u8>,
    /// The signature counter and backup flags, updated at each use.
    pub dynamic_state: Vec<u8>,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A security event to keep (issue 11, item 8). `kind` is a short code
/// (`sign_in_failed`, `csrf_refused`, …); `detail` is for people and never holds a
/// token, a password or case content.
#[derive(Clone, Debug)]
pub struct NewSecurityEvent {
    pub at: Timestamp,
    pub kind: String,
    pub route: String,
    pub client: String,
    pub account: Option<UserId>,
    pub detail: String,
}

/// A kept security event; `id` grows with every event.
#[derive(Clone, Debug)]
pub struct SecurityEventRecord {
    pub id: i64,
    pub at: Timestamp,
    pub kind: String,
    pub route: String,
    pub client: String,
    pub account: Option<UserId>,
    pub detail: String,
}

/// One of an account's open sessions, for its owner's list.
#[derive(Clone)]
pub struct SessionInfo {
    pub hash: SecretHash,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Clone)]
pub struct SessionRecord {
    pub user: UserId,
    /// When its owner signed in (typed the password, and the code if they have one).
    pub signed_in_at: Timestamp,
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

/// A new case as [`crate::CaseStore::submit_cases`] stores it, with what
/// [`crate::CaseStore::submit_case`] takes.
#[derive(Clone, Debug)]
pub struct NewCase {
    pub case: embargo_core::case::Case,
    pub events: Vec<Recorded<embargo_core::event::Event>>,
    pub tracking_token: String,
    pub files: Vec<NewFile>,
}

/// An event as stored: its place in the stream and its chain hash (hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent<E> {
    pub seq: u64,
    pub hash: String,
    pub recorded: Recorded<E>,
}

/// What a listing is narrowed to; every part given must hold. Values arrive parsed
/// (the shells check them and name the field of a bad one).
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// Empty: every stage.
    pub stages: Vec<Stage>,
    /// The project's component name, canonical spelling.
    pub component: Option<String>,
    /// Severities of the highest CVSS score, lowercase (`high`): [`severity_name`].
    pub severities: Vec<String>,
    pub coordinator: Option<CoordinatorIs>,
    pub tracks: Vec<embargo_core::track::TrackKind>,
    /// Only cases this member coordinates or collaborates on ("my cases").
    pub involving: Option<embargo_core::ids::UserId>,
    /// Words that must all be in the title, description or advisory summary (each as a
    /// word or the start of one); empty: no search.
    pub words: Vec<String>,
    pub order: CaseOrder,
}

/// Who coordinates the cases a listing keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinatorIs {
    /// Nobody has claimed it.
    Nobody,
    User(embargo_core::ids::UserId),
}

/// The order of a case listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// Oldest report first (the key never changes).
    #[default]
    Received,
    /// Most recent activity first. A case with new activity moves to the front; a walk
    /// through the pages may then miss it or show it twice, as with any listing by a key
    /// that changes.
    Activity,
}

/// A severity as the `severity` column and the listing filter name it.
pub fn severity_name(case: &Case) -> Option<String> {
    case.scoring
        .score
        .as_ref()
        .and_then(|s| s.highest())
        .map(|a| a.severity.as_str().to_ascii_lowercase())
}

/// The words a search text is made of: runs of letters and digits, lowercased. Both
/// backends index the same words, and a query can carry no search syntax.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Proof that someone may see a case: only the store makes these, and only after
/// `core::access::standing` said yes. Reading a case's timeline or files takes one.
///
/// The case and its project are shared with the store's caches: a read of a case
/// unchanged since it was last opened costs two reference counts, not two deep copies
/// (a case's strings and a project's members, copied under the caches' locks).
#[derive(Clone, Debug)]
pub struct CaseAccess {
    case: Arc<Case>,
    project: Arc<Project>,
    standing: Standing,
}

impl CaseAccess {
    pub(crate) fn new(case: Arc<Case>, project: Arc<Project>, standing: Standing) -> Self {
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

    /// The case and project to change: copied only if a cache still shares them.
    pub fn into_parts(self) -> (Case, Project, Standing) {
        (
            Arc::unwrap_or_clone(self.case),
            Arc::unwrap_or_clone(self.project),
            self.standing,
        )
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

/// Which page of a listing to read: at most `limit` items, after `after` (from the start
/// when `None`). Listings are ordered by a key that never changes for an item, so a page
/// boundary stays put while rows are added elsewhere (keyset pagination).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    pub after: Option<Cursor>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;

    /// `None` unless `1 <= limit <= MAX_LIMIT`.
    pub fn new(limit: u32, after: Option<Cursor>) -> Option<Self> {
        (1..=Self::MAX_LIMIT)
            .contains(&limit)
            .then_some(PageRequest { limit, after })
    }

    /// The first page of the default size.
    pub fn first() -> Self {
        PageRequest {
            limit: Self::DEFAULT_LIMIT,
            after: None,
        }
    }

    /// The largest page, for callers that read a whole listing page by page.
    pub fn largest(after: Option<Cursor>) -> Self {
        PageRequest {
            limit: Self::MAX_LIMIT,
            after,
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first()
    }
}

/// One page of a listing, and where the next one starts (`None`: this is the last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            next: None,
        }
    }
}

/// Where a listing stopped: the last item's sort key and id. Clients get it as an opaque
/// token ([`Cursor::token`]); it only positions a listing, and the viewer's scope is applied
/// afresh on every page, so a cursor handed to someone else shows them nothing new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub(crate) key: i64,
    pub(crate) id: String,
}

impl Cursor {
    pub fn new(key: i64, id: impl Into<String>) -> Self {
        Cursor { key, id: id.into() }
    }

    /// The sort key it stopped at.
    pub fn key(&self) -> i64 {
        self.key
    }

    /// The id it stopped at.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The token to hand out (URL-safe).
    pub fn token(&self) -> String {
        hex::encode(format!("{}.{}", self.key, self.id))
    }

    /// A token that [`Cursor::token`] made; `None` for anything else.
    pub fn parse(token: &str) -> Option<Self> {
        let text = String::from_utf8(hex::decode(token).ok()?).ok()?;
        let (key, id) = text.split_once('.')?;
        let id_ok = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_graphic());
        id_ok.then(|| Some(Cursor::new(key.parse().ok()?, id)))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_did_not_make() {
        let c = Cursor::new(-1_780_000_000_000_123, "EMB-7K3Q-9XHM-2RPA");
        assert_eq!(Cursor::parse(&c.token()), Some(c));
        let bare = Cursor::new(42, "");
        assert_eq!(Cursor::parse(&bare.token()), Some(bare));
        for bad in [
            "",
            "zz",
            "x",
            &hex::encode("12"),
            &hex::encode("a.b"),
            &hex::encode("1.a b"),
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert!(PageRequest::new(0, None).is_none());
        assert!(PageRequest::new(PageRequest::MAX_LIMIT + 1, None).is_none());
        assert_eq!(PageRequest::new(1, None).unwrap().limit(), 1);
        assert_eq!(PageRequest::new(200, None).unwrap().limit(), 200);
    }
}

/// What `verify` checked, when everything verified.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    pub streams: u64,
    pub events: u64,
    /// Projection rows compared with the fold of their events (cases, projects, users,
    /// API tokens).
    pub projections: u64,
}

/// The first thing that does not verify: a stream's chain, or a projection that is not
/// the fold of its stream. `seq` names the event where it shows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stream `{stream}`{}: {what}", seq.map(|s| format!(", event {s}")).unwrap_or_default())]
pub struct Unverified {
    pub stream: String,
    pub seq: Option<u64>,
    pub what: String,
}

/// What `seal_history` sealed of what was stored in clear before sealing existed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SealedHistory {
    /// Case and release streams that held clear events, re-linked from the first.
    pub streams: u64,
    /// Events sealed.
    pub events: u64,
    /// Attachments sealed.
    pub files: u64,
    /// Mails in quarantine sealed.
    pub quarantined: u64,
}

/// What `reproject` rebuilt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reprojected {
    pub cases: u64,
    pub projects: u64,
    pub releases: u64,
    pub events: u64,
}

/// A member's in-app notification: a clock's reminder or escalation on a case, which
/// is the event at `seq` of the case's stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub case: embargo_core::ids::CaseId,
    pub seq: u64,
    pub kind: embargo_core::clocks::ReminderKind,
    pub clock: embargo_core::clocks::ClockName,
    pub due: Timestamp,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

/// A notice about an account's privileges, kept for that account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountNotificationRecord {
    pub id: i64,
    pub notice: embargo_core::account_notice::AccountNotice,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

/// Which of a member's notifications to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationFilter {
    All,
    Unread,
}

/// A message to hold in the quarantine.
#[derive(Clone, Debug)]
pub struct NewQuarantined {
    pub project: Option<ProjectSlug>,
    pub received_at: Timestamp,
    /// Why, as advice for whoever reviews it.
    pub reason: String,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub raw: Vec<u8>,
}

/// Where a quarantined message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuarantineState {
    Held,
    Released,
    Deleted,
}

impl QuarantineState {
    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineState::Held => "held",
            QuarantineState::Released => "released",
            QuarantineState::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<QuarantineState> {
        [
            QuarantineState::Held,
            QuarantineState::Released,
            QuarantineState::Deleted,
        ]
        .into_iter()
        .find(|q| q.as_str() == s)
    }
}

/// A quarantined message, without its bytes.
#[derive(Clone, Debug)]
pub struct Quarantined {
    pub id: i64,
    pub project: Option<ProjectSlug>,
    pub received_at: Timestamp,
    pub reason: String,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub size: u64,
    pub state: QuarantineState,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<UserId>,
    pub note: Option<String>,
    pub case: Option<CaseId>,
}

/// How a held message leaves the quarantine.
#[derive(Clone, Debug)]
pub enum Resolution {
    Released {
        case: CaseId,
        by: UserId,
        at: Timestamp,
    },
    Deleted {
        reason: String,
        by: UserId,
        at: Timestamp,
    },
}
