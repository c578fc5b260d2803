//! Single sign-on (issue 11, item 2) against a real OpenID provider: the npm
//! `oidc-provider` package that scripts/test starts once per run
//! (`EMBARGO_TEST_OIDC_ISSUER`). Its development login form takes an account id and no
//! password; scripts/oidc-provider/provider.mjs says which id gives which claims.

use super::support::{Db, PageOut, TestApp, WebClient};
use embargo_server::settings::{OidcProvider, ProviderKind};
use reqwest::StatusCode;

/// The redirect URI registered at the provider is under this public URL; the test
/// plays the browser and brings the provider's answer to the real server.
const PUBLIC: &str = "http://embargo.test";

fn issuer() -> String {
    std::env::var("EMBARGO_TEST_OIDC_ISSUER")
        .expect("EMBARGO_TEST_OIDC_ISSUER: run the tests with scripts/test, which starts the OpenID provider")
}

async fn app(db: Db) -> TestApp {
    TestApp::build(db, |s| {
        s.public_url = Some(PUBLIC.into());
        s.auth.oidc = vec![OidcProvider {
            kind: ProviderKind::Oidc,
            id: "local".into(),
            name: "Local ID".into(),
            issuer: issuer(),
            client_id: "embargo-test".into(),
            client_secret: Some("embargo-test-client-secret-0123456789".into()),
            client_secret_file: None,
            allow_http: true,
        }];
    })
    .await
}

/// Plays the browser through the provider's login and consent as `login`, and
/// returns what the server answered when the provider sent the browser back.
async fn through_provider(web: &WebClient, login: &str) -> PageOut {
    let start = web
        .submit(
            "/login",
            "/login/oidc/local",
            &[("next", "/settings/sessions")],
        )
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.html);
    let mut url = reqwest::Url::parse(start.location()).unwrap();
    assert!(url.as_str().starts_with(&issuer()), "{url}");
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "code_challenge_method" && v == "S256"),
        "PKCE with S256: {url}"
    );
    // The provider's own cookies are its business: a client of its own.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..12 {
        if url.as_str().starts_with(PUBLIC) {
            let path = &url.as_str()[PUBLIC.len()..];
            return web.get(path).await;
        }
        let res = browser.get(url.clone()).send().await.unwrap();
        if res.status().is_redirection() {
            let to = res.headers()["location"].to_str().unwrap().to_owned();
            url = url.join(&to).unwrap();
            continue;
        }
        let html = res.text().await.unwrap();
        // The development interaction: a login form, then a consent form, posted
        // back to the page's own URL.
        let prompt = if html.contains(r#"name="login""#) {
            "login"
        } else {
            "consent"
        };
        let res = browser
            .post(url.clone())
            .form(&[("prompt", prompt), ("login", login), ("password", "-")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{prompt}: {}", res.status());
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        url = url.join(&to).unwrap();
    }
    panic!("the provider never sent the browser back");
}

fn session_cookie_set(out: &PageOut) -> bool {
    out.headers.get_all("set-cookie").iter().any(|v| {
        v.to_str().unwrap().starts_with("embargo_session=")
            && !v.to_str().unwrap().starts_with("embargo_session=;")
    })
}

async fn signs_in_by_verified_address_then_by_subject(db: Db) {
    let t = app(db).await;
    let alice = t.person("alice@example.org", None).await;
    let web = WebClient::new(&t);
    let login = web.get("/login").await;
    assert!(
        login.html.contains("Sign in with Local ID"),
        "{}",
        login.html
    );

    let back = through_provider(&web, "alice@example.org").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    assert_eq!(
        back.location(),
        "/settings/sessions",
        "back where the person was going"
    );
    assert!(session_cookie_set(&back));
    let page = web.get("/settings/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&alice.name), "signed in as Alice");

    // The link is an event of the accounts stream, and the chain and rows agree.
    let events = t.app.store().account_events().await.unwrap();
    let linked = events
        .iter()
        .filter(|e| e.recorded.event.kind() == "identity_linked")
        .count();
    assert_eq!(linked, 1);
    assert!(t.app.store().verify().await.unwrap().is_ok());

    // The second time, the subject opens the account; no second link.
    let web2 = WebClient::new(&t);
    let back = through_provider(&web2, "alice@example.org").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    let events = t.app.store().account_events().await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.recorded.event.kind() == "identity_linked")
            .count(),
        1
    );

    // Another person at the provider with Alice's verified address does not get in.
    let web3 = WebClient::new(&t);
    let back = through_provider(&web3, "other:alice@example.org").await;
    assert_eq!(back.status, StatusCode::UNAUTHORIZED);
    assert!(
        back.html.contains("linked to another Local ID account"),
        "{}",
        back.html
    );
    assert!(!session_cookie_set(&back));
}

