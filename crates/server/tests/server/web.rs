//! The pages, through HTTP as a browser without JavaScript sends them: the report
//! form (C1), the reporter's tracking page, sign-in, triage and the case actions
//! (C3, C8–C11), administration and tokens; CSRF, sessions, sanitizing and the CSP.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, SET_COOKIE};
use reqwest::multipart::{Form, Part};

async fn connect() -> TestApp {
    let t = TestApp::new().await;
    t.project("connect", &["go", "swift", "kotlin"]).await;
    t
}

/// Sends the report form as a browser does; returns the receipt page.
async fn report_through_form(web: &WebClient, fields: &[(&str, &str)]) -> PageOut {
    let form_page = web.get("/p/connect/report").await;
    assert_eq!(form_page.status, StatusCode::OK);
    let mut form = Form::new().text("csrf", form_page.csrf());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    web.post_multipart("/p/connect/report", form).await
}

fn tracking_path(receipt: &PageOut) -> String {
    let start = receipt
        .html
        .find("/track/emb_trk_")
        .expect("a tracking link");
    let end = receipt.html[start..].find('"').unwrap();
    receipt.html[start..start + end].to_owned()
}

#[tokio::test]
async fn c1_a_report_through_the_form_gives_a_tracking_page_that_shows_only_the_reporters_part() {
    let t = connect().await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let reporter = WebClient::new(&t);
    let page = reporter.get("/p/connect/report").await;
    // The default guidance says what to report and what not.
    assert!(
        page.html
            .contains("vulnerability in one of this project&#39;s dependencies")
            || page
                .html
                .contains("vulnerability in one of this project's dependencies"),
        "{}",
        page.html
    );
    assert!(page.html.contains(r#"<option value="go">go</option>"#));

    let form_page = reporter.get("/p/connect/report").await;
    let form = Form::new()
        .text("csrf", form_page.csrf())
        .text("title", "Frame length overflow")
        .text("description", "A **huge** frame header crashes the server.")
        .text("component", "go")
        .text("affected_versions", "< 1.16.2")
        .text("reporter_name", "Rae Porter")
        .text("credit", "Rae Porter")
        .part(
            "file",
            Part::bytes(b"poc bytes".to_vec()).file_name("poc.go"),
        );
    let receipt = reporter.post_multipart("/p/connect/report", form).await;
    assert_eq!(receipt.status, StatusCode::CREATED, "{}", receipt.html);
    assert_eq!(t.case_count("connect", &sam.email).await, 1);
    let track = tracking_path(&receipt);

    // Anyone with the link (a fresh browser) sees the case; the token is the key.
    let elsewhere = WebClient::new(&t);
    let tracked = elsewhere.get(&track).await;
    assert_eq!(tracked.status, StatusCode::OK);
    assert!(tracked.html.contains("Frame length overflow"));
    assert!(tracked.html.contains("<strong>huge</strong>"));
    assert!(tracked.html.contains("stage-received"));
    assert!(tracked.html.contains("poc.go"));

    // The team writes to the reporter and leaves an internal note.
    let team = t.signed_in(&sam.email).await;
    let case_path = format!(
        "/cases/{}",
        receipt
            .html
            .split("<code>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
    );
    for (action, body) in [
        ("message", "Thanks, we are looking."),
        ("note", "SECRET-NOTE: probably the decoder"),
    ] {
        let out = team
            .submit(
                &case_path,
                &format!("{case_path}/actions/{action}"),
                &[("body", body)],
            )
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    }
    let tracked = elsewhere.get(&track).await;
    assert!(tracked.html.contains("Thanks, we are looking."));
    assert!(
        !tracked.html.contains("SECRET-NOTE"),
        "an internal note leaked"
    );
    assert!(!tracked.html.contains("sam@example.org"));

    // The reporter replies with a file; the team sees both.
    let form = Form::new()
        .text("csrf", tracked.csrf())
        .text("body", "Here is a smaller reproducer.")
        .part("file", Part::bytes(b"tiny".to_vec()).file_name("tiny.go"));
    let out = elsewhere
        .post_multipart(&format!("{track}/reply"), form)
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let seen = team.get(&case_path).await;
    assert!(seen.html.contains("Here is a smaller reproducer."));
    assert!(seen.html.contains("tiny.go"));
    assert!(seen.html.contains("SECRET-NOTE"));

    // A made-up token opens nothing, exactly like any unknown page.
    let bogus = elsewhere
        .get("/track/emb_trk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let unknown = elsewhere.get("/no/such/page").await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);
    assert_eq!(bogus.html, unknown.html);
}

#[tokio::test]
async fn attachments_are_downloads_with_a_sandbox_and_internal_ones_stay_internal() {
    let t = connect().await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let reporter = WebClient::new(&t);
    let form_page = reporter.get("/p/connect/report").await;
    let form = Form::new()
        .text("csrf", form_page.csrf())
        .text("title", "XSS via attachment?")
        .text("description", "See the file.")
        .part(
            "file",
            Part::bytes(b"<script>alert(1)</script>".to_vec())
                .file_name("evil.html")
                .mime_str("text/html")
                .unwrap(),
        );
    let receipt = reporter.post_multipart("/p/connect/report", form).await;
    let track = tracking_path(&receipt);
    let tracked = reporter.get(&track).await;
    let start = tracked.html.find(&format!("{track}/attachments/")).unwrap();
    let end = tracked.html[start..].find('"').unwrap();
    let res = reporter
        .http
        .get(format!("{}{}", t.base, &tracked.html[start..start + end]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(
        res.headers()[CONTENT_SECURITY_POLICY],
        "sandbox; default-src 'none'"
    );

    // An internal file from the team never shows on the tracking page.
    let team = t.signed_in(&sam.email).await;
    let id = receipt
        .html
        .split("<code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let case_page = team.get(&format!("/cases/{id}")).await;
    let form = Form::new()
        .text("csrf", case_page.csrf())
        .text("internal", "on")
        .part(
            "file",
            Part::bytes(b"triage notes".to_vec()).file_name("internal-analysis.txt"),
        );
    let out = team
        .post_multipart(&format!("/cases/{id}/attachments"), form)
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    assert!(
        team.get(&format!("/cases/{id}"))
            .await
            .html
            .contains("internal-analysis.txt")
    );
    assert!(
        !reporter
            .get(&track)
            .await
            .html
            .contains("internal-analysis.txt")
    );
}

#[tokio::test]
async fn forms_without_our_token_or_from_another_site_are_refused_and_change_nothing() {
    let t = connect().await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let web = WebClient::new(&t);
    let fields = [("title", "T"), ("description", "D")];

    // No token at all.
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k, v);
    }
    let out = web.post_multipart("/p/connect/report", form).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);

    // A wrong token.
    web.get("/p/connect/report").await;
    let form = Form::new()
        .text("csrf", "x".repeat(43))
        .text("title", "T")
        .text("description", "D");
    assert_eq!(
        web.post_multipart("/p/connect/report", form).await.status,
        StatusCode::FORBIDDEN
    );

    // The right token, but the browser says the form came from another site.
    let csrf = web.get("/p/connect/report").await.csrf();
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("title", "T")
        .text("description", "D");
    let res = web
        .http
        .post(format!("{}/p/connect/report", t.base))
        .header("sec-fetch-site", "cross-site")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let form = Form::new()
        .text("csrf", csrf)
        .text("title", "T")
        .text("description", "D");
    let res = web
        .http
        .post(format!("{}/p/connect/report", t.base))
        .header("origin", "https://evil.example")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.case_count("connect", &sam.email).await, 0);

    // Signed in: the session's token, not the anonymous one, and not another session's.
    let team = t.signed_in(&sam.email).await;
    // A second sign-in (a new password would end the first session).
    let other = WebClient::new(&t);
    other.sign_in(&sam.email).await;
    let (id, _) = t.report("connect", minimal_report("R")).await;
    let theirs = other.get(&format!("/cases/{id}")).await.csrf();
    let out = team
        .post(
            &format!("/cases/{id}/actions/acknowledge"),
            &[("csrf", theirs.as_str())],
        )
        .await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    let out = team
        .post(&format!("/cases/{id}/actions/acknowledge"), &[])
        .await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert!(
        team.get(&format!("/cases/{id}"))
            .await
            .html
            .contains("stage-received")
    );
}

#[tokio::test]
async fn bad_report_input_comes_back_with_the_field_named_and_what_was_typed() {
    let t = connect().await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let web = WebClient::new(&t);
    let long_title = "x".repeat(201);
    let out = report_through_form(
        &web,
        &[
            ("title", long_title.as_str()),
            ("description", "My careful write-up"),
            ("component", "cobol"),
        ],
    )
    .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(out.html.contains(r#"id="title-error""#), "{}", out.html);
    assert!(
        out.html.contains("My careful write-up"),
        "the text typed was lost"
    );
    assert_eq!(t.case_count("connect", &sam.email).await, 0);
    assert_eq!(
        web.get("/p/nope/report").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hostile_markup_renders_inert_and_every_page_has_a_strict_csp() {
    let t = connect().await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let evil = "<script>alert('s')</script>\n\n<img src=x onerror=alert(1)>\n\n\
        [click](javascript:alert(2)) <a href=\"javascript:alert(3)\">a</a> \
        <iframe src=\"https://evil.example\"></iframe> <svg onload=alert(4)>";
    let web = WebClient::new(&t);
    let receipt = report_through_form(
        &web,
        &[
            ("title", "<script>alert('t')</script>"),
            ("description", evil),
        ],
    )
    .await;
    assert_eq!(receipt.status, StatusCode::CREATED, "{}", receipt.html);
    let track = tracking_path(&receipt);
    let team = t.signed_in(&sam.email).await;
    let id = receipt
        .html
        .split("<code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let out = team
        .submit(
            &format!("/cases/{id}"),
            &format!("/cases/{id}/actions/message"),
            &[("body", evil)],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    for page in [
        web.get(&track).await,
        team.get(&format!("/cases/{id}")).await,
        team.get("/triage").await,
        team.get("/projects/connect/cases").await,
    ] {
        assert_eq!(page.status, StatusCode::OK);
        let lower = page.html.to_lowercase();
        for bad in [
            "<script>alert",
            "onerror",
            "onload",
            "javascript:",
            "<iframe",
            "<svg",
        ] {
            assert!(!lower.contains(bad), "`{bad}` survived:\n{}", page.html);
        }
        // The title is text, escaped.
        assert!(
            page.html
                .contains("&lt;script&gt;alert('t')&lt;/script&gt;")
        );
    }

    for path in [
        "/",
        "/login",
        "/p/connect/report",
        &track,
        "/triage",
        "/no/such/page",
        "/static/embargo.css",
    ] {
        let res = web
            .http
            .get(format!("{}{path}", t.base))
            .send()
            .await
            .unwrap();
        let csp = res.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}: {csp}"
        );
        let body = res.text().await.unwrap();
        // No inline script or style for the CSP to have to allow.
        assert!(
            !body.contains("<script>") && !body.contains("<style") && !body.contains(" style="),
            "{path}"
        );
    }
    let js = web.get("/static/embargo.js").await;
    assert_eq!(js.headers["content-type"], "text/javascript; charset=utf-8");
}

#[tokio::test]
async fn signing_in_sets_a_locked_down_cookie_and_signing_out_ends_the_session() {
    let t = connect().await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password(&sam.email).await;
    let web = WebClient::new(&t);

    // Pages for the team send strangers to sign in, and back afterwards.
    let out = web.get("/triage").await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/login?next=/triage")
    );

    let wrong = web
        .submit(
            "/login",
            "/login",
            &[("email", &sam.email), ("password", "not the password")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.html.contains("wrong e-mail address or password"));
    let nobody = web
        .submit(
            "/login",
            "/login",
            &[("email", "nobody@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        nobody.html.replace("nobody@example.org", ""),
        wrong.html.replace(&sam.email, "")
    );

    let ok = web
        .submit(
            "/login?next=/projects/connect/cases",
            "/login",
            &[
                ("email", &sam.email),
                ("password", PASSWORD),
                ("next", "/projects/connect/cases"),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location()),
        (StatusCode::SEE_OTHER, "/projects/connect/cases")
    );
    let cookie = ok.headers[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("embargo_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let triage = web.get("/triage").await;
    assert_eq!(triage.status, StatusCode::OK);
    assert!(triage.html.contains(&format!("Sign out {}", sam.name)));

    // An open redirect is not on offer.
    let out = web
        .submit(
            "/login",
            "/login",
            &[
                ("email", &sam.email),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(out.location(), "/triage");

    let out = web.submit("/triage", "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(web.get("/triage").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let t = TestApp::build(Db::Sqlite, |s| s.auth.login_attempts_per_minute = 3).await;
    let web = WebClient::new(&t);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let out = web
            .submit(
                "/login",
                "/login",
                &[("email", "a@example.org"), ("password", "wrong password!")],
            )
            .await;
        statuses.push(out.status);
    }
    assert_eq!(&statuses[..3], [StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn c3_to_c11_triage_through_the_pages() {
    let t = connect().await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let (older, _) = t.report("connect", minimal_report("Older report")).await;
    t.clock.advance(jiff::SignedDuration::from_hours(50));
    let (id, tracking) = t.report("connect", minimal_report("Newer report")).await;
    t.clock.advance(jiff::SignedDuration::from_hours(3));

    // The queue: oldest first, with ages.
    let team = t.signed_in(&sam.email).await;
    let queue = team.get("/triage").await.html;
    let (a, b) = (
        queue.find("Older report").unwrap(),
        queue.find("Newer report").unwrap(),
    );
    assert!(a < b, "oldest first");
    assert!(
        queue.contains("2 days") && queue.contains("3 hours"),
        "{queue}"
    );

    let case = format!("/cases/{id}");
    let act = |action: &'static str, fields: Vec<(&'static str, String)>| {
        let team = &team;
        let case = case.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            team.submit(&case, &format!("{case}/actions/{action}"), &fields)
                .await
        }
    };
    // C11 before C3 is refused, with the reason, and changes nothing.
    let out = act("decision", vec![("outcome", "confirmed".into())]).await;
    assert_eq!(out.status, StatusCode::CONFLICT, "{}", out.html);
    assert!(out.html.contains("role=\"alert\""));
    assert!(out.html.contains("stage-received"));

    for (action, fields) in [
        ("acknowledge", vec![]),                                     // C3
        ("claim", vec![]),                                           // C8
        ("add-collaborator", vec![("user_id", mia.id.to_string())]), // C10
        ("ask", vec![("body", "Which version of Go?".to_owned())]),  // C9
    ] {
        let out = act(action, fields).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{action}: {}", out.html);
    }
    let page = team.get(&case).await.html;
    assert!(page.contains("stage-needs-info"));
    assert!(page.contains("mia"), "collaborator listed");

    // The reporter answers on the tracking page.
    let reporter = WebClient::new(&t);
    let track = format!("/track/{tracking}");
    let tracked = reporter.get(&track).await;
    assert!(tracked.html.contains("Which version of Go?"));
    let out = reporter
        .post(
            &format!("{track}/answer"),
            &[
                ("csrf", &tracked.csrf()),
                ("question", "1"),
                ("body", "Go 1.22"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    // Answering again: no open question any more.
    let out = reporter
        .post(
            &format!("{track}/answer"),
            &[
                ("csrf", &tracked.csrf()),
                ("question", "1"),
                ("body", "again"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::CONFLICT, "{}", out.html);

    // Mia, now on the case, sees it; the decision is recorded.
    let mia_web = t.signed_in(&mia.email).await;
    assert_eq!(mia_web.get(&case).await.status, StatusCode::OK);
    assert_eq!(
        mia_web.get(&format!("/cases/{older}")).await.status,
        StatusCode::NOT_FOUND
    );
    let out = act(
        "preliminary",
        vec![("assessment", "likely-vulnerability".into())],
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let out = act("decision", vec![("outcome", "confirmed".into())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let page = team.get(&case).await.html;
    assert!(page.contains("stage-confirmed"));
    for line in [
        "acknowledged the report",
        "became the coordinator",
        "asked a question",
        "answered question #1",
        "recorded the final decision",
    ] {
        assert!(page.contains(line), "timeline lacks `{line}`");
    }

    // C2: the older one is a support request; its reporter reads the reason.
    let older_case = format!("/cases/{older}");
    team.submit(
        &older_case,
        &format!("{older_case}/actions/acknowledge"),
        &[],
    )
    .await;
    let out = team
        .submit(
            &older_case,
            &format!("{older_case}/actions/decision"),
            &[("outcome", "rejected"), ("reason", "support-request")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    assert!(team.get(&older_case).await.html.contains("stage-rejected"));
}

#[tokio::test]
async fn pages_of_cases_someone_may_not_see_are_not_found() {
    let t = connect().await;
    t.project("vitess", &["vtgate"]).await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let vic = t
        .person("vic@example.org", Some(("vitess", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Secret title")).await;
    let (_, other_tracking) = t.report("connect", minimal_report("Other")).await;
    let unknown = "EMB-0000-0000-0000";
    for who in [&mia.email, &vic.email] {
        let web = t.signed_in(who).await;
        let seen = web.get(&format!("/cases/{id}")).await;
        let none = web.get(&format!("/cases/{unknown}")).await;
        assert_eq!(seen.status, StatusCode::NOT_FOUND, "{who}");
        assert_eq!(seen.html, none.html, "{who}");
        // Any signed-in page carries the token (a maintainer's /triage sends them to /my).
        let out = web
            .submit("/my", &format!("/cases/{id}/actions/claim"), &[])
            .await;
        assert_eq!(out.status, StatusCode::NOT_FOUND, "{who}");
        assert!(!web.get("/triage").await.html.contains("Secret title"));
        assert!(!web.get("/my").await.html.contains("Secret title"));
        assert!(
            !web.get("/projects/connect/cases")
                .await
                .html
                .contains("Secret title")
        );
    }
    // Another case's reporter sees only their own.
    let other = WebClient::new(&t);
    assert!(
        !other
            .get(&format!("/track/{other_tracking}"))
            .await
            .html
            .contains("Secret title")
    );
    assert!(
        other
            .get(&format!("/track/{tracking}"))
            .await
            .html
            .contains("Secret title")
    );
    // Anonymous visitors are sent to sign in, never shown a case.
    let anon = WebClient::new(&t);
    assert_eq!(
        anon.get(&format!("/cases/{id}")).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_first_admin_sets_up_projects_people_and_tokens_through_the_pages() {
    let t = TestApp::new().await;
    let link = t.app.first_admin_link().await.unwrap().unwrap();
    let setup = link.trim_start_matches(&t.base).to_owned();
    let web = WebClient::new(&t);
    let short = web
        .submit(
            &setup,
            &setup,
            &[
                ("name", "Ada"),
                ("email", "ada@example.org"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.html.contains("at least 12 characters"));
    let out = web
        .submit(
            &setup,
            &setup,
            &[
                ("name", "Ada"),
                ("email", "ada@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    // Issue 12, item 4: the first admin is signed in at once, on the admin page.
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/admin")
    );
    assert_eq!(web.get("/admin").await.status, StatusCode::OK);
    // The link is spent.
    assert_eq!(web.get(&setup).await.status, StatusCode::NOT_FOUND);

    let out = web
        .submit(
            "/admin",
            "/admin/projects",
            &[
                ("slug", "connect"),
                ("name", "Connect"),
                ("components", "go\nswift\n"),
            ],
        )
        .await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/admin/projects/connect")
    );
    let dup = web
        .submit(
            "/admin",
            "/admin/projects",
            &[("slug", "connect"), ("name", "Again")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.html);

    let admin_page = "/admin/projects/connect";
    for (action, fields) in [
        ("component", vec![("name", "kotlin")]),
        (
            "branch",
            vec![
                ("component", "go"),
                ("branch", "release-1.15"),
                ("kind", "unsupported"),
            ],
        ),
        (
            "package",
            vec![
                ("component", "go"),
                ("ecosystem", "Go"),
                ("package", "connectrpc.com/connect"),
            ],
        ),
    ] {
        let out = web
            .submit(admin_page, &format!("{admin_page}/{action}"), &fields)
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{action}: {}", out.html);
        // Issue 12, item 4: a save is confirmed on the page it returns to.
        assert_eq!(out.location(), format!("{admin_page}?saved=1"), "{action}");
        let back = web.get(out.location()).await;
        assert!(back.html.contains("Saved."), "{action}: {}", back.html);
    }
    assert!(!web.get(admin_page).await.html.contains("Saved."));
    let out = web
        .submit(
            "/admin",
            "/admin/users",
            &[("name", "Sam"), ("email", "sam@example.org")],
        )
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(
        out.html.contains("/password/"),
        "an invitation link is shown"
    );
    assert!(!out.html.contains("It replaces the link"), "a first link");
    // A new link for Sam says that the first one no longer works (issue 12, item 4).
    let sam_id = t
        .app
        .user_by_email("sam@example.org")
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    let again = web
        .submit(
            "/admin",
            &format!("/admin/users/{sam_id}/password-link"),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.html);
    assert!(
        again
            .html
            .contains("It replaces the link given to them before, which no longer works."),
        "{}",
        again.html
    );
    let out = web
        .submit(
            admin_page,
            &format!("{admin_page}/member"),
            &[("email", "sam@example.org"), ("role", "security-team")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let out = web
        .submit(
            admin_page,
            &format!("{admin_page}/member"),
            &[("email", "not an address"), ("role", "maintainer")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        out.html.contains(r#"value="not an address""#),
        "the form keeps what was typed: {}",
        out.html
    );
    // Issue 12, item 4: an instance admin adds someone without an account in one
    // step; the account is made, added, and its one-time link shown.
    let out = web
        .submit(
            admin_page,
            &format!("{admin_page}/member"),
            &[
                ("email", "ghost@example.org"),
                ("name", "Gus"),
                ("role", "maintainer"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.html);
    assert!(out.html.contains("had no account"), "{}", out.html);
    assert!(out.html.contains("/password/"), "{}", out.html);
    let gus = t
        .app
        .user_by_email("ghost@example.org")
        .await
        .unwrap()
        .expect("the account was made");
    assert_eq!(gus.name, "Gus");
    let project = t.app.project("connect").await.unwrap();
    assert_eq!(project.role_of(gus.id), Some(Role::Maintainer));
    let out = web
        .submit(
            admin_page,
            &format!("{admin_page}/cna"),
            &[
                ("cna_short_name", "connectrpc"),
                ("cna_org_id", "8254265b-2729-46b6-b9e3-3dfca2d5bfca"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    let page = web.get(admin_page).await.html;
    assert!(page.contains(r#"value="connectrpc""#));
    for text in [
        "kotlin",
        "release-1.15",
        "unsupported",
        "connectrpc.com/connect",
        "Sam",
        "security-team",
    ] {
        assert!(page.contains(text), "{text}");
    }

    // Sam: not an instance admin, so administration does not exist for them.
    let sam = t.signed_in("sam@example.org").await;
    assert_eq!(sam.get("/admin").await.status, StatusCode::NOT_FOUND);
    assert_eq!(sam.get(admin_page).await.status, StatusCode::NOT_FOUND);

    // A personal API token, shown once, works on the API.
    let out = sam
        .submit(
            "/settings/tokens",
            "/settings/tokens",
            &[("name", "laptop")],
        )
        .await;
    assert_eq!(out.status, StatusCode::CREATED);
    let start = out.html.find("emb_pat_").unwrap();
    let end = out.html[start..].find('<').unwrap();
    let token = &out.html[start..start + end];
    let (status, me) = t.get("/api/v1/me", Some(token)).await;
    assert_eq!((status, me["name"].as_str()), (StatusCode::OK, Some("Sam")));
    let list = sam.get("/settings/tokens").await.html;
    assert!(
        list.contains("laptop") && !list.contains(token),
        "shown once"
    );
}

/// Issue 7, item 5: an admin's reset link is the admin's act, the password set with it
/// the owner's; the accounts stream says so, on both databases.
async fn password_links_are_the_admins_act_and_the_set_is_the_owners(db: Db) {
    use embargo_core::account::AccountEvent;
    use embargo_core::actor::ActorRef;
    let t = TestApp::on(db).await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let sam = t.person("sam@example.org", None).await;
    let admin = t.app.user_by_email(&ivy.email).await.unwrap().unwrap();
    let owner = t.app.user_by_email(&sam.email).await.unwrap().unwrap();
    let as_admin = embargo_server::app::actor_of(&admin);
    // Nobody but an admin hands out links, not even for their own account.
    let as_owner = embargo_server::app::actor_of(&owner);
    assert!(t.app.issue_password_link(&as_owner, &owner).await.is_err());
    let link = t
        .app
        .issue_password_link(&as_admin, &owner)
        .await
        .unwrap()
        .url;
    let token = link.rsplit('/').next().unwrap();
    t.app
        .set_password_with_link(token, PASSWORD.into())
        .await
        .unwrap();
    let events = t.app.store().account_events().await.unwrap();
    let of_sam: Vec<_> = events
        .iter()
        .map(|e| &e.recorded)
        .filter(|r| match &r.event {
            AccountEvent::PasswordLinkIssued { user } | AccountEvent::PasswordSet { user } => {
                user.id == owner.id
            }
            _ => false,
        })
        .collect();
    assert_eq!(of_sam.len(), 2, "{of_sam:?}");
    assert!(matches!(
        of_sam[0].event,
        AccountEvent::PasswordLinkIssued { .. }
    ));
    assert!(matches!(&of_sam[0].actor, ActorRef::User(u) if u.id == admin.id));
    assert!(matches!(of_sam[1].event, AccountEvent::PasswordSet { .. }));
    assert!(matches!(&of_sam[1].actor, ActorRef::User(u) if u.id == owner.id));
}

#[tokio::test]
async fn password_links_name_their_real_actors_sqlite() {
    password_links_are_the_admins_act_and_the_set_is_the_owners(Db::Sqlite).await;
}

#[tokio::test]
async fn password_links_name_their_real_actors_postgres() {
    password_links_are_the_admins_act_and_the_set_is_the_owners(Db::Postgres).await;
}

/// Issue 11, item 6: a member sees their own sessions and ends the others; a password
/// set with a link ends them all; nobody else's sessions are listed or ended.
async fn sessions_are_seen_and_ended_by_their_owner(db: Db) {
    let t = TestApp::on(db).await;
    t.person("sam@example.org", None).await;
    t.person("mia@example.org", None).await;
    let laptop = t.signed_in("sam@example.org").await;
    let phone = WebClient::new(&t);
    phone.sign_in("sam@example.org").await;
    let mia = t.signed_in("mia@example.org").await;

    // Anonymous: sent to sign in; nothing listed.
    let anon = WebClient::new(&t);
    assert_eq!(
        anon.get("/settings/sessions").await.status,
        StatusCode::SEE_OTHER
    );

    let page = laptop.get("/settings/sessions").await.html;
    assert_eq!(
        page.matches("<tr>").count(),
        1 + 2,
        "a header and Sam's two: {page}"
    );
    assert_eq!(page.matches("this browser").count(), 1);
    assert!(page.contains("Sign out everywhere else (1)"), "{page}");

    // A forged form (no CSRF token) changes nothing.
    let out = laptop.post("/settings/sessions/end-others", &[]).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(phone.get("/settings/tokens").await.status, StatusCode::OK);

    let out = laptop
        .submit("/settings/sessions", "/settings/sessions/end-others", &[])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // The phone is signed out; the laptop and Mia are not.
    assert_eq!(
        phone.get("/settings/tokens").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(laptop.get("/settings/tokens").await.status, StatusCode::OK);
    assert_eq!(mia.get("/settings/tokens").await.status, StatusCode::OK);
    let page = laptop.get("/settings/sessions").await.html;
    assert!(page.contains("You are signed in nowhere else."), "{page}");

    // A new password (an admin's reset link used by Sam) ends every session of Sam's.
    t.set_password("sam@example.org").await;
    assert_eq!(
        laptop.get("/settings/tokens").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(mia.get("/settings/tokens").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_seen_and_ended_by_their_owner_on_sqlite() {
    sessions_are_seen_and_ended_by_their_owner(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_seen_and_ended_by_their_owner_on_postgres() {
    sessions_are_seen_and_ended_by_their_owner(Db::Postgres).await;
}

/// Issue 12, item 4: a project admin who does not run the instance can't make
/// accounts: adding an unknown address is refused beside the field, with the form as
/// typed, and nothing is made.
#[tokio::test]
async fn a_project_admin_adds_only_people_with_an_account() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    t.person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let web = t.signed_in("ada@example.org").await;
    let page = "/admin/projects/connect";
    let out = web
        .submit(
            page,
            &format!("{page}/member"),
            &[("email", "nobody@example.org"), ("role", "security-team")],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out.html);
    assert!(
        out.html
            .contains("an instance admin can add them, which invites them"),
        "{}",
        out.html
    );
    assert!(
        out.html.contains(r#"value="nobody@example.org""#),
        "{}",
        out.html
    );
    assert!(
        out.html
            .contains(r#"<option value="security-team" selected>"#),
        "{}",
        out.html
    );
    assert!(!out.html.contains("Name (for someone without an account"));
    assert!(
        t.app
            .user_by_email("nobody@example.org")
            .await
            .unwrap()
            .is_none()
    );
}
