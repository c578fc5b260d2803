//! `email`: a mail to the reporter (C1, C4), rendered from the case as it is when it
//! is sent and handed to the SMTP server. Subjects name the project and the case id,
//! never the title (an embargoed title must not sit in a mailbox or a mail log).
//! Every mail of a case threads under its receipt (`References`), and a retried send
//! carries the same `Message-ID`, so a duplicate is recognisably the same mail.

use super::Outcome;
use crate::app::{App, AppResult, Mailer};
use embargo_core::account_notice::AccountNotice;
use embargo_core::case::Case;
use embargo_core::effect::{
    CaseUpdate, Effect, Email, MailKind, Planned, Recipient, TeamUpdate, team_recipients,
};
use embargo_core::ids::UserId;
use embargo_core::project::Project;
use embargo_mail::outgoing::{Address, OutgoingMail, Protection};
use embargo_mail::reply::{SecurityAddress, message_id_for, new_secret};
use embargo_store::{Job, SecretHash};

pub(super) async fn handle(app: &App, job: &Job, email: &Email) -> AppResult<Outcome> {
    let Some(mailer) = app.mailer() else {
        // Not claimed without a mailer (`Outlets`); should it happen, it waits on.
        return Ok(Outcome::Retry {
            reason: "mail is not set up on this instance (mail.smtp_url)".into(),
            after: None,
        });
    };
    // About an account, not a case: no case to read, nothing embargoed to say.
    if let MailKind::AccountNotice { notice } = &email.message {
        return to_account(app, mailer, job, &email.to, notice).await;
    }
    let Some((case, project)) = app.store().case_for_job(job).await? else {
        return Ok(Outcome::Done);
    };
    let to = match &email.to {
        Recipient::Reporter => case.report.reporter.email.clone(),
        Recipient::User { id } => {
            return to_member(app, mailer, job, &case, &project, *id, &email.message).await;
        }
        Recipient::Guest { id } => {
            return to_guest(app, mailer, job, &case, &project, *id, &email.message).await;
        }
        Recipient::Team => {
            // One mail per member who wants it, each its own job (retried alone).
            let MailKind::TeamUpdate { update } = &email.message else {
                return Ok(Outcome::GiveUp("not a team mail".into()));
            };
            let work = team_recipients(&project, &case, *update)
                .into_iter()
                .map(|p| Planned {
                    effect: Effect::Email(Email {
                        to: Recipient::User { id: p.user },
                        message: email.message.clone(),
                    }),
                    due: app.now(),
                })
                .collect::<Vec<_>>();
            let any = !work.is_empty();
            if app.store().fan_out(job, work, app.now()).await? && any {
                app.ring_worker();
            }
            return Ok(Outcome::Done);
        }
    };
    let Some(to) = to else {
        return Ok(Outcome::GiveUp(
            "the recipient has no e-mail address".into(),
        ));
    };
    let mut mail = match render(app, mailer, job, &case, &project, &email.message, to) {
        Ok(mail) => mail,
        Err(why) => return Ok(Outcome::GiveUp(why)),
    };
    // Replies come back to the case: a fresh reply secret per mail, kept hashed, so the
    // address works like the tracking link and no secret waits in the outbox.
    if let Some(security) = project
        .security_address
        .as_deref()
        .and_then(|a| SecurityAddress::parse(a).ok())
    {
        let secret = new_secret();
        match security.reply_address(&secret) {
            Ok(address) => {
                app.store()
                    .add_reply_secret(&case.id, &SecretHash::of(&secret), app.now())
                    .await?;
                mail.reply_to = Some(Address::named(
                    format!("{} security", project.name),
                    address,
                ));
            }
            Err(e) => return Ok(Outcome::GiveUp(format!("the reply address: {e}"))),
        }
    }
    let reporter_key = case.report.reporter.pgp_key.clone();
    send(app, mailer, &case, &project, mail, reporter_key.as_deref()).await
}

