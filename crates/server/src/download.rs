//! Sending a stored file back, shared by the API and the pages (the sibling of
//! `upload`): always as a download, never rendered or sniffed.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// A response that browsers save and never render or sniff.
pub fn download(filename: &str, bytes: Vec<u8>) -> Response {
    let filename = &file_name(filename);
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    res
}

/// The name a download is saved under: without control characters, direction
/// overrides or invisible characters (`core::text::deceptive`), whatever was stored
/// before names were checked, so `Invoice \u{202e}gpj.exe` is saved as
/// `Invoice gpj.exe`. A name left empty becomes `download`.
pub fn file_name(stored: &str) -> String {
    let kept: String = stored
        .chars()
        .filter(|&c| !c.is_control() && !embargo_core::text::deceptive(c))
        .collect();
    let kept = kept.trim();
    if kept.is_empty() {
        "download".into()
    } else {
        kept.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11, item 7: a name stored before the rule still downloads without its
    /// override, in both the plain and the UTF-8 form of the header.
    #[test]
    fn download_names_lose_direction_overrides_and_invisible_characters() {
        assert_eq!(file_name("Invoice \u{202e}gpj.exe"), "Invoice gpj.exe");
        assert_eq!(file_name("a\u{200b}b\u{feff}.txt\r\n"), "ab.txt");
        assert_eq!(file_name("\u{2066}\u{2069}"), "download");
        assert_eq!(file_name("résumé.pdf"), "résumé.pdf");
        let res = download("Invoice \u{202e}gpj.exe", b"x".to_vec());
        let cd = res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(!cd.contains("%E2%80%AE"), "{cd}");
        assert!(cd.contains("filename*=UTF-8''Invoice%20gpj.exe"), "{cd}");
    }
}
