//! Mail in (C1): one RFC 5322 message becomes a case (like a web report), a reply on
//! its case, a bounce noted on a case, or a message held in the quarantine with a
//! reason. Whatever it is, it is stored before `ingest_mail` returns `Ok`; an `Err`
//! means nothing was kept and the mail server should try again (`EX_TEMPFAIL`).

use super::cases::Upload;
use super::{App, AppError, AppResult, actor_of};
use crate::secrets;
use embargo_core::actor::Actor;
use embargo_core::case::Case;
use embargo_core::command::Command;
use embargo_core::effect::{SystemCommand, decide_system};
use embargo_core::event::Visibility;
use embargo_core::ids::{CaseId, ProjectSlug};
use embargo_core::project::Project;
use embargo_core::report::{Channel, Draft};
use embargo_mail::reply::SecurityAddress;
use embargo_mail::{Inbound, Limits, QuarantineReason, Reader};
use embargo_store::{NewQuarantined, Quarantined, Resolution, SecretHash, StoreError};

/// Where an incoming message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A new case, as if reported on the web form.
    Case(CaseId),
    /// The reporter's reply, on their case.
    Reply(CaseId),
    /// A bounce of mail to a case's reporter: their address is marked failing.
    Bounce(CaseId),
    /// Held for the security team, with why.
    Quarantined { id: i64, reason: String },
}

impl std::fmt::Display for Ingested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ingested::Case(id) => write!(f, "stored as case {id}"),
            Ingested::Reply(id) => write!(f, "stored as the reporter's reply on case {id}"),
            Ingested::Bounce(id) => {
                write!(
                    f,
                    "a bounce: the reporter's address is failing on case {id}"
                )
            }
            Ingested::Quarantined { id, reason } => {
                write!(f, "held in the quarantine as message {id}: {reason}")
            }
        }
    }
}

/// Why a message that read fine was still held back (beyond the mail crate's reasons).
fn held(why: &str) -> String {
    why.to_owned()
}

impl App {
    /// The limits incoming mail is read with: the web form's attachment limits.
    pub fn mail_limits(&self) -> Limits {
        let limits = &self.settings().limits;
        Limits {
            attachment_bytes: limits.attachment_bytes,
            attachments: limits.attachments_per_upload,
            ..Limits::default()
        }
    }

