//! Signed checkpoints of the event chain: every stream's last event (its position and
//! hash) at one moment, signed with an Ed25519 key the database never sees, and kept
//! outside it. The keyed chain stops a forger who can't read the chain key; a checkpoint
//! stops even one who can, for everything written before it: rewriting a stream changes
//! its hash at the checkpointed position, and the forger can't sign a new checkpoint.
//!
//! A checkpoint is written and read as a stream, so its cost in memory does not grow
//! with the number of streams (10⁶ cases make a file of about 100 MB). The file (v2) is
//! a fixed header, then one line per head:
//!
//! ```text
//! embargo checkpoint v2
//! taken_at MICROSECONDS
//! database ID
//! chain CHAIN-KEY-ID
//! streams COUNT (20 digits)
//! heads sha256:HEX (of every head line below, as written)
//! signer HEX (informational)
//! signature HEX (Ed25519 over the first six lines)
//! STREAM<TAB>SEQ<TAB>HASH
//! …
//! ```
//!
//! The signature covers the header, and the header the heads through their digest, so
//! what is signed is fixed text, not a formatting of it. A reader learns the heads are
//! the signed ones only at their end ([`HeadReader::next_batch`] returns the error
//! there). Version 1 files (one JSON document that signed every head) are still read.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use embargo_core::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::io::{BufRead as _, BufReader, BufWriter, Read as _, Seek as _, Write as _};
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

/// A checkpoint's signed header: what it vouches for, without its heads (read them
/// with [`Checkpoint::heads`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub taken_at: Timestamp,
    /// The database's id ([`crate::IntegrityStore::database_id`]).
    pub database: String,
    /// [`crate::ChainKey::id`] of the chain the heads belong to.
    pub chain: String,
    /// How many heads it holds.
    pub streams: u64,
    /// Where its heads are: this file (v2), or already read and checked (v1).
    heads: Heads,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Heads {
    /// The heads follow the header at `offset` in `path`; their SHA-256 is `digest`.
    File {
        path: PathBuf,
        offset: u64,
        digest: [u8; 32],
    },
    /// A version 1 file: its signature covered every head, checked on reading.
    Read(Vec<Head>),
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
    #[error("{path}: its heads are not the ones its signature vouches for ({reason})")]
    HeadsChanged { path: String, reason: String },
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

const VERSION: u32 = 2;
const PREFIX: &str = "checkpoint-";
/// The lines the signature covers, then the signer and the signature.
const HEADER_LINES: usize = 8;

/// The first six lines: what the signature covers.
fn signed_text(
    taken_at: Timestamp,
    database: &str,
    chain: &str,
    streams: u64,
    digest: &[u8; 32],
) -> String {
    format!(
        "embargo checkpoint v{VERSION}\ntaken_at {}\ndatabase {database}\nchain {chain}\n\
         streams {streams:020}\nheads sha256:{}\n",
        taken_at.as_microsecond(),
        hex::encode(digest)
    )
}

/// One head's line, as written and digested. Stream names can't hold a newline or a
/// tab (they are `case:ID`, `project:SLUG`, `release:ID` or `accounts`).
fn head_line(h: &Head) -> String {
    format!("{}\t{}\t{}\n", h.stream, h.seq, h.hash)
}

/// The whole header: the signed lines, the signer and the signature. Its length does
/// not depend on the count, the digest or the signature (fixed widths), so a writer
/// can put a placeholder first and the real one over it at the end.
fn header(signed: &str, signer: &[u8; 32], signature: &[u8; 64]) -> String {
    format!(
        "{signed}signer {}\nsignature {}\n",
        hex::encode(signer),
        hex::encode(signature)
    )
}

fn unwritable(dir: &Path) -> impl Fn(std::io::Error) -> CheckpointError + '_ {
    move |e| CheckpointError::Unwritable {
        dir: dir.display().to_string(),
        reason: e.to_string(),
    }
}

/// Writes a checkpoint head by head (in any order, each stream once);
/// [`CheckpointWriter::finish`] signs it and puts it in place. Until then it is a
/// hidden file that no reader takes for a checkpoint.
pub struct CheckpointWriter {
    dir: PathBuf,
    tmp: PathBuf,
    /// Taken by `finish`.
    out: Option<BufWriter<std::fs::File>>,
    /// The file is in place under its name: nothing to clean up.
    done: bool,
    digest: Sha256,
    streams: u64,
    taken_at: Timestamp,
    database: String,
    chain: String,
}

