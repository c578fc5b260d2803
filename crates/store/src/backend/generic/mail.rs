//! Mail in: reply secrets (hashed capabilities naming a case), the quarantine of mail
//! held for review, and what "Lost your tracking link?" needs (a reporter's cases by
//! address, a tracking token replaced with its event).

use super::Backing;
use super::cases::append_case;
use super::cases::data_key_in;
use super::cases::reporter_email_column;
use super::outbox::queue_case_effects;
use super::support::{DbRow, corrupt};
use crate::StoreError;
use crate::backend::{micros, timestamp};
use crate::sealing;
use crate::{
    CaseAccess, NewQuarantined, QuarantineState, Quarantined, Queued, Resolution, Result,
    SecretHash,
};
use embargo_core::Timestamp;
use embargo_core::actor::Actor;
use embargo_core::case::Case;
use embargo_core::event::{Event, Recorded};
use embargo_core::ids::{CaseId, ProjectSlug, UserId};
use sqlx::Row;

const COLUMNS: &str = "id, project, received_at, reason, sender, subject, size, state, \
                       resolved_at, resolved_by, note, case_id";

/// Where a quarantined mail's parts are, for their seals.
const SENDER: &str = "quarantine-sender";
const SUBJECT: &str = "quarantine-subject";
const RAW: &[u8] = b"embargo quarantined mail";

/// The key a quarantined mail is sealed under: its project's, or the instance's.
fn quarantine_key_name(project: Option<&str>) -> &str {
    project.unwrap_or(sealing::INSTANCE_KEY)
}

/// A quarantined mail's sender, subject and raw message, sealed under its project's key
/// (or the instance's): one rule for a new mail and for one stored before sealing.
pub(super) async fn seal_quarantined(
    tx: &mut super::support::Tx,
    sealing: &crate::sealing::Sealing,
    project: Option<&str>,
    sender: Option<String>,
    subject: Option<String>,
    raw: &[u8],
) -> Result<(Option<String>, Option<String>, Vec<u8>)> {
    let name = quarantine_key_name(project);
    let key = data_key_in(tx, sealing, name).await?;
    let text =
        |place: &str, t: Option<String>| t.map(|t| sealing::seal_text(&key, name, place, &t));
    Ok((
        text(SENDER, sender),
        text(SUBJECT, subject),
        sealing::seal(&key, raw, RAW),
    ))
}

impl Backing {
    /// A quarantined mail's sender or subject, opened.
    async fn quarantine_text(&self, place: &str, stored: Option<String>) -> Result<Option<String>> {
        match stored {
            Some(text) => Ok(Some(self.open_text(place, text).await?)),
            None => Ok(None),
        }
    }

    async fn quarantined(&self, r: &DbRow) -> Result<Quarantined> {
        let sender = self.quarantine_text(SENDER, r.try_get("sender")?).await?;
        let subject = self.quarantine_text(SUBJECT, r.try_get("subject")?).await?;
        quarantined(r, sender, subject)
    }
}

fn quarantined(r: &DbRow, sender: Option<String>, subject: Option<String>) -> Result<Quarantined> {
    let project: Option<String> = r.try_get("project")?;
    let state: String = r.try_get("state")?;
    let case: Option<String> = r.try_get("case_id")?;
    Ok(Quarantined {
        id: r.try_get("id")?,
        project: project.as_deref().and_then(ProjectSlug::parse),
        received_at: timestamp(r.try_get("received_at")?)?,
        reason: r.try_get("reason")?,
        sender,
        subject,
        size: r.try_get::<i64, _>("size")? as u64,
        state: QuarantineState::parse(&state)
            .ok_or_else(|| corrupt("quarantine state", state.clone()))?,
        resolved_at: r
            .try_get::<Option<i64>, _>("resolved_at")?
            .map(timestamp)
            .transpose()?,
        resolved_by: r.try_get::<Option<i64>, _>("resolved_by")?.map(UserId),
        note: r.try_get("note")?,
        case: case.as_deref().and_then(CaseId::parse),
    })
}

