//! Issue 10: a Connect case from report to post-mortem, step by step through the API on
//! a real server, with the manual clock (no sleeps): C1 report, C3 acknowledge, C8
//! claim, C10 collaborator, C11 confirm, V3 track, C12/C15 fix reviewed and merged, C13
//! CVSS, C14 CVE, C17 release notes, C6 date agreed with the reporter, C18 scheduled
//! disclosure carried out by the worker, C19 post-mortem that closes the case.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

const HOUR: SignedDuration = SignedDuration::from_hours(1);

fn ok((status, v): (StatusCode, Value), what: &str) -> Value {
    assert!(status.is_success(), "{what}: {status} {v}");
    v
}

fn clock_state<'a>(case: &'a Value, name: &str) -> &'a str {
    case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["state"].as_str())
        .unwrap_or_else(|| panic!("no clock {name} in {}", case["clocks"]))
}

async fn connect_case_from_report_to_post_mortem(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let (sam_t, mia_t) = (Some(sam.token.as_str()), Some(mia.token.as_str()));

    // C1: the report, with the reporter's title — never published.
    let raw_title = "RAW TITLE: connect-go server dies on a 2 GiB frame";
    let (id, tracking) = t.report("connect", minimal_report(raw_title)).await;
    let case = format!("/api/v1/cases/{id}");
    t.clock.advance(HOUR);
    ok(
        t.post(&format!("{case}/acknowledge"), sam_t, json!({}))
            .await,
        "C3",
    );
    ok(
        t.post(&format!("{case}/claim"), sam_t, json!({})).await,
        "C8",
    );
    ok(
        t.post(
            &format!("{case}/collaborators"),
            sam_t,
            json!({ "user_id": mia.id }),
        )
        .await,
        "C10",
    );
    ok(
        t.post(
            &format!("{case}/decision"),
            sam_t,
            json!({ "outcome": "confirmed" }),
        )
        .await,
        "C11",
    );
    // An empty confirmed case can't go public.
    let (status, v) = t.post(&format!("{case}/disclose"), sam_t, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");

    // V3: main only; C12, C15: Mia's fix, reviewed by Sam, merged.
    ok(
        t.put(
            &format!("{case}/affected"),
            sam_t,
            json!({ "branches": [{ "component": "go", "branch": "main" }] }),
        )
        .await,
        "V3",
    );
    let c = ok(t.post(
            &format!("{case}/fixes"),
            mia_t,
            json!({ "component": "go", "branch": "main", "reference": "https://github.com/acme/connect-go-private/pull/7", "commit": "0123abcdef" }),
        )
        .await,
        "C12",
    );
    assert_eq!(c["stage"], "fixing");
    ok(
        t.post(&format!("{case}/fixes/1/approvals"), sam_t, json!({}))
            .await,
        "V6",
    );
    let c = ok(
        t.post(
            &format!("{case}/fixes/1/state"),
            mia_t,
            json!({ "state": "merged" }),
        )
        .await,
        "C15",
    );
    assert_eq!(c["track"]["kind"], "main-only");
    assert_eq!(c["fixes"]["complete"], true, "{}", c["fixes"]);
    assert_eq!(clock_state(&c, "acknowledge"), "met");
    assert_eq!(clock_state(&c, "collaborators-added"), "met");

    // C13, C14, the advisory's own summary.
    ok(t.put(
            &format!("{case}/cvss"),
            sam_t,
            json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "A remote client stops the server." }),
        )
        .await,
        "C13",
    );
    ok(t.put(
            &format!("{case}/advisory"),
            sam_t,
            json!({ "summary": "Unbounded message size in Connect servers", "affected": [{ "component": "go", "introduced": "0", "fixed": "1.17.0" }] }),
        )
        .await,
        "advisory",
    );
    ok(
        t.post(
            &format!("{case}/cve"),
            sam_t,
            json!({ "assigned": "CVE-2026-4545" }),
        )
        .await,
        "C14",
    );

    // C6, C17: a plan the reporter agrees to, final release notes.
    release_ready(&t, &id, &sam.token, &tracking).await;
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(mine["stage"], "release-planned", "{mine}");
    let (status, notes) = t
        .req(
            reqwest::Method::GET,
            &format!("{case}/release-notes"),
            sam_t,
        )
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    let notes = notes.text().await.unwrap();
    assert!(
        notes.contains("CVE-2026-4545") && notes.contains("7.5"),
        "{notes}"
    );

    // C18: disclosure scheduled for the release time; the worker carries it out.
    ok(
        t.post(&format!("{case}/disclosure/schedule"), sam_t, json!({}))
            .await,
        "schedule",
    );
    assert_eq!(
        WebClient::new(&t)
            .get(&format!("/advisories/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "nothing public before the release time"
    );
    t.clock.advance(SignedDuration::from_hours(24 * 10));
    run_due(&t.app).await.unwrap();
    let (_, c) = t.get(&case, sam_t).await;
    assert_eq!(c["stage"], "disclosed", "{c}");
    let page = WebClient::new(&t).get(&format!("/advisories/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html
            .contains("Unbounded message size in Connect servers")
            && !page.html.contains("RAW TITLE"),
        "the team's summary, never the report's title"
    );

    // C19: the post-mortem closes the case and is public.
    let c = ok(t.post(
            &format!("{case}/post-mortem"),
            sam_t,
            json!({ "root_cause": "A length from the wire was trusted.", "prevention": ["Fuzz the decoder."] }),
        )
        .await,
        "C19",
    );
    assert_eq!(c["stage"], "closed", "{c}");
    assert_eq!(
        clock_state(&c, "disclosure-target"),
        "met",
        "{}",
        c["clocks"]
    );
    let pm = WebClient::new(&t)
        .get(&format!("/advisories/{id}/post-mortem"))
        .await;
    assert_eq!(pm.status, StatusCode::OK);
    assert!(pm.html.contains("A length from the wire was trusted."));
    assert!(!pm.html.contains("RAW TITLE"));

    // The timeline tells it in order.
    let (_, events) = t.get(&format!("{case}/events?limit=200"), sam_t).await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    let order = [
        "submitted",
        "acknowledged",
        "claimed",
        "collaborator_added",
        "final_decision_set",
        "affected_set",
        "fix_recorded",
        "fix_approved",
        "cvss_set",
        "cve_assigned",
        "release_plan_proposed",
        "release_date_agreed",
        "release_notes_finalized",
        "disclosure_scheduled",
        "disclosed",
        "post_mortem_published",
    ];
    let mut at = 0;
    for want in order {
        match kinds[at..].iter().position(|k| *k == want) {
            Some(i) => at += i + 1,
            None => panic!("{want} missing or out of order in {kinds:?}"),
        }
    }
}

#[tokio::test]
async fn connect_case_from_report_to_post_mortem_on_sqlite() {
    connect_case_from_report_to_post_mortem(Db::Sqlite).await;
}

#[tokio::test]
async fn connect_case_from_report_to_post_mortem_on_postgres() {
    connect_case_from_report_to_post_mortem(Db::Postgres).await;
}
