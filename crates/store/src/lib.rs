//! Embargo's storage: an append-only, hash-chained event log and the projections the
//! program queries, behind one [`Store`] interface with two backends (SQLite for the
//! embedded default, PostgreSQL for shared deployments) that pass one conformance suite.
//!
//! Every write is one transaction: the events, the projection they produce and any
//! attachment bytes commit together or not at all. Reads of cases are scoped by the
//! viewer ([`CaseStore::case_for_viewer`]); there is deliberately no unscoped case lookup.

mod backend;
mod chain;
pub mod checkpoint;
mod records;
pub mod sealing;

pub use backend::{postgres::PostgresStore, sqlite::SqliteStore};
pub use chain::{ChainBreak, ChainKey, SecretHash, stream};
pub use checkpoint::{Checkpoint, CheckpointWriter, Head, HeadMismatch, HeadReader};
pub use records::*;

use async_trait::async_trait;
use embargo_core::Timestamp;
use embargo_core::account::{AccountEvent, TokenId};
use embargo_core::actor::{Actor, User};
use embargo_core::case::{Case, Stage};
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::{AttachmentId, CaseId, ProjectSlug, UserId};
use embargo_core::project::{Project, ProjectEvent};
use embargo_core::shared_release::{ReleaseEvent, ReleaseId, SharedRelease};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong below the domain. Messages name no secrets and no case content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else changed the stream since it was read; decide again on fresh state.
    #[error("the record changed while this change was being made; try again")]
    Conflict,
    /// A unique value is taken (an e-mail address, a project slug).
    #[error("{field} is already taken")]
    Taken { field: &'static str },
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database's events are linked with another key than the one given.
    #[error("{0}")]
    ChainKey(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From a SQLite read on the caller's own thread (`backend::own_thread`).
    #[error("database error: {0}")]
    SqliteRead(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Sealed content that does not open (`sealing`).
    #[error("{0}")]
    Sealed(#[from] sealing::SealError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How a database is opened.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// What the event chain is linked with. A database remembers the key's id and
    /// refuses to be opened with another.
    pub chain: ChainKey,
    /// May a database whose events are linked without a key be re-linked with
    /// `chain`? Only when the key was just made for it: otherwise someone who can
    /// write the database could forge an unkeyed chain and have it adopted.
    pub adopt_unkeyed: bool,
    /// The master keys files are sealed under (`sealing`); without them files are
    /// stored as they are (tools and tests that open a store directly).
    pub sealing: Option<std::sync::Arc<sealing::Sealing>>,
}

/// Opens the embedded SQLite database in `data_dir` (created if missing), migrated,
/// with an unkeyed chain.
pub async fn open_sqlite(data_dir: &Path) -> Result<Arc<dyn Store>> {
    open_sqlite_with(data_dir, &OpenOptions::default()).await
}

pub async fn open_sqlite_with(data_dir: &Path, options: &OpenOptions) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(
        SqliteStore::open(&sqlite_file(data_dir), options).await?,
    ))
}

/// The SQLite database file of a data directory.
pub fn sqlite_file(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("embargo.sqlite3")
}

/// A consistent online backup of the SQLite database in `data_dir`, written to `out`
/// (which must not exist), while the server may run.
pub async fn backup_sqlite(data_dir: &Path, out: &Path) -> Result<()> {
    backend::sqlite::backup(&sqlite_file(data_dir), out).await
}

/// Puts a backup made by [`backup_sqlite`] in place of the database in `data_dir`,
/// once it passes SQLite's integrity check. The server must be stopped.
pub async fn restore_sqlite(backup: &Path, data_dir: &Path) -> Result<()> {
    backend::sqlite::restore(backup, &sqlite_file(data_dir)).await
}

/// Opens a PostgreSQL database by URL, migrated, with an unkeyed chain.
pub async fn open_postgres(url: &str) -> Result<Arc<dyn Store>> {
    open_postgres_with(url, &OpenOptions::default()).await
}

pub async fn open_postgres_with(url: &str, options: &OpenOptions) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(PostgresStore::open(url, options).await?))
}

