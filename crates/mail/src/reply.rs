//! Reply addresses and threading. Each case has a reply address
//! `local+<secret>@domain` made from the project's security address: the secret is a
//! capability, like the tracking link, so only mail to it (from the reporter) lands on
//! the case. Outgoing mail gets a `Message-ID` of ours and replies carry
//! `In-Reply-To`/`References`, so mail clients thread them.

use crate::inbound::Threading;
use rand::RngCore;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AddressError {
    #[error(
        "`security_address`: `{0}` is not an address like `security@example.org` (one `@`, \
         no `+` in the local part, no spaces or angle brackets)"
    )]
    SecurityAddress(String),
    #[error(
        "reply secret: must be {MIN_SECRET}–{MAX_SECRET} lower-case letters and digits, \
         because some mail servers change the case of addresses"
    )]
    Secret,
    #[error("message id domain: `{0}` is not a domain name")]
    Domain(String),
}

pub const MIN_SECRET: usize = 16;
pub const MAX_SECRET: usize = 64;

/// A security address split at its `@`, checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityAddress {
    local: String,
    domain: String,
}

impl SecurityAddress {
    pub fn parse(address: &str) -> Result<SecurityAddress, AddressError> {
        let bad = || AddressError::SecurityAddress(address.to_owned());
        let (local, domain) = address.trim().rsplit_once('@').ok_or_else(bad)?;
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars().all(|c| {
                    c.is_ascii_graphic()
                        && !matches!(
                            c,
                            '@' | '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '[' | ']' | '\\'
                        )
                })
        };
        if !plain(local)
            || local.contains('+')
            || !plain(domain)
            || !domain.contains('.') && domain != "localhost"
        {
            return Err(bad());
        }
        Ok(SecurityAddress {
            local: local.to_owned(),
            domain: domain.to_ascii_lowercase(),
        })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// `security+<secret>@domain`.
    pub fn reply_address(&self, secret: &str) -> Result<String, AddressError> {
        check_secret(secret)?;
        Ok(format!("{}+{secret}@{}", self.local, self.domain))
    }

    /// The secret of a reply address to this security address, if `recipient` is one
    /// (case-insensitively, angle brackets and display names around it allowed).
    pub fn secret_in(&self, recipient: &str) -> Option<String> {
        let address = bare_address(recipient);
        let (local, domain) = address.rsplit_once('@')?;
        if !domain.eq_ignore_ascii_case(&self.domain) {
            return None;
        }
        let (base, secret) = local.split_once('+')?;
        if !base.eq_ignore_ascii_case(&self.local) {
            return None;
        }
        let secret = secret.to_ascii_lowercase();
        check_secret(&secret).ok().map(|()| secret)
    }

    /// Whether `recipient` is this address itself (not a reply address).
    pub fn is_address_of(&self, recipient: &str) -> bool {
        bare_address(recipient)
            .rsplit_once('@')
            .is_some_and(|(local, domain)| {
                local.eq_ignore_ascii_case(&self.local) && domain.eq_ignore_ascii_case(&self.domain)
            })
    }
}

impl std::fmt::Display for SecurityAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

fn bare_address(recipient: &str) -> &str {
    let trimmed = recipient.trim();
    match (trimmed.rfind('<'), trimmed.rfind('>')) {
        (Some(open), Some(close)) if open < close => &trimmed[open + 1..close],
        _ => trimmed,
    }
}

fn check_secret(secret: &str) -> Result<(), AddressError> {
    let ok = (MIN_SECRET..=MAX_SECRET).contains(&secret.len())
        && secret
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(AddressError::Secret)
    }
}

/// A fresh random reply secret (26 characters of base32, 130 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 17];
    rand::thread_rng().fill_bytes(&mut bytes);
    base32_lower(&bytes)[..26].to_owned()
}

fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn check_domain(domain: &str) -> Result<(), AddressError> {
    let ok = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(AddressError::Domain(domain.to_owned()))
    }
}

/// A new random `Message-ID` (without angle brackets): `<random>@domain`.
pub fn new_message_id(domain: &str) -> Result<String, AddressError> {
    check_domain(domain)?;
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Ok(format!("{}@{domain}", base32_lower(&bytes)))
}

/// A `Message-ID` that is the same every time for the same `key` (e.g. an outbox
/// effect's id), so a retried send can be recognised as the same mail. `key` may be
/// any text; only letters, digits, `.` and `-` of it are kept.
pub fn message_id_for(key: &str, domain: &str) -> Result<String, AddressError> {
    check_domain(domain)?;
    let local: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let local = local.trim_matches(['.', '-']);
    if local.is_empty() {
        return new_message_id(domain);
    }
    Ok(format!("embargo.{local}@{domain}"))
}

