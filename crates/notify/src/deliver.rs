//! Sending one notice to one channel through the guard: a fresh client pinned to the
//! addresses the guard checked, no proxy, no redirects, bounded in time and in how
//! much of the answer it reads. A failure says whether an outbox worker should try
//! again, like `embargo_mail::smtp::SendError`.

use crate::channel::{Channel, EndpointUrl, Payload};
use crate::guard::{Checked, Guard, Refusal};
use crate::notice::Notice;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The channel took the notice (a 2xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub status: u16,
    /// The message's id where the service gives one back (Discord).
    pub message_id: Option<String>,
    /// The start of the answer's body, as text (Slack answers `ok`).
    pub answer: String,
}

/// A delivery that did not go through. Reasons name the channel by scheme and host
/// only, never by its whole URL.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// Try again later: a 5xx, 408 or 429, a timeout, a refused or broken connection,
    /// a name that did not resolve.
    #[error("{channel}: {reason} (will retry)")]
    Retry {
        channel: String,
        reason: String,
        status: Option<u16>,
        /// What the receiver asked for with `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Don't: the receiver refused the notice (4xx), answered with a redirect, or the
    /// guard refused the address. Someone must fix the channel first.
    #[error("{channel}: {reason} (permanent)")]
    GiveUp {
        channel: String,
        reason: String,
        status: Option<u16>,
    },
}

impl DeliveryError {
    pub fn should_retry(&self) -> bool {
        match self {
            DeliveryError::Retry { .. } => true,
            DeliveryError::GiveUp { .. } => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DeliveryError::Retry { retry_after, .. } => *retry_after,
            DeliveryError::GiveUp { .. } => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            DeliveryError::Retry { status, .. } | DeliveryError::GiveUp { status, .. } => *status,
        }
    }
}

/// Sends `notice` to `channel`, if the guard lets it. The generic webhook is signed
/// with the current time.
pub async fn deliver(
    channel: &Channel,
    notice: &Notice,
    guard: &Guard,
) -> Result<Delivered, DeliveryError> {
    let payload = channel.payload(notice, jiff::Timestamp::now().as_second());
    let discord = matches!(channel, Channel::Discord { .. });
    send(payload, guard, discord).await
}

/// Posts a JSON document that is not a notice (a signed checkpoint's copy) through the
/// same guard, with the same limits and the same verdicts as a notice.
pub async fn post(payload: Payload, guard: &Guard) -> Result<Delivered, DeliveryError> {
    send(payload, guard, false).await
}

async fn send(payload: Payload, guard: &Guard, discord: bool) -> Result<Delivered, DeliveryError> {
    let shown = payload.url.to_string();
    let give_up = |reason: String, status: Option<u16>| DeliveryError::GiveUp {
        channel: shown.clone(),
        reason,
        status,
    };
    let retry =
        |reason: String, status: Option<u16>, retry_after: Option<Duration>| DeliveryError::Retry {
            channel: shown.clone(),
            reason,
            status,
            retry_after,
        };
    let checked = guard
        .check(payload.url.expose())
        .await
        .map_err(|refusal| match refusal {
            Refusal::Unresolved { .. } => retry(refusal.to_string(), None, None),
            Refusal::Scheme { .. } | Refusal::NoHost | Refusal::Forbidden { .. } => {
                give_up(refusal.to_string(), None)
            }
        })?;
    let client = client(guard, &checked).map_err(|e| {
        retry(
            format!("the HTTP client could not be set up: {e}"),
            None,
            None,
        )
    })?;

    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in &payload.headers {
        let value = HeaderValue::from_str(value).expect("ids, digits and base64 are header-safe");
        headers.insert(HeaderName::from_static(name), value);
    }
    let url = payload.url.expose().clone();
    let mut response = client
        .post(url)
        .headers(headers)
        .body(payload.body)
        .send()
        .await
        .map_err(|e| retry(transport(&e, guard, &checked), None, None))?;
    let status = response.status();
    let location = header(response.headers(), "location");
    let retry_after = retry_after(response.headers());
    // The status is the receiver's verdict; an answer cut short changes nothing, and
    // retrying a notice that was taken would post it twice.
    let answer = read_capped(&mut response, guard.limits().max_answer_bytes).await;
    let code = status.as_u16();
    let quoted = quote(&answer);

    if status.is_success() {
        // Only Discord gives the posted message's id back.
        let message_id = if discord { message_id(&answer) } else { None };
        return Ok(Delivered {
            status: code,
            message_id,
            answer: answer.chars().take(1024).collect(),
        });
    }
    Err(if status.is_redirection() {
        give_up(
            format!(
                "answered HTTP {code} redirecting to {}; redirects are not followed, \
                 so set the channel's URL to where the notice should go",
                location
                    .map(|l| format!("{:?}", l.chars().take(300).collect::<String>()))
                    .unwrap_or_else(|| "nowhere".into())
            ),
            Some(code),
        )
    } else if status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        retry(
            format!("answered HTTP {code}{quoted}"),
            Some(code),
            retry_after,
        )
    } else if status == StatusCode::GONE {
        give_up(
            format!("answered HTTP 410 Gone: the receiver asks for no more notices{quoted}"),
            Some(code),
        )
    } else {
        give_up(
            format!("refused the notice with HTTP {code}{quoted}"),
            Some(code),
        )
    })
}

