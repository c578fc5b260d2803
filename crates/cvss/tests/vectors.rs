//! Replays every scored vector of `shared/specs/cvss-testvectors/` (Red Hat's `cvss`
//! library test data, which follows FIRST's specifications), and checks invariants on
//! generated vectors of every version.

use embargo_cvss::{Assessment, Group, Score, Vector, Version, assess, metrics};
use proptest::prelude::*;
use std::path::PathBuf;

fn vectors_dir() -> PathBuf {
    let specs = std::env::var_os("EMBARGO_SPECS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs"),
        PathBuf::from,
    );
    specs.join("cvss-testvectors/redhat-cvss")
}

/// `9.2`, `(9.2,)`, `-0.0`, `5`, `None` → tenths (None stays None).
fn expected_score(s: &str) -> Option<u8> {
    let s = s.trim();
    if s == "None" {
        return None;
    }
    let x: f64 = s.parse().unwrap_or_else(|_| panic!("not a score: {s:?}"));
    Some(Score::tenths_of(x.abs()))
}

trait TenthsOf {
    fn tenths_of(x: f64) -> u8;
}

impl TenthsOf for Score {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn tenths_of(x: f64) -> u8 {
        (x * 10.0).round() as u8
    }
}

fn tenths(s: Option<Score>) -> Option<u8> {
    s.map(Score::tenths)
}

/// What the file says against what we compute, or `None` when they agree.
fn mismatch(line: &str, got: &Assessment, expected: &str) -> Option<String> {
    let inner = expected
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')');
    let parts: Vec<Option<u8>> = inner
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(expected_score)
        .collect();
    let ours: Vec<Option<u8>> = match got.vector.version() {
        Version::V4_0 => vec![Some(got.score.tenths())],
        // Red Hat's library leaves a v2 group it was not given unscored.
        Version::V2_0 => vec![
            tenths(got.base_score),
            tenths(got.temporal_score),
            tenths(got.environmental_score),
        ],
        // …but always scores all three v3 groups. Ours are `None` where the vector
        // has no metric of the group; give it one (Not Defined, which changes no
        // score) so that every file value is checked against ours.
        Version::V3_0 | Version::V3_1 => {
            let mut full = got.vector.to_string();
            if got.temporal_score.is_none() {
                full.push_str("/E:X");
            }
            if got.environmental_score.is_none() {
                full.push_str("/CR:X");
            }
            let full = assess(&full).expect("adding Not Defined metrics keeps a v3 vector valid");
            vec![
                tenths(got.base_score),
                tenths(got.temporal_score.or(full.temporal_score)),
                tenths(got.environmental_score.or(full.environmental_score)),
            ]
        }
    };
    (ours != parts).then(|| format!("{line}\n    expected {parts:?}, got {ours:?}"))
}

#[test]
fn every_reference_vector_scores_as_specified() {
    let dir = vectors_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut replayed = 0usize;
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (vector, expected) = line
                .split_once(" - ")
                .unwrap_or_else(|| panic!("{}: malformed line {line:?}", file.display()));
            replayed += 1;
            match assess(vector) {
                Ok(got) => failures.extend(mismatch(line, &got, expected)),
                Err(e) => failures.push(format!("{line}\n    refused: {e}")),
            }
        }
    }
    eprintln!(
        "replayed {replayed} reference vectors from {} files in {}",
        files.len(),
        dir.display()
    );
    assert!(replayed > 0, "no test vectors found in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {replayed} vectors disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A valid vector of `version`: every base metric, each other metric perhaps, in the
/// specification's order (picks are indices into the value lists, `None` = omit).
fn valid_vector(version: Version) -> impl Strategy<Value = String> {
    let picks: Vec<_> = metrics(version)
        .iter()
        .map(|m| {
            let n = m.values.len();
            if m.mandatory {
                (0..n).prop_map(Some).boxed()
            } else {
                proptest::option::of(0..n).boxed()
            }
        })
        .collect();
    picks.prop_map(move |picks| {
        let mut parts: Vec<String> = Vec::new();
        if version != Version::V2_0 {
            parts.push(format!("CVSS:{version}"));
        }
        for (m, pick) in metrics(version).iter().zip(picks) {
            if let Some(i) = pick {
                parts.push(format!("{}:{}", m.abbr, m.values[i].abbr));
            }
        }
        parts.join("/")
    })
}

fn any_valid_vector() -> impl Strategy<Value = String> {
    prop_oneof![
        valid_vector(Version::V2_0),
        valid_vector(Version::V3_0),
        valid_vector(Version::V3_1),
        valid_vector(Version::V4_0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_vectors_score_within_range_and_print_back(input in any_valid_vector()) {
        let a = assess(&input).map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        prop_assert!(a.score.tenths() <= 100);
        for s in [a.base_score, a.temporal_score, a.environmental_score].into_iter().flatten() {
            prop_assert!(s.tenths() <= 100);
        }
        // Generated in the specification's order, so the normalized form is the input.
        let printed = a.vector.to_string();
        prop_assert_eq!(&printed, &input);
        let again = Vector::parse(&printed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, a.vector);
        prop_assert_eq!(
            again.metrics().collect::<Vec<_>>(),
            a.vector.metrics().collect::<Vec<_>>()
        );
        prop_assert_eq!(a.nomenclature.is_some(), a.vector.version() == Version::V4_0);
        prop_assert_eq!(
            a.temporal_score.is_some(),
            a.vector.version() != Version::V4_0 && a.vector.has_group(Group::Temporal)
        );
    }
}
