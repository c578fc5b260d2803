//! Sharing one case with a person from another project (issue 14 item 4, policy step
//! C5): the coordinator invites a guest with a reason and the parts they see; the
//! invitation really goes out by mail; the guest's link and token show the shared parts
//! only (never internal notes or the reporter's identity) and take comments for the
//! team; removal ends the token at once. Bad input is refused naming the field, and
//! changes nothing. Both databases.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use embargo_testkit::smtp::SmtpReceiver;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CANARY: &str = "INTERNAL-CANARY-5e1f";
const REPORTER: &str = "rae.reporter@example.net";
const GUEST: &str = "uma@grpc.example";

async fn with_smtp(db: Db, smtp: &SmtpReceiver) -> TestApp {
    let url = smtp.url();
    TestApp::build(db, |s| {
        s.mail.smtp_url = Some(url);
        s.mail.from = Some("security@connect.example".into());
    })
    .await
}

use mail_body as text;

/// Uploads one file to the case; returns its id.
async fn upload(t: &TestApp, id: &str, token: &str, visibility: &str, name: &str) -> String {
    let form = reqwest::multipart::Form::new()
        .text("visibility", visibility.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(format!("{name} bytes").into_bytes())
                .file_name(name.to_owned()),
        );
    let (s, v) = json_of(
        t.req(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments"),
            Some(token),
        )
        .multipart(form)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A confirmed case led by Sam, with an internal note carrying the canary.
async fn confirmed(t: &TestApp) -> (Person, String, String) {
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mut report = minimal_report("Frame bomb in the decoder");
    report["reporter_email"] = json!(REPORTER);
    report["reporter_name"] = json!("Rae Reporter");
    let (id, tracking) = t.report("connect", report).await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
        (
            "notes",
            json!({ "body": format!("Internal only: {CANARY}") }),
        ),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    (sam, id, tracking)
}

async fn events(t: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let (s, v) = t
        .get(&format!("/api/v1/cases/{id}/events?limit=200"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["type"]
                .as_str()
                .unwrap_or_else(|| panic!("{e}"))
                .to_owned()
        })
        .collect()
}

async fn c5_a_case_is_shared_with_another_project_explicitly_and_revocably(db: Db) {
    let smtp = SmtpReceiver::start();
    let t = with_smtp(db, &smtp).await;
    let (sam, id, tracking) = confirmed(&t).await;
    run_due(&t.app).await.unwrap();
    let guests = format!("/api/v1/cases/{id}/guests");
    let before = events(&t, &id, &sam.token).await.len();

    // Bad input names the field and stores nothing.
    for (body, field) in [
        (
            json!({ "email": "not an address", "shares": ["report"], "reason": "needed" }),
            "email",
        ),
        (
            json!({ "email": GUEST, "shares": ["report", "notes"], "reason": "needed" }),
            "shares",
        ),
        (
            json!({ "email": GUEST, "shares": [], "reason": "needed" }),
            "shares",
        ),
        (
            json!({ "email": GUEST, "shares": ["report"], "reason": "  " }),
            "reason",
        ),
    ] {
        let (s, v) = t.post(&guests, Some(&sam.token), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    let (s, v) = t
        .post(
            &guests,
            Some(&sam.token),
            json!({ "email": GUEST, "shares": ["report"] }),
        )
        .await;
    assert!(s.is_client_error(), "no reason at all: {s} {v}");
    assert_eq!(
        events(&t, &id, &sam.token).await.len(),
        before,
        "nothing stored"
    );
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "nothing queued");

    // The coordinator shares the report and the fixes, with a reason.
    let (s, v) = t
        .post(
            &guests,
            Some(&sam.token),
            json!({ "email": GUEST, "name": "Uma Upstream", "organisation": "grpc-go",
                    "shares": ["report", "fixes"], "reason": "the fix needs a change in grpc-go" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["guest"], 1);
    assert_eq!(v["case"]["guests"][0]["email"], GUEST);
    assert_eq!(v["case"]["guests"][0]["shares"], json!(["report", "fixes"]));
    let link = v["link"].as_str().unwrap().to_owned();
    // The same address twice is a conflict.
    let (s, v) = t
        .post(
            &guests,
            Some(&sam.token),
            json!({ "email": "UMA@grpc.example", "shares": ["report"], "reason": "again" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["field"], "email");

    // The invitation really goes out, with the link; never the title.
    run_due(&t.app).await.unwrap();
    let mails = received_by(&smtp, GUEST);
    assert_eq!(mails.len(), 1);
    let body = text(&mails[0]);
    let start = body
        .find("/guest/emb_gst_")
        .expect("the link is in the mail");
    let token = body[start + "/guest/".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(!body.contains("Frame bomb"), "{body}");
    assert!(link.ends_with(&format!("/guest/{token}")), "{link}");
    assert!(!body.contains(CANARY));

    // The guest's page: the shared parts only.
    let web = WebClient::new(&t);
    let page = web.get(&format!("/guest/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Frame bomb in the decoder"));
    assert!(page.html.contains("Steps to reproduce"));
    for secret in [CANARY, REPORTER, "Rae Reporter", &tracking] {
        assert!(!page.html.contains(secret), "the guest page shows {secret}");
    }
    // The API with the guest's token: the same.
    let (s, v) = t.get("/api/v1/guest/case", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["report"]["title"], "Frame bomb in the decoder");
    assert_eq!(v["fixes"], json!([]));
    assert!(
        v.get("advisory").is_none() && v.get("release_plan").is_none(),
        "{v}"
    );
    for secret in [CANARY, REPORTER, "Rae Reporter"] {
        assert!(!v.to_string().contains(secret), "{v}");
    }
    // On any other route the guest's token opens nothing: as for a missing case.
    let (s, missing) = t
        .get("/api/v1/cases/EMB-0000-0000-0000", Some(&sam.token))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for path in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{id}/events"),
    ] {
        let (s, v) = t.get(&path, Some(&token)).await;
        assert_eq!((s, &v), (StatusCode::NOT_FOUND, &missing), "{path}");
    }

    // The guest writes to the team, by API and by the page's form.
    let (s, v) = t
        .post(
            "/api/v1/guest/comments",
            Some(&token),
            json!({ "body": "grpc-go 1.70.1 carries our half of the fix" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = t
        .post(
            "/api/v1/guest/comments",
            Some(&token),
            json!({ "body": " " }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "body");
    let out = web
        .submit(
            &format!("/guest/{token}"),
            &format!("/guest/{token}/comment"),
            &[("body", "Tested against your private branch")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    // On the team's timeline; never on the reporter's.
    let team = events(&t, &id, &sam.token).await;
    let team_kinds = kinds(&team);
    assert_eq!(
        team_kinds
            .iter()
            .filter(|k| k.as_str() == "guest_commented")
            .count(),
        2,
        "{team_kinds:?}"
    );
    assert!(team_kinds.contains(&"guest_invited".to_owned()));
    assert!(
        !team.iter().any(|e| e.to_string().contains("token_hash")),
        "the token's hash is nobody's to read"
    );
    let reporter = kinds(&events(&t, &id, &tracking).await);
    assert!(
        !reporter.iter().any(|k| k.starts_with("guest")),
        "{reporter:?}"
    );

    // Files only with the `attachments` share.
    let poc = upload(&t, &id, &tracking, "shared", "poc.txt").await;
    let analysis = upload(&t, &id, &sam.token, "internal", "analysis.txt").await;
    let (s, _) = t
        .get(&format!("/api/v1/guest/attachments/{poc}"), Some(&token))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not shared with this guest");
    let (s, v) = t
        .post(
            &guests,
            Some(&sam.token),
            json!({ "email": "gil@envoy.example", "shares": ["attachments"], "reason": "envoy vendors the decoder" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let gil = v["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (s, v) = t.get("/api/v1/guest/case", Some(&gil)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v.get("report").is_none(), "{v}");
    let files: Vec<&str> = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["poc.txt"], "never an internal file");
    let res = t
        .req(
            Method::GET,
            &format!("/api/v1/guest/attachments/{poc}"),
            Some(&gil),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"poc.txt bytes");
    let (s, _) = t
        .get(&format!("/api/v1/guest/attachments/{analysis}"), Some(&gil))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "an internal file is not the guest's"
    );
    let page = web.get(&format!("/guest/{gil}/attachments/{poc}")).await;
    assert_eq!(page.status, StatusCode::OK);

    // Removing the guest ends the token at once.
    let res = t
        .req(Method::DELETE, &format!("{guests}/1"), Some(&sam.token))
        .json(&json!({ "reason": "grpc-go released its part" }))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(res).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["guests"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["guests"][0]["email"], "gil@envoy.example");
    let (s, gone) = t.get("/api/v1/guest/case", Some(&token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{gone}");
    assert_eq!(gone, missing);
    assert_eq!(
        web.get(&format!("/guest/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
    let (s, _) = t
        .post(
            "/api/v1/guest/comments",
            Some(&token),
            json!({ "body": "hello?" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Removing an unknown guest names the field.
    let res = t
        .req(Method::DELETE, &format!("{guests}/1"), Some(&sam.token))
        .json(&json!({ "reason": "again" }))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(res).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "guest");
    assert!(kinds(&events(&t, &id, &sam.token).await).contains(&"guest_removed".to_owned()));
}

#[tokio::test]
async fn c5_a_case_is_shared_with_another_project_on_sqlite() {
    c5_a_case_is_shared_with_another_project_explicitly_and_revocably(Db::Sqlite).await;
}

#[tokio::test]
async fn c5_a_case_is_shared_with_another_project_on_postgres() {
    c5_a_case_is_shared_with_another_project_explicitly_and_revocably(Db::Postgres).await;
}

/// The case page's section: the form keeps what was typed, with the error beside the
/// field; a good invitation lists the guest.
async fn c5_the_case_page_shares_and_keeps_what_was_typed(db: Db) {
    let t = TestApp::on(db).await;
    let (_, id, _) = confirmed(&t).await;
    let web = t.signed_in("sam@example.org").await;
    let page = format!("/cases/{id}");
    let action = format!("/cases/{id}/actions/guest-invite");
    let out = web
        .submit(
            &page,
            &action,
            &[
                ("email", "uma at grpc"),
                ("organisation", "grpc-go"),
                ("share-report", "on"),
                ("reason", "the fix needs grpc-go"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("value=\"uma at grpc\""));
    assert!(out.html.contains("the fix needs grpc-go"));
    assert!(out.html.contains("guest-email-error"), "{}", out.html);
    let out = web
        .submit(
            &page,
            &action,
            &[
                ("email", GUEST),
                ("share-report", "on"),
                ("share-release-plan", "on"),
                ("reason", "the fix needs grpc-go"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let shown = web.get(&page).await;
    assert!(shown.html.contains(GUEST));
    assert!(shown.html.contains("shared the case with"));

    // A refused removal keeps its reason, with the error beside it, on that guest's
    // form only; the invitation form stays empty.
    let marker = "name=\"guest\" value=\"";
    let at = shown.html.find(marker).expect("a removal form") + marker.len();
    let guest: String = shown.html[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let long = format!("the fix shipped {}", "and more ".repeat(60));
    let out = web
        .submit(
            &page,
            &format!("/cases/{id}/actions/guest-remove"),
            &[("guest", guest.as_str()), ("reason", long.as_str())],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(
        out.html.contains(&format!("value=\"{}\"", long.trim_end()))
            || out.html.contains(&format!("value=\"{long}\"")),
        "{}",
        out.html
    );
    assert!(
        out.html
            .contains(&format!("guest-remove-{guest}-reason-error")),
        "{}",
        out.html
    );
    assert!(!out.html.contains("guest-reason-error"), "{}", out.html);
    // Still shared.
    assert!(web.get(&page).await.html.contains(GUEST));
}

#[tokio::test]
async fn c5_the_case_page_shares_on_sqlite() {
    c5_the_case_page_shares_and_keeps_what_was_typed(Db::Sqlite).await;
}

#[tokio::test]
async fn c5_the_case_page_shares_on_postgres() {
    c5_the_case_page_shares_and_keeps_what_was_typed(Db::Postgres).await;
}
