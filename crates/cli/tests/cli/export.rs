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
    let token = connect_with_sam(&storage);

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
            let v = res.json::<Value>().await.unwrap();
            (
                v["id"].as_str().unwrap().to_owned(),
                v["tracking_token"].as_str().unwrap().to_owned(),
            )
        }
    };
    let (disclosed, tracking) = report("Frame bomb").await;
    let (embargoed, _) = report("Still secret").await;
    let advisory = json!({
        "summary": "Frame bomb",
        "affected": [{ "component": "go", "introduced": "0", "fixed": "1.16.2" }]
    });
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
        // Disclosure's gate: the final CVSS, a plan (with the mitigation, V8) the
        // reporter agreed to, final release notes.
        (
            reqwest::Method::PUT,
            "cvss",
            json!({ "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "effect": "Denial of service." }),
        ),
        (
            reqwest::Method::PUT,
            "release-plan",
            json!({
                "at": "2099-01-01 12:00 UTC",
                "versions": [{ "branch": "main", "version": "1.16.2" }],
                "binaries": "https://example.org/releases",
                "mitigation": "Limit frame sizes.",
                "upgrade": "Upgrade to 1.16.2."
            }),
        ),
        (reqwest::Method::POST, "release-plan/accept", json!({})),
        (reqwest::Method::POST, "release-notes/finalize", json!({})),
        (reqwest::Method::POST, "disclose", json!({})),
    ] {
        if path == "release-plan/accept" {
            // C6: the reporter agrees to the date.
            let res = http
                .post(format!("{}/api/v1/cases/{disclosed}/{path}", server.base))
                .bearer_auth(&tracking)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            continue;
        }
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

/// A real record from the formats crate's test data (sources in its README).
fn real(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../formats/tests/data/osv-real")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A project with CNA settings and the given records imported as disclosed cases.
fn project_with(dir: &std::path::Path, records: &[Value]) -> Vec<String> {
    let d = dir.join("data").display().to_string();
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
        "project",
        "update",
        "--slug",
        "connect",
        "--cna-short-name",
        "connectrpc",
        "--cna-org-id",
        "8254265b-2729-46b6-b9e3-3dfca2d5bfca",
    ]));
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for r in records {
        let file = input.join(format!("{}.json", r["id"].as_str().unwrap()));
        std::fs::write(file, r.to_string()).unwrap();
    }
    ok(run(&[
        "import",
        "osv",
        "--project",
        "connect",
        &input.display().to_string(),
    ]));
    storage.iter().map(|s| (*s).to_owned()).collect()
}

fn export(storage: &[String], format: &str, out: &std::path::Path) -> std::process::Output {
    let mut args = vec![
        "export".to_owned(),
        "--project".into(),
        "connect".into(),
        "--format".into(),
        format.into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(storage.iter().cloned());
    embargo(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The ids of the documents written to `out`, sorted.
fn written(out: &std::path::Path, id_at: &str) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(out)
        .map(|d| {
            d.map(|e| {
                let doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap())
                        .unwrap();
                doc.pointer(id_at).unwrap().as_str().unwrap().to_owned()
            })
            .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// C17: a case that cannot have a CVE record (no CVE id) is skipped, named on stderr
/// with the reason, and the export succeeds with every other record written.
#[test]
fn a_case_without_a_cve_id_is_skipped_not_failed() {
    let dir = embargo_testkit::temp_dir();
    let with_cve = real("go/GO-2020-0001.json");
    let without = real("go/GO-2024-2442.json");
    assert!(!without.to_string().contains("CVE-"));
    let storage = project_with(dir.path(), &[with_cve, without]);
    let out = dir.path().join("cve");
    let done = export(&storage, "cve", &out);
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    assert!(
        stdout(&done).contains("Exported 1 cve document of project connect")
            && stdout(&done).contains("skipped 1 that cannot have one"),
        "{}",
        stdout(&done)
    );
    let err = stderr(&done);
    assert!(
        err.lines()
            .any(|l| l.starts_with("skipped EMB-") && l.contains("no CVE id")),
        "{err}"
    );
    assert_eq!(written(&out, "/cveMetadata/cveId"), ["CVE-2020-36567"]);

    // Both have an OSV id and a CSAF document.
    for (format, id_at) in [("osv", "/id"), ("csaf", "/document/tracking/id")] {
        let out = dir.path().join(format);
        let done = export(&storage, format, &out);
        assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
        assert_eq!(written(&out, id_at), ["GO-2020-0001", "GO-2024-2442"]);
    }
}

/// A record whose document truly fails (here a CVE record for an advisory without a
/// single reference, which CVE 5 requires) makes the export exit 1, naming it and why;
/// the other records are still written. (Import refuses what OSV export could not
/// write back, so the failure is one only the CVE format has.)
#[test]
fn a_document_that_fails_makes_the_export_exit_1_and_the_rest_is_written() {
    let dir = embargo_testkit::temp_dir();
    let good = real("ghsa/GHSA-2p57-rm9w-gvfp.json");
    let mut broken = real("ghsa/GHSA-5357-c2jx-v7qh.json");
    broken.as_object_mut().unwrap().remove("references");
    let storage = project_with(dir.path(), &[good, broken]);
    let out = dir.path().join("cve");
    let done = export(&storage, "cve", &out);
    assert_eq!(done.status.code(), Some(1), "{}", stdout(&done));
    let err = stderr(&done);
    assert!(
        err.lines()
            .any(|l| l.starts_with("failed EMB-") && l.contains("reference")),
        "{err}"
    );
    assert!(
        err.contains("1 disclosed case(s) could not be exported"),
        "{err}"
    );
    assert_eq!(written(&out, "/cveMetadata/cveId"), ["CVE-2024-29415"]);
}
