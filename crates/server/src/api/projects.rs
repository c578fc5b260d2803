//! Projects: the public face (name, guidance, components) and administration.

use super::caller::Caller;
use super::error::{ApiError, ApiJson, ErrorBody};
use super::wire::{self, *};
use crate::app::{App, input};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use embargo_core::access;
use embargo_core::ids::UserId;
use embargo_core::policy::Policy;
use embargo_core::project::{BranchKind, NewProject, ProjectCommand, Role};
use embargo_core::rejection::{Rejection, Rule};

type ApiResult<T> = Result<T, ApiError>;

/// Every project: name, guidance and components are public (they make up the report
/// pages); members are listed for the project's members and instance admins.
#[utoipa::path(get, path = "/projects", tag = "projects", responses((status = 200, body = [ProjectOut])))]
pub async fn list_projects(
    State(app): State<App>,
    caller: Caller,
) -> ApiResult<Json<Vec<ProjectOut>>> {
    let projects = app.projects().await?;
    Ok(Json(
        projects
            .iter()
            .map(|p| wire::project(p, access::sees_members(&caller.actor, p)))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/projects/{slug}", tag = "projects", params(("slug" = String, Path)),
    responses((status = 200, body = ProjectOut), (status = 404, body = ErrorBody)))]
pub async fn get_project(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<ProjectOut>> {
    let p = app.project(&slug).await?;
    Ok(Json(wire::project(
        &p,
        access::sees_members(&caller.actor, &p),
    )))
}

/// Create a project (instance admins).
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = ProjectIn,
    responses((status = 201, body = ProjectOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The slug is taken", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_project(
    State(app): State<App>,
    caller: Caller,
    ApiJson(p): ApiJson<ProjectIn>,
) -> ApiResult<(StatusCode, Json<ProjectOut>)> {
    caller.account()?;
    let policy = p
        .policy_preset
        .as_deref()
        .map(|name| input::policy_preset("policy_preset", name))
        .transpose()?;
    let project = app
        .create_project(
            &caller.actor,
            NewProject {
                slug: p.slug,
                name: p.name,
                guidance: p.guidance,
                components: p.components,
                policy,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(wire::project(&project, true))))
}

async fn change(
    app: &App,
    caller: &Caller,
    slug: &str,
    command: ProjectCommand,
) -> ApiResult<Json<ProjectOut>> {
    caller.account()?;
    let p = app.change_project(&caller.actor, slug, command).await?;
    Ok(Json(wire::project(&p, true)))
}

/// Change the name or the guidance (project admins, instance admins).
#[utoipa::path(patch, path = "/projects/{slug}", tag = "projects", params(("slug" = String, Path)), request_body = ProjectPatch,
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_project(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(p): ApiJson<ProjectPatch>,
) -> ApiResult<Json<ProjectOut>> {
    let mut commands = Vec::new();
    if p.name.is_some() || p.guidance.is_some() {
        commands.push(ProjectCommand::Update {
            name: p.name,
            guidance: p.guidance,
        });
    }
    if p.cna_short_name.is_some() || p.cna_org_id.is_some() {
        commands.push(ProjectCommand::SetCna {
            short_name: p.cna_short_name,
            org_id: p.cna_org_id,
        });
    }
    if let Some(address) = p.security_address {
        commands.push(ProjectCommand::SetSecurityAddress {
            address: Some(address),
        });
    }
    if commands.is_empty() {
        return Err(crate::app::AppError::bad_request(
            "nothing_to_change",
            "give at least one of `name`, `guidance`, `cna_short_name`, `cna_org_id`, \
             `security_address`",
            None,
        )
        .into());
    }
    let mut last = None;
    for command in commands {
        last = Some(change(&app, &caller, &slug, command).await?);
    }
    Ok(last.expect("at least one change"))
}

#[utoipa::path(post, path = "/projects/{slug}/components", tag = "projects", params(("slug" = String, Path)), request_body = ComponentIn,
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_component(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(c): ApiJson<ComponentIn>,
) -> ApiResult<Json<ProjectOut>> {
    change(
        &app,
        &caller,
        &slug,
        ProjectCommand::AddComponent { name: c.name },
    )
    .await
}

/// Add a branch to a component, or change whether it is supported.
#[utoipa::path(post, path = "/projects/{slug}/components/{component}/branches", tag = "projects",
    params(("slug" = String, Path), ("component" = String, Path)), request_body = BranchIn,
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_branch(
    State(app): State<App>,
    caller: Caller,
    Path((slug, component)): Path<(String, String)>,
    ApiJson(b): ApiJson<BranchIn>,
) -> ApiResult<Json<ProjectOut>> {
    let kind = BranchKind::parse(&b.kind).ok_or_else(|| {
        Rejection::invalid(
            "kind",
            Rule::InvalidFormat,
            "`kind` must be main, supported or unsupported",
        )
    })?;
    change(
        &app,
        &caller,
        &slug,
        ProjectCommand::SetBranch {
            component,
            branch: b.name,
            kind,
        },
    )
    .await
}

/// Add a member by e-mail address, or change their role, in one step. An instance
/// admin adding an address without an account makes the account: the answer carries
/// its one-time set-password link. Anyone else gets `422 unknown_member` for such an
/// address.
#[utoipa::path(post, path = "/projects/{slug}/members", tag = "projects",
    params(("slug" = String, Path)), request_body = MemberIn,
    responses((status = 200, body = MemberAddedOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member_by_email(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(m): ApiJson<MemberIn>,
) -> ApiResult<Json<MemberAddedOut>> {
    caller.account()?;
    let role = Role::parse(&m.role).ok_or_else(|| {
        Rejection::invalid(
            "role",
            Rule::InvalidFormat,
            "`role` must be maintainer, security-team or admin",
        )
    })?;
    let added = app
        .add_member_by_email(&caller.actor, &slug, &m.email, m.name, role)
        .await?;
    let email = added.user.email.clone();
    Ok(Json(MemberAddedOut {
        project: wire::project(&added.project, true),
        user_id: added.user.id.0,
        invitation: added.invitation.map(|link| InvitationOut {
            email,
            password_link: link.url,
        }),
    }))
}

/// Add a member or change their role.
#[utoipa::path(put, path = "/projects/{slug}/members/{user_id}", tag = "projects",
    params(("slug" = String, Path), ("user_id" = i64, Path)), request_body = RoleIn,
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_member(
    State(app): State<App>,
    caller: Caller,
    Path((slug, user_id)): Path<(String, i64)>,
    ApiJson(r): ApiJson<RoleIn>,
) -> ApiResult<Json<ProjectOut>> {
    let role = Role::parse(&r.role).ok_or_else(|| {
        Rejection::invalid(
            "role",
            Rule::InvalidFormat,
            "`role` must be maintainer, security-team or admin",
        )
    })?;
    let user = app.user(UserId(user_id)).await?.ok_or_else(|| {
        Rejection::invalid("user_id", Rule::UnknownMember, format!("no user {user_id}"))
    })?;
    change(
        &app,
        &caller,
        &slug,
        ProjectCommand::SetMember {
            user: crate::app::user_ref(&user),
            role,
        },
    )
    .await
}

#[utoipa::path(delete, path = "/projects/{slug}/members/{user_id}", tag = "projects",
    params(("slug" = String, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_member(
    State(app): State<App>,
    caller: Caller,
    Path((slug, user_id)): Path<(String, i64)>,
) -> ApiResult<Json<ProjectOut>> {
    change(
        &app,
        &caller,
        &slug,
        ProjectCommand::RemoveMember {
            user: UserId(user_id),
        },
    )
    .await
}

/// Name a component's package (for OSV and CVE records), or forget it with `DELETE`.
#[utoipa::path(put, path = "/projects/{slug}/components/{component}/package", tag = "projects",
    params(("slug" = String, Path), ("component" = String, Path)), request_body = PackageWire,
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_package(
    State(app): State<App>,
    caller: Caller,
    Path((slug, component)): Path<(String, String)>,
    ApiJson(p): ApiJson<PackageWire>,
) -> ApiResult<Json<ProjectOut>> {
    caller.account()?;
    let package = embargo_core::project::Package {
        ecosystem: p.ecosystem,
        name: p.name,
        purl: p.purl,
    };
    let project = app
        .set_package(&caller.actor, &slug, &component, Some(package))
        .await?;
    Ok(Json(wire::project(&project, true)))
}

#[utoipa::path(delete, path = "/projects/{slug}/components/{component}/package", tag = "projects",
    params(("slug" = String, Path), ("component" = String, Path)),
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_package(
    State(app): State<App>,
    caller: Caller,
    Path((slug, component)): Path<(String, String)>,
) -> ApiResult<Json<ProjectOut>> {
    caller.account()?;
    let project = app
        .set_package(&caller.actor, &slug, &component, None)
        .await?;
    Ok(Json(wire::project(&project, true)))
}

/// The project's policy as TOML, with a one-line summary (members, instance admins).
#[utoipa::path(get, path = "/projects/{slug}/policy", tag = "projects", params(("slug" = String, Path)),
    responses((status = 200, body = PolicyOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_policy(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<PolicyOut>> {
    caller.account()?;
    let p = app.project_policy(&caller.actor, &slug).await?;
    Ok(Json(wire::policy(&p)))
}

/// Replace the project's policy (project admins, instance admins). A document with
/// problems is refused with one entry per problem, each naming its line and key.
#[utoipa::path(put, path = "/projects/{slug}/policy", tag = "projects", params(("slug" = String, Path)), request_body = PolicyIn,
    responses((status = 200, body = PolicyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The project already runs this policy", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_policy(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(p): ApiJson<PolicyIn>,
) -> ApiResult<Json<PolicyOut>> {
    caller.account()?;
    let policy = match (p.toml, p.preset) {
        (Some(toml), None) => Policy::from_toml(&toml).map_err(|e| e.rejection("toml"))?,
        (None, Some(name)) => input::policy_preset("preset", &name)?,
        (Some(_), Some(_)) | (None, None) => {
            return Err(Rejection::invalid(
                "toml",
                Rule::Required,
                "give exactly one of `toml` (a policy document) and `preset` (connect or vitess)",
            )
            .into());
        }
    };
    let project = app.set_policy(&caller.actor, &slug, policy).await?;
    Ok(Json(wire::policy(&project)))
}

/// The project's transparency metrics now (members, instance admins): time to
/// acknowledge, decide, fix and disclose (median and 90th percentile, in working days
/// and days), the share disclosed within the target, and the overdue clocks. Counts
/// and durations only, over every case of the project.
#[utoipa::path(get, path = "/projects/{slug}/metrics", tag = "projects", params(("slug" = String, Path)),
    responses((status = 200, body = MetricsOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_metrics(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<MetricsOut>> {
    caller.account()?;
    let m = app.project_metrics(&caller.actor, &slug).await?;
    Ok(Json(wire::metrics(&m)))
}

/// A member's choice of team mail from one project.
#[derive(serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailPreferenceIo {
    /// `everything` (every case you can see), `my-cases` (cases you coordinate or
    /// collaborate on) or `nothing` (in the app only).
    pub level: String,
    /// Show the case's title in the subject (it may be embargoed).
    #[serde(default)]
    pub titles: bool,
}

fn preference_out(p: &embargo_core::project::MailPreference) -> MailPreferenceIo {
    MailPreferenceIo {
        level: p.level.as_str().to_owned(),
        titles: p.titles,
    }
}

/// Your team mail from this project (members).
#[utoipa::path(get, path = "/projects/{slug}/mail-preference", tag = "projects", params(("slug" = String, Path)),
    responses((status = 200, body = MailPreferenceIo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_mail_preference(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<MailPreferenceIo>> {
    let user = caller.account()?;
    let p = app.project(&slug).await?;
    if p.member(user.id).is_none() {
        return Err(crate::app::AppError::Rejected(Rejection::Forbidden {
            action: "choose team mail for",
            needs: "a member of the project",
        })
        .into());
    }
    Ok(Json(preference_out(&p.mail_preference(user.id))))
}

/// Choose your team mail from this project (members, for themselves).
#[utoipa::path(put, path = "/projects/{slug}/mail-preference", tag = "projects", params(("slug" = String, Path)), request_body = MailPreferenceIo,
    responses((status = 200, body = MailPreferenceIo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_mail_preference(
    State(app): State<App>,
    caller: Caller,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<MailPreferenceIo>,
) -> ApiResult<Json<MailPreferenceIo>> {
    let user = caller.account()?;
    let level = embargo_core::project::MailLevel::parse(body.level.trim()).ok_or_else(|| {
        Rejection::invalid(
            "level",
            Rule::InvalidFormat,
            format!(
                "`level`: `{}` is not one of everything, my-cases, nothing",
                body.level
            ),
        )
    })?;
    let p = app
        .change_project(
            &caller.actor,
            &slug,
            ProjectCommand::SetMailPreference {
                level,
                titles: body.titles,
            },
        )
        .await?;
    Ok(Json(preference_out(&p.mail_preference(user.id))))
}
