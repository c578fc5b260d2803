//! A project: the software being protected, its components and branches, and the
//! people with a role in it.

use crate::actor::{Actor, UserRef};
use crate::aggregate::Aggregate;
use crate::channel::{Channel, NewChannel};
use crate::ecosystem;
use crate::event::Recorded;
use crate::ids::{ProjectSlug, UserId};
use crate::policy::{Notice, Policy};
use crate::rejection::{Invalid, Rejection, Rule};
use crate::text::{self, limits};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The guidance shown on a project's report page until its admins write their own
/// (policy step C2).
pub const DEFAULT_GUIDANCE: &str = "\
Please report privately here if:

- you have found a potential security vulnerability in this project;
- you are unsure whether, or how, a vulnerability affects this project;
- you have found a potential vulnerability in one of this project's dependencies.

Please do **not** use this form if you need help applying security-related updates, \
help tuning the project's security settings, or help with anything unrelated to \
security: use the project's public support channels instead.

Name the affected component (e.g. the language implementation) and platform, and \
include everything needed to reproduce the problem.";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub slug: ProjectSlug,
    pub name: String,
    /// Markdown shown above the report form.
    pub guidance: String,
    pub components: Vec<Component>,
    pub members: Vec<Member>,
    /// The project's CVE Numbering Authority, for CVE records (C14); absent when
    /// another CNA (e.g. GitHub) assigns its IDs.
    pub cna: Option<Cna>,
    /// The policy its cases run (`docs/policy.md`); `None` until one is set, which
    /// runs the `connect` preset ([`Project::policy`]).
    pub policy: Option<Policy>,
    /// Where reports arrive by mail (C1), e.g. `security@connect.example`; replies to
    /// a case go to `security+<secret>@…` of it.
    pub security_address: Option<String>,
    /// Members' choices of team mail; a member without one gets [`MailPreference::default_for`].
    pub mail_preferences: Vec<MailPreference>,
    /// The project's OpenPGP public key, for reporters to encrypt to (C1); its secret
    /// half is a file outside the database.
    pub pgp_key: Option<PgpKey>,
    /// Where its notices go (issue 14); their URLs and secrets are not here.
    pub channels: Vec<Channel>,
    /// The project's own notice templates (Markdown with named fields, checked by the
    /// shell with `formats::notice::Template::parse`); a notice without one uses the
    /// default.
    pub notice_templates: BTreeMap<Notice, String>,
    pub created_at: Timestamp,
    /// The number of events in the project's stream (optimistic concurrency).
    pub version: u64,
}

impl Project {
    pub fn member(&self, user: UserId) -> Option<&Member> {
        self.members.iter().find(|m| m.user.id == user)
    }

    /// The member's team-mail choice (the default until they choose).
    pub fn mail_preference(&self, user: UserId) -> MailPreference {
        self.mail_preferences
            .iter()
            .find(|m| m.user == user)
            .copied()
            .unwrap_or_else(|| MailPreference::default_for(user))
    }

    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name.trim())
    }

    pub fn role_of(&self, user: UserId) -> Option<Role> {
        self.member(user).map(|m| m.role)
    }

    /// The policy the project's cases run: the one set, or else the `connect` preset,
    /// which projects created before policies existed have always followed.
    pub fn policy(&self) -> Cow<'_, Policy> {
        // Built once: every read of a case's clocks asks for it.
        static CONNECT: std::sync::LazyLock<Policy> = std::sync::LazyLock::new(Policy::connect);
        match &self.policy {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Borrowed(&*CONNECT),
        }
    }

    /// Finds a component by name, ignoring case: reporters type `Go` for `go`.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub branches: Vec<Branch>,
    /// What package managers call it, for OSV and CVE records (`affected`).
    pub package: Option<Package>,
}

/// A component as an ecosystem knows it, e.g. Go `connectrpc.com/connect`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// An OSV ecosystem name (`Go`, `npm`, `Maven`, `SwiftURL`, …).
    pub ecosystem: String,
    pub name: String,
    /// A Package URL (`pkg:golang/connectrpc.com/connect`).
    pub purl: Option<String>,
}

impl Component {
    /// A new component starts with its `main` branch.
    pub fn new(name: String) -> Self {
        Component {
            name,
            branches: vec![Branch {
                name: "main".to_owned(),
                kind: BranchKind::Main,
            }],
            package: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub name: String,
    pub kind: BranchKind,
}

/// Which process a fix on this branch triggers (see the tracks in DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchKind {
    /// The development branch.
    Main,
    /// A release branch that still gets fixes.
    Supported,
    /// A release branch past its end of support: no fixes, an upgrade notice.
    Unsupported,
}

impl BranchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BranchKind::Main => "main",
            BranchKind::Supported => "supported",
            BranchKind::Unsupported => "unsupported",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "main" => Some(BranchKind::Main),
            "supported" => Some(BranchKind::Supported),
            "unsupported" => Some(BranchKind::Unsupported),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user: UserRef,
    pub role: Role,
}

/// Which team mail a member wants from one project (issue 9): new reports, reporter
/// replies and assignments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailLevel {
    /// Everything on every case they can see.
    Everything,
    /// Only cases they coordinate or collaborate on (and their own assignments).
    MyCases,
    /// Nothing by mail (in the app only).
    Nothing,
}

