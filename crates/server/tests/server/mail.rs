//! Mail to the reporter (issue 9): the receipt with a tracking link that works, one
//! mail per change they can see, retried when the SMTP server says "later", none when
//! they gave no address — through a real SMTP receiver over TCP, on both databases.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::worker::run_due;
use embargo_testkit::smtp::{ReceivedMail, SmtpReceiver};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;

async fn with_smtp(db: Db, smtp: &SmtpReceiver) -> TestApp {
    let url = smtp.url();
    TestApp::build(db, |s| {
        s.mail.smtp_url = Some(url);
        s.mail.from = Some("security@connect.example".into());
    })
    .await
}

use mail_body as text;

fn subject(mail: &ReceivedMail) -> String {
    parsed_mail(mail).subject().unwrap_or_default().to_owned()
}

fn message_id(mail: &ReceivedMail) -> String {
    parsed_mail(mail)
        .message_id()
        .unwrap_or_default()
        .to_owned()
}

const TITLE: &str = "Unbounded frame allocation in connect-go";

async fn report_from(t: &TestApp, email: Option<&str>) -> (String, String) {
    let mut body = minimal_report(TITLE);
    if let Some(email) = email {
        body["reporter_email"] = json!(email);
    }
    t.report("connect", body).await
}

async fn the_reporter_hears_of_their_report_and_each_visible_change(db: Db) {
    let smtp = SmtpReceiver::start();
    let t = with_smtp(db, &smtp).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    // Sam's own notices first: his role and his token.
    assert_eq!(run_due(&t.app).await.unwrap(), 2);
    let (id, tracking) = report_from(&t, Some("rae@example.net")).await;
    // The receipt, the team's news (fanned out) and Sam's mail.
    assert_eq!(run_due(&t.app).await.unwrap(), 3);
    let got = received_by(&smtp, "rae@example.net");
    assert_eq!(got.len(), 1, "exactly one receipt");
    let receipt = &got[0];
    assert_eq!(receipt.to, ["rae@example.net"]);
    let (subject_line, body) = (subject(receipt), text(receipt));
    assert!(
        subject_line.contains(&id) && subject_line.to_lowercase().contains("connect"),
        "{subject_line}"
    );
    assert!(
        !subject_line.contains("frame"),
        "never the embargoed title: {subject_line}"
    );
    let link = t.app.url(&format!("/track/{tracking}"));
    assert!(body.contains(&link), "{body}");
    assert!(
        body.contains(&id) && body.contains("What happens next"),
        "{body}"
    );
    // The link in the mail opens the tracking page.
    let path = link.strip_prefix(&t.base).unwrap();
    let page = t.http.get(t.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(TITLE));

    // The team acknowledges: one more mail, threaded under the receipt.
    let case = format!("/api/v1/cases/{id}");
    let (s, _) = t
        .post(&format!("{case}/acknowledge"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .post(&format!("{case}/claim"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    // The acknowledgement; the claim tells Sam (fan-out and his mail), not the reporter.
    assert_eq!(run_due(&t.app).await.unwrap(), 3);
    assert_eq!(run_due(&t.app).await.unwrap(), 0, "each mail is sent once");
    let got = received_by(&smtp, "rae@example.net");
    assert_eq!(got.len(), 2, "claiming tells the reporter nothing");
    let ack = parsed_mail(&got[1]);
    assert!(
        subject(&got[1]).contains("acknowledged"),
        "{}",
        subject(&got[1])
    );
    assert_eq!(
        ack.in_reply_to().as_text(),
        Some(message_id(receipt).as_str())
    );
    assert_ne!(message_id(&got[1]), message_id(receipt));
    assert!(
        !text(&got[1]).contains(&tracking),
        "only the receipt carries the link"
    );
}

#[tokio::test]
async fn the_reporter_hears_of_their_report_and_each_visible_change_sqlite() {
    the_reporter_hears_of_their_report_and_each_visible_change(Db::Sqlite).await;
}

#[tokio::test]
async fn the_reporter_hears_of_their_report_and_each_visible_change_postgres() {
    the_reporter_hears_of_their_report_and_each_visible_change(Db::Postgres).await;
}

/// "Try again later" is retried with the worker's backoff, the first failure noted
/// once on the timeline (internal), and then the mail goes out once.
#[tokio::test]
async fn a_refused_receipt_is_retried_then_delivered() {
    let smtp = SmtpReceiver::start();
    smtp.refuse_next(2);
    let t = with_smtp(Db::Sqlite, &smtp).await;
    t.project("connect", &["go"]).await;
    let (id, tracking) = report_from(&t, Some("rae@example.net")).await;
    // The receipt (refused) and the team's news (fanned out to no member yet).
    assert_eq!(run_due(&t.app).await.unwrap(), 2);
    assert!(smtp.received().is_empty());
    t.clock.advance(SignedDuration::from_mins(1));
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    assert!(smtp.received().is_empty(), "still refused");
    t.clock.advance(SignedDuration::from_mins(2));
    assert_eq!(run_due(&t.app).await.unwrap(), 1);
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    assert!(text(&got[0]).contains(&tracking));
    t.clock.advance(SignedDuration::from_hours(3));
    assert_eq!(run_due(&t.app).await.unwrap(), 0);
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    // One failure on the timeline, for the team only.
    let (_, events) = t
        .get(&format!("/api/v1/cases/{id}/events"), Some(&sam.token))
        .await;
    let failed: Vec<_> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "effect_failed")
        .collect();
    assert_eq!(failed.len(), 1, "{events}");
    assert_eq!(failed[0]["data"]["effect"], "email");
    assert!(
        failed[0]["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("451")
    );
    let (_, seen) = t
        .get(&format!("/api/v1/cases/{id}/events"), Some(&tracking))
        .await;
    assert!(
        !seen.to_string().contains("effect_failed"),
        "internal: {seen}"
    );
}

#[tokio::test]
async fn no_mail_without_an_address() {
    let smtp = SmtpReceiver::start();
    let t = with_smtp(Db::Sqlite, &smtp).await;
    t.project("connect", &["go"]).await;
    report_from(&t, None).await;
    assert_eq!(
        run_due(&t.app).await.unwrap(),
        1,
        "the team's news, to no member"
    );
    assert!(smtp.received().is_empty());
}

/// Without SMTP, mail waits in the outbox (neither dropped nor failed), the admin page
/// says how much; once the instance has SMTP, it goes.
async fn mail_waits_without_smtp_and_goes_once_it_is_set(db: Db) {
    let off = TestApp::on(db).await;
    off.project("connect", &["go"]).await;
    let (id, tracking) = report_from(&off, Some("rae@example.net")).await;
    report_from(&off, Some("ray@example.net")).await;
    assert_eq!(run_due(&off.app).await.unwrap(), 0, "nothing it could send");
    // What this instance waits for is the collaborators clock's timer (C10: its
    // escalation a day after receipt), not the mail it cannot send.
    assert_eq!(
        off.app.store().next_job_due().await.unwrap(),
        Some(off.app.now() + jiff::SignedDuration::from_hours(24))
    );
    // Two receipts and the team's news of two reports.
    assert_eq!(off.app.mail_waiting().await.unwrap(), Some(4));

    // And the notice of Ada's new token, to her.
    let admin = off.instance_admin("ada@example.org").await;
    let web = off.signed_in(&admin.email).await;
    let page = web.get("/admin").await.html;
    assert!(
        page.contains("Mail is not configured: 5 mails waiting"),
        "{page}"
    );
    let (_, events) = off
        .get(&format!("/api/v1/cases/{id}/events"), Some(&tracking))
        .await;
    assert!(!events.to_string().contains("effect_failed"), "{events}");

    let smtp = SmtpReceiver::start();
    let url = smtp.url();
    let on = off
        .second_instance_with(|s| {
            s.mail.smtp_url = Some(url);
            s.mail.from = Some("security@connect.example".into());
        })
        .await;
    assert_eq!(on.mail_waiting().await.unwrap(), None);
    assert_eq!(run_due(&on).await.unwrap(), 5);
    let got = smtp.received();
    assert_eq!(got.len(), 3, "two receipts and Ada's notice");
    let receipt = got.iter().find(|m| m.to == ["rae@example.net"]).unwrap();
    assert!(
        text(receipt).contains(&tracking),
        "the receipt kept its link"
    );
    assert_eq!(run_due(&on).await.unwrap(), 0);
}

#[tokio::test]
async fn mail_waits_without_smtp_and_goes_once_it_is_set_sqlite() {
    mail_waits_without_smtp_and_goes_once_it_is_set(Db::Sqlite).await;
}

#[tokio::test]
async fn mail_waits_without_smtp_and_goes_once_it_is_set_postgres() {
    mail_waits_without_smtp_and_goes_once_it_is_set(Db::Postgres).await;
}

/// Two instances on one PostgreSQL, both working at once: the receipt goes out once
/// (the outbox row is the unit, and the claim hands it to one worker).
#[tokio::test]
async fn two_instances_send_each_mail_once() {
    let smtp = SmtpReceiver::start();
    let t = with_smtp(Db::Postgres, &smtp).await;
    t.project("connect", &["go"]).await;
    let other = t.second_instance().await;
    for n in 0..4 {
        report_from(&t, Some(&format!("rae{n}@example.net"))).await;
    }
    let (a, b) = tokio::join!(run_due(&t.app), run_due(&other));
    assert_eq!(
        a.unwrap() + b.unwrap(),
        8,
        "four receipts, four team fan-outs"
    );
    let mut to: Vec<String> = smtp.received().into_iter().flat_map(|m| m.to).collect();
    to.sort();
    assert_eq!(
        to,
        (0..4)
            .map(|n| format!("rae{n}@example.net"))
            .collect::<Vec<_>>()
    );
}

/// Issue 9 item 5: a reporter who gives their OpenPGP key gets every mail encrypted to
/// it (the tracking link never in the clear); a key we cannot encrypt to is refused
/// at intake, naming the field, and nothing is stored.
async fn a_reporters_key_encrypts_every_mail_to_them(db: Db) {
    let smtp = SmtpReceiver::start();
    let t = with_smtp(db, &smtp).await;
    t.project("connect", &["go"]).await;
    let theirs = embargo_mail::ProjectKey::generate("Rae <rae@example.net>").unwrap();
    let mut body = minimal_report("Encrypted receipt");
    body["reporter_email"] = "rae@example.net".into();
    body["reporter_pgp_key"] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnot a key\n".into();
    let (status, v) = t
        .post("/api/v1/projects/connect/reports", None, body.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "reporter_pgp_key", "{v}");
    assert_eq!(
        run_due(&t.app).await.unwrap(),
        0,
        "nothing stored, nothing queued"
    );

    body["reporter_pgp_key"] = theirs.public_key_asc().into();
    let (_, tracking) = t.report("connect", body).await;
    run_due(&t.app).await.unwrap();
    let got: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.to == ["rae@example.net"])
        .collect();
    assert_eq!(got.len(), 1);
    let raw = String::from_utf8_lossy(&got[0].data).into_owned();
    assert!(raw.contains("multipart/encrypted"), "{raw}");
    assert!(!raw.contains(&tracking), "the link is never in the clear");
    let start = raw.find("-----BEGIN PGP MESSAGE-----").unwrap();
    let end = raw.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----".len();
    let armored = raw[start..end].replace("\r\n", "\n");
    let plain = theirs.decrypt(armored.as_bytes()).unwrap();
    // The decrypted part is a MIME entity (signed or not): its text has the link.
    let inner = mail_parser::MessageParser::default()
        .parse(&plain)
        .expect("a MIME entity");
    let texts: String = (0..inner.text_body_count())
        .filter_map(|i| inner.body_text(i))
        .collect();
    let all = format!("{texts}{}", String::from_utf8_lossy(&plain));
    assert!(all.contains(&tracking), "{all}");
}

#[tokio::test]
async fn a_reporters_key_encrypts_every_mail_to_them_sqlite() {
    a_reporters_key_encrypts_every_mail_to_them(Db::Sqlite).await;
}

#[tokio::test]
async fn a_reporters_key_encrypts_every_mail_to_them_postgres() {
    a_reporters_key_encrypts_every_mail_to_them(Db::Postgres).await;
}
