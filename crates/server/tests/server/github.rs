//! Signing in with GitHub (issue 11, item 2): OAuth 2.0 without ID tokens, the account
//! read from GitHub's REST API. The test talks over real HTTP to a double of a GitHub
//! server that answers as GitHub documents it (as a GitHub Enterprise Server at a
//! loopback address: `/login/oauth/*`, then `/api/v3/user` and `/api/v3/user/emails`),
//! down to its quirks: refusals of a code sent with `200 OK`, no API answer without a
//! User-Agent, no addresses without the `user:email` scope.

use super::support::{Db, PageOut, TestApp, WebClient};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode as Status};
use axum::response::{IntoResponse, Json, Redirect, Response};
use base64::Engine;
use embargo_server::settings::{OidcProvider, ProviderKind};
use reqwest::StatusCode;
use serde_json::json;
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const PUBLIC: &str = "http://embargo.test";
const CLIENT_ID: &str = "Iv1.embargo-test";
const CLIENT_SECRET: &str = "github-test-secret-0123456789";

/// One GitHub account: its numeric id, and its addresses (address, primary, verified).
#[derive(Clone)]
struct Account {
    id: u64,
    emails: Vec<(&'static str, bool, bool)>,
}

struct Grant {
    account: u64,
    challenge: String,
    redirect_uri: String,
    scope: String,
}

#[derive(Default)]
struct Hub {
    /// Who the browser is signed in to GitHub as; `None`: the person cancels.
    signed_in: Option<Account>,
    codes: HashMap<String, Grant>,
    /// access token → (account, scope)
    tokens: HashMap<String, (Account, String)>,
    /// The authorization requests seen, for the test to read.
    asked: Vec<HashMap<String, String>>,
}

#[derive(Clone)]
struct GitHub {
    base: String,
    hub: Arc<Mutex<Hub>>,
}

impl GitHub {
    async fn start() -> GitHub {
        let hub = Arc::new(Mutex::new(Hub::default()));
        let router = axum::Router::new()
            .route("/login/oauth/authorize", axum::routing::get(authorize))
            .route("/login/oauth/access_token", axum::routing::post(token))
            .route("/api/v3/user", axum::routing::get(user))
            .route("/api/v3/user/emails", axum::routing::get(emails))
            .with_state(hub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        GitHub { base, hub }
    }

    fn sign_in_as(&self, account: Option<Account>) {
        self.hub.lock().unwrap().signed_in = account;
    }

    fn last_asked(&self) -> HashMap<String, String> {
        self.hub.lock().unwrap().asked.last().cloned().unwrap()
    }
}

fn random() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    u.query_pairs_mut().extend_pairs(pairs);
    u.to_string()
}

async fn authorize(
    State(hub): State<Arc<Mutex<Hub>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut hub = hub.lock().unwrap();
    hub.asked.push(q.clone());
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (Status::NOT_FOUND, "no such application").into_response();
    }
    let redirect_uri = q["redirect_uri"].clone();
    let state = q.get("state").cloned().unwrap_or_default();
    let Some(account) = hub.signed_in.clone() else {
        return Redirect::to(&with_query(
            &redirect_uri,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "The user has denied your application access.",
                ),
                ("state", &state),
            ],
        ))
        .into_response();
    };
    let code = random();
    hub.codes.insert(
        code.clone(),
        Grant {
            account: account.id,
            challenge: q.get("code_challenge").cloned().unwrap_or_default(),
            redirect_uri: redirect_uri.clone(),
            scope: q.get("scope").cloned().unwrap_or_default(),
        },
    );
    Redirect::to(&with_query(
        &redirect_uri,
        &[("code", &code), ("state", &state)],
    ))
    .into_response()
}

/// GitHub answers a refused code with `200 OK` and an `error` field.
fn refusal(error: &str, description: &str) -> Response {
    Json(json!({ "error": error, "error_description": description })).into_response()
}

async fn token(
    State(hub): State<Arc<Mutex<Hub>>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    assert_eq!(
        headers.get("accept").and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "without it GitHub answers form-encoded"
    );
    let mut hub = hub.lock().unwrap();
    if f.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return refusal(
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        );
    }
    let Some(grant) = f.get("code").and_then(|c| hub.codes.remove(c)) else {
        return refusal(
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        );
    };
    if f.get("redirect_uri") != Some(&grant.redirect_uri) {
        return refusal(
            "redirect_uri_mismatch",
            "The redirect_uri MUST match the registered callback URL for this application.",
        );
    }
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    if challenge != grant.challenge {
        return refusal("invalid_grant", "The code_verifier does not match.");
    }
    let account = hub
        .signed_in
        .clone()
        .filter(|a| a.id == grant.account)
        .unwrap();
    let token = format!("gho_{}", random());
    hub.tokens
        .insert(token.clone(), (account, grant.scope.clone()));
    Json(json!({ "access_token": token, "token_type": "bearer", "scope": grant.scope }))
        .into_response()
}

