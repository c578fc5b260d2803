//! Secrets Embargo hands out (API tokens, tracking tokens, session and link tokens)
//! and password hashing. Tokens carry a prefix that says what they are, so a leaked
//! one is recognisable (and secret scanners can be taught the prefixes).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
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

/// argon2id with the crate's defaults (19 MiB, 2 passes: OWASP's recommendation).
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters")
        .to_string()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
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
