//! Reminders and escalation, exactly once (issue 8 item 3, C3), the notifications
//! they become, moving clocks (V2), slowing a low-severity case (C16, V7) and a policy
//! change recomputing the clocks of open cases. The test app's clock is moved by hand;
//! the worker runs when the test says.
//!
//! The report arrives at T0, Monday 2026-09-21 14:13:20 UTC (the connect preset runs
//! in UTC): acknowledge (C3) is due at the end of the fifth working day, Monday
//! 2026-09-28 24:00, so the reminder one working day before falls at 2026-09-28T00:00Z.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const REMINDER: &str = "2026-09-28T00:00:00Z";
const DUE: &str = "2026-09-29T00:00:00Z";

struct Desk {
    t: TestApp,
    sam: Person,
    ada: Person,
    cody: Person,
    otto: Person,
    olga: Person,
}

async fn desk(db: Db) -> Desk {
    desk_of(TestApp::on(db).await).await
}

async fn desk_of(t: TestApp) -> Desk {
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    Desk {
        sam: t
            .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
            .await,
        ada: t
            .person("ada@example.org", Some(("connect", Role::Admin)))
            .await,
        cody: t
            .person("cody@example.org", Some(("connect", Role::Maintainer)))
            .await,
        otto: t
            .person("otto@example.org", Some(("connect", Role::Maintainer)))
            .await,
        olga: t
            .person("olga@example.org", Some(("vitess", Role::SecurityTeam)))
            .await,
        t,
    }
}

