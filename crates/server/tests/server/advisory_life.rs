//! The advisory's life after disclosure (issue 14, item 5): an update is a new revision
//! in every document and on the page, and its CVE record is updated at CVE Services
//! (the local double); a withdrawal keeps the advisory published, marked withdrawn in
//! the page, the feed, OSV, CSAF and the CVE record. On both databases.

use super::cve::{confirmed, with_double_on};
use super::support::*;
use embargo_core::project::Role;
use embargo_cve_services::CveId;
use embargo_cve_services::double::Double;
use embargo_server::worker::run_due;
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A disclosed case with a CVE record published at the double: (coordinator's token,
/// case id, tracking token, CVE ID).
async fn published(t: &TestApp) -> (String, String, String, CveId) {
    let (sam, id, tracking) = confirmed(t).await;
    let case = format!("/api/v1/cases/{id}");
    let (s, v) = t
        .post(&format!("{case}/cve"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(run_due(&t.app).await.unwrap(), 1, "the reservation");
    for (path, body) in [
        (
            "cvss",
            json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "Denial of service." }),
        ),
        ("mitigation", json!({ "text": "Limit the frame size." })),
    ] {
        let (s, v) = t
            .put(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    release_ready(t, &id, &sam.token, &tracking).await;
    let (s, v) = t
        .post(&format!("{case}/disclose"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        run_due(&t.app).await.unwrap(),
        2,
        "the publication and the fixed-vulnerability notice"
    );
    let (_, v) = t.get(&case, Some(&sam.token)).await;
    assert_eq!(v["cve"]["state"], "published", "{v}");
    let cve = CveId::parse(v["cve"]["id"].as_str().unwrap()).unwrap();
    (sam.token, id, tracking, cve)
}

async fn document(t: &TestApp, id: &str, format: &str) -> Value {
    let res = t
        .http
        .get(t.url(&format!("/advisories/{id}.{format}.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn text_of(t: &TestApp, path: &str) -> String {
    let res = t.http.get(t.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

fn cna_description(record: &Value) -> String {
    record["containers"]["cna"]["descriptions"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn an_update_and_a_withdrawal_are_revisions_everywhere(db: Db) {
    let double = Double::builder().year_range(2026, 1000, 9999).start().await;
    let t = with_double_on(db, &double).await;
    let (sam, id, tracking, cve) = published(&t).await;
    let case = format!("/api/v1/cases/{id}");
    let disclosed_osv = document(&t, &id, "osv").await;
    let csaf = document(&t, &id, "csaf").await;
    assert_eq!(csaf["document"]["tracking"]["version"], "1");

    // An update a week later: the 1.15 line is affected too, with its fix.
    t.clock.advance(SignedDuration::from_hours(24 * 7));
    let (s, v) = t
        .put(
            &format!("{case}/advisory"),
            Some(&sam),
            json!({
                "summary": "Unbounded allocation in the frame decoder",
                "details": "A frame header makes the server allocate 2 GiB.",
                "cwes": ["CWE-400: Uncontrolled Resource Consumption"],
                "affected": [
                    { "component": "go", "introduced": "1.15.0", "fixed": "1.15.9" },
                    { "component": "go", "introduced": "1.16.0", "fixed": "1.16.2" }
                ],
                "references": [
                    { "url": "https://github.com/connectrpc/connect-go/pull/1", "kind": "fix" },
                    { "url": "https://github.com/connectrpc/connect-go/pull/2", "kind": "fix" }
                ],
                "credits": [{ "name": "Rae Porter", "kind": "finder" }]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let updated_at = t.app.now();
    // The published CVE record is brought up to date by the worker (an update);
    // the week's timers run too.
    let asked = double.requests().len();
    while run_due(&t.app).await.unwrap() > 0 {}
    assert_eq!(double.requests().len(), asked + 1, "one update");
    let last = double.requests().last().cloned().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("PUT", format!("/api/cve/{cve}/cna").as_str())
    );
    let record = double.record(&cve).unwrap();
    let refs = record["containers"]["cna"]["references"].to_string();
    assert!(refs.contains("/pull/2"), "{refs}");
    assert!(
        record["containers"]["cna"]["affected"]
            .to_string()
            .contains("1.15.9"),
        "{record}"
    );
    let osv = document(&t, &id, "osv").await;
    assert_eq!(osv["modified"], updated_at.to_string());
    assert_eq!(osv["published"], disclosed_osv["published"]);
    assert!(osv["affected"].to_string().contains("1.15.9"), "{osv}");
    let csaf = document(&t, &id, "csaf").await;
    let tracking_info = &csaf["document"]["tracking"];
    assert_eq!(tracking_info["version"], "2");
    assert_eq!(tracking_info["status"], "final");
    assert_eq!(
        tracking_info["revision_history"][1]["summary"],
        "Updated the affected versions and the references."
    );
    let page = text_of(&t, &format!("/advisories/{id}")).await;
    assert!(
        page.contains("History")
            && page.contains("Updated the affected versions and the references."),
        "{page}"
    );

    // Withdrawing needs a reason, and is the coordinator's.
    t.clock.advance(SignedDuration::from_hours(24));
    let withdraw = format!("{case}/advisory/withdraw");
    let (s, v) = t
        .post(&withdraw, Some(&sam), json!({ "reason": "  " }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "reason", "{v}");
    let (s, v) = t
        .post(&withdraw, Some(&tracking), json!({ "reason": "mine" }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // On the case page: the form comes back with what was typed and the error.
    let web = t.signed_in("sam@example.org").await;
    let page = format!("/cases/{id}");
    let out = web
        .submit(
            &page,
            &format!("{page}/actions/withdraw"),
            &[("reason", " \n ")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("withdraw-reason-error"), "{}", out.html);
    let reason = "The reported limit is documented; not a vulnerability.";
    let (s, v) = t
        .post(&withdraw, Some(&sam), json!({ "reason": reason }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let withdrawn_at = t.app.now();
    let (s, v) = t
        .post(&withdraw, Some(&sam), json!({ "reason": reason }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "once: {v}");
    // The reporter sees the withdrawal on their timeline.
    let (_, events) = t.get(&format!("{case}/events"), Some(&tracking)).await;
    let kinds = events["items"].to_string();
    assert!(kinds.contains("advisory_withdrawn"), "{kinds}");

    // CVE Services: the record is updated, marked withdrawn.
    let asked = double.requests().len();
    while run_due(&t.app).await.unwrap() > 0 {}
    assert_eq!(double.requests().len(), asked + 1, "one update");
    let last = double.requests().last().cloned().unwrap();
    assert_eq!(last.method.as_str(), "PUT");
    let record = double.record(&cve).unwrap();
    let description = cna_description(&record);
    assert!(
        description.starts_with("** WITHDRAWN **") && description.contains("documented"),
        "{description}"
    );
    // OSV: `withdrawn`; CSAF: a new final revision with the note.
    let osv = document(&t, &id, "osv").await;
    assert_eq!(osv["withdrawn"], withdrawn_at.to_string());
    assert_eq!(osv["modified"], withdrawn_at.to_string());
    let csaf = document(&t, &id, "csaf").await;
    let tracking_info = &csaf["document"]["tracking"];
    assert_eq!(tracking_info["status"], "final");
    assert_eq!(tracking_info["version"], "3");
    assert_eq!(
        tracking_info["revision_history"][2]["summary"],
        format!("Withdrawn: {reason}")
    );
    assert!(
        csaf["document"]["notes"].to_string().contains("Withdrawn"),
        "{csaf}"
    );
    // The page and the feed say so.
    let page = text_of(&t, &format!("/advisories/{id}")).await;
    assert!(
        page.contains("Withdrawn on") && page.contains("documented; not a vulnerability"),
        "{page}"
    );
    let feed = text_of(&t, "/p/connect/advisories.atom").await;
    assert!(feed.contains("<title>Withdrawn: "), "{feed}");
    assert!(
        feed.contains(&format!("<updated>{withdrawn_at}</updated>")),
        "{feed}"
    );
    // Nothing changes a withdrawn advisory.
    let res = t
        .req(Method::PUT, &format!("{case}/advisory"), Some(&sam))
        .json(&json!({ "summary": "Something else" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_update_and_a_withdrawal_are_revisions_everywhere_sqlite() {
    an_update_and_a_withdrawal_are_revisions_everywhere(Db::Sqlite).await;
}

#[tokio::test]
async fn an_update_and_a_withdrawal_are_revisions_everywhere_postgres() {
    an_update_and_a_withdrawal_are_revisions_everywhere(Db::Postgres).await;
}

/// An imported advisory withdrawn upstream stays withdrawn, keeps its upstream ids;
/// one withdrawn here is withdrawn in its documents.
async fn imported_advisories_keep_withdrawn_and_upstream(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let record = json!({
        "schema_version": "1.7.5",
        "id": "GHSA-aaaa-bbbb-cccc",
        "aliases": ["CVE-2025-11111"],
        "upstream": ["CVE-2025-10000"],
        "modified": "2025-05-02T00:00:00Z",
        "published": "2025-04-01T00:00:00Z",
        "withdrawn": "2025-05-01T00:00:00Z",
        "summary": "Frame bomb",
        "details": "Withdrawn: a duplicate of CVE-2025-10000.",
        "affected": [{ "package": { "ecosystem": "Go", "name": "connectrpc.com/connect" },
            "ranges": [{ "type": "SEMVER", "events": [{ "introduced": "0" }, { "fixed": "1.16.2" }] }] }]
    });
    let imported = t
        .app
        .import_osv("connect", &record)
        .await
        .expect("imported");
    let embargo_server::app::Imported::New(id, _) = imported else {
        panic!("new")
    };
    let osv = document(&t, id.as_str(), "osv").await;
    assert_eq!(osv["withdrawn"], "2025-05-01T00:00:00Z");
    assert_eq!(osv["upstream"], json!(["CVE-2025-10000"]));
}

#[tokio::test]
async fn imported_advisories_keep_withdrawn_and_upstream_sqlite() {
    imported_advisories_keep_withdrawn_and_upstream(Db::Sqlite).await;
}

#[tokio::test]
async fn imported_advisories_keep_withdrawn_and_upstream_postgres() {
    imported_advisories_keep_withdrawn_and_upstream(Db::Postgres).await;
}

/// Credits the credited accept: the credit asked for on the report form fills the
/// draft; the reporter sees the line and the advisory as drafted on their tracking
/// page, renames or declines it there, and the documents credit them only so — never
/// with a contact address.
async fn the_reporter_accepts_renames_or_declines_their_credit(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mut report = minimal_report("Frame bomb");
    report["credit"] = json!("Rae P.");
    report["reporter_email"] = json!("rae@example.net");
    let (id, tracking) = t.report("connect", report).await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    let (s, v) = t
        .put(
            &format!("{case}/advisory"),
            Some(&sam.token),
            json!({
                "summary": "Unbounded allocation in the frame decoder",
                "details": "A frame header makes the server allocate 2 GiB.",
                "affected": [{ "component": "go", "introduced": "0", "fixed": "1.16.2" }],
                "credits": [{ "name": "Sam Team", "kind": "coordinator", "contact": "sam@example.org" }]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = t.get(&case, Some(&tracking)).await;
    assert_eq!(
        v["reporter_credit"],
        json!({ "draft": "Rae P.", "choice": null, "published_as": "Rae P." })
    );
    // The tracking page: the draft line and the advisory as drafted.
    let page = text_of(&t, &format!("/track/{tracking}")).await;
    assert!(page.contains("Credit in the advisory"), "{page}");
    assert!(page.contains("Rae P."), "{page}");
    assert!(
        page.contains("Unbounded allocation in the frame decoder"),
        "{page}"
    );
    // A rename without a name is refused beside the field, the choice kept.
    let web = WebClient::new(&t);
    let track = format!("/track/{tracking}");
    let out = web
        .submit(
            &track,
            &format!("{track}/credit"),
            &[("choice", "rename"), ("name", " ")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("credit-name-error"), "{}", out.html);
    assert!(
        out.html.contains(r#"value="rename" checked"#),
        "the choice is kept: {}",
        out.html
    );
    let out = web
        .submit(
            &track,
            &format!("{track}/credit"),
            &[("choice", "rename"), ("name", "Rae Porter")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (_, v) = t.get(&case, Some(&sam.token)).await;
    assert_eq!(v["reporter_credit"]["published_as"], "Rae Porter");
    assert_eq!(v["reporter_credit"]["choice"], "renamed");
    // Through the API: bad input names its field; the team may not choose for them.
    for (body, field) in [
        (json!({ "choice": "maybe" }), "choice"),
        (json!({ "choice": "decline", "name": "X" }), "name"),
    ] {
        let (s, v) = t
            .post(&format!("{case}/credit"), Some(&tracking), body)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    let (s, _) = t
        .post(
            &format!("{case}/credit"),
            Some(&sam.token),
            json!({ "choice": "decline" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Disclosed with the renamed line: every document credits "Rae Porter", none
    // carries an address.
    let (s, v) = t
        .put(
            &format!("{case}/cvss"),
            Some(&sam.token),
            json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "Denial of service." }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .put(
            &format!("{case}/mitigation"),
            Some(&sam.token),
            json!({ "text": "Limit the frame size." }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .post(
            &format!("{case}/cve"),
            Some(&sam.token),
            json!({ "assigned": "CVE-2026-4242" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    release_ready(&t, &id, &sam.token, &tracking).await;
    let (s, v) = t
        .post(&format!("{case}/disclose"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let osv = document(&t, &id, "osv").await;
    let names: Vec<_> = osv["credits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Sam Team", "Rae Porter"]);
    for format in ["osv", "csaf"] {
        let doc = document(&t, &id, format).await.to_string();
        assert!(doc.contains("Rae Porter"), "{format}: {doc}");
        assert!(
            !doc.contains("sam@example.org") && !doc.contains("rae@example.net"),
            "{format} publishes no contact: {doc}"
        );
    }
    let page = text_of(&t, &format!("/advisories/{id}")).await;
    assert!(page.contains("Rae Porter (reporter)"), "{page}");
    // After disclosure the published credits stand.
    let (s, _) = t
        .post(
            &format!("{case}/credit"),
            Some(&tracking),
            json!({ "choice": "decline" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_reporter_accepts_renames_or_declines_their_credit_sqlite() {
    the_reporter_accepts_renames_or_declines_their_credit(Db::Sqlite).await;
}

#[tokio::test]
async fn the_reporter_accepts_renames_or_declines_their_credit_postgres() {
    the_reporter_accepts_renames_or_declines_their_credit(Db::Postgres).await;
}