    /// Stores one incoming message; `project` (a slug) when the mail server says which
    /// project it is for, else the recipients' security address decides.
    #[tracing::instrument(skip_all, fields(project = project.unwrap_or("")))]
    pub async fn ingest_mail(&self, raw: &[u8], project: Option<&str>) -> AppResult<Ingested> {
        let mut inbound = Reader::new(self.mail_limits()).read(raw);
        let recipients: &[String] = match &inbound {
            Inbound::Report(r) => &r.recipients,
            Inbound::AutoReply(a) => &a.recipients,
            Inbound::Bounce(b) => &b.recipients,
            Inbound::Quarantine(q) => &q.recipients,
        };
        let projects = self.projects().await?;
        let project = match project {
            Some(slug) => Some(self.project(slug).await?),
            None => projects
                .iter()
                .find(|p| {
                    security_address(p).is_some_and(|a| {
                        recipients
                            .iter()
                            .any(|r| a.is_address_of(r) || a.secret_in(r).is_some())
                    })
                })
                .cloned(),
        };
        // Encrypted to the project's key (C1): read it again with the key.
        if let Inbound::Quarantine(q) = &inbound
            && matches!(q.reason, QuarantineReason::EncryptedWithoutKey)
            && let Some(p) = &project
            && let Some(key) = self.project_secret_key(p)?
        {
            inbound = Reader::new(self.mail_limits()).with_key(key).read(raw);
        }
        let slug = project.as_ref().map(|p| p.slug.clone());
        let hold = |reason: String, sender: Option<String>, subject: Option<String>| {
            self.hold(slug.clone(), reason, sender, subject, raw)
        };
        let report = match inbound {
            Inbound::Quarantine(q) => return hold(q.reason.to_string(), q.sender, q.subject).await,
            Inbound::AutoReply(a) => {
                let reason = format!(
                    "an automatic reply ({}): no case was opened and nothing was answered; \
                     delete it unless it says something the team should know",
                    a.marker
                );
                return hold(reason, a.sender, None).await;
            }
            Inbound::Bounce(b) => {
                if b.is_permanent()
                    && let Some(case) = self.bounced_case(b.original_message_id.as_deref()).await?
                    && let Some(address) = b.failed_recipients.iter().find(|f| {
                        case.report
                            .reporter
                            .email
                            .as_deref()
                            .is_some_and(|e| e.eq_ignore_ascii_case(f.trim()))
                    })
                {
                    let command = SystemCommand::ReporterAddressFailed {
                        address: address.clone(),
                        status: b.status.clone(),
                        diagnostic: b.diagnostic.clone(),
                    };
                    if self.system_on_case(&case.id, command).await? {
                        return Ok(Ingested::Bounce(case.id));
                    }
                }
                let reason = format!(
                    "a delivery report ({}) that names no reporter's address of ours; \
                     nothing was answered",
                    b.status.as_deref().unwrap_or("no status")
                );
                return hold(reason, None, None).await;
            }
            Inbound::Report(report) => report,
        };
        let sender = Some(report.sender.address.clone());
        let subject = Some(report.title.clone());
        let Some(project) = project else {
            let reason = held(
                "no project's security address is among the recipients; release it into \
                 the right project, and set that project's security address (or pipe its \
                 mail to `embargo mail ingest --project SLUG`)",
            );
            return hold(reason, sender, subject).await;
        };
        // A reply address names its case; only the reporter may write on it by mail.
        let secret = security_address(&project)
            .and_then(|a| report.recipients.iter().find_map(|r| a.secret_in(r)));
        if let Some(secret) = secret {
            let Some(access) = self
                .store()
                .case_for_reply_secret(&SecretHash::of(&secret))
                .await?
            else {
                let reason = held(
                    "sent to a reply address no case has (any more: a renewed tracking link \
                     retires the old addresses); release it as a new case if it is one",
                );
                return hold(reason, sender, subject).await;
            };
            let case = access.case();
            let from_reporter = case
                .report
                .reporter
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&report.sender.address));
            if !from_reporter || case.project != project.slug {
                let reason = format!(
                    "sent to the reply address of case {} by someone other than its \
                     reporter; it was not added to the case",
                    case.id
                );
                return hold(reason, sender, subject).await;
            }
            let id = case.id.clone();
            let uploads = uploads(report.attachments);
            let body = without_quote(&report.description);
            return match self
                .execute(
                    &Actor::Reporter(id.clone()),
                    &id,
                    vec![Command::Reply { body }],
                    uploads,
                )
                .await
            {
                Ok(_) => {
                    tracing::info!(case.id = %id, "reply received by mail");
                    Ok(Ingested::Reply(id))
                }
                Err(AppError::Rejected(r)) => {
                    let reason = format!("a reply on case {id} that could not be added: {r}");
                    hold(reason, sender, subject).await
                }
                Err(AppError::TooLarge { what, limit }) => {
                    let reason = format!("a reply on case {id}: {what} is over {limit} bytes");
                    hold(reason, sender, subject).await
                }
                Err(e) => Err(e),
            };
        }
        let draft = Draft {
            title: report.title.clone(),
            description: report.description.clone(),
            reporter_name: report.sender.name.clone(),
            reporter_email: Some(report.sender.address.clone()),
            // A key the reporter attached: our mail to them is encrypted to it.
            reporter_pgp_key: report.attached_public_keys().first().map(|k| k.to_asc()),
            ..Draft::default()
        };
        // Decrypted: the message as the reporter sent it is kept beside the report.
        let mut files = uploads(report.attachments);
        if let Some(original) = report.encrypted_original {
            files.push(Upload {
                filename: "original-encrypted.eml".into(),
                content_type: "message/rfc822".into(),
                bytes: original,
                visibility: Visibility::Internal,
            });
        }
        match self
            .store_report(&Actor::Anonymous, &project, draft, Channel::Email, files)
            .await
        {
            Ok(submitted) => Ok(Ingested::Case(submitted.case.id)),
            Err(AppError::Rejected(r)) => {
                let reason = format!("a report that the intake rules refuse: {r}");
                hold(reason, sender, subject).await
            }
            Err(AppError::TooLarge { what, limit }) => {
                let reason = format!("a report whose {what} is over {limit} bytes");
                hold(reason, sender, subject).await
            }
            Err(e) => Err(e),
        }
    }

    /// The project's OpenPGP secret key, when it has one (`admin project pgp`).
    pub(crate) fn project_secret_key(
        &self,
        project: &embargo_core::project::Project,
    ) -> AppResult<Option<embargo_mail::ProjectKey>> {
        if project.pgp_key.is_none() {
            return Ok(None);
        }
        let path = self.pgp_secret_key_path(&project.slug);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            AppError::Internal(format!(
                "the OpenPGP secret key of project {} at {}: {e}",
                project.slug,
                path.display()
            ))
        })?;
        embargo_mail::ProjectKey::import(&text, None)
            .map(Some)
            .map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))
    }

    async fn hold(
        &self,
        project: Option<ProjectSlug>,
        reason: String,
        sender: Option<String>,
        subject: Option<String>,
        raw: &[u8],
    ) -> AppResult<Ingested> {
        let clip = |s: Option<String>| {
            s.map(|s| {
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(300)
                    .collect::<String>()
            })
        };
        let id = self
            .store()
            .quarantine(&NewQuarantined {
                project,
                received_at: self.now(),
                reason: reason.clone(),
                sender: clip(sender),
                subject: clip(subject),
                raw: raw.to_vec(),
            })
            .await?;
        tracing::info!(quarantine.id = id, "mail held in the quarantine");
        Ok(Ingested::Quarantined { id, reason })
    }

    /// The case a bounce is about: our Message-IDs carry the case id
    /// (`embargo.<case>.…@domain`, `reply::message_id_for`).
    async fn bounced_case(&self, message_id: Option<&str>) -> AppResult<Option<Case>> {
        let Some(id) = message_id
            .and_then(|m| m.strip_prefix("embargo."))
            .and_then(|m| m.split('.').next())
            .and_then(CaseId::parse)
        else {
            return Ok(None);
        };
        // The bounce stands in for the reporter the mail went to; core checks that the
        // bounced address is theirs before anything is recorded.
        Ok(self
            .store()
            .case_for_viewer(&id, &Actor::Reporter(id.clone()))
            .await?
            .map(|a| a.case().clone()))
    }

    /// Records what the system observed on a case, on fresh state; false if it no
    /// longer applies.
    pub(super) async fn system_on_case(
        &self,
        id: &CaseId,
        command: SystemCommand,
    ) -> AppResult<bool> {
        for _ in 0..5 {
            let Some(access) = self
                .store()
                .case_for_viewer(id, &Actor::Reporter(id.clone()))
                .await?
            else {
                return Ok(false);
            };
            let case = access.case();
            let policy = access.project().policy();
            let Ok(events) = decide_system(case, &policy, command.clone(), self.now()) else {
                return Ok(false);
            };
            let mut next = case.clone();
            for e in &events {
                next.apply(e);
            }
            match self
                .store()
                .append_case_events(case.version, &next, &events, &[])
                .await
            {
                Ok(queued) => {
                    if !queued.is_empty() {
                        self.ring_worker();
                    }
                    return Ok(true);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }

    // ---------- lost links ----------

    /// "Lost your tracking link?": every case reported from `email` gets a new tracking
    /// link, mailed to that address; the old links (and reply addresses) stop working.
    /// The caller answers the same whether or not there were any cases.
    #[tracing::instrument(skip_all)]
    pub async fn send_lost_links(&self, ip: &str, email: &str) -> AppResult<()> {
        let email = embargo_core::text::email("email", email)
            .map_err(|e| embargo_core::rejection::Rejection::Invalid(vec![e]))?;
        self.limiters().lost_link(ip, &email)?;
        let cases = self.store().cases_of_reporter(&email, 100).await?;
        for case in cases {
            self.renew_tracking_link(&case.id).await?;
        }
        Ok(())
    }

    async fn renew_tracking_link(&self, id: &CaseId) -> AppResult<()> {
        for _ in 0..5 {
            let Some(access) = self
                .store()
                .case_for_viewer(id, &Actor::Reporter(id.clone()))
                .await?
            else {
                return Ok(());
            };
            let case = access.case();
            let policy = access.project().policy();
            let Ok(events) =
                decide_system(case, &policy, SystemCommand::RenewTrackingLink, self.now())
            else {
                return Ok(());
            };
            let mut next = case.clone();
            for e in &events {
                next.apply(e);
            }
            let token = secrets::token(secrets::TRACKING_TOKEN_PREFIX);
            match self
                .store()
                .renew_tracking_token(case.version, &next, &events, &token)
                .await
            {
                Ok(queued) => {
                    if !queued.is_empty() {
                        self.ring_worker();
                    }
                    tracing::info!(case.id = %id, "tracking link renewed");
                    return Ok(());
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }

    // ---------- the quarantine, for the team ----------

    /// Held messages the user reviews: their projects' (as admin or security team),
    /// and for instance admins those no project could be told for.
    pub async fn quarantined(&self, user: &super::User) -> AppResult<Vec<Quarantined>> {
        let actor = actor_of(user);
        let projects: Vec<ProjectSlug> = self
            .projects_of(user)
            .await?
            .into_iter()
            .filter(|p| embargo_core::access::reviews_quarantine(&actor, Some(p)))
            .map(|p| p.slug)
            .collect();
        let unassigned = embargo_core::access::reviews_quarantine(&actor, None);
        Ok(self.store().quarantined(&projects, unassigned, 500).await?)
    }

    /// One message, if the user reviews its project's quarantine; not found otherwise.
    pub async fn quarantined_message(
        &self,
        user: &super::User,
        id: i64,
    ) -> AppResult<(Quarantined, Option<Vec<u8>>)> {
        let found = self.store().quarantined_message(id).await?;
        let Some((item, raw)) = found else {
            return Err(AppError::not_found());
        };
        let project = match &item.project {
            Some(slug) => Some(self.project(slug.as_str()).await?),
            None => None,
        };
        if !embargo_core::access::reviews_quarantine(&actor_of(user), project.as_ref()) {
            return Err(AppError::not_found());
        }
        Ok((item, raw))
    }

    /// Releases a held message as a new case of its project (or of `project`, for one
    /// no project could be told for), as if it had arrived as a report.
    pub async fn release_quarantined(
        &self,
        user: &super::User,
        id: i64,
        project: Option<&str>,
    ) -> AppResult<CaseId> {
        let (item, raw) = self.quarantined_message(user, id).await?;
        let Some(raw) = raw else {
            return Err(not_held());
        };
        let project = match (&item.project, project) {
            (Some(slug), _) => self.project(slug.as_str()).await?,
            (None, Some(slug)) => {
                let p = self.project(slug).await?;
                if !embargo_core::access::reviews_quarantine(&actor_of(user), Some(&p)) {
                    return Err(AppError::not_found());
                }
                p
            }
            (None, None) => {
                return Err(AppError::bad_request(
                    "project_required",
                    "`project`: this message names no project; say which project it is for",
                    Some("project"),
                ));
            }
        };
        let draft = released_draft(&raw, &item);
        let submitted = self
            .store_report(
                &Actor::Anonymous,
                &project,
                draft.0,
                Channel::Email,
                draft.1,
            )
            .await?;
        let done = self
            .store()
            .resolve_quarantined(
                id,
                &Resolution::Released {
                    case: submitted.case.id.clone(),
                    by: user.id,
                    at: self.now(),
                },
            )
            .await?;
        if !done {
            tracing::warn!(quarantine.id = id, "released twice at once");
        }
        Ok(submitted.case.id)
    }

    /// Deletes a held message, keeping who did it and why (the reason is required).
    pub async fn delete_quarantined(
        &self,
        user: &super::User,
        id: i64,
        reason: &str,
    ) -> AppResult<()> {
        let (_, raw) = self.quarantined_message(user, id).await?;
        if raw.is_none() {
            return Err(not_held());
        }
        let reason = embargo_core::text::required_line("reason", reason, 500)
            .map_err(|e| embargo_core::rejection::Rejection::Invalid(vec![e]))?;
        let done = self
            .store()
            .resolve_quarantined(
                id,
                &Resolution::Deleted {
                    reason,
                    by: user.id,
                    at: self.now(),
                },
            )
            .await?;
        if done { Ok(()) } else { Err(not_held()) }
    }
}

fn not_held() -> AppError {
    AppError::Rejected(embargo_core::rejection::Rejection::Conflict {
        field: "state".into(),
        message: "this message was already released or deleted".into(),
    })
}

fn security_address(p: &Project) -> Option<SecurityAddress> {
    p.security_address
        .as_deref()
        .and_then(|a| SecurityAddress::parse(a).ok())
}

fn uploads(attachments: Vec<embargo_mail::Attachment>) -> Vec<Upload> {
    attachments
        .into_iter()
        .map(|a| Upload {
            filename: a.name,
            content_type: a.declared_type,
            bytes: a.bytes,
            visibility: Visibility::Shared,
        })
        .collect()
}

/// A reply without the quoted mail under it: from the first `On … wrote:` line
/// followed by quoted lines, or the first run of `>` lines, to the end.
fn without_quote(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let quoted = |l: &str| l.trim_start().starts_with('>');
    let mut end = lines.len();
    for (i, l) in lines.iter().enumerate() {
        let next_quoted = lines.get(i + 1).is_some_and(|n| quoted(n));
        if quoted(l) || (l.trim_end().ends_with("wrote:") && next_quoted) {
            end = i;
            break;
        }
    }
    let kept = lines[..end].join("\n").trim().to_owned();
    if kept.is_empty() {
        text.trim().to_owned()
    } else {
        kept
    }
}

/// What a released message becomes: the mail read again without the limits that held
/// it (a person decided), or, if it cannot be read at all, its text as the description.
fn released_draft(raw: &[u8], item: &Quarantined) -> (Draft, Vec<Upload>) {
    let generous = Limits {
        message_bytes: usize::MAX,
        attachment_bytes: usize::MAX,
        attachments: usize::MAX,
        parts: 10_000,
    };
    let mut draft = Draft {
        title: item
            .subject
            .clone()
            .unwrap_or_else(|| "(no subject)".into()),
        description: String::from_utf8_lossy(raw).chars().take(60_000).collect(),
        reporter_email: item.sender.clone(),
        ..Draft::default()
    };
    match Reader::new(generous).read(raw) {
        Inbound::Report(r) => {
            draft.title = r.title;
            draft.description = r.description;
            draft.reporter_name = r.sender.name;
            draft.reporter_email = Some(r.sender.address);
            (draft, uploads(r.attachments))
        }
        Inbound::AutoReply(_) | Inbound::Bounce(_) | Inbound::Quarantine(_) => (draft, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::without_quote;

    #[test]
    fn a_reply_loses_the_quoted_mail_under_it() {
        let text = "Here is the crash log.\n\nOn Mon, Sam wrote:\n> Can you send the log?\n";
        assert_eq!(without_quote(text), "Here is the crash log.");
        assert_eq!(without_quote("> only a quote"), "> only a quote");
        assert_eq!(without_quote("no quote at all"), "no quote at all");
    }
}
