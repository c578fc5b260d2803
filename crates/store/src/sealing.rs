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
/// column (what was stored before keys existed is read as it is). Text is written as
/// `~3:`, deflated with [`DICTIONARY`] before it is sealed. Text stored before that is
/// still read: `~2:` was deflated without a dictionary, `~1:` sealed as it was.
const TEXT_PREFIX: &str = "~3:";
const TEXT_PREFIX_DEFLATED: &str = "~2:";
const TEXT_PREFIX_UNPACKED: &str = "~1:";

/// How a sealed text was packed before it was sealed: each format is bound into its
/// seal, so a text relabelled as another format does not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Packing {
    /// `~1:`: as it was.
    Unpacked,
    /// `~2:`: raw deflate.
    Deflated,
    /// `~3:`: raw deflate with [`DICTIONARY`] preset.
    WithDictionary,
}

/// The preset dictionary of `~3:` text (zlib's preset dictionary, RFC 1950): a freshly
/// received case's projection and its first event, with neutral values. Most of a
/// case's JSON is the same keys and nulls in every case; with them in the dictionary a
/// received case's projection deflates to about a tenth of what it does alone, so each
/// case and event stores far fewer bytes (docs/performance.md, "A preset dictionary").
///
/// Never edit it: every `~3:` text ever stored needs these exact bytes to open (a test
/// pins their SHA-256). A better dictionary is a new format, `~4:`, beside this one.
const DICTIONARY: &[u8] = include_bytes!("sealing_dictionary.txt");

/// How hard `seal_text` deflates: level 6 (zlib's default); the higher levels gain a
/// few bytes for twice the time.
const DEFLATE_LEVEL: u32 = 6;

/// The most a sealed text may inflate to: far more than any case or event, so only a
/// broken store meets it (what inflates was sealed by us and opened with its key).
const MAX_TEXT: usize = 256 << 20;

/// The associated data of sealed text: its format, its project and its place, so a
/// body copied into another row, or relabelled as another format, does not open.
fn text_aad(project: &str, place: &str, packing: Packing) -> Vec<u8> {
    let format = match packing {
        Packing::Unpacked => "embargo text",
        Packing::Deflated => "embargo text 2",
        Packing::WithDictionary => "embargo text 3",
    };
    format!("{format}\0{project}\0{place}").into_bytes()
}

/// `plain` as raw deflate, with [`DICTIONARY`] preset.
fn deflate(plain: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    use std::cell::RefCell;
    thread_local! {
        // A packer's tables (some 256 KiB) were made and filled anew for each text, a
        // quarter of the time a report's sealing took; reset, it packs the same bytes.
        static PACKER: RefCell<Compress> =
            RefCell::new(Compress::new(Compression::new(DEFLATE_LEVEL), false));
    }
    PACKER.with_borrow_mut(|packer| {
        packer.reset();
        packer
            .set_dictionary(DICTIONARY)
            .expect("a raw deflate stream takes a dictionary before its first byte");
        let mut out = Vec::with_capacity(plain.len() / 2 + 64);
        loop {
            let rest = &plain[packer.total_in() as usize..];
            match packer.compress_vec(rest, &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return out,
                Ok(_) => out.reserve(out.capacity().max(64)),
                Err(e) => unreachable!("deflating into a growing buffer: {e}"),
            }
        }
    })
}

/// What [`deflate`] packed (with the dictionary, or without for `~2:` text), up to
/// [`MAX_TEXT`]; `None` if it is not a whole raw deflate stream.
fn inflate(packed: &[u8], dictionary: Option<&[u8]>) -> Option<Vec<u8>> {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut unpacker = Decompress::new(false);
    if let Some(dictionary) = dictionary {
        unpacker.set_dictionary(dictionary).ok()?;
    }
    // With the dictionary a case's JSON packs to about a tenth of its length.
    let mut out = Vec::with_capacity((packed.len() * 10).clamp(1024, MAX_TEXT));
    loop {
        let before = (unpacker.total_in(), out.len());
        let rest = &packed[unpacker.total_in() as usize..];
        match unpacker
            .decompress_vec(rest, &mut out, FlushDecompress::Finish)
            .ok()?
        {
            Status::StreamEnd => return Some(out),
            _ if out.len() > MAX_TEXT => return None,
            _ if out.len() == out.capacity() => out.reserve(out.capacity()),
            // Room to write and nothing moved: the stream ends before its end.
            _ if before == (unpacker.total_in(), out.len()) => return None,
            _ => {}
        }
    }
}