#[tokio::test]
async fn signs_in_by_verified_address_then_by_subject_on_sqlite() {
    signs_in_by_verified_address_then_by_subject(Db::Sqlite).await;
}

#[tokio::test]
async fn signs_in_by_verified_address_then_by_subject_on_postgres() {
    signs_in_by_verified_address_then_by_subject(Db::Postgres).await;
}

async fn refuses_what_it_cannot_trust(db: Db) {
    let t = app(db).await;
    t.person("alice@example.org", None).await;
    let users_before = t.app.store().users().await.unwrap().len();

    for (login, says) in [
        (
            "unverified:alice@example.org",
            "has not verified your e-mail address",
        ),
        ("noemail:alice", "did not tell Embargo your e-mail address"),
        (
            "mallory@example.org",
            "no Embargo account has the address mallory@example.org",
        ),
    ] {
        let web = WebClient::new(&t);
        let back = through_provider(&web, login).await;
        assert_eq!(back.status, StatusCode::UNAUTHORIZED, "{login}");
        assert!(back.html.contains(says), "{login}: {}", back.html);
        assert!(!session_cookie_set(&back), "{login}");
        // The page stays a sign-in page, with the providers still offered.
        assert!(back.html.contains("Sign in with Local ID"));
    }
    assert_eq!(
        t.app.store().users().await.unwrap().len(),
        users_before,
        "a provider never creates an account"
    );

    // A provider's answer brought to another browser (login CSRF), or twice.
    let web = WebClient::new(&t);
    let start = web
        .submit("/login", "/login/oidc/local", &[("next", "/")])
        .await;
    let state = reqwest::Url::parse(start.location())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let stranger = WebClient::new(&t);
    let out = stranger
        .get(&format!(
            "/login/oidc/local/callback?code=abc&state={state}"
        ))
        .await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);
    assert!(
        out.html.contains("not started in this browser"),
        "{}",
        out.html
    );
    let out = web
        .get("/login/oidc/local/callback?code=abc&state=forged")
        .await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);

    // The person cancels at the provider.
    let out = web
        .get("/login/oidc/local/callback?error=access_denied&error_description=End-User%20aborted")
        .await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);
    assert!(
        out.html
            .contains("did not sign you in (access_denied: End-User aborted)")
    );

    // A provider that is not configured is a page that does not exist.
    let out = web.submit("/login", "/login/oidc/nope", &[]).await;
    assert_eq!(out.status, StatusCode::NOT_FOUND);
    let out = web.get("/login/oidc/nope/callback?code=a&state=b").await;
    assert_eq!(out.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refuses_what_it_cannot_trust_on_sqlite() {
    refuses_what_it_cannot_trust(Db::Sqlite).await;
}

#[tokio::test]
async fn refuses_what_it_cannot_trust_on_postgres() {
    refuses_what_it_cannot_trust(Db::Postgres).await;
}

#[tokio::test]
async fn a_used_answer_does_not_sign_in_again() {
    let t = app(Db::Sqlite).await;
    t.person("alice@example.org", None).await;
    let web = WebClient::new(&t);
    // Stop before the server sees the provider's answer, to replay it.
    let start = web
        .submit("/login", "/login/oidc/local", &[("next", "/")])
        .await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = reqwest::Url::parse(start.location()).unwrap();
    while !url.as_str().starts_with(PUBLIC) {
        let res = browser.get(url.clone()).send().await.unwrap();
        let res = if res.status().is_redirection() {
            res
        } else {
            let html = res.text().await.unwrap();
            let prompt = if html.contains(r#"name="login""#) {
                "login"
            } else {
                "consent"
            };
            browser
                .post(url.clone())
                .form(&[("prompt", prompt), ("login", "alice@example.org")])
                .send()
                .await
                .unwrap()
        };
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        url = url.join(&to).unwrap();
    }
    let path = url.as_str()[PUBLIC.len()..].to_owned();
    let first = web.get(&path).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.html);
    let again = web.get(&path).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{}", again.html);
}
