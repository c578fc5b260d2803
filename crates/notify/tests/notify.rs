//! Delivery over real HTTP to a receiver this test runs on 127.0.0.1, the signature
//! checked by an independent implementation (Python's `hmac`), and the guard refusing
//! what it must with nothing received.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use embargo_notify::{
    Channel, DeliveryError, Guard, Limits, Notice, NoticeDraft, NoticeKind, Resolve, Resolving,
    WebhookSecret, deliver,
};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// An HTTP receiver on 127.0.0.1 that records every request and answers by path.
struct Receiver {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let recorded = hits.clone();
        let app = axum::Router::new().fallback(move |request: Request| {
            let recorded = recorded.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                let hit = Hit {
                    path: parts.uri.path().to_owned(),
                    query: parts.uri.query().map(str::to_owned),
                    headers: parts.headers,
                    body,
                };
                let answer = answer(&hit, addr);
                recorded.lock().unwrap().push(hit);
                answer
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { addr, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

fn answer(hit: &Hit, addr: SocketAddr) -> Response {
    match hit.path.as_str() {
        "/services/T0/B0/SECRETTOKEN" => "ok".into_response(),
        "/api/webhooks/42/tok-SECRET" if hit.query.as_deref() == Some("wait=true") => (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"id":"1100000000000000001","channel_id":"9","content":"…"}"#,
        )
            .into_response(),
        "/hook" => StatusCode::NO_CONTENT.into_response(),
        "/fail/500" => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        "/fail/503" => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "120")],
            "later",
        )
            .into_response(),
        "/fail/429" => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "7")],
            "slow down",
        )
            .into_response(),
        "/fail/400" => (StatusCode::BAD_REQUEST, "invalid_payload").into_response(),
        "/fail/410" => StatusCode::GONE.into_response(),
        "/big" => "x".repeat(1 << 20).into_response(),
        "/redirect/same" => (
            StatusCode::FOUND,
            [(header::LOCATION, format!("http://{addr}/hook"))],
        )
            .into_response(),
        "/redirect/private" => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, "http://10.0.0.1/hook")],
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn notice(kind: NoticeKind) -> Notice {
    NoticeDraft {
        id: "msg_2026_0001".into(),
        kind,
        project: "connect".into(),
        subject: "Connect 1.4.2 fixes CVE-2026-0001".into(),
        body_markdown:
            "Upgrade **now** to 1.4.2 & read [the advisory](https://sec.example/a/1).\n\n\
                        - 1.4.x: 1.4.2\n- 1.3.x: 1.3.9"
                .into(),
        links: vec![("Advisory".into(), "https://sec.example/a/1".into())],
        read_more: Some("https://sec.example/a/1".into()),
        at: "2026-11-30T12:00:00Z".parse().unwrap(),
    }
    .check()
    .unwrap()
}

/// The guard an operator gets with `webhooks.allow_private = ["127.0.0.1/32"]`.
fn loopback_allowed() -> Guard {
    Guard::new().allow_private(&["127.0.0.1/32"]).unwrap()
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Standard Webhooks verification written from the spec in Python's standard library,
/// sharing no code with the crate. Answers `valid` or `invalid`.
const PYTHON_VERIFY: &str = r#"
import base64, hashlib, hmac, sys
secret, msg_id, timestamp, header = sys.argv[1:5]
body = sys.stdin.buffer.read()
key = base64.b64decode(secret[len("whsec_"):] + "=" * (-len(secret[len("whsec_"):]) % 4))
content = msg_id.encode() + b"." + timestamp.encode() + b"." + body
expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
ok = any(
    hmac.compare_digest(s[len("v1,"):], expected)
    for s in header.split(" ")
    if s.startswith("v1,")
)
print("valid" if ok else "invalid")
"#;

async fn python_verifies(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
) -> bool {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("python3")
        .args(["-c", PYTHON_VERIFY, secret, id, timestamp, header])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs the independent signature check; install it");
    child.stdin.take().unwrap().write_all(body).await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "python3 failed");
    match String::from_utf8(out.stdout).unwrap().trim() {
        "valid" => true,
        "invalid" => false,
        other => panic!("python3 said {other:?}"),
    }
}