/// Everything the program keeps. One trait per area, so a backend is written and read
/// area by area; a `dyn Store` answers every area's methods.
pub trait Store:
    AccountStore
    + SessionStore
    + ProjectStore
    + CaseStore
    + OutboxStore
    + NotificationStore
    + AccountNotificationStore
    + MailStore
    + IntegrityStore
    + ReleaseStore
    + SecurityLogStore
    + SecondFactorStore
    + 'static
{
    fn backend(&self) -> Backend;
}

/// Accounts and their API tokens; every change appends to the `accounts` stream.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn user_count(&self) -> Result<u64>;
    /// Fails with [`StoreError::Taken`] (`email`) if the address has an account.
    async fn create_user(&self, user: NewUser, event: Recorded<AccountEvent>) -> Result<()>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>>;
    /// Every account, by e-mail address (for instance admins).
    async fn users(&self) -> Result<Vec<UserRecord>>;
    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>>;
    async fn set_password(
        &self,
        user: UserId,
        password_hash: &str,
        event: Recorded<AccountEvent>,
    ) -> Result<()>;
    async fn create_api_token(
        &self,
        token: NewApiToken,
        event: Recorded<AccountEvent>,
    ) -> Result<()>;
    /// The live (unrevoked) token's owner. A read only: the use is recorded apart, in
    /// batches ([`AccountStore::record_token_uses`]), so that reads write nothing.
    async fn user_for_api_token(&self, hash: &SecretHash) -> Result<Option<(UserRecord, TokenId)>>;
    /// Records when tokens were last used, in one transaction; a time never moves a
    /// token's `last_used_at` back.
    async fn record_token_uses(&self, uses: &[(TokenId, Timestamp)]) -> Result<()>;
    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>>;
    /// `false` if the user has no such live token.
    async fn revoke_api_token(
        &self,
        user: UserId,
        id: TokenId,
        event: Recorded<AccountEvent>,
    ) -> Result<bool>;
    async fn account_events(&self) -> Result<Vec<StoredEvent<AccountEvent>>>;
    /// The account `subject` at `provider` signs in to, once linked.
    async fn user_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserRecord>>;
    /// The subject linked to `user` at `provider`, if any.
    async fn identity_of(&self, user: UserId, provider: &str) -> Result<Option<String>>;
    /// Records an `identity_linked` event and its row; fails with
    /// [`StoreError::Taken`] (`subject`) if the subject or the account is linked already.
    async fn link_identity(&self, event: Recorded<AccountEvent>) -> Result<()>;
}

/// Sign-in sessions, the first-run setup token and one-time password links: secrets
/// looked up by their hash, not events.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, session: NewSession) -> Result<()>;
    /// The unexpired session and its user.
    async fn session(
        &self,
        hash: &SecretHash,
        now: Timestamp,
    ) -> Result<Option<(SessionRecord, UserRecord)>>;
    async fn delete_session(&self, hash: &SecretHash) -> Result<()>;
    /// `user`'s unexpired sessions, newest first.
    async fn sessions_of(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionInfo>>;
    /// Ends every session of `user` but `keep`; how many ended.
    async fn end_sessions(&self, user: UserId, keep: Option<&SecretHash>) -> Result<u64>;
    /// Keeps a sign-in started at an OpenID provider (and sweeps expired ones).
    async fn create_oidc_login(&self, login: OidcLogin) -> Result<()>;
    /// Uses up the live sign-in with this `state`: `None` if unknown, used or expired.
    async fn take_oidc_login(
        &self,
        state: &SecretHash,
        now: Timestamp,
    ) -> Result<Option<OidcLogin>>;
    /// Makes this the only valid setup token.
    async fn replace_setup_token(&self, hash: &SecretHash, expires_at: Timestamp) -> Result<()>;
    /// Uses up the setup token and creates the first admin in one transaction; `false`
    /// if the token is unknown, expired or used.
    async fn complete_setup(
        &self,
        hash: &SecretHash,
        now: Timestamp,
        user: NewUser,
        events: Vec<Recorded<AccountEvent>>,
    ) -> Result<bool>;

    /// A one-time link to set `user`'s password (an invitation or a reset), recorded
    /// with `event` (`password_link_issued`, by the admin who issued it); earlier links
    /// for the same user stop working. Returns how many of those were still live, so
    /// the caller can say that it replaced them.
    async fn create_password_token(
        &self,
        user: UserId,
        hash: &SecretHash,
        expires_at: Timestamp,
        event: Recorded<AccountEvent>,
    ) -> Result<u64>;
    /// The user a live password token belongs to (to build the event), without using it.
    async fn password_token_user(
        &self,
        hash: &SecretHash,
        now: Timestamp,
    ) -> Result<Option<UserRecord>>;
    /// Uses up the token and sets its user's password in one transaction; `false` if the
    /// token is unknown, expired, used, or not `event`'s user's.
    async fn use_password_token(
        &self,
        hash: &SecretHash,
        now: Timestamp,
        password_hash: &str,
        event: Recorded<AccountEvent>,
    ) -> Result<bool>;
}