impl MailLevel {
    pub const ALL: [MailLevel; 3] = [
        MailLevel::Everything,
        MailLevel::MyCases,
        MailLevel::Nothing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailLevel::Everything => "everything",
            MailLevel::MyCases => "my-cases",
            MailLevel::Nothing => "nothing",
        }
    }

    pub fn parse(s: &str) -> Option<MailLevel> {
        MailLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// One member's team-mail choice in one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPreference {
    pub user: UserId,
    pub level: MailLevel,
    /// Show the case's title in the subject (it may be embargoed; off unless chosen).
    pub titles: bool,
}

impl MailPreference {
    /// What a member gets before they choose: everything they can see, no titles.
    pub fn default_for(user: UserId) -> MailPreference {
        MailPreference {
            user,
            level: MailLevel::Everything,
            titles: false,
        }
    }
}

/// A person's role in one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Sees only the cases they were added to.
    Maintainer,
    /// Sees every case of the project and runs triage.
    SecurityTeam,
    /// Security team, plus managing the project and its members.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Maintainer, Role::SecurityTeam, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Maintainer => "maintainer",
            Role::SecurityTeam => "security-team",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role sees every case of the project.
    pub fn sees_all_cases(self) -> bool {
        match self {
            Role::Maintainer => false,
            Role::SecurityTeam | Role::Admin => true,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Changes to a project: created through the admin page, the API or the CLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectCommand {
    Create(NewProject),
    Update {
        name: Option<String>,
        guidance: Option<String>,
    },
    AddComponent {
        name: String,
    },
    SetBranch {
        component: String,
        branch: String,
        kind: BranchKind,
    },
    /// Adds the user, or changes their role if they are already a member.
    SetMember {
        user: UserRef,
        role: Role,
    },
    RemoveMember {
        user: UserId,
    },
    /// Names (or, with `None`, forgets) the component's package.
    SetPackage {
        component: String,
        package: Option<Package>,
    },
    /// Sets (or, with both `None`, clears) the CNA the project's CVE records name.
    SetCna {
        short_name: Option<String>,
        org_id: Option<String>,
    },
    /// Replaces the project's policy; the shells parse the TOML or pick the preset.
    SetPolicy {
        policy: Policy,
    },
    /// Sets (or, with `None`, clears) the address reports arrive at by mail (C1).
    SetSecurityAddress {
        address: Option<String>,
    },
    /// Publishes the project's OpenPGP public key (the shell parsed it and keeps the
    /// secret half).
    SetPgpKey {
        key: PgpKey,
    },
    /// A member chooses their own team mail from the project.
    SetMailPreference {
        level: MailLevel,
        titles: bool,
    },
    /// Adds a channel (the shell keeps an HTTP channel's URL and secret).
    AddChannel {
        channel: NewChannel,
    },
    RemoveChannel {
        name: String,
    },
    /// "Send a test" to a channel: an outbox job; its answer is recorded on the project.
    TestChannel {
        name: String,
    },
    /// Sets (or, with `None`, resets to the default) a notice's template; the shell
    /// parsed it (`formats::notice::Template::parse`).
    SetNoticeTemplate {
        notice: Notice,
        source: Option<String>,
    },
}

/// A project's OpenPGP public key: its fingerprint and the armored key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgpKey {
    /// Upper-case hex, 40 digits (v4) or 64 (v6).
    pub fingerprint: String,
    pub public_key: String,
}

impl PgpKey {
    /// Checks what the shell parsed: a fingerprint of hex digits and an armored key.
    pub fn new(fingerprint: &str, public_key: &str) -> Result<PgpKey, Invalid> {
        let fingerprint = fingerprint.trim().to_ascii_uppercase();
        if !matches!(fingerprint.len(), 40 | 64)
            || !fingerprint.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(Invalid::new(
                "pgp_key",
                Rule::InvalidFormat,
                "the key's fingerprint is not 40 or 64 hex digits",
            ));
        }
        if !public_key
            .trim_start()
            .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        {
            return Err(Invalid::new(
                "pgp_key",
                Rule::InvalidFormat,
                "not an ASCII-armored OpenPGP public key",
            ));
        }
        Ok(PgpKey {
            fingerprint,
            public_key: public_key.to_owned(),
        })
    }
}

/// Checks a project's security address: one `@`, a plain local part without `+` (the
/// reply addresses use `+`), a domain with a dot; stored in lower case.
pub fn security_address(address: &str) -> Result<String, Invalid> {
    let bad = || {
        Invalid::new(
            "security_address",
            Rule::InvalidFormat,
            format!(
                "`security_address`: `{}` is not an address like `security@example.org` \
                 (one `@`, no `+` in the part before it, no spaces or angle brackets)",
                address.chars().take(100).collect::<String>()
            ),
        )
    };
    let a = address.trim();
    let (local, domain) = a.split_once('@').ok_or_else(bad)?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars().all(|c| {
                c.is_ascii_graphic()
                    && !matches!(
                        c,
                        '@' | '<'
                            | '>'
                            | '('
                            | ')'
                            | ','
                            | ';'
                            | ':'
                            | '"'
                            | '['
                            | ']'
                            | '\\'
                            | '+'
                    )
            })
    };
    let domain_ok = plain(domain)
        && (domain.contains('.') || domain == "localhost")
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !plain(local) || !domain_ok {
        return Err(bad());
    }
    Ok(a.to_ascii_lowercase())
}

