//! Scores: CVSS v4.0 by FIRST's method from our parsed fields (`v4`); v2.0 and v3.x
//! through the `cvss` crate, handed our fields, with one correction (v3.0 rounding,
//! see `v3::v30_roundup_product`).

mod v2;
mod v3;
mod v4;
mod v4_data;

use crate::ParseError;
use crate::vector::{Vector, Version};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A CVSS score, 0.0 to 10.0, kept in tenths so it prints and compares exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u8);

impl Score {
    pub fn tenths(self) -> u8 {
        self.0
    }

    #[cfg(test)]
    pub(crate) fn from_tenths(tenths: u8) -> Score {
        Score(tenths.min(100))
    }

    pub fn value(self) -> f64 {
        f64::from(self.0) / 10.0
    }

    /// From a score the crate already rounded to one decimal.
    fn from_rounded(x: f64) -> Score {
        // Clamped and rounded first, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Score((x * 10.0).round().clamp(0.0, 100.0) as u8)
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.value())
    }
}

/// Qualitative severity.
///
/// v3.x and v4.0 use FIRST's Qualitative Severity Rating Scale (None 0.0, Low 0.1–3.9,
/// Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0). CVSS v2.0 defines no rating, so
/// v2.0 scores get the NVD's v2 bands: Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0
/// (never None or Critical) — what people who still quote v2 scores expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn of(version: Version, score: Score) -> Severity {
        match (version, score.tenths()) {
            (Version::V2_0, 0..=39) => Severity::Low,
            (Version::V2_0, 40..=69) => Severity::Medium,
            (Version::V2_0, _) => Severity::High,
            (_, 0) => Severity::None,
            (_, 1..=39) => Severity::Low,
            (_, 40..=69) => Severity::Medium,
            (_, 70..=89) => Severity::High,
            (_, _) => Severity::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "None",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which v4.0 metric groups went into a score (v4.0 specification, section 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nomenclature {
    CvssB,
    CvssBT,
    CvssBE,
    CvssBTE,
}

impl Nomenclature {
    pub fn as_str(self) -> &'static str {
        match self {
            Nomenclature::CvssB => "CVSS-B",
            Nomenclature::CvssBT => "CVSS-BT",
            Nomenclature::CvssBE => "CVSS-BE",
            Nomenclature::CvssBTE => "CVSS-BTE",
        }
    }
}

impl fmt::Display for Nomenclature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Nomenclature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A parsed and scored vector. Plain data: no heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub vector: Vector,
    /// The score to quote: for v2.0/v3.x the environmental score where environmental
    /// metrics are given, else the temporal where temporal metrics are given, else the
    /// base score; for v4.0 the one CVSS v4.0 score.
    pub score: Score,
    pub severity: Severity,
    /// v2.0 and v3.x only.
    pub base_score: Option<Score>,
    /// v2.0 and v3.x, where the vector has temporal metrics.
    pub temporal_score: Option<Score>,
    /// v2.0 and v3.x, where the vector has environmental metrics.
    pub environmental_score: Option<Score>,
    /// v4.0 only.
    pub nomenclature: Option<Nomenclature>,
}

/// Parses and scores a vector string.
pub fn assess(input: &str) -> Result<Assessment, ParseError> {
    Vector::parse(input).map(|v| v.assess())
}

impl Vector {
    pub fn assess(&self) -> Assessment {
        let version = self.version();
        let (base, temporal, environmental, nomenclature) = match version {
            Version::V2_0 => {
                let (base, temporal, environmental) = v2::scores(self);
                (Some(base), temporal, environmental, None)
            }
            Version::V3_0 | Version::V3_1 => {
                let (base, temporal, environmental) = v3::scores(self);
                (Some(base), temporal, environmental, None)
            }
            Version::V4_0 => {
                let values = self.raw_values();
                (
                    None,
                    None,
                    None,
                    Some((v4::score(values), v4::nomenclature(values))),
                )
            }
        };
        let overall = match (nomenclature, base) {
            (Some((score, _)), _) => score,
            (None, Some(base)) => environmental.or(temporal).unwrap_or(base),
            // Unreachable: v2/v3 always have a base score.
            (None, None) => Score(0),
        };
        Assessment {
            vector: *self,
            score: overall,
            severity: Severity::of(version, overall),
            base_score: base,
            temporal_score: temporal,
            environmental_score: environmental,
            nomenclature: nomenclature.map(|(_, n)| n),
        }
    }
}

/// The crate's value for the metric at position `at` of our vector, parsed from the
/// value's abbreviation (a match on a short string; the crate has no other way in).
fn crate_value<T: FromStr>(v: &Vector, at: usize) -> Option<T> {
    v.value_at(at).and_then(|value| value.abbr.parse().ok())
}

impl Serialize for Assessment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("vector", &self.vector)?;
        m.serialize_entry("version", &self.vector.version())?;
        m.serialize_entry("score", &self.score)?;
        m.serialize_entry("severity", &self.severity)?;
        if let Some(x) = self.base_score {
            m.serialize_entry("base_score", &x)?;
        }
        if let Some(x) = self.temporal_score {
            m.serialize_entry("temporal_score", &x)?;
        }
        if let Some(x) = self.environmental_score {
            m.serialize_entry("environmental_score", &x)?;
        }
        if let Some(x) = self.nomenclature {
            m.serialize_entry("nomenclature", &x)?;
        }
        m.serialize_entry("metrics", &Metrics(&self.vector))?;
        m.end()
    }
}

struct Metrics<'a>(&'a Vector);

