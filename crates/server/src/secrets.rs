//! Secrets Embargo hands out (API tokens, tracking tokens, session and link tokens)
//! and password hashing. Tokens carry a prefix that says what they are, so a leaked
//! one is recognisable (and secret scanners can be taught the prefixes).

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A personal API token.
pub const API_TOKEN_PREFIX: &str = "emb_pat_";
/// A reporter's tracking token (a capability: it opens exactly one case).
pub const TRACKING_TOKEN_PREFIX: &str = "emb_trk_";
/// A guest's token (C5): opens the shared parts of one case. After the prefix comes the
/// case id, a dot and the secret, so the case is found without a table of its own.
pub const GUEST_TOKEN_PREFIX: &str = "emb_gst_";

/// 256 random bits, URL-safe, with a prefix.
pub fn token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    u64::from_le_bytes(bytes)
}

/// A positive id that fits JavaScript's safe integers (2^53), for user and token ids.
pub fn random_id() -> i64 {
    (random_u64() >> 11) as i64 | 1
}

/// argon2id with the crate's defaults (19 MiB, 2 passes: OWASP's recommendation), in
/// the PHC string format.
pub fn hash_password(password: &str) -> String {
    let params = Params::default();
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source");
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_work_area(params.block_count(), |blocks| {
        Argon2::default().hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            blocks,
        )
    })
    .expect("argon2 with default parameters");
    PasswordHash {
        algorithm: Algorithm::Argon2id.into(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("the default parameters"),
        salt: Some(Salt::new(&salt).expect("16 bytes of salt")),
        hash: Some(Output::new(&out).expect("32 bytes of output")),
    }
    .to_string()
}

/// Whether `password` is the one hashed in `phc` (any argon2 variant and parameters it
/// names); the comparison takes the same time wherever the outputs differ.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let hashed = with_work_area(blocks, |area| {
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            area,
        )
    });
    hashed.is_ok() && Output::new(&out).is_ok_and(|o| o == *expected)
}

/// argon2 work areas (19 MiB each with the default parameters), kept for the next hash
/// instead of freed. At most as many exist as passwords were ever hashed at once (the
/// server lets one per CPU, `App::hashing_turn`), so memory holds what the busiest
/// moment needed and does not grow with sign-ins. Allocating and freeing an area per
/// hash let glibc keep the freed ones in its per-thread arenas: 1.1 GiB after 2,000
/// failed sign-ins (`docs/security.md`).
static WORK_AREAS: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());

/// Runs `f` with a work area of `blocks` blocks, taken from [`WORK_AREAS`] (or made),
/// wiped and put back after.
fn with_work_area<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let taken = WORK_AREAS.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut area = taken.unwrap_or_default();
    if area.len() < blocks {
        area.resize(blocks, Block::default());
    }
    let out = f(&mut area[..blocks]);
    // What the hash left there derives from the password.
    area.iter_mut().for_each(|b| *b = Block::default());
    WORK_AREAS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(area);
    out
}

/// Verifies against a fixed hash, so that signing in as an unknown account costs the
/// same time as a wrong password.
pub fn burn_password_check(password: &str) {
    use std::sync::OnceLock;
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("no account has this password"));
    let _ = verify_password(password, dummy);
}

/// The rule for new passwords: long enough to resist guessing, short enough to hash.
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < 12 {
        return Err("must be at least 12 characters");
    }
    if n > 256 {
        return Err("must be at most 256 characters");
    }
    Ok(())
}

/// Signs and reads the known-device cookie (issue 11, item 5): a browser that signed in
/// to an account before carries `user.issued.mac`, so a flood of wrong passwords
/// from elsewhere, which spends the account's sign-in budget, does not lock that
/// browser out. It proves a past sign-in, never opens a session by itself.
pub struct DeviceKey([u8; 32]);

impl DeviceKey {
    pub fn new(key: [u8; 32]) -> Self {
        DeviceKey(key)
    }

