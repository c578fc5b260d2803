//! A project's policy through the API (issue 8, item 1): members read it, project
//! admins replace it with a preset or a TOML document, and a document with problems is
//! refused naming each line and key, changing nothing.

use super::support::*;
use embargo_core::project::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn put(t: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    json_of(
        t.req(Method::PUT, "/api/v1/projects/connect/policy", Some(token))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

const BERLIN: &str = r#"time_zone = "Europe/Berlin"
holidays = [2026-12-24]

[clocks.acknowledge]
start = "received"
duration = "3 working days"
reporter_sees = true
"#;

async fn members_read_it_and_admins_replace_it(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let admin = t
        .person("admin@example.org", Some(("connect", Role::Admin)))
        .await;
    let team = t
        .person("team@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let maintainer = t
        .person("m@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let outsider = t.person("out@example.org", None).await;
    let path = "/api/v1/projects/connect/policy";

    // A project created without one runs the connect preset, and says it chose none.
    let (status, p) = t.get(path, Some(&maintainer.token)).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["preset"], "connect");
    assert_eq!(p["set"], false);
    assert!(
        p["summary"]
            .as_str()
            .unwrap()
            .contains("acknowledge 5 working days"),
        "{p}"
    );
    assert!(
        p["toml"]
            .as_str()
            .unwrap()
            .contains("duration = \"30 days\""),
        "{p}"
    );
    // Outside the project there is no such policy.
    let (status, _) = t.get(path, Some(&outsider.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(path, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Only project (and instance) admins replace it.
    let (status, body) = put(&t, &team.token, json!({"preset": "vitess"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = put(&t, &outsider.token, json!({"preset": "vitess"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A document with problems: each named by line and key, nothing changed.
    let bad = "time_zone = \"Europe/Berln\"\n[clocks.acknowledge]\nstart = \"received\"\nduration = \"5 workday\"\n";
    let (status, body) = put(&t, &admin.token, json!({"toml": bad})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "toml");
    let details: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(details.len(), 2, "{body}");
    assert!(
        details[0].starts_with(
            "`toml`: line 1: key `time_zone`: `Europe/Berln` is not an IANA time zone"
        ),
        "{details:?}"
    );
    assert!(
        details[1].starts_with(
            "`toml`: line 4: key `clocks.acknowledge.duration`: unknown unit `workday`"
        ),
        "{details:?}"
    );
    let (status, body) = put(&t, &admin.token, json!({"preset": "linux"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "preset");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("connect, vitess"),
        "{body}"
    );
    for neither_or_both in [json!({}), json!({"preset": "vitess", "toml": BERLIN})] {
        let (status, body) = put(&t, &admin.token, neither_or_both).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (_, p) = t.get(path, Some(&admin.token)).await;
    assert_eq!(
        (p["preset"].as_str(), p["set"].as_bool()),
        (Some("connect"), Some(false))
    );
    let project = t.app.project("connect").await.unwrap();
    assert_eq!(project.policy, None);
    let before = project.version;

    // A preset, then a document of the project's own.
    let (status, p) = put(&t, &admin.token, json!({"preset": "vitess"})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        (p["preset"].as_str(), p["set"].as_bool()),
        (Some("vitess"), Some(true))
    );
    let (status, body) = put(&t, &admin.token, json!({"preset": "vitess"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, p) = put(&t, &admin.token, json!({"toml": BERLIN})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["preset"], Value::Null);
    assert_eq!(
        p["summary"],
        "time zone Europe/Berlin, working days monday tuesday wednesday thursday friday, 1 holiday, clocks: acknowledge 3 working days"
    );
    let (_, read) = t.get(path, Some(&team.token)).await;
    assert_eq!(read, p);

    // Each change is one `policy_set` event holding the policy as data.
    let project = t.app.project("connect").await.unwrap();
    assert_eq!(project.version, before + 2);
    let policy = project.policy.expect("set");
    assert_eq!(policy.time_zone.name(), "Europe/Berlin");
    assert_eq!(policy.holidays.len(), 1);
}

#[tokio::test]
async fn project_policy_on_sqlite() {
    members_read_it_and_admins_replace_it(Db::Sqlite).await;
}

#[tokio::test]
async fn project_policy_on_postgres() {
    members_read_it_and_admins_replace_it(Db::Postgres).await;
}

fn clock<'a>(case: &'a Value, name: &str) -> &'a Value {
    case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no clock {name} in {}", case["clocks"]))
}

fn names(case: &Value) -> Vec<&str> {
    case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// Issue 8, item 2, on the `connect` preset: C3 acknowledge within 5 working days,
/// C10 collaborators within a day, C6 disclosure within 30 days; the reporter sees C3
/// and C6. The test app's clock moves; nothing sleeps.
async fn c3_c6_c10_clocks_on_a_connect_case(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    // Received Monday 2026-09-21 14:13:20 UTC (T0).
    let (id, tracking) = t.report("connect", minimal_report("Panic")).await;
    let path = format!("/api/v1/cases/{id}");

    let (status, case) = t.get(&path, Some(&sam.token)).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(
        names(&case),
        ["acknowledge", "collaborators-added", "disclosure-target"]
    );
    let ack = clock(&case, "acknowledge");
    assert_eq!(ack["step"], "C3");
    assert_eq!(ack["state"], "running");
    assert_eq!(ack["basis"], "5 working days");
    // Tue 22, Wed 23, Thu 24, Fri 25, Mon 28: due at the end of Monday, UTC.
    assert_eq!(ack["due_at"], "2026-09-29T00:00:00Z");
    assert_eq!(ack["start"], "2026-09-21T14:13:20Z");
    assert_eq!(ack["time_left"], "5 working days left");
    let c10 = clock(&case, "collaborators-added");
    assert_eq!(
        (c10["step"].as_str(), c10["basis"].as_str()),
        (Some("C10"), Some("1 day"))
    );
    assert_eq!(c10["due_at"], "2026-09-22T14:13:20Z");
    let c6 = clock(&case, "disclosure-target");
    assert_eq!(
        (c6["step"].as_str(), c6["basis"].as_str()),
        (Some("C6"), Some("30 days"))
    );
    assert_eq!(c6["due_at"], "2026-10-21T14:13:20Z");

    // The reporter sees the clocks that concern them, and no others.
    let (_, mine) = t.get(&path, Some(&tracking)).await;
    assert_eq!(names(&mine), ["acknowledge", "disclosure-target"]);

    // The team's case page has the same clocks in a table.
    let web = t.signed_in("sam@example.org").await;
    let page = web.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let table = &page.html[page.html.find(">Clocks</h2>").expect("a Clocks section")..];
    let table = &table[..table.find("</table>").expect("a table")];
    for (clock, due) in [
        ("acknowledge", "2026-09-29 00:00 UTC"),
        ("collaborators-added", "2026-09-22 14:13 UTC"),
        ("disclosure-target", "2026-10-21 14:13 UTC"),
    ] {
        let row = &table[table.find(&format!("data-clock=\"{clock}\"")).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains(due) && row.contains("running"),
            "{clock}: {row}"
        );
    }
    assert!(table.contains("5 working days left"), "{table}");

    // Two days on, C10 is overdue; C3 still runs.
    t.clock.advance(jiff::SignedDuration::from_hours(48));
    let (_, case) = t.get(&path, Some(&sam.token)).await;
    assert_eq!(clock(&case, "collaborators-added")["state"], "overdue");
    assert_eq!(
        clock(&case, "collaborators-added")["time_left"],
        "overdue by 24 hours"
    );
    assert_eq!(clock(&case, "acknowledge")["state"], "running");

    // Adding a collaborator meets C10 (late: it shows when); acknowledging meets C3.
    let (status, body) = t
        .post(
            &format!("{path}/collaborators"),
            Some(&sam.token),
            json!({"user_id": sam.id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = t
        .post(&format!("{path}/acknowledge"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, case) = t.get(&path, Some(&sam.token)).await;
    let c10 = clock(&case, "collaborators-added");
    assert_eq!(c10["state"], "met");
    assert_eq!(c10["stopped_at"], "2026-09-23T14:13:20Z");
    assert_eq!(c10["time_left"], Value::Null);
    let ack = clock(&case, "acknowledge");
    assert_eq!(
        (ack["state"].as_str(), ack["stopped_at"].as_str()),
        (Some("met"), Some("2026-09-23T14:13:20Z"))
    );
    assert_eq!(clock(&case, "disclosure-target")["state"], "running");
}

#[tokio::test]
async fn c3_c6_c10_clocks_on_sqlite() {
    c3_c6_c10_clocks_on_a_connect_case(Db::Sqlite).await;
}

#[tokio::test]
async fn c3_c6_c10_clocks_on_postgres() {
    c3_c6_c10_clocks_on_a_connect_case(Db::Postgres).await;
}

/// V6 on the `vitess` preset: the fix is ready within 7 days of the report; the
/// reporter sees no clock, because the preset shows them none.
#[tokio::test]
async fn v6_fix_ready_clock_on_a_vitess_case() {
    let t = TestApp::new().await;
    t.project("vitess", &["vitess"]).await;
    let lead = t
        .person("lead@example.org", Some(("vitess", Role::Admin)))
        .await;
    let (status, body) = json_of(
        t.req(
            Method::PUT,
            "/api/v1/projects/vitess/policy",
            Some(&lead.token),
        )
        .json(&json!({"preset": "vitess"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (id, tracking) = t.report("vitess", minimal_report("SQL injection")).await;
    let path = format!("/api/v1/cases/{id}");
    let (_, case) = t.get(&path, Some(&lead.token)).await;
    assert_eq!(names(&case), ["fix-ready", "forthcoming-fix-notice"]);
    let v6 = clock(&case, "fix-ready");
    assert_eq!(
        (v6["step"].as_str(), v6["basis"].as_str()),
        (Some("V6"), Some("7 days"))
    );
    assert_eq!(v6["due_at"], "2026-09-28T14:13:20Z");
    let (_, mine) = t.get(&path, Some(&tracking)).await;
    assert_eq!(names(&mine), Vec::<&str>::new());

    // Rejected before it was met: the clock stops rather than fall overdue.
    t.clock.advance(jiff::SignedDuration::from_hours(24));
    let (status, body) = t
        .post(&format!("{path}/acknowledge"), Some(&lead.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = t
        .post(
            &format!("{path}/decision"),
            Some(&lead.token),
            json!({"outcome": "rejected", "reason": "not-a-vulnerability"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 30));
    let (_, case) = t.get(&path, Some(&lead.token)).await;
    assert_eq!(clock(&case, "fix-ready")["state"], "stopped");
    assert_eq!(
        clock(&case, "fix-ready")["stopped_at"],
        "2026-09-22T14:13:20Z"
    );
}
