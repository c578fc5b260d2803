//! Mail in (issue 9): mail to a project's security address becomes a case (C1), the
//! reporter's reply to the reply address of our mail threads into their case (C4),
//! bounces mark the reporter's address failing, everything else waits in the
//! quarantine for the team; "Lost your tracking link?". Through the real SMTP receiver
//! and on both databases.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::app::Ingested;
use embargo_server::worker::run_due;
use embargo_testkit::smtp::{ReceivedMail, SmtpReceiver};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SECURITY: &str = "security@connect.example";

async fn with_mail(db: Db, smtp: &SmtpReceiver) -> (TestApp, Person) {
    let url = smtp.url();
    let t = TestApp::build(db, |s| {
        s.mail.smtp_url = Some(url);
        s.mail.from = Some("embargo@connect.example".into());
    })
    .await;
    t.project("connect", &["go"]).await;
    let admin = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let (s, body) = t
        .req(
            Method::PATCH,
            "/api/v1/projects/connect",
            Some(&admin.token),
        )
        .json(&json!({ "security_address": SECURITY }))
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(s, StatusCode::OK, "{:?}", body.text().await);
    // Ada's own notices (her role, her token) go out before the test's mail.
    assert_eq!(run_due(&t.app).await.unwrap(), 2);
    (t, admin)
}

/// What `address` got about cases: without the notices about their own account (their
/// role and token, from the test's set-up), which come from Embargo itself.
fn team_mail(smtp: &SmtpReceiver, address: &str) -> Vec<ReceivedMail> {
    received_by(smtp, address)
        .into_iter()
        .filter(|m| {
            !parsed(m)
                .subject()
                .unwrap_or_default()
                .starts_with("[Embargo]")
        })
        .collect()
}

fn parsed(mail: &ReceivedMail) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(&mail.data)
        .expect("a mail we sent parses")
}

fn report_mail(from: &str, subject: &str, body: &str) -> String {
    format!(
        "From: Rae Reporter <{from}>\r\nTo: Connect Security <{SECURITY}>\r\n\
         Subject: {subject}\r\nMessage-ID: <report-1@reporter.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\
         --b\r\nContent-Type: text/x-python\r\nContent-Disposition: attachment; filename=\"poc.py\"\r\n\r\n\
         print('boom')\r\n--b--\r\n"
    )
}

