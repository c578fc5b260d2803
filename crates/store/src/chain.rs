//! Tamper evidence: each event's hash covers the previous hash, its stream, its number
//! and its exact stored text, so editing or deleting a row breaks every later hash.

use sha2::{Digest, Sha256};

/// Stream names in the `events` table.
pub mod stream {
    use embargo_core::ids::{CaseId, ProjectSlug};

    pub const ACCOUNTS: &str = "accounts";

    pub fn case(id: &CaseId) -> String {
        format!("case:{id}")
    }

    pub fn project(slug: &ProjectSlug) -> String {
        format!("project:{slug}")
    }
}

pub(crate) fn link(prev: Option<&[u8]>, stream: &str, seq: u64, body: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev.unwrap_or(&[0u8; 32]));
    h.update(stream.as_bytes());
    h.update([0]);
    h.update(seq.to_be_bytes());
    h.update(body.as_bytes());
    h.finalize().to_vec()
}

/// Where a stream's chain first fails to verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event {seq} of stream `{stream}` does not match its hash")]
pub struct ChainBreak {
    pub stream: String,
    pub seq: u64,
}

/// The SHA-256 of a high-entropy secret (API token, tracking token, session id, setup
/// token). Such secrets are looked up by their hash: the table never holds the secret,
/// and a timing difference in the lookup reveals nothing about an unknown preimage.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(pub [u8; 32]);

impl SecretHash {
    pub fn of(secret: &str) -> Self {
        SecretHash(Sha256::digest(secret.as_bytes()).into())
    }
}

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(..)")
    }
}
