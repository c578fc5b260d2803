// One implementation of `crate::Store`, included by each backend module, which
// defines `Pool`, `Store` (the struct, with `writer` and `reader` pools) and `BACKEND`.

use super::{micros, timestamp};
use crate::chain::{self, stream};
use crate::{
    Job,
    ApiTokenRecord, CaseAccess, CaseFilter, ChainBreak, NewApiToken, NewFile, NewSession, NewUser,
    SecretHash, SessionRecord, StoreError, StoredEvent, UserRecord,
};
use embargo_core::Timestamp;
use embargo_core::access::{self, Scope};
use embargo_core::account::{AccountEvent, TokenId};
use embargo_core::actor::Actor;
use embargo_core::case::Case;
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::{AttachmentId, CaseId, ProjectSlug, UserId};
use embargo_core::project::{Project, ProjectEvent};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

type Tx = sqlx::Transaction<'static, <Pool as PoolDb>::Db>;

/// Names the database type of a pool, so this file never spells out a backend.
trait PoolDb {
    type Db: sqlx::Database;
}
impl<DB: sqlx::Database> PoolDb for sqlx::Pool<DB> {
    type Db = DB;
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain types serialize")
}

fn from_json<T: DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, e))
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Appends events to a stream inside `tx`, extending the hash chain. `expected` is the
/// stream's current length as the caller read it (`None`: whatever it is now); a
/// concurrent append surfaces as `StoreError::Conflict` via the primary key.
async fn append<E: Serialize>(
    tx: &mut Tx,
    stream: &str,
    expected: Option<u64>,
    kinds: impl Fn(&E) -> &'static str,
    events: &[Recorded<E>],
) -> Result<()> {
    let last = sqlx::query("SELECT seq, hash FROM events WHERE stream = $1 ORDER BY seq DESC LIMIT 1")
        .bind(stream)
        .fetch_optional(&mut **tx)
        .await?;
    let (mut seq, mut prev): (u64, Option<Vec<u8>>) = match last {
        Some(row) => (row.try_get::<i64, _>("seq")? as u64, Some(row.try_get("hash")?)),
        None => (0, None),
    };
    if let Some(expected) = expected
        && expected != seq
    {
        return Err(StoreError::Conflict);
    }
    for e in events {
        seq += 1;
        let body = to_json(e);
        let hash = chain::link(prev.as_deref(), stream, seq, &body);
        let inserted = sqlx::query(
            "INSERT INTO events (stream, seq, kind, at, body, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(stream)
        .bind(seq as i64)
        .bind(kinds(&e.event))
        .bind(micros(e.at))
        .bind(&body)
        .bind(prev.as_deref())
        .bind(&hash)
        .execute(&mut **tx)
        .await;
        match inserted {
            Err(err) if unique_violation(&err) => return Err(StoreError::Conflict),
            other => other?,
        };
        prev = Some(hash);
    }
    Ok(())
}

async fn read_stream<E: DeserializeOwned>(pool: &Pool, stream: &str) -> Result<Vec<StoredEvent<E>>> {
    let rows = sqlx::query("SELECT seq, body, hash FROM events WHERE stream = $1 ORDER BY seq")
        .bind(stream)
        .fetch_all(pool)
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(StoredEvent {
                seq: row.try_get::<i64, _>("seq")? as u64,
                hash: hex::encode(row.try_get::<Vec<u8>, _>("hash")?),
                recorded: from_json("event", &row.try_get::<String, _>("body")?)?,
            })
        })
        .collect()
}

/// Runs a transaction again when a concurrent writer took the same stream position.
/// Only for appends whose events do not depend on what was read (account events).
async fn retrying<F, Fut, T>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(StoreError::Conflict) if tries < 8 => tries += 1,
            other => return other,
        }
    }
}

fn user_from_row(row: &<<Pool as PoolDb>::Db as sqlx::Database>::Row) -> Result<UserRecord> {
    Ok(UserRecord {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        instance_admin: row.try_get("instance_admin")?,
        password_hash: row.try_get("password_hash")?,
        created_at: timestamp(row.try_get("created_at")?)?,
    })
}


