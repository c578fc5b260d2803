//! Real published OSV records (`tests/data/osv-real/`, sources and licences in its
//! README): each is imported as `embargo import osv` imports it, then exported in every
//! format. OSV gives the record back; the CVE record and the CSAF document are valid
//! (CSAF passes the mandatory tests), or the advisory is one that cannot have that
//! document — no CVE id, nothing named as affected — and the error says so.

use crate::csaf_checks::run_all;
use crate::fixture::{imported, received};
use crate::round_trip::differences;
use crate::schemas::{assert_valid, csaf, cve, errors, osv};
use embargo_formats::osv::{Warning, import};
use embargo_formats::{Advisory, Cna, Publisher, RangeKind, cve as cve_doc};
use serde_json::Value;
use std::path::PathBuf;

struct Real {
    /// `source/ID.json`.
    name: String,
    record: Value,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/osv-real")
}

fn all() -> Vec<Real> {
    let mut out = Vec::new();
    let mut sources: Vec<_> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    sources.sort();
    for dir in sources {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            out.push(Real {
                name: format!(
                    "{}/{}",
                    dir.file_name().unwrap().to_string_lossy(),
                    f.file_name().unwrap().to_string_lossy()
                ),
                record: serde_json::from_str(&text).unwrap(),
            });
        }
    }
    out
}

fn one(name: &str) -> Value {
    all()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .record
}

/// What the server adds to an imported record before it exports (its
/// `App::advisory`): a publisher, the CNA, the document URLs.
fn served(mut a: Advisory) -> Advisory {
    a.publisher.get_or_insert(Publisher {
        name: "Example Foundation".into(),
        namespace: "https://security.example.org".into(),
        contact: None,
    });
    a.cna = Some(Cna {
        short_name: "example".into(),
        org_id: "8254265b-2729-46b6-b9e3-3dfca2d5bfca".into(),
    });
    a.url = Some(format!("https://security.example.org/advisories/{}", a.id));
    a.csaf_url = Some(format!(
        "https://security.example.org/advisories/{}.csaf.json",
        a.id
    ));
    a
}

#[test]
fn the_real_records_are_valid_osv_and_each_is_listed_in_the_readme() {
    let readme = std::fs::read_to_string(data_dir().join("README.md")).unwrap();
    let records = all();
    assert!(records.len() >= 25, "only {} records", records.len());
    for r in &records {
        assert_valid(osv(), &r.record);
        let id = r.record["id"].as_str().unwrap();
        assert!(readme.contains(id), "{} is not in the README", r.name);
    }
    for source in ["ghsa/", "go/", "oss-fuzz/", "pypa/"] {
        assert!(
            records.iter().any(|r| r.name.starts_with(source)),
            "{source}"
        );
    }
}

/// Fields import changed on purpose, with a warning: not compared.
fn warned_fields(warnings: &[Warning]) -> Vec<&'static str> {
    warnings
        .iter()
        .map(|w| match w {
            Warning::EcosystemRenamed { .. } => "affected",
            Warning::PlaceholderDate { field, .. } => field,
        })
        .collect()
}

#[test]
fn every_real_record_comes_back_from_osv_export() {
    for r in all() {
        let imported = import(&r.record, received()).unwrap_or_else(|e| panic!("{}: {e}", r.name));
        let again = embargo_formats::osv::export(&imported.advisory)
            .unwrap_or_else(|e| panic!("{}: {e}", r.name));
        assert_valid(osv(), &again);
        let mut skip = warned_fields(&imported.warnings);
        if skip.contains(&"withdrawn") {
            skip.push("modified");
        }
        let changed = differences(&r.record, &again, &skip);
        assert!(changed.is_empty(), "{}: {changed:#?}", r.name);
        assert_eq!(
            r.record.get("withdrawn").is_some(),
            again.get("withdrawn").is_some(),
            "{}: a withdrawn advisory must come back withdrawn",
            r.name
        );
    }
}

