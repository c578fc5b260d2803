//! Channels and notices (issue 14): a project's channels with their URLs and secrets
//! kept outside the event log, notice templates checked by `formats::notice`, a case's
//! notices drafted from its facts, and what the worker sends.
//!
//! **Where channel secrets live.** An HTTP channel's URL (Slack's and Discord's carry
//! their token) and a generic webhook's `whsec_…` secret are written to
//! `data_dir/keys/channels/SLUG/NAME.json` (owner-readable only), never to the events
//! or the database: the worker needs them back to send and sign, so they cannot be
//! hashed. The project's stream records the channel as it may be shown.

use super::{App, AppError, AppResult};
use embargo_core::actor::Actor;
use embargo_core::case::Case;
use embargo_core::channel::{ChannelKind, NewChannel};
use embargo_core::ids::ProjectSlug;
use embargo_core::policy::Notice;
use embargo_core::project::{Project, ProjectCommand};
use embargo_core::rejection::{Invalid, Rejection, Rule};
use embargo_formats::notice::{Cve, Kind, Template, Values};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A channel as typed.
#[derive(Clone, Debug)]
pub struct ChannelInput {
    pub name: String,
    pub kind: String,
    /// The list's address, or the webhook's URL.
    pub target: String,
    pub notices: Vec<String>,
    pub team: bool,
}

/// What the worker needs to reach an HTTP channel.
#[derive(Serialize, Deserialize)]
struct ChannelSecret {
    url: String,
    secret: Option<String>,
}

/// A rendered notice: its subject and Markdown (title first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedNotice {
    pub notice: Notice,
    pub subject: String,
    pub markdown: String,
    /// The coordinator's reviewed text, rather than the template's.
    pub reviewed: bool,
}

pub fn kind_of(notice: Notice) -> Kind {
    match notice {
        Notice::ForthcomingFix => Kind::ForthcomingFix,
        Notice::FixedVulnerability => Kind::FixedVulnerability,
        Notice::Courtesy => Kind::Courtesy,
        Notice::Upgrade => Kind::Upgrade,
    }
}

pub fn parse_notice(field: &str, s: &str) -> Result<Notice, AppError> {
    Notice::parse(s.trim()).ok_or_else(|| {
        Rejection::invalid(
            field,
            Rule::InvalidFormat,
            format!(
                "`{field}`: `{}` is not a notice; expected forthcoming-fix, fixed-vulnerability, courtesy or upgrade",
                s.chars().take(40).collect::<String>()
            ),
        )
        .into()
    })
}

fn template_errors(errors: Vec<embargo_formats::notice::TemplateError>) -> AppError {
    Rejection::Invalid(
        errors
            .into_iter()
            .map(|e| Invalid::new("source", Rule::InvalidFormat, format!("`source`: {e}")))
            .collect(),
    )
    .into()
}

impl App {
    /// The outbound HTTP guard, with the operator's allow-list.
    pub fn guard(&self) -> embargo_notify::Guard {
        embargo_notify::Guard::new()
            .allow_private(&self.settings().webhooks.allow_private)
            .expect("checked when the settings were loaded")
    }

    fn channel_secret_path(&self, slug: &ProjectSlug, name: &str) -> PathBuf {
        self.settings()
            .data_dir
            .join("keys")
            .join("channels")
            .join(slug.as_str())
            .join(format!("{name}.json"))
    }

    /// A project only its managers may change; others learn what `decide_project`
    /// would tell them, before any input is looked at.
    pub async fn managed(&self, actor: &Actor, slug: &str) -> AppResult<Project> {
        let project = self.project(slug).await?;
        if !embargo_core::access::manages_project(actor, &project) {
            return Err(match actor {
                Actor::User(u) if project.member(u.id).is_some() => Rejection::Forbidden {
                    action: "manage the project",
                    needs: "a project admin",
                },
                _ => Rejection::NotFound,
            }
            .into());
        }
        Ok(project)
    }

