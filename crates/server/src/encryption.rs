//! The master key of files at rest (`embargo_store::sealing`): read (or made) from
//! `encryption.key_file`, and replaced by `embargo admin rotate-key`.
//!
//! A rotation never leaves a data key without the master key it is wrapped under: the
//! new key is written to `KEY_FILE.new` first, every data key is re-wrapped under it
//! in one transaction, and only then does `KEY_FILE` become `KEY_FILE.old` and the new
//! one `KEY_FILE`. Opening reads all three files that exist, so a rotation cut short
//! at any step still opens; running it again finishes it.

use crate::integrity::{Integrity, key_file};
use crate::settings::Settings;
use embargo_store::sealing::{MasterKeys, Sealing, key_id};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SETTING: &str = "encryption.key_file";

/// Where the master key is (`encryption.key_file`, else `DATA_DIR/keys/data.key`).
pub fn key_path(settings: &Settings) -> PathBuf {
    settings
        .encryption
        .key_file
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("keys").join("data.key"))
}

fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{suffix}"));
    PathBuf::from(name)
}

/// The key in `path` if the file exists.
fn existing(path: &Path) -> Result<Option<[u8; 32]>, String> {
    if path.exists() {
        key_file(path, SETTING).map(|(k, _)| Some(k))
    } else {
        Ok(None)
    }
}

/// The master keys: the key file (made on first start) and, after a rotation cut
/// short, its `.new` and `.old` files.
pub fn sealing(settings: &Settings) -> Result<Arc<Sealing>, String> {
    let path = key_path(settings);
    let (current, _) = key_file(&path, SETTING)?;
    let mut others = Vec::new();
    for suffix in ["new", "old"] {
        others.extend(existing(&beside(&path, suffix))?);
    }
    Ok(Arc::new(Sealing::new(MasterKeys::new(current, others))))
}

/// What a rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub data_keys: usize,
    pub old: String,
    pub new: String,
    pub key_file: PathBuf,
}

/// Replaces the master key: a new one, every project's data key re-wrapped under it.
/// The server should be stopped meanwhile (a running one keeps the data keys it has
/// opened, and would wrap a new project's key under the old master key).
pub async fn rotate(settings: &Settings) -> Result<Rotated, String> {
    let path = key_path(settings);
    let Some(old) = existing(&path)? else {
        return Err(format!(
            "`{SETTING}`: {} does not exist: there is no master key to rotate (the server makes one on first start)",
            path.display()
        ));
    };
    let new_path = beside(&path, "new");
    // A rotation cut short left its new key: finish with that one.
    let (new, _) = key_file(&new_path, SETTING)?;
    let mut earlier = vec![old];
    earlier.extend(existing(&beside(&path, "old"))?);
    let integrity = Integrity::load(settings)?;
    let mut options = integrity.open_options();
    options.sealing = Some(Arc::new(Sealing::new(MasterKeys::new(new, earlier))));
    let store = crate::integrity::open_store(settings, &options).await?;
    let data_keys = store
        .rewrap_data_keys()
        .await
        .map_err(|e| format!("the data keys could not be re-wrapped; nothing changed: {e}"))?;
    let old_path = beside(&path, "old");
    std::fs::rename(&path, &old_path)
        .and_then(|()| std::fs::rename(&new_path, &path))
        .map_err(|e| {
            format!(
                "the data keys are re-wrapped under {}, but the key files could not be moved \
                 ({e}); run `embargo admin rotate-key` again to finish",
                new_path.display()
            )
        })?;
    Ok(Rotated {
        data_keys,
        old: key_id(&old),
        new: key_id(&new),
        key_file: path,
    })
}