/// A CVE Numbering Authority as CVE Services knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cna {
    /// The CNA's short name, e.g. `connectrpc`.
    pub short_name: String,
    /// The CNA's organization UUID (`providerMetadata.orgId` in CVE records).
    pub org_id: String,
}

impl Cna {
    /// Both or neither; the short name as CVE Services spells them, the id a UUID.
    pub fn check(short_name: Option<&str>, org_id: Option<&str>) -> Result<Option<Cna>, Rejection> {
        let short = short_name.map(str::trim).filter(|s| !s.is_empty());
        let org = org_id.map(str::trim).filter(|s| !s.is_empty());
        let mut errors = Vec::new();
        match (short, org) {
            (None, None) => return Ok(None),
            (Some(_), None) => errors.push(Invalid::new(
                "cna_org_id",
                Rule::Required,
                "`cna_org_id` is required with `cna_short_name`",
            )),
            (None, Some(_)) => errors.push(Invalid::new(
                "cna_short_name",
                Rule::Required,
                "`cna_short_name` is required with `cna_org_id`",
            )),
            (Some(s), Some(o)) => {
                if !(2..=32).contains(&s.len())
                    || !s
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    errors.push(Invalid::new("cna_short_name", Rule::InvalidFormat, "`cna_short_name` is 2 to 32 letters, digits, `-` or `_`, as CVE Services spells it"));
                }
                let uuid = o.len() == 36
                    && o.char_indices().all(|(i, c)| {
                        if matches!(i, 8 | 13 | 18 | 23) {
                            c == '-'
                        } else {
                            c.is_ascii_hexdigit()
                        }
                    });
                if !uuid {
                    errors.push(Invalid::new("cna_org_id", Rule::InvalidFormat, "`cna_org_id` is the CNA's organization UUID, e.g. 8254265b-2729-46b6-b9e3-3dfca2d5bfca"));
                }
                if errors.is_empty() {
                    return Ok(Some(Cna {
                        short_name: s.to_owned(),
                        org_id: o.to_ascii_lowercase(),
                    }));
                }
            }
        }
        Err(Rejection::Invalid(errors))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NewProject {
    pub slug: String,
    pub name: String,
    pub guidance: Option<String>,
    pub components: Vec<String>,
    /// The policy to start with; `None` leaves it unset (the `connect` preset).
    pub policy: Option<Policy>,
}

/// What happened to a project, in its event stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProjectEvent {
    Created {
        slug: ProjectSlug,
        name: String,
        guidance: String,
        components: Vec<Component>,
    },
    Updated {
        name: String,
        guidance: String,
    },
    ComponentAdded {
        component: Component,
    },
    BranchSet {
        component: String,
        branch: Branch,
    },
    MemberSet {
        member: Member,
    },
    MemberRemoved {
        user: UserRef,
    },
    CnaSet {
        cna: Option<Cna>,
    },
    PackageSet {
        component: String,
        package: Option<Package>,
    },
    /// The project's policy, as data (its serde form), not as the TOML it was written in.
    PolicySet {
        policy: Policy,
    },
    SecurityAddressSet {
        address: Option<String>,
    },
    PgpKeySet {
        key: PgpKey,
    },
    MailPreferenceSet {
        preference: MailPreference,
    },
    ChannelAdded {
        channel: Channel,
    },
    ChannelRemoved {
        name: String,
    },
    /// Someone asked for a test notice to the channel.
    ChannelTestRequested {
        name: String,
    },
    /// The worker's answer to a test (recorded by the system).
    ChannelTested {
        name: String,
        delivered: bool,
        answer: String,
    },
    NoticeTemplateSet {
        notice: Notice,
        source: Option<String>,
    },
}

impl ProjectEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ProjectEvent::Created { .. } => "created",
            ProjectEvent::Updated { .. } => "updated",
            ProjectEvent::ComponentAdded { .. } => "component_added",
            ProjectEvent::BranchSet { .. } => "branch_set",
            ProjectEvent::MemberSet { .. } => "member_set",
            ProjectEvent::MemberRemoved { .. } => "member_removed",
            ProjectEvent::CnaSet { .. } => "cna_set",
            ProjectEvent::PackageSet { .. } => "package_set",
            ProjectEvent::PolicySet { .. } => "policy_set",
            ProjectEvent::SecurityAddressSet { .. } => "security_address_set",
            ProjectEvent::PgpKeySet { .. } => "pgp_key_set",
            ProjectEvent::MailPreferenceSet { .. } => "mail_preference_set",
            ProjectEvent::ChannelAdded { .. } => "channel_added",
            ProjectEvent::ChannelRemoved { .. } => "channel_removed",
            ProjectEvent::ChannelTestRequested { .. } => "channel_test_requested",
            ProjectEvent::ChannelTested { .. } => "channel_tested",
            ProjectEvent::NoticeTemplateSet { .. } => "notice_template_set",
        }
    }
}

fn component_name(field: &str, name: &str) -> Result<String, Invalid> {
    let n = text::required_line(field, name, 64)?;
    if !n
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '#' | ' '))
    {
        return Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{field}` may contain letters, digits, spaces and - _ . + #"),
        ));
    }
    Ok(n)
}

fn branch_name(field: &str, name: &str) -> Result<String, Invalid> {
    let n = text::required_line(field, name, 128)?;
    // Git's own rules are looser; these keep names safe in URLs and documents.
    if n.starts_with(['-', '/', '.'])
        || n.ends_with(['/', '.'])
        || n.contains("..")
        || !n
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        return Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{field}` must be a branch name like release-1.2 (letters, digits, - _ . /)"),
        ));
    }
    Ok(n)
}

