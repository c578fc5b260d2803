//! `embargo admin …`: projects, accounts and tokens, straight on the database. The
//! commands act as the operator (someone with access to the database) and go through
//! the same application layer, rules and event log as the web and the API.

use crate::StorageArgs;
use crate::policy_cmd::Preset;
use clap::Subcommand;
use embargo_core::actor::Actor;
use embargo_core::project::{BranchKind, NewProject, ProjectCommand as Change, Role};
use embargo_server::app::{AppError, user_ref};
use embargo_server::integrity::CheckpointCheck;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum AdminCommand {
    #[command(flatten)]
    App(AppCommand),
    /// Replace the master key of files at rest (`encryption.key_file`): every project's
    /// data key is re-wrapped under a new one; the files are not touched. Stop the
    /// server first; the old key is kept beside it as KEY_FILE.old.
    RotateKey,
}

/// The commands that open the database with its keys and act through the application
/// layer. (`rotate-key` opens the store itself, with the old and the new master key.)
#[derive(Subcommand)]
pub enum AppCommand {
    /// Projects: create, update, components and branches.
    Project {
        #[command(subcommand)]
        command: ProjectCmd,
    },
    /// Accounts and project roles.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Personal API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCmd,
    },
    /// Check every stream's hash chain (linked with the chain key), that every
    /// projection is the fold of its events, and that the newest signed checkpoint still
    /// holds; exits 1 naming the first stream and event that does not verify.
    Verify,
    /// Write a signed checkpoint of every stream's last event now (the server also
    /// writes one at start-up and every `integrity.checkpoint_minutes`).
    Checkpoint,
    /// Rebuild every case and project projection from the events.
    Reproject,
    /// Store COUNT synthetic reports in an empty project, through the store's batch
    /// path (for load tests at 10⁵–10⁶ cases; refused for a project with cases).
    Seed {
        /// The project's slug (it must have no case).
        #[arg(long)]
        project: String,
        /// How many reports.
        #[arg(long)]
        count: u64,
    },
    /// Seal what was stored in clear before a report's text was sealed at rest (case and
    /// release events, files, mail in quarantine): the history must verify and the
    /// newest checkpoint hold first; the streams that change are re-linked with the
    /// chain key, the checkpoints taken before are set aside, the projections rebuilt,
    /// the database compacted (so the clear text leaves its files) and a new checkpoint
    /// written. Stop the server first. Backups taken before still hold the clear text.
    SealHistory,
}

