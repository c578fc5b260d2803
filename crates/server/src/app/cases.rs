//! Cases: intake, lookups scoped by viewer, and commands.

use super::run::Stream;
use super::spans::actor_kind;
use super::{App, AppError, AppResult, CaseView, TimelineEntry, User};
use crate::secrets;
use embargo_core::actor::Actor;
use embargo_core::case::{Case, Stage};
use embargo_core::command::{Command, DecisionInput};
use embargo_core::decide::{self, CaseContext};
use embargo_core::event::{Attachment, Event, Recorded, RejectReason, Visibility};
use embargo_core::ids::{AttachmentId, CaseId, UserId};
use embargo_core::project::Project;
use embargo_core::rejection::{Rejection, Rule};
use embargo_core::report::{Channel, Draft};
use embargo_store::{CaseFilter, NewFile, Page, PageRequest, Queued, SecretHash, StoreError};
use sha2::{Digest, Sha256};
use tracing::field::{Empty, display};

/// A case in a list, and whether it has activity by others the viewer has not seen.
#[derive(Clone, Debug)]
pub struct ListedCase {
    pub case: Case,
    pub unread: bool,
}

/// A file as it arrived, before it becomes an attachment.
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub visibility: Visibility,
}

/// A stored report and the reporter's capability, shown to them once.
pub struct Submitted {
    pub case: Case,
    pub tracking_token: String,
    pub tracking_url: String,
}

impl App {
    fn prepare_uploads(&self, uploads: Vec<Upload>) -> AppResult<Vec<(Attachment, NewFile)>> {
        let limits = &self.settings().limits;
        if uploads.len() > limits.attachments_per_upload {
            return Err(Rejection::invalid(
                "attachments",
                Rule::TooLong,
                format!(
                    "attach at most {} files at once",
                    limits.attachments_per_upload
                ),
            )
            .into());
        }
        uploads
            .into_iter()
            .map(|u| {
                if u.bytes.len() > limits.attachment_bytes {
                    return Err(AppError::TooLarge {
                        what: format!("attachment `{}`", u.filename),
                        limit: limits.attachment_bytes,
                    });
                }
                let id = AttachmentId::from_entropy(secrets::random_u64());
                let sha256 = hex::encode(Sha256::digest(&u.bytes));
                let content_type = if u.content_type.trim().is_empty() {
                    "application/octet-stream".to_owned()
                } else {
                    u.content_type
                };
                Ok((
                    Attachment {
                        id: id.clone(),
                        filename: u.filename,
                        content_type,
                        size: u.bytes.len() as u64,
                        sha256: sha256.clone(),
                        visibility: u.visibility,
                    },
                    NewFile {
                        id,
                        sha256,
                        content: u.bytes,
                    },
                ))
            })
            .collect()
    }

    /// Takes a report (policy step C1). Anyone may; `ip` feeds the intake limit.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor), case = Empty))]
    pub async fn submit_report(
        &self,
        actor: &Actor,
        ip: &str,
        slug: &str,
        draft: Draft,
        channel: Channel,
        uploads: Vec<Upload>,
    ) -> AppResult<Submitted> {
        let project = self.project(slug).await?;
        self.limiters().intake(ip)?;
        self.store_report(actor, &project, draft, channel, uploads)
            .await
    }

