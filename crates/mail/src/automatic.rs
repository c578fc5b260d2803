//! Mail that no person wrote: auto-replies (out of office, list traffic, notifications)
//! and bounces. Neither opens a case nor is ever answered, so two robots can't loop.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

/// The header that shows a message was sent by a program, as `Name: value`, or `None`
/// for a message a person wrote (RFC 3834, and the headers common programs use
/// instead of it).
pub(crate) fn auto_reply_marker(message: &Message<'_>) -> Option<String> {
    for (name, value) in message.headers_raw() {
        let value = value.trim();
        let lower = value.to_ascii_lowercase();
        let automatic = match name.to_ascii_lowercase().as_str() {
            // `no` (optionally with comments/parameters) is the one value a person's
            // mail may carry.
            "auto-submitted" => first_word(&lower) != "no",
            "precedence" => matches!(first_word(&lower), "bulk" | "junk" | "list" | "auto_reply"),
            "x-autoreply" | "x-autorespond" | "x-autoresponder" => true,
            // Outlook sets it on its own automatic mail; `None` would not suppress.
            "x-auto-response-suppress" | "auto-response-suppress" => {
                !lower.is_empty() && lower != "none"
            }
            // Mailing lists (RFC 2369/2919): what a list sends is not a private report.
            "list-id" | "list-unsubscribe" | "list-post" => true,
            _ => false,
        };
        if automatic {
            return Some(format!("{name}: {value}"));
        }
    }
    None
}

fn first_word(value: &str) -> &str {
    value
        .split(|c: char| c == ';' || c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default()
}

/// What a delivery status notification says went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct BounceFacts {
    pub failed_recipients: Vec<String>,
    pub original_message_id: Option<String>,
    pub status: Option<String>,
    pub diagnostic: Option<String>,
}

/// A bounce: a delivery status notification (RFC 3464 `multipart/report;
/// report-type=delivery-status`), or mail from `MAILER-DAEMON` or with a null return
/// path that is no auto-reply (checked before this).
pub(crate) fn bounce_facts(message: &Message<'_>) -> Option<BounceFacts> {
    let root = message.parts.first()?;
    let is_report = root.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    if is_report {
        let mut facts = BounceFacts::default();
        for part in &message.parts {
            if is_type(part, "message", "delivery-status")
                || is_type(part, "message", "global-delivery-status")
            {
                read_delivery_status(part.contents(), &mut facts);
            } else if is_type(part, "message", "rfc822") || is_type(part, "message", "global") {
                if let PartType::Message(original) = &part.body {
                    facts.original_message_id = original.message_id().map(str::to_owned);
                }
            } else if is_type(part, "text", "rfc822-headers") {
                let headers = mail_parser::MessageParser::default().parse_headers(part.contents());
                facts.original_message_id = headers.and_then(|h| h.message_id().map(str::to_owned));
            }
        }
        return Some(facts);
    }
    let from_daemon = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address.as_deref())
        .and_then(|a| a.split('@').next())
        .is_some_and(|local| {
            local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
        });
    let null_return_path = message
        .header_raw("Return-Path")
        .is_some_and(|p| p.trim() == "<>");
    (from_daemon || null_return_path).then(|| {
        let mut facts = BounceFacts::default();
        // Non-standard bounces often still quote the DSN fields in their text, or list
        // the failed addresses on lines of their own (Exim).
        for i in 0..message.text_body_count() {
            if let Some(text) = message.body_text(i) {
                read_delivery_status(text.as_bytes(), &mut facts);
                if facts.failed_recipients.is_empty() {
                    facts.failed_recipients = listed_failures(&text);
                }
            }
        }
        facts
    })
}

fn is_type(part: &MessagePart<'_>, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype)
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

/// Reads the `Final-Recipient`/`Original-Recipient`, `Action`, `Status` and
/// `Diagnostic-Code` fields of RFC 3464 status blocks. Only recipients whose action is
/// `failed` (or who have no action, in sloppy reports) count as failed.
fn read_delivery_status(body: &[u8], facts: &mut BounceFacts) {
    let text = String::from_utf8_lossy(body);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if line.trim().is_empty() {
            close_block(&mut fields, facts);
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    close_block(&mut fields, facts);
}

fn close_block(fields: &mut Vec<(String, String)>, facts: &mut BounceFacts) {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let recipient = get("final-recipient")
        .or_else(|| get("original-recipient"))
        .map(|v| {
            // `rfc822; someone@example.org`
            let address = v.split_once(';').map_or(v, |(_, a)| a);
            address.trim().trim_matches(['<', '>']).to_owned()
        })
        .filter(|a| a.contains('@'));
    let failed = get("action").is_none_or(|a| a.eq_ignore_ascii_case("failed"));
    if let Some(recipient) = recipient
        && failed
    {
        if !facts.failed_recipients.contains(&recipient) {
            facts.failed_recipients.push(recipient);
        }
        if facts.status.is_none() {
            facts.status = get("status").map(str::to_owned);
        }
        if facts.diagnostic.is_none() {
            facts.diagnostic = get("diagnostic-code").map(str::to_owned);
        }
    }
    fields.clear();
}

/// Addresses alone on their lines after Exim's "The following address(es) failed:".
fn listed_failures(text: &str) -> Vec<String> {
    let Some(start) = text.find("address(es) failed:") else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for line in text[start..].lines().skip(1) {
        let candidate = line.trim().trim_matches(['<', '>']);
        let is_address = candidate.contains('@')
            && !candidate.contains(char::is_whitespace)
            && candidate.split('@').count() == 2;
        if is_address && !found.iter().any(|f| f == candidate) {
            found.push(candidate.to_owned());
        }
    }
    found
}