impl Serialize for Metrics<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.metrics())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics;
    use std::collections::BTreeMap;

    /// Every combination of the non-X values of `abbrs` (v3 table), as `A:x/B:y…`.
    fn combinations(abbrs: &[&str]) -> Vec<String> {
        let table = metrics(Version::V3_1);
        abbrs.iter().fold(vec![String::new()], |acc, abbr| {
            let def = table.iter().find(|m| m.abbr == *abbr).unwrap();
            acc.iter()
                .flat_map(|prefix| {
                    def.values.iter().filter(|v| v.abbr != "X").map(move |v| {
                        let sep = if prefix.is_empty() { "" } else { "/" };
                        format!("{prefix}{sep}{}:{}", def.abbr, v.abbr)
                    })
                })
                .collect()
        })
    }

    fn v3(minor: char, metrics: &str) -> Assessment {
        assess(&format!("CVSS:3.{minor}/{metrics}")).unwrap()
    }

    /// v3.0 and v3.1 share the base and temporal formulas and define Roundup as the
    /// same mathematical function (v3.1 only made it robust to floating point), so
    /// every temporal score must agree. One vector per distinct base score, times
    /// every E × RL × RC, covers every product the formula can form.
    #[test]
    fn v30_temporal_scores_match_v31_where_the_formulas_agree() {
        let mut by_base = BTreeMap::new();
        for base in combinations(&["AV", "AC", "PR", "UI", "S", "C", "I", "A"]) {
            by_base.entry(v3('1', &base).score).or_insert(base);
        }
        let mut crate_disagrees = 0;
        for base in by_base.values() {
            for temporal in combinations(&["E", "RL", "RC"]) {
                let metrics = format!("{base}/{temporal}");
                let (v30, v31) = (v3('0', &metrics), v3('1', &metrics));
                assert_eq!(v30.temporal_score, v31.temporal_score, "{metrics}");
                let raw: cvss::v3::Vector = format!("CVSS:3.0/{metrics}").parse().unwrap();
                if Some(Score::from_rounded(raw.temporal_score().value())) != v30.temporal_score {
                    crate_disagrees += 1;
                }
            }
        }
        // The correction is needed, not decorative.
        assert!(crate_disagrees > 0);
    }

    /// With the scope unchanged, v3.0 and v3.1 environmental formulas are identical
    /// too (they differ only in the changed-scope Modified Impact).
    #[test]
    fn v30_environmental_scores_match_v31_where_the_formulas_agree() {
        let base = "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        let envs = combinations(&[
            "MAV", "MAC", "MPR", "MUI", "MC", "MI", "MA", "CR", "IR", "AR",
        ]);
        for (i, env) in envs.iter().enumerate() {
            // A temporal group on every other vector exercises the outer product too.
            let temporal = ["", "/E:U/RL:W/RC:R"][i % 2];
            let metrics = format!("{base}{temporal}/MS:U/{env}");
            let (v30, v31) = (v3('0', &metrics), v3('1', &metrics));
            assert_eq!(
                v30.environmental_score, v31.environmental_score,
                "{metrics}"
            );
        }
    }

    #[test]
    fn score_prints_one_decimal() {
        assert_eq!(Score(0).to_string(), "0.0");
        assert_eq!(Score(46).to_string(), "4.6");
        assert_eq!(Score(100).to_string(), "10.0");
    }

    #[test]
    fn severity_bands() {
        let of = |v, t| Severity::of(v, Score(t));
        for v in [Version::V3_0, Version::V3_1, Version::V4_0] {
            assert_eq!(of(v, 0), Severity::None);
            assert_eq!(of(v, 1), Severity::Low);
            assert_eq!(of(v, 39), Severity::Low);
            assert_eq!(of(v, 40), Severity::Medium);
            assert_eq!(of(v, 70), Severity::High);
            assert_eq!(of(v, 89), Severity::High);
            assert_eq!(of(v, 90), Severity::Critical);
        }
        // NVD's v2 bands.
        assert_eq!(of(Version::V2_0, 0), Severity::Low);
        assert_eq!(of(Version::V2_0, 40), Severity::Medium);
        assert_eq!(of(Version::V2_0, 100), Severity::High);
    }

    #[test]
    fn overall_score_is_the_most_specific_group() {
        let base = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        let b = assess(base).unwrap();
        assert_eq!((b.temporal_score, b.environmental_score), (None, None));
        assert_eq!(Some(b.score), b.base_score);
        let t = assess(&format!("{base}/E:U")).unwrap();
        assert_eq!(Some(t.score), t.temporal_score);
        let e = assess(&format!("{base}/E:U/CR:L")).unwrap();
        assert_eq!(Some(e.score), e.environmental_score);
        let v4 =
            assess("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U").unwrap();
        assert_eq!(v4.nomenclature, Some(Nomenclature::CvssBT));
        assert_eq!(v4.base_score, None);
    }

    #[test]
    fn json_shape() {
        let a = assess("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        let json = serde_json::to_value(a).unwrap();
        assert_eq!(json["vector"], a.vector.to_string());
        assert_eq!(json["version"], "4.0");
        assert_eq!(json["score"], a.score.value());
        assert_eq!(json["severity"], a.severity.as_str());
        assert_eq!(json["nomenclature"], "CVSS-B");
        assert!(json.get("base_score").is_none());
        assert_eq!(json["metrics"][0]["metric"], "AV");
        assert_eq!(json["metrics"][0]["metric_name"], "Attack Vector");
        assert_eq!(json["metrics"][0]["value_name"], "Network");
    }
}
