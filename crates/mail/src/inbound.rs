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
