//! The official schemas, from the test kit (shared with the server's tests).

pub use embargo_testkit::schemas::*;
use serde_json::Value;

/// The schemas accept the upstream examples: proof the offline setup is complete
/// (a missing `$ref` or a format checker we lack would show here first).
#[test]
fn upstream_examples_are_valid_against_the_local_schemas() {
    assert_valid(
        cve(),
        &read_json("cve-5/examples/CVEv5_advanced-example.json"),
    );
    assert_valid(cve(), &read_json("cve-5/examples/CVEv5_basic-example.json"));
    assert_valid(osv(), &read_json("osv/examples/GO-2020-0001.json"));
    assert!(
        !errors(
            osv(),
            &read_json("osv/examples/nointroduced-CVE-2023-41045.json")
        )
        .is_empty()
    );
    for entry in std::fs::read_dir(specs_dir().join("csaf-2.0/examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let errors = errors(csaf(), &doc);
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        }
    }
}

/// The validators do reject: a CVSS object through CSAF's `$ref` to FIRST's schema (so
/// the local copy is really used) and a `format: uri` (so formats are checked).
#[test]
fn the_local_schemas_reject_what_they_should() {
    let advisory = crate::fixture::connect();
    let mut doc = embargo_formats::csaf::export(&advisory).unwrap();
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["attackVector"] = "SPACE".into();
    assert!(!errors(csaf(), &doc).is_empty());

    let mut record = embargo_formats::cve::export(&advisory).unwrap();
    record["containers"]["cna"]["references"][0]["url"] = "no scheme here".into();
    assert!(!errors(cve(), &record).is_empty());
}
