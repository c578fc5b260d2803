//! `webhook`: notices to a project's channels (issue 14). A queued notice fans out to
//! one job per channel that takes it (and per pre-notified person, where the policy
//! allows), each retried on its own with backoff; a delivery is reported on the case
//! as `notice_delivered` with the answer, a failure as `effect_failed` (first failure
//! and giving up). A channel's "send a test" is a project's job whose answer, either
//! way, is recorded on the project. HTTP goes only through `embargo_notify`'s guard.

use super::Outcome;
use crate::app::{App, AppResult, RenderedNotice};
use embargo_core::case::Case;
use embargo_core::effect::{Effect, NoticeTarget, Planned, Subject, SystemCommand, Webhook};
use embargo_core::policy::Notice;
use embargo_core::project::Project;
use embargo_mail::outgoing::{Address, OutgoingMail, Protection};
use embargo_mail::reply::message_id_for;
use embargo_notify::{DeliveryError, NoticeDraft, NoticeKind};
use embargo_store::Job;

pub(super) async fn handle(app: &App, job: &Job, webhook: &Webhook) -> AppResult<Outcome> {
    match (&job.subject, webhook.notice) {
        (Subject::Project(slug), None) => {
            let NoticeTarget::Channel { name } = &webhook.to else {
                return Ok(Outcome::GiveUp("a test goes to one channel".into()));
            };
            test(app, job, slug.as_str(), name).await
        }
        (Subject::Case(_), None) => match &webhook.to {
            NoticeTarget::Team { overdue } => team_fan_out(app, job, *overdue).await,
            NoticeTarget::TeamChannel { name, overdue } => reminder(app, job, name, *overdue).await,
            NoticeTarget::Every | NoticeTarget::Channel { .. } | NoticeTarget::Person { .. } => {
                Ok(Outcome::GiveUp("not a notice this instance knows".into()))
            }
        },
        (Subject::Case(_), Some(notice)) => {
            let Some((case, project)) = app.store().case_for_job(job).await? else {
                return Ok(Outcome::Done);
            };
            // Whatever was asked, a notice that describes the flaw never leaves before
            // the case is public (V9: the forthcoming fix shows no details).
            match notice {
                Notice::ForthcomingFix => {}
                Notice::FixedVulnerability | Notice::Courtesy | Notice::Upgrade => {
                    if !case.stage.is_public() {
                        return Ok(Outcome::GiveUp(
                            "not sent: the case is not disclosed".into(),
                        ));
                    }
                }
            }
            match &webhook.to {
                NoticeTarget::Team { .. } | NoticeTarget::TeamChannel { .. } => Ok(
                    Outcome::GiveUp("a notice does not go to the team's channels".into()),
                ),
                NoticeTarget::Every => fan_out(app, job, &case, &project, notice).await,
                NoticeTarget::Channel { name } => {
                    to_channel(app, job, &case, &project, notice, name).await
                }
                NoticeTarget::Person { address } => {
                    to_person(app, job, &case, &project, notice, address).await
                }
            }
        }
        _ => Ok(Outcome::GiveUp("not a notice this instance knows".into())),
    }
}

async fn fan_out(
    app: &App,
    job: &Job,
    case: &Case,
    project: &Project,
    notice: Notice,
) -> AppResult<Outcome> {
    let mut to: Vec<NoticeTarget> = project
        .channels
        .iter()
        .filter(|c| c.notices.contains(&notice))
        .map(|c| NoticeTarget::Channel {
            name: c.name.clone(),
        })
        .collect();
    // V11: the people on the case's list hear of the forthcoming fix, and only while
    // the policy allows pre-notification.
    if notice == Notice::ForthcomingFix && project.policy().pre_notification {
        to.extend(
            case.notices
                .recipients
                .iter()
                .map(|r| NoticeTarget::Person {
                    address: r.address.clone(),
                }),
        );
    }
    let work: Vec<Planned> = to
        .into_iter()
        .map(|to| Planned {
            effect: Effect::Webhook(Webhook {
                to,
                notice: Some(notice),
            }),
            due: app.now(),
        })
        .collect();
    let any = !work.is_empty();
    if app.store().fan_out(job, work, app.now()).await? && any {
        app.ring_worker();
    }
    Ok(Outcome::Done)
}