    /// Takes a report without the per-address intake limit: for mail, which arrives
    /// through the operator's mail server and its spam filter, not from a browser.
    pub(super) async fn store_report(
        &self,
        actor: &Actor,
        project: &Project,
        draft: Draft,
        channel: Channel,
        uploads: Vec<Upload>,
    ) -> AppResult<Submitted> {
        // A reporter's key must be one we can encrypt to: every mail to them will be.
        if let Some(key) = draft
            .reporter_pgp_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            && let Err(e) = embargo_mail::PublicKey::parse(key)
        {
            return Err(embargo_core::rejection::Rejection::invalid(
                "reporter_pgp_key",
                embargo_core::rejection::Rule::InvalidFormat,
                format!("`reporter_pgp_key`: not an OpenPGP public key we can encrypt to ({e})"),
            )
            .into());
        }
        let (metas, files): (Vec<_>, Vec<_>) = self.prepare_uploads(uploads)?.into_iter().unzip();
        // Two reports received within a sixteenth of a second share an id's 25 random
        // bits (`CaseId::received`), and tokens are 256 random bits: a repeat is rare
        // (at 2,500 reports a second, one id every few minutes) and is answered by
        // drawing again, never by overwriting.
        for _ in 0..3 {
            let id = CaseId::received(self.now(), secrets::random_u64());
            let events = decide::submit(
                actor,
                project,
                id,
                draft.clone(),
                channel,
                metas.clone(),
                self.now(),
            )?;
            let case = Case::replay(&events).expect("submit decides the first event");
            let tracking_token = secrets::token(secrets::TRACKING_TOKEN_PREFIX);
            let new = embargo_store::NewCase {
                case: case.clone(),
                events,
                tracking_token: tracking_token.clone(),
                files: files.clone(),
            };
            match self.inner.intake.submit(&self.inner.store, new).await {
                Ok(queued) => {
                    if !queued.is_empty() {
                        self.ring_worker();
                    }
                    tracing::Span::current().record("case", display(&case.id));
                    tracing::info!(case.id = %case.id, project = %project.slug, channel = channel.as_str(), "report received");
                    let tracking_url = self.url(&format!("/track/{tracking_token}"));
                    return Ok(Submitted {
                        case,
                        tracking_token,
                        tracking_url,
                    });
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }

    /// The case as `actor` may see it; not found for anyone who may not.
    #[tracing::instrument(skip_all, fields(case = %id, actor = actor_kind(actor)))]
    pub async fn case(&self, actor: &Actor, id: &str) -> AppResult<CaseView> {
        let id = CaseId::parse(id).ok_or_else(AppError::not_found)?;
        let access = self
            .store()
            .case_for_viewer(&id, actor)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.trust_case(&id, access.case().project.as_str()).await?;
        Ok(CaseView::from(access))
    }

    /// One case for the holder of an API token, the token and the case read in one
    /// statement: the same answers as `bearer` then `case` (`401` for a token that is
    /// not live, whatever the case; then the case as its holder may see it), one round
    /// trip to the database fewer on the API's most frequent read.
    #[tracing::instrument(skip_all, fields(case = %id, actor = "user"))]
    pub async fn case_for_api_token(&self, ip: &str, token: &str, id: &str) -> AppResult<CaseView> {
        let Some(case_id) = CaseId::parse(id) else {
            // Not a case id: the token alone decides between 401 and 404.
            self.bearer(ip, token).await?;
            return Err(AppError::not_found());
        };
        self.limiters().token_attempt(ip)?;
        let (owner, token_id, access) = self
            .store()
            .case_for_api_token(&SecretHash::of(token), &case_id)
            .await?
            .ok_or_else(|| self.bad_token(ip))?;
        let user = self.api_token_holder(owner, token_id);
        super::security::set_caller(user.id);
        let access = access.ok_or_else(AppError::not_found)?;
        self.trust_case(&case_id, access.case().project.as_str())
            .await?;
        Ok(CaseView::from(access))
    }

    /// The case a tracking token opens.
    #[tracing::instrument(skip_all, fields(case = Empty, actor = "reporter"))]
    pub async fn tracked_case(&self, ip: &str, token: &str) -> AppResult<CaseView> {
        self.limiters().token_attempt(ip)?;
        match self
            .store()
            .case_for_tracking_token(&SecretHash::of(token))
            .await?
        {
            Some(access) => {
                tracing::Span::current().record("case", display(&access.case().id));
                self.trust_case(&access.case().id, access.case().project.as_str())
                    .await?;
                Ok(access.into())
            }
            None => {
                self.limiters().bad_token(ip);
                Err(AppError::not_found())
            }
        }
    }

    /// Runs commands on a case, in order and atomically: all their events are stored
    /// together or none are. If someone else changed the case meanwhile, the
    /// commands are decided again on the fresh state.
    #[tracing::instrument(skip_all, fields(case = %id, actor = actor_kind(actor)))]
    pub async fn execute(
        &self,
        actor: &Actor,
        id: &CaseId,
        commands: Vec<Command>,
        uploads: Vec<Upload>,
    ) -> AppResult<CaseView> {
        self.execute_with(actor, id, commands, uploads, |_| Vec::new())
            .await
    }

    /// A patch file for a fix (C12): stored as an internal attachment of the case and
    /// linked to the fix, in one append.
    pub async fn attach_patch(
        &self,
        actor: &Actor,
        id: &CaseId,
        fix: embargo_core::ids::FixId,
        mut upload: Upload,
    ) -> AppResult<CaseView> {
        upload.visibility = Visibility::Internal;
        self.execute_with(actor, id, Vec::new(), vec![upload], |a| {
            vec![Command::AttachPatch {
                fix,
                attachment: a.id.clone(),
            }]
        })
        .await
    }

    /// Runs `commands`, then adds each upload as an attachment followed by the
    /// commands `after` makes for it.
    async fn execute_with(
        &self,
        actor: &Actor,
        id: &CaseId,
        commands: Vec<Command>,
        uploads: Vec<Upload>,
        after: impl Fn(&Attachment) -> Vec<Command>,
    ) -> AppResult<CaseView> {
        let files = self.prepare_uploads(uploads)?;
        let mut commands = commands;
        for (meta, _) in &files {
            commands.push(Command::AddAttachment {
                attachment: meta.clone(),
            });
            commands.extend(after(meta));
        }
        let stream = CaseStream {
            id,
            commands: &commands,
            files: files.into_iter().map(|(_, f)| f).collect(),
            token: None,
        };
        let (_, events) = self.run(&stream, actor, &commands).await?;
        let kinds: Vec<_> = events.iter().map(|e| e.event.kind()).collect();
        tracing::info!(case.id = %id, events = ?kinds, "case changed");
        self.store()
            .case_for_viewer(id, actor)
            .await?
            .map(CaseView::from)
            .ok_or_else(AppError::not_found)
    }

    /// Decides `commands` on the case as `actor` may see it, storing nothing: `Err` is
    /// what [`App::execute`] would refuse now. For checking every case of a bulk
    /// action before changing any.
    pub(super) async fn check(
        &self,
        actor: &Actor,
        id: &CaseId,
        commands: &[Command],
    ) -> AppResult<Case> {
        let stream = CaseStream {
            id,
            commands,
            files: Vec::new(),
            token: None,
        };
        let (case, context) = stream.load(self, actor).await?;
        embargo_core::aggregate::decide_all(&case, &context, actor, commands, self.now())?;
        Ok(case)
    }

    /// Refuses what this instance cannot do, before anything is decided.
    fn check_configured(&self, command: &Command) -> AppResult<()> {
        if matches!(command, Command::RequestCveId)
            && let Err(why) = self.cve_services()
        {
            return Err(AppError::bad_request(
                "cve_services_off",
                format!("{why}; record an ID assigned elsewhere instead"),
                None,
            ));
        }
        Ok(())
    }

    /// The whole timeline as the view's standing may see it, read page by page.
    #[tracing::instrument(skip_all, fields(case = %view.case().id))]
    pub async fn timeline(&self, view: &CaseView) -> AppResult<Vec<TimelineEntry>> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store()
                .case_events(view.access(), &PageRequest::largest(after))
                .await?;
            all.extend(page.items.into_iter().map(TimelineEntry::from));
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// A page of the timeline as the view's standing may see it, oldest first.
    #[tracing::instrument(name = "timeline", skip_all, fields(case = %view.case().id))]
    pub async fn timeline_page(
        &self,
        view: &CaseView,
        page: &PageRequest,
    ) -> AppResult<Page<TimelineEntry>> {
        let page = self.store().case_events(view.access(), page).await?;
        Ok(Page {
            items: page.items.into_iter().map(TimelineEntry::from).collect(),
            next: page.next,
        })
    }

    /// A page of a project's cases that `actor` may see, narrowed and ordered by
    /// `fields` (checked here, so both shells refuse the same values alike), each with
    /// whether it has activity the viewer has not seen.
    pub async fn cases(
        &self,
        actor: &Actor,
        slug: &str,
        fields: &super::input::ListFields,
        page: &PageRequest,
    ) -> AppResult<(Project, Page<ListedCase>)> {
        let project = self.project(slug).await?;
        let viewer = match actor {
            Actor::User(u) => Some(u.id),
            Actor::Anonymous | Actor::Reporter(_) | Actor::Operator => None,
        };
        let filter = super::input::list_filter(fields, &project, viewer)?;
        let cases = self
            .store()
            .cases_for_viewer(&project, actor, &filter, page)
            .await?;
        Ok((project, self.with_unread(viewer, cases).await?))
    }

    /// The cases `user` coordinates or collaborates on, across their projects, latest
    /// report first within the open ones: where a maintainer starts.
    pub async fn my_cases(
        &self,
        user: &User,
        page: &PageRequest,
    ) -> AppResult<Page<(Project, ListedCase)>> {
        let actor = user.acting();
        let filter = CaseFilter {
            stages: Stage::ALL.into_iter().filter(|s| s.is_open()).collect(),
            involving: Some(user.id),
            ..CaseFilter::default()
        };
        let listed = self
            .store()
            .cases_across_projects(&actor, &filter, page)
            .await?;
        let ids: Vec<CaseId> = listed.items.iter().map(|(_, c)| c.id.clone()).collect();
        let seen = self.store().seen_up_to(user.id, &ids).await?;
        Ok(Page {
            items: listed
                .items
                .into_iter()
                .map(|(p, case)| {
                    let unread = case.unread_for(user.id, seen.get(&case.id).copied().unwrap_or(0));
                    (p, ListedCase { case, unread })
                })
                .collect(),
            next: listed.next,
        })
    }

    /// The page's cases with their unread markers: one query for the whole page.
    async fn with_unread(
        &self,
        viewer: Option<UserId>,
        cases: Page<Case>,
    ) -> AppResult<Page<ListedCase>> {
        let seen = match viewer {
            Some(user) => {
                let ids: Vec<CaseId> = cases.items.iter().map(|c| c.id.clone()).collect();
                self.store().seen_up_to(user, &ids).await?
            }
            None => Default::default(),
        };
        Ok(Page {
            items: cases
                .items
                .into_iter()
                .map(|case| {
                    let unread = viewer.is_some_and(|user| {
                        case.unread_for(user, seen.get(&case.id).copied().unwrap_or(0))
                    });
                    ListedCase { case, unread }
                })
                .collect(),
            next: cases.next,
        })
    }

    /// Notes that `actor`'s case page showed the case as it is now (members only; the
    /// reporter's tracking page has no lists to mark). Read first, on the readers: a
    /// page seen again with nothing new writes nothing (the read path stays off the
    /// writer, issue 13).
    pub async fn mark_seen(&self, actor: &Actor, view: &CaseView) -> AppResult<()> {
        let user = match actor {
            Actor::User(u) => u.id,
            Actor::Anonymous | Actor::Reporter(_) | Actor::Operator => return Ok(()),
        };
        let case = view.access().case();
        let seen = self
            .store()
            .seen_up_to(user, std::slice::from_ref(&case.id))
            .await?;
        if seen.get(&case.id).is_some_and(|s| *s >= case.version) {
            return Ok(());
        }
        Ok(self.store().mark_seen(user, view.access()).await?)
    }

    /// A page of the open cases across the user's projects that still need triage,
    /// oldest first.
    pub async fn triage_queue(
        &self,
        user: &User,
        page: &PageRequest,
    ) -> AppResult<Page<(Project, Case)>> {
        let user = user.acting();
        let filter = CaseFilter {
            stages: vec![Stage::Received, Stage::Triage, Stage::NeedsInfo],
            ..CaseFilter::default()
        };
        Ok(self
            .store()
            .cases_across_projects(&user, &filter, page)
            .await?)
    }

    /// An attachment's metadata and bytes, if the access may see it.
    #[tracing::instrument(skip_all, fields(case = %view.case().id))]
    pub async fn attachment(&self, view: &CaseView, id: &str) -> AppResult<(Attachment, Vec<u8>)> {
        let access = view.access();
        let id = AttachmentId::parse(id).ok_or_else(AppError::not_found)?;
        let meta = access
            .case()
            .attachments
            .iter()
            .find(|a| a.id == id && embargo_core::access::sees_attachment(access.standing(), a))
            .cloned()
            .ok_or_else(AppError::not_found)?;
        let bytes = self
            .store()
            .attachment_content(access, &id)
            .await?
            .ok_or_else(AppError::not_found)?;
        Ok((meta, bytes))
    }
}

/// A case's stream, as `actor` may see it, with the files the commands attach.
pub(super) struct CaseStream<'a> {
    pub(super) id: &'a CaseId,
    pub(super) commands: &'a [Command],
    pub(super) files: Vec<NewFile>,
    /// A secret the shell drew for the mail these commands queue (a guest's link, C5).
    pub(super) token: Option<&'a str>,
}

impl Stream for CaseStream<'_> {
    type State = Case;

    async fn load(&self, app: &App, actor: &Actor) -> AppResult<(Case, CaseContext)> {
        let access = app
            .store()
            .case_for_viewer(self.id, actor)
            .await?
            .ok_or_else(AppError::not_found)?;
        app.trust_case(self.id, access.case().project.as_str())
            .await?;
        let mut named = Vec::new();
        for c in self.commands {
            app.check_configured(c)?;
            // The cases a command names, looked up as the actor may see them: core
            // finds an unseen one absent, exactly as a missing one.
            if let Command::SetFinalDecision(DecisionInput::Reject {
                reason: RejectReason::Duplicate { of },
                ..
            }) = c
                && let Some(other) = app.store().case_for_viewer(of, actor).await?
            {
                named.push(other.into_parts().0);
            }
        }
        let (case, project, standing) = access.into_parts();
        // A case in a shared release takes its plan from the release: its own plan
        // route, and the team's acceptance of another date, go through the release.
        let team = matches!(standing, embargo_core::access::Standing::Team(_));
        let plan_change = self.commands.iter().any(|c| {
            matches!(c, Command::ProposeReleasePlan { .. })
                || (team && matches!(c, Command::AcceptReleaseDate))
        });
        if plan_change && let Some(release) = app.store().release_of_case(&case.id).await? {
            return Err(embargo_core::rejection::Rejection::Conflict {
                field: "release".into(),
                message: format!(
                    "{} is in the shared release {release}: its plan and date are the release's (PUT /api/v1/releases/{release}/plan)",
                    case.id
                ),
            }
            .into());
        }
        Ok((case, CaseContext { project, named }))
    }

    async fn append(
        &self,
        app: &App,
        before: u64,
        next: &Case,
        events: &[Recorded<Event>],
    ) -> Result<Vec<Queued>, StoreError> {
        match self.token {
            Some(token) => {
                app.store()
                    .append_case_events_with_token(before, next, events, token)
                    .await
            }
            None => {
                app.store()
                    .append_case_events(before, next, events, &self.files)
                    .await
            }
        }
    }
}
