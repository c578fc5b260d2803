//! Floods of reports (issue 14, item 7): several rejected at once straight from the
//! queue, without an acknowledgement first — as spam (no reply, hidden from the
//! queue) or as duplicates (the reporter is told, never the other case's id). Through
//! the API and the queue page, with a real SMTP receiver, on both databases.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use embargo_testkit::smtp::SmtpReceiver;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn report_from(t: &TestApp, title: &str, email: &str) -> (String, String) {
    let mut body = minimal_report(title);
    body["reporter_email"] = json!(email);
    t.report("connect", body).await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["case"]["id"]
                .as_str()
                .or(i["id"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn floods_are_rejected_from_the_queue_several_at_a_time(db: Db) {
    let smtp = SmtpReceiver::start();
    let url = smtp.url();
    let t = TestApp::build(db, |s| {
        s.mail.smtp_url = Some(url);
        s.mail.from = Some("security@connect.example".into());
    })
    .await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (kept, _) = report_from(&t, "Frame bomb in connect-go", "rae@example.net").await;
    let (dup, dup_tracking) = report_from(&t, "Frame bomb again", "ivo@example.net").await;
    let (spam1, spam1_tracking) = report_from(&t, "Cheap watches", "spam@example.com").await;
    let (spam2, _) = report_from(&t, "Cheap watches 2", "spam@example.com").await;
    run_due(&t.app).await.unwrap();
    while run_due(&t.app).await.unwrap() > 0 {}
    let receipts = received_by(&smtp, "spam@example.com").len();
    assert_eq!(receipts, 2, "one receipt each");
    let reject = "/api/v1/projects/connect/cases/reject";

    // Bad input changes nothing, and names what is wrong.
    for (body, field) in [
        (json!({ "cases": [], "reason": "spam" }), "cases"),
        (json!({ "cases": [spam1], "reason": "junk" }), "reason"),
        (
            json!({ "cases": [spam1, "EMB-0000-0000-0000"], "reason": "spam" }),
            "cases[1]",
        ),
        (
            json!({ "cases": [spam1, spam1], "reason": "spam" }),
            "cases[1]",
        ),
        (
            json!({ "cases": [dup], "reason": "duplicate" }),
            "duplicate_of",
        ),
        (
            json!({ "cases": [dup], "reason": "duplicate", "duplicate_of": dup }),
            "duplicate_of",
        ),
    ] {
        let (s, v) = t.post(reject, Some(&sam.token), body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {v}");
        assert_eq!(v["error"]["field"], field, "{body}: {v}");
    }
    // Other reasons still need the acknowledgement (C3).
    let (s, v) = t
        .post(
            reject,
            Some(&sam.token),
            json!({ "cases": [spam1], "reason": "out-of-scope" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["field"], "cases[0]", "{v}");
    let (_, v) = t
        .get(&format!("/api/v1/cases/{spam1}"), Some(&sam.token))
        .await;
    assert_eq!(v["stage"], "received", "nothing changed: {v}");

    // Spam, two at a time: no reply, gone from the queue.
    let (s, v) = t
        .post(
            reject,
            Some(&sam.token),
            json!({ "cases": [spam1, spam2], "reason": "spam" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["rejected"], json!([spam1, spam2]));
    while run_due(&t.app).await.unwrap() > 0 {}
    assert_eq!(
        received_by(&smtp, "spam@example.com").len(),
        receipts,
        "spam gets no reply"
    );
    for stage in ["", "?stage=rejected"] {
        let (s, page) = t
            .get(
                &format!("/api/v1/projects/connect/queue{stage}"),
                Some(&sam.token),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let listed = page.to_string();
        assert!(
            !listed.contains(&spam1) && !listed.contains(&spam2),
            "hidden from the queue: {listed}"
        );
    }
    let (_, v) = t
        .get(&format!("/api/v1/cases/{spam1}"), Some(&spam1_tracking))
        .await;
    assert_eq!(v["stage"], "rejected");

    // A duplicate, from the queue page: the reporter is told, never the kept case's id.
    let web = t.signed_in("sam@example.org").await;
    let queue = "/projects/connect/queue";
    let page = web.get(queue).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains(&format!("name=\"case.{dup}\"")),
        "{}",
        page.html
    );
    let ticked = format!("case.{dup}");
    // A mistyped kept case: the page comes back with what was typed and the error.
    let out = web
        .submit(
            queue,
            &format!("{queue}/reject"),
            &[
                (&ticked, "on"),
                ("reason", "duplicate"),
                ("duplicate_of", "EMB-nope"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(
        out.html.contains("value=\"EMB-nope\""),
        "kept: {}",
        out.html
    );
    assert!(out.html.contains("bulk-duplicate-of-error"), "{}", out.html);
    assert!(
        out.html.contains(&format!(
            "name=\"case.{dup}\" aria-label=\"Select {dup}\" checked"
        )),
        "the ticks are kept: {}",
        out.html
    );
    let out = web
        .submit(
            queue,
            &format!("{queue}/reject"),
            &[
                (&ticked, "on"),
                ("reason", "duplicate"),
                ("duplicate_of", &kept),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    while run_due(&t.app).await.unwrap() > 0 {}
    let told = received_by(&smtp, "ivo@example.net");
    assert_eq!(told.len(), 2, "the receipt and the decision");
    let mail = String::from_utf8_lossy(&told[1].data).to_string();
    assert!(!mail.contains(&kept), "never the other case's id: {mail}");
    let (_, v) = t
        .get(&format!("/api/v1/cases/{dup}"), Some(&dup_tracking))
        .await;
    assert_eq!(v["decision"]["reason"], "duplicate", "{v}");
    assert!(v["decision"]["duplicate_of"].is_null(), "{v}");
    let (_, events) = t
        .get(&format!("/api/v1/cases/{dup}/events"), Some(&dup_tracking))
        .await;
    assert!(!events.to_string().contains(&kept), "{events}");
    let tracking_page = t
        .http
        .get(t.url(&format!("/track/{dup_tracking}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(tracking_page.contains("duplicate"), "{tracking_page}");
    assert!(!tracking_page.contains(&kept), "{tracking_page}");
    // The team sees which case it duplicates, and the queue of rejected cases lists it.
    let (_, v) = t
        .get(&format!("/api/v1/cases/{dup}"), Some(&sam.token))
        .await;
    assert_eq!(v["decision"]["duplicate_of"], kept.as_str());
    let (_, page) = t
        .get(
            "/api/v1/projects/connect/queue?stage=rejected",
            Some(&sam.token),
        )
        .await;
    assert_eq!(ids(&page), vec![dup]);
}

#[tokio::test]
async fn floods_are_rejected_from_the_queue_several_at_a_time_sqlite() {
    floods_are_rejected_from_the_queue_several_at_a_time(Db::Sqlite).await;
}

#[tokio::test]
async fn floods_are_rejected_from_the_queue_several_at_a_time_postgres() {
    floods_are_rejected_from_the_queue_several_at_a_time(Db::Postgres).await;
}
