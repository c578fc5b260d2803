//! Text a document needs in a shape the advisory may not have: a title taken from the
//! details' first sentence, a description shortened to a format's limit, a time as
//! policies write it, a severity in words, Markdown as plain text.

use jiff::Timestamp;
use std::borrow::Cow;

/// `2025-03-18 16:00 UTC`: how the policies write a release time.
pub fn utc_minute(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// "High — CVSS v3.1 score 7.5 (`CVSS:3.1/…`); CVSS v4.0 score 8.7 (`CVSS:4.0/…`)": the
/// rating of the first vector, then each vector with its score. `None` without vectors;
/// `Err` names the vector that does not parse, and why.
pub(crate) fn severity_in_words(vectors: &[String]) -> Result<Option<String>, (String, String)> {
    let mut rating = None;
    let mut parts = Vec::new();
    for v in vectors {
        let a = embargo_cvss::assess(v).map_err(|e| (v.clone(), e.to_string()))?;
        rating.get_or_insert(a.severity.as_str());
        parts.push(format!(
            "CVSS v{} score {} (`{}`)",
            a.vector.version(),
            a.score,
            a.vector
        ));
    }
    Ok(rating.map(|r| format!("{r} — {}", parts.join("; "))))
}

/// A value for one Markdown table cell: on one line, its pipes escaped.
pub(crate) fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Markdown as plain text for mail and chat that show no Markdown: headings and
/// emphasis markers dropped, `[text](url)` as `text (url)`, `<url>` as `url`, code
/// fences dropped (their lines kept); list markers and line breaks kept.
pub fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            continue;
        }
        let after = t.trim_start_matches('#');
        let line = if after.len() < t.len() && after.starts_with(' ') {
            after.trim_start()
        } else {
            line
        };
        let mut rest = line;
        while let Some(c) = rest.chars().next() {
            if c == '['
                && let Some(close) = rest.find("](")
                && let Some(end) = rest[close..].find(')')
            {
                let text = &rest[1..close];
                let url = &rest[close + 2..close + end];
                if text == url {
                    out.push_str(url);
                } else {
                    out.push_str(&format!("{text} ({url})"));
                }
                rest = &rest[close + end + 1..];
                continue;
            }
            if c == '<'
                && let Some(end) = rest.find('>')
                && rest[1..end].starts_with("http")
            {
                out.push_str(&rest[1..end]);
                rest = &rest[end + 1..];
                continue;
            }
            if !matches!(c, '*' | '`') {
                out.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        out.push('\n');
    }
    out
}

/// The first sentence of a Markdown text, as plain words: headings, code blocks, quotes
/// and list markers are skipped, inline Markdown (`**`, `` ` ``, links) is unwrapped.
/// At most 200 characters, cut at a word. `None` when the text has no prose.
pub(crate) fn first_sentence(markdown: &str) -> Option<String> {
    let mut in_code = false;
    let mut paragraph = String::new();
    for line in markdown.lines() {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_code = !in_code;
            continue;
        }
        if in_code || t.starts_with('#') || t.starts_with('>') || t.starts_with('|') {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        if t.is_empty() {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        let t = t
            .trim_start_matches(['-', '*', '+'])
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start_matches(['.', ')'])
            .trim_start();
        if !paragraph.is_empty() {
            paragraph.push(' ');
        }
        paragraph.push_str(t);
    }
    let plain = unwrap_inline(&paragraph);
    let plain = plain.trim();
    if plain.is_empty() {
        return None;
    }
    let sentence = match sentence_end(plain) {
        Some(end) => &plain[..end],
        None => plain,
    };
    Some(cut_at_word(sentence.trim(), 200).into_owned())
}

/// Byte index just past the first sentence's closing `.`, `!` or `?`: one followed by
/// whitespace and then an upper-case letter, a digit or the end. "e.g. this" and
/// "v1.2.3" do not end a sentence.
fn sentence_end(s: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let end = at + c.len_utf8();
        match chars.get(i + 1) {
            None => return Some(end),
            Some((_, w)) if w.is_whitespace() => {
                let next = chars[i + 1..].iter().find(|(_, c)| !c.is_whitespace());
                if next.is_none_or(|(_, n)| n.is_uppercase() || n.is_ascii_digit()) {
                    return Some(end);
                }
            }
            Some(_) => {}
        }
    }
    None
}

