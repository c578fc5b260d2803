//! The case page leads (issue 12 items 1 and 2): the state, whose turn it is and the
//! next steps with their clocks at the top; only the actions the stage and the viewer
//! allow, in groups with anchors; after an action, back at the group; a refused form
//! comes back with everything typed and the error beside its field.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use serde_json::json;

/// The lead panel of a case page: from its start to the end of its section.
fn lead(html: &str) -> &str {
    let start = html
        .find("id=\"lead\"")
        .unwrap_or_else(|| panic!("no lead: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// Whether the page offers the form of `action`.
fn offers(html: &str, action: &str) -> bool {
    html.contains(&format!("data-action=\"{action}\""))
}

async fn the_page_leads_and_offers_only_what_applies(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Heap overflow")).await;
    let web = t.signed_in(&sam.email).await;
    let case = format!("/cases/{id}");

    // C3: a new report leads with acknowledging it, on the team, with the clock.
    let page = web.get(&case).await.html;
    let top = lead(&page);
    assert!(top.contains("data-step=\"Acknowledge\""), "{top}");
    assert!(top.contains("the team"), "{top}");
    assert!(top.contains("data-clock=\"acknowledge\""), "{top}");
    assert!(top.contains("left"), "time left: {top}");
    assert!(offers(&page, "acknowledge") && offers(&page, "claim"));
    assert!(!offers(&page, "ask"), "no question before acknowledging");
    assert!(!offers(&page, "preliminary"));
    // A jump list names only the parts this page has: no fixes before confirmation.
    let nav = &page[page.find("Parts of this case").unwrap()..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    assert!(
        nav.contains("href=\"#triage\"") && nav.contains("href=\"#conversation\""),
        "{nav}"
    );
    assert!(!nav.contains("href=\"#fixes\""), "{nav}");
    // The lead comes before the actions, which come before the report.
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("id=\"lead\"") < at("id=\"triage\"") && at("id=\"triage\"") < at("id=\"timeline\""));

    // After an action: back at its group, with a confirmation there.
    let out = web
        .submit(&case, &format!("{case}/actions/acknowledge"), &[])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    assert_eq!(out.location(), format!("{case}?done=triage#triage"));
    let page = web.get(out.location()).await.html;
    assert!(page.contains("class=\"done\""), "{page}");
    assert!(!offers(&page, "acknowledge"), "acknowledged once");
    assert!(offers(&page, "ask") && offers(&page, "preliminary"));
    assert!(!lead(&page).contains("data-step=\"Acknowledge\""));

    // C8: claiming removes the claim and leads to adding the maintainers.
    let out = web
        .submit(&case, &format!("{case}/actions/claim"), &[])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let page = web.get(&case).await.html;
    assert!(!offers(&page, "claim"), "no claim for the coordinator");
    assert!(lead(&page).contains("data-step=\"AddCollaborators\""));
    let out = web
        .submit(
            &case,
            &format!("{case}/actions/add-collaborator"),
            &[("user_id", &mia.id.to_string())],
        )
        .await;
    assert_eq!(out.location(), format!("{case}?done=people#people"));

    // C9: while a question is open, no second one; the reporter's turn.
    let out = web
        .submit(
            &case,
            &format!("{case}/actions/ask"),
            &[("body", "Which version?")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let page = web.get(&case).await.html;
    assert!(!offers(&page, "ask"), "a question is open");
    let top = lead(&page);
    assert!(
        top.contains("data-step=\"AwaitAnswer\"") && top.contains("the reporter"),
        "{top}"
    );

    // A collaborator sees the conversation and scoring, not the lead's forms.
    let mia_web = t.signed_in(&mia.email).await;
    let theirs = mia_web.get(&case).await.html;
    assert!(offers(&theirs, "note") && offers(&theirs, "message"));
    for action in ["decision", "preliminary", "hand-over", "claim"] {
        assert!(!offers(&theirs, action), "{action} for a collaborator");
    }

    // C11: once decided, the decision's form is gone; scoring leads, the calculator
    // shows the base metrics and keeps the rest behind "More metrics".
    let (s, v) = t
        .post(
            &format!("/api/v1/cases/{id}/questions/1/answer"),
            Some(&tracking),
            json!({ "body": "1.4.2" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let out = web
        .submit(
            &case,
            &format!("{case}/actions/decision"),
            &[("outcome", "confirmed")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let page = web.get(&case).await.html;
    assert!(!offers(&page, "decision") && !offers(&page, "preliminary"));
    assert!(lead(&page).contains("data-step=\"Score\""));
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("id=\"m_AV\"") < at("class=\"more-metrics\""));
    assert!(
        at("class=\"more-metrics\"") < at("id=\"m_CR\""),
        "environmental behind more"
    );
    assert!(!page.contains("class=\"more-metrics\" open"));
    // A metric from "more" chosen keeps it open.
    let page = web.get(&format!("{case}?calc=3.1&m_CR=H")).await.html;
    assert!(page.contains("class=\"more-metrics\" open"), "{page}");

    // A report left a month unacknowledged: the lead says the clock is overdue.
    let (late, _) = t.report("connect", minimal_report("Timing leak")).await;
    let page = web.get(&format!("/cases/{late}")).await.html;
    assert!(!lead(&page).contains("clock overdue"), "{}", lead(&page));
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 30));
    // A month on, the session has ended too.
    let web = t.signed_in(&sam.email).await;
    let page = web.get(&format!("/cases/{late}")).await.html;
    let top = lead(&page);
    assert!(
        top.contains("clock overdue") && top.contains("overdue by"),
        "{top}"
    );
}

async fn a_refused_form_keeps_what_was_typed(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, _) = t.report("connect", minimal_report("Heap overflow")).await;
    let web = t.signed_in(&sam.email).await;
    let case = format!("/cases/{id}");
    for action in ["acknowledge", "claim"] {
        let out = web
            .submit(&case, &format!("{case}/actions/{action}"), &[])
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{action}: {}", out.html);
    }
    // The forms post to the case itself, naming the form, at their group's anchor: a
    // refusal is answered at the case's own address and opens at the form.
    let page = web.get(&case).await.html;
    assert!(
        page.contains(&format!("action=\"{case}?do=decision#triage\"")),
        "{page}"
    );

    // A rejection as a duplicate of nothing: every field back, the error beside its own.
    let out = web
        .submit(
            &case,
            &format!("{case}?do=decision"),
            &[
                ("outcome", "rejected"),
                ("reason", "duplicate"),
                ("duplicate_of", "nonsense"),
                ("explanation", "My careful words to the reporter."),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    let h = &out.html;
    assert!(h.contains("My careful words to the reporter."), "{h}");
    assert!(h.contains("value=\"nonsense\""), "{h}");
    assert!(h.contains("id=\"decision-duplicate_of-error\""), "{h}");
    // Beside its field, the message does not name the field in the API's words.
    assert!(
        h.contains("decision-duplicate_of-error\">Must name the earlier case"),
        "{h}"
    );
    assert!(h.contains("value=\"rejected\" checked"), "{h}");
    assert!(h.contains("value=\"duplicate\" selected"), "{h}");
    assert!(h.contains("class=\"error form-error\""), "{h}");
    // Nothing changed.
    assert!(web.get(&case).await.html.contains("stage-triage"));

    // Confirm, then the coordinator's forms: the advisory keeps all seven fields.
    let out = web
        .submit(
            &case,
            &format!("{case}/actions/decision"),
            &[("outcome", "confirmed")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let advisory = [
        ("summary", "Unbounded allocation"),
        ("details", "Frames are not bounded."),
        ("cwes", "CWE-400: Uncontrolled Resource Consumption"),
        ("affected", "go"),
        ("credits", "finder: Rae Porter"),
        ("references", "fix https://example.org/pr/1"),
        ("mitigation", "Limit frame sizes at the proxy."),
    ];
    let out = web
        .submit(&case, &format!("{case}/actions/advisory"), &advisory)
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    for (field, value) in advisory {
        assert!(out.html.contains(value), "{field} lost: {}", out.html);
    }
    assert!(out.html.contains("id=\"advisory-affected-error\""));
    // …and only in the advisory form: the release plan's mitigation stays empty.
    assert_eq!(
        out.html.matches("Limit frame sizes").count(),
        1,
        "{}",
        out.html
    );

    // The final CVSS call, the CVE ID and "not applicable".
    let out = web
        .submit(
            &case,
            &format!("{case}/actions/cvss-set"),
            &[
                ("cvss_v3_1", "CVSS:3.1/AV:N"),
                ("cvss_v4_0", ""),
                ("effect", "Remote code execution through a frame."),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("value=\"CVSS:3.1/AV:N\""), "{}", out.html);
    assert!(out.html.contains("Remote code execution through a frame."));
    assert!(
        out.html.contains("id=\"cvss-set-cvss_v3_1-error\""),
        "{}",
        out.html
    );
    let out = web
        .submit(
            &case,
            &format!("{case}/actions/cve-assign"),
            &[("cve_id", "CVE-12")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("value=\"CVE-12\""), "{}", out.html);
    assert!(out.html.contains("class=\"field-error\""), "{}", out.html);

    // Conversation: an empty message is refused beside its field.
    let out = web
        .submit(&case, &format!("{case}/actions/note"), &[("body", "   ")])
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains("id=\"note-body-error\""), "{}", out.html);
    assert!(
        !out.html.contains("id=\"message-body-error\""),
        "{}",
        out.html
    );
}

/// The case's own address takes every form of the page (`?do=`), uploads included; a
/// refused patch upload is answered beside that fix's own patch form.
async fn the_case_address_takes_every_form(db: Db) {
    use reqwest::multipart::{Form, Part};
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let eve = t.person("eve@example.org", None).await;
    let (id, _) = t.report("connect", minimal_report("Heap overflow")).await;
    let web = t.signed_in(&sam.email).await;
    let outsider = t.signed_in(&eve.email).await;
    let case = format!("/cases/{id}");
    for action in ["acknowledge", "claim"] {
        let out = web.submit(&case, &format!("{case}?do={action}"), &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{action}: {}", out.html);
        assert_eq!(
            out.headers["location"],
            format!("{case}?done=triage#triage").as_str()
        );
    }

    // A form naming none, or one that does not exist: refused, nothing done; someone
    // who may not see the case, or a case that does not exist, is not found either way.
    let csrf = web.get(&case).await.csrf();
    let none = web.post(&case, &[("csrf", &csrf)]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.html);
    assert!(none.html.contains("`do`"), "{}", none.html);
    let unknown = web
        .post(&format!("{case}?do=explode"), &[("csrf", &csrf)])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let csrf_eve = outsider.get("/").await.csrf();
    for path in [
        case.clone(),
        format!("{case}?do=note"),
        format!("{case}?do=attach"),
        "/cases/C-0000000000?do=note".to_owned(),
    ] {
        let out = outsider
            .post(&path, &[("csrf", &csrf_eve), ("body", "hello")])
            .await;
        assert_eq!(out.status, StatusCode::NOT_FOUND, "{path}: {}", out.html);
    }

    // The attach form: refused without a file beside its own field, then accepted.
    let attach = |file: Option<(&'static str, &'static [u8])>| {
        let mut form = Form::new()
            .text("csrf", csrf.clone())
            .text("internal", "on");
        if let Some((name, bytes)) = file {
            form = form.part("file", Part::bytes(bytes).file_name(name));
        }
        form
    };
    let out = web
        .post_multipart(&format!("{case}?do=attach"), attach(None))
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(
        out.html.contains("id=\"attach-file-error\""),
        "{}",
        out.html
    );
    let out = web
        .post_multipart(
            &format!("{case}?do=attach"),
            attach(Some(("trace.txt", b"frame 0"))),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    assert!(web.get(&case).await.html.contains("trace.txt"));

    // A fix, and its patch form: a refusal is beside that form, not the attach form.
    let out = web
        .submit(
            &case,
            &format!("{case}?do=decision"),
            &[("outcome", "confirmed")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let (s, c) = t
        .post(
            &format!("/api/v1/cases/{id}/fixes"),
            Some(&sam.token),
            json!({ "component": "go", "branch": "main", "reference": "https://github.com/acme/connect-private/pull/1" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let page = web.get(&case).await.html;
    assert!(
        page.contains(&format!("action=\"{case}?do=fix-patch&amp;fix=1#fixes\"")),
        "{page}"
    );
    let out = web
        .post_multipart(&format!("{case}?do=fix-patch&fix=1"), attach(None))
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(
        out.html.contains("id=\"fix-patch-file-error\""),
        "{}",
        out.html
    );
    assert!(
        !out.html.contains("id=\"attach-file-error\""),
        "{}",
        out.html
    );
    let out = web
        .post_multipart(
            &format!("{case}?do=fix-patch&fix=1"),
            attach(Some(("fix.patch", b"--- a\n+++ b\n"))),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    assert_eq!(
        out.headers["location"],
        format!("{case}?done=fixes#fixes").as_str()
    );
    let out = web
        .post_multipart(
            &format!("{case}?do=fix-patch&fix=9"),
            attach(Some(("fix.patch", b"--- a\n+++ b\n"))),
        )
        .await;
    assert_eq!(out.status, StatusCode::NOT_FOUND, "no such fix");
}

#[tokio::test]
async fn the_case_address_takes_every_form_on_sqlite() {
    the_case_address_takes_every_form(Db::Sqlite).await;
}

#[tokio::test]
async fn the_case_address_takes_every_form_on_postgres() {
    the_case_address_takes_every_form(Db::Postgres).await;
}

#[tokio::test]
async fn the_page_leads_on_sqlite() {
    the_page_leads_and_offers_only_what_applies(Db::Sqlite).await;
}

#[tokio::test]
async fn the_page_leads_on_postgres() {
    the_page_leads_and_offers_only_what_applies(Db::Postgres).await;
}

#[tokio::test]
async fn refused_forms_keep_typing_on_sqlite() {
    a_refused_form_keeps_what_was_typed(Db::Sqlite).await;
}

#[tokio::test]
async fn refused_forms_keep_typing_on_postgres() {
    a_refused_form_keeps_what_was_typed(Db::Postgres).await;
}