/// One job per channel the project marks for the team.
async fn team_fan_out(app: &App, job: &Job, overdue: bool) -> AppResult<Outcome> {
    let Some((_, project)) = app.store().case_for_job(job).await? else {
        return Ok(Outcome::Done);
    };
    let work: Vec<Planned> = project
        .channels
        .iter()
        .filter(|c| c.team)
        .map(|c| Planned {
            effect: Effect::Webhook(Webhook {
                to: NoticeTarget::TeamChannel {
                    name: c.name.clone(),
                    overdue,
                },
                notice: None,
            }),
            due: app.now(),
        })
        .collect();
    let any = !work.is_empty();
    if app.store().fan_out(job, work, app.now()).await? && any {
        app.ring_worker();
    }
    Ok(Outcome::Done)
}

/// A clock's reminder or escalation in a team channel: how many, and the link; never
/// the title or anything else of the case (the channel may be wider than its audience).
async fn reminder(app: &App, job: &Job, name: &str, overdue: bool) -> AppResult<Outcome> {
    let Some((case, project)) = app.store().case_for_job(job).await? else {
        return Ok(Outcome::Done);
    };
    let Some(channel) = project.channel(name).filter(|c| c.team) else {
        return Ok(Outcome::Done);
    };
    let link = app.url(&format!("/cases/{}", case.id));
    let subject = if overdue {
        format!("{}: 1 clock overdue", project.name)
    } else {
        format!("{}: 1 clock due soon", project.name)
    };
    let body = format!("A case of {} needs the team: {link}", project.name);
    let http = match app.http_channel(&project, name) {
        Ok(c) => c,
        Err(why) => return Ok(Outcome::GiveUp(why)),
    };
    Ok(match http {
        None => {
            let text = RenderedNotice {
                notice: Notice::ForthcomingFix,
                subject: subject.clone(),
                markdown: format!("# {subject}\n\n{body}"),
                reviewed: false,
            };
            match list_mail(app, job, &project, &channel.target, &text) {
                Ok((mail, _)) => match send_mail(app, &project, mail).await {
                    Ok(_) => Outcome::Done,
                    Err(o) => o,
                },
                Err(o) => o,
            }
        }
        Some(http) => {
            let draft = NoticeDraft {
                id: format!("reminder_{}", job.id),
                kind: NoticeKind::Reminder,
                project: project.slug.as_str().to_owned(),
                subject,
                body_markdown: body,
                links: vec![("Open the case".to_owned(), link.clone())],
                read_more: Some(link),
                at: app.now(),
            };
            match draft.check() {
                Err(e) => Outcome::GiveUp(format!("the reminder: {e}")),
                Ok(n) => match embargo_notify::deliver(&http, &n, &app.guard()).await {
                    Ok(_) => Outcome::Done,
                    Err(e) => failed(e),
                },
            }
        }
    })
}

fn rendered(
    app: &App,
    case: &Case,
    project: &Project,
    notice: Notice,
) -> Result<RenderedNotice, String> {
    app.render_notice(case, project, notice)
        .map_err(|e| e.to_string())
}

fn notify_kind(notice: Notice) -> NoticeKind {
    match notice {
        Notice::ForthcomingFix => NoticeKind::ForthcomingFix,
        Notice::FixedVulnerability => NoticeKind::FixedVulnerability,
        Notice::Courtesy => NoticeKind::Courtesy,
        Notice::Upgrade => NoticeKind::Upgrade,
    }
}

