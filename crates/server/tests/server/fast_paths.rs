//! Issue 13 item 1 and 2: the read path writes nothing and reads the project only when
//! it changed, intake commits reports together; and none of it changes what anyone
//! sees: a token's use is still recorded within the minute, a revoked token is refused
//! at once, a project's change is seen at once by every instance, every report answered
//! 201 is stored.

use super::support::*;
use embargo_core::actor::Actor;
use embargo_core::ids::UserId;
use embargo_core::project::{ProjectCommand, Role};
use embargo_server::app::{App, user_ref};
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};

/// What the database holds as the token's last use, read past the app.
async fn stored_last_use(t: &TestApp, who: &Person) -> Option<embargo_core::Timestamp> {
    let tokens = t.app.store().api_tokens(UserId(who.id)).await.unwrap();
    assert_eq!(tokens.len(), 1);
    tokens[0].last_used_at
}

/// A project with one case and a security-team member: the app, the member and the
/// case's API path.
async fn one_case(db: Db) -> (TestApp, Person, String) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, _) = t.report("connect", minimal_report("A crash")).await;
    (t, sam, format!("/api/v1/cases/{id}"))
}

async fn token_use_is_recorded_within_the_minute_off_the_request_path(db: Db) {
    let (t, sam, case) = one_case(db).await;
    let t0 = t.app.now();

    assert_eq!(t.get(&case, Some(&sam.token)).await.0, StatusCode::OK);
    // The request wrote nothing; the use waits in memory for the next flush.
    assert_eq!(stored_last_use(&t, &sam).await, None);
    t.app.flush_token_uses().await.unwrap();
    assert_eq!(stored_last_use(&t, &sam).await, Some(t0));

    // Within the minute a use is not noted again.
    t.clock.advance(SignedDuration::from_secs(59));
    assert_eq!(t.get(&case, Some(&sam.token)).await.0, StatusCode::OK);
    t.app.flush_token_uses().await.unwrap();
    assert_eq!(stored_last_use(&t, &sam).await, Some(t0));

    // A minute on, it is.
    t.clock.advance(SignedDuration::from_secs(1));
    let t1 = t.app.now();
    assert_eq!(t.get(&case, Some(&sam.token)).await.0, StatusCode::OK);
    t.app.flush_token_uses().await.unwrap();
    assert_eq!(stored_last_use(&t, &sam).await, Some(t1));

    // The token list shows every noted use, flushed or not.
    t.clock.advance(SignedDuration::from_secs(120));
    let t2 = t.app.now();
    assert_eq!(t.get(&case, Some(&sam.token)).await.0, StatusCode::OK);
    let (status, listed) = t.get("/api/v1/me/tokens", Some(&sam.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed[0]["last_used_at"], t2.to_string(), "{listed}");
}

#[tokio::test]
async fn token_use_is_recorded_within_the_minute_off_the_request_path_sqlite() {
    token_use_is_recorded_within_the_minute_off_the_request_path(Db::Sqlite).await;
}

#[tokio::test]
async fn token_use_is_recorded_within_the_minute_off_the_request_path_postgres() {
    token_use_is_recorded_within_the_minute_off_the_request_path(Db::Postgres).await;
}

/// Revokes `token` (its holder's only one) through the API, as its holder.
async fn revoke_own_token(t: &TestApp, token: &str) {
    let (_, listed) = t.get("/api/v1/me/tokens", Some(token)).await;
    let token_id = listed[0]["id"].as_i64().unwrap();
    let res = t
        .req(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{token_id}"),
            Some(token),
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
}

async fn a_revoked_token_is_refused_at_once(db: Db) {
    let (t, sam, case) = one_case(db).await;
    assert_eq!(t.get(&case, Some(&sam.token)).await.0, StatusCode::OK);
    revoke_own_token(&t, &sam.token).await;
    // The very next request, with no time passing and nothing flushed.
    let (status, body) = t.get(&case, Some(&sam.token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "invalid_token", "{body}");
    // Noted uses of the revoked token still flush without error.
    t.app.flush_token_uses().await.unwrap();
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_sqlite() {
    a_revoked_token_is_refused_at_once(Db::Sqlite).await;
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_postgres() {
    a_revoked_token_is_refused_at_once(Db::Postgres).await;
}

/// `GET /cases/{id}` with an API token reads the token and the case in one statement:
/// it must answer exactly as the two reads did. A token that is not live is a 401
/// whatever the case; a case its holder may not see answers as one that does not exist.
async fn a_token_and_its_case_read_together_answer_as_apart(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vtgate"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let olga = t
        .person("olga@example.org", Some(("vitess", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("A crash")).await;
    let case = format!("/api/v1/cases/{id}");
    let missing = "/api/v1/cases/EMB-0000-0000-0000";
    let malformed = "/api/v1/cases/not-a-case";

    let (status, body) = t.get(&case, Some(&sam.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], id.as_str(), "{body}");
    assert_eq!(body["title"], "A crash", "{body}");

    let not_found = t.get(missing, Some(&sam.token)).await;
    assert_eq!(not_found.0, StatusCode::NOT_FOUND);
    assert_eq!(t.get(malformed, Some(&sam.token)).await, not_found);
    // Another project's member: the case is not there for them.
    assert_eq!(t.get(&case, Some(&olga.token)).await, not_found);

    // A token that opens nothing: 401 for a case, a missing one, a malformed id alike.
    let forged = format!("{}x", sam.token);
    for path in [case.as_str(), missing, malformed] {
        let (status, body) = t.get(path, Some(&forged)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_token", "{path}: {body}");
    }

    // The reporter's tracking token and no token at all still go the other way.
    let (status, body) = t.get(&case, Some(&tracking)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(t.get(&case, None).await, not_found);

    // Olga's token revoked: a 401 on a missing case too, not a 404.
    revoke_own_token(&t, &olga.token).await;
    assert_eq!(
        t.get(missing, Some(&olga.token)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_token_and_its_case_read_together_answer_as_apart_sqlite() {
    a_token_and_its_case_read_together_answer_as_apart(Db::Sqlite).await;
}

#[tokio::test]
async fn a_token_and_its_case_read_together_answer_as_apart_postgres() {
    a_token_and_its_case_read_together_answer_as_apart(Db::Postgres).await;
}

/// Membership changes made through another instance (another process's cache) are
/// seen by this one's very next read: the project is cached by the version read with
/// the case.
async fn project_changes_are_seen_at_once_by_every_instance(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let (id, _) = t.report("connect", minimal_report("A crash")).await;
    let case = format!("/api/v1/cases/{id}");
    let other: App = t.second_instance().await;
    let mia_user = t.app.user(UserId(mia.id)).await.unwrap().unwrap();

    // A maintainer not on the case: as if it did not exist (and now cached).
    assert_eq!(
        t.get(&case, Some(&mia.token)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&case, Some(&mia.token)).await.0,
        StatusCode::NOT_FOUND
    );

    other
        .change_project(
            &Actor::Operator,
            "connect",
            ProjectCommand::SetMember {
                user: user_ref(&mia_user),
                role: Role::SecurityTeam,
            },
        )
        .await
        .unwrap();
    let (status, body) = t.get(&case, Some(&mia.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], id.as_str());

    other
        .change_project(
            &Actor::Operator,
            "connect",
            ProjectCommand::RemoveMember { user: mia_user.id },
        )
        .await
        .unwrap();
    assert_eq!(
        t.get(&case, Some(&mia.token)).await.0,
        StatusCode::NOT_FOUND
    );

    // A rename through the other instance shows in this one's project page at once.
    other
        .change_project(
            &Actor::Operator,
            "connect",
            ProjectCommand::Update {
                name: Some("Connect Renamed".into()),
                guidance: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.app.project("connect").await.unwrap().name,
        "Connect Renamed"
    );
}

#[tokio::test]
async fn project_changes_are_seen_at_once_by_every_instance_sqlite() {
    project_changes_are_seen_at_once_by_every_instance(Db::Sqlite).await;
}

#[tokio::test]
async fn project_changes_are_seen_at_once_by_every_instance_postgres() {
    project_changes_are_seen_at_once_by_every_instance(Db::Postgres).await;
}

/// Reports sent at once (group commit): each is answered 201 with its case, and each
/// answered case is stored, readable by the team and by its reporter right away.
async fn reports_sent_together_are_each_stored_before_their_answer(db: Db) {
    let t = TestApp::build(db, |s| s.limits.reports_per_hour = 1_000).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mut sends = tokio::task::JoinSet::new();
    for n in 0..40 {
        let send = t
            .req(Method::POST, "/api/v1/projects/connect/reports", None)
            .json(&minimal_report(&format!("Report {n}")))
            .send();
        sends.spawn(send);
    }
    let mut ids = Vec::new();
    while let Some(res) = sends.join_next().await {
        let (status, body) = json_of(res.unwrap().unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().unwrap().to_owned();
        let tracking = body["tracking_token"].as_str().unwrap().to_owned();
        let (status, own) = t.get(&format!("/api/v1/cases/{id}"), Some(&tracking)).await;
        assert_eq!(status, StatusCode::OK, "{own}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    for id in &ids {
        let (status, _) = t
            .get(&format!("/api/v1/cases/{id}"), Some(&sam.token))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let verified = t.app.store().verify().await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

#[tokio::test]
async fn reports_sent_together_are_each_stored_before_their_answer_sqlite() {
    reports_sent_together_are_each_stored_before_their_answer(Db::Sqlite).await;
}

#[tokio::test]
async fn reports_sent_together_are_each_stored_before_their_answer_postgres() {
    reports_sent_together_are_each_stored_before_their_answer(Db::Postgres).await;
}
