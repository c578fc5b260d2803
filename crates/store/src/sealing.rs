//! Files at rest (issue 11, item 3, in part): attachment contents are sealed with
//! AES-256-GCM under a data key of their project, and each project's data key is kept
//! in the database only wrapped (sealed) under a master key that lives outside it (a
//! key file). Whoever takes the database file or a backup without the key file reads
//! no file content; rotating the master key re-wraps the data keys and touches no file.
//!
//! A sealed blob is `nonce (12 bytes) || ciphertext+tag`, bound by its associated data
//! to where it belongs (the project and the attachment's case and id for a file, the
//! project for a data key), so a blob copied into another row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

const NONCE: usize = 12;

/// A 32-byte AES-256 key.
pub type KeyBytes = [u8; 32];

/// Why something sealed does not open.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error(
        "the data key of project `{project}` is wrapped with master key `{key}`, which is not \
         among the key files given (`encryption.key_file`; after an interrupted \
         `admin rotate-key`, its `.new` or `.old` file)"
    )]
    UnknownMasterKey { project: String, key: String },
    #[error("{what} does not open with its key: it was changed, or sealed with another key")]
    Broken { what: String },
}

/// The master keys: the current one seals new data keys; any of them opens a data key
/// wrapped under it (the one before a rotation, until every data key is re-wrapped).
pub struct MasterKeys {
    current: (String, KeyBytes),
    others: Vec<(String, KeyBytes)>,
}

impl std::fmt::Debug for MasterKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.others.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("MasterKeys")
            .field("current", &self.current.0)
            .field("others", &ids)
            .finish()
    }
}

/// A key's public name: the start of its SHA-256, never the key.
pub fn key_id(key: &KeyBytes) -> String {
    hex::encode(&Sha256::digest([b"embargo-master-key:".as_slice(), key].concat())[..8])
}

impl MasterKeys {
    pub fn new(current: KeyBytes, others: impl IntoIterator<Item = KeyBytes>) -> MasterKeys {
        let current = (key_id(&current), current);
        let others = others
            .into_iter()
            .map(|k| (key_id(&k), k))
            .filter(|(id, _)| *id != current.0)
            .collect();
        MasterKeys { current, others }
    }

    pub fn current_id(&self) -> &str {
        &self.current.0
    }

    /// Whether the master key with this id is among these.
    pub fn knows(&self, id: &str) -> bool {
        self.by_id(id).is_some()
    }

    fn by_id(&self, id: &str) -> Option<&KeyBytes> {
        std::iter::once(&self.current)
            .chain(&self.others)
            .find(|(k, _)| k == id)
            .map(|(_, key)| key)
    }

    /// A new data key for `project`, and it wrapped under the current master key.
    pub fn new_data_key(&self, project: &str) -> (KeyBytes, Vec<u8>) {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the system's random source works");
        let wrapped = seal(&self.current.1, &key, &wrap_aad(project));
        (key, wrapped)
    }

    /// Opens a data key wrapped under master key `master`.
    pub fn unwrap(
        &self,
        project: &str,
        master: &str,
        wrapped: &[u8],
    ) -> Result<KeyBytes, SealError> {
        let Some(key) = self.by_id(master) else {
            return Err(SealError::UnknownMasterKey {
                project: project.to_owned(),
                key: master.to_owned(),
            });
        };
        let broken = || SealError::Broken {
            what: format!("the data key of project `{project}`"),
        };
        open(key, wrapped, &wrap_aad(project))
            .ok_or_else(broken)?
            .try_into()
            .map_err(|_| broken())
    }

    /// `wrapped` (under `master`) wrapped anew under the current master key.
    pub fn rewrap(
        &self,
        project: &str,
        master: &str,
        wrapped: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let key = self.unwrap(project, master, wrapped)?;
        Ok(seal(&self.current.1, &key, &wrap_aad(project)))
    }
}

fn wrap_aad(project: &str) -> Vec<u8> {
    format!("embargo data key\0{project}").into_bytes()
}

/// What binds a file's sealed content to its row.
pub fn file_aad(project: &str, case: &str, attachment: &str) -> Vec<u8> {
    format!("embargo file\0{project}\0{case}\0{attachment}").into_bytes()
}

