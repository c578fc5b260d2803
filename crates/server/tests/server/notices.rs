//! Channels and notices (issue 14; C18, V3, V8, V9, V10, V11): channels added through
//! the API with their URLs checked by the SSRF guard, "send a test" answered on the
//! project, the forthcoming-fix notice held back until a fix or mitigation and an
//! agreed date exist and never carrying the report's words, the fixed-vulnerability
//! notice queued at disclosure, a failing channel retried then given up on the timeline,
//! and pre-notification refused by the default policy and audited when on. Webhooks go
//! to a real HTTP receiver on 127.0.0.1 (allow-listed), whose signatures the test checks
//! with its own HMAC; mailing lists through the real SMTP receiver. Both databases.

use super::support::*;
use base64::Engine;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use embargo_testkit::smtp::SmtpReceiver;
use hmac::{KeyInit, Mac};
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The words of the report that must never reach a notice before disclosure.
const CANARY: &str = "CANARY-7f3a-flaw-in-decode_frame";

/// Standard Webhooks, computed here by hand: base64(HMAC-SHA256(key, "id.ts.body")).
fn verify_by_hand(secret: &str, hit: &Hit) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(hit.header("webhook-id").as_bytes());
    mac.update(b".");
    mac.update(hit.header("webhook-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&hit.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    hit.header("webhook-signature")
        .split(' ')
        .any(|s| s == format!("v1,{expected}"))
}

struct Fixture {
    t: TestApp,
    smtp: SmtpReceiver,
    ada: Person,
    sam: Person,
    receiver: Receiver,
    base: String,
}

async fn fixture(db: Db) -> Fixture {
    let smtp = SmtpReceiver::start();
    let url = smtp.url();
    let t = TestApp::build(db, |s| {
        s.mail.smtp_url = Some(url);
        s.mail.from = Some("security@connect.example".into());
        s.webhooks.allow_private = vec!["127.0.0.1/32".into()];
    })
    .await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    // Vitess's process: the full track sends the forthcoming fix and the fixed notice.
    let (s, v) = json_of(
        t.req(
            Method::PUT,
            "/api/v1/projects/connect/policy",
            Some(&ada.token),
        )
        .json(&json!({ "preset": "vitess" }))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The new policy's recomputation of clocks, out of the way.
    run_due(&t.app).await.unwrap();
    let (receiver, base) = Receiver::start().await;
    Fixture {
        t,
        smtp,
        ada,
        sam,
        receiver,
        base,
    }
}

async fn add_channel(f: &Fixture, body: Value) -> (StatusCode, Value) {
    f.t.post(
        "/api/v1/projects/connect/channels",
        Some(&f.ada.token),
        body,
    )
    .await
}

async fn channels(f: &Fixture) -> Vec<Value> {
    let (s, v) =
        f.t.get("/api/v1/projects/connect/channels", Some(&f.ada.token))
            .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

fn field(v: &Value) -> &str {
    v["error"]["field"]
        .as_str()
        .or_else(|| v["error"]["details"][0]["field"].as_str())
        .unwrap_or_else(|| panic!("no field in {v}"))
}

async fn c18_channels_are_checked_tested_and_removed(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    // A generic webhook: its secret is shown once, and is not in the project's events.
    let (s, v) = add_channel(
        &f,
        json!({ "name": "hook", "kind": "webhook", "url": format!("{}/in?token=SECRET", f.base),
                "notices": ["forthcoming-fix", "fixed-vulnerability"] }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{v}");
    assert_eq!(v["channel"]["target"], format!("{}/…", f.base));
    let (_, listed) = t
        .get("/api/v1/projects/connect/channels", Some(&f.ada.token))
        .await;
    assert!(!listed.to_string().contains("SECRET") && !listed.to_string().contains(&secret));

    // Bad URLs: named, nothing stored.
    for (url, words) in [
        ("ftp://hooks.example/x".to_owned(), "scheme `ftp`"),
        ("hooks.example/x".to_owned(), "not a URL"),
        ("http://10.1.2.3/hook".to_owned(), "private"),
        (
            "http://169.254.169.254/latest/meta-data".to_owned(),
            "169.254.169.254",
        ),
        ("http://[::1]:9/hook".to_owned(), "loopback"),
    ] {
        let (s, v) = add_channel(
            &f,
            json!({ "name": "bad", "kind": "slack", "url": url, "notices": ["courtesy"] }),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert_eq!(field(&v), "url", "{v}");
        assert!(v.to_string().contains(words), "{url}: {v}");
    }
    let (s, v) = add_channel(
        &f,
        json!({ "name": "list", "kind": "mailing-list", "address": "not an address", "notices": ["courtesy"] }),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "address"),
        "{v}"
    );
    assert_eq!(channels(&f).await.len(), 1);

    // The others: Slack-compatible, Discord, a mailing list.
    for body in [
        json!({ "name": "chat", "kind": "slack", "url": format!("{}/slack/T0/B0/XYZ", f.base), "notices": ["courtesy"] }),
        json!({ "name": "discord", "kind": "discord", "url": format!("{}/api/webhooks/123/tok", f.base), "notices": ["courtesy"] }),
        json!({ "name": "announce", "kind": "mailing-list", "address": "announce@lists.connect.example", "notices": ["forthcoming-fix"] }),
    ] {
        let (s, v) = add_channel(&f, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["secret"], Value::Null);
    }
    let (s, v) = add_channel(
        &f,
        json!({ "name": "chat", "kind": "slack", "url": format!("{}/x", f.base), "notices": ["courtesy"] }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Send a test to each: one job per channel, each answer on the project.
    for name in ["hook", "chat", "discord", "announce"] {
        let (s, v) = t
            .post(
                &format!("/api/v1/projects/connect/channels/{name}/test"),
                Some(&f.ada.token),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    }
    assert_eq!(run_due(&t.app).await.unwrap(), 4);
    let hits = f.receiver.hits();
    assert_eq!(hits.len(), 3, "{hits:?}");
    let hook = hits.iter().find(|h| h.path == "/in").unwrap();
    assert!(
        verify_by_hand(&secret, hook),
        "the signature verifies by hand"
    );
    let event: Value = serde_json::from_slice(&hook.body).unwrap();
    assert_eq!(event["type"], "notice.test");
    assert!(
        hits.iter()
            .any(|h| h.path == "/slack/T0/B0/XYZ" && h.text().contains("\"text\""))
    );
    assert!(hits.iter().any(|h| h.path == "/api/webhooks/123/tok"));
    assert_eq!(
        received_by(&f.smtp, "announce@lists.connect.example").len(),
        1
    );
    for c in channels(&f).await {
        assert_eq!(c["last_test"]["delivered"], true, "{c}");
    }
    let discord = channels(&f)
        .await
        .into_iter()
        .find(|c| c["name"] == "discord")
        .unwrap();
    assert!(
        discord["last_test"]["answer"]
            .as_str()
            .unwrap()
            .contains("998877"),
        "{discord}"
    );

    // A receiver that refuses: the test says so.
    f.receiver.answer(404);
    t.post(
        "/api/v1/projects/connect/channels/chat/test",
        Some(&f.ada.token),
        json!({}),
    )
    .await;
    run_due(&t.app).await.unwrap();
    let chat = channels(&f)
        .await
        .into_iter()
        .find(|c| c["name"] == "chat")
        .unwrap();
    assert_eq!(chat["last_test"]["delivered"], false, "{chat}");
    assert!(
        chat["last_test"]["answer"]
            .as_str()
            .unwrap()
            .contains("404"),
        "{chat}"
    );

    // Who may: the project's admins; a maintainer hears no, another project nothing.
    let cody = t
        .person("cody@example.org", Some(("connect", Role::Maintainer)))
        .await;
    t.project("vitess", &["vitess"]).await;
    let olga = t
        .person("olga@example.org", Some(("vitess", Role::Admin)))
        .await;
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(cody.token.as_str()), StatusCode::FORBIDDEN),
        (Some(f.sam.token.as_str()), StatusCode::FORBIDDEN),
        (Some(olga.token.as_str()), StatusCode::NOT_FOUND),
    ] {
        let (s, v) = t.get("/api/v1/projects/connect/channels", token).await;
        assert_eq!(s, status, "{v}");
        let (s, v) = t
            .post(
                "/api/v1/projects/connect/channels",
                token,
                json!({ "name": "x", "kind": "webhook", "url": "http://10.0.0.1/", "notices": ["courtesy"] }),
            )
            .await;
        assert_eq!(s, status, "{v}");
        let (s, _) = t
            .post(
                "/api/v1/projects/connect/channels/hook/test",
                token,
                json!({}),
            )
            .await;
        assert_eq!(s, status);
        let (s, _) = json_of(
            t.req(
                Method::DELETE,
                "/api/v1/projects/connect/channels/hook",
                token,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, status);
    }

    // Removed: gone from the list, its secret file too.
    let (s, v) = json_of(
        t.req(
            Method::DELETE,
            "/api/v1/projects/connect/channels/hook",
            Some(&f.ada.token),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert!(
        !t.settings
            .data_dir
            .join("keys/channels/connect/hook.json")
            .exists()
    );
}

#[tokio::test]
async fn c18_channels_on_sqlite() {
    c18_channels_are_checked_tested_and_removed(Db::Sqlite).await;
}

#[tokio::test]
async fn c18_channels_on_postgres() {
    c18_channels_are_checked_tested_and_removed(Db::Postgres).await;
}

/// A confirmed case Sam coordinates, whose report carries the canary.
async fn confirmed(f: &Fixture) -> (String, String, String) {
    let t = &f.t;
    let (id, tracking) = t
        .report(
            "connect",
            json!({ "title": format!("Crash: {CANARY}"), "description": format!("Send a frame. {CANARY}"), "component": "go" }),
        )
        .await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&f.sam.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    (case, id, tracking)
}

async fn put(t: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    json_of(
        t.req(Method::PUT, path, Some(token))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn events(t: &TestApp, case: &str, token: &str) -> Vec<Value> {
    t.get(&format!("{case}/events"), Some(token)).await.1["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

async fn v9_v10_notices_from_the_case(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let (s, v) = add_channel(
        &f,
        json!({ "name": "hook", "kind": "webhook", "url": format!("{}/in", f.base),
                "notices": ["forthcoming-fix", "fixed-vulnerability"] }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let secret = v["secret"].as_str().unwrap().to_owned();
    let (s, _) = add_channel(
        &f,
        json!({ "name": "announce", "kind": "mailing-list", "address": "announce@lists.connect.example",
                "notices": ["forthcoming-fix", "fixed-vulnerability"] }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (case, id, tracking) = confirmed(&f).await;
    let send = |notice: &'static str| {
        let case = case.clone();
        let token = f.sam.token.clone();
        async move {
            t.post(
                &format!("{case}/notices/{notice}/send"),
                Some(&token),
                json!({}),
            )
            .await
        }
    };

    // V8, V9: no fix or mitigation, no agreed date: refused naming both.
    let (s, v) = send("forthcoming-fix").await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let text = v.to_string();
    assert!(
        text.contains("mitigation") && text.contains("release date"),
        "{v}"
    );
    // The fixed notice describes the flaw: never before disclosure.
    let (s, v) = send("fixed-vulnerability").await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // A notice kind the policy's track does not send.
    let (s, v) = send("courtesy").await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "notice"),
        "{v}"
    );

    // A plan with its mitigation, accepted by the reporter.
    let (s, v) = put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let release_at = v["release"]["plan"]["at_utc"].as_str().unwrap().to_owned();
    let (s, _) = t
        .post(
            &format!("{case}/release-plan/accept"),
            Some(&tracking),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Drafted from the case: the date as YYYY-MM-DD HH:MM UTC, the mitigation.
    let (s, draft) = t
        .get(
            &format!("{case}/notices/forthcoming-fix"),
            Some(&f.sam.token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{draft}");
    let markdown = draft["markdown"].as_str().unwrap().to_owned();
    assert!(markdown.contains(&release_at), "{markdown}");
    assert!(
        markdown.contains("Limit the maximum frame size"),
        "{markdown}"
    );
    assert_eq!(draft["reviewed"], false);
    // The reporter does not read the team's drafts.
    let (s, _) = t
        .get(&format!("{case}/notices/forthcoming-fix"), Some(&tracking))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The coordinator reviews it; a text without a title is refused.
    let (s, v) = put(
        t,
        &format!("{case}/notices/forthcoming-fix"),
        &f.sam.token,
        json!({ "markdown": "no title" }),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "markdown")
    );
    let reviewed = format!("{markdown}\nReviewed by the Fix Lead.\n");
    let (s, v) = put(
        t,
        &format!("{case}/notices/forthcoming-fix"),
        &f.sam.token,
        json!({ "markdown": reviewed }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Sent: the webhook (signed) and the list, each answer on the timeline.
    let (s, v) = send("forthcoming-fix").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run_due(&t.app).await.unwrap();
    let hits = f.receiver.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(verify_by_hand(&secret, &hits[0]));
    let body: Value = serde_json::from_slice(&hits[0].body).unwrap();
    assert_eq!(body["type"], "notice.forthcoming_fix");
    assert!(
        body["data"]["body_markdown"]
            .as_str()
            .unwrap()
            .contains("Reviewed by the Fix Lead.")
    );
    let mails = received_by(&f.smtp, "announce@lists.connect.example");
    assert_eq!(mails.len(), 1);
    let timeline = events(t, &case, &f.sam.token).await;
    let delivered = of_type(&timeline, "notice_delivered");
    assert_eq!(delivered.len(), 2, "{timeline:?}");
    let answers: Vec<String> = delivered
        .iter()
        .map(|e| e["data"]["answer"].to_string())
        .collect();
    assert!(
        answers.iter().any(|a| a.contains("HTTP 200")),
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|a| a.contains("Message-ID")),
        "{answers:?}"
    );
    // The reporter's timeline shows none of it.
    assert!(of_type(&events(t, &case, &tracking).await, "notice_delivered").is_empty());
    // Nothing of the report reached any notice before disclosure.
    for hit in f.receiver.hits() {
        assert!(!hit.text().contains(CANARY));
    }
    for mail in f.smtp.received() {
        let text = String::from_utf8_lossy(&mail.data);
        if mail
            .to
            .iter()
            .any(|to| to.contains("lists.connect.example"))
        {
            assert!(!text.contains(CANARY) && !text.contains("decode_frame"));
        }
    }

    // Disclosure queues the fixed-vulnerability notice (C18, V10).
    pass_gate_after_plan(&f, &case).await;
    let (s, v) = t
        .post(&format!("{case}/disclose"), Some(&f.sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run_due(&t.app).await.unwrap();
    let hits = f.receiver.hits();
    assert_eq!(hits.len(), 2, "{hits:?}");
    let fixed: Value = serde_json::from_slice(&hits[1].body).unwrap();
    assert_eq!(fixed["type"], "notice.fixed_vulnerability");
    let fixed_text = fixed.to_string();
    assert!(fixed_text.contains("CVE-2026-4242"), "{fixed_text}");
    assert!(
        fixed_text.contains(&format!("/advisories/{id}")),
        "{fixed_text}"
    );
    assert_eq!(
        received_by(&f.smtp, "announce@lists.connect.example").len(),
        2
    );
    let timeline = events(t, &case, &f.sam.token).await;
    assert_eq!(of_type(&timeline, "notice_queued").len(), 2);
    assert_eq!(of_type(&timeline, "notice_delivered").len(), 4);
}

/// The rest of the gate once the plan is agreed: summary, CVE, CVSS, final notes.
async fn pass_gate_after_plan(f: &Fixture, case: &str) {
    let t = &f.t;
    let (s, v) = put(
        t,
        &format!("{case}/advisory"),
        &f.sam.token,
        json!({ "summary": "Unbounded allocation in the frame decoder",
                "affected": [{ "component": "go", "introduced": "1.14.0", "fixed": "1.17.0" }] }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .post(
            &format!("{case}/cve"),
            Some(&f.sam.token),
            json!({ "assigned": "CVE-2026-4242" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = put(
        t,
        &format!("{case}/cvss"),
        &f.sam.token,
        json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "A remote client exhausts the server's memory." }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .post(
            &format!("{case}/release-notes/finalize"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn v9_v10_notices_on_sqlite() {
    v9_v10_notices_from_the_case(Db::Sqlite).await;
}

#[tokio::test]
async fn v9_v10_notices_on_postgres() {
    v9_v10_notices_from_the_case(Db::Postgres).await;
}

async fn a_failing_channel_is_retried_then_given_up(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    f.receiver.answer(503);
    let (s, _) = add_channel(
        &f,
        json!({ "name": "hook", "kind": "webhook", "url": format!("{}/in", f.base), "notices": ["forthcoming-fix"] }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (case, _, tracking) = confirmed(&f).await;
    let (s, _) = put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    t.post(
        &format!("{case}/release-plan/accept"),
        Some(&tracking),
        json!({}),
    )
    .await;
    let (s, v) = t
        .post(
            &format!("{case}/notices/forthcoming-fix/send"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run_due(&t.app).await.unwrap();
    let failed = |timeline: &[Value]| -> Vec<Value> {
        of_type(timeline, "effect_failed")
            .into_iter()
            .filter(|e| e["data"]["effect"] == "webhook")
            .cloned()
            .collect()
    };
    let first = failed(&events(t, &case, &f.sam.token).await);
    assert_eq!(first.len(), 1);
    assert!(first[0]["data"]["retry_at"].is_string(), "{first:?}");
    assert!(first[0]["data"]["reason"].as_str().unwrap().contains("503"));
    // Each retry after its backoff, until it gives up: recorded once more.
    for _ in 0..10 {
        t.clock.advance(SignedDuration::from_hours(3));
        run_due(&t.app).await.unwrap();
    }
    assert_eq!(f.receiver.hits().len(), 8, "eight attempts");
    let all = failed(&events(t, &case, &f.sam.token).await);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["data"]["gave_up"], true, "{all:?}");
    assert!(of_type(&events(t, &case, &f.sam.token).await, "notice_delivered").is_empty());
}

#[tokio::test]
async fn a_failing_channel_on_sqlite() {
    a_failing_channel_is_retried_then_given_up(Db::Sqlite).await;
}

#[tokio::test]
async fn a_failing_channel_on_postgres() {
    a_failing_channel_is_retried_then_given_up(Db::Postgres).await;
}

async fn v11_pre_notification_only_where_the_policy_allows(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let (case, _, tracking) = confirmed(&f).await;
    let pre = format!("{case}/pre-notification");
    let add = || {
        t.post(
            &pre,
            Some(&f.sam.token),
            json!({ "address": "vendor@downstream.example", "name": "Downstream" }),
        )
    };
    // Off by default (V11): refused naming the policy, nothing recorded.
    let before = events(t, &case, &f.sam.token).await.len();
    let (s, v) = add().await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "address"),
        "{v}"
    );
    assert!(v.to_string().contains("pre_notification"), "{v}");
    assert_eq!(events(t, &case, &f.sam.token).await.len(), before);

    // The admin turns it on in the policy.
    let (_, policy) = t
        .get("/api/v1/projects/connect/policy", Some(&f.ada.token))
        .await;
    let toml = policy["toml"]
        .as_str()
        .unwrap()
        .replace("pre_notification = false", "pre_notification = true");
    let (s, v) = put(
        t,
        "/api/v1/projects/connect/policy",
        &f.ada.token,
        json!({ "toml": toml }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = add().await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = add().await;
    assert_eq!(s, StatusCode::CONFLICT);
    let added = events(t, &case, &f.sam.token).await;
    let added = of_type(&added, "pre_notified_added");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["data"]["address"], "vendor@downstream.example");
    assert_eq!(added[0]["actor"]["kind"], "user", "{}", added[0]);

    // What the policy allows: the forthcoming fix, when it is sent; no details.
    let (s, _) = put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    t.post(
        &format!("{case}/release-plan/accept"),
        Some(&tracking),
        json!({}),
    )
    .await;
    run_due(&t.app).await.unwrap();
    assert!(received_by(&f.smtp, "vendor@downstream.example").is_empty());
    let (s, v) = t
        .post(
            &format!("{case}/notices/forthcoming-fix/send"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run_due(&t.app).await.unwrap();
    let got = received_by(&f.smtp, "vendor@downstream.example");
    assert_eq!(got.len(), 1);
    assert!(!String::from_utf8_lossy(&got[0].data).contains(CANARY));
    let timeline = events(t, &case, &f.sam.token).await;
    assert!(
        of_type(&timeline, "notice_delivered")
            .iter()
            .any(|e| e["data"]["to"] == "vendor@downstream.example")
    );
}

#[tokio::test]
async fn v11_pre_notification_on_sqlite() {
    v11_pre_notification_only_where_the_policy_allows(Db::Sqlite).await;
}

#[tokio::test]
async fn v11_pre_notification_on_postgres() {
    v11_pre_notification_only_where_the_policy_allows(Db::Postgres).await;
}

async fn templates_are_checked_previewed_and_used(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let path = "/api/v1/projects/connect/notice-templates/forthcoming-fix";
    let (s, v) = t.get(path, Some(&f.ada.token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["custom"], false);
    // An unknown field, and one a forthcoming fix may not show: refused, named.
    for (source, words) in [
        (
            "# {project}\n{release_date} {affected_versions} {mitigation} {flaw}",
            "`{flaw}` is not a field",
        ),
        (
            "# {project}\n{release_date} {affected_versions} {mitigation} {summary}",
            "must not describe the flaw",
        ),
    ] {
        let (s, v) = t
            .post(
                &format!("{path}/preview"),
                Some(&f.ada.token),
                json!({ "source": source }),
            )
            .await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "source"),
            "{v}"
        );
        assert!(v.to_string().contains(words), "{v}");
        let (s, _) = put(t, path, &f.ada.token, json!({ "source": source })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let source = "# {project} ships a fix at {release_date}\n\nAffected: {affected_versions}\n\n{mitigation}\n";
    let (s, v) = t
        .post(
            &format!("{path}/preview"),
            Some(&f.ada.token),
            json!({ "source": source }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["subject"]
            .as_str()
            .unwrap()
            .starts_with("CONNECT ships a fix at"),
        "{v}"
    );
    let (s, v) = put(t, path, &f.ada.token, json!({ "source": source })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["custom"], true);
    // A case's draft starts from it.
    let (case, _, tracking) = confirmed(&f).await;
    put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    t.post(
        &format!("{case}/release-plan/accept"),
        Some(&tracking),
        json!({}),
    )
    .await;
    let (s, v) = t
        .get(
            &format!("{case}/notices/forthcoming-fix"),
            Some(&f.sam.token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["subject"].as_str().unwrap().contains("ships a fix at"),
        "{v}"
    );
    // A maintainer may not change templates.
    let (s, _) = put(t, path, &f.sam.token, json!({ "source": source })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn templates_on_sqlite() {
    templates_are_checked_previewed_and_used(Db::Sqlite).await;
}

#[tokio::test]
async fn templates_on_postgres() {
    templates_are_checked_previewed_and_used(Db::Postgres).await;
}

/// The pages: the admin's channels form keeps what was typed with the error beside the
/// field, shows a new webhook's secret once, and sends a test; the coordinator reviews
/// and sends a notice from the case's page.
async fn the_pages_add_test_and_send(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let web = t.signed_in("ada@example.org").await;
    let page = "/admin/projects/connect";
    let action = "/admin/projects/connect/channel-add";
    let out = web
        .submit(
            page,
            action,
            &[
                ("name", "hook"),
                ("kind", "webhook"),
                ("target", "http://10.9.8.7/in"),
                ("notice_forthcoming-fix", "on"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(
        out.html.contains("value=\"http://10.9.8.7/in\""),
        "kept what was typed"
    );
    assert!(
        out.html.contains("id=\"channel-target-error\""),
        "the error beside the field"
    );
    assert!(out.html.contains("10.9.8.7"));
    assert!(channels(&f).await.is_empty(), "nothing stored");
    let target = format!("{}/in", f.base);
    let out = web
        .submit(
            page,
            action,
            &[
                ("name", "hook"),
                ("kind", "webhook"),
                ("target", target.as_str()),
                ("notice_forthcoming-fix", "on"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.html);
    let secret = out
        .html
        .split("id=\"channel-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the secret, shown once")
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    assert!(
        !web.get(page).await.html.contains(&secret),
        "shown only once"
    );
    let out = web
        .submit(
            page,
            "/admin/projects/connect/channel-test",
            &[("name", "hook")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    run_due(&t.app).await.unwrap();
    assert!(verify_by_hand(&secret, &f.receiver.hits()[0]));
    assert!(web.get(page).await.html.contains("delivered: HTTP 200"));

    // The coordinator's page: the drafted notice, reviewed and sent.
    let (case, id, tracking) = confirmed(&f).await;
    put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    t.post(
        &format!("{case}/release-plan/accept"),
        Some(&tracking),
        json!({}),
    )
    .await;
    let sam = t.signed_in("sam@example.org").await;
    let case_page = format!("/cases/{id}");
    let html = sam.get(&case_page).await.html;
    assert!(html.contains("id=\"notice-forthcoming-fix\""), "{html}");
    let out = sam
        .submit(
            &case_page,
            &format!("/cases/{id}/actions/notice-draft"),
            &[("notice", "forthcoming-fix"), ("markdown", "no title here")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.html.contains("no title here"), "kept what was typed");
    let out = sam
        .submit(
            &case_page,
            &format!("/cases/{id}/actions/notice-draft"),
            &[
                ("notice", "forthcoming-fix"),
                (
                    "markdown",
                    "# CONNECT: a fix is coming\n\nOn the release date.",
                ),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let out = sam
        .submit(
            &case_page,
            &format!("/cases/{id}/actions/notice-send"),
            &[("notice", "forthcoming-fix"), ("at", "")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    run_due(&t.app).await.unwrap();
    let last: Value = serde_json::from_slice(&f.receiver.hits().last().unwrap().body).unwrap();
    assert_eq!(last["data"]["subject"], "CONNECT: a fix is coming");
    assert!(
        sam.get(&case_page)
            .await
            .html
            .contains("forthcoming-fix → ")
    );
}

#[tokio::test]
async fn the_pages_on_sqlite() {
    the_pages_add_test_and_send(Db::Sqlite).await;
}

#[tokio::test]
async fn the_pages_on_postgres() {
    the_pages_add_test_and_send(Db::Postgres).await;
}

/// Clock reminders reach the channels marked for the team as a count and a link, never
/// the case's words (issue 8's "reminders to chat").
async fn clock_reminders_reach_team_channels(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let (s, v) = add_channel(
        &f,
        json!({ "name": "team-chat", "kind": "slack", "url": format!("{}/team", f.base), "team": true }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (id, _) = t
        .report(
            "connect",
            json!({ "title": format!("Crash: {CANARY}"), "description": CANARY, "component": "go" }),
        )
        .await;
    run_due(&t.app).await.unwrap();
    for _ in 0..30 {
        t.clock.advance(SignedDuration::from_hours(24));
        run_due(&t.app).await.unwrap();
    }
    let timeline = events(t, &format!("/api/v1/cases/{id}"), &f.sam.token).await;
    let alarms =
        of_type(&timeline, "clock_reminder").len() + of_type(&timeline, "clock_overdue").len();
    assert!(alarms > 0, "{timeline:?}");
    let hits: Vec<Hit> = f
        .receiver
        .hits()
        .into_iter()
        .filter(|h| h.path == "/team")
        .collect();
    assert_eq!(hits.len(), alarms);
    for hit in &hits {
        let text = hit.text();
        assert!(text.contains(&format!("/cases/{id}")), "{text}");
        assert!(text.contains("1 clock"), "{text}");
        assert!(!text.contains(CANARY) && !text.contains("Crash"), "{text}");
    }
}

#[tokio::test]
async fn clock_reminders_to_chat_on_sqlite() {
    clock_reminders_reach_team_channels(Db::Sqlite).await;
}

#[tokio::test]
async fn clock_reminders_to_chat_on_postgres() {
    clock_reminders_reach_team_channels(Db::Postgres).await;
}
