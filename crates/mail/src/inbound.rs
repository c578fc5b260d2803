//! Incoming mail: one RFC 5322 message in, one decision out — a report (or a reply) a
//! person wrote, an auto-reply, a bounce, or quarantine with a reason. Never panics,
//! and does bounded work on hostile input (size and MIME parts are checked first).

use crate::attachment::{Attachment, clean_name};
use crate::automatic::{auto_reply_marker, bounce_facts};
use crate::openpgp::ProjectKey;
use crate::quarantine::QuarantineReason;
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// How much one message may carry. Over any of these it is quarantined, not cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The whole message as received, in bytes.
    pub message_bytes: usize,
    /// One attachment, decoded, in bytes.
    pub attachment_bytes: usize,
    pub attachments: usize,
    /// MIME parts, nested messages' parts included.
    pub parts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            message_bytes: 25 * 1024 * 1024,
            attachment_bytes: 10 * 1024 * 1024,
            attachments: 20,
            parts: 500,
        }
    }
}

/// An address with the name shown beside it, both as the sender wrote them (the name
/// without control characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub address: String,
    pub name: Option<String>,
}

/// What an incoming message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Written by a person: a new report, or a reply on a case (see
    /// [`Report::in_reply_to`], [`Report::recipients`] and `crate::reply`).
    Report(Report),
    /// Sent by a program; never opens a case, never answered.
    AutoReply(AutoReply),
    /// A delivery failure of mail we sent.
    Bounce(Bounce),
    /// Kept for a person to review; never becomes a case by itself.
    Quarantine(Quarantine),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The subject, or `(no subject)`.
    pub title: String,
    /// The text: `text/plain` parts when there are any, else HTML turned into plain text
    /// (no markup kept).
    pub description: String,
    pub attachments: Vec<Attachment>,
    pub sender: Mailbox,
    /// To, Cc, Delivered-To and X-Original-To addresses, in that order, each once.
    pub recipients: Vec<String>,
    pub threading: Threading,
    /// The message as received, when it was OpenPGP-encrypted (and so the fields above
    /// come from the decrypted text). Keep it: it is what the reporter sent.
    pub encrypted_original: Option<Vec<u8>>,
}

impl Report {
    /// OpenPGP public keys the sender attached (`application/pgp-keys`, or an `.asc`
    /// holding a public key block): a reporter may give their key this way, and then
    /// mail to them is encrypted. Attachments that are no usable key are skipped.
    pub fn attached_public_keys(&self) -> Vec<crate::openpgp::PublicKey> {
        self.attachments
            .iter()
            .filter(|a| {
                a.declared_type == "application/pgp-keys"
                    || a.name.to_ascii_lowercase().ends_with(".asc")
            })
            .filter_map(|a| std::str::from_utf8(&a.bytes).ok())
            .filter(|text| text.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----"))
            .filter_map(|text| crate::openpgp::PublicKey::parse(text).ok())
            .collect()
    }
}

/// The identifiers that thread a message: its own `Message-ID`, `In-Reply-To` and
/// `References`, each without angle brackets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Threading {
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
}

