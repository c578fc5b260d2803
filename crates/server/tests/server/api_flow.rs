//! Policy steps C1–C11 end to end through the HTTP API, on both databases.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn c1_to_c11_through_the_api(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go", "swift", "kotlin"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let max = t
        .person("max@example.org", Some(("connect", Role::Maintainer)))
        .await;

    // C1: a private report naming the language (component) and platform, no account.
    let (id, tracking) = t
        .report(
            "connect",
            json!({
                "title": "Unbounded frame allocation in connect-go",
                "description": "Sending a frame header with length 2^31 makes the server allocate…",
                "component": "go",
                "platform": "linux/amd64",
                "affected_versions": "< 1.16.2",
                "reporter_name": "Rae Porter",
                "reporter_email": "rae@example.net",
                "credit": "Rae Porter (Example Labs)"
            }),
        )
        .await;
    assert!(tracking.starts_with("emb_trk_"));
    let case = format!("/api/v1/cases/{id}");
    let (s, c) = t.get(&case, Some(&sam.token)).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (c["stage"].as_str(), c["component"].as_str()),
        (Some("received"), Some("go"))
    );
    assert_eq!(c["platform"], "linux/amd64");

    // C3: acknowledged.
    let (s, c) = t
        .post(&format!("{case}/acknowledge"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(
        (s, c["stage"].as_str()),
        (StatusCode::OK, Some("triage")),
        "{c}"
    );

    // C8: a maintainer volunteers as coordinator — Sam claims, then hands over to Mia.
    let (s, c) = t
        .post(&format!("{case}/claim"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(
        (s, c["coordinator"]["id"].as_i64()),
        (StatusCode::OK, Some(sam.id)),
        "{c}"
    );
    let (s, c) = t
        .post(
            &format!("{case}/hand-over"),
            Some(&sam.token),
            json!({ "user_id": mia.id }),
        )
        .await;
    assert_eq!(
        (s, c["coordinator"]["name"].as_str()),
        (StatusCode::OK, Some("mia")),
        "{c}"
    );

    // C10: the coordinator includes the relevant maintainers.
    assert_eq!(
        t.get(&case, Some(&max.token)).await.0,
        StatusCode::NOT_FOUND,
        "not on the case yet"
    );
    let (s, c) = t
        .post(
            &format!("{case}/collaborators"),
            Some(&mia.token),
            json!({ "user_id": max.id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let on_case: Vec<i64> = c["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert!(
        on_case.contains(&max.id) && on_case.contains(&sam.id),
        "Sam stays on after handing over: {c}"
    );
    assert_eq!(
        t.get(&case, Some(&max.token)).await.0,
        StatusCode::OK,
        "now on the case"
    );

    // C9: preliminary decision, and a question to the reporter.
    let (s, _) = t
        .post(
            &format!("{case}/preliminary-decision"),
            Some(&mia.token),
            json!({ "assessment": "likely-vulnerability" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, c) = t
        .post(
            &format!("{case}/questions"),
            Some(&mia.token),
            json!({ "body": "Does this need TLS to be off?" }),
        )
        .await;
    assert_eq!(
        (s, c["stage"].as_str()),
        (StatusCode::OK, Some("needs-info")),
        "{c}"
    );
    let q = c["open_question"]["id"].as_u64().unwrap();

    // The reporter follows the case with the tracking token and answers (C4).
    let (s, seen) = t.get(&case, Some(&tracking)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(seen["stage"], "needs-info");
    assert_eq!(
        seen["open_question"]["body"],
        "Does this need TLS to be off?"
    );
    assert!(
        seen.get("coordinator").is_none() && seen.get("preliminary_decision").is_none(),
        "{seen}"
    );
    let (s, c) = t
        .post(
            &format!("{case}/questions/{q}/answer"),
            Some(&tracking),
            json!({ "body": "No, it works over TLS too." }),
        )
        .await;
    assert_eq!(
        (s, c["stage"].as_str()),
        (StatusCode::OK, Some("triage")),
        "{c}"
    );

    // C11: reproduced, final decision.
    let (s, c) = t
        .post(
            &format!("{case}/notes"),
            Some(&max.token),
            json!({ "body": "Reproduced on 1.16.1." }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (s, c) = t
        .post(&format!("{case}/decision"), Some(&mia.token), json!({ "outcome": "confirmed", "explanation": "We reproduced it; a fix is underway." }))
        .await;
    assert_eq!(
        (s, c["stage"].as_str()),
        (StatusCode::OK, Some("confirmed")),
        "{c}"
    );

    // The reporter's timeline: what they may see, in order; the team's has more.
    let (_, events) = t.get(&format!("{case}/events"), Some(&tracking)).await;
    let events = events["items"].clone();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "acknowledged",
            "question_asked",
            "question_answered",
            "final_decision_set"
        ]
    );
    let (_, events) = t.get(&format!("{case}/events"), Some(&sam.token)).await;
    let events = events["items"].clone();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "acknowledged",
            "claimed",
            "handed_over",
            "collaborator_added",
            "collaborator_added",
            "preliminary_decision_set",
            "question_asked",
            "question_answered",
            "note_added",
            "final_decision_set"
        ]
    );
    // Every entry names who and when.
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].is_string() && e["actor"]["kind"].is_string())
    );
    assert_eq!(events[2]["actor"]["name"], "sam");

    // C2: a second report is a support request; its reporter sees why.
    let (id2, tracking2) = t
        .report("connect", json!({ "title": "How do I enable TLS?", "description": "I cannot find the option.", "component": "swift" }))
        .await;
    let case2 = format!("/api/v1/cases/{id2}");
    assert_eq!(
        t.post(&format!("{case2}/acknowledge"), Some(&sam.token), json!({}))
            .await
            .0,
        StatusCode::OK
    );
    let (s, c) = t
        .post(
            &format!("{case2}/decision"),
            Some(&sam.token),
            json!({ "outcome": "rejected", "reason": "support-request" }),
        )
        .await;
    assert_eq!(
        (s, c["stage"].as_str()),
        (StatusCode::OK, Some("rejected")),
        "{c}"
    );
    let (_, seen) = t.get(&case2, Some(&tracking2)).await;
    assert_eq!(seen["decision"]["reason"], "support-request");
    assert!(
        seen["decision"]["explanation"]
            .as_str()
            .unwrap()
            .contains("request for help"),
        "{seen}"
    );
    // …and nothing of the other case.
    assert_eq!(
        t.get(&case, Some(&tracking2)).await.0,
        StatusCode::NOT_FOUND
    );

    // The project's list: all for the security team, only hers for Mia.
    let (_, all) = t
        .get("/api/v1/projects/connect/cases", Some(&sam.token))
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let (_, mine) = t
        .get("/api/v1/projects/connect/cases", Some(&mia.token))
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["id"], id.as_str());
    assert_eq!(mine["next"], Value::Null, "one page");
}

#[tokio::test]
async fn c1_to_c11_on_sqlite() {
    c1_to_c11_through_the_api(Db::Sqlite).await;
}

#[tokio::test]
async fn c1_to_c11_on_postgres() {
    c1_to_c11_through_the_api(Db::Postgres).await;
}

/// Issue 7, item 5: what a duplicate may point at is core's rule, fed with the cases
/// the actor can see. A case in another project, one the actor cannot see and one that
/// does not exist all read alike; a duplicate of a duplicate names the kept one.
async fn duplicates_point_at_a_kept_case_the_actor_sees(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let report = |title: &'static str, slug: &'static str, component: &'static str| {
        let t = &t;
        async move {
            let (id, _) = t
                .report(
                    slug,
                    json!({ "title": title, "description": "…", "component": component }),
                )
                .await;
            id
        }
    };
    let a = report("A", "connect", "go").await;
    let b = report("B", "connect", "go").await;
    let kept = report("Kept", "connect", "go").await;
    let unseen = report("Elsewhere", "vitess", "vitess").await;
    for id in [&a, &b] {
        let (s, _) = t
            .post(
                &format!("/api/v1/cases/{id}/acknowledge"),
                Some(&sam.token),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let dup = |id: String, of: String| {
        let t = &t;
        let token = sam.token.clone();
        async move {
            t.post(
                &format!("/api/v1/cases/{id}/decision"),
                Some(&token),
                json!({ "outcome": "rejected", "reason": "duplicate", "duplicate_of": of }),
            )
            .await
        }
    };
    let refused = |(s, v): (StatusCode, serde_json::Value)| {
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["field"], "duplicate_of", "{v}");
        (
            v["error"]["code"].as_str().unwrap().to_owned(),
            v["error"]["message"].as_str().unwrap().to_owned(),
        )
    };
    let missing = "EMB-7K3Q-9XHM-2RPA".to_owned();
    let (code_unseen, msg_unseen) = refused(dup(a.clone(), unseen.clone()).await);
    let (code_missing, msg_missing) = refused(dup(a.clone(), missing.clone()).await);
    assert_eq!(code_unseen, code_missing);
    assert_eq!(
        msg_unseen.replace(&unseen, "X"),
        msg_missing.replace(&missing, "X"),
        "an unseen case reads as a missing one"
    );
    // Seeing the other project's case changes nothing: duplicates stay in their project.
    t.app
        .change_project(
            &embargo_core::actor::Actor::Operator,
            "vitess",
            embargo_core::project::ProjectCommand::SetMember {
                user: embargo_core::actor::UserRef {
                    id: embargo_core::ids::UserId(sam.id),
                    name: sam.name.clone(),
                },
                role: Role::SecurityTeam,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        refused(dup(a.clone(), unseen.clone()).await).0,
        code_missing
    );
    assert_eq!(refused(dup(a.clone(), a.clone()).await).0, "not_allowed");
    // B duplicates the kept case; A may not point at B, and is told to name the kept one.
    assert_eq!(dup(b.clone(), kept.clone()).await.0, StatusCode::OK);
    let (code, message) = refused(dup(a.clone(), b.clone()).await);
    assert_eq!(code, "not_allowed");
    assert!(message.contains(&kept), "{message}");
    // Refusals changed nothing; the kept case is accepted.
    let (_, seen) = t.get(&format!("/api/v1/cases/{a}"), Some(&sam.token)).await;
    assert_eq!(seen["stage"], "triage", "{seen}");
    assert_eq!(dup(a.clone(), kept.clone()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn duplicates_on_sqlite() {
    duplicates_point_at_a_kept_case_the_actor_sees(Db::Sqlite).await;
}

#[tokio::test]
async fn duplicates_on_postgres() {
    duplicates_point_at_a_kept_case_the_actor_sees(Db::Postgres).await;
}