async fn to_channel(
    app: &App,
    job: &Job,
    case: &Case,
    project: &Project,
    notice: Notice,
    name: &str,
) -> AppResult<Outcome> {
    let Some(channel) = project.channel(name) else {
        return Ok(Outcome::GiveUp(format!("the channel `{name}` was removed")));
    };
    let text = match rendered(app, case, project, notice) {
        Ok(t) => t,
        Err(why) => return Ok(Outcome::GiveUp(why)),
    };
    let delivered = |answer: String| {
        Outcome::Report(SystemCommand::NoticeDelivered {
            notice,
            to: channel.name.clone(),
            answer,
        })
    };
    let http = match app.http_channel(project, name) {
        Ok(c) => c,
        Err(why) => return Ok(Outcome::GiveUp(why)),
    };
    match http {
        None => {
            let mail = list_mail(app, job, project, &channel.target, &text);
            Ok(match mail {
                Ok((mail, id)) => match send_mail(app, project, mail).await {
                    Ok(answer) => delivered(format!("SMTP {answer}; Message-ID {id}")),
                    Err(outcome) => outcome,
                },
                Err(outcome) => outcome,
            })
        }
        Some(http) => {
            // Public once disclosed: chat gets the advisory link to read on.
            let read_more = case
                .stage
                .is_public()
                .then(|| app.url(&format!("/advisories/{}", case.id)));
            let draft = NoticeDraft {
                id: format!("notice_{}", job.id),
                kind: notify_kind(notice),
                project: project.slug.as_str().to_owned(),
                subject: text.subject.clone(),
                body_markdown: body_of(&text.markdown),
                links: read_more
                    .clone()
                    .map(|u| vec![("Advisory".to_owned(), u)])
                    .unwrap_or_default(),
                read_more,
                at: app.now(),
            };
            let notice = match draft.check() {
                Ok(n) => n,
                Err(e) => return Ok(Outcome::GiveUp(format!("the notice: {e}"))),
            };
            Ok(
                match embargo_notify::deliver(&http, &notice, &app.guard()).await {
                    Ok(d) => delivered(match d.message_id {
                        Some(id) => format!("HTTP {}; message id {id}", d.status),
                        None => format!("HTTP {}", d.status),
                    }),
                    Err(e) => failed(e),
                },
            )
        }
    }
}

fn failed(e: DeliveryError) -> Outcome {
    if e.should_retry() {
        Outcome::Retry {
            reason: e.to_string(),
            after: e.retry_after(),
        }
    } else {
        Outcome::GiveUp(e.to_string())
    }
}

/// The Markdown without its `# title` line (the title is the subject).
fn body_of(markdown: &str) -> String {
    let body = match markdown.split_once('\n') {
        Some((first, rest)) if first.starts_with("# ") => rest,
        _ => markdown,
    };
    let body = body.trim();
    if body.is_empty() {
        "(no text)".into()
    } else {
        body.to_owned()
    }
}

fn list_mail(
    app: &App,
    job: &Job,
    project: &Project,
    to: &str,
    text: &RenderedNotice,
) -> Result<(OutgoingMail, String), Outcome> {
    let Some(mailer) = app.mailer() else {
        return Err(Outcome::Retry {
            reason: "mail is not set up on this instance (mail.smtp_url)".into(),
            after: None,
        });
    };
    let domain = mailer.from.rsplit_once('@').map_or("", |(_, d)| d);
    let message_id = message_id_for(&format!("notice.{}", job.id), domain)
        .map_err(|e| Outcome::GiveUp(e.to_string()))?;
    let mail = OutgoingMail {
        from: Address::named(format!("{} security", project.name), mailer.from.clone()),
        to: vec![Address::new(to.to_owned())],
        reply_to: None,
        subject: text.subject.clone(),
        text: format!("{}\n", body_of(&text.markdown)),
        html: None,
        message_id: message_id.clone(),
        in_reply_to: None,
        references: Vec::new(),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    };
    Ok((mail, message_id))
}