    /// Adds a channel. An HTTP channel's URL must be http(s) and reach a public
    /// address (or one `webhooks.allow_private` lists): checked now, and again by the
    /// guard at every delivery. Returns the generic webhook's secret, shown once.
    pub async fn add_channel(
        &self,
        actor: &Actor,
        slug: &str,
        input: ChannelInput,
    ) -> AppResult<(Project, Option<String>)> {
        let project = self.managed(actor, slug).await?;
        let invalid = |field: &str, rule: Rule, message: String| -> AppError {
            Rejection::invalid(field, rule, message).into()
        };
        let kind = ChannelKind::parse(input.kind.trim()).ok_or_else(|| {
            invalid(
                "kind",
                Rule::InvalidFormat,
                "`kind`: expected mailing-list, slack, discord or webhook".into(),
            )
        })?;
        let mut notices = Vec::new();
        for (i, n) in input.notices.iter().enumerate() {
            notices.push(parse_notice(&format!("notices[{i}]"), n)?);
        }
        let mut secret_text = None;
        let (target, keep) = if kind.is_http() {
            let url = input.target.trim();
            let secret = match kind {
                ChannelKind::Webhook => Some(
                    embargo_notify::WebhookSecret::generate()
                        .map_err(|e| AppError::Internal(e.to_string()))?
                        .expose(),
                ),
                ChannelKind::Slack | ChannelKind::Discord | ChannelKind::MailingList => None,
            };
            let channel = match kind {
                ChannelKind::Slack => embargo_notify::Channel::slack(url),
                ChannelKind::Discord => embargo_notify::Channel::discord(url),
                ChannelKind::Webhook | ChannelKind::MailingList => {
                    embargo_notify::Channel::webhook(url, secret.as_deref().unwrap_or_default())
                }
            }
            .map_err(|e| invalid("url", Rule::InvalidUrl, e.to_string()))?;
            if let Err(refused) = self.guard().check(channel.url().expose()).await {
                return Err(invalid(
                    "url",
                    Rule::NotAllowed,
                    format!("`url`: {refused}"),
                ));
            }
            secret_text = secret.clone();
            (
                channel.url().to_string(),
                Some(ChannelSecret {
                    url: url.to_owned(),
                    secret,
                }),
            )
        } else {
            (input.target.clone(), None)
        };
        let command = ProjectCommand::AddChannel {
            channel: NewChannel {
                name: input.name.clone(),
                kind,
                target,
                notices,
                team: input.team,
            },
        };
        let name = embargo_core::channel::check_name("name", &input.name).ok();
        let staged = match (&keep, &name) {
            (Some(keep), Some(name)) => {
                let path = self.channel_secret_path(&project.slug, name);
                let staged = path.with_extension("json.new");
                let text = serde_json::to_string(keep).expect("plain strings serialize");
                crate::integrity::write_secret_file(&staged, &text).map_err(AppError::Internal)?;
                Some((staged, path))
            }
            _ => None,
        };
        match self.change_project(actor, slug, command).await {
            Ok(p) => {
                if let Some((staged, path)) = staged {
                    std::fs::rename(&staged, &path).map_err(|e| {
                        AppError::Internal(format!("cannot keep the channel's secret: {e}"))
                    })?;
                }
                Ok((p, secret_text))
            }
            Err(e) => {
                if let Some((staged, _)) = staged {
                    let _ = std::fs::remove_file(staged);
                }
                Err(e)
            }
        }
    }

    pub async fn remove_channel(
        &self,
        actor: &Actor,
        slug: &str,
        name: &str,
    ) -> AppResult<Project> {
        let project = self
            .change_project(
                actor,
                slug,
                ProjectCommand::RemoveChannel { name: name.into() },
            )
            .await?;
        if let Ok(name) = embargo_core::channel::check_name("name", name) {
            let _ = std::fs::remove_file(self.channel_secret_path(&project.slug, &name));
        }
        Ok(project)
    }

    pub async fn test_channel(&self, actor: &Actor, slug: &str, name: &str) -> AppResult<Project> {
        self.change_project(
            actor,
            slug,
            ProjectCommand::TestChannel { name: name.into() },
        )
        .await
    }

