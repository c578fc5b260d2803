//! Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): `{"text": …}`
//! in Slack's mrkdwn, which all three read. Only `text`, because it is the one field
//! all three agree on.

use crate::fit::fit;
use crate::notice::Notice;

/// Slack advises at most 4,000 characters of `text`; Rocket.Chat's default message
/// limit is 5,000 and Mattermost's 16,383.
pub(crate) const LIMIT: usize = 4_000;

pub(crate) fn payload(notice: &Notice) -> serde_json::Value {
    let text = fit(LIMIT, notice.body_markdown(), |body, cut| {
        let mut text = format!("*{}*\n\n{}", escape(notice.subject()), mrkdwn(body));
        if cut && let Some(url) = notice.read_more() {
            text.push_str(&format!(
                "\n\n<{}|Read the whole notice>",
                escape(url.as_str())
            ));
        }
        if !notice.links().is_empty() {
            text.push('\n');
            for link in notice.links() {
                text.push_str(&format!(
                    "\n• <{}|{}>",
                    escape(link.url.as_str()),
                    escape_label(&link.title)
                ));
            }
        }
        defuse_mentions(&text)
    });
    serde_json::json!({ "text": text })
}

/// Slack's three control characters; everything else is literal.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A link label ends at `>` and its URL at `|`; a label's own `|` would not end it, but
/// Mattermost's translation of `<url|label>` splits on every `|`.
fn escape_label(text: &str) -> String {
    escape(&text.replace('|', "¦"))
}

/// `@channel`, `@here`, `@all` and `@everyone` typed in a notice notify a whole
/// channel in Mattermost and Rocket.Chat; a zero-width space after the `@` keeps the
/// word and drops the ping.
fn defuse_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('@') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let word_end = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        if matches!(
            rest[..word_end].to_ascii_lowercase().as_str(),
            "channel" | "here" | "all" | "everyone"
        ) {
            out.push('\u{200B}');
        }
    }
    out.push_str(rest);
    out
}

/// Markdown to mrkdwn, for what notices use: headings and bold become `*bold*`,
/// emphasis `_it_`, strike-through `~x~`, links `<url|text>`, list items `•`; code
/// spans and fenced blocks keep their backticks. The rest is text, escaped.
pub(crate) fn mrkdwn(markdown: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            out.push("```".to_owned());
            continue;
        }
        if in_fence {
            out.push(escape(line));
            continue;
        }
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            let heading = trimmed[hashes..].trim().trim_end_matches('#').trim_end();
            out.push(format!("*{}*", inline(&strip_bold(heading))));
            continue;
        }
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(item) = ["- ", "* ", "+ "]
            .iter()
            .find_map(|bullet| trimmed.strip_prefix(bullet))
        {
            out.push(format!("{indent}• {}", inline(item)));
            continue;
        }
        out.push(inline(line));
    }
    out.join("\n")
}

/// A heading is bold already; bold inside it would close it.
fn strip_bold(text: &str) -> String {
    text.replace("**", "").replace("__", "")
}

