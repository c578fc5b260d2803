//! `embargo serve`: logging, the database, the first-admin link, the listener, the
//! worker (`embargo_server::worker`), and a graceful stop of both on Ctrl-C or SIGTERM.

use embargo_server::app::App;
use embargo_server::clock::SystemClock;
use embargo_server::settings::Settings;
use std::sync::Arc;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Logs to standard output from a thread of its own: the request's thread only formats
/// the line, and lines written while the thread was busy go out in one write. Nothing
/// is dropped (a full queue makes the logging thread's callers wait); lines still queued
/// are written when the returned guard is dropped, at the end of `run`.
fn init_logging(settings: &Settings) -> tracing_appender::non_blocking::WorkerGuard {
    use std::io::IsTerminal;
    let level: LevelFilter = settings.log.level.parse().unwrap_or(LevelFilter::INFO);
    // Our crates at the chosen level; libraries only when they have something to warn about.
    let filter = Targets::new()
        .with_default(LevelFilter::WARN.min(level))
        .with_target("embargo", level)
        .with_target("embargo_server", level)
        .with_target("embargo_store", level);
    let ansi = std::io::stdout().is_terminal();
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("embargo-log")
        .finish(std::io::BufWriter::new(std::io::stdout()));
    let registry = tracing_subscriber::registry().with(filter);
    if settings.log.format == "json" {
        registry
            .with(tracing_subscriber::fmt::layer().json().with_writer(writer))
            .init();
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(ansi)
                    .with_writer(writer),
            )
            .init();
    }
    guard
}

pub async fn run(mut settings: Settings) -> Result<(), String> {
    let _log = init_logging(&settings);
    let integrity = embargo_server::integrity::Integrity::load(&settings)?;
    let store = embargo_server::open_store_with(&settings, &integrity).await?;
    // Before listening: the newest checkpoint must be one this instance signed, for this
    // database's chain. Its heads (one per stream: 10⁶ for 10⁶ cases) are compared in
    // the background once the server listens; until then each case's streams are
    // checked on their own before they are served (`App::trust_case`).
    if let Some((path, c)) = integrity.newest(&*store)? {
        tracing::info!(checkpoint = %path.display(), streams = c.streams, taken_at = %c.taken_at,
            "checking the newest checkpoint");
    }
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {} (setting `listen`): {e}",
                settings.listen
            )
        })?;
    // With port 0 the system picks one; links must carry the real one.
    settings.listen = listener
        .local_addr()
        .map_err(|e| format!("listening socket: {e}"))?;
    let app = App::new(store, settings.clone(), Arc::new(SystemClock));
    app.checking_integrity();
    if let Some(why) = app.unusable_settings() {
        return Err(why);
    }
    if let Some(link) = app.first_admin_link().await.map_err(|e| e.to_string())? {
        println!(
            "First start: create the first admin at\n\n    {link}\n\nThe link works once and for {} hours; each start prints a new one until an admin exists.",
            settings.auth.link_hours
        );
    }
    let signalled = shutdown()?;
    // Last, so that whoever waits for this line knows the server is ready.
    println!(
        "Embargo {} listening on {} ({})",
        env!("CARGO_PKG_VERSION"),
        settings.public_url(),
        settings.storage_description()
    );
    // One signal stops both: the server drains its requests while the worker
    // finishes the job under way (jobs not yet claimed stay queued for the next start).
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|s| *s).await;
        }
    };
    tokio::spawn(async move {
        signalled.await;
        let _ = stop.send(true);
    });
    let worker = tokio::spawn(embargo_server::worker::run(app.clone(), stopped()));
    tokio::spawn(checkpoints(integrity, app.clone(), stopped()));
    let token_uses = tokio::spawn(app.clone().record_token_uses(stopped()));
    embargo_server::http::serve(app, listener, stopped())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    let _ = worker.await;
    let _ = token_uses.await;
    println!("Embargo stopped.");
    Ok(())
}

/// At once, the start-up check (`App::start_up_integrity`); then every
/// `integrity.checkpoint_minutes` until the server stops: the newest checkpoint
/// checked (streams that no longer match it stop being served), then a new one signed
/// and copied off the machine. A failure is logged and tried again at the next tick.
async fn checkpoints(
    integrity: embargo_server::integrity::Integrity,
    app: App,
    stopped: impl std::future::Future<Output = ()>,
) {
    use embargo_server::integrity::Sweep;
    let mut tick = tokio::time::interval(integrity.every);
    tick.tick().await; // the first tick is now
    tokio::pin!(stopped);
    let first = app.start_up_integrity(&integrity, embargo_core::Timestamp::now());
    let mut sweep = tokio::select! {
        _ = &mut stopped => return,
        sweep = first => sweep,
    };
    if let Ok(Sweep::Written(_)) = &sweep {
        tracing::info!("the newest checkpoint holds");
    }
    loop {
        match sweep {
            Ok(Sweep::Written(path)) => {
                tracing::info!(checkpoint = %path.display(), "checkpoint written");
                // Each copy logs its own outcome; the admin page shows them.
                app.send_checkpoint_copies(&path).await;
            }
            // Logged by the sweep, stream by stream; the rest is still served.
            Ok(Sweep::Distrusted(_)) => {}
            Err(e) => tracing::error!("{e}"),
        }
        sweep = tokio::select! {
            _ = &mut stopped => return,
            _ = tick.tick() => {
                app.sweep_integrity(&integrity, embargo_core::Timestamp::now()).await
            }
        };
    }
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled: a signal that arrives right after start-up stops the server
/// gracefully instead of killing it.
fn shutdown() -> Result<impl std::future::Future<Output = ()>, String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| format!("cannot listen for {name}: {e}"))
        };
        let mut term = listen(SignalKind::terminate(), "SIGTERM")?;
        let mut int = listen(SignalKind::interrupt(), "SIGINT")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
