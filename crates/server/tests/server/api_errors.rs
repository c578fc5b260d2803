//! Bad input gets a clear 4xx and changes nothing.

use super::support::*;
use embargo_core::project::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn case_count(t: &TestApp, token: &str) -> usize {
    t.get("/api/v1/projects/connect/cases", Some(token)).await.1["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn bad_reports_are_refused_with_the_field_and_rule_and_store_nothing() {
    let t = TestApp::build(Db::Sqlite, |s| s.limits.json_body_bytes = 100_000).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let reports = "/api/v1/projects/connect/reports";

    let cases: Vec<(&str, Value, StatusCode, &str, Option<&str>)> = vec![
        (
            "missing field",
            json!({ "title": "x" }),
            StatusCode::BAD_REQUEST,
            "missing_field",
            Some("description"),
        ),
        (
            "unknown field",
            json!({ "title": "x", "description": "y", "severity": "high" }),
            StatusCode::BAD_REQUEST,
            "unknown_field",
            Some("severity"),
        ),
        (
            "wrong type",
            json!({ "title": 5, "description": "y" }),
            StatusCode::BAD_REQUEST,
            "invalid_value",
            Some("title"),
        ),
        (
            "empty title",
            json!({ "title": "  ", "description": "y" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("title"),
        ),
        (
            "overlong title",
            json!({ "title": "t".repeat(201), "description": "y" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
            Some("title"),
        ),
        (
            "overlong description",
            json!({ "title": "t", "description": "d".repeat(65_537) }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
            Some("description"),
        ),
        (
            "bad email",
            json!({ "title": "t", "description": "d", "reporter_email": "nope" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
            Some("reporter_email"),
        ),
        (
            "unknown component",
            json!({ "title": "t", "description": "d", "component": "cobol" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_component",
            Some("component"),
        ),
        (
            "script url",
            json!({ "title": "t", "description": "d", "already_public": true, "public_link": "javascript:alert(1)" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_url",
            Some("public_link"),
        ),
        (
            "multi-line title",
            json!({ "title": "a\nb", "description": "d" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_single_line",
            Some("title"),
        ),
        (
            "a right-to-left override in the title (issue 11)",
            json!({ "title": "Invoice \u{202e}gpj.exe", "description": "d" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invisible_character",
            Some("title"),
        ),
    ];
    for (what, body, status, code, field) in cases {
        let (s, v) = t.post(reports, None, body).await;
        assert_eq!(s, status, "{what}: {v}");
        assert_eq!(v["error"]["code"], code, "{what}: {v}");
        assert_eq!(v["error"]["field"].as_str(), field, "{what}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }

    let raw = |body: &'static str, ct: Option<&'static str>| {
        let mut r = t.req(Method::POST, reports, None).body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r
    };
    let (s, v) = json_of(
        raw(
            r#"{"title": "x", "description": "y""#,
            Some("application/json"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json")),
        "{v}"
    );
    let (s, v) = json_of(
        raw(r#"{"title": "x", "description": "y"}"#, Some("text/plain"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("unsupported_media_type")
        ),
        "{v}"
    );
    let (s, v) = json_of(
        raw(r#"{"title": "x", "description": "y"}"#, None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");

    let huge = json!({ "title": "t", "description": "d".repeat(200_000) });
    let (s, v) = t.post(reports, None, huge).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{v}"
    );

    let (s, v) = t
        .post("/api/v1/projects/nope/reports", None, minimal_report("x"))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found")),
        "{v}"
    );

    assert_eq!(
        case_count(&t, &sam.token).await,
        0,
        "nothing refused was stored"
    );
    t.report("connect", minimal_report("a good one")).await;
    assert_eq!(case_count(&t, &sam.token).await, 1);
}

#[tokio::test]
async fn bad_tokens_are_401_and_repeated_ones_are_slowed() {
    let t = TestApp::build(Db::Sqlite, |s| s.auth.bad_tokens_per_minute = 3).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    for bad in ["emb_pat_nope", "emb_trk_nope", "garbage"] {
        let (s, v) = t.get("/api/v1/projects/connect/cases", Some(bad)).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token")),
            "{v}"
        );
    }
    let res = t
        .req(Method::GET, "/api/v1/me", None)
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // The budget is spent: even a good token from this address now waits.
    let (s, v) = t.get("/api/v1/me", Some(&sam.token)).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
        "{v}"
    );
}

#[tokio::test]
async fn illegal_transitions_are_409_and_change_nothing() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("r")).await;
    let case = format!("/api/v1/cases/{id}");

    let (s, v) = t
        .post(
            &format!("{case}/decision"),
            Some(&sam.token),
            json!({ "outcome": "confirmed" }),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("acknowledge it first"),
        "{v}"
    );

    let (s, v) = t
        .post(
            &format!("{case}/questions/1/answer"),
            Some(&tracking),
            json!({ "body": "?" }),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "answering a question never asked: {v}"
    );

    t.post(&format!("{case}/acknowledge"), Some(&sam.token), json!({}))
        .await;
    t.post(
        &format!("{case}/decision"),
        Some(&sam.token),
        json!({ "outcome": "rejected", "reason": "out-of-scope" }),
    )
    .await;
    let (s, v) = t
        .post(&format!("{case}/claim"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "claiming a rejected case: {v}");

    let (_, events) = t.get(&format!("{case}/events"), Some(&sam.token)).await;

    let events = events["items"].clone();
    assert_eq!(
        events.as_array().unwrap().len(),
        3,
        "submitted, acknowledged, decided: the refusals left no trace"
    );

    let (s, v) = t
        .post(
            &format!("{case}/decision"),
            Some(&sam.token),
            json!({ "outcome": "maybe" }),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("outcome")),
        "{v}"
    );
}

/// Issue 11, item 7 over HTTP: a body with data after its object is refused with
/// `malformed_json` and stores nothing; an attachment whose name hides a direction
/// override is refused naming `filename`, and nothing is attached.
async fn strict_input(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let reports = "/api/v1/projects/connect/reports";
    for body in [
        r#"{"title": "a", "description": "b"}{"title": "c", "description": "d"}"#,
        r#"{"title": "a", "description": "b"},garbage"#,
    ] {
        let res = t
            .req(Method::POST, reports, None)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, v) = json_of(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(v["error"]["code"], "malformed_json", "{body}");
    }
    assert_eq!(case_count(&t, &sam.token).await, 0);

    let (id, tracking) = t.report("connect", minimal_report("a title")).await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("Invoice \u{202e}gpj.exe"),
    );
    let res = t
        .req(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments"),
            Some(&tracking),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "invisible_character");
    assert_eq!(v["error"]["field"], "filename");
    let (_, case) = t
        .get(&format!("/api/v1/cases/{id}"), Some(&sam.token))
        .await;
    assert_eq!(
        case["attachments"].as_array().map(Vec::len),
        Some(0),
        "{case}"
    );
}

#[tokio::test]
async fn strict_input_on_sqlite() {
    strict_input(Db::Sqlite).await;
}

#[tokio::test]
async fn strict_input_on_postgres() {
    strict_input(Db::Postgres).await;
}
