//! A release shared by several cases (issue 10, C6): its own stream, whose plan each
//! joined case takes as its own proposed plan — each reporter accepts on their own
//! case, a change of plan reaches every case with its reason, a case leaves, and the
//! scheduled disclosure at the release time discloses only the case whose gate passes.
//! Bad input changes nothing; the release is seen by the project's team only, everyone
//! else gets what a made-up release gets. Each scenario runs on both databases.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const DAY: SignedDuration = SignedDuration::from_hours(24);

struct Fixture {
    t: TestApp,
    sam: Person,
    otto: Person,
    olga: Person,
}

async fn fixture(db: Db) -> Fixture {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    t.project("other", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let otto = t
        .person("otto@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let olga = t
        .person("olga@example.org", Some(("other", Role::Admin)))
        .await;
    Fixture { t, sam, otto, olga }
}

/// A confirmed case of `project` Sam (or `lead`) coordinates, with its advisory, CVE ID
/// and final CVSS. Returns (case path, id, tracking token).
async fn confirmed(t: &TestApp, project: &str, lead: &str) -> (String, String, String) {
    let (id, tracking) = t
        .report(
            project,
            json!({ "title": "Frame bomb", "description": "Steps to reproduce", "component": "go" }),
        )
        .await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
        ("cve", json!({ "assigned": "CVE-2026-4242" })),
    ] {
        let (s, v) = t.post(&format!("{case}/{path}"), Some(lead), body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    for (path, body) in [
        (
            "advisory",
            json!({
                "summary": "Unbounded allocation in the frame decoder",
                "affected": [{ "component": "go", "introduced": "1.14.0", "fixed": "1.17.0" }]
            }),
        ),
        (
            "cvss",
            json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "A remote client exhausts the server's memory." }),
        ),
    ] {
        let (s, v) = send(t, Method::PUT, &format!("{case}/{path}"), Some(lead), body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    (case, id, tracking)
}

async fn send(
    t: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    json_of(t.req(method, path, token).json(&body).send().await.unwrap()).await
}

async fn text(t: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let r = t.req(Method::GET, path, Some(token)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn events(t: &TestApp, case: &str, token: &str) -> Vec<Value> {
    t.get(&format!("{case}/events"), Some(token)).await.1["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn in_days(t: &TestApp, days: i32) -> String {
    (t.app.now() + DAY * days).to_string()
}

async fn shared_release_reaches_each_case(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let sam = f.sam.token.as_str();
    let (a, a_id, a_tracking) = confirmed(t, "connect", sam).await;
    let (b, b_id, b_tracking) = confirmed(t, "connect", sam).await;
    let (_, c_id, _) = confirmed(t, "connect", sam).await;

    // Created with a name; without one, refused naming the field.
    let (s, v) = t
        .post(
            "/api/v1/projects/connect/releases",
            Some(sam),
            json!({ "name": " " }),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name")),
        "{v}"
    );
    let (s, v) = t
        .post(
            "/api/v1/projects/connect/releases",
            Some(sam),
            json!({ "name": "1.17.1 security release" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let release = format!("/api/v1/releases/{id}");

    // A time in the past, without a zone, or not a time: 422 naming `at`, nothing kept.
    for at in [
        (t.app.now() - DAY).to_string(),
        "2026-06-10 14:00".to_owned(),
        "next tuesday".to_owned(),
    ] {
        let mut plan = release_plan(t);
        plan["at"] = json!(at);
        let (s, v) = send(t, Method::PUT, &format!("{release}/plan"), Some(sam), plan).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("at")),
            "{at}: {v}"
        );
    }
    let (_, v) = t.get(&release, Some(sam)).await;
    assert_eq!(
        (v["plan"].clone(), v["changes"].clone()),
        (Value::Null, json!([]))
    );

    let (s, v) = send(
        t,
        Method::PUT,
        &format!("{release}/plan"),
        Some(sam),
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let at_utc = v["plan"]["at_utc"].as_str().unwrap().to_owned();

    // Two cases join: the release's plan is each case's proposed plan.
    for case in [&a_id, &b_id] {
        let (s, v) = t
            .post(
                &format!("{release}/cases"),
                Some(sam),
                json!({ "case": case }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    for (case, tracking) in [(&a, &a_tracking), (&b, &b_tracking)] {
        let (_, mine) = t.get(case, Some(tracking)).await;
        assert_eq!(mine["release"]["plan"]["at_utc"], json!(at_utc), "{mine}");
        assert_eq!(mine["release"]["agreement"], Value::Null);
    }

    // Joining twice, a case of another project, a made-up case: 422 naming `case`,
    // nothing stored.
    let (_, other_id, _) = confirmed(t, "other", &f.olga.token).await;
    let (_, before) = t.get(&release, Some(sam)).await;
    for (case, rule) in [
        (a_id.as_str(), "not_allowed"),
        (other_id.as_str(), "unknown_case"),
        ("EMB-0000-0000-0000", "unknown_case"),
    ] {
        let (s, v) = t
            .post(
                &format!("{release}/cases"),
                Some(sam),
                json!({ "case": case }),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str(), v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("case"), Some(rule)),
            "{case}: {v}"
        );
    }
    assert_eq!(t.get(&release, Some(sam)).await.1, before);

    // A joined case's own plan route is refused, naming the release.
    let (s, v) = send(
        t,
        Method::PUT,
        &format!("{a}/release-plan"),
        Some(sam),
        release_plan(t),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains(&id), "{v}");

    // Each reporter accepts on their own case.
    let (s, v) = t
        .post(
            &format!("{a}/release-plan/accept"),
            Some(&a_tracking),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        t.get(&a, Some(sam)).await.1["release"]["agreement"],
        "agreed"
    );
    assert_eq!(
        t.get(&b, Some(sam)).await.1["release"]["agreement"],
        Value::Null
    );

    // A change of date needs a reason; with one it reaches both cases, and each
    // reporter reads it.
    let mut moved = release_plan(t);
    moved["at"] = json!(in_days(t, 12));
    let (s, v) = send(
        t,
        Method::PUT,
        &format!("{release}/plan"),
        Some(sam),
        moved.clone(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "{v}"
    );
    moved["reason"] = json!("The 1.16 backport needs two more days.");
    let (s, v) = send(t, Method::PUT, &format!("{release}/plan"), Some(sam), moved).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["changes"].as_array().unwrap().len(), 2);
    let new_utc = v["plan"]["at_utc"].as_str().unwrap().to_owned();
    for (case, tracking) in [(&a, &a_tracking), (&b, &b_tracking)] {
        let (_, mine) = t.get(case, Some(tracking)).await;
        assert_eq!(mine["release"]["plan"]["at_utc"], json!(new_utc));
        assert_eq!(
            mine["release"]["agreement"],
            Value::Null,
            "the date is open again"
        );
        let timeline = events(t, case, tracking).await;
        let last = timeline.last().unwrap();
        assert_eq!(last["type"], "release_plan_proposed");
        assert!(
            last.to_string()
                .contains("The 1.16 backport needs two more days."),
            "{last}"
        );
        let (s, v) = t
            .post(
                &format!("{case}/release-plan/accept"),
                Some(tracking),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    // A third case joins and leaves, with a reason (required).
    let (s, v) = t
        .post(
            &format!("{release}/cases"),
            Some(sam),
            json!({ "case": c_id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let leave = format!("{release}/cases/{c_id}");
    let (s, v) = send(
        t,
        Method::DELETE,
        &leave,
        Some(sam),
        json!({ "reason": "" }),
    )
    .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "{v}"
    );
    let (s, v) = send(
        t,
        Method::DELETE,
        &leave,
        Some(sam),
        json!({ "reason": "Its fix is not ready." }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let cases: Vec<_> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(cases, [a_id.as_str(), b_id.as_str()]);
    assert_eq!(v["departures"][0]["reason"], "Its fix is not ready.");
    // Out of the release, the case's own plan route works again.
    let mut own = release_plan(t);
    own["reason"] = json!("It ships on its own, earlier.");
    let (s, v) = send(
        t,
        Method::PUT,
        &format!("/api/v1/cases/{c_id}/release-plan"),
        Some(sam),
        own,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The release notes wait for every case's final notes, naming the case.
    let notes = format!("{release}/release-notes");
    let (s, body) = text(t, &notes, sam).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body.contains(&a_id) && body.contains(&b_id), "{body}");
    let (s, v) = t
        .post(&format!("{a}/release-notes/finalize"), Some(sam), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, body) = text(t, &notes, sam).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(!body.contains(&a_id) && body.contains(&b_id), "{body}");

    // Both scheduled for the release time: only A's gate passes then.
    for case in [&a, &b] {
        let (s, v) = t
            .post(&format!("{case}/disclosure/schedule"), Some(sam), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    t.clock.advance(DAY * 13);
    run_due(&t.app).await.unwrap();
    assert_eq!(t.get(&a, Some(sam)).await.1["stage"], "disclosed");
    let (_, v) = t.get(&b, Some(sam)).await;
    assert_eq!(v["stage"], "release-planned");
    let last = events(t, &b, sam).await.pop().unwrap();
    assert_eq!(last["type"], "scheduled_disclosure_refused");

    // Every stream and projection verifies, the release's too.
    let v = t.app.store().verify().await.unwrap().unwrap();
    assert!(v.streams >= 8, "{v:?}");
    // And the release's words are sealed at rest (issue 11, item 3), read as typed.
    for clear in [
        "1.17.1 security release",
        "The 1.16 backport needs two more days.",
        "Its fix is not ready.",
    ] {
        assert_eq!(
            t.stored_in_clear(clear).await,
            Vec::<String>::new(),
            "{clear}"
        );
    }
}

#[tokio::test]
async fn shared_release_reaches_each_case_on_sqlite() {
    shared_release_reaches_each_case(Db::Sqlite).await;
}

#[tokio::test]
async fn shared_release_reaches_each_case_on_postgres() {
    shared_release_reaches_each_case(Db::Postgres).await;
}

/// Reporter, maintainer not on a case, another project's member, anonymous: every
/// release route answers them as for a made-up release, and changes nothing.
async fn shared_release_permission_matrix(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let sam = f.sam.token.as_str();
    let (_, a_id, a_tracking) = confirmed(t, "connect", sam).await;
    let (_, v) = t
        .post(
            "/api/v1/projects/connect/releases",
            Some(sam),
            json!({ "name": "1.17.1" }),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_owned();
    let (s, v) = t
        .post(
            &format!("/api/v1/releases/{id}/cases"),
            Some(sam),
            json!({ "case": a_id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, before) = t.get(&format!("/api/v1/releases/{id}"), Some(sam)).await;

    let routes = |rel: &str| -> Vec<(Method, String, Value)> {
        vec![
            (Method::GET, format!("/api/v1/releases/{rel}"), json!({})),
            (
                Method::GET,
                format!("/api/v1/releases/{rel}/release-notes"),
                json!({}),
            ),
            (
                Method::POST,
                format!("/api/v1/releases/{rel}/cases"),
                json!({ "case": a_id }),
            ),
            (
                Method::DELETE,
                format!("/api/v1/releases/{rel}/cases/{a_id}"),
                json!({ "reason": "out" }),
            ),
            (
                Method::PUT,
                format!("/api/v1/releases/{rel}/plan"),
                release_plan(t),
            ),
        ]
    };
    let made_up = "REL-0000-0000-0000";
    for who in [
        Some(a_tracking.as_str()),
        Some(f.otto.token.as_str()),
        Some(f.olga.token.as_str()),
        None,
    ] {
        for ((method, path, body), (_, missing, _)) in routes(&id).into_iter().zip(routes(made_up))
        {
            let (s, v) = send(t, method.clone(), &path, who, body.clone()).await;
            let (ms, mv) = send(t, method, &missing, who, body).await;
            assert_eq!((s, &v), (ms, &mv), "{path} as {who:?}");
            assert_eq!(s, StatusCode::NOT_FOUND, "{path} as {who:?}: {v}");
        }
        // Nor can they create one in the project.
        let (s, v) = t
            .post(
                "/api/v1/projects/connect/releases",
                who,
                json!({ "name": "mine" }),
            )
            .await;
        assert!(
            s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
            "{who:?}: {s} {v}"
        );
    }
    assert_eq!(
        t.get(&format!("/api/v1/releases/{id}"), Some(sam)).await.1,
        before
    );
}

#[tokio::test]
async fn shared_release_permission_matrix_on_sqlite() {
    shared_release_permission_matrix(Db::Sqlite).await;
}

#[tokio::test]
async fn shared_release_permission_matrix_on_postgres() {
    shared_release_permission_matrix(Db::Postgres).await;
}

/// The pages: the project's releases with the create form, the release page's forms
/// keep what was typed with the error beside the field, the case page links its
/// release; a maintainer not on a case finds no such page.
#[tokio::test]
async fn shared_release_pages_keep_what_was_typed() {
    let f = fixture(Db::Sqlite).await;
    let t = &f.t;
    let (_, a_id, _) = confirmed(t, "connect", &f.sam.token).await;
    let team = t.signed_in(&f.sam.email).await;
    let out = team
        .submit(
            "/projects/connect/releases",
            "/projects/connect/releases",
            &[("name", "")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.html.contains("field-error"), "{}", out.html);
    let out = team
        .submit(
            "/projects/connect/releases",
            "/projects/connect/releases",
            &[("name", "1.17.1 security release")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (_, v) = t
        .get("/api/v1/releases/REL-0000-0000-0000", Some(&f.sam.token))
        .await;
    assert_eq!(v["error"]["code"], "not_found");
    let page = team.get("/projects/connect/releases").await;
    assert!(page.html.contains("1.17.1 security release"));
    let id = page
        .html
        .split("href=\"/releases/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let here = format!("/releases/{id}");

    let out = team
        .submit(
            &here,
            &format!("{here}/plan"),
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
            &here,
            &format!("{here}/join"),
            &[("case", "EMB-0000-0000-0000")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.html.contains("EMB-0000-0000-0000") && out.html.contains("field-error"));
    let out = team
        .submit(&here, &format!("{here}/join"), &[("case", &a_id)])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let at = in_days(t, 10);
    let out = team
        .submit(
            &here,
            &format!("{here}/plan"),
            &[
                ("at", &at),
                ("versions", "main 1.17.0"),
                ("mitigation", "Limit frames."),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let page = team.get(&here).await;
    assert!(page.html.contains(&a_id), "the case is listed");
    let case = team.get(&format!("/cases/{a_id}")).await;
    assert!(
        case.html.contains(&format!("href=\"/releases/{id}\"")),
        "the case links its release"
    );

    let otto = t.signed_in(&f.otto.email).await;
    assert_eq!(otto.get(&here).await.status, StatusCode::NOT_FOUND);
}