impl CheckpointWriter {
    pub fn create(
        dir: &Path,
        database: String,
        chain: String,
        taken_at: Timestamp,
    ) -> Result<Self, CheckpointError> {
        let fail = unwritable(dir);
        std::fs::create_dir_all(dir).map_err(&fail)?;
        let tmp = dir.join(format!(
            ".{PREFIX}{database}-{}.tmp",
            taken_at.as_microsecond()
        ));
        let mut out =
            BufWriter::with_capacity(1 << 16, std::fs::File::create(&tmp).map_err(&fail)?);
        let placeholder = signed_text(taken_at, &database, &chain, 0, &[0; 32]);
        out.write_all(header(&placeholder, &[0; 32], &[0; 64]).as_bytes())
            .map_err(&fail)?;
        Ok(CheckpointWriter {
            dir: dir.to_owned(),
            tmp,
            out: Some(out),
            done: false,
            digest: Sha256::new(),
            streams: 0,
            taken_at,
            database,
            chain,
        })
    }

    pub fn push(&mut self, head: &Head) -> Result<(), CheckpointError> {
        let line = head_line(head);
        self.digest.update(line.as_bytes());
        self.streams += 1;
        let out = self.out.as_mut().expect("not finished");
        out.write_all(line.as_bytes())
            .map_err(unwritable(&self.dir))
    }

