//! The application layer: the operations every shell (the JSON API, the web pages,
//! the CLI) performs, each as parse → scope the lookup → `core` decides → store.
//! Handlers stay thin and call these; no rule is decided here that `core` owns.

mod accounts;
mod cases;
mod checkpoint_copies;
mod documents;
mod error;
mod guests;
pub mod input;
mod intake;
mod limits;
mod mail_in;
mod notices;
mod notifications;
mod paging;
pub mod passkeys;
mod projects;
mod queue;
mod release;
mod run;
pub mod second_factor;
pub mod security;
mod seed;
mod shared_release;
mod spans;
pub mod spool;
mod sso;
mod token_uses;
mod transparency;
mod views;

pub use accounts::{IssuedLink, SessionStart, Signup, user_ref};
pub use cases::ListedCase;
pub use cases::{Submitted, Upload};
pub use checkpoint_copies::CopySent;
pub use documents::{Format, Imported};
pub use embargo_store::{CaseFilter, CaseOrder, CoordinatorIs, search_words};
pub use embargo_store::{Cursor, Page, PageRequest};
pub use embargo_store::{QuarantineState, Quarantined};
pub use error::AppError;
pub use guests::{GuestInput, GuestView};
pub use limits::Limiters;
pub use mail_in::Ingested;
pub use notices::{ChannelInput, RenderedNotice, kind_of, parse_notice};
pub use notifications::{AccountNotification, BADGE_LIMIT, Notification};
pub use paging::page_request;
pub use projects::AddedMember;
pub use queue::{CoordinatorFilter, QueueFilter, QueueRow};
pub use release::public_timeline;
pub use shared_release::{ReleaseChange, ReleaseView};
pub use token_uses::TOKEN_USE_RESOLUTION;
pub use transparency::ProjectMetrics;
pub use views::{ApiToken, CaseView, Session, SessionView, TimelineEntry, User};

use crate::clock::Clock;
use crate::settings::Settings;
use embargo_core::Timestamp;
use embargo_core::actor::Actor;
use embargo_store::Store;
use std::sync::Arc;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    settings: Settings,
    clock: Arc<dyn Clock>,
    limiters: Limiters,
    /// Rung when events queue work for the worker (`worker::run`).
    work_queued: tokio::sync::Notify,
    /// How many jobs this process's workers have worked, for whoever waits on them.
    jobs_done: tokio::sync::watch::Sender<u64>,
    /// The CSAF signing key, if configured; `Err` if it cannot be used.
    csaf_signer: Result<Option<Arc<crate::signing::Signer>>, String>,
    /// CVE Services, or why there is none (off, or settings it cannot use).
    cve_services: Result<embargo_cve_services::CveServices, String>,
    /// Outgoing mail, if `mail.smtp_url` is set; `Err` if it cannot be used.
    mailer: Result<Option<Mailer>, String>,
    /// Single sign-on, if `auth.oidc` names providers; `Err` if it cannot be used.
    oidc: Result<Option<crate::oidc::Oidc>, String>,
    /// Streams whose events no longer match the newest signed checkpoint, with what
    /// was found: not served until the process restarts after an admin's repair.
    untrusted: std::sync::RwLock<std::collections::BTreeMap<String, String>>,
    /// The start-up check of the newest checkpoint is still running: until it ends, a
    /// case's streams are checked on their own before they are served
    /// ([`App::trust_case`]).
    checking: std::sync::atomic::AtomicBool,
    /// The server was asked to stop: long work ends at its next safe point.
    stopping: std::sync::atomic::AtomicBool,
    /// What came of the latest checkpoint's copies (`checkpoint_copies`).
    checkpoint_copies: std::sync::RwLock<Vec<CopySent>>,
    /// Signs known-device cookies (`data_dir/keys/device.key`).
    device_key: crate::secrets::DeviceKey,
    /// Password hashes computed at once: each takes 19 MiB (argon2id), so a flood of
    /// sign-ins waits here instead of growing memory.
    hashing: tokio::sync::Semaphore,
    /// Uploads read at once (`limits.concurrent_uploads`), each holding its files.
    upload_slots: crate::app::spool::Slots,
    /// API token uses noted, not yet written (`token_uses`).
    token_uses: token_uses::TokenUses,
    /// Reports waiting for the next group commit (`intake`).
    intake: intake::GroupCommit,
}

/// Where outgoing mail goes and whom it is from.
pub struct Mailer {
    pub sender: embargo_mail::smtp::SmtpSender,
    pub from: String,
    /// `mail.smtp_url` as it may be shown (no password).
    pub server: String,
}