/// Projects and their members (the `project:<slug>` streams).
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// Fails with [`StoreError::Taken`] (`slug`) if the slug is in use.
    async fn create_project(
        &self,
        project: &Project,
        events: &[Recorded<ProjectEvent>],
    ) -> Result<Vec<Queued>>;
    /// Appends to a project read at version `before`; [`StoreError::Conflict`] if it moved.
    async fn update_project(
        &self,
        before: u64,
        project: &Project,
        events: &[Recorded<ProjectEvent>],
    ) -> Result<Vec<Queued>>;
    /// Projects are public (their report pages are); their members are not, and only
    /// the shells decide who sees those.
    async fn project(&self, slug: &ProjectSlug) -> Result<Option<Project>>;
    async fn projects(&self) -> Result<Vec<Project>>;
    async fn projects_of(&self, user: UserId) -> Result<Vec<Project>>;
    async fn project_events(&self, slug: &ProjectSlug) -> Result<Vec<StoredEvent<ProjectEvent>>>;
}

/// Cases (the `case:<id>` streams), scoped by who asks.
#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Stores a new case. Like every append, it queues the work the events ask for
    /// (`core::effect::case_effects`) in the same transaction, and returns it. Only the
    /// hash of the tracking token is kept with the case; the token itself rides in the
    /// receipt's outbox payload until that mail is sent (`finish_job` clears it).
    async fn submit_case(
        &self,
        case: &Case,
        events: &[Recorded<Event>],
        tracking_token: &str,
        files: &[NewFile],
    ) -> Result<Vec<Queued>>;
    /// Stores several new cases in one transaction (intake's group commit): all or
    /// none, so one fsync commits them all. Returns what each queued, in order. A
    /// failure says nothing about which case failed: the caller stores them one by one.
    async fn submit_cases(&self, cases: &[NewCase]) -> Result<Vec<Vec<Queued>>>;
    /// Appends to a case read at version `before`; [`StoreError::Conflict`] if it moved.
    async fn append_case_events(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        files: &[NewFile],
    ) -> Result<Vec<Queued>>;
    /// Appends as [`CaseStore::append_case_events`]; the mail these events queue with a
    /// link (a guest's invitation, C5) carries `token` until it is sent.
    async fn append_case_events_with_token(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        token: &str,
    ) -> Result<Vec<Queued>>;
    /// The open case `id` if one of its current guests holds the token with this hash
    /// (C5), with that guest's number; `None` exactly as for a missing case.
    async fn case_for_guest(
        &self,
        id: &CaseId,
        hash: &SecretHash,
    ) -> Result<Option<(Case, Project, embargo_core::ids::GuestId)>>;
    /// A file of case `id` for the guest holding the token with this hash (C5): only a
    /// file the reporter sees, and only if the guest was given `attachments`.
    async fn guest_attachment(
        &self,
        id: &CaseId,
        hash: &SecretHash,
        attachment: &embargo_core::ids::AttachmentId,
    ) -> Result<Option<(embargo_core::event::Attachment, Vec<u8>)>>;
    /// The case if `actor` may see it; `None` exactly as for a case that does not exist.
    async fn case_for_viewer(&self, id: &CaseId, actor: &Actor) -> Result<Option<CaseAccess>>;
    /// A live API token's owner and the case `id` as the owner may see it, read in one
    /// statement: `None` for a token that is not live (whatever the case);
    /// `Some((owner, token, None))` for a case the owner may not see or that does not
    /// exist. The use is not recorded here ([`AccountStore::record_token_uses`]).
    async fn case_for_api_token(
        &self,
        hash: &SecretHash,
        id: &CaseId,
    ) -> Result<Option<(UserRecord, TokenId, Option<CaseAccess>)>>;
    /// A disclosed case, for anyone: advisories, feeds and exports read only these.
    /// Undisclosed cases answer `None`, whoever asks.
    async fn public_case(&self, id: &CaseId) -> Result<Option<Case>>;
    /// The disclosed cases among `ids` (in no particular order), read together: a
    /// batch import asks once which of its records are already here.
    async fn public_cases_among(&self, ids: &[CaseId]) -> Result<Vec<Case>>;
    /// A page of a project's disclosed cases, the most recently disclosed first.
    async fn public_cases(&self, project: &ProjectSlug, page: &PageRequest) -> Result<Page<Case>>;
    /// The case whose reporter holds this tracking token.
    async fn case_for_tracking_token(&self, hash: &SecretHash) -> Result<Option<CaseAccess>>;
    /// A page of the project's cases `actor` may see, in `filter.order`.
    async fn cases_for_viewer(
        &self,
        project: &Project,
        actor: &Actor,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<Case>>;
    /// The clock facts of every case of a project, with each case's stage, for
    /// aggregate metrics only (`core::metrics`): no title, report or person leaves
    /// here, so the numbers can be shown to any member. Reads every case of the
    /// project: callers bound how often.
    async fn project_clock_facts(
        &self,
        project: &ProjectSlug,
    ) -> Result<Vec<(CaseId, Stage, embargo_core::clocks::ClockFacts)>>;
    /// A page of the cases `user` may see across every project they are a member of,
    /// oldest first (the triage queue), in one query.
    async fn cases_across_projects(
        &self,
        user: &User,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<(Project, Case)>>;
    /// How far `user` has read each of `cases` (the newest event seq their case page
    /// showed); cases never opened are absent. One query for a page of a listing.
    async fn seen_up_to(&self, user: UserId, cases: &[CaseId]) -> Result<HashMap<CaseId, u64>>;
    /// Records that `user`'s case page showed the access's case up to its version. Never
    /// moves back (an older page loaded late changes nothing).
    async fn mark_seen(&self, user: UserId, access: &CaseAccess) -> Result<()>;
    /// A page of the timeline as the access's standing may see it, oldest first.
    async fn case_events(
        &self,
        access: &CaseAccess,
        page: &PageRequest,
    ) -> Result<Page<StoredEvent<Event>>>;
    /// An attachment's bytes, if it is on this case and visible to the access's standing.
    async fn attachment_content(
        &self,
        access: &CaseAccess,
        id: &AttachmentId,
    ) -> Result<Option<Vec<u8>>>;
}

/// Work any stream's events queued for the outside world, and timers; claimed by
/// workers with a lease.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims the earliest due job nobody holds, until `lease_until`, counting an
    /// attempt. While the lease runs no other claim gets it, whichever instance asks.
    async fn claim_job(&self, now: Timestamp, lease_until: Timestamp) -> Result<Option<Job>>;
    /// Which ways out the instance has (set once at start-up): work for one it lacks,
    /// e.g. mail without `mail.smtp_url`, is queued but neither claimed nor counted by
    /// `next_job_due` here; it waits for an instance that has it. None until set.
    fn set_outlets(&self, outlets: embargo_core::effect::Outlets);
    /// How many jobs of this kind are not done yet (mail waiting for SMTP, …).
    async fn waiting_jobs(&self, kind: embargo_core::effect::EffectKind) -> Result<u64>;
    /// Marks a claimed job done, clearing the secrets its payload carried. A claim whose lease ran out and whose job was claimed
    /// again changes nothing.
    async fn finish_job(&self, job: &Job, now: Timestamp) -> Result<()>;
    /// Finishes a claimed job and queues the work it fans out to (a team mail becomes
    /// one mail per member), in one transaction: both or neither, and not at all for a
    /// claim that was overtaken. False if it was.
    async fn fan_out(
        &self,
        job: &Job,
        work: Vec<embargo_core::effect::Planned>,
        now: Timestamp,
    ) -> Result<bool>;
    /// Releases a claimed job until `due`, noting why (a failure, or a timer going on).
    async fn retry_job(&self, job: &Job, note: &str, due: Timestamp) -> Result<()>;
    /// When the next open job falls due (or its lease runs out), if there is one.
    async fn next_job_due(&self) -> Result<Option<Timestamp>>;
    /// The case a job works for, for the worker alone (the job is the proof of need).
    async fn case_for_job(&self, job: &Job) -> Result<Option<(Case, Project)>>;
    /// Up to `limit` open cases of the project a project job works for (a policy change
    /// recomputes their clocks), by id, those after `after`: a page at a time, so a
    /// project with 10⁶ cases is never held in memory. For the worker alone.
    async fn open_cases_for_job(
        &self,
        job: &Job,
        after: Option<&CaseId>,
        limit: usize,
    ) -> Result<Vec<Case>>;
    /// Calls `ring` each time any instance queues work (and once when listening
    /// starts), until the connection fails. Returns at once where no other instance can
    /// share the database (SQLite).
    async fn listen_for_jobs(&self, ring: Arc<dyn Fn() + Send + Sync>) -> Result<()>;
}

