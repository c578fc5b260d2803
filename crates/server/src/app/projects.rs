//! Projects: creating them and changing their components, branches and members.

use super::run::Stream;
use super::spans::actor_kind;
use super::{App, AppError, AppResult, User};
use embargo_core::actor::Actor;
use embargo_core::event::Recorded;
use embargo_core::ids::{ProjectSlug, UserId};
use embargo_core::project::{
    NewProject, Project, ProjectCommand, ProjectEvent, Role, apply_project, decide_project,
};
use embargo_core::rejection::{Rejection, Rule};
use embargo_store::{CaseFilter, Queued, StoreError};

impl App {
    /// A project by slug; projects are public (their report pages are).
    pub async fn project(&self, slug: &str) -> AppResult<Project> {
        let slug = ProjectSlug::parse(slug).ok_or_else(AppError::not_found)?;
        self.store()
            .project(&slug)
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// The projects `user` is a member of.
    pub async fn projects_of(&self, user: &super::User) -> AppResult<Vec<Project>> {
        Ok(self.store().projects_of(user.id).await?)
    }

    pub async fn projects(&self) -> AppResult<Vec<Project>> {
        Ok(self.store().projects().await?)
    }

    #[tracing::instrument(skip_all, fields(project = %new.slug, actor = actor_kind(actor)))]
    pub async fn create_project(&self, actor: &Actor, new: NewProject) -> AppResult<Project> {
        let existing = match ProjectSlug::parse(&new.slug) {
            Some(slug) => self.store().project(&slug).await?,
            None => None,
        };
        let events = decide_project(actor, existing.as_ref(), ProjectCommand::Create(new))?;
        let now = self.now();
        let recorded: Vec<_> = events
            .into_iter()
            .map(|event| Recorded {
                at: now,
                actor: actor.as_ref(),
                event,
            })
            .collect();
        let mut project = None;
        for e in &recorded {
            project = Some(apply_project(project, &e.event, now));
        }
        let project = project.expect("Create decides one event");
        if !self
            .store()
            .create_project(&project, &recorded)
            .await?
            .is_empty()
        {
            self.ring_worker();
        }
        Ok(project)
    }

    /// Adds a member by e-mail address, or changes their role, in one step (issue 12,
    /// item 4): an instance admin adding an address without an account makes the
    /// account and gets its one-time set-password link to hand over; anyone else is
    /// told that no account has the address. The role is checked before anything is
    /// made, and so is the caller's right to manage the project.
    pub async fn add_member_by_email(
        &self,
        actor: &Actor,
        slug: &str,
        email: &str,
        name: Option<String>,
        role: Role,
    ) -> AppResult<AddedMember> {
        let email = email.trim();
        let project = self.project(slug).await?;
        embargo_core::project::check_manages(actor, &project)?;
        let (user, invitation) = match self.user_by_email(email).await? {
            Some(user) => (user, None),
            None if embargo_core::access::administers_instance(actor) => {
                let name = name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
                let user = self.create_user(actor, email, &name, false).await?;
                let link = self.issue_password_link(actor, &user).await?;
                (user, Some(link))
            }
            None => {
                return Err(Rejection::invalid(
                    "email",
                    Rule::UnknownMember,
                    format!(
                        "no account has the e-mail address {email}; an instance admin can add them, which invites them"
                    ),
                )
                .into());
            }
        };
        let project = self
            .change_project(
                actor,
                slug,
                ProjectCommand::SetMember {
                    user: super::user_ref(&user),
                    role,
                },
            )
            .await?;
        Ok(AddedMember {
            project,
            user,
            invitation,
        })
    }

    /// Applies a change, deciding again on fresh state if someone else changed the
    /// project meanwhile.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor)))]
    pub async fn change_project(
        &self,
        actor: &Actor,
        slug: &str,
        command: ProjectCommand,
    ) -> AppResult<Project> {
        let before = match &command {
            ProjectCommand::SetMember { user, .. } => {
                Some(self.project(slug).await?.role_of(user.id))
            }
            ProjectCommand::RemoveMember { user } => {
                // Only once the removal is allowed: their collaborations end first,
                // while the store still lists their cases.
                let project = self.project(slug).await?;
                decide_project(actor, Some(&project), command.clone())?;
                self.end_collaborations(&project, *user).await?;
                None
            }
            _ => None,
        };
        let (project, _) = self
            .run(
                &ProjectStream { slug },
                actor,
                std::slice::from_ref(&command),
            )
            .await?;
        note_role_change(actor, &project, &command, before.flatten());
        Ok(project)
    }

    /// Where a project's OpenPGP secret key is kept: a file outside the database
    /// (`data_dir/keys/pgp/SLUG.asc`, readable by the owner only).
    pub fn pgp_secret_key_path(&self, slug: &ProjectSlug) -> std::path::PathBuf {
        self.settings()
            .data_dir
            .join("keys")
            .join("pgp")
            .join(format!("{slug}.asc"))
    }

    /// Gives the project an OpenPGP key (C1): its secret half goes to
    /// [`App::pgp_secret_key_path`], its public half onto the project
    /// (`/p/SLUG/pgp-key.asc`, `Encryption:` in security.txt, SECURITY.md). The file is
    /// put in place only once the project has taken the key.
    pub async fn set_project_pgp_key(
        &self,
        actor: &Actor,
        slug: &str,
        key: &embargo_mail::ProjectKey,
    ) -> AppResult<Project> {
        let project = self.project(slug).await?;
        let public = embargo_core::project::PgpKey::new(&key.fingerprint(), &key.public_key_asc())
            .map_err(|e| embargo_core::rejection::Rejection::Invalid(vec![e]))?;
        let path = self.pgp_secret_key_path(&project.slug);
        let staged = path.with_extension("asc.new");
        crate::integrity::write_secret_file(&staged, &key.secret_key_asc())
            .map_err(AppError::Internal)?;
        match self
            .change_project(actor, slug, ProjectCommand::SetPgpKey { key: public })
            .await
        {
            Ok(p) => {
                std::fs::rename(&staged, &path).map_err(|e| {
                    AppError::Internal(format!("cannot keep the key at {}: {e}", path.display()))
                })?;
                Ok(p)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&staged);
                Err(e)
            }
        }
    }
}