/// `plain` deflated, then sealed under `project`'s data key, bound to `place` (an
/// event's stream and number, or a case's projection), as text: `~3:PROJECT:BASE64`.
/// The project's slug stays readable (it is a column beside it anyway) so a reader
/// knows which key opens it.
///
/// Deflating first makes a sealed text's length follow how well its content
/// compresses, not only how long it is (as with restic's or borg's compressed,
/// encrypted backups). docs/at-rest.md weighs that against the bytes it saves.
pub fn seal_text(key: &KeyBytes, project: &str, place: &str, plain: &str) -> String {
    sealed_text(
        key,
        project,
        place,
        Packing::WithDictionary,
        &deflate(plain.as_bytes()),
    )
}

/// `packed` (`plain` as `packing` packed it) sealed, as text with its format's prefix.
fn sealed_text(
    key: &KeyBytes,
    project: &str,
    place: &str,
    packing: Packing,
    packed: &[u8],
) -> String {
    use base64::Engine;
    let prefix = match packing {
        Packing::Unpacked => TEXT_PREFIX_UNPACKED,
        Packing::Deflated => TEXT_PREFIX_DEFLATED,
        Packing::WithDictionary => TEXT_PREFIX,
    };
    let sealed = seal(key, packed, &text_aad(project, place, packing));
    format!(
        "{prefix}{project}:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(sealed)
    )
}

/// Sealed text's format and what follows its prefix, or `None` for clear text.
fn sealed_parts(stored: &str) -> Option<(Packing, &str)> {
    [
        (TEXT_PREFIX, Packing::WithDictionary),
        (TEXT_PREFIX_DEFLATED, Packing::Deflated),
        (TEXT_PREFIX_UNPACKED, Packing::Unpacked),
    ]
    .into_iter()
    .find_map(|(prefix, packing)| stored.strip_prefix(prefix).map(|rest| (packing, rest)))
}

/// The project whose key opens `stored`, or `None` for clear text.
pub fn sealed_by(stored: &str) -> Option<&str> {
    sealed_parts(stored)?.1.split(':').next()
}

/// Opens what [`seal_text`] sealed at `place` (in any of its formats); clear text comes
/// back as it is.
pub fn open_text(key: &KeyBytes, place: &str, stored: &str) -> Result<String, SealError> {
    use base64::Engine;
    let Some((packing, rest)) = sealed_parts(stored) else {
        return Ok(stored.to_owned());
    };
    let broken = || SealError::Broken {
        what: format!("the sealed text at `{place}`"),
    };
    let (project, body) = rest.split_once(':').ok_or_else(broken)?;
    let sealed = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(body)
        .map_err(|_| broken())?;
    let opened = open(key, &sealed, &text_aad(project, place, packing)).ok_or_else(broken)?;
    let plain = match packing {
        Packing::Unpacked => opened,
        Packing::Deflated => inflate(&opened, None).ok_or_else(broken)?,
        Packing::WithDictionary => inflate(&opened, Some(DICTIONARY)).ok_or_else(broken)?,
    };
    String::from_utf8(plain).map_err(|_| broken())
}

/// The name the instance's search key is kept under in `data_keys`: no project's slug
/// can take it.
pub const SEARCH_KEY: &str = "#search";

/// The name of the instance's own data key, for what belongs to no project yet (mail
/// in quarantine that named none).
pub const INSTANCE_KEY: &str = "#instance";

/// What search finds sealed text by: a keyed token (HMAC-SHA256 under the search key,
/// [`SEARCH_LETTERS`] base32 letters) for each word, and for each of its prefixes of three
/// letters or more (search matches the start of words). Without the key, the tokens
/// tell nothing but which cases share a word.
pub fn search_tokens(key: &KeyBytes, words: &[String]) -> String {
    // A report repeats its words and their starts: each is borrowed, and made a token
    // once (intake spent a fifth of its time here when each start was a new string in
    // a sorted set).
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    words.sort_unstable();
    words.dedup();
    let mut prefixes: Vec<&str> = Vec::with_capacity(words.len() * 4);
    for w in words.into_iter().filter(|w| !w.is_empty()) {
        let ends = w.char_indices().map(|(at, _)| at).skip(1).chain([w.len()]);
        for (letters, end) in (1..).zip(ends) {
            if letters > MAX_PREFIX {
                prefixes.push(w);
                break;
            }
            if letters >= 3 || end == w.len() {
                prefixes.push(&w[..end]);
            }
        }
    }
    prefixes.sort_unstable();
    prefixes.dedup();
    let mac = Tokens::new(key);
    let mut tokens: Vec<[u8; SEARCH_LETTERS]> = prefixes.iter().map(|p| mac.letters(p)).collect();
    tokens.sort_unstable();
    tokens.dedup();
    let mut text = String::with_capacity(tokens.len() * (SEARCH_LETTERS + 1));
    for token in &tokens {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(std::str::from_utf8(token).expect("base32 letters are ASCII"));
    }
    text
}

