//! The admin commands a person bootstraps an instance with, and their refusals.

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_a_project_a_member_and_a_token_then_use_it() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    let out = embargo(&[
        "admin",
        "project",
        "create",
        "--slug",
        "connect",
        "--name",
        "Connect",
        "--component",
        "go",
        "--component",
        "swift",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("components: go, swift"),
        "{}",
        stdout(&out)
    );
    // The component's package, for OSV and CVE records; an unknown ecosystem is refused.
    let bad = embargo(&[
        "admin",
        "project",
        "package",
        "--project",
        "connect",
        "--component",
        "go",
        "--ecosystem",
        "Golang",
        "--package",
        "connectrpc.com/connect",
        "--data-dir",
        &d,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("--ecosystem"), "{}", stderr(&bad));
    let out = embargo(&[
        "admin",
        "project",
        "package",
        "--project",
        "connect",
        "--component",
        "go",
        "--ecosystem",
        "Go",
        "--package",
        "connectrpc.com/connect",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("component go is Go package connectrpc.com/connect"),
        "{}",
        stdout(&out)
    );
    // C14: the project's CNA, for CVE records; a malformed id changes nothing.
    let uuid = "8254265b-2729-46b6-b9e3-3dfca2d5bfca";
    let bad = embargo(&[
        "admin",
        "project",
        "update",
        "--slug",
        "connect",
        "--cna-short-name",
        "connectrpc",
        "--cna-org-id",
        "not-a-uuid",
        "--data-dir",
        &d,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("cna_org_id"), "{}", stderr(&bad));
    let out = embargo(&[
        "admin",
        "project",
        "update",
        "--slug",
        "connect",
        "--cna-short-name",
        "connectrpc",
        "--cna-org-id",
        uuid,
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("CNA connectrpc ({uuid})")),
        "{}",
        stdout(&out)
    );
    let out = embargo(&[
        "admin",
        "project",
        "branch",
        "--project",
        "connect",
        "--component",
        "go",
        "--branch",
        "release-1.2",
        "--kind",
        "supported",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = embargo(&[
        "admin",
        "user",
        "create",
        "--email",
        "sam@example.org",
        "--project",
        "connect",
        "--role",
        "security-team",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("/password/"),
        "a set-password link: {}",
        stdout(&out)
    );
    // Issue 12, item 4: a new link says that it replaces the live one (which stops
    // working); the first link for an account says nothing of the kind.
    assert!(!stderr(&out).contains("replaces"), "{}", stderr(&out));
    let invite = || {
        embargo(&[
            "admin",
            "user",
            "invite",
            "--email",
            "sam@example.org",
            "--data-dir",
            &d,
        ])
    };
    let out = invite();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("/password/"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("replaces the link given before, which no longer works"),
        "{}",
        stderr(&out)
    );
    let out = embargo(&[
        "admin",
        "token",
        "create",
        "--email",
        "sam@example.org",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("emb_pat_"), "{token}");

    let server = Server::start(&["--data-dir", &d]).await;
    assert!(
        server.banner.iter().any(|l| l.contains("SQLite in")),
        "{:?}",
        server.banner
    );
    embargo_testkit::tls_provider();
    let http = reqwest::Client::new();
    let me: serde_json::Value = http
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "sam@example.org");
    assert_eq!(me["projects"][0]["role"], "security-team");
    let project: serde_json::Value = http
        .get(format!("{}/api/v1/projects/connect", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(project["components"][0]["branches"][1]["kind"], "supported");
    server.kill().await;
}

#[test]
fn bad_input_exits_non_zero_with_a_message_and_changes_nothing() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    let out = embargo(&[
        "admin",
        "project",
        "create",
        "--slug",
        "Bad Slug",
        "--name",
        "X",
        "--data-dir",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--slug"), "{}", stderr(&out));
    let out = embargo(&[
        "admin",
        "user",
        "create",
        "--email",
        "not-an-email",
        "--data-dir",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--email"), "{}", stderr(&out));
    let out = embargo(&[
        "admin",
        "user",
        "create",
        "--email",
        "a@example.org",
        "--project",
        "nope",
        "--role",
        "maintainer",
        "--data-dir",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let out = embargo(&[
        "admin",
        "user",
        "create",
        "--email",
        "b@example.org",
        "--role",
        "wizard",
        "--data-dir",
        &d,
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap refuses unknown roles: {}",
        stderr(&out)
    );
    let out = embargo(&[
        "admin",
        "token",
        "create",
        "--email",
        "nobody@example.org",
        "--data-dir",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no account"), "{}", stderr(&out));
    // Resetting the second factors of nobody, and of an account that has none.
    let reset = |email: &str| {
        embargo(&[
            "admin",
            "user",
            "reset-second-factor",
            "--email",
            email,
            "--data-dir",
            &d,
        ])
    };
    let out = reset("nobody@example.org");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no account"), "{}", stderr(&out));
    run_ok(&[
        "admin",
        "user",
        "create",
        "--email",
        "c@example.org",
        "--data-dir",
        &d,
    ]);
    let out = reset("c@example.org");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("has no second factor; nothing changed"),
        "{}",
        stdout(&out)
    );
    let out = embargo(&["admin", "project", "list", "--data-dir", &d]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "", "nothing was created");
}

#[test]
fn a_bad_setting_stops_start_up_naming_it() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    let out = embargo(&[
        "serve",
        "--data-dir",
        &d,
        "--database-url",
        "mysql://localhost/x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`database_url`"), "{}", stderr(&out));
    let cfg = dir.path().join("embargo.toml");
    std::fs::write(&cfg, "[auth]\nsession_hours = 0\n").unwrap();
    let out = embargo(&["serve", "--config", &cfg.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`auth.session_hours`"),
        "{}",
        stderr(&out)
    );
    let out = embargo(&["config", "example"]);
    assert!(
        stdout(&out).contains("[limits]") && stdout(&out).contains("listen = \"127.0.0.1:8080\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_prints_a_one_time_admin_link_and_a_fresh_one_each_start() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    let link = |s: &Server| {
        s.banner
            .iter()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(&format!("{}/setup/", s.base))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| panic!("no setup link in {:?}", s.banner))
    };
    let first = Server::start(&["--data-dir", &d]).await;
    let one = link(&first);
    assert!(one.len() >= 43, "{one}");
    first.kill().await;
    let second = Server::start(&["--data-dir", &d]).await;
    assert_ne!(link(&second), one, "each start replaces the link");
    second.kill().await;
    // Once an account exists, no link is printed.
    let out = embargo(&[
        "admin",
        "user",
        "create",
        "--email",
        "ada@example.org",
        "--instance-admin",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let third = Server::start(&["--data-dir", &d]).await;
    assert!(
        !third.banner.iter().any(|l| l.contains("/setup/")),
        "{:?}",
        third.banner
    );
    third.kill().await;
}

/// SIGTERM stops the server and its worker together, and the process exits cleanly
/// (a worker that ignored the signal would keep it running past the timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_cleanly_on_sigterm() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    let server = Server::start(&["--data-dir", &d]).await;
    let status = server.terminate().await;
    assert!(status.success(), "{status:?}");
    let db = embargo_testkit::PgTestDb::create().await;
    let server = Server::start(&["--database-url", &db.url]).await;
    let status = server.terminate().await;
    assert!(status.success(), "{status:?}");
}
