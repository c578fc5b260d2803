//! A disclosed case as documents (C17, C18): CVE JSON 5 and OSV valid by their
//! official schemas, CSAF 2.0 valid by its schema too, and the CSAF provider layout
//! that aggregators pull. Nothing of an undisclosed case appears in any of them.

use super::support::*;
use embargo_core::project::Role;
use embargo_testkit::schemas;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;

const UUID: &str = "8254265b-2729-46b6-b9e3-3dfca2d5bfca";

async fn api(t: &TestApp, method: Method, path: &str, token: &str, body: Value) -> Value {
    let (s, v) = json_of(
        t.req(method, path, Some(token))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

/// Connect with its CNA; one disclosed case with everything, one still embargoed.
async fn disclosed() -> (TestApp, String, String) {
    disclosed_with(|_| {}).await
}

async fn disclosed_with(
    configure: impl FnOnce(&mut embargo_server::settings::Settings),
) -> (TestApp, String, String) {
    let t = TestApp::build(Db::Sqlite, configure).await;
    t.project("connect", &["go", "swift"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    api(
        &t,
        Method::PATCH,
        "/api/v1/projects/connect",
        &ada.token,
        json!({ "cna_short_name": "connectrpc", "cna_org_id": UUID }),
    )
    .await;
    api(&t, Method::PUT, "/api/v1/projects/connect/components/go/package", &ada.token, json!({
        "ecosystem": "Go", "name": "connectrpc.com/connect", "purl": "pkg:golang/connectrpc.com/connect"
    })).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t.report("connect", minimal_report("Frame bomb")).await;
    let (embargoed, _) = t.report("connect", minimal_report("Still secret")).await;
    let case = format!("/api/v1/cases/{id}");
    for (path, body) in [
        ("acknowledge", json!({})),
        ("claim", json!({})),
        ("decision", json!({ "outcome": "confirmed" })),
    ] {
        api(
            &t,
            Method::POST,
            &format!("{case}/{path}"),
            &sam.token,
            body,
        )
        .await;
    }
    api(&t, Method::PUT, &format!("{case}/advisory"), &sam.token, json!({
        "summary": "Unbounded allocation in connect-go's frame decoder",
        "details": "A frame header with a huge length makes the server allocate it.",
        "cwes": ["CWE-400: Uncontrolled Resource Consumption"],
        "affected": [
            { "component": "go", "introduced": "0", "fixed": "1.16.2" },
            { "component": "swift", "introduced": "0.5.0", "last_affected": "0.9.1" }
        ],
        "credits": [{ "name": "Rae Porter", "contact": "https://example.net/rae", "kind": "finder" }],
        "references": [{ "url": "https://github.com/connectrpc/connect-go/pull/1", "kind": "fix" }],
        "mitigation": "Limit read sizes."
    })).await;
    api(
        &t,
        Method::POST,
        &format!("{case}/cve"),
        &sam.token,
        json!({ "assigned": "CVE-2026-4242" }),
    )
    .await;
    api(
        &t,
        Method::PUT,
        &format!("{case}/cvss"),
        &sam.token,
        json!({
            "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
            "cvss_v4_0": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
            "effect": "A remote client can exhaust the server's memory."
        }),
    )
    .await;
    release_ready(&t, &id, &sam.token, &tracking).await;
    api(
        &t,
        Method::POST,
        &format!("{case}/disclose"),
        &sam.token,
        json!({}),
    )
    .await;
    (t, id, embargoed)
}

async fn document(t: &TestApp, path: &str) -> (StatusCode, Value) {
    t.get(path, None).await
}

#[tokio::test]
async fn c17_a_disclosed_case_is_valid_cve_osv_and_csaf() {
    let (t, id, embargoed) = disclosed().await;
    let (s, cve) = document(&t, &format!("/advisories/{id}.cve.json")).await;
    assert_eq!(s, StatusCode::OK, "{cve}");
    schemas::assert_valid(schemas::cve(), &cve);
    assert_eq!(cve["cveMetadata"]["cveId"], "CVE-2026-4242");
    assert_eq!(cve["containers"]["cna"]["providerMetadata"]["orgId"], UUID);
    let metrics = cve["containers"]["cna"]["metrics"].to_string();
    assert!(
        metrics.contains("cvssV3_1") && metrics.contains("cvssV4_0"),
        "{metrics}"
    );

    let (s, osv) = document(&t, &format!("/advisories/{id}.osv.json")).await;
    assert_eq!(s, StatusCode::OK, "{osv}");
    schemas::assert_valid(schemas::osv(), &osv);
    assert_eq!(osv["id"], "CVE-2026-4242");
    assert_eq!(
        osv["affected"][0]["package"],
        json!({ "ecosystem": "Go", "name": "connectrpc.com/connect", "purl": "pkg:golang/connectrpc.com/connect" })
    );
    let kinds: Vec<_> = osv["severity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["CVSS_V3", "CVSS_V4"]);

    let (s, csaf) = document(&t, &format!("/advisories/{id}.csaf.json")).await;
    assert_eq!(s, StatusCode::OK, "{csaf}");
    schemas::assert_valid(schemas::csaf(), &csaf);
    assert_eq!(csaf["document"]["category"], "csaf_security_advisory");
    assert_eq!(csaf["vulnerabilities"][0]["cve"], "CVE-2026-4242");
    assert_eq!(csaf["vulnerabilities"][0]["cwe"]["id"], "CWE-400");

    // The embargoed case has no documents, whoever asks.
    for format in ["cve", "osv", "csaf"] {
        let (s, _) = document(&t, &format!("/advisories/{embargoed}.{format}.json")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

/// A range's type follows the component's package: SemVer where the ecosystem's
/// versions are SemVer (Go), the ecosystem's own ordering elsewhere (Maven).
#[tokio::test]
async fn c17_range_types_follow_each_components_ecosystem() {
    let (t, id, _) = disclosed().await;
    let lin = t
        .person("lin@example.org", Some(("connect", Role::Admin)))
        .await;
    api(
        &t,
        Method::PUT,
        "/api/v1/projects/connect/components/swift/package",
        &lin.token,
        json!({
            "ecosystem": "Maven", "name": "com.connectrpc:connect-kotlin"
        }),
    )
    .await;
    let (_, osv) = document(&t, &format!("/advisories/{id}.osv.json")).await;
    schemas::assert_valid(schemas::osv(), &osv);
    let range = |i: usize| osv["affected"][i]["ranges"][0].clone();
    assert_eq!(range(0)["type"], "SEMVER");
    assert_eq!(
        range(0)["events"],
        json!([{ "introduced": "0" }, { "fixed": "1.16.2" }])
    );
    assert_eq!(range(1)["type"], "ECOSYSTEM");
    assert_eq!(
        range(1)["events"],
        json!([{ "introduced": "0.5.0" }, { "last_affected": "0.9.1" }])
    );
    let (_, cve) = document(&t, &format!("/advisories/{id}.cve.json")).await;
    schemas::assert_valid(schemas::cve(), &cve);
    let types: Vec<_> = cve["containers"]["cna"]["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["versions"][0]["versionType"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["semver", "maven"]);
    let (_, csaf) = document(&t, &format!("/advisories/{id}.csaf.json")).await;
    schemas::assert_valid(schemas::csaf(), &csaf);
    assert!(
        csaf.to_string().contains("vers:maven/>=0.5.0|<=0.9.1"),
        "{csaf}"
    );
}

#[tokio::test]
async fn c18_the_csaf_provider_layout_lists_disclosed_advisories_with_hashes() {
    let (t, id, embargoed) = disclosed().await;
    let (s, meta) = document(&t, "/p/connect/csaf/provider-metadata.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(meta["metadata_version"], "2.0");
    assert_eq!(meta["role"], "csaf_provider", "no signing key, no trust");
    schemas::assert_valid(schemas::csaf_provider(), &meta);
    assert_eq!(
        meta["canonical_url"],
        format!("{}/p/connect/csaf/provider-metadata.json", t.base)
    );
    // No project is the domain's provider unless the settings say which.
    let (s, _) = document(&t, "/.well-known/csaf/provider-metadata.json").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(meta["publisher"]["category"], "vendor");
    let dir = meta["distributions"][0]["directory_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(dir.ends_with("/p/connect/csaf/white/"), "{dir}");
    let web = WebClient::new(&t);
    let index = web.get("/p/connect/csaf/white/index.txt").await.html;
    let lines: Vec<_> = index.lines().collect();
    assert_eq!(lines.len(), 1, "only the disclosed case: {index}");
    assert!(
        lines[0].starts_with("20") && lines[0].ends_with(".json"),
        "{index}"
    );
    let changes = web.get("/p/connect/csaf/white/changes.csv").await.html;
    assert!(
        changes.starts_with(&format!("\"{}\",\"", lines[0])),
        "{changes}"
    );
    let doc = web
        .get(&format!("/p/connect/csaf/white/{}", lines[0]))
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    let parsed: Value = serde_json::from_str(&doc.html).unwrap();
    assert_eq!(parsed["vulnerabilities"][0]["cve"], "CVE-2026-4242");
    let hash = web
        .get(&format!("/p/connect/csaf/white/{}.sha256", lines[0]))
        .await
        .html;
    let digest = hex::encode(sha2::Sha256::digest(doc.html.as_bytes()));
    assert_eq!(hash.split_whitespace().next(), Some(digest.as_str()));
    // The one entry is the disclosed case; the embargoed one is nowhere.
    assert!(
        doc.html.contains(&format!("/advisories/{id}")),
        "{}",
        doc.html
    );
    let everything = format!("{index}{changes}{}", doc.html);
    assert!(!everything.contains(&embargoed) && !everything.contains("Still secret"));
}

/// CSAF 2.0 requirements 8, 9 and 14: aggregators find each project's provider
/// metadata through security.txt, the chosen project's at the well-known URL, and the
/// distribution directories can be browsed.
#[tokio::test]
async fn c18_aggregators_find_the_providers_and_browse_the_directories() {
    let (t, _, embargoed) =
        disclosed_with(|s| s.csaf.well_known_project = Some("connect".into())).await;
    t.project("vitess", &["vtgate"]).await;
    let web = WebClient::new(&t);

    let txt = web.get("/.well-known/security.txt").await;
    assert_eq!(txt.status, StatusCode::OK);
    assert_eq!(
        txt.headers["content-type"].to_str().unwrap(),
        "text/plain; charset=utf-8"
    );
    let fields: Vec<(&str, &str)> = txt
        .html
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split_once(": ").expect("a field per line"))
        .collect();
    let values = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
            .collect()
    };
    let base = &t.base;
    assert_eq!(
        values("Contact"),
        [
            format!("{base}/p/connect/report"),
            format!("{base}/p/vitess/report")
        ]
    );
    assert_eq!(
        values("CSAF"),
        [
            format!("{base}/.well-known/csaf/provider-metadata.json"),
            format!("{base}/p/vitess/csaf/provider-metadata.json")
        ]
    );
    assert_eq!(
        values("Canonical"),
        [format!("{base}/.well-known/security.txt")]
    );
    let expires: jiff::Timestamp = values("Expires")[0].parse().unwrap();
    let now = t.app.now();
    assert!(
        expires > now && expires < now + jiff::SignedDuration::from_hours(24 * 365),
        "{expires}"
    );
    assert!(!txt.html.contains(&embargoed) && !txt.html.contains("Still secret"));
    let legacy = web.get("/security.txt").await;
    assert_eq!(legacy.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(legacy.location(), "/.well-known/security.txt");

    // The well-known URL and the project's own serve one document naming one URL.
    let (s, well_known) = document(&t, "/.well-known/csaf/provider-metadata.json").await;
    assert_eq!(s, StatusCode::OK);
    schemas::assert_valid(schemas::csaf_provider(), &well_known);
    assert_eq!(
        well_known["canonical_url"],
        format!("{base}/.well-known/csaf/provider-metadata.json")
    );
    let (_, own) = document(&t, "/p/connect/csaf/provider-metadata.json").await;
    assert_eq!(own, well_known);
    let (_, vitess) = document(&t, "/p/vitess/csaf/provider-metadata.json").await;
    schemas::assert_valid(schemas::csaf_provider(), &vitess);
    assert_eq!(
        vitess["canonical_url"],
        format!("{base}/p/vitess/csaf/provider-metadata.json")
    );

    // Directory listings: the year folders, then each document with its hash.
    let index = web.get("/p/connect/csaf/white/index.txt").await.html;
    let (year, file) = index.trim().split_once('/').unwrap();
    let top = web.get("/p/connect/csaf/white/").await;
    assert_eq!(top.status, StatusCode::OK);
    for link in ["index.txt", "changes.csv", &format!("{year}/")] {
        assert!(
            top.html.contains(&format!("href=\"{link}\"")),
            "{link}: {}",
            top.html
        );
    }
    let folder = web.get(&format!("/p/connect/csaf/white/{year}/")).await;
    assert_eq!(folder.status, StatusCode::OK);
    for link in [file.to_owned(), format!("{file}.sha256")] {
        assert!(
            folder.html.contains(&format!("href=\"{link}\"")),
            "{link}: {}",
            folder.html
        );
    }
    assert!(!folder.html.contains(".asc"), "no key, no signatures");
    assert!(!folder.html.contains(&embargoed.to_lowercase()));
    assert_eq!(
        web.get("/p/connect/csaf/white/1999/").await.status,
        StatusCode::NOT_FOUND
    );
    let empty = web.get("/p/vitess/csaf/white/").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        !empty.html.contains(&format!("href=\"{year}/\"")),
        "{}",
        empty.html
    );
    assert_eq!(
        web.get("/p/nope/csaf/white/").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_a_project_there_is_no_security_txt() {
    let t = TestApp::new().await;
    let web = WebClient::new(&t);
    // `Contact` is required (RFC 9116), and there is nobody to name yet.
    assert_eq!(
        web.get("/.well-known/security.txt").await.status,
        StatusCode::NOT_FOUND
    );
    t.project("connect", &["go"]).await;
    let txt = web.get("/.well-known/security.txt").await;
    assert_eq!(txt.status, StatusCode::OK);
    assert!(
        txt.html
            .contains(&format!("Contact: {}/p/connect/report\n", t.base)),
        "{}",
        txt.html
    );
}

#[tokio::test]
async fn a_project_without_cna_settings_has_no_cve_record() {
    let (t, id, _) = disclosed().await;
    let ada = t
        .app
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    t.app
        .change_project(
            &embargo_server::app::actor_of(&ada),
            "connect",
            embargo_core::project::ProjectCommand::SetCna {
                short_name: None,
                org_id: None,
            },
        )
        .await
        .unwrap();
    let (s, v) = document(&t, &format!("/advisories/{id}.cve.json")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("CNA"),
        "{v}"
    );
    // The other formats do not need a CNA.
    assert_eq!(
        document(&t, &format!("/advisories/{id}.osv.json")).await.0,
        StatusCode::OK
    );
}

/// An OpenPGP key that can sign, armored, as an operator would export it.
fn signing_key() -> String {
    use pgp::composed::{ArmorOptions, KeyType, SecretKeyParamsBuilder};
    let mut params = SecretKeyParamsBuilder::default();
    params
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id("Connect security <security@connectrpc.com>".into());
    let key = params
        .build()
        .unwrap()
        .generate(<rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7))
        .unwrap();
    key.to_armored_string(ArmorOptions::default()).unwrap()
}

#[tokio::test]
async fn with_a_signing_key_the_layout_is_a_trusted_providers_and_signatures_verify() {
    use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
    let dir = embargo_testkit::temp_dir();
    let key_file = dir.path().join("csaf-key.asc");
    std::fs::write(&key_file, signing_key()).unwrap();
    let (t, _, _) = disclosed_with(move |s| s.csaf.signing_key_file = Some(key_file)).await;
    let (_, meta) = document(&t, "/p/connect/csaf/provider-metadata.json").await;
    assert_eq!(meta["role"], "csaf_trusted_provider");
    schemas::assert_valid(schemas::csaf_provider(), &meta);
    let key = &meta["public_openpgp_keys"][0];
    let fingerprint = key["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 40, "{key}");
    let web = WebClient::new(&t);
    let key_path = key["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(&t.base)
        .to_owned();
    let armored = web.get(&key_path).await;
    assert_eq!(armored.status, StatusCode::OK, "{key_path}");
    let (public, _) = SignedPublicKey::from_string(&armored.html).unwrap();

    let index = web.get("/p/connect/csaf/white/index.txt").await.html;
    let path = format!("/p/connect/csaf/white/{}", index.trim());
    let doc = web.get(&path).await.html;
    let signature = web.get(&format!("{path}.asc")).await.html;
    let (signature, _) = DetachedSignature::from_string(&signature).unwrap();
    signature
        .verify(&public, doc.as_bytes())
        .expect("a valid signature");
    let tampered = doc.replacen("CVE-2026-4242", "CVE-2026-4243", 1);
    assert!(signature.verify(&public, tampered.as_bytes()).is_err());
}

#[tokio::test]
async fn an_unusable_signing_key_stops_start_up_naming_the_setting() {
    let dir = embargo_testkit::temp_dir();
    let key_file = dir.path().join("not-a-key.asc");
    std::fs::write(&key_file, "hello").unwrap();
    let t = TestApp::build(Db::Sqlite, move |s| {
        s.csaf.signing_key_file = Some(key_file)
    })
    .await;
    let why = t.app.unusable_settings().expect("refused");
    assert!(why.starts_with("`csaf.signing_key_file`"), "{why}");
}

#[tokio::test]
async fn a_package_needs_an_osv_ecosystem() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let res = t
        .req(
            Method::PUT,
            "/api/v1/projects/connect/components/go/package",
            Some(&ada.token),
        )
        .json(&json!({ "ecosystem": "Golang", "name": "connectrpc.com/connect" }))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(res).await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("ecosystem")),
        "{v}"
    );
    let res = t
        .req(
            Method::PUT,
            "/api/v1/projects/connect/components/cobol/package",
            Some(&ada.token),
        )
        .json(&json!({ "ecosystem": "Go", "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, project) = t.get("/api/v1/projects/connect", Some(&ada.token)).await;
    assert!(
        project["components"][0]["package"].is_null(),
        "nothing changed"
    );
}
