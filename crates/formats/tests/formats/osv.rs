//! OSV: the Connect record against schema 1.7.5, and the import round trip over
//! every schema-valid example of OSV's own test data.

use crate::fixture::{connect, imported, received};
use crate::schemas::{assert_valid, errors, osv, read_json, specs_dir};
use embargo_formats::osv::{export, import};

#[test]
fn connect_record_is_valid_osv() {
    let record = export(&connect()).unwrap();
    assert_valid(osv(), &record);
    insta::assert_json_snapshot!("osv", record);
}

/// Our own record reads back into an advisory that exports the same record.
#[test]
fn connect_record_reads_back_unchanged() {
    let record = export(&connect()).unwrap();
    assert_eq!(export(&imported(&record)).unwrap(), record);
}

#[test]
fn cve_id_leads_the_aliases_once() {
    let mut a = connect();
    let cve = a.cve_id.clone().unwrap();
    a.aliases = Some(vec!["GO-2025-9999".into()]);
    let record = export(&a).unwrap();
    assert_eq!(record["aliases"], serde_json::json!([cve, "GO-2025-9999"]));
    a.aliases.as_mut().unwrap().push(cve.clone());
    let record = export(&a).unwrap();
    assert_eq!(record["aliases"], serde_json::json!(["GO-2025-9999", cve]));
}

#[test]
fn an_id_without_a_known_prefix_is_refused() {
    let mut a = connect();
    a.id = "CONNECT-2025-0001".into();
    let err = export(&a).unwrap_err();
    assert!(err.to_string().contains("CONNECT-2025-0001"), "{err}");
}

#[test]
fn osv_examples_survive_import_and_export() {
    let mut compared = 0;
    let mut paths: Vec<_> = std::fs::read_dir(specs_dir().join("osv/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let original = read_json(format!("osv/examples/{name}"));
        if !errors(osv(), &original).is_empty() {
            // Invalid by design (a range without `introduced`): refused, naming where.
            assert_eq!(name, "nointroduced-CVE-2023-41045.json");
            let err = import(&original, received()).unwrap_err();
            assert!(err.to_string().contains("/affected/"), "{err}");
            continue;
        }
        let advisory = import(&original, received())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .advisory;
        let again = export(&advisory).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_valid(osv(), &again);
        let changed = crate::round_trip::differences(&original, &again, &[]);
        assert!(changed.is_empty(), "{name}: {changed:#?}");
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} examples compared");
}

#[test]
fn parse_refuses_what_is_not_osv() {
    assert!(import(&serde_json::json!({"id": "GHSA-xxxx"}), received()).is_err());
    let extra = serde_json::json!({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "extra": 1});
    let err = import(&extra, received()).unwrap_err();
    assert!(err.to_string().contains("not valid OSV"), "{err}");
}

#[test]
fn the_vendored_schema_is_the_shared_one_and_validate_uses_it() {
    let vendored: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/osv-1.7.5.json")).unwrap();
    assert_eq!(
        vendored,
        read_json("osv/schema.json"),
        "update schemas/osv-1.7.5.json"
    );
    let good = read_json("osv/examples/GHSA-9v2f-6vcg-3hgv.json");
    assert_eq!(embargo_formats::osv::validate(&good), Ok(()));
    let bad = read_json("osv/examples/nointroduced-CVE-2023-41045.json");
    let err = embargo_formats::osv::validate(&bad).unwrap_err();
    assert!(err.starts_with("/affected/"), "{err}");
}

/// The ecosystem list in `core` is the schema's (plus `GIT`, which its suffix pattern
/// accepts), so the two cannot drift apart unnoticed.
#[test]
fn the_core_ecosystem_list_is_the_schemas() {
    let schema = read_json("osv/schema.json");
    let mut from_schema: Vec<&str> = schema["$defs"]["ecosystemName"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    from_schema.push("GIT");
    from_schema.sort_unstable();
    let mut ours = embargo_core::ecosystem::ECOSYSTEMS.to_vec();
    ours.sort_unstable();
    assert_eq!(ours, from_schema);
}
