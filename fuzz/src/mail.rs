//! The mail target: any bytes through `Reader::read`, with the default limits, with
//! tight ones (so that every limit is reachable by small inputs), and with a project
//! key (so that OpenPGP-encrypted mail is decrypted, or refused). Whatever comes in,
//! the limits hold, titles and names are single clean lines, attachment names are safe
//! file names, and reading is deterministic.

use embargo_mail::{Inbound, Limits, ProjectKey, QuarantineReason, Reader};
use std::sync::OnceLock;

const TIGHT: Limits = Limits {
    message_bytes: 4096,
    attachment_bytes: 64,
    attachments: 2,
    parts: 8,
};

fn keyed() -> &'static Reader {
    static READER: OnceLock<Reader> = OnceLock::new();
    READER.get_or_init(|| {
        let key = ProjectKey::generate("Embargo fuzz <security@fuzz.example>")
            .expect("a project key can be generated");
        Reader::default().with_key(key)
    })
}

pub fn check(raw: &[u8]) {
    let default = Reader::default();
    let first = default.read(raw);
    check_inbound(raw, &first, default.limits());
    assert_eq!(
        default.read(raw),
        first,
        "reading the same bytes twice differs"
    );

    let tight = Reader::new(TIGHT);
    let read = tight.read(raw);
    if raw.len() > TIGHT.message_bytes {
        assert!(
            matches!(
                read,
                Inbound::Quarantine(ref q) if matches!(q.reason, QuarantineReason::TooLarge { .. })
            ),
            "{} bytes over a limit of {} were not quarantined as too large: {read:?}",
            raw.len(),
            TIGHT.message_bytes
        );
    }
    check_inbound(raw, &read, &TIGHT);

    check_inbound(raw, &keyed().read(raw), &Limits::default());
}

fn check_inbound(raw: &[u8], inbound: &Inbound, limits: &Limits) {
    match inbound {
        Inbound::Report(r) => {
            clean_line("title", &r.title);
            assert!(!r.title.is_empty(), "an empty title");
            assert!(
                r.sender.address.contains('@'),
                "sender {:?} is no address",
                r.sender.address
            );
            if let Some(name) = &r.sender.name {
                clean_line("sender name", name);
            }
            recipients(&r.recipients);
            assert!(
                r.attachments.len() <= limits.attachments,
                "{} attachments over a limit of {}",
                r.attachments.len(),
                limits.attachments
            );
            for a in &r.attachments {
                assert!(
                    a.bytes.len() <= limits.attachment_bytes,
                    "attachment {:?} of {} bytes over a limit of {}",
                    a.name,
                    a.bytes.len(),
                    limits.attachment_bytes
                );
                file_name(&a.name);
                assert_eq!(a.declared_type, a.declared_type.to_ascii_lowercase());
            }
            if let Some(original) = &r.encrypted_original {
                assert_eq!(
                    original.as_slice(),
                    raw,
                    "the encrypted original is not what came in"
                );
            }
        }
        Inbound::AutoReply(a) => {
            assert!(
                !a.marker.trim().is_empty(),
                "an auto-reply without its marker"
            );
            recipients(&a.recipients);
        }
        Inbound::Bounce(b) => recipients(&b.recipients),
        Inbound::Quarantine(q) => {
            assert!(!q.reason.to_string().trim().is_empty());
            recipients(&q.recipients);
            if let QuarantineReason::AttachmentTooLarge { name, bytes, limit } = &q.reason {
                file_name(name);
                assert!(bytes > limit, "quarantined an attachment within its limit");
            }
        }
    }
}

fn clean_line(what: &str, s: &str) {
    assert!(
        !s.chars().any(char::is_control),
        "{what} {s:?} has control characters"
    );
    assert_eq!(s.trim(), s, "{what} {s:?} is not trimmed");
}

fn recipients(list: &[String]) {
    for (i, r) in list.iter().enumerate() {
        assert!(r.contains('@'), "recipient {r:?} is no address");
        assert!(
            !list[..i]
                .iter()
                .any(|earlier| earlier.eq_ignore_ascii_case(r)),
            "recipient {r:?} is listed twice"
        );
    }
}

fn file_name(name: &str) {
    assert!(!name.is_empty(), "an empty attachment name");
    assert!(name.len() <= 255, "attachment name of {} bytes", name.len());
    assert!(
        !name.contains(['/', '\\']),
        "attachment name {name:?} has a folder"
    );
    assert!(!name.starts_with('.'), "attachment name {name:?} is hidden");
    assert!(
        !name.chars().any(|c| c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
        "attachment name {name:?} has control or direction characters"
    );
}