fn inline(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut italic = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev = if i == 0 { None } else { Some(chars[i - 1]) };
        match c {
            '\\' if next.is_some_and(|n| n.is_ascii_punctuation()) => {
                out.push_str(&escape(&next.unwrap_or_default().to_string()));
                i += 2;
            }
            '`' => {
                let close = chars[i + 1..].iter().position(|&c| c == '`');
                match close {
                    Some(len) => {
                        let code: String = chars[i + 1..i + 1 + len].iter().collect();
                        out.push('`');
                        out.push_str(&escape(&code));
                        out.push('`');
                        i += len + 2;
                    }
                    None => {
                        out.push('`');
                        i += 1;
                    }
                }
            }
            '[' => match link(&chars[i..]) {
                Some((text, url, used)) => {
                    out.push_str(&format!("<{}|{}>", escape(&url), escape_label(&text)));
                    i += used;
                }
                None => {
                    out.push('[');
                    i += 1;
                }
            },
            '<' => match autolink(&chars[i..]) {
                Some((url, used)) => {
                    out.push_str(&format!("<{}>", escape(&url)));
                    i += used;
                }
                None => {
                    out.push_str("&lt;");
                    i += 1;
                }
            },
            '*' | '_' if next == Some(c) => {
                out.push('*');
                i += 2;
            }
            '~' if next == Some('~') => {
                out.push('~');
                i += 2;
            }
            '*' | '_' => {
                let opens = !italic && next.is_some_and(|n| !n.is_whitespace());
                let closes = italic && prev.is_some_and(|p| !p.is_whitespace());
                // `snake_case` stays as it is: `_` inside a word is no emphasis.
                let in_word = c == '_'
                    && prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric);
                if (opens || closes) && !in_word {
                    italic = !italic;
                    out.push('_');
                } else {
                    out.push(c);
                }
                i += 1;
            }
            c => {
                out.push_str(&escape(&c.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// `[text](url)` at the start of `chars`: the text, the URL and how many characters it
/// took. Only http(s) and mailto URLs become links.
fn link(chars: &[char]) -> Option<(String, String, usize)> {
    let close = chars.iter().position(|&c| c == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = close + 2 + chars[close + 2..].iter().position(|&c| c == ')')?;
    let text: String = chars[1..close].iter().collect();
    let url: String = chars[close + 2..end].iter().collect();
    let url = url.trim().trim_start_matches('<').trim_end_matches('>');
    let scheme_ok = ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| url.starts_with(s));
    if !scheme_ok || url.contains(char::is_whitespace) {
        return None;
    }
    Some((strip_bold(&text), url.to_owned(), end + 1))
}

/// `<https://…>` at the start of `chars`.
fn autolink(chars: &[char]) -> Option<(String, usize)> {
    let end = chars.iter().position(|&c| c == '>')?;
    let url: String = chars[1..end].iter().collect();
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace);
    ok.then_some((url, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::draft;

    #[test]
    fn markdown_becomes_mrkdwn() {
        for (markdown, expected) in [
            ("plain text", "plain text"),
            ("a **bold** word", "a *bold* word"),
            ("a __bold__ word", "a *bold* word"),
            ("an *emphasised* word", "an _emphasised_ word"),
            ("an _emphasised_ word", "an _emphasised_ word"),
            ("~~gone~~", "~gone~"),
            ("5 * 3 and snake_case_name", "5 * 3 and snake_case_name"),
            (
                "see [the advisory](https://x.example/a?b=1&c=2)",
                "see <https://x.example/a?b=1&amp;c=2|the advisory>",
            ),
            (
                "[**bold** link](https://x.example)",
                "<https://x.example|bold link>",
            ),
            ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
            ("<https://x.example/>", "<https://x.example/>"),
            ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
            ("<!channel> <@U123>", "&lt;!channel&gt; &lt;@U123&gt;"),
            ("`a <b> & c`", "`a &lt;b&gt; &amp; c`"),
            (r"\*not emphasis\*", "*not emphasis*"),
            ("# Heading", "*Heading*"),
            ("## **Bold** heading ##", "*Bold heading*"),
            ("- one\n* two\n  + nested", "• one\n• two\n  • nested"),
            ("```\nlet a = b<c>;\n```", "```\nlet a = b&lt;c&gt;;\n```"),
        ] {
            assert_eq!(mrkdwn(markdown), expected, "{markdown}");
        }
    }

    #[test]
    fn the_payload_is_text_with_subject_body_and_links() {
        let notice = draft().check().unwrap();
        let payload = payload(&notice);
        assert_eq!(payload.as_object().unwrap().len(), 1);
        assert_eq!(
            payload["text"],
            "*Connect 1.4.2 fixes CVE-2026-0001*\n\nUpgrade *now*: see \
             <https://sec.example/a/1|the advisory>.\n\n• <https://sec.example/a/1|Advisory>"
        );
    }

    #[test]
    fn channel_wide_mentions_ping_nobody() {
        let mut d = draft();
        d.body_markdown =
            "Hi @channel, @Here, @all and @everyone; mail bob@allsorts.example".into();
        let text = payload(&d.check().unwrap())["text"]
            .as_str()
            .unwrap()
            .to_owned();
        for word in ["channel", "Here", "all", "everyone"] {
            assert!(text.contains(&format!("@\u{200B}{word}")), "{text}");
        }
        assert!(text.contains("bob@allsorts.example"));
    }

    #[test]
    fn a_long_notice_is_cut_with_a_link_to_the_whole() {
        let mut d = draft();
        d.body_markdown = "A long & winding text. ".repeat(400);
        let text = payload(&d.check().unwrap())["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(crate::fit::units(&text) <= LIMIT);
        assert!(text.contains("…\n\n<https://sec.example/a/1|Read the whole notice>"));
        assert!(text.ends_with("• <https://sec.example/a/1|Advisory>"));
    }
}