/// Letters of a search token: 40 bits. A case holds about fifty tokens (its words and
/// their starts), so their length is most of the search index (at 12 letters it was
/// the largest part of a case on PostgreSQL). Two words meet in a token about once in
/// 2⁴⁰; when they do, a search finds a case that does not have the word, among the
/// cases the viewer may see anyway.
const SEARCH_LETTERS: usize = 8;

/// Letters of a reporter's address token: 60 bits. A lost-link request mails the
/// tracking links of the cases its address finds, so two addresses must never meet.
const ADDRESS_LETTERS: usize = 12;

/// Prefixes longer than this are not indexed (the whole word still is).
const MAX_PREFIX: usize = 24;

/// The token of a typed search word: one of the tokens of every word it begins
/// (when it has three letters or more), or of that word alone.
pub fn query_token(key: &KeyBytes, word: &str) -> String {
    let mac = Tokens::new(key);
    let token: [u8; SEARCH_LETTERS] = match word.char_indices().nth(MAX_PREFIX) {
        Some((end, _)) => mac.letters(&word[..end]),
        None => mac.letters(word),
    };
    letters_text(&token)
}

/// The keyed token a reporter's address is found by (the `reporter_email` column).
pub fn address_token(key: &KeyBytes, address: &str) -> String {
    let token: [u8; ADDRESS_LETTERS] = Tokens::new(key).letters(&format!("email:{address}"));
    letters_text(&token)
}

fn letters_text(letters: &[u8]) -> String {
    String::from_utf8(letters.to_vec()).expect("base32 letters are ASCII")
}

/// The search key's HMAC with its key schedule done once, for the many tokens of a case.
struct Tokens(hmac::Hmac<Sha256>);

impl Tokens {
    fn new(key: &KeyBytes) -> Tokens {
        use hmac::KeyInit;
        Tokens(hmac::Hmac::<Sha256>::new_from_slice(key).expect("any key length"))
    }

    /// `N` (at most 12) base32 letters of the HMAC of `word`, as ASCII.
    fn letters<const N: usize>(&self, word: &str) -> [u8; N] {
        use hmac::Mac;
        const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
        const { assert!(N <= 12, "64 bits of the HMAC make 12 letters") };
        let mut m = self.0.clone();
        m.update(word.as_bytes());
        let digest = m.finalize().into_bytes();
        let bits = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        std::array::from_fn(|i| ALPHABET[((bits >> (59 - 5 * i)) & 31) as usize])
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

    /// Text as earlier builds sealed it: `~1:` as it was, `~2:` deflated without a
    /// dictionary.
    fn sealed_before(key: &KeyBytes, packing: Packing, plain: &str) -> String {
        let packed = match packing {
            Packing::Unpacked => plain.as_bytes().to_vec(),
            Packing::Deflated => deflate_without_dictionary(plain.as_bytes()),
            Packing::WithDictionary => unreachable!("today's format: seal_text"),
        };
        sealed_text(key, "connect", "case", packing, &packed)
    }

    /// How `~2:` text was packed (raw deflate, level 6, no dictionary).
    fn deflate_without_dictionary(plain: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut packer =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(DEFLATE_LEVEL));
        packer.write_all(plain).unwrap();
        packer.finish().unwrap()
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
        assert!(sealed.starts_with("~3:connect:"));
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

        let unpacked = sealed_before(&key, Packing::Unpacked, &plain);
        let deflated = sealed_before(&key, Packing::Deflated, &plain);
        for before in [&unpacked, &deflated] {
            assert_eq!(sealed_by(before), Some("connect"));
            assert_eq!(
                open_text(&key, "case", before).as_deref(),
                Ok(plain.as_str())
            );
        }

        // Relabelled as another format, none opens: the format is bound to the seal.
        for (text, other) in [
            (&sealed, "~1:"),
            (&sealed, "~2:"),
            (&deflated, "~1:"),
            (&deflated, "~3:"),
            (&unpacked, "~2:"),
            (&unpacked, "~3:"),
        ] {
            let relabelled = format!("{other}{}", &text[3..]);
            assert!(open_text(&key, "case", &relabelled).is_err(), "{other}");
        }
    }

    #[test]
    fn a_case_packs_to_a_fraction_with_the_dictionary_and_a_cut_stream_fails() {
        // A received case unlike the dictionary's in every value.
        let dictionary = std::str::from_utf8(DICTIONARY).unwrap();
        let case = &dictionary[dictionary.find("}}}{").unwrap() + 3..];
        let plain = case
            .replace(
                "A crafted request makes the server crash",
                "HPACK table grows without bound",
            )
            .replace("EMB-0000-0000-0000", "EMB-7Q2K-9D4M-XW3P")
            .replace("2026-01-01T00:00:00Z", "2026-11-30T17:42:09Z")
            .replace("server", "connect-go");
        assert_ne!(plain, case);
        let with = seal_text(&[7u8; 32], "connect", "case", &plain);
        let without = sealed_before(&[7u8; 32], Packing::Deflated, &plain);
        assert!(
            with.len() * 3 < without.len(),
            "{} bytes with the dictionary, {} without, for {} of JSON",
            with.len(),
            without.len(),
            plain.len()
        );

        let packed = deflate(plain.as_bytes());
        assert_eq!(
            inflate(&packed, Some(DICTIONARY)).as_deref(),
            Some(plain.as_bytes())
        );
        assert_eq!(inflate(&packed[..packed.len() / 2], Some(DICTIONARY)), None);
        assert_ne!(
            inflate(&packed, None).as_deref(),
            Some(plain.as_bytes()),
            "the dictionary is needed"
        );
    }