    /// The channel as the worker sends to it; `None` for a mailing list.
    pub(crate) fn http_channel(
        &self,
        project: &Project,
        name: &str,
    ) -> Result<Option<embargo_notify::Channel>, String> {
        let Some(channel) = project.channel(name) else {
            return Err(format!("the channel `{name}` was removed"));
        };
        if !channel.kind.is_http() {
            return Ok(None);
        }
        let path = self.channel_secret_path(&project.slug, &channel.name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("the channel's URL is missing ({}): {e}", path.display()))?;
        let kept: ChannelSecret =
            serde_json::from_str(&text).map_err(|e| format!("the channel's file: {e}"))?;
        match channel.kind {
            ChannelKind::Slack => embargo_notify::Channel::slack(&kept.url),
            ChannelKind::Discord => embargo_notify::Channel::discord(&kept.url),
            ChannelKind::Webhook | ChannelKind::MailingList => {
                embargo_notify::Channel::webhook(&kept.url, kept.secret.as_deref().unwrap_or(""))
            }
        }
        .map(Some)
        .map_err(|e| e.to_string())
    }

    /// Sets (or with `None` resets) a project's template for `notice`; a template that
    /// names an unknown field, or one the notice may not show, is refused.
    pub async fn set_notice_template(
        &self,
        actor: &Actor,
        slug: &str,
        notice: Notice,
        source: Option<String>,
    ) -> AppResult<Project> {
        self.managed(actor, slug).await?;
        if let Some(s) = &source {
            Template::parse(kind_of(notice), s).map_err(template_errors)?;
        }
        self.change_project(
            actor,
            slug,
            ProjectCommand::SetNoticeTemplate { notice, source },
        )
        .await
    }

    /// A template rendered with example values, before it is saved.
    pub async fn preview_notice_template(
        &self,
        actor: &Actor,
        slug: &str,
        notice: Notice,
        source: &str,
    ) -> AppResult<RenderedNotice> {
        let project = self.managed(actor, slug).await?;
        let template = Template::parse(kind_of(notice), source).map_err(template_errors)?;
        let values = Values {
            project: Some(project.name.clone()),
            summary: Some("A summary of the vulnerability".into()),
            release_date: Some(self.now()),
            affected_versions: vec!["1.2.0 – 1.2.3".into()],
            fixed_versions: vec!["1.2.4".into()],
            upgrade_to: vec!["1.3.0".into()],
            mitigation: Some("Turn the affected feature off.".into()),
            cvss: vec!["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N".into()],
            cves: vec![Cve {
                id: "CVE-2026-0001".into(),
                url: None,
            }],
            upgrade_instructions: Some("Upgrade to the new release.".into()),
            advisory_url: Some(self.url("/advisories/EXAMPLE")),
            release_notes_url: Some(self.url("/advisories/EXAMPLE#release-notes")),
        };
        let n = template
            .render(&values)
            .map_err(|e| Rejection::invalid("source", Rule::InvalidFormat, e.to_string()))?;
        Ok(RenderedNotice {
            notice,
            subject: n.subject,
            markdown: n.markdown,
            reviewed: false,
        })
    }

    /// The notice as it would be sent now: the coordinator's reviewed text, else the
    /// project's template (or the default) filled from the case. A forthcoming fix
    /// names nothing of the flaw: its template cannot show the summary or details.
    pub fn render_notice(
        &self,
        case: &Case,
        project: &Project,
        notice: Notice,
    ) -> Result<RenderedNotice, Rejection> {
        if let Some(d) = case.notices.draft(notice) {
            let subject = d
                .markdown
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches('#')
                .trim()
                .to_owned();
            return Ok(RenderedNotice {
                notice,
                subject,
                markdown: d.markdown.clone(),
                reviewed: true,
            });
        }
        self.draft_from_template(case, project, notice)
    }

    /// A case's notice for its team: the reviewed text or the draft from the case.
    pub fn case_notice(
        &self,
        _actor: &Actor,
        view: &super::CaseView,
        notice: Notice,
    ) -> AppResult<RenderedNotice> {
        match view.standing() {
            embargo_core::access::Standing::Team(_) => {}
            embargo_core::access::Standing::Reporter => {
                return Err(Rejection::Forbidden {
                    action: "read the notices of",
                    needs: "someone working on the case",
                }
                .into());
            }
        }
        Ok(self.render_notice(view.case(), view.project(), notice)?)
    }

