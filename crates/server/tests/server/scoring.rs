//! CVSS on a case (policy step C13): proposals, the reporter's suggestion, the
//! coordinator's final call, what the reporter sees, validation with the CVSS
//! library's rules; the calculator's API and pages.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N";

fn kinds(events: &Value) -> Vec<String> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn case_in_triage(t: &TestApp) -> (Person, Person, String, String) {
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Heap overflow")).await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("collaborators", json!({ "user_id": mia.id })),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    (sam, mia, id, tracking)
}

async fn c13_through_the_api(db: Db) {
    let t = TestApp::on(db).await;
    let (sam, mia, id, tracking) = case_in_triage(&t).await;
    let case = format!("/api/v1/cases/{id}");

    // The reporter suggests; a collaborator proposes; both show to the team.
    let (s, v) = t
        .post(
            &format!("{case}/cvss/proposals"),
            Some(&tracking),
            json!({ "vector": V31 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .post(
            &format!("{case}/cvss/proposals"),
            Some(&mia.token),
            json!({ "vector": V40 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let proposals = v["cvss_proposals"].as_array().unwrap().clone();
    assert_eq!(proposals.len(), 2);
    assert_eq!(proposals[0]["from_reporter"], true);
    assert_eq!(proposals[0]["cvss"]["score"], 9.8);
    assert_eq!(proposals[1]["by"]["name"], "mia");
    assert_eq!(proposals[1]["cvss"]["version"], "4.0");
    assert!(v["cvss"].is_null());

    // Only the coordinator makes the final call.
    let final_call = json!({ "cvss_v3_1": V31, "cvss_v4_0": V40, "effect": "An attacker runs code as the server." });
    let s = t
        .req(
            reqwest::Method::PUT,
            &format!("{case}/cvss"),
            Some(&mia.token),
        )
        .json(&final_call)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, StatusCode::FORBIDDEN);
    let res = t
        .req(
            reqwest::Method::PUT,
            &format!("{case}/cvss"),
            Some(&sam.token),
        )
        .json(&final_call)
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(res).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cvss"]["cvss_v3_1"]["score"], 9.8);
    assert_eq!(v["cvss"]["cvss_v3_1"]["severity"], "Critical");
    assert_eq!(v["cvss"]["cvss_v4_0"]["vector"], V40);
    assert_eq!(v["cvss"]["severity"], "Critical", "the higher of the two");
    let (_, list) = t
        .get("/api/v1/projects/connect/cases", Some(&sam.token))
        .await;
    assert_eq!(list["items"][0]["severity"], "Critical");

    // The reporter sees the final call and their own suggestion, not the team's proposals.
    let (_, mine) = t.get(&case, Some(&tracking)).await;
    assert_eq!(
        mine["cvss"]["effect"],
        "An attacker runs code as the server."
    );
    assert!(mine.get("cvss_proposals").is_none(), "{mine}");
    let (_, events) = t.get(&format!("{case}/events"), Some(&tracking)).await;
    let events = events["items"].clone();
    let seen = kinds(&events);
    assert!(seen.contains(&"cvss_suggested".to_owned()) && seen.contains(&"cvss_set".to_owned()));
    assert!(!seen.contains(&"cvss_proposed".to_owned()), "{seen:?}");
    let (_, events) = t.get(&format!("{case}/events"), Some(&sam.token)).await;
    let events = events["items"].clone();
    assert!(kinds(&events).contains(&"cvss_proposed".to_owned()));
}

#[tokio::test]
async fn c13_proposals_suggestion_and_final_call_sqlite() {
    c13_through_the_api(Db::Sqlite).await;
}

#[tokio::test]
async fn c13_proposals_suggestion_and_final_call_postgres() {
    c13_through_the_api(Db::Postgres).await;
}

#[tokio::test]
async fn bad_vectors_are_refused_with_the_cvss_rule_and_change_nothing() {
    let t = TestApp::new().await;
    let (sam, _, id, _) = case_in_triage(&t).await;
    let case = format!("/api/v1/cases/{id}");
    let events = || async {
        t.get(&format!("{case}/events"), Some(&sam.token)).await.1["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = events().await;
    for (vector, code) in [
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "cvss.missing_metric",
        ),
        (
            "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "cvss.metric_order",
        ),
        (
            "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "cvss.invalid_value",
        ),
        (
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "cvss.duplicate_metric",
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
            "cvss.unknown_metric",
        ),
        ("CVSS:9.9/AV:N", "cvss.unknown_version"),
        (
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "cvss.version_not_kept",
        ),
    ] {
        let (s, v) = t
            .post(
                &format!("{case}/cvss/proposals"),
                Some(&sam.token),
                json!({ "vector": vector }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{vector}: {v}");
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (Some(code), Some("vector")),
            "{vector}: {v}"
        );
        // The calculator API gives the same message for the same vector.
        if code != "cvss.version_not_kept" {
            let (_, calc) = t
                .get(
                    &format!("/api/v1/cvss/score?vector={}", urlencode(vector)),
                    None,
                )
                .await;
            assert_eq!(calc["error"]["code"].as_str(), Some(code));
        }
    }
    let res = t
        .req(
            reqwest::Method::PUT,
            &format!("{case}/cvss"),
            Some(&sam.token),
        )
        .json(&json!({ "cvss_v3_1": V40, "effect": "" }))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(res).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = v["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["cvss_v3_1", "effect"], "{v}");
    assert_eq!(events().await, before, "nothing stored");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_calculator_api_scores_as_the_specification_says() {
    let t = TestApp::new().await;
    let (s, v) = t
        .get(
            &format!(
                "/api/v1/cvss/score?vector={}",
                urlencode("CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:U/C:N/I:H/A:L/RC:U")
            ),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // FIRST's v3.0 rounding, not the `cvss` crate's.
    assert_eq!(
        (v["score"].as_f64(), v["temporal_score"].as_f64()),
        (Some(4.6), Some(4.6))
    );
    let (_, v) = t
        .get(
            &format!("/api/v1/cvss/score?vector={}", urlencode(V40)),
            None,
        )
        .await;
    assert_eq!(v["nomenclature"], "CVSS-B");
    let (s, v) = t.get("/api/v1/cvss/score", None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    let (s, v) = t.get("/api/v1/cvss/metrics?version=4.0", None).await;
    assert_eq!(s, StatusCode::OK);
    let metrics = v.as_array().unwrap();
    assert_eq!(metrics[0]["abbr"], "AV");
    assert!(
        metrics
            .iter()
            .all(|m| !m["description"].as_str().unwrap().is_empty())
    );
    let (s, _) = t.get("/api/v1/cvss/metrics?version=5", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_calculator_and_the_scoring_forms_work_without_javascript() {
    let t = TestApp::new().await;
    let (sam, _, id, tracking) = case_in_triage(&t).await;
    let team = t.signed_in(&sam.email).await;

    // The calculator is a GET form the server scores.
    let metrics = "m_AV=N&m_AC=L&m_PR=N&m_UI=N&m_S=U&m_C=H&m_I=H&m_A=H";
    let page = team.get(&format!("/cases/{id}?calc=3.1&{metrics}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html
            .contains(&format!(r#"<code id="calc-vector">{V31}</code>"#)),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains(r#"<strong id="calc-score">9.8</strong>"#)
    );
    // …and fills the proposal form with the vector.
    assert!(
        page.html
            .contains(&format!(r#"name="vector" required value="{V31}""#))
    );
    // Switching to v4.0 is a link that carries the v3.1 vector just made, so the final
    // call's v3.1 field still holds it on the v4.0 page; the v4.0 calculator's own form
    // carries it on, and scoring v4.0 there fills both fields.
    let switch = page
        .html
        .split("href=\"")
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .find(|href| href.contains("calc=4.0"))
        .expect("a link to the v4.0 calculator")
        .replace("&amp;", "&");
    assert!(switch.contains(&format!("keep_v3_1={V31}")), "{switch}");
    let page = team.get(&switch).await;
    assert_eq!(page.status, StatusCode::OK);
    let v31_field = format!(r#"name="cvss_v3_1" value="{V31}""#);
    assert!(page.html.contains(&v31_field), "{}", page.html);
    assert!(
        page.html.contains(&format!(
            r#"<input type="hidden" name="keep_v3_1" value="{V31}">"#
        )),
        "{}",
        page.html
    );
    let v40_metrics =
        "m_AV=N&m_AC=L&m_AT=N&m_PR=N&m_UI=N&m_VC=H&m_VI=L&m_VA=N&m_SC=N&m_SI=N&m_SA=N";
    let page = team
        .get(&format!(
            "/cases/{id}?calc=4.0&keep_v3_1={V31}&{v40_metrics}"
        ))
        .await;
    assert!(page.html.contains(&v31_field), "{}", page.html);
    assert!(
        page.html
            .contains(&format!(r#"name="cvss_v4_0" value="{V40}""#)),
        "{}",
        page.html
    );
    // A carried value that is not a vector of that version fills nothing.
    let page = team
        .get(&format!(
            "/cases/{id}?calc=4.0&keep_v3_1={}",
            urlencode(V40)
        ))
        .await;
    assert!(
        page.html.contains(r#"name="cvss_v3_1" value="""#),
        "{}",
        page.html
    );
    // A pasted vector with a problem says which.
    let page = team
        .get(&format!("/cases/{id}?calc=3.1&vector=CVSS:3.1/AV:N"))
        .await;
    assert!(
        page.html.contains("mandatory base metric `AC`"),
        "{}",
        page.html
    );
    // Missing metrics: no score yet, no error.
    let page = team.get(&format!("/cases/{id}?calc=4.0&m_AV=N")).await;
    assert!(
        page.html.contains("calc-error"),
        "an incomplete vector names what is missing"
    );

    let case = format!("/cases/{id}");
    let out = team
        .submit(
            &case,
            &format!("{case}/actions/cvss-propose"),
            &[("vector", V40)],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let out = team
        .submit(
            &case,
            &format!("{case}/actions/cvss-set"),
            &[
                ("cvss_v3_1", V31),
                ("cvss_v4_0", ""),
                ("effect", "Remote code execution."),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let out = team
        .submit(
            &case,
            &format!("{case}/actions/cvss-set"),
            &[("cvss_v3_1", "CVSS:3.1/AV:N"), ("effect", "x")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.html.contains("cvss_v3_1"), "{}", out.html);
    let page = team.get(&case).await.html;
    assert!(page.contains("Remote code execution."));
    assert!(
        page.contains("set the case&#39;s CVSS score")
            || page.contains("set the case's CVSS score")
    );

    // The reporter sees the severity and suggests a vector from the tracking page.
    let reporter = WebClient::new(&t);
    let track = format!("/track/{tracking}");
    let page = reporter.get(&track).await;
    assert!(page.html.contains("Remote code execution."));
    assert!(page.html.contains("Critical"));
    let out = reporter
        .post(
            &format!("{track}/cvss"),
            &[("csrf", &page.csrf()), ("vector", V40)],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    assert!(
        team.get(&case)
            .await
            .html
            .contains("the reporter&#39;s suggestion")
            || team
                .get(&case)
                .await
                .html
                .contains("the reporter's suggestion")
    );

    // The standalone calculator is open to anyone.
    let page = reporter
        .get(&format!("/cvss?calc=4.0&vector={}", urlencode(V40)))
        .await;
    assert!(page.html.contains(r#"id="calc-score""#), "{}", page.html);
}
