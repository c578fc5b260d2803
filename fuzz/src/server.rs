//! How the targets reach the server's parsers without a running server: one tokio
//! runtime and one `App` (over a throwaway SQLite database) per fuzzing process.
//!
//! The server crate is being reshaped; this module and the two targets that use it
//! call only: `app::App::new`, `settings::{Settings, Limits}` (`Default`),
//! `clock::SystemClock`, `api::ApiJson` (its `FromRequest<App>`), `api::ApiError`
//! (`IntoResponse`, and `AppError::status`), the request types in `api::wire`,
//! `upload::read` and `App::upload_slots`; plus `embargo_store::open_sqlite`.

use embargo_server::app::App;
use embargo_server::clock::SystemClock;
use embargo_server::settings::{Limits, Settings};
use std::sync::{Arc, OnceLock};

/// Small limits, so that inputs libFuzzer makes can cross every one of them.
pub const LIMITS: Limits = Limits {
    json_body_bytes: 4096,
    attachment_bytes: 64,
    attachments_per_upload: 2,
    concurrent_uploads: 1,
    reports_per_hour: 30,
};

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
    })
}

pub fn block_on<F: Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// The application the JSON extractor reads its limits from. Its database is a SQLite
/// file in a folder under `$TMPDIR` (`scripts/fuzz` points that into `target/` and
/// removes it after each target).
pub fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("embargo-fuzz-")
            .tempdir()
            .expect("a temporary folder")
            .keep();
        let store = block_on(embargo_store::open_sqlite(&dir)).expect("SQLite opens");
        let settings = Settings {
            data_dir: dir,
            limits: LIMITS,
            ..Settings::default()
        };
        let _entered = runtime().enter();
        App::new(store, settings, Arc::new(SystemClock))
    })
}