/// Decides a project command. `project` is `None` only for [`ProjectCommand::Create`].
pub fn decide_project(
    actor: &Actor,
    project: Option<&Project>,
    command: ProjectCommand,
) -> Result<Vec<ProjectEvent>, Rejection> {
    match (project, command) {
        (None, ProjectCommand::Create(new)) => {
            if !crate::access::administers_instance(actor) {
                return Err(Rejection::Forbidden {
                    action: "create a project",
                    needs: "an instance admin",
                });
            }
            let mut errors = Vec::new();
            if let Err(why) = ProjectSlug::check(&new.slug) {
                errors.push(Invalid::new(
                    "slug",
                    Rule::InvalidFormat,
                    format!("`slug` {why}"),
                ));
            }
            let name = text::required_line("name", &new.name, limits::NAME)
                .map_err(|e| errors.push(e))
                .ok();
            let guidance =
                text::optional_body("guidance", new.guidance.as_deref(), limits::GUIDANCE)
                    .map_err(|e| errors.push(e))
                    .ok()
                    .flatten();
            let mut components: Vec<Component> = Vec::new();
            for (i, c) in new.components.iter().enumerate() {
                match component_name(&format!("components[{i}]"), c) {
                    Ok(n) if components.iter().any(|x| x.name.eq_ignore_ascii_case(&n)) => errors
                        .push(Invalid::new(
                            format!("components[{i}]"),
                            Rule::InvalidFormat,
                            format!("component `{n}` is listed twice"),
                        )),
                    Ok(n) => components.push(Component::new(n)),
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                return Err(Rejection::Invalid(errors));
            }
            let mut events = vec![ProjectEvent::Created {
                slug: ProjectSlug::parse(&new.slug).expect("checked above"),
                name: name.expect("checked above"),
                guidance: guidance.unwrap_or_else(|| DEFAULT_GUIDANCE.to_owned()),
                components,
            }];
            // Recorded even when it is the default preset, so that the project keeps
            // the policy it was created with if the preset ever changes.
            if let Some(policy) = new.policy {
                events.push(ProjectEvent::PolicySet { policy });
            }
            Ok(events)
        }
        (Some(p), ProjectCommand::Create(_)) => Err(Rejection::Conflict {
            field: "slug".into(),
            message: format!("a project with slug `{}` already exists", p.slug),
        }),
        (None, _) => Err(Rejection::NotFound),
        // Each member chooses their own mail; nobody chooses for them.
        (Some(p), ProjectCommand::SetMailPreference { level, titles }) => {
            let member = match actor {
                Actor::User(u) => p.member(u.id),
                Actor::Anonymous | Actor::Reporter(_) | Actor::Operator => None,
            };
            let Some(member) = member else {
                return Err(Rejection::Forbidden {
                    action: "choose team mail for",
                    needs: "a member of the project",
                });
            };
            let preference = MailPreference {
                user: member.user.id,
                level,
                titles,
            };
            if p.mail_preference(member.user.id) == preference {
                return Err(Rejection::Conflict {
                    field: "level".into(),
                    message: "this is already your choice".into(),
                });
            }
            Ok(vec![ProjectEvent::MailPreferenceSet { preference }])
        }
        (Some(p), command) => {
            check_manages(actor, p)?;
            decide_project_change(p, command)
        }
    }
}

/// Whether `actor` may manage `p`: members who may not learn that they may not; others
/// learn nothing, as for a project they could not know of.
pub fn check_manages(actor: &Actor, p: &Project) -> Result<(), Rejection> {
    if crate::access::manages_project(actor, p) {
        return Ok(());
    }
    Err(match actor {
        Actor::User(u) if p.member(u.id).is_some() => Rejection::Forbidden {
            action: "manage the project",
            needs: "a project admin",
        },
        _ => Rejection::NotFound,
    })
}

fn decide_project_change(
    p: &Project,
    command: ProjectCommand,
) -> Result<Vec<ProjectEvent>, Rejection> {
    match command {
        ProjectCommand::Create(_) => unreachable!("handled by decide_project"),
        ProjectCommand::Update { name, guidance } => {
            let name = match name {
                Some(n) => text::required_line("name", &n, limits::NAME)
                    .map_err(|e| Rejection::Invalid(vec![e]))?,
                None => p.name.clone(),
            };
            let guidance = match guidance {
                Some(g) => text::optional_body("guidance", Some(&g), limits::GUIDANCE)
                    .map_err(|e| Rejection::Invalid(vec![e]))?
                    .unwrap_or_else(|| DEFAULT_GUIDANCE.to_owned()),
                None => p.guidance.clone(),
            };
            Ok(vec![ProjectEvent::Updated { name, guidance }])
        }
        ProjectCommand::SetPackage { component, package } => {
            let c = p.component(&component).ok_or_else(|| {
                Rejection::invalid(
                    "component",
                    Rule::UnknownComponent,
                    format!("project `{}` has no component `{component}`", p.slug),
                )
            })?;
            let package = match package {
                None => None,
                Some(pkg) => {
                    let mut errors = Vec::new();
                    let mut keep = |r: Result<String, Invalid>| r.map_err(|e| errors.push(e)).ok();
                    // OSV's list decides, and an older spelling is stored as today's.
                    let ecosystem = keep(
                        text::required_line("ecosystem", &pkg.ecosystem, 100).and_then(|e| {
                            ecosystem::resolve(&e).map(|r| r.name).map_err(|why| {
                                Invalid::new(
                                    "ecosystem",
                                    Rule::InvalidFormat,
                                    format!("`ecosystem`: {why}"),
                                )
                            })
                        }),
                    );
                    let name = keep(text::required_line("package", &pkg.name, limits::SHORT));
                    let purl = match pkg.purl.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                        None => None,
                        Some(purl)
                            if purl.starts_with("pkg:") && !purl.contains(char::is_whitespace) =>
                        {
                            Some(purl.to_owned())
                        }
                        Some(_) => {
                            errors.push(Invalid::new(
                                "purl",
                                Rule::InvalidFormat,
                                "`purl` is a Package URL, e.g. pkg:golang/connectrpc.com/connect",
                            ));
                            None
                        }
                    };
                    match (ecosystem, name, errors.is_empty()) {
                        (Some(ecosystem), Some(name), true) => Some(Package {
                            ecosystem,
                            name,
                            purl,
                        }),
                        _ => return Err(Rejection::Invalid(errors)),
                    }
                }
            };
            if c.package == package {
                return Err(Rejection::Conflict {
                    field: "package".into(),
                    message: format!("component `{}` already has this package", c.name),
                });
            }
            Ok(vec![ProjectEvent::PackageSet {
                component: c.name.clone(),
                package,
            }])
        }
        ProjectCommand::SetCna { short_name, org_id } => {
            let cna = Cna::check(short_name.as_deref(), org_id.as_deref())?;
            if cna == p.cna {
                return Err(Rejection::Conflict {
                    field: "cna_short_name".into(),
                    message: "the project already has these CNA settings".into(),
                });
            }
            Ok(vec![ProjectEvent::CnaSet { cna }])
        }
        ProjectCommand::SetPolicy { policy } => {
            if *p.policy() == policy {
                return Err(Rejection::Conflict {
                    field: "policy".into(),
                    message: format!("project `{}` already runs this policy", p.slug),
                });
            }
            Ok(vec![ProjectEvent::PolicySet { policy }])
        }
        ProjectCommand::SetMailPreference { .. } => {
            unreachable!("decided in `decide_project` for the member themself")
        }
        ProjectCommand::SetSecurityAddress { address } => {
            let address = match address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                Some(a) => Some(security_address(a).map_err(|e| Rejection::Invalid(vec![e]))?),
                None => None,
            };
            if address == p.security_address {
                return Err(Rejection::Conflict {
                    field: "security_address".into(),
                    message: format!("project `{}` already has this security address", p.slug),
                });
            }
            Ok(vec![ProjectEvent::SecurityAddressSet { address }])
        }
        ProjectCommand::AddChannel { channel } => {
            let channel = channel.check().map_err(Rejection::Invalid)?;
            if p.channel(&channel.name).is_some() {
                return Err(Rejection::Conflict {
                    field: "name".into(),
                    message: format!(
                        "project `{}` already has a channel named `{}`",
                        p.slug, channel.name
                    ),
                });
            }
            Ok(vec![ProjectEvent::ChannelAdded { channel }])
        }
        ProjectCommand::RemoveChannel { name } => {
            let c = p.channel(&name).ok_or(Rejection::NotFound)?;
            Ok(vec![ProjectEvent::ChannelRemoved {
                name: c.name.clone(),
            }])
        }
        ProjectCommand::TestChannel { name } => {
            let c = p.channel(&name).ok_or(Rejection::NotFound)?;
            Ok(vec![ProjectEvent::ChannelTestRequested {
                name: c.name.clone(),
            }])
        }
        ProjectCommand::SetNoticeTemplate { notice, source } => {
            let source = match source {
                Some(s) => Some(
                    text::required_body("source", &s, limits::BODY)
                        .map_err(|e| Rejection::Invalid(vec![e]))?,
                ),
                None => None,
            };
            if p.notice_templates.get(&notice) == source.as_ref() {
                return Err(Rejection::Conflict {
                    field: "source".into(),
                    message: "this is the template already".into(),
                });
            }
            Ok(vec![ProjectEvent::NoticeTemplateSet { notice, source }])
        }
        ProjectCommand::SetPgpKey { key } => {
            if p.pgp_key.as_ref().map(|k| &k.fingerprint) == Some(&key.fingerprint) {
                return Err(Rejection::Conflict {
                    field: "pgp_key".into(),
                    message: format!("project `{}` already has this key", p.slug),
                });
            }
            Ok(vec![ProjectEvent::PgpKeySet { key: key.clone() }])
        }
        ProjectCommand::AddComponent { name } => {
            let n = component_name("name", &name).map_err(|e| Rejection::Invalid(vec![e]))?;
            if p.component(&n).is_some() {
                return Err(Rejection::Conflict {
                    field: "name".into(),
                    message: format!("component `{n}` already exists"),
                });
            }
            Ok(vec![ProjectEvent::ComponentAdded {
                component: Component::new(n),
            }])
        }
        ProjectCommand::SetBranch {
            component,
            branch,
            kind,
        } => {
            let c = p.component(&component).ok_or_else(|| {
                Rejection::invalid(
                    "component",
                    Rule::UnknownComponent,
                    format!("project `{}` has no component `{component}`", p.slug),
                )
            })?;
            let name = branch_name("branch", &branch).map_err(|e| Rejection::Invalid(vec![e]))?;
            let has_other_main = c
                .branches
                .iter()
                .any(|b| b.kind == BranchKind::Main && b.name != name);
            if kind == BranchKind::Main && has_other_main {
                return Err(Rejection::invalid(
                    "kind",
                    Rule::NotAllowed,
                    format!("component `{}` already has a main branch", c.name),
                ));
            }
            Ok(vec![ProjectEvent::BranchSet {
                component: c.name.clone(),
                branch: Branch { name, kind },
            }])
        }
        ProjectCommand::SetMember { user, role } => {
            if p.role_of(user.id) == Some(role) {
                return Err(Rejection::Conflict {
                    field: "role".into(),
                    message: format!("{} is already {role} of `{}`", user.name, p.slug),
                });
            }
            Ok(vec![ProjectEvent::MemberSet {
                member: Member { user, role },
            }])
        }
        ProjectCommand::RemoveMember { user } => {
            let m = p.member(user).ok_or_else(|| {
                Rejection::invalid(
                    "user",
                    Rule::UnknownMember,
                    format!("user {user} is not a member of `{}`", p.slug),
                )
            })?;
            Ok(vec![ProjectEvent::MemberRemoved {
                user: m.user.clone(),
            }])
        }
    }
}

