//! `embargo serve`: logging, the database, the first-admin link, the listener, the
//! worker (`embargo_server::worker`), and a graceful stop of both on Ctrl-C or SIGTERM.

use embargo_server::app::App;
use embargo_server::clock::SystemClock;
use embargo_server::settings::Settings;
use std::sync::Arc;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn init_logging(settings: &Settings) {
    let level: LevelFilter = settings.log.level.parse().unwrap_or(LevelFilter::INFO);
    // Our crates at the chosen level; libraries only when they have something to warn about.
    let filter = Targets::new()
        .with_default(LevelFilter::WARN.min(level))
        .with_target("embargo", level)
        .with_target("embargo_server", level)
        .with_target("embargo_store", level);
    let registry = tracing_subscriber::registry().with(filter);
    if settings.log.format == "json" {
        registry
            .with(tracing_subscriber::fmt::layer().json())
            .init();
    } else {
        registry.with(tracing_subscriber::fmt::layer()).init();
    }
}

pub async fn run(mut settings: Settings) -> Result<(), String> {
    init_logging(&settings);
    let integrity = embargo_server::integrity::Integrity::load(&settings)?;
    let store = embargo_server::open_store_with(&settings, &integrity).await?;
    // Before serving anything: a checkpointed event that changed means the log can't be
    // trusted, and nothing should be served from it.
    let (checked, first_checkpoint) = integrity
        .start_up(&*store, embargo_core::Timestamp::now())
        .await?;
    if let embargo_server::integrity::CheckpointCheck::Holds { path, streams, .. } = checked {
        tracing::info!(checkpoint = %path.display(), streams, "the newest checkpoint holds");
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
    // Copies off the machine, without holding up start-up for a slow receiver.
    let copying = app.clone();
    tokio::spawn(async move { copying.send_checkpoint_copies(&first_checkpoint).await });
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

/// Every `integrity.checkpoint_minutes` until the server stops: the newest checkpoint
/// checked (streams that no longer match it stop being served), then a new one signed.
/// A failure is logged and tried again at the next tick.
async fn checkpoints(
    integrity: embargo_server::integrity::Integrity,
    app: App,
    stopped: impl std::future::Future<Output = ()>,
) {
    let mut tick = tokio::time::interval(integrity.every);
    tick.tick().await; // the first tick is now: start-up just wrote one
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = tick.tick() => {
                match app.sweep_integrity(&integrity, embargo_core::Timestamp::now()).await {
                    Ok(embargo_server::integrity::Sweep::Written(path)) => {
                        tracing::info!(checkpoint = %path.display(), "checkpoint written");
                        // Each copy logs its own outcome; the admin page shows them.
                        app.send_checkpoint_copies(&path).await;
                    }
                    // Logged by the sweep, stream by stream; the rest is still served.
                    Ok(embargo_server::integrity::Sweep::Distrusted(_)) => {}
                    Err(e) => tracing::error!("{e}"),
                }
            }
        }
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
