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
    let caps = json!({
        "goog:chromeOptions": {
            "binary": find("chromium"),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", driver._profile.path().display()),
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
    assert!(
        c.current_url().await.unwrap().query().is_none(),
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
    c.close().await.unwrap();
}
