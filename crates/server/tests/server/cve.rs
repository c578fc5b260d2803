//! CVE IDs from CVE Services (policy step C14) through the outbox worker, against a
//! local double of CVE Services that answers as its documentation says: reservation,
//! publication at disclosure, the service's refusals on the timeline, retries.

use super::support::*;
use embargo_core::project::Role;
use embargo_cve_services::double::{Double, Failure, ORG};
use embargo_cve_services::{CveId, IdState};
use embargo_server::worker::run_due;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(super) async fn with_double(double: &Double) -> TestApp {
    with_double_on(Db::Sqlite, double).await
}

pub(super) async fn with_double_on(db: Db, double: &Double) -> TestApp {
    let (base, key) = (
        double.base_url(),
        double.credentials().api_key.expose().to_owned(),
    );
    TestApp::build(db, move |s| {
        s.cve_services.base_url = base;
        s.cve_services.org = ORG.into();
        s.cve_services.user = embargo_cve_services::double::USER.into();
        s.cve_services.api_key = key;
        s.cve_services.allow_local_http = true;
    })
    .await
}

/// A confirmed case coordinated by Sam, in a project that is its own CNA.
pub(super) async fn confirmed(t: &TestApp) -> (Person, String, String) {
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let res = t
        .req(Method::PATCH, "/api/v1/projects/connect", Some(&ada.token))
        .json(
            &json!({ "cna_short_name": ORG, "cna_org_id": "8254265b-2729-46b6-b9e3-3dfca2d5bfca" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Frame bomb")).await;
    let case = format!("/api/v1/cases/{id}");
    // Ada is included at once (C10), so no clock timer of the case falls in the days
    // these tests walk through: the jobs they count are CVE work only.
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("collaborators", json!({ "user_id": ada.id })),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    let res = t
        .req(Method::PUT, &format!("{case}/advisory"), Some(&sam.token))
        .json(&json!({
            "summary": "Unbounded allocation in the frame decoder",
            "details": "A frame header makes the server allocate 2 GiB.",
            "cwes": ["CWE-400: Uncontrolled Resource Consumption"],
            "affected": [{ "component": "go", "introduced": "0", "fixed": "1.16.2" }],
            "references": [{ "url": "https://github.com/connectrpc/connect-go/pull/1", "kind": "fix" }],
            "credits": [{ "name": "Rae Porter", "kind": "finder" }]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    (sam, id, tracking)
}

pub(super) async fn cve_of(t: &TestApp, id: &str, token: &str) -> Value {
    t.get(&format!("/api/v1/cases/{id}"), Some(token)).await.1["cve"].clone()
}

#[tokio::test]
async fn c14_an_id_is_reserved_and_the_record_published_at_disclosure() {
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let t = with_double(&double).await;
    let (sam, id, tracking) = confirmed(&t).await;
    let case = format!("/api/v1/cases/{id}");

    let (s, v) = t
        .post(&format!("{case}/cve"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cve"]["state"], "requested");
    // Nothing is sent from the request itself: the worker does it, woken at once.
    assert!(double.requests().is_empty());
    tokio::time::timeout(std::time::Duration::from_secs(10), t.app.work_queued())
        .await
        .expect("queued work wakes the worker");
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let cve = cve_of(&t, &id, &tracking).await;
    assert_eq!(cve["state"], "reserved", "the reporter sees it: {cve}");
    let cve_id = cve["id"].as_str().unwrap().to_owned();
    assert!(cve_id.starts_with("CVE-2026-"), "{cve_id}");
    let parsed = CveId::parse(&cve_id).unwrap();
    assert_eq!(double.id_state(&parsed), Some(IdState::Reserved));
    let sent = &double.requests()[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/api/cve-id")
    );
    assert!(
        sent.query
            .as_deref()
            .unwrap()
            .contains("short_name=embargo")
    );
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "done is done");

    // C18: disclosure publishes the record, valid by CVE Services' own check.
    let res = t
        .req(Method::PUT, &format!("{case}/cvss"), Some(&sam.token))
        .json(&json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "Denial of service." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Disclosure's gate (V8): a mitigation.
    let res = t
        .req(Method::PUT, &format!("{case}/mitigation"), Some(&sam.token))
        .json(&json!({ "text": "Limit the frame size." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    release_ready(&t, &id, &sam.token, &tracking).await;
    let (s, _) = t
        .post(&format!("{case}/disclose"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    // The record's publication, and the fixed-vulnerability notice disclosure queues
    // (the project has no channel: nothing goes anywhere).
    assert_eq!(run_due(&t.app).await.unwrap(), 2);
    let cve = cve_of(&t, &id, &tracking).await;
    assert_eq!(cve["state"], "published", "{cve}");
    let record = double.record(&parsed).expect("published at CVE Services");
    assert_eq!(
        record["containers"]["cna"]["title"],
        "Unbounded allocation in the frame decoder"
    );
    let (_, events) = t.get(&format!("{case}/events"), Some(&tracking)).await;
    let events = events["items"].clone();
    let kinds: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for k in [
        "cve_requested",
        "cve_reserved",
        "disclosed",
        "cve_published",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let by_system = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "cve_reserved")
        .unwrap();
    assert_eq!(by_system["actor"]["kind"], "system");

    // The daily watch of the reserved ID ends with its publication, asking nothing.
    let asked = double.requests().len();
    t.clock.advance(jiff::SignedDuration::from_hours(24));
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    assert_eq!(
        double.requests().len(),
        asked,
        "a published ID is not watched"
    );
    t.clock.advance(jiff::SignedDuration::from_hours(48));
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "the watch is over");
}

/// C14: a reserved ID is checked daily at CVE Services. An outage only delays the
/// check; an ID the CVE Program rejects reaches the case (and the reporter), and a
/// new one may be requested.
#[tokio::test]
async fn c14_a_reserved_id_is_watched_and_its_rejection_reaches_the_case() {
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let t = with_double(&double).await;
    let (sam, id, tracking) = confirmed(&t).await;
    let case = format!("/api/v1/cases/{id}");
    t.post(&format!("{case}/cve"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let cve_id = cve_of(&t, &id, &tracking).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let parsed = CveId::parse(&cve_id).unwrap();
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "first check tomorrow");

    let day = jiff::SignedDuration::from_hours(24);
    t.clock.advance(day);
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let last = double.requests().last().cloned().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("GET", format!("/api/cve-id/{cve_id}").as_str())
    );
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "reserved");
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "next check tomorrow");

    // An outage delays the check and leaves the case alone.
    double.fail_next(1, Failure::Unavailable);
    t.clock.advance(day);
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "reserved");

    assert!(double.reject_id(&parsed));
    t.clock.advance(day);
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let cve = cve_of(&t, &id, &tracking).await;
    assert_eq!(cve["state"], "rejected", "the reporter sees it: {cve}");
    let message = cve["message"].as_str().unwrap();
    assert!(
        message.contains(&cve_id) && message.contains("REJECTED"),
        "{message}"
    );
    let (_, events) = t.get(&format!("{case}/events"), Some(&tracking)).await;
    let events = events["items"].clone();
    let rejected = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "cve_id_rejected")
        .expect("on the reporter's timeline");
    assert_eq!(rejected["data"]["id"], cve_id.as_str());
    assert_eq!(rejected["actor"]["kind"], "system");
    t.clock.advance(day * 2);
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "the watch is over");

    let (s, v) = t
        .post(&format!("{case}/cve"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let again = cve_of(&t, &id, &tracking).await;
    assert_eq!(again["state"], "reserved");
    assert_ne!(again["id"], cve_id.as_str(), "a new ID");
    assert_eq!(double.id_state(&parsed), Some(IdState::Rejected));
}

#[tokio::test]
async fn refusals_reach_the_timeline_and_outages_are_retried() {
    let double = Double::builder()
        .year_range(2026, 1000, 9999)
        .id_quota(ORG, 0)
        .start()
        .await;
    let t = with_double(&double).await;
    let (sam, id, tracking) = confirmed(&t).await;
    let case = format!("/api/v1/cases/{id}");
    t.post(&format!("{case}/cve"), Some(&sam.token), json!({}))
        .await;
    run_due(&t.app).await.unwrap();
    let cve = cve_of(&t, &id, &tracking).await;
    assert_eq!(cve["state"], "rejected");
    assert!(
        cve["message"]
            .as_str()
            .unwrap()
            .contains("EXCEEDED_ID_QUOTA"),
        "{cve}"
    );

    // An outage: the job waits and is tried again; asking again is allowed after a failure.
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let t = with_double(&double).await;
    let (sam, id, tracking) = confirmed(&t).await;
    let case = format!("/api/v1/cases/{id}");
    t.post(&format!("{case}/cve"), Some(&sam.token), json!({}))
        .await;
    double.fail_next(2, Failure::Unavailable);
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "requested");
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "not due yet");
    t.clock.advance(jiff::SignedDuration::from_mins(1));
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "requested");
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    run_due(&t.app).await.unwrap();
    assert_eq!(cve_of(&t, &id, &tracking).await["state"], "reserved");
}

#[tokio::test]
async fn without_cve_services_the_request_is_refused_and_an_assigned_id_works() {
    let t = TestApp::new().await;
    let (sam, id, _) = confirmed(&t).await;
    let case = format!("/api/v1/cases/{id}");
    let (s, v) = t
        .post(&format!("{case}/cve"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("cve_services_off")),
        "{v}"
    );
    assert!(cve_of(&t, &id, &sam.token).await.is_null());
    let (s, v) = t
        .post(
            &format!("{case}/cve"),
            Some(&sam.token),
            json!({ "assigned": "CVE-2026-31337" }),
        )
        .await;
    assert_eq!(
        (s, v["cve"]["state"].as_str()),
        (StatusCode::OK, Some("assigned"))
    );
}

#[tokio::test]
async fn refused_credentials_fail_the_request_without_retrying_and_without_the_key() {
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let base = double.base_url();
    let t = TestApp::build(Db::Sqlite, move |s| {
        s.cve_services.base_url = base;
        s.cve_services.org = ORG.into();
        s.cve_services.user = embargo_cve_services::double::USER.into();
        s.cve_services.api_key = "wrong-key-do-not-print".into();
        s.cve_services.allow_local_http = true;
    })
    .await;
    let (sam, id, tracking) = confirmed(&t).await;
    t.post(
        &format!("/api/v1/cases/{id}/cve"),
        Some(&sam.token),
        json!({}),
    )
    .await;
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let cve = cve_of(&t, &id, &tracking).await;
    assert_eq!(cve["state"], "failed", "{cve}");
    let message = cve["message"].as_str().unwrap();
    assert!(
        message.contains("credentials") && !message.contains("wrong-key-do-not-print"),
        "{message}"
    );
    t.clock.advance(jiff::SignedDuration::from_hours(3));
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "not retried");
    // The coordinator may ask again once the settings are fixed.
    let (s, _) = t
        .post(
            &format!("/api/v1/cases/{id}/cve"),
            Some(&sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
