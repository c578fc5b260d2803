//! Limits and checks for the text people type, in one place so that the web form, the
//! API, the CLI and e-mail intake refuse the same things with the same words.

use crate::rejection::{Invalid, Rule};

/// Limits in characters (Unicode scalar values), chosen so that a real report fits and
/// a pasted binary does not.
pub mod limits {
    pub const TITLE: usize = 200;
    pub const NAME: usize = 200;
    /// A passkey's name, as its owner tells one from another ("Laptop", "YubiKey").
    pub const PASSKEY_NAME: usize = 64;
    pub const SHORT: usize = 500;
    pub const EMAIL: usize = 254;
    pub const URL: usize = 2000;
    /// Descriptions, messages, notes, questions: Markdown.
    pub const BODY: usize = 65_536;
    pub const GUIDANCE: usize = 65_536;
}

/// Trims and checks a required single-line value.
pub fn required_line(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(
            field,
            Rule::Required,
            format!("`{field}` is required"),
        ));
    }
    single_line(field, v, max)
}

/// Trims an optional single-line value; empty means absent.
pub fn optional_line(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => single_line(field, v, max).map(Some),
    }
}

fn single_line(field: &str, v: &str, max: usize) -> Result<String, Invalid> {
    if v.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            Rule::NotSingleLine,
            format!("`{field}` must be a single line without control characters"),
        ));
    }
    if let Some(c) = v.chars().find(|&c| deceptive(c)) {
        return Err(Invalid::new(
            field,
            Rule::InvisibleCharacter,
            format!(
                "`{field}` contains the invisible character U+{:04X}; \
                 remove direction overrides and invisible characters",
                u32::from(c)
            ),
        ));
    }
    too_long(field, v, max)?;
    Ok(v.to_owned())
}

/// Characters that change how a line reads without showing themselves: bidirectional
/// embeddings, overrides, isolates and marks (`Invoice \u{202e}gpj.exe` shows as
/// `Invoiceexe.jpg`), and invisible ones (zero-width space, word joiner, BOM, soft
/// hyphen, invisible operators, tag characters). A line (a title, a name, a file name)
/// never needs them. Zero-width (non-)joiners stay allowed: scripts and emoji sequences
/// need them. Bodies are Markdown and keep these, since right-to-left text uses marks;
/// the renderer shows them escaped in code.
pub fn deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'                       // Arabic letter mark
            | '\u{00AD}'                 // soft hyphen
            | '\u{180E}'                 // Mongolian vowel separator
            | '\u{200B}'                 // zero-width space
            | '\u{200E}'..='\u{200F}'    // left-to-right and right-to-left marks
            | '\u{202A}'..='\u{202E}'    // embeddings and overrides
            | '\u{2060}'..='\u{2064}'    // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}'    // isolates
            | '\u{FEFF}'                 // byte order mark
            | '\u{E0000}'..='\u{E007F}' // tag characters
    )
}

/// A required Markdown body: may span lines; other control characters are refused.
pub fn required_body(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim_end();
    if v.trim().is_empty() {
        return Err(Invalid::new(
            field,
            Rule::Required,
            format!("`{field}` is required"),
        ));
    }
    too_long(field, v, max)?;
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{field}` contains control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// An optional Markdown body; empty means absent.
pub fn optional_body(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    match value {
        Some(v) if !v.trim().is_empty() => required_body(field, v, max).map(Some),
        _ => Ok(None),
    }
}

fn too_long(field: &str, v: &str, max: usize) -> Result<(), Invalid> {
    // Byte length bounds the char count from above, so the cheap test comes first.
    if v.len() > max && v.chars().count() > max {
        return Err(Invalid::new(
            field,
            Rule::TooLong,
            format!("`{field}` must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// An e-mail address as people type it: `local@domain.tld`, no spaces, no display name.
/// Deliverability is the mail system's job; this catches typos and header injection.
pub fn email(field: &str, value: &str) -> Result<String, Invalid> {
    let v = value.trim();
    let bad = || {
        Invalid::new(
            field,
            Rule::InvalidEmail,
            format!("`{field}` must be an e-mail address like name@example.org"),
        )
    };
    if v.len() > limits::EMAIL {
        return Err(Invalid::new(
            field,
            Rule::TooLong,
            format!("`{field}` must be at most {} characters", limits::EMAIL),
        ));
    }
    let (local, domain) = v.rsplit_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    let local_ok = !local.is_empty()
        && !local.contains('@')
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\".contains(c));
    if !(domain_ok && local_ok) {
        return Err(bad());
    }
    Ok(v.to_owned())
}

/// An http(s) URL with a host. Stored as typed; rendered as a link only through the
/// sanitizer.
pub fn url(field: &str, value: &str) -> Result<String, Invalid> {
    let v = value.trim();
    let bad = || {
        Invalid::new(
            field,
            Rule::InvalidUrl,
            format!("`{field}` must be an http:// or https:// URL"),
        )
    };
    too_long(field, v, limits::URL)?;
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(required_line("title", "  x  ", 5).unwrap(), "x");
        assert_eq!(
            required_line("title", "  ", 5).unwrap_err().rule,
            Rule::Required
        );
        assert_eq!(
            required_line("title", "a\nb", 5).unwrap_err().rule,
            Rule::NotSingleLine
        );
        assert_eq!(required_line("title", "ääää", 4).unwrap(), "ääää");
        assert_eq!(
            required_line("title", "äääää", 4).unwrap_err().rule,
            Rule::TooLong
        );
        assert_eq!(optional_line("p", Some(" "), 4).unwrap(), None);
    }

    /// Issue 11: `Invoice \u{202e}gpj.exe` must not reach a title or a file name.
    #[test]
    fn direction_overrides_and_invisible_characters_are_refused_in_lines() {
        for bad in [
            "Invoice \u{202e}gpj.exe",
            "a\u{2066}b\u{2069}",
            "zero\u{200b}width",
            "\u{feff}bom",
            "mark\u{200f}",
            "tag\u{e0041}",
        ] {
            let e = required_line("filename", bad, 255).unwrap_err();
            assert_eq!(e.rule, Rule::InvisibleCharacter, "{bad:?}");
            assert_eq!(e.field, "filename");
        }
        // Joiners are part of real text (Persian, emoji sequences).
        for good in [
            "می\u{200c}خواهم",
            "👩\u{200d}💻 report",
            "עברית title",
            "عربى",
        ] {
            assert_eq!(required_line("title", good, 200).unwrap(), good);
        }
        // Bodies keep marks: right-to-left prose uses them.
        assert!(required_body("body", "שלום\u{200f} world", 100).is_ok());
    }

    #[test]
    fn emails() {
        assert!(email("e", "a.b+c@example.org").is_ok());
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.c",
            "a b@c.d",
            "<a@b.c>",
            "a@b..c",
            "a@.b.c",
            "a@b.c\r\nBcc: x@y.z",
        ] {
            assert!(email("e", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urls() {
        assert!(url("u", "https://example.org/x?y#z").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x",
            "https://",
            "http:// x",
            "data:text/html,hi",
        ] {
            assert_eq!(url("u", bad).unwrap_err().rule, Rule::InvalidUrl, "{bad:?}");
        }
    }
}
