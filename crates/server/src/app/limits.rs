//! Rate limits per sensitive action, keyed by client address (and by account for
//! sign-in), so guessing passwords or tokens and flooding intake stay slow.
//!
//! **Keys are bounded**: every key is the first 16 bytes of a SHA-256 of what it
//! names, and what it names is capped before it is hashed (an e-mail address at 254
//! characters), so a 1 MB `email` costs the limiter 16 bytes like any other.
//! Budgets per account are spent only by browsers that have not signed in to that
//! account before: a browser with a known-device cookie (`secrets::DeviceKey`)
//! passes the account's budget (its address's budget still applies), so wrong
//! passwords from elsewhere cannot lock the account's owner out.
//!
//! **The limits are per instance**: each `embargo serve` process counts on its own, in
//! memory, so N instances behind one load balancer allow up to N times each budget, and
//! a restart forgets every budget. Memory is bounded: each limiter keeps at most
//! [`MAX_KEYS`] addresses, sweeps out those whose budget has refilled (as if never
//! seen), and when a flood of distinct addresses fills it with live budgets anyway, the
//! action pauses for everyone (429) until budgets refill, rather than growing.

use super::AppError;
use crate::settings::Settings;
use dashmap::DashMap;
use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A limiter key: 16 bytes of a hash, whatever it names.
type Key = [u8; 16];
type Keyed = RateLimiter<Key, DefaultKeyedStateStore<Key>, DefaultClock>;

/// At most this many bytes of a value go into its key (an IPv6 address with a zone
/// fits; e-mail addresses are capped at their own limit first).
const KEYED_BYTES: usize = 256;