/// Sends a notice mail, signed with the project's key where it has one; the server's
/// answer, or what the worker must do.
async fn send_mail(app: &App, project: &Project, mail: OutgoingMail) -> Result<String, Outcome> {
    let Some(mailer) = app.mailer() else {
        return Err(Outcome::Retry {
            reason: "mail is not set up on this instance (mail.smtp_url)".into(),
            after: None,
        });
    };
    // The key file is the operator's to mend; the mail waits for it.
    let key = app
        .project_secret_key(project)
        .map_err(|e| Outcome::Retry {
            reason: e.to_string(),
            after: None,
        })?;
    let protection = match &key {
        Some(key) => Protection::Sign(key),
        None => Protection::None,
    };
    let built = mail
        .build(protection)
        .map_err(|e| Outcome::GiveUp(format!("the mail could not be built: {e}")))?;
    match mailer.sender.send(&built).await {
        Ok(accepted) => Ok(accepted.server_answer),
        Err(e) if e.should_retry() => Err(Outcome::Retry {
            reason: e.to_string(),
            after: None,
        }),
        Err(e) => Err(Outcome::GiveUp(e.to_string())),
    }
}

async fn to_person(
    app: &App,
    job: &Job,
    case: &Case,
    project: &Project,
    notice: Notice,
    address: &str,
) -> AppResult<Outcome> {
    // Removed from the list, or the policy turned off meanwhile: nothing goes.
    if case.notices.recipient(address).is_none() || !project.policy().pre_notification {
        return Ok(Outcome::Done);
    }
    let text = match rendered(app, case, project, notice) {
        Ok(t) => t,
        Err(why) => return Ok(Outcome::GiveUp(why)),
    };
    Ok(match list_mail(app, job, project, address, &text) {
        Ok((mail, id)) => match send_mail(app, project, mail).await {
            Ok(answer) => Outcome::Report(SystemCommand::NoticeDelivered {
                notice,
                to: address.to_owned(),
                answer: format!("SMTP {answer}; Message-ID {id}"),
            }),
            Err(outcome) => outcome,
        },
        Err(outcome) => outcome,
    })
}

/// "Send a test": one attempt, its answer recorded on the project either way.
async fn test(app: &App, job: &Job, slug: &str, name: &str) -> AppResult<Outcome> {
    let project = app.project(slug).await?;
    let Some(channel) = project.channel(name).cloned() else {
        return Ok(Outcome::Done);
    };
    let (delivered, answer) = match app.http_channel(&project, name) {
        Err(why) => (false, why),
        Ok(None) => {
            let text = RenderedNotice {
                notice: Notice::ForthcomingFix,
                subject: format!("Test notice for {}", project.name),
                markdown: format!(
                    "# Test notice for {}\n\nThis is a test of a notice channel, sent from \
                     Embargo. It is about no case; if you can read it, notices reach this list.",
                    project.name
                ),
                reviewed: false,
            };
            match list_mail(app, job, &project, &channel.target, &text) {
                Ok((mail, id)) => match send_mail(app, &project, mail).await {
                    Ok(answer) => (true, format!("SMTP {answer}; Message-ID {id}")),
                    Err(o) => (false, outcome_words(o)),
                },
                Err(o) => (false, outcome_words(o)),
            }
        }
        Ok(Some(http)) => {
            let draft = NoticeDraft::test(format!("test_{}", job.id), slug, app.now());
            match draft.check() {
                Err(e) => (false, e.to_string()),
                Ok(n) => match embargo_notify::deliver(&http, &n, &app.guard()).await {
                    Ok(d) => (
                        true,
                        match d.message_id {
                            Some(id) => format!("HTTP {}; message id {id}", d.status),
                            None => format!("HTTP {}", d.status),
                        },
                    ),
                    Err(e) => (false, e.to_string()),
                },
            }
        }
    };
    super::report_channel_test(app, slug, name, delivered, &answer).await?;
    Ok(Outcome::Done)
}

fn outcome_words(o: Outcome) -> String {
    match o {
        Outcome::Retry { reason, .. } | Outcome::GiveUp(reason) => reason,
        Outcome::Done | Outcome::Report(_) | Outcome::Later { .. } => "not sent".into(),
    }
}