/// `References` keeps at most this many ids: the first (the thread's root) and the
/// newest, as RFC 5322 §3.6.4 suggests trimming.
const MAX_REFERENCES: usize = 20;

/// The `In-Reply-To` and `References` of a reply to a message with `parent`'s
/// threading.
pub fn reply_to(parent: &Threading) -> ReplyThreading {
    let mut references: Vec<String> = if parent.references.is_empty() {
        parent.in_reply_to.clone()
    } else {
        parent.references.clone()
    };
    if let Some(id) = &parent.message_id {
        references.retain(|r| r != id);
        references.push(id.clone());
    }
    if references.len() > MAX_REFERENCES {
        let keep_from = references.len() - (MAX_REFERENCES - 1);
        let first = references[0].clone();
        references.drain(..keep_from);
        references.insert(0, first);
    }
    ReplyThreading {
        in_reply_to: parent.message_id.clone(),
        references,
    }
}

/// Headers that make a mail a reply in its thread; ids without angle brackets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplyThreading {
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn security() -> SecurityAddress {
        SecurityAddress::parse("security@connect.example").unwrap()
    }

    #[test]
    fn a_reply_address_carries_its_secret_back() {
        let secret = new_secret();
        let address = security().reply_address(&secret).unwrap();
        assert_eq!(address, format!("security+{secret}@connect.example"));
        assert_eq!(security().secret_in(&address), Some(secret.clone()));
        let shouted = format!(
            "Security <SECURITY+{}@Connect.Example>",
            secret.to_uppercase()
        );
        assert_eq!(security().secret_in(&shouted), Some(secret));
    }

    #[test]
    fn other_addresses_carry_no_secret() {
        let s = security();
        assert_eq!(s.secret_in("security@connect.example"), None);
        assert_eq!(s.secret_in("security+abcdefghijklmnop@other.example"), None);
        assert_eq!(s.secret_in("other+abcdefghijklmnop@connect.example"), None);
        assert_eq!(s.secret_in("security+short@connect.example"), None);
        assert_eq!(
            s.secret_in("security+abcdefghijklmnop!@connect.example"),
            None
        );
        assert!(s.is_address_of("Security Team <SECURITY@connect.example>"));
    }

    #[test]
    fn bad_security_addresses_and_secrets_are_refused() {
        for bad in [
            "",
            "security",
            "a@b@",
            "sec urity@x.example",
            "security+x@x.example",
            "<s@x.example>",
        ] {
            assert!(SecurityAddress::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            security().reply_address("ABCDEFGHIJKLMNOPQ"),
            Err(AddressError::Secret)
        );
        assert!(AddressError::Secret.to_string().contains("lower-case"));
    }

    #[test]
    fn secrets_are_fresh_and_well_formed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(check_secret(&a).is_ok());
    }

    #[test]
    fn message_ids_belong_to_the_domain() {
        let id = new_message_id("connect.example").unwrap();
        assert!(id.ends_with("@connect.example"));
        assert_ne!(id, new_message_id("connect.example").unwrap());
        assert_eq!(
            message_id_for("effect/42", "connect.example").unwrap(),
            "embargo.effect-42@connect.example"
        );
        assert!(new_message_id("bad domain>").is_err());
    }

    #[test]
    fn a_reply_references_its_thread() {
        let parent = Threading {
            message_id: Some("c@x".into()),
            in_reply_to: vec!["b@x".into()],
            references: vec!["a@x".into(), "b@x".into()],
        };
        let reply = reply_to(&parent);
        assert_eq!(reply.in_reply_to.as_deref(), Some("c@x"));
        assert_eq!(reply.references, ["a@x", "b@x", "c@x"]);
    }

    #[test]
    fn long_threads_keep_their_root_and_newest_references() {
        let parent = Threading {
            message_id: Some("last@x".into()),
            in_reply_to: vec![],
            references: (0..30).map(|i| format!("{i}@x")).collect(),
        };
        let reply = reply_to(&parent);
        assert_eq!(reply.references.len(), MAX_REFERENCES);
        assert_eq!(reply.references[0], "0@x");
        assert_eq!(reply.references.last().unwrap(), "last@x");
        assert_eq!(reply.references[1], "12@x");
    }
}
