//! A real browser (Debian's Chromium through ChromeDriver) on the real server: the
//! report form with its script under the strict CSP, the tracking link, signing in
//! and a triage action. `scripts/test` installs `chromium` and `chromium-driver`.

use super::support::*;
use embargo_core::project::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// ChromeDriver on a free port; killed when dropped.
struct Driver {
    _child: Child,
    url: String,
    _profile: embargo_testkit::TempDir,
}

fn find(program: &str) -> String {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{program}` is not installed; scripts/test installs Debian's chromium and chromium-driver")
        })
        .to_string_lossy()
        .into_owned()
}

async fn driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(find("chromedriver"))
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    // It says when it listens; no polling, no sleeping.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("chromedriver exited before it started");
        if line.contains("started successfully") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Driver {
        _child: child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: embargo_testkit::temp_dir(),
    }
}

async fn browser(driver: &Driver) -> Client {
    // Each session its own profile: Chromium locks the one it runs on.
    static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = driver._profile.path().join(format!("session-{n}"));
    let caps = json!({
        "goog:chromeOptions": {
            "binary": find("chromium"),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_and_the_security_team_in_a_real_browser() {
    let t = TestApp::new().await;
    t.project("connect", &["go", "swift"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password(&sam.email).await;
    let driver = driver().await;
    let c = browser(&driver).await;

    // C1 in the browser. The script (ours, under the strict CSP) hides the link field
    // until "already public" is ticked.
    c.goto(&t.url("/p/connect/report")).await.unwrap();
    let link_field = c.find(Locator::Id("public_link")).await.unwrap();
    assert!(
        !link_field.is_displayed().await.unwrap(),
        "the script did not run"
    );
    c.find(Locator::Id("already_public"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(link_field.is_displayed().await.unwrap());
    c.find(Locator::Id("already_public"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("title"))
        .await
        .unwrap()
        .send_keys("Panic on empty trailer")
        .await
        .unwrap();
    c.find(Locator::Id("description"))
        .await
        .unwrap()
        .send_keys("Send `grpc-status` with no value.")
        .await
        .unwrap();
    c.find(Locator::Css("#component option[value=go]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.report button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("tracking-link"))
        .await
        .unwrap();
    assert_eq!(text(&c, "h1").await, "Report received");
    let tracking = c
        .find(Locator::Id("tracking-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();

    c.goto(&tracking).await.unwrap();
    assert_eq!(text(&c, "h1").await, "Panic on empty trailer");
    assert_eq!(text(&c, ".stage").await, "received");

    // C3 through the pages: sign in, find it in the queue, acknowledge it.
    c.goto(&t.url("/triage")).await.unwrap();
    c.wait().for_element(Locator::Id("email")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(&sam.email)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form.narrow button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("table.cases"))
        .await
        .unwrap();
    c.find(Locator::LinkText("Panic on empty trailer"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("section.actions"))
        .await
        .unwrap();
    c.find(Locator::XPath(
        "//button[normalize-space()='Acknowledge the report']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css(".stage-triage"))
        .await
        .unwrap();
    assert!(
        text(&c, "#timeline")
            .await
            .contains("acknowledged the report")
    );
    // Issue 12, item 4: back where the action was, with a confirmation.
    assert_eq!(
        text(&c, "p.done").await,
        "Done: the triage is updated and it is on the timeline."
    );
    let before_scoring = c.current_url().await.unwrap();

    // C13: the calculator scores as metrics are chosen, without a round trip of the
    // page, and fills the proposal form.
    for (metric, value) in [
        ("AV", "N"),
        ("AC", "L"),
        ("PR", "N"),
        ("UI", "N"),
        ("S", "U"),
        ("C", "H"),
        ("I", "H"),
        ("A", "H"),
    ] {
        c.find(Locator::Css(&format!(
            "#m_{metric} option[value='{value}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    }
    c.wait()
        .for_element(Locator::Id("calc-score"))
        .await
        .unwrap();
    assert_eq!(text(&c, "#calc-score").await, "9.8");
    assert_eq!(text(&c, "#calc-severity").await, "Critical");
    let proposal = c.find(Locator::Id("cvss-vector")).await.unwrap();
    assert_eq!(
        proposal.prop("value").await.unwrap().as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
    assert_eq!(
        c.current_url().await.unwrap(),
        before_scoring,
        "scored in place"
    );

    // The queue (issue 8, item 5): while no zone is chosen the script offers the
    // browser's; the page itself is drawn on the server.
    c.goto(&t.url("/projects/connect/queue")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("table.queue"))
        .await
        .unwrap();
    let browser_zone = c
        .execute(
            "return Intl.DateTimeFormat().resolvedOptions().timeZone",
            vec![],
        )
        .await
        .unwrap();
    let field = c.find(Locator::Css("input[name=tz]")).await.unwrap();
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        browser_zone.as_str()
    );

    // The case list's keys (issue 12 item 3): j selects the next row and focuses its
    // link, / goes to the search box, and keys typed into a field stay there.
    c.goto(&t.url("/projects/connect/cases")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("table.cases"))
        .await
        .unwrap();
    let press = |on: &'static str, key: &'static str| {
        let c = c.clone();
        async move {
            c.execute(
                &format!(
                    "document.querySelector('{on}').dispatchEvent(new KeyboardEvent('keydown', \
                     {{ key: '{key}', bubbles: true, cancelable: true }})); \
                     const a = document.activeElement; \
                     return [a.tagName, a.className, a.name].filter(Boolean).join(' ');"
                ),
                vec![],
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(press("body", "j").await, json!("A row-link"));
    let current = c
        .execute(
            "return document.querySelector('table.cases tbody tr').classList.contains('current')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(current, json!(true));
    assert_eq!(press("body", "/").await, json!("INPUT q"));
    assert_eq!(
        press("#filter-q", "j").await,
        json!("INPUT q"),
        "typing stays in the field"
    );
    c.close().await.unwrap();
}

/// Runs axe-core (`EMBARGO_TEST_AXE`, installed by scripts/test) on the page the
/// browser shows; returns its serious and critical violations, one line each.
async fn axe(c: &Client, page: &str) -> Vec<String> {
    let path = std::env::var("EMBARGO_TEST_AXE")
        .expect("EMBARGO_TEST_AXE: run the tests with scripts/test, which installs axe-core");
    let source = std::fs::read_to_string(&path).expect("axe-core's script");
    // WebDriver's scripts run outside the page's CSP, as a browser extension's would.
    c.execute(&format!("{source}\nreturn true;"), vec![])
        .await
        .expect("axe-core loads");
    let found = c
        .execute(
            r#"return axe.run(document, {
                   runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }
               }).then(r => r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')));"#,
            vec![],
        )
        .await
        .expect("axe-core runs");
    serde_json::from_value::<Vec<String>>(found)
        .unwrap()
        .into_iter()
        .map(|v| format!("{page}: {v}"))
        .collect()
}

async fn sign_in(c: &Client, t: &TestApp, email: &str) {
    sign_in_at(c, &t.url(""), email).await;
}

/// Signs in with the password on the site at `base` (which may not be `TestApp::url`'s
/// address: passkeys need a domain name).
async fn sign_in_at(c: &Client, base: &str, email: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form.narrow button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form[action='/logout']"))
        .await
        .unwrap();
}

/// Issue 12, item 6: every page a reporter, the public, the security team and an
/// admin see passes axe-core with no serious or critical violation, on a desktop
/// and a phone width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_core_at_desktop_and_phone_widths() {
    let t = TestApp::new().await;
    let mut guest_page = String::new();
    t.project("connect", &["go", "swift"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password(&sam.email).await;
    t.instance_admin("root@example.org").await;
    t.set_password("root@example.org").await;
    // One case disclosed (its advisory public), one waiting in triage.
    let (done, done_tracking) = t.report("connect", minimal_report("Frame bomb")).await;
    let (open, open_tracking) = t
        .report("connect", minimal_report("Panic on empty trailer"))
        .await;
    let case = format!("/api/v1/cases/{done}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert!(s.is_success(), "{path}: {v}");
    }
    pass_gate(&t, &done, &sam.token, &done_tracking).await;
    let (s, v) = t
        .post(&format!("{case}/disclose"), Some(&sam.token), json!({}))
        .await;
    assert!(s.is_success(), "disclose: {v}");
    // One case shared with a guest from another project (C5): its section and the
    // guest's page.
    let (shared, _) = t
        .report("connect", minimal_report("Header smuggling"))
        .await;
    let case = format!("/api/v1/cases/{shared}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
        (
            "guests",
            json!({ "email": "uma@grpc.example", "organisation": "grpc-go",
                    "shares": ["report", "attachments", "fixes", "advisory", "release-plan"],
                    "reason": "the fix needs grpc-go" }),
        ),
    ] {
        let (s, v) = t
            .post(&format!("{case}/{path}"), Some(&sam.token), body)
            .await;
        assert!(s.is_success(), "{path}: {v}");
        if path == "guests" {
            let link = v["link"].as_str().unwrap();
            guest_page = link.strip_prefix(&t.base).unwrap().to_owned();
        }
    }

    let driver = driver().await;
    let c = browser(&driver).await;
    // The check itself can fail: a field without a label, added to a page, is found.
    c.goto(&t.url("/login")).await.unwrap();
    c.execute(
        "const i = document.createElement('input'); i.id = 'unlabelled'; document.querySelector('main').append(i); return true;",
        vec![],
    )
    .await
    .unwrap();
    let control = axe(&c, "/login with an unlabelled field").await;
    assert!(
        control
            .iter()
            .any(|v| v.contains("label") && v.contains("#unlabelled")),
        "{control:?}"
    );
    // What axe-core does not measure: a form control's edge against the page (WCAG
    // 2.2, 1.4.11, 3:1), and a skip link first in the tab order.
    c.goto(&t.url("/login")).await.unwrap();
    let ratio = c
        .execute(
            r#"const lum = (css) => {
                   const [r, g, b] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map(v => {
                       v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                   return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
               const edge = lum(getComputedStyle(document.getElementById('email')).borderTopColor);
               const page = lum(getComputedStyle(document.body).backgroundColor);
               return (Math.max(edge, page) + 0.05) / (Math.min(edge, page) + 0.05);"#,
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(ratio >= 3.0, "input border contrast {ratio:.2}:1");
    let skip_first = c
        .execute(
            "const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea'); \
             return first.classList.contains('skip') && first.getAttribute('href') === '#main' \
                    && document.getElementById('main') !== null;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(skip_first, json!(true));
    let public = [
        "/".to_owned(),
        "/login".to_owned(),
        "/p/connect/report".to_owned(),
        format!("/track/{open_tracking}"),
        format!("/track/{done_tracking}"),
        "/p/connect/advisories".to_owned(),
        format!("/advisories/{done}"),
        guest_page,
    ];
    let team = [
        "/triage".to_owned(),
        format!("/cases/{open}"),
        format!("/cases/{done}"),
        format!("/cases/{shared}"),
        "/projects/connect/cases".to_owned(),
        "/projects/connect/cases?q=panic&sort=activity".to_owned(),
        "/my".to_owned(),
        "/projects/connect/queue".to_owned(),
        "/projects/connect/metrics".to_owned(),
        "/notifications".to_owned(),
        "/settings/tokens".to_owned(),
        "/settings/sessions".to_owned(),
    ];
    let admin = ["/admin".to_owned(), "/admin/projects/connect".to_owned()];
    let mut violations = Vec::new();
    let mut checked = 0;
    for (who, pages) in [
        (None, &public[..]),
        (Some(sam.email.as_str()), &team[..]),
        (Some("root@example.org"), &admin[..]),
    ] {
        match who {
            Some(email) => sign_in(&c, &t, email).await,
            None => c.delete_all_cookies().await.unwrap(),
        }
        for (width, height) in [(1280, 1000), (390, 844)] {
            c.set_window_size(width, height).await.unwrap();
            for page in pages {
                c.goto(&t.url(page)).await.unwrap();
                let title = c.title().await.unwrap();
                assert!(!title.contains("not found"), "{page}: {title}");
                violations.extend(axe(&c, &format!("{page} at {width}px")).await);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * (public.len() + team.len() + admin.len()));
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// Clicks through script, as a person's click would (the button's own handlers run);
/// a sticky confirmation can never be in the way of it.
async fn press(c: &Client, css: &str) {
    c.execute(
        "document.querySelector(arguments[0]).click(); return true;",
        vec![json!(css)],
    )
    .await
    .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// A list the page gives through a query: the lead's steps, the offered actions.
async fn listed(c: &Client, css: &str, data: &str) -> Vec<String> {
    let v = c
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.dataset[arguments[1]]);",
            vec![json!(css), json!(data)],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

async fn value(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn type_into(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks through script and waits for the page the click brings: the page before is
/// marked, so only the next document can answer the wait.
async fn press_and_wait(c: &Client, css: &str) {
    c.execute(
        "window.confirm = () => true; document.documentElement.dataset.before = '1'; \
         document.querySelector(arguments[0]).click(); return true;",
        vec![json!(css)],
    )
    .await
    .unwrap_or_else(|e| panic!("{css}: {e}"));
    c.wait()
        .for_element(Locator::Css("html:not([data-before])"))
        .await
        .unwrap_or_else(|e| panic!("after {css}: {e}"));
}

/// C1 through the report form, as a reporter does it; the tracking link it gives.
async fn file_report(r: &Client, t: &TestApp, title: &str) -> String {
    r.goto(&t.url("/p/connect/report")).await.unwrap();
    type_into(r, "title", title).await;
    type_into(r, "description", "A frame length is trusted.").await;
    r.find(Locator::Css("#component option[value=go]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    press_and_wait(r, "form.report button[type=submit]").await;
    r.find(Locator::Id("tracking-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap()
}

/// The path of the page the browser shows, and its fragment.
async fn at(c: &Client) -> String {
    let url = c.current_url().await.unwrap();
    format!("{}#{}", url.path(), url.fragment().unwrap_or_default())
}

/// Issue 12 items 1, 2 and 6: the team's journey on the case page and the reporter's
/// on their tracking page, from the report form to the published advisory, at a
/// desktop and a phone width. The lead changes as the stage moves, only the valid
/// actions show, a refused form keeps what was typed beside its error at the case's
/// own address, and axe-core finds nothing serious on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_leads_the_team_through_a_case_at_both_widths() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password(&sam.email).await;
    let driver = driver().await;
    let c = browser(&driver).await;
    sign_in(&c, &t, &sam.email).await;
    let mut violations = Vec::new();
    let steps = |c: Client| async move { listed(&c, "#lead [data-step]", "step").await };
    let actions = |c: Client| async move { listed(&c, "form[data-action]", "action").await };
    // The reporter's own browser, signed in nowhere.
    let r = browser(&driver).await;
    for (width, height) in [(1280, 1000), (390, 844)] {
        c.set_window_size(width, height).await.unwrap();
        r.set_window_size(width, height).await.unwrap();
        let title = format!("Overflow at {width}px");
        let tracking = file_report(&r, &t, &title).await;
        assert_eq!(text(&r, "h1").await, "Report received");
        violations.extend(axe(&r, &format!("report received at {width}px")).await);
        let (_, listed_cases) = t
            .get("/api/v1/projects/connect/cases", Some(&sam.token))
            .await;
        let id = listed_cases["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["title"] == title.as_str())
            .unwrap_or_else(|| panic!("{title} in {listed_cases}"))["id"]
            .as_str()
            .unwrap()
            .to_owned();
        c.goto(&t.url(&format!("/cases/{id}"))).await.unwrap();
        c.wait().for_element(Locator::Id("lead")).await.unwrap();

        // C3: received; the lead asks for the acknowledgement, and no question yet.
        assert_eq!(steps(c.clone()).await[0], "Acknowledge");
        let offered = actions(c.clone()).await;
        assert!(offered.contains(&"acknowledge".to_owned()), "{offered:?}");
        assert!(!offered.contains(&"ask".to_owned()), "{offered:?}");
        violations.extend(axe(&c, &format!("received case at {width}px")).await);
        press(&c, "form[data-action=acknowledge] button").await;
        c.wait()
            .for_element(Locator::Css("#lead .stage-triage"))
            .await
            .unwrap();
        assert!(
            c.current_url()
                .await
                .unwrap()
                .as_str()
                .ends_with("?done=triage#triage"),
            "back at the group"
        );
        assert!(!steps(c.clone()).await.contains(&"Acknowledge".to_owned()));
        assert!(!actions(c.clone()).await.contains(&"acknowledge".to_owned()));

        // C8: claimed, the claim is gone and the lead asks for the maintainers.
        press(&c, "form[data-action=claim] button").await;
        c.wait()
            .for_element(Locator::Css("#lead [data-step=AddCollaborators]"))
            .await
            .unwrap();
        assert!(!actions(c.clone()).await.contains(&"claim".to_owned()));

        // C9: a question; the reporter's turn, and no second question.
        type_into(&c, "question", "Which version?").await;
        press(&c, "form[data-action=ask] button").await;
        c.wait()
            .for_element(Locator::Css("#lead [data-step=AwaitAnswer]"))
            .await
            .unwrap();
        assert!(text(&c, "#lead .waiting").await.contains("the reporter"));
        assert!(!actions(c.clone()).await.contains(&"ask".to_owned()));
        // C9, the reporter's side: the question waits on their page; they answer it.
        r.goto(&tracking).await.unwrap();
        assert!(text(&r, "main").await.contains("Which version?"));
        violations.extend(axe(&r, &format!("a question for the reporter at {width}px")).await);
        type_into(&r, "answer", "1.4.2").await;
        press_and_wait(&r, "form[action$='/answer'] button").await;
        assert!(text(&r, "main").await.contains("1.4.2"));
        c.refresh().await.unwrap();
        c.wait()
            .for_element(Locator::Css("#lead .stage-triage"))
            .await
            .unwrap();

        // C11, refused: a rejection as a duplicate of nothing keeps every field.
        press(&c, "input[name=outcome][value=rejected]").await;
        c.find(Locator::Css("#reason option[value=duplicate]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        type_into(&c, "duplicate_of", "nonsense").await;
        type_into(&c, "explanation", "My careful words.").await;
        c.execute("window.confirm = () => true; return true;", vec![])
            .await
            .unwrap();
        press(&c, "form[data-action=decision] button").await;
        c.wait()
            .for_element(Locator::Id("decision-duplicate_of-error"))
            .await
            .unwrap();
        assert_eq!(value(&c, "duplicate_of").await, "nonsense");
        assert_eq!(value(&c, "explanation").await, "My careful words.");
        assert_eq!(value(&c, "reason").await, "duplicate");
        let rejected = c
            .find(Locator::Css("input[name=outcome][value=rejected]"))
            .await
            .unwrap()
            .prop("checked")
            .await
            .unwrap();
        assert_eq!(rejected.as_deref(), Some("true"));
        assert_eq!(
            at(&c).await,
            format!("/cases/{id}#triage"),
            "the case's own address, opened at the refused form"
        );
        assert!(
            text(&c, "[role=alert]")
                .await
                .contains("Duplicate of must name the earlier case"),
            "the banner names the field in words"
        );
        violations.extend(axe(&c, &format!("refused decision at {width}px")).await);

        // C11: confirmed; the decision's form is gone and scoring leads.
        press(&c, "input[name=outcome][value=confirmed]").await;
        c.find(Locator::Css("#reason option[value='']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        type_into(&c, "duplicate_of", "").await;
        c.execute("window.confirm = () => true; return true;", vec![])
            .await
            .unwrap();
        press(&c, "form[data-action=decision] button").await;
        c.wait()
            .for_element(Locator::Css("#lead .stage-confirmed"))
            .await
            .unwrap();
        assert!(steps(c.clone()).await.contains(&"Score".to_owned()));
        assert!(!actions(c.clone()).await.contains(&"decision".to_owned()));
        violations.extend(axe(&c, &format!("confirmed case at {width}px")).await);

        // C13: a v3.1 vector typed into the final call survives switching the
        // calculator to v4.0.
        const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        type_into(&c, "cvss_v3_1", V31).await;
        type_into(&c, "effect", "Remote code execution.").await;
        press(&c, ".calculator .versions a[href*='calc=4.0']").await;
        c.wait()
            .for_element(Locator::Css("#cvss-calculator[data-version='4.0']"))
            .await
            .unwrap();
        assert_eq!(value(&c, "cvss_v3_1").await, V31);
        assert_eq!(value(&c, "effect").await, "Remote code execution.");
        press(&c, "form[data-action=cvss-set] button").await;
        c.wait().for_element(Locator::Css("p.done")).await.unwrap();
        assert!(
            c.current_url()
                .await
                .unwrap()
                .as_str()
                .ends_with("#scoring")
        );
        assert!(!steps(c.clone()).await.contains(&"Score".to_owned()));

        // C14, refused: one bad "affected" line keeps all the advisory's fields.
        type_into(&c, "adv-summary", "Unbounded allocation").await;
        type_into(&c, "adv-details", "Frames are not bounded.").await;
        type_into(&c, "adv-affected", "go").await;
        press(&c, "form[data-action=advisory] button").await;
        c.wait()
            .for_element(Locator::Id("advisory-affected-error"))
            .await
            .unwrap();
        assert_eq!(value(&c, "adv-summary").await, "Unbounded allocation");
        assert_eq!(value(&c, "adv-details").await, "Frames are not bounded.");
        assert_eq!(value(&c, "adv-affected").await, "go");
        violations.extend(axe(&c, &format!("refused advisory at {width}px")).await);
        type_into(&c, "adv-affected", "go 0 1.16.2").await;
        press(&c, "form[data-action=advisory] button").await;
        c.wait().for_element(Locator::Css("p.done")).await.unwrap();
        assert!(!steps(c.clone()).await.contains(&"WriteAdvisory".to_owned()));

        // C12–C18, the release half: a CVE, a mitigation, a date the reporter accepts
        // on their page, final release notes, then disclosure.
        type_into(&c, "cve-id", &format!("CVE-2026-{}", 40_000 + width)).await;
        press_and_wait(&c, "form[data-action=cve-assign] button").await;
        type_into(&c, "mitigation-text", "Limit the maximum frame size.").await;
        press_and_wait(&c, "form[data-action=mitigation] button").await;
        assert_eq!(at(&c).await, format!("/cases/{id}#fixes"));
        let release_at = (t.app.now() + jiff::SignedDuration::from_hours(240)).to_string();
        type_into(&c, "release-at", &release_at).await;
        type_into(&c, "release-versions", "main 1.16.2").await;
        type_into(&c, "release-binaries", "https://example.org/releases").await;
        type_into(&c, "release-mitigation", "Limit frame sizes.").await;
        type_into(&c, "release-upgrade", "Upgrade to 1.16.2.").await;
        press_and_wait(&c, "form[data-action=release-plan] button").await;
        assert_eq!(at(&c).await, format!("/cases/{id}#release"));
        violations.extend(axe(&c, &format!("release planned at {width}px")).await);

        // C6, the reporter's side: the proposed date, accepted on their page.
        r.goto(&tracking).await.unwrap();
        violations.extend(axe(&r, &format!("a date for the reporter at {width}px")).await);
        press_and_wait(&r, "form[action$='/release/accept'] button").await;

        c.refresh().await.unwrap();
        press_and_wait(&c, "form[data-action=release-notes-finalize] button").await;
        let release = text(&c, "#release").await;
        assert!(release.contains("Final."), "{release}");
        press_and_wait(&c, "form[data-action=disclose] button[type=submit]").await;
        c.wait()
            .for_element(Locator::Css("#lead .stage-disclosed"))
            .await
            .unwrap();
        violations.extend(axe(&c, &format!("disclosed case at {width}px")).await);

        // Published under the team's summary, never the reporter's raw title.
        c.goto(&t.url(&format!("/advisories/{id}"))).await.unwrap();
        let advisory = text(&c, "main").await;
        assert!(advisory.contains("Unbounded allocation"), "{advisory}");
        assert!(!advisory.contains(&title), "{advisory}");
        violations.extend(axe(&c, &format!("published advisory at {width}px")).await);

        // The reporter's page links the advisory and no longer asks for a severity.
        r.goto(&tracking).await.unwrap();
        let href = r
            .find(Locator::LinkText("The advisory"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap();
        assert_eq!(href.as_deref(), Some(format!("/advisories/{id}").as_str()));
        assert!(
            r.find(Locator::Css("form[action$='/cvss']")).await.is_err(),
            "no severity to suggest after disclosure"
        );
        violations.extend(axe(&r, &format!("the reporter after disclosure at {width}px")).await);
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    r.close().await.unwrap();
    c.close().await.unwrap();
}

/// ChromeDriver's virtual authenticator (WebAuthn's WebDriver extension): a passkey
/// device inside the browser that verifies its user (a PIN or a fingerprint, said yes).
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base.join(&format!(
            "session/{}/webauthn/authenticator",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "isUserConsenting": true,
        });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Issue 11, item 1: passkeys in a real browser (Chromium's WebAuthn with ChromeDriver's
/// virtual authenticator), on a site whose `public_url` is `localhost` (browsers give a
/// passkey to a domain name, never to an IP address). A member adds a passkey beside
/// their password; it then signs them in by itself, with no password; it answers a
/// re-authentication; their password alone no longer signs in; they remove it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_is_added_signs_in_and_confirms_a_sensitive_act() {
    let t = TestApp::build(Db::Sqlite, |s| {
        s.public_url = Some(format!("http://localhost:{}", s.listen.port()));
    })
    .await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    t.set_password(&sam.email).await;
    let here = |path: &str| t.settings.public_url() + path;
    let driver = driver().await;
    let c = browser(&driver).await;
    c.issue_cmd(AddVirtualAuthenticator).await.unwrap();

    sign_in_at(&c, &here(""), &sam.email).await;

    // Adding one: a name, and the browser's ceremony run by the page's script.
    c.goto(&here("/settings/second-factor")).await.unwrap();
    assert_eq!(text(&c, "#passkey-status").await, "No passkey is added.");
    c.find(Locator::Id("passkey-name"))
        .await
        .unwrap()
        .send_keys("Laptop")
        .await
        .unwrap();
    c.find(Locator::Css("#passkey-add button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The page comes back with the list, or the script says why the passkey did not answer.
    c.wait()
        .for_element(Locator::Css("#passkey-list, .passkey-said, .field-error"))
        .await
        .unwrap();
    if c.find(Locator::Css("#passkey-list")).await.is_err() {
        panic!("no passkey added: {}", text(&c, "main").await);
    }
    assert_eq!(text(&c, "p.notice").await, "Passkey added.");
    assert!(text(&c, "#passkey-list tbody").await.contains("Laptop"));
    let user = t.app.user_by_email(&sam.email).await.unwrap().unwrap();
    assert!(user.second_factor, "a passkey counts as the second factor");

    // It signs in by itself: signed out, then only the passkey button.
    press_and_wait(&c, "form[action='/logout'] button").await;
    c.goto(&here("/login?next=/settings/second-factor"))
        .await
        .unwrap();
    press_and_wait(&c, "#passkey-sign-in button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("form[action='/logout']"))
        .await
        .unwrap();
    assert_eq!(text(&c, "h1").await, "Second factor");
    assert_ne!(
        text(&c, "#passkey-list tbody td:nth-child(3)").await,
        "never",
        "its use is kept"
    );

    // An answer works once, and only with the ceremony it answered.
    let answer = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            (async () => {
              const { options, state } = await (await fetch("/passkey/challenge")).json();
              const credential = await navigator.credentials.get({
                publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
              return JSON.stringify({ credential: credential.toJSON(), state });
            })().then(done, (e) => done(`threw ${e}`));"#,
            vec![],
        )
        .await
        .unwrap();
    let proof: serde_json::Value =
        serde_json::from_str(answer.as_str().unwrap()).unwrap_or_else(|e| panic!("{answer}: {e}"));
    let as_proof = |v: &serde_json::Value| {
        serde_json::from_value::<embargo_server::app::passkeys::PasskeyProof>(v.clone()).unwrap()
    };
    let other = t.app.passkey_challenge().unwrap();
    let mismatched = json!({"credential": proof["credential"], "state": other.state});
    let refused = t
        .app
        .sign_in_with_passkey("127.0.0.1", &as_proof(&mismatched))
        .await;
    assert!(refused.is_err(), "another ceremony's state was taken");
    let first = t
        .app
        .sign_in_with_passkey("127.0.0.1", &as_proof(&proof))
        .await;
    assert_eq!(first.unwrap().user.id.0, sam.id);
    let replayed = t
        .app
        .sign_in_with_passkey("127.0.0.1", &as_proof(&proof))
        .await;
    let Err(embargo_server::app::AppError::Rejected(r)) = replayed else {
        panic!("a replayed answer signed in")
    };
    // Refused by the counter here (the virtual authenticator counts); one that does
    // not count is refused as a spent challenge.
    let said = format!("{r:?}");
    assert!(
        said.contains("counter") || said.contains("used already"),
        "{said}"
    );

    // The password alone no longer signs in: the account has a second factor now.
    let refused = t
        .app
        .sign_in("127.0.0.1", &sam.email, PASSWORD.into(), None, None)
        .await;
    assert!(refused.is_err(), "a password alone signed in");

    // A sensitive act long after signing in: the passkey answers the re-authentication.
    t.clock.advance(jiff::SignedDuration::from_mins(30));
    c.goto(&here("/settings/tokens")).await.unwrap();
    c.find(Locator::Id("token-name"))
        .await
        .unwrap()
        .send_keys("ci")
        .await
        .unwrap();
    c.find(Locator::Css("button[data-passkey-for=token-reauth]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath(
            "//span[@class='passkey-done' and contains(., 'confirmed')]",
        ))
        .await
        .unwrap();
    press_and_wait(&c, "form[action='/settings/tokens'] button[type=submit]").await;
    assert!(
        text(&c, "#new-token").await.starts_with("emb_pat_"),
        "the token was not made"
    );

    // Removing it.
    c.goto(&here("/settings/second-factor")).await.unwrap();
    press_and_wait(&c, "#passkey-list button.danger").await;
    assert_eq!(text(&c, "p.notice").await, "Passkey removed.");
    assert_eq!(text(&c, "#passkey-status").await, "No passkey is added.");
}
