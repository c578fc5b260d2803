//! Outgoing mail: a plain description of one mail, built into RFC 5322 bytes with
//! lettre — optionally signed (PGP/MIME `multipart/signed`) or encrypted
//! (`multipart/encrypted`, signed inside when the project has a key).

use crate::openpgp::{PgpError, ProjectKey, PublicKey};
use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox as LettreMailbox, MultiPart, SinglePart};

/// One mail to send. Ids are without angle brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub from: Address,
    pub to: Vec<Address>,
    pub reply_to: Option<Address>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// From [`crate::reply::new_message_id`] or [`crate::reply::message_id_for`].
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Extra headers, e.g. `("Auto-Submitted", "auto-generated")` on notifications.
    /// Names are letters, digits and `-`, and may not replace the headers above.
    pub headers: Vec<(String, String)>,
}

/// An address and the name shown with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub address: String,
    pub name: Option<String>,
}

impl Address {
    pub fn new(address: impl Into<String>) -> Address {
        Address {
            address: address.into(),
            name: None,
        }
    }

    pub fn named(name: impl Into<String>, address: impl Into<String>) -> Address {
        Address {
            address: address.into(),
            name: Some(name.into()),
        }
    }
}

/// What protects a mail on its way.
#[derive(Debug, Clone, Copy)]
pub enum Protection<'a> {
    None,
    /// `multipart/signed` with the project's key (RFC 3156 §5).
    Sign(&'a ProjectKey),
    /// `multipart/encrypted` to the recipient's key, not signed (a project without a
    /// key writing to a reporter who gave one).
    Encrypt(&'a PublicKey),
    /// `multipart/encrypted` to the recipient's key, signed inside by the project's
    /// key (RFC 3156 §6.2).
    SignAndEncrypt(&'a ProjectKey, &'a PublicKey),
}

/// A mail ready for SMTP.
#[derive(Clone, PartialEq, Eq)]
pub struct BuiltMail {
    pub message_id: String,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    /// The RFC 5322 message, CRLF line ends.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for BuiltMail {
    // The body may be embargoed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltMail")
            .field("message_id", &self.message_id)
            .field("envelope_to", &self.envelope_to.len())
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BuildError {
    #[error("`{field}`: `{value}` is not an e-mail address")]
    Address { field: &'static str, value: String },
    #[error("`to`: a mail needs at least one recipient")]
    NoRecipient,
    #[error("`{field}`: `{value}` is not a message id like `abc@example.org`")]
    MessageId { field: &'static str, value: String },
    #[error(
        "`headers`: `{0}` may not be set as an extra header (names are letters, digits and \
         `-`, and the standard headers have fields of their own)"
    )]
    Header(String),
    #[error("OpenPGP: {0}")]
    Pgp(#[from] PgpError),
    #[error("building the message failed: {0}")]
    Lettre(String),
}

/// Headers an extra header may not set: they have their own fields, or belong to MIME.
const RESERVED: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "sender",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "return-path",
    "received",
];

impl OutgoingMail {
    pub fn build(&self, protection: Protection<'_>) -> Result<BuiltMail, BuildError> {
        let from = mailbox("from", &self.from)?;
        if self.to.is_empty() {
            return Err(BuildError::NoRecipient);
        }
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .subject(one_line(&self.subject))
            .message_id(Some(format!(
                "<{}>",
                check_id("message_id", &self.message_id)?
            )));
        for to in &self.to {
            builder = builder.to(mailbox("to", to)?);
        }
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(mailbox("reply_to", reply_to)?);
        }
        if let Some(id) = &self.in_reply_to {
            builder = builder.in_reply_to(format!("<{}>", check_id("in_reply_to", id)?));
        }
        if !self.references.is_empty() {
            let ids = self
                .references
                .iter()
                .map(|r| check_id("references", r).map(|r| format!("<{r}>")))
                .collect::<Result<Vec<_>, _>>()?;
            builder = builder.references(ids.join(" "));
        }
        for (name, value) in &self.headers {
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !RESERVED.contains(&name.to_ascii_lowercase().as_str());
            if !valid {
                return Err(BuildError::Header(one_line(name)));
            }
            let name = HeaderName::new_from_ascii(name.clone())
                .map_err(|_| BuildError::Header(name.clone()))?;
            builder = builder.raw_header(HeaderValue::new(name, one_line(value)));
        }
        let content = self.content();
        let message = match protection {
            Protection::None => builder.multipart_or_single(content),
            Protection::Sign(key) => builder.multipart(signed(content, key)?),
            Protection::Encrypt(to) => {
                let data = to_bytes_for_pgp(&content);
                builder.multipart(encrypted(to.encrypt(&data)?))
            }
            Protection::SignAndEncrypt(key, to) => {
                let data = to_bytes_for_pgp(&content);
                builder.multipart(encrypted(key.sign_and_encrypt(to, &data)?))
            }
        }
        .map_err(|e| BuildError::Lettre(e.to_string()))?;
        let envelope = message.envelope();
        Ok(BuiltMail {
            message_id: self.message_id.clone(),
            envelope_from: envelope.from().map(|a| a.to_string()).unwrap_or_default(),
            envelope_to: envelope.to().iter().map(|a| a.to_string()).collect(),
            bytes: message.formatted(),
        })
    }

    /// The text, and the HTML beside it when there is one.
    fn content(&self) -> Content {
        let text = trim_line_ends(&self.text);
        match &self.html {
            Some(html) => Content::Multi(MultiPart::alternative_plain_html(text, html.clone())),
            None => Content::Single(SinglePart::plain(text)),
        }
    }
}

enum Content {
    Single(SinglePart),
    Multi(MultiPart),
}

trait MultipartOrSingle {
    fn multipart_or_single(self, content: Content)
    -> Result<lettre::Message, lettre::error::Error>;
}

impl MultipartOrSingle for lettre::message::MessageBuilder {
    fn multipart_or_single(
        self,
        content: Content,
    ) -> Result<lettre::Message, lettre::error::Error> {
        match content {
            Content::Single(part) => self.singlepart(part),
            Content::Multi(part) => self.multipart(part),
        }
    }
}

/// The MIME entity as it will appear inside the signed or encrypted part. Without the
/// CRLF before the next boundary: RFC 2046 counts it as part of the boundary, and a
/// verifier hashes the entity without it.
fn to_bytes_for_pgp(content: &Content) -> Vec<u8> {
    let mut bytes = match content {
        Content::Single(part) => part.formatted(),
        Content::Multi(part) => part.formatted(),
    };
    if bytes.ends_with(b"\r\n") {
        bytes.truncate(bytes.len() - 2);
    }
    bytes
}

fn signed(content: Content, key: &ProjectKey) -> Result<MultiPart, BuildError> {
    let signature = key.detached_signature(&to_bytes_for_pgp(&content))?;
    let multipart = MultiPart::signed(
        "application/pgp-signature".to_owned(),
        "pgp-sha256".to_owned(),
    );
    let multipart = match content {
        Content::Single(part) => multipart.singlepart(part),
        Content::Multi(part) => multipart.multipart(part),
    };
    Ok(multipart.singlepart(
        SinglePart::builder()
            .header(content_type(
                "application/pgp-signature; name=\"signature.asc\"",
            )?)
            .header(header::ContentDisposition::attachment("signature.asc"))
            .header(header::ContentTransferEncoding::SevenBit)
            .body(signature),
    ))
}

fn encrypted(armored: String) -> MultiPart {
    MultiPart::encrypted("application/pgp-encrypted".to_owned())
        .singlepart(
            SinglePart::builder()
                .header(ContentType::parse("application/pgp-encrypted").expect("a valid type"))
                .header(header::ContentTransferEncoding::SevenBit)
                .body(String::from("Version: 1\r\n")),
        )
        .singlepart(
            SinglePart::builder()
                .header(
                    ContentType::parse("application/octet-stream; name=\"encrypted.asc\"")
                        .expect("a valid type"),
                )
                .header(header::ContentDisposition::inline_with_name(
                    "encrypted.asc",
                ))
                .header(header::ContentTransferEncoding::SevenBit)
                .body(armored),
        )
}

fn content_type(value: &str) -> Result<ContentType, BuildError> {
    ContentType::parse(value).map_err(|e| BuildError::Lettre(e.to_string()))
}

fn mailbox(field: &'static str, address: &Address) -> Result<LettreMailbox, BuildError> {
    let bad = || BuildError::Address {
        field,
        value: one_line(&address.address),
    };
    let email = address.address.trim().parse().map_err(|_| bad())?;
    // Control characters (CR/LF above all) never reach a header: the name is one line.
    let name = address
        .name
        .as_deref()
        .map(one_line)
        .filter(|n| !n.is_empty());
    Ok(LettreMailbox::new(name, email))
}

fn check_id<'a>(field: &'static str, id: &'a str) -> Result<&'a str, BuildError> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let ok = id
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\' | ',' | ';'));
    if ok {
        Ok(id)
    } else {
        Err(BuildError::MessageId {
            field,
            value: one_line(id),
        })
    }
}

