//! The Markdown target: any text through `embargo_server::markdown::render`, whose
//! output must be inert in a browser: no `<script>` (or any element that runs or
//! loads something), no event handler or `style` attribute, no `javascript:`,
//! `vbscript:` or `data:` URL. The output is read tag by tag (see [`tags`]), not
//! searched for words, so text that merely mentions `onload=` is no failure.

use embargo_server::markdown::render;

/// Elements that run script, load content, submit, or style: none may survive.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "svg",
    "math",
    "img",
    "image",
    "video",
    "audio",
    "source",
    "track",
    "link",
    "meta",
    "base",
    "template",
    "noscript",
    "portal",
    "xmp",
    "plaintext",
    "noembed",
    "noframes",
];

/// Attributes a browser reads as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "cite",
    "poster",
    "background",
    "xlink:href",
    "longdesc",
    "codebase",
    "data",
    "manifest",
    "srcset",
    "ping",
    "lowsrc",
    "dynsrc",
];

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let html = render(text);
    assert_inert(text, &html);
}

/// Panics naming what is not inert in `html` (rendered from `source`).
pub fn assert_inert(source: &str, html: &str) {
    for tag in tags(source, html) {
        let name = tag.name.to_ascii_lowercase();
        assert!(
            !FORBIDDEN_ELEMENTS.contains(&name.as_str()),
            "<{name}> survived\nsource: {source:?}\nhtml: {html:?}"
        );
        for (attr, value) in &tag.attributes {
            let attr = attr.to_ascii_lowercase();
            assert!(
                !attr.starts_with("on"),
                "event handler {attr}= survived\nsource: {source:?}\nhtml: {html:?}"
            );
            assert!(
                !matches!(attr.as_str(), "style" | "srcdoc" | "formaction"),
                "{attr}= survived\nsource: {source:?}\nhtml: {html:?}"
            );
            if URL_ATTRIBUTES.contains(&attr.as_str()) {
                let url = as_browser_reads(value);
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    assert!(
                        !url.starts_with(scheme),
                        "a {scheme} URL in {attr}= survived\nsource: {source:?}\nhtml: {html:?}"
                    );
                }
            }
        }
    }
}

/// A start tag as serialized: its name and attributes (values with entities decoded).
pub struct Tag {
    pub name: String,
    pub attributes: Vec<(String, String)>,
}

/// The start tags of sanitized output. The sanitizer serializes canonically: text has
/// `<` escaped, attributes are `name="value"` with `"` and `&` escaped. Anything else
/// is a failure in itself, since a browser might read it differently than we do.
pub fn tags(source: &str, html: &str) -> Vec<Tag> {
    let fail = |why: &str| -> ! { panic!("{why}\nsource: {source:?}\nhtml: {html:?}") };
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            if b[i] == b'>' {
                // html5ever escapes `>` in text as well.
                fail("a raw `>` outside a tag");
            }
            i += 1;
            continue;
        }
        i += 1;
        if html[i..].starts_with("!--") {
            let Some(end) = html[i..].find("-->") else {
                fail("an unclosed comment")
            };
            i += end + 3;
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i == start {
            fail("a `<` that starts no tag");
        }
        let name = html[start..i].to_owned();
        let mut attributes = Vec::new();
        loop {
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            match b.get(i) {
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b'/') if b.get(i + 1) == Some(&b'>') => {
                    i += 2;
                    break;
                }
                None => fail("a tag that does not end"),
                Some(_) if closing => fail("an end tag with attributes"),
                Some(_) => {}
            }
            let start = i;
            while i < b.len() && !matches!(b[i], b'=' | b' ' | b'>' | b'"' | b'\'' | b'<') {
                i += 1;
            }
            if i == start {
                fail("an attribute without a name");
            }
            let attr = html[start..i].to_owned();
            let value = if b.get(i) == Some(&b'=') {
                if b.get(i + 1) != Some(&b'"') {
                    fail("an attribute value without double quotes");
                }
                let from = i + 2;
                let Some(len) = html[from..].find('"') else {
                    fail("an attribute value that does not end")
                };
                i = from + len + 1;
                decode_entities(&html[from..from + len])
            } else {
                String::new()
            };
            attributes.push((attr, value));
        }
        if !closing {
            out.push(Tag { name, attributes });
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let entity = &rest[1..e];
            match entity {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "nbsp" => Some('\u{a0}'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a browser's URL parser looks at for the scheme: leading C0 controls and spaces
/// are stripped, tabs and newlines anywhere are removed, and schemes are ASCII
/// case-insensitive.
fn as_browser_reads(value: &str) -> String {
    value
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase()
}
