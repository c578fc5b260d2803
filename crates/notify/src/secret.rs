//! A generic webhook's signing secret and the Standard Webhooks signature: HMAC-SHA256
//! of `{id}.{timestamp}.{body}`, sent as `v1,<base64>`. The secret is shown once, as
//! `whsec_<base64>`; `Debug` never shows it and there is no `Display`.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};
use hmac::{KeyInit, Mac};
use std::fmt;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const PREFIX: &str = "whsec_";
/// The spec's bounds: at least 192 bits, at most 512.
const MIN_BYTES: usize = 24;
const MAX_BYTES: usize = 64;
/// What [`WebhookSecret::generate`] makes: 256 bits.
const GENERATED_BYTES: usize = 32;

/// Secrets written by other tools may or may not carry base64 padding.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A secret that is not one.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SecretError {
    #[error("`secret`: must start with `whsec_` followed by base64")]
    Prefix,
    #[error("`secret`: the part after `whsec_` is not base64")]
    NotBase64,
    #[error("`secret`: {bytes} bytes; a secret has 24 to 64 bytes (192 to 512 bits)")]
    Length { bytes: usize },
    #[error("no secret could be generated: the system's random source failed ({reason})")]
    Randomness { reason: String },
}

#[derive(Clone)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl WebhookSecret {
    /// A new 256-bit secret from the operating system's random source.
    pub fn generate() -> Result<WebhookSecret, SecretError> {
        let mut key = vec![0; GENERATED_BYTES];
        getrandom::fill(&mut key).map_err(|e| SecretError::Randomness {
            reason: e.to_string(),
        })?;
        Ok(WebhookSecret { key })
    }

    /// `whsec_<base64>`, 24 to 64 bytes.
    pub fn parse(text: &str) -> Result<WebhookSecret, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(SecretError::Prefix)?;
        let key = LENIENT
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_BYTES..=MAX_BYTES).contains(&key.len()) {
            return Err(SecretError::Length { bytes: key.len() });
        }
        Ok(WebhookSecret { key })
    }

    /// `whsec_<base64>`: to show the person setting up the channel once, and to
    /// store. Never log what this returns.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", general_purpose::STANDARD.encode(tag))
    }

    /// Whether any `v1` signature in a `webhook-signature` header (space-separated,
    /// for secret rotation) is this secret's for the message. Compares in constant
    /// time. The receiver's other duty, refusing old timestamps, is the caller's.
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        header.split(' ').any(|signature| {
            let Some(encoded) = signature.strip_prefix("v1,") else {
                return false;
            };
            let Ok(tag) = LENIENT.decode(encoded) else {
                return false;
            };
            self.mac(id, timestamp, body).verify_slice(&tag).is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference libraries' test vector
    /// (standard-webhooks/standard-webhooks, `libraries/javascript/src/webhook.test.ts`,
    /// "sign function works").
    #[test]
    fn the_published_test_vector() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, &signature));
        // Rotation: the good one among others.
        let several = format!("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x {signature}");
        assert!(secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, &several));
        for (id, ts, body) in [
            ("msg_p5jXN8AQM9LWM0D4loKWxJeK", 1614265330, &body[..]),
            ("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, &body[..]),
            (
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test":2432232314}"#,
            ),
        ] {
            assert!(!secret.verify(id, ts, body, &signature));
        }
        assert!(!secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, "v1,"));
    }

    #[test]
    fn generated_secrets_are_256_bits_round_trip_and_never_print() {
        let a = WebhookSecret::generate().unwrap();
        let b = WebhookSecret::generate().unwrap();
        let shown = a.expose();
        assert!(shown.starts_with("whsec_"));
        assert_eq!(LENIENT.decode(&shown[6..]).unwrap().len(), 32);
        assert_ne!(shown, b.expose());
        let again = WebhookSecret::parse(&shown).unwrap();
        assert_eq!(again.sign("m", 1, b"x"), a.sign("m", 1, b"x"));
        assert_eq!(format!("{a:?}"), "WebhookSecret([redacted])");
        assert!(!format!("{a:?}").contains(&shown[6..]));
    }

    #[test]
    fn bad_secrets_say_what_is_wrong() {
        assert_eq!(
            WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_err(),
            SecretError::Prefix
        );
        assert_eq!(
            WebhookSecret::parse("whsec_not base64!").unwrap_err(),
            SecretError::NotBase64
        );
        assert_eq!(
            WebhookSecret::parse("whsec_c2hvcnQ=").unwrap_err(),
            SecretError::Length { bytes: 5 }
        );
        let long = format!("whsec_{}", STANDARD.encode([7u8; 65]));
        assert_eq!(
            WebhookSecret::parse(&long).unwrap_err(),
            SecretError::Length { bytes: 65 }
        );
        assert!(
            SecretError::Length { bytes: 5 }
                .to_string()
                .starts_with("`secret`: ")
        );
    }
}
