//! The security log (issue 11, item 8): sign-ins, refusals, rate limiting and role
//! grants are kept with the route, the client address and the account, never a token
//! or a password, and instance admins page through them newest first.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn all_events(t: &TestApp, token: &str) -> Vec<Value> {
    let (s, v) = t
        .get("/api/v1/security-events?limit=200", Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn find<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

async fn security_events_are_kept_and_paged(db: Db) {
    let t = TestApp::build(db, |s| s.auth.login_attempts_per_minute = 4).await;
    t.project("connect", &["go"]).await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password("sam@example.org").await;
    let (_, tracking) = t.report("connect", minimal_report("a report")).await;

    // A wrong password, then the right one.
    let web = WebClient::new(&t);
    let out = web
        .submit(
            "/login",
            "/login",
            &[
                ("email", "sam@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_ne!(out.status, StatusCode::SEE_OTHER);
    web.sign_in("sam@example.org").await;
    // A form without its token.
    let out = web.post("/logout", &[("csrf", "forged")]).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    // A token that opens nothing, and a reporter asking for a member's listing.
    let (s, _) = t.get("/api/v1/me", Some("emb_pat_forged")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = t.get("/api/v1/notifications", Some(&tracking)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An instance admin gives themselves a role on the project.
    let (s, v) = t
        .put(
            &format!("/api/v1/projects/connect/members/{}", ivy.id),
            Some(&ivy.token),
            json!({ "role": "security-team" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The instance admin signs in to the pages (before the guessing below spends this
    // address's budget).
    t.set_password("ivy@example.org").await;
    let admin = WebClient::new(&t);
    admin.sign_in("ivy@example.org").await;
    // Guessing passwords until the limiter answers.
    let guesser = WebClient::new(&t);
    let mut limited = false;
    for _ in 0..10 {
        let out = guesser
            .submit(
                "/login",
                "/login",
                &[("email", "nobody@example.org"), ("password", "guess")],
            )
            .await;
        if out.status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the limiter answered");

    let events = all_events(&t, &ivy.token).await;
    let text = serde_json::to_string(&events).unwrap();
    for secret in [
        PASSWORD,
        "not the password",
        "emb_pat_forged",
        "forged",
        &tracking,
        &ivy.token,
    ] {
        assert!(!text.contains(secret), "{secret:?} in {text}");
    }
    for e in &events {
        assert_eq!(e["client"], "127.0.0.1", "{e}");
    }

    let failed = find(&events, "sign_in_failed");
    assert!(failed.iter().any(|e| e["account"] == sam.id), "{failed:?}");
    assert!(failed.iter().all(|e| e["route"] == "/login"));
    assert!(
        failed.iter().any(|e| e["account"].is_null()),
        "an unknown address names no account: {failed:?}"
    );
    let ok = find(&events, "sign_in_succeeded");
    assert_eq!(ok.len(), 2, "{ok:?}");
    assert_eq!(ok[1]["account"], sam.id, "older: Sam's");
    assert_eq!(ok[0]["account"], ivy.id);
    let csrf = find(&events, "csrf_refused");
    assert_eq!(csrf.len(), 1, "{csrf:?}");
    assert_eq!(csrf[0]["route"], "/logout");
    assert_eq!(csrf[0]["account"], sam.id, "the signed-in caller");
    let bad = find(&events, "bad_token");
    assert!(bad.iter().any(|e| e["route"] == "/api/v1/me"), "{bad:?}");
    let denied = find(&events, "denied");
    assert!(
        denied.iter().any(|e| e["route"] == "/api/v1/notifications"),
        "{denied:?}"
    );
    let granted = find(&events, "role_granted");
    assert_eq!(granted.len(), 1, "{granted:?}");
    assert_eq!(granted[0]["account"], ivy.id);
    let detail = granted[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("connect")
            && detail.contains("security-team")
            && detail.contains("to themselves"),
        "{detail}"
    );
    assert_eq!(find(&events, "rate_limited").len(), 1, "{events:?}");

    // Keyset pages of two, newest first, cover the same events once each.
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let path = format!("/api/v1/security-events?limit=2{after}");
        let (s, page) = t.get(&path, Some(&ivy.token)).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        match page["next"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => break,
        }
    }
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(seen, ids);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    // Bad paging input names its field and changes nothing.
    let (s, v) = t
        .get("/api/v1/security-events?limit=0", Some(&ivy.token))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "limit");
    let (s, v) = t
        .get("/api/v1/security-events?after=zz", Some(&ivy.token))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "after");

    // The instance admin's page lists them.
    let page = admin.get("/admin/security").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("csrf_refused") && page.html.contains("role_granted"),
        "{}",
        page.html
    );
    assert!(!page.html.contains(PASSWORD));
    // Signed-in members who are not instance admins get the page everyone gets for
    // what does not exist.
    let nope = web.get("/admin/no-such-page").await;
    let theirs = web.get("/admin/security").await;
    assert_eq!((theirs.status, theirs.html), (nope.status, nope.html));
}

#[tokio::test]
async fn security_events_on_sqlite() {
    security_events_are_kept_and_paged(Db::Sqlite).await;
}

#[tokio::test]
async fn security_events_on_postgres() {
    security_events_are_kept_and_paged(Db::Postgres).await;
}

/// The table keeps the newest events only.
#[tokio::test]
async fn the_security_log_is_bounded() {
    for db in [Db::Sqlite, Db::Postgres] {
        let t = TestApp::on(db).await;
        let store = t.app.store();
        for n in 0..12 {
            store
                .record_security_event(
                    &embargo_store::NewSecurityEvent {
                        at: t.app.now(),
                        kind: "denied".into(),
                        route: "/r".into(),
                        client: "192.0.2.1".into(),
                        account: None,
                        detail: format!("{n}"),
                    },
                    5,
                )
                .await
                .unwrap();
        }
        let page = store
            .security_events(&embargo_store::PageRequest::largest(None))
            .await
            .unwrap();
        let details: Vec<&str> = page.items.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(details, ["11", "10", "9", "8", "7"]);
    }
}
