//! `embargo serve`: logging, the database, the first-admin link, the listener, and a
//! graceful stop on Ctrl-C or SIGTERM.

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
    let store = embargo_server::open_store(&settings).await?;
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
    // Last, so that whoever waits for this line knows the server is ready.
    println!(
        "Embargo {} listening on {} ({})",
        env!("CARGO_PKG_VERSION"),
        settings.public_url(),
        settings.storage_description()
    );
    // The outbox worker: a graceful shutdown leaves unfinished jobs queued, and a
    // job claimed when the process died is taken up again when its lease runs out.
    let worker = app.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = worker.run_outbox_once().await {
                tracing::error!(error = %e, "outbox worker");
            }
            // New work wakes the worker at once; the timeout is for retries that
            // fall due later (their backoff is in the store, not in an event).
            tokio::select! {
                () = worker.outbox_ready() => {}
                () = tokio::time::sleep(std::time::Duration::from_secs(15)) => {}
            }
        }
    });
    embargo_server::http::serve(app, listener, shutdown())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    println!("Embargo stopped.");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