/// A member's in-app notifications (clock reminders and escalations), each handed out
/// with its case only while the member may see it.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// A page of `user`'s notifications, newest first. A notification whose case they
    /// may no longer see is left out of the page (which may then be short).
    async fn notifications(
        &self,
        user: &User,
        filter: NotificationFilter,
        page: &PageRequest,
    ) -> Result<Page<(NotificationRecord, CaseAccess)>>;
    /// One of `user`'s notifications, if they may see its case.
    async fn notification(
        &self,
        user: &User,
        id: i64,
    ) -> Result<Option<(NotificationRecord, CaseAccess)>>;
    /// Marks these of `user`'s notifications read; how many were unread.
    async fn mark_notifications_read(
        &self,
        user: UserId,
        ids: &[i64],
        now: Timestamp,
    ) -> Result<u64>;
}

/// Notices about an account's privileges (issue 11 item 6), read only by that account.
#[async_trait]
pub trait AccountNotificationStore: Send + Sync {
    /// A page of the account's notices, newest first.
    async fn account_notifications(
        &self,
        user: UserId,
        filter: NotificationFilter,
        page: &PageRequest,
    ) -> Result<Page<AccountNotificationRecord>>;
    /// One of the account's notices; `None` if it is not theirs or does not exist.
    async fn account_notification(
        &self,
        user: UserId,
        id: i64,
    ) -> Result<Option<AccountNotificationRecord>>;
    /// How many of the account's notices are unread.
    async fn unread_account_notifications(&self, user: UserId) -> Result<u64>;
    /// Marks the account's unread notices read: `only` that one, or all; how many.
    async fn mark_account_notifications_read(
        &self,
        user: UserId,
        only: Option<i64>,
        now: Timestamp,
    ) -> Result<u64>;
}

