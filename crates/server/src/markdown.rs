//! User text is Markdown, rendered to HTML and then sanitized: whatever a reporter
//! writes, what reaches a browser is inert (no script, no event handlers, no
//! `javascript:` links, no styles), and the page's CSP is the second line of defence.

use pulldown_cmark::{Options, Parser, html};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

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

/// Rendered texts kept, keyed by the SHA-256 of the Markdown: a read of a case renders
/// its description once, not on every request. A collision would hand one text's HTML
/// to another, so the key is a cryptographic hash, never a `HashMap`'s own.
static RENDERED: OnceLock<Mutex<HashMap<[u8; 32], Arc<str>>>> = OnceLock::new();

/// The cache's bound in bytes of HTML; when full it starts again empty.
const RENDERED_MAX_BYTES: usize = 16 << 20;
static RENDERED_BYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Markdown to sanitized HTML.
pub fn render(markdown: &str) -> String {
    let key: [u8; 32] = Sha256::digest(markdown.as_bytes()).into();
    let cache = RENDERED.get_or_init(Default::default);
    if let Some(html) = cache.lock().expect("markdown cache lock").get(&key) {
        return html.to_string();
    }
    let html = render_uncached(markdown);
    let mut map = cache.lock().expect("markdown cache lock");
    use std::sync::atomic::Ordering::Relaxed;
    if RENDERED_BYTES.load(Relaxed) + html.len() > RENDERED_MAX_BYTES {
        map.clear();
        RENDERED_BYTES.store(0, Relaxed);
    }
    if map.insert(key, Arc::from(html.as_str())).is_none() {
        RENDERED_BYTES.fetch_add(html.len(), Relaxed);
    }
    html
}

fn render_uncached(markdown: &str) -> String {
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
    fn a_cached_rendering_is_the_rendering() {
        let text = "# Title\n\n<script>x</script> *a cached text* 7f3a";
        let first = render(text);
        assert_eq!(first, super::render_uncached(text));
        assert_eq!(render(text), first);
        assert_ne!(render("*another text* 7f3a"), first);
    }

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
