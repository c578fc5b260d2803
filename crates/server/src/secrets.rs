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
    fn comparisons() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
    }
}
