//! Discord webhooks: `{"content": …}` in Discord's own Markdown, at most 2,000
//! characters, with mentions switched off so a notice never pings `@everyone`.

use crate::fit::fit;
use crate::notice::Notice;

pub(crate) const LIMIT: usize = 2_000;

pub(crate) fn payload(notice: &Notice) -> serde_json::Value {
    let content = fit(LIMIT, notice.body_markdown(), |body, cut| {
        let mut text = format!("**{}**\n\n{body}", escape(notice.subject()));
        if cut && let Some(url) = notice.read_more() {
            text.push_str(&format!("\n\n[Read the whole notice](<{url}>)"));
        }
        if !notice.links().is_empty() {
            text.push('\n');
            for link in notice.links() {
                // `<url>` keeps Discord from unfurling a preview under every link.
                text.push_str(&format!("\n- [{}](<{}>)", escape(&link.title), link.url));
            }
        }
        text
    });
    serde_json::json!({
        "content": content,
        "allowed_mentions": { "parse": [] },
    })
}

/// The subject and link titles are text, not Markdown.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '*' | '_' | '~' | '`' | '|' | '[' | ']' | '\\' | '<' | '>'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::draft;

    #[test]
    fn content_is_markdown_and_mentions_are_off() {
        let notice = draft().check().unwrap();
        let payload = payload(&notice);
        assert_eq!(
            payload["content"],
            "**Connect 1.4.2 fixes CVE-2026-0001**\n\nUpgrade **now**: see \
             [the advisory](https://sec.example/a/1).\n\n- [Advisory](<https://sec.example/a/1>)"
        );
        assert_eq!(
            payload["allowed_mentions"],
            serde_json::json!({ "parse": [] })
        );
    }

    #[test]
    fn over_2000_characters_is_cut_with_a_link() {
        let mut d = draft();
        d.body_markdown = "Ünïcödé text 😀 ".repeat(300);
        let content = payload(&d.check().unwrap())["content"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(crate::fit::units(&content) <= LIMIT, "{}", content.len());
        assert!(content.contains("…\n\n[Read the whole notice](<https://sec.example/a/1>)"));
        assert!(content.ends_with("- [Advisory](<https://sec.example/a/1>)"));
    }

    #[test]
    fn a_subject_is_not_markdown() {
        let mut d = draft();
        d.subject = "**not** [a](link)".into();
        let content = payload(&d.check().unwrap())["content"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            content.starts_with(r"**\*\*not\*\* \[a\](link)**"),
            "{content}"
        );
    }
}