/// One client per delivery: its only name is the checked host, answered with the
/// checked addresses, so nothing resolves it again.
fn client(guard: &Guard, checked: &Checked) -> Result<reqwest::Client, String> {
    let limits = guard.limits();
    reqwest::Client::builder()
        .tls_backend_preconfigured(match guard.tls.get() {
            Some(config) => config.clone(),
            None => {
                let config = tls_config()?;
                let _ = guard.tls.set(config.clone());
                config
            }
        })
        .dns_resolver(Arc::new(Pinned {
            host: checked.host.to_ascii_lowercase(),
            addrs: checked.addrs.clone(),
        }))
        .user_agent(concat!("embargo/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(limits.connect_timeout)
        .timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would connect wherever it likes; the guard's check would mean nothing.
        .no_proxy()
        .build()
        .map_err(|e| error_chain(&e))
}

/// Answers the checked host with the checked addresses and refuses every other name.
struct Pinned {
    host: String,
    addrs: Vec<SocketAddr>,
}

impl reqwest::dns::Resolve for Pinned {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let asked = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let answer = if asked == self.host.trim_end_matches('.') {
            let addrs: reqwest::dns::Addrs = Box::new(self.addrs.clone().into_iter());
            Ok(addrs)
        } else {
            Err(format!("`{asked}` was not checked by the guard").into())
        };
        Box::pin(std::future::ready(answer))
    }
}

fn tls_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// At most `cap` bytes of the answer, as text; what arrived before an error.
async fn read_capped(response: &mut reqwest::Response, cap: usize) -> String {
    let mut body = Vec::new();
    while body.len() < cap {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk[..chunk.len().min(cap - body.len())]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

fn message_id(answer: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(answer).ok()?;
    match &value["id"] {
        serde_json::Value::String(id) => Some(id.clone()),
        serde_json::Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, "retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(&value).ok()?;
    let wait = when.timestamp().duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// `: "…"`, the start of an answer on one line, for a reason.
fn quote(answer: &str) -> String {
    let line: String = answer
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    let line = line.trim();
    if line.is_empty() {
        String::new()
    } else {
        format!(": {line:?}")
    }
}

fn transport(e: &reqwest::Error, guard: &Guard, checked: &Checked) -> String {
    let limits = guard.limits();
    let addrs = checked
        .addrs
        .iter()
        .map(SocketAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if e.is_timeout() {
        format!("no answer within {:?}", limits.timeout)
    } else if e.is_connect() {
        // Without the URL: it carries the channel's token.
        let e = without_url(e);
        format!("could not connect to {addrs}: {e}")
    } else {
        format!("the request failed: {}", without_url(e))
    }
}

/// reqwest's `Display` names the URL; `without_url` takes the error by value.
fn without_url(e: &reqwest::Error) -> String {
    let mut text = error_chain(e);
    if let Some(url) = e.url() {
        text = text.replace(
            url.as_str(),
            &EndpointUrl::parse(url.as_str())
                .map(|u| u.to_string())
                .unwrap_or_default(),
        );
    }
    text
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn discord_message_ids_are_read_from_the_answer() {
        assert_eq!(
            message_id(r#"{"id":"1234567890","content":"x"}"#).as_deref(),
            Some("1234567890")
        );
        assert_eq!(message_id("ok"), None);
    }

    #[test]
    fn quoted_answers_are_one_short_line() {
        assert_eq!(quote(""), "");
        assert_eq!(quote("invalid_payload\n"), r#": "invalid_payload""#);
        assert_eq!(quote(&"x".repeat(500)).len(), 204);
    }
}
