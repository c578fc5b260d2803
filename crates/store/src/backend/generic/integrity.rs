//! Checks that the stored events are the ones that were written, and that every
//! projection is the fold of its stream; rebuilds the projections from the events.
//!
//! Both walk the `events` table once in (stream, seq) order, in keyset batches, so memory
//! stays at one batch however many streams there are.

use super::Backing;
use super::cases::{save_case, state_column, text_key_in, title_column};
use super::listing::Builder;
use super::projects::save_project;
use super::releases::{RELEASE_PLACE, save_release};
use super::support::{CASE_PLACE, DbRow, TextKey, corrupt, to_json};
use crate::backend::micros;
use crate::chain::{self, ChainKey, stream};
use crate::sealing::SealError;
use crate::{
    ChainBreak, Head, HeadMismatch, Reprojected, Result, StoreError, Unverified, Verified,
};
use embargo_core::account::AccountEvent;
use embargo_core::case::Case;
use embargo_core::event::{Event, Recorded};
use embargo_core::project::{Project, ProjectEvent, apply_project};
use embargo_core::shared_release::{ReleaseEvent, SharedRelease};
use sqlx::Row;
use std::collections::BTreeMap;

/// Event rows read per query.
const BATCH: i64 = 5_000;
/// Projections written per transaction by `reproject`.
const WRITE_BATCH: usize = 500;

struct RawEvent {
    seq: u64,
    /// As stored: what the chain links.
    body: String,
    /// The body opened (a case's is sealed where there are keys), or why it does not.
    plain: std::result::Result<String, String>,
    prev_hash: Option<Vec<u8>>,
    hash: Vec<u8>,
}

struct RawStream {
    name: String,
    events: Vec<RawEvent>,
}

/// Reads the `events` table stream by stream, a batch of rows at a time; the last stream
/// of a batch is held back until it is complete.
struct Walk<'a> {
    store: &'a Backing,
    after: Option<(String, i64)>,
    pending: Option<RawStream>,
    done: bool,
}

impl<'a> Walk<'a> {
    fn new(store: &'a Backing) -> Self {
        Walk {
            store,
            after: None,
            pending: None,
            done: false,
        }
    }

    /// The next complete streams; empty when the table is exhausted.
    async fn next(&mut self) -> Result<Vec<RawStream>> {
        let mut complete = Vec::new();
        while complete.is_empty() && !self.done {
            let mut q = Builder::new("SELECT stream, seq, body, prev_hash, hash FROM events");
            if let Some((s, seq)) = &self.after {
                q.push(" WHERE (stream, seq) > (");
                q.push_bind(s.clone());
                q.push(", ");
                q.push_bind(*seq);
                q.push(")");
            }
            q.push(" ORDER BY stream, seq LIMIT ");
            q.push_bind(BATCH);
            let rows = q.build().fetch_all(&self.store.reader).await?;
            self.done = (rows.len() as i64) < BATCH;
            for row in &rows {
                let name: String = row.try_get("stream")?;
                let mut event = raw_event(row)?;
                if crate::sealing::sealed_by(&event.body).is_some() {
                    let place = TextKey::event_place(&name, event.seq);
                    event.plain = match self.store.open_text(&place, event.body.clone()).await {
                        Ok(plain) => Ok(plain),
                        // A seal that does not open is this event's fault, not the walk's;
                        // a key that is not given stops it.
                        Err(e @ StoreError::Sealed(SealError::UnknownMasterKey { .. })) => {
                            return Err(e);
                        }
                        Err(e) => Err(e.to_string()),
                    };
                }
                self.after = Some((name.clone(), event.seq as i64));
                match &mut self.pending {
                    Some(p) if p.name == name => p.events.push(event),
                    pending => {
                        complete.extend(pending.take());
                        *pending = Some(RawStream {
                            name,
                            events: vec![event],
                        });
                    }
                }
            }
            if self.done {
                complete.extend(self.pending.take());
            }
        }
        Ok(complete)
    }
}

