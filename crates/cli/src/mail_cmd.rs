//! `embargo mail ingest`: one RFC 5322 message on stdin, for a mail server's pipe
//! (Postfix: `|embargo mail ingest`). Exit 0 only once the message is stored — as a
//! case, a reply on its case, a bounce noted on its case, or in the quarantine —, and
//! 75 (`EX_TEMPFAIL`) when it could not be, so the mail server keeps it and retries.

use crate::StorageArgs;
use clap::Subcommand;
use std::io::Read;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum MailCommand {
    /// Store one message read on stdin (exit 0 once stored, 75 to have it retried).
    Ingest {
        /// The project the message is for; without it, the recipient decides (the
        /// project whose security address the mail was sent to).
        #[arg(long, value_name = "SLUG")]
        project: Option<String>,
    },
}

/// sysexits.h: a temporary failure; the mail server retries later.
const EX_TEMPFAIL: u8 = 75;

pub fn run(storage: StorageArgs, command: MailCommand) -> ExitCode {
    let MailCommand::Ingest { project } = command;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}; the message was not stored");
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    match runtime.block_on(ingest(storage, project)) {
        Ok(outcome) => {
            println!("{outcome}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}; the message was not stored, try again later");
            ExitCode::from(EX_TEMPFAIL)
        }
    }
}

async fn ingest(storage: StorageArgs, project: Option<String>) -> Result<String, String> {
    let settings = storage.settings(None)?;
    let app = embargo_server::open(settings).await?;
    // Read at most a little over the limit: a larger message is held in the quarantine
    // (its beginning kept), and the rest is drained so the mail server sees it taken.
    let cap = app.mail_limits().message_bytes + 1024 * 1024;
    let mut raw = Vec::new();
    let mut stdin = std::io::stdin().lock();
    (&mut stdin)
        .take(cap as u64)
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read the message on stdin: {e}"))?;
    std::io::copy(&mut stdin, &mut std::io::sink())
        .map_err(|e| format!("cannot read the message on stdin: {e}"))?;
    let outcome = app
        .ingest_mail(&raw, project.as_deref())
        .await
        .map_err(|e| match e {
            embargo_server::app::AppError::Rejected(
                embargo_core::rejection::Rejection::NotFound,
            ) => format!("no project `{}`", project.as_deref().unwrap_or_default()),
            other => other.to_string(),
        })?;
    Ok(outcome.to_string())
}