/// The worker's answer to a channel test, recorded by the system on the project; a
/// channel removed meanwhile hears nothing.
pub fn decide_channel_tested(
    project: &Project,
    name: &str,
    delivered: bool,
    answer: &str,
) -> Result<ProjectEvent, Rejection> {
    let c = project.channel(name).ok_or(Rejection::NotFound)?;
    let answer: String = answer.chars().take(limits::SHORT).collect();
    Ok(ProjectEvent::ChannelTested {
        name: c.name.clone(),
        delivered,
        answer,
    })
}

/// Folds project events. `Created` starts a project; the others change one.
pub fn apply_project(project: Option<Project>, event: &ProjectEvent, at: Timestamp) -> Project {
    match (project, event) {
        (
            _,
            ProjectEvent::Created {
                slug,
                name,
                guidance,
                components,
            },
        ) => Project {
            slug: slug.clone(),
            name: name.clone(),
            guidance: guidance.clone(),
            components: components.clone(),
            members: Vec::new(),
            cna: None,
            policy: None,
            security_address: None,
            mail_preferences: Vec::new(),
            pgp_key: None,
            channels: Vec::new(),
            notice_templates: BTreeMap::new(),
            created_at: at,
            version: 1,
        },
        (None, other) => panic!("project event `{}` before `created`", other.kind()),
        (Some(mut p), event) => {
            p.fold(event, at);
            p
        }
    }
}