#[derive(Subcommand)]
pub enum ProjectCmd {
    /// Create a project; each component starts with a `main` branch.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// A component, e.g. one per language implementation (repeatable).
        #[arg(long = "component", value_name = "NAME")]
        components: Vec<String>,
        /// Markdown file with the guidance shown on the report page.
        #[arg(long, value_name = "FILE")]
        guidance_file: Option<PathBuf>,
        /// The preset policy the project starts with (`embargo admin project policy`
        /// changes it).
        #[arg(long, value_enum, default_value = "connect")]
        policy_preset: Preset,
    },
    /// Give a project an OpenPGP key (C1): generate one, or import an armored secret
    /// key without a passphrase. The secret half is kept in a file outside the
    /// database (`DATA_DIR/keys/pgp/SLUG.asc`); the public half is published at
    /// `/p/SLUG/pgp-key.asc`, in security.txt and in SECURITY.md.
    Pgp {
        #[arg(long)]
        project: String,
        #[arg(long, required_unless_present = "import", conflicts_with = "import")]
        generate: bool,
        #[arg(long, value_name = "FILE")]
        import: Option<PathBuf>,
    },
    /// Set a project's policy from a TOML file (as `embargo policy check` reads it) or
    /// a preset.
    Policy {
        #[arg(long)]
        project: String,
        /// A policy file; files its `holidays_file` names are read beside it.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "preset",
            conflicts_with = "preset"
        )]
        file: Option<PathBuf>,
        #[arg(long, value_enum)]
        preset: Option<Preset>,
    },
    /// Add the all-day events of an iCalendar file (.ics) to a project's holidays: its
    /// clocks count them from now on.
    Holidays {
        #[arg(long)]
        project: String,
        #[arg(long, value_name = "FILE")]
        ics: PathBuf,
    },
    /// Change a project's name or guidance.
    Update {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "FILE")]
        guidance_file: Option<PathBuf>,
        /// The project's CVE Numbering Authority short name (with --cna-org-id;
        /// both empty to clear).
        #[arg(long, value_name = "NAME")]
        cna_short_name: Option<String>,
        /// The CNA's organization UUID.
        #[arg(long, value_name = "UUID")]
        cna_org_id: Option<String>,
        /// The address reports arrive at by mail, e.g. security@connect.example (empty
        /// to clear); `embargo mail ingest` and IMAP find the project by it.
        #[arg(long, value_name = "ADDRESS")]
        security_address: Option<String>,
    },
    /// Add a component.
    Component {
        #[arg(long)]
        project: String,
        #[arg(long)]
        name: String,
    },
    /// Add a branch to a component, or change whether it is supported.
    Branch {
        #[arg(long)]
        project: String,
        #[arg(long)]
        component: String,
        #[arg(long)]
        branch: String,
        #[arg(long, value_parser = ["main", "supported", "unsupported"])]
        kind: String,
    },
    /// Name a component's package (OSV ecosystem, package name, Package URL), as
    /// OSV and CVE records list it.
    Package {
        #[arg(long)]
        project: String,
        #[arg(long)]
        component: String,
        /// An OSV ecosystem: Go, npm, Maven, PyPI, crates.io, SwiftURL, …
        #[arg(long)]
        ecosystem: String,
        /// The package's name in that ecosystem, e.g. connectrpc.com/connect.
        #[arg(long = "package", value_name = "NAME")]
        name: String,
        /// e.g. pkg:golang/connectrpc.com/connect
        #[arg(long)]
        purl: Option<String>,
    },
    /// List projects.
    List,
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create an account (or reuse one with this e-mail) and give it a role in a
    /// project; prints a one-time link to set the password.
    Create {
        #[arg(long)]
        email: String,
        /// The project to give a role in.
        #[arg(long, requires = "role")]
        project: Option<String>,
        #[arg(long, requires = "project", value_parser = ["security-team", "maintainer", "admin"])]
        role: Option<String>,
        /// Display name [default: the part of the e-mail before @]
        #[arg(long)]
        name: Option<String>,
        /// May create projects and accounts (sees no case without a project role).
        #[arg(long)]
        instance_admin: bool,
    },
    /// Print a new one-time link to set the password (earlier links stop working).
    Invite {
        #[arg(long)]
        email: String,
    },
    /// Remove an account's second factors (its authenticator app and every passkey),
    /// for someone who lost theirs: they sign in with their password again, and are
    /// told by notice and mail.
    ResetSecondFactor {
        #[arg(long)]
        email: String,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Create a personal API token; the token is the last line of stdout.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

fn describe(e: AppError) -> String {
    match e {
        AppError::Rejected(embargo_core::rejection::Rejection::Invalid(list)) => list
            .iter()
            .map(|i| format!("--{}: {}", i.field.replace('_', "-"), i.message))
            .collect::<Vec<_>>()
            .join("\n       "),
        other => other.to_string(),
    }
}

/// `Err` naming the SQLite file when there is none (PostgreSQL databases are not
/// created by opening, so the connection names what is wrong with them).
pub(crate) fn existing_database(
    settings: &embargo_server::settings::Settings,
) -> Result<(), String> {
    if settings.database_url.is_some() {
        return Ok(());
    }
    let file = settings.data_dir.join("embargo.sqlite3");
    if file.is_file() {
        Ok(())
    } else {
        Err(format!(
            "no database at {}: pass the --data-dir (or --database-url) of an existing installation",
            file.display()
        ))
    }
}

fn read_file(path: &Option<PathBuf>) -> Result<Option<String>, String> {
    path.as_ref()
        .map(|p| {
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
        })
        .transpose()
}

/// `admin rotate-key`: re-wraps every data key under a new master key.
async fn rotate_key(settings: &embargo_server::settings::Settings) -> Result<(), String> {
    // It looks at a database that exists; opening would otherwise create one.
    existing_database(settings)?;
    let r = embargo_server::encryption::rotate(settings).await?;
    println!(
        "Re-wrapped {} data key{} under the new master key {} (was {}) in {}; the old \
         key is in {}.old until you remove it. Restart the server.",
        r.data_keys,
        if r.data_keys == 1 { "" } else { "s" },
        r.new,
        r.old,
        r.key_file.display(),
        r.key_file.display()
    );
    Ok(())
}

pub async fn run(storage: StorageArgs, command: AdminCommand) -> Result<(), String> {
    let settings = storage.settings(None)?;
    let command = match command {
        AdminCommand::App(command) => command,
        AdminCommand::RotateKey => return rotate_key(&settings).await,
    };
    if matches!(
        command,
        AppCommand::Verify
            | AppCommand::Reproject
            | AppCommand::Checkpoint
            | AppCommand::SealHistory
    ) {
        // These look at a database that exists; opening would otherwise create one.
        existing_database(&settings)?;
    }
    let app = embargo_server::open(settings).await?;
    let op = Actor::Operator;
    match command {
        AppCommand::Project { command } => match command {
            ProjectCmd::Create {
                slug,
                name,
                components,
                guidance_file,
                policy_preset,
            } => {
                let guidance = read_file(&guidance_file)?;
                let p = app
                    .create_project(
                        &op,
                        NewProject {
                            slug,
                            name,
                            guidance,
                            components,
                            policy: Some(policy_preset.policy()),
                        },
                    )
                    .await
                    .map_err(describe)?;
                let names: Vec<_> = p.components.iter().map(|c| c.name.as_str()).collect();
                println!(
                    "Created project {} ({}) with components: {}",
                    p.slug,
                    p.name,
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                );
                println!("Policy: {} preset", policy_preset.name());
                println!("Report page: {}", app.url(&format!("/p/{}/report", p.slug)));
            }
            ProjectCmd::Policy {
                project,
                file,
                preset,
            } => {
                let policy = match (file, preset) {
                    (Some(file), _) => crate::policy_cmd::read(&file)?,
                    (None, Some(preset)) => preset.policy(),
                    (None, None) => unreachable!("clap requires --file or --preset"),
                };
                let p = app
                    .change_project(&op, &project, Change::SetPolicy { policy })
                    .await
                    .map_err(describe)?;
                let policy = p.policy();
                let named = policy
                    .preset_name()
                    .map(|n| format!(" (the {n} preset)"))
                    .unwrap_or_default();
                println!("{}: policy set{named}: {}", p.slug, policy.summary());
            }
            ProjectCmd::Pgp {
                project,
                generate,
                import,
            } => {
                let key = match (generate, import) {
                    (_, Some(file)) => {
                        let text = std::fs::read_to_string(&file).map_err(|e| {
                            format!("--import: cannot read {}: {e}", file.display())
                        })?;
                        embargo_mail::ProjectKey::import(&text, None)
                            .map_err(|e| format!("--import: {}: {e}", file.display()))?
                    }
                    (true, None) => {
                        let p = app.project(&project).await.map_err(describe)?;
                        let user_id = match &p.security_address {
                            Some(a) => format!("{} security <{a}>", p.name),
                            None => format!("{} security", p.name),
                        };
                        embargo_mail::ProjectKey::generate(&user_id)
                            .map_err(|e| format!("cannot generate a key: {e}"))?
                    }
                    (false, None) => unreachable!("clap requires --generate or --import"),
                };
                let p = app
                    .set_project_pgp_key(&op, &project, &key)
                    .await
                    .map_err(describe)?;
                println!(
                    "{}: OpenPGP key {} published at {}; its secret half is in {}",
                    p.slug,
                    key.fingerprint(),
                    app.url(&format!("/p/{}/pgp-key.asc", p.slug)),
                    app.pgp_secret_key_path(&p.slug).display()
                );
            }
            ProjectCmd::Holidays { project, ics } => {
                let bytes = std::fs::read(&ics)
                    .map_err(|e| format!("--ics: cannot read {}: {e}", ics.display()))?;
                let (p, added) = app
                    .import_holidays(&op, &project, &bytes)
                    .await
                    .map_err(|e| match e {
                        AppError::Rejected(embargo_core::rejection::Rejection::Conflict {
                            ..
                        }) => format!(
                            "--ics: {} has no holiday the project does not already have",
                            ics.display()
                        ),
                        AppError::Rejected(embargo_core::rejection::Rejection::Invalid(list)) => {
                            list.iter()
                                .map(|i| {
                                    format!(
                                        "--ics: {}: {}",
                                        ics.display(),
                                        i.message.trim_start_matches("`ics`: ")
                                    )
                                })
                                .collect::<Vec<_>>()
                                .join("\n       ")
                        }
                        other => describe(other),
                    })?;
                println!(
                    "{}: {added} holiday{} added: {}",
                    p.slug,
                    if added == 1 { "" } else { "s" },
                    p.policy().summary()
                );
            }
            ProjectCmd::Update {
                slug,
                name,
                guidance_file,
                cna_short_name,
                cna_org_id,
                security_address,
            } => {
                let guidance = read_file(&guidance_file)?;
                let mut changes = Vec::new();
                if name.is_some() || guidance.is_some() {
                    changes.push(Change::Update { name, guidance });
                }
                if cna_short_name.is_some() || cna_org_id.is_some() {
                    changes.push(Change::SetCna {
                        short_name: cna_short_name,
                        org_id: cna_org_id,
                    });
                }
                if let Some(address) = security_address {
                    changes.push(Change::SetSecurityAddress {
                        address: Some(address),
                    });
                }
                if changes.is_empty() {
                    return Err("nothing to change: give --name, --guidance-file, --cna-short-name, --cna-org-id or --security-address".into());
                }
                for change in changes {
                    let p = app
                        .change_project(&op, &slug, change)
                        .await
                        .map_err(describe)?;
                    match &p.cna {
                        Some(cna) => println!(
                            "Updated project {} ({}); CNA {} ({})",
                            p.slug, p.name, cna.short_name, cna.org_id
                        ),
                        None => println!("Updated project {} ({})", p.slug, p.name),
                    }
                    if let Some(address) = &p.security_address {
                        println!("Security address: {address}");
                    }
                }
            }
            ProjectCmd::Component { project, name } => {
                let p = app
                    .change_project(&op, &project, Change::AddComponent { name: name.clone() })
                    .await
                    .map_err(describe)?;
                println!("Added component {name} to {}", p.slug);
            }
            ProjectCmd::Package {
                project,
                component,
                ecosystem,
                name,
                purl,
            } => {
                let package = embargo_core::project::Package {
                    ecosystem,
                    name,
                    purl,
                };
                let p = app
                    .set_package(&op, &project, &component, Some(package))
                    .await
                    .map_err(describe)?;
                let c = p.component(&component).expect("the component exists");
                let pkg = c.package.as_ref().expect("just set");
                println!(
                    "{}: component {} is {} package {}",
                    p.slug, c.name, pkg.ecosystem, pkg.name
                );
            }
            ProjectCmd::Branch {
                project,
                component,
                branch,
                kind,
            } => {
                let kind = BranchKind::parse(&kind).expect("clap checked the value");
                let p = app
                    .change_project(
                        &op,
                        &project,
                        Change::SetBranch {
                            component: component.clone(),
                            branch: branch.clone(),
                            kind,
                        },
                    )
                    .await
                    .map_err(describe)?;
                println!(
                    "{}: branch {branch} of {component} is {}",
                    p.slug,
                    kind.as_str()
                );
            }
            ProjectCmd::List => {
                for p in app.projects().await.map_err(describe)? {
                    let comps: Vec<_> = p.components.iter().map(|c| c.name.as_str()).collect();
                    println!(
                        "{}\t{}\t{} members\t{}",
                        p.slug,
                        p.name,
                        p.members.len(),
                        comps.join(",")
                    );
                }
            }
        },
        AppCommand::User { command } => match command {
            UserCmd::ResetSecondFactor { email } => {
                let Some(user) = app.user_by_email(&email).await.map_err(describe)? else {
                    return Err(format!("no account has the e-mail address {email}"));
                };
                let (totp, passkeys) = app
                    .reset_second_factors(&op, &user)
                    .await
                    .map_err(describe)?;
                match (totp, passkeys) {
                    (false, false) => {
                        println!("{} has no second factor; nothing changed", user.email)
                    }
                    _ => println!(
                        "Removed the second factors of {}:{}{}; they sign in with their password again",
                        user.email,
                        if totp { " the authenticator app" } else { "" },
                        match (totp, passkeys) {
                            (true, true) => " and every passkey",
                            (false, true) => " every passkey",
                            _ => "",
                        }
                    ),
                }
            }
            UserCmd::Create {
                email,
                project,
                role,
                name,
                instance_admin,
            } => {
                let existing = app.user_by_email(&email).await.map_err(describe)?;
                let user = match existing {
                    Some(u) => {
                        println!("Account {} exists (id {})", u.email, u.id);
                        u
                    }
                    None => {
                        let name = name.unwrap_or_else(|| {
                            email.split('@').next().unwrap_or(&email).to_owned()
                        });
                        let u = app
                            .create_user(&op, &email, &name, instance_admin)
                            .await
                            .map_err(describe)?;
                        println!(
                            "Created account {} (id {}){}",
                            u.email,
                            u.id,
                            if instance_admin {
                                " as instance admin"
                            } else {
                                ""
                            }
                        );
                        u
                    }
                };
                if let (Some(project), Some(role)) = (project, role) {
                    let role = Role::parse(&role).expect("clap checked the value");
                    let p = app
                        .change_project(
                            &op,
                            &project,
                            Change::SetMember {
                                user: user_ref(&user),
                                role,
                            },
                        )
                        .await
                        .map_err(describe)?;
                    println!("{} is {} of {}", user.email, role, p.slug);
                }
                if !user.password_set {
                    let link = app
                        .issue_password_link(&op, &user)
                        .await
                        .map_err(describe)?;
                    if link.replaced_live_link {
                        eprintln!(
                            "note: this replaces the link given before, which no longer works"
                        );
                    }
                    println!(
                        "Set-password link (one-time, give it to them privately):\n{}",
                        link.url
                    );
                }
            }
            UserCmd::Invite { email } => {
                let user = app
                    .user_by_email(&email)
                    .await
                    .map_err(describe)?
                    .ok_or_else(|| format!("--email: no account {email}"))?;
                let link = app
                    .issue_password_link(&op, &user)
                    .await
                    .map_err(describe)?;
                if link.replaced_live_link {
                    eprintln!("note: this replaces the link given before, which no longer works");
                }
                println!("{}", link.url);
            }
            UserCmd::List => {
                for u in app.users(&op).await.map_err(describe)? {
                    let flag = if u.instance_admin {
                        "instance-admin"
                    } else {
                        "-"
                    };
                    let pw = if u.password_set {
                        "password set"
                    } else {
                        "no password"
                    };
                    println!("{}\t{}\t{}\t{flag}\t{pw}", u.id, u.email, u.name);
                }
            }
        },
        AppCommand::Verify => {
            let started = std::time::Instant::now();
            let checked = app.store().verify().await.map_err(|e| e.to_string())?;
            let took = started.elapsed();
            match checked {
                Ok(v) => println!(
                    "Verified {} streams, {} events and {} projections in {:.1?}: \
                     every chain is intact and every projection is the fold of its events.",
                    v.streams, v.events, v.projections, took
                ),
                Err(u) => return Err(format!("does not verify: {u}")),
            }
            let integrity = embargo_server::integrity::Integrity::load(app.settings())?;
            match integrity.check(app.store()).await? {
                CheckpointCheck::None => println!(
                    "No checkpoint in {} yet: run `embargo admin checkpoint` or start the server.",
                    integrity.checkpoint_dir.display()
                ),
                CheckpointCheck::Holds {
                    path,
                    streams,
                    taken_at,
                } => println!(
                    "The newest checkpoint ({}, {taken_at}, {streams} streams) is signed with \
                     the configured key and every event it names is unchanged.",
                    path.display()
                ),
            }
        }
        AppCommand::Checkpoint => {
            let integrity = embargo_server::integrity::Integrity::load(app.settings())?;
            let path = integrity
                .checkpoint(app.store(), embargo_core::Timestamp::now())
                .await?;
            println!("Wrote the checkpoint {}.", path.display());
            let copies = app.send_checkpoint_copies(&path).await;
            let mut failed = 0;
            for c in &copies {
                match &c.outcome {
                    Ok(answer) => println!("Sent a copy: {} ({answer}).", c.to),
                    Err(why) => {
                        failed += 1;
                        eprintln!("error: no copy sent: {}: {why}", c.to);
                    }
                }
            }
            if failed > 0 {
                return Err(format!(
                    "{failed} checkpoint cop{} not sent (see above); the checkpoint itself is written",
                    if failed == 1 { "y was" } else { "ies were" }
                ));
            }
        }
        AppCommand::SealHistory => {
            let store = app.store();
            // Only a history that checks may be re-linked: a forged event would come out
            // vouched for.
            if let Err(u) = store.verify().await.map_err(|e| e.to_string())? {
                return Err(format!("does not verify: {u}; nothing was sealed"));
            }
            let integrity = embargo_server::integrity::Integrity::load(app.settings())?;
            integrity
                .check(store)
                .await
                .map_err(|e| format!("{e}; nothing was sealed"))?;
            let sealed = store.seal_history().await.map_err(|e| e.to_string())?;
            let now = embargo_core::Timestamp::now();
            let aside = if sealed.streams > 0 {
                integrity
                    .set_aside_checkpoints_past(store, now, "seal-history")
                    .await?
            } else {
                Vec::new()
            };
            store.reproject().await.map_err(|e| e.to_string())?;
            store.compact().await.map_err(|e| e.to_string())?;
            let path = integrity.checkpoint(store, now).await?;
            let what = format!(
                "sealed {} event{} in {} stream{}, {} file{} and {} mail{} in quarantine",
                sealed.events,
                plural(sealed.events),
                sealed.streams,
                plural(sealed.streams),
                sealed.files,
                plural(sealed.files),
                sealed.quarantined,
                plural(sealed.quarantined),
            );
            app.record_security_event(
                "embargo admin seal-history",
                "operator",
                embargo_server::app::security::Note {
                    kind: embargo_server::app::security::SecurityKind::HistoryResealed,
                    account: None,
                    detail: format!("{what}; checkpoint {}", path.display()),
                },
            )
            .await;
            println!("Verified the history, then {what}.");
            for moved in &aside {
                println!(
                    "Set aside a checkpoint taken before the re-linking: {}",
                    moved.display()
                );
            }
            println!(
                "Rebuilt the projections, compacted the database and wrote the checkpoint {}. \
                 Backups taken before this still hold the clear text.",
                path.display()
            );
            app.send_checkpoint_copies(&path).await;
        }
        AppCommand::Seed { project, count } => {
            app.project(&project)
                .await
                .map_err(|_| format!("--project: no project `{project}`"))?;
            let started = std::time::Instant::now();
            let stored = app
                .seed_reports(&project, count, |n| {
                    if n % 100_000 == 0 {
                        eprintln!("{n} stored ({:.0?})", started.elapsed());
                    }
                })
                .await
                .map_err(|e| e.to_string())?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "Stored {stored} synthetic reports in project `{project}` in {secs:.1} s ({:.0} per second).",
                stored as f64 / secs.max(f64::EPSILON)
            );
        }
        AppCommand::Reproject => {
            let started = std::time::Instant::now();
            let done = app.store().reproject().await.map_err(|e| e.to_string())?;
            println!(
                "Rebuilt {} cases and {} projects from {} events in {:.1?}.",
                done.cases,
                done.projects,
                done.events,
                started.elapsed()
            );
        }
        AppCommand::Token {
            command: TokenCmd::Create { email, name },
        } => {
            let user = app
                .user_by_email(&email)
                .await
                .map_err(describe)?
                .ok_or_else(|| format!("--email: no account {email}"))?;
            let (id, token) = app
                .create_api_token(&op, &user, &name)
                .await
                .map_err(describe)?;
            eprintln!(
                "Created API token {id} ({name}) for {}; it is shown once:",
                user.email
            );
            println!("{token}");
        }
    }
    Ok(())
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
