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

// ---------------------------------------------------------------------------------------
// Vitess (V1–V11): one case per track on a project that runs the `vitess` preset, with
// main, two supported release branches (22.0, 21.0) and an unsupported one (19.0).

struct Vitess {
    t: TestApp,
    /// The Fix Lead (V1).
    lead: Person,
    mia: Person,
    max: Person,
}

impl Vitess {
    async fn on(db: Db) -> Vitess {
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
        ok(
            t.put(
                "/api/v1/projects/vitess/policy",
                Some(&lead.token),
                json!({ "preset": "vitess" }),
            )
            .await,
            "the vitess preset",
        );
        for (name, kind) in [
            ("release-22.0", "supported"),
            ("release-21.0", "supported"),
            ("release-19.0", "unsupported"),
        ] {
            ok(
                t.post(
                    "/api/v1/projects/vitess/components/vitess/branches",
                    Some(&lead.token),
                    json!({ "name": name, "kind": kind }),
                )
                .await,
                name,
            );
        }
        Vitess { t, lead, mia, max }
    }

    fn lead(&self) -> Option<&str> {
        Some(self.lead.token.as_str())
    }

    /// The private report (the Vitess text's "disclosure"), acknowledged, the Fix Lead
    /// claims it (V1) and includes Mia and Max, confirmed; (id, case path, tracking).
    async fn confirmed(&self, title: &str, versions: &str) -> (String, String, String) {
        let t = &self.t;
        let (id, tracking) = t
            .report(
                "vitess",
                json!({ "title": title, "description": "Steps to reproduce: secret", "component": "vitess", "affected_versions": versions }),
            )
            .await;
        let case = format!("/api/v1/cases/{id}");
        t.clock.advance(HOUR);
        for (path, body) in [
            ("acknowledge", json!({})),
            ("claim", json!({})),
            ("collaborators", json!({ "user_id": self.mia.id })),
            ("collaborators", json!({ "user_id": self.max.id })),
            ("decision", json!({ "outcome": "confirmed" })),
        ] {
            ok(
                t.post(&format!("{case}/{path}"), self.lead(), body).await,
                path,
            );
        }
        (id, case, tracking)
    }

    fn affected(&self, list: &[&str]) -> Value {
        json!({ "branches": list.iter().map(|b| json!({ "component": "vitess", "branch": b })).collect::<Vec<_>>() })
    }

    /// Mia's fix on `branch`, approved by Max (V6: the author's own never counts) and
    /// merged; returns the case.
    async fn merged_fix(&self, case: &str, branch: &str) -> Value {
        let t = &self.t;
        let c = ok(
            t.post(
                &format!("{case}/fixes"),
                Some(&self.mia.token),
                json!({ "component": "vitess", "branch": branch, "reference": format!("https://github.com/acme/vitess-private/pull/{branch}"), "commit": "0123abcdef" }),
            )
            .await,
            "fix",
        );
        let n = c["fixes"]["fixes"].as_array().unwrap().len();
        ok(
            t.post(
                &format!("{case}/fixes/{n}/approvals"),
                Some(&self.max.token),
                json!({}),
            )
            .await,
            "approval",
        );
        ok(
            t.post(
                &format!("{case}/fixes/{n}/state"),
                Some(&self.mia.token),
                json!({ "state": "merged" }),
            )
            .await,
            "merge",
        )
    }