#[tokio::test]
async fn python_agrees_with_the_published_test_vector() {
    let body = br#"{"test": 2432232314}"#;
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    let ours = WebhookSecret::parse(SECRET)
        .unwrap()
        .sign(id, 1614265330, body);
    assert_eq!(ours, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    assert!(python_verifies(SECRET, id, "1614265330", body, &ours).await);
    assert!(!python_verifies(SECRET, id, "1614265331", body, &ours).await);
}

#[tokio::test]
async fn a_slack_compatible_webhook_receives_mrkdwn_text() {
    let receiver = Receiver::start().await;
    let channel = Channel::slack(&receiver.url("/services/T0/B0/SECRETTOKEN")).unwrap();
    let delivered = deliver(
        &channel,
        &notice(NoticeKind::FixedVulnerability),
        &loopback_allowed(),
    )
    .await
    .unwrap();
    assert_eq!((delivered.status, delivered.answer.as_str()), (200, "ok"));
    assert_eq!(delivered.message_id, None);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].header("content-type"), "application/json");
    assert!(hits[0].header("user-agent").starts_with("embargo/"));
    assert_eq!(
        hits[0].json(),
        serde_json::json!({
            "text": "*Connect 1.4.2 fixes CVE-2026-0001*\n\n\
                     Upgrade *now* to 1.4.2 &amp; read <https://sec.example/a/1|the advisory>.\n\n\
                     • 1.4.x: 1.4.2\n• 1.3.x: 1.3.9\n\n\
                     • <https://sec.example/a/1|Advisory>"
        })
    );
}

#[tokio::test]
async fn a_discord_webhook_receives_content_without_mentions_and_gives_a_message_id() {
    let receiver = Receiver::start().await;
    let channel = Channel::discord(&receiver.url("/api/webhooks/42/tok-SECRET")).unwrap();
    let delivered = deliver(&channel, &notice(NoticeKind::Courtesy), &loopback_allowed())
        .await
        .unwrap();
    assert_eq!(delivered.status, 200);
    assert_eq!(delivered.message_id.as_deref(), Some("1100000000000000001"));
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].query.as_deref(), Some("wait=true"));
    let body = hits[0].json();
    assert_eq!(body["allowed_mentions"], serde_json::json!({ "parse": [] }));
    let content = body["content"].as_str().unwrap();
    assert!(content.starts_with("**Connect 1.4.2 fixes CVE-2026-0001**\n\nUpgrade **now**"));
    assert!(content.ends_with("- [Advisory](<https://sec.example/a/1>)"));
}

#[tokio::test]
async fn a_generic_webhook_receives_a_signed_event_that_an_independent_verifier_accepts() {
    let receiver = Receiver::start().await;
    let secret = WebhookSecret::generate().unwrap();
    let shown_once = secret.expose();
    let channel = Channel::webhook(&receiver.url("/hook"), &shown_once).unwrap();
    let before = jiff::Timestamp::now().as_second();
    let delivered = deliver(
        &channel,
        &notice(NoticeKind::ForthcomingFix),
        &loopback_allowed(),
    )
    .await
    .unwrap();
    let after = jiff::Timestamp::now().as_second();
    assert_eq!(delivered.status, 204);

    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.header("webhook-id"), "msg_2026_0001");
    let timestamp = hit.header("webhook-timestamp");
    let sent_at: i64 = timestamp.parse().unwrap();
    assert!(
        (before..=after).contains(&sent_at),
        "{sent_at} not in {before}..={after}"
    );
    let signature = hit.header("webhook-signature");
    assert!(signature.starts_with("v1,"), "{signature}");
    assert!(
        python_verifies(
            &shown_once,
            "msg_2026_0001",
            timestamp,
            &hit.body,
            signature
        )
        .await
    );
    // The same check fails for another secret and for a changed body.
    let other = WebhookSecret::generate().unwrap().expose();
    assert!(!python_verifies(&other, "msg_2026_0001", timestamp, &hit.body, signature).await);
    let mut changed = hit.body.to_vec();
    changed.push(b' ');
    assert!(!python_verifies(&shown_once, "msg_2026_0001", timestamp, &changed, signature).await);

    let event = hit.json();
    assert_eq!(event["type"], "notice.forthcoming_fix");
    assert_eq!(event["timestamp"], "2026-11-30T12:00:00Z");
    assert_eq!(event["data"]["id"], "msg_2026_0001");
    assert_eq!(event["data"]["kind"], "forthcoming_fix");
    assert_eq!(
        event["data"]["subject"],
        "Connect 1.4.2 fixes CVE-2026-0001"
    );
    assert_eq!(event["data"]["links"][0]["title"], "Advisory");
}

