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
