//! FIRST's CVSS JSON objects (cvss-v3.x.json, cvss-v4.0.json), derived from a parsed
//! vector, as CVE (`cvssV3_1`, `cvssV4_0`) and CSAF (`cvss_v3`) embed them.
//!
//! The field and value names are FIRST's, not the specification's words, so they are
//! spelled out here rather than derived from `embargo_cvss`'s tables.

use crate::Error;
use embargo_cvss::{Assessment, Severity, Version};
use serde_json::{Map, Value, json};

/// Parses `vector` and scores it; `format` names the document for the error.
pub(crate) fn assess(format: &'static str, vector: &str) -> Result<Assessment, Error> {
    embargo_cvss::assess(vector).map_err(|e| Error::InvalidCvss {
        format,
        vector: vector.to_owned(),
        reason: e.to_string(),
    })
}

fn upper(severity: Severity) -> String {
    severity.as_str().to_ascii_uppercase()
}

/// The v3.0/v3.1 object: vector, scores and every metric the vector gives.
pub(crate) fn v3(a: &Assessment) -> Value {
    let version = a.vector.version();
    let base = a.base_score.unwrap_or(a.score);
    let mut m = Map::new();
    m.insert("version".into(), json!(version.as_str()));
    m.insert("vectorString".into(), json!(a.vector.to_string()));
    for mv in a.vector.metrics() {
        if let Some((field, value)) = v3_metric(mv.metric.abbr, mv.value.abbr) {
            m.insert(field.into(), json!(value));
        }
    }
    m.insert("baseScore".into(), json!(base.value()));
    m.insert(
        "baseSeverity".into(),
        json!(upper(Severity::of(version, base))),
    );
    if let Some(t) = a.temporal_score {
        m.insert("temporalScore".into(), json!(t.value()));
        m.insert(
            "temporalSeverity".into(),
            json!(upper(Severity::of(version, t))),
        );
    }
    if let Some(e) = a.environmental_score {
        m.insert("environmentalScore".into(), json!(e.value()));
        m.insert(
            "environmentalSeverity".into(),
            json!(upper(Severity::of(version, e))),
        );
    }
    Value::Object(m)
}

/// The v4.0 object. FIRST's v4.0 schema has one score, `baseScore`; with threat or
/// environmental metrics in the vector it holds the CVSS-BT/BE/BTE score, as the v4.0
/// specification asks ("the score is always the one for all metrics given").
pub(crate) fn v4(a: &Assessment) -> Value {
    let mut m = Map::new();
    m.insert("version".into(), json!(Version::V4_0.as_str()));
    m.insert("vectorString".into(), json!(a.vector.to_string()));
    for mv in a.vector.metrics() {
        if let Some((field, value)) = v4_metric(mv.metric.abbr, mv.value.abbr) {
            m.insert(field.into(), json!(value));
        }
    }
    m.insert("baseScore".into(), json!(a.score.value()));
    m.insert("baseSeverity".into(), json!(upper(a.severity)));
    Value::Object(m)
}

fn not_defined(v: &str) -> Option<&'static str> {
    (v == "X").then_some("NOT_DEFINED")
}

fn nlh(v: &str) -> Option<&'static str> {
    match v {
        "N" => Some("NONE"),
        "L" => Some("LOW"),
        "H" => Some("HIGH"),
        _ => not_defined(v),
    }
}

fn lmh(v: &str) -> Option<&'static str> {
    match v {
        "L" => Some("LOW"),
        "M" => Some("MEDIUM"),
        "H" => Some("HIGH"),
        _ => not_defined(v),
    }
}