/// The key for `value` of kind `kind` (`ip`, `account`, …).
fn key(kind: &str, value: &str) -> Key {
    let mut end = value.len().min(KEYED_BYTES);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(&value.as_bytes()[..end]);
    let digest = h.finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

/// An e-mail address as a key: trimmed, capped at the longest address there is,
/// then lowercased (capping first, so a megabyte is never copied).
fn email_key(kind: &str, email: &str) -> Key {
    let capped: String = email
        .trim()
        .chars()
        .take(embargo_core::text::limits::EMAIL)
        .collect();
    key(kind, &capped.to_lowercase())
}

/// Addresses (or accounts) one limiter keeps budgets for.
pub const MAX_KEYS: usize = 100_000;
/// "Lost your tracking link?" requests per hour, per client and per address.
pub const LOST_LINKS_PER_HOUR: u32 = 5;
/// Checks between sweeps of refilled budgets.
const SWEEP_EVERY: usize = 1_024;
/// How long a full limiter waits before sweeping again (a sweep reads every key).
const FULL_SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// What a full limiter tells callers to wait.
const FULL_RETRY: Duration = Duration::from_secs(60);

/// A keyed limiter with a bounded number of keys.
struct Bounded {
    limiter: Keyed,
    max_keys: usize,
    checks: AtomicUsize,
    last_sweep: Mutex<Instant>,
}

impl Bounded {
    fn new(quota: Quota, max_keys: usize) -> Self {
        Bounded {
            limiter: RateLimiter::keyed(quota),
            max_keys,
            checks: AtomicUsize::new(0),
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        *self.last_sweep.lock().expect("limiter lock") = Instant::now();
    }

    /// Whether the limiter holds as many live budgets as it may, after sweeping if a
    /// sweep is due.
    fn full(&self) -> bool {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(SWEEP_EVERY) {
            self.sweep();
        } else if self.limiter.len() >= self.max_keys {
            let due =
                self.last_sweep.lock().expect("limiter lock").elapsed() >= FULL_SWEEP_INTERVAL;
            if due {
                self.sweep();
            }
        }
        self.limiter.len() >= self.max_keys
    }

    /// Spends one unit of `key`'s budget; `Err` is how long to wait.
    fn check(&self, key: Key) -> Result<(), Duration> {
        if self.full() {
            return Err(FULL_RETRY);
        }
        self.limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

pub struct Limiters {
    login: Bounded,
    intake: Bounded,
    bad_token: Bounded,
    /// "Lost your tracking link?", per client address and per e-mail address asked for.
    lost_link: Bounded,
    /// Addresses that used up their bad-token budget, until when. Checked before a
    /// token is even looked at, so a blocked address learns nothing, not even that a
    /// token it tries is right. Sharded, and read with one lookup per bearer request;
    /// expired entries are swept out as it fills, never walked per request.
    blocked: DashMap<Key, Instant>,
    blocked_inserts: AtomicUsize,
    /// Rows the security log may write (`app::security`): a flood of refusals is
    /// traced in full but stored at this pace.
    security_writes: governor::DefaultDirectRateLimiter,
}

/// Security events stored per second, and the burst allowed above that.
const SECURITY_WRITES_PER_SECOND: u32 = 20;
const SECURITY_WRITES_BURST: u32 = 200;

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).expect("settings are checked to be > 0"))
}

impl Limiters {
    pub fn new(s: &Settings) -> Self {
        Self::with_max_keys(s, MAX_KEYS)
    }

    fn with_max_keys(s: &Settings, max_keys: usize) -> Self {
        Limiters {
            login: Bounded::new(per_minute(s.auth.login_attempts_per_minute), max_keys),
            intake: Bounded::new(
                Quota::per_hour(NonZeroU32::new(s.limits.reports_per_hour).expect("checked > 0")),
                max_keys,
            ),
            bad_token: Bounded::new(per_minute(s.auth.bad_tokens_per_minute), max_keys),
            lost_link: Bounded::new(
                Quota::per_hour(NonZeroU32::new(LOST_LINKS_PER_HOUR).expect("> 0")),
                max_keys,
            ),
            blocked: DashMap::new(),
            blocked_inserts: AtomicUsize::new(0),
            security_writes: RateLimiter::direct(
                Quota::per_second(NonZeroU32::new(SECURITY_WRITES_PER_SECOND).expect("> 0"))
                    .allow_burst(NonZeroU32::new(SECURITY_WRITES_BURST).expect("> 0")),
            ),
        }
    }

    fn check(limiter: &Bounded, key: Key) -> Result<(), AppError> {
        limiter.check(key).map_err(|wait| AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })
    }

    /// One sign-in attempt from `ip`: its address's budget.
    pub fn login_from(&self, ip: &str) -> Result<(), AppError> {
        Self::check(&self.login, key("ip", ip))
    }

    /// One sign-in attempt for `email` from a browser not known to that account: the
    /// account's budget.
    pub fn login_for(&self, email: &str) -> Result<(), AppError> {
        Self::check(&self.login, email_key("account", email))
    }

    /// One sign-in attempt from `ip` for `email` from an unknown browser: both budgets
    /// must allow it.
    pub fn login(&self, ip: &str, email: &str) -> Result<(), AppError> {
        self.login_from(ip)?;
        self.login_for(email)
    }

    /// One "Lost your tracking link?" request from `ip` for `email`: both budgets must
    /// allow it, so neither one client nor one mailbox can be flooded.
    pub fn lost_link(&self, ip: &str, email: &str) -> Result<(), AppError> {
        Self::check(&self.lost_link, key("ip", ip))?;
        Self::check(&self.lost_link, email_key("address", email))
    }

    /// Whether one more security event may be stored now.
    pub fn security_write(&self) -> bool {
        self.security_writes.check().is_ok()
    }

    pub fn intake(&self, ip: &str) -> Result<(), AppError> {
        Self::check(&self.intake, key("ip", ip))
    }

    /// Before looking at a token from `ip`.
    pub fn token_attempt(&self, ip: &str) -> Result<(), AppError> {
        let now = Instant::now();
        if let Some(until) = self.blocked.get(&key("ip", ip)).map(|u| *u)
            && until > now
        {
            return Err(AppError::RateLimited {
                retry_after_secs: until.duration_since(now).as_secs().max(1),
            });
        }
        if self.blocked.len() >= self.bad_token.max_keys {
            // Full of addresses that ran out of budget (a sweep found none expired):
            // token checks pause for all.
            return Err(AppError::RateLimited {
                retry_after_secs: FULL_RETRY.as_secs(),
            });
        }
        Ok(())
    }

    /// After a bad token from `ip`: spends budget, and blocks the address once it is gone.
    pub fn bad_token(&self, ip: &str) {
        if let Err(wait) = self.bad_token.check(key("ip", ip)) {
            let n = self.blocked_inserts.fetch_add(1, Ordering::Relaxed);
            if n.is_multiple_of(SWEEP_EVERY) || self.blocked.len() >= self.bad_token.max_keys {
                let now = Instant::now();
                self.blocked.retain(|_, until| *until > now);
            }
            // Bounded like the limiters: once full, `token_attempt` refuses everyone.
            if self.blocked.len() < self.bad_token.max_keys {
                let until = Instant::now() + wait.max(Duration::from_secs(1));
                self.blocked.insert(key("ip", ip), until);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11, item 5: a 1 MB e-mail address is a 16-byte key, the same key as its
    /// first 254 characters, and case does not make a new budget.
    #[test]
    fn keys_are_bounded_whatever_they_name() {
        let huge = "a".repeat(1 << 20);
        assert_eq!(
            email_key("account", &huge),
            email_key("account", &huge[..254])
        );
        assert_eq!(
            email_key("account", " Sam@Example.org "),
            email_key("account", "sam@example.org")
        );
        assert_ne!(key("ip", "192.0.2.1"), key("account", "192.0.2.1"));
        let multibyte = "é".repeat(200);
        let _ = key("ip", &multibyte);
    }

    /// A browser known to the account passes its budget; its address's budget holds.
    #[test]
    fn the_account_budget_does_not_bind_a_known_browser() {
        let limits = Limiters::with_max_keys(&settings(), 100);
        let n = settings().auth.login_attempts_per_minute;
        for i in 0..n {
            limits
                .login(&format!("198.51.100.{i}"), "sam@example.org")
                .unwrap();
        }
        assert!(
            limits.login("203.0.113.9", "sam@example.org").is_err(),
            "locked for strangers"
        );
        // The owner's browser spends only its address's budget.
        limits.login_from("192.0.2.77").unwrap();
    }

    fn settings() -> Settings {
        Settings::default()
    }

    #[test]
    fn many_addresses_cannot_grow_a_limiter_past_its_bound() {
        let limits = Limiters::with_max_keys(&settings(), 100);
        let mut refused = 0;
        for n in 0..1_000 {
            let ip = format!("198.51.{}.{}", n / 256, n % 256);
            if limits.intake(&ip).is_err() {
                refused += 1;
            }
            assert!(limits.intake.limiter.len() <= 100, "at {n}");
        }
        // The first 100 addresses got their budget; the flood after them waits.
        assert_eq!(refused, 900);
        for n in 0..1_000 {
            limits
                .login(&format!("203.0.113.{n}"), &format!("u{n}@example.org"))
                .ok();
            limits.bad_token(&format!("192.0.2.{n}"));
            assert!(limits.login.limiter.len() <= 100);
            assert!(limits.bad_token.limiter.len() <= 100);
            assert!(limits.blocked.len() <= 100);
        }
    }

    #[test]
    fn a_sweep_forgets_budgets_that_refilled() {
        let limits = Limiters::with_max_keys(&settings(), 100);
        // No budget spent: nothing to remember.
        limits.intake.sweep();
        assert_eq!(limits.intake.limiter.len(), 0);
        limits.intake("198.51.100.1").unwrap();
        limits.intake.sweep();
        assert_eq!(limits.intake.limiter.len(), 1, "a spent budget is kept");
    }
}