/// Builds and sends one mail, signed with the project's OpenPGP key when it has one.
async fn send(
    app: &App,
    mailer: &Mailer,
    case: &Case,
    project: &embargo_core::project::Project,
    mail: OutgoingMail,
    recipient_key: Option<&str>,
) -> AppResult<Outcome> {
    let key = match app.project_secret_key(project) {
        Ok(key) => key,
        // The key file is the operator's to mend; the mail waits for it.
        Err(e) => {
            return Ok(Outcome::Retry {
                reason: e.to_string(),
                after: None,
            });
        }
    };
    // A recipient who gave a key gets every mail encrypted to it, never in the clear.
    let recipient = match recipient_key.map(embargo_mail::PublicKey::parse) {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            return Ok(Outcome::GiveUp(format!(
                "the recipient's OpenPGP key cannot be used ({e}); nothing was sent in the clear"
            )));
        }
    };
    let protection = match (&key, &recipient) {
        (Some(key), Some(to)) => Protection::SignAndEncrypt(key, to),
        (None, Some(to)) => Protection::Encrypt(to),
        (Some(key), None) => Protection::Sign(key),
        (None, None) => Protection::None,
    };
    let built = match mail.build(protection) {
        Ok(built) => built,
        Err(e) => return Ok(Outcome::GiveUp(format!("the mail could not be built: {e}"))),
    };
    Ok(match mailer.sender.send(&built).await {
        Ok(accepted) => {
            tracing::info!(case.id = %case.id, answer = %accepted.server_answer, "mail sent");
            Outcome::Done
        }
        Err(e) if e.should_retry() => Outcome::Retry {
            reason: e.to_string(),
            after: None,
        },
        Err(e) => Outcome::GiveUp(e.to_string()),
    })
}

/// A team mail to one member: only while they may still see the case and still want
/// it; the title only if they chose to see titles.
async fn to_member(
    app: &App,
    mailer: &Mailer,
    job: &Job,
    case: &Case,
    project: &Project,
    id: UserId,
    message: &MailKind,
) -> AppResult<Outcome> {
    let MailKind::TeamUpdate { update } = message else {
        return Ok(Outcome::GiveUp("not a team mail".into()));
    };
    let wanted = team_recipients(project, case, *update)
        .into_iter()
        .find(|p| p.user == id);
    let (Some(preference), Some(user)) = (wanted, app.store().user(id).await?) else {
        return Ok(Outcome::Done);
    };
    let name = &project.name;
    let case_id = &case.id;
    let what = match update {
        TeamUpdate::NewReport => "new report".to_owned(),
        TeamUpdate::ReporterWrote => "the reporter wrote".to_owned(),
        TeamUpdate::Assigned { .. } => "assigned to you".to_owned(),
        TeamUpdate::Clock { clock, overdue, .. } => format!(
            "{} clock {}",
            clock.as_str(),
            if *overdue { "overdue" } else { "due soon" }
        ),
    };
    let subject = if preference.titles {
        format!("[{name}] {case_id}: {what}: {}", case.report.title)
    } else {
        format!("[{name}] {case_id}: {what}")
    };
    let news = match update {
        TeamUpdate::NewReport => format!("A new report arrived at {name}: case {case_id}."),
        TeamUpdate::ReporterWrote => format!("The reporter of case {case_id} at {name} wrote."),
        TeamUpdate::Assigned { .. } => format!("You were added to case {case_id} at {name}."),
        TeamUpdate::Clock {
            clock,
            overdue: false,
            ..
        } => format!(
            "A reminder: the {} clock ({}) of case {case_id} at {name} falls due soon.",
            clock.as_str(),
            clock.step()
        ),
        TeamUpdate::Clock {
            clock,
            overdue: true,
            ..
        } => format!(
            "The {} clock ({}) of case {case_id} at {name} is overdue; this goes to the \
             people the policy names for its escalation.",
            clock.as_str(),
            clock.step()
        ),
    };
    let domain = mailer.from.rsplit_once('@').map_or("", |(_, d)| d);
    let message_id = message_id_for(&format!("{}.{}", case.id, job.id), domain)
        .map_err(|e| crate::app::AppError::Internal(e.to_string()))?;
    let mail = OutgoingMail {
        from: Address::named(format!("{name} security"), mailer.from.clone()),
        to: vec![Address::named(user.name.clone(), user.email.clone())],
        reply_to: None,
        subject,
        text: format!(
            "{news}\n\nOpen it: {}\n\nYou get this mail because of your mail choice for \
             {name} ({}); change it on the project's cases page.\n",
            app.url(&format!("/cases/{case_id}")),
            preference.level.as_str()
        ),
        html: None,
        message_id,
        in_reply_to: None,
        references: Vec::new(),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    };
    send(app, mailer, case, project, mail, None).await
}

