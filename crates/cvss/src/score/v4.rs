//! CVSS v4.0 scores by FIRST's method, from our parsed fields: the vector's macrovector
//! (EQ1–EQ6) gives a score from FIRST's table, lowered by how far the vector sits below
//! the most severe vectors of its macrovector.
//!
//! The definition followed is FIRST's reference calculator (`cvss_score.js`, see
//! `v4_data.rs`), with the rounding its successors adopted. It computes in floating
//! point; we compute the same quantities exactly, in integers (levels and scores in
//! tenths), and [`clamp_round`] says why no score can differ. The `cvss` crate, which
//! follows the same definition in floating point, is the oracle in `tests/oracle.rs`.
//! No allocation, no strings.

use super::v4_data::{
    AC, AR, AT, AV, CR, E, EQ1_DEPTH, EQ1_MAX, EQ2_DEPTH, EQ2_MAX, EQ3EQ6, EQ3EQ6_DEPTH,
    EQ3EQ6_MAX, EQ4_DEPTH, EQ4_MAX, IR, MAC, MACROVECTOR_SCORE, MAT, MAV, MPR, MSA, MSC, MSI, MUI,
    MVA, MVC, MVI, PR, SA, SC, SI, UI, VA, VC, VI,
};
use super::{Nomenclature, Score};