    /// The packer a thread keeps packs each text as a new one would: the bytes are the
    /// same whatever was packed before, long or short, or nothing.
    #[test]
    fn a_kept_packer_packs_as_a_new_one() {
        fn afresh(plain: &[u8]) -> Vec<u8> {
            let mut packer = flate2::Compress::new(flate2::Compression::new(DEFLATE_LEVEL), false);
            packer.set_dictionary(DICTIONARY).unwrap();
            let mut out = Vec::with_capacity(plain.len() * 2 + 1024);
            packer
                .compress_vec(plain, &mut out, flate2::FlushCompress::Finish)
                .unwrap();
            out
        }
        let long: String = (0..20_000)
            .map(|i| format!("{} ", i * 7919 % 10_007))
            .collect();
        let texts = [
            r#"{"report":{"title":"Heap overflow in the HPACK decoder"}}"#.to_owned(),
            long,
            String::new(),
            "the same text again".repeat(50),
            r#"{"report":{"title":"Heap overflow in the HPACK decoder"}}"#.to_owned(),
        ];
        for text in &texts {
            assert_eq!(deflate(text.as_bytes()), afresh(text.as_bytes()));
            assert_eq!(
                inflate(&deflate(text.as_bytes()), Some(DICTIONARY)).as_deref(),
                Some(text.as_bytes())
            );
        }
    }

    /// Search tokens are what they were when the stored cases were indexed (by the way
    /// below, which made each start of a word a new string in a sorted set), or the
    /// stored cases would no longer be found.
    #[test]
    fn search_tokens_are_as_they_were_stored() {
        fn as_stored(key: &KeyBytes, words: &[String]) -> String {
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
            let tokens: std::collections::BTreeSet<String> = prefixes
                .iter()
                .map(|p| letters_text(&mac.letters::<SEARCH_LETTERS>(p)))
                .collect();
            tokens.into_iter().collect::<Vec<_>>().join(" ")
        }
        let key = [7u8; 32];
        let texts = [
            "Éclair éclairs in HPACK hpack x an overflowing overflow".to_owned(),
            format!(
                "{} {} ab a {}",
                "b".repeat(24),
                "c".repeat(25),
                "ü".repeat(40)
            ),
            "A crafted HTTP/2 frame with a zero-length trailer makes the connect-go server \
             panic in the decoder; 2 3 42 0x7fff CVE-2024-1234"
                .repeat(3),
            String::new(),
        ];
        for text in &texts {
            let words = crate::search_words(text);
            assert_eq!(
                search_tokens(&key, &words),
                as_stored(&key, &words),
                "{text}"
            );
        }
        let long = "b".repeat(30);
        let tokens = search_tokens(&key, std::slice::from_ref(&long));
        assert_eq!(
            tokens.split(' ').count(),
            24 - 3 + 1 + 1,
            "starts of 3..=24, and the word"
        );
    }

    /// Every `~3:` text stored needs these exact bytes to open.
    #[test]
    fn the_dictionary_never_changes() {
        assert_eq!(
            hex::encode(Sha256::digest(DICTIONARY)),
            "e5e44bc8e42842fc5c06c615fd20b87978db9fa6fe75a28be74bc48754d2a223",
            "a changed dictionary is a new format (~4:), beside this one"
        );
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
        assert!(tokens.split(' ').all(|t| t.len() == SEARCH_LETTERS));
        // HMAC-SHA256 under the key, its first 40 bits in base32 (computed apart, with
        // Python's hmac).
        assert_eq!(query_token(&key, "overflow"), "fyogk3oi");
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

    /// The `reporter_email` column of every case stored with keys holds this token: it
    /// must stay what it was when they were stored (60 bits, as computed apart with
    /// Python's hmac), or a lost-link request would no longer find them.
    #[test]
    fn an_address_token_is_as_it_was_stored() {
        let key = [7u8; 32];
        assert_eq!(address_token(&key, "ada@example.com"), "qmxzk4tdf54s");
        assert_ne!(
            address_token(&key, "ada@example.com"),
            address_token(&key, "ada@example.org")
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
