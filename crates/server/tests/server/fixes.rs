//! Fixes per branch and the gate before disclosure (C12, C13, C15, V1, V3–V6, V8),
//! through the API and the pages, on a Vitess-like project: `vitess` has main, two
//! supported releases and an unsupported one, and runs the `vitess` preset (one
//! approval per fix, the V6 fix-ready clock). Every scenario runs on both databases.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::clock::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Vitess {
    t: TestApp,
    lead: Person,
    mia: Person,
    max: Person,
}

async fn vitess(db: Db) -> Vitess {
    let t = TestApp::on(db).await;
    t.project("vitess", &["vitess"]).await;
    let lead = t
        .person("lead@example.org", Some(("vitess", Role::Admin)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("vitess", Role::Maintainer)))
        .await;
    let max = t
        .person("max@example.org", Some(("vitess", Role::Maintainer)))
        .await;
    let (s, v) = t
        .put(
            "/api/v1/projects/vitess/policy",
            Some(&lead.token),
            json!({ "preset": "vitess" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for (name, kind) in [
        ("release-22.0", "supported"),
        ("release-21.0", "supported"),
        ("release-19.0", "unsupported"),
    ] {
        let (s, v) = t
            .post(
                "/api/v1/projects/vitess/components/vitess/branches",
                Some(&lead.token),
                json!({ "name": name, "kind": kind }),
            )
            .await;
        assert!(s.is_success(), "{s} {v}");
    }
    Vitess { t, lead, mia, max }
}

/// A confirmed case led by the lead, with Mia and Max collaborating; (id, tracking).
async fn confirmed(v: &Vitess, title: &str, versions: &str) -> (String, String) {
    let t = &v.t;
    let (id, tracking) = t
        .report(
            "vitess",
            json!({ "title": title, "description": "Steps…", "component": "vitess", "affected_versions": versions }),
        )
        .await;
    let case = format!("/api/v1/cases/{id}");
    let lead = Some(v.lead.token.as_str());
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("collaborators", json!({ "user_id": v.mia.id })),
        ("collaborators", json!({ "user_id": v.max.id })),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        let (s, b) = t.post(&format!("{case}/{path}"), lead, body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {b}");
    }
    (id, tracking)
}

async fn events(t: &TestApp, id: &str, token: &str) -> usize {
    t.get(&format!("/api/v1/cases/{id}/events?limit=200"), Some(token))
        .await
        .1["items"]
        .as_array()
        .unwrap()
        .len()
}

fn branches(list: &[&str]) -> Value {
    json!({ "branches": list.iter().map(|b| json!({ "component": "vitess", "branch": b })).collect::<Vec<_>>() })
}

fn checklist(case: &Value) -> Vec<(String, String)> {
    case["fixes"]["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["branch"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn fix_ready(case: &Value) -> String {
    case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "fix-ready")
        .unwrap()["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Records a fix on `branch` by Mia, approved by Max and merged; returns its number.
async fn merged_fix(v: &Vitess, id: &str, branch: &str) -> u64 {
    let t = &v.t;
    let case = format!("/api/v1/cases/{id}");
    let (s, c) = t
        .post(
            &format!("{case}/fixes"),
            Some(&v.mia.token),
            json!({ "component": "vitess", "branch": branch, "reference": format!("https://github.com/acme/vitess-private/pull/{branch}"), "commit": "0123abcdef" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let n = c["fixes"]["fixes"].as_array().unwrap().len() as u64;
    let (s, c) = t
        .post(
            &format!("{case}/fixes/{n}/approvals"),
            Some(&v.max.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (s, c) = t
        .post(
            &format!("{case}/fixes/{n}/state"),
            Some(&v.mia.token),
            json!({ "state": "merged" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    n
}

async fn v5_full_track_with_a_backport(db: Db) {
    let v = vitess(db).await;
    let t = &v.t;
    let (id, tracking) = confirmed(&v, "Panic in vtgate", "release-22.0 and release-21.0").await;
    let case = format!("/api/v1/cases/{id}");
    let lead = Some(v.lead.token.as_str());

    // The form is prefilled from what the reporter wrote, where it names known branches.
    let web = t.signed_in(&v.lead.email).await;
    let page = web.get(&format!("/cases/{id}")).await;
    for b in ["release-22.0", "release-21.0"] {
        assert!(
            page.html
                .contains(&format!(r#"name="b:vitess/{b}" checked"#)),
            "{b} prefilled"
        );
    }
    assert!(!page.html.contains(r#"name="b:vitess/main" checked"#));

    // An unknown branch is named; nothing is stored.
    let before = events(t, &id, &v.lead.token).await;
    let (s, e) = t
        .put(
            &format!("{case}/affected"),
            lead,
            branches(&["release-22.0", "release-99.0"]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "unknown_branch");
    assert_eq!(e["error"]["field"], "branches[1]");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("vitess/release-99.0")
    );
    assert_eq!(events(t, &id, &v.lead.token).await, before);

    // V5: a supported branch is affected, so the full process.
    let (s, c) = t
        .put(
            &format!("{case}/affected"),
            lead,
            branches(&["release-21.0", "release-22.0"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["track"], json!({ "kind": "full", "modifiers": [] }));
    assert_eq!(
        c["affected"],
        json!([{ "component": "vitess", "branch": "release-22.0" }, { "component": "vitess", "branch": "release-21.0" }])
    );
    let open = |b: &str| (b.to_owned(), "open".to_owned());
    assert_eq!(
        checklist(&c),
        [open("main"), open("release-22.0"), open("release-21.0")]
    );
    // The reporter sees the track, not the branches or the fixes.
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(mine["track"]["kind"], "full");
    assert!(
        mine.get("affected").is_none() && mine.get("fixes").is_none(),
        "{mine}"
    );
    let tracking_page = WebClient::new(t).get(&format!("/track/{tracking}")).await;
    assert!(
        tracking_page
            .html
            .contains("Process: <strong>full</strong> — a supported release branch is affected"),
        "the reporter's page names the process"
    );

    // C12: Mia records the fix on main; the case is fixing.
    let (s, c) = t
        .post(
            &format!("{case}/fixes"),
            Some(&v.mia.token),
            json!({ "component": "vitess", "branch": "main", "reference": "https://github.com/acme/vitess-private/pull/7" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["stage"], "fixing");
    let fix = &c["fixes"]["fixes"][0];
    assert_eq!(
        (
            fix["state"].as_str(),
            fix["author"]["name"].as_str(),
            fix["approvals_required"].as_u64()
        ),
        (Some("in-review"), Some(v.mia.name.as_str()), Some(1))
    );
    // V6: her own approval never counts, and is refused; nothing is stored.
    let before = events(t, &id, &v.lead.token).await;
    let (s, e) = t
        .post(
            &format!("{case}/fixes/1/approvals"),
            Some(&v.mia.token),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_allowed")),
        "{e}"
    );
    assert_eq!(e["error"]["field"], "fix");
    assert_eq!(events(t, &id, &v.lead.token).await, before);
    // Not merged before its approval.
    let (s, e) = t
        .post(
            &format!("{case}/fixes/1/state"),
            Some(&v.mia.token),
            json!({ "state": "merged" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("0 of the 1 approvals"),
        "{e}"
    );
    let (s, c) = t
        .post(
            &format!("{case}/fixes/1/approvals"),
            Some(&v.max.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["fixes"]["fixes"][0]["state"], "approved");
    let (s, c) = t
        .post(
            &format!("{case}/fixes/1/state"),
            Some(&v.mia.token),
            json!({ "state": "merged" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (s, e) = t
        .post(
            &format!("{case}/fixes/1/state"),
            Some(&v.mia.token),
            json!({ "state": "released" }),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("version"))
    );
    let (s, c) = t
        .post(
            &format!("{case}/fixes/1/state"),
            Some(&v.mia.token),
            json!({ "state": "released", "version": "v23.0.0" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (
            c["fixes"]["fixes"][0]["state"].as_str(),
            c["fixes"]["fixes"][0]["version"].as_str()
        ),
        (Some("released"), Some("v23.0.0"))
    );
    assert_eq!(fix_ready(&c), "running");

    // C15: the backport to release-22.0, with its patch file.
    let n = merged_fix(&v, &id, "release-22.0").await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"--- a/go/vt\n+++ b/go/vt\n".to_vec())
            .file_name("backport.patch"),
    );
    let (s, c) = json_of(
        t.req(
            Method::POST,
            &format!("{case}/fixes/{n}/patch"),
            Some(&v.mia.token),
        )
        .multipart(form)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let patch = c["fixes"]["fixes"][1]["patch"].clone();
    assert_eq!(patch["visibility"], "internal");
    let url = patch["url"].as_str().unwrap().to_owned();
    let res = t.req(Method::GET, &url, lead).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/octet-stream",
        "download only"
    );
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        b"--- a/go/vt\n+++ b/go/vt\n"
    );
    let res = t
        .req(Method::GET, &url, Some(&tracking))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "the reporter never sees it"
    );

    // V1: release-21.0 gets no fix, for a recorded reason; the checklist is complete and
    // the fix-ready clock (V6) is met.
    let (s, c) = t.get(&case, lead).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        checklist(&c),
        [
            ("main".into(), "merged".into()),
            ("release-22.0".into(), "merged".into()),
            open("release-21.0")
        ]
    );
    assert_eq!(
        (c["fixes"]["complete"].as_bool(), fix_ready(&c).as_str()),
        (Some(false), "running")
    );
    let (s, c) = t
        .post(
            &format!("{case}/backports/waivers"),
            lead,
            json!({ "component": "vitess", "branch": "release-21.0", "reason": "The code path does not exist in 21.0." }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["fixes"]["checklist"][2]["status"], "waived");
    assert_eq!(c["fixes"]["complete"], true);
    assert_eq!(c["fixes"]["ready_at"], json!(t.clock.now().to_string()));
    assert_eq!(fix_ready(&c), "met");

    // The page shows the checklist and the fixes; the timeline names each step.
    let page = web.get(&format!("/cases/{id}")).await;
    for text in [
        "Backport checklist",
        "no fix: The code path does not exist in 21.0.",
        "released in v23.0.0",
        "the fix-ready clock is met",
    ] {
        assert!(page.html.contains(text), "{text}");
    }
    let (_, evs) = t.get(&format!("{case}/events?limit=200"), lead).await;
    let kinds: Vec<&str> = evs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for k in [
        "affected_set",
        "fix_recorded",
        "fix_approved",
        "fix_state_changed",
        "fix_patch_attached",
        "backport_waived",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let (_, theirs) = t
        .get(&format!("{case}/events?limit=200"), Some(&tracking))
        .await;
    assert!(
        !theirs.to_string().contains("vitess-private"),
        "private references stay with the team"
    );
}

#[tokio::test]
async fn v5_full_track_with_a_backport_on_sqlite() {
    v5_full_track_with_a_backport(Db::Sqlite).await;
}

#[tokio::test]
async fn v5_full_track_with_a_backport_on_postgres() {
    v5_full_track_with_a_backport(Db::Postgres).await;
}

/// The reported bug: an empty confirmed case was disclosed in one call, titled with the
/// report's title. Disclose is refused naming each missing item (API and page), then
/// allowed once they are there; nothing public carries the report's title.
async fn v3_v8_main_only_and_the_gate(db: Db) {
    let v = vitess(db).await;
    let t = &v.t;
    let title = "Secret title: vtgate panics on a crafted query";
    let (id, tracking) = confirmed(&v, title, "").await;
    let case = format!("/api/v1/cases/{id}");
    let lead = Some(v.lead.token.as_str());

    let before = events(t, &id, &v.lead.token).await;
    let (s, e) = t.post(&format!("{case}/disclose"), lead, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "blocked");
    let codes: Vec<&str> = e["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "no_fix_or_mitigation",
            "no_summary",
            "no_final_cvss",
            "release_notes_not_final",
            "release_date_not_agreed"
        ]
    );
    assert_eq!(
        events(t, &id, &v.lead.token).await,
        before,
        "nothing stored"
    );
    let (_, c) = t.get(&case, lead).await;
    assert_eq!(c["disclosure_blockers"].as_array().unwrap().len(), 5);
    // The page's disclose form says the same.
    let web = t.signed_in(&v.lead.email).await;
    let page = web
        .submit(
            &format!("/cases/{id}"),
            &format!("/cases/{id}/actions/disclose"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    for text in [
        "no fix is merged and no mitigation is recorded",
        "the advisory has no summary",
        "the final CVSS is not set",
    ] {
        assert!(page.html.contains(text), "{text}");
    }
    let public = WebClient::new(t);
    assert_eq!(
        public.get(&format!("/advisories/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    // V3: main but no supported branch → fix on main only.
    let (s, c) = t
        .put(
            &format!("{case}/affected"),
            lead,
            branches(&["main", "release-19.0"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["track"]["kind"], "main-only");
    assert_eq!(checklist(&c), [("main".to_owned(), "open".to_owned())]);
    merged_fix(&v, &id, "main").await;
    let (_, c) = t.get(&case, lead).await;
    assert_eq!(
        (c["fixes"]["complete"].as_bool(), fix_ready(&c).as_str()),
        (Some(true), "met")
    );
    let codes = |c: &Value| -> Vec<String> {
        c["disclosure_blockers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        codes(&c),
        [
            "no_summary",
            "no_final_cvss",
            "release_notes_not_final",
            "release_date_not_agreed"
        ]
    );
    let (s, c) = t
        .put(
            &format!("{case}/advisory"),
            lead,
            json!({ "summary": "Denial of service in vtgate", "affected": [{ "component": "vitess", "introduced": "0", "fixed": "23.0.0" }] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (s, c) = t
        .post(
            &format!("{case}/cve"),
            lead,
            json!({ "assigned": "CVE-2026-5555" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    // C13: the final CVSS, or "not applicable" with a reason.
    let (s, e) = t
        .put(
            &format!("{case}/cvss/not-applicable"),
            lead,
            json!({ "reason": " " }),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (s, c) = t
        .put(
            &format!("{case}/cvss/not-applicable"),
            lead,
            json!({ "reason": "Hardening; no practical attack." }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["cvss_not_applicable"], "Hardening; no practical attack.");
    assert_eq!(
        codes(&c),
        ["release_notes_not_final", "release_date_not_agreed"]
    );
    // The release's part (C6, C17): a date the reporter agreed, final notes.
    release_ready(t, &id, &v.lead.token, &tracking).await;
    let (s, c) = t.post(&format!("{case}/disclose"), lead, json!({})).await;
    assert_eq!(
        (s, c["stage"].as_str()),
        (StatusCode::OK, Some("disclosed")),
        "{c}"
    );

    // Public: the team's summary, never the report's title.
    for path in [
        format!("/advisories/{id}"),
        "/p/vitess/advisories".to_owned(),
        "/p/vitess/advisories.atom".to_owned(),
        format!("/advisories/{id}.osv.json"),
        format!("/advisories/{id}.csaf.json"),
    ] {
        let out = public.get(&path).await;
        assert_eq!(out.status, StatusCode::OK, "{path}");
        assert!(
            !out.html.contains("Secret title"),
            "{path} shows the report's title"
        );
    }
    assert!(
        public
            .get(&format!("/advisories/{id}"))
            .await
            .html
            .contains("Denial of service in vtgate")
    );
}

#[tokio::test]
async fn v3_v8_main_only_and_the_gate_on_sqlite() {
    v3_v8_main_only_and_the_gate(Db::Sqlite).await;
}

#[tokio::test]
async fn v3_v8_main_only_and_the_gate_on_postgres() {
    v3_v8_main_only_and_the_gate(Db::Postgres).await;
}

/// V4: only an unsupported release → no fix; the upgrade notice (the mitigation) lets
/// it be disclosed.
async fn v4_unsupported_only(db: Db) {
    let v = vitess(db).await;
    let t = &v.t;
    let (id, tracking) = confirmed(&v, "Old bug", "19.0").await;
    let case = format!("/api/v1/cases/{id}");
    let lead = Some(v.lead.token.as_str());
    let (s, c) = t
        .put(
            &format!("{case}/affected"),
            lead,
            branches(&["release-19.0"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["track"]["kind"], "unsupported-only");
    assert_eq!(c["fixes"]["checklist"], json!([]));
    assert_eq!(
        (c["fixes"]["complete"].as_bool(), fix_ready(&c).as_str()),
        (Some(true), "met")
    );
    for (path, body) in [
        ("advisory", json!({ "summary": "Crash in release 19.0" })),
        (
            "cvss",
            json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "Crash." }),
        ),
    ] {
        let (s, c) = t.put(&format!("{case}/{path}"), lead, body).await;
        assert_eq!(s, StatusCode::OK, "{c}");
    }
    let (s, e) = t.post(&format!("{case}/disclose"), lead, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(e["error"]["details"][0]["code"], "no_upgrade_notice", "{e}");
    // The mitigation form keeps what was typed on error, its message beside it.
    let web = t.signed_in(&v.lead.email).await;
    let page = web
        .submit(
            &format!("/cases/{id}"),
            &format!("/cases/{id}/actions/mitigation"),
            &[("text", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html.contains("<p>Text is required</p>"),
        "{}",
        page.html
    );
    let bad = web
        .submit(
            &format!("/cases/{id}"),
            &format!("/cases/{id}/actions/fix"),
            &[
                ("branch", "vitess/main"),
                ("reference", "https://git.example/pr/9"),
                ("commit", "not-a-commit"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.html.contains(r#"value="https://git.example/pr/9""#),
        "typed value kept"
    );
    assert!(
        bad.html
            .contains("a commit id is 7 to 64 hexadecimal digits")
    );
    let ok = web
        .submit(
            &format!("/cases/{id}"),
            &format!("/cases/{id}/actions/mitigation"),
            &[("text", "Upgrade to release-21.0 or later.")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let (s, c) = t
        .post(
            &format!("{case}/cve"),
            lead,
            json!({ "assigned": "CVE-2026-4344" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    release_ready(t, &id, &v.lead.token, &tracking).await;
    let (s, c) = t.post(&format!("{case}/disclose"), lead, json!({})).await;
    assert_eq!(
        (s, c["stage"].as_str()),
        (StatusCode::OK, Some("disclosed")),
        "{c}"
    );
    let page = WebClient::new(t).get(&format!("/advisories/{id}")).await;
    assert!(page.html.contains("Upgrade to release-21.0 or later."));
}

#[tokio::test]
async fn v4_unsupported_only_on_sqlite() {
    v4_unsupported_only(Db::Sqlite).await;
}

#[tokio::test]
async fn v4_unsupported_only_on_postgres() {
    v4_unsupported_only(Db::Postgres).await;
}
