//! The release of a case through the API and the pages (C6, C17, C18, C19, V8, V9): a
//! plan whose date the reporter agrees to or moves with a reason, the coordinator's
//! override after the reporter's silence, release notes that refuse to be final while a
//! field is missing, a disclosure scheduled for the release time that the worker carries
//! out (or refuses, saying why) with the manual clock, and the post-mortem that closes
//! the case. Each scenario runs on both databases.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const DAY: SignedDuration = SignedDuration::from_hours(24);

struct Fixture {
    t: TestApp,
    ada: Person,
    sam: Person,
}

async fn fixture(db: Db) -> Fixture {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let (s, v) = t
        .post(
            "/api/v1/projects/connect/components/go/branches",
            Some(&ada.token),
            json!({ "name": "release-1.16", "kind": "supported" }),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    Fixture { t, ada, sam }
}

/// A confirmed case Sam coordinates, with its advisory; with `cve_and_score`, its CVE
/// ID and final CVSS too. Returns (case path, id, tracking token).
async fn confirmed(f: &Fixture, cve_and_score: bool) -> (String, String, String) {
    let t = &f.t;
    let (id, tracking) = t
        .report(
            "connect",
            json!({ "title": "Frame bomb", "description": "Steps to reproduce: secret details", "component": "go" }),
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
    let (s, v) = put(
        t,
        &format!("{case}/advisory"),
        &f.sam.token,
        json!({
            "summary": "Unbounded allocation in the frame decoder",
            "affected": [{ "component": "go", "introduced": "1.14.0", "fixed": "1.17.0" }]
        }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    if cve_and_score {
        score(f, &case).await;
    }
    (case, id, tracking)
}

async fn score(f: &Fixture, case: &str) {
    let (s, v) =
        f.t.post(
            &format!("{case}/cve"),
            Some(&f.sam.token),
            json!({ "assigned": "CVE-2026-4242" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = put(
        &f.t,
        &format!("{case}/cvss"),
        &f.sam.token,
        json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "A remote client exhausts the server's memory." }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
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

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// The fields an error names: every one of its `details`, or its one `field`.
fn fields(v: &Value) -> Vec<&str> {
    match v["error"]["details"].as_array() {
        Some(all) => all.iter().map(|f| f["field"].as_str().unwrap()).collect(),
        None => vec![
            v["error"]["field"]
                .as_str()
                .unwrap_or_else(|| panic!("no field in {v}")),
        ],
    }
}

fn in_days(t: &TestApp, days: i32) -> String {
    (t.app.now() + DAY * days).to_string()
}

async fn c6_v9_a_date_agreed_with_the_reporter(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let (case, _, tracking) = confirmed(&f, false).await;
    let before = events(t, &case, &f.sam.token).await.len();

    // Bad plans: 422 naming the field, nothing stored.
    for (plan, field, words) in [
        (json!({ "at": "2020-01-01T00:00:00Z" }), "at", "in the past"),
        (json!({ "at": "2099-01-01T12:00:00" }), "at", "no time zone"),
        (json!({ "at": "soon" }), "at", "not a time"),
        (
            json!({ "at": "2099-01-01 12:00 UTC", "versions": [{ "branch": "release-1.16", "version": "1.17.0" }] }),
            "versions[0].version",
            "not a version of branch `release-1.16`",
        ),
        (
            json!({ "at": "2099-01-01 12:00 UTC", "versions": [{ "branch": "main", "version": "1.16.4" }] }),
            "versions[0].version",
            "is a version of branch `release-1.16`, not of `main`",
        ),
        (
            json!({ "at": "2099-01-01 12:00 UTC", "versions": [{ "branch": "release-9", "version": "9.0.0" }] }),
            "versions[0].branch",
            "not a branch",
        ),
    ] {
        let (s, v) = put(t, &format!("{case}/release-plan"), &f.sam.token, plan).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(fields(&v), [field], "{v}");
        assert!(v.to_string().contains(words), "{words}: {v}");
    }
    assert_eq!(events(t, &case, &f.sam.token).await.len(), before);

    // The coordinator proposes; the reporter sees the plan in UTC.
    let mut plan = release_plan(t);
    plan["versions"] = json!([
        { "branch": "main", "version": "1.17.0" },
        { "branch": "release-1.16", "version": "1.16.3" }
    ]);
    let (s, v) = put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        plan.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "confirmed");
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    let at_utc = mine["release"]["plan"]["at_utc"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(at_utc.ends_with(" UTC") && at_utc.len() == 20, "{at_utc}");
    assert_eq!(mine["release"]["agreement"], Value::Null);
    assert!(mine["release"].get("notes_final").is_none(), "team only");

    // The reporter proposes another date: a reason is required.
    let other = in_days(t, 12);
    let (s, v) = t
        .post(
            &format!("{case}/release-plan/date"),
            Some(&tracking),
            json!({ "at": other, "reason": "" }),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"])
    );
    let (s, v) = t
        .post(
            &format!("{case}/release-plan/date"),
            Some(&tracking),
            json!({ "at": other, "reason": "I present it at a conference on day 11" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The team may not answer for the reporter, and the reporter not for the team.
    let (s, _) = t
        .post(
            &format!("{case}/release-plan/date"),
            Some(&f.sam.token),
            json!({ "at": other, "reason": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The coordinator accepts it: the case is release-planned at the reporter's date.
    let (s, v) = t
        .post(
            &format!("{case}/release-plan/accept"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "release-planned");
    assert_eq!(v["release"]["agreement"], "agreed");
    assert_eq!(v["release"]["plan"]["at"], json!(other));

    // A change of date needs a reason, reopens the agreement, and the reporter sees why.
    plan["at"] = json!(in_days(t, 14));
    let (s, v) = put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        plan.clone(),
    )
    .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"])
    );
    plan["reason"] = json!("The backport to 1.16 needs two more days.");
    let (s, v) = put(t, &format!("{case}/release-plan"), &f.sam.token, plan).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "confirmed");
    let (s, v) = t
        .post(
            &format!("{case}/release-plan/accept"),
            Some(&tracking),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "release-planned");
    let seen = events(t, &case, &tracking).await;
    let k = kinds(&seen);
    assert_eq!(
        k[k.len() - 5..],
        [
            "release_plan_proposed",
            "release_date_counter_proposed",
            "release_date_agreed",
            "release_plan_proposed",
            "release_date_agreed"
        ]
    );
    assert_eq!(
        seen[seen.len() - 2]["data"]["reason"],
        "The backport to 1.16 needs two more days."
    );

    // The tracking page shows the plan and the reporter's forms.
    let page = WebClient::new(t).get(&format!("/track/{tracking}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Release plan"), "{}", page.html);
    assert!(page.html.contains("agreed with the reporter"));
    assert!(
        page.html
            .contains(&format!("/track/{tracking}/release/date"))
    );
}

#[tokio::test]
async fn c6_v9_a_date_agreed_with_the_reporter_on_sqlite() {
    c6_v9_a_date_agreed_with_the_reporter(Db::Sqlite).await;
}

#[tokio::test]
async fn c6_v9_a_date_agreed_with_the_reporter_on_postgres() {
    c6_v9_a_date_agreed_with_the_reporter(Db::Postgres).await;
}

async fn c6_the_coordinator_sets_the_date_after_the_reporters_silence(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    // The wait is the policy's `reporter_silence`; here three days, and SECURITY.md says so.
    let (s, v) = t
        .put(
            "/api/v1/projects/connect/policy",
            Some(&f.ada.token),
            json!({ "toml": "reporter_silence = \"3 days\"\n" }),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    let md = t
        .req(Method::GET, "/p/connect/SECURITY.md", None)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains("if we hear nothing within 3 days"), "{md}");
    let (case, id, tracking) = confirmed(&f, false).await;
    let (s, c) = put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let until = t.app.now() + DAY * 3;
    assert_eq!(
        c["release"]["reporter_silent_until"],
        json!(until.to_string()),
        "{c}"
    );
    let page = t
        .signed_in(&f.sam.email)
        .await
        .get(&format!("/cases/{id}"))
        .await;
    assert!(
        page.html.contains(&format!(
            "the coordinator may set it from {}",
            until.strftime("%Y-%m-%d %H:%M UTC")
        )),
        "the page says when"
    );
    let over = json!({ "reason": "No answer from the reporter in three days." });
    t.clock.advance(DAY * 3 - SignedDuration::from_secs(60));
    let (s, v) = t
        .post(
            &format!("{case}/release-plan/override"),
            Some(&f.sam.token),
            over.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("has until"), "{v}");
    t.clock.advance(SignedDuration::from_secs(60));
    let (s, v) = t
        .post(
            &format!("{case}/release-plan/override"),
            Some(&f.sam.token),
            over,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "release-planned");
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(mine["release"]["agreement"], "overridden");
    assert_eq!(
        mine["release"]["override_reason"],
        "No answer from the reporter in three days."
    );
    assert_eq!(
        kinds(&events(t, &case, &tracking).await).last(),
        Some(&"release_date_overridden")
    );
}

#[tokio::test]
async fn c6_silence_override_on_sqlite() {
    c6_the_coordinator_sets_the_date_after_the_reporters_silence(Db::Sqlite).await;
}

#[tokio::test]
async fn c6_silence_override_on_postgres() {
    c6_the_coordinator_sets_the_date_after_the_reporters_silence(Db::Postgres).await;
}

async fn c17_release_notes_name_what_they_miss(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let (case, id, tracking) = confirmed(&f, false).await;
    let (s, _) = put(
        t,
        &format!("{case}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let before = events(t, &case, &f.sam.token).await.len();
    let (s, v) = t
        .post(
            &format!("{case}/release-notes/finalize"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), ["cve_id", "severity", "impact"], "{v}");
    assert_eq!(events(t, &case, &f.sam.token).await.len(), before);
    // The draft shows the gaps in place; the reporter reads the notes only once public.
    let res = t
        .req(
            Method::GET,
            &format!("{case}/release-notes"),
            Some(&f.sam.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    let draft = res.text().await.unwrap();
    assert!(draft.contains("_to be written_"), "{draft}");
    let (s, _) = t
        .get(&format!("{case}/release-notes"), Some(&tracking))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    score(&f, &case).await;
    let (s, v) = t
        .post(
            &format!("{case}/release-notes/finalize"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["release"]["notes_final"], true);
    let notes = t
        .req(
            Method::GET,
            &format!("{case}/release-notes"),
            Some(&f.sam.token),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in [
        "CVE-2026-4242",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "A remote client exhausts the server's memory.",
        "Limit the maximum frame size at the proxy.",
        "Upgrade to 1.17.0.",
        "1.17.0",
        &format!("/advisories/{id}"),
    ] {
        assert!(notes.contains(part), "{part}: {notes}");
    }
    assert!(!notes.contains("_to be written_"), "{notes}");
    assert!(
        !notes.contains("secret details"),
        "the report stays internal"
    );
}

#[tokio::test]
async fn c17_release_notes_on_sqlite() {
    c17_release_notes_name_what_they_miss(Db::Sqlite).await;
}

#[tokio::test]
async fn c17_release_notes_on_postgres() {
    c17_release_notes_name_what_they_miss(Db::Postgres).await;
}

async fn v8_c18_disclosure_scheduled_for_the_release_time(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    // Two cases: one ready at the release time, one whose notes are still a draft.
    let (ready, ready_id, ready_tracking) = confirmed(&f, true).await;
    release_ready(t, &ready_id, &f.sam.token, &ready_tracking).await;
    let (draft, draft_id, draft_tracking) = confirmed(&f, true).await;
    let (s, _) = put(
        t,
        &format!("{draft}/release-plan"),
        &f.sam.token,
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Nothing to schedule before the reporter agreed.
    let (s, v) = t
        .post(
            &format!("{draft}/disclosure/schedule"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = t
        .post(
            &format!("{draft}/release-plan/accept"),
            Some(&draft_tracking),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Disclose now is refused naming what is missing.
    let (s, v) = t
        .post(&format!("{draft}/disclose"), Some(&f.sam.token), json!({}))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::CONFLICT, vec!["release_notes"])
    );

    for case in [&ready, &draft] {
        let (s, v) = t
            .post(
                &format!("{case}/disclosure/schedule"),
                Some(&f.sam.token),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["release"]["disclosure_scheduled_at"].is_string(), "{v}");
    }
    // Unschedule and schedule again: the first timer finds nothing to do.
    let (s, _) = json_of(
        t.req(
            Method::DELETE,
            &format!("{ready}/disclosure/schedule"),
            Some(&f.sam.token),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .post(
            &format!("{ready}/disclosure/schedule"),
            Some(&f.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Before the release time nothing is due and nothing is public.
    run_due(&t.app).await.unwrap();
    let web = WebClient::new(t);
    assert_eq!(
        web.get(&format!("/advisories/{ready_id}")).await.status,
        StatusCode::NOT_FOUND
    );

    t.clock.advance(DAY * 10);
    assert!(run_due(&t.app).await.unwrap() >= 3, "three timers fall due");
    let (_, v) = t.get(&ready, Some(&f.sam.token)).await;
    assert_eq!(v["stage"], "disclosed", "{v}");
    let timeline = events(t, &ready, &ready_tracking).await;
    let last = timeline.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["actor"]["kind"].as_str()),
        (Some("disclosed"), Some("system"))
    );
    assert_eq!(
        kinds(&timeline)
            .iter()
            .filter(|k| **k == "disclosed")
            .count(),
        1
    );
    let page = web.get(&format!("/advisories/{ready_id}")).await;
    assert_eq!(page.status, StatusCode::OK);

    // The draft: nothing went public, and the team's timeline says why.
    let (_, v) = t.get(&draft, Some(&f.sam.token)).await;
    assert_eq!(v["stage"], "release-planned");
    assert_eq!(v["release"]["disclosure_scheduled_at"], Value::Null);
    let team = events(t, &draft, &f.sam.token).await;
    let refused = team.last().unwrap();
    assert_eq!(refused["type"], "scheduled_disclosure_refused");
    assert!(
        refused["data"]["blockers"][0]
            .as_str()
            .unwrap()
            .contains("release notes")
    );
    assert!(
        !kinds(&events(t, &draft, &draft_tracking).await).contains(&"scheduled_disclosure_refused")
    );
    assert_eq!(
        web.get(&format!("/advisories/{draft_id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn v8_c18_scheduled_disclosure_on_sqlite() {
    v8_c18_disclosure_scheduled_for_the_release_time(Db::Sqlite).await;
}

#[tokio::test]
async fn v8_c18_scheduled_disclosure_on_postgres() {
    v8_c18_disclosure_scheduled_for_the_release_time(Db::Postgres).await;
}

async fn c19_the_post_mortem_is_published_and_closes_the_case(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let (case, id, tracking) = confirmed(&f, true).await;
    let pm = json!({
        "summary": "A length prefix was trusted.",
        "root_cause": "The decoder allocated the length a frame header announced.",
        "went_well": ["The reporter's proof of concept was precise."],
        "to_improve": ["The backport took two days."],
        "prevention": ["Fuzz the frame decoder in CI."]
    });
    // Not before disclosure.
    let (s, _) = t
        .post(
            &format!("{case}/post-mortem"),
            Some(&f.sam.token),
            pm.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    release_ready(t, &id, &f.sam.token, &tracking).await;
    let (s, _) = t
        .post(&format!("{case}/disclose"), Some(&f.sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let web = WebClient::new(t);
    assert_eq!(
        web.get(&format!("/advisories/{id}/post-mortem"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The case page offers the form, prefilled with the public timeline.
    let team = t.signed_in(&f.sam.email).await;
    let page = team.get(&format!("/cases/{id}")).await;
    assert!(
        page.html.contains("Publish and close the case"),
        "{}",
        page.html
    );

    let (s, v) = t
        .post(
            &format!("{case}/post-mortem"),
            Some(&f.sam.token),
            json!({ "root_cause": "" }),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["root_cause", "prevention"]
        )
    );
    let (s, v) = t
        .post(&format!("{case}/post-mortem"), Some(&f.sam.token), pm)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "closed");
    let post_mortem_clock = v["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "post-mortem");
    if let Some(c) = post_mortem_clock {
        assert_eq!(c["state"], "met", "{c}");
    }

    let html = web.get(&format!("/advisories/{id}/post-mortem")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.html.contains("The decoder allocated the length"),
        "{}",
        html.html
    );
    assert!(html.html.contains("Fuzz the frame decoder in CI."));
    let md = t
        .req(
            Method::GET,
            &format!("/advisories/{id}/post-mortem.md"),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(md.status(), StatusCode::OK);
    let md = md.text().await.unwrap();
    assert!(md.contains("The decoder allocated the length"), "{md}");
    // Public facts only: no names, nothing from the embargoed report.
    for secret in ["secret details", "sam@example.org", "Frame bomb"] {
        assert!(!md.contains(secret), "{secret}: {md}");
        assert!(!html.html.contains(secret), "{secret}");
    }
    // Linked from the advisory page and the release notes.
    let advisory = web.get(&format!("/advisories/{id}")).await;
    assert!(
        advisory
            .html
            .contains(&format!("/advisories/{id}/post-mortem"))
    );
    let notes = t
        .req(
            Method::GET,
            &format!("{case}/release-notes"),
            Some(&tracking),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        notes.contains(&format!("/advisories/{id}/post-mortem")),
        "{notes}"
    );
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(mine["stage"], "closed");
    assert_eq!(
        kinds(&events(t, &case, &tracking).await).last(),
        Some(&"post_mortem_published")
    );
}

#[tokio::test]
async fn c19_post_mortem_on_sqlite() {
    c19_the_post_mortem_is_published_and_closes_the_case(Db::Sqlite).await;
}

#[tokio::test]
async fn c19_post_mortem_on_postgres() {
    c19_the_post_mortem_is_published_and_closes_the_case(Db::Postgres).await;
}

#[tokio::test]
async fn c6_web_forms_keep_what_was_typed() {
    let f = fixture(Db::Sqlite).await;
    let t = &f.t;
    let (_, id, tracking) = confirmed(&f, false).await;
    let team = t.signed_in(&f.sam.email).await;
    let out = team
        .submit(
            &format!("/cases/{id}"),
            &format!("/cases/{id}/actions/release-plan"),
            &[
                ("at", "2099-01-01T12:00:00"),
                ("versions", "main 1.17.0"),
                ("mitigation", "Typed mitigation"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.html.contains("2099-01-01T12:00:00"), "typed value kept");
    assert!(out.html.contains("Typed mitigation"));
    assert!(out.html.contains("field-error"), "{}", out.html);
    let out = team
        .submit(
            &format!("/cases/{id}"),
            &format!("/cases/{id}/actions/release-plan"),
            &[
                ("at", &in_days(t, 10)),
                ("versions", "main 1.17.0\nrelease-1.16 1.16.3"),
                ("mitigation", "Typed mitigation"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    // The reporter accepts on the tracking page.
    let reporter = WebClient::new(t);
    let out = reporter
        .submit(
            &format!("/track/{tracking}"),
            &format!("/track/{tracking}/release/accept"),
            &[],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (_, v) = t
        .get(&format!("/api/v1/cases/{id}"), Some(&f.sam.token))
        .await;
    assert_eq!(v["stage"], "release-planned");
}