fn reply_mail(from: &str, to: &str, in_reply_to: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Re: your report\r\n\
         Message-ID: <reply-1@reporter.example>\r\nIn-Reply-To: <{in_reply_to}>\r\n\
         References: <{in_reply_to}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn ingest(t: &TestApp, raw: &str) -> Ingested {
    t.app.ingest_mail(raw.as_bytes(), None).await.unwrap()
}

async fn events(t: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let (s, events) = t
        .get(&format!("/api/v1/cases/{id}/events"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{events}");
    events["items"].as_array().unwrap().clone()
}

/// C1, C4: a report by mail is a case like a web report, the receipt carries a reply
/// address, and the reporter's reply to it lands on the case; a stranger's does not.
async fn c1_mail_becomes_a_case_and_the_reporters_reply_threads_into_it(db: Db) {
    let smtp = SmtpReceiver::start();
    let (t, admin) = with_mail(db, &smtp).await;
    let raw = report_mail(
        "rae@reporter.example",
        "Heap overflow in the frame parser",
        "Parsing a crafted frame overflows a buffer.",
    );
    let Ingested::Case(id) = ingest(&t, &raw).await else {
        panic!("a case")
    };
    let id = id.to_string();
    let (s, case) = t
        .get(&format!("/api/v1/cases/{id}"), Some(&admin.token))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(case["title"], "Heap overflow in the frame parser", "{case}");
    assert_eq!(case["reporter"]["email"], "rae@reporter.example", "{case}");
    let first = &events(&t, &id, &admin.token).await[0];
    assert_eq!(first["data"]["channel"], "email", "{first}");
    assert!(
        first["data"]["description"]
            .as_str()
            .unwrap()
            .contains("crafted frame")
    );
    assert!(
        case.to_string().contains("poc.py"),
        "the attachment: {case}"
    );

    // The receipt goes to the sender, with a reply address of the project; Ada, the
    // project admin, hears of the new report.
    assert_eq!(run_due(&t.app).await.unwrap(), 3);
    let got = received_by(&smtp, "rae@reporter.example");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["rae@reporter.example"]);
    let receipt = parsed(&got[0]);
    let reply_to = receipt
        .reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap()
        .to_owned();
    assert!(
        reply_to.starts_with("security+") && reply_to.ends_with("@connect.example"),
        "{reply_to}"
    );
    let receipt_id = receipt.message_id().unwrap().to_owned();
    assert!(receipt_id.contains(&id), "{receipt_id}");

    // A stranger writing to the reply address lands in the quarantine, not the case.
    let stranger = reply_mail(
        "mallory@evil.example",
        &reply_to,
        &receipt_id,
        "I am the reporter, honest",
    );
    let Ingested::Quarantined { reason, .. } = ingest(&t, &stranger).await else {
        panic!("quarantined")
    };
    assert!(
        reason.contains("someone other than its reporter"),
        "{reason}"
    );
    assert_eq!(
        events(&t, &id, &admin.token).await.len(),
        2,
        "submitted, attachment"
    );

    // The reporter's reply threads into the case, without the quoted mail.
    let reply = reply_mail(
        "Rae <RAE@reporter.example>",
        &reply_to.to_uppercase(),
        &receipt_id,
        "It also crashes on 2.4.\r\n\r\nOn Monday the team wrote:\r\n> Thank you for reporting",
    );
    assert_eq!(
        ingest(&t, &reply).await,
        Ingested::Reply(id.parse_case()),
        "threaded"
    );
    let all = events(&t, &id, &admin.token).await;
    let replied = all.last().unwrap();
    assert_eq!(replied["type"], "reporter_replied", "{replied}");
    assert_eq!(replied["data"]["body"], "It also crashes on 2.4.");
    assert_eq!(replied["actor"]["kind"], "reporter", "{replied}");
}

trait ParseCase {
    fn parse_case(&self) -> embargo_core::ids::CaseId;
}

impl ParseCase for String {
    fn parse_case(&self) -> embargo_core::ids::CaseId {
        embargo_core::ids::CaseId::parse(self).unwrap()
    }
}

#[tokio::test]
async fn c1_mail_becomes_a_case_and_the_reporters_reply_threads_into_it_sqlite() {
    c1_mail_becomes_a_case_and_the_reporters_reply_threads_into_it(Db::Sqlite).await;
}

#[tokio::test]
async fn c1_mail_becomes_a_case_and_the_reporters_reply_threads_into_it_postgres() {
    c1_mail_becomes_a_case_and_the_reporters_reply_threads_into_it(Db::Postgres).await;
}

fn bounce_for(original_message_id: &str, address: &str, status: &str) -> String {
    format!(
        "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.connect.example (Mail Delivery System)\r\n\
         To: embargo@connect.example\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n\
         --r\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.connect.example\r\n\r\n\
         Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: {status}\r\n\
         Diagnostic-Code: smtp; 550 {status} User unknown\r\n\r\n\
         --r\r\nContent-Type: text/rfc822-headers\r\n\r\n\
         From: embargo@connect.example\r\nTo: {address}\r\nMessage-ID: <{original_message_id}>\r\n\r\n\
         --r--\r\n"
    )
}

/// A bounce of the receipt marks the reporter's address failing (for the team only);
/// auto-replies and unknown bounces open no case, answer nothing, and are kept.
async fn bounces_and_auto_replies_never_open_a_case_nor_answer(db: Db) {
    let smtp = SmtpReceiver::start();
    let (t, admin) = with_mail(db, &smtp).await;
    let (id, tracking) = t
        .report(
            "connect",
            json!({ "title": "t", "description": "d", "reporter_email": "gone@reporter.example" }),
        )
        .await;
    assert_eq!(run_due(&t.app).await.unwrap(), 3);
    let receipt_id = parsed(&received_by(&smtp, "gone@reporter.example")[0])
        .message_id()
        .unwrap()
        .to_owned();

    let bounce = bounce_for(&receipt_id, "gone@reporter.example", "5.1.1");
    assert_eq!(ingest(&t, &bounce).await, Ingested::Bounce(id.parse_case()));
    let last = events(&t, &id, &admin.token).await.pop().unwrap();
    assert_eq!(last["type"], "reporter_address_failed", "{last}");
    assert_eq!(last["data"]["address"], "gone@reporter.example");
    assert_eq!(last["data"]["status"], "5.1.1");
    let seen = events(&t, &id, &tracking).await;
    assert!(
        seen.iter().all(|e| e["type"] != "reporter_address_failed"),
        "internal"
    );

    // A bounce naming another address, a delay, an out-of-office reply: kept, no case.
    let cases_before = t.case_count("connect", "ada@example.org").await;
    for raw in [
        bounce_for(&receipt_id, "someone@else.example", "5.1.1"),
        bounce_for(&receipt_id, "gone@reporter.example", "4.4.1"),
        format!(
            "From: rae@reporter.example\r\nTo: {SECURITY}\r\nSubject: Out of office\r\n\
             Auto-Submitted: auto-replied\r\n\r\nI am away.\r\n"
        ),
    ] {
        assert!(
            matches!(ingest(&t, &raw).await, Ingested::Quarantined { .. }),
            "{raw}"
        );
    }
    assert_eq!(
        t.case_count("connect", "ada@example.org").await,
        cases_before
    );
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "nothing answered");
    assert_eq!(received_by(&smtp, "gone@reporter.example").len(), 1);
    assert_eq!(events(&t, &id, &admin.token).await.len(), 2);
}

#[tokio::test]
async fn bounces_and_auto_replies_never_open_a_case_nor_answer_sqlite() {
    bounces_and_auto_replies_never_open_a_case_nor_answer(Db::Sqlite).await;
}

#[tokio::test]
async fn bounces_and_auto_replies_never_open_a_case_nor_answer_postgres() {
    bounces_and_auto_replies_never_open_a_case_nor_answer(Db::Postgres).await;
}

/// The quarantine: the project's security team lists, reads, releases and deletes;
/// a maintainer, another project's member, a reporter and anonymous callers see
/// nothing (404 as for a message that does not exist, or 401 without an account).
async fn the_quarantine_is_the_security_teams_to_release_or_delete(db: Db) {
    let smtp = SmtpReceiver::start();
    let (t, admin) = with_mail(db, &smtp).await;
    t.project("other", &["rs"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let oli = t
        .person("oli@example.org", Some(("other", Role::SecurityTeam)))
        .await;
    let spam = format!(
        "From: Someone <someone@reporter.example>\r\nTo: {SECURITY}\r\n\
         Subject: Crash in the frame parser\r\nX-Spam-Flag: YES\r\n\r\nA real report, flagged.\r\n"
    );
    let Ingested::Quarantined { id: held, reason } = ingest(&t, &spam).await else {
        panic!("held")
    };
    assert!(reason.contains("spam"), "{reason}");
    let junk = format!(
        "From: x@spam.example\r\nTo: {SECURITY}\r\nSubject: Buy now\r\nX-Spam-Flag: YES\r\n\r\nbuy\r\n"
    );
    let Ingested::Quarantined { id: junk, .. } = ingest(&t, &junk).await else {
        panic!("held")
    };

    let (s, list) = t.get("/api/v1/quarantine", Some(&sam.token)).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [junk, held], "newest first: {list}");
    assert_eq!(list[1]["subject"], "Crash in the frame parser");
    assert_eq!(list[1]["project"], "connect");
    // Held mail is sealed at rest (issue 11, item 3): its sender, subject and text are
    // in no file or table in the clear, and read back as they came.
    for clear in [
        "someone@reporter.example",
        "Crash in the frame parser",
        "A real report, flagged.",
    ] {
        assert_eq!(
            t.stored_in_clear(clear).await,
            Vec::<String>::new(),
            "{clear}"
        );
    }
    for outsider in [&mia, &oli] {
        let (s, list) = t.get("/api/v1/quarantine", Some(&outsider.token)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list, json!([]), "{}", outsider.email);
        let (s, _) = t
            .get(&format!("/api/v1/quarantine/{held}"), Some(&outsider.token))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = t
            .post(
                &format!("/api/v1/quarantine/{held}/delete"),
                Some(&outsider.token),
                json!({ "reason": "mine now" }),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = t.get(&format!("/api/v1/quarantine/{held}"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, tracking) = t.report("connect", minimal_report("t")).await;
    let (s, _) = t
        .get(&format!("/api/v1/quarantine/{held}"), Some(&tracking))
        .await;
    assert!(
        matches!(
            s,
            StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ),
        "{s}"
    );
    let (s, _) = t.get("/api/v1/quarantine/999999", Some(&sam.token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The original, as a download.
    let raw = t
        .req(
            Method::GET,
            &format!("/api/v1/quarantine/{held}/raw"),
            Some(&sam.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    assert_eq!(raw.bytes().await.unwrap(), spam.as_bytes());

    // Delete needs a reason, and keeps who and why.
    let (s, e) = t
        .post(
            &format!("/api/v1/quarantine/{junk}/delete"),
            Some(&sam.token),
            json!({ "reason": " " }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("reason"), "{e}");
    let (s, deleted) = t
        .post(
            &format!("/api/v1/quarantine/{junk}/delete"),
            Some(&sam.token),
            json!({ "reason": "advertising" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["state"], "deleted");
    assert_eq!(deleted["note"], "advertising");
    let (s, _) = t
        .req(
            Method::GET,
            &format!("/api/v1/quarantine/{junk}/raw"),
            Some(&sam.token),
        )
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(s, StatusCode::NOT_FOUND, "the bytes are gone");

    // Release: a case like a mailed report.
    let (s, released) = t
        .post(
            &format!("/api/v1/quarantine/{held}/release"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{released}");
    let case_id = released["case_id"].as_str().unwrap();
    let (_, case) = t
        .get(&format!("/api/v1/cases/{case_id}"), Some(&sam.token))
        .await;
    assert_eq!(case["title"], "Crash in the frame parser");
    assert_eq!(case["reporter"]["email"], "someone@reporter.example");
    let (s, _) = t
        .post(
            &format!("/api/v1/quarantine/{held}/release"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "released once");
    let (_, list) = t.get("/api/v1/quarantine", Some(&sam.token)).await;
    assert_eq!(list, json!([]));

    // The page lists what is held.
    let again = ingest(&t, &spam).await;
    let Ingested::Quarantined { id: again, .. } = again else {
        panic!()
    };
    let web = t.signed_in(&sam.email).await;
    let page = web.get("/quarantine").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Crash in the frame parser"),
        "{}",
        page.html
    );
    let out = web
        .submit(
            &format!("/quarantine/{again}"),
            &format!("/quarantine/{again}/delete"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.html.contains("reason-error"), "beside its field");
    let out = web
        .submit(
            &format!("/quarantine/{again}"),
            &format!("/quarantine/{again}/delete"),
            &[("reason", "a duplicate of the released one")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let page = t.signed_in(&mia.email).await.get("/quarantine").await;
    assert!(!page.html.contains("Crash in the frame parser"));
}

#[tokio::test]
async fn the_quarantine_is_the_security_teams_to_release_or_delete_sqlite() {
    the_quarantine_is_the_security_teams_to_release_or_delete(Db::Sqlite).await;
}

#[tokio::test]
async fn the_quarantine_is_the_security_teams_to_release_or_delete_postgres() {
    the_quarantine_is_the_security_teams_to_release_or_delete(Db::Postgres).await;
}

/// "Lost your tracking link?": the page answers alike for any address; the reporter's
/// address gets a new link per case, and the old link stops working.
async fn a_lost_link_is_replaced_by_mail(db: Db) {
    let smtp = SmtpReceiver::start();
    let (t, _) = with_mail(db, &smtp).await;
    let (id, old) = t
        .report(
            "connect",
            json!({ "title": "t", "description": "d", "reporter_email": "rae@reporter.example" }),
        )
        .await;
    assert_eq!(run_due(&t.app).await.unwrap(), 3);

    let web = WebClient::new(&t);
    let form = web.get("/p/connect/report").await;
    assert!(
        form.html.contains("href=\"/lost-link\""),
        "linked from the report page"
    );
    let unknown = web
        .submit(
            "/lost-link",
            "/lost-link",
            &[("email", "nobody@reporter.example")],
        )
        .await;
    let known = web
        .submit(
            "/lost-link",
            "/lost-link",
            &[("email", "Rae@Reporter.example")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.status, unknown.status);
    let answer = |html: &str| {
        let start = html.find("<main").unwrap_or(0);
        html[start..].to_owned()
    };
    assert_eq!(
        answer(&known.html),
        answer(&unknown.html),
        "the same answer"
    );

    assert_eq!(
        run_due(&t.app).await.unwrap(),
        1,
        "one mail, for the one case"
    );
    let got = received_by(&smtp, "rae@reporter.example");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].to, ["rae@reporter.example"]);
    let text = parsed(&got[1]).body_text(0).unwrap().into_owned();
    let start = text.find("/track/").unwrap();
    let new: String = text[start + "/track/".len()..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert_ne!(new, old);
    let (s, _) = t.get(&format!("/api/v1/cases/{id}"), Some(&old)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old link stopped working");
    let (s, case) = t.get(&format!("/api/v1/cases/{id}"), Some(&new)).await;
    assert_eq!(s, StatusCode::OK, "{case}");

    // A bad address is said beside its field, and what was typed stays.
    let bad = web
        .submit("/lost-link", "/lost-link", &[("email", "not an address")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("email-error") && bad.html.contains("not an address"));
}

#[tokio::test]
async fn a_lost_link_is_replaced_by_mail_sqlite() {
    a_lost_link_is_replaced_by_mail(Db::Sqlite).await;
}

#[tokio::test]
async fn a_lost_link_is_replaced_by_mail_postgres() {
    a_lost_link_is_replaced_by_mail(Db::Postgres).await;
}

#[tokio::test]
async fn lost_link_requests_are_rate_limited() {
    let smtp = SmtpReceiver::start();
    let (t, _) = with_mail(Db::Sqlite, &smtp).await;
    let web = WebClient::new(&t);
    let mut statuses = Vec::new();
    for n in 0..7 {
        let out = web
            .submit(
                "/lost-link",
                "/lost-link",
                &[("email", &format!("r{n}@reporter.example"))],
            )
            .await;
        statuses.push(out.status);
    }
    assert_eq!(statuses[..5], [StatusCode::OK; 5]);
    assert_eq!(statuses[5..], [StatusCode::TOO_MANY_REQUESTS; 2]);
}

/// Bad input from the issue: each stored in the quarantine with its reason, never a
/// case, never a crash; a header injection in the name or subject never reaches an
/// outgoing mail's headers.
async fn hostile_mail_is_held_or_stored_safely(db: Db) {
    let smtp = SmtpReceiver::start();
    let (t, admin) = with_mail(db, &smtp).await;
    let mut many = format!(
        "From: a@reporter.example\r\nTo: {SECURITY}\r\nSubject: parts\r\n\
         Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n"
    );
    for _ in 0..10_000 {
        many.push_str("--p\r\nContent-Type: text/plain\r\n\r\nx\r\n");
    }
    many.push_str("--p--\r\n");
    let malformed = format!(
        "From: a@reporter.example\r\nTo: {SECURITY}\r\nSubject: broken\r\n\
         Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\n--nope\r\n\x00\x01\x02"
    );
    let mut large = format!("From: a@reporter.example\r\nTo: {SECURITY}\r\nSubject: big\r\n\r\n");
    large.push_str(&"A".repeat(26 * 1024 * 1024));
    for (raw, why) in [
        (many, "MIME parts"),
        (large, "over the limit"),
        (
            format!(
                "From: a@reporter.example\r\nTo: {SECURITY}\r\nSubject: enc\r\n\
                 Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"e\"\r\n\r\n\
                 --e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\
                 --e\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA\r\n-----END PGP MESSAGE-----\r\n--e--\r\n"
            ),
            "encrypted",
        ),
    ] {
        match ingest(&t, &raw).await {
            Ingested::Quarantined { reason, .. } => assert!(reason.contains(why), "{reason}"),
            other => panic!("{why}: {other:?}"),
        }
    }
    // Unparseable or not, a malformed tree is kept one way or the other.
    assert!(!matches!(
        ingest(&t, &malformed).await,
        Ingested::Reply(_) | Ingested::Bounce(_)
    ));

    // CR/LF smuggled in the display name and an encoded subject.
    let injected = format!(
        "From: =?utf-8?q?Rae=0D=0ABcc=3A_victim=40evil=2Eexample?= <rae@reporter.example>\r\n\
         To: {SECURITY}\r\nSubject: =?utf-8?q?Crash=0D=0ABcc=3A_victim=40evil=2Eexample?=\r\n\r\nbody\r\n"
    );
    let Ingested::Case(id) = ingest(&t, &injected).await else {
        panic!("a case")
    };
    let (_, case) = t
        .get(&format!("/api/v1/cases/{id}"), Some(&admin.token))
        .await;
    assert!(!case["title"].as_str().unwrap().contains('\n'), "{case}");
    assert_eq!(run_due(&t.app).await.unwrap(), 3);
    let got = received_by(&smtp, "rae@reporter.example");
    let sent = got.last().unwrap();
    assert_eq!(sent.to, ["rae@reporter.example"], "no Bcc smuggled in");
    let head = String::from_utf8_lossy(&sent.data);
    let head = &head[..head.find("\r\n\r\n").unwrap()];
    assert!(
        !head.to_lowercase().contains("\nbcc:"),
        "no header injected: {head}"
    );
}

#[tokio::test]
async fn hostile_mail_is_held_or_stored_safely_sqlite() {
    hostile_mail_is_held_or_stored_safely(Db::Sqlite).await;
}

#[tokio::test]
async fn hostile_mail_is_held_or_stored_safely_postgres() {
    hostile_mail_is_held_or_stored_safely(Db::Postgres).await;
}

/// C1: the security address is a project setting, checked, on the API and public.
#[tokio::test]
async fn c1_the_security_address_is_checked_and_public() {
    let smtp = SmtpReceiver::start();
    let (t, admin) = with_mail(Db::Sqlite, &smtp).await;
    let (s, body) = json_of(
        t.req(
            Method::PATCH,
            "/api/v1/projects/connect",
            Some(&admin.token),
        )
        .json(&json!({ "security_address": "security+x@connect.example" }))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("security_address"), "{body}");
    let (_, p) = t.get("/api/v1/projects/connect", None).await;
    assert_eq!(p["security_address"], SECURITY, "unchanged, and public");
    // The admin page: the same rule, the error beside the field.
    let web = t.signed_in(&admin.email).await;
    let out = web
        .submit(
            "/admin/projects/connect",
            "/admin/projects/connect/security-address",
            &[("security_address", "not an address")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.html.contains("security_address-error"), "{}", out.html);
    let out = web
        .submit(
            "/admin/projects/connect",
            "/admin/projects/connect/security-address",
            &[("security_address", "psirt@connect.example")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (_, p) = t.get("/api/v1/projects/connect", None).await;
    assert_eq!(p["security_address"], "psirt@connect.example");
    let out = web
        .submit(
            "/admin/projects/connect",
            "/admin/projects/connect/security-address",
            &[("security_address", SECURITY)],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    // Mail to an address no project has is held for the instance admins.
    let raw = report_mail("rae@reporter.example", "lost", "where am I")
        .replace(SECURITY, "info@nowhere.example");
    let Ingested::Quarantined { reason, .. } = ingest(&t, &raw).await else {
        panic!()
    };
    assert!(reason.contains("no project"), "{reason}");
    let root = t.instance_admin("root@example.org").await;
    let (_, list) = t.get("/api/v1/quarantine", Some(&root.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (_, list) = t.get("/api/v1/quarantine", Some(&admin.token)).await;
    assert_eq!(list, json!([]), "not the project's");
}

/// C1 over IMAP: the worker reads the real Dovecot, stores each message, and only then
/// flags it (or moves it with `move_to`); a second read finds nothing new.
async fn c1_the_worker_reads_the_mailbox_over_imap(db: Db, after: &str) {
    use embargo_mail::imap::{ImapInbox, ImapSettings};
    let account = embargo_testkit::imap::ImapAccount::fresh();
    let url = format!("{}{after}", account.url("INBOX"));
    let smtp = SmtpReceiver::start();
    let smtp_url = smtp.url();
    let imap_url = url.clone();
    let t = TestApp::build(db, |s| {
        s.mail.smtp_url = Some(smtp_url);
        s.mail.from = Some("embargo@connect.example".into());
        s.mail.imap_url = Some(imap_url);
    })
    .await;
    t.project("connect", &["go"]).await;
    t.app
        .change_project(
            &embargo_core::actor::Actor::Operator,
            "connect",
            embargo_core::project::ProjectCommand::SetSecurityAddress {
                address: Some(SECURITY.into()),
            },
        )
        .await
        .unwrap();
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mut inbox = ImapInbox::connect(&ImapSettings::parse(&url).unwrap())
        .await
        .unwrap();
    inbox
        .append(report_mail("rae@reporter.example", "Over IMAP", "found it").as_bytes())
        .await
        .unwrap();
    inbox
        .append(
            format!(
                "From: x@spam.example\r\nTo: {SECURITY}\r\nSubject: spam\r\nX-Spam-Flag: YES\r\n\r\nbuy\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(
        embargo_server::worker::imap::read_once(&t.app)
            .await
            .unwrap(),
        2
    );
    assert_eq!(t.case_count("connect", "sam@example.org").await, 1);
    let (_, held) = t.get("/api/v1/quarantine", Some(&sam.token)).await;
    assert_eq!(held.as_array().unwrap().len(), 1, "{held}");
    inbox.logout().await.unwrap();
    // A fresh session sees the marks the worker's session set.
    let mut inbox = ImapInbox::connect(&ImapSettings::parse(&url).unwrap())
        .await
        .unwrap();
    assert!(inbox.unhandled(10).await.unwrap().is_empty(), "marked");
    assert_eq!(
        embargo_server::worker::imap::read_once(&t.app)
            .await
            .unwrap(),
        0,
        "each message once"
    );
    assert_eq!(t.case_count("connect", "sam@example.org").await, 1);
    inbox.logout().await.unwrap();
    if !after.is_empty() {
        let archive = account.url("Archive");
        let mut archive = ImapInbox::connect(&ImapSettings::parse(&archive).unwrap())
            .await
            .unwrap();
        assert_eq!(archive.unhandled(10).await.unwrap().len(), 2, "moved");
        archive.logout().await.unwrap();
    }
}

#[tokio::test]
async fn c1_the_worker_reads_the_mailbox_over_imap_sqlite() {
    c1_the_worker_reads_the_mailbox_over_imap(Db::Sqlite, "").await;
}

#[tokio::test]
async fn c1_the_worker_reads_the_mailbox_over_imap_and_moves_postgres() {
    c1_the_worker_reads_the_mailbox_over_imap(Db::Postgres, "?move_to=Archive").await;
}

/// Team mail (C3, C8, C10): a new report, the reporter's reply and an assignment reach
/// members by mail as they chose — everything, only their cases, nothing — with the
/// project and case id in the subject and the embargoed title only for who opted in.
async fn c8_team_mail_follows_each_members_choice(db: Db) {
    let smtp = SmtpReceiver::start();
    let (t, ada) = with_mail(db, &smtp).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let quiet = t
        .person("quiet@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let choose = |who: &Person, level: &str, titles: bool| {
        let t = &t;
        let token = who.token.clone();
        let level = level.to_owned();
        async move {
            json_of(
                t.req(
                    Method::PUT,
                    "/api/v1/projects/connect/mail-preference",
                    Some(&token),
                )
                .json(&json!({ "level": level, "titles": titles }))
                .send()
                .await
                .unwrap(),
            )
            .await
        }
    };
    let (s, e) = choose(&sam, "sometimes", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("level"), "{e}");
    assert_eq!(choose(&quiet, "nothing", false).await.0, StatusCode::OK);
    assert_eq!(choose(&ada, "my-cases", false).await.0, StatusCode::OK);
    let (s, got) = choose(&sam, "everything", true).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got, json!({ "level": "everything", "titles": true }));
    let outsider = t.person("out@example.org", None).await;
    assert_eq!(
        choose(&outsider, "everything", false).await.0,
        StatusCode::FORBIDDEN
    );

    const TITLE: &str = "Embargoed: heap overflow in frames";
    let (id, tracking) = t
        .report(
            "connect",
            json!({ "title": TITLE, "description": "d", "reporter_email": "rae@reporter.example" }),
        )
        .await;
    run_due(&t.app).await.unwrap();
    let subject = |m: &ReceivedMail| parsed(m).subject().unwrap_or_default().to_owned();
    // Only Sam: Ada wants her cases only, Quiet nothing, Mia may not see the case.
    for (who, n) in [(&sam, 1), (&ada, 0), (&quiet, 0), (&mia, 0)] {
        assert_eq!(team_mail(&smtp, &who.email).len(), n, "{}", who.email);
    }
    let news = &team_mail(&smtp, &sam.email)[0];
    assert!(
        subject(news).contains("CONNECT") && subject(news).contains(&id),
        "{}",
        subject(news)
    );
    assert!(subject(news).contains(TITLE), "Sam opted in to titles");

    // An assignment reaches the person assigned; the title stays out for Mia.
    let case = format!("/api/v1/cases/{id}");
    t.post(&format!("{case}/claim"), Some(&sam.token), json!({}))
        .await;
    let (s, _) = t
        .post(
            &format!("{case}/collaborators"),
            Some(&sam.token),
            json!({ "user_id": mia.id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    run_due(&t.app).await.unwrap();
    let to_mia = team_mail(&smtp, &mia.email);
    assert_eq!(to_mia.len(), 1);
    assert!(subject(&to_mia[0]).contains("assigned to you"));
    assert!(
        !subject(&to_mia[0]).contains("heap"),
        "{}",
        subject(&to_mia[0])
    );
    assert_eq!(team_mail(&smtp, &sam.email).len(), 2, "news and his claim");

    // The reporter writes: everyone on it who wants it, Ada still not (not hers).
    let (s, _) = t
        .post(
            &format!("{case}/messages"),
            Some(&tracking),
            json!({ "body": "more" }),
        )
        .await;
    assert!(s.is_success(), "{s}");
    run_due(&t.app).await.unwrap();
    assert_eq!(team_mail(&smtp, &sam.email).len(), 3);
    assert_eq!(team_mail(&smtp, &mia.email).len(), 2);
    assert_eq!(team_mail(&smtp, &ada.email).len(), 0);
    assert_eq!(team_mail(&smtp, &quiet.email).len(), 0);
    let all = smtp.received();
    let leaked = all
        .iter()
        .filter(|m| !m.to.contains(&sam.email))
        .any(|m| String::from_utf8_lossy(&m.data).contains("heap overflow"));
    assert!(!leaked, "the title only reached Sam");

    // The same choice on the cases page.
    let web = t.signed_in(&mia.email).await;
    let page = web.get("/projects/connect/cases").await;
    assert!(page.html.contains("mail-preference"), "{}", page.html);
    let out = web
        .submit(
            "/projects/connect/cases",
            "/projects/connect/mail-preference",
            &[("level", "nothing")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (_, now) = t
        .get("/api/v1/projects/connect/mail-preference", Some(&mia.token))
        .await;
    assert_eq!(now, json!({ "level": "nothing", "titles": false }));
}

#[tokio::test]
async fn c8_team_mail_follows_each_members_choice_sqlite() {
    c8_team_mail_follows_each_members_choice(Db::Sqlite).await;
}

#[tokio::test]
async fn c8_team_mail_follows_each_members_choice_postgres() {
    c8_team_mail_follows_each_members_choice(Db::Postgres).await;
}

/// C1 with issue 9 item 5: a report encrypted to the project's OpenPGP key (given with
/// `set_project_pgp_key`, as `admin project pgp` does) is decrypted into a case, the
/// encrypted original kept for the team; before the project had a key, the same mail
/// was held in the quarantine.
async fn encrypted_reports_are_decrypted_with_the_projects_key(db: Db) {
    let smtp = SmtpReceiver::start();
    let (t, admin) = with_mail(db, &smtp).await;
    let key =
        embargo_mail::ProjectKey::generate("Connect security <security@connect.example>").unwrap();
    let public = embargo_mail::PublicKey::parse(&key.public_key_asc()).unwrap();
    let inner = "Content-Type: text/plain; charset=utf-8\r\n\
                 Subject: Heap overflow in the frame parser\r\n\r\n\
                 A crafted frame overflows the parser's buffer.\r\n";
    let armored = public.encrypt(inner.as_bytes()).unwrap();
    let mail = format!(
        "From: Rae <rae@reporter.example>\r\nTo: {SECURITY}\r\nSubject: ...\r\n\
         Message-ID: <enc-1@reporter.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\r\n\
         \r\n--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n\
         --enc\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n\
         {armored}\r\n--enc--\r\n"
    );
    // No key yet: held, never dropped.
    assert!(matches!(
        ingest(&t, &mail).await,
        Ingested::Quarantined { .. }
    ));
    t.app
        .set_project_pgp_key(&embargo_core::actor::Actor::Operator, "connect", &key)
        .await
        .unwrap();
    let id = match ingest(&t, &mail).await {
        Ingested::Case(id) => id,
        other => panic!("a case, not {other:?}"),
    };
    let (_, case) = t
        .get(&format!("/api/v1/cases/{id}"), Some(&admin.token))
        .await;
    assert_eq!(case["title"], "Heap overflow in the frame parser", "{case}");
    assert!(
        case.to_string().contains("A crafted frame overflows"),
        "{case}"
    );
    assert!(
        case.to_string().contains("original-encrypted.eml"),
        "the original is kept: {case}"
    );
    // Mail from a project with a key is signed with it (RFC 3156 multipart/signed).
    embargo_server::worker::run_due(&t.app).await.unwrap();
    let receipt = smtp
        .received()
        .into_iter()
        .find(|m| m.to.iter().any(|a| a == "rae@reporter.example"))
        .expect("the reporter's receipt");
    let raw = String::from_utf8_lossy(&receipt.data).into_owned();
    assert!(
        raw.contains("multipart/signed") && raw.contains("application/pgp-signature"),
        "{raw}"
    );
    assert!(raw.contains("BEGIN PGP SIGNATURE"), "{raw}");
}

#[tokio::test]
async fn encrypted_reports_are_decrypted_with_the_projects_key_sqlite() {
    encrypted_reports_are_decrypted_with_the_projects_key(Db::Sqlite).await;
}

#[tokio::test]
async fn encrypted_reports_are_decrypted_with_the_projects_key_postgres() {
    encrypted_reports_are_decrypted_with_the_projects_key(Db::Postgres).await;
}