/// A report that Cody coordinates (added by Sam, then claimed), not acknowledged.
async fn case_for_cody(d: &Desk, title: &str) -> (String, String) {
    let (id, tracking) = d.t.report("connect", minimal_report(title)).await;
    let ok = |(s, v): (StatusCode, Value)| assert!(s.is_success(), "{s} {v}");
    ok(d.t
        .post(
            &format!("/api/v1/cases/{id}/collaborators"),
            Some(&d.sam.token),
            json!({ "user_id": d.cody.id }),
        )
        .await);
    ok(d.t
        .post(
            &format!("/api/v1/cases/{id}/claim"),
            Some(&d.cody.token),
            json!({}),
        )
        .await);
    (id, tracking)
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn advance_to(t: &TestApp, when: &str) {
    let by = at(when).duration_since(t.app.now());
    assert!(by >= SignedDuration::ZERO, "the clock only moves forward");
    t.clock.advance(by);
}

async fn events_of(t: &TestApp, id: &str, token: &str, kind: &str) -> Vec<Value> {
    let (s, v) = t
        .get(&format!("/api/v1/cases/{id}/events?limit=200"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .cloned()
        .collect()
}

async fn notifications(t: &TestApp, token: &str) -> Value {
    let (s, v) = t.get("/api/v1/notifications", Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn items(v: &Value) -> Vec<(String, String, String)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["clock"].as_str().unwrap().to_owned(),
                n["case_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn c3_reminder_then_escalation_exactly_once(db: Db) {
    let d = desk(db).await;
    let t = &d.t;
    let (id, tracking) = case_for_cody(&d, "acknowledge me").await;
    // Acknowledged before its due time: this one never escalates.
    let (calm, _) = case_for_cody(&d, "acknowledged in time").await;
    let (s, v) = t
        .post(
            &format!("/api/v1/cases/{calm}/acknowledge"),
            Some(&d.cody.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run_due(&t.app).await.unwrap();
    assert!(
        events_of(t, &id, &d.sam.token, "clock_reminder")
            .await
            .is_empty()
    );

    // A moment before the reminder: nothing; at it: one reminder, for Cody.
    advance_to(t, REMINDER);
    t.clock.advance(SignedDuration::from_micros(-1));
    run_due(&t.app).await.unwrap();
    assert!(
        events_of(t, &id, &d.sam.token, "clock_reminder")
            .await
            .is_empty()
    );
    t.clock.advance(SignedDuration::from_micros(1));
    assert!(run_due(&t.app).await.unwrap() >= 1);
    let reminded = events_of(t, &id, &d.sam.token, "clock_reminder").await;
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    assert_eq!(reminded[0]["data"]["clock"], "acknowledge");
    assert_eq!(reminded[0]["data"]["due_at"], DUE);
    assert_eq!(reminded[0]["actor"]["kind"], "system");
    // The reporter does not see the team's reminders.
    assert!(
        events_of(t, &id, &tracking, "clock_reminder")
            .await
            .is_empty()
    );
    let n = notifications(t, &d.cody.token).await;
    assert_eq!(
        items(&n),
        [("clock_reminder".into(), "acknowledge".into(), id.clone())],
        "{n}"
    );
    assert_eq!(n["unread"], 1);
    assert_eq!(n["items"][0]["case_title"], "acknowledge me");
    // Sam is not named by the reminder rule; Otto and Olga do not see the case.
    for p in [&d.sam, &d.otto, &d.olga] {
        assert!(
            items(&notifications(t, &p.token).await).is_empty(),
            "{}",
            p.email
        );
    }

    // Again: nothing more. A second instance (a restart) finds nothing either.
    assert_eq!(run_due(&t.app).await.unwrap(), 0);
    let other = t.second_instance().await;
    assert_eq!(run_due(&other).await.unwrap(), 0);
    assert_eq!(
        events_of(t, &id, &d.sam.token, "clock_reminder")
            .await
            .len(),
        1
    );

    // Past due: the escalation, to the whole security team (Sam and Ada), once.
    advance_to(t, DUE);
    run_due(&t.app).await.unwrap();
    run_due(&other).await.unwrap();
    let overdue = events_of(t, &id, &d.sam.token, "clock_overdue").await;
    let acknowledge: Vec<_> = overdue
        .iter()
        .filter(|e| e["data"]["clock"] == "acknowledge")
        .collect();
    assert_eq!(acknowledge.len(), 1, "{overdue:?}");
    assert_eq!(acknowledge[0]["data"]["to"], json!(["security-team"]));
    for p in [&d.sam, &d.ada] {
        let n = items(&notifications(t, &p.token).await);
        assert!(
            n.contains(&("clock_overdue".into(), "acknowledge".into(), id.clone())),
            "{}: {n:?}",
            p.email
        );
    }
    assert!(
        !items(&notifications(t, &d.cody.token).await)
            .iter()
            .any(|(k, _, _)| k == "clock_overdue")
    );
    // The case acknowledged in time was reminded of nothing overdue for C3.
    assert!(
        !events_of(t, &calm, &d.sam.token, "clock_overdue")
            .await
            .iter()
            .any(|e| e["data"]["clock"] == "acknowledge")
    );
    assert!(
        events_of(t, &calm, &d.sam.token, "clock_reminder")
            .await
            .iter()
            .all(|e| e["data"]["clock"] != "acknowledge")
    );

    // Marking read: one's own, and no one else's.
    let mine = notifications(t, &d.cody.token).await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let (s, _) = t
        .post(
            &format!("/api/v1/notifications/{mine}/read"),
            Some(&d.sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = t
        .post(
            &format!("/api/v1/notifications/{mine}/read"),
            Some(&d.cody.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let n = notifications(t, &d.cody.token).await;
    assert_eq!(
        (n["unread"].as_u64(), n["items"][0]["read"].as_bool()),
        (Some(0), Some(true))
    );
    let (s, v) = t
        .post("/api/v1/notifications/read", Some(&d.sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["marked"].as_u64().unwrap() >= 1);
    assert_eq!(notifications(t, &d.sam.token).await["unread"], 0);

    // Who may ask at all.
    let (s, _) = t.get("/api/v1/notifications", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = t.get("/api/v1/notifications", Some(&tracking)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Cody hands the case to Sam and leaves it: his notifications no longer show it.
    for (path, body) in [("hand-over", json!({ "user_id": d.sam.id }))] {
        let (s, v) = t
            .post(
                &format!("/api/v1/cases/{id}/{path}"),
                Some(&d.cody.token),
                body,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let res = t
        .req(
            Method::DELETE,
            &format!("/api/v1/cases/{id}/collaborators/{}", d.cody.id),
            Some(&d.sam.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let n = items(&notifications(t, &d.cody.token).await);
    assert!(n.iter().all(|(_, _, case)| *case != id), "{n:?}");
    let (s, _) = t
        .post(
            &format!("/api/v1/notifications/{mine}/read"),
            Some(&d.cody.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn c3_reminder_then_escalation_exactly_once_on_sqlite() {
    c3_reminder_then_escalation_exactly_once(Db::Sqlite).await;
}

#[tokio::test]
async fn c3_reminder_then_escalation_exactly_once_on_postgres() {
    c3_reminder_then_escalation_exactly_once(Db::Postgres).await;
}

/// Two instances on one PostgreSQL, both running their workers at the reminder's
/// moment, and an outage before that: each reminder is recorded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c3_two_instances_on_one_postgres_remind_once() {
    let d = desk(Db::Postgres).await;
    let t = &d.t;
    let mut cases = Vec::new();
    for i in 0..4 {
        cases.push(case_for_cody(&d, &format!("case {i}")).await.0);
    }
    let other = t.second_instance().await;
    advance_to(t, REMINDER);
    let (a, b) = tokio::join!(run_due(&t.app), run_due(&other));
    a.unwrap();
    b.unwrap();
    let (a, b) = tokio::join!(run_due(&t.app), run_due(&other));
    assert_eq!((a.unwrap(), b.unwrap()), (0, 0));
    for id in &cases {
        let r = events_of(t, id, &d.sam.token, "clock_reminder").await;
        assert_eq!(r.len(), 1, "{id}: {r:?}");
    }
    let n = notifications(t, &d.cody.token).await;
    assert_eq!(n["items"].as_array().unwrap().len(), cases.len(), "{n}");
}

async fn v2_moving_a_clock_and_c16_slowing_down(db: Db) {
    let d = desk(db).await;
    let t = &d.t;
    let (id, tracking) = case_for_cody(&d, "move me").await;
    let case = format!("/api/v1/cases/{id}");
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let (_, before) = t.get(&format!("{case}/events"), Some(&d.sam.token)).await;

    // No reason, no move; nothing stored.
    let (s, v) = t
        .post(
            &format!("{case}/clocks/disclosure-target/move"),
            Some(&d.cody.token),
            json!({ "due_at": "2026-11-30T12:00:00Z", "reason": " " }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "reason");
    assert_eq!(v["error"]["code"], "required");
    let (s, v) = t
        .post(
            &format!("{case}/clocks/no-such-clock/move"),
            Some(&d.cody.token),
            json!({ "due_at": "2026-11-30T12:00:00Z", "reason": "r" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "name");
    let (s, v) = t
        .post(
            &format!("{case}/clocks/disclosure-target/move"),
            Some(&d.cody.token),
            json!({ "due_at": "next week", "reason": "r" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "due_at");
    let (_, after) = t.get(&format!("{case}/events"), Some(&d.sam.token)).await;
    assert_eq!(count(&after), count(&before), "nothing stored");

    // With a reason: the clock moves, the reporter sees the move and the new date.
    let (s, v) = t
        .post(
            &format!("{case}/clocks/disclosure-target/move"),
            Some(&d.cody.token),
            json!({ "due_at": "2026-11-30T12:00:00Z", "reason": "agreed with the reporter" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, seen) = t.get(&case, Some(&tracking)).await;
    let disclosure = seen["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "disclosure-target")
        .cloned()
        .unwrap();
    assert_eq!(disclosure["due_at"], "2026-11-30T12:00:00Z");
    assert_eq!(
        disclosure["basis"],
        "moved by the coordinator: agreed with the reporter"
    );
    let moved = events_of(t, &id, &tracking, "clock_moved").await;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["data"]["reason"], "agreed with the reporter");

    // Slowing down (C16): refused over the threshold, and without a decision note.
    let ok = |(s, v): (StatusCode, Value)| {
        assert!(s.is_success(), "{s} {v}");
        v
    };
    ok(t.post(
        &format!("{case}/acknowledge"),
        Some(&d.cody.token),
        json!({}),
    )
    .await);
    ok(t.post(
        &format!("{case}/decision"),
        Some(&d.cody.token),
        json!({ "outcome": "confirmed" }),
    )
    .await);
    let set_cvss = |vector: &'static str| {
        t.req(Method::PUT, &format!("{case}/cvss"), Some(&d.cody.token))
            .json(&json!({ "cvss_v3_1": vector, "effect": "impact" }))
            .send()
    };
    assert!(
        set_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let note = ok(t
        .post(
            &format!("{case}/notes"),
            Some(&d.cody.token),
            json!({ "body": "Call with Sam: slow down." }),
        )
        .await);
    let _ = note;
    let (_, ev) = t
        .get(&format!("{case}/events?limit=200"), Some(&d.sam.token))
        .await;
    let note_seq = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["type"] == "note_added")
        .unwrap()["seq"]
        .as_u64()
        .unwrap();
    // A minute later than the move, so that the slow-down is the later change.
    t.clock.advance(SignedDuration::from_mins(1));
    let slow = |note_seq: u64| json!({ "clocks": ["disclosure-target"], "duration": "90 days", "note_seq": note_seq });
    let (s, v) = t
        .post(
            &format!("{case}/slow-down"),
            Some(&d.cody.token),
            slow(note_seq),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "basis");
    assert!(
        set_cvss("CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N")
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let (s, v) = t
        .post(
            &format!("{case}/slow-down"),
            Some(&d.cody.token),
            json!({ "clocks": ["disclosure-target"], "duration": "90 days" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "note_seq");
    let (s, v) = t
        .post(
            &format!("{case}/slow-down"),
            Some(&d.cody.token),
            slow(note_seq - 1),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "note_seq");
    let (s, v) = t
        .post(
            &format!("{case}/slow-down"),
            Some(&d.cody.token),
            slow(note_seq),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let disclosure = v["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "disclosure-target")
        .cloned()
        .unwrap();
    assert!(
        disclosure["basis"]
            .as_str()
            .unwrap()
            .starts_with("90 days (slowed down: low severity"),
        "{disclosure}"
    );
    // The timeline shows the note as the decision.
    let (_, ev) = t
        .get(&format!("{case}/events?limit=200"), Some(&d.sam.token))
        .await;
    let marked = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["seq"] == note_seq)
        .unwrap()
        .clone();
    assert_eq!(marked["data"]["decision"], true, "{marked}");

    // Upstream (V2): another project's date moves the disclosure clock.
    let res = t
        .req(
            Method::PUT,
            &format!("{case}/upstream"),
            Some(&d.cody.token),
        )
        .json(&json!({ "date": "2026-12-15T16:00:00Z", "source": "Go security release" }))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(res).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let disclosure = v["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "disclosure-target")
        .cloned()
        .unwrap();
    assert_eq!(disclosure["due_at"], "2026-12-15T16:00:00Z");
}

#[tokio::test]
async fn v2_c16_moving_and_slowing_clocks_on_sqlite() {
    v2_moving_a_clock_and_c16_slowing_down(Db::Sqlite).await;
}

#[tokio::test]
async fn v2_c16_moving_and_slowing_clocks_on_postgres() {
    v2_moving_a_clock_and_c16_slowing_down(Db::Postgres).await;
}

/// C7: marked public with a final CVSS at the threshold or over, every remaining
/// clock runs "as soon as possible" (the policy's 24 hours), and its timer follows.
#[tokio::test]
async fn c7_public_and_high_makes_clocks_asap_and_escalates_then() {
    let d = desk(Db::Sqlite).await;
    let t = &d.t;
    let (id, _) = case_for_cody(&d, "public").await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&d.cody.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let res = t
        .req(Method::PUT, &format!("{case}/cvss"), Some(&d.cody.token))
        .json(&json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "effect": "RCE" }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let (s, v) = t
        .post(&format!("{case}/public"), Some(&d.cody.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for c in v["clocks"].as_array().unwrap() {
        if c["state"] == "running" {
            assert_eq!(c["due_at"], "2026-09-22T14:13:20Z", "{c}");
            assert!(
                c["basis"]
                    .as_str()
                    .unwrap()
                    .starts_with("as soon as possible"),
                "{c}"
            );
        }
    }
    t.clock.advance(SignedDuration::from_hours(24));
    run_due(&t.app).await.unwrap();
    let overdue = events_of(t, &id, &d.sam.token, "clock_overdue").await;
    let clocks: Vec<&str> = overdue
        .iter()
        .map(|e| e["data"]["clock"].as_str().unwrap())
        .collect();
    // Acknowledged (met) before: only the disclosure target was left to run.
    assert_eq!(clocks, ["disclosure-target"], "{overdue:?}");
}

/// A new policy (here: other holidays) recomputes the clocks of open cases, says so on
/// each, and re-plans their timers; a closed case is left alone.
async fn policy_change_recomputes_open_cases(db: Db) {
    let d = desk(db).await;
    let t = &d.t;
    let (open, _) = case_for_cody(&d, "open").await;
    let (rejected, _) = case_for_cody(&d, "rejected").await;
    let (s, v) = t
        .post(
            &format!("/api/v1/cases/{rejected}/acknowledge"),
            Some(&d.cody.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .post(
            &format!("/api/v1/cases/{rejected}/decision"),
            Some(&d.cody.token),
            json!({ "outcome": "rejected", "reason": "out-of-scope" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run_due(&t.app).await.unwrap();
    let toml = r#"time_zone = "UTC"
holidays = [2026-09-25]

[clocks.acknowledge]
start = "received"
duration = "5 working days"
reporter_sees = true

[[reminders]]
before = "1 working day"
to = ["coordinator", "collaborators"]

[escalation]
to = ["security-team"]
"#;
    let res = t
        .req(
            Method::PUT,
            "/api/v1/projects/connect/policy",
            Some(&d.ada.token),
        )
        .json(&json!({ "toml": toml }))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(res).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Reported after the new policy, before the recompute runs: received under it, so
    // its clocks follow it already and nothing is said on it.
    let (later, _) = case_for_cody(&d, "later").await;
    assert!(run_due(&t.app).await.unwrap() >= 1);
    let said = events_of(t, &open, &d.sam.token, "clocks_recomputed").await;
    assert_eq!(said.len(), 1, "{said:?}");
    for passed_over in [&rejected, &later] {
        assert!(
            events_of(t, passed_over, &d.sam.token, "clocks_recomputed")
                .await
                .is_empty(),
            "{passed_over}"
        );
    }
    // Friday the 25th is a holiday now: acknowledge is due a working day later, and
    // the reminder moved with it (nothing on the old Monday midnight).
    let (_, c) = t
        .get(&format!("/api/v1/cases/{open}"), Some(&d.sam.token))
        .await;
    let ack = c["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "acknowledge")
        .cloned()
        .unwrap();
    assert_eq!(ack["due_at"], "2026-09-30T00:00:00Z", "{ack}");
    advance_to(t, REMINDER);
    run_due(&t.app).await.unwrap();
    assert!(
        events_of(t, &open, &d.sam.token, "clock_reminder")
            .await
            .is_empty()
    );
    advance_to(t, "2026-09-29T00:00:00Z");
    run_due(&t.app).await.unwrap();
    assert_eq!(
        events_of(t, &open, &d.sam.token, "clock_reminder")
            .await
            .len(),
        1
    );
    // Running the recompute again changes nothing.
    assert_eq!(run_due(&t.app).await.unwrap(), 0);
}

#[tokio::test]
async fn policy_change_recomputes_open_cases_on_sqlite() {
    policy_change_recomputes_open_cases(Db::Sqlite).await;
}

#[tokio::test]
async fn policy_change_recomputes_open_cases_on_postgres() {
    policy_change_recomputes_open_cases(Db::Postgres).await;
}

/// The pages: the badge in the header, the notifications page, marking read.
#[tokio::test]
async fn the_notifications_page_and_the_badge() {
    let d = desk(Db::Sqlite).await;
    let t = &d.t;
    let (id, tracking) = case_for_cody(&d, "page me").await;
    advance_to(t, REMINDER);
    run_due(&t.app).await.unwrap();
    let web = t.signed_in("cody@example.org").await;
    let page = web.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("page me"), "{}", page.html);
    assert!(page.html.contains(&format!("/cases/{id}#event-")));
    assert!(
        page.html.contains("class=\"badge\""),
        "the header shows the unread count"
    );
    let marked = web
        .submit("/notifications", "/notifications/read", &[])
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    let page = web.get("/notifications").await;
    assert!(
        !page.html.contains("title=\"unread notifications\""),
        "{}",
        page.html
    );
    // Cody's case page offers the coordinator's clock forms; a move without a reason
    // comes back with the error beside its field and what was typed kept.
    let page = format!("/cases/{id}");
    let case = web.get(&page).await;
    assert!(case.html.contains("Move a clock"), "{}", case.html);
    let refused = web
        .submit(
            &page,
            &format!("/cases/{id}/clocks/move"),
            &[
                ("clock", "disclosure-target"),
                ("due_at", "2026-11-30T12:00"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("class=\"field-error\""),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("value=\"2026-11-30T12:00\""),
        "typed kept"
    );
    let moved = web
        .submit(
            &page,
            &format!("/cases/{id}/clocks/move"),
            &[
                ("clock", "disclosure-target"),
                ("due_at", "2026-11-30T12:00"),
                ("reason", "agreed"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    // The reporter's tracking page shows the clocks that concern them, moved.
    let reporter = WebClient::new(t);
    let track = reporter.get(&format!("/track/{tracking}")).await;
    assert_eq!(track.status, StatusCode::OK);
    assert!(
        track.html.contains("data-clock=\"disclosure-target\""),
        "{}",
        track.html
    );
    assert!(track.html.contains("data-clock=\"acknowledge\""));
    assert!(!track.html.contains("data-clock=\"collaborators-added\""));
    assert!(track.html.contains("moved by the coordinator: agreed"));
    // Nobody else's notifications page shows Cody's; anonymous visitors sign in first.
    let anonymous = WebClient::new(t).get("/notifications").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

/// C3 (issue 8 item 3, with issue 9): a reminder reaches the people the policy names by
/// mail too, once, through a real SMTP server; an escalation reaches the whole security
/// team; nobody who may not see the case gets one, and no mail names the title.
async fn c3_reminders_and_escalations_by_mail(db: Db) {
    let smtp = embargo_testkit::smtp::SmtpReceiver::start();
    let url = smtp.url();
    let d = desk_of(
        TestApp::build(db, |s| {
            s.mail.smtp_url = Some(url);
            s.mail.from = Some("security@connect.example".into());
        })
        .await,
    )
    .await;
    let t = &d.t;
    let (id, _) = case_for_cody(&d, "Secret title of a reminder").await;
    run_due(&t.app).await.unwrap();
    let clock_mail = |to: &str| -> Vec<String> {
        smtp.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|a| a == to))
            .map(|m| String::from_utf8_lossy(&m.data).into_owned())
            .filter(|m| m.contains(" clock "))
            .collect()
    };
    assert!(clock_mail(&d.cody.email).is_empty());
    advance_to(t, REMINDER);
    run_due(&t.app).await.unwrap();
    run_due(&t.app).await.unwrap();
    let to_cody = clock_mail(&d.cody.email);
    assert_eq!(to_cody.len(), 1, "{to_cody:?}");
    assert!(to_cody[0].contains(&format!("{id}: acknowledge clock due soon")));
    assert!(!to_cody[0].contains("Secret title"), "the title stays out");
    for p in [&d.sam, &d.ada, &d.otto, &d.olga] {
        assert!(clock_mail(&p.email).is_empty(), "{}", p.email);
    }
    advance_to(t, DUE);
    run_due(&t.app).await.unwrap();
    run_due(&t.app).await.unwrap();
    for p in [&d.sam, &d.ada] {
        let got = clock_mail(&p.email);
        assert!(
            got.iter()
                .any(|m| m.contains(&format!("{id}: acknowledge clock overdue"))),
            "{}: {got:?}",
            p.email
        );
    }
    for p in [&d.otto, &d.olga] {
        assert!(clock_mail(&p.email).is_empty(), "{}", p.email);
    }
    // Once: running again sends nothing more.
    let before = smtp.received().len();
    run_due(&t.app).await.unwrap();
    assert_eq!(smtp.received().len(), before);
}

#[tokio::test]
async fn c3_reminders_and_escalations_by_mail_on_sqlite() {
    c3_reminders_and_escalations_by_mail(Db::Sqlite).await;
}

#[tokio::test]
async fn c3_reminders_and_escalations_by_mail_on_postgres() {
    c3_reminders_and_escalations_by_mail(Db::Postgres).await;
}