/// Second factors (TOTP) and their recovery codes.
#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    /// Keeps a new, unconfirmed secret for `user` (replacing an unconfirmed one);
    /// `false` if they already have a confirmed one.
    async fn begin_second_factor(
        &self,
        user: UserId,
        secret: &[u8],
        now: Timestamp,
    ) -> Result<bool>;
    async fn second_factor(&self, user: UserId) -> Result<Option<SecondFactorRecord>>;
    /// Confirms the unconfirmed secret with the code of time step `step`, keeps the
    /// recovery codes' hashes and appends `event`; `false` if there was none.
    async fn confirm_second_factor(
        &self,
        user: UserId,
        step: i64,
        recovery: &[SecretHash],
        event: Recorded<AccountEvent>,
    ) -> Result<bool>;
    /// Uses time step `step`: `false` if it, or a later one, was used already.
    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool>;
    /// Uses (and forgets) a recovery code: `false` if it is not one of `user`'s.
    async fn use_recovery_code(&self, user: UserId, hash: &SecretHash) -> Result<bool>;
    async fn recovery_codes_left(&self, user: UserId) -> Result<u64>;
    /// Removes a confirmed second factor and its recovery codes, appending `event`.
    async fn remove_second_factor(
        &self,
        user: UserId,
        event: Recorded<AccountEvent>,
    ) -> Result<bool>;
    /// `user`'s passkeys, oldest first.
    async fn passkeys(&self, user: UserId) -> Result<Vec<PasskeyRecord>>;
    /// The passkey with this credential id, whoever's it is.
    async fn passkey_by_credential(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>>;
    /// Keeps a new passkey (its `id`, `last_used_at` ignored) and appends `event`;
    /// `false` if a passkey with its credential id exists already.
    async fn add_passkey(
        &self,
        passkey: &PasskeyRecord,
        event: Recorded<AccountEvent>,
    ) -> Result<bool>;
    /// Records a use of passkey `id`: its new counter and flags.
    async fn passkey_used(&self, id: i64, dynamic_state: &[u8], now: Timestamp) -> Result<()>;
    /// Removes `user`'s passkey `id` (or, with `None`, all of them), appending `event`
    /// when one went; `false` if there was none.
    async fn remove_passkeys(
        &self,
        user: UserId,
        id: Option<i64>,
        event: Recorded<AccountEvent>,
    ) -> Result<bool>;
    /// Spends a WebAuthn challenge, valid until `expires_at`: `false` if it was spent
    /// already. Forgets challenges expired by `now`.
    async fn spend_challenge(
        &self,
        challenge: &[u8],
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool>;
}

/// The security log: a bounded table of security events (issue 11, item 8).
#[async_trait]
pub trait SecurityLogStore: Send + Sync {
    /// Keeps `event`, and forgets events older than the newest `keep`.
    async fn record_security_event(&self, event: &NewSecurityEvent, keep: u64) -> Result<()>;
    /// A page of security events, newest first.
    async fn security_events(&self, page: &PageRequest) -> Result<Page<SecurityEventRecord>>;
}

/// Mail in: reply secrets (capabilities, kept hashed) and the quarantine.
#[async_trait]
pub trait MailStore: Send + Sync {
    /// Remembers a reply secret of `case` (only its hash).
    async fn add_reply_secret(
        &self,
        case: &CaseId,
        hash: &SecretHash,
        now: Timestamp,
    ) -> Result<()>;
    /// The case a reply secret names, as its reporter sees it.
    async fn case_for_reply_secret(&self, hash: &SecretHash) -> Result<Option<CaseAccess>>;
    /// Holds a message for review; its id.
    async fn quarantine(&self, new: &NewQuarantined) -> Result<i64>;
    /// Held messages (without their bytes), newest first: those of `projects`, and with
    /// `unassigned` those no project could be told for.
    async fn quarantined(
        &self,
        projects: &[ProjectSlug],
        unassigned: bool,
        limit: u32,
    ) -> Result<Vec<Quarantined>>;
    /// One message, held or resolved, with its bytes while it is held.
    async fn quarantined_message(&self, id: i64) -> Result<Option<(Quarantined, Option<Vec<u8>>)>>;
    /// Resolves a held message: released as `case`, or deleted (its bytes dropped).
    /// False if it was not held any more (someone resolved it first).
    async fn resolve_quarantined(&self, id: i64, resolution: &Resolution) -> Result<bool>;
    /// Cases whose reporter gave this address (any case), at most `limit`.
    async fn cases_of_reporter(&self, email: &str, limit: u32) -> Result<Vec<Case>>;
    /// Appends `TrackingLinkRenewed` (in `events`) and replaces the case's tracking token
    /// and reply secrets, in one transaction: old links stop working. The new token
    /// goes into the mail's outbox payload only.
    async fn renew_tracking_token(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        tracking_token: &str,
    ) -> Result<Vec<Queued>>;
}

/// A case's events appended with a change of its release (read at version `before`).
pub struct CaseAppend<'a> {
    pub before: u64,
    pub case: &'a Case,
    pub events: &'a [Recorded<Event>],
}

