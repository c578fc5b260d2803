//! Security events (issue 11, item 8): sign-ins, second-factor failures, CSRF
//! refusals, denials, rate limiting and role grants, each with the route, the client
//! address and the account, and never a token, a password or case content.
//!
//! A request runs inside [`scoped`] (the router's `security_log` layer): whoever
//! learns something notes it here — the shells' extractors the account, `App` a
//! sign-in or a grant, the error pages a CSRF refusal — and the layer writes the
//! notes when the response is ready, with the route it matched and the client
//! address. Each event goes to `tracing` (target [`TARGET`]) and to the store's
//! bounded table (the newest [`KEEP`]), which instance admins page through. Writes to
//! the table are themselves rate-limited, so a flood of refusals is logged, not
//! stored row by row; `tracing` still sees every one.

use super::{App, AppError, AppResult, Page, PageRequest};
use embargo_core::actor::Actor;
use embargo_core::ids::UserId;
use embargo_store::{NewSecurityEvent, SecurityEventRecord};
use std::sync::{Arc, Mutex};

/// The `tracing` target of security events.
pub const TARGET: &str = "embargo::security";
/// How many security events the table keeps (the newest).
pub const KEEP: u64 = 100_000;
/// At most this many characters of a detail are kept.
const DETAIL_MAX: usize = 300;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityKind {
    SignInSucceeded,
    SignInFailed,
    SecondFactorFailed,
    CsrfRefused,
    /// A 403: the server knows the caller asked for something they may not do.
    Denied,
    /// A 401: a bearer token that is malformed or opens nothing.
    BadToken,
    RateLimited,
    RoleGranted,
    RoleRemoved,
    /// The operator sealed what was stored in clear and re-linked those streams
    /// (`embargo admin seal-history`).
    HistoryResealed,
}

impl SecurityKind {
    pub fn code(self) -> &'static str {
        match self {
            SecurityKind::SignInSucceeded => "sign_in_succeeded",
            SecurityKind::SignInFailed => "sign_in_failed",
            SecurityKind::SecondFactorFailed => "second_factor_failed",
            SecurityKind::CsrfRefused => "csrf_refused",
            SecurityKind::Denied => "denied",
            SecurityKind::BadToken => "bad_token",
            SecurityKind::RateLimited => "rate_limited",
            SecurityKind::RoleGranted => "role_granted",
            SecurityKind::RoleRemoved => "role_removed",
            SecurityKind::HistoryResealed => "history_resealed",
        }
    }
}

/// One thing a request noted.
#[derive(Clone, Debug)]
pub struct Note {
    pub kind: SecurityKind,
    /// The account it concerns, when it is not the caller's (a failed sign-in).
    pub account: Option<UserId>,
    pub detail: String,
}

/// What one request noted: the caller's account and the events.
#[derive(Default)]
pub struct RequestNotes {
    account: Mutex<Option<UserId>>,
    notes: Mutex<Vec<Note>>,
}

impl RequestNotes {
    /// The notes, each with its account (the one it names, else the caller's).
    pub fn take(&self) -> Vec<Note> {
        let caller = *self.account.lock().expect("notes lock");
        std::mem::take(&mut *self.notes.lock().expect("notes lock"))
            .into_iter()
            .map(|n| Note {
                account: n.account.or(caller),
                ..n
            })
            .collect()
    }

    pub fn caller(&self) -> Option<UserId> {
        *self.account.lock().expect("notes lock")
    }
}

tokio::task_local! {
    static NOTES: Arc<RequestNotes>;
}

/// Runs `f` (a request) with a place for its notes; returns them with its output.
pub async fn scoped<F: Future>(f: F) -> (F::Output, Arc<RequestNotes>) {
    let notes = Arc::new(RequestNotes::default());
    let out = NOTES.scope(notes.clone(), f).await;
    (out, notes)
}

/// The caller of this request is `user` (set by the shells once they know).
pub fn set_caller(user: UserId) {
    let _ = NOTES.try_with(|n| *n.account.lock().expect("notes lock") = Some(user));
}

/// Notes an event about the caller of this request.
pub fn note(kind: SecurityKind, detail: impl Into<String>) {
    note_for(kind, None, detail);
}

/// Notes an event about `account`. Outside a request (the CLI), the event goes to
/// `tracing` only.
pub fn note_for(kind: SecurityKind, account: Option<UserId>, detail: impl Into<String>) {
    let note = Note {
        kind,
        account,
        detail: bounded(detail.into()),
    };
    if NOTES
        .try_with(|n| n.notes.lock().expect("notes lock").push(note.clone()))
        .is_err()
    {
        trace(&note, "-", "-");
    }
}

fn bounded(mut s: String) -> String {
    if let Some((at, _)) = s.char_indices().nth(DETAIL_MAX) {
        s.truncate(at);
    }
    s
}

fn trace(note: &Note, route: &str, client: &str) {
    let account = note.account.map(|u| u.0);
    tracing::warn!(
        target: TARGET,
        kind = note.kind.code(),
        http.route = route,
        client,
        account,
        detail = %note.detail,
        "security event"
    );
}

/// A kept security event, for instance admins.
pub type SecurityEvent = SecurityEventRecord;

impl App {
    /// Logs `note`, seen on `route` from `client`, and keeps it unless the table's
    /// write budget is spent.
    pub async fn record_security_event(&self, route: &str, client: &str, note: Note) {
        trace(&note, route, client);
        if !self.limiters().security_write() {
            return;
        }
        let event = NewSecurityEvent {
            at: self.now(),
            kind: note.kind.code().into(),
            route: bounded(route.to_owned()),
            client: bounded(client.to_owned()),
            account: note.account,
            detail: note.detail,
        };
        if let Err(e) = self.store().record_security_event(&event, KEEP).await {
            tracing::error!(error = %e, "could not keep a security event");
        }
    }

    /// A page of security events, newest first: instance admins only; anyone else
    /// gets not found.
    pub async fn security_events(
        &self,
        actor: &Actor,
        page: &PageRequest,
    ) -> AppResult<Page<SecurityEvent>> {
        if !embargo_core::access::administers_instance(actor) {
            return Err(AppError::not_found());
        }
        Ok(self.store().security_events(page).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn notes_carry_the_caller_unless_they_name_an_account() {
        let ((), notes) = scoped(async {
            note_for(
                SecurityKind::SignInFailed,
                Some(UserId(7)),
                "x".repeat(1000),
            );
            set_caller(UserId(3));
            note(SecurityKind::Denied, "d");
        })
        .await;
        let list = notes.take();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].account, Some(UserId(7)));
        assert_eq!(list[0].detail.chars().count(), DETAIL_MAX);
        assert_eq!(list[1].account, Some(UserId(3)));
        // Outside a request nothing is kept, and nothing fails.
        note(SecurityKind::RoleGranted, "cli");
    }
}
