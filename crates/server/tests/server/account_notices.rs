//! Privileges are visible (issue 11 item 6): a new API token, a second factor set up or
//! removed, a project role given or taken reach the account they concern, in the app
//! and by mail (through a real SMTP receiver); an admin who gives themselves a role is
//! heard of by the project's other admins. No notice or mail holds a token, a secret or
//! a recovery code, and nobody reads another account's notices.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::app::second_factor::code_at;
use embargo_server::worker::run_due;
use embargo_testkit::smtp::{ReceivedMail, SmtpReceiver};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn with_smtp(db: Db, smtp: &SmtpReceiver) -> TestApp {
    let url = smtp.url();
    TestApp::build(db, |s| {
        s.mail.smtp_url = Some(url);
        s.mail.from = Some("security@connect.example".into());
    })
    .await
}

use mail_text as text;

/// The mail `address` got after the first `seen` mails of the receiver.
fn new_for(smtp: &SmtpReceiver, seen: usize, address: &str) -> Vec<ReceivedMail> {
    smtp.received()
        .into_iter()
        .skip(seen)
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect()
}

async fn notices(t: &TestApp, token: &str) -> Value {
    let (s, v) = t
        .get("/api/v1/account-notifications?limit=200", Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn kinds(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn privilege_changes_reach_the_account(db: Db) {
    let smtp = SmtpReceiver::start();
    let t = with_smtp(db, &smtp).await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let sam = t.person("sam@example.org", None).await;
    let mut secrets = vec![sam.token.clone(), ada.token.clone()];

    // A new token.
    let (s, v) = t
        .post(
            "/api/v1/me/tokens",
            Some(&sam.token),
            json!({ "name": "ci" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    secrets.push(v["token"].as_str().unwrap().to_owned());

    // A second factor set up, then removed.
    let me = "/api/v1/me/second-factor";
    let (s, v) = t.post(me, Some(&sam.token), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let secret = v["secret"].as_str().unwrap().to_owned();
    secrets.push(secret.clone());
    let code = code_at(&secret, t.app.now().as_second()).unwrap();
    let (s, v) = t
        .post(
            &format!("{me}/confirm"),
            Some(&sam.token),
            json!({ "code": code }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let codes: Vec<String> = v["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let (s, v) = t
        .post(
            &format!("{me}/remove"),
            Some(&sam.token),
            json!({ "code": codes[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    secrets.extend(codes);

    // A role given, then taken away, by Ada.
    let member = format!("/api/v1/projects/connect/members/{}", sam.id);
    let (s, v) = t
        .put(&member, Some(&ada.token), json!({ "role": "maintainer" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let res = t
        .req(Method::DELETE, &member, Some(&ada.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // In the app, newest first.
    let v = notices(&t, &sam.token).await;
    assert_eq!(
        kinds(&v),
        [
            "role_removed",
            "role_granted",
            "second_factor_removed",
            "second_factor_enrolled",
            "token_created",
            "token_created",
        ],
        "{v}"
    );
    assert_eq!(v["unread"], 6);
    let said = v.to_string();
    assert!(
        said.contains("maintainer of project `connect` by ada"),
        "{said}"
    );
    assert!(said.contains("“ci”"), "{said}");

    // By mail: one each, to Sam alone.
    assert!(run_due(&t.app).await.unwrap() >= 6);
    let mails = received_by(&smtp, "sam@example.org");
    let subjects: Vec<String> = mails.iter().map(text).collect();
    for headline in [
        "a new API token on your account",
        "a second factor was set up on your account",
        "the second factor of your account was removed",
        "you were given a project role",
        "you were removed from a project",
    ] {
        assert!(
            subjects.iter().any(|m| m.contains(headline)),
            "no mail says {headline}: {subjects:#?}"
        );
    }
    assert_eq!(mails.len(), 6, "{subjects:#?}");
    assert!(
        subjects
            .iter()
            .any(|m| m.contains("removed from project `connect` by ada"))
    );

    // Never a token, a secret or a recovery code, in any mail or notice of anyone.
    let everything = format!(
        "{said}{}{}",
        notices(&t, &ada.token).await,
        smtp.received().iter().map(text).collect::<String>()
    );
    for s in &secrets {
        assert!(!everything.contains(s.as_str()), "{s} leaked");
    }

    // Ada's notices are hers (her token, her role), none of Sam's.
    let theirs = notices(&t, &ada.token).await;
    assert_eq!(
        kinds(&theirs),
        ["token_created", "role_granted"],
        "{theirs}"
    );

    // Sam's page shows them; marking one read counts down, on the page and in the API.
    let web = t.signed_in("sam@example.org").await;
    let page = web.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Your account"), "{}", page.html);
    assert!(
        page.html
            .contains("You were removed from project `connect` by ada"),
        "{}",
        page.html
    );
    let newest = v["items"][0]["id"].as_i64().unwrap();
    let out = web
        .submit(
            "/notifications",
            &format!("/notifications/account/{newest}/read"),
            &[],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let v = notices(&t, &sam.token).await;
    assert_eq!(v["unread"], 5);
    assert_eq!(v["items"][0]["read"], true);
    let (s, m) = t
        .post(
            "/api/v1/account-notifications/read",
            Some(&sam.token),
            json!({}),
        )
        .await;
    assert_eq!((s, m["marked"].clone()), (StatusCode::OK, json!(5)));
    assert_eq!(notices(&t, &sam.token).await["unread"], 0);
}

#[tokio::test]
async fn privilege_changes_reach_the_account_on_sqlite() {
    privilege_changes_reach_the_account(Db::Sqlite).await;
}

#[tokio::test]
async fn privilege_changes_reach_the_account_on_postgres() {
    privilege_changes_reach_the_account(Db::Postgres).await;
}

async fn an_admin_taking_a_role_is_heard_of_by_the_project_admins(db: Db) {
    let smtp = SmtpReceiver::start();
    let t = with_smtp(db, &smtp).await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let ivy = t.instance_admin("ivy@example.org").await;
    run_due(&t.app).await.unwrap();
    let seen = smtp.received().len();

    // Ivy, an instance admin, makes herself admin of a project she was not part of.
    let member = format!("/api/v1/projects/connect/members/{}", ivy.id);
    let (s, v) = t
        .put(&member, Some(&ivy.token), json!({ "role": "admin" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run_due(&t.app).await.unwrap();
    let to_ada = new_for(&smtp, seen, "ada@example.org");
    assert_eq!(to_ada.len(), 1);
    let mail = text(&to_ada[0]);
    assert!(
        mail.contains("an admin gave themselves a role on your project"),
        "{mail}"
    );
    assert!(
        mail.contains("ivy (user ") && mail.contains("made themselves admin of project `connect`"),
        "{mail}"
    );
    assert!(
        new_for(&smtp, seen, "sam@example.org").is_empty(),
        "admins only"
    );
    assert_eq!(
        new_for(&smtp, seen, "ivy@example.org").len(),
        1,
        "her own grant"
    );
    let v = notices(&t, &ada.token).await;
    assert_eq!(kinds(&v)[0], "role_taken_by_themselves", "{v}");
    assert!(!kinds(&notices(&t, &sam.token).await).contains(&"role_taken_by_themselves".into()));

    // And again when she leaves, so reading and leaving is not unseen either.
    let seen = smtp.received().len();
    let res = t
        .req(Method::DELETE, &member, Some(&ivy.token))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    run_due(&t.app).await.unwrap();
    let to_ada = new_for(&smtp, seen, "ada@example.org");
    assert_eq!(to_ada.len(), 1);
    assert!(
        text(&to_ada[0]).contains("removed themselves from project `connect`"),
        "{}",
        text(&to_ada[0])
    );
    let web = t.signed_in("ada@example.org").await;
    let page = web.get("/notifications").await.html;
    assert!(
        page.contains("made themselves admin of project `connect`"),
        "{page}"
    );
    assert!(
        page.contains("removed themselves from project `connect`"),
        "{page}"
    );
}

#[tokio::test]
async fn an_admin_taking_a_role_is_heard_of_by_the_project_admins_on_sqlite() {
    an_admin_taking_a_role_is_heard_of_by_the_project_admins(Db::Sqlite).await;
}

#[tokio::test]
async fn an_admin_taking_a_role_is_heard_of_by_the_project_admins_on_postgres() {
    an_admin_taking_a_role_is_heard_of_by_the_project_admins(Db::Postgres).await;
}
