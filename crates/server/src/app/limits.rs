//! Rate limits per sensitive action, keyed by client address (and by account for
//! sign-in), so guessing passwords or tokens and flooding intake stay slow.

use super::AppError;
use crate::settings::Settings;
use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

pub struct Limiters {
    login: Keyed,
    intake: Keyed,
    bad_token: Keyed,
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
        Limiters {
            login: RateLimiter::keyed(per_minute(s.auth.login_attempts_per_minute)),
            intake: RateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(s.limits.reports_per_hour).expect("checked > 0"),
            )),
            bad_token: RateLimiter::keyed(per_minute(s.auth.bad_tokens_per_minute)),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    fn check(limiter: &Keyed, key: String) -> Result<(), AppError> {
        limiter
            .check_key(&key)
            .map_err(|not_until| AppError::RateLimited {
                retry_after_secs: not_until
                    .wait_time_from(DefaultClock::default().now())
                    .as_secs()
                    .max(1),
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

    pub fn intake(&self, ip: &str) -> Result<(), AppError> {
        Self::check(&self.intake, ip.to_owned())
    }

    /// Before looking at a token from `ip`.
    pub fn token_attempt(&self, ip: &str) -> Result<(), AppError> {
        let mut blocked = self.blocked.lock().expect("limiter lock");
        let now = Instant::now();
        blocked.retain(|_, until| *until > now);
        match blocked.get(ip) {
            Some(until) => Err(AppError::RateLimited {
                retry_after_secs: until.duration_since(now).as_secs().max(1),
            }),
            None => Ok(()),
        }
    }

    /// After a bad token from `ip`: spends budget, and blocks the address once it is gone.
    pub fn bad_token(&self, ip: &str) {
        if let Err(not_until) = self.bad_token.check_key(&ip.to_owned()) {
            let wait = not_until
                .wait_time_from(DefaultClock::default().now())
                .max(Duration::from_secs(1));
            self.blocked
                .lock()
                .expect("limiter lock")
                .insert(ip.to_owned(), Instant::now() + wait);
        }
    }
}
