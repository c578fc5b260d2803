//! PostgreSQL, for deployments that share one database between instances.

use crate::{Backend, Result};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};

type Pool = sqlx::PgPool;
type Backing = PostgresStore;

pub struct PostgresStore {
    writer: Pool,
    reader: Pool,
    /// Whether mail effects are queued (`OutboxStore::set_outlets`).
    mail_outlet: std::sync::atomic::AtomicBool,
    chain: crate::ChainKey,
    /// Seals attachment contents (`crate::sealing`), when keys were given.
    sealing: Option<std::sync::Arc<crate::sealing::Sealing>>,
    /// Set on opening, from the `chain_key` row.
    database_id: std::sync::OnceLock<String>,
    projects: super::ProjectCache,
    cases: super::CaseCache,
    /// Single reads, on connections of their own (`own_connections`).
    point: super::own_connections::OwnConnections,
}

impl PostgresStore {
    pub async fn open(url: &str, open: &crate::OpenOptions) -> Result<Self> {
        let options: PgConnectOptions = url.parse()?;
        // One plain connection first: an unreachable server or a refused login fails
        // now with its own error, where the pool would retry until it timed out.
        let probe = <PgConnection as sqlx::Connection>::connect_with(&options).await?;
        sqlx::Connection::close(probe).await?;
        let point = super::own_connections::OwnConnections::new(options.clone());
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let store = PostgresStore {
            writer: pool.clone(),
            reader: pool,
            mail_outlet: Default::default(),
            chain: open.chain.clone(),
            sealing: open.sealing.clone(),
            database_id: Default::default(),
            projects: Default::default(),
            cases: Default::default(),
            point,
        };
        store.ensure_chain_key(open.adopt_unkeyed).await?;
        store.ensure_master_keys().await?;
        store.ensure_projection_version().await?;
        Ok(store)
    }
}

impl super::Dialect for PostgresStore {
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const NOTIFY_JOBS: Option<&'static str> = Some("SELECT pg_notify('embargo_jobs', '')");
    // Deferrable since migration 0100; still checked at once everywhere else.
    const DEFER_OUTBOX_CASE: Option<&'static str> =
        Some("SET CONSTRAINTS outbox_case_id_fkey DEFERRED");
    // A tsvector of the words as given, one lexeme each (`array_to_tsvector`: no parser,
    // no positions). `to_tsvector` parsed them: a keyed token such as `3e6s7rpb` became
    // two lexemes (`3e6`, a number, then `s7rpb`) and its query a phrase, which a
    // stripped tsvector never matches, so one token in about 800 found nothing. The words
    // are already lowercased letters and digits (`crate::search_words`), as SQLite's
    // unicode61 tokenizer sees them.
    const SEARCH_CLEAR: &'static str = "DELETE FROM case_search WHERE case_id = $1";
    const SEARCH_WRITE: &'static str = "INSERT INTO case_search (case_id, doc) \
         VALUES ($1, array_to_tsvector(string_to_array($2, ' ')))";
    const SEARCH_WRITE_MANY: super::SearchWriteMany = super::SearchWriteMany {
        insert: "INSERT INTO case_search (case_id, doc) ",
        id: ("", ""),
        text: ("array_to_tsvector(string_to_array(", ", ' '))"),
    };
    // The query is a tsquery's own text (quoted lexemes), not parsed either.
    const SEARCH_MATCH: (&'static str, &'static str) = (
        " AND c.id IN (SELECT case_id FROM case_search WHERE doc @@ CAST(",
        " AS tsquery))",
    );
    // The GIN index hands over a common word's cases as a bitmap that joins the listing
    // cheaply (8–17 ms p99 for two in five of 10⁶ cases).
    const SEARCH_PROBE: Option<super::SearchProbe> = None;
    // VACUUM FULL writes each table anew (a plain VACUUM only marks the space reusable).
    const COMPACT: &'static [&'static str] = &["VACUUM FULL", "ANALYZE"];
    const ANALYZE: &'static str = "ANALYZE";
    fn search_query(words: &[String], prefix: bool) -> String {
        let star = if prefix { ":*" } else { "" };
        let terms: Vec<String> = words.iter().map(|w| format!("'{w}'{star}")).collect();
        terms.join(" & ")
    }
}