/// A notice about an account's privileges (issue 11 item 6), to its owner (or, for an
/// admin's change to their own role, to the project's other admins). It says what
/// changed and who did it, never a token or a secret, and where to look.
async fn to_account(
    app: &App,
    mailer: &Mailer,
    job: &Job,
    to: &Recipient,
    notice: &AccountNotice,
) -> AppResult<Outcome> {
    let Recipient::User { id } = to else {
        return Ok(Outcome::GiveUp(
            "an account's notice not addressed to an account".into(),
        ));
    };
    let Some(user) = app.store().user(*id).await? else {
        return Ok(Outcome::Done);
    };
    let domain = mailer.from.rsplit_once('@').map_or("", |(_, d)| d);
    let message_id = message_id_for(&format!("account.{}.{}", id.0, job.id), domain)
        .map_err(|e| crate::app::AppError::Internal(e.to_string()))?;
    let mail = OutgoingMail {
        from: Address::named("Embargo".to_owned(), mailer.from.clone()),
        to: vec![Address::named(user.name.clone(), user.email.clone())],
        reply_to: None,
        subject: format!("[Embargo] {}", notice.headline()),
        text: format!(
            "{}\n\nSee your notifications at {}\n\nIf you expected this, there is nothing \
             to do. If you did not, tell an instance admin at once: someone may hold \
             privileges on your behalf. Your tokens, sessions and second factor are at {}\n",
            notice.words(),
            app.url("/notifications"),
            app.url("/settings/tokens"),
        ),
        html: None,
        message_id,
        in_reply_to: None,
        references: Vec::new(),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    };
    let built = match mail.build(Protection::None) {
        Ok(built) => built,
        Err(e) => return Ok(Outcome::GiveUp(format!("the mail could not be built: {e}"))),
    };
    Ok(match mailer.sender.send(&built).await {
        Ok(accepted) => {
            tracing::info!(answer = %accepted.server_answer, "account mail sent");
            Outcome::Done
        }
        Err(e) if e.should_retry() => Outcome::Retry {
            reason: e.to_string(),
            after: None,
        },
        Err(e) => Outcome::GiveUp(e.to_string()),
    })
}

/// A guest's invitation (C5): only while they are still a guest of the case. It names
/// the project and the case id, never the title; the link opens the shared parts. No
/// reply address: replies are the guest page's comment form, never the reporter's
/// thread.
async fn to_guest(
    app: &App,
    mailer: &Mailer,
    job: &Job,
    case: &Case,
    project: &Project,
    id: embargo_core::ids::GuestId,
    message: &MailKind,
) -> AppResult<Outcome> {
    let MailKind::GuestInvitation { token } = message else {
        return Ok(Outcome::GiveUp("not a guest's mail".into()));
    };
    let Some(guest) = case.guests.get(id) else {
        // Removed before the mail went out: nothing to send.
        return Ok(Outcome::Done);
    };
    let Some(token) = token else {
        return Ok(Outcome::GiveUp(
            "the guest's link was already sent or is missing".into(),
        ));
    };
    let name = &project.name;
    let case_id = &case.id;
    let shares = guest
        .shares
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let domain = mailer.from.rsplit_once('@').map_or("", |(_, d)| d);
    let message_id = message_id_for(&format!("{}.{}", case.id, job.id), domain)
        .map_err(|e| crate::app::AppError::Internal(e.to_string()))?;
    let to = match &guest.name {
        Some(n) => Address::named(n.clone(), guest.email.clone()),
        None => Address::new(guest.email.clone()),
    };
    let mail = OutgoingMail {
        from: Address::named(format!("{name} security"), mailer.from.clone()),
        to: vec![to],
        reply_to: None,
        subject: format!("[{name}] {case_id}: shared with you to help ship a fix"),
        text: format!(
            "The security team of {name} shares case {case_id} with you, because your \
             project must help ship the fix. You see these parts of it: {shares}.\n\n\
             Open it, and write to the team, at:\n\n    {}\n\nThe case is under \
             embargo: keep what you read private until it is disclosed. Keep this link \
             private too: whoever holds it can read what is shared. The team can end your \
             access at any time.\n",
            app.url(&format!("/guest/{token}"))
        ),
        html: None,
        message_id,
        in_reply_to: None,
        references: Vec::new(),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    };
    send(app, mailer, case, project, mail, None).await
}