/// An existing project's stream.
struct ProjectStream<'a> {
    slug: &'a str,
}

impl Stream for ProjectStream<'_> {
    type State = Project;

    async fn load(&self, app: &App, _: &Actor) -> AppResult<(Project, ())> {
        Ok((app.project(self.slug).await?, ()))
    }

    async fn append(
        &self,
        app: &App,
        before: u64,
        next: &Project,
        events: &[Recorded<ProjectEvent>],
    ) -> Result<Vec<Queued>, StoreError> {
        app.store().update_project(before, next, events).await
    }
}

impl App {
    /// A member leaves `project`: every collaboration of theirs on its cases ends
    /// (issue 11, item 6), recorded on each case's timeline, so being added to the
    /// project again does not bring those cases back.
    async fn end_collaborations(&self, project: &Project, user: UserId) -> AppResult<()> {
        use embargo_core::effect::{SystemCommand, decide_system};
        let Some(leaver) = self.user(user).await? else {
            return Ok(());
        };
        let leaver = super::actor_of(&leaver);
        let policy = project.policy();
        let mut theirs = Vec::new();
        let mut after = None;
        loop {
            let page = embargo_store::PageRequest::largest(after);
            let cases = self
                .store()
                .cases_for_viewer(project, &leaver, &CaseFilter::default(), &page)
                .await?;
            theirs.extend(cases.items.into_iter().filter(|c| c.is_collaborator(user)));
            match cases.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        for mut case in theirs {
            for _ in 0..5 {
                let command = SystemCommand::MemberLeft { user };
                let Ok(events) = decide_system(&case, &policy, command, self.now()) else {
                    break;
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
                        break;
                    }
                    Err(StoreError::Conflict) => {
                        match self.store().case_for_viewer(&case.id, &leaver).await? {
                            Some(fresh) => case = fresh.case().clone(),
                            None => break,
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// Names a component's package (C17: OSV and CVE records list it); core checks the
    /// ecosystem against OSV's list.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor)))]
    pub async fn set_package(
        &self,
        actor: &Actor,
        slug: &str,
        component: &str,
        package: Option<embargo_core::project::Package>,
    ) -> AppResult<Project> {
        self.change_project(
            actor,
            slug,
            ProjectCommand::SetPackage {
                component: component.to_owned(),
                package,
            },
        )
        .await
    }
}

impl App {
    /// A project's policy, for its members and instance admins; anyone else finds no
    /// such project here (the report page is public, the process behind it is not).
    pub async fn project_policy(&self, actor: &Actor, slug: &str) -> AppResult<Project> {
        let project = self.project(slug).await?;
        if embargo_core::access::sees_members(actor, &project) {
            Ok(project)
        } else {
            Err(AppError::not_found())
        }
    }

    /// Replaces a project's policy (project admins, instance admins).
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor)))]
    pub async fn set_policy(
        &self,
        actor: &Actor,
        slug: &str,
        policy: embargo_core::policy::Policy,
    ) -> AppResult<Project> {
        self.change_project(actor, slug, ProjectCommand::SetPolicy { policy })
            .await
    }
}

impl App {
    /// Adds the all-day events of an iCalendar file to the project's holidays
    /// (project admins, instance admins): a `policy_set` with the new dates, so every
    /// open case's clocks count them from now on. Answers the project and how many
    /// dates were new; a file whose dates are all known already is a conflict, as
    /// setting the same policy again is.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = actor_kind(actor)))]
    pub async fn import_holidays(
        &self,
        actor: &Actor,
        slug: &str,
        ics: &[u8],
    ) -> AppResult<(Project, usize)> {
        let project = self.project_policy(actor, slug).await?;
        let mut policy = project.policy().into_owned();
        let added = super::input::add_ics_holidays("ics", &mut policy, ics)?;
        let project = self.set_policy(actor, slug, policy).await?;
        Ok((project, added))
    }
}

/// Role grants and removals are security events; an instance admin granting a role to
/// themselves says so.
fn note_role_change(
    actor: &Actor,
    project: &Project,
    command: &ProjectCommand,
    before: Option<embargo_core::project::Role>,
) {
    use super::security::{SecurityKind, note_for};
    let by = match actor {
        Actor::User(u) if u.instance_admin => {
            format!("by instance admin {} (user {})", u.name, u.id)
        }
        Actor::User(u) => format!("by {} (user {})", u.name, u.id),
        Actor::Operator => "by the operator".into(),
        Actor::Anonymous | Actor::Reporter(_) => "by nobody known".into(),
    };
    match command {
        ProjectCommand::SetMember { user, role } => {
            let own = matches!(actor, Actor::User(u) if u.id == user.id);
            let was = before.map_or("no role".to_owned(), |r| r.to_string());
            note_for(
                SecurityKind::RoleGranted,
                Some(user.id),
                format!(
                    "`{}`: {} (user {}) made {role} (was {was}) {by}{}",
                    project.slug,
                    user.name,
                    user.id,
                    if own { ", to themselves" } else { "" }
                ),
            );
        }
        ProjectCommand::RemoveMember { user } => note_for(
            SecurityKind::RoleRemoved,
            Some(*user),
            format!("`{}`: user {user} removed {by}", project.slug),
        ),
        _ => {}
    }
}

/// A member added by e-mail address; `invitation` is the one-time link of an account
/// made for them, to hand over privately (shown once).
pub struct AddedMember {
    pub project: Project,
    pub user: User,
    pub invitation: Option<super::accounts::IssuedLink>,
}