/// The account and scope behind a request's token, or GitHub's refusal.
fn caller(
    hub: &Hub,
    headers: &HeaderMap,
) -> Result<(Account, String), (Status, Json<serde_json::Value>)> {
    if !headers.contains_key("user-agent") {
        return Err((
            Status::FORBIDDEN,
            Json(
                json!({ "message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header" }),
            ),
        ));
    }
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| hub.tokens.get(t).cloned())
        .ok_or_else(|| {
            (
                Status::UNAUTHORIZED,
                Json(json!({ "message": "Bad credentials" })),
            )
        })
}

async fn user(State(hub): State<Arc<Mutex<Hub>>>, headers: HeaderMap) -> Response {
    match caller(&hub.lock().unwrap(), &headers) {
        Ok((a, _)) => Json(json!({ "id": a.id, "login": format!("user{}", a.id), "type": "User" }))
            .into_response(),
        Err(r) => r.into_response(),
    }
}

async fn emails(State(hub): State<Arc<Mutex<Hub>>>, headers: HeaderMap) -> Response {
    match caller(&hub.lock().unwrap(), &headers) {
        Ok((_, scope)) if !scope.split([' ', ',']).any(|s| s == "user:email" || s == "user") => {
            (Status::NOT_FOUND, Json(json!({ "message": "Not Found" }))).into_response()
        }
        Ok((a, _)) => Json(
            a.emails
                .iter()
                .map(|(email, primary, verified)| {
                    json!({ "email": email, "primary": primary, "verified": verified, "visibility": null })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(r) => r.into_response(),
    }
}

async fn app(db: Db, github: &GitHub, secret: &str) -> TestApp {
    let (base, secret) = (github.base.clone(), secret.to_owned());
    TestApp::build(db, move |s| {
        s.public_url = Some(PUBLIC.into());
        s.auth.oidc = vec![OidcProvider {
            kind: ProviderKind::Github,
            id: "github".into(),
            name: "GitHub".into(),
            issuer: base,
            client_id: CLIENT_ID.into(),
            client_secret: Some(secret),
            client_secret_file: None,
            allow_http: true,
        }];
    })
    .await
}

/// Signs in with GitHub as whoever the double has signed in, and returns what the
/// server answered when GitHub sent the browser back.
async fn through_github(web: &WebClient, github: &GitHub) -> PageOut {
    let start = web
        .submit(
            "/login",
            "/login/oidc/github",
            &[("next", "/settings/sessions")],
        )
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.html);
    assert!(
        start.location().starts_with(&github.base),
        "{}",
        start.location()
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser.get(start.location()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    let path = back
        .strip_prefix(PUBLIC)
        .unwrap_or_else(|| panic!("GitHub sent the browser elsewhere: {back}"));
    web.get(path).await
}

fn signed_in(out: &PageOut) -> bool {
    out.headers.get_all("set-cookie").iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("embargo_session=") && !v.starts_with("embargo_session=;")
    })
}

async fn links(t: &TestApp) -> usize {
    t.app
        .store()
        .account_events()
        .await
        .unwrap()
        .iter()
        .filter(|e| e.recorded.event.kind() == "identity_linked")
        .count()
}

async fn signs_in_by_any_verified_address_then_by_id(db: Db) {
    let github = GitHub::start().await;
    let t = app(db, &github, CLIENT_SECRET).await;
    let alice = t.person("alice@work.example", None).await;
    let web = WebClient::new(&t);
    assert!(web.get("/login").await.html.contains("Sign in with GitHub"));

    // Her work address is a verified secondary one at GitHub.
    github.sign_in_as(Some(Account {
        id: 583231,
        emails: vec![
            ("alice@home.example", true, true),
            ("alice@old.example", false, false),
            ("alice@work.example", false, true),
        ],
    }));
    let back = through_github(&web, &github).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    assert_eq!(back.location(), "/settings/sessions");
    assert!(signed_in(&back));
    let page = web.get("/settings/sessions").await;
    assert!(page.html.contains(&alice.name), "signed in as Alice");

    // What was asked of GitHub: the code flow with PKCE, one narrow scope, our callback.
    let asked = github.last_asked();
    assert_eq!(asked["response_type"], "code");
    assert_eq!(asked["scope"], "user:email");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(
        asked["redirect_uri"],
        format!("{PUBLIC}/login/oidc/github/callback")
    );

    // Linked by GitHub's numeric id, an event the chain vouches for.
    assert_eq!(links(&t).await, 1);
    let events = t.app.store().account_events().await.unwrap();
    let linked = events
        .iter()
        .find(|e| e.recorded.event.kind() == "identity_linked")
        .unwrap();
    let body = serde_json::to_string(&linked.recorded.event).unwrap();
    assert!(body.contains("583231"), "{body}");
    assert!(t.app.store().verify().await.unwrap().is_ok());

    // She drops her work address at GitHub: the id still opens her account.
    github.sign_in_as(Some(Account {
        id: 583231,
        emails: vec![("alice@new.example", true, true)],
    }));
    let web2 = WebClient::new(&t);
    let back = through_github(&web2, &github).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    assert!(signed_in(&back));
    assert!(
        web2.get("/settings/sessions")
            .await
            .html
            .contains(&alice.name)
    );
    assert_eq!(links(&t).await, 1, "no second link");
}

#[tokio::test]
async fn github_signs_in_by_any_verified_address_then_by_id_on_sqlite() {
    signs_in_by_any_verified_address_then_by_id(Db::Sqlite).await;
}

#[tokio::test]
async fn github_signs_in_by_any_verified_address_then_by_id_on_postgres() {
    signs_in_by_any_verified_address_then_by_id(Db::Postgres).await;
}

async fn refuses_what_it_cannot_trust(db: Db) {
    let github = GitHub::start().await;
    let t = app(db, &github, CLIENT_SECRET).await;
    t.person("alice@example.org", None).await;
    t.person("bob@example.org", None).await;
    let users_before = t.app.store().users().await.unwrap().len();

    let cases = [
        (
            Some(Account {
                id: 1,
                emails: vec![("alice@example.org", true, false)],
            }),
            "GitHub has not verified your e-mail address",
        ),
        (
            Some(Account {
                id: 2,
                emails: vec![
                    ("mallory@example.org", true, true),
                    ("m@example.org", false, true),
                ],
            }),
            "no Embargo account has the address mallory@example.org or m@example.org",
        ),
        (
            // One person at GitHub, two accounts here: not for the sign-in to pick.
            Some(Account {
                id: 3,
                emails: vec![
                    ("alice@example.org", true, true),
                    ("bob@example.org", false, true),
                ],
            }),
            "belong to more than one Embargo account",
        ),
        (
            None,
            "did not sign you in (access_denied: The user has denied your application access.)",
        ),
    ];
    for (account, says) in cases {
        github.sign_in_as(account);
        let web = WebClient::new(&t);
        let back = through_github(&web, &github).await;
        assert_eq!(back.status, StatusCode::UNAUTHORIZED, "{says}");
        assert!(back.html.contains(says), "{says}: {}", back.html);
        assert!(!signed_in(&back), "{says}");
        assert!(back.html.contains("Sign in with GitHub"));
    }

    // Alice links her GitHub account; another GitHub account with her verified address
    // does not get in.
    github.sign_in_as(Some(Account {
        id: 10,
        emails: vec![("alice@example.org", true, true)],
    }));
    let back = through_github(&WebClient::new(&t), &github).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    github.sign_in_as(Some(Account {
        id: 11,
        emails: vec![("alice@example.org", true, true)],
    }));
    let back = through_github(&WebClient::new(&t), &github).await;
    assert_eq!(back.status, StatusCode::UNAUTHORIZED);
    assert!(
        back.html.contains("linked to another GitHub account"),
        "{}",
        back.html
    );
    assert_eq!(links(&t).await, 1);
    assert_eq!(
        t.app.store().users().await.unwrap().len(),
        users_before,
        "GitHub never creates an account"
    );
    // Nor a role: Alice belongs to no project.
    let alice = t
        .app
        .store()
        .user_by_email("alice@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(
        t.app
            .store()
            .projects_of(alice.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn github_refuses_what_it_cannot_trust_on_sqlite() {
    refuses_what_it_cannot_trust(Db::Sqlite).await;
}

#[tokio::test]
async fn github_refuses_what_it_cannot_trust_on_postgres() {
    refuses_what_it_cannot_trust(Db::Postgres).await;
}

#[tokio::test]
async fn github_refusing_the_code_is_said_in_its_own_words() {
    // The admin copied the wrong secret: GitHub's `200 OK` refusal reaches the person.
    let github = GitHub::start().await;
    let t = app(Db::Sqlite, &github, "not-the-secret").await;
    t.person("alice@example.org", None).await;
    github.sign_in_as(Some(Account {
        id: 7,
        emails: vec![("alice@example.org", true, true)],
    }));
    let back = through_github(&WebClient::new(&t), &github).await;
    assert_eq!(back.status, StatusCode::UNAUTHORIZED);
    assert!(
        back.html.contains(
            "the code was refused: incorrect_client_credentials: The client_id and/or client_secret passed are incorrect."
        ),
        "{}",
        back.html
    );
    assert!(!signed_in(&back));
    assert_eq!(links(&t).await, 0);
}