/// `**bold**`, `` `code` `` and `[text](url)` as their text.
fn unwrap_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '['
            && let Some(close) = rest.find("](")
            && let Some(end) = rest[close..].find(')')
        {
            out.push_str(&rest[1..close]);
            rest = &rest[close + end + 1..];
            continue;
        }
        // Underscores stay: in advisories they are more often names than emphasis.
        if !matches!(c, '*' | '`') {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// At most `max` characters, cut at a word boundary with an ellipsis when cut.
pub(crate) fn cut_at_word(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let budget = max.saturating_sub(1);
    let end = s.char_indices().nth(budget).map_or(s.len(), |(i, _)| i);
    let head = &s[..end];
    let head = match head.rfind(char::is_whitespace) {
        Some(i) if i > end / 2 => &head[..i],
        _ => head,
    };
    Cow::Owned(format!("{}…", head.trim_end()))
}

/// `text` shortened to at most `max` characters, ending at a sentence (or, if no
/// sentence ends in the second half of the room, a word) and followed by a pointer to
/// the full text. Unchanged when it fits.
pub(crate) fn shorten<'t>(text: &'t str, max: usize, full_text: Option<&str>) -> Cow<'t, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let tail = match full_text {
        Some(url) => format!(" […] The full advisory: {url}"),
        None => " […]".to_owned(),
    };
    let room = max.saturating_sub(tail.chars().count());
    let end = text.char_indices().nth(room).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let sentence = head
        .char_indices()
        .filter(|&(i, c)| {
            matches!(c, '.' | '!' | '?')
                && head[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back();
    let cut = match sentence {
        Some(i) if i > end / 2 => i,
        _ => head
            .rfind(char::is_whitespace)
            .filter(|&i| i > end / 2)
            .unwrap_or(end),
    };
    Cow::Owned(format!("{}{tail}", head[..cut].trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sentence_skips_headings_and_unwraps_markdown() {
        assert_eq!(
            first_sentence(
                "### Impact\n\nWasmtime's code generator, **Cranelift**, has a bug. More."
            )
            .as_deref(),
            Some("Wasmtime's code generator, Cranelift, has a bug.")
        );
        assert_eq!(
            first_sentence(
                "Ansible before 1.2.3 allows e.g. injection via [a link](https://x). Then."
            )
            .as_deref(),
            Some("Ansible before 1.2.3 allows e.g. injection via a link.")
        );
        assert_eq!(
            first_sentence("```\ncode\n```\n").as_deref(),
            None,
            "no prose, no sentence"
        );
        let long = "word ".repeat(100);
        let s = first_sentence(&long).unwrap();
        assert!(s.chars().count() <= 200 && s.ends_with('…'), "{s}");
    }

    #[test]
    fn shortening_ends_at_a_sentence_and_links_the_full_text() {
        let text = "First sentence here. ".repeat(300);
        let short = shorten(&text, 4096, Some("https://example.org/a/1"));
        assert!(short.chars().count() <= 4096, "{}", short.chars().count());
        assert!(
            short.ends_with("here. […] The full advisory: https://example.org/a/1"),
            "{short}"
        );
        assert_eq!(shorten("short", 4096, None), "short");
    }

    #[test]
    fn plain_text_keeps_the_words_and_the_links() {
        assert_eq!(
            plain(
                "# Title\n\n**Bold** and `code`, see [the advisory](https://x.org/a) or <https://x.org/b>.\n- item #2\n```\nkept\n```"
            ),
            "Title\n\nBold and code, see the advisory (https://x.org/a) or https://x.org/b.\n- item #2\nkept\n"
        );
    }

    #[test]
    fn release_times_read_as_the_policies_write_them() {
        let t: Timestamp = "2025-03-18T16:00:59Z".parse().unwrap();
        assert_eq!(utc_minute(t), "2025-03-18 16:00 UTC");
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }

    #[test]
    fn without_a_sentence_end_shortening_cuts_at_a_word() {
        let text = "word ".repeat(1000);
        let short = shorten(&text, 100, None);
        assert!(short.chars().count() <= 100);
        assert!(short.ends_with("word […]"), "{short}");
    }
}