fn render(
    app: &App,
    mailer: &Mailer,
    job: &Job,
    case: &Case,
    project: &Project,
    message: &MailKind,
    to: String,
) -> Result<OutgoingMail, String> {
    let domain = mailer.from.rsplit_once('@').map_or("", |(_, d)| d);
    let id = |key: &str| message_id_for(key, domain).map_err(|e| e.to_string());
    // The receipt's id is the case's thread root; later mails answer it.
    let receipt = id(&format!("{}.receipt", case.id))?;
    let name = &project.name;
    let case_id = &case.id;
    let (message_id, what, text) = match message {
        MailKind::ReportReceived { tracking_token } => {
            let link = match tracking_token {
                Some(token) => format!(
                    "Follow your report, answer the team's questions and read their \
                     messages at your tracking link:\n\n    {}\n\nKeep this link private: \
                     whoever holds it can read the case. It is shown only here and on the \
                     page you reported from.\n",
                    app.url(&format!("/track/{token}"))
                ),
                None => String::new(),
            };
            let text = format!(
                "Thank you for reporting a security problem to {name}. Your report is \
                 case {case_id}.\n\n{link}\nWhat happens next: the security team \
                 acknowledges your report, assesses it and decides whether it is a \
                 vulnerability. You will get a mail like this one at each step, and \
                 whenever the team has a question or a message for you.\n"
            );
            (receipt.clone(), "report received", text)
        }
        MailKind::CaseUpdated { update } => {
            let (what, news) = match update {
                CaseUpdate::Acknowledged => (
                    "acknowledged",
                    "The security team has acknowledged your report and is looking into it.",
                ),
                CaseUpdate::Question => (
                    "a question for you",
                    "The security team has a question for you. Please answer it on your \
                     tracking page.",
                ),
                CaseUpdate::Message => (
                    "a message for you",
                    "The security team wrote to you. Read it on your tracking page.",
                ),
                CaseUpdate::Decision => (
                    "decision",
                    "The security team has decided on your report. Read the decision on \
                     your tracking page.",
                ),
                CaseUpdate::Disclosed => (
                    "disclosed",
                    "The case is now public. Thank you for reporting it.",
                ),
                CaseUpdate::ReleasePlan => (
                    "release plan",
                    "The security team proposed a release plan, or changed it. See the \
                     release date and the reason for any change on your tracking page, where \
                     you can accept the date or propose another one.",
                ),
                CaseUpdate::ReleaseDate => (
                    "release date",
                    "The release date is set. See it on your tracking page.",
                ),
            };
            let text = format!(
                "Case {case_id} at {name}: {news}\n\nUse the tracking link from the first \
                 mail about this case.\n"
            );
            (id(&format!("{}.{}", case.id, job.id))?, what, text)
        }
        MailKind::TeamUpdate { .. } => {
            return Err("a team mail addressed to the reporter".into());
        }
        MailKind::GuestInvitation { .. } => {
            return Err("a guest's invitation addressed to the reporter".into());
        }
        MailKind::AccountNotice { .. } => {
            return Err("an account's notice addressed to the reporter".into());
        }
        MailKind::LinkRenewed { tracking_token } => {
            let Some(token) = tracking_token else {
                return Err("the new tracking link was already sent or is missing".into());
            };
            let text = format!(
                "Someone asked for the links to the reports sent from this address to \
                 {name}. Here is a new tracking link for case {case_id}:\n\n    {}\n\n\
                 The old link no longer works. Keep this one private: whoever holds it can \
                 read the case. If you did not ask for this, you can ignore this mail; only \
                 this address received the new link.\n",
                app.url(&format!("/track/{token}"))
            );
            (
                id(&format!("{}.{}", case.id, job.id))?,
                "your tracking link",
                text,
            )
        }
    };
    let threaded = message_id != receipt;
    Ok(OutgoingMail {
        from: Address::named(format!("{name} security"), mailer.from.clone()),
        to: vec![Address::new(to)],
        reply_to: None,
        subject: format!("[{name}] {case_id}: {what}"),
        text,
        html: None,
        message_id,
        in_reply_to: threaded.then(|| receipt.clone()),
        references: if threaded { vec![receipt] } else { Vec::new() },
        // Out-of-office replies must not answer us (RFC 3834).
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    })
}
