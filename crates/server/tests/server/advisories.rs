//! Preparing and publishing an advisory (policy steps C14, C17, C18): the details, the
//! CVE ID, disclosure, and the public page and feed — which show nothing of a case
//! before it is disclosed, whoever asks.

use super::support::*;
use embargo_core::project::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H";

async fn put(t: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    json_of(
        t.req(Method::PUT, path, Some(token))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn advisory() -> Value {
    json!({
        "summary": "Unbounded allocation in connect-go's frame decoder <& friends>",
        "details": "A frame header can make the server allocate **2 GiB**.",
        "cwes": ["cwe-400"],
        "references": [{ "url": "https://github.com/connectrpc/connect-go/pull/1", "kind": "fix" }],
        "credits": [{ "name": "Rae Porter", "contact": "rae@example.net", "kind": "finder" }],
        "affected": [{ "component": "go", "introduced": "0", "fixed": "1.16.2" }],
        "mitigation": "Limit the read size with `connect.WithReadMaxBytes`."
    })
}

async fn c14_to_c18(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go", "swift"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Frame bomb")).await;
    let (other, _) = t.report("connect", minimal_report("Still embargoed")).await;
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

    // C17: the advisory, internal until disclosure.
    let (s, v) = put(&t, &format!("{case}/advisory"), &sam.token, advisory()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["advisory"]["cwes"], json!(["CWE-400"]));
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert!(
        mine.get("advisory").is_none(),
        "the reporter does not see the draft"
    );
    // C14: an ID assigned elsewhere; the reporter sees it.
    let (s, v) = t
        .post(
            &format!("{case}/cve"),
            Some(&sam.token),
            json!({ "assigned": "cve-2026-4242" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(
        mine["cve"],
        json!({ "state": "assigned", "id": "CVE-2026-4242", "message": null })
    );
    let (s, _) = put(
        &t,
        &format!("{case}/cvss"),
        &sam.token,
        json!({ "cvss_v3_1": V31, "effect": "Denial of service." }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Before disclosure nothing is public: not to strangers, not to the team.
    let team = t.signed_in(&sam.email).await;
    for web in [&WebClient::new(&t), &team] {
        for path in [format!("/advisories/{id}"), format!("/advisories/{other}")] {
            let page = web.get(&path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(
                page.html,
                web.get("/advisories/EMB-0000-0000-0000").await.html
            );
        }
    }
    let feed = WebClient::new(&t).get("/p/connect/advisories.atom").await;
    assert!(!feed.html.contains("<entry>"), "{}", feed.html);

    // C18, once the gate is met (V8): a mitigation recorded.
    let (s, v) = put(
        &t,
        &format!("{case}/mitigation"),
        &sam.token,
        json!({ "text": "Limit the maximum frame size." }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // C18, once the release is agreed and its notes final.
    release_ready(&t, &id, &sam.token, &tracking).await;
    let (s, v) = t
        .post(&format!("{case}/disclose"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(
        (s, v["stage"].as_str()),
        (StatusCode::OK, Some("disclosed")),
        "{v}"
    );
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(mine["advisory"]["summary"], advisory()["summary"]);

    let public = WebClient::new(&t);
    let page = public.get(&format!("/advisories/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "CVE-2026-4242",
        "Unbounded allocation in connect-go&#39;s frame decoder &lt;&amp; friends&gt;",
        "<strong>2 GiB</strong>",
        "1.16.2",
        "Rae Porter",
        "Denial of service.",
        "High",
    ] {
        assert!(
            page.html.contains(text) || page.html.contains(&text.replace("&#39;", "'")),
            "`{text}` missing:\n{}",
            page.html
        );
    }
    assert!(
        !page.html.contains("rae@example.net"),
        "contacts are not published on the page"
    );
    assert!(
        !page.html.contains("Frame bomb"),
        "the report stays internal: {}",
        page.html
    );
    assert_eq!(
        public.get(&format!("/advisories/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = public.get("/p/connect/advisories").await.html;
    assert!(list.contains(&format!("/advisories/{id}")) && !list.contains(&other));
    // Issue 12, item 5: the list shows severity and component; the page links every
    // document, each of which answers and none of which publishes a contact.
    assert!(
        list.contains("High") && list.contains("<span class=\"components\">go</span>"),
        "{list}"
    );
    // No CNA settings yet: the CVE ID links to cve.org, not to a record we can't make.
    assert!(!page.html.contains(&format!("/advisories/{id}.cve.json")));
    for doc in [
        format!("/advisories/{id}.osv.json"),
        format!("/advisories/{id}.csaf.json"),
        format!("/advisories/{id}/release-notes.md"),
    ] {
        assert!(
            page.html.contains(&format!("href=\"{doc}\"")),
            "{doc} not linked"
        );
        let got = public.get(&doc).await;
        assert_eq!(got.status, StatusCode::OK, "{doc}: {}", got.html);
        assert!(
            !got.html.contains("rae@example.net"),
            "{doc} publishes a contact"
        );
    }
    assert!(
        public
            .get(&format!("/advisories/{id}/release-notes.md"))
            .await
            .html
            .contains("CVE-2026-4242")
    );
    // Before disclosure and for another case, the release notes are as missing.
    assert_eq!(
        public
            .get(&format!("/advisories/{other}/release-notes.md"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The reporter's tracking page links what was published and no longer asks
    // for a severity.
    let mine = public.get(&format!("/track/{tracking}")).await.html;
    assert!(
        mine.contains(&format!("href=\"/advisories/{id}\""))
            && mine.contains("https://www.cve.org/CVERecord?id=CVE-2026-4242"),
        "{mine}"
    );
    assert!(!mine.contains("Suggest a severity"), "{mine}");

    let feed = public.get("/p/connect/advisories.atom").await;
    assert_eq!(
        feed.headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let doc = roxmltree::Document::parse(&feed.html).expect("well-formed XML");
    let entries: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 1);
    let title = entries[0]
        .children()
        .find(|n| n.has_tag_name("title"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        title,
        "CVE-2026-4242: Unbounded allocation in connect-go's frame decoder <& friends>"
    );
}

#[tokio::test]
async fn c14_to_c18_advisory_cve_and_disclosure_sqlite() {
    c14_to_c18(Db::Sqlite).await;
}

#[tokio::test]
async fn c14_to_c18_advisory_cve_and_disclosure_postgres() {
    c14_to_c18(Db::Postgres).await;
}

#[tokio::test]
async fn bad_advisory_input_names_each_field_and_changes_nothing() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, _) = t.report("connect", minimal_report("R")).await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        t.post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
    }
    let (s, v) = put(
        &t,
        &format!("{case}/advisory"),
        &sam.token,
        json!({ "references": [{ "url": "https://x.example", "kind": "blog" }] }),
    )
    .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("references[0].kind")),
        "{v}"
    );
    let (s, v) = put(
        &t,
        &format!("{case}/advisory"),
        &sam.token,
        json!({ "cwes": ["XSS"], "affected": [{ "component": "cobol", "introduced": "0" }] }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = v["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["cwes[0]", "affected[0].component"]);
    let (s, v) = put(
        &t,
        &format!("{case}/advisory"),
        &sam.token,
        json!({ "unknown": 1 }),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = t
        .post(
            &format!("{case}/cve"),
            Some(&sam.token),
            json!({ "assigned": "CVE-26-1" }),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cve_id"))
    );
    let (_, events) = t.get(&format!("{case}/events"), Some(&sam.token)).await;
    let events = events["items"].clone();
    assert_eq!(
        events.as_array().unwrap().len(),
        4,
        "submitted, acknowledged, claimed, decided"
    );
}

#[tokio::test]
async fn the_coordinator_publishes_through_the_pages() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Frame bomb")).await;
    let team = t.signed_in(&sam.email).await;
    let case = format!("/cases/{id}");
    let release_at = (t.app.now() + jiff::SignedDuration::from_hours(240)).to_string();
    for (action, fields) in [
        ("acknowledge", vec![]),
        ("claim", vec![]),
        ("decision", vec![("outcome", "confirmed")]),
        (
            "advisory",
            vec![
                ("summary", "Frame decoder allocates without bound"),
                ("cwes", "CWE-400"),
                ("affected", "go 0 1.16.2"),
                ("credits", "finder: Rae Porter <rae@example.net>"),
                (
                    "references",
                    "fix https://github.com/connectrpc/connect-go/pull/1",
                ),
            ],
        ),
        ("cve-assign", vec![("cve_id", "CVE-2026-4243")]),
        ("cvss-na", vec![("reason", "A hardening fix.")]),
        (
            "mitigation",
            vec![("text", "Limit the maximum frame size.")],
        ),
        (
            "cvss-set",
            vec![
                ("cvss_v3_1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
                ("effect", "Denial of service."),
            ],
        ),
        (
            "release-plan",
            vec![
                ("at", release_at.as_str()),
                ("versions", "main 1.16.2"),
                ("binaries", "https://example.org/releases"),
                ("mitigation", "Limit frame sizes."),
                ("upgrade", "Upgrade to 1.16.2."),
            ],
        ),
        ("reporter-accepts", vec![]),
        ("release-notes-finalize", vec![]),
        ("disclose", vec![]),
    ] {
        let out = if action == "reporter-accepts" {
            // C6: the reporter agrees to the date on the tracking page.
            let reporter = WebClient::new(&t);
            let track = format!("/track/{tracking}");
            reporter
                .submit(&track, &format!("{track}/release/accept"), &fields)
                .await
        } else {
            team.submit(&case, &format!("{case}/actions/{action}"), &fields)
                .await
        };
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{action}: {}", out.html);
    }
    let bad = team
        .submit(
            &case,
            &format!("{case}/actions/advisory"),
            &[("references", "blog https://x.example")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("line 1"), "{}", bad.html);
    let page = WebClient::new(&t).get(&format!("/advisories/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Frame decoder allocates without bound")
            && page.html.contains("CVE-2026-4243")
    );
}

#[tokio::test]
async fn cna_settings_are_for_project_admins_and_checked() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let uuid = "8254265b-2729-46b6-b9e3-3dfca2d5bfca";
    let patch = |who: &str, body: Value| {
        let t = &t;
        let who = who.to_owned();
        async move {
            json_of(
                t.req(Method::PATCH, "/api/v1/projects/connect", Some(&who))
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let body = json!({ "cna_short_name": "connectrpc", "cna_org_id": uuid });
    assert_eq!(
        patch(&sam.token, body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, v) = patch(&ada.token, json!({ "cna_short_name": "connectrpc" })).await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cna_org_id"))
    );
    let (s, v) = patch(&ada.token, body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["cna"],
        json!({ "short_name": "connectrpc", "org_id": uuid })
    );
    let (_, public) = t.get("/api/v1/projects/connect", None).await;
    assert!(public.get("cna").is_none(), "{public}");
    let (s, _) = patch(&ada.token, json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
