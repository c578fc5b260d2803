//! The keys that make the event log tamper-evident, and its signed checkpoints
//! (`[integrity]` settings): the chain key (HMAC-SHA256 over every event, so a database
//! edited without the key does not verify) and the Ed25519 key that signs checkpoints of
//! every stream's head, written to files outside the database. Both keys are files the
//! database never holds; they are made on first start when missing.
//!
//! At start-up the server refuses to start when the newest checkpoint is not one it
//! signed for this database's chain; once it listens it compares the checkpoint's heads
//! with the database in the background, stops serving a stream whose checkpointed event
//! was changed or deleted, naming it, and writes a new checkpoint when all hold; then
//! again every `integrity.checkpoint_minutes` (`App::sweep_integrity`).

use crate::settings::Settings;
use ed25519_dalek::SigningKey;
use embargo_core::Timestamp;
use embargo_store::HeadMismatch;
use embargo_store::checkpoint::{Checkpoint, CheckpointWriter};
use embargo_store::{ChainKey, OpenOptions, Store};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The keys and where checkpoints go, read (or made) from the settings.
pub struct Integrity {
    chain: ChainKey,
    /// The master keys of files at rest (`crate::encryption`).
    sealing: std::sync::Arc<embargo_store::sealing::Sealing>,
    /// The chain key file was made by this start: the database may adopt it.
    fresh_chain: bool,
    signing: SigningKey,
    pub checkpoint_dir: PathBuf,
    pub keep: usize,
    /// Mismatches named at most by one check (the rest are counted):
    /// [`MISMATCHES_KEPT`], smaller in tests.
    pub mismatches_kept: usize,
    pub every: std::time::Duration,
}

/// What one [`Integrity::sweep`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Sweep {
    /// Everything held; a new checkpoint was written here.
    Written(PathBuf),
    /// These streams (name, what was found) no longer match: they are not served.
    Distrusted(Vec<(String, String)>),
}

/// What the newest checkpoint said about the database.
#[derive(Debug, PartialEq, Eq)]
pub enum CheckpointCheck {
    /// No checkpoint yet (a new installation, or a new checkpoint directory).
    None,
    /// Every checkpointed head is still there, unchanged.
    Holds {
        path: PathBuf,
        streams: u64,
        taken_at: Timestamp,
    },
}

/// The configured database, opened with these keys.
pub async fn open_store(
    settings: &Settings,
    options: &OpenOptions,
) -> Result<std::sync::Arc<dyn Store>, String> {
    let store = match &settings.database_url {
        Some(url) => embargo_store::open_postgres_with(url, options).await,
        None => embargo_store::open_sqlite_with(&settings.data_dir, options).await,
    };
    store.map_err(|e| {
        format!(
            "cannot open the database ({}): {e}",
            settings.storage_description()
        )
    })
}

/// Where the chain key is (`integrity.key_file`, else `DATA_DIR/keys/chain.key`).
pub fn chain_key_path(settings: &Settings) -> PathBuf {
    settings
        .integrity
        .key_file
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("keys").join("chain.key"))
}

/// The newest checkpoint compared with the database.
struct Compared {
    path: PathBuf,
    checkpoint: Checkpoint,
    /// The heads that no longer match, at most `mismatches_kept` of them.
    wrong: Vec<HeadMismatch>,
    /// How many more did not match than are named in `wrong`.
    more: u64,
}

impl Integrity {
    pub fn load(settings: &Settings) -> Result<Integrity, String> {
        let i = &settings.integrity;
        let keys = settings.data_dir.join("keys");
        let chain_path = chain_key_path(settings);
        let signing_path = i
            .signing_key_file
            .clone()
            .unwrap_or_else(|| keys.join("checkpoint.key"));
        let (chain, fresh_chain) = key_file(&chain_path, "integrity.key_file")?;
        let (signing, _) = key_file(&signing_path, "integrity.signing_key_file")?;
        Ok(Integrity {
            chain: ChainKey::new(chain),
            sealing: crate::encryption::sealing(settings)?,
            fresh_chain,
            signing: SigningKey::from_bytes(&signing),
            checkpoint_dir: i
                .checkpoint_dir
                .clone()
                .unwrap_or_else(|| settings.data_dir.join("checkpoints")),
            keep: i.keep_checkpoints as usize,
            mismatches_kept: MISMATCHES_KEPT,
            every: std::time::Duration::from_secs(u64::from(i.checkpoint_minutes) * 60),
        })
    }

    pub fn open_options(&self) -> OpenOptions {
        OpenOptions {
            chain: self.chain.clone(),
            adopt_unkeyed: self.fresh_chain,
            sealing: Some(self.sealing.clone()),
        }
    }

