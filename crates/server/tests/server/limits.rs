//! Bounded resources (issue 11, item 5): wrong passwords from elsewhere spend an
//! account's sign-in budget, but not for a browser that signed in to it before.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

fn from(t: &TestApp, address: &str) -> WebClient {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", HeaderValue::from_str(address).unwrap());
    WebClient::with_headers(t, h)
}

async fn try_sign_in(web: &WebClient, email: &str, password: &str) -> StatusCode {
    web.submit(
        "/login",
        "/login",
        &[("email", email), ("password", password)],
    )
    .await
    .status
}

async fn a_known_browser_is_not_locked_out(db: Db) {
    let t = TestApp::build(db, |s| {
        s.auth.login_attempts_per_minute = 3;
        s.auth.client_ip_header = "x-forwarded-for".into();
    })
    .await;
    t.project("connect", &["go"]).await;
    t.person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.person("olga@example.org", Some(("connect", Role::Maintainer)))
        .await;
    t.set_password("sam@example.org").await;
    t.set_password("olga@example.org").await;

    // Sam's laptop and Olga's browser signed in before.
    let laptop = from(&t, "192.0.2.10");
    assert_eq!(
        try_sign_in(&laptop, "sam@example.org", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let olgas = from(&t, "192.0.2.20");
    assert_eq!(
        try_sign_in(&olgas, "olga@example.org", PASSWORD).await,
        StatusCode::SEE_OTHER
    );

    // Someone guesses Sam's password from ever new addresses until the account's
    // budget is gone.
    let mut locked = false;
    for n in 1..=10 {
        let guesser = from(&t, &format!("203.0.113.{n}"));
        if try_sign_in(&guesser, "sam@example.org", "a wrong guess").await
            == StatusCode::TOO_MANY_REQUESTS
        {
            locked = true;
            break;
        }
    }
    assert!(locked, "the account's budget ran out");
    // A new browser, even with the right password, waits.
    let stranger = from(&t, "198.51.100.7");
    assert_eq!(
        try_sign_in(&stranger, "sam@example.org", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A cookie signed for Olga does not pass Sam's budget.
    assert_eq!(
        try_sign_in(&olgas, "sam@example.org", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Sam's laptop signs in.
    assert_eq!(
        try_sign_in(&laptop, "sam@example.org", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let home = laptop.get("/settings/sessions").await;
    assert_eq!(home.status, StatusCode::OK);
}

#[tokio::test]
async fn a_known_browser_is_not_locked_out_on_sqlite() {
    a_known_browser_is_not_locked_out(Db::Sqlite).await;
}

#[tokio::test]
async fn a_known_browser_is_not_locked_out_on_postgres() {
    a_known_browser_is_not_locked_out(Db::Postgres).await;
}

/// A megabyte in `email` is refused like any wrong address, and keeps nothing of it.
#[tokio::test]
async fn a_megabyte_email_is_just_a_wrong_address() {
    let t = TestApp::new().await;
    let web = WebClient::new(&t);
    let huge = "a".repeat(1 << 20);
    let status = try_sign_in(&web, &huge, "whatever").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
