//! Checks that the stored events are the ones that were written.

use super::Backing;
use crate::chain;
use crate::{ChainBreak, Result};
use sqlx::Row;

#[async_trait::async_trait]
impl crate::IntegrityStore for Backing {
    async fn verify_stream(&self, stream: &str) -> Result<Result<u64, ChainBreak>> {
        let rows = sqlx::query(
            "SELECT seq, body, prev_hash, hash FROM events WHERE stream = $1 ORDER BY seq",
        )
        .bind(stream)
        .fetch_all(&self.reader)
        .await?;
        let mut prev: Option<Vec<u8>> = None;
        let mut expected_seq = 0u64;
        for row in rows {
            let seq = row.try_get::<i64, _>("seq")? as u64;
            expected_seq += 1;
            let body: String = row.try_get("body")?;
            let stored_prev: Option<Vec<u8>> = row.try_get("prev_hash")?;
            let hash: Vec<u8> = row.try_get("hash")?;
            let ok = seq == expected_seq
                && stored_prev == prev
                && chain::link(prev.as_deref(), stream, seq, &body) == hash;
            if !ok {
                return Ok(Err(ChainBreak {
                    stream: stream.to_owned(),
                    seq: expected_seq,
                }));
            }
            prev = Some(hash);
        }
        Ok(Ok(expected_seq))
    }
}
