//! Identifiers, parsed once at the edge. Case and attachment ids are drawn by the shell
//! and reveal nothing about how many cases a project has. A new case's id begins with
//! the time it was received, so that ids drawn one after another sort one after another
//! (`CaseId::received`); an id is a name, not a secret: who may see a case is decided by
//! membership and tokens, never by knowing its id.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Crockford's base32 alphabet: no I, L, O, U, so ids survive being read aloud or retyped.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn encode_groups(entropy: u64, groups: usize) -> String {
    let mut out = String::with_capacity(groups * 5);
    let mut bits = entropy;
    for g in 0..groups {
        if g > 0 {
            out.push('-');
        }
        for _ in 0..4 {
            out.push(ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
    }
    out
}

/// 60 bits as three groups, most significant first, so that ids sort as their values.
fn encode_in_order(value: u64) -> String {
    let mut out = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[((value >> (5 * (11 - i))) & 31) as usize] as char);
    }
    out
}

/// Accepts lower case and Crockford's look-alikes, returns the canonical form.
fn normalize_groups(s: &str, groups: usize) -> Option<String> {
    let mut out = String::with_capacity(groups * 5);
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != groups {
        return None;
    }
    for (i, part) in parts.iter().enumerate() {
        if part.len() != 4 {
            return None;
        }
        if i > 0 {
            out.push('-');
        }
        for c in part.chars() {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
                return None;
            }
            out.push(c);
        }
    }
    Some(out)
}

/// A case id such as `EMB-1BZB-5R3Q-9XHM`: 60 bits. A report's are the time received and
/// 25 random bits (`received`); an imported record's come from a digest of its project
/// and advisory id, so that importing it again finds it (`from_entropy`); cases stored
/// before `received` have 60 random bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(String);

impl CaseId {
    pub const PREFIX: &'static str = "EMB-";

    /// Sixteenths of a second from this instant to a case's receipt make the first
    /// seven characters of its id (`received`).
    const EPOCH_SECONDS: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z
    const TICKS_PER_SECOND: i64 = 16;
    const RANDOM_BITS: u32 = 25;

    /// Builds an id from random bits the shell drew.
    pub fn from_entropy(entropy: u64) -> Self {
        CaseId(format!("{}{}", Self::PREFIX, encode_groups(entropy, 3)))
    }

    /// A new case's id: seven characters counting sixteenths of a second since 2024
    /// (35 bits, until 2092), then five of random bits the shell drew (25 bits, 33
    /// million a sixteenth of a second).
    ///
    /// Why the time: every index keyed by a case id (the cases, their event streams,
    /// their search rows) then takes new cases at its end, in pages already in memory,
    /// instead of in one random page of the whole index each. With random ids a report
    /// dirtied a page of each of those indexes: at 64 connections SQLite intake took
    /// 14 % more reports a second with these ids, 15–22 % with 200,000 cases stored
    /// (docs/performance.md). What it gives away is when a report came in, to a
    /// sixteenth of a second, to whoever sees its id.
    pub fn received(at: Timestamp, entropy: u64) -> Self {
        let ticks = (at.as_microsecond() - Self::EPOCH_SECONDS * 1_000_000).max(0)
            * Self::TICKS_PER_SECOND
            / 1_000_000;
        let ticks = ticks as u64 & ((1 << (60 - Self::RANDOM_BITS)) - 1);
        let value = (ticks << Self::RANDOM_BITS) | (entropy & ((1 << Self::RANDOM_BITS) - 1));
        CaseId(format!("{}{}", Self::PREFIX, encode_in_order(value)))
    }

