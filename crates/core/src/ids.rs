//! Identifiers, parsed once at the edge. Case and attachment ids are random (chosen by
//! the shell) so that an id reveals nothing about how many cases a project has.

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

/// A case id such as `EMB-7K3Q-9XHM-2RPA` (60 random bits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(String);

impl CaseId {
    pub const PREFIX: &'static str = "EMB-";

    /// Builds an id from random bits the shell drew.
    pub fn from_entropy(entropy: u64) -> Self {
        CaseId(format!("{}{}", Self::PREFIX, encode_groups(entropy, 3)))
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
