//! Where a notice goes: the three channel kinds, parsed from what a person typed, and
//! the request each one sends.

use crate::notice::Notice;
use crate::secret::{SecretError, WebhookSecret};
use crate::{discord, slack, webhook};
use std::fmt;
use url::Url;

/// The kinds of channel this crate delivers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// Slack, Mattermost or Rocket.Chat incoming webhook.
    Slack,
    Discord,
    /// Any HTTP endpoint, signed per Standard Webhooks.
    Webhook,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Slack => "slack",
            ChannelKind::Discord => "discord",
            ChannelKind::Webhook => "webhook",
        }
    }
}

impl std::str::FromStr for ChannelKind {
    type Err = ChannelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "slack" => Ok(ChannelKind::Slack),
            "discord" => Ok(ChannelKind::Discord),
            "webhook" => Ok(ChannelKind::Webhook),
            other => Err(ChannelError::Kind {
                given: other.chars().take(40).collect(),
            }),
        }
    }
}

/// A channel's configuration that cannot work.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ChannelError {
    #[error("`kind`: `{given}` is not a channel kind; expected `slack`, `discord` or `webhook`")]
    Kind { given: String },
    /// The URL itself is not repeated: chat services put their tokens in it.
    #[error("`url`: not a URL ({reason})")]
    NotAUrl { reason: String },
    #[error("`url`: the scheme `{scheme}` is not `http` or `https`")]
    Scheme { scheme: String },
    #[error("`url`: a webhook URL may not carry a user name or password")]
    UserInfo,
    #[error(
        "`url`: {shown} is not a Discord webhook URL; copy it from the channel's \
         Integrations → Webhooks: https://discord.com/api/webhooks/<id>/<token>"
    )]
    DiscordPath { shown: String },
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// An http(s) URL that may hold a token in its path or query. `Debug` and `Display`
/// show the scheme, host and port only.
#[derive(Clone, PartialEq, Eq)]
pub struct EndpointUrl(Url);

impl EndpointUrl {
    pub fn parse(text: &str) -> Result<EndpointUrl, ChannelError> {
        let url = Url::parse(text.trim()).map_err(|e| ChannelError::NotAUrl {
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ChannelError::Scheme {
                scheme: url.scheme().chars().take(20).collect(),
            });
        }
        if url.host().is_none() {
            return Err(ChannelError::NotAUrl {
                reason: "it has no host".into(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ChannelError::UserInfo);
        }
        Ok(EndpointUrl(url))
    }

    /// The whole URL, token and all, for sending. Never log what this returns.
    pub fn expose(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.0;
        write!(f, "{}://{}", url.scheme(), url.host_str().unwrap_or(""))?;
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str("/…")
    }
}

impl fmt::Debug for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EndpointUrl({self})")
    }
}

/// Where a notice goes. `Debug` shows the kind and host, never a token or secret.
#[derive(Debug, Clone)]
pub enum Channel {
    Slack {
        url: EndpointUrl,
    },
    Discord {
        url: EndpointUrl,
    },
    Webhook {
        url: EndpointUrl,
        secret: WebhookSecret,
    },
}

/// One request, ready to send: the body signed (for generic webhooks) is the body sent.
#[derive(Debug, Clone)]
pub struct Payload {
    pub url: EndpointUrl,
    pub body: Vec<u8>,
    /// Besides `content-type: application/json` (which one named `content-type` replaces).
    pub headers: Vec<(&'static str, String)>,
}

impl Channel {
    /// A Slack, Mattermost or Rocket.Chat incoming webhook URL. Their hosts and paths
    /// differ (Mattermost and Rocket.Chat are self-hosted), so any http(s) URL goes.
    pub fn slack(url: &str) -> Result<Channel, ChannelError> {
        Ok(Channel::Slack {
            url: EndpointUrl::parse(url)?,
        })
    }

    /// A Discord webhook URL: `…/api/webhooks/<id>/<token>` (optionally
    /// `/api/v10/webhooks/…`). The host is not checked, so a proxy or a test receiver
    /// may stand in for discord.com.
    pub fn discord(url: &str) -> Result<Channel, ChannelError> {
        let url = EndpointUrl::parse(url)?;
        let segments: Vec<&str> = url
            .0
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        let tail = match segments.as_slice() {
            ["api", "webhooks", rest @ ..] => rest,
            ["api", version, "webhooks", rest @ ..]
                if version
                    .strip_prefix('v')
                    .is_some_and(|n| n.parse::<u8>().is_ok()) =>
            {
                rest
            }
            _ => &[][..],
        };
        let ok = matches!(tail, [id, token] if !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && !token.is_empty());
        if !ok {
            return Err(ChannelError::DiscordPath {
                shown: url.to_string(),
            });
        }
        Ok(Channel::Discord { url })
    }

    /// A generic webhook with its `whsec_…` secret.
    pub fn webhook(url: &str, secret: &str) -> Result<Channel, ChannelError> {
        Ok(Channel::Webhook {
            url: EndpointUrl::parse(url)?,
            secret: WebhookSecret::parse(secret)?,
        })
    }