    fn mac(&self, user: i64, issued: i64) -> [u8; 32] {
        use hmac::{Hmac, KeyInit, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("any key length");
        m.update(b"embargo known device\0");
        m.update(&user.to_le_bytes());
        m.update(&issued.to_le_bytes());
        m.finalize().into_bytes().into()
    }

    /// The cookie value for `user`, issued at `issued` (Unix seconds).
    pub fn sign(&self, user: i64, issued: i64) -> String {
        format!(
            "{user}.{issued}.{}",
            URL_SAFE_NO_PAD.encode(self.mac(user, issued))
        )
    }

    /// The account a cookie was signed for, if it is ours and issued within `max_age`
    /// seconds before `now`.
    pub fn verify(&self, cookie: &str, now: i64, max_age: i64) -> Option<i64> {
        if cookie.len() > 128 {
            return None;
        }
        let mut parts = cookie.splitn(3, '.');
        let user: i64 = parts.next()?.parse().ok()?;
        let issued: i64 = parts.next()?.parse().ok()?;
        let mac = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        let fresh = issued <= now && now - issued <= max_age;
        (fresh && constant_time_eq(&mac, &self.mac(user, issued))).then_some(user)
    }
}

impl DeviceKey {
    fn mac_bytes(&self, label: &[u8], data: &[u8]) -> [u8; 32] {
        use hmac::{Hmac, KeyInit, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("any key length");
        m.update(label);
        m.update(b"\0");
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// `data` with a MAC under `label`, as text for a page to carry and send back (a
    /// passkey ceremony's state): not secret, but nobody else can make or change one.
    pub fn seal(&self, label: &[u8], data: &[u8]) -> String {
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(data),
            URL_SAFE_NO_PAD.encode(self.mac_bytes(label, data))
        )
    }

    /// What [`DeviceKey::seal`] sealed under `label`, if `text` is one of ours.
    pub fn open(&self, label: &[u8], text: &str) -> Option<Vec<u8>> {
        if text.len() > 4096 {
            return None;
        }
        let (data, mac) = text.split_once('.')?;
        let data = URL_SAFE_NO_PAD.decode(data).ok()?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        constant_time_eq(&mac, &self.mac_bytes(label, &data)).then_some(data)
    }
}

/// Equality that takes the same time wherever the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_and_distinct() {
        let (a, b) = (token(API_TOKEN_PREFIX), token(API_TOKEN_PREFIX));
        assert!(a.starts_with("emb_pat_"));
        assert_eq!(a.len(), 8 + 43);
        assert_ne!(a, b);
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn hashes_interoperate_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_password("correct horse battery");
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        // Hashes stored before (the crate's own), and with other parameters, verify.
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(verify_password("correct horse battery", &theirs));
        assert!(!verify_password("correct horse batterY", &theirs));
        let stronger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32 * 1024, 3, 1, None).unwrap(),
        )
        .hash_password(b"another long password")
        .unwrap()
        .to_string();
        assert!(verify_password("another long password", &stronger));
        assert!(!verify_password("another long passworD", &stronger));
        assert!(verify_password("correct horse battery", &ours));
    }

    #[test]
    fn ids_are_positive_and_js_safe() {
        for _ in 0..1000 {
            let id = random_id();
            assert!(id > 0 && id < (1 << 53));
        }
    }

    #[test]
    fn sealed_states_open_only_under_their_key_and_label() {
        let key = DeviceKey::new([7; 32]);
        let s = key.seal(b"passkey", b"state bytes");
        assert_eq!(
            key.open(b"passkey", &s).as_deref(),
            Some(&b"state bytes"[..])
        );
        assert_eq!(key.open(b"other", &s), None, "another purpose");
        assert_eq!(DeviceKey::new([8; 32]).open(b"passkey", &s), None);
        let (data, mac) = s.split_once('.').unwrap();
        let changed = format!("{}A.{mac}", &data[..data.len() - 1]);
        assert_eq!(key.open(b"passkey", &changed), None);
        assert_eq!(key.open(b"passkey", "no dot"), None);
        assert_eq!(key.open(b"passkey", &"A".repeat(5000)), None);
    }

    #[test]
    fn known_device_cookies_are_signed_and_expire() {
        let key = DeviceKey::new([7; 32]);
        let c = key.sign(42, 1_000);
        assert_eq!(key.verify(&c, 1_000, 10), Some(42));
        assert_eq!(key.verify(&c, 1_010, 10), Some(42));
        assert_eq!(key.verify(&c, 1_011, 10), None, "expired");
        assert_eq!(key.verify(&c, 999, 10), None, "from the future");
        assert_eq!(DeviceKey::new([8; 32]).verify(&c, 1_000, 10), None);
        let forged = c.replacen("42.", "43.", 1);
        assert_eq!(key.verify(&forged, 1_000, 10), None);
        assert_eq!(key.verify("x", 1_000, 10), None);
        assert_eq!(key.verify(&"1.".repeat(1000), 1_000, 10), None);
    }

    #[test]
    fn comparisons() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
    }
}
