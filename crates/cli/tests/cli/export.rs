//! `embargo export` (C17): one file per disclosed case, never an undisclosed one; a
//! clear error for CVE records when the project has no CNA settings.

use super::support::*;
use serde_json::{Value, json};

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_disclosed_cases_only_in_each_format() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().join("data").display().to_string();
    let storage = ["--data-dir", d.as_str()];
    let run = |args: &[&str]| embargo(&[args, &storage[..]].concat());
    ok(run(&[
        "admin",
        "project",
        "create",
        "--slug",
        "connect",
        "--name",
        "Connect",
        "--component",
        "go",
    ]));
    ok(run(&[
        "admin",
        "user",
        "create",
        "--email",
        "sam@example.org",
        "--project",
        "connect",
        "--role",
        "security-team",
    ]));
    let token = ok(run(&[
        "admin",
        "token",
        "create",
        "--email",
        "sam@example.org",
    ]))
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_owned();

    let server = Server::start(&storage).await;
    embargo_testkit::tls_provider();
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Value| {
        let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
        async move {
            let res = http
                .request(method, format!("{base}/api/v1{path}"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.json::<Value>().await.unwrap()
        }
    };
    let report = |title: &'static str| {
        let (http, base) = (http.clone(), server.base.clone());
        async move {
            let res = http
                .post(format!("{base}/api/v1/projects/connect/reports"))
                .json(&json!({ "title": title, "description": "details" }))
                .send()
                .await
                .unwrap();
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let disclosed = report("Frame bomb").await;
    let embargoed = report("Still secret").await;
    let advisory =
        json!({ "affected": [{ "component": "go", "introduced": "0", "fixed": "1.16.2" }] });
    for (method, path, body) in [
        (reqwest::Method::POST, "acknowledge", json!({})),
        (reqwest::Method::POST, "claim", json!({})),
        (
            reqwest::Method::POST,
            "decision",
            json!({ "outcome": "confirmed" }),
        ),
        (reqwest::Method::PUT, "advisory", advisory),
        (
            reqwest::Method::POST,
            "cve",
            json!({ "assigned": "CVE-2026-4242" }),
        ),
        (reqwest::Method::POST, "disclose", json!({})),
    ] {
        call(method, format!("/cases/{disclosed}/{path}"), body).await;
    }
    server.kill().await;

    let out = dir.path().join("out");
    let o = out.display().to_string();
    for format in ["osv", "csaf"] {
        let printed = ok(run(&[
            "export",
            "--project",
            "connect",
            "--format",
            format,
            "--out",
            &o,
        ]));
        assert!(
            printed.contains(&format!("Exported 1 {format} document of project connect")),
            "{printed}"
        );
        let file = out.join(format!("{disclosed}.{format}.json"));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert!(doc.to_string().contains("CVE-2026-4242"), "{doc}");
    }
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains(&embargoed)), "{names:?}");

    // CVE records need the project's CNA.
    let refused = run(&[
        "export",
        "--project",
        "connect",
        "--format",
        "cve",
        "--out",
        &o,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("--cna-short-name"),
        "{}",
        stderr(&refused)
    );
    assert!(!out.join(format!("{disclosed}.cve.json")).exists());
    ok(run(&[
        "admin",
        "project",
        "update",
        "--slug",
        "connect",
        "--cna-short-name",
        "connectrpc",
        "--cna-org-id",
        "8254265b-2729-46b6-b9e3-3dfca2d5bfca",
    ]));
    ok(run(&[
        "export",
        "--project",
        "connect",
        "--format",
        "cve",
        "--out",
        &o,
    ]));
    assert!(out.join(format!("{disclosed}.cve.json")).exists());

    let unknown = run(&[
        "export",
        "--project",
        "nope",
        "--format",
        "osv",
        "--out",
        &o,
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("--project"));
}