impl PostgresStore {
    async fn listen(&self, ring: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.writer).await?;
        listener.listen("embargo_jobs").await?;
        // Work queued before the listener was up is looked at now.
        ring();
        loop {
            // `None`: the connection dropped and the next call reconnects; whatever
            // was announced meanwhile is looked at now.
            let _ = listener.try_recv().await?;
            ring();
        }
    }
}

/// Single reads, on connections of their own (`own_connections`): no ping beside each.
impl PostgresStore {
    async fn viewer_case(
        &self,
        id: &embargo_core::ids::CaseId,
    ) -> Result<Option<cases::StoredCase>> {
        use sqlx::Row;
        let row = self
            .point
            .row(|| sqlx::query(cases::VIEWER_CASE).bind(id.as_str()))
            .await?;
        row.map(|r| {
            Ok(cases::StoredCase {
                state: r.try_get("state")?,
                project_version: r.try_get("project_version")?,
            })
        })
        .transpose()
    }

    async fn tracking_case(
        &self,
        hash: &crate::SecretHash,
    ) -> Result<Option<(String, cases::StoredCase)>> {
        use sqlx::Row;
        let row = self
            .point
            .row(|| sqlx::query(cases::TRACKING_CASE).bind(&hash.0[..]))
            .await?;
        row.map(|r| {
            Ok((
                r.try_get("id")?,
                cases::StoredCase {
                    state: r.try_get("state")?,
                    project_version: r.try_get("project_version")?,
                },
            ))
        })
        .transpose()
    }

    async fn token_case(
        &self,
        hash: &crate::SecretHash,
        id: &embargo_core::ids::CaseId,
    ) -> Result<Option<cases::TokenCase>> {
        use sqlx::Row;
        let row = self
            .point
            .row(|| {
                sqlx::query(cases::TOKEN_CASE)
                    .bind(&hash.0[..])
                    .bind(id.as_str())
            })
            .await?;
        let Some(r) = row else { return Ok(None) };
        let state: Option<String> = r.try_get("state")?;
        Ok(Some(cases::TokenCase {
            owner: support::user_from_row(&r)?,
            token: crate::TokenId(r.try_get("token_id")?),
            case: state
                .map(|state| -> Result<_> {
                    Ok(cases::StoredCase {
                        state,
                        project_version: r.try_get("project_version")?,
                    })
                })
                .transpose()?,
        }))
    }

    async fn project_version(&self, slug: &str) -> Result<Option<i64>> {
        use sqlx::Row;
        let row = self
            .point
            .row(|| sqlx::query(projects::PROJECT_VERSION).bind(slug))
            .await?;
        Ok(row.map(|r| r.try_get("version")).transpose()?)
    }

    async fn session_row(
        &self,
        hash: &crate::SecretHash,
        now: embargo_core::Timestamp,
    ) -> Result<Option<(crate::SessionRecord, crate::UserRecord)>> {
        use sqlx::Row;
        let row = self
            .point
            .row(|| {
                sqlx::query(sessions::SESSION)
                    .bind(&hash.0[..])
                    .bind(super::micros(now))
            })
            .await?;
        let Some(r) = row else { return Ok(None) };
        let user = support::user_from_row(&r)?;
        Ok(Some((
            crate::SessionRecord {
                user: user.id,
                signed_in_at: super::timestamp(r.try_get("signed_in_at")?)?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: super::timestamp(r.try_get("expires_at")?)?,
            },
            user,
        )))
    }
}

impl crate::Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

#[path = "generic/account_notifications.rs"]
mod account_notifications;
#[path = "generic/accounts.rs"]
mod accounts;
#[path = "generic/cases.rs"]
mod cases;
#[path = "generic/integrity.rs"]
mod integrity;
#[path = "generic/listing.rs"]
mod listing;
#[path = "generic/mail.rs"]
mod mail;
#[path = "generic/notifications.rs"]
mod notifications;
#[path = "generic/outbox.rs"]
mod outbox;
#[path = "generic/projects.rs"]
mod projects;
#[path = "generic/releases.rs"]
mod releases;
#[path = "generic/second_factors.rs"]
mod second_factors;
#[path = "generic/security_log.rs"]
mod security_log;
#[path = "generic/sessions.rs"]
mod sessions;
#[path = "generic/support.rs"]
mod support;
