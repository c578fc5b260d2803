//! `embargo import osv` (V10): published advisories become disclosed cases; exporting
//! them as OSV gives the records back unchanged (credits without contact details);
//! re-importing changes nothing; an invalid file is reported with its path and the
//! schema error, and the rest go in.

use super::support::*;
use serde_json::Value;
use std::collections::BTreeMap;

const KEPT: [&str; 10] = [
    "id",
    "aliases",
    "summary",
    "details",
    "affected",
    "severity",
    "references",
    "credits",
    "published",
    "modified",
];

/// A field as a document may publish it: credits without their contact details, which
/// no document of ours publishes (issue 12).
fn published(field: &str, value: Option<&Value>) -> Option<Value> {
    let mut value = value.cloned()?;
    if field == "credits" {
        for credit in value.as_array_mut().into_iter().flatten() {
            credit.as_object_mut().map(|c| c.remove("contact"));
        }
    }
    Some(value)
}

#[test]
fn imported_advisories_export_unchanged_and_reimport_changes_nothing() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().join("data").display().to_string();
    let storage = ["--data-dir", d.as_str()];
    let run = |args: &[&str]| embargo(&[args, &storage[..]].concat());
    let out = run(&[
        "admin",
        "project",
        "create",
        "--slug",
        "connect",
        "--name",
        "Connect",
        "--component",
        "go",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Every OSV example the schema accepts, and the one it does not.
    let examples = embargo_testkit::specs_dir().join("osv/examples");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let mut originals = BTreeMap::new();
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Variants of other examples under the same id: imported on their own below.
        if name.starts_with("nondistinct-") || name.starts_with("nopackage-") {
            continue;
        }
        std::fs::copy(&path, input.join(&name)).unwrap();
        let record: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if !name.starts_with("nointroduced") {
            originals.insert(record["id"].as_str().unwrap().to_owned(), record);
        }
    }
    std::fs::write(input.join("broken.json"), "{ \"id\": ").unwrap();
    let i = input.display().to_string();
    // Small batches, so that a run crosses several of them.
    let first = run(&["import", "osv", "--project", "connect", "--batch", "3", &i]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "the invalid files make the run fail"
    );
    let err = stderr(&first);
    assert!(
        err.contains("nointroduced-CVE-2023-41045.json")
            && err.contains("not valid OSV: /affected"),
        "{err}"
    );
    assert!(err.contains("broken.json: not JSON"), "{err}");
    let printed = stdout(&first);
    assert!(
        printed.contains(&format!(
            "{} imported, 0 unchanged, 2 failed",
            originals.len()
        )),
        "{printed}"
    );
    // Each file is reported once, in the files' order.
    let reported: Vec<&str> = printed
        .lines()
        .filter_map(|l| l.strip_prefix("imported "))
        .collect();
    assert_eq!(reported.len(), originals.len(), "{printed}");
    assert!(reported.is_sorted(), "{printed}");

    let again = run(&["import", "osv", "--project", "connect", &i]);
    assert!(
        stdout(&again).contains(&format!(
            "0 imported, {} unchanged, 2 failed",
            originals.len()
        )),
        "{}",
        stdout(&again)
    );

    // Another record under an id already imported is refused, not merged.
    let variant = examples
        .join("nopackage-GHSA-9v2f-6vcg-3hgv.json")
        .display()
        .to_string();
    let clash = run(&["import", "osv", "--project", "connect", &variant]);
    assert_eq!(clash.status.code(), Some(1));
    assert!(
        stderr(&clash).contains("imported before from a different record"),
        "{}",
        stderr(&clash)
    );

    let exported = dir.path().join("out");
    let o = exported.display().to_string();
    let out = run(&[
        "export",
        "--project",
        "connect",
        "--format",
        "osv",
        "--out",
        &o,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut seen = 0;
    for entry in std::fs::read_dir(&exported).unwrap() {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let original = &originals[doc["id"].as_str().unwrap()];
        for field in KEPT {
            assert_eq!(
                published(field, doc.get(field)),
                published(field, original.get(field)),
                "{}: `{field}` changed",
                original["id"]
            );
        }
        seen += 1;
    }
    assert_eq!(seen, originals.len());
}

/// Issue 14: a record naming its ecosystem by an older name (GitHub's `pip`) comes in
/// under today's name instead of being refused whole; a placeholder date does not
/// become a case received in year 1.
#[test]
fn older_ecosystem_names_and_placeholder_dates_are_imported() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().join("data").display().to_string();
    let storage = ["--data-dir", d.as_str()];
    let run = |args: &[&str]| embargo(&[args, &storage[..]].concat());
    let out = run(&[
        "admin",
        "project",
        "create",
        "--slug",
        "connect",
        "--name",
        "Connect",
        "--component",
        "go",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../formats/tests/data/osv-real");
    let mut record: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("ghsa/GHSA-5357-c2jx-v7qh.json")).unwrap(),
    )
    .unwrap();
    record["affected"][0]["package"]["ecosystem"] = "pip".into();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("old-name.json"), record.to_string()).unwrap();
    std::fs::copy(
        data.join("go/GO-2023-2102.json"),
        input.join("GO-2023-2102.json"),
    )
    .unwrap();
    let i = input.display().to_string();
    let imported = run(&["import", "osv", "--project", "connect", &i]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("2 imported, 0 unchanged, 0 failed"),
        "{}",
        stdout(&imported)
    );
    // The operator is told what was fixed, file by file.
    let warned = stderr(&imported);
    assert!(
        warned.contains(
            "old-name.json: affected[0].package.ecosystem: `pip` is an older name of `PyPI`"
        ),
        "{warned}"
    );
    assert!(
        warned.contains("GO-2023-2102.json: published: `0001-01-01T00:00:00Z` is a placeholder"),
        "{warned}"
    );
    let o = dir.path().join("out").display().to_string();
    let out = run(&[
        "export",
        "--project",
        "connect",
        "--format",
        "osv",
        "--out",
        &o,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for entry in std::fs::read_dir(dir.path().join("out")).unwrap() {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        assert!(!doc.to_string().contains("0001-01-01"), "{doc}");
        if doc["id"] == "GHSA-5357-c2jx-v7qh" {
            assert_eq!(doc["affected"][0]["package"]["ecosystem"], "PyPI");
        } else {
            assert_eq!(doc["id"], "GO-2023-2102");
            assert!(doc.get("published").is_none(), "{doc}");
        }
    }
}
