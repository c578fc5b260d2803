//! Mail in over IMAP (C1): the worker reads `mail.imap_url` with IDLE where the server
//! offers it, else by polling, and stores each message (`App::ingest_mail`) before it
//! flags or moves it: a message that could not be stored stays unhandled in the mailbox
//! and is tried again on the next round, so nothing accepted is lost.

use crate::app::{App, AppResult};
use embargo_mail::imap::{ImapInbox, ImapSettings};
use std::time::Duration;

/// Messages read per round.
const BATCH: usize = 50;
/// How often a mailbox without IDLE is looked at (and IDLE renewed at the latest).
const POLL: Duration = Duration::from_secs(60);

/// Reads the mailbox once: stores every unhandled message and marks each one that was
/// stored. Returns how many were stored. Tests call this to run without waiting.
pub async fn read_once(app: &App) -> AppResult<usize> {
    let Some(settings) = app.settings().mail.incoming() else {
        return Ok(0);
    };
    let mut inbox = ImapInbox::connect(&settings)
        .await
        .map_err(|e| crate::app::AppError::Internal(format!("IMAP: {e}")))?;
    let stored = store_unhandled(app, &mut inbox).await;
    let _ = inbox.logout().await;
    stored
}

async fn store_unhandled(app: &App, inbox: &mut ImapInbox) -> AppResult<usize> {
    let imap =
        |e: embargo_mail::imap::ImapError| crate::app::AppError::Internal(format!("IMAP: {e}"));
    let mut stored = 0;
    loop {
        let batch = inbox.unhandled(BATCH).await.map_err(imap)?;
        let full = batch.len() == BATCH;
        let mut progressed = false;
        for mail in batch {
            match app.ingest_mail(&mail.bytes, None).await {
                Ok(outcome) => {
                    // Marked only now that it is stored; a crash in between stores it
                    // again on the next round rather than losing it.
                    inbox.mark_stored(mail.uid).await.map_err(imap)?;
                    tracing::info!(uid = mail.uid, %outcome, "mail read over IMAP");
                    stored += 1;
                    progressed = true;
                }
                Err(e) => {
                    tracing::warn!(uid = mail.uid, error = %e, "mail over IMAP not stored; left unhandled");
                }
            }
        }
        if !full || !progressed {
            return Ok(stored);
        }
    }
}

/// Reads the mailbox until `stopping` says so: connect, store what waits, wait for
/// more (IDLE or polling); on trouble, reconnect after a pause that grows to 5 minutes.
pub(super) async fn run(
    app: App,
    settings: ImapSettings,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    tracing::info!(imap = %settings, "mail: reading the mailbox");
    let mut failures = 0u32;
    while !*stopping.borrow() {
        let round = async {
            let mut inbox = ImapInbox::connect(&settings)
                .await
                .map_err(|e| e.to_string())?;
            loop {
                store_unhandled(&app, &mut inbox)
                    .await
                    .map_err(|e| e.to_string())?;
                inbox.wait_for_mail(POLL).await.map_err(|e| e.to_string())?;
            }
            #[allow(unreachable_code)]
            Ok::<(), String>(())
        };
        tokio::select! {
            r = round => {
                if let Err(e) = r {
                    failures += 1;
                    tracing::warn!(error = %e, "mail: reading the mailbox");
                }
            }
            _ = stopping.changed() => break,
        }
        let pause = Duration::from_secs(5 * u64::from(failures.min(60)));
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = stopping.changed() => break,
        }
    }
}