    /// The advisory's summary and range, the final CVSS and the CVE ID.
    async fn advisory(&self, case: &str, summary: &str, fixed: &str, cve: &str) {
        let t = &self.t;
        ok(
            t.put(
                &format!("{case}/advisory"),
                self.lead(),
                json!({ "summary": summary, "affected": [{ "component": "vitess", "introduced": "0", "fixed": fixed }] }),
            )
            .await,
            "advisory",
        );
        ok(
            t.put(
                &format!("{case}/cvss"),
                self.lead(),
                json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "A remote client stops vtgate." }),
            )
            .await,
            "V6: CVSS",
        );
        ok(
            t.post(
                &format!("{case}/cve"),
                self.lead(),
                json!({ "assigned": cve }),
            )
            .await,
            "CVE",
        );
    }

    /// The plan `days` ahead; the response as is.
    async fn propose(&self, case: &str, days: i64, versions: Value) -> (StatusCode, Value) {
        let at = self.t.app.now() + SignedDuration::from_hours(24 * days);
        self.t
            .put(
                &format!("{case}/release-plan"),
                self.lead(),
                json!({
                    "at": at.to_string(),
                    "versions": versions,
                    "binaries": "https://github.com/vitessio/vitess/releases",
                    "mitigation": "Block the query shape at the proxy.",
                    "upgrade": "Upgrade to the patch release of your branch."
                }),
            )
            .await
    }

    async fn timeline(&self, case: &str) -> Vec<String> {
        let (_, events) = self
            .t
            .get(&format!("{case}/events?limit=200"), self.lead())
            .await;
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn in_order(kinds: &[String], order: &[&str]) {
    let mut at = 0;
    for want in order {
        match kinds[at..].iter().position(|k| k == want) {
            Some(i) => at += i + 1,
            None => panic!("{want} missing or out of order in {kinds:?}"),
        }
    }
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

fn error_fields(v: &Value) -> Vec<String> {
    let e = &v["error"];
    match e["details"].as_array() {
        Some(d) if !d.is_empty() => d
            .iter()
            .map(|d| d["field"].as_str().unwrap_or_default().to_owned())
            .collect(),
        _ => vec![e["field"].as_str().unwrap_or_default().to_owned()],
    }
}

/// V5 (full): two supported branches affected; the fix on main and a backport to each
/// (V1, C15); V6 within the week; V9 the release date agreed with the reporter; the
/// disclosure scheduled for it and carried out by the worker (V10's moment); C19 after.
async fn v5_full_track_from_report_to_post_mortem(db: Db) {
    let v = Vitess::on(db).await;
    let t = &v.t;
    let (id, case, tracking) = v
        .confirmed("RAW: vtgate panics on a nested query", "22.0.1 and 21.0.3")
        .await;

    // V5: a supported branch is affected → the full process; V1: the backport checklist.
    let c = ok(
        t.put(
            &format!("{case}/affected"),
            v.lead(),
            v.affected(&["release-22.0", "release-21.0"]),
        )
        .await,
        "V5",
    );
    assert_eq!(c["track"]["kind"], "full");
    let open = |b: &str| (b.to_owned(), "open".to_owned());
    assert_eq!(
        checklist(&c),
        [open("main"), open("release-22.0"), open("release-21.0")]
    );

    // V6 (within 1–7 days): the fix on main and both backports, each reviewed.
    t.clock.advance(SignedDuration::from_hours(24 * 2));
    let c = v.merged_fix(&case, "main").await;
    assert_eq!(c["stage"], "fixing");
    assert_eq!(clock_state(&c, "fix-ready"), "running");
    v.merged_fix(&case, "release-22.0").await;
    let c = v.merged_fix(&case, "release-21.0").await;
    let merged = |b: &str| (b.to_owned(), "merged".to_owned());
    assert_eq!(
        checklist(&c),
        [
            merged("main"),
            merged("release-22.0"),
            merged("release-21.0")
        ]
    );
    assert_eq!(c["fixes"]["complete"], true);
    assert_eq!(clock_state(&c, "fix-ready"), "met", "V6 within the week");
    v.advisory(
        &case,
        "Denial of service in vtgate on nested queries",
        "22.0.2",
        "CVE-2026-7001",
    )
    .await;

    // V9: the release date and the version per branch; a version of another branch is
    // refused naming its field, and nothing is stored.
    let before = v.timeline(&case).await.len();
    let (s, e) = v
        .propose(
            &case,
            5,
            json!([
                { "branch": "main", "version": "23.0.0" },
                { "branch": "release-22.0", "version": "22.0.2" },
                { "branch": "release-21.0", "version": "22.0.2" }
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["versions[2].version"], "{e}");
    assert_eq!(v.timeline(&case).await.len(), before, "nothing stored");
    let c = ok(
        v.propose(
            &case,
            5,
            json!([
                { "branch": "main", "version": "23.0.0" },
                { "branch": "release-22.0", "version": "22.0.2" },
                { "branch": "release-21.0", "version": "21.0.4" }
            ]),
        )
        .await,
        "V9: the plan",
    );
    let at_utc = c["release"]["plan"]["at_utc"].as_str().unwrap().to_owned();
    assert!(at_utc.ends_with(" UTC") && at_utc.len() == "YYYY-MM-DD HH:MM UTC".len());
    // The reporter reads the date as the Vitess notices write it, and accepts it (C6).
    let tracking_page = WebClient::new(t).get(&format!("/track/{tracking}")).await;
    assert!(tracking_page.html.contains(&at_utc), "{at_utc}");
    ok(
        t.post(
            &format!("{case}/release-plan/accept"),
            Some(&tracking),
            json!({}),
        )
        .await,
        "the reporter accepts",
    );
    let c = ok(
        t.post(
            &format!("{case}/release-notes/finalize"),
            v.lead(),
            json!({}),
        )
        .await,
        "C17",
    );
    assert_eq!(c["stage"], "release-planned");
    let notes = t
        .req(
            reqwest::Method::GET,
            &format!("{case}/release-notes"),
            v.lead(),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for want in ["CVE-2026-7001", "22.0.2", "21.0.4", "23.0.0"] {
        assert!(notes.contains(want), "{want} in {notes}");
    }

    // V10's moment: disclosure at the release time, by the worker; nothing before.
    ok(
        t.post(&format!("{case}/disclosure/schedule"), v.lead(), json!({}))
            .await,
        "schedule",
    );
    let public = WebClient::new(t);
    assert_eq!(
        public.get(&format!("/advisories/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    run_due(&t.app).await.unwrap();
    let (_, c) = t.get(&case, v.lead()).await;
    assert_eq!(c["stage"], "release-planned", "not before the release time");
    t.clock.advance(SignedDuration::from_hours(24 * 5));
    run_due(&t.app).await.unwrap();
    let (_, c) = t.get(&case, v.lead()).await;
    assert_eq!(c["stage"], "disclosed", "{c}");
    let page = public.get(&format!("/advisories/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html
            .contains("Denial of service in vtgate on nested queries")
    );
    assert!(!page.html.contains("RAW:"), "never the report's title");
    let osv = public.get(&format!("/advisories/{id}.osv.json")).await;
    assert!(osv.html.contains("CVE-2026-7001"), "{}", osv.html);

    // The fixes ship in the plan's versions; a version of another branch is refused.
    let (s, e) = t
        .post(
            &format!("{case}/fixes/3/state"),
            Some(&v.mia.token),
            json!({ "state": "released", "version": "22.0.2" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["version"]);
    for (n, version) in [(1, "v23.0.0"), (2, "22.0.2"), (3, "21.0.4")] {
        let c = ok(
            t.post(
                &format!("{case}/fixes/{n}/state"),
                Some(&v.mia.token),
                json!({ "state": "released", "version": version }),
            )
            .await,
            "released",
        );
        assert_eq!(c["fixes"]["fixes"][n - 1]["state"], "released");
    }

    // C19: the post-mortem closes the case.
    let c = ok(t.post(
            &format!("{case}/post-mortem"),
            v.lead(),
            json!({ "root_cause": "Recursion depth was unbounded.", "prevention": ["Bound the parser's depth."] }),
        )
        .await,
        "C19",
    );
    assert_eq!(c["stage"], "closed");
    assert_eq!(
        public
            .get(&format!("/advisories/{id}/post-mortem"))
            .await
            .status,
        StatusCode::OK
    );
    in_order(
        &v.timeline(&case).await,
        &[
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
        ],
    );
}

#[tokio::test]
async fn v5_full_track_from_report_to_post_mortem_on_sqlite() {
    v5_full_track_from_report_to_post_mortem(Db::Sqlite).await;
}

#[tokio::test]
async fn v5_full_track_from_report_to_post_mortem_on_postgres() {
    v5_full_track_from_report_to_post_mortem(Db::Postgres).await;
}

/// V3 (main-only): main and the unsupported 19.0 are affected, no supported branch → the
/// fix lands on main only; the reporter stays silent and the Fix Lead sets the date after
/// the policy's wait (C6, five working days in the preset); disclosure, then C19.
async fn v3_main_only_from_report_to_post_mortem(db: Db) {
    let v = Vitess::on(db).await;
    let t = &v.t;
    let (id, case, tracking) = v.confirmed("RAW: vtctld leaks a header", "main").await;
    let c = ok(
        t.put(
            &format!("{case}/affected"),
            v.lead(),
            v.affected(&["main", "release-19.0"]),
        )
        .await,
        "V3",
    );
    assert_eq!(c["track"]["kind"], "main-only");
    assert_eq!(checklist(&c), [("main".to_owned(), "open".to_owned())]);
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(mine["track"]["kind"], "main-only", "the reporter sees it");
    let c = v.merged_fix(&case, "main").await;
    assert_eq!(c["fixes"]["complete"], true);
    assert_eq!(clock_state(&c, "fix-ready"), "met");
    v.advisory(&case, "Header leak in vtctld", "23.0.0", "CVE-2026-7002")
        .await;

    // The plan names main's version only; release-22.0 is not affected but still a
    // branch of the project, and main can't take its line.
    let (s, e) = v
        .propose(
            &case,
            10,
            json!([{ "branch": "main", "version": "22.0.9" }]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["versions[0].version"], "{e}");
    let proposed_at = t.app.now();
    ok(
        v.propose(
            &case,
            10,
            json!([{ "branch": "main", "version": "23.0.0" }]),
        )
        .await,
        "V9: the plan",
    );
    // C6: the reporter is silent; the preset's wait is five working days on its calendar.
    let policy = embargo_core::policy::Policy::vitess();
    let until = policy.calendar().due(proposed_at, policy.reporter_silence);
    assert!(until >= proposed_at + SignedDuration::from_hours(24 * 5));
    let over = json!({ "reason": "No answer from the reporter in five working days." });
    t.clock
        .advance(until.duration_since(proposed_at) - SignedDuration::from_secs(1));
    let (s, e) = t
        .post(
            &format!("{case}/release-plan/override"),
            v.lead(),
            over.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e.to_string().contains(&format!(
            "has until {}",
            until.strftime("%Y-%m-%d %H:%M UTC")
        )),
        "{e}"
    );
    t.clock.advance(SignedDuration::from_secs(1));
    let c = ok(
        t.post(&format!("{case}/release-plan/override"), v.lead(), over)
            .await,
        "the override after silence",
    );
    assert_eq!(c["stage"], "release-planned");
    assert_eq!(c["release"]["agreement"], "overridden");
    ok(
        t.post(
            &format!("{case}/release-notes/finalize"),
            v.lead(),
            json!({}),
        )
        .await,
        "C17",
    );
    // Disclosed now, before the date, by the Fix Lead: the gate passes.
    let c = ok(
        t.post(&format!("{case}/disclose"), v.lead(), json!({}))
            .await,
        "disclose",
    );
    assert_eq!(c["stage"], "disclosed");
    let page = WebClient::new(t).get(&format!("/advisories/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Header leak in vtctld") && !page.html.contains("RAW:"));
    let c = ok(t.post(
            &format!("{case}/post-mortem"),
            v.lead(),
            json!({ "root_cause": "A debug header was left on.", "prevention": ["Strip debug headers in release builds."] }),
        )
        .await,
        "C19",
    );
    assert_eq!(c["stage"], "closed");
    in_order(
        &v.timeline(&case).await,
        &[
            "submitted",
            "affected_set",
            "fix_recorded",
            "fix_approved",
            "release_plan_proposed",
            "release_date_overridden",
            "release_notes_finalized",
            "disclosed",
            "post_mortem_published",
        ],
    );
}

#[tokio::test]
async fn v3_main_only_from_report_to_post_mortem_on_sqlite() {
    v3_main_only_from_report_to_post_mortem(Db::Sqlite).await;
}

#[tokio::test]
async fn v3_main_only_from_report_to_post_mortem_on_postgres() {
    v3_main_only_from_report_to_post_mortem(Db::Postgres).await;
}

/// V4 (unsupported-only): only 19.0 is affected → no fix, no backport; the upgrade notice
/// is the mitigation; the release lists where to upgrade to, never the unsupported
/// branch; disclosure shows the upgrade notice.
async fn v4_unsupported_only_from_report_to_disclosure(db: Db) {
    let v = Vitess::on(db).await;
    let t = &v.t;
    let (id, case, tracking) = v.confirmed("RAW: old vttablet crash", "19.0.4").await;
    let c = ok(
        t.put(
            &format!("{case}/affected"),
            v.lead(),
            v.affected(&["release-19.0"]),
        )
        .await,
        "V4",
    );
    assert_eq!(c["track"]["kind"], "unsupported-only");
    assert_eq!(c["fixes"]["checklist"], json!([]));
    assert_eq!(clock_state(&c, "fix-ready"), "met", "no fix to wait for");
    v.advisory(&case, "Crash in vttablet 19.0", "21.0.0", "CVE-2026-7003")
        .await;
    let (s, e) = t
        .post(&format!("{case}/disclose"), v.lead(), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["details"][0]["code"], "no_upgrade_notice", "{e}");
    // V4: the unsupported branch gets no release; the plan names where to upgrade.
    let (s, e) = v
        .propose(
            &case,
            3,
            json!([{ "branch": "release-19.0", "version": "19.0.5" }]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["versions[0].branch"], "{e}");
    ok(
        t.put(
            &format!("{case}/mitigation"),
            v.lead(),
            json!({ "text": "Release 19.0 is no longer supported: upgrade to 21.0 or later." }),
        )
        .await,
        "V4: the upgrade notice",
    );
    ok(
        v.propose(
            &case,
            3,
            json!([
                { "branch": "release-22.0", "version": "22.0.2" },
                { "branch": "release-21.0", "version": "21.0.4" }
            ]),
        )
        .await,
        "the plan",
    );
    ok(
        t.post(
            &format!("{case}/release-plan/accept"),
            Some(&tracking),
            json!({}),
        )
        .await,
        "the reporter accepts",
    );
    ok(
        t.post(
            &format!("{case}/release-notes/finalize"),
            v.lead(),
            json!({}),
        )
        .await,
        "C17",
    );
    let c = ok(
        t.post(&format!("{case}/disclose"), v.lead(), json!({}))
            .await,
        "disclose",
    );
    assert_eq!(c["stage"], "disclosed");
    let page = WebClient::new(t).get(&format!("/advisories/{id}")).await;
    assert!(
        page.html
            .contains("Release 19.0 is no longer supported: upgrade to 21.0 or later."),
        "the upgrade notice is public"
    );
    assert!(!page.html.contains("RAW:"));
    let kinds = v.timeline(&case).await;
    assert!(!kinds.iter().any(|k| k == "fix_recorded"), "no fix (V4)");
    in_order(
        &kinds,
        &[
            "submitted",
            "affected_set",
            "mitigation_recorded",
            "release_plan_proposed",
            "release_date_agreed",
            "release_notes_finalized",
            "disclosed",
        ],
    );
}

#[tokio::test]
async fn v4_unsupported_only_from_report_to_disclosure_on_sqlite() {
    v4_unsupported_only_from_report_to_disclosure(Db::Sqlite).await;
}

#[tokio::test]
async fn v4_unsupported_only_from_report_to_disclosure_on_postgres() {
    v4_unsupported_only_from_report_to_disclosure(Db::Postgres).await;
}