impl Project {
    fn fold(&mut self, event: &ProjectEvent, at: Timestamp) {
        let p = self;
        match event {
            ProjectEvent::Created { .. } => panic!("`created` can only start a project"),
            ProjectEvent::Updated { name, guidance } => {
                p.name = name.clone();
                p.guidance = guidance.clone();
            }
            ProjectEvent::ComponentAdded { component } => p.components.push(component.clone()),
            ProjectEvent::BranchSet { component, branch } => {
                if let Some(c) = p.components.iter_mut().find(|c| &c.name == component) {
                    match c.branches.iter_mut().find(|b| b.name == branch.name) {
                        Some(b) => b.kind = branch.kind,
                        None => c.branches.push(branch.clone()),
                    }
                }
            }
            ProjectEvent::MemberSet { member } => {
                match p.members.iter_mut().find(|m| m.user.id == member.user.id) {
                    Some(m) => *m = member.clone(),
                    None => p.members.push(member.clone()),
                }
                p.members.sort_by_key(|m| m.user.id);
            }
            ProjectEvent::MemberRemoved { user } => p.members.retain(|m| m.user.id != user.id),
            ProjectEvent::CnaSet { cna } => p.cna = cna.clone(),
            ProjectEvent::PolicySet { policy } => p.policy = Some(policy.clone()),
            ProjectEvent::SecurityAddressSet { address } => p.security_address = address.clone(),
            ProjectEvent::PgpKeySet { key } => p.pgp_key = Some(key.clone()),
            ProjectEvent::ChannelAdded { channel } => p.channels.push(channel.clone()),
            ProjectEvent::ChannelRemoved { name } => p.channels.retain(|c| &c.name != name),
            ProjectEvent::ChannelTestRequested { .. } => {}
            ProjectEvent::ChannelTested {
                name,
                delivered,
                answer,
            } => {
                if let Some(c) = p.channels.iter_mut().find(|c| &c.name == name) {
                    c.last_test = Some(crate::channel::ChannelTest {
                        at,
                        delivered: *delivered,
                        answer: answer.clone(),
                    });
                }
            }
            ProjectEvent::NoticeTemplateSet { notice, source } => match source {
                Some(s) => {
                    p.notice_templates.insert(*notice, s.clone());
                }
                None => {
                    p.notice_templates.remove(notice);
                }
            },
            ProjectEvent::MailPreferenceSet { preference } => {
                p.mail_preferences.retain(|m| m.user != preference.user);
                p.mail_preferences.push(*preference);
                p.mail_preferences.sort_by_key(|m| m.user);
            }
            ProjectEvent::PackageSet { component, package } => {
                if let Some(c) = p.components.iter_mut().find(|c| &c.name == component) {
                    c.package = package.clone();
                }
            }
        }
        p.version += 1;
    }
}

