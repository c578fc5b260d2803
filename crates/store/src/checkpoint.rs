//! Signed checkpoints of the event chain: every stream's last event (its position and
//! hash) at one moment, signed with an Ed25519 key the database never sees, and kept
//! outside it. The keyed chain stops a forger who can't read the chain key; a checkpoint
//! stops even one who can, for everything written before it: rewriting a stream changes
//! its hash at the checkpointed position, and the forger can't sign a new checkpoint.
//!
//! What is signed is a fixed text (see [`Checkpoint::signed_text`]), not the JSON, so the
//! file's formatting can't change what a signature means.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use embargo_core::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A stream's last event at checkpoint time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub stream: String,
    pub seq: u64,
    /// The event's hash, in hex.
    pub hash: String,
}

/// A checkpointed head the database no longer holds as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadMismatch {
    pub head: Head,
    pub what: &'static str,
}

impl std::fmt::Display for HeadMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "event {} of stream `{}` {}",
            self.head.seq, self.head.stream, self.what
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub taken_at: Timestamp,
    /// The database's id ([`crate::IntegrityStore::database_id`]).
    pub database: String,
    /// [`crate::ChainKey::id`] of the chain the heads belong to.
    pub chain: String,
    /// The Ed25519 public key that signed it, in hex (informational: a checkpoint is
    /// verified against the key the operator configured, never against this one).
    pub signer: String,
    pub heads: Vec<Head>,
    /// Ed25519 signature over [`Checkpoint::signed_text`], in hex.
    pub signature: String,
}

/// Why a checkpoint can't be trusted or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("{path}: cannot read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path}: not a checkpoint: {reason}")]
    Malformed { path: String, reason: String },
    #[error("{path}: the signature does not verify with the configured signing key")]
    BadSignature { path: String },
    #[error(
        "{path}: it checkpoints a chain linked with key `{theirs}`, but the database's is `{ours}`"
    )]
    OtherChain {
        path: String,
        theirs: String,
        ours: String,
    },
    #[error("cannot write a checkpoint in {dir}: {reason}")]
    Unwritable { dir: String, reason: String },
}

const VERSION: u32 = 1;
const PREFIX: &str = "checkpoint-";

impl Checkpoint {
    pub fn sign(
        key: &SigningKey,
        database: String,
        chain: String,
        taken_at: Timestamp,
        heads: Vec<Head>,
    ) -> Self {
        let mut c = Checkpoint {
            version: VERSION,
            taken_at,
            database,
            chain,
            signer: hex::encode(key.verifying_key().as_bytes()),
            heads,
            signature: String::new(),
        };
        c.signature = hex::encode(key.sign(c.signed_text().as_bytes()).to_bytes());
        c
    }

    /// One line per fact; stream names can't hold a newline or a tab (they are
    /// `case:ID`, `project:SLUG` or `accounts`), so the text is unambiguous.
    pub fn signed_text(&self) -> String {
        let mut t = format!(
            "embargo checkpoint v{}\ntaken_at {}\ndatabase {}\nchain {}\n",
            self.version,
            self.taken_at.as_microsecond(),
            self.database,
            self.chain
        );
        for h in &self.heads {
            t.push_str(&format!("{}\t{}\t{}\n", h.stream, h.seq, h.hash));
        }
        t
    }