#[test]
fn every_real_record_gets_a_valid_cve_record_or_a_reason() {
    let mut made = 0;
    for r in all() {
        let a = served(imported(&r.record));
        match cve_doc::export(&a) {
            Ok(doc) => {
                let problems = errors(cve(), &doc);
                assert!(problems.is_empty(), "{}: {problems:#?}", r.name);
                assert!(!doc.to_string().contains("0001-01-01"), "{}", r.name);
                made += 1;
            }
            Err(e) => {
                assert!(e.not_applicable(), "{}: {e}", r.name);
                assert!(
                    a.cve_id.is_none() || a.affected_list().is_empty(),
                    "{}: {e}",
                    r.name
                );
            }
        }
    }
    assert!(made >= 15, "only {made} CVE records");
}

#[test]
fn every_real_record_gets_a_valid_csaf_document_or_a_reason() {
    let mut made = 0;
    for r in all() {
        let a = served(imported(&r.record));
        match embargo_formats::csaf::export(&a) {
            Ok(doc) => {
                let problems = errors(csaf(), &doc);
                assert!(problems.is_empty(), "{}: {problems:#?}", r.name);
                let failed = run_all(&doc);
                assert!(failed.is_empty(), "{}: {failed:#?}", r.name);
                assert!(!doc.to_string().contains("0001-01-01"), "{}", r.name);
                made += 1;
            }
            Err(e) => {
                assert!(e.not_applicable(), "{}: {e}", r.name);
                assert!(a.affected_list().is_empty(), "{}: {e}", r.name);
            }
        }
    }
    assert!(made >= 25, "only {made} CSAF documents");
}

#[test]
fn placeholder_dates_are_read_as_unknown() {
    let record = one("go/GO-2023-2102.json");
    assert_eq!(record["modified"], "0001-01-01T00:00:00Z");
    let imported = import(&record, received()).unwrap();
    assert_eq!(
        imported.warnings,
        vec![
            Warning::PlaceholderDate {
                field: "published",
                instead: None
            },
            Warning::PlaceholderDate {
                field: "modified",
                instead: Some(received())
            },
        ]
    );
    assert!(
        imported.warnings[0].to_string().contains("placeholder"),
        "{}",
        imported.warnings[0]
    );
    let a = served(imported.advisory);
    assert_eq!(a.published, None);
    let record = cve_doc::export(&a).unwrap();
    assert_valid(cve(), &record);
    assert!(record["cveMetadata"].get("datePublished").is_none());
    assert_eq!(record["cveMetadata"]["dateUpdated"], received().to_string());
    let doc = embargo_formats::csaf::export(&a).unwrap();
    assert_eq!(
        doc["document"]["tracking"]["initial_release_date"],
        received().to_string()
    );
    assert!(doc["vulnerabilities"][0].get("release_date").is_none());
}

#[test]
fn a_record_without_summary_is_titled_by_its_first_sentence() {
    let record = one("pypa/PYSEC-2017-3.json");
    assert!(record.get("summary").is_none());
    let doc = embargo_formats::csaf::export(&served(imported(&record))).unwrap();
    assert_eq!(
        doc["document"]["title"],
        "The chroot, jail, and zone connection plugins in ansible before 1.9.2 allow local \
         users to escape a restricted environment via a symlink attack."
    );
    // No prose at all: the id.
    let mut bare = served(imported(&record));
    bare.details = Some("```\ncrash\n```".into());
    assert_eq!(
        embargo_formats::csaf::export(&bare).unwrap()["document"]["title"],
        "PYSEC-2017-3"
    );
}

