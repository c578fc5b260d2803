//! Issue 8, items 5–7 and what item 1 left: the queue by urgency (API and page), the
//! project's SECURITY.md from its policy, transparency metrics (API, page, Prometheus),
//! the policy editor and `.ics` import on the admin page, and `policy_preset` on
//! project creation. Times come from the test app's manual clock; T0 is Monday
//! 2026-09-21 14:13:20 UTC and the `connect` preset runs in UTC, Monday to Friday.

use super::support::*;
use embargo_core::project::Role;
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {v}"))
        .iter()
        .map(|i| i["case"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn ok(t: &TestApp, path: &str, token: &str, body: Value) {
    let (status, v) = t.post(path, Some(token), body).await;
    assert!(status.is_success(), "{path}: {status} {v}");
}

struct Team {
    lead: Person,
    maintainer: Person,
    idle: Person,
    outsider: Person,
    admin: Person,
}

async fn team(t: &TestApp) -> Team {
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    Team {
        lead: t
            .person("lead@example.org", Some(("connect", Role::SecurityTeam)))
            .await,
        maintainer: t
            .person("m@example.org", Some(("connect", Role::Maintainer)))
            .await,
        idle: t
            .person("idle@example.org", Some(("connect", Role::Maintainer)))
            .await,
        outsider: t
            .person("olga@example.org", Some(("vitess", Role::SecurityTeam)))
            .await,
        admin: t
            .person("admin@example.org", Some(("connect", Role::Admin)))
            .await,
    }
}

/// C3, C8, C10: most overdue first, then the nearest due clock, each row naming it;
/// filters; a cursor that holds while time passes; the permission matrix.
async fn c3_c10_queue_by_urgency(db: Db) {
    let t = TestApp::on(db).await;
    let p = team(&t).await;
    let lead = p.lead.token.as_str();
    let (a, tracking) = t.report("connect", minimal_report("A")).await;
    t.clock.advance(hours(2));
    let (b, _) = t.report("connect", minimal_report("B")).await;
    let q = "/api/v1/projects/connect/queue";

    // A's collaborators are due a day after its receipt, B's two hours later.
    let (status, v) = t.get(q, Some(lead)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(ids(&v), [a.clone(), b.clone()]);
    let first = &v["items"][0]["clock"];
    assert_eq!(first["name"], "collaborators-added");
    assert_eq!(first["step"], "C10");
    assert_eq!(first["state"], "running");
    assert_eq!(first["due_at"], "2026-09-22T14:13:20Z");
    assert!(
        first["label"]
            .as_str()
            .unwrap()
            .starts_with("collaborators-added: ")
            && first["label"].as_str().unwrap().ends_with(" left"),
        "{first}"
    );
    assert_eq!(v["items"][0]["overdue"], false);
    assert_eq!(v["policy_time_zone"], "UTC");

    // A collaborator on A: its acknowledge clock (C3, 5 working days: Tue 22 … Mon
    // 28, due at that day's end) is next, after B's.
    ok(
        &t,
        &format!("/api/v1/cases/{a}/collaborators"),
        lead,
        json!({"user_id": p.maintainer.id}),
    )
    .await;
    let (_, v) = t.get(q, Some(lead)).await;
    assert_eq!(ids(&v), [b.clone(), a.clone()]);
    assert_eq!(v["items"][1]["clock"]["name"], "acknowledge");
    assert_eq!(v["items"][1]["clock"]["due_at"], "2026-09-29T00:00:00Z");

    // Tuesday 20:13: B is four hours overdue; C comes in.
    t.clock.advance(hours(28));
    let (c, _) = t.report("connect", minimal_report("C")).await;
    let (_, v) = t.get(q, Some(lead)).await;
    assert_eq!(ids(&v), [b.clone(), c.clone(), a.clone()]);
    assert_eq!(v["items"][0]["overdue"], true);
    assert_eq!(v["items"][0]["clock"]["state"], "overdue");
    assert_eq!(
        v["items"][0]["clock"]["label"],
        "collaborators-added: overdue by 4 hours"
    );
    let (_, v) = t.get(&format!("{q}?overdue=true"), Some(lead)).await;
    assert_eq!(ids(&v), [b.as_str()]);

    // The reader's zone beside the policy's.
    let (_, v) = t.get(&format!("{q}?tz=Europe/Berlin"), Some(lead)).await;
    assert_eq!(v["time_zone"], "Europe/Berlin");
    let clock = &v["items"][0]["clock"];
    assert_eq!(
        clock["due_local"],
        "2026-09-22T18:13:20+02:00[Europe/Berlin]"
    );
    assert_eq!(clock["due_policy"], "2026-09-22T16:13:20+00:00[UTC]");

    // Pages of one: the cursor holds while time passes (the key is a due time).
    let (_, page1) = t.get(&format!("{q}?limit=1"), Some(lead)).await;
    assert_eq!(ids(&page1), [b.as_str()]);
    t.clock.advance(SignedDuration::from_mins(30));
    let next = page1["next"].as_str().unwrap();
    let (_, page2) = t
        .get(&format!("{q}?limit=1&after={next}"), Some(lead))
        .await;
    assert_eq!(ids(&page2), [c.as_str()]);
    let next = page2["next"].as_str().unwrap();
    let (_, page3) = t
        .get(&format!("{q}?limit=1&after={next}"), Some(lead))
        .await;
    assert_eq!(ids(&page3), [a.as_str()]);
    assert_eq!(page3["next"], Value::Null);

    // Coordinator and stage filters.
    ok(&t, &format!("/api/v1/cases/{c}/claim"), lead, json!({})).await;
    ok(
        &t,
        &format!("/api/v1/cases/{a}/acknowledge"),
        lead,
        json!({}),
    )
    .await;
    let (_, v) = t.get(&format!("{q}?coordinator=me"), Some(lead)).await;
    assert_eq!(ids(&v), [c.as_str()]);
    let (_, v) = t
        .get(&format!("{q}?coordinator={}", p.lead.id), Some(lead))
        .await;
    assert_eq!(ids(&v), [c.as_str()]);
    let (_, v) = t.get(&format!("{q}?coordinator=none"), Some(lead)).await;
    assert_eq!(ids(&v), [b.clone(), a.clone()]);
    let (_, v) = t.get(&format!("{q}?stage=triage"), Some(lead)).await;
    assert_eq!(ids(&v), [a.as_str()]);
    let (_, v) = t
        .get(&format!("{q}?stage=received&overdue=true"), Some(lead))
        .await;
    assert_eq!(ids(&v), [b.as_str()]);
    // No case records its affected branches yet, so none is on a track.
    let (status, v) = t.get(&format!("{q}?track=full"), Some(lead)).await;
    assert_eq!((status, ids(&v)), (StatusCode::OK, vec![]));

    // Bad parameters name themselves.
    for (query, field) in [
        ("track=sideways", "track"),
        ("tz=Mars/Olympus", "tz"),
        ("overdue=maybe", "overdue"),
        ("coordinator=bob", "coordinator"),
        ("stage=limbo", "stage"),
        ("limit=0", "limit"),
        ("after=nope", "after"),
    ] {
        let (status, v) = t.get(&format!("{q}?{query}"), Some(lead)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {v}");
        assert_eq!(v["error"]["field"], field, "{query}: {v}");
    }

    // Who sees what: a maintainer only the cases they are on; nobody else anything.
    let (status, v) = t.get(q, Some(&p.maintainer.token)).await;
    assert_eq!((status, ids(&v)), (StatusCode::OK, vec![a.clone()]));
    let (status, v) = t.get(q, Some(&p.idle.token)).await;
    assert_eq!((status, ids(&v)), (StatusCode::OK, vec![]));
    let (status, _) = t.get(q, Some(&p.outsider.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(q, Some(&tracking)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = t.get(q, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = t.get("/api/v1/projects/nope/queue", Some(lead)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page: the same order, the clock named, times in the reader's zone (kept in
    // a cookie) beside the policy's.
    let web = t.signed_in("lead@example.org").await;
    let page = web.get("/projects/connect/queue").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let at = |id: &str| page.html.find(&format!("data-case=\"{id}\"")).unwrap();
    assert!(at(&b) < at(&c) && at(&c) < at(&a), "{}", page.html);
    assert!(
        page.html.contains("collaborators-added: overdue by"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Due (UTC)"), "{}", page.html);
    let page = web.get("/projects/connect/queue?tz=Europe/Berlin").await;
    assert!(page.html.contains("Due (Europe/Berlin)"), "{}", page.html);
    assert!(page.html.contains("Due (policy: UTC)"), "{}", page.html);
    let page = web.get("/projects/connect/queue").await;
    assert!(
        page.html.contains("Due (Europe/Berlin)"),
        "the zone is kept"
    );
    let page = web.get("/projects/connect/queue?tz=Mars/Olympus").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.html.contains("id=\"tz-error\""), "{}", page.html);
    assert!(
        page.html.contains("value=\"Mars/Olympus\""),
        "{}",
        page.html
    );
    let page = web.get("/projects/connect/queue?overdue=true").await;
    assert!(page.html.contains(&b) && !page.html.contains(&a));
    let outsider = t.signed_in("olga@example.org").await;
    assert_eq!(
        outsider.get("/projects/connect/queue").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn queue_on_sqlite() {
    c3_c10_queue_by_urgency(Db::Sqlite).await;
}

#[tokio::test]
async fn queue_on_postgres() {
    c3_c10_queue_by_urgency(Db::Postgres).await;
}

/// Every run of digits in `s`.
fn numbers(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            cur.push(ch);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const POLICY: &str = r#"public_asap_from = 6.5
asap = "12 hours"
low_severity_below = 3.5
required_approvals = 2

[clocks.acknowledge]
start = "received"
duration = "3 working days"
reporter_sees = true

[clocks.disclosure-target]
start = "received"
duration = "45 days"
"#;

/// C3, C6, V5: SECURITY.md says the policy's numbers and no others, and changes with it.
async fn c3_c6_security_md_numbers(db: Db) {
    let t = TestApp::on(db).await;
    let p = team(&t).await;
    let (status, v) = t
        .post(
            "/api/v1/projects/connect/components/go/branches",
            Some(&p.admin.token),
            json!({"name": "release-8", "kind": "supported"}),
        )
        .await;
    assert!(status.is_success(), "{status} {v}");
    let put = |toml: &'static str| {
        t.req(
            Method::PUT,
            "/api/v1/projects/connect/policy",
            Some(&p.admin.token),
        )
        .json(&json!({ "toml": toml }))
        .send()
    };
    assert_eq!(put(POLICY).await.unwrap().status(), StatusCode::OK);
    let fetch = || async {
        let res = t
            .req(Method::GET, "/p/connect/SECURITY.md", None)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()["content-type"],
            "text/markdown; charset=utf-8"
        );
        res.text().await.unwrap()
    };
    let text = fetch().await;
    let report_url = format!("{}/p/connect/report", t.base);
    assert!(text.contains(&format!("<{report_url}>")), "{text}");
    for said in [
        "within 3 working days of receiving the report",
        "We aim to disclose within 45 days of receiving the report",
        "CVSS score is 6.5 or more",
        "(within 12 hours)",
        "CVSS score is under 3.5",
        "need 2 approving reviews",
        "| go | main, release-8 | none |",
    ] {
        assert!(text.contains(said), "missing {said:?} in\n{text}");
    }
    // Every number in it is the policy's (or the branch's, or the report page's).
    let allowed = ["3", "45", "6", "5", "12", "2", "8"];
    let rest = text.replace(&report_url, "");
    for n in numbers(&rest) {
        assert!(
            allowed.contains(&n.as_str()),
            "{n} is not the policy's:\n{text}"
        );
    }
    // Change the policy: the file follows.
    assert_eq!(
        put("[clocks.acknowledge]\nstart = \"received\"\nduration = \"4 working days\"\n")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let changed = fetch().await;
    assert!(
        changed.contains("within 4 working days of receiving the report"),
        "{changed}"
    );
    assert!(
        !changed.contains("3 working days") && !changed.contains("45 days"),
        "{changed}"
    );
    // C1: with a security address, it says where to report by mail too.
    assert!(!changed.contains("security@connect.example"), "{changed}");
    let res = t
        .req(
            Method::PATCH,
            "/api/v1/projects/connect",
            Some(&p.admin.token),
        )
        .json(&json!({ "security_address": "security@connect.example" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        fetch().await.contains("security@connect.example"),
        "the security address"
    );
    // Public, like the report page; a missing project is a 404.
    let res = t
        .req(Method::GET, "/p/nope/SECURITY.md", None)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn security_md_on_sqlite() {
    c3_c6_security_md_numbers(Db::Sqlite).await;
}

#[tokio::test]
async fn security_md_on_postgres() {
    c3_c6_security_md_numbers(Db::Postgres).await;
}

const SCRAPER: &str = "scraper-token-0123456789";

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

/// C3, C6, C11: metrics on three cases with known times, through the API, the page and
/// Prometheus.
async fn c3_c6_c11_metrics_on_known_times(db: Db) {
    let t = TestApp::build(db, |s| s.metrics.token = Some(SCRAPER.into())).await;
    let p = team(&t).await;
    let lead = p.lead.token.as_str();
    let case = |id: &str, what: &str| format!("/api/v1/cases/{id}/{what}");
    let (a, tracking) = t
        .report("connect", minimal_report("Heap overflow in parser"))
        .await;
    let (b, _) = t.report("connect", minimal_report("Not a bug")).await;
    let (c, _) = t.report("connect", minimal_report("Left alone")).await;
    // A: acknowledged after 2 hours, a collaborator, confirmed after 48 hours,
    // disclosed after 10 days. B: acknowledged after 26 hours (Tuesday: one working
    // day), rejected after 72. C: nothing.
    t.clock.advance(hours(2));
    ok(&t, &case(&a, "acknowledge"), lead, json!({})).await;
    ok(&t, &case(&a, "claim"), lead, json!({})).await;
    ok(
        &t,
        &case(&a, "collaborators"),
        lead,
        json!({"user_id": p.maintainer.id}),
    )
    .await;
    t.clock.advance(hours(24));
    ok(&t, &case(&b, "acknowledge"), lead, json!({})).await;
    ok(&t, &case(&b, "claim"), lead, json!({})).await;
    t.clock.advance(hours(22));
    ok(
        &t,
        &case(&a, "decision"),
        lead,
        json!({"outcome": "confirmed"}),
    )
    .await;
    t.clock.advance(hours(24));
    ok(
        &t,
        &case(&b, "decision"),
        lead,
        json!({"outcome": "rejected", "reason": "not-a-vulnerability"}),
    )
    .await;
    t.clock.advance(hours(168));
    pass_gate(&t, &a, lead, &tracking).await;
    ok(&t, &case(&a, "disclose"), lead, json!({})).await;

    let path = "/api/v1/projects/connect/metrics";
    let (status, m) = t.get(path, Some(lead)).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["cases"], 3);
    assert_eq!(m["stages"]["received"], 1);
    assert_eq!(m["stages"]["disclosed"], 1);
    assert_eq!(m["stages"]["rejected"], 1);
    let ack = &m["time_to_acknowledge"];
    assert_eq!(ack["count"], 2);
    // Working days 0 and 1; days 2/24 and 26/24.
    assert!(close(&ack["working_days"]["median"], 0.5), "{ack}");
    assert!(close(&ack["working_days"]["p90"], 0.9), "{ack}");
    assert!(
        close(&ack["days"]["median"], (2.0 + 26.0) / 2.0 / 24.0),
        "{ack}"
    );
    assert!(close(&ack["days"]["p90"], 2.0 / 24.0 + 0.9), "{ack}");
    // Decided after 48 hours (Wednesday: 2 working days) and 72 (3).
    let decide = &m["time_to_decide"];
    assert_eq!(decide["count"], 2);
    assert!(close(&decide["working_days"]["median"], 2.5), "{decide}");
    assert!(close(&decide["days"]["p90"], 2.0 + 0.9), "{decide}");
    // Disclosed on Thursday 1 October: 8 working days, 10 days.
    let disclose = &m["time_to_disclose"];
    assert_eq!(disclose["count"], 1);
    assert!(
        close(&disclose["working_days"]["median"], 8.0),
        "{disclose}"
    );
    assert!(close(&disclose["days"]["p90"], 10.0), "{disclose}");
    assert_eq!(m["time_to_fix"]["count"], 0);
    assert_eq!(m["time_to_fix"]["days"], Value::Null);
    // C6: one disclosed case, within 30 days.
    let share = &m["disclosed_within_target"];
    assert_eq!(
        (share["within"].as_u64(), share["of"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(share["target"], "30 days");
    assert!(close(&share["percent"], 100.0), "{share}");
    // C is past its acknowledge and collaborators clocks; B's stopped when rejected.
    assert_eq!(m["overdue"]["acknowledge"], 1);
    assert_eq!(m["overdue"]["collaborators-added"], 1);
    assert_eq!(m["overdue"]["post-mortem"], 0);
    let text = m.to_string();
    for secret in ["Heap overflow", &a, &b, &c] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // Every member sees the same numbers; nobody else any.
    let (status, other) = t.get(path, Some(&p.idle.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(other["time_to_acknowledge"], m["time_to_acknowledge"]);
    let (status, _) = t.get(path, Some(&p.outsider.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(path, Some(&tracking)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = t.get(path, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The page: SVG charts, no script, the same numbers in a table.
    let web = t.signed_in("lead@example.org").await;
    let page = web.get("/projects/connect/metrics").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("<svg"), "{}", page.html);
    assert!(!page.html.contains("<script>"), "{}", page.html);
    assert!(
        page.html
            .contains("1 of 1 disclosed cases within 30 days (100%)"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("data-clock=\"acknowledge\""),
        "{}",
        page.html
    );
    assert!(!page.html.contains("Heap overflow"), "{}", page.html);
    let outsider = t.signed_in("olga@example.org").await;
    assert_eq!(
        outsider.get("/projects/connect/metrics").await.status,
        StatusCode::NOT_FOUND
    );

    // Prometheus: counts only, behind the bearer token.
    let scrape = |token: Option<&'static str>| {
        let r = t.req(Method::GET, "/metrics", token);
        async move { r.send().await.unwrap() }
    };
    assert_eq!(scrape(None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(Some("scraper-token-wrong-guess")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = scrape(Some(SCRAPER)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    for line in [
        "embargo_cases{project=\"connect\",stage=\"received\"} 1",
        "embargo_cases{project=\"connect\",stage=\"disclosed\"} 1",
        "embargo_cases{project=\"vitess\",stage=\"received\"} 0",
        "embargo_clocks_overdue{project=\"connect\",clock=\"acknowledge\"} 1",
        "embargo_cases_disclosed{project=\"connect\"} 1",
        "embargo_cases_disclosed_within_target{project=\"connect\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
    for secret in [
        "Heap overflow",
        "Not a bug",
        "Left alone",
        &a,
        &b,
        &c,
        "CONNECT",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn metrics_on_sqlite() {
    c3_c6_c11_metrics_on_known_times(Db::Sqlite).await;
}

#[tokio::test]
async fn metrics_on_postgres() {
    c3_c6_c11_metrics_on_known_times(Db::Postgres).await;
}

#[tokio::test]
async fn prometheus_is_off_without_a_token() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let res = t
        .req(Method::GET, "/metrics", Some(SCRAPER))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// C3 (item 1): the policy editor keeps what was typed and names each problem beside
/// the field; `.ics` holidays join the policy; `policy_preset` on creation.
async fn policy_editor_ics_and_presets(db: Db) {
    let t = TestApp::on(db).await;
    let p = team(&t).await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let policy = |who: &Person| {
        let token = who.token.clone();
        let t = &t;
        async move {
            t.get("/api/v1/projects/connect/policy", Some(&token))
                .await
                .1
        }
    };
    let web = t.signed_in("admin@example.org").await;
    let page = web.get("/admin/projects/connect").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("name=\"toml\""), "{}", page.html);
    assert!(
        page.html.contains("duration = &quot;30 days&quot;")
            || page.html.contains("duration = \"30 days\""),
        "{}",
        page.html
    );

    // Problems beside the field, the typed text kept, nothing stored.
    let bad = "time_zone = \"Europe/Berln\"\n[clocks.acknowledge]\nstart = \"received\"\nduration = \"5 workday\"\n";
    let out = web
        .submit(
            "/admin/projects/connect",
            "/admin/projects/connect/policy",
            &[("toml", bad)],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("id=\"toml-error\""), "{}", out.html);
    assert!(out.html.contains("Europe/Berln"), "{}", out.html);
    assert!(out.html.contains("workday"), "{}", out.html);
    assert!(out.html.contains("key `time_zone`"), "{}", out.html);
    assert!(
        out.html.contains("key `clocks.acknowledge.duration`"),
        "{}",
        out.html
    );
    assert_eq!(policy(&p.admin).await["set"], false);

    let good = "time_zone = \"Europe/Berlin\"\n[clocks.acknowledge]\nstart = \"received\"\nduration = \"3 working days\"\n";
    let out = web
        .submit(
            "/admin/projects/connect",
            "/admin/projects/connect/policy",
            &[("toml", good)],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let now = policy(&p.admin).await;
    assert_eq!(now["set"], true);
    assert!(
        now["summary"]
            .as_str()
            .unwrap()
            .contains("acknowledge 3 working days"),
        "{now}"
    );

    // Holidays from an .ics upload.
    let form_for = |csrf: String, ics: &'static str| {
        reqwest::multipart::Form::new().text("csrf", csrf).part(
            "ics",
            reqwest::multipart::Part::bytes(ics.as_bytes().to_vec())
                .file_name("holidays.ics")
                .mime_str("text/calendar")
                .unwrap(),
        )
    };
    let csrf = web.get("/admin/projects/connect").await.csrf();
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Winter break\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261226\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let out = web
        .post_multipart(
            "/admin/projects/connect/holidays",
            form_for(csrf.clone(), ics),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    assert!(
        policy(&p.admin).await["summary"]
            .as_str()
            .unwrap()
            .contains("2 holidays")
    );
    let out = web
        .post_multipart(
            "/admin/projects/connect/holidays",
            form_for(csrf, "not a calendar"),
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("not an iCalendar file"), "{}", out.html);
    assert!(
        policy(&p.admin).await["summary"]
            .as_str()
            .unwrap()
            .contains("2 holidays")
    );
    // Only the project's admins edit it.
    let team_web = t.signed_in("lead@example.org").await;
    assert_eq!(
        team_web.get("/admin/projects/connect").await.status,
        StatusCode::NOT_FOUND
    );

    // A preset on creation, through the API and the admin form.
    let (status, v) = t
        .post(
            "/api/v1/projects",
            Some(&ivy.token),
            json!({"slug": "kube", "name": "Kube", "policy_preset": "kubernetes"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "policy_preset", "{v}");
    assert_eq!(
        t.get("/api/v1/projects/kube", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, v) = t
        .post(
            "/api/v1/projects",
            Some(&ivy.token),
            json!({"slug": "kube", "name": "Kube", "policy_preset": "vitess"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, v) = t
        .get("/api/v1/projects/kube/policy", Some(&ivy.token))
        .await;
    assert_eq!(
        (v["preset"].as_str(), v["set"].as_bool()),
        (Some("vitess"), Some(true))
    );
    let admin_web = t.signed_in("ivy@example.org").await;
    let out = admin_web
        .submit(
            "/admin",
            "/admin/projects",
            &[
                ("slug", "etcd"),
                ("name", "etcd"),
                ("policy_preset", "vitess"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (_, v) = t
        .get("/api/v1/projects/etcd/policy", Some(&ivy.token))
        .await;
    assert_eq!(v["preset"], "vitess");
    let _ = &p.outsider;
}

#[tokio::test]
async fn policy_editor_on_sqlite() {
    policy_editor_ics_and_presets(Db::Sqlite).await;
}

#[tokio::test]
async fn policy_editor_on_postgres() {
    policy_editor_ics_and_presets(Db::Postgres).await;
}