/// How sealed text starts: JSON never does, so clear text and sealed text can share a
/// column (what was stored before keys existed is read as it is). `~2:` text was
/// deflated before it was sealed; `~1:` text, stored before that, was sealed as it was.
const TEXT_PREFIX: &str = "~2:";
const TEXT_PREFIX_UNPACKED: &str = "~1:";

/// How hard `seal_text` deflates: level 6 (zlib's default) takes a case's projection
/// to about 40 % of its JSON; the higher levels gain a few bytes for twice the time.
const DEFLATE_LEVEL: u8 = 6;

/// The most a sealed text may inflate to: far more than any case or event, so only a
/// broken store meets it (what inflates was sealed by us and opened with its key).
const MAX_TEXT: usize = 256 << 20;

/// The associated data of sealed text: its format, its project and its place, so a
/// body copied into another row, or relabelled as the other format, does not open.
fn text_aad(project: &str, place: &str, packed: bool) -> Vec<u8> {
    if packed {
        format!("embargo text 2\0{project}\0{place}").into_bytes()
    } else {
        format!("embargo text\0{project}\0{place}").into_bytes()
    }
}

/// `plain` deflated, then sealed under `project`'s data key, bound to `place` (an
/// event's stream and number, or a case's projection), as text: `~2:PROJECT:BASE64`.
/// The project's slug stays readable (it is a column beside it anyway) so a reader
/// knows which key opens it.
///
/// Deflating first makes a sealed text's length follow how well its content
/// compresses, not only how long it is (as with restic's or borg's compressed,
/// encrypted backups). docs/at-rest.md weighs that against the bytes it saves.
pub fn seal_text(key: &KeyBytes, project: &str, place: &str, plain: &str) -> String {
    use base64::Engine;
    let packed = miniz_oxide::deflate::compress_to_vec(plain.as_bytes(), DEFLATE_LEVEL);
    let sealed = seal(key, &packed, &text_aad(project, place, true));
    format!(
        "{TEXT_PREFIX}{project}:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(sealed)
    )
}

/// Sealed text's format (deflated or not) and what follows its prefix, or `None` for
/// clear text.
fn sealed_parts(stored: &str) -> Option<(bool, &str)> {
    stored
        .strip_prefix(TEXT_PREFIX)
        .map(|rest| (true, rest))
        .or_else(|| {
            stored
                .strip_prefix(TEXT_PREFIX_UNPACKED)
                .map(|rest| (false, rest))
        })
}

/// The project whose key opens `stored`, or `None` for clear text.
pub fn sealed_by(stored: &str) -> Option<&str> {
    sealed_parts(stored)?.1.split(':').next()
}

/// Opens what [`seal_text`] sealed at `place` (in either format); clear text comes back
/// as it is.
pub fn open_text(key: &KeyBytes, place: &str, stored: &str) -> Result<String, SealError> {
    use base64::Engine;
    let Some((packed, rest)) = sealed_parts(stored) else {
        return Ok(stored.to_owned());
    };
    let broken = || SealError::Broken {
        what: format!("the sealed text at `{place}`"),
    };
    let (project, body) = rest.split_once(':').ok_or_else(broken)?;
    let sealed = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(body)
        .map_err(|_| broken())?;
    let mut plain = open(key, &sealed, &text_aad(project, place, packed)).ok_or_else(broken)?;
    if packed {
        plain = miniz_oxide::inflate::decompress_to_vec_with_limit(&plain, MAX_TEXT)
            .map_err(|_| broken())?;
    }
    String::from_utf8(plain).map_err(|_| broken())
}

/// The name the instance's search key is kept under in `data_keys`: no project's slug
/// can take it.
pub const SEARCH_KEY: &str = "#search";

/// The name of the instance's own data key, for what belongs to no project yet (mail
/// in quarantine that named none).
pub const INSTANCE_KEY: &str = "#instance";

/// What search finds sealed text by: a keyed token (HMAC-SHA256 under the search key,
/// 60 bits as 12 base32 letters) for each word, and for each of its prefixes of three
/// letters or more (search matches the start of words). Without the key, the tokens
/// tell nothing but which cases share a word.
pub fn search_tokens(key: &KeyBytes, words: &[String]) -> String {
    let mac = Tokens::new(key);
    let mut prefixes = std::collections::BTreeSet::new();
    for w in words {
        let chars: Vec<char> = w.chars().take(MAX_PREFIX).collect();
        for n in 3.min(chars.len())..=chars.len() {
            if n > 0 {
                prefixes.insert(chars[..n].iter().collect::<String>());
            }
        }
        if w.chars().count() > MAX_PREFIX {
            prefixes.insert(w.clone());
        }
    }
    let tokens: std::collections::BTreeSet<String> =
        prefixes.iter().map(|p| mac.token(p)).collect();
    tokens.into_iter().collect::<Vec<_>>().join(" ")
}

