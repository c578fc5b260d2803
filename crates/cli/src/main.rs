//! `embargo`: the server, the admin commands and the tools, in one binary.

mod admin;
mod cvss_cmd;
mod export;
mod import;
mod mail_cmd;
mod policy_cmd;
mod serve;

use clap::{Args, Parser, Subcommand};
use embargo_server::settings::{Overrides, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

// glibc's malloc and free were 7.6 % of a read's CPU under load (many short-lived
// buffers across threads); mimalloc's thread-local pages make them cheaper. The A/B is
// in docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "embargo",
    version,
    about = "A self-hosted desk for an open-source project's security response"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (embedded SQLite in ./embargo-data unless told otherwise).
    Serve {
        #[command(flatten)]
        storage: StorageArgs,
        /// Address and port to listen on [env: EMBARGO_LISTEN] [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<SocketAddr>,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Set up projects, accounts and tokens directly on the database (bootstrap, scripts).
    Admin {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Write a consistent backup of the database while the server runs (SQLite:
    /// `VACUUM INTO`; PostgreSQL: `pg_dump --format=custom`). The key files are not in
    /// it: keep `integrity.key_file` apart.
    Backup {
        #[command(flatten)]
        storage: StorageArgs,
        /// The backup file to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Put a backup in place of the database (stop the server first). It needs the
    /// chain key the backup's database was written with (`integrity.key_file`).
    Restore {
        #[command(flatten)]
        storage: StorageArgs,
        /// A file written by `embargo backup`.
        #[arg(value_name = "FILE")]
        from: PathBuf,
    },
    /// Bring a project's published advisories in as disclosed cases.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Write a project's disclosed advisories as CVE JSON 5, OSV or CSAF 2.0 files.
    Export(export::ExportArgs),
    /// Score and explain CVSS vectors (v2.0, v3.0, v3.1, v4.0).
    Cvss(cvss_cmd::CvssArgs),
    /// Mail in: store a message a mail server pipes in.
    Mail {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: mail_cmd::MailCommand,
    },
    /// Print a preset policy or check a policy file (no database needed).
    Policy {
        #[command(subcommand)]
        command: policy_cmd::PolicyCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented configuration file with every setting and its default.
    Example,
}

/// Where the data is; shared by `serve` and the admin commands.
#[derive(Args, Clone, Default)]
pub struct StorageArgs {
    /// A TOML configuration file [env: EMBARGO_CONFIG]
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Directory of the embedded SQLite database [env: EMBARGO_DATA_DIR] [default: embargo-data]
    #[arg(long, value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Use PostgreSQL: postgres://user@host/db [env: EMBARGO_DATABASE_URL]
    #[arg(long, value_name = "URL", global = true)]
    database_url: Option<String>,
}

impl StorageArgs {
    fn settings(&self, listen: Option<SocketAddr>) -> Result<Settings, String> {
        Settings::load(&Overrides {
            config: self.config.clone(),
            listen,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        })
        .map_err(|e| e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Cvss(args) => cvss_cmd::run(args),
        Command::Policy { command } => policy_cmd::run(command),
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", embargo_server::settings::EXAMPLE);
            ExitCode::SUCCESS
        }
        Command::Serve { storage, listen } => run(async move {
            let settings = storage.settings(listen)?;
            serve::run(settings).await
        }),
        Command::Admin { storage, command } => run(admin::run(storage, command)),
        Command::Mail { storage, command } => mail_cmd::run(storage, command),
        Command::Export(args) => run(export::run(args)),
        Command::Import { command } => run(import::run(command)),
        Command::Backup { storage, out } => run(async move {
            let settings = storage.settings(None)?;
            embargo_server::backup::backup(&settings, &out).await?;
            println!(
                "Backed up {} to {}.",
                settings.storage_description(),
                out.display()
            );
            Ok(())
        }),
        Command::Restore { storage, from } => run(async move {
            let settings = storage.settings(None)?;
            let restored = embargo_server::backup::restore(&settings, &from).await?;
            println!(
                "Restored {} from {}.",
                settings.storage_description(),
                from.display()
            );
            for path in restored.set_aside {
                println!(
                    "Set aside a checkpoint taken after the backup: {}",
                    path.display()
                );
            }
            Ok(())
        }),
    }
}

/// Runs an async command on a multi-threaded runtime; errors print and exit 1.
pub(crate) fn run(fut: impl Future<Output = Result<(), String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(fut) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
