//! CVSS v3.0 and v3.1 scores through the `cvss` crate, handed our parsed fields rather
//! than a string to parse again, with one correction: v3.0's Roundup (see
//! [`v30_roundup_product`]).

use super::{Score, crate_value};
use crate::Group;
use crate::vector::{Vector, Version};

/// The crate's vector with the metrics of ours; the positions are those of the
/// version's table (checked by a test).
pub(crate) fn to_crate(v: &Vector) -> cvss::v3::Vector {
    cvss::v3::Vector {
        minor_version: match v.version() {
            Version::V3_0 => 0,
            Version::V2_0 | Version::V3_1 | Version::V4_0 => 1,
        },
        av: crate_value(v, 0),
        ac: crate_value(v, 1),
        pr: crate_value(v, 2),
        ui: crate_value(v, 3),
        s: crate_value(v, 4),
        c: crate_value(v, 5),
        i: crate_value(v, 6),
        a: crate_value(v, 7),
        e: crate_value(v, 8),
        rl: crate_value(v, 9),
        rc: crate_value(v, 10),
        cr: crate_value(v, 11),
        ir: crate_value(v, 12),
        ar: crate_value(v, 13),
        mav: crate_value(v, 14),
        mac: crate_value(v, 15),
        mpr: crate_value(v, 16),
        mui: crate_value(v, 17),
        ms: crate_value(v, 18),
        mc: crate_value(v, 19),
        mi: crate_value(v, 20),
        ma: crate_value(v, 21),
    }
}

/// Base, temporal (if given) and environmental (if given) scores of a v3.x vector.
pub(super) fn scores(ours: &Vector) -> (Score, Option<Score>, Option<Score>) {
    let v = &to_crate(ours);
    let base = Score::from_rounded(v.base_score().value());
    let has_temporal = ours.has_group(Group::Temporal);
    let has_environmental = ours.has_group(Group::Environmental);
    if v.minor_version != 0 {
        let temporal = has_temporal.then(|| Score::from_rounded(v.temporal_score().value()));
        let environmental =
            has_environmental.then(|| Score::from_rounded(v.environmental_score().value()));
        return (base, temporal, environmental);
    }
    let factor = temporal_factor(v);
    let temporal = has_temporal.then(|| v30_roundup_product(base, factor));
    let environmental = has_environmental.then(|| {
        // The crate's environmental score without the temporal metrics is the inner
        // Roundup(Minimum(…, 10)) of the v3.0 formula (multiplying by 1 × 1 × 1 and
        // rounding a one-decimal number again leaves it as it is).
        let mut inner = v.clone();
        inner.e = None;
        inner.rl = None;
        inner.rc = None;
        let inner = Score::from_rounded(inner.environmental_score().value());
        v30_roundup_product(inner, factor)
    });
    (base, temporal, environmental)
}

/// E × RL × RC in millionths (each factor has two decimals in the specification).
fn temporal_factor(v: &cvss::v3::Vector) -> u32 {
    use cvss::v3::Metric;
    use cvss::v3::metric::temporal::{ExploitCodeMaturity, RemediationLevel, ReportConfidence};
    let hundredths = |x: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let h = (x * 100.0).round() as u32;
        h
    };
    hundredths(v.e.unwrap_or(ExploitCodeMaturity::NotDefined).score())
        * hundredths(v.rl.unwrap_or(RemediationLevel::NotDefined).score())
        * hundredths(v.rc.unwrap_or(ReportConfidence::NotDefined).score())
}

/// `Roundup(score × E × RL × RC)` of CVSS v3.0, computed exactly.
///
/// The v3.0 specification (section 8.1) defines Round up as "the smallest
/// number, specified to one decimal place, that is equal to or higher than its
/// input". The `cvss` crate computes it as `ceil(x * 10) / 10` on the floating-point
/// product, and products of two-decimal factors often land a hair above a tenth:
/// 5.0 × 0.92 is 4.6000000000000005 in `f64`, so `CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:U/
/// C:N/I:H/A:L/RC:U` scores 4.7 instead of the specification's 4.6 (which FIRST's
/// reference data and Red Hat's `cvss` library give). The crate's own v3.1 path does
/// not have the problem because v3.1's Roundup (Appendix A) works on the value scaled
/// to an integer first. Here the operands are exact: the score in tenths and each
/// factor in hundredths, so the product is an integer in 10⁻⁷ units and the ceiling is
/// exact. The upstream fix (see UPSTREAM.md) is to use the v3.1 integer Roundup for
/// v3.0 too, since both define the same mathematical function.
pub(super) fn v30_roundup_product(score: Score, factor_millionths: u32) -> Score {
    let product = u32::from(score.tenths()) * factor_millionths;
    let tenths = product.div_ceil(1_000_000);
    Score(u8::try_from(tenths.min(100)).unwrap_or(100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics;
    use std::str::FromStr;

    #[test]
    fn positions_line_up_with_the_definitions() {
        let table: Vec<_> = metrics(Version::V3_1).iter().map(|m| m.abbr).collect();
        assert_eq!(
            table,
            [
                "AV", "AC", "PR", "UI", "S", "C", "I", "A", "E", "RL", "RC", "CR", "IR", "AR",
                "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA",
            ]
        );
    }

    /// Every value of every metric reaches the crate's vector as the crate itself
    /// would parse it (a value the crate did not know would silently be dropped).
    #[test]
    fn the_crate_gets_the_vector_it_would_parse() {
        let base = ["AV:N", "AC:L", "PR:N", "UI:N", "S:U", "C:H", "I:H", "A:H"];
        for minor in ['0', '1'] {
            for (at, m) in metrics(Version::V3_1).iter().enumerate() {
                for value in m.values {
                    let mut parts: Vec<String> = base.iter().map(|p| (*p).to_owned()).collect();
                    let given = format!("{}:{}", m.abbr, value.abbr);
                    if at < base.len() {
                        parts[at] = given;
                    } else {
                        parts.push(given);
                    }
                    let text = format!("CVSS:3.{minor}/{}", parts.join("/"));
                    let ours = Vector::parse(&text).unwrap();
                    let theirs = cvss::v3::Vector::from_str(&ours.to_string()).unwrap();
                    assert_eq!(to_crate(&ours), theirs, "{text}");
                }
            }
        }
    }
}
