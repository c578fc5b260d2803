//! Cases (the `case:<id>` streams): submitted, appended to, and read only through a
//! viewer's scope (`core::access`), with their attachments' bytes.

use super::Backing;
use super::listing::{
    self, Builder, after_ascending, after_descending, limit, stages_in, up_to_ascending,
    up_to_descending,
};
use super::notifications::notify;
use super::outbox::{
    clock_timer, name_clock_timers, new_case_work, project_in, queue_case_effects, queue_many,
};
use super::support::{
    CASE_PLACE, DbRow, EventRow, ROWS_PER_INSERT, TextKey, Tx, append, chain_events, corrupt,
    from_json, insert_events, to_json, unique_violation,
};
use crate::backend::{CaseCache, Dialect, SearchProbe, micros};
use crate::chain::{ChainKey, stream};
use crate::sealing::{self, KeyBytes, Sealing};
use crate::{
    CaseAccess, CaseFilter, CaseOrder, CoordinatorIs, Cursor, NewCase, NewFile, Page, PageRequest,
    ProjectStore, Queued, Result,
};
use crate::{SecretHash, StoreError, StoredEvent, TokenId, UserRecord};
use embargo_core::access::{self, Scope};
use embargo_core::actor::{Actor, User};
use embargo_core::case::{Case, Stage};
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::{AttachmentId, CaseId, ProjectSlug, UserId};
use embargo_core::project::{Project, Role};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;

/// Saves a case's projection; with `keys`, its text sealed (issue 11, item 3).
pub(super) async fn save_case(tx: &mut Tx, c: &Case, keys: Option<&TextKey>) -> Result<()> {
    sqlx::query(
        "UPDATE cases SET stage = $2, title = $3, version = $4, updated_at = $5, state = $6, \
                          disclosed_at = $7 \
         WHERE id = $1",
    )
    .bind(c.id.as_str())
    .bind(c.stage.as_str())
    .bind(title_column(keys, c))
    .bind(c.version as i64)
    .bind(micros(c.updated_at))
    .bind(state_column(keys, c))
    .bind(c.disclosure.disclosed_at.map(micros))
    .execute(&mut **tx)
    .await?;
    save_listing(tx, c, keys).await?;
    sqlx::query("DELETE FROM case_people WHERE case_id = $1")
        .bind(c.id.as_str())
        .execute(&mut **tx)
        .await?;
    insert_people(tx, c).await
}