/// One line of text: control characters become spaces, runs of spaces one.
fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Trailing spaces are dropped: mail servers may drop them too, which would break a
/// signature over the text.
fn trim_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::{Inbound, Reader};
    use mail_parser::MessageParser;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            from: Address::named("Connect Security", "security@connect.example"),
            to: vec![Address::named("Alice", "alice@reporter.example")],
            reply_to: Some(Address::new(
                "security+abcdefghijklmnopqrstuvwxyz@connect.example",
            )),
            subject: "[connect] We received your report".into(),
            text: "Thank you.\nWe answer within 5 working days.   \n".into(),
            html: None,
            message_id: "embargo.effect-1@connect.example".into(),
            in_reply_to: Some("report-1@reporter.example".into()),
            references: vec!["report-1@reporter.example".into()],
            headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
        }
    }

    fn header_names(bytes: &[u8]) -> Vec<String> {
        let message = MessageParser::default().parse(bytes).unwrap();
        message
            .headers_raw()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect()
    }

    #[test]
    fn a_built_mail_reads_back_with_its_threading() {
        let built = mail().build(Protection::None).unwrap();
        assert_eq!(built.envelope_from, "security@connect.example");
        assert_eq!(built.envelope_to, ["alice@reporter.example"]);
        let message = MessageParser::default().parse(&built.bytes).unwrap();
        assert_eq!(message.subject(), Some("[connect] We received your report"));
        assert_eq!(
            message.message_id(),
            Some("embargo.effect-1@connect.example")
        );
        assert_eq!(
            message.in_reply_to().as_text(),
            Some("report-1@reporter.example")
        );
        assert_eq!(
            message.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );
        assert_eq!(
            message
                .reply_to()
                .and_then(|r| r.first())
                .and_then(|a| a.address.as_deref()),
            Some("security+abcdefghijklmnopqrstuvwxyz@connect.example")
        );
        assert!(message.date().is_some());
        assert_eq!(
            message
                .body_text(0)
                .unwrap()
                .replace("\r\n", "\n")
                .trim_end(),
            "Thank you.\nWe answer within 5 working days."
        );
    }

    #[test]
    fn html_goes_beside_the_text() {
        let built = OutgoingMail {
            html: Some("<p>Thank you.</p>".into()),
            ..mail()
        }
        .build(Protection::None)
        .unwrap();
        let message = MessageParser::default().parse(&built.bytes).unwrap();
        assert_eq!(message.body_html(0).unwrap(), "<p>Thank you.</p>");
        assert!(message.body_text(0).unwrap().starts_with("Thank you."));
    }

    #[test]
    fn header_injection_in_names_and_subjects_adds_no_header() {
        let baseline = header_names(&mail().build(Protection::None).unwrap().bytes);
        for evil in [
            "Eve\r\nBcc: victim@evil.example",
            "Eve\nX-Injected: 1",
            "Eve\rX-Injected: 1",
            "=?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil=2Eexample?=",
            "=?utf-8?b?RXZlDQpYLUluamVjdGVkOiAx?=",
            "Eve\u{2028}X-Injected: 1",
        ] {
            let mut m = mail();
            m.subject = format!("Report {evil}");
            m.to[0].name = Some(evil.to_owned());
            m.from.name = Some(evil.to_owned());
            m.headers.push(("X-Case".into(), evil.to_owned()));
            let built = m.build(Protection::None).unwrap();
            let mut names = header_names(&built.bytes);
            names.retain(|n| n != "x-case");
            assert_eq!(names, baseline, "{evil:?}");
            let message = MessageParser::default().parse(&built.bytes).unwrap();
            assert!(message.header_raw("Bcc").is_none());
            assert!(message.header_raw("X-Injected").is_none());
            assert_eq!(built.envelope_to, ["alice@reporter.example"], "{evil:?}");
        }
    }

    #[test]
    fn bad_fields_are_refused_by_name() {
        let cases: Vec<(OutgoingMail, &str)> = vec![
            (
                OutgoingMail {
                    to: vec![Address::new("not an address")],
                    ..mail()
                },
                "`to`",
            ),
            (
                OutgoingMail {
                    to: vec![],
                    ..mail()
                },
                "`to`",
            ),
            (
                OutgoingMail {
                    from: Address::new("a@b\r\nBcc: c@d"),
                    ..mail()
                },
                "`from`",
            ),
            (
                OutgoingMail {
                    message_id: "no-at-sign".into(),
                    ..mail()
                },
                "`message_id`",
            ),
            (
                OutgoingMail {
                    references: vec!["a@b> <x".into()],
                    ..mail()
                },
                "`references`",
            ),
            (
                OutgoingMail {
                    headers: vec![("Bcc".into(), "x@evil.example".into())],
                    ..mail()
                },
                "`headers`",
            ),
            (
                OutgoingMail {
                    headers: vec![("X-A\r\nBcc".into(), "x".into())],
                    ..mail()
                },
                "`headers`",
            ),
        ];
        for (m, field) in cases {
            let e = m.build(Protection::None).unwrap_err();
            assert!(e.to_string().starts_with(field), "{e}");
        }
    }

    #[test]
    fn signed_mail_keeps_its_text_readable_and_carries_a_signature() {
        let key = ProjectKey::generate("Connect <security@connect.example>").unwrap();
        let built = mail().build(Protection::Sign(&key)).unwrap();
        let text = String::from_utf8_lossy(&built.bytes);
        assert!(text.contains("multipart/signed"));
        assert!(text.contains("protocol=\"application/pgp-signature\""));
        assert!(text.contains("-----BEGIN PGP SIGNATURE-----"));
        let message = MessageParser::default().parse(&built.bytes).unwrap();
        assert!(message.body_text(0).unwrap().starts_with("Thank you."));
    }

    #[test]
    fn encrypted_mail_decrypts_with_the_recipients_key_only() {
        let project = ProjectKey::generate("Connect <security@connect.example>").unwrap();
        let reporter = ProjectKey::generate("Alice <alice@reporter.example>").unwrap();
        let reporter_public = PublicKey::parse(&reporter.public_key_asc()).unwrap();
        // A person's message (no `Auto-Submitted`), so the reader takes it as a report.
        let built = OutgoingMail {
            html: Some("<p>Thank you.</p>".into()),
            headers: vec![],
            ..mail()
        }
        .build(Protection::SignAndEncrypt(&project, &reporter_public))
        .unwrap();
        let text = String::from_utf8_lossy(&built.bytes);
        assert!(text.contains("multipart/encrypted"));
        assert!(!text.contains("Thank you"));
        // The reporter's side reads it as any incoming encrypted mail.
        let read = Reader::default().with_key(reporter).read(&built.bytes);
        let Inbound::Report(r) = read else {
            panic!("not readable by the recipient: {read:?}")
        };
        assert!(r.description.starts_with("Thank you."), "{}", r.description);
        assert_eq!(r.title, "[connect] We received your report");
        assert!(r.encrypted_original.is_some());
        // Nobody else can.
        assert!(matches!(
            Reader::default().with_key(project).read(&built.bytes),
            Inbound::Quarantine(_)
        ));
    }
}
