//! A report at rest (issue 11, item 3). With the master key given (every test store is
//! opened with one), a report's text, its reporter's contact details, the team's notes,
//! messages and questions, the reporter's answer and the advisory draft are sealed in
//! the database: no canary is in any file of the SQLite data folder, nor in any row of
//! any PostgreSQL table, while the API serves them, search finds the case by a word and
//! by a word's start, a lost link finds the reporter's cases, and `verify` passes.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use serde_json::json;

const CANARIES: [&str; 9] = [
    "canarytitle5be1",
    "canarydescription5be1",
    "canarycontact5be1",
    "canaryname5be1",
    "canarynote5be1",
    "canarymessage5be1",
    "canaryquestion5be1",
    "canaryanswer5be1",
    "canarysummary5be1",
];

async fn a_report_is_sealed_at_rest(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let email = "canarycontact5be1@reporter.example";
    let (id, tracking) = t
        .report(
            "connect",
            json!({
                "title": "Overflow canarytitle5be1 in the decoder",
                "description": "A crafted frame canarydescription5be1 overflows.",
                "component": "go",
                "reporter_name": "Rae canaryname5be1",
                "reporter_email": email,
            }),
        )
        .await;
    let case = format!("/api/v1/cases/{id}");
    let steps = [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("notes", json!({ "body": "Reproduced: canarynote5be1." })),
        ("messages", json!({ "body": "Thanks, canarymessage5be1." })),
        ("questions", json!({ "body": "Which canaryquestion5be1?" })),
    ];
    let mut question = 0;
    for (path, body) in steps {
        let (s, c) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {c}");
        question = c["open_question"]["id"].as_u64().unwrap_or(question);
    }
    let (s, c) = t
        .post(
            &format!("{case}/questions/{question}/answer"),
            Some(&tracking),
            json!({ "body": "This one: canaryanswer5be1." }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (s, c) = t
        .post(
            &format!("{case}/decision"),
            Some(&sam.token),
            json!({ "outcome": "confirmed" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let res = t
        .req(
            reqwest::Method::PUT,
            &format!("{case}/advisory"),
            Some(&sam.token),
        )
        .json(&json!({ "summary": "Frame canarysummary5be1 overflow", "details": "Details." }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    // Served as written…
    let (s, c) = t.get(&case, Some(&sam.token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["title"], "Overflow canarytitle5be1 in the decoder");
    let (_, timeline) = t.get(&format!("{case}/events"), Some(&sam.token)).await;
    for canary in ["canarynote5be1", "canarymessage5be1", "canaryanswer5be1"] {
        assert!(
            timeline.to_string().contains(canary),
            "{canary}: {timeline}"
        );
    }
    // …found by search, by a word and by the start of one, and by a lost link…
    for q in [
        "canarytitle5be1",
        "canarydesc",
        "canarysummary5be1",
        "overflow",
    ] {
        let (s, found) = t
            .get(
                &format!("/api/v1/projects/connect/cases?q={q}"),
                Some(&sam.token),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(found["items"][0]["id"], id.as_str(), "{q}: {found}");
    }
    let (_, none) = t
        .get(
            "/api/v1/projects/connect/cases?q=escription",
            Some(&sam.token),
        )
        .await;
    assert_eq!(none["items"], json!([]), "only the start of a word");
    let mine = t.app.store().cases_of_reporter(email, 10).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id.as_str(), id);

    // …and in no file or table in the clear.
    for canary in CANARIES {
        assert_eq!(
            t.stored_in_clear(canary).await,
            Vec::<String>::new(),
            "{canary} is stored in the clear"
        );
    }
    let verified = t.app.store().verify().await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_sealed_at_rest_on_sqlite() {
    a_report_is_sealed_at_rest(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_sealed_at_rest_on_postgres() {
    a_report_is_sealed_at_rest(Db::Postgres).await;
}
