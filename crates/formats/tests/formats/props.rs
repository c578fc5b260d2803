//! Any advisory the generator can build exports to schema-valid OSV, CVE and CSAF.

use crate::fixture::connect;
use crate::schemas::{assert_valid, csaf, cve, osv};
use embargo_formats::{Affected, Event, Package, Range, RangeKind, Severity};
use proptest::prelude::*;

fn version() -> impl Strategy<Value = String> {
    (0u8..5, 0u8..20, 0u8..10).prop_map(|(a, b, c)| format!("{a}.{b}.{c}"))
}

fn range() -> impl Strategy<Value = Range> {
    (
        prop_oneof![Just(RangeKind::Semver), Just(RangeKind::Ecosystem)],
        prop::collection::vec((version(), prop::option::of(version())), 1..4),
    )
        .prop_map(|(kind, pairs)| Range {
            kind,
            repo: None,
            events: pairs
                .into_iter()
                .flat_map(|(i, f)| std::iter::once(Event::Introduced(i)).chain(f.map(Event::Fixed)))
                .collect(),
            database_specific: None,
        })
}

fn affected() -> impl Strategy<Value = Affected> {
    (
        "[a-z][a-z0-9-]{0,12}",
        prop_oneof![
            Just("Go"),
            Just("npm"),
            Just("Maven"),
            Just("SwiftURL"),
            Just("crates.io")
        ],
        prop::collection::vec(range(), 1..3),
    )
        .prop_map(|(name, ecosystem, ranges)| Affected {
            package: Some(Package {
                ecosystem: ecosystem.into(),
                name: name.clone(),
                purl: Some(format!("pkg:generic/{name}")),
            }),
            component: Some(name),
            ranges,
            versions: Vec::new(),
            severity: Vec::new(),
            ecosystem_specific: None,
            database_specific: None,
        })
}

fn vector() -> impl Strategy<Value = String> {
    let v = |opts: &'static [&'static str]| prop::sample::select(opts);
    (
        v(&["N", "A", "L", "P"]),
        v(&["L", "H"]),
        v(&["N", "L", "H"]),
        v(&["N", "R"]),
        v(&["U", "C"]),
        v(&["N", "L", "H"]),
        v(&["N", "L", "H"]),
        v(&["N", "L", "H"]),
    )
        .prop_map(|(av, ac, pr, ui, s, c, i, a)| {
            format!("CVSS:3.1/AV:{av}/AC:{ac}/PR:{pr}/UI:{ui}/S:{s}/C:{c}/I:{i}/A:{a}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_advisories_export_schema_valid_documents(
        affected in prop::collection::vec(affected(), 1..4),
        vector in vector(),
        summary in "[A-Za-z][A-Za-z ]{0,60}",
        seconds in 1_600_000_000i64..1_900_000_000,
    ) {
        let mut a = connect();
        a.affected = Some(affected);
        a.severity = vec![Severity::cvss(&vector)];
        a.summary = Some(summary);
        let t = jiff::Timestamp::from_second(seconds).unwrap();
        a.published = Some(t);
        a.modified = t;
        a.revisions.truncate(1);
        a.revisions[0].date = t;
        a.timeline.clear();
        assert_valid(osv(), &embargo_formats::osv::export(&a).unwrap());
        assert_valid(cve(), &embargo_formats::cve::export(&a).unwrap());
        let doc = embargo_formats::csaf::export(&a).unwrap();
        assert_valid(csaf(), &doc);
        let problems = crate::csaf_checks::run_all(&doc);
        prop_assert!(problems.is_empty(), "{:?}", problems);
    }
}