fn v3_metric(metric: &str, v: &str) -> Option<(&'static str, &'static str)> {
    let av = |v: &str| match v {
        "N" => Some("NETWORK"),
        "A" => Some("ADJACENT_NETWORK"),
        "L" => Some("LOCAL"),
        "P" => Some("PHYSICAL"),
        _ => not_defined(v),
    };
    let ac = |v: &str| match v {
        "L" => Some("LOW"),
        "H" => Some("HIGH"),
        _ => not_defined(v),
    };
    let ui = |v: &str| match v {
        "N" => Some("NONE"),
        "R" => Some("REQUIRED"),
        _ => not_defined(v),
    };
    let scope = |v: &str| match v {
        "U" => Some("UNCHANGED"),
        "C" => Some("CHANGED"),
        _ => not_defined(v),
    };
    let (field, value) = match metric {
        "AV" => ("attackVector", av(v)),
        "AC" => ("attackComplexity", ac(v)),
        "PR" => ("privilegesRequired", nlh(v)),
        "UI" => ("userInteraction", ui(v)),
        "S" => ("scope", scope(v)),
        "C" => ("confidentialityImpact", nlh(v)),
        "I" => ("integrityImpact", nlh(v)),
        "A" => ("availabilityImpact", nlh(v)),
        "E" => (
            "exploitCodeMaturity",
            match v {
                "U" => Some("UNPROVEN"),
                "P" => Some("PROOF_OF_CONCEPT"),
                "F" => Some("FUNCTIONAL"),
                "H" => Some("HIGH"),
                _ => not_defined(v),
            },
        ),
        "RL" => (
            "remediationLevel",
            match v {
                "O" => Some("OFFICIAL_FIX"),
                "T" => Some("TEMPORARY_FIX"),
                "W" => Some("WORKAROUND"),
                "U" => Some("UNAVAILABLE"),
                _ => not_defined(v),
            },
        ),
        "RC" => (
            "reportConfidence",
            match v {
                "U" => Some("UNKNOWN"),
                "R" => Some("REASONABLE"),
                "C" => Some("CONFIRMED"),
                _ => not_defined(v),
            },
        ),
        "CR" => ("confidentialityRequirement", lmh(v)),
        "IR" => ("integrityRequirement", lmh(v)),
        "AR" => ("availabilityRequirement", lmh(v)),
        "MAV" => ("modifiedAttackVector", av(v)),
        "MAC" => ("modifiedAttackComplexity", ac(v)),
        "MPR" => ("modifiedPrivilegesRequired", nlh(v)),
        "MUI" => ("modifiedUserInteraction", ui(v)),
        "MS" => ("modifiedScope", scope(v)),
        "MC" => ("modifiedConfidentialityImpact", nlh(v)),
        "MI" => ("modifiedIntegrityImpact", nlh(v)),
        "MA" => ("modifiedAvailabilityImpact", nlh(v)),
        _ => return None,
    };
    value.map(|value| (field, value))
}