#[tokio::test]
async fn without_the_allow_list_loopback_is_refused_and_nothing_is_received() {
    let receiver = Receiver::start().await;
    let guard = Guard::new();
    for url in [
        receiver.url("/hook"),
        format!("http://localhost:{}/hook", receiver.addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}/hook", receiver.addr.port()),
    ] {
        let channel = Channel::webhook(&url, SECRET).unwrap();
        let e = deliver(&channel, &notice(NoticeKind::Test), &guard)
            .await
            .unwrap_err();
        assert!(!e.should_retry(), "{e}");
        let text = e.to_string();
        assert!(text.contains("a loopback address"), "{text}");
        assert!(text.contains("`webhooks.allow_private`"), "{text}");
    }
    assert!(receiver.hits().is_empty());
    // An allow-list for another range does not cover it either.
    let guard = Guard::new().allow_private(&["10.0.0.0/8"]).unwrap();
    let channel = Channel::slack(&receiver.url("/services/T0/B0/SECRETTOKEN")).unwrap();
    assert!(
        deliver(&channel, &notice(NoticeKind::Test), &guard)
            .await
            .is_err()
    );
    assert!(receiver.hits().is_empty());
}

/// A resolver that answers from a script and counts the questions.
struct Scripted {
    answers: Vec<Vec<SocketAddr>>,
    asked: AtomicUsize,
}

impl Resolve for Scripted {
    fn resolve<'a>(&'a self, _host: &'a str, _port: u16) -> Resolving<'a> {
        let n = self.asked.fetch_add(1, Ordering::SeqCst);
        let answer = self.answers[n.min(self.answers.len() - 1)].clone();
        Box::pin(async move { Ok(answer) })
    }
}

#[tokio::test]
async fn the_request_connects_to_the_address_that_was_checked() {
    let receiver = Receiver::start().await;
    let port = receiver.addr.port();
    // First answer: the allowed receiver; any later one: a private address. A second
    // lookup would send the notice to 10.9.9.9, or fail: `rebind.test` is not a name
    // the system resolves.
    let resolver = Arc::new(Scripted {
        answers: vec![
            vec![SocketAddr::from(([127, 0, 0, 1], port))],
            vec![SocketAddr::from(([10, 9, 9, 9], port))],
        ],
        asked: AtomicUsize::new(0),
    });
    let guard = loopback_allowed().with_resolver(resolver.clone());
    let channel = Channel::webhook(&format!("http://rebind.test:{port}/hook"), SECRET).unwrap();
    let delivered = deliver(&channel, &notice(NoticeKind::Test), &guard)
        .await
        .unwrap();
    assert_eq!(delivered.status, 204);
    assert_eq!(resolver.asked.load(Ordering::SeqCst), 1);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].header("host"), format!("rebind.test:{port}"));
}

#[tokio::test]
async fn one_private_address_among_public_ones_is_enough_to_refuse() {
    let resolver = Arc::new(Scripted {
        answers: vec![vec![
            SocketAddr::from(([93, 184, 215, 14], 443)),
            SocketAddr::from(([169, 254, 169, 254], 443)),
        ]],
        asked: AtomicUsize::new(0),
    });
    let guard = Guard::new().with_resolver(resolver);
    let channel = Channel::slack("https://hooks.example/services/T/B/SECRET").unwrap();
    let e = deliver(&channel, &notice(NoticeKind::Test), &guard)
        .await
        .unwrap_err();
    assert!(!e.should_retry());
    assert_eq!(
        e.to_string(),
        "https://hooks.example/…: `hooks.example` resolves to 169.254.169.254, a cloud \
         metadata address; notices go only to public addresses unless \
         `webhooks.allow_private` lists it (permanent)"
    );
}