/// Prefixes longer than this are not indexed (the whole word still is).
const MAX_PREFIX: usize = 24;

/// The token of a typed search word: one of the tokens of every word it begins
/// (when it has three letters or more), or of that word alone.
pub fn query_token(key: &KeyBytes, word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() > MAX_PREFIX {
        token(key, &chars[..MAX_PREFIX].iter().collect::<String>())
    } else {
        token(key, word)
    }
}

fn token(key: &KeyBytes, word: &str) -> String {
    Tokens::new(key).token(word)
}

/// The search key's HMAC with its key schedule done once, for the many tokens of a case.
struct Tokens(hmac::Hmac<Sha256>);

impl Tokens {
    fn new(key: &KeyBytes) -> Tokens {
        use hmac::KeyInit;
        Tokens(hmac::Hmac::<Sha256>::new_from_slice(key).expect("any key length"))
    }

    fn token(&self, word: &str) -> String {
        use hmac::Mac;
        const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
        let mut m = self.0.clone();
        m.update(word.as_bytes());
        let digest = m.finalize().into_bytes();
        let bits = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        (0..12)
            .map(|i| ALPHABET[((bits >> (59 - 5 * i)) & 31) as usize] as char)
            .collect()
    }
}

pub fn seal(key: &KeyBytes, plain: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut nonce).expect("the system's random source works");
    let sealed = Aes256Gcm::new(key.into())
        .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad })
        .expect("AES-GCM seals any length we store");
    [nonce.as_slice(), &sealed].concat()
}

pub fn open(key: &KeyBytes, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE);
    let nonce: [u8; NONCE] = nonce.try_into().ok()?;
    Aes256Gcm::new(key.into())
        .decrypt(&Nonce::from(nonce), Payload { msg: body, aad })
        .ok()
}

/// The master keys and the projects' data keys already opened (each is opened once
/// per process; a project's key never changes, only its wrapping).
pub struct Sealing {
    pub master: MasterKeys,
    pub(crate) opened: Mutex<HashMap<String, KeyBytes>>,
}

impl std::fmt::Debug for Sealing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealing")
            .field("master", &self.master)
            .finish_non_exhaustive()
    }
}