impl App {
    pub fn new(store: Arc<dyn Store>, settings: Settings, clock: Arc<dyn Clock>) -> App {
        let limiters = Limiters::new(&settings);
        let cve_services = settings.cve_services.client();
        let csaf_signer = match &settings.csaf.signing_key_file {
            Some(path) => crate::signing::Signer::load(path).map(|s| Some(Arc::new(s))),
            None => Ok(None),
        };
        let mailer = match settings.mail.outgoing() {
            Some((smtp, from)) => embargo_mail::smtp::SmtpSender::new(&smtp)
                .map(|sender| {
                    Some(Mailer {
                        sender,
                        from,
                        server: smtp.to_string(),
                    })
                })
                .map_err(|e| e.to_string()),
            None => Ok(None),
        };
        let oidc = if settings.auth.oidc.is_empty() {
            Ok(None)
        } else {
            crate::oidc::Oidc::new(settings.auth.oidc.clone(), settings.public_url()).map(Some)
        };
        // Work for a way out this instance lacks waits in the outbox, unclaimed here.
        store.set_outlets(embargo_core::effect::Outlets {
            mail: matches!(mailer, Ok(Some(_))),
        });
        // Shared by instances on one data folder; one that cannot be read or made
        // leaves this process with its own key (known browsers are then known to it
        // alone, until a restart).
        let device_path = settings.data_dir.join("keys").join("device.key");
        let device_key = match crate::integrity::key_file(&device_path, "data_dir") {
            Ok((key, _)) => key,
            Err(e) => {
                tracing::warn!(error = %e, "known-device key: using one for this process only");
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).expect("the operating system's random source");
                key
            }
        };
        App {
            inner: Arc::new(Inner {
                device_key: crate::secrets::DeviceKey::new(device_key),
                upload_slots: crate::app::spool::Slots::new(
                    settings.limits.concurrent_uploads,
                    settings.data_dir.join("spool"),
                ),
                hashing: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, |n| n.get()),
                ),
                store,
                settings,
                clock,
                limiters,
                cve_services,
                csaf_signer,
                mailer,
                oidc,
                untrusted: std::sync::RwLock::default(),
                checking: std::sync::atomic::AtomicBool::new(false),
                stopping: std::sync::atomic::AtomicBool::new(false),
                checkpoint_copies: std::sync::RwLock::default(),
                work_queued: tokio::sync::Notify::new(),
                jobs_done: tokio::sync::watch::Sender::new(0),
                token_uses: Default::default(),
                intake: Default::default(),
            }),
        }
    }

    pub fn store(&self) -> &dyn Store {
        &*self.inner.store
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Resolves when this process queued work for the worker (or did since the last
    /// wait: a ring is never lost).
    pub async fn work_queued(&self) {
        self.inner.work_queued.notified().await
    }

    /// Wakes the worker: the store just queued work.
    pub(crate) fn ring_worker(&self) {
        self.inner.work_queued.notify_one();
    }

    /// Counts jobs worked by this process's workers: tests wait on it instead of
    /// sleeping.
    pub fn jobs_done(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.jobs_done.subscribe()
    }

    pub(crate) fn job_done(&self) {
        self.inner.jobs_done.send_modify(|n| *n += 1);
    }

    /// The CSAF signing key, if one is configured and usable.
    pub fn csaf_signer(&self) -> Option<&crate::signing::Signer> {
        self.inner
            .csaf_signer
            .as_ref()
            .ok()
            .and_then(|s| s.as_deref())
    }

    /// Settings that parse but cannot be used (an unreadable key file, …): start-up
    /// stops with these.
    pub fn unusable_settings(&self) -> Option<String> {
        let mailer = self.inner.mailer.as_ref().err();
        self.inner.csaf_signer.as_ref().err().or(mailer).cloned()
    }

    /// Outgoing mail, if this instance has it.
    pub fn mailer(&self) -> Option<&Mailer> {
        self.inner.mailer.as_ref().ok().and_then(Option::as_ref)
    }

    /// Mail queued while this instance cannot send it (no `mail.smtp_url`): how many
    /// wait. `None` when mail is set up.
    pub async fn mail_waiting(&self) -> AppResult<Option<u64>> {
        if self.mailer().is_some() {
            return Ok(None);
        }
        let n = self
            .store()
            .waiting_jobs(embargo_core::effect::EffectKind::Email)
            .await?;
        Ok(Some(n))
    }

    /// The CVE Services client, or why there is none.
    pub fn cve_services(&self) -> Result<&embargo_cve_services::CveServices, String> {
        self.inner.cve_services.as_ref().map_err(Clone::clone)
    }

    /// What the running server does every `integrity.checkpoint_minutes`: checks the
    /// newest checkpoint; a stream that no longer matches it is no longer served (its
    /// case answers `503 untrusted`, the admin page and the log name it) while the
    /// others go on; when everything holds, a new checkpoint is written.
    pub async fn sweep_integrity(
        &self,
        integrity: &crate::integrity::Integrity,
        now: embargo_core::Timestamp,
    ) -> Result<crate::integrity::Sweep, String> {
        let sweep = integrity.sweep(self.store(), now).await?;
        if let crate::integrity::Sweep::Distrusted(streams) = &sweep {
            self.distrust(streams.iter().cloned());
        }
        Ok(sweep)
    }

    /// Stops serving these streams (name → what the check found).
    pub fn distrust(&self, streams: impl IntoIterator<Item = (String, String)>) {
        let mut untrusted = self
            .inner
            .untrusted
            .write()
            .unwrap_or_else(|e| e.into_inner());
        untrusted.extend(streams);
    }

    /// The streams not served, for the admin page.
    pub fn untrusted_streams(&self) -> Vec<(String, String)> {
        let untrusted = self
            .inner
            .untrusted
            .read()
            .unwrap_or_else(|e| e.into_inner());
        untrusted
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// At start-up, in the background once the server listens: the newest checkpoint
    /// checked against the whole database, streams that no longer match it distrusted,
    /// and (when all hold) a new checkpoint written, as [`App::sweep_integrity`] does.
    /// Until it ends, [`App::trust_case`] checks each case's streams on their own. A
    /// check that can't be made (a checkpoint whose heads were edited, a database that
    /// can't be read) leaves nothing vouched for: no case is served, and the admin page
    /// says why.
    pub async fn start_up_integrity(
        &self,
        integrity: &crate::integrity::Integrity,
        now: embargo_core::Timestamp,
    ) -> Result<crate::integrity::Sweep, String> {
        let sweep = self.sweep_integrity(integrity, now).await;
        if let Err(e) = &sweep {
            tracing::error!(
                "{e}; no case is served until this is resolved and the server restarted"
            );
            self.distrust([(embargo_store::stream::ACCOUNTS.to_owned(), e.clone())]);
        }
        self.inner
            .checking
            .store(false, std::sync::atomic::Ordering::Release);
        sweep
    }

    /// The server was asked to stop (the worker's signal): long work ends at its next
    /// safe point instead of holding the stop up.
    pub fn begin_stopping(&self) {
        self.inner
            .stopping
            .store(true, std::sync::atomic::Ordering::Release);
    }

    pub fn stopping(&self) -> bool {
        self.inner
            .stopping
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Marks the start-up check as running (`embargo serve`, before it listens).
    pub fn checking_integrity(&self) {
        self.inner
            .checking
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Refuses a case whose history (or the instance's accounts or the case's
    /// project) no longer matches the signed checkpoint. Called only after the viewer
    /// was found to see the case, so it tells nothing to anyone else. While the
    /// start-up check has not reached every stream yet, the case's own stream and its
    /// project's are first re-linked with the chain key (a few events each), so what is
    /// served then was at least not edited by anyone without that key.
    pub(crate) async fn trust_case(
        &self,
        id: &embargo_core::ids::CaseId,
        project: &str,
    ) -> AppResult<()> {
        if self
            .inner
            .checking
            .load(std::sync::atomic::Ordering::Acquire)
        {
            for stream in [
                embargo_store::stream::case(id),
                format!("project:{project}"),
            ] {
                if let Err(broken) = self.store().verify_stream(&stream).await? {
                    let what = format!(
                        "event {} does not link to the one before it (found while checking at start-up)",
                        broken.seq
                    );
                    tracing::error!(stream, "integrity: {what}; the stream is no longer served");
                    self.distrust([(stream, what)]);
                }
            }
        }
        let untrusted = self
            .inner
            .untrusted
            .read()
            .unwrap_or_else(|e| e.into_inner());
        if untrusted.is_empty() {
            return Ok(());
        }
        let own = embargo_store::stream::case(id);
        let found = untrusted
            .get(&own)
            .or_else(|| untrusted.get(embargo_store::stream::ACCOUNTS))
            .or_else(|| untrusted.get(&format!("project:{project}")));
        match found {
            None => Ok(()),
            Some(what) => Err(AppError::Untrusted(format!(
                "this case is not shown: its history no longer matches the signed checkpoint ({what}); an instance admin must investigate with `embargo admin verify`"
            ))),
        }
    }

    /// Single sign-on, if configured and usable.
    pub fn oidc(&self) -> AppResult<&crate::oidc::Oidc> {
        match &self.inner.oidc {
            Ok(Some(o)) => Ok(o),
            Ok(None) => Err(AppError::not_found()),
            Err(e) => Err(AppError::Internal(format!("single sign-on: {e}"))),
        }
    }

    /// The providers for the sign-in page: (id, name).
    pub fn oidc_providers(&self) -> Vec<(String, String)> {
        match &self.inner.oidc {
            Ok(Some(o)) => o
                .providers()
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The upload slots (`limits.concurrent_uploads`), taken by the shells as they read
    /// an upload.
    pub fn upload_slots(&self) -> &crate::app::spool::Slots {
        &self.inner.upload_slots
    }

    /// Waits for a turn to compute a password hash.
    pub(crate) async fn hashing_turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.inner
            .hashing
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }

    pub(crate) fn device_key(&self) -> &crate::secrets::DeviceKey {
        &self.inner.device_key
    }

    pub fn limiters(&self) -> &Limiters {
        &self.inner.limiters
    }

    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// A link under the public URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings().public_url())
    }
}

/// How a signed-in account acts.
pub fn actor_of(user: &User) -> Actor {
    Actor::User(user.acting())
}