    /// The newest checkpoint, its header checked (signature, database, chain); `Err`
    /// if it can't be read or trusted. Cheap: its heads are read by [`Self::compare`].
    pub fn newest(&self, store: &dyn Store) -> Result<Option<(PathBuf, Checkpoint)>, String> {
        Checkpoint::newest(
            &self.checkpoint_dir,
            &store.database_id(),
            &self.signing.verifying_key(),
            &store.chain_key_id(),
        )
        .map_err(|e| format!("integrity: {e}"))
    }

    /// The heads of checkpoint `c` that the database no longer holds as they were,
    /// read and compared a batch at a time (memory does not grow with the number of
    /// streams). At most `mismatches_kept` are returned, with the count of the rest.
    pub async fn compare(
        &self,
        store: &dyn Store,
        c: &Checkpoint,
    ) -> Result<(Vec<HeadMismatch>, u64), String> {
        let mut heads = c.heads().map_err(|e| format!("integrity: {e}"))?;
        let (mut wrong, mut more) = (Vec::new(), 0u64);
        loop {
            let batch = heads
                .next_batch(HEADS_PER_CHECK)
                .map_err(|e| format!("integrity: {e}"))?;
            if batch.is_empty() {
                return Ok((wrong, more));
            }
            for m in store
                .check_heads(&batch)
                .await
                .map_err(|e| format!("integrity: cannot read the events: {e}"))?
            {
                if wrong.len() < self.mismatches_kept {
                    wrong.push(m);
                } else {
                    more += 1;
                }
            }
        }
    }

    /// The newest checkpoint and the heads it signed that the database no longer
    /// holds as they were; `Err` if the checkpoint itself can't be read or trusted.
    async fn mismatches(&self, store: &dyn Store) -> Result<Option<Compared>, String> {
        let Some((path, checkpoint)) = self.newest(store)? else {
            return Ok(None);
        };
        let (wrong, more) = self.compare(store, &checkpoint).await?;
        Ok(Some(Compared {
            path,
            checkpoint,
            wrong,
            more,
        }))
    }

    /// Checks the newest checkpoint: `Err` names what no longer matches (or why the
    /// checkpoint itself can't be trusted) and what to do.
    pub async fn check(&self, store: &dyn Store) -> Result<CheckpointCheck, String> {
        let Some(Compared {
            path,
            checkpoint: c,
            wrong,
            more,
        }) = self.mismatches(store).await?
        else {
            return Ok(CheckpointCheck::None);
        };
        if let Some(first) = wrong.first() {
            return Err(format!(
                "integrity: the database no longer matches the checkpoint {} of {}: {first}{}. \
                 The event log was changed behind Embargo's back; restore a backup taken \
                 before that checkpoint, or investigate with `embargo admin verify`",
                path.display(),
                c.taken_at,
                match wrong.len() as u64 + more {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                }
            ));
        }
        Ok(CheckpointCheck::Holds {
            path,
            streams: c.streams,
            taken_at: c.taken_at,
        })
    }

    /// Checks the newest checkpoint: the streams that no longer match it, each with
    /// what was found; when everything holds, a new checkpoint is written. The
    /// running server calls it through `App::sweep_integrity`, which stops serving
    /// the streams found.
    pub async fn sweep(&self, store: &dyn Store, now: Timestamp) -> Result<Sweep, String> {
        if let Some(Compared {
            path, wrong, more, ..
        }) = self.mismatches(store).await?
            && !wrong.is_empty()
        {
            let mut streams: Vec<(String, String)> = wrong
                .iter()
                .map(|m| {
                    (
                        m.head.stream.clone(),
                        format!("{m}, against the checkpoint {}", path.display()),
                    )
                })
                .collect();
            if more > 0 {
                // Too many to name: the log was rewritten wholesale, and the streams
                // not named must not be served either. Distrusting the accounts stream
                // refuses every case.
                streams.push((
                    embargo_store::stream::ACCOUNTS.to_owned(),
                    format!(
                        "{more} more stream{} than named here no longer match the checkpoint \
                         {}; no case is served",
                        if more == 1 { "" } else { "s" },
                        path.display()
                    ),
                ));
            }
            for (stream, what) in &streams {
                tracing::error!(stream, "integrity: {what}; the stream is no longer served");
            }
            return Ok(Sweep::Distrusted(streams));
        }
        // Checked just now: written without checking again.
        self.write_checkpoint(store, now).await.map(Sweep::Written)
    }

