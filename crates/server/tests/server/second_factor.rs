//! Second factors (issue 11, item 1): an authenticator app set up in two steps, asked
//! for at sign-in, each code used once, recovery codes used once each, and the one
//! way past a spent account budget.

use super::support::*;
use embargo_core::account::AccountEvent;
use embargo_core::project::Role;
use embargo_server::app::second_factor::code_at;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

fn now(t: &TestApp) -> i64 {
    t.app.now().as_second()
}

/// A six-digit code the app shows for none of the steps around now.
fn wrong_code(secret: &str, at: i64) -> String {
    let near: Vec<String> = [-30, 0, 30]
        .iter()
        .map(|d| code_at(secret, at + d).unwrap())
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

fn from(t: &TestApp, address: &str) -> WebClient {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", HeaderValue::from_str(address).unwrap());
    WebClient::with_headers(t, h)
}

async fn sign_in(web: &WebClient, email: &str, password: &str, code: &str) -> PageOut {
    web.submit(
        "/login",
        "/login",
        &[("email", email), ("password", password), ("code", code)],
    )
    .await
}

async fn next_step(t: &TestApp) {
    t.clock.advance(jiff::SignedDuration::from_secs(30));
}

async fn an_authenticator_app_as_second_factor(db: Db) {
    let t = TestApp::build(db, |s| {
        s.auth.login_attempts_per_minute = 6;
        s.auth.client_ip_header = "x-forwarded-for".into();
    })
    .await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password("sam@example.org").await;
    let me = "/api/v1/me/second-factor";

    let (s, v) = t.get(me, Some(&sam.token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({ "enabled": false, "pending": false, "recovery_codes_left": 0, "passkeys": [] })
    );
    // Confirming before setting up is a conflict, and a bad body names its field.
    let (s, v) = t
        .post(
            &format!("{me}/confirm"),
            Some(&sam.token),
            json!({ "code": "123456" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = t
        .post(
            &format!("{me}/confirm"),
            Some(&sam.token),
            json!({ "kode": "1" }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["field"], "kode");

    // Step one: a secret.
    let (s, v) = t.post(me, Some(&sam.token), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = v["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Embargo:sam@example.org?secret="),
        "{uri}"
    );
    assert!(uri.contains(&secret));
    let (_, v) = t.get(me, Some(&sam.token)).await;
    assert_eq!(v["pending"], true);
    assert_eq!(v["enabled"], false);

    // Step two: a wrong code, no code, then the app's code.
    let confirm = format!("{me}/confirm");
    let wrong = wrong_code(&secret, now(&t));
    let (s, v) = t
        .post(&confirm, Some(&sam.token), json!({ "code": wrong }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "code");
    let (s, v) = t
        .post(&confirm, Some(&sam.token), json!({ "code": " " }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "required");
    let (_, v) = t.get(me, Some(&sam.token)).await;
    assert_eq!(v["enabled"], false, "nothing changed");
    let code = code_at(&secret, now(&t)).unwrap();
    let (s, v) = t
        .post(&confirm, Some(&sam.token), json!({ "code": code }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let recovery: Vec<String> = v["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let (_, v) = t.get(me, Some(&sam.token)).await;
    assert_eq!(
        v,
        json!({ "enabled": true, "pending": false, "recovery_codes_left": 10, "passkeys": [] })
    );
    let (s, _) = t.post(me, Some(&sam.token), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "one at a time");

    // Sign-in asks for the code.
    let laptop = from(&t, "192.0.2.10");
    let out = sign_in(&laptop, "sam@example.org", PASSWORD, "").await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        out.html.contains("this account has a second factor"),
        "{}",
        out.html
    );
    assert!(
        out.html.contains(r#"value="sam@example.org""#),
        "what was typed stays"
    );
    // The code that confirmed it was used already.
    let out = sign_in(&laptop, "sam@example.org", PASSWORD, &code).await;
    assert_eq!(
        out.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code works once"
    );
    next_step(&t).await;
    let code = code_at(&secret, now(&t)).unwrap();
    let out = sign_in(&laptop, "sam@example.org", PASSWORD, &code).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    // A recovery code, typed loosely, works once.
    let phone = from(&t, "192.0.2.11");
    let typed = recovery[0].to_lowercase().replace('-', " ");
    let out = sign_in(&phone, "sam@example.org", PASSWORD, &typed).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let other = from(&t, "192.0.2.12");
    let out = sign_in(&other, "sam@example.org", PASSWORD, &recovery[0]).await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Guesses from ever new addresses spend the account's budget ...
    let mut locked = false;
    for n in 1..=10 {
        let out = sign_in(
            &from(&t, &format!("203.0.113.{n}")),
            "sam@example.org",
            "a guess",
            "",
        )
        .await;
        if out.status == StatusCode::TOO_MANY_REQUESTS {
            locked = true;
            break;
        }
    }
    assert!(locked);
    // ... so a new browser with the password alone waits, and so does one with the
    // right code but a wrong password (it learns nothing) ...
    next_step(&t).await;
    let code = code_at(&secret, now(&t)).unwrap();
    let stranger = from(&t, "198.51.100.7");
    assert_eq!(
        sign_in(&stranger, "sam@example.org", PASSWORD, "")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in(&stranger, "sam@example.org", "a guess", &code)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ... but the owner with the password and a current code gets in.
    let out = sign_in(&stranger, "sam@example.org", PASSWORD, &code).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);

    // Removing it takes a current code or a recovery code.
    let remove = format!("{me}/remove");
    let (s, v) = t
        .post(
            &remove,
            Some(&sam.token),
            json!({ "code": wrong_code(&secret, now(&t)) }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = t
        .post(&remove, Some(&sam.token), json!({ "code": recovery[1] }))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (_, v) = t.get(me, Some(&sam.token)).await;
    assert_eq!(
        v,
        json!({ "enabled": false, "pending": false, "recovery_codes_left": 0, "passkeys": [] })
    );
    let out = sign_in(&laptop, "sam@example.org", PASSWORD, "").await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);

    // The accounts stream recorded both, by Sam.
    let events: Vec<AccountEvent> = t
        .app
        .store()
        .account_events()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.recorded.event)
        .collect();
    let ours: Vec<&AccountEvent> = events
        .iter()
        .filter(|e| {
            matches!(e, AccountEvent::SecondFactorEnrolled { user } | AccountEvent::SecondFactorRemoved { user } if user.id.0 == sam.id)
        })
        .collect();
    assert_eq!(ours.len(), 2, "{events:?}");
    // Failed codes are security events.
    let ivy = t.instance_admin("ivy@example.org").await;
    let (_, log) = t
        .get("/api/v1/security-events?limit=200", Some(&ivy.token))
        .await;
    let failures = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "second_factor_failed" && e["account"] == sam.id)
        .count();
    assert!(failures >= 3, "{log}");
    assert!(!log.to_string().contains(&secret));
}

#[tokio::test]
async fn an_authenticator_app_as_second_factor_on_sqlite() {
    an_authenticator_app_as_second_factor(Db::Sqlite).await;
}

#[tokio::test]
async fn an_authenticator_app_as_second_factor_on_postgres() {
    an_authenticator_app_as_second_factor(Db::Postgres).await;
}

/// The page: set up, a wrong code kept beside its field, the recovery codes shown
/// once, then removed.
#[tokio::test]
async fn the_second_factor_page() {
    let t = TestApp::new().await;
    t.person("sam@example.org", None).await;
    let web = t.signed_in("sam@example.org").await;
    let here = "/settings/second-factor";
    let page = web.get(here).await;
    assert!(page.html.contains("No second factor is set up."));
    let page = web.submit(here, here, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let start = page.html.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
    let secret = page.html[start..start + 32].to_owned();
    let wrong = wrong_code(&secret, now(&t));
    let page = web
        .submit(here, "/settings/second-factor/confirm", &[("code", &wrong)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("field-error"), "{}", page.html);
    let code = code_at(&secret, now(&t)).unwrap();
    let page = web
        .submit(here, "/settings/second-factor/confirm", &[("code", &code)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("recovery-codes"));
    let again = web.get(here).await;
    assert!(!again.html.contains("recovery-codes"), "shown once");
    assert!(again.html.contains("10 recovery codes left"));
    next_step(&t).await;
    let code = code_at(&secret, now(&t)).unwrap();
    let page = web
        .submit(here, "/settings/second-factor/remove", &[("code", &code)])
        .await;
    assert!(
        page.html.contains("No second factor is set up."),
        "{}",
        page.html
    );
}

/// Re-authentication (issue 11, item 1): a new API token, a role grant or a policy
/// change more than ten minutes after signing in asks for the password again; the
/// form comes back with the error beside `reauth` and what was typed, and nothing
/// changes.
async fn sensitive_acts_ask_again(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    t.person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let otto = t.person("otto@example.org", None).await;
    let web = t.signed_in("ada@example.org").await;
    let tokens = "/settings/tokens";
    let out = web.submit(tokens, tokens, &[("name", "fresh")]).await;
    assert_eq!(
        out.status,
        StatusCode::CREATED,
        "just signed in: {}",
        out.html
    );

    t.clock.advance(jiff::SignedDuration::from_mins(11));
    let out = web.submit(tokens, tokens, &[("name", "later")]).await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        out.html.contains("field-error")
            && out
                .html
                .contains("Your password, a current code or a passkey: you signed in more than"),
        "{}",
        out.html
    );
    assert!(out.html.contains(r#"value="later""#), "the name stays");
    let out = web
        .submit(
            tokens,
            tokens,
            &[("name", "later"), ("reauth", "not my password")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    let out = web
        .submit(tokens, tokens, &[("name", "later"), ("reauth", PASSWORD)])
        .await;
    assert_eq!(out.status, StatusCode::CREATED, "{}", out.html);

    let admin = "/admin/projects/connect";
    let grant = "/admin/projects/connect/member";
    let fields = [("email", "otto@example.org"), ("role", "maintainer")];
    let out = web.submit(admin, grant, &fields).await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    let project = t.app.project("connect").await.unwrap();
    assert_eq!(
        project.role_of(embargo_core::ids::UserId(otto.id)),
        None,
        "nothing changed"
    );
    let mut with = fields.to_vec();
    with.push(("reauth", PASSWORD));
    let out = web.submit(admin, grant, &with).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let project = t.app.project("connect").await.unwrap();
    assert_eq!(
        project.role_of(embargo_core::ids::UserId(otto.id)),
        Some(Role::Maintainer)
    );
}

#[tokio::test]
async fn sensitive_acts_ask_again_on_sqlite() {
    sensitive_acts_ask_again(Db::Sqlite).await;
}

#[tokio::test]
async fn sensitive_acts_ask_again_on_postgres() {
    sensitive_acts_ask_again(Db::Postgres).await;
}

/// Disclosing from the case page more than ten minutes after signing in asks for the
/// password again (issue 11, item 1); the API's bearer token is its own credential.
async fn disclosing_asks_again(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let web = t.signed_in("sam@example.org").await;
    let (id, tracking) = t.report("connect", minimal_report("a report")).await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert!(s.is_success(), "{path}: {v}");
    }
    pass_gate(&t, &id, &sam.token, &tracking).await;
    t.clock.advance(jiff::SignedDuration::from_mins(11));
    let page = format!("/cases/{id}");
    let disclose = format!("/cases/{id}/actions/disclose");
    let out = web.submit(&page, &disclose, &[]).await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(
        out.html
            .contains("Your password, a current code or a passkey: you signed in more than"),
        "{}",
        out.html
    );
    let (_, c) = t.get(&case, Some(&sam.token)).await;
    assert_ne!(c["stage"], "disclosed");
    let out = web.submit(&page, &disclose, &[("reauth", PASSWORD)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (_, c) = t.get(&case, Some(&sam.token)).await;
    assert_eq!(c["stage"], "disclosed");
}

#[tokio::test]
async fn disclosing_asks_again_on_sqlite() {
    disclosing_asks_again(Db::Sqlite).await;
}

#[tokio::test]
async fn disclosing_asks_again_on_postgres() {
    disclosing_asks_again(Db::Postgres).await;
}

/// Issue 12, item 4: setting a password with a link signs the person in at once, unless
/// the account has a second factor, which a link alone must not pass.
#[tokio::test]
async fn a_password_link_signs_in_unless_a_second_factor_stands() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let admin = t.app.user_by_email(&ivy.email).await.unwrap().unwrap();
    let as_admin = embargo_server::app::actor_of(&admin);
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let owner = t.app.user_by_email(&sam.email).await.unwrap().unwrap();
    let set_with_link = |web: WebClient| {
        let t = &t;
        let as_admin = as_admin.clone();
        let owner = owner.clone();
        async move {
            let link = t
                .app
                .issue_password_link(&as_admin, &owner)
                .await
                .unwrap()
                .url;
            let path = link.trim_start_matches(&t.base).to_owned();
            let out = web.submit(&path, &path, &[("password", PASSWORD)]).await;
            (web, out)
        }
    };

    let (web, out) = set_with_link(WebClient::new(&t)).await;
    assert_eq!((out.status, out.location()), (StatusCode::SEE_OTHER, "/"));
    assert_eq!(web.get("/settings/tokens").await.status, StatusCode::OK);

    // With an authenticator app confirmed, the link sets the password and sends the
    // person to sign in with their code.
    let (_, v) = t
        .post("/api/v1/me/second-factor", Some(&sam.token), json!({}))
        .await;
    let secret = v["secret"].as_str().unwrap().to_owned();
    let code = code_at(&secret, now(&t)).unwrap();
    let (s, v) = t
        .post(
            "/api/v1/me/second-factor/confirm",
            Some(&sam.token),
            json!({ "code": code }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (web, out) = set_with_link(WebClient::new(&t)).await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/login?password_set=1")
    );
    let tokens = web.get("/settings/tokens").await;
    assert_eq!(tokens.status, StatusCode::SEE_OTHER, "not signed in");
    let login = web.get("/login?password_set=1").await;
    assert!(
        login.html.contains("Your password is set"),
        "{}",
        login.html
    );
}

/// Issue 11, item 1: a project's policy may require a second factor of the members who
/// see its cases. Until they set one up they see none of them (one by one and listed,
/// exactly as a case that does not exist); the reporter's link is unaffected; the
/// project's admins keep its settings.
async fn a_project_may_require_a_second_factor(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Frame bomb")).await;
    let case = format!("/api/v1/cases/{id}");
    let listing = "/api/v1/projects/connect/cases";

    let mut toml = embargo_core::policy::Policy::connect().to_toml();
    toml = toml.replace(
        "require_second_factor = false",
        "require_second_factor = true",
    );
    assert!(toml.contains("require_second_factor = true"));
    let (s, v) = t
        .put(
            "/api/v1/projects/connect/policy",
            Some(&ada.token),
            json!({ "toml": toml }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Sam has no second factor: the case answers as a missing one, the list is empty.
    let (s, hidden) = t.get(&case, Some(&sam.token)).await;
    let (s2, missing) = t
        .get("/api/v1/cases/EMB-0000-0000-0000", Some(&sam.token))
        .await;
    assert_eq!((s, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(
        hidden.to_string().replace(&id, "EMB-0000-0000-0000"),
        missing.to_string()
    );
    let (s, v) = t.get(listing, Some(&sam.token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"], json!([]), "{v}");
    let (s, v) = t
        .post(&format!("{case}/acknowledge"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // The reporter's link still opens their case; the admin keeps the settings.
    assert_eq!(t.get(&case, Some(&tracking)).await.0, StatusCode::OK);
    assert_eq!(
        t.get("/api/v1/projects/connect/policy", Some(&ada.token))
            .await
            .0,
        StatusCode::OK
    );

    // Once Sam confirms an authenticator app, the case is there again.
    let (_, v) = t
        .post("/api/v1/me/second-factor", Some(&sam.token), json!({}))
        .await;
    let secret = v["secret"].as_str().unwrap().to_owned();
    let code = code_at(&secret, now(&t)).unwrap();
    let (s, v) = t
        .post(
            "/api/v1/me/second-factor/confirm",
            Some(&sam.token),
            json!({ "code": code }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(t.get(&case, Some(&sam.token)).await.0, StatusCode::OK);
    let (_, v) = t.get(listing, Some(&sam.token)).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    let (s, v) = t
        .post(&format!("{case}/acknowledge"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_project_may_require_a_second_factor_on_sqlite() {
    a_project_may_require_a_second_factor(Db::Sqlite).await;
}

#[tokio::test]
async fn a_project_may_require_a_second_factor_on_postgres() {
    a_project_may_require_a_second_factor(Db::Postgres).await;
}

/// Passkeys (issue 11, item 1) through the pages, where no authenticator answers: the
/// options are handed out without writing anything, the settings routes are a
/// signed-in member's own, and a form without a passkey's answer, or with a forged
/// one, is refused beside its field and changes nothing. (The whole journey, with
/// Chromium's virtual authenticator, is in `browser.rs`.)
async fn passkey_routes_refuse_what_no_passkey_answered(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password(&sam.email).await;
    let anonymous = WebClient::new(&t);

    // Options for anyone (signing in), different each time.
    let a = anonymous.get("/passkey/challenge").await;
    assert_eq!(a.status, StatusCode::OK);
    let a: serde_json::Value = serde_json::from_str(&a.html).unwrap();
    let b: serde_json::Value =
        serde_json::from_str(&anonymous.get("/passkey/challenge").await.html).unwrap();
    assert_eq!(a["options"]["userVerification"], "required");
    assert_ne!(a["options"]["challenge"], b["options"]["challenge"]);
    assert!(a["state"].as_str().unwrap().contains('.'));

    // Adding or removing one is for a signed-in member.
    for path in ["/settings/passkeys/challenge", "/settings/second-factor"] {
        let out = anonymous.get(path).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{path}");
    }

    // Signing in without an answer, or with a forged or mismatched one.
    let forged = json!({"credential": {"id": "AAAA", "type": "public-key"}, "state": "AAAA.AAAA"})
        .to_string();
    let swapped = json!({"credential": {"id": "AAAA"}, "state": b["state"]}).to_string();
    for (passkey, field) in [
        ("", "passkey"),
        (forged.as_str(), "passkey"),
        (swapped.as_str(), "credential"),
    ] {
        let out = anonymous
            .submit(
                "/login",
                "/login/passkey",
                &[("passkey", passkey), ("next", "/triage")],
            )
            .await;
        assert!(out.status.is_client_error(), "{passkey}: {}", out.status);
        assert!(out.html.contains("field-error"), "{passkey}: {}", out.html);
        assert!(
            out.headers
                .get("set-cookie")
                .is_none_or(|c| !c.to_str().unwrap().contains("session")),
            "{field}"
        );
    }

    // A member's own page: adding without an answer keeps the typed name beside the
    // error; removing a passkey that is not theirs is not found.
    let web = t.signed_in(&sam.email).await;
    let out = web
        .submit(
            "/settings/second-factor",
            "/settings/passkeys",
            &[("name", "Laptop"), ("passkey", "")],
        )
        .await;
    assert!(out.status.is_client_error(), "{}", out.status);
    assert!(out.html.contains(r#"value="Laptop""#), "{}", out.html);
    assert!(out.html.contains("No passkey is added."));
    let out = web
        .submit(
            "/settings/second-factor",
            "/settings/passkeys/1/remove",
            &[],
        )
        .await;
    assert_eq!(out.status, StatusCode::NOT_FOUND);
    let (status, body) = t.get("/api/v1/me/second-factor", Some(&sam.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["passkeys"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_routes_refuse_what_no_passkey_answered_on_sqlite() {
    passkey_routes_refuse_what_no_passkey_answered(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_routes_refuse_what_no_passkey_answered_on_postgres() {
    passkey_routes_refuse_what_no_passkey_answered(Db::Postgres).await;
}

/// Someone who lost their second factors is helped by the operator (`embargo admin user
/// reset-second-factor`, which calls this) or an instance admin: the app and every
/// passkey go, the password alone signs in again, and the account hears of it. Nobody
/// else may, and for them the account might as well not exist.
#[tokio::test]
async fn a_lost_second_factor_is_reset_by_the_operator() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let max = t
        .person("max@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password(&sam.email).await;
    let me = "/api/v1/me/second-factor";
    let (_, v) = t.post(me, Some(&sam.token), json!({})).await;
    let code = code_at(v["secret"].as_str().unwrap(), now(&t)).unwrap();
    let (s, v) = t
        .post(
            &format!("{me}/confirm"),
            Some(&sam.token),
            json!({ "code": code }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let user = t.app.user_by_email(&sam.email).await.unwrap().unwrap();
    let password_alone = || {
        t.app
            .sign_in("127.0.0.1", &sam.email, PASSWORD.into(), None, None)
    };
    assert!(password_alone().await.is_err());

    let as_max =
        embargo_server::app::actor_of(&t.app.user_by_email(&max.email).await.unwrap().unwrap());
    assert!(t.app.reset_second_factors(&as_max, &user).await.is_err());
    assert!(password_alone().await.is_err(), "a member reset it");

    let operator = embargo_core::actor::Actor::Operator;
    assert_eq!(
        t.app.reset_second_factors(&operator, &user).await.unwrap(),
        (true, false)
    );
    assert!(password_alone().await.is_ok());
    let (_, v) = t.get(me, Some(&sam.token)).await;
    assert_eq!(v["enabled"], false);
    let (_, notices) = t
        .get("/api/v1/account-notifications", Some(&sam.token))
        .await;
    assert!(
        notices.to_string().contains("second factor was removed"),
        "{notices}"
    );
    assert_eq!(
        t.app.reset_second_factors(&operator, &user).await.unwrap(),
        (false, false),
        "nothing left to remove"
    );
}