#[test]
fn details_over_the_cve_limit_are_shortened_with_a_link_and_kept_elsewhere() {
    let record = one("ghsa/GHSA-ff4p-7xrq-q5r8.json");
    let details = record["details"].as_str().unwrap();
    assert!(details.chars().count() > 4096);
    let a = served(imported(&record));
    let doc = cve_doc::export(&a).unwrap();
    assert_valid(cve(), &doc);
    let description = doc["containers"]["cna"]["descriptions"][0]["value"]
        .as_str()
        .unwrap();
    assert!(description.chars().count() <= 4096);
    let tail =
        " […] The full advisory: https://security.example.org/advisories/GHSA-ff4p-7xrq-q5r8";
    assert!(description.ends_with(tail), "{description}");
    let kept = description.strip_suffix(tail).unwrap();
    assert!(details.starts_with(kept) && kept.ends_with('.'), "{kept}");
    // The Markdown fits its own, larger limit whole; OSV and CSAF keep it all.
    assert_eq!(
        doc["containers"]["cna"]["descriptions"][0]["supportingMedia"][0]["value"],
        details
    );
    assert_eq!(
        embargo_formats::osv::export(&a).unwrap()["details"],
        details
    );
    let csaf = embargo_formats::csaf::export(&a).unwrap();
    assert_eq!(csaf["vulnerabilities"][0]["notes"][0]["text"], details);
}

fn fixed_commits(record: &Value) -> Vec<String> {
    record["affected"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|x| x["ranges"].as_array().unwrap())
        .filter(|r| r["type"] == "GIT")
        .flat_map(|r| r["events"].as_array().unwrap())
        .filter_map(|e| e["fixed"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn every_fixing_commit_of_a_git_range_reaches_the_cve_record() {
    for name in ["pypa/PYSEC-2017-3.json", "oss-fuzz/OSV-2022-667.json"] {
        let record = one(name);
        let fixes = fixed_commits(&record);
        assert!(fixes.len() >= 2, "{name}");
        let mut a = served(imported(&record));
        a.cve_id.get_or_insert("CVE-2099-0001".into());
        let doc = cve_doc::export(&a).unwrap();
        assert_valid(cve(), &doc);
        let git: Vec<&Value> = doc["containers"]["cna"]["affected"][0]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["versionType"] == "git")
            .collect();
        assert_eq!(git.len(), 1, "{name}: {git:#?}");
        assert_eq!(git[0]["lessThan"], "*");
        let at: Vec<&str> = git[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["status"], "unaffected");
                c["at"].as_str().unwrap()
            })
            .collect();
        assert_eq!(at, fixes, "{name}");
    }
}