    /// Signs the header, writes it over the placeholder, makes the file durable and
    /// names it by its time (so names sort by age); keeps the newest `keep` of this
    /// database's checkpoints and removes older ones.
    pub fn finish(mut self, key: &SigningKey, keep: usize) -> Result<PathBuf, CheckpointError> {
        let dir = self.dir.clone();
        let fail = unwritable(&dir);
        let digest: [u8; 32] = std::mem::take(&mut self.digest).finalize().into();
        let signed = signed_text(
            self.taken_at,
            &self.database,
            &self.chain,
            self.streams,
            &digest,
        );
        let signature = key.sign(signed.as_bytes()).to_bytes();
        let out = self.out.take().expect("a writer is finished once");
        let mut file = out.into_inner().map_err(|e| fail(e.into_error()))?;
        file.seek(std::io::SeekFrom::Start(0)).map_err(&fail)?;
        file.write_all(header(&signed, key.verifying_key().as_bytes(), &signature).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(&fail)?;
        let path = self.dir.join(format!(
            "{PREFIX}{}-{:020}.txt",
            self.database,
            self.taken_at.as_microsecond()
        ));
        std::fs::rename(&self.tmp, &path).map_err(&fail)?;
        self.done = true;
        let files = list(&self.dir, &self.database).map_err(&fail)?;
        for old in files.iter().rev().skip(keep.max(1)) {
            let _ = std::fs::remove_file(old);
        }
        Ok(path)
    }
}

impl Drop for CheckpointWriter {
    /// A writer dropped before it finished (an error while reading the heads, or
    /// while finishing) leaves no half-written file behind.
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl Checkpoint {
    /// The newest checkpoint of `database` in `dir`, if any, its header checked against
    /// `key` and the chain id. Its heads are checked as they are read.
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
        let c = if path.extension().is_some_and(|e| e == "json") {
            read_v1(path, key)?
        } else {
            read_header(path, key)?
        };
        let shown = path.display().to_string();
        if c.database != database {
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

    /// Its heads, read a batch at a time.
    pub fn heads(&self) -> Result<HeadReader, CheckpointError> {
        Ok(HeadReader(match &self.heads {
            Heads::Read(heads) => Source::Read(heads.clone().into_iter()),
            Heads::File {
                path,
                offset,
                digest,
            } => {
                let shown = path.display().to_string();
                let unreadable = |e: std::io::Error| CheckpointError::Unreadable {
                    path: shown.clone(),
                    reason: e.to_string(),
                };
                let mut file = std::fs::File::open(path).map_err(unreadable)?;
                file.seek(std::io::SeekFrom::Start(*offset))
                    .map_err(unreadable)?;
                Source::File(Box::new(FileHeads {
                    lines: BufReader::with_capacity(1 << 16, file),
                    path: shown.clone(),
                    digest: Sha256::new(),
                    expected: *digest,
                    left: self.streams,
                    line: String::new(),
                }))
            }
        }))
    }
}

/// A checkpoint's heads, in the order written.
pub struct HeadReader(Source);

enum Source {
    File(Box<FileHeads>),
    Read(std::vec::IntoIter<Head>),
}

struct FileHeads {
    lines: BufReader<std::fs::File>,
    path: String,
    digest: Sha256,
    expected: [u8; 32],
    /// Heads the header promised that were not read yet.
    left: u64,
    line: String,
}

impl HeadReader {
    /// Up to `n` more heads; empty at the end. The last call, the one that finds the
    /// end, fails if the heads read are not exactly those the signature vouches for:
    /// a caller must read to the end before believing what it compared.
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<Head>, CheckpointError> {
        let f = match &mut self.0 {
            Source::Read(heads) => return Ok(heads.by_ref().take(n).collect()),
            Source::File(f) => f,
        };
        let changed = |reason: String| CheckpointError::HeadsChanged {
            path: f.path.clone(),
            reason,
        };
        let mut batch = Vec::with_capacity(n.min(f.left as usize));
        while batch.len() < n && f.left > 0 {
            f.line.clear();
            let read = f
                .lines
                .read_line(&mut f.line)
                .map_err(|e| changed(e.to_string()))?;
            if read == 0 {
                return Err(changed(format!("{} heads missing at the end", f.left)));
            }
            f.digest.update(f.line.as_bytes());
            let head = parse_head(&f.line)
                .ok_or_else(|| changed(format!("a line reads {:?}", f.line.trim_end())))?;
            batch.push(head);
            f.left -= 1;
        }
        if batch.is_empty() {
            let mut rest = [0u8; 1];
            let extra = f
                .lines
                .read(&mut rest)
                .map_err(|e| changed(e.to_string()))?;
            if extra != 0 {
                return Err(changed("more heads than it counts".into()));
            }
            let found: [u8; 32] = std::mem::take(&mut f.digest).finalize().into();
            if found != f.expected {
                return Err(changed("their digest differs".into()));
            }
        }
        Ok(batch)
    }
}

fn parse_head(line: &str) -> Option<Head> {
    let mut parts = line.strip_suffix('\n')?.split('\t');
    let (stream, seq, hash) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || stream.is_empty() || hash.is_empty() {
        return None;
    }
    Some(Head {
        stream: stream.to_owned(),
        seq: seq.parse().ok()?,
        hash: hash.to_owned(),
    })
}

/// Reads and checks a v2 header.
fn read_header(path: &Path, key: &VerifyingKey) -> Result<Checkpoint, CheckpointError> {
    let shown = path.display().to_string();
    let malformed = |reason: &str| CheckpointError::Malformed {
        path: shown.clone(),
        reason: reason.to_owned(),
    };
    let file = std::fs::File::open(path).map_err(|e| CheckpointError::Unreadable {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let mut reader = BufReader::new(file);
    let mut lines = Vec::with_capacity(HEADER_LINES);
    let mut offset = 0u64;
    for _ in 0..HEADER_LINES {
        let mut line = String::new();
        // A header line is short: a longer one is not a header (and is not read whole).
        let read = (&mut reader).take(512).read_line(&mut line).map_err(|e| {
            CheckpointError::Unreadable {
                path: shown.clone(),
                reason: e.to_string(),
            }
        })?;
        if read == 0 || !line.ends_with('\n') {
            return Err(malformed("its header is cut short"));
        }
        offset += read as u64;
        lines.push(line.trim_end_matches('\n').to_owned());
    }
    let field = |i: usize, name: &str| -> Result<&str, CheckpointError> {
        lines[i]
            .strip_prefix(name)
            .and_then(|v| v.strip_prefix(' '))
            .ok_or_else(|| malformed(&format!("line {} should start with `{name}`", i + 1)))
    };
    if lines[0] != format!("embargo checkpoint v{VERSION}") {
        return Err(malformed(&format!(
            "the first line reads {:?} (this program reads v1 and v{VERSION})",
            lines[0]
        )));
    }
    let taken_at = field(1, "taken_at")?
        .parse::<i64>()
        .ok()
        .and_then(|m| Timestamp::from_microsecond(m).ok())
        .ok_or_else(|| malformed("`taken_at` is not a time"))?;
    let database = field(2, "database")?.to_owned();
    let chain = field(3, "chain")?.to_owned();
    let streams: u64 = field(4, "streams")?
        .parse()
        .map_err(|_| malformed("`streams` is not a count"))?;
    let digest: [u8; 32] = field(5, "heads")?
        .strip_prefix("sha256:")
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("`heads` is not a SHA-256 digest"))?;
    let signature = field(7, "signature")?;
    let signed = signed_text(taken_at, &database, &chain, streams, &digest);
    let good = hex::decode(signature)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .is_some_and(|sig| key.verify(signed.as_bytes(), &sig).is_ok());
    if !good {
        return Err(CheckpointError::BadSignature { path: shown });
    }
    Ok(Checkpoint {
        taken_at,
        database,
        chain,
        streams,
        heads: Heads::File {
            path: path.to_owned(),
            offset,
            digest,
        },
    })
}

/// A version 1 checkpoint: one JSON document whose signature covers every head.
#[derive(Deserialize)]
struct V1 {
    version: u32,
    taken_at: Timestamp,
    database: String,
    chain: String,
    heads: Vec<Head>,
    signature: String,
}

fn read_v1(path: &Path, key: &VerifyingKey) -> Result<Checkpoint, CheckpointError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|e| CheckpointError::Unreadable {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let c: V1 = serde_json::from_slice(&text).map_err(|e| CheckpointError::Malformed {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    if c.version != 1 {
        return Err(CheckpointError::Malformed {
            path: shown,
            reason: format!("version {} (this program reads 1 and {VERSION})", c.version),
        });
    }
    let mut signed = format!(
        "embargo checkpoint v1\ntaken_at {}\ndatabase {}\nchain {}\n",
        c.taken_at.as_microsecond(),
        c.database,
        c.chain
    );
    for h in &c.heads {
        signed.push_str(&head_line(h));
    }
    let good = hex::decode(&c.signature)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .is_some_and(|sig| key.verify(signed.as_bytes(), &sig).is_ok());
    if !good {
        return Err(CheckpointError::BadSignature { path: shown });
    }
    Ok(Checkpoint {
        taken_at: c.taken_at,
        database: c.database,
        chain: c.chain,
        streams: c.heads.len() as u64,
        heads: Heads::Read(c.heads),
    })
}

/// The checkpoint files of `database` in `dir`, oldest first (v1 `.json` and v2 `.txt`).
fn list(dir: &Path, database: &str) -> std::io::Result<Vec<PathBuf>> {
    let prefix = format!("{PREFIX}{database}-");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&prefix) && (n.ends_with(".txt") || n.ends_with(".json"))
            })
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

    fn heads(n: u64) -> Vec<Head> {
        (0..n)
            .map(|i| Head {
                stream: format!("case:{i:05}"),
                seq: i + 1,
                hash: format!("{:064x}", i * 7),
            })
            .collect()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn write(dir: &Path, k: &SigningKey, t: &str, heads: &[Head], keep: usize) -> PathBuf {
        let mut w = CheckpointWriter::create(dir, "db".into(), "c".into(), at(t)).unwrap();
        for h in heads {
            w.push(h).unwrap();
        }
        w.finish(k, keep).unwrap()
    }

    fn read_all(c: &Checkpoint) -> Result<Vec<Head>, CheckpointError> {
        let mut reader = c.heads()?;
        let mut all = Vec::new();
        loop {
            let batch = reader.next_batch(7)?;
            if batch.is_empty() {
                return Ok(all);
            }
            all.extend(batch);
        }
    }

    fn newest(
        dir: &Path,
        k: &SigningKey,
    ) -> Result<Option<(PathBuf, Checkpoint)>, CheckpointError> {
        Checkpoint::newest(dir, "db", &k.verifying_key(), "c")
    }

    #[test]
    fn heads_are_written_and_read_as_a_stream_and_old_files_pruned() {
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
            write(dir.path(), &k, t, &heads(20 + i as u64), 2);
        }
        // Another database's checkpoint in the same directory is neither read nor pruned.
        let mut w = CheckpointWriter::create(
            dir.path(),
            "other".into(),
            "c".into(),
            at("2026-12-02T00:00:00Z"),
        )
        .unwrap();
        w.push(&heads(1)[0]).unwrap();
        w.finish(&k, 1).unwrap();
        assert_eq!(list(dir.path(), "db").unwrap().len(), 2);
        assert_eq!(list(dir.path(), "other").unwrap().len(), 1);
        let (_, c) = newest(dir.path(), &k).unwrap().unwrap();
        assert_eq!((c.taken_at, c.streams), (at("2026-12-01T02:00:00Z"), 22));
        assert_eq!(read_all(&c).unwrap(), heads(22));
        // Nothing half-written is left behind, and a writer given up leaves nothing.
        let w = CheckpointWriter::create(
            dir.path(),
            "db".into(),
            "c".into(),
            at("2026-12-03T00:00:00Z"),
        )
        .unwrap();
        drop(w);
        let hidden = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count();
        assert_eq!(hidden, 0);
        assert_eq!(newest(&dir.path().join("none"), &k).unwrap(), None);
    }

    #[test]
    fn the_signature_vouches_for_the_header_and_through_it_every_head() {
        let dir = tempfile::tempdir().unwrap();
        let k = key(1);
        let path = write(dir.path(), &k, "2026-12-01T00:00:00Z", &heads(30), 5);
        let good = std::fs::read_to_string(&path).unwrap();
        assert!(matches!(
            Checkpoint::newest(dir.path(), "db", &key(2).verifying_key(), "c"),
            Err(CheckpointError::BadSignature { .. })
        ));
        assert!(matches!(
            Checkpoint::newest(dir.path(), "db", &k.verifying_key(), "other"),
            Err(CheckpointError::OtherChain { .. })
        ));
        // The header's count, time or digest edited: the signature no longer verifies.
        let micros = at("2026-12-01T00:00:00Z").as_microsecond();
        for (from, to) in [
            (
                "streams 00000000000000000030".to_owned(),
                "streams 00000000000000000029".to_owned(),
            ),
            (
                format!("taken_at {micros}"),
                format!("taken_at {}", micros + 1),
            ),
        ] {
            assert!(good.contains(&from), "{good}");
            std::fs::write(&path, good.replacen(&from, &to, 1)).unwrap();
            assert!(
                matches!(
                    newest(dir.path(), &k),
                    Err(CheckpointError::BadSignature { .. })
                ),
                "{to}"
            );
        }
        // A head edited, dropped or added: found at the end of the heads.
        let edited = [
            good.replacen("case:00003\t4\t", "case:00003\t5\t", 1),
            good.replacen(&head_line(&heads(30)[29]), "", 1),
            format!("{good}case:99999\t1\t00\n"),
            good.replacen(&head_line(&heads(30)[3]), "case:00003\t4\n", 1),
        ];
        for text in edited {
            assert_ne!(text, good);
            std::fs::write(&path, &text).unwrap();
            let (_, c) = newest(dir.path(), &k).unwrap().unwrap();
            assert!(
                matches!(read_all(&c), Err(CheckpointError::HeadsChanged { .. })),
                "{:?}",
                read_all(&c)
            );
        }
        std::fs::write(&path, "embargo checkpoint v3\n").unwrap();
        assert!(matches!(
            newest(dir.path(), &k),
            Err(CheckpointError::Malformed { .. })
        ));
    }

    #[test]
    fn a_version_1_checkpoint_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let k = key(1);
        let t = at("2026-11-01T00:00:00Z");
        let hs = heads(3);
        let mut signed = format!(
            "embargo checkpoint v1\ntaken_at {}\ndatabase db\nchain c\n",
            t.as_microsecond()
        );
        for h in &hs {
            signed.push_str(&head_line(h));
        }
        let file = |signature: String| {
            serde_json::json!({
                "version": 1, "taken_at": t, "database": "db", "chain": "c",
                "signer": hex::encode(k.verifying_key().as_bytes()),
                "heads": hs, "signature": signature,
            })
            .to_string()
        };
        let path = dir
            .path()
            .join(format!("{PREFIX}db-{:020}.json", t.as_microsecond()));
        std::fs::write(
            &path,
            file(hex::encode(k.sign(signed.as_bytes()).to_bytes())),
        )
        .unwrap();
        let (_, c) = newest(dir.path(), &k).unwrap().unwrap();
        assert_eq!((c.streams, read_all(&c).unwrap()), (3, hs.clone()));
        std::fs::write(
            &path,
            file(hex::encode(key(2).sign(signed.as_bytes()).to_bytes())),
        )
        .unwrap();
        assert!(matches!(
            newest(dir.path(), &k),
            Err(CheckpointError::BadSignature { .. })
        ));
        // A v2 checkpoint written later is the newest.
        write(dir.path(), &k, "2026-12-01T00:00:00Z", &heads(4), 5);
        assert_eq!(newest(dir.path(), &k).unwrap().unwrap().1.streams, 4);
    }
}