impl Sealing {
    pub fn new(master: MasterKeys) -> Sealing {
        Sealing {
            master,
            opened: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn cached(&self, project: &str) -> Option<KeyBytes> {
        self.opened
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(project)
            .copied()
    }

    pub(crate) fn remember(&self, project: &str, key: KeyBytes) {
        self.opened
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(project.to_owned(), key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_opens_only_where_it_belongs() {
        let key = [7u8; 32];
        let sealed = seal(&key, b"CANARY", &file_aad("connect", "C-1", "a1"));
        assert!(!sealed.windows(6).any(|w| w == b"CANARY"));
        assert_eq!(
            open(&key, &sealed, &file_aad("connect", "C-1", "a1")).as_deref(),
            Some(b"CANARY".as_slice())
        );
        assert_eq!(open(&key, &sealed, &file_aad("connect", "C-2", "a1")), None);
        assert_eq!(
            open(&[8u8; 32], &sealed, &file_aad("connect", "C-1", "a1")),
            None
        );
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(
            open(&key, &changed, &file_aad("connect", "C-1", "a1")),
            None
        );
    }

    #[test]
    fn sealed_text_opens_only_where_it_belongs_and_clear_text_passes() {
        let key = [7u8; 32];
        let sealed = seal_text(&key, "connect", "case:C-1#3", "CANARY title");
        assert!(!sealed.contains("CANARY"));
        assert_eq!(sealed_by(&sealed), Some("connect"));
        assert_eq!(
            open_text(&key, "case:C-1#3", &sealed).as_deref(),
            Ok("CANARY title")
        );
        assert!(
            open_text(&key, "case:C-1#4", &sealed).is_err(),
            "another row"
        );
        assert!(open_text(&[8u8; 32], "case:C-1#3", &sealed).is_err());
        let moved = sealed.replacen("connect", "vitess", 1);
        assert!(
            open_text(&key, "case:C-1#3", &moved).is_err(),
            "another project"
        );
        assert_eq!(sealed_by(r#"{"a":1}"#), None);
        assert_eq!(
            open_text(&key, "x", r#"{"a":1}"#).as_deref(),
            Ok(r#"{"a":1}"#)
        );
    }

    /// Text sealed as it was, before sealing deflated (`~1:`), as that build wrote it.
    fn sealed_unpacked(key: &KeyBytes, project: &str, place: &str, plain: &str) -> String {
        use base64::Engine;
        let sealed = seal(key, plain.as_bytes(), &text_aad(project, place, false));
        format!(
            "~1:{project}:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(sealed)
        )
    }

    #[test]
    fn sealed_text_is_deflated_and_text_sealed_before_still_opens() {
        let key = [7u8; 32];
        let plain = format!(
            "{{\"report\":{{\"title\":\"CANARY\",\"versions\":[{}]}}}}",
            (0..100)
                .map(|i| format!("{{\"name\":\"v1.{i}.0\",\"affected\":true}}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let sealed = seal_text(&key, "connect", "case", &plain);
        assert!(sealed.starts_with("~2:connect:"));
        assert!(
            sealed.len() * 3 < plain.len(),
            "{} bytes sealed for {} of JSON",
            sealed.len(),
            plain.len()
        );
        assert_eq!(
            open_text(&key, "case", &sealed).as_deref(),
            Ok(plain.as_str())
        );

        let before = sealed_unpacked(&key, "connect", "case", &plain);
        assert_eq!(sealed_by(&before), Some("connect"));
        assert_eq!(
            open_text(&key, "case", &before).as_deref(),
            Ok(plain.as_str())
        );

        // Relabelled as the other format, neither opens: the format is bound to the seal.
        let relabelled = format!("~1:{}", &sealed[3..]);
        assert!(open_text(&key, "case", &relabelled).is_err());
        let relabelled = format!("~2:{}", &before[3..]);
        assert!(open_text(&key, "case", &relabelled).is_err());
    }

    #[test]
    fn search_tokens_find_words_by_their_start_and_hide_them() {
        let key = [7u8; 32];
        let words = crate::search_words("Heap overflow in the HPACK decoder");
        let tokens = search_tokens(&key, &words);
        assert!(!tokens.contains("overflow") && !tokens.contains("hpack"));
        let has = |w: &str| tokens.split(' ').any(|t| t == query_token(&key, w));
        assert!(has("overflow") && has("over") && has("hpa") && has("in"));
        assert!(!has("flow"), "only the start of a word");
        assert!(!has("ov"), "prefixes of three letters or more");
        assert!(!has("heaps"));
        let other = search_tokens(&[8u8; 32], &words);
        assert_ne!(tokens, other, "another key, other tokens");
        let long = "a".repeat(40);
        let tokens = search_tokens(&key, std::slice::from_ref(&long));
        assert!(tokens.split(' ').any(|t| t == query_token(&key, &long)));
        assert!(
            tokens
                .split(' ')
                .any(|t| t == query_token(&key, &long[..30]))
        );
    }

    #[test]
    fn a_rotation_rewraps_and_the_old_key_alone_no_longer_opens() {
        let old = MasterKeys::new([1u8; 32], []);
        let (data, wrapped) = old.new_data_key("connect");
        assert_eq!(old.unwrap("connect", old.current_id(), &wrapped), Ok(data));
        assert!(
            old.unwrap("vitess", old.current_id(), &wrapped).is_err(),
            "bound to its project"
        );

        let both = MasterKeys::new([2u8; 32], [[1u8; 32]]);
        let rewrapped = both.rewrap("connect", old.current_id(), &wrapped).unwrap();
        let new = MasterKeys::new([2u8; 32], []);
        assert_eq!(
            new.unwrap("connect", new.current_id(), &rewrapped),
            Ok(data)
        );
        assert!(matches!(
            new.unwrap("connect", old.current_id(), &wrapped),
            Err(SealError::UnknownMasterKey { .. })
        ));
        assert!(!format!("{both:?}").contains("0101"), "no key in Debug");
    }
}