impl Threading {
    /// Every message id this one answers, nearest first: what to look a case up by.
    pub fn answered_ids(&self) -> impl Iterator<Item = &str> {
        self.in_reply_to
            .iter()
            .chain(self.references.iter().rev())
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReply {
    /// The header that gave it away, as `Name: value`.
    pub marker: String,
    pub sender: Option<String>,
    pub recipients: Vec<String>,
    pub threading: Threading,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The addresses that could not be delivered to (may be empty for bounces that
    /// don't say).
    pub failed_recipients: Vec<String>,
    /// The `Message-ID` of our message that bounced, when the bounce returns it.
    pub original_message_id: Option<String>,
    /// The RFC 3463 status (`5.1.1`) and the server's diagnostic, when given.
    pub status: Option<String>,
    pub diagnostic: Option<String>,
    pub recipients: Vec<String>,
}

impl Bounce {
    /// A `5.x.x` status means the address is failing; `4.x.x` that delivery is only
    /// delayed. Bounces without a status count as permanent.
    pub fn is_permanent(&self) -> bool {
        !self.status.as_deref().is_some_and(|s| s.starts_with('4'))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantine {
    pub reason: QuarantineReason,
    /// What could be read of the message, to list it in the quarantine.
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub recipients: Vec<String>,
}

/// Reads incoming mail with a project's limits and, if it has one, its OpenPGP key.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    limits: Limits,
    key: Option<ProjectKey>,
}

impl Reader {
    pub fn new(limits: Limits) -> Reader {
        Reader { limits, key: None }
    }

    /// Encrypted mail is decrypted with `key`; without one it is quarantined.
    pub fn with_key(mut self, key: ProjectKey) -> Reader {
        self.key = Some(key);
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Classifies one message as received (RFC 5322 bytes, as from an MTA pipe or an
    /// IMAP fetch).
    pub fn read(&self, raw: &[u8]) -> Inbound {
        let limits = &self.limits;
        if raw.len() > limits.message_bytes {
            return quarantine_headers_only(
                raw,
                QuarantineReason::TooLarge {
                    bytes: raw.len(),
                    limit: limits.message_bytes,
                },
            );
        }
        // mail-parser keeps every part in memory; a cheap count of boundary-like lines
        // first keeps a 100,000-part bomb from being parsed at all.
        if boundary_lines(raw) > limits.parts.saturating_mul(4).saturating_add(64) {
            return quarantine_headers_only(
                raw,
                QuarantineReason::TooManyParts {
                    limit: limits.parts,
                },
            );
        }
        let Some(message) = MessageParser::default().parse(raw) else {
            return quarantine_headers_only(raw, QuarantineReason::Unparseable);
        };
        if message.parts.is_empty() {
            return quarantine_headers_only(raw, QuarantineReason::Unparseable);
        }
        if count_parts(&message) > limits.parts {
            return quarantine(
                &message,
                QuarantineReason::TooManyParts {
                    limit: limits.parts,
                },
            );
        }
        if let Some(header) = spam_flag(&message) {
            return quarantine(&message, QuarantineReason::Spam { header });
        }
        if let Some(facts) = is_dsn(&message).then(|| bounce_facts(&message)).flatten() {
            return bounce(&message, facts);
        }
        if let Some(marker) = auto_reply_marker(&message) {
            return Inbound::AutoReply(AutoReply {
                marker,
                sender: sender(&message).map(|s| s.address),
                recipients: recipients(&message),
                threading: threading(&message),
            });
        }
        if let Some(facts) = bounce_facts(&message) {
            return bounce(&message, facts);
        }
        let Some(from) = sender(&message) else {
            return quarantine(&message, QuarantineReason::NoSender);
        };
        if let Some(encrypted) = crate::openpgp::encrypted_payload(&message) {
            return self.read_encrypted(raw, &message, from, encrypted);
        }
        self.report(&message, &message, from, None)
    }

    fn read_encrypted(
        &self,
        raw: &[u8],
        outer: &Message<'_>,
        from: Mailbox,
        encrypted: crate::openpgp::EncryptedPayload,
    ) -> Inbound {
        let Some(key) = &self.key else {
            return quarantine(outer, QuarantineReason::EncryptedWithoutKey);
        };
        let plaintext = match key.decrypt(encrypted.data()) {
            Ok(p) => p,
            Err(e) => {
                return quarantine(
                    outer,
                    QuarantineReason::Undecryptable {
                        detail: e.to_string(),
                    },
                );
            }
        };
        match encrypted {
            crate::openpgp::EncryptedPayload::PgpMime(_) => {
                // The decrypted part is a MIME entity of its own (headers, body).
                let Some(inner) = MessageParser::default().parse(&plaintext) else {
                    return quarantine(outer, QuarantineReason::Unparseable);
                };
                if inner.parts.is_empty() {
                    return quarantine(outer, QuarantineReason::Unparseable);
                }
                if count_parts(&inner) > self.limits.parts {
                    return quarantine(
                        outer,
                        QuarantineReason::TooManyParts {
                            limit: self.limits.parts,
                        },
                    );
                }
                self.report(outer, &inner, from, Some(raw.to_vec()))
            }
            crate::openpgp::EncryptedPayload::Inline(_) => {
                let mut report = match self.report(outer, outer, from, Some(raw.to_vec())) {
                    Inbound::Report(r) => r,
                    other => return other,
                };
                report.description = String::from_utf8_lossy(&plaintext).trim().to_owned();
                Inbound::Report(report)
            }
        }
    }

    /// `outer` gives the envelope (sender, recipients, threading); `content` the
    /// subject, text and attachments (the same message unless it was encrypted).
    fn report(
        &self,
        outer: &Message<'_>,
        content: &Message<'_>,
        sender: Mailbox,
        encrypted_original: Option<Vec<u8>>,
    ) -> Inbound {
        let limits = &self.limits;
        let mut attachments = Vec::new();
        for part in content.attachments() {
            let bytes: Vec<u8> = match &part.body {
                // A forwarded message is kept whole, as the `.eml` a person would save.
                PartType::Message(m) => m.raw_message().to_vec(),
                _ => part.contents().to_vec(),
            };
            let default_name = match part.body {
                PartType::Message(_) => "message.eml",
                _ => "attachment",
            };
            let name = clean_name(part.attachment_name().unwrap_or(default_name));
            if bytes.len() > limits.attachment_bytes {
                return quarantine(
                    outer,
                    QuarantineReason::AttachmentTooLarge {
                        name,
                        bytes: bytes.len(),
                        limit: limits.attachment_bytes,
                    },
                );
            }
            let declared_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned())
                .to_ascii_lowercase();
            attachments.push(Attachment {
                name,
                declared_type,
                bytes,
            });
        }
        if attachments.len() > limits.attachments {
            return quarantine(
                outer,
                QuarantineReason::TooManyAttachments {
                    count: attachments.len(),
                    limit: limits.attachments,
                },
            );
        }
        // Protected headers (RFC 9788): an encrypted part may carry the real subject
        // while the outer one says `...`.
        let subject = content
            .subject()
            .or_else(|| outer.subject())
            .map(clean_line)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "(no subject)".to_owned());
        Inbound::Report(Report {
            title: subject,
            description: description(content),
            attachments,
            sender,
            recipients: recipients(outer),
            threading: threading(outer),
            encrypted_original,
        })
    }
}

fn description(message: &Message<'_>) -> String {
    let mut text = String::new();
    for i in 0..message.text_body_count() {
        if let Some(body) = message.body_text(i) {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(body.trim_end());
        }
    }
    text.replace("\r\n", "\n").trim().to_owned()
}

/// A header value on one line, without control characters.
fn clean_line(value: &str) -> String {
    let line: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_dsn(message: &Message<'_>) -> bool {
    message.parts.first().is_some_and(|root| {
        root.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        })
    })
}

fn bounce(message: &Message<'_>, facts: crate::automatic::BounceFacts) -> Inbound {
    Inbound::Bounce(Bounce {
        failed_recipients: facts.failed_recipients,
        original_message_id: facts.original_message_id,
        status: facts.status,
        diagnostic: facts.diagnostic,
        recipients: recipients(message),
    })
}

fn spam_flag(message: &Message<'_>) -> Option<String> {
    message.headers_raw().find_map(|(name, value)| {
        let value = value.trim();
        let flagged = if name.eq_ignore_ascii_case("X-Spam-Flag") {
            value.eq_ignore_ascii_case("yes")
        } else if name.eq_ignore_ascii_case("X-Spam-Status") {
            value
                .get(..3)
                .is_some_and(|v| v.eq_ignore_ascii_case("yes"))
        } else {
            false
        };
        flagged.then(|| format!("{name}: {}", clean_line(value)))
    })
}

fn sender(message: &Message<'_>) -> Option<Mailbox> {
    let from = message.from()?.iter().find(|a| {
        a.address
            .as_deref()
            .is_some_and(|address| address.contains('@'))
    })?;
    Some(Mailbox {
        address: from.address.as_deref()?.trim().to_owned(),
        name: from
            .name
            .as_deref()
            .map(clean_line)
            .filter(|n| !n.is_empty()),
    })
}

fn recipients(message: &Message<'_>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |address: &str| {
        let address = address.trim().trim_matches(['<', '>']).trim();
        if address.contains('@') && !found.iter().any(|f| f.eq_ignore_ascii_case(address)) {
            found.push(address.to_owned());
        }
    };
    for list in [message.to(), message.cc()].into_iter().flatten() {
        for addr in list.iter() {
            if let Some(a) = addr.address.as_deref() {
                add(a);
            }
        }
    }
    for wanted in ["Delivered-To", "X-Original-To"] {
        for (name, value) in message.headers_raw() {
            if name.eq_ignore_ascii_case(wanted) {
                add(value);
            }
        }
    }
    found
}

fn threading(message: &Message<'_>) -> Threading {
    let ids = |value: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        match value {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(list) => {
                list.iter().map(|t| t.to_string()).collect()
            }
            _ => Vec::new(),
        }
    };
    Threading {
        message_id: message.message_id().map(str::to_owned),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
    }
}

fn quarantine(message: &Message<'_>, reason: QuarantineReason) -> Inbound {
    Inbound::Quarantine(Quarantine {
        reason,
        sender: sender(message).map(|s| s.address),
        subject: message.subject().map(clean_line),
        recipients: recipients(message),
    })
}

/// Quarantine without parsing the body: only the header block is read, and only the
/// first 64 KiB of it.
fn quarantine_headers_only(raw: &[u8], reason: QuarantineReason) -> Inbound {
    let head = &raw[..raw.len().min(64 * 1024)];
    match MessageParser::default().parse_headers(head) {
        Some(message) if !message.parts.is_empty() => quarantine(&message, reason),
        _ => Inbound::Quarantine(Quarantine {
            reason,
            sender: None,
            subject: None,
            recipients: Vec::new(),
        }),
    }
}

/// Lines that start with `--`: every MIME part needs at least one.
fn boundary_lines(raw: &[u8]) -> usize {
    let starts = raw.starts_with(b"--") as usize;
    starts + raw.windows(3).filter(|w| w == b"\n--").count()
}

/// Parts of the message and of every message nested in it, without recursion.
fn count_parts(message: &Message<'_>) -> usize {
    let mut count = 0;
    let mut stack = vec![message];
    while let Some(m) = stack.pop() {
        count += m.parts.len();
        for part in &m.parts {
            if let PartType::Message(nested) = &part.body {
                stack.push(nested);
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/samples/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn read(name: &str) -> Inbound {
        Reader::default().read(&sample(name))
    }

    fn report(name: &str) -> Report {
        match read(name) {
            Inbound::Report(r) => r,
            other => panic!("{name}: expected a report, got {other:?}"),
        }
    }

    fn quarantine_reason(inbound: Inbound) -> QuarantineReason {
        match inbound {
            Inbound::Quarantine(q) => q.reason,
            other => panic!("expected quarantine, got {other:?}"),
        }
    }

    #[test]
    fn c1_a_mailed_report_gives_title_text_attachments_and_sender() {
        let r = report("report-with-attachment.eml");
        assert_eq!(r.title, "Heap overflow in the parser — PoC attached");
        assert!(
            r.description
                .starts_with("Hello,\n\nparsing a crafted header overflows")
        );
        assert!(r.description.ends_with("— Alice"), "{}", r.description);
        assert!(!r.description.contains("<b>"));
        assert_eq!(r.sender.address, "alice@reporter.example");
        assert_eq!(r.sender.name.as_deref(), Some("Alice Reporter"));
        assert_eq!(
            r.recipients,
            ["security@connect.example", "bob@reporter.example"]
        );
        assert_eq!(
            r.threading.message_id.as_deref(),
            Some("report-1@reporter.example")
        );
        assert_eq!(r.attachments.len(), 1);
        let poc = &r.attachments[0];
        assert_eq!(poc.name, "poc.py");
        assert_eq!(poc.declared_type, "text/x-python");
        assert_eq!(poc.bytes, b"print(\"A\" * 4096)\n");
        assert_eq!(r.encrypted_original, None);
    }

    #[test]
    fn html_only_mail_becomes_plain_text_without_markup() {
        let r = report("report-html-only.eml");
        assert_eq!(r.title, "XSS in the admin page");
        assert!(
            r.description
                .contains("The admin page reflects the q parameter:"),
            "{}",
            r.description
        );
        // Entities are decoded into the reporter's literal text…
        assert!(r.description.contains("/admin?q=<script>"));
        // …but no markup, script, style or comment of the HTML survives.
        for gone in ["<p>", "<b>", "alert", "color: red", "a comment", "<html"] {
            assert!(!r.description.contains(gone), "{gone} in {}", r.description);
        }
    }

    #[test]
    fn auto_replies_are_recognised() {
        for (name, marker) in [
            (
                "auto-reply-out-of-office.eml",
                "Auto-Submitted: auto-replied",
            ),
            ("auto-reply-outlook.eml", "X-Auto-Response-Suppress: All"),
            (
                "mailing-list.eml",
                "List-ID: Announcements <announce.lists.example>",
            ),
        ] {
            match read(name) {
                Inbound::AutoReply(a) => assert_eq!(a.marker, marker, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        let Inbound::AutoReply(ooo) = read("auto-reply-out-of-office.eml") else {
            unreachable!()
        };
        assert_eq!(
            ooo.threading.in_reply_to,
            ["embargo.effect-1@connect.example"]
        );
    }

    #[test]
    fn auto_submitted_no_is_a_person() {
        let raw = b"From: a@x.example\r\nTo: security@connect.example\r\nAuto-Submitted: no (a person)\r\nPrecedence: first-class\r\nSubject: hi\r\n\r\nbody\r\n";
        assert!(matches!(Reader::default().read(raw), Inbound::Report(_)));
    }

    #[test]
    fn a_delivery_status_report_names_the_failed_address_and_our_message() {
        let Inbound::Bounce(b) = read("bounce-postfix-dsn.eml") else {
            panic!("not a bounce")
        };
        assert_eq!(b.failed_recipients, ["gone@reporter.example"]);
        assert_eq!(
            b.original_message_id.as_deref(),
            Some("embargo.effect-9@connect.example")
        );
        assert_eq!(b.status.as_deref(), Some("5.1.1"));
        assert!(b.diagnostic.as_deref().unwrap().contains("User unknown"));
        assert!(b.is_permanent());
        assert_eq!(
            b.recipients,
            ["security+abcdefghijklmnopqrstuvwxyz@connect.example"]
        );
    }

    #[test]
    fn a_delay_notice_is_a_bounce_that_is_not_permanent() {
        let Inbound::Bounce(b) = read("bounce-delayed-dsn.eml") else {
            panic!("not a bounce")
        };
        // `Action: delayed` is no failure.
        assert!(b.failed_recipients.is_empty());
        assert_eq!(
            b.original_message_id.as_deref(),
            Some("embargo.effect-10@connect.example")
        );
        let delayed = Bounce {
            status: Some("4.4.1".into()),
            ..b
        };
        assert!(!delayed.is_permanent());
    }

    #[test]
    fn a_plain_bounce_from_the_mailer_daemon_names_the_failed_address() {
        let Inbound::Bounce(b) = read("bounce-exim-plain.eml") else {
            panic!("not a bounce")
        };
        assert_eq!(b.failed_recipients, ["gone@reporter.example"]);
        assert_eq!(b.original_message_id, None);
    }

    #[test]
    fn a_public_key_attached_to_a_report_is_found() {
        let key = ProjectKey::generate("Alice <alice@reporter.example>").unwrap();
        let raw = format!(
            "From: alice@reporter.example\r\nSubject: s\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
             Content-Type: text/plain\r\n\r\nmy key is attached\r\n--b\r\n\
             Content-Type: application/pgp-keys; name=\"alice.asc\"\r\n\
             Content-Disposition: attachment; filename=\"alice.asc\"\r\n\r\n{}\r\n--b--\r\n",
            key.public_key_asc().replace('\n', "\r\n")
        );
        let Inbound::Report(r) = Reader::default().read(raw.as_bytes()) else {
            panic!()
        };
        let keys = r.attached_public_keys();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].fingerprint(), key.fingerprint());
        assert!(
            report("report-with-attachment.eml")
                .attached_public_keys()
                .is_empty()
        );
    }

    #[test]
    fn spam_and_senderless_mail_is_quarantined() {
        assert_eq!(
            quarantine_reason(read("spam-flagged.eml")),
            QuarantineReason::Spam {
                header: "X-Spam-Flag: YES".into()
            }
        );
        let status = b"From: a@x.example\r\nX-Spam-Status: Yes, score=9\r\nSubject: s\r\n\r\nb\r\n";
        assert!(matches!(
            quarantine_reason(Reader::default().read(status)),
            QuarantineReason::Spam { .. }
        ));
        let Inbound::Quarantine(q) = read("no-sender.eml") else {
            panic!()
        };
        assert_eq!(q.reason, QuarantineReason::NoSender);
        assert_eq!(q.subject.as_deref(), Some("Anonymous tip"));
        assert_eq!(q.recipients, ["security@connect.example"]);
        assert!(q.reason.to_string().contains("no sender address"));
    }

    #[test]
    fn limits_quarantine_and_say_which() {
        let raw = sample("report-with-attachment.eml");
        let with = |limits: Limits| quarantine_reason(Reader::new(limits).read(&raw));
        let base = Limits::default();
        assert_eq!(
            with(Limits {
                message_bytes: 100,
                ..base
            }),
            QuarantineReason::TooLarge {
                bytes: raw.len(),
                limit: 100
            }
        );
        assert_eq!(
            with(Limits {
                attachment_bytes: 4,
                ..base
            }),
            QuarantineReason::AttachmentTooLarge {
                name: "poc.py".into(),
                bytes: 18,
                limit: 4
            }
        );
        assert_eq!(
            with(Limits {
                attachments: 0,
                ..base
            }),
            QuarantineReason::TooManyAttachments { count: 1, limit: 0 }
        );
        assert_eq!(
            with(Limits { parts: 3, ..base }),
            QuarantineReason::TooManyParts { limit: 3 }
        );
        let too_large = with(Limits {
            message_bytes: 100,
            ..base
        });
        assert!(too_large.to_string().contains("over the limit of 100"));
    }

    #[test]
    fn the_too_large_quarantine_still_shows_sender_and_subject() {
        let raw = sample("report-with-attachment.eml");
        let Inbound::Quarantine(q) = Reader::new(Limits {
            message_bytes: 10,
            ..Limits::default()
        })
        .read(&raw) else {
            panic!()
        };
        assert_eq!(q.sender.as_deref(), Some("alice@reporter.example"));
        assert_eq!(
            q.subject.as_deref(),
            Some("Heap overflow in the parser — PoC attached")
        );
    }

    #[test]
    fn garbage_is_quarantined_as_unparseable_or_senderless() {
        assert_eq!(
            quarantine_reason(Reader::default().read(b"")),
            QuarantineReason::Unparseable
        );
        let reason = quarantine_reason(Reader::default().read(b"\x00\xff\xfe not mail"));
        assert!(
            matches!(
                reason,
                QuarantineReason::Unparseable | QuarantineReason::NoSender
            ),
            "{reason:?}"
        );
    }

    #[test]
    fn subjects_and_names_lose_control_characters() {
        let raw = b"From: =?utf-8?q?Eve=0D=0ABcc=3A_x=40evil=2Eexample?= <eve@x.example>\r\nSubject: =?utf-8?q?a=0D=0AX-Injected=3A_1?=\r\n\r\nbody\r\n";
        let Inbound::Report(r) = Reader::default().read(raw) else {
            panic!()
        };
        assert_eq!(r.title, "a X-Injected: 1");
        assert_eq!(r.sender.name.as_deref(), Some("Eve Bcc: x@evil.example"));
    }

    #[test]
    fn encrypted_mail_without_a_key_is_quarantined() {
        let raw = b"From: a@x.example\r\nTo: security@connect.example\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQ==\r\n-----END PGP MESSAGE-----\r\n--b--\r\n";
        assert_eq!(
            quarantine_reason(Reader::default().read(raw)),
            QuarantineReason::EncryptedWithoutKey
        );
        let key = ProjectKey::generate("t <security@connect.example>").unwrap();
        assert!(matches!(
            quarantine_reason(Reader::default().with_key(key).read(raw)),
            QuarantineReason::Undecryptable { .. }
        ));
    }

    #[test]
    fn replies_expose_the_ids_they_answer() {
        let t = Threading {
            message_id: Some("c@x".into()),
            in_reply_to: vec!["b@x".into()],
            references: vec!["a@x".into(), "b@x".into()],
        };
        assert_eq!(t.answered_ids().collect::<Vec<_>>(), ["b@x", "b@x", "a@x"]);
    }
}