    pub fn kind(&self) -> ChannelKind {
        match self {
            Channel::Slack { .. } => ChannelKind::Slack,
            Channel::Discord { .. } => ChannelKind::Discord,
            Channel::Webhook { .. } => ChannelKind::Webhook,
        }
    }

    pub fn url(&self) -> &EndpointUrl {
        match self {
            Channel::Slack { url } | Channel::Discord { url } | Channel::Webhook { url, .. } => url,
        }
    }

    /// The request for `notice`, sent at `sent_at` (Unix seconds: the generic
    /// webhook's `webhook-timestamp`, which receivers compare with their clock).
    pub fn payload(&self, notice: &Notice, sent_at: i64) -> Payload {
        let json = |value: serde_json::Value| {
            serde_json::to_vec(&value).expect("a JSON value always serializes")
        };
        match self {
            Channel::Slack { url } => Payload {
                url: url.clone(),
                body: json(slack::payload(notice)),
                headers: Vec::new(),
            },
            Channel::Discord { url } => {
                // `wait=true`: Discord answers with the message, whose `id` is the
                // message id on the case's timeline.
                let mut url = url.0.clone();
                let others: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|(k, _)| k != "wait")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                url.query_pairs_mut()
                    .clear()
                    .extend_pairs(others)
                    .append_pair("wait", "true");
                Payload {
                    url: EndpointUrl(url),
                    body: json(discord::payload(notice)),
                    headers: Vec::new(),
                }
            }
            Channel::Webhook { url, secret } => {
                let body = webhook::body(notice);
                let signature = secret.sign(notice.id(), sent_at, &body);
                Payload {
                    url: url.clone(),
                    headers: vec![
                        ("webhook-id", notice.id().to_owned()),
                        ("webhook-timestamp", sent_at.to_string()),
                        ("webhook-signature", signature),
                    ],
                    body,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::draft;

    const SLACK: &str = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";
    const DISCORD: &str = "https://discord.com/api/webhooks/123456/tok-SECRET_en";

    #[test]
    fn urls_never_print_their_tokens() {
        let slack = Channel::slack(SLACK).unwrap();
        assert_eq!(slack.url().to_string(), "https://hooks.slack.com/…");
        let discord = Channel::discord(DISCORD).unwrap();
        let hook = Channel::webhook(
            "https://hooks.example:8443/in?token=SECRET",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
        .unwrap();
        assert_eq!(hook.url().to_string(), "https://hooks.example:8443/…");
        for channel in [slack, discord, hook] {
            let shown = format!("{channel:?}");
            assert!(
                !shown.contains("SECRET") && !shown.contains("MfKQ9r8"),
                "{shown}"
            );
        }
        let e = Channel::discord("https://discord.com/api/hooks/1/SECRET").unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
    }

    #[test]
    fn bad_channels_name_the_field_and_rule() {
        for (result, words) in [
            (
                Channel::slack("hooks.slack.com/services/x"),
                "`url`: not a URL",
            ),
            (Channel::slack("ftp://hooks.example/x"), "scheme `ftp`"),
            (Channel::slack("file:///etc/passwd"), "scheme `file`"),
            (
                Channel::slack("https://u:p@hooks.example/x"),
                "user name or password",
            ),
            (
                Channel::discord("https://discord.com/api/webhooks/abc/tok"),
                "not a Discord webhook",
            ),
            (
                Channel::discord("https://discord.com/api/webhooks/123"),
                "not a Discord webhook",
            ),
            (
                Channel::webhook("https://h.example/", "secret"),
                "`secret`: must start with `whsec_`",
            ),
        ] {
            let e = result.unwrap_err();
            assert!(e.to_string().contains(words), "{e}");
        }
        assert!(Channel::discord("https://discord.com/api/v10/webhooks/1/t").is_ok());
        assert!(
            "teams"
                .parse::<ChannelKind>()
                .unwrap_err()
                .to_string()
                .contains("`kind`")
        );
        for kind in [
            ChannelKind::Slack,
            ChannelKind::Discord,
            ChannelKind::Webhook,
        ] {
            assert_eq!(kind.as_str().parse::<ChannelKind>().unwrap(), kind);
        }
    }

    #[test]
    fn discord_asks_for_the_message_back_and_webhooks_are_signed() {
        let notice = draft().check().unwrap();
        let discord = Channel::discord(&format!("{DISCORD}?thread_id=9&wait=false")).unwrap();
        let payload = discord.payload(&notice, 0);
        assert_eq!(payload.url.expose().query(), Some("thread_id=9&wait=true"));
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let hook = Channel::webhook("https://h.example/in", secret).unwrap();
        let payload = hook.payload(&notice, 1_700_000_000);
        let header = |name: &str| {
            payload
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(header("webhook-id"), "msg_0001");
        assert_eq!(header("webhook-timestamp"), "1700000000");
        let secret = WebhookSecret::parse(secret).unwrap();
        assert!(secret.verify(
            "msg_0001",
            1_700_000_000,
            &payload.body,
            &header("webhook-signature")
        ));
    }
}