fn v4_metric(metric: &str, v: &str) -> Option<(&'static str, &'static str)> {
    let av = |v: &str| match v {
        "N" => Some("NETWORK"),
        "A" => Some("ADJACENT"),
        "L" => Some("LOCAL"),
        "P" => Some("PHYSICAL"),
        _ => not_defined(v),
    };
    let ac = |v: &str| match v {
        "L" => Some("LOW"),
        "H" => Some("HIGH"),
        _ => not_defined(v),
    };
    let at = |v: &str| match v {
        "N" => Some("NONE"),
        "P" => Some("PRESENT"),
        _ => not_defined(v),
    };
    let ui = |v: &str| match v {
        "N" => Some("NONE"),
        "P" => Some("PASSIVE"),
        "A" => Some("ACTIVE"),
        _ => not_defined(v),
    };
    let safety_impact = |v: &str| match v {
        "S" => Some("SAFETY"),
        _ => nlh(v),
    };
    let (field, value) = match metric {
        "AV" => ("attackVector", av(v)),
        "AC" => ("attackComplexity", ac(v)),
        "AT" => ("attackRequirements", at(v)),
        "PR" => ("privilegesRequired", nlh(v)),
        "UI" => ("userInteraction", ui(v)),
        "VC" => ("vulnConfidentialityImpact", nlh(v)),
        "VI" => ("vulnIntegrityImpact", nlh(v)),
        "VA" => ("vulnAvailabilityImpact", nlh(v)),
        "SC" => ("subConfidentialityImpact", nlh(v)),
        "SI" => ("subIntegrityImpact", nlh(v)),
        "SA" => ("subAvailabilityImpact", nlh(v)),
        "E" => (
            "exploitMaturity",
            match v {
                "A" => Some("ATTACKED"),
                "P" => Some("PROOF_OF_CONCEPT"),
                "U" => Some("UNREPORTED"),
                _ => not_defined(v),
            },
        ),
        "CR" => ("confidentialityRequirement", lmh(v)),
        "IR" => ("integrityRequirement", lmh(v)),
        "AR" => ("availabilityRequirement", lmh(v)),
        "MAV" => ("modifiedAttackVector", av(v)),
        "MAC" => ("modifiedAttackComplexity", ac(v)),
        "MAT" => ("modifiedAttackRequirements", at(v)),
        "MPR" => ("modifiedPrivilegesRequired", nlh(v)),
        "MUI" => ("modifiedUserInteraction", ui(v)),
        "MVC" => ("modifiedVulnConfidentialityImpact", nlh(v)),
        "MVI" => ("modifiedVulnIntegrityImpact", nlh(v)),
        "MVA" => ("modifiedVulnAvailabilityImpact", nlh(v)),
        "MSC" => ("modifiedSubConfidentialityImpact", nlh(v)),
        "MSI" => ("modifiedSubIntegrityImpact", safety_impact(v)),
        "MSA" => ("modifiedSubAvailabilityImpact", safety_impact(v)),
        "S" => (
            "Safety",
            match v {
                "N" => Some("NEGLIGIBLE"),
                "P" => Some("PRESENT"),
                _ => not_defined(v),
            },
        ),
        "AU" => (
            "Automatable",
            match v {
                "N" => Some("NO"),
                "Y" => Some("YES"),
                _ => not_defined(v),
            },
        ),
        "R" => (
            "Recovery",
            match v {
                "A" => Some("AUTOMATIC"),
                "U" => Some("USER"),
                "I" => Some("IRRECOVERABLE"),
                _ => not_defined(v),
            },
        ),
        "V" => (
            "valueDensity",
            match v {
                "D" => Some("DIFFUSE"),
                "C" => Some("CONCENTRATED"),
                _ => not_defined(v),
            },
        ),
        "RE" => (
            "vulnerabilityResponseEffort",
            match v {
                "L" => Some("LOW"),
                "M" => Some("MODERATE"),
                "H" => Some("HIGH"),
                _ => not_defined(v),
            },
        ),
        "U" => (
            "providerUrgency",
            match v {
                "Clear" => Some("CLEAR"),
                "Green" => Some("GREEN"),
                "Amber" => Some("AMBER"),
                "Red" => Some("RED"),
                _ => not_defined(v),
            },
        ),
        _ => return None,
    };
    value.map(|value| (field, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use embargo_cvss::metrics;

    /// Every metric value the parser accepts has a FIRST name here; a new metric in
    /// `embargo_cvss`'s tables fails this test instead of silently going missing.
    #[test]
    fn every_v3_and_v4_metric_value_has_a_first_name() {
        for (version, map) in [
            (Version::V3_1, v3_metric as fn(&str, &str) -> _),
            (Version::V4_0, v4_metric),
        ] {
            for m in metrics(version) {
                for v in m.values {
                    assert!(
                        map(m.abbr, v.abbr).is_some(),
                        "{version} {}:{} has no FIRST JSON name",
                        m.abbr,
                        v.abbr
                    );
                }
            }
        }
    }

    #[test]
    fn v3_object_carries_scores_of_each_group_given() {
        let a =
            embargo_cvss::assess("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:P/CR:H").unwrap();
        let o = v3(&a);
        assert_eq!(o["attackVector"], "NETWORK");
        assert_eq!(o["exploitCodeMaturity"], "PROOF_OF_CONCEPT");
        assert_eq!(o["confidentialityRequirement"], "HIGH");
        assert_eq!(o["baseScore"], a.base_score.unwrap().value());
        assert_eq!(o["temporalScore"], a.temporal_score.unwrap().value());
        assert_eq!(
            o["environmentalScore"],
            a.environmental_score.unwrap().value()
        );
    }
}