/// A metric's values (in `defs/v4.rs` order) with their levels; see `v4_data.rs`.
type ValueLevels = [(&'static str, i8)];
/// A modified metric's values with their levels, `None` for Not Defined.
type ModifierLevels = [(&'static str, Option<i8>)];

/// Positions of the metrics in a v4.0 vector (Table 23 of the specification, the order
/// of `defs/v4.rs`); a test checks them against the table.
mod at {
    pub const AV: usize = 0;
    pub const AC: usize = 1;
    pub const AT: usize = 2;
    pub const PR: usize = 3;
    pub const UI: usize = 4;
    pub const VC: usize = 5;
    pub const VI: usize = 6;
    pub const VA: usize = 7;
    pub const SC: usize = 8;
    pub const SI: usize = 9;
    pub const SA: usize = 10;
    pub const E: usize = 11;
    pub const CR: usize = 12;
    pub const IR: usize = 13;
    pub const AR: usize = 14;
    pub const MAV: usize = 15;
    pub const MSA: usize = 25;
}

/// The severity level (in tenths, 0 the most severe) of each metric that scores, after
/// FIRST's `m()`: a modified metric replaces its base metric unless Not Defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Levels {
    av: i8,
    ac: i8,
    at: i8,
    pr: i8,
    ui: i8,
    vc: i8,
    vi: i8,
    va: i8,
    sc: i8,
    si: i8,
    sa: i8,
    e: i8,
    cr: i8,
    ir: i8,
    ar: i8,
}

impl Levels {
    /// `values` as a `Vector` keeps them: 1 + the value's index, 0 where absent.
    fn of(values: &[u8; 32]) -> Levels {
        // A valid vector has every base metric, and indices only from its own table,
        // which the tables here repeat (checked by a test); absent optional metrics
        // count as Not Defined.
        let given = |table: &ValueLevels, at: usize| match values[at] {
            0 => table[0].1,
            v => table[usize::from(v) - 1].1,
        };
        let merged = |table: &ValueLevels, base: usize, modifier: &ModifierLevels| {
            let modified = match values[base + at::MAV] {
                0 => None,
                v => modifier[usize::from(v) - 1].1,
            };
            modified.unwrap_or_else(|| given(table, base))
        };
        Levels {
            av: merged(&AV, at::AV, &MAV),
            ac: merged(&AC, at::AC, &MAC),
            at: merged(&AT, at::AT, &MAT),
            pr: merged(&PR, at::PR, &MPR),
            ui: merged(&UI, at::UI, &MUI),
            vc: merged(&VC, at::VC, &MVC),
            vi: merged(&VI, at::VI, &MVI),
            va: merged(&VA, at::VA, &MVA),
            sc: merged(&SC, at::SC, &MSC),
            si: merged(&SI, at::SI, &MSI),
            sa: merged(&SA, at::SA, &MSA),
            e: given(&E, at::E),
            cr: given(&CR, at::CR),
            ir: given(&IR, at::IR),
            ar: given(&AR, at::AR),
        }
    }
}

// The level of the values the EQs name (see `v4_data.rs`).
const NETWORK: i8 = 0; // AV:N
const PHYSICAL: i8 = 3; // AV:P
const NONE_REQUIRED: i8 = 0; // PR:N, UI:N, AC:L, AT:N
const HIGH: i8 = 0; // VC/VI/VA:H, CR/IR/AR:H
const NO_IMPACT: i8 = 2; // VC/VI/VA:N
const SAFETY: i8 = 0; // MSI/MSA:S
const SUBSEQUENT_HIGH: i8 = 1; // SC/SI/SA:H
const SUBSEQUENT_NONE: i8 = 3; // SC/SI/SA:N

/// A macrovector: the level of each equivalence set, EQ3 and EQ6 as one (index of
/// `EQ3EQ6`, since they are scored together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Macrovector {
    eq1: usize,
    eq2: usize,
    eq3eq6: usize,
    eq4: usize,
    eq5: usize,
}

impl Macrovector {
    /// The equivalence sets of the specification (FIRST's `macroVector()`).
    fn of(l: &Levels) -> Macrovector {
        let eq1 = if l.av == NETWORK && l.pr == NONE_REQUIRED && l.ui == NONE_REQUIRED {
            0
        } else if (l.av == NETWORK || l.pr == NONE_REQUIRED || l.ui == NONE_REQUIRED)
            && l.av != PHYSICAL
        {
            1
        } else {
            2
        };
        let eq2 = usize::from(!(l.ac == NONE_REQUIRED && l.at == NONE_REQUIRED));
        let eq3 = if l.vc == HIGH && l.vi == HIGH {
            0
        } else if l.vc == HIGH || l.vi == HIGH || l.va == HIGH {
            1
        } else {
            2
        };
        let eq4 = if l.si == SAFETY || l.sa == SAFETY {
            0
        } else if l.sc == SUBSEQUENT_HIGH || l.si == SUBSEQUENT_HIGH || l.sa == SUBSEQUENT_HIGH {
            1
        } else {
            2
        };
        // E's levels are EQ5's: A 0, P 1, U 2.
        let eq5 = usize::from(l.e.unsigned_abs());
        let eq6 = usize::from(
            !((l.cr == HIGH && l.vc == HIGH)
                || (l.ir == HIGH && l.vi == HIGH)
                || (l.ar == HIGH && l.va == HIGH)),
        );
        let eq3eq6 = match (eq3, eq6) {
            (0, 0) => 0,
            (0, _) => 1,
            (1, 0) => 2,
            (1, _) => 3,
            // EQ3 2 has no High impact, so EQ6 is 1.
            _ => 4,
        };
        Macrovector {
            eq1,
            eq2,
            eq3eq6,
            eq4,
            eq5,
        }
    }

    /// FIRST's score of this macrovector, in tenths; `None` past the table's edge.
    fn score(self) -> Option<i64> {
        if self.eq1 > 2 || self.eq2 > 1 || self.eq3eq6 > 4 || self.eq4 > 2 || self.eq5 > 2 {
            return None;
        }
        let index = (((self.eq1 * 2 + self.eq2) * 5 + self.eq3eq6) * 3 + self.eq4) * 3 + self.eq5;
        MACROVECTOR_SCORE.get(index).map(|&s| i64::from(s))
    }

    /// The score of the next lower macrovector of the EQ3/EQ6 pair: from 00 the higher
    /// of 01 and 10; 01 and 10 → 11; 11 → 21; none below 21.
    fn eq3eq6_lower_score(self) -> Option<i64> {
        let with = |eq3eq6| Macrovector { eq3eq6, ..self }.score();
        match EQ3EQ6.get(self.eq3eq6) {
            Some((0, 0)) => with(1).max(with(2)),
            Some((0, 1) | (1, 0)) => with(3),
            Some((1, 1)) => with(4),
            _ => None,
        }
    }
}

/// A multiple of every EQ depth and of every count of EQs (1–5), so that the mean of
/// the contributions is a whole number over `COMMON × count`.
const COMMON: i64 = 840;

/// The CVSS v4.0 score of a valid v4.0 vector's values.
pub(super) fn score(values: &[u8; 32]) -> Score {
    let l = Levels::of(values);
    // "Exception for no impact on system" (cvss_score.js).
    if [l.vc, l.vi, l.va] == [NO_IMPACT; 3] && [l.sc, l.si, l.sa] == [SUBSEQUENT_NONE; 3] {
        return Score(0);
    }
    let mv = Macrovector::of(&l);
    let Some(value) = mv.score() else {
        // Unreachable: every macrovector the EQs can produce is in the table (tested).
        return Score(0);
    };

    // The severity distance from the first of the macrovector's highest vectors that
    // is at least as severe in every metric. FIRST composes the EQs' highest vectors
    // and takes the first composition that fits; since each metric belongs to one EQ,
    // that is the first fitting part of each EQ. Where some EQ has none, FIRST's loop
    // ends on the last composition: the last part of each EQ.
    let eq1 = nearest_max(EQ1_MAX[mv.eq1], [l.av, l.pr, l.ui]);
    let eq2 = nearest_max(EQ2_MAX[mv.eq2], [l.ac, l.at]);
    let eq3eq6 = nearest_max(EQ3EQ6_MAX[mv.eq3eq6], [l.vc, l.vi, l.va, l.cr, l.ir, l.ar]);
    let eq4 = nearest_max(EQ4_MAX[mv.eq4], [l.sc, l.si, l.sa]);
    let distances = match (
        eq1.first_fit,
        eq2.first_fit,
        eq3eq6.first_fit,
        eq4.first_fit,
    ) {
        (Some(d1), Some(d2), Some(d36), Some(d4)) => [d1, d2, d36, d4],
        _ => [eq1.last, eq2.last, eq3eq6.last, eq4.last],
    };

    // Each EQ with a lower macrovector contributes (its score gap) × (distance /
    // depth); the score is the macrovector's minus the mean of the contributions.
    // EQ5 counts in the mean but contributes nothing (FIRST: "for eq5 is always 0 the
    // percentage"). In tenths, over a common denominator.
    let lower = [
        Macrovector {
            eq1: mv.eq1 + 1,
            ..mv
        }
        .score(),
        Macrovector {
            eq2: mv.eq2 + 1,
            ..mv
        }
        .score(),
        mv.eq3eq6_lower_score(),
        Macrovector {
            eq4: mv.eq4 + 1,
            ..mv
        }
        .score(),
    ];
    let depth = [
        EQ1_DEPTH[mv.eq1],
        EQ2_DEPTH[mv.eq2],
        EQ3EQ6_DEPTH[mv.eq3eq6],
        EQ4_DEPTH[mv.eq4],
    ];
    let mut sum = 0; // Σ gap × distance / depth, in tenths × COMMON
    let mut count = 0;
    for ((lower, distance), depth) in lower.into_iter().zip(distances).zip(depth) {
        if let Some(lower) = lower {
            sum += (value - lower) * distance * (COMMON / depth);
            count += 1;
        }
    }
    let eq5_has_lower = Macrovector {
        eq5: mv.eq5 + 1,
        ..mv
    }
    .score()
    .is_some();
    count += i64::from(eq5_has_lower);
    if count == 0 {
        return clamp_round(value, 1);
    }
    // value − sum / (COMMON × count), as a fraction over COMMON × count.
    let denominator = COMMON * count;
    clamp_round(value * denominator - sum, denominator)
}

/// How far a vector's levels sit below an EQ's highest vectors, summed over the EQ's
/// metrics: from the first highest vector that is at least as severe in every metric,
/// and from the last one.
struct Distance {
    first_fit: Option<i64>,
    last: i64,
}

fn nearest_max<const N: usize>(maxes: &[[i8; N]], levels: [i8; N]) -> Distance {
    let mut found = Distance {
        first_fit: None,
        last: 0,
    };
    for max in maxes {
        let fits = levels.iter().zip(max).all(|(level, max)| level >= max);
        let sum = levels
            .iter()
            .zip(max)
            .map(|(level, max)| i64::from(level - max))
            .sum();
        if fits && found.first_fit.is_none() {
            found.first_fit = Some(sum);
        }
        found.last = sum;
    }
    found
}

/// `numerator / denominator` tenths, clamped to 0.0–10.0 and rounded half up.
///
/// FIRST's calculator and the libraries that follow it round `(x + 10⁻⁶)` half up in
/// floating point, the 10⁻⁶ standing in for exact arithmetic (the `cvss` crate,
/// Red Hat's `cvss` library and calculator; FIRST's own repository rounded without it
/// until late 2024). Here `x` is exact: a fraction whose denominator divides 840 × 5,
/// so a value that is not exactly halfway between two tenths is at least
/// 1 / (2 × 4,200) tenths ≈ 1.2 × 10⁻⁵ away from it — more than the 10⁻⁶ — and the
/// floating-point rounding and this one agree on every vector.
fn clamp_round(numerator: i64, denominator: i64) -> Score {
    let clamped = numerator.clamp(0, 100 * denominator);
    let tenths = round_half_up(clamped, denominator);
    Score(u8::try_from(tenths).unwrap_or(100))
}

/// `n / d` rounded to the nearest integer, halves up (`n ≥ 0`, `d > 0`).
fn round_half_up(n: i64, d: i64) -> i64 {
    (2 * n + d) / (2 * d)
}

/// Which metric groups a v4.0 vector gives (section 1.3): Threat is E, Environmental
/// is CR, IR, AR and the modified base metrics, each even as Not Defined.
pub(super) fn nomenclature(values: &[u8; 32]) -> Nomenclature {
    let threat = values[at::E] != 0;
    let environmental = values[at::CR..=at::MSA].iter().any(|&v| v != 0);
    match (threat, environmental) {
        (false, false) => Nomenclature::CvssB,
        (true, false) => Nomenclature::CvssBT,
        (false, true) => Nomenclature::CvssBE,
        (true, true) => Nomenclature::CvssBTE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Version, metrics};

    /// The positions and value orders here are those of `defs/v4.rs`.
    #[test]
    fn tables_line_up_with_the_definitions() {
        let table = metrics(Version::V4_0);
        let levels: [(&str, usize, &ValueLevels); 15] = [
            ("AV", at::AV, &AV),
            ("AC", at::AC, &AC),
            ("AT", at::AT, &AT),
            ("PR", at::PR, &PR),
            ("UI", at::UI, &UI),
            ("VC", at::VC, &VC),
            ("VI", at::VI, &VI),
            ("VA", at::VA, &VA),
            ("SC", at::SC, &SC),
            ("SI", at::SI, &SI),
            ("SA", at::SA, &SA),
            ("E", at::E, &E),
            ("CR", at::CR, &CR),
            ("IR", at::IR, &IR),
            ("AR", at::AR, &AR),
        ];
        for (abbr, pos, values) in levels {
            assert_eq!(table[pos].abbr, abbr);
            let defs: Vec<_> = table[pos].values.iter().map(|v| v.abbr).collect();
            let ours: Vec<_> = values.iter().map(|v| v.0).collect();
            assert_eq!(defs, ours, "{abbr}");
        }
        let modifiers: [&ModifierLevels; 11] = [
            &MAV, &MAC, &MAT, &MPR, &MUI, &MVC, &MVI, &MVA, &MSC, &MSI, &MSA,
        ];
        for (i, values) in modifiers.into_iter().enumerate() {
            let m = &table[at::MAV + i];
            assert_eq!(m.abbr, format!("M{}", table[i].abbr));
            let defs: Vec<_> = m.values.iter().map(|v| v.abbr).collect();
            let ours: Vec<_> = values.iter().map(|v| v.0).collect();
            assert_eq!(defs, ours, "{}", m.abbr);
        }
        assert_eq!(table[at::MSA].abbr, "MSA");
    }

    /// Every combination of EQ levels the definitions can produce has a score, and so
    /// does every lower neighbour the method asks for except past the last level.
    #[test]
    fn every_macrovector_has_a_score() {
        for eq1 in 0..3 {
            for eq2 in 0..2 {
                for eq3eq6 in 0..5 {
                    for eq4 in 0..3 {
                        for eq5 in 0..3 {
                            let mv = Macrovector {
                                eq1,
                                eq2,
                                eq3eq6,
                                eq4,
                                eq5,
                            };
                            assert!(mv.score().is_some(), "{mv:?}");
                            assert_eq!(mv.eq3eq6_lower_score().is_some(), eq3eq6 != 4);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_common_denominator_divides_exactly() {
        for depth in EQ1_DEPTH
            .iter()
            .chain(&EQ2_DEPTH)
            .chain(&EQ3EQ6_DEPTH)
            .chain(&EQ4_DEPTH)
            .chain(&[1, 2, 3, 4, 5])
        {
            assert_eq!(COMMON % depth, 0, "{depth}");
        }
    }

    #[test]
    fn rounding_is_half_up_and_clamped() {
        assert_eq!(clamp_round(15, 10), Score(2)); // 1.5 tenths → 2
        assert_eq!(clamp_round(14, 10), Score(1));
        assert_eq!(clamp_round(-5, 10), Score(0));
        assert_eq!(clamp_round(1_001, 10), Score(100));
        assert_eq!(clamp_round(8_549, 1_000), Score(9));
    }

    #[test]
    fn the_highest_vector_scores_its_macrovectors_score() {
        let v =
            crate::Vector::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H")
                .unwrap();
        assert_eq!(score(v.raw_values()), Score(100));
    }
}
