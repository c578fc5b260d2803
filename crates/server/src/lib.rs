//! Embargo's HTTP shell: the JSON API under `/api/v1`, the server-rendered pages, and
//! the application layer ([`app::App`]) that both (and the CLI) go through.
//! Only this crate knows HTTP.

pub mod api;
pub mod app;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod download;
pub mod encryption;
pub mod http;
pub mod integrity;
pub mod markdown;
pub mod oidc;
pub mod secrets;
pub mod settings;
pub mod signing;
pub mod upload;
pub mod web;
pub mod worker;

#[cfg(test)]
mod layers;

use app::App;
use settings::Settings;
use std::sync::Arc;

/// Opens the configured database: PostgreSQL at `database_url`, else SQLite under
/// `data_dir`. The error names which one could not be opened.
/// The chain is linked with the key of `integrity` (made on first start).
pub async fn open_store(settings: &Settings) -> Result<Arc<dyn embargo_store::Store>, String> {
    let integrity = integrity::Integrity::load(settings)?;
    open_store_with(settings, &integrity).await
}

pub async fn open_store_with(
    settings: &Settings,
    integrity: &integrity::Integrity,
) -> Result<Arc<dyn embargo_store::Store>, String> {
    integrity::open_store(settings, &integrity.open_options()).await
}

/// `App` over the configured database and the system clock: what every `embargo`
/// command works through, so that none of them touches the store directly.
pub async fn open(settings: Settings) -> Result<App, String> {
    let store = open_store(&settings).await?;
    Ok(App::new(store, settings, Arc::new(clock::SystemClock)))
}