/// Releases shared by several cases (the `release:<id>` streams). A release names
/// embargoed cases and their plan: only the shells decide who sees it
/// (`core::shared_release::sees`).
#[async_trait]
pub trait ReleaseStore: Send + Sync {
    /// [`StoreError::Conflict`] if the id is taken (the caller draws another).
    async fn create_release(
        &self,
        release: &SharedRelease,
        events: &[Recorded<ReleaseEvent>],
    ) -> Result<()>;
    /// Appends to a release read at version `before` and, in the same transaction, to
    /// each case of `cases`: all or nothing. [`StoreError::Conflict`] if any stream
    /// moved, or a joined case is in another release meanwhile.
    async fn update_release(
        &self,
        before: u64,
        release: &SharedRelease,
        events: &[Recorded<ReleaseEvent>],
        cases: &[CaseAppend<'_>],
    ) -> Result<Vec<Queued>>;
    async fn release(&self, id: &ReleaseId) -> Result<Option<SharedRelease>>;
    /// The project's releases, newest first.
    async fn releases_of_project(&self, project: &ProjectSlug) -> Result<Vec<SharedRelease>>;
    /// The release a case is in, if any.
    async fn release_of_case(&self, case: &CaseId) -> Result<Option<ReleaseId>>;
    async fn release_events(&self, id: &ReleaseId) -> Result<Vec<StoredEvent<ReleaseEvent>>>;
}

/// Checks of the hash chains.
#[async_trait]
pub trait IntegrityStore: Send + Sync {
    /// Re-hashes a stream; the first break, if any.
    async fn verify_stream(&self, stream: &str) -> Result<Result<u64, ChainBreak>>;
    /// Re-hashes every stream and compares every projection with the fold of its
    /// events; what was checked, or the first thing that does not verify.
    async fn verify(&self) -> Result<Result<Verified, Unverified>>;
    /// Rebuilds every case and project projection from the events, in batches, each in
    /// a transaction. Accounts are not rebuilt: their secrets are not in the events.
    async fn reproject(&self) -> Result<Reprojected>;
    /// Seals what was stored in clear before sealing existed: the events of case and
    /// release streams, attachments and mail in quarantine, under their project's data
    /// key. Each stream that changes is first checked to link as it is, then re-linked
    /// with the chain key from its first sealed event, so `verify` holds after; its
    /// head changes, so checkpoints taken before no longer hold for it (the caller sets
    /// them aside and writes a new one). A batch of streams per transaction: a run cut
    /// short is finished by running it again. Needs the master keys.
    async fn seal_history(&self) -> Result<SealedHistory>;
    /// Rewrites the database's files without the space of changed and deleted rows,
    /// which still holds what they said (SQLite `VACUUM`, PostgreSQL `VACUUM FULL`).
    /// Takes the database for itself while it runs: for an operator, server stopped.
    async fn compact(&self) -> Result<()>;
    /// Refreshes the query planner's statistics, after a bulk load (`admin seed`,
    /// `import osv`, `restore`): PostgreSQL `ANALYZE`, SQLite `PRAGMA optimize`.
    async fn analyze(&self) -> Result<()>;
    /// The id of the key the chain is linked with ([`ChainKey::id`]).
    fn chain_key_id(&self) -> String;
    /// Wraps every project's data key anew under the current master key (`sealing`),
    /// in one transaction; how many. The files stay as they are.
    async fn rewrap_data_keys(&self) -> Result<usize>;
    /// A random name this database got when it was made, carried by its checkpoints.
    fn database_id(&self) -> String;
    /// Up to `limit` streams' last events, for the streams named after `after` (all
    /// from `""`), in the database's order of stream names: what a checkpoint signs,
    /// read a page at a time so memory does not grow with the number of streams.
    async fn heads_after(&self, after: &str, limit: usize) -> Result<Vec<Head>>;
    /// Every stream's last event, by stream name (for tests and small databases).
    async fn heads(&self) -> Result<Vec<Head>> {
        let mut all: Vec<Head> = Vec::new();
        loop {
            let after = all.last().map(|h| h.stream.clone()).unwrap_or_default();
            let page = self.heads_after(&after, 10_000).await?;
            if page.is_empty() {
                return Ok(all);
            }
            all.extend(page);
        }
    }
    /// The heads of `checkpoint` that the database no longer holds as they were: an
    /// event at that position missing, or with another hash. Empty when all match.
    async fn check_heads(&self, heads: &[Head]) -> Result<Vec<HeadMismatch>>;
}
