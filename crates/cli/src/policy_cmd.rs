//! `embargo policy`: print a preset policy, check a policy file. Neither needs a
//! database. `check` exits 0 with a one-line summary, or 1 with one
//! `error: FILE:LINE: key `…`: why` line per problem (2 is clap's, for usage errors).

use embargo_core::policy::Policy;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum PolicyCommand {
    /// Print a preset policy as a commented TOML document.
    Show {
        /// The reference process to print.
        #[arg(long, value_enum)]
        preset: Preset,
    },
    /// Check a policy file; files named by `holidays_file` are read relative to it.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print a project's SECURITY.md (what `/p/SLUG/SECURITY.md` serves), from its
    /// policy and branch list, for its repository.
    SecurityMd {
        #[command(flatten)]
        storage: crate::StorageArgs,
        /// The project's slug.
        #[arg(long)]
        project: String,
        /// Write it to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy)]
pub enum Preset {
    /// Connect's CVE process (steps C1–C19).
    Connect,
    /// Vitess's security process (steps V1–V11).
    Vitess,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Connect => "connect",
            Preset::Vitess => "vitess",
        }
    }

    pub fn policy(self) -> Policy {
        match self {
            Preset::Connect => Policy::connect(),
            Preset::Vitess => Policy::vitess(),
        }
    }
}

pub fn run(command: PolicyCommand) -> ExitCode {
    match command {
        PolicyCommand::Show { preset } => {
            let (policy, title) = match preset {
                Preset::Connect => (
                    Policy::connect(),
                    "the `connect` preset: Connect's CVE process (steps C1–C19)",
                ),
                Preset::Vitess => (
                    Policy::vitess(),
                    "the `vitess` preset: Vitess's security process (steps V1–V11)",
                ),
            };
            print!("# This is {title}.\n{}", policy.to_toml());
            ExitCode::SUCCESS
        }
        PolicyCommand::Check { file } => check(&file),
        PolicyCommand::SecurityMd {
            storage,
            project,
            out,
        } => crate::run(security_md(storage, project, out)),
    }
}

async fn security_md(
    storage: crate::StorageArgs,
    project: String,
    out: Option<PathBuf>,
) -> Result<(), String> {
    let settings = storage.settings(None)?;
    crate::admin::existing_database(&settings)?;
    let app = embargo_server::open(settings).await?;
    let text = app
        .security_md(&project)
        .await
        .map_err(|_| format!("--project: no project `{project}`"))?;
    match out {
        Some(path) => {
            std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn check(file: &Path) -> ExitCode {
    match read(file) {
        Ok(policy) => {
            println!("{}: ok: {}", file.display(), policy.summary());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads and checks a policy file (and the `holidays_file`s beside it); the error is
/// one `FILE:LINE: key `…`: why` line per problem, the lines after the first indented
/// to follow an `error: ` prefix. `embargo admin project policy` reads files the same.
pub fn read(file: &Path) -> Result<Policy, String> {
    let shown = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string());
    Policy::from_toml_with(&text, &mut read).map_err(|e| {
        e.problems
            .iter()
            .map(|p| {
                let at = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                format!("{shown}{at}: key `{}`: {}", p.key, p.kind)
            })
            .collect::<Vec<_>>()
            .join("\nerror: ")
    })
}
