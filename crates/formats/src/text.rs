//! Text a document needs in a shape the advisory may not have: a title taken from the
//! details' first sentence, a description shortened to a format's limit.

use std::borrow::Cow;

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
    fn without_a_sentence_end_shortening_cuts_at_a_word() {
        let text = "word ".repeat(1000);
        let short = shorten(&text, 100, None);
        assert!(short.chars().count() <= 100);
        assert!(short.ends_with("word […]"), "{short}");
    }
}