fn raw_event(row: &DbRow) -> Result<RawEvent> {
    let body: String = row.try_get("body")?;
    Ok(RawEvent {
        seq: row.try_get::<i64, _>("seq")? as u64,
        plain: Ok(body.clone()),
        body,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The first event whose number, link or hash is not what the chain says.
fn check_chain(key: &ChainKey, s: &RawStream) -> std::result::Result<(), ChainBreak> {
    let mut prev: Option<&[u8]> = None;
    for (i, e) in s.events.iter().enumerate() {
        let expected = i as u64 + 1;
        let ok = e.seq == expected
            && e.prev_hash.as_deref() == prev
            && chain::link(key, prev, &s.name, e.seq, &e.body) == e.hash;
        if !ok {
            return Err(ChainBreak {
                stream: s.name.clone(),
                seq: expected,
            });
        }
        prev = Some(&e.hash);
    }
    Ok(())
}

fn unverified(s: &RawStream, seq: Option<u64>, what: impl Into<String>) -> Unverified {
    Unverified {
        stream: s.name.clone(),
        seq,
        what: what.into(),
    }
}

fn decode<E: serde::de::DeserializeOwned>(
    s: &RawStream,
) -> std::result::Result<Vec<Recorded<E>>, Unverified> {
    s.events
        .iter()
        .map(|e| {
            let plain = e
                .plain
                .as_deref()
                .map_err(|err| unverified(s, Some(e.seq), format!("unreadable event: {err}")))?;
            serde_json::from_str(plain)
                .map_err(|err| unverified(s, Some(e.seq), format!("unreadable event: {err}")))
        })
        .collect()
}

/// A case's fold, and its last event (where a mismatch shows).
fn fold_case(s: &RawStream) -> std::result::Result<Case, Unverified> {
    let events: Vec<Recorded<Event>> = decode(s)?;
    let starts = matches!(
        events.first(),
        Some(Recorded {
            event: Event::Submitted { .. },
            ..
        })
    );
    let restarts = events
        .iter()
        .skip(1)
        .position(|e| matches!(e.event, Event::Submitted { .. }));
    match (starts, restarts) {
        (true, None) => Ok(Case::replay(&events).expect("a stream has events")),
        (false, _) => Err(unverified(
            s,
            Some(1),
            "a case stream must start with `submitted`",
        )),
        (true, Some(i)) => Err(unverified(s, Some(i as u64 + 2), "a second `submitted`")),
    }
}

fn fold_project(s: &RawStream) -> std::result::Result<Project, Unverified> {
    let events: Vec<Recorded<ProjectEvent>> = decode(s)?;
    let mut project = None;
    for e in &events {
        project = Some(apply_project(project, &e.event, e.at));
    }
    Ok(project.expect("a stream has events"))
}

fn fold_release(s: &RawStream) -> std::result::Result<SharedRelease, Unverified> {
    let events: Vec<Recorded<ReleaseEvent>> = decode(s)?;
    SharedRelease::replay(&events)
        .ok_or_else(|| unverified(s, Some(1), "a release stream must start with `created`"))
}

/// What the `releases` and `release_cases` rows of a release hold.
#[derive(Debug, PartialEq, Eq)]
struct ReleaseRow {
    project: String,
    name: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
    state: String,
    cases: Vec<String>,
}

impl ReleaseRow {
    fn of(r: &SharedRelease) -> Self {
        let mut cases: Vec<String> = r.cases.iter().map(|c| c.as_str().to_owned()).collect();
        cases.sort();
        ReleaseRow {
            project: r.project.as_str().to_owned(),
            name: r.name.clone(),
            version: r.version as i64,
            created_at: micros(r.created_at),
            updated_at: micros(r.updated_at),
            state: to_json(r),
            cases,
        }
    }
}

/// What the `cases` and `case_people` rows of a case hold.
#[derive(Debug, PartialEq, Eq)]
struct CaseRow {
    project: String,
    stage: String,
    title: String,
    version: i64,
    received_at: i64,
    updated_at: i64,
    disclosed_at: Option<i64>,
    state: String,
    people: Vec<(i64, String)>,
    listing: super::cases::ListingRow,
}

impl CaseRow {
    fn of(c: &Case) -> Self {
        let mut people: Vec<(i64, String)> = c
            .people
            .coordinator
            .iter()
            .map(|u| (u.id.0, "coordinator".to_owned()))
            .chain(
                c.people
                    .collaborators
                    .iter()
                    .map(|u| (u.id.0, "collaborator".to_owned())),
            )
            .collect();
        people.sort();
        CaseRow {
            project: c.project.as_str().to_owned(),
            stage: c.stage.as_str().to_owned(),
            title: c.report.title.clone(),
            version: c.version as i64,
            received_at: micros(c.received_at),
            updated_at: micros(c.updated_at),
            disclosed_at: c.disclosure.disclosed_at.map(micros),
            state: to_json(c),
            people,
            listing: super::cases::ListingRow::of(c),
        }
    }

    /// The first column that differs, named.
    fn differs(&self, other: &CaseRow) -> Option<&'static str> {
        [
            ("project", self.project == other.project),
            ("stage", self.stage == other.stage),
            ("title", self.title == other.title),
            ("version", self.version == other.version),
            ("received_at", self.received_at == other.received_at),
            ("updated_at", self.updated_at == other.updated_at),
            ("disclosed_at", self.disclosed_at == other.disclosed_at),
            ("state", self.state == other.state),
            ("people", self.people == other.people),
            ("listing", self.listing == other.listing),
        ]
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(name, _)| name)
    }
}

/// What the `projects` and `memberships` rows of a project hold.
#[derive(Debug, PartialEq, Eq)]
struct ProjectRow {
    name: String,
    version: i64,
    created_at: i64,
    state: String,
    members: Vec<(i64, String)>,
}

impl ProjectRow {
    fn of(p: &Project) -> Self {
        let mut members: Vec<(i64, String)> = p
            .members
            .iter()
            .map(|m| (m.user.id.0, m.role.as_str().to_owned()))
            .collect();
        members.sort();
        ProjectRow {
            name: p.name.clone(),
            version: p.version as i64,
            created_at: micros(p.created_at),
            state: to_json(p),
            members,
        }
    }
}

/// The accounts stream's fold: each user's identity and each API token's owner, name
/// and whether it is revoked. Password and token hashes are secrets the events never
/// hold, so they are not part of it.
#[derive(Default)]
struct Accounts {
    users: BTreeMap<i64, (String, String, bool)>,
    tokens: BTreeMap<i64, (i64, String, bool)>,
    /// (provider, subject) → the account it signs in to.
    identities: BTreeMap<(String, String), i64>,
}

fn fold_accounts(s: &RawStream) -> std::result::Result<Accounts, Unverified> {
    let events: Vec<Recorded<AccountEvent>> = decode(s)?;
    let mut a = Accounts::default();
    for e in &events {
        match &e.event {
            AccountEvent::UserCreated {
                user,
                email,
                instance_admin,
            } => {
                a.users.insert(
                    user.id.0,
                    (email.clone(), user.name.clone(), *instance_admin),
                );
            }
            AccountEvent::TokenCreated { owner, token, name } => {
                a.tokens.insert(token.0, (owner.id.0, name.clone(), false));
            }
            AccountEvent::TokenRevoked { token, .. } => {
                if let Some(t) = a.tokens.get_mut(&token.0) {
                    t.2 = true;
                }
            }
            AccountEvent::IdentityLinked {
                user,
                provider,
                subject,
            } => {
                a.identities
                    .insert((provider.clone(), subject.clone()), user.id.0);
            }
            AccountEvent::PasswordLinkIssued { .. }
            | AccountEvent::PasswordSet { .. }
            | AccountEvent::SecondFactorEnrolled { .. }
            | AccountEvent::SecondFactorRemoved { .. }
            | AccountEvent::PasskeyAdded { .. }
            | AccountEvent::PasskeyRemoved { .. } => {}
        }
    }
    Ok(a)
}

impl Backing {
    /// A projection's stored `state` opened for the walk to compare, with the name shown
    /// for it: its column (`title`, `name`), or, sealed, the state's own (the column is
    /// empty by design then). A state that does not open is compared as a note saying
    /// why; a master key this instance lacks is an error.
    async fn opened_projection<T: serde::de::DeserializeOwned>(
        &self,
        place: &str,
        stored: String,
        column: String,
        name_of: impl Fn(T) -> String,
    ) -> Result<(String, String)> {
        let sealed = crate::sealing::sealed_by(&stored).is_some();
        let state = match self.open_text(place, stored).await {
            Ok(plain) => plain,
            Err(e @ StoreError::Sealed(SealError::UnknownMasterKey { .. })) => return Err(e),
            Err(e) => format!("(does not open: {e})"),
        };
        let name = if sealed && column.is_empty() {
            serde_json::from_str::<T>(&state)
                .map(name_of)
                .unwrap_or_default()
        } else {
            column
        };
        Ok((state, name))
    }

    async fn case_rows(&self, ids: &[&str]) -> Result<BTreeMap<String, CaseRow>> {
        let mut rows = BTreeMap::new();
        if ids.is_empty() {
            return Ok(rows);
        }
        let mut q = Builder::new(
            "SELECT id, project, stage, title, version, received_at, updated_at, disclosed_at, \
             state, activity_at, activity_seq, activity_by, waiting_on, component, severity, \
             track FROM cases WHERE id IN (",
        );
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(id.to_string());
        }
        q.push(")");
        for r in q.build().fetch_all(&self.reader).await? {
            // A sealed projection is compared opened; its `title` column is empty by
            // design (the title is in the sealed state), and counts as the state's.
            let (state, title) = self
                .opened_projection(
                    CASE_PLACE,
                    r.try_get("state")?,
                    r.try_get("title")?,
                    |c: Case| c.report.title,
                )
                .await?;
            rows.insert(
                r.try_get("id")?,
                CaseRow {
                    project: r.try_get("project")?,
                    stage: r.try_get("stage")?,
                    title,
                    version: r.try_get("version")?,
                    received_at: r.try_get("received_at")?,
                    updated_at: r.try_get("updated_at")?,
                    disclosed_at: r.try_get("disclosed_at")?,
                    state,
                    people: Vec::new(),
                    listing: super::cases::ListingRow {
                        activity_at: r.try_get("activity_at")?,
                        activity_seq: r.try_get("activity_seq")?,
                        activity_by: r.try_get("activity_by")?,
                        waiting_on: r.try_get("waiting_on")?,
                        component: r.try_get("component")?,
                        severity: r.try_get("severity")?,
                        track: r.try_get("track")?,
                    },
                },
            );
        }
        let mut q =
            Builder::new("SELECT case_id, user_id, relation FROM case_people WHERE case_id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(id.to_string());
        }
        q.push(")");
        for r in q.build().fetch_all(&self.reader).await? {
            let id: String = r.try_get("case_id")?;
            if let Some(row) = rows.get_mut(&id) {
                row.people
                    .push((r.try_get("user_id")?, r.try_get("relation")?));
            }
        }
        for row in rows.values_mut() {
            row.people.sort();
        }
        Ok(rows)
    }

    async fn project_row(&self, slug: &str) -> Result<Option<ProjectRow>> {
        let Some(r) =
            sqlx::query("SELECT name, version, created_at, state FROM projects WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&self.reader)
                .await?
        else {
            return Ok(None);
        };
        let mut members: Vec<(i64, String)> =
            sqlx::query("SELECT user_id, role FROM memberships WHERE project = $1")
                .bind(slug)
                .fetch_all(&self.reader)
                .await?
                .iter()
                .map(|m| Ok((m.try_get("user_id")?, m.try_get("role")?)))
                .collect::<Result<_>>()?;
        members.sort();
        Ok(Some(ProjectRow {
            name: r.try_get("name")?,
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            state: r.try_get("state")?,
            members,
        }))
    }

    async fn release_row(&self, id: &str) -> Result<Option<ReleaseRow>> {
        let Some(r) = sqlx::query(
            "SELECT project, name, version, created_at, updated_at, state FROM releases \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?
        else {
            return Ok(None);
        };
        let mut cases: Vec<String> =
            sqlx::query("SELECT case_id FROM release_cases WHERE release_id = $1")
                .bind(id)
                .fetch_all(&self.reader)
                .await?
                .iter()
                .map(|m| Ok(m.try_get("case_id")?))
                .collect::<Result<_>>()?;
        cases.sort();
        // Sealed like a case's: compared opened, its empty `name` the state's.
        let (state, name) = self
            .opened_projection(
                RELEASE_PLACE,
                r.try_get("state")?,
                r.try_get("name")?,
                |r: SharedRelease| r.name,
            )
            .await?;
        Ok(Some(ReleaseRow {
            project: r.try_get("project")?,
            name,
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            state,
            cases,
        }))
    }

    /// Compares the users and API tokens with the accounts stream's fold.
    async fn check_accounts(
        &self,
        s: &RawStream,
        a: &Accounts,
    ) -> Result<std::result::Result<u64, Unverified>> {
        let last = Some(s.events.len() as u64);
        let users = sqlx::query("SELECT id, email, name, instance_admin FROM users ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        let mut stored = BTreeMap::new();
        for r in &users {
            stored.insert(
                r.try_get::<i64, _>("id")?,
                (
                    r.try_get("email")?,
                    r.try_get("name")?,
                    r.try_get("instance_admin")?,
                ),
            );
        }
        if let Some(id) = first_difference(&a.users, &stored) {
            return Ok(Err(unverified(
                s,
                last,
                format!("user {id} is not as its events say"),
            )));
        }
        let tokens =
            sqlx::query("SELECT id, user_id, name, revoked_at FROM api_tokens ORDER BY id")
                .fetch_all(&self.reader)
                .await?;
        let mut stored_tokens = BTreeMap::new();
        for r in &tokens {
            stored_tokens.insert(
                r.try_get::<i64, _>("id")?,
                (
                    r.try_get("user_id")?,
                    r.try_get("name")?,
                    r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                ),
            );
        }
        if let Some(id) = first_difference(&a.tokens, &stored_tokens) {
            return Ok(Err(unverified(
                s,
                last,
                format!("API token {id} is not as its events say"),
            )));
        }
        let identities = sqlx::query("SELECT provider, subject, user_id FROM oidc_identities")
            .fetch_all(&self.reader)
            .await?;
        let mut stored_identities = BTreeMap::new();
        for r in &identities {
            stored_identities.insert(
                (r.try_get::<String, _>("provider")?, r.try_get("subject")?),
                r.try_get::<i64, _>("user_id")?,
            );
        }
        if let Some((provider, subject)) = a
            .identities
            .iter()
            .find(|(k, v)| stored_identities.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .or_else(|| {
                stored_identities
                    .keys()
                    .find(|k| !a.identities.contains_key(*k))
            })
        {
            return Ok(Err(unverified(
                s,
                last,
                format!("the sign-in identity {subject} at {provider} is not as its events say"),
            )));
        }
        Ok(Ok((users.len() + tokens.len() + identities.len()) as u64))
    }

    /// The first projection row that no stream accounts for.
    async fn orphan(&self, cases: u64, projects: u64, releases: u64) -> Result<Option<Unverified>> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM cases")
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        if n as u64 != cases {
            let id: Option<String> = sqlx::query(
                "SELECT id FROM cases c WHERE NOT EXISTS \
                 (SELECT 1 FROM events e WHERE e.stream = 'case:' || c.id AND e.seq = 1) \
                 ORDER BY id LIMIT 1",
            )
            .fetch_optional(&self.reader)
            .await?
            .map(|r| r.try_get("id"))
            .transpose()?;
            return Ok(Some(Unverified {
                stream: format!("case:{}", id.unwrap_or_default()),
                seq: None,
                what: "a case row without events".into(),
            }));
        }
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM projects")
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        if n as u64 != projects {
            return Ok(Some(Unverified {
                stream: "project:".into(),
                seq: None,
                what: format!("{n} project rows for {projects} project streams"),
            }));
        }
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM releases")
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        let joined: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM release_cases rc \
             JOIN releases r ON r.id = rc.release_id",
        )
        .fetch_one(&self.reader)
        .await?
        .try_get("n")?;
        let all_joined: i64 = sqlx::query("SELECT COUNT(*) AS n FROM release_cases")
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        if n as u64 != releases || joined != all_joined {
            return Ok(Some(Unverified {
                stream: "release:".into(),
                seq: None,
                what: format!("{n} release rows for {releases} release streams"),
            }));
        }
        Ok(None)
    }

    /// Rewrites the cases, projects and releases of `batch` from their folds, in one
    /// transaction.
    async fn write_folds(
        &self,
        cases: &[Case],
        projects: &[Project],
        releases: &[SharedRelease],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        for p in projects {
            save_project(&mut tx, p).await?;
        }
        for c in cases {
            let keys = text_key_in(&mut tx, self.sealing.as_deref(), c.project.as_str()).await?;
            let exists = sqlx::query("SELECT 1 FROM cases WHERE id = $1")
                .bind(c.id.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if !exists {
                // The row was lost, and its tracking token's hash with it: that is not in
                // the events. A random hash that no token matches brings the case back for
                // the team; the reporter needs a new link.
                let mut lost = [0u8; 32];
                getrandom::fill(&mut lost).map_err(|e| corrupt("random source", e))?;
                sqlx::query(
                    "INSERT INTO cases (id, project, stage, title, version, received_at, \
                                        updated_at, tracking_token_hash, state) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(c.id.as_str())
                .bind(c.project.as_str())
                .bind(c.stage.as_str())
                .bind(title_column(keys.as_ref(), c))
                .bind(c.version as i64)
                .bind(micros(c.received_at))
                .bind(micros(c.updated_at))
                .bind(&lost[..])
                .bind(state_column(keys.as_ref(), c))
                .execute(&mut *tx)
                .await?;
            }
            save_case(&mut tx, c, keys.as_ref()).await?;
        }
        // Releases last: they refer to cases (whose streams sort before theirs).
        for r in releases {
            let keys = text_key_in(&mut tx, self.sealing.as_deref(), r.project.as_str()).await?;
            save_release(&mut tx, r, keys.as_ref()).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn first_difference<K: Ord + Copy + std::fmt::Display, V: PartialEq>(
    expected: &BTreeMap<K, V>,
    stored: &BTreeMap<K, V>,
) -> Option<K> {
    expected
        .iter()
        .find(|(k, v)| stored.get(k) != Some(v))
        .map(|(k, _)| *k)
        .or_else(|| stored.keys().find(|k| !expected.contains_key(k)).copied())
}

#[async_trait::async_trait]
impl crate::IntegrityStore for Backing {
    fn chain_key_id(&self) -> String {
        self.chain.id()
    }

    async fn rewrap_data_keys(&self) -> Result<usize> {
        use sqlx::Row;
        let Some(sealing) = &self.sealing else {
            return Err(crate::StoreError::Sealed(
                crate::sealing::SealError::Broken {
                    what: "the data keys (the store was opened without a master key)".into(),
                },
            ));
        };
        let mut tx = self.writer.begin().await?;
        let rows = sqlx::query("SELECT project, master, wrapped FROM data_keys")
            .fetch_all(&mut *tx)
            .await?;
        let current = sealing.master.current_id();
        for row in &rows {
            let project: String = row.try_get("project")?;
            let master: String = row.try_get("master")?;
            let wrapped: Vec<u8> = row.try_get("wrapped")?;
            let rewrapped = sealing.master.rewrap(&project, &master, &wrapped)?;
            sqlx::query("UPDATE data_keys SET master = $2, wrapped = $3 WHERE project = $1")
                .bind(&project)
                .bind(current)
                .bind(rewrapped)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    fn database_id(&self) -> String {
        self.database_id.get().cloned().unwrap_or_default()
    }

    async fn seal_history(&self) -> Result<crate::SealedHistory> {
        let Some(sealing) = self.sealing.clone() else {
            return Err(StoreError::Sealed(SealError::Broken {
                what: "the history (the store was opened without a master key)".into(),
            }));
        };
        let mut done = crate::SealedHistory::default();
        let mut walk = Walk::new(self);
        loop {
            let batch = walk.next().await?;
            if batch.is_empty() {
                break;
            }
            let mut tx = self.writer.begin().await?;
            for s in &batch {
                let Some(first) = s
                    .events
                    .iter()
                    .position(|e| crate::sealing::sealed_by(&e.body).is_none())
                else {
                    continue;
                };
                // Only a case's and a shared release's events are sealed (accounts and
                // projects hold no report).
                let project: Option<String> = if let Some(id) = s.name.strip_prefix("case:") {
                    sqlx::query("SELECT project FROM cases WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get("project"))
                        .transpose()?
                } else if let Some(id) = s.name.strip_prefix("release:") {
                    sqlx::query("SELECT project FROM releases WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get("project"))
                        .transpose()?
                } else {
                    continue;
                };
                let Some(project) = project else {
                    return Err(corrupt(
                        "the history",
                        format!("stream `{}` has no projection to name its project", s.name),
                    ));
                };
                // Sealing re-links: only a chain that links as it is may be re-linked,
                // or a forged event would come out vouched for.
                if let Err(b) = check_chain(&self.chain, s) {
                    return Err(StoreError::ChainKey(format!(
                        "cannot seal stream `{}`: event {} does not link to the one before                          it; run `embargo admin verify`",
                        b.stream, b.seq
                    )));
                }
                let key = text_key_in(&mut tx, Some(&sealing), &project)
                    .await?
                    .expect("a key where there is sealing");
                let mut prev = first.checked_sub(1).map(|i| s.events[i].hash.clone());
                for e in &s.events[first..] {
                    let body = if crate::sealing::sealed_by(&e.body).is_some() {
                        e.body.clone()
                    } else {
                        done.events += 1;
                        key.seal(&TextKey::event_place(&s.name, e.seq), &e.body)
                    };
                    let hash = chain::link(&self.chain, prev.as_deref(), &s.name, e.seq, &body);
                    sqlx::query(
                        "UPDATE events SET body = $1, prev_hash = $2, hash = $3 \
                         WHERE stream = $4 AND seq = $5",
                    )
                    .bind(&body)
                    .bind(prev.as_deref())
                    .bind(&hash)
                    .bind(&s.name)
                    .bind(e.seq as i64)
                    .execute(&mut *tx)
                    .await?;
                    prev = Some(hash);
                }
                done.streams += 1;
            }
            tx.commit().await?;
        }
        done.files = self.seal_clear_files(&sealing).await?;
        done.quarantined = self.seal_clear_quarantine(&sealing).await?;
        Ok(done)
    }

    async fn compact(&self) -> Result<()> {
        use crate::backend::Dialect as _;
        for statement in Backing::COMPACT {
            sqlx::raw_sql(*statement).execute(&self.writer).await?;
        }
        Ok(())
    }

    async fn analyze(&self) -> Result<()> {
        use crate::backend::Dialect as _;
        sqlx::raw_sql(Backing::ANALYZE)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn heads_after(&self, after: &str, limit: usize) -> Result<Vec<Head>> {
        self.read_heads(after, limit).await
    }

    async fn check_heads(&self, heads: &[Head]) -> Result<Vec<HeadMismatch>> {
        self.compare_heads(heads).await
    }

    async fn verify_stream(&self, stream: &str) -> Result<Result<u64, ChainBreak>> {
        let rows = sqlx::query(
            "SELECT seq, body, prev_hash, hash FROM events WHERE stream = $1 ORDER BY seq",
        )
        .bind(stream)
        .fetch_all(&self.reader)
        .await?;
        let s = RawStream {
            name: stream.to_owned(),
            events: rows.iter().map(raw_event).collect::<Result<_>>()?,
        };
        Ok(check_chain(&self.chain, &s).map(|()| s.events.len() as u64))
    }

    async fn verify(&self) -> Result<Result<Verified, Unverified>> {
        let mut walk = Walk::new(self);
        let mut seen = Verified::default();
        let (mut cases, mut projects, mut releases) = (0u64, 0u64, 0u64);
        loop {
            let batch = walk.next().await?;
            if batch.is_empty() {
                break;
            }
            let mut folded = Vec::new();
            for s in &batch {
                seen.streams += 1;
                seen.events += s.events.len() as u64;
                if let Err(b) = check_chain(&self.chain, s) {
                    let what = "does not match its hash (edited, deleted or moved)";
                    return Ok(Err(unverified(s, Some(b.seq), what)));
                }
                let last = Some(s.events.len() as u64);
                if let Some(id) = s.name.strip_prefix("case:") {
                    match fold_case(s) {
                        Ok(c) if c.id.as_str() == id => folded.push((s, c)),
                        Ok(_) => {
                            return Ok(Err(unverified(
                                s,
                                Some(1),
                                "the case's id is not its stream's",
                            )));
                        }
                        Err(u) => return Ok(Err(u)),
                    }
                } else if let Some(slug) = s.name.strip_prefix("project:") {
                    let p = match fold_project(s) {
                        Ok(p) => p,
                        Err(u) => return Ok(Err(u)),
                    };
                    projects += 1;
                    seen.projections += 1;
                    match self.project_row(slug).await? {
                        Some(row) if row == ProjectRow::of(&p) => {}
                        Some(_) => {
                            return Ok(Err(unverified(
                                s,
                                last,
                                "the project row is not the fold of its events",
                            )));
                        }
                        None => return Ok(Err(unverified(s, last, "the project has no row"))),
                    }
                } else if let Some(id) = s.name.strip_prefix("release:") {
                    let r = match fold_release(s) {
                        Ok(r) if r.id.as_str() == id => r,
                        Ok(_) => {
                            return Ok(Err(unverified(
                                s,
                                Some(1),
                                "the release's id is not its stream's",
                            )));
                        }
                        Err(u) => return Ok(Err(u)),
                    };
                    releases += 1;
                    seen.projections += 1;
                    match self.release_row(id).await? {
                        Some(row) if row == ReleaseRow::of(&r) => {}
                        Some(_) => {
                            return Ok(Err(unverified(
                                s,
                                last,
                                "the release row is not the fold of its events",
                            )));
                        }
                        None => return Ok(Err(unverified(s, last, "the release has no row"))),
                    }
                } else if s.name == stream::ACCOUNTS {
                    let a = match fold_accounts(s) {
                        Ok(a) => a,
                        Err(u) => return Ok(Err(u)),
                    };
                    match self.check_accounts(s, &a).await? {
                        Ok(n) => seen.projections += n,
                        Err(u) => return Ok(Err(u)),
                    }
                } else {
                    return Ok(Err(unverified(s, None, "not a stream this program writes")));
                }
            }
            let ids: Vec<&str> = folded.iter().map(|(_, c)| c.id.as_str()).collect();
            let rows = self.case_rows(&ids).await?;
            for (s, c) in &folded {
                cases += 1;
                seen.projections += 1;
                let last = Some(s.events.len() as u64);
                let expected = CaseRow::of(c);
                match rows.get(c.id.as_str()) {
                    None => return Ok(Err(unverified(s, last, "the case has no row"))),
                    Some(row) => {
                        if let Some(column) = expected.differs(row) {
                            let what =
                                format!("the case row's `{column}` is not the fold of its events");
                            return Ok(Err(unverified(s, last, what)));
                        }
                    }
                }
            }
        }
        if let Some(u) = self.orphan(cases, projects, releases).await? {
            return Ok(Err(u));
        }
        Ok(Ok(seen))
    }

    async fn reproject(&self) -> Result<Reprojected> {
        let mut walk = Walk::new(self);
        let mut done = Reprojected::default();
        let (mut cases, mut projects, mut releases) = (Vec::new(), Vec::new(), Vec::new());
        loop {
            let batch = walk.next().await?;
            let end = batch.is_empty();
            for s in &batch {
                done.events += s.events.len() as u64;
                if s.name.starts_with("case:") {
                    cases.push(fold_case(s).map_err(|u| corrupt("events", u))?);
                } else if s.name.starts_with("project:") {
                    projects.push(fold_project(s).map_err(|u| corrupt("events", u))?);
                } else if s.name.starts_with("release:") {
                    releases.push(fold_release(s).map_err(|u| corrupt("events", u))?);
                }
            }
            if end || cases.len() + projects.len() + releases.len() >= WRITE_BATCH {
                // Projects first: cases refer to them.
                done.cases += cases.len() as u64;
                done.projects += projects.len() as u64;
                done.releases += releases.len() as u64;
                self.write_folds(&cases, &projects, &releases).await?;
                cases.clear();
                projects.clear();
                releases.clear();
            }
            if end {
                break;
            }
        }
        Ok(done)
    }
}

impl Backing {
    /// Rebuilds the projections if they were built by code with another
    /// [`embargo_core::PROJECTION_VERSION`] (or before versions were kept), and records
    /// the version. Called on opening, before the store answers anything.
    pub(super) async fn ensure_projection_version(&self) -> Result<Option<Reprojected>> {
        let stored: Option<i64> =
            sqlx::query("SELECT value FROM store_meta WHERE name = 'projection_version'")
                .fetch_optional(&self.writer)
                .await?
                .map(|r| r.try_get("value"))
                .transpose()?;
        let current = i64::from(embargo_core::PROJECTION_VERSION);
        if stored == Some(current) {
            return Ok(None);
        }
        let done = crate::IntegrityStore::reproject(self).await?;
        sqlx::query(
            "INSERT INTO store_meta (name, value) VALUES ('projection_version', $1) \
             ON CONFLICT (name) DO UPDATE SET value = $1",
        )
        .bind(current)
        .execute(&self.writer)
        .await?;
        tracing::info!(
            from = stored,
            to = current,
            cases = done.cases,
            projects = done.projects,
            "projections rebuilt for this version of the program"
        );
        Ok(Some(done))
    }
}

impl Backing {
    /// Makes sure the events are linked with `self.chain`: records its id on a new
    /// database; re-links a database whose chain has no key yet when `adopt_unkeyed`
    /// (after checking the whole unkeyed chain, in one transaction with the new id);
    /// refuses any other key.
    /// With sealing keys given: every stored data key is wrapped under one of them.
    /// Otherwise the store is not opened: a master key made anew where the old one was
    /// forgotten (a restore on another machine) would open no file, and each download
    /// would fail later instead of the start now, naming the setting.
    pub(super) async fn ensure_master_keys(&self) -> Result<()> {
        let Some(sealing) = &self.sealing else {
            return Ok(());
        };
        let rows =
            sqlx::query("SELECT MIN(project) AS project, master FROM data_keys GROUP BY master")
                .fetch_all(&self.writer)
                .await?;
        for row in rows {
            let master: String = row.try_get("master")?;
            if !sealing.master.knows(&master) {
                return Err(crate::StoreError::Sealed(
                    crate::sealing::SealError::UnknownMasterKey {
                        project: row.try_get("project")?,
                        key: master,
                    },
                ));
            }
        }
        Ok(())
    }

    pub(super) async fn ensure_chain_key(&self, adopt_unkeyed: bool) -> Result<()> {
        let ours = self.chain.id();
        let row = sqlx::query("SELECT key_id, database_id FROM chain_key")
            .fetch_optional(&self.writer)
            .await?;
        let stored: Option<String> = row.as_ref().map(|r| r.try_get("key_id")).transpose()?;
        let database_id: Option<String> =
            row.as_ref().map(|r| r.try_get("database_id")).transpose()?;
        let any_event = sqlx::query("SELECT 1 FROM events LIMIT 1")
            .fetch_optional(&self.writer)
            .await?
            .is_some();
        // Databases from before keys were recorded were linked without one.
        let stored = stored.or_else(|| any_event.then(|| chain::UNKEYED_ID.to_owned()));
        match stored {
            Some(id) if id == ours => match database_id {
                Some(known) => {
                    let _ = self.database_id.set(known);
                }
                // A database from before keys were recorded, opened without one.
                None => {
                    let mut tx = self.writer.begin().await?;
                    self.record_chain_key(&mut tx).await?;
                    tx.commit().await?;
                }
            },
            None => {
                let mut tx = self.writer.begin().await?;
                self.record_chain_key(&mut tx).await?;
                tx.commit().await?;
            }
            Some(id) if id == chain::UNKEYED_ID && adopt_unkeyed => {
                let relinked = self.relink().await?;
                tracing::info!(key = %ours, events = relinked, "event chain re-linked with the new key");
            }
            Some(id) => {
                return Err(StoreError::ChainKey(format!(
                    "this database's events are linked with key `{id}`, not `{ours}`: \
                     give the key file it was written with (setting `integrity.key_file`)"
                )));
            }
        }
        Ok(())
    }

    /// Records the key's id and, unless known, a new database id; sets `database_id`.
    async fn record_chain_key(&self, tx: &mut super::support::Tx) -> Result<()> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).expect("the operating system's random source");
        sqlx::query(
            "INSERT INTO chain_key (only_row, key_id, database_id) VALUES (1, $1, $2) \
             ON CONFLICT (only_row) DO UPDATE SET key_id = $1",
        )
        .bind(self.chain.id())
        .bind(hex::encode(random))
        .execute(&mut **tx)
        .await?;
        let id: String = sqlx::query("SELECT database_id FROM chain_key")
            .fetch_one(&mut **tx)
            .await?
            .try_get("database_id")?;
        let _ = self.database_id.set(id);
        Ok(())
    }

    /// Re-computes every link with `self.chain`, after checking the unkeyed chain.
    async fn relink(&self) -> Result<u64> {
        let unkeyed = ChainKey::unkeyed();
        let mut tx = self.writer.begin().await?;
        let mut walk = Walk::new(self);
        let mut count = 0;
        loop {
            let batch = walk.next().await?;
            if batch.is_empty() {
                break;
            }
            for s in &batch {
                if let Err(b) = check_chain(&unkeyed, s) {
                    return Err(StoreError::ChainKey(format!(
                        "cannot adopt the new key: {b}; run `embargo admin verify`"
                    )));
                }
                let mut prev: Option<Vec<u8>> = None;
                for e in &s.events {
                    let hash = chain::link(&self.chain, prev.as_deref(), &s.name, e.seq, &e.body);
                    sqlx::query(
                        "UPDATE events SET prev_hash = $1, hash = $2 WHERE stream = $3 AND seq = $4",
                    )
                    .bind(prev.as_deref())
                    .bind(&hash)
                    .bind(&s.name)
                    .bind(e.seq as i64)
                    .execute(&mut *tx)
                    .await?;
                    prev = Some(hash);
                    count += 1;
                }
            }
        }
        self.record_chain_key(&mut tx).await?;
        tx.commit().await?;
        Ok(count)
    }
}

/// Attachments or quarantined mails sealed per transaction by `seal_history`.
const SEAL_BATCH: i64 = 100;

impl Backing {
    /// Seals the attachments stored in clear, a batch per transaction; how many.
    async fn seal_clear_files(&self, sealing: &crate::sealing::Sealing) -> Result<u64> {
        let mut count = 0;
        loop {
            let mut tx = self.writer.begin().await?;
            let rows = sqlx::query(
                "SELECT a.id, a.case_id, c.project, a.content FROM attachments a \
                 JOIN cases c ON c.id = a.case_id WHERE a.sealed = false ORDER BY a.id LIMIT $1",
            )
            .bind(SEAL_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                return Ok(count);
            }
            for r in &rows {
                let (id, case, project): (String, String, String) = (
                    r.try_get("id")?,
                    r.try_get("case_id")?,
                    r.try_get("project")?,
                );
                let content: Vec<u8> = r.try_get("content")?;
                let key = super::cases::data_key_in(&mut tx, sealing, &project).await?;
                let sealed = crate::sealing::seal(
                    &key,
                    &content,
                    &crate::sealing::file_aad(&project, &case, &id),
                );
                sqlx::query("UPDATE attachments SET content = $1, sealed = true WHERE id = $2")
                    .bind(sealed)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                count += 1;
            }
            tx.commit().await?;
        }
    }

    /// Seals the mail in quarantine stored in clear, a batch per transaction; how many.
    async fn seal_clear_quarantine(&self, sealing: &crate::sealing::Sealing) -> Result<u64> {
        let mut count = 0;
        loop {
            let mut tx = self.writer.begin().await?;
            let rows = sqlx::query(
                "SELECT id, project, sender, subject, raw FROM quarantine \
                 WHERE sealed = false ORDER BY id LIMIT $1",
            )
            .bind(SEAL_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                return Ok(count);
            }
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                let project: Option<String> = r.try_get("project")?;
                let sender: Option<String> = r.try_get("sender")?;
                let subject: Option<String> = r.try_get("subject")?;
                let raw: Vec<u8> = r.try_get("raw")?;
                let (sender, subject, raw) = super::mail::seal_quarantined(
                    &mut tx,
                    sealing,
                    project.as_deref(),
                    sender,
                    subject,
                    &raw,
                )
                .await?;
                sqlx::query(
                    "UPDATE quarantine SET sender = $1, subject = $2, raw = $3, sealed = true \
                     WHERE id = $4",
                )
                .bind(sender)
                .bind(subject)
                .bind(raw)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                count += 1;
            }
            tx.commit().await?;
        }
    }
}

/// Heads checked per query.
const HEAD_BATCH: usize = 2_000;

impl Backing {
    pub(super) async fn read_heads(&self, after: &str, limit: usize) -> Result<Vec<Head>> {
        // A page of streams down the primary key (stream, seq), then each one's last event.
        let rows = sqlx::query(
            "SELECT e.stream, e.seq, e.hash FROM events e \
             JOIN (SELECT stream, MAX(seq) AS last FROM events WHERE stream > $1 \
                   GROUP BY stream ORDER BY stream LIMIT $2) h \
               ON e.stream = h.stream AND e.seq = h.last \
             ORDER BY e.stream",
        )
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Head {
                    stream: r.try_get("stream")?,
                    seq: r.try_get::<i64, _>("seq")? as u64,
                    hash: hex::encode(r.try_get::<Vec<u8>, _>("hash")?),
                })
            })
            .collect()
    }

    pub(super) async fn compare_heads(&self, heads: &[Head]) -> Result<Vec<HeadMismatch>> {
        let mut wrong = Vec::new();
        for chunk in heads.chunks(HEAD_BATCH) {
            // The heads as a table joined on the primary key: one index probe each, on
            // both databases. (A chain of `OR`s was planned as a scan of every event on
            // PostgreSQL: 8 minutes to check 10⁶ heads at start-up.)
            let mut q = Builder::new("WITH h (stream, seq) AS (");
            q.push_values(chunk, |mut b, h| {
                b.push_bind(h.stream.clone()).push_bind(h.seq as i64);
            });
            q.push(
                ") SELECT e.stream, e.seq, e.hash FROM h \
                 JOIN events e ON e.stream = h.stream AND e.seq = h.seq",
            );
            let rows = q.build().fetch_all(&self.reader).await?;
            let mut found = BTreeMap::new();
            for r in &rows {
                let stream: String = r.try_get("stream")?;
                let seq = r.try_get::<i64, _>("seq")? as u64;
                found.insert((stream, seq), hex::encode(r.try_get::<Vec<u8>, _>("hash")?));
            }
            for h in chunk {
                match found.get(&(h.stream.clone(), h.seq)) {
                    Some(hash) if *hash == h.hash => {}
                    Some(_) => wrong.push(HeadMismatch {
                        head: h.clone(),
                        what: "has another hash (edited or re-linked)",
                    }),
                    None => wrong.push(HeadMismatch {
                        head: h.clone(),
                        what: "is missing (deleted)",
                    }),
                }
            }
        }
        Ok(wrong)
    }
}
