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

/// Issue 12, item 4 through the API: `POST /projects/{slug}/members` adds by e-mail in
/// one step. Only an instance admin makes an account for an unknown address; the
/// answer carries its one-time link. Everyone else is refused and nothing is made.
async fn adding_a_member_by_email(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let otto = t
        .person("otto@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let stranger = t.person("eve@example.org", None).await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let members = "/api/v1/projects/connect/members";
    let new = json!({ "email": "gus@example.org", "name": "Gus", "role": "maintainer" });

    // A stranger learns nothing; a maintainer learns they may not; a project admin is
    // told to ask an instance admin. None of them makes an account.
    let (s, v) = t.post(members, Some(&stranger.token), new.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = t.post(members, Some(&otto.token), new.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = t.post(members, Some(&ada.token), new.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "email", "{v}");
    assert!(v.to_string().contains("instance admin"), "{v}");
    // A bad role is refused before anything is made.
    let (s, v) = t
        .post(
            members,
            Some(&ivy.token),
            json!({ "email": "gus@example.org", "role": "owner" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "role", "{v}");
    assert!(
        t.app
            .user_by_email("gus@example.org")
            .await
            .unwrap()
            .is_none(),
        "no refusal made an account"
    );
    // The missing project is missing.
    let (s, _) = t
        .post(
            "/api/v1/projects/nope/members",
            Some(&ivy.token),
            new.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // An instance admin adds the unknown address: made, added, link in the answer.
    let (s, v) = t.post(members, Some(&ivy.token), new.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let link = v["invitation"]["password_link"].as_str().expect("a link");
    assert!(link.contains("/password/"), "{v}");
    assert_eq!(v["invitation"]["email"], "gus@example.org");
    let gus = t
        .app
        .user_by_email("gus@example.org")
        .await
        .unwrap()
        .expect("the account was made");
    assert_eq!(gus.name, "Gus");
    assert_eq!(v["user_id"], gus.id.0);
    let project = t.app.project("connect").await.unwrap();
    assert_eq!(project.role_of(gus.id), Some(Role::Maintainer));
    // The link works once: Gus sets a password with it.
    let token = link.rsplit('/').next().unwrap();
    t.app
        .set_password_with_link(token, PASSWORD.into())
        .await
        .expect("the link sets a password");

    // A known address is added without a link, by a project admin too.
    let (s, v) = t
        .post(
            members,
            Some(&ada.token),
            json!({ "email": "gus@example.org", "role": "security-team" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["invitation"].is_null(), "{v}");
    let project = t.app.project("connect").await.unwrap();
    assert_eq!(project.role_of(gus.id), Some(Role::SecurityTeam));
    // The same role again is a conflict, and says so.
    let (s, v) = t
        .post(
            members,
            Some(&ada.token),
            json!({ "email": "gus@example.org", "role": "security-team" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
}

#[tokio::test]
async fn adding_a_member_by_email_on_sqlite() {
    adding_a_member_by_email(Db::Sqlite).await;
}

#[tokio::test]
async fn adding_a_member_by_email_on_postgres() {
    adding_a_member_by_email(Db::Postgres).await;
}
