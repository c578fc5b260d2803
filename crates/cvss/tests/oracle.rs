//! Our scores against the `cvss` crate's, the oracle, which parses our normalized
//! vector afresh: on every reference vector of `shared/specs/cvss-testvectors/` and on
//! deterministic random vectors of every version. The random vectors also check
//! `Assessment::write_json` against serde_json.
//!
//! How many random vectors: 10⁶ per version in an optimised build
//! (`cargo test --release -p embargo-cvss --test oracle`, which `scripts/bench-cvss`
//! runs), 20,000 in the debug build of `cargo test`, where the crate's scorer is slow;
//! `EMBARGO_CVSS_ORACLE_VECTORS` overrides both.

use embargo_cvss::{Assessment, Nomenclature, Vector, Version, assess, metrics};
use std::path::PathBuf;
use std::str::FromStr;

fn random_count() -> u64 {
    if let Some(n) = std::env::var_os("EMBARGO_CVSS_ORACLE_VECTORS") {
        let n = n.to_string_lossy();
        return n
            .parse()
            .unwrap_or_else(|_| panic!("EMBARGO_CVSS_ORACLE_VECTORS={n} is not a count"));
    }
    if cfg!(debug_assertions) {
        20_000
    } else {
        1_000_000
    }
}

/// What the `cvss` crate says of our normalized v4.0 vector, in our terms.
fn crate_v4(a: &Assessment) -> (u8, Nomenclature) {
    let text = a.vector.to_string();
    let v = cvss::v4::Vector::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let tenths = (v.score().value() * 10.0).round() as u8;
    let nomenclature = match v.nomenclature() {
        cvss::v4::Nomenclature::CvssB => Nomenclature::CvssB,
        cvss::v4::Nomenclature::CvssBT => Nomenclature::CvssBT,
        cvss::v4::Nomenclature::CvssBE => Nomenclature::CvssBE,
        cvss::v4::Nomenclature::CvssBTE => Nomenclature::CvssBTE,
    };
    (tenths, nomenclature)
}

/// Ours and the oracle's, or `None` when they agree.
fn disagreement(a: &Assessment) -> Option<String> {
    match a.vector.version() {
        Version::V4_0 => {
            let theirs = crate_v4(a);
            let ours = (a.score.tenths(), a.nomenclature?);
            (ours != theirs).then(|| format!("{}: ours {ours:?}, crate {theirs:?}", a.vector))
        }
        Version::V2_0 => {
            let text = a.vector.to_string();
            let v = cvss::v2::Vector::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let theirs = [
                Some(tenths(v.score().value())),
                a.temporal_score.map(|_| tenths(v.temporal_score().value())),
                a.environmental_score
                    .map(|_| tenths(v.environmental_score().value())),
            ];
            compare(a, theirs)
        }
        // v3.0's temporal and environmental scores are where we correct the crate
        // (UPSTREAM.md); `score/v3.rs` checks that the crate gets the very vector it
        // would parse, and `tests/vectors.rs` checks those scores against Red Hat's.
        Version::V3_0 | Version::V3_1 => {
            let text = a.vector.to_string();
            let v = cvss::v3::Vector::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let v31 = a.vector.version() == Version::V3_1;
            let theirs = [
                Some(tenths(v.base_score().value())),
                a.temporal_score
                    .filter(|_| v31)
                    .map(|_| tenths(v.temporal_score().value())),
                a.environmental_score
                    .filter(|_| v31)
                    .map(|_| tenths(v.environmental_score().value())),
            ];
            compare(a, theirs)
        }
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn tenths(x: f64) -> u8 {
    (x * 10.0).round() as u8
}

/// Our base, temporal and environmental scores against the crate's (`None` where
/// not compared).
fn compare(a: &Assessment, theirs: [Option<u8>; 3]) -> Option<String> {
    let ours = [a.base_score, a.temporal_score, a.environmental_score]
        .map(|s| s.map(embargo_cvss::Score::tenths));
    let ours = [
        ours[0],
        ours[1].filter(|_| theirs[1].is_some()),
        ours[2].filter(|_| theirs[2].is_some()),
    ];
    (ours != theirs).then(|| format!("{}: ours {ours:?}, crate {theirs:?}", a.vector))
}

fn reference_vectors() -> Vec<String> {
    let specs = std::env::var_os("EMBARGO_SPECS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs"),
        PathBuf::from,
    );
    let dir = specs.join("cvss-testvectors/redhat-cvss");
    let mut vectors = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "txt") {
            let text = std::fs::read_to_string(&path).unwrap();
            vectors.extend(
                text.lines()
                    .filter_map(|l| l.split_once(" - "))
                    .map(|(v, _)| v.to_owned()),
            );
        }
    }
    vectors
}

#[test]
fn every_reference_vector_scores_as_the_crate_does() {
    let vectors = reference_vectors();
    let v4 = vectors
        .iter()
        .filter(|v| v.starts_with("CVSS:4.0/"))
        .count();
    assert!(v4 > 1_000, "only {v4} v4.0 reference vectors");
    let failures: Vec<_> = vectors
        .iter()
        .filter_map(|v| disagreement(&assess(v).unwrap_or_else(|e| panic!("{v}: {e}"))))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} disagree:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn random_v4_vectors_score_as_the_crate_does() {
    random_vectors_score_as_the_crate_does(Version::V4_0);
}