/// An existing project's stream; creating one is [`decide_project`] on `None`, as a
/// case begins with `decide::submit`.
impl Aggregate for Project {
    type Command = ProjectCommand;
    type Event = ProjectEvent;
    type Context = ();

    fn version(&self) -> u64 {
        self.version
    }

    fn decide(
        &self,
        _: &(),
        actor: &Actor,
        command: &ProjectCommand,
        _now: Timestamp,
    ) -> Result<Vec<ProjectEvent>, Rejection> {
        decide_project(actor, Some(self), command.clone())
    }

    fn apply(&mut self, event: &Recorded<ProjectEvent>) {
        self.fold(&event.event, event.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::User;

    pub(super) fn admin() -> Actor {
        Actor::User(User {
            id: UserId(1),
            name: "Ada".into(),
            instance_admin: true,
            second_factor: false,
        })
    }

    pub(super) fn created(components: &[&str]) -> Project {
        let events = decide_project(
            &admin(),
            None,
            ProjectCommand::Create(NewProject {
                slug: "connect".into(),
                name: "Connect".into(),
                guidance: None,
                components: components.iter().map(|s| s.to_string()).collect(),
                policy: None,
            }),
        )
        .unwrap();
        apply_project(None, &events[0], Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn create_gives_each_component_a_main_branch_and_default_guidance() {
        let p = created(&["go", "swift"]);
        assert_eq!(p.components.len(), 2);
        assert_eq!(p.components[0].branches[0].kind, BranchKind::Main);
        assert_eq!(p.guidance, DEFAULT_GUIDANCE);
    }

    #[test]
    fn create_reports_every_bad_field() {
        let err = decide_project(
            &admin(),
            None,
            ProjectCommand::Create(NewProject {
                slug: "Bad Slug".into(),
                name: "".into(),
                guidance: None,
                components: vec!["go".into(), "Go".into()],
                policy: None,
            }),
        )
        .unwrap_err();
        let Rejection::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["slug", "name", "components[1]"]);
    }

    #[test]
    fn only_instance_admins_create_projects() {
        let user = Actor::User(User {
            id: UserId(2),
            name: "Bob".into(),
            instance_admin: false,
            second_factor: false,
        });
        let err =
            decide_project(&user, None, ProjectCommand::Create(NewProject::default())).unwrap_err();
        assert!(matches!(err, Rejection::Forbidden { .. }));
    }

    #[test]
    fn strangers_learn_nothing_members_learn_why() {
        let mut p = created(&["go"]);
        let bob = UserRef {
            id: UserId(2),
            name: "Bob".into(),
        };
        p = apply_project(
            Some(p),
            &ProjectEvent::MemberSet {
                member: Member {
                    user: bob.clone(),
                    role: Role::Maintainer,
                },
            },
            Timestamp::UNIX_EPOCH,
        );
        let as_bob = Actor::User(User {
            id: UserId(2),
            name: "Bob".into(),
            instance_admin: false,
            second_factor: false,
        });
        let as_eve = Actor::User(User {
            id: UserId(3),
            name: "Eve".into(),
            instance_admin: false,
            second_factor: false,
        });
        let cmd = || ProjectCommand::AddComponent {
            name: "rust".into(),
        };
        assert!(matches!(
            decide_project(&as_bob, Some(&p), cmd()),
            Err(Rejection::Forbidden { .. })
        ));
        assert_eq!(
            decide_project(&as_eve, Some(&p), cmd()),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn branches_are_set_and_updated() {
        let mut p = created(&["vitess"]);
        for kind in [BranchKind::Supported, BranchKind::Unsupported] {
            let ev = decide_project(
                &admin(),
                Some(&p),
                ProjectCommand::SetBranch {
                    component: "VITESS".into(),
                    branch: "release-19.0".into(),
                    kind,
                },
            )
            .unwrap();
            p = apply_project(Some(p), &ev[0], Timestamp::UNIX_EPOCH);
        }
        let c = &p.components[0];
        assert_eq!(c.branches.len(), 2);
        assert_eq!(c.branches[1].kind, BranchKind::Unsupported);
        let err = decide_project(
            &admin(),
            Some(&p),
            ProjectCommand::SetBranch {
                component: "vitess".into(),
                branch: "../x".into(),
                kind: BranchKind::Supported,
            },
        )
        .unwrap_err();
        assert!(matches!(err, Rejection::Invalid(_)));
    }
}

#[cfg(test)]
mod cna_tests {
    use super::*;

    #[test]
    fn cna_settings_come_in_pairs_and_in_the_right_shape() {
        let uuid = "8254265B-2729-46b6-b9e3-3dfca2d5bfca";
        assert_eq!(
            Cna::check(Some("connectrpc"), Some(uuid)).unwrap(),
            Some(Cna {
                short_name: "connectrpc".into(),
                org_id: uuid.to_ascii_lowercase()
            })
        );
        assert_eq!(Cna::check(None, Some(" ")).unwrap(), None);
        let fields = |r: Result<Option<Cna>, Rejection>| match r {
            Err(Rejection::Invalid(list)) => list.into_iter().map(|i| i.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields(Cna::check(Some("connectrpc"), None)), ["cna_org_id"]);
        assert_eq!(
            fields(Cna::check(Some("a b"), Some("not-a-uuid"))),
            ["cna_short_name", "cna_org_id"]
        );
    }
}

#[cfg(test)]
mod policy_tests {
    use super::tests::{admin, created};
    use super::*;
    use crate::actor::User;

    fn member(id: i64, role: Role) -> (Actor, Member) {
        let user = UserRef {
            id: UserId(id),
            name: format!("user{id}"),
        };
        (
            Actor::User(User {
                id: UserId(id),
                name: user.name.clone(),
                instance_admin: false,
                second_factor: false,
            }),
            Member { user, role },
        )
    }

    fn set_policy(actor: &Actor, p: &Project, policy: Policy) -> Result<Project, Rejection> {
        let events = decide_project(actor, Some(p), ProjectCommand::SetPolicy { policy })?;
        Ok(events.iter().fold(p.clone(), |p, e| {
            apply_project(Some(p), e, Timestamp::UNIX_EPOCH)
        }))
    }

    #[test]
    fn a_project_without_a_policy_runs_the_connect_preset() {
        let p = created(&["go"]);
        assert_eq!(p.policy, None);
        assert_eq!(*p.policy(), Policy::connect());
        assert_eq!(p.policy().preset_name(), Some("connect"));
    }

    #[test]
    fn create_with_a_policy_records_it_as_its_own_event() {
        let events = decide_project(
            &admin(),
            None,
            ProjectCommand::Create(NewProject {
                slug: "vitess".into(),
                name: "Vitess".into(),
                policy: Some(Policy::vitess()),
                ..NewProject::default()
            }),
        )
        .unwrap();
        let kinds: Vec<_> = events.iter().map(ProjectEvent::kind).collect();
        assert_eq!(kinds, ["created", "policy_set"]);
        let p = events.iter().fold(None, |p, e| {
            Some(apply_project(p, e, Timestamp::UNIX_EPOCH))
        });
        assert_eq!(p.unwrap().policy(), Cow::<Policy>::Owned(Policy::vitess()));
    }

    #[test]
    fn project_admins_and_instance_admins_set_the_policy_and_nobody_else() {
        let (admin_actor, admin_member) = member(7, Role::Admin);
        let (team_actor, team_member) = member(8, Role::SecurityTeam);
        let (outsider, _) = member(9, Role::Maintainer);
        let mut p = created(&["go"]);
        p.members = vec![admin_member, team_member];

        let vitess = set_policy(&admin_actor, &p, Policy::vitess()).unwrap();
        assert_eq!(vitess.policy, Some(Policy::vitess()));
        assert_eq!(vitess.version, p.version + 1);
        assert!(set_policy(&admin(), &p, Policy::vitess()).is_ok());
        assert!(set_policy(&Actor::Operator, &p, Policy::vitess()).is_ok());

        assert!(matches!(
            set_policy(&team_actor, &p, Policy::vitess()),
            Err(Rejection::Forbidden { .. })
        ));
        // Someone outside the project learns nothing about it.
        assert_eq!(
            set_policy(&outsider, &p, Policy::vitess()),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn setting_the_policy_the_project_already_runs_is_a_conflict() {
        let p = created(&["go"]);
        // Unset runs connect, so setting connect changes nothing.
        let err = set_policy(&admin(), &p, Policy::connect()).unwrap_err();
        assert!(
            matches!(err, Rejection::Conflict { ref field, .. } if field == "policy"),
            "{err:?}"
        );
    }

    #[test]
    fn the_policy_set_event_holds_the_policy_as_data_and_reads_back() {
        let event = ProjectEvent::PolicySet {
            policy: Policy::vitess(),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "policy_set");
        assert_eq!(json["policy"]["time_zone"], "UTC");
        assert_eq!(json["policy"]["clocks"]["fix-ready"]["duration"], "7 days");
        assert_eq!(serde_json::from_value::<ProjectEvent>(json).unwrap(), event);
    }

    #[test]
    fn a_policy_error_is_refused_naming_its_line_and_key() {
        let err = Policy::from_toml("time_zone = \"Europe/Berln\"\n[clocks.acknowledge]\nstart = \"received\"\nduration = \"5 workday\"\n")
            .unwrap_err()
            .rejection("toml");
        let Rejection::Invalid(list) = err else {
            panic!("{err:?}")
        };
        let messages: Vec<_> = list
            .iter()
            .map(|i| (i.field.as_str(), i.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0].0, "toml");
        assert!(
            messages[0]
                .1
                .starts_with("`toml`: line 1: key `time_zone`: `Europe/Berln`"),
            "{}",
            messages[0].1
        );
        assert!(
            messages[1].1.starts_with(
                "`toml`: line 4: key `clocks.acknowledge.duration`: unknown unit `workday`"
            ),
            "{}",
            messages[1].1
        );
    }
}

#[cfg(test)]
mod security_address_tests {
    use super::*;

    #[test]
    fn c1_a_security_address_is_one_plain_address_without_plus() {
        assert_eq!(
            security_address(" Security@Connect.Example ").unwrap(),
            "security@connect.example"
        );
        for bad in [
            "security",
            "security+x@connect.example",
            "a@b@connect.example",
            "Sec <security@connect.example>",
            "security@example",
            "security@exa mple.org",
            "security@connect.example\r\nBcc: x@evil.example",
        ] {
            let e = security_address(bad).unwrap_err();
            assert_eq!(e.field, "security_address", "{bad}");
        }
    }
}
