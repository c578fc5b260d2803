//! Privileges are visible (issue 11, item 6): a member who leaves a project leaves its
//! cases too and does not get them back when added again; an instance admin giving
//! themselves a role is on the project's record and in the security log.

use super::support::*;
use embargo_core::actor::ActorRef;
use embargo_core::project::{ProjectEvent, Role};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn leaving_ends_collaborations(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let otto = t
        .person("otto@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let (id, _) = t.report("connect", minimal_report("a report")).await;
    let case = format!("/api/v1/cases/{id}");
    let (s, v) = t
        .post(
            &format!("{case}/collaborators"),
            Some(&sam.token),
            json!({ "user_id": otto.id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(t.get(&case, Some(&otto.token)).await.0, StatusCode::OK);

    // Otto leaves the project, then is added again.
    let member = format!("/api/v1/projects/connect/members/{}", otto.id);
    let res = t
        .req(Method::DELETE, &member, Some(&ada.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (s, v) = t
        .put(&member, Some(&ada.token), json!({ "role": "maintainer" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The case answers him exactly as a case that does not exist.
    let theirs = t.get(&case, Some(&otto.token)).await;
    let missing = t
        .get("/api/v1/cases/EMB-7K3Q-9XHM-2RPA", Some(&otto.token))
        .await;
    assert_eq!(theirs.0, StatusCode::NOT_FOUND);
    assert_eq!(theirs.1, missing.1);
    let (_, c) = t.get(&case, Some(&sam.token)).await;
    let on_case: Vec<i64> = c["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert!(!on_case.contains(&otto.id), "{c}");
    // The case's timeline says so.
    let (_, events) = t
        .get(&format!("{case}/events?limit=200"), Some(&sam.token))
        .await;
    assert!(
        events.to_string().contains("collaborator_removed"),
        "{events}"
    );

    // Ivy, an instance admin, gives herself a role: the project's record names her.
    let (s, _) = t
        .put(
            &format!("/api/v1/projects/connect/members/{}", ivy.id),
            Some(&ivy.token),
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let slug = embargo_core::ids::ProjectSlug::parse("connect").unwrap();
    let stream = t.app.store().project_events(&slug).await.unwrap();
    let last = &stream.last().unwrap().recorded;
    assert!(
        matches!(&last.actor, ActorRef::User(u) if u.id.0 == ivy.id),
        "{last:?}"
    );
    assert!(
        matches!(&last.event, ProjectEvent::MemberSet { member } if member.user.id.0 == ivy.id && member.role == Role::Admin)
    );
    let (_, log) = t.get("/api/v1/security-events", Some(&ivy.token)).await;
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "role_removed").count(),
        1,
        "{log}"
    );
    assert!(log.to_string().contains("to themselves"), "{log}");
}

#[tokio::test]
async fn leaving_ends_collaborations_on_sqlite() {
    leaving_ends_collaborations(Db::Sqlite).await;
}

#[tokio::test]
async fn leaving_ends_collaborations_on_postgres() {
    leaving_ends_collaborations(Db::Postgres).await;
}