async fn insert_user(tx: &mut Tx, u: &NewUser) -> Result<()> {
    let taken = sqlx::query("SELECT 1 FROM users WHERE email = $1")
        .bind(&u.email)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Taken { field: "email" });
    }
    let r = sqlx::query(
        "INSERT INTO users (id, email, name, instance_admin, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(u.id.0)
    .bind(&u.email)
    .bind(&u.name)
    .bind(u.instance_admin)
    .bind(u.password_hash.as_deref())
    .bind(micros(u.created_at))
    .execute(&mut **tx)
    .await;
    match r {
        Err(e) if unique_violation(&e) => Err(StoreError::Taken { field: "email" }),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

async fn save_project(tx: &mut Tx, p: &Project) -> Result<()> {
    sqlx::query(
        "INSERT INTO projects (slug, name, version, created_at, state) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (slug) DO UPDATE SET name = $2, version = $3, state = $5",
    )
    .bind(p.slug.as_str())
    .bind(&p.name)
    .bind(p.version as i64)
    .bind(micros(p.created_at))
    .bind(to_json(p))
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM memberships WHERE project = $1")
        .bind(p.slug.as_str())
        .execute(&mut **tx)
        .await?;
    for m in &p.members {
        sqlx::query("INSERT INTO memberships (project, user_id, role) VALUES ($1, $2, $3)")
            .bind(p.slug.as_str())
            .bind(m.user.id.0)
            .bind(m.role.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn save_case(tx: &mut Tx, c: &Case) -> Result<()> {
    sqlx::query(
        "UPDATE cases SET stage = $2, title = $3, version = $4, updated_at = $5, state = $6 WHERE id = $1",
    )
    .bind(c.id.as_str())
    .bind(c.stage.as_str())
    .bind(&c.report.title)
    .bind(c.version as i64)
    .bind(micros(c.updated_at))
    .bind(to_json(c))
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM case_people WHERE case_id = $1")
        .bind(c.id.as_str())
        .execute(&mut **tx)
        .await?;
    let people = c
        .people.coordinator
        .iter()
        .map(|u| (u.id, "coordinator"))
        .chain(c.people.collaborators.iter().map(|u| (u.id, "collaborator")));
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

async fn save_files(tx: &mut Tx, case: &CaseId, files: &[NewFile]) -> Result<()> {
    for f in files {
        sqlx::query("INSERT INTO attachments (id, case_id, size, sha256, content) VALUES ($1, $2, $3, $4, $5)")
            .bind(f.id.as_str())
            .bind(case.as_str())
            .bind(f.content.len() as i64)
            .bind(&f.sha256)
            .bind(&f.content)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    async fn load_project(&self, slug: &str) -> Result<Option<Project>> {
        let row = sqlx::query("SELECT state FROM projects WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| from_json("project", &r.try_get::<String, _>("state")?)).transpose()
    }

    async fn access(&self, row: Option<<<Pool as PoolDb>::Db as sqlx::Database>::Row>, actor: &Actor) -> Result<Option<CaseAccess>> {
        let Some(row) = row else { return Ok(None) };
        let case: Case = from_json("case", &row.try_get::<String, _>("state")?)?;
        let Some(project) = self.load_project(case.project.as_str()).await? else {
            return Err(corrupt("case", format!("{} has no project", case.id)));
        };
        // The one visibility rule lives in core; the store only refuses to hand out
        // what it says no to.
        Ok(access::standing(actor, &project, &case).map(|s| CaseAccess::new(case, project, s)))
    }
}

#[async_trait::async_trait]
impl crate::Store for Store {
    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn user_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.reader)
            .await?
            .try_get("n")?;
        Ok(n as u64)
    }

    async fn create_user(&self, user: NewUser, event: Recorded<AccountEvent>) -> Result<()> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            insert_user(&mut tx, &user).await?;
            append(&mut tx, stream::ACCOUNTS, None, AccountEvent::kind, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>> {
        let sql = "SELECT u.id, u.email, u.name, u.instance_admin, u.password_hash, u.created_at FROM users u WHERE u.id = $1";
        let row = sqlx::query(sql).bind(id.0).fetch_optional(&self.reader).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn users(&self) -> Result<Vec<UserRecord>> {
        let sql = "SELECT u.id, u.email, u.name, u.instance_admin, u.password_hash, u.created_at FROM users u ORDER BY u.email";
        let rows = sqlx::query(sql).fetch_all(&self.reader).await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let sql = "SELECT u.id, u.email, u.name, u.instance_admin, u.password_hash, u.created_at FROM users u WHERE u.email = $1";
        let row = sqlx::query(sql)
            .bind(embargo_core::account::normalize_email(email))
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn set_password(&self, user: UserId, password_hash: &str, event: Recorded<AccountEvent>) -> Result<()> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user.0)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            append(&mut tx, stream::ACCOUNTS, None, AccountEvent::kind, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn create_api_token(&self, token: NewApiToken, event: Recorded<AccountEvent>) -> Result<()> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token.id.0)
            .bind(token.user.0)
            .bind(&token.name)
            .bind(&token.hash.0[..])
            .bind(micros(token.created_at))
            .execute(&mut *tx)
            .await?;
            append(&mut tx, stream::ACCOUNTS, None, AccountEvent::kind, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn user_for_api_token(&self, hash: &SecretHash, now: Timestamp) -> Result<Option<(UserRecord, TokenId)>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.instance_admin, u.password_hash, u.created_at, t.id AS token_id \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(&hash.0[..])
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token = TokenId(row.try_get("token_id")?);
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(token.0)
            .bind(micros(now))
            .execute(&self.writer)
            .await?;
        Ok(Some((user_from_row(&row)?, token)))
    }

    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM api_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id",
        )
        .bind(user.0)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenRecord {
                    id: TokenId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    created_at: timestamp(r.try_get("created_at")?)?,
                    last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(timestamp).transpose()?,
                })
            })
            .collect()
    }

    async fn revoke_api_token(&self, user: UserId, id: TokenId, event: Recorded<AccountEvent>) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            )
            .bind(id.0)
            .bind(user.0)
            .bind(micros(event.at))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Ok(false);
            }
            append(&mut tx, stream::ACCOUNTS, None, AccountEvent::kind, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn account_events(&self) -> Result<Vec<StoredEvent<AccountEvent>>> {
        read_stream(&self.reader, stream::ACCOUNTS).await
    }

    async fn create_session(&self, s: NewSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.hash.0[..])
        .bind(s.user.0)
        .bind(&s.csrf_token)
        .bind(micros(s.created_at))
        .bind(micros(s.expires_at))
        .execute(&self.writer)
        .await?;
        // Sweeping here keeps the table small without a separate job.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(micros(s.created_at))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn session(&self, hash: &SecretHash, now: Timestamp) -> Result<Option<(SessionRecord, UserRecord)>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.instance_admin, u.password_hash, u.created_at, \
                    s.csrf_token, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(&hash.0[..])
        .bind(micros(now))
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        Ok(Some((
            SessionRecord {
                user: user.id,
                csrf_token: row.try_get("csrf_token")?,
                expires_at: timestamp(row.try_get("expires_at")?)?,
            },
            user,
        )))
    }

    async fn delete_session(&self, hash: &SecretHash) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&hash.0[..])
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn replace_setup_token(&self, hash: &SecretHash, expires_at: Timestamp) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
        sqlx::query("INSERT INTO setup_tokens (token_hash, expires_at) VALUES ($1, $2)")
            .bind(&hash.0[..])
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn complete_setup(
        &self,
        hash: &SecretHash,
        now: Timestamp,
        user: NewUser,
        events: Vec<Recorded<AccountEvent>>,
    ) -> Result<bool> {
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let used = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
                .bind(&hash.0[..])
                .bind(micros(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if used == 0 {
                return Ok(false);
            }
            insert_user(&mut tx, &user).await?;
            append(&mut tx, stream::ACCOUNTS, None, AccountEvent::kind, &events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn create_password_token(&self, user: UserId, hash: &SecretHash, expires_at: Timestamp, event: Recorded<AccountEvent>) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        append(&mut tx, stream::ACCOUNTS, None, AccountEvent::kind, std::slice::from_ref(&event)).await?;
        sqlx::query("DELETE FROM password_tokens WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO password_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(&hash.0[..])
            .bind(user.0)
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn password_token_user(&self, hash: &SecretHash, now: Timestamp) -> Result<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.instance_admin, u.password_hash, u.created_at \
             FROM password_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2",
        )
        .bind(&hash.0[..])
        .bind(micros(now))
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn use_password_token(
        &self,
        hash: &SecretHash,
        now: Timestamp,
        password_hash: &str,
        event: Recorded<AccountEvent>,
    ) -> Result<bool> {
        let AccountEvent::PasswordSet { user } = &event.event else {
            return Err(corrupt("password event", "not `password_set`"));
        };
        let user = user.id;
        retrying(|| async {
            let mut tx = self.writer.begin().await?;
            let used = sqlx::query(
                "DELETE FROM password_tokens WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3",
            )
            .bind(&hash.0[..])
            .bind(user.0)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if used == 0 {
                return Ok(false);
            }
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user.0)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            append(&mut tx, stream::ACCOUNTS, None, AccountEvent::kind, std::slice::from_ref(&event)).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn create_project(&self, project: &Project, events: &[Recorded<ProjectEvent>]) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let taken = sqlx::query("SELECT 1 FROM projects WHERE slug = $1")
            .bind(project.slug.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Taken { field: "slug" });
        }
        save_project(&mut tx, project).await?;
        match append(&mut tx, &stream::project(&project.slug), Some(0), ProjectEvent::kind, events).await {
            Err(StoreError::Conflict) => return Err(StoreError::Taken { field: "slug" }),
            other => other?,
        }
        match tx.commit().await {
            Err(e) if unique_violation(&e) => Err(StoreError::Taken { field: "slug" }),
            other => other.map_err(Into::into),
        }
    }

    async fn update_project(&self, before: u64, project: &Project, events: &[Recorded<ProjectEvent>]) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        append(&mut tx, &stream::project(&project.slug), Some(before), ProjectEvent::kind, events).await?;
        save_project(&mut tx, project).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn project(&self, slug: &ProjectSlug) -> Result<Option<Project>> {
        self.load_project(slug.as_str()).await
    }

    async fn projects(&self) -> Result<Vec<Project>> {
        let rows = sqlx::query("SELECT state FROM projects ORDER BY slug")
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| from_json("project", &r.try_get::<String, _>("state")?))
            .collect()
    }

    async fn projects_of(&self, user: UserId) -> Result<Vec<Project>> {
        let rows = sqlx::query(
            "SELECT p.state FROM projects p JOIN memberships m ON m.project = p.slug \
             WHERE m.user_id = $1 ORDER BY p.slug",
        )
        .bind(user.0)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| from_json("project", &r.try_get::<String, _>("state")?))
            .collect()
    }

    async fn project_events(&self, slug: &ProjectSlug) -> Result<Vec<StoredEvent<ProjectEvent>>> {
        read_stream(&self.reader, &stream::project(slug)).await
    }

    async fn submit_case(
        &self,
        case: &Case,
        events: &[Recorded<Event>],
        tracking_token: &SecretHash,
        files: &[NewFile],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO cases (id, project, stage, title, version, received_at, updated_at, tracking_token_hash, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(case.id.as_str())
        .bind(case.project.as_str())
        .bind(case.stage.as_str())
        .bind(&case.report.title)
        .bind(case.version as i64)
        .bind(micros(case.received_at))
        .bind(micros(case.updated_at))
        .bind(&tracking_token.0[..])
        .bind(to_json(case))
        .execute(&mut *tx)
        .await;
        match inserted {
            // A random id or token collided: the caller draws new ones.
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict),
            other => other?,
        };
        append(&mut tx, &stream::case(&case.id), Some(0), Event::kind, events).await?;
        save_files(&mut tx, &case.id, files).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn append_case_events(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        files: &[NewFile],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        append(&mut tx, &stream::case(&case.id), Some(before), Event::kind, events).await?;
        save_case(&mut tx, case).await?;
        save_files(&mut tx, &case.id, files).await?;
        queue_effects(&mut tx, case, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn due_jobs(&self, now: Timestamp, limit: u32) -> Result<Vec<Job>> {
        let rows = sqlx::query(
            "SELECT id, case_id, effect, attempts FROM outbox \
             WHERE done_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Job {
                    id: r.try_get("id")?,
                    case: CaseId::parse(&r.try_get::<String, _>("case_id")?).ok_or_else(|| corrupt("outbox case id", "unparseable"))?,
                    effect: from_json("outbox effect", &r.try_get::<String, _>("effect")?)?,
                    attempts: r.try_get::<i64, _>("attempts")? as u32,
                })
            })
            .collect()
    }

    async fn claim_job(&self, job: &Job, lease_until: Timestamp) -> Result<bool> {
        // A conditional update: of two workers, only the one that still sees the
        // attempt count it read gets the job.
        let done = sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3 \
             WHERE id = $1 AND attempts = $2 AND done_at IS NULL",
        )
        .bind(job.id)
        .bind(i64::from(job.attempts))
        .bind(micros(lease_until))
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_job(&self, job: &Job, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE outbox SET done_at = $2, last_error = NULL WHERE id = $1")
            .bind(job.id)
            .bind(micros(now))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn retry_job(&self, job: &Job, error: &str, next_attempt_at: Timestamp) -> Result<()> {
        sqlx::query("UPDATE outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1 AND done_at IS NULL")
            .bind(job.id)
            .bind(error)
            .bind(micros(next_attempt_at))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn case_for_job(&self, job: &Job) -> Result<Option<(Case, Project)>> {
        let row = sqlx::query(
            "SELECT c.state FROM cases c WHERE c.id = $1 AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = $2 AND o.case_id = c.id)",
        )
        .bind(job.case.as_str())
        .bind(job.id)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let case: Case = from_json("case", &row.try_get::<String, _>("state")?)?;
        let project = self.project(&case.project).await?.ok_or_else(|| corrupt("case project", "missing"))?;
        Ok(Some((case, project)))
    }

    async fn case_for_viewer(&self, id: &CaseId, actor: &Actor) -> Result<Option<CaseAccess>> {
        let row = sqlx::query("SELECT state FROM cases WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        self.access(row, actor).await
    }

    async fn public_case(&self, id: &CaseId) -> Result<Option<Case>> {
        let row = sqlx::query("SELECT state FROM cases WHERE id = $1 AND stage IN ('disclosed', 'closed')")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let case: Case = from_json("case", &row.try_get::<String, _>("state")?)?;
        Ok(public(case))
    }

    async fn public_cases(&self, project: &ProjectSlug) -> Result<Vec<Case>> {
        let rows = sqlx::query("SELECT state FROM cases WHERE project = $1 AND stage IN ('disclosed', 'closed')")
            .bind(project.as_str())
            .fetch_all(&self.reader)
            .await?;
        let mut cases = Vec::with_capacity(rows.len());
        for r in rows {
            cases.extend(public(from_json("case", &r.try_get::<String, _>("state")?)?));
        }
        cases.sort_by(|a, b| b.disclosure.disclosed_at.cmp(&a.disclosure.disclosed_at).then_with(|| a.id.cmp(&b.id)));
        Ok(cases)
    }

    async fn case_for_tracking_token(&self, hash: &SecretHash) -> Result<Option<CaseAccess>> {
        let row = sqlx::query("SELECT id, state FROM cases WHERE tracking_token_hash = $1")
            .bind(&hash.0[..])
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id = CaseId::parse(&row.try_get::<String, _>("id")?).ok_or_else(|| corrupt("case id", "unparseable"))?;
        self.access(Some(row), &Actor::Reporter(id)).await
    }

    async fn cases_for_viewer(&self, project: &Project, actor: &Actor, filter: &CaseFilter) -> Result<Vec<Case>> {
        let rows = match access::scope(actor, project) {
            Scope::Nothing => return Ok(Vec::new()),
            Scope::All => {
                sqlx::query("SELECT state FROM cases WHERE project = $1 ORDER BY received_at, id")
                    .bind(project.slug.as_str())
                    .fetch_all(&self.reader)
                    .await?
            }
            Scope::Involved(user) => {
                sqlx::query(
                    "SELECT c.state FROM cases c WHERE c.project = $1 AND EXISTS \
                     (SELECT 1 FROM case_people p WHERE p.case_id = c.id AND p.user_id = $2) \
                     ORDER BY c.received_at, c.id",
                )
                .bind(project.slug.as_str())
                .bind(user.0)
                .fetch_all(&self.reader)
                .await?
            }
            Scope::One(id) => {
                sqlx::query("SELECT state FROM cases WHERE project = $1 AND id = $2")
                    .bind(project.slug.as_str())
                    .bind(id.as_str())
                    .fetch_all(&self.reader)
                    .await?
            }
        };
        let mut cases = Vec::with_capacity(rows.len());
        for r in rows {
            let case: Case = from_json("case", &r.try_get::<String, _>("state")?)?;
            // The SQL scope and core's rule must agree; if they ever do not, tests fail
            // loudly and production still hands out nothing core refuses.
            let visible = access::standing(actor, project, &case).is_some();
            debug_assert!(visible, "scope query returned {} that core hides", case.id);
            if visible && (filter.stages.is_empty() || filter.stages.contains(&case.stage)) {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    async fn case_events(&self, access: &CaseAccess) -> Result<Vec<StoredEvent<Event>>> {
        let all: Vec<StoredEvent<Event>> = read_stream(&self.reader, &stream::case(&access.case().id)).await?;
        Ok(all
            .into_iter()
            .filter(|e| access::sees_event(access.standing(), &e.recorded.event))
            .collect())
    }

    async fn attachment_content(&self, access: &CaseAccess, id: &AttachmentId) -> Result<Option<Vec<u8>>> {
        let Some(meta) = access.case().attachments.iter().find(|a| &a.id == id) else {
            return Ok(None);
        };
        if !access::sees_attachment(access.standing(), meta) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT content FROM attachments WHERE id = $1 AND case_id = $2")
            .bind(id.as_str())
            .bind(access.case().id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| r.try_get("content").map_err(Into::into)).transpose()
    }

    async fn verify_stream(&self, stream: &str) -> Result<Result<u64, ChainBreak>> {
        let rows = sqlx::query("SELECT seq, body, prev_hash, hash FROM events WHERE stream = $1 ORDER BY seq")
            .bind(stream)
            .fetch_all(&self.reader)
            .await?;
        let mut prev: Option<Vec<u8>> = None;
        let mut expected_seq = 0u64;
        for row in rows {
            let seq = row.try_get::<i64, _>("seq")? as u64;
            expected_seq += 1;
            let body: String = row.try_get("body")?;
            let stored_prev: Option<Vec<u8>> = row.try_get("prev_hash")?;
            let hash: Vec<u8> = row.try_get("hash")?;
            let ok = seq == expected_seq
                && stored_prev == prev
                && chain::link(prev.as_deref(), stream, seq, &body) == hash;
            if !ok {
                return Ok(Err(ChainBreak {
                    stream: stream.to_owned(),
                    seq: expected_seq,
                }));
            }
            prev = Some(hash);
        }
        Ok(Ok(expected_seq))
    }
}

/// The rule for the public side, checked again on the state itself so that a stage
/// column out of step with the case could never publish an embargoed case.
fn public(case: Case) -> Option<Case> {
    (case.stage.is_public() && case.disclosure.disclosed_at.is_some()).then_some(case)
}

/// Queues the work the events ask for (`core::effect`), in the events' transaction.
async fn queue_effects(tx: &mut Tx, case: &Case, events: &[Recorded<Event>]) -> Result<()> {
    for e in events {
        for effect in embargo_core::effect::effects(case, &e.event) {
            sqlx::query(
                "INSERT INTO outbox (case_id, effect, created_at, attempts, next_attempt_at) VALUES ($1, $2, $3, 0, $4)",
            )
            .bind(case.id.as_str())
            .bind(to_json(&effect))
            .bind(micros(e.at))
            .bind(micros(e.at + effect.delay()))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
