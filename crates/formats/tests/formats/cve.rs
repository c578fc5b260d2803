//! CVE JSON 5: the Connect record against the bundled 5.1.1 schema, and the refusals.

use crate::fixture::connect;
use crate::schemas::{assert_valid, cve};
use embargo_formats::{Error, Missing, cve::export};

#[test]
fn connect_record_is_valid_cve_5_1_1() {
    let record = export(&connect()).unwrap();
    assert_valid(cve(), &record);
    insta::assert_json_snapshot!("cve", record);
}

#[test]
fn metrics_carry_the_scores_the_vectors_give() {
    let advisory = connect();
    let record = export(&advisory).unwrap();
    let metrics = record["containers"]["cna"]["metrics"].as_array().unwrap();
    for s in &advisory.severity {
        let a = embargo_cvss::assess(&s.score).unwrap();
        let key = match a.vector.version().as_str() {
            "3.1" => "cvssV3_1",
            _ => "cvssV4_0",
        };
        let m = metrics.iter().find_map(|m| m.get(key)).unwrap();
        assert_eq!(m["baseScore"], a.score.value());
        assert_eq!(m["baseSeverity"], a.severity.as_str().to_uppercase());
        assert_eq!(m["vectorString"], s.score);
    }
}

#[test]
fn no_cna_means_no_record() {
    let mut a = connect();
    a.cna = None;
    assert_eq!(
        export(&a),
        Err(Error::Missing {
            format: "CVE",
            missing: Missing::Cna
        })
    );
    let mut a = connect();
    a.cna.as_mut().unwrap().org_id.clear();
    assert!(matches!(
        export(&a),
        Err(Error::Missing {
            missing: Missing::CnaOrgId,
            ..
        })
    ));
    let mut a = connect();
    a.cna.as_mut().unwrap().short_name.clear();
    assert!(matches!(
        export(&a),
        Err(Error::Missing {
            missing: Missing::CnaShortName,
            ..
        })
    ));
    let mut a = connect();
    a.cve_id = None;
    assert!(matches!(
        export(&a),
        Err(Error::Missing {
            missing: Missing::CveId,
            ..
        })
    ));
}

#[test]
fn an_invalid_vector_is_an_error_naming_it() {
    let mut a = connect();
    a.severity[0].score = "CVSS:3.1/AV:Q".into();
    let err = export(&a).unwrap_err();
    assert!(err.to_string().contains("CVSS:3.1/AV:Q"), "{err}");
}
