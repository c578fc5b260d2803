//! When API tokens were last used, recorded off the request path: a request notes the
//! use in memory, at most once a minute per token, and a background task
//! ([`App::record_token_uses`]) writes the noted uses in one transaction. A read
//! therefore writes nothing to the database.

use super::{App, AppResult};
use embargo_core::Timestamp;
use embargo_core::account::TokenId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A token's `last_used_at` moves at most this often.
pub const TOKEN_USE_RESOLUTION: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// How often the background task writes the noted uses: well within the minute.
const FLUSH_EVERY: Duration = Duration::from_secs(10);

/// Tokens noted in the last minute are remembered to skip their next notes; the bound
/// keeps a flood of distinct tokens from growing the map (forgetting only costs a
/// second note).
const MAX_REMEMBERED: usize = 100_000;

#[derive(Default)]
pub(super) struct TokenUses(Mutex<State>);

#[derive(Default)]
struct State {
    /// Uses not written yet.
    pending: HashMap<TokenId, Timestamp>,
    /// When each token's use was last noted.
    noted: HashMap<TokenId, Timestamp>,
}

impl TokenUses {
    /// Notes that `token` was used at `now`, unless a use was noted less than a minute
    /// ago.
    pub(super) fn note(&self, token: TokenId, now: Timestamp) {
        let mut s = self.0.lock().expect("token uses lock");
        if let Some(last) = s.noted.get(&token)
            && now < last.saturating_add(TOKEN_USE_RESOLUTION).unwrap_or(*last)
        {
            return;
        }
        if s.noted.len() >= MAX_REMEMBERED {
            s.noted.clear();
        }
        s.noted.insert(token, now);
        s.pending.insert(token, now);
    }

    fn take(&self) -> Vec<(TokenId, Timestamp)> {
        let mut s = self.0.lock().expect("token uses lock");
        s.pending.drain().collect()
    }

    /// Puts back uses a failed write did not record (a newer note wins).
    fn restore(&self, uses: Vec<(TokenId, Timestamp)>) {
        let mut s = self.0.lock().expect("token uses lock");
        for (token, at) in uses {
            s.pending.entry(token).or_insert(at);
        }
    }
}

impl App {
    /// Writes the token uses noted so far. The background task calls it every few
    /// seconds; listings of tokens call it first, so they show every use; tests call
    /// it instead of waiting.
    pub async fn flush_token_uses(&self) -> AppResult<()> {
        let uses = self.inner.token_uses.take();
        if uses.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.store().record_token_uses(&uses).await {
            self.inner.token_uses.restore(uses);
            return Err(e.into());
        }
        Ok(())
    }

    /// The background task of `embargo serve`: writes noted token uses every few
    /// seconds, and once more when `stopped` resolves.
    pub async fn record_token_uses(self, stopped: impl std::future::Future<Output = ()>) {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                _ = tick.tick() => {
                    if let Err(e) = self.flush_token_uses().await {
                        tracing::warn!("recording API token uses: {e}");
                    }
                }
            }
        }
        if let Err(e) = self.flush_token_uses().await {
            tracing::warn!("recording API token uses: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    #[test]
    fn a_token_is_noted_at_most_once_a_minute() {
        let uses = TokenUses::default();
        uses.note(TokenId(1), at(0));
        uses.note(TokenId(1), at(30));
        uses.note(TokenId(2), at(30));
        let mut taken = uses.take();
        taken.sort_by_key(|(t, _)| t.0);
        assert_eq!(taken, vec![(TokenId(1), at(0)), (TokenId(2), at(30))]);
        uses.note(TokenId(1), at(59));
        assert!(uses.take().is_empty());
        uses.note(TokenId(1), at(60));
        assert_eq!(uses.take(), vec![(TokenId(1), at(60))]);
    }

    #[test]
    fn a_failed_write_keeps_its_uses_for_the_next() {
        let uses = TokenUses::default();
        uses.note(TokenId(1), at(0));
        let taken = uses.take();
        uses.note(TokenId(2), at(5));
        uses.restore(taken);
        let mut again = uses.take();
        again.sort_by_key(|(t, _)| t.0);
        assert_eq!(again, vec![(TokenId(1), at(0)), (TokenId(2), at(5))]);
    }
}