/// The case's coordinator and collaborators as `case_people` rows.
async fn insert_people(tx: &mut Tx, c: &Case) -> Result<()> {
    let people = c
        .people
        .coordinator
        .iter()
        .map(|u| (u.id, "coordinator"))
        .chain(
            c.people
                .collaborators
                .iter()
                .map(|u| (u.id, "collaborator")),
        );
    for (user, relation) in people {
        sqlx::query("INSERT INTO case_people (case_id, user_id, relation) VALUES ($1, $2, $3)")
            .bind(c.id.as_str())
            .bind(user.0)
            .bind(relation)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The listing columns (activity, waiting on, the filters' values) and the search row:
/// what the queue and the case lists read without decoding a case.
pub(super) async fn save_listing(tx: &mut Tx, c: &Case, keys: Option<&TextKey>) -> Result<()> {
    let listing = ListingRow::of(c);
    sqlx::query(
        "UPDATE cases SET activity_at = $2, activity_seq = $3, activity_by = $4, \
                          waiting_on = $5, component = $6, severity = $7, track = $8 \
         WHERE id = $1",
    )
    .bind(c.id.as_str())
    .bind(listing.activity_at)
    .bind(listing.activity_seq)
    .bind(listing.activity_by)
    .bind(listing.waiting_on)
    .bind(listing.component)
    .bind(listing.severity)
    .bind(listing.track)
    .execute(&mut **tx)
    .await?;
    sqlx::query(Backing::SEARCH_CLEAR)
        .bind(c.id.as_str())
        .execute(&mut **tx)
        .await?;
    sqlx::query(Backing::SEARCH_WRITE)
        .bind(c.id.as_str())
        .bind(search_text(keys, c))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The listing columns of a case's row, as its fold sets them.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ListingRow {
    pub(super) activity_at: i64,
    pub(super) activity_seq: i64,
    pub(super) activity_by: Option<i64>,
    pub(super) waiting_on: Option<String>,
    pub(super) component: Option<String>,
    pub(super) severity: Option<String>,
    pub(super) track: Option<String>,
}

impl ListingRow {
    pub(super) fn of(c: &Case) -> Self {
        ListingRow {
            activity_at: micros(c.activity.at),
            activity_seq: c.activity.seq as i64,
            activity_by: c.activity.by.map(|u| u.0),
            waiting_on: c.waiting_on().map(|w| w.as_str().to_owned()),
            component: c.report.component.clone(),
            severity: crate::severity_name(c),
            track: c.fixes.track.map(|t| t.as_str().to_owned()),
        }
    }
}

/// What search finds a case by: its title, description and advisory summary; with
/// keys, as keyed tokens instead of the words.
fn search_text(keys: Option<&TextKey>, c: &Case) -> String {
    let summary = c.advisory.details.summary.as_deref().unwrap_or("");
    let words = crate::search_words(&format!(
        "{}\n{}\n{}",
        c.report.title, c.report.description, summary
    ));
    match keys {
        Some(k) => sealing::search_tokens(&k.search, &words),
        None => words
            .iter()
            .map(|w| match w.char_indices().nth(INDEXED_LETTERS) {
                Some((end, _)) => &w[..end],
                None => w,
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The letters of a word the index keeps in clear: a search finds a word by its start,
/// and what is searched is no longer (at most 200 characters, the server's
/// `SEARCH_MAX`); PostgreSQL's tsvector refuses a word over 2,047 bytes.
const INDEXED_LETTERS: usize = 200;

/// The `title` column: the title in clear only where nothing is sealed (it is in the
/// projection, which is what is read).
pub(super) fn title_column(keys: Option<&TextKey>, c: &Case) -> String {
    match keys {
        Some(_) => String::new(),
        None => c.report.title.clone(),
    }
}

/// The `state` column: the case as JSON, sealed with keys.
pub(super) fn state_column(keys: Option<&TextKey>, c: &Case) -> String {
    match keys {
        Some(k) => k.seal(CASE_PLACE, &to_json(c)),
        None => to_json(c),
    }
}

/// The `reporter_email` column, which finds a reporter's cases for a lost link: the
/// address as written in clear, or a keyed token of it with keys.
pub(super) fn reporter_email_column(search: Option<&KeyBytes>, email: &str) -> String {
    let email = email.trim().to_lowercase();
    match search {
        Some(key) => sealing::address_token(key, &email),
        None => email,
    }
}

/// The keys a case's text is sealed with, inside `tx`: `None` without keys.
pub(super) async fn text_key_in(
    tx: &mut Tx,
    sealing: Option<&Sealing>,
    project: &str,
) -> Result<Option<TextKey>> {
    let Some(sealing) = sealing else {
        return Ok(None);
    };
    Ok(Some(TextKey {
        project: project.to_owned(),
        key: data_key_in(tx, sealing, project).await?,
        search: data_key_in(tx, sealing, sealing::SEARCH_KEY).await?,
    }))
}

/// The keys a case's text is sealed with where this process has them open already,
/// without the database; `None` where one must be read (or made) in a transaction,
/// by [`text_key_in`].
fn text_key_open(sealing: &Sealing, project: &str) -> Option<TextKey> {
    Some(TextKey {
        project: project.to_owned(),
        key: sealing.cached(project)?,
        search: sealing.cached(sealing::SEARCH_KEY)?,
    })
}

/// Appends a case's events (its stream at `before` events) and saves its projection,
/// sealed with keys.
pub(super) async fn append_case(
    tx: &mut Tx,
    chain: &ChainKey,
    sealing: Option<&Sealing>,
    before: u64,
    case: &Case,
    events: &[Recorded<Event>],
) -> Result<()> {
    let keys = text_key_in(tx, sealing, case.project.as_str()).await?;
    append(
        tx,
        chain,
        &stream::case(&case.id),
        Some(before),
        Event::kind,
        events,
        keys.as_ref(),
    )
    .await?;
    save_case(tx, case, keys.as_ref()).await
}

/// The files' rows; with keys, each content sealed under its project's data key.
async fn save_files(
    tx: &mut Tx,
    sealing: Option<&Sealing>,
    case: &Case,
    files: &[NewFile],
) -> Result<()> {
    let key = match (sealing, files.is_empty()) {
        (Some(sealing), false) => Some(data_key_in(tx, sealing, case.project.as_str()).await?),
        _ => None,
    };
    for f in files {
        let content = match &key {
            Some(key) => sealing::seal(
                key,
                &f.content,
                &sealing::file_aad(case.project.as_str(), case.id.as_str(), f.id.as_str()),
            ),
            None => f.content.clone(),
        };
        sqlx::query(
            "INSERT INTO attachments (id, case_id, size, sha256, content, sealed) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(f.id.as_str())
        .bind(case.id.as_str())
        .bind(f.content.len() as i64)
        .bind(&f.sha256)
        .bind(content)
        .bind(key.is_some())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The project's data key, made (and stored wrapped) in `tx` the first time. Nothing
/// read or made here is remembered: a row read back in `tx` may be one `tx` made
/// (asked twice, as a shared release and the cases appended with it do), and a key
/// remembered before its row is committed would, rolled back, go on sealing text that
/// no stored key opens. [`Backing::keep_keys`] remembers them once committed.
pub(super) async fn data_key_in(tx: &mut Tx, sealing: &Sealing, project: &str) -> Result<KeyBytes> {
    if let Some(key) = sealing.cached(project) {
        return Ok(key);
    }
    let (key, wrapped) = sealing.master.new_data_key(project);
    // Another writer may make the project's key at the same moment: its row wins.
    sqlx::query(
        "INSERT INTO data_keys (project, master, wrapped) VALUES ($1, $2, $3) \
         ON CONFLICT (project) DO NOTHING",
    )
    .bind(project)
    .bind(sealing.master.current_id())
    .bind(&wrapped)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query("SELECT master, wrapped FROM data_keys WHERE project = $1")
        .bind(project)
        .fetch_one(&mut **tx)
        .await?;
    let master: String = row.try_get("master")?;
    let stored: Vec<u8> = row.try_get("wrapped")?;
    if stored == wrapped {
        return Ok(key);
    }
    Ok(sealing.master.unwrap(project, &master, &stored)?)
}

impl Backing {
    /// After a commit that sealed with `project`'s keys: remembers them (and the search
    /// key), read through the reader, which sees committed rows only, so that the next
    /// transaction finds them without asking the database. A failure here costs only
    /// that: the next transaction reads them itself.
    pub(super) async fn keep_keys(&self, project: &str) {
        let Some(sealing) = &self.sealing else {
            return;
        };
        for name in [project, sealing::SEARCH_KEY] {
            if sealing.cached(name).is_none() {
                let _ = self.data_key(name).await;
            }
        }
    }

    /// Loads the keys that open these rows' `state` (each project's once per process).
    pub(super) async fn load_state_keys(&self, rows: &[DbRow]) -> Result<()> {
        for r in rows {
            let stored: String = r.try_get("state")?;
            if let Some(project) = sealing::sealed_by(&stored) {
                self.data_key(project).await?;
            }
        }
        Ok(())
    }

    /// Stored text at `place`, opened with its project's key, which must be loaded
    /// (`load_state_keys`, `data_key`); clear text as it is.
    pub(super) fn opened(&self, place: &str, stored: String) -> Result<String> {
        let Some(project) = sealing::sealed_by(&stored) else {
            return Ok(stored);
        };
        let key = self
            .sealing
            .as_ref()
            .and_then(|s| s.cached(project))
            .ok_or_else(|| {
                corrupt(
                    "sealed text",
                    format!("the key of `{project}` is not loaded"),
                )
            })?;
        Ok(sealing::open_text(&key, place, &stored)?)
    }

    /// A row's `state` as a case, its key loaded already (a page's rows): from the cache
    /// when it was opened from this very text before. A page adds to the cache only
    /// while it has room, so that paging through every case does not empty it of the
    /// cases being worked on (`CaseCache::offer`).
    pub(super) fn case_of(&self, row: &DbRow) -> Result<Case> {
        self.case_kept(row.try_get("state")?, CaseCache::offer)
            .map(Arc::unwrap_or_clone)
    }

    /// Stored `state` text as a case, its key loaded already: from the cache when it
    /// was opened from this very text before, else opened, parsed and given to `keep`.
    fn case_kept(
        &self,
        stored: String,
        keep: fn(&CaseCache, String, &Arc<Case>),
    ) -> Result<Arc<Case>> {
        if let Some(case) = self.cases.get(&stored) {
            return Ok(case);
        }
        let case = Arc::new(from_json::<Case>(
            "case",
            &self.opened(CASE_PLACE, stored.clone())?,
        )?);
        keep(&self.cases, stored, &case);
        Ok(case)
    }

    /// A row's `state` as a case, for a single read: from the cache when it was opened
    /// from this very text before (`CaseCache`).
    pub(super) async fn case_from(&self, row: &DbRow) -> Result<Case> {
        self.case_opened(row.try_get("state")?)
            .await
            .map(Arc::unwrap_or_clone)
    }

    /// Stored `state` text as a case, from the cache when it was opened before, shared
    /// with it (for a `CaseAccess`, which shares it too).
    pub(super) async fn case_opened(&self, stored: String) -> Result<Arc<Case>> {
        // A hit needs no key: load it only for a text the cache does not hold.
        if let Some(case) = self.cases.get(&stored) {
            return Ok(case);
        }
        if let Some(project) = sealing::sealed_by(&stored) {
            self.data_key(project).await?;
        }
        self.case_kept(stored, CaseCache::put)
    }

    /// Stored text at `place`, opened (its key loaded if need be); clear text as it is.
    pub(super) async fn open_text(&self, place: &str, stored: String) -> Result<String> {
        if let Some(project) = sealing::sealed_by(&stored) {
            self.data_key(project).await?;
        }
        self.opened(place, stored)
    }

    /// An `events` row (`seq`, `body`, `hash`) of a stream whose bodies may be sealed
    /// (a case's, a release's), its body opened.
    pub(super) async fn stored_sealed_event<E: serde::de::DeserializeOwned>(
        &self,
        stream: &str,
        row: &DbRow,
    ) -> Result<StoredEvent<E>> {
        let seq = row.try_get::<i64, _>("seq")? as u64;
        let body: String = row.try_get("body")?;
        let plain = self
            .open_text(&TextKey::event_place(stream, seq), body)
            .await?;
        Ok(StoredEvent {
            seq,
            hash: hex::encode(row.try_get::<Vec<u8>, _>("hash")?),
            recorded: from_json("event", &plain)?,
        })
    }

    /// The instance's search key, if any case was sealed yet.
    pub(super) async fn search_key(&self) -> Result<Option<KeyBytes>> {
        let Some(sealing) = &self.sealing else {
            return Ok(None);
        };
        if let Some(key) = sealing.cached(sealing::SEARCH_KEY) {
            return Ok(Some(key));
        }
        let known = sqlx::query("SELECT 1 AS one FROM data_keys WHERE project = $1")
            .bind(sealing::SEARCH_KEY)
            .fetch_optional(&self.reader)
            .await?;
        match known {
            Some(_) => Ok(Some(self.data_key(sealing::SEARCH_KEY).await?)),
            None => Ok(None),
        }
    }

    /// The data key of `project` (or of `sealing::SEARCH_KEY`, `sealing::INSTANCE_KEY`)
    /// for reading what is sealed under it.
    pub(super) async fn data_key(&self, project: &str) -> Result<KeyBytes> {
        let Some(sealing) = &self.sealing else {
            return Err(StoreError::Sealed(sealing::SealError::Broken {
                what: format!(
                    "sealed data of `{project}` (the store was opened without the master \
                     key, `encryption.key_file`)"
                ),
            }));
        };
        if let Some(key) = sealing.cached(project) {
            return Ok(key);
        }
        let row = sqlx::query("SELECT master, wrapped FROM data_keys WHERE project = $1")
            .bind(project)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| {
                corrupt(
                    "data key",
                    format!("`{project}` has sealed data but no data key"),
                )
            })?;
        let key = sealing.master.unwrap(
            project,
            &row.try_get::<String, _>("master")?,
            &row.try_get::<Vec<u8>, _>("wrapped")?,
        )?;
        sealing.remember(project, key);
        Ok(key)
    }

    /// An attachment's content as stored, opened if sealed.
    async fn file_content(&self, case: &Case, id: &AttachmentId) -> Result<Option<Vec<u8>>> {
        let row =
            sqlx::query("SELECT content, sealed FROM attachments WHERE id = $1 AND case_id = $2")
                .bind(id.as_str())
                .bind(case.id.as_str())
                .fetch_optional(&self.reader)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let content: Vec<u8> = row.try_get("content")?;
        if !row.try_get::<bool, _>("sealed")? {
            return Ok(Some(content));
        }
        let project = case.project.as_str();
        let key = self.data_key(project).await?;
        sealing::open(
            &key,
            &content,
            &sealing::file_aad(project, case.id.as_str(), id.as_str()),
        )
        .map(Some)
        .ok_or_else(|| {
            StoreError::Sealed(sealing::SealError::Broken {
                what: format!("file {id} of case {}", case.id),
            })
        })
    }
}

/// `AND` every part of `filter` but the order and the search words: stages, component,
/// severity, coordinator, track and "mine".
fn narrow(q: &mut Builder, filter: &CaseFilter) {
    stages_in(q, "c.stage", &filter.stages);
    if let Some(component) = &filter.component {
        q.push(" AND c.component = ");
        q.push_bind(component.clone());
    }
    if !filter.severities.is_empty() {
        q.push(" AND c.severity IN (");
        let mut list = q.separated(", ");
        for s in &filter.severities {
            list.push_bind(s.clone());
        }
        q.push(")");
    }
    match filter.coordinator {
        None => {}
        Some(CoordinatorIs::Nobody) => {
            q.push(
                " AND NOT EXISTS (SELECT 1 FROM case_people k WHERE k.case_id = c.id \
                 AND k.relation = 'coordinator')",
            );
        }
        Some(CoordinatorIs::User(user)) => {
            q.push(
                " AND EXISTS (SELECT 1 FROM case_people k WHERE k.case_id = c.id \
                 AND k.relation = 'coordinator' AND k.user_id = ",
            );
            q.push_bind(user.0);
            q.push(")");
        }
    }
    if !filter.tracks.is_empty() {
        q.push(" AND c.track IN (");
        let mut list = q.separated(", ");
        for t in &filter.tracks {
            list.push_bind(t.as_str());
        }
        q.push(")");
    }
    if let Some(user) = filter.involving {
        q.push(" AND c.id IN (SELECT m.case_id FROM case_people m WHERE m.user_id = ");
        q.push_bind(user.0);
        q.push(")");
    }
}

/// The index's query for search `words`. With keys, the index holds keyed tokens of
/// each word and of its starts.
fn words_query(words: &[String], key: Option<&KeyBytes>) -> String {
    match key {
        Some(key) => {
            let tokens: Vec<String> = words.iter().map(|w| sealing::query_token(key, w)).collect();
            Backing::search_query(&tokens, false)
        }
        None => Backing::search_query(words, true),
    }
}

/// How a listing's statement asks for its search words.
#[derive(Clone, Copy)]
enum Matching<'a> {
    /// It does not: there are none, or they are left out (how far a probe goes is
    /// counted in the listing without them).
    Any,
    /// The index finds every match, and the listing keeps the cases among them
    /// (`Dialect::SEARCH_MATCH`).
    Set(&'a str),
    /// The listing asks each case in turn, in its order, with the dialect's `probe`,
    /// up to and with the listed case `reach` (`None`: to its end).
    Probe {
        text: &'a str,
        probe: &'a SearchProbe,
        reach: Option<&'a Cursor>,
    },
}

/// `AND` the case matches, as `matching` says; `key` and `descending` are the listing's
/// order, which a probe's reach is in.
fn matching(q: &mut Builder, matching: Matching<'_>, key: &str, descending: bool) {
    match matching {
        Matching::Any => {}
        Matching::Set(text) => {
            let (open, close) = Backing::SEARCH_MATCH;
            q.push(open);
            q.push_bind(text.to_owned());
            q.push(close);
        }
        Matching::Probe { text, probe, reach } => {
            let (open, close) = probe.each;
            q.push(open);
            q.push_bind(text.to_owned());
            q.push(close);
            if let Some(reach) = reach {
                match descending {
                    false => up_to_ascending(q, key, "c.id", reach),
                    true => up_to_descending(q, key, "c.id", reach),
                }
            }
        }
    }
}

/// What a listing's statement selects.
#[derive(Clone, Copy)]
enum Shape {
    /// Its page: each case's `state`, `sort_key` and `id`, one row more than the page.
    Page,
    /// The `sort_key` and `id` of its `n`th case from the page's start: as far as a
    /// probe goes.
    Nth(u32),
}

impl Shape {
    /// The columns before ` FROM`, the listing's order key being `key`.
    fn columns(self, key: &str) -> String {
        match self {
            Shape::Page => format!("c.state, {key} AS sort_key, c.id"),
            Shape::Nth(_) => format!("{key} AS sort_key, c.id"),
        }
    }

    /// ` LIMIT …` of the whole statement.
    fn limit(self, q: &mut Builder, page: &PageRequest) {
        match self {
            Shape::Page => limit(q, page),
            Shape::Nth(n) => {
                q.push(" LIMIT 1 OFFSET ");
                q.push_bind(i64::from(n.max(1)) - 1);
            }
        }
    }

    /// ` LIMIT …` of a part of a union whose rows the statement orders and cuts again.
    fn limit_part(self, q: &mut Builder, page: &PageRequest) {
        match self {
            Shape::Page => limit(q, page),
            Shape::Nth(n) => {
                q.push(" LIMIT ");
                q.push_bind(i64::from(n));
            }
        }
    }
}

/// Words are probed case by case when they match at least this many cases; fewer are
/// found as a set, joined and sorted (about 2.2 µs a match on SQLite at 10⁶ cases, so
/// 9 ms at most).
const FEW_MATCHES: i64 = 4_000;

/// How many listed cases a probe asks before it gives up on filling the page and the
/// set is found instead (8–16 µs each on SQLite at 10⁶ cases: 15–30 ms). A probe gives
/// up when fewer than one listed case in 40 matches; the set is then at most 2.5% of
/// the cases (at 10⁶, 25,000 matches: 52 ms).
const PROBE_REACH: u32 = 2_000;

impl Backing {
    /// The rows of a listing's page, built by `build`. With search words, asked the
    /// cheaper way: where the dialect probes (`Dialect::SEARCH_PROBE`), words of few
    /// cases are found as a set; common ones by asking the listed cases in turn, which
    /// fills a page after a few hundred of them, unless the matches are rare among the
    /// listed cases, where the set is found after all.
    async fn listed(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
        build: impl Fn(Shape, Matching<'_>) -> Builder,
    ) -> Result<Vec<DbRow>> {
        if filter.words.is_empty() {
            return Ok(build(Shape::Page, Matching::Any)
                .build()
                .fetch_all(&self.reader)
                .await?);
        }
        let text = &words_query(&filter.words, self.search_key().await?.as_ref());
        let set = || build(Shape::Page, Matching::Set(text));
        let Some(probe) = &Backing::SEARCH_PROBE else {
            return Ok(set().build().fetch_all(&self.reader).await?);
        };
        let found: i64 = sqlx::query_scalar(probe.count)
            .bind(text)
            .bind(FEW_MATCHES)
            .fetch_one(&self.reader)
            .await?;
        if found < FEW_MATCHES {
            return Ok(set().build().fetch_all(&self.reader).await?);
        }
        let reach = build(Shape::Nth(PROBE_REACH), Matching::Any)
            .build()
            .fetch_optional(&self.reader)
            .await?
            .map(|r| listing::cursor_of(&r))
            .transpose()?;
        let probed = Matching::Probe {
            text,
            probe,
            reach: reach.as_ref(),
        };
        let rows = build(Shape::Page, probed)
            .build()
            .fetch_all(&self.reader)
            .await?;
        // Without a reach every listed case was asked; with one, a full page is the
        // first cases that match, every case before its last having been asked.
        if reach.is_none() || rows.len() > page.limit() as usize {
            return Ok(rows);
        }
        Ok(set().build().fetch_all(&self.reader).await?)
    }
}

/// The stages whose cases the public may read (`core`'s rule, as a list for SQL).
fn public_stages() -> Vec<Stage> {
    Stage::ALL.into_iter().filter(|s| s.is_public()).collect()
}

/// A listed case, if core's rule agrees with the SQL scope that selected it. They must
/// agree; if they ever do not, tests fail loudly and production still hands out nothing
/// core refuses.
fn visible(actor: &Actor, project: &Project, case: Case) -> Option<Case> {
    let visible = access::standing(actor, project, &case).is_some();
    debug_assert!(visible, "scope query returned {} that core hides", case.id);
    visible.then_some(case)
}

/// The rule for the public side, checked again on the state itself so that a stage
/// column out of step with the case could never publish an embargoed case.
fn public(case: Case) -> Option<Case> {
    (case.stage.is_public() && case.disclosure.disclosed_at.is_some()).then_some(case)
}

impl Backing {
    pub(super) async fn access(
        &self,
        row: Option<DbRow>,
        actor: &Actor,
    ) -> Result<Option<CaseAccess>> {
        let Some(row) = row else { return Ok(None) };
        let version = row.try_get::<i64, _>("project_version").ok();
        self.access_at(row.try_get("state")?, version, actor).await
    }

    /// The case stored as `stored` if `actor` may see it; `project_version` is its
    /// project's, where the statement read it with the case.
    pub(super) async fn access_at(
        &self,
        stored: String,
        project_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Option<CaseAccess>> {
        let case = self.case_opened(stored).await?;
        // Read with the case where the query joined it: then the project costs no
        // statement of its own while its version stands.
        if let Some(version) = project_version {
            let project = self
                .project_at(case.project.as_str(), version as u64)
                .await?;
            return Ok(
                access::standing(actor, &project, &case).map(|s| CaseAccess::new(case, project, s))
            );
        }
        self.access_to(case, actor).await
    }

    /// The case if `actor` may see it.
    async fn access_to(&self, case: Arc<Case>, actor: &Actor) -> Result<Option<CaseAccess>> {
        let Some(project) = self.load_project(case.project.as_str()).await? else {
            return Err(corrupt("case", format!("{} has no project", case.id)));
        };
        // The one visibility rule lives in core; the store only refuses to hand out
        // what it says no to.
        Ok(access::standing(actor, &project, &case).map(|s| CaseAccess::new(case, project, s)))
    }
}

/// A new case as [`insert_cases`] takes it.
struct Fresh<'a> {
    case: &'a Case,
    events: &'a [Recorded<Event>],
    tracking_token: &'a str,
    files: &'a [NewFile],
}

/// What a new case writes that takes work to make: its projection and events sealed
/// and chained, its search text (keyed tokens with keys), its reporter's address.
/// Made before the case's transaction when its project's keys are known (almost
/// always: they are kept once read), because that work took a third of the time
/// SQLite's one writer connection was held for a report: made there, it held up every
/// other report waiting to be stored.
struct NewRows {
    title: String,
    state: String,
    search: String,
    reporter_email: Option<String>,
    events: Vec<EventRow>,
}

impl NewRows {
    fn of(chain: &ChainKey, keys: Option<&TextKey>, f: &Fresh<'_>) -> NewRows {
        let case = f.case;
        let stream = stream::case(&case.id);
        let events = chain_events(chain, &stream, 0, None, Event::kind, f.events, keys);
        NewRows {
            title: title_column(keys, case),
            state: state_column(keys, case),
            search: search_text(keys, case),
            reporter_email: case
                .report
                .reporter
                .email
                .as_ref()
                .map(|e| reporter_email_column(keys.map(|k| &k.search), e)),
            events,
        }
    }

    /// Each case's rows where its project's keys are already known, without the
    /// database; `None` where they must be read (or made) inside the transaction.
    fn ahead(
        chain: &ChainKey,
        sealing: Option<&Sealing>,
        cases: &[Fresh<'_>],
    ) -> Vec<Option<NewRows>> {
        cases
            .iter()
            .map(|f| {
                let keys = match sealing {
                    None => None,
                    Some(sealing) => Some(text_key_open(sealing, f.case.project.as_str())?),
                };
                Some(NewRows::of(chain, keys.as_ref(), f))
            })
            .collect()
    }
}

/// New cases' rows, events, files and outbox jobs, inside `tx`; returns what each
/// queued, in order. `ahead` holds the rows made before the transaction
/// ([`NewRows::ahead`]); the others are made here. The case rows, search rows, events
/// and outbox jobs of all the cases go in a few multi-row inserts (round trips per
/// table, not per row); people and files, which most new cases lack, go case by case.
/// The case row carries every column a later change sets (`save_case`,
/// `save_listing`), and a new case has no search row, people or timer to clear first.
/// A taken id or tracking token is `Conflict`, for the whole batch.
async fn insert_cases(
    tx: &mut Tx,
    chain: &ChainKey,
    sealing: Option<&Sealing>,
    cases: &[Fresh<'_>],
    ahead: Vec<Option<NewRows>>,
) -> Result<Vec<Vec<Queued>>> {
    // Each project's keys once in the transaction: asked for each case, a project
    // without keys yet would make (and throw away) a new key per case.
    let mut keys: HashMap<&ProjectSlug, Option<TextKey>> = HashMap::new();
    let mut rows = Vec::with_capacity(cases.len());
    for (f, made) in cases.iter().zip(ahead) {
        let made = match made {
            Some(made) => made,
            None => {
                let project = &f.case.project;
                if !keys.contains_key(project) {
                    let k = text_key_in(tx, sealing, project.as_str()).await?;
                    keys.insert(project, k);
                }
                NewRows::of(chain, keys[project].as_ref(), f)
            }
        };
        rows.push(made);
    }
    // Where the dialect can defer the outbox's reference to the case to the commit
    // (`DEFER_OUTBOX_CASE`), each case's jobs are queued first, so that its row is
    // inserted naming its clock timer rather than updated to name it. Each project is
    // read once: its policy plans its cases' clocks, and a batch is usually all one
    // project's.
    let mut projects: HashMap<ProjectSlug, Project> = HashMap::new();
    let mut work = Vec::new();
    let mut jobs_of = Vec::with_capacity(cases.len());
    for f in cases {
        let project = match projects.get(&f.case.project) {
            Some(project) => project,
            None => {
                let project = project_in(tx, f.case).await?;
                projects.entry(f.case.project.clone()).or_insert(project)
            }
        };
        let jobs = new_case_work(f.case, project, f.events, f.tracking_token);
        jobs_of.push(jobs.len());
        work.extend(jobs);
    }
    let early = match Backing::DEFER_OUTBOX_CASE {
        Some(defer) => {
            sqlx::query(defer).execute(&mut **tx).await?;
            Some(queue_many(tx, std::mem::take(&mut work)).await?)
        }
        None => None,
    };
    // Each case's timer, found among its own jobs (they were queued in case order).
    let clock_jobs: Vec<Option<i64>> = match &early {
        Some(queued) => {
            let mut rest = &queued[..];
            jobs_of
                .iter()
                .map(|&n| {
                    let (own, after) = rest.split_at(n);
                    rest = after;
                    own.iter().find_map(clock_timer).map(|(_, id)| id)
                })
                .collect()
        }
        None => vec![None; cases.len()],
    };
    let mut events = Vec::with_capacity(rows.iter().map(|r| r.events.len()).sum());
    for ((chunk, made), clock_jobs) in cases
        .chunks(ROWS_PER_INSERT)
        .zip(rows.chunks_mut(ROWS_PER_INSERT))
        .zip(clock_jobs.chunks(ROWS_PER_INSERT))
    {
        let mut q = Builder::new(
            "INSERT INTO cases (id, project, stage, title, version, received_at, updated_at, \
                                tracking_token_hash, state, reporter_email, disclosed_at, \
                                activity_at, activity_seq, activity_by, waiting_on, component, \
                                severity, track, clock_job) ",
        );
        let values = chunk.iter().zip(made.iter()).zip(clock_jobs);
        q.push_values(values, |mut b, ((f, made), clock_job)| {
            let case = f.case;
            let listing = ListingRow::of(case);
            b.push_bind(case.id.as_str().to_owned())
                .push_bind(case.project.as_str().to_owned())
                .push_bind(case.stage.as_str())
                .push_bind(made.title.clone())
                .push_bind(case.version as i64)
                .push_bind(micros(case.received_at))
                .push_bind(micros(case.updated_at))
                .push_bind(SecretHash::of(f.tracking_token).0.to_vec())
                .push_bind(made.state.clone())
                .push_bind(made.reporter_email.clone())
                .push_bind(case.disclosure.disclosed_at.map(micros))
                .push_bind(listing.activity_at)
                .push_bind(listing.activity_seq)
                .push_bind(listing.activity_by)
                .push_bind(listing.waiting_on)
                .push_bind(listing.component)
                .push_bind(listing.severity)
                .push_bind(listing.track)
                .push_bind(*clock_job);
        });
        match q.build().execute(&mut **tx).await {
            // A random id or token collided (or an import's id is taken): the caller
            // draws new ones, or stores the cases one by one.
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict),
            other => other?,
        };
        let many = Backing::SEARCH_WRITE_MANY;
        let mut q = Builder::new(many.insert);
        q.push_values(chunk.iter().zip(made.iter()), |mut b, (f, made)| {
            b.push(many.id.0)
                .push_bind_unseparated(f.case.id.as_str().to_owned())
                .push_unseparated(many.id.1)
                .push(many.text.0)
                .push_bind_unseparated(made.search.clone())
                .push_unseparated(many.text.1);
        });
        q.build().execute(&mut **tx).await?;
        for made in made {
            events.append(&mut made.events);
        }
    }
    insert_events(tx, events).await?;
    for f in cases {
        insert_people(tx, f.case).await?;
        save_files(tx, sealing, f.case, f.files).await?;
        notify(tx, f.case, &projects[&f.case.project], f.events).await?;
    }
    let queued = match early {
        Some(queued) => queued,
        None => {
            let queued = queue_many(tx, work).await?;
            name_clock_timers(tx, &queued).await?;
            queued
        }
    };
    let mut queued = queued.into_iter();
    Ok(jobs_of
        .into_iter()
        .map(|n| queued.by_ref().take(n).collect())
        .collect())
}

impl Backing {
    /// New cases in one transaction, their rows made before it is begun wherever
    /// their keys are open.
    async fn store_new(&self, fresh: &[Fresh<'_>]) -> Result<Vec<Vec<Queued>>> {
        let sealing = self.sealing.as_deref();
        let ahead = NewRows::ahead(&self.chain, sealing, fresh);
        let mut tx = self.writer.begin().await?;
        let queued = insert_cases(&mut tx, &self.chain, sealing, fresh, ahead).await?;
        tx.commit().await?;
        let mut projects: Vec<&str> = fresh.iter().map(|f| f.case.project.as_str()).collect();
        projects.sort_unstable();
        projects.dedup();
        for project in projects {
            self.keep_keys(project).await;
        }
        Ok(queued)
    }
}

#[async_trait::async_trait]
impl crate::CaseStore for Backing {
    async fn submit_case(
        &self,
        case: &Case,
        events: &[Recorded<Event>],
        tracking_token: &str,
        files: &[NewFile],
    ) -> Result<Vec<Queued>> {
        let fresh = [Fresh {
            case,
            events,
            tracking_token,
            files,
        }];
        let mut queued = self.store_new(&fresh).await?;
        Ok(queued.pop().expect("one case, one answer"))
    }

    async fn submit_cases(&self, cases: &[NewCase]) -> Result<Vec<Vec<Queued>>> {
        let fresh: Vec<Fresh<'_>> = cases
            .iter()
            .map(|c| Fresh {
                case: &c.case,
                events: &c.events,
                tracking_token: &c.tracking_token,
                files: &c.files,
            })
            .collect();
        self.store_new(&fresh).await
    }

    async fn append_case_events(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        files: &[NewFile],
    ) -> Result<Vec<Queued>> {
        let mut tx = self.writer.begin().await?;
        append_case(
            &mut tx,
            &self.chain,
            self.sealing.as_deref(),
            before,
            case,
            events,
        )
        .await?;
        save_files(&mut tx, self.sealing.as_deref(), case, files).await?;
        let queued = queue_case_effects(&mut tx, case, events, None).await?;
        tx.commit().await?;
        self.keep_keys(case.project.as_str()).await;
        Ok(queued)
    }

    async fn append_case_events_with_token(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        token: &str,
    ) -> Result<Vec<Queued>> {
        let mut tx = self.writer.begin().await?;
        append_case(
            &mut tx,
            &self.chain,
            self.sealing.as_deref(),
            before,
            case,
            events,
        )
        .await?;
        let queued = queue_case_effects(&mut tx, case, events, Some(token)).await?;
        tx.commit().await?;
        self.keep_keys(case.project.as_str()).await;
        Ok(queued)
    }

    async fn case_for_guest(
        &self,
        id: &CaseId,
        hash: &SecretHash,
    ) -> Result<Option<(Case, Project, embargo_core::ids::GuestId)>> {
        let row = sqlx::query("SELECT state FROM cases WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let case: Case = self.case_from(&row).await?;
        // A hash of 256 random bits: comparing it leaks nothing about a preimage.
        let hex = hash.hex();
        let Some(guest) = case
            .guests
            .current
            .iter()
            .find(|g| g.guest.token_hash == hex)
            .map(|g| g.guest.id)
        else {
            return Ok(None);
        };
        if !case.stage.is_open() {
            return Ok(None);
        }
        let Some(project) = self.load_project(case.project.as_str()).await? else {
            return Err(corrupt("case", format!("{} has no project", case.id)));
        };
        Ok(Some((case, Arc::unwrap_or_clone(project), guest)))
    }

    async fn guest_attachment(
        &self,
        id: &CaseId,
        hash: &SecretHash,
        attachment: &AttachmentId,
    ) -> Result<Option<(embargo_core::event::Attachment, Vec<u8>)>> {
        let Some((case, _, guest)) = self.case_for_guest(id, hash).await? else {
            return Ok(None);
        };
        let sees = case
            .guests
            .get(guest)
            .is_some_and(|g| g.sees(embargo_core::case::Share::Attachments));
        let Some(meta) = case.attachments.iter().find(|a| {
            &a.id == attachment && a.visibility == embargo_core::event::Visibility::Shared
        }) else {
            return Ok(None);
        };
        if !sees {
            return Ok(None);
        }
        let Some(content) = self.file_content(&case, attachment).await? else {
            return Ok(None);
        };
        Ok(Some((meta.clone(), content)))
    }

    async fn case_for_viewer(&self, id: &CaseId, actor: &Actor) -> Result<Option<CaseAccess>> {
        let Some(found) = self.viewer_case(id).await? else {
            return Ok(None);
        };
        self.access_at(found.state, found.project_version, actor)
            .await
    }

    async fn case_for_api_token(
        &self,
        hash: &SecretHash,
        id: &CaseId,
    ) -> Result<Option<(UserRecord, TokenId, Option<CaseAccess>)>> {
        let Some(found) = self.token_case(hash, id).await? else {
            return Ok(None);
        };
        let Some(case) = found.case else {
            return Ok(Some((found.owner, found.token, None)));
        };
        let access = self
            .access_at(case.state, case.project_version, &found.owner.actor())
            .await?;
        Ok(Some((found.owner, found.token, access)))
    }

    async fn public_case(&self, id: &CaseId) -> Result<Option<Case>> {
        let mut q = Builder::new("SELECT state FROM cases WHERE id = ");
        q.push_bind(id.as_str().to_owned());
        stages_in(&mut q, "stage", &public_stages());
        let row = q.build().fetch_optional(&self.reader).await?;
        let Some(row) = row else { return Ok(None) };
        let case: Case = self.case_from(&row).await?;
        Ok(public(case))
    }

    async fn public_cases_among(&self, ids: &[CaseId]) -> Result<Vec<Case>> {
        let mut found = Vec::new();
        // Well below either database's limit on bound parameters.
        for chunk in ids.chunks(1_000) {
            let mut q = Builder::new("SELECT state FROM cases WHERE id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.as_str().to_owned());
            }
            q.push(")");
            stages_in(&mut q, "stage", &public_stages());
            for row in q.build().fetch_all(&self.reader).await? {
                let case: Case = self.case_from(&row).await?;
                found.extend(public(case));
            }
        }
        Ok(found)
    }

    async fn public_cases(&self, project: &ProjectSlug, page: &PageRequest) -> Result<Page<Case>> {
        let mut q = Builder::new(
            "SELECT state, disclosed_at AS sort_key, id FROM cases \
             WHERE disclosed_at IS NOT NULL AND project = ",
        );
        q.push_bind(project.as_str().to_owned());
        stages_in(&mut q, "stage", &public_stages());
        after_descending(&mut q, "disclosed_at", "id", page.after.as_ref());
        q.push(" ORDER BY disclosed_at DESC, id");
        limit(&mut q, page);
        let rows = q.build().fetch_all(&self.reader).await?;
        self.load_state_keys(&rows).await?;
        listing::page(rows, page, |r| Ok(public(self.case_of(r)?)))
    }

    async fn project_clock_facts(
        &self,
        project: &ProjectSlug,
    ) -> Result<Vec<(CaseId, Stage, embargo_core::clocks::ClockFacts)>> {
        let rows =
            sqlx::query("SELECT state FROM cases WHERE project = $1 ORDER BY received_at, id")
                .bind(project.as_str())
                .fetch_all(&self.reader)
                .await?;
        self.load_state_keys(&rows).await?;
        rows.iter()
            .map(|r| {
                let case: Case = self.case_of(r)?;
                let facts = case.clock_facts();
                Ok((case.id, case.stage, facts))
            })
            .collect()
    }

    async fn case_for_tracking_token(&self, hash: &SecretHash) -> Result<Option<CaseAccess>> {
        let Some((id, found)) = self.tracking_case(hash).await? else {
            return Ok(None);
        };
        let id = CaseId::parse(&id).ok_or_else(|| corrupt("case id", "unparseable"))?;
        self.access_at(found.state, found.project_version, &Actor::Reporter(id))
            .await
    }

    async fn cases_for_viewer(
        &self,
        project: &Project,
        actor: &Actor,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<Case>> {
        let (key, descending) = match filter.order {
            CaseOrder::Received => ("c.received_at", false),
            CaseOrder::Activity => ("c.activity_at", true),
        };
        let scope = access::scope(actor, project);
        if let Scope::Nothing = scope {
            return Ok(Page::empty());
        }
        let build = |shape: Shape, search: Matching<'_>| {
            let mut q = Builder::new("SELECT ");
            q.push(format_args!(
                "{} FROM cases c WHERE c.project = ",
                shape.columns(key)
            ));
            q.push_bind(project.slug.as_str().to_owned());
            match &scope {
                Scope::Nothing | Scope::All => {}
                Scope::Involved(user) => {
                    q.push(" AND c.id IN (SELECT p.case_id FROM case_people p WHERE p.user_id = ");
                    q.push_bind(user.0);
                    q.push(")");
                }
                Scope::One(id) => {
                    q.push(" AND c.id = ");
                    q.push_bind(id.as_str().to_owned());
                }
            }
            narrow(&mut q, filter);
            matching(&mut q, search, key, descending);
            match descending {
                false => {
                    after_ascending(&mut q, key, "c.id", page.after.as_ref());
                    q.push(" ORDER BY c.received_at, c.id");
                }
                true => {
                    after_descending(&mut q, key, "c.id", page.after.as_ref());
                    q.push(" ORDER BY c.activity_at DESC, c.id");
                }
            }
            shape.limit(&mut q, page);
            q
        };
        let rows = self.listed(filter, page, build).await?;
        self.load_state_keys(&rows).await?;
        listing::page(rows, page, |r| {
            let case: Case = self.case_of(r)?;
            Ok(visible(actor, project, case))
        })
    }

    async fn cases_across_projects(
        &self,
        user: &User,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<(Project, Case)>> {
        let projects: HashMap<ProjectSlug, Project> = self
            .projects_of(user.id)
            .await?
            .into_iter()
            .map(|p| (p.slug.clone(), p))
            .collect();
        // One branch per stage, each walking the (stage, received_at, id) index in
        // order and stopping at the page's end; the union is merged and cut again. One
        // query with `stage IN (…)` would sort every open case of the user's projects.
        let stages: Vec<Option<Stage>> = if filter.stages.is_empty() {
            vec![None]
        } else {
            filter.stages.iter().copied().map(Some).collect()
        };
        let unstaged = CaseFilter {
            stages: Vec::new(),
            ..filter.clone()
        };
        let key = "c.received_at";
        let build = |shape: Shape, search: Matching<'_>| {
            let mut q = Builder::new("");
            for (i, stage) in stages.iter().enumerate() {
                if i > 0 {
                    q.push(" UNION ALL ");
                }
                q.push(format_args!(
                    "SELECT * FROM (SELECT {} FROM cases c WHERE 1 = 1",
                    shape.columns(key)
                ));
                if let Some(stage) = stage {
                    q.push(" AND c.stage = ");
                    q.push_bind(stage.as_str());
                }
                narrow(&mut q, &unstaged);
                matching(&mut q, search, key, false);
                after_ascending(&mut q, key, "c.id", page.after.as_ref());
                // `core::access::scope` for every project at once: a role that sees all
                // of a project's cases, or a part in the case.
                q.push(
                    " AND EXISTS (SELECT 1 FROM memberships m WHERE m.project = c.project \
                     AND m.user_id = ",
                );
                q.push_bind(user.id.0);
                q.push(" AND (m.role IN (");
                let mut roles = q.separated(", ");
                for role in Role::ALL.into_iter().filter(|r| r.sees_all_cases()) {
                    roles.push_bind(role.as_str());
                }
                q.push(") OR c.id IN (SELECT p.case_id FROM case_people p WHERE p.user_id = ");
                q.push_bind(user.id.0);
                q.push(")))");
                q.push(" ORDER BY c.received_at, c.id");
                shape.limit_part(&mut q, page);
                q.push(format_args!(") AS stage{i}"));
            }
            q.push(" ORDER BY sort_key, id");
            shape.limit(&mut q, page);
            q
        };
        let rows = self.listed(filter, page, build).await?;
        self.load_state_keys(&rows).await?;
        let actor = Actor::User(user.clone());
        listing::page(rows, page, |r| {
            let case: Case = self.case_of(r)?;
            let project = projects
                .get(&case.project)
                .ok_or_else(|| corrupt("case", format!("{} has no project", case.id)))?;
            Ok(visible(&actor, project, case).map(|c| (project.clone(), c)))
        })
    }

    async fn seen_up_to(&self, user: UserId, cases: &[CaseId]) -> Result<HashMap<CaseId, u64>> {
        if cases.is_empty() {
            return Ok(HashMap::new());
        }
        let mut q = Builder::new("SELECT case_id, seq FROM case_reads WHERE user_id = ");
        q.push_bind(user.0);
        q.push(" AND case_id IN (");
        let mut list = q.separated(", ");
        for id in cases {
            list.push_bind(id.as_str().to_owned());
        }
        q.push(")");
        let rows = q.build().fetch_all(&self.reader).await?;
        rows.iter()
            .map(|r| {
                let id = CaseId::parse(&r.try_get::<String, _>("case_id")?)
                    .ok_or_else(|| corrupt("case id", "unparseable"))?;
                Ok((id, r.try_get::<i64, _>("seq")?.max(0) as u64))
            })
            .collect()
    }

    async fn mark_seen(&self, user: UserId, access: &CaseAccess) -> Result<()> {
        sqlx::query(
            "INSERT INTO case_reads (user_id, case_id, seq) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, case_id) DO UPDATE SET seq = excluded.seq \
             WHERE case_reads.seq < excluded.seq",
        )
        .bind(user.0)
        .bind(access.case().id.as_str())
        .bind(access.case().version as i64)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn case_events(
        &self,
        access: &CaseAccess,
        page: &PageRequest,
    ) -> Result<Page<StoredEvent<Event>>> {
        // Which events a standing sees is `core`'s rule on the event itself, so rows are
        // read in page-sized batches and filtered here until the page is full.
        let stream = stream::case(&access.case().id);
        let want = page.limit() as usize + 1;
        let mut after = page.after.as_ref().map_or(0, |c| c.key);
        let mut items = Vec::new();
        'batches: loop {
            let rows = sqlx::query(
                "SELECT seq, body, hash FROM events WHERE stream = $1 AND seq > $2 \
                 ORDER BY seq LIMIT $3",
            )
            .bind(&stream)
            .bind(after)
            .bind(want as i64)
            .fetch_all(&self.reader)
            .await?;
            let batch = rows.len();
            for row in rows {
                let e: StoredEvent<Event> = self.stored_sealed_event(&stream, &row).await?;
                after = e.seq as i64;
                if access::sees_event(access.standing(), &e.recorded.event) {
                    items.push(e);
                    if items.len() == want {
                        break 'batches;
                    }
                }
            }
            if batch < want {
                break;
            }
        }
        let next = if items.len() == want {
            items.pop();
            items.last().map(|e| Cursor::new(e.seq as i64, ""))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn attachment_content(
        &self,
        access: &CaseAccess,
        id: &AttachmentId,
    ) -> Result<Option<Vec<u8>>> {
        let Some(meta) = access.case().attachments.iter().find(|a| &a.id == id) else {
            return Ok(None);
        };
        if !access::sees_attachment(access.standing(), meta) {
            return Ok(None);
        }
        self.file_content(access.case(), id).await
    }
}

/// One case's stored `state` and its project's version (`None`: no such project).
pub(super) struct StoredCase {
    pub(super) state: String,
    pub(super) project_version: Option<i64>,
}

/// A case's row by id (`$1`), with its project's version. Each backend runs it its own
/// way (`viewer_case`): SQLite on the caller's thread.
pub(super) const VIEWER_CASE: &str = "SELECT c.state, p.version AS project_version \
     FROM cases c JOIN projects p ON p.slug = c.project WHERE c.id = $1";

/// The case a tracking token opens (`$1`: its hash): its id, state and project's
/// version. Each backend runs it its own way (`tracking_case`).
pub(super) const TRACKING_CASE: &str = "SELECT c.id, c.state, p.version AS project_version \
     FROM cases c JOIN projects p ON p.slug = c.project WHERE c.tracking_token_hash = $1";

/// What [`TOKEN_CASE`] finds: a live token's owner and the case, if it exists.
pub(super) struct TokenCase {
    pub(super) owner: UserRecord,
    pub(super) token: TokenId,
    pub(super) case: Option<StoredCase>,
}

/// A live token (`$1`: its hash) with its owner and the case `$2`, in one statement.
/// The token's row leads: no live token, no row, whether the case exists or not.
pub(super) const TOKEN_CASE: &str = concat!(
    "SELECT ",
    user_columns!(),
    ", t.id AS token_id, c.state, p.version AS project_version \
     FROM api_tokens t JOIN users u ON u.id = t.user_id \
     LEFT JOIN cases c ON c.id = $2 \
     LEFT JOIN projects p ON p.slug = c.project \
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
);
