//! CVSS v2.0 scores through the `cvss` crate, handed our parsed fields rather than a
//! string to parse again.

use super::{Score, crate_value};
use crate::Group;
use crate::vector::Vector;

/// The crate's vector with the metrics of ours; the positions are those of the
/// version's table (checked by a test).
pub(crate) fn to_crate(v: &Vector) -> cvss::v2::Vector {
    cvss::v2::Vector {
        av: crate_value(v, 0),
        ac: crate_value(v, 1),
        au: crate_value(v, 2),
        c: crate_value(v, 3),
        i: crate_value(v, 4),
        a: crate_value(v, 5),
        e: crate_value(v, 6),
        rl: crate_value(v, 7),
        rc: crate_value(v, 8),
        cdp: crate_value(v, 9),
        td: crate_value(v, 10),
        cr: crate_value(v, 11),
        ir: crate_value(v, 12),
        ar: crate_value(v, 13),
    }
}

/// Base, temporal (if given) and environmental (if given) scores of a v2.0 vector.
pub(super) fn scores(ours: &Vector) -> (Score, Option<Score>, Option<Score>) {
    let v = to_crate(ours);
    let base = Score::from_rounded(v.score().value());
    let temporal = ours
        .has_group(Group::Temporal)
        .then(|| Score::from_rounded(v.temporal_score().value()));
    let environmental = ours
        .has_group(Group::Environmental)
        .then(|| Score::from_rounded(v.environmental_score().value()));
    (base, temporal, environmental)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Version, metrics};
    use std::str::FromStr;

    #[test]
    fn positions_line_up_with_the_definitions() {
        let table: Vec<_> = metrics(Version::V2_0).iter().map(|m| m.abbr).collect();
        assert_eq!(
            table,
            [
                "AV", "AC", "Au", "C", "I", "A", "E", "RL", "RC", "CDP", "TD", "CR", "IR", "AR",
            ]
        );
    }

    /// Every value of every metric reaches the crate's vector as the crate itself
    /// would parse it (a value the crate did not know would silently be dropped).
    #[test]
    fn the_crate_gets_the_vector_it_would_parse() {
        let base = ["AV:N", "AC:L", "Au:N", "C:P", "I:P", "A:P"];
        for (at, m) in metrics(Version::V2_0).iter().enumerate() {
            for value in m.values {
                let mut parts: Vec<String> = base.iter().map(|p| (*p).to_owned()).collect();
                let given = format!("{}:{}", m.abbr, value.abbr);
                if at < base.len() {
                    parts[at] = given;
                } else {
                    parts.push(given);
                }
                let text = parts.join("/");
                let ours = Vector::parse(&text).unwrap();
                let theirs = cvss::v2::Vector::from_str(&ours.to_string()).unwrap();
                assert_eq!(to_crate(&ours), theirs, "{text}");
            }
        }
    }
}