#[async_trait::async_trait]
impl crate::MailStore for Backing {
    async fn add_reply_secret(
        &self,
        case: &CaseId,
        hash: &SecretHash,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO reply_secrets (secret_hash, case_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(&hash.0[..])
        .bind(case.as_str())
        .bind(micros(now))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn case_for_reply_secret(&self, hash: &SecretHash) -> Result<Option<CaseAccess>> {
        let row = sqlx::query(
            "SELECT c.id, c.state FROM reply_secrets r JOIN cases c ON c.id = r.case_id \
             WHERE r.secret_hash = $1",
        )
        .bind(&hash.0[..])
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id = CaseId::parse(&row.try_get::<String, _>("id")?)
            .ok_or_else(|| corrupt("case id", "unparseable"))?;
        self.access(Some(row), &Actor::Reporter(id)).await
    }

    async fn quarantine(&self, new: &NewQuarantined) -> Result<i64> {
        let mut tx = self.writer.begin().await?;
        // With keys, everything the mail says is sealed; its size and reason are not.
        let (sender, subject, raw) = match self.sealing.as_deref() {
            Some(sealing) => {
                seal_quarantined(
                    &mut tx,
                    sealing,
                    new.project.as_ref().map(ProjectSlug::as_str),
                    new.sender.clone(),
                    new.subject.clone(),
                    &new.raw,
                )
                .await?
            }
            None => (new.sender.clone(), new.subject.clone(), new.raw.to_vec()),
        };
        let row = sqlx::query(
            "INSERT INTO quarantine (project, received_at, reason, sender, subject, size, raw, \
                                     state, sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'held', $8) RETURNING id",
        )
        .bind(new.project.as_ref().map(|p| p.as_str().to_owned()))
        .bind(micros(new.received_at))
        .bind(&new.reason)
        .bind(sender)
        .bind(subject)
        .bind(new.raw.len() as i64)
        .bind(raw)
        .bind(self.sealing.is_some())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.try_get("id")?)
    }

    async fn quarantined(
        &self,
        projects: &[ProjectSlug],
        unassigned: bool,
        limit: u32,
    ) -> Result<Vec<Quarantined>> {
        let mut q = sqlx::QueryBuilder::new(format!(
            "SELECT {COLUMNS} FROM quarantine WHERE state = 'held' AND ("
        ));
        q.push(if unassigned {
            "project IS NULL"
        } else {
            "1 = 0"
        });
        for p in projects {
            q.push(" OR project = ");
            q.push_bind(p.as_str().to_owned());
        }
        q.push(") ORDER BY id DESC LIMIT ");
        q.push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.reader).await?;
        let mut found = Vec::with_capacity(rows.len());
        for r in &rows {
            found.push(self.quarantined(r).await?);
        }
        Ok(found)
    }

    async fn quarantined_message(&self, id: i64) -> Result<Option<(Quarantined, Option<Vec<u8>>)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, raw, sealed FROM quarantine WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let held = self.quarantined(&row).await?;
        let raw: Option<Vec<u8>> = row.try_get("raw")?;
        let raw = match (raw, row.try_get::<bool, _>("sealed")?) {
            (Some(raw), true) => {
                let name = quarantine_key_name(held.project.as_ref().map(ProjectSlug::as_str));
                let key = self.data_key(name).await?;
                Some(sealing::open(&key, &raw, RAW).ok_or_else(|| {
                    StoreError::Sealed(sealing::SealError::Broken {
                        what: format!("quarantined mail {id}"),
                    })
                })?)
            }
            (raw, _) => raw,
        };
        Ok(Some((held, raw)))
    }

    async fn resolve_quarantined(&self, id: i64, resolution: &Resolution) -> Result<bool> {
        let done = match resolution {
            Resolution::Released { case, by, at } => {
                sqlx::query(
                    "UPDATE quarantine SET state = 'released', case_id = $2, resolved_by = $3, \
                                           resolved_at = $4, raw = NULL \
                     WHERE id = $1 AND state = 'held'",
                )
                .bind(id)
                .bind(case.as_str())
                .bind(by.0)
                .bind(micros(*at))
                .execute(&self.writer)
                .await?
            }
            Resolution::Deleted { reason, by, at } => {
                sqlx::query(
                    "UPDATE quarantine SET state = 'deleted', note = $2, resolved_by = $3, \
                                           resolved_at = $4, raw = NULL \
                     WHERE id = $1 AND state = 'held'",
                )
                .bind(id)
                .bind(reason)
                .bind(by.0)
                .bind(micros(*at))
                .execute(&self.writer)
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    async fn cases_of_reporter(&self, email: &str, limit: u32) -> Result<Vec<Case>> {
        // Cases stored with keys keep a keyed token of the address, not the address;
        // those stored before keep it as written.
        let clear = reporter_email_column(None, email);
        let sealed = reporter_email_column(self.search_key().await?.as_ref(), email);
        let rows = sqlx::query(
            "SELECT state FROM cases WHERE reporter_email IN ($1, $2) \
             ORDER BY received_at LIMIT $3",
        )
        .bind(clear)
        .bind(sealed)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        let mut cases = Vec::with_capacity(rows.len());
        for r in &rows {
            cases.push(self.case_from(r).await?);
        }
        Ok(cases)
    }

    async fn renew_tracking_token(
        &self,
        before: u64,
        case: &Case,
        events: &[Recorded<Event>],
        tracking_token: &str,
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
        sqlx::query("UPDATE cases SET tracking_token_hash = $2 WHERE id = $1")
            .bind(case.id.as_str())
            .bind(&SecretHash::of(tracking_token).0[..])
            .execute(&mut *tx)
            .await?;
        // Reply addresses are capabilities too: the old ones stop working with the link.
        sqlx::query("DELETE FROM reply_secrets WHERE case_id = $1")
            .bind(case.id.as_str())
            .execute(&mut *tx)
            .await?;
        let queued = queue_case_effects(&mut tx, case, events, Some(tracking_token)).await?;
        tx.commit().await?;
        self.keep_keys(case.project.as_str()).await;
        Ok(queued)
    }
}
