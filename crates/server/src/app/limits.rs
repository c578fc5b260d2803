//! Rate limits per sensitive action, keyed by client address (and by account for
//! sign-in), so guessing passwords or tokens and flooding intake stay slow.
//!
//! **The limits are per instance**: each `embargo serve` process counts on its own, in
//! memory, so N instances behind one load balancer allow up to N times each budget, and
//! a restart forgets every budget. Memory is bounded: each limiter keeps at most
//! [`MAX_KEYS`] addresses, sweeps out those whose budget has refilled (as if never
//! seen), and when a flood of distinct addresses fills it with live budgets anyway, the
//! action pauses for everyone (429) until budgets refill, rather than growing.

use super::AppError;
use crate::settings::Settings;
use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

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
    fn check(&self, key: String) -> Result<(), Duration> {
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
    /// token it tries is right.
    blocked: Mutex<HashMap<String, Instant>>,
}

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
            blocked: Mutex::new(HashMap::new()),
        }
    }

    fn check(limiter: &Bounded, key: String) -> Result<(), AppError> {
        limiter.check(key).map_err(|wait| AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })
    }

    /// One sign-in attempt from `ip` for `email`: both budgets must allow it.
    pub fn login(&self, ip: &str, email: &str) -> Result<(), AppError> {
        Self::check(&self.login, format!("ip:{ip}"))?;
        Self::check(
            &self.login,
            format!("account:{}", email.trim().to_lowercase()),
        )
    }

    /// One "Lost your tracking link?" request from `ip` for `email`: both budgets must
    /// allow it, so neither one client nor one mailbox can be flooded.
    pub fn lost_link(&self, ip: &str, email: &str) -> Result<(), AppError> {
        Self::check(&self.lost_link, format!("ip:{ip}"))?;
        Self::check(
            &self.lost_link,
            format!("address:{}", email.trim().to_lowercase()),
        )
    }

    pub fn intake(&self, ip: &str) -> Result<(), AppError> {
        Self::check(&self.intake, ip.to_owned())
    }

    /// Before looking at a token from `ip`.
    pub fn token_attempt(&self, ip: &str) -> Result<(), AppError> {
        let mut blocked = self.blocked.lock().expect("limiter lock");
        if blocked.is_empty() {
            // The common case: no address is blocked, nothing to sweep.
            return Ok(());
        }
        let now = Instant::now();
        if blocked.get(ip).is_some_and(|until| *until <= now) {
            blocked.remove(ip);
        }
        // Expired blocks are swept only when they could refuse everyone.
        if blocked.len() >= self.bad_token.max_keys {
            blocked.retain(|_, until| *until > now);
        }
        if blocked.len() >= self.bad_token.max_keys {
            // Full of addresses that ran out of budget: token checks pause for all.
            return Err(AppError::RateLimited {
                retry_after_secs: FULL_RETRY.as_secs(),
            });
        }
        match blocked.get(ip) {
            Some(until) => Err(AppError::RateLimited {
                retry_after_secs: until.duration_since(now).as_secs().max(1),
            }),
            None => Ok(()),
        }
    }

    /// After a bad token from `ip`: spends budget, and blocks the address once it is gone.
    pub fn bad_token(&self, ip: &str) {
        if let Err(wait) = self.bad_token.check(ip.to_owned()) {
            let mut blocked = self.blocked.lock().expect("limiter lock");
            // Bounded like the limiters: once full, `token_attempt` refuses everyone.
            if blocked.len() < self.bad_token.max_keys {
                let until = Instant::now() + wait.max(Duration::from_secs(1));
                blocked.insert(ip.to_owned(), until);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(limits.blocked.lock().unwrap().len() <= 100);
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