    /// After a restore (`why` = "restore") or sealing the history ("seal-history"):
    /// moves the newest checkpoints that the database no longer matches (taken after
    /// the backup, or before streams were re-linked) into a folder of their own,
    /// `set-aside-by-WHY-TIME`, newest first, until one holds or none is left. Returns
    /// the files moved. A checkpoint that is not ours (another key) stops it with an
    /// error, as at start-up.
    pub async fn set_aside_checkpoints_past(
        &self,
        store: &dyn Store,
        now: Timestamp,
        why: &str,
    ) -> Result<Vec<PathBuf>, String> {
        let aside = self
            .checkpoint_dir
            .join(format!("set-aside-by-{why}-{}", now.as_microsecond()));
        let mut moved = Vec::new();
        while let Some((path, c)) = self.newest(store)? {
            let (wrong, _) = self.compare(store, &c).await?;
            if wrong.is_empty() {
                break;
            }
            std::fs::create_dir_all(&aside)
                .map_err(|e| format!("cannot create {}: {e}", aside.display()))?;
            let to = aside.join(path.file_name().expect("a checkpoint file has a name"));
            std::fs::rename(&path, &to)
                .map_err(|e| format!("cannot move {}: {e}", path.display()))?;
            moved.push(to);
        }
        Ok(moved)
    }

    /// Signs and writes a checkpoint of every stream's head now, once the newest
    /// checkpoint is checked: a new one must never vouch for a history that was
    /// changed since the last.
    pub async fn checkpoint(&self, store: &dyn Store, now: Timestamp) -> Result<PathBuf, String> {
        self.check(store).await?;
        self.write_checkpoint(store, now).await
    }

    /// Signs and writes a checkpoint of every stream's head as it is now, read from
    /// the database a page at a time into the file.
    async fn write_checkpoint(&self, store: &dyn Store, now: Timestamp) -> Result<PathBuf, String> {
        let fail = |e: embargo_store::checkpoint::CheckpointError| format!("integrity: {e}");
        let mut out = CheckpointWriter::create(
            &self.checkpoint_dir,
            store.database_id(),
            store.chain_key_id(),
            now,
        )
        .map_err(fail)?;
        let mut after = String::new();
        loop {
            let page = store
                .heads_after(&after, HEADS_PER_CHECK)
                .await
                .map_err(|e| format!("integrity: cannot read the stream heads: {e}"))?;
            let Some(last) = page.last() else { break };
            after = last.stream.clone();
            for head in &page {
                out.push(head).map_err(fail)?;
            }
        }
        out.finish(&self.signing, self.keep).map_err(fail)
    }
}

/// Heads read from the database, or from a checkpoint to compare, at a time.
const HEADS_PER_CHECK: usize = 2_000;
/// Mismatches named at most (the rest are counted): a rewritten database must not
/// make the check hold all of it in memory.
pub const MISMATCHES_KEPT: usize = 1_000;

/// Writes a secret to a new file readable by its owner only (replacing one there),
/// creating its folder; `Err` names the file.
pub fn write_secret_file(path: &Path, text: &str) -> Result<(), String> {
    let bad = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(bad)?;
    }
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(bad)?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(bad)
}

/// Reads a 32-byte key written as 64 hex digits, or makes one (readable by the owner
/// only) when the file does not exist. `true` when it was made now.
pub(crate) fn key_file(path: &Path, setting: &str) -> Result<([u8; 32], bool), String> {
    let bad = |why: String| format!("`{setting}`: {}: {why}", path.display());
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|_| bad("not 64 hex digits".into()))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| bad("not 64 hex digits (a 32-byte key)".into()))?;
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| bad(e.to_string()))?;
            }
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).expect("the operating system's random source");
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(mut f) => {
                    writeln!(f, "{}", hex::encode(key))
                        .and_then(|()| f.sync_all())
                        .map_err(|e| bad(e.to_string()))?;
                    Ok((key, true))
                }
                // Another instance made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => key_file(path, setting),
                Err(e) => Err(bad(e.to_string())),
            }
        }
        Err(e) => Err(bad(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_made_once_private_and_then_read() {
        let dir = embargo_testkit::temp_dir();
        let path = dir.path().join("keys/chain.key");
        let (made, fresh) = key_file(&path, "integrity.key_file").unwrap();
        assert!(fresh);
        let (read, fresh) = key_file(&path, "integrity.key_file").unwrap();
        assert_eq!((read, fresh), (made, false));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex\n").unwrap();
        let e = key_file(&path, "integrity.key_file").unwrap_err();
        assert!(
            e.contains("`integrity.key_file`") && e.contains("64 hex digits"),
            "{e}"
        );
    }
}