#[test]
fn random_v3_1_vectors_score_as_the_crate_does() {
    random_vectors_score_as_the_crate_does(Version::V3_1);
}

#[test]
fn random_v3_0_vectors_score_as_the_crate_does() {
    random_vectors_score_as_the_crate_does(Version::V3_0);
}

#[test]
fn random_v2_vectors_score_as_the_crate_does() {
    random_vectors_score_as_the_crate_does(Version::V2_0);
}

fn random_vectors_score_as_the_crate_does(version: Version) {
    let n = random_count();
    let mut rng = XorShift(0x0DDB_1A5E_5BAD_5EED);
    let mut line = String::with_capacity(256);
    let mut failures = Vec::new();
    let mut scores = [0u64; 101];
    let mut json = Vec::new();
    for _ in 0..n {
        random_vector(&mut rng, version, &mut line);
        let a = assess(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
        scores[usize::from(a.score.tenths())] += 1;
        // The fast JSON writer, against serde_json on the `Serialize` impl.
        json.clear();
        a.write_json(&mut json);
        assert_eq!(json, serde_json::to_vec(&a).unwrap(), "{line}");
        if let Some(f) = disagreement(&a) {
            failures.push(f);
            if failures.len() == 20 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The vectors reach across the scale, not one corner of it.
    let reached = scores.iter().filter(|&&c| c > 0).count();
    assert!(
        reached > 90,
        "only {reached} distinct scores in {n} CVSS {version} vectors"
    );
    eprintln!("{n} random CVSS {version} vectors agree, {reached} distinct scores");
}

/// The metrics that change a v4.0 score, each with the values that score differently
/// (Not Defined adds none, and of the modified metrics only MSI/MSA's Safety does).
const SCORING: [(&str, &[&str]); 15] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N", "S"]),
    ("SA", &["H", "L", "N", "S"]),
    ("E", &["A", "P", "U"]),
    ("CR", &["H", "M", "L"]),
    ("IR", &["H", "M", "L"]),
    ("AR", &["H", "M", "L"]),
];

/// The `i`th of all the distinct scoring inputs (a mixed-radix number over `SCORING`).
fn scoring_input(mut i: u64, out: &mut String) {
    out.clear();
    out.push_str("CVSS:4.0");
    let mut safety = Vec::new();
    for (metric, values) in SCORING {
        let n = values.len() as u64;
        let value = values[usize::try_from(i % n).unwrap()];
        i /= n;
        // Safety is a value of the modified metric only: SI:N/…/MSI:S.
        let value = if value == "S" {
            safety.push(metric);
            "N"
        } else {
            value
        };
        out.push_str(&format!("/{metric}:{value}"));
    }
    for metric in safety {
        out.push_str(&format!("/M{metric}:S"));
    }
}

/// Every distinct combination of scoring values, or an even sample of them: the
/// stride is 1 with `EMBARGO_CVSS_ORACLE_EXHAUSTIVE=1` (15,116,544 vectors, minutes
/// in release), else chosen for about as many vectors as the random test.
#[test]
fn distinct_v4_scoring_inputs_score_as_the_crate_does() {
    let all: u64 = SCORING.iter().map(|(_, v)| v.len() as u64).product();
    assert_eq!(all, 15_116_544);
    let exhaustive = std::env::var_os("EMBARGO_CVSS_ORACLE_EXHAUSTIVE").is_some_and(|v| v == "1");
    // An odd stride walks through every radix position, not a fixed residue.
    let stride = if exhaustive {
        1
    } else {
        (all / random_count()).max(1) | 1
    };
    let mut line = String::with_capacity(256);
    let mut failures = Vec::new();
    let mut checked = 0u64;
    for i in (0..all).step_by(usize::try_from(stride).unwrap()) {
        scoring_input(i, &mut line);
        let a = assess(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
        checked += 1;
        if let Some(f) = disagreement(&a) {
            failures.push(f);
            if failures.len() == 20 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{checked} distinct scoring inputs agree (stride {stride})");
}

/// A valid vector: every mandatory metric, each other one half the time, values
/// uniformly drawn, in the specification's order.
fn random_vector(rng: &mut XorShift, version: Version, out: &mut String) {
    out.clear();
    if version != Version::V2_0 {
        out.push_str("CVSS:");
        out.push_str(version.as_str());
    }
    for m in metrics(version) {
        if !m.mandatory && rng.below(2) == 0 {
            continue;
        }
        let value = &m.values[usize::try_from(rng.below(m.values.len() as u64)).unwrap()];
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(m.abbr);
        out.push(':');
        out.push_str(value.abbr);
    }
    debug_assert!(Vector::parse(out).is_ok(), "{out}");
}

/// xorshift64: deterministic, so a failure reproduces.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
