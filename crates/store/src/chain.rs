//! Tamper evidence: each event's hash covers the previous hash, its stream, its number
//! and its exact stored text, so editing or deleting a row breaks every later hash.
//!
//! With a [`ChainKey`] the link is an HMAC-SHA256 under a key kept outside the database:
//! someone who can write the database but not read the key file cannot compute the
//! hashes of an edited stream. Without one (tools and tests that open a database
//! directly) the link is plain SHA-256, which shows accidents but not a forger.

use hmac::{Hmac, KeyInit, Mac};
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

    pub fn release(id: &embargo_core::shared_release::ReleaseId) -> String {
        format!("release:{id}")
    }
}

/// What the chain's links are computed with.
#[derive(Clone, PartialEq, Eq)]
pub struct ChainKey(Option<[u8; 32]>);

impl ChainKey {
    /// Plain SHA-256 links: evidence of accidents, not of forgery.
    pub fn unkeyed() -> ChainKey {
        ChainKey(None)
    }

    pub fn new(key: [u8; 32]) -> ChainKey {
        ChainKey(Some(key))
    }

    pub fn is_keyed(&self) -> bool {
        self.0.is_some()
    }

    /// Names the key without revealing it: `sha256` for unkeyed links, else
    /// `hmac-sha256:` and the first 16 hex digits of a hash of the key. Recorded in the
    /// database and in every checkpoint, so a database is never read with another key.
    pub fn id(&self) -> String {
        match &self.0 {
            None => UNKEYED_ID.to_owned(),
            Some(k) => {
                let mut h = Sha256::new();
                h.update(b"embargo chain key id\0");
                h.update(k);
                format!("hmac-sha256:{}", &hex::encode(h.finalize())[..16])
            }
        }
    }
}

impl Default for ChainKey {
    fn default() -> Self {
        ChainKey::unkeyed()
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainKey({})", self.id())
    }
}

pub(crate) const UNKEYED_ID: &str = "sha256";

pub(crate) fn link(
    key: &ChainKey,
    prev: Option<&[u8]>,
    stream: &str,
    seq: u64,
    body: &str,
) -> Vec<u8> {
    let parts: [&[u8]; 5] = [
        prev.unwrap_or(&[0u8; 32]),
        stream.as_bytes(),
        &[0],
        &seq.to_be_bytes(),
        body.as_bytes(),
    ];
    match &key.0 {
        None => {
            let mut h = Sha256::new();
            parts.iter().for_each(|p| h.update(p));
            h.finalize().to_vec()
        }
        Some(k) => {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(k).expect("HMAC takes a key of any length");
            parts.iter().for_each(|p| mac.update(p));
            mac.finalize().into_bytes().to_vec()
        }
    }
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

    /// Lowercase hex, as a case keeps its guests' token hashes (C5).
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(..)")
    }
}
