//! User text is Markdown, rendered to HTML and then sanitized: whatever a reporter
//! writes, what reaches a browser is inert (no script, no event handlers, no
//! `javascript:` links, no styles), and the page's CSP is the second line of defence.

use pulldown_cmark::{Options, Parser, html};
use std::collections::HashSet;
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow ugc"))
            // Remote images would tell a third party when the team reads a report.
            .rm_tags(["img"]);
        b
    })
}

/// Markdown to sanitized HTML.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    cleaner().clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders() {
        assert_eq!(
            render("**bold** `code`"),
            "<p><strong>bold</strong> <code>code</code></p>\n"
        );
    }

    #[test]
    fn hostile_input_renders_inert() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
            "<iframe src=https://evil.example></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<form action=https://evil.example><input name=a></form>",
            "![pixel](https://tracker.example/p.gif)",
        ];
        for c in cases {
            let out = render(c).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "javascript:",
                "<iframe",
                "style=",
                "data:",
                "<form",
                "<img",
                "<svg",
            ] {
                assert!(!out.contains(bad), "{c:?} rendered {out:?}");
            }
        }
    }

    #[test]
    fn links_do_not_leak_the_referrer() {
        let out = render("[site](https://example.org)");
        assert!(
            out.contains("rel=\"noopener noreferrer nofollow ugc\""),
            "{out}"
        );
    }
}