    pub fn verify(&self, key: &VerifyingKey) -> bool {
        let Ok(bytes) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&bytes) else {
            return false;
        };
        key.verify(self.signed_text().as_bytes(), &sig).is_ok()
    }

    /// Writes the checkpoint as a new file in `dir` (created if missing), named by its
    /// time so names sort by age; keeps the newest `keep` and removes older ones.
    pub fn write(&self, dir: &Path, keep: usize) -> Result<PathBuf, CheckpointError> {
        let fail = |e: std::io::Error| CheckpointError::Unwritable {
            dir: dir.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(fail)?;
        let name = format!(
            "{PREFIX}{}-{:020}.json",
            self.database,
            self.taken_at.as_microsecond()
        );
        let path = dir.join(name);
        let tmp = dir.join(format!(".{PREFIX}tmp"));
        let json = serde_json::to_vec_pretty(self).expect("a checkpoint serializes");
        std::fs::write(&tmp, json).map_err(fail)?;
        std::fs::rename(&tmp, &path).map_err(fail)?;
        let files = list(dir, &self.database).map_err(fail)?;
        for old in files.iter().rev().skip(keep.max(1)) {
            let _ = std::fs::remove_file(old);
        }
        Ok(path)
    }

    /// The newest checkpoint of `database` in `dir`, if any, checked against `key` and
    /// the chain id.
    pub fn newest(
        dir: &Path,
        database: &str,
        key: &VerifyingKey,
        chain: &str,
    ) -> Result<Option<(PathBuf, Checkpoint)>, CheckpointError> {
        let files = match list(dir, database) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CheckpointError::Unreadable {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        let Some(path) = files.last() else {
            return Ok(None);
        };
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| CheckpointError::Unreadable {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let c: Checkpoint =
            serde_json::from_slice(&text).map_err(|e| CheckpointError::Malformed {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        if c.version != VERSION {
            return Err(CheckpointError::Malformed {
                path: shown,
                reason: format!("version {} (this program reads {VERSION})", c.version),
            });
        }
        if !c.verify(key) || c.database != database {
            return Err(CheckpointError::BadSignature { path: shown });
        }
        if c.chain != chain {
            return Err(CheckpointError::OtherChain {
                path: shown,
                theirs: c.chain,
                ours: chain.to_owned(),
            });
        }
        Ok(Some((path.clone(), c)))
    }
}

/// The checkpoint files of `database` in `dir`, oldest first.
fn list(dir: &Path, database: &str) -> std::io::Result<Vec<PathBuf>> {
    let prefix = format!("{PREFIX}{database}-");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn heads() -> Vec<Head> {
        vec![
            Head {
                stream: "accounts".into(),
                seq: 3,
                hash: "aa".into(),
            },
            Head {
                stream: "case:X".into(),
                seq: 7,
                hash: "bb".into(),
            },
        ]
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_signature_covers_every_head_and_the_chain() {
        let k = key(1);
        let c = Checkpoint::sign(
            &k,
            "db".into(),
            "hmac-sha256:00".into(),
            at("2026-12-01T00:00:00Z"),
            heads(),
        );
        assert!(c.verify(&k.verifying_key()));
        assert!(!c.verify(&key(2).verifying_key()), "another key");
        let mut edited = c.clone();
        edited.heads[1].seq = 6;
        assert!(!edited.verify(&k.verifying_key()));
        let mut edited = c.clone();
        edited.heads.pop();
        assert!(!edited.verify(&k.verifying_key()));
        let mut edited = c.clone();
        edited.chain = "sha256".into();
        assert!(!edited.verify(&k.verifying_key()));
        let mut edited = c.clone();
        edited.database = "another".into();
        assert!(!edited.verify(&k.verifying_key()));
        let mut edited = c;
        edited.signature = "zz".into();
        assert!(!edited.verify(&k.verifying_key()));
    }

    #[test]
    fn the_newest_file_is_read_and_old_ones_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let k = key(1);
        for (i, t) in [
            "2026-12-01T00:00:00Z",
            "2026-12-01T01:00:00Z",
            "2026-12-01T02:00:00Z",
        ]
        .iter()
        .enumerate()
        {
            let mut h = heads();
            h[0].seq = i as u64;
            Checkpoint::sign(&k, "db".into(), "c".into(), at(t), h)
                .write(dir.path(), 2)
                .unwrap();
        }
        // Another database's checkpoint in the same directory is neither read nor pruned.
        Checkpoint::sign(
            &k,
            "other".into(),
            "c".into(),
            at("2026-12-02T00:00:00Z"),
            heads(),
        )
        .write(dir.path(), 1)
        .unwrap();
        assert_eq!(list(dir.path(), "db").unwrap().len(), 2);
        assert_eq!(list(dir.path(), "other").unwrap().len(), 1);
        let (_, newest) = Checkpoint::newest(dir.path(), "db", &k.verifying_key(), "c")
            .unwrap()
            .unwrap();
        assert_eq!(newest.taken_at, at("2026-12-01T02:00:00Z"));
        assert_eq!(newest.heads[0].seq, 2);
        assert!(matches!(
            Checkpoint::newest(dir.path(), "db", &key(9).verifying_key(), "c"),
            Err(CheckpointError::BadSignature { .. })
        ));
        assert!(matches!(
            Checkpoint::newest(dir.path(), "db", &k.verifying_key(), "other"),
            Err(CheckpointError::OtherChain { .. })
        ));
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            Checkpoint::newest(&empty.path().join("none"), "db", &k.verifying_key(), "c").unwrap(),
            None
        );
    }
}