    /// Parses user input; `None` for anything that is not a well-formed case id.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case(Self::PREFIX))
            .map(|_| &s[4..])?;
        normalize_groups(rest, 3).map(|g| CaseId(format!("{}{g}", Self::PREFIX)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An attachment id such as `A7K3-9XHM-2RPA` (unique within the instance).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttachmentId(String);

impl AttachmentId {
    pub fn from_entropy(entropy: u64) -> Self {
        AttachmentId(encode_groups(entropy, 3))
    }

    pub fn parse(s: &str) -> Option<Self> {
        normalize_groups(s, 3).map(AttachmentId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user account's id, assigned by the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A project's short name in URLs: lower-case letters, digits and inner dashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProjectSlug(String);

impl ProjectSlug {
    pub const MAX_LEN: usize = 63;

    /// Why a slug is refused, in words for the person who typed it.
    pub fn check(s: &str) -> Result<(), &'static str> {
        if s.is_empty() {
            return Err("must not be empty");
        }
        if s.len() > Self::MAX_LEN {
            return Err("must be at most 63 characters");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("may contain only lower-case letters a-z, digits and '-'");
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err("must not start or end with '-'");
        }
        Ok(())
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::check(s).ok().map(|()| ProjectSlug(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number of a question to the reporter within one case: 1, 2, 3…
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuestionId(pub u32);

impl fmt::Display for QuestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The number of a fix within one case: 1, 2, 3…
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FixId(pub u32);

impl fmt::Display for FixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The number of a guest within one case (C5): 1, 2, 3…, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GuestId(pub u32);

impl fmt::Display for GuestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_round_trip_and_normalize() {
        let id = CaseId::from_entropy(0x0123_4567_89ab_cdef);
        assert!(id.as_str().starts_with("EMB-"));
        assert_eq!(id.as_str().len(), 18);
        assert_eq!(CaseId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(CaseId::parse(&id.as_str().to_lowercase()), Some(id));
        assert_eq!(
            CaseId::parse("emb-oooo-llll-iiii").unwrap().as_str(),
            "EMB-0000-1111-1111"
        );
    }

    #[test]
    fn ids_received_later_sort_later_and_keep_their_random_bits() {
        let at: Timestamp = "2026-12-03T12:00:00Z".parse().unwrap();
        let sixteenth = jiff::SignedDuration::from_micros(62_500);
        let mut ids = Vec::new();
        for step in 0..200i32 {
            // The largest random part first, so order can only come from the time.
            let entropy = u64::MAX - step as u64;
            ids.push(CaseId::received(at + sixteenth * step, entropy));
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{:?}", &ids[..3]);
        for id in &ids {
            assert_eq!(CaseId::parse(id.as_str()).as_ref(), Some(id));
        }
        // Within one sixteenth of a second only the random part differs.
        let a = CaseId::received(at, 1);
        let b = CaseId::received(at, 2);
        assert_ne!(a, b);
        assert_eq!(a.as_str()[..11], b.as_str()[..11]);
        // Everything above the random bits is time: a known instant gives a known head.
        assert_eq!(
            CaseId::received("2024-01-01T00:00:00Z".parse().unwrap(), 0).as_str(),
            "EMB-0000-0000-0000"
        );
        assert_eq!(
            CaseId::received("2024-01-01T00:00:01Z".parse().unwrap(), (1 << 25) - 1).as_str(),
            // Seven characters of time (16 ticks: `G`), five of random bits (all set).
            "EMB-0000-00GZ-ZZZZ"
        );
        // Before 2024 counts as 2024 rather than wrapping into the future.
        assert_eq!(
            CaseId::received("2001-01-01T00:00:00Z".parse().unwrap(), 5),
            CaseId::received("2024-01-01T00:00:00Z".parse().unwrap(), 5)
        );
    }

    #[test]
    fn malformed_case_ids_are_refused() {
        for bad in [
            "",
            "EMB-",
            "EMB-AAAA-AAAA",
            "EMB-AAAA-AAAA-AAAAA",
            "XYZ-AAAA-AAAA-AAAA",
            "EMB-AAAA-AAAA-AAU0",
            "EMB-ÄAAA-AAAA-AAAA",
            "1",
            "../etc",
        ] {
            assert_eq!(CaseId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn slugs() {
        assert!(ProjectSlug::parse("connect-go").is_some());
        assert!(ProjectSlug::parse("vitess2").is_some());
        for bad in ["", "-a", "a-", "Con", "a b", "a_b", &"a".repeat(64)] {
            assert!(ProjectSlug::parse(bad).is_none(), "{bad:?}");
        }
    }
}