#[tokio::test]
async fn redirects_are_failures_that_name_the_location_and_are_never_followed() {
    let receiver = Receiver::start().await;
    let guard = loopback_allowed();
    for (path, status, location) in [
        ("/redirect/private", 307, "http://10.0.0.1/hook".to_owned()),
        ("/redirect/same", 302, receiver.url("/hook")),
    ] {
        let channel = Channel::webhook(&receiver.url(path), SECRET).unwrap();
        let e = deliver(&channel, &notice(NoticeKind::Test), &guard)
            .await
            .unwrap_err();
        assert!(!e.should_retry(), "{e}");
        assert_eq!(e.status(), Some(status));
        assert!(
            e.to_string()
                .contains(&format!("redirecting to {location:?}")),
            "{e}"
        );
    }
    let paths: Vec<String> = receiver.hits().into_iter().map(|h| h.path).collect();
    assert_eq!(paths, ["/redirect/private", "/redirect/same"]);
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried_and_client_errors_are_not() {
    let receiver = Receiver::start().await;
    let guard = loopback_allowed();
    let send = |path: &str| {
        let channel = Channel::slack(&receiver.url(path)).unwrap();
        let guard = guard.clone();
        async move {
            deliver(&channel, &notice(NoticeKind::Test), &guard)
                .await
                .unwrap_err()
        }
    };

    let e = send("/fail/500").await;
    assert!(e.should_retry(), "{e}");
    assert_eq!((e.status(), e.retry_after()), (Some(500), None));
    assert!(
        e.to_string()
            .ends_with(r#"answered HTTP 500: "boom" (will retry)"#),
        "{e}"
    );

    let e = send("/fail/503").await;
    assert!(e.should_retry());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));

    let e = send("/fail/429").await;
    assert!(e.should_retry());
    assert_eq!(
        (e.status(), e.retry_after()),
        (Some(429), Some(Duration::from_secs(7)))
    );

    let e = send("/fail/400").await;
    assert!(!e.should_retry());
    assert!(
        e.to_string()
            .contains(r#"refused the notice with HTTP 400: "invalid_payload""#),
        "{e}"
    );

    let e = send("/fail/410").await;
    assert!(!e.should_retry());
    assert!(e.to_string().contains("410 Gone"), "{e}");

    let e = send("/nowhere").await;
    assert!(
        matches!(
            e,
            DeliveryError::GiveUp {
                status: Some(404),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(receiver.hits().len(), 6);
}

#[tokio::test]
async fn a_big_answer_is_read_only_up_to_the_limit() {
    let receiver = Receiver::start().await;
    let guard = loopback_allowed().with_limits(Limits {
        max_answer_bytes: 1000,
        ..Limits::default()
    });
    let channel = Channel::slack(&receiver.url("/big")).unwrap();
    let delivered = deliver(&channel, &notice(NoticeKind::Test), &guard)
        .await
        .unwrap();
    assert_eq!(delivered.status, 200);
    assert_eq!(delivered.answer.len(), 1000);
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_and_is_retried() {
    // Accepts connections and holds them, never reading or answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let holding = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            holding.lock().unwrap().push(socket);
        }
    });
    let guard = loopback_allowed().with_limits(Limits {
        timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    let channel = Channel::webhook(&format!("http://{addr}/hook?token=SECRET"), SECRET).unwrap();
    let e = deliver(&channel, &notice(NoticeKind::Test), &guard)
        .await
        .unwrap_err();
    assert!(e.should_retry(), "{e}");
    assert!(e.to_string().contains("no answer within 300ms"), "{e}");
    assert_eq!(held.lock().unwrap().len(), 1, "it did connect");
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_the_token_stays_out_of_the_reason() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let channel = Channel::slack(&format!("http://{addr}/services/T0/B0/SECRETTOKEN")).unwrap();
    let e = deliver(&channel, &notice(NoticeKind::Test), &loopback_allowed())
        .await
        .unwrap_err();
    assert!(e.should_retry(), "{e}");
    let text = format!("{e} {e:?}");
    assert!(
        text.contains(&format!("could not connect to {addr}")),
        "{text}"
    );
    assert!(!text.contains("SECRETTOKEN"), "{text}");
}

/// A resolver that fails, or never answers.
enum Broken {
    Fails,
    Hangs,
}

impl Resolve for Broken {
    fn resolve<'a>(&'a self, _host: &'a str, _port: u16) -> Resolving<'a> {
        match self {
            Broken::Fails => Box::pin(async {
                Err(std::io::Error::other(
                    "failed to lookup address information",
                ))
            }),
            Broken::Hangs => Box::pin(std::future::pending()),
        }
    }
}

#[tokio::test]
async fn a_name_that_does_not_resolve_in_time_is_retried() {
    let channel = Channel::slack("https://chat.example/hooks/SECRET").unwrap();
    let guard = Guard::new().with_resolver(Arc::new(Broken::Fails));
    let e = deliver(&channel, &notice(NoticeKind::Test), &guard)
        .await
        .unwrap_err();
    assert!(e.should_retry(), "{e}");
    assert!(
        e.to_string()
            .contains("`chat.example` could not be resolved: failed to lookup"),
        "{e}"
    );
    let guard = Guard::new()
        .with_resolver(Arc::new(Broken::Hangs))
        .with_limits(Limits {
            connect_timeout: Duration::from_millis(200),
            ..Limits::default()
        });
    let e = deliver(&channel, &notice(NoticeKind::Test), &guard)
        .await
        .unwrap_err();
    assert!(e.should_retry(), "{e}");
    assert!(e.to_string().contains("no answer in 200ms"), "{e}");
    assert!(!e.to_string().contains("SECRET"));
}

#[tokio::test]
async fn a_2xx_whose_answer_breaks_off_is_delivered_not_retried() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Promises 100 bytes of answer, sends 2 and hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0; 64 * 1024];
        let _ = socket.read(&mut request).await.unwrap();
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nok")
            .await
            .unwrap();
    });
    let channel = Channel::slack(&format!("http://{addr}/services/T/B/X")).unwrap();
    let delivered = deliver(&channel, &notice(NoticeKind::Test), &loopback_allowed())
        .await
        .unwrap();
    assert_eq!((delivered.status, delivered.answer.as_str()), (200, "ok"));
}
