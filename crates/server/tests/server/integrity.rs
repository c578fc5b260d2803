//! The running server's checkpoint watch (issue 11, item 4): a stream whose events no
//! longer match the newest signed checkpoint stops being served, the others go on, and
//! no new checkpoint vouches for the changed history.

use super::support::*;
use embargo_core::project::Role;
use embargo_server::integrity::{Integrity, Sweep};
use reqwest::StatusCode;
use serde_json::json;

fn checkpoints(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

async fn a_changed_stream_stops_being_served(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vtgate"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let vic = t
        .person("vic@example.org", Some(("vitess", Role::SecurityTeam)))
        .await;
    t.instance_admin("root@example.org").await;
    let (a, a_tracking) = t.report("connect", minimal_report("First flaw")).await;
    let (b, _) = t.report("connect", minimal_report("Second flaw")).await;

    let integrity = Integrity::load(&t.settings).unwrap();
    let now = t.app.now();
    let Sweep::Written(first) = t.app.sweep_integrity(&integrity, now).await.unwrap() else {
        panic!("an untouched database gets a checkpoint");
    };
    assert!(first.starts_with(&integrity.checkpoint_dir));
    let written = checkpoints(&integrity.checkpoint_dir);

    // Someone with database access deletes case A's newest event.
    t.damage(&format!(
        "DELETE FROM events WHERE stream = 'case:{a}' AND seq = \
         (SELECT MAX(seq) FROM events WHERE stream = 'case:{a}')"
    ))
    .await;
    let Sweep::Distrusted(streams) = t.app.sweep_integrity(&integrity, now).await.unwrap() else {
        panic!("the sweep finds the deleted event");
    };
    assert_eq!(streams.len(), 1, "{streams:?}");
    assert_eq!(streams[0].0, format!("case:{a}"));
    assert!(streams[0].1.contains("is missing (deleted)"), "{streams:?}");
    assert_eq!(
        checkpoints(&integrity.checkpoint_dir),
        written,
        "no checkpoint vouches for the changed history"
    );

    // The team member who sees A is told why it is not served; B is served.
    let (s, body) = t.get(&format!("/api/v1/cases/{a}"), Some(&sam.token)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "untrusted", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("embargo admin verify"),
        "{body}"
    );
    let (s, _) = t.get(&format!("/api/v1/cases/{b}"), Some(&sam.token)).await;
    assert_eq!(s, StatusCode::OK);
    // Nothing is written to it either.
    let (s, body) = t
        .post(
            &format!("/api/v1/cases/{a}/notes"),
            Some(&sam.token),
            json!({ "body": "Reproduced." }),
        )
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    // Who may not see A still gets what a missing case gets.
    let (s, _) = t.get(&format!("/api/v1/cases/{a}"), Some(&vic.token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t.get(&format!("/api/v1/cases/{a}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The reporter's tracking page is not served either.
    let web = WebClient::new(&t);
    let page = web.get(&format!("/track/{a_tracking}")).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.html
            .contains("no longer matches the signed checkpoint")
    );

    // The instance admin's page names the stream and what to do.
    let admin = t.signed_in("root@example.org").await;
    let page = admin.get("/admin").await;
    assert!(page.html.contains(r#"id="untrusted""#), "{}", page.html);
    assert!(page.html.contains(&format!("case:{a}")));
}

#[tokio::test]
async fn a_changed_stream_stops_being_served_on_sqlite() {
    a_changed_stream_stops_being_served(Db::Sqlite).await;
}

#[tokio::test]
async fn a_changed_stream_stops_being_served_on_postgres() {
    a_changed_stream_stops_being_served(Db::Postgres).await;
}

/// More streams changed than a check names: the rest are not served either (every
/// case is refused), rather than the ones past the count slipping through.
async fn a_log_rewritten_wholesale_serves_no_case(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (a, _) = t.report("connect", minimal_report("First flaw")).await;
    let (b, _) = t.report("connect", minimal_report("Second flaw")).await;
    let (c, _) = t.report("connect", minimal_report("Third flaw")).await;
    let mut integrity = Integrity::load(&t.settings).unwrap();
    integrity.mismatches_kept = 1;
    let now = t.app.now();
    let Sweep::Written(_) = t.app.sweep_integrity(&integrity, now).await.unwrap() else {
        panic!("an untouched database gets a checkpoint");
    };
    for id in [&a, &b] {
        t.damage(&format!(
            "DELETE FROM events WHERE stream = 'case:{id}' AND seq = \
             (SELECT MAX(seq) FROM events WHERE stream = 'case:{id}')"
        ))
        .await;
    }
    let Sweep::Distrusted(streams) = t.app.sweep_integrity(&integrity, now).await.unwrap() else {
        panic!("the sweep finds the deleted events");
    };
    assert_eq!(streams.len(), 2, "{streams:?}");
    assert_eq!(streams[1].0, "accounts");
    assert!(
        streams[1].1.contains("1 more stream than named"),
        "{streams:?}"
    );
    // Neither changed case is served, nor the one left alone.
    for id in [&a, &b, &c] {
        let (s, body) = t
            .get(&format!("/api/v1/cases/{id}"), Some(&sam.token))
            .await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{id}: {body}");
    }
}

#[tokio::test]
async fn a_log_rewritten_wholesale_serves_no_case_on_sqlite() {
    a_log_rewritten_wholesale_serves_no_case(Db::Sqlite).await;
}

#[tokio::test]
async fn a_log_rewritten_wholesale_serves_no_case_on_postgres() {
    a_log_rewritten_wholesale_serves_no_case(Db::Postgres).await;
}

/// Start-up does not wait for the newest checkpoint's heads to be compared (issue 13:
/// start-up under a second at 10⁶ cases): the server listens, compares them in the
/// background, and meanwhile checks each case's streams on their own before serving
/// them. A checkpoint whose heads were edited vouches for nothing: no case is served.
async fn the_start_up_check_runs_while_serving(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.instance_admin("root@example.org").await;
    let (a, _) = t.report("connect", minimal_report("First flaw")).await;
    let (b, _) = t.report("connect", minimal_report("Second flaw")).await;
    let integrity = Integrity::load(&t.settings).unwrap();
    let now = t.app.now();
    let Sweep::Written(first) = t.app.sweep_integrity(&integrity, now).await.unwrap() else {
        panic!("an untouched database gets a checkpoint");
    };

    // Case A's first event edited: its head (what the checkpoint names) is unchanged,
    // but it no longer links with the chain key.
    t.damage(&format!(
        "UPDATE events SET body = body || ' ' WHERE stream = 'case:{a}' AND seq = 1"
    ))
    .await;
    t.app.checking_integrity();
    let (s, body) = t.get(&format!("/api/v1/cases/{a}"), Some(&sam.token)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "untrusted", "{body}");
    let (s, body) = t.get(&format!("/api/v1/cases/{b}"), Some(&sam.token)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // The background pass finds every head as signed and writes the next checkpoint;
    // A stays refused.
    t.clock.advance(jiff::SignedDuration::from_mins(60));
    let Sweep::Written(second) = t
        .app
        .start_up_integrity(&integrity, t.app.now())
        .await
        .unwrap()
    else {
        panic!("the heads are unchanged");
    };
    assert_ne!(first, second);
    let (s, _) = t.get(&format!("/api/v1/cases/{a}"), Some(&sam.token)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let admin = t.signed_in("root@example.org").await;
    let page = admin.get("/admin").await;
    assert!(page.html.contains(&format!("case:{a}")), "{}", page.html);
    assert!(page.html.contains("found while checking at start-up"));

    // The newest checkpoint's heads edited by whoever reached its folder: the check
    // can't be made, so nothing is vouched for.
    let text = std::fs::read_to_string(&second).unwrap();
    let head = text
        .lines()
        .find(|l| l.starts_with(&format!("case:{b}\t")))
        .unwrap()
        .to_owned();
    let forged = format!("{}0", &head[..head.len() - 1]);
    let forged = if forged == head {
        format!("{}1", &head[..head.len() - 1])
    } else {
        forged
    };
    std::fs::write(&second, text.replace(&head, &forged)).unwrap();
    t.app.checking_integrity();
    let e = t
        .app
        .start_up_integrity(&integrity, t.app.now())
        .await
        .unwrap_err();
    assert!(
        e.contains("its heads are not the ones its signature vouches for"),
        "{e}"
    );
    let (s, body) = t.get(&format!("/api/v1/cases/{b}"), Some(&sam.token)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let page = admin.get("/admin").await;
    assert!(
        page.html
            .contains("its heads are not the ones its signature vouches for")
    );
}

#[tokio::test]
async fn the_start_up_check_runs_while_serving_on_sqlite() {
    the_start_up_check_runs_while_serving(Db::Sqlite).await;
}

#[tokio::test]
async fn the_start_up_check_runs_while_serving_on_postgres() {
    the_start_up_check_runs_while_serving(Db::Postgres).await;
}

/// Copies of each checkpoint off the machine (issue 11, item 4): mailed and posted,
/// each the signed file itself; a receiver that refuses is named on the admin page,
/// and the next checkpoint goes out anyway.
async fn checkpoints_are_copied_off_the_machine(db: Db) {
    let smtp = embargo_testkit::smtp::SmtpReceiver::start();
    let (receiver, base) = Receiver::start().await;
    let smtp_url = smtp.url();
    let t = TestApp::build(db, |s| {
        s.mail.smtp_url = Some(smtp_url);
        s.mail.from = Some("security@connect.example".into());
        s.webhooks.allow_private = vec!["127.0.0.1/32".into()];
        s.integrity.checkpoint_mail = Some("audit@example.org".into());
        s.integrity.checkpoint_webhook = Some(format!("{base}/checkpoints?key=SECRET"));
    })
    .await;
    t.project("connect", &["go"]).await;
    t.report("connect", minimal_report("First flaw")).await;
    let root = t.instance_admin("root@example.org").await;
    let integrity = Integrity::load(&t.settings).unwrap();

    let path = integrity
        .checkpoint(t.app.store(), t.app.now())
        .await
        .unwrap();
    let file = std::fs::read_to_string(&path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let sent = t.app.send_checkpoint_copies(&path).await;
    let outcomes: Vec<_> = sent
        .iter()
        .map(|c| (c.to.as_str(), c.outcome.is_ok()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("mail to audit@example.org", true),
            (format!("webhook {base}/…").as_str(), true)
        ],
        "{sent:?}"
    );
    assert!(
        sent.iter().all(|c| !c.to.contains("SECRET")),
        "the URL's query is never shown"
    );
    // The webhook took the signed file itself, named in a header.
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].path, "/checkpoints");
    assert_eq!(hits[0].text(), file);
    assert_eq!(hits[0].header("x-embargo-checkpoint"), name);
    assert_eq!(hits[0].header("content-type"), "text/plain; charset=utf-8");
    // So did the mail, with what to do with it.
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["audit@example.org"]);
    let mail = mail_text(&mails[0]);
    let signature = file
        .lines()
        .find_map(|l| l.strip_prefix("signature "))
        .unwrap()
        .to_owned();
    assert_eq!(signature.len(), 128, "{file}");
    assert!(mail.contains(&signature), "{mail}");
    assert!(mail.contains("embargo admin verify"), "{mail}");

    // The receiver refuses the next one: said on the admin page; the mail still goes.
    receiver.answer(503);
    t.clock.advance(jiff::SignedDuration::from_mins(60));
    let path = integrity
        .checkpoint(t.app.store(), t.app.now())
        .await
        .unwrap();
    let sent = t.app.send_checkpoint_copies(&path).await;
    assert!(sent[0].outcome.is_ok(), "{sent:?}");
    let refused = sent[1].outcome.clone().unwrap_err();
    assert!(refused.contains("503"), "{refused}");
    assert_eq!(smtp.received().len(), 2);
    let admin = t.signed_in(&root.email).await;
    let page = admin.get("/admin").await.html;
    assert!(page.contains("id=\"checkpoint-copies\""), "{page}");
    assert!(page.contains("not sent") && page.contains("503"), "{page}");
}

#[tokio::test]
async fn checkpoints_are_copied_off_the_machine_on_sqlite() {
    checkpoints_are_copied_off_the_machine(Db::Sqlite).await;
}

#[tokio::test]
async fn checkpoints_are_copied_off_the_machine_on_postgres() {
    checkpoints_are_copied_off_the_machine(Db::Postgres).await;
}
