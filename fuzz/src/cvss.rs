//! The CVSS target: any text through `Vector::parse` and `assess`. A vector that parses
//! prints back to a vector that parses to the same value, scores within 0.0–10.0 with
//! the severity its version's scale gives, and a refusal names its rule in a message
//! of bounded length whatever the input's size.

use embargo_cvss::{Group, ParseError, Severity, Vector, Version, assess, metrics};

/// Refusals echo at most 64 characters of input; the rest is our own words and the
/// lists of allowed values, far below this.
const LONGEST_MESSAGE: usize = 600;

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Vector::parse(text) {
        Ok(vector) => accepted(text, vector),
        Err(e) => refused(text, &e),
    }
}

fn accepted(text: &str, vector: Vector) {
    let printed = vector.to_string();
    let again = Vector::parse(&printed).unwrap_or_else(|e| {
        panic!("{text:?} parses, but its printed form {printed:?} does not: {e}")
    });
    assert_eq!(again, vector, "{text:?} printed as {printed:?}");
    assert_eq!(again.to_string(), printed, "printing is not stable");

    let version = vector.version();
    for m in metrics(version).iter().filter(|m| m.mandatory) {
        assert!(
            vector.get(m.abbr).is_some(),
            "{text:?} parsed without mandatory metric {}",
            m.abbr
        );
    }

    let a = vector.assess();
    assert_eq!(assess(text), Ok(a), "assess and parse + assess differ");
    assert_eq!(a.vector, vector);
    assert!(a.score.tenths() <= 100, "{text:?} scored {}", a.score);
    assert_eq!(a.severity, Severity::of(version, a.score), "{text:?}");
    match version {
        Version::V4_0 => {
            assert!(
                a.nomenclature.is_some(),
                "{text:?}: v4.0 without nomenclature"
            );
            assert!(
                a.base_score.is_none() && a.temporal_score.is_none(),
                "{text:?}: v4.0 has one score"
            );
            assert!(a.environmental_score.is_none(), "{text:?}");
        }
        Version::V2_0 | Version::V3_0 | Version::V3_1 => {
            assert!(a.nomenclature.is_none(), "{text:?}");
            let Some(base) = a.base_score else {
                panic!("{text:?}: no base score")
            };
            assert!(base.tenths() <= 100, "{text:?}");
            assert_eq!(
                a.temporal_score.is_some(),
                vector.has_group(Group::Temporal),
                "{text:?}: temporal score without temporal metrics, or the reverse"
            );
            assert_eq!(
                a.environmental_score.is_some(),
                vector.has_group(Group::Environmental),
                "{text:?}"
            );
            let quoted = a.environmental_score.or(a.temporal_score).unwrap_or(base);
            assert_eq!(
                a.score, quoted,
                "{text:?}: the quoted score is not the most specific"
            );
        }
    }
}

fn refused(text: &str, e: &ParseError) {
    assert_eq!(assess(text), Err(e.clone()), "assess refuses differently");
    assert!(e.rule().starts_with("cvss."), "{:?}", e.rule());
    let message = e.to_string();
    assert!(!message.trim().is_empty());
    assert!(
        message.chars().count() <= LONGEST_MESSAGE,
        "a refusal of {} bytes of input is {} characters long: {message:?}",
        text.len(),
        message.chars().count()
    );
    if let Some(field) = e.field() {
        assert!(field.chars().count() <= 65, "field {field:?} is not cut");
    }
}
