//! CSAF 2.0: the Connect advisory against the CSAF schema (FIRST CVSS schemas served
//! locally) and every mandatory test.

use crate::csaf_checks::run_all;
use crate::fixture::connect;
use crate::schemas::{assert_valid, csaf};
use embargo_formats::{Error, Missing, csaf::export};

#[test]
fn connect_advisory_is_valid_csaf_and_passes_the_mandatory_tests() {
    let doc = export(&connect()).unwrap();
    assert_valid(csaf(), &doc);
    let problems = run_all(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
    insta::assert_json_snapshot!("csaf", doc);
}

#[test]
fn product_status_follows_the_ranges() {
    let advisory = connect();
    let doc = export(&advisory).unwrap();
    let status = &doc["vulnerabilities"][0]["product_status"];
    let fixed: Vec<&str> = status["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for x in advisory.affected_list() {
        let name = x.component.as_deref().unwrap();
        for r in x
            .ranges
            .iter()
            .filter(|r| r.kind != embargo_formats::RangeKind::Git)
        {
            for e in &r.events {
                if let embargo_formats::Event::Fixed(v) = e {
                    assert!(
                        fixed.contains(&format!("{name}@{v}").as_str()),
                        "{name} {v}"
                    );
                }
            }
        }
    }
    assert!(!status["known_affected"].as_array().unwrap().is_empty());
}

#[test]
fn without_a_self_url_or_publisher_there_is_no_document() {
    let mut a = connect();
    a.csaf_url = None;
    assert!(matches!(
        export(&a),
        Err(Error::Missing {
            missing: Missing::CsafUrl,
            ..
        })
    ));
    let mut a = connect();
    a.publisher = None;
    assert!(matches!(
        export(&a),
        Err(Error::Missing {
            missing: Missing::Publisher,
            ..
        })
    ));
}

#[test]
fn revisions_that_would_fail_the_mandatory_tests_are_refused() {
    let mut a = connect();
    a.revisions[1].number = "1.0.0".into(); // 6.1.30 mixed versioning
    assert!(export(&a).is_err());
    let mut a = connect();
    a.revisions[1].number = "3".into(); // 6.1.21 missing item
    assert!(export(&a).is_err());
    let mut a = connect();
    a.revisions.swap(0, 1); // 6.1.14 sorted history
    assert!(export(&a).is_err());
    let mut a = connect();
    a.revisions.truncate(1);
    a.revisions[0].number = "0".into(); // 6.1.18 / 6.1.20
    assert!(export(&a).is_err());
}

#[test]
fn an_imported_osv_record_without_cwe_names_gets_no_cwe_and_a_publisher_is_required() {
    let osv = crate::schemas::read_json("osv/examples/GHSA-9v2f-6vcg-3hgv.json");
    let mut a = crate::fixture::imported(&osv);
    assert!(matches!(
        export(&a),
        Err(Error::Missing {
            missing: Missing::Publisher,
            ..
        })
    ));
    a.publisher = connect().publisher;
    a.csaf_url = connect().csaf_url;
    // OSV's `cwe_ids` carry no names, and CSAF's `cwe` requires one: it is left out
    // rather than guessed.
    assert!(!a.cwes.is_empty());
    let doc = export(&a).unwrap();
    assert!(doc["vulnerabilities"][0].get("cwe").is_none(), "{doc}");
    a.cwes.clear();
    // Only explicit versions, no ranges: each becomes a known-affected product version.
    let doc = export(&a).unwrap();
    assert_valid(csaf(), &doc);
    let problems = run_all(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Found by the property test: two ranges of one package that name the same interval
/// and the same fixed version must not repeat a product id in any list (the schema
/// requires unique items).
#[test]
fn repeated_ranges_do_not_repeat_product_ids() {
    use embargo_formats::{Event, Range, RangeKind};
    let mut advisory = connect();
    let x = &mut advisory.affected.as_mut().unwrap()[0];
    let range = Range {
        kind: RangeKind::Semver,
        repo: None,
        events: vec![
            Event::Introduced("1.0.0".into()),
            Event::Fixed("1.2.0".into()),
        ],
        database_specific: None,
    };
    x.ranges = vec![range.clone(), range];
    let doc = export(&advisory).unwrap();
    assert_valid(csaf(), &doc);
    assert!(run_all(&doc).is_empty());
    let v = &doc["vulnerabilities"][0];
    let lists = v["remediations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["product_ids"])
        .chain([
            &v["product_status"]["known_affected"],
            &v["product_status"]["fixed"],
        ]);
    for list in lists {
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap())
            .collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(ids.len(), unique.len(), "{ids:?}");
    }
}