#[test]
fn a_package_known_by_commits_only_is_a_csaf_product() {
    let record = one("oss-fuzz/OSV-2022-667.json");
    let a = served(imported(&record));
    let x = &a.affected_list()[0];
    assert!(x.versions.is_empty() && x.ranges.iter().all(|r| r.kind == RangeKind::Git));
    let doc = embargo_formats::csaf::export(&a).unwrap();
    assert_valid(csaf(), &doc);
    assert!(run_all(&doc).is_empty());
    let product = &doc["product_tree"]["branches"][0]["branches"][0];
    assert_eq!(product["name"], "antlr4-java");
    let ranges: Vec<&str> = product["branches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["category"] == "product_version_range")
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        ranges,
        ["commits of https://github.com/antlr/antlr4.git since \
          1df58f77820b5feb747d34cc6aff26276db8b6dd up to, not including, \
          14703f21b5802e880da8c3afe80824ab651aee07 or 592ccc4e48db2b862523fd022b954231b8609fe0"]
    );
    let v = &doc["vulnerabilities"][0];
    let fixes = fixed_commits(&record);
    let fixed: Vec<String> = fixes.iter().map(|c| format!("antlr4-java@{c}")).collect();
    assert_eq!(v["product_status"]["fixed"], serde_json::json!(fixed));
    let urls: Vec<&str> = v["remediations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["category"] == "vendor_fix")
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = fixes
        .iter()
        .map(|c| format!("https://github.com/antlr/antlr4/commit/{c}"))
        .collect();
    assert_eq!(urls, expected);
}

#[test]
fn withdrawn_records_stay_withdrawn_in_every_format() {
    for name in ["ghsa/GHSA-57m8-f3v5-hm5m.json", "go/GO-2024-2442.json"] {
        let record = one(name);
        let mut a = served(imported(&record));
        let at = a.withdrawn.as_ref().unwrap().at;
        let osv_doc = embargo_formats::osv::export(&a).unwrap();
        assert_eq!(osv_doc["withdrawn"], record["withdrawn"], "{name}");
        let csaf_doc = embargo_formats::csaf::export(&a).unwrap();
        assert_valid(csaf(), &csaf_doc);
        assert!(run_all(&csaf_doc).is_empty(), "{name}");
        assert_eq!(csaf_doc["document"]["notes"][0]["title"], "Withdrawn");
        let history = csaf_doc["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap();
        assert_eq!(history.last().unwrap()["date"], at.to_string(), "{name}");
        a.cve_id.get_or_insert("CVE-2099-0002".into());
        let cve_record = cve_doc::export(&a).unwrap();
        assert_valid(cve(), &cve_record);
        let description = cve_record["containers"]["cna"]["descriptions"][0]["value"]
            .as_str()
            .unwrap();
        assert!(description.starts_with("** WITHDRAWN **"), "{description}");
        assert_eq!(
            cve_record["containers"]["cna"]["tags"],
            serde_json::json!(["x_withdrawn"])
        );
    }
}

#[test]
fn upstream_and_related_ids_survive_import() {
    let record = one("redhat/RHSA-2024_4546.json");
    let a = imported(&record);
    assert_eq!(a.upstream, ["CVE-2023-45288"]);
    assert_eq!(
        embargo_formats::osv::export(&a).unwrap()["upstream"],
        record["upstream"]
    );
    let record = one("go/GO-2023-1546.json");
    let a = imported(&record);
    assert_eq!(
        embargo_formats::osv::export(&a).unwrap()["related"],
        record["related"]
    );
}

#[test]
fn an_ecosystem_under_an_older_name_is_mapped_with_a_warning() {
    let mut record = one("ghsa/GHSA-5357-c2jx-v7qh.json");
    // GitHub's own name for PyPI, as a record exported from GitHub by hand carries it.
    record["affected"][0]["package"]["ecosystem"] = "pip".into();
    assert!(
        !errors(osv(), &record).is_empty(),
        "the schema refuses `pip`"
    );
    let imported = import(&record, received()).unwrap();
    assert_eq!(
        imported.warnings,
        [Warning::EcosystemRenamed {
            affected: 0,
            from: "pip".into(),
            to: "PyPI".into()
        }]
    );
    assert_eq!(
        imported.warnings[0].to_string(),
        "affected[0].package.ecosystem: `pip` is an older name of `PyPI`; imported as `PyPI`"
    );
    let again = embargo_formats::osv::export(&imported.advisory).unwrap();
    assert_eq!(again["affected"][0]["package"]["ecosystem"], "PyPI");
    assert_valid(osv(), &again);

    // Swift's name before OSV called the ecosystem SwiftURL, with the other entries.
    let swift = serde_json::json!({
        "id": "GHSA-0000-0000-0001", "modified": "2023-07-01T00:00:00Z",
        "affected": [
            {"package": {"ecosystem": "Swift", "name": "github.com/apple/swift-nio-http2"},
             "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.19.2"}]}]},
            {"package": {"ecosystem": "npm", "name": "ws"}}
        ]
    });
    let imported = import(&swift, received()).unwrap();
    let names: Vec<&str> = imported
        .advisory
        .affected_list()
        .iter()
        .map(|x| x.package.as_ref().unwrap().ecosystem.as_str())
        .collect();
    assert_eq!(names, ["SwiftURL", "npm"]);
    assert_eq!(imported.warnings.len(), 1);
}

#[test]
fn an_unknown_ecosystem_is_refused_naming_where() {
    let mut record = one("ghsa/GHSA-5357-c2jx-v7qh.json");
    record["affected"][0]["package"]["ecosystem"] = "Cocoapods".into();
    let err = import(&record, received()).unwrap_err();
    assert!(
        err.to_string().contains("/affected/0/package/ecosystem"),
        "{err}"
    );
}