    /// Sends (or schedules) a notice: refused with the missing value named when it
    /// cannot be rendered from the case now, before `core` decides the rest.
    pub async fn send_notice(
        &self,
        actor: &Actor,
        id: &str,
        notice: Notice,
        at: Option<embargo_core::Timestamp>,
    ) -> AppResult<super::CaseView> {
        let view = self.case(actor, id).await?;
        let command = embargo_core::command::Command::SendNotice { notice, at };
        // `core`'s refusal first (who may, V8, V9), then what the text lacks.
        embargo_core::decide::decide(
            actor,
            view.project(),
            view.case(),
            command.clone(),
            self.now(),
        )?;
        self.render_notice(view.case(), view.project(), notice)?;
        let id = view.case().id.clone();
        self.execute(actor, &id, vec![command], vec![]).await
    }

    /// The template filled from the case (what a draft starts from).
    pub fn draft_from_template(
        &self,
        case: &Case,
        project: &Project,
        notice: Notice,
    ) -> Result<RenderedNotice, Rejection> {
        let kind = kind_of(notice);
        let template = project
            .notice_templates
            .get(&notice)
            .and_then(|s| Template::parse(kind, s).ok())
            .unwrap_or_else(|| Template::default_for(kind));
        let n = template
            .render(&self.notice_values(case, project))
            .map_err(|e| {
                Rejection::invalid(
                    "notice",
                    Rule::Required,
                    format!("the notice cannot be drafted yet: {e}"),
                )
            })?;
        Ok(RenderedNotice {
            notice,
            subject: n.subject,
            markdown: n.markdown,
            reviewed: false,
        })
    }

    /// The values a notice may show, from the case's facts.
    fn notice_values(&self, case: &Case, project: &Project) -> Values {
        let plan = case.release.plan.as_ref();
        let details = &case.advisory.details;
        let mut affected: Vec<String> = details
            .affected
            .iter()
            .map(|r| match (&r.fixed, &r.last_affected) {
                (Some(f), _) => format!("{} {} to before {f}", r.component, r.introduced),
                (None, Some(l)) => format!("{} {} to {l}", r.component, r.introduced),
                (None, None) => format!("{} from {}", r.component, r.introduced),
            })
            .collect();
        if affected.is_empty() {
            affected = case
                .fixes
                .affected
                .iter()
                .map(|b| format!("{} {}", b.component, b.branch))
                .collect();
        }
        // Else what the release plan fixes: each branch before its new version.
        if affected.is_empty() {
            affected = plan
                .map(|p| {
                    p.versions
                        .iter()
                        .map(|v| format!("{} before {}", v.branch, v.version))
                        .collect()
                })
                .unwrap_or_default();
        }
        let fixed: Vec<String> = plan
            .map(|p| p.versions.iter().map(|v| v.version.clone()).collect())
            .unwrap_or_default();
        let cvss = case
            .scoring
            .score
            .as_ref()
            .map(|s| {
                [s.cvss_v4_0.clone(), s.cvss_v3_1.clone()]
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .unwrap_or_default();
        Values {
            project: Some(project.name.clone()),
            summary: details.summary.clone(),
            release_date: plan.map(|p| p.at),
            affected_versions: affected,
            upgrade_to: fixed.clone(),
            fixed_versions: fixed,
            mitigation: case.mitigation().map(str::to_owned),
            cvss,
            cves: case
                .advisory
                .cve
                .as_ref()
                .and_then(|c| c.id())
                .map(|id| Cve {
                    id: id.to_owned(),
                    url: None,
                })
                .into_iter()
                .collect(),
            upgrade_instructions: plan.and_then(|p| p.upgrade.clone()),
            advisory_url: Some(self.url(&format!("/advisories/{}", case.id))),
            release_notes_url: Some(self.url(&format!("/advisories/{}#release-notes", case.id))),
        }
    }
}
