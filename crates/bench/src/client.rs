//! A small HTTP/1.1 client for the steps around a measurement: probing answers, seeding,
//! signing in to the web pages. (The measurements themselves use [`crate::load`] or wrk.)

use crate::{Error, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::failed(format!(
                "answer is not JSON ({e}): {}",
                snippet(&self.text())
            ))
        })
    }

    /// The value of a cookie the answer sets, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    }
}

/// The first 200 characters of a body, for error messages.
pub fn snippet(text: &str) -> String {
    let s: String = text.chars().take(200).collect();
    if s.len() < text.len() {
        format!("{s}…")
    } else {
        s
    }
}

#[derive(Clone)]
pub struct Client {
    pool: Pool<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl Default for Client {
    fn default() -> Self {
        Self::new(Duration::from_secs(120))
    }
}

impl Client {
    pub fn new(timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client {
            pool: Pool::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }

    pub async fn send(&self, req: Request<Full<Bytes>>) -> Result<Answer> {
        let what = format!("{} {}", req.method(), req.uri());
        let call = async {
            let res = self
                .pool
                .request(req)
                .await
                .map_err(|e| Error::failed(format!("{what}: {e}")))?;
            let (parts, body) = res.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| Error::failed(format!("{what}: reading the body: {e}")))?
                .to_bytes();
            Ok(Answer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| Error::failed(format!("{what}: no answer in {:?}", self.timeout)))?
    }

    /// `GET url` with extra headers.
    pub async fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Answer> {
        self.send(request("GET", url, headers, None, Bytes::new())?)
            .await
    }

    /// `POST url` with a JSON body.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Answer> {
        self.send(request(
            "POST",
            url,
            headers,
            Some("application/json"),
            body.into(),
        )?)
        .await
    }

    /// `POST url` with a urlencoded form.
    pub async fn post_form(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        fields: &[(&str, &str)],
    ) -> Result<Answer> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(request(
            "POST",
            url,
            headers,
            Some("application/x-www-form-urlencoded"),
            Bytes::from(body),
        )?)
        .await
    }
}

/// Builds a request; a malformed URL or header is the bench's own mistake, named.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: Bytes,
) -> Result<Request<Full<Bytes>>> {
    let mut req = Request::builder().method(method).uri(url);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    for (k, v) in headers {
        let value =
            HeaderValue::from_str(v).map_err(|e| Error::failed(format!("header `{k}`: {e}")))?;
        req = req.header(*k, value);
    }
    req.body(Full::new(body))
        .map_err(|e| Error::failed(format!("{method} {url}: {e}")))
}

/// application/x-www-form-urlencoded, byte by byte.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_escapes_reserved_bytes() {
        assert_eq!(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
