//! A project's channels (issue 14, C18, V3, V9, V10): where its notices go — a mailing
//! list (by the instance's SMTP), a Slack-compatible or Discord incoming webhook, or a
//! generic webhook signed per Standard Webhooks — and which notices each receives.
//!
//! The project's stream keeps what may be shown: the name, the kind, the list's address
//! or the endpoint as `scheme://host[:port]/…`. A webhook's URL (Slack's and Discord's
//! carry their token in it) and a generic webhook's signing secret are never events:
//! the shell keeps them outside the event log and parses them before it asks.

use crate::policy::Notice;
use crate::rejection::{Invalid, Rule};
use crate::text;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The kinds of channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelKind {
    /// A mailing list, by mail.
    MailingList,
    /// Slack, Mattermost or Rocket.Chat incoming webhook.
    Slack,
    Discord,
    /// Any HTTP endpoint, signed per Standard Webhooks.
    Webhook,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 4] = [
        ChannelKind::MailingList,
        ChannelKind::Slack,
        ChannelKind::Discord,
        ChannelKind::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::MailingList => "mailing-list",
            ChannelKind::Slack => "slack",
            ChannelKind::Discord => "discord",
            ChannelKind::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether it is reached over HTTP (through the outbox's guard).
    pub fn is_http(self) -> bool {
        match self {
            ChannelKind::MailingList => false,
            ChannelKind::Slack | ChannelKind::Discord | ChannelKind::Webhook => true,
        }
    }
}

/// One channel of a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Unique in the project: lower-case letters, digits and `-`.
    pub name: String,
    pub kind: ChannelKind,
    /// A mailing list's address, or an endpoint shown as `scheme://host[:port]/…`.
    pub target: String,
    /// The notices it receives.
    pub notices: Vec<Notice>,
    /// Whether it also hears the team's clock reminders (a count and a link only).
    pub team: bool,
    /// The last "send a test" and its answer.
    pub last_test: Option<ChannelTest>,
}

/// How a test went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTest {
    pub at: Timestamp,
    pub delivered: bool,
    /// The answer: an HTTP status and message id, the SMTP message id, or why not.
    pub answer: String,
}

/// A channel as asked for. For HTTP kinds the shell has parsed the URL and keeps it
/// (and the secret) itself; `target` is the URL as it may be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    pub target: String,
    pub notices: Vec<Notice>,
    pub team: bool,
}

/// A channel's name: 1–40 of `a–z 0–9 -`, starting with a letter (it names a file and
/// appears in URLs).
pub fn check_name(field: &str, name: &str) -> Result<String, Invalid> {
    let n = name.trim();
    let ok = !n.is_empty()
        && n.len() <= 40
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(n.to_owned())
    } else {
        Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!(
                "`{field}` must be 1–40 lower-case letters, digits and `-`, starting with a letter (e.g. `announce-list`)"
            ),
        ))
    }
}

impl NewChannel {
    /// The channel, or every field that is wrong.
    pub fn check(self) -> Result<Channel, Vec<Invalid>> {
        let mut errors = Vec::new();
        let name = check_name("name", &self.name)
            .map_err(|e| errors.push(e))
            .ok();
        let target = match self.kind {
            ChannelKind::MailingList => text::email("address", &self.target)
                .map_err(|e| errors.push(e))
                .ok(),
            ChannelKind::Slack | ChannelKind::Discord | ChannelKind::Webhook => {
                text::required_line("url", &self.target, text::limits::URL)
                    .map_err(|e| errors.push(e))
                    .ok()
            }
        };
        let mut notices = Vec::new();
        for n in self.notices {
            if !notices.contains(&n) {
                notices.push(n);
            }
        }
        if notices.is_empty() && !self.team {
            errors.push(Invalid::new(
                "notices",
                Rule::Required,
                "`notices`: choose at least one notice (forthcoming-fix, fixed-vulnerability, courtesy, upgrade) or team reminders",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Channel {
            name: name.expect("checked"),
            kind: self.kind,
            target: target.expect("checked"),
            notices,
            team: self.team,
            last_test: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_fields_are_checked() {
        assert!(check_name("name", "announce-list").is_ok());
        for bad in ["", "Announce", "1list", "a b", "a/b", &"a".repeat(41)] {
            assert!(check_name("name", bad).is_err(), "{bad}");
        }
        let errors = NewChannel {
            name: "List".into(),
            kind: ChannelKind::MailingList,
            target: "not an address".into(),
            notices: vec![],
            team: false,
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "address", "notices"]);
    }
}
