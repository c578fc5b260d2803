//! Transparency metrics over many cases' facts: how long acknowledging, deciding,
//! fixing and disclosing take (median and 90th percentile, in the policy's working
//! days and in days), the share disclosed within the disclosure target (C6's "most
//! vulnerabilities are disclosed in less than a month" as a number), and what is
//! overdue now.
//!
//! Percentiles are linearly interpolated between the closest ranks (Hyndman and Fan's
//! type 7, the default of R, NumPy and spreadsheets): for sorted values x₁…xₙ, the
//! p-th percentile is at rank h = (n − 1)·p/100 + 1, i.e. x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋).
//! So the median of an even count is the mean of the middle two, and one value is
//! every percentile of itself.

use crate::calendar::Calendar;
use crate::clocks::{self, ClockFacts, ClockName, ClockState};
use crate::policy::{Duration, Policy};
use jiff::Timestamp;

/// The median and 90th percentile of some durations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub p90: f64,
}

/// How long one step took across the cases that reached it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    /// Cases that reached the step.
    pub count: usize,
    /// Working days as the policy counts them ([`Calendar::working_days_between`]).
    pub working_days: Option<Summary>,
    /// Elapsed days (24 hours), fractional.
    pub days: Option<Summary>,
}

/// Disclosed cases disclosed by the policy's disclosure target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share {
    pub within: usize,
    pub of: usize,
    /// The target, e.g. "30 days".
    pub target: Duration,
}

impl Share {
    /// The share in percent; `None` before any case is disclosed.
    pub fn percent(&self) -> Option<f64> {
        (self.of > 0).then(|| 100.0 * count_f64(self.within) / count_f64(self.of))
    }
}

/// Overdue clocks of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Overdue<K> {
    pub clock: ClockName,
    /// The cases, in the order given.
    pub cases: Vec<K>,
}

/// A project's metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics<K> {
    pub cases: usize,
    /// Receipt → acknowledged (C3).
    pub time_to_acknowledge: Stat,
    /// Receipt → confirmed or rejected (C11).
    pub time_to_decide: Stat,
    /// Receipt → fix ready (C12, V6).
    pub time_to_fix: Stat,
    /// Receipt → disclosed (C6).
    pub time_to_disclose: Stat,
    /// `None` when the policy has no disclosure target.
    pub disclosed_within_target: Option<Share>,
    /// Every clock kind with at least one overdue case, in [`ClockName::ALL`] order.
    pub overdue: Vec<Overdue<K>>,
}

/// The metrics of `cases` (each with the key the caller knows it by) at `now`.
pub fn compute<'f, K: Clone>(
    policy: &Policy,
    cases: impl IntoIterator<Item = (K, &'f ClockFacts)>,
    now: Timestamp,
) -> Metrics<K> {
    let cal = policy.calendar();
    let cases: Vec<(K, &ClockFacts)> = cases.into_iter().collect();
    let step = |stop: fn(&ClockFacts) -> Option<Timestamp>| {
        stat(
            &cal,
            cases
                .iter()
                .filter_map(|(_, f)| Some((f.received, stop(f)?))),
        )
    };
    let target = policy.clock(ClockName::DisclosureTarget);
    let disclosed_within_target = target.map(|rule| {
        let mut share = Share {
            within: 0,
            of: 0,
            target: rule.duration,
        };
        for (_, f) in &cases {
            let (Some(start), Some(disclosed)) = (f.at(rule.start), f.disclosed) else {
                continue;
            };
            share.of += 1;
            // The policy's own target, before any move, slow-down or pause: the number
            // says how often the written promise was kept.
            if disclosed <= cal.due(start, rule.duration) {
                share.within += 1;
            }
        }
        share
    });
    let mut overdue: Vec<Overdue<K>> = Vec::new();
    for (key, f) in &cases {
        for c in clocks::compute(policy, f, now) {
            if c.state != ClockState::Overdue {
                continue;
            }
            match overdue.iter_mut().find(|o| o.clock == c.name) {
                Some(o) => o.cases.push(key.clone()),
                None => overdue.push(Overdue {
                    clock: c.name,
                    cases: vec![key.clone()],
                }),
            }
        }
    }
    overdue.sort_by_key(|o| o.clock);
    Metrics {
        cases: cases.len(),
        time_to_acknowledge: step(|f| f.acknowledged),
        time_to_decide: step(ClockFacts::decided),
        time_to_fix: step(|f| f.fix_ready),
        time_to_disclose: step(|f| f.disclosed),
        disclosed_within_target,
        overdue,
    }
}

fn stat(cal: &Calendar, spans: impl Iterator<Item = (Timestamp, Timestamp)>) -> Stat {
    let mut working = Vec::new();
    let mut days = Vec::new();
    for (from, to) in spans {
        working.push(f64::from(cal.working_days_between(from, to)));
        days.push(to.duration_since(from).as_secs_f64().max(0.0) / 86_400.0);
    }
    Stat {
        count: days.len(),
        working_days: summary(&mut working),
        days: summary(&mut days),
    }
}

fn summary(values: &mut [f64]) -> Option<Summary> {
    values.sort_by(f64::total_cmp);
    Some(Summary {
        median: percentile(values, 50.0)?,
        p90: percentile(values, 90.0)?,
    })
}

/// The `p`-th percentile of sorted values (type 7, see the module comment); `None`
/// for no values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = count_f64(last) * p.clamp(0.0, 100.0) / 100.0;
    let lower = h.floor();
    // `h` is in 0..=last, so the casts are exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = lower as usize;
    let x = sorted[i];
    Some(match sorted.get(i + 1) {
        Some(next) => x + (h - lower) * (next - x),
        None => x,
    })
}

/// Case counts are far below 2^52, so the conversion is exact.
#[allow(clippy::cast_precision_loss)]
fn count_f64(n: usize) -> f64 {
    n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::{Ended, Outcome};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[3.0], 90.0), Some(3.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.5));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 50.0), Some(2.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        // h = 9 * 0.9 = 8.1 → 9 + 0.1 * (10 - 9)
        assert!((percentile(&ten, 90.0).unwrap() - 9.1).abs() < 1e-9);
        assert_eq!(percentile(&ten, 100.0), Some(10.0));
        assert_eq!(percentile(&ten, 0.0), Some(1.0));
    }

    /// Received on Monday 2026-12-07 09:00 UTC plus `days`.
    fn case(days: i64) -> ClockFacts {
        let t = ts("2026-12-07T09:00:00Z")
            .checked_add(jiff::SignedDuration::from_hours(24 * days))
            .unwrap();
        ClockFacts::received(t)
    }

    fn plus(t: Timestamp, hours: i64) -> Timestamp {
        t.checked_add(jiff::SignedDuration::from_hours(hours))
            .unwrap()
    }

    #[test]
    fn c3_c6_times_shares_and_overdue_clocks() {
        let policy = Policy::connect();
        // Acknowledged after 1, 2 and 26 hours (the last on Tuesday: 1 working day);
        // one not yet acknowledged and now overdue.
        let mut a = case(0);
        a.acknowledged = Some(plus(a.received, 1));
        a.first_collaborator_added = Some(plus(a.received, 2));
        a.confirmed = Some(plus(a.received, 48));
        a.disclosed = Some(plus(a.received, 24 * 20));
        let mut b = case(0);
        b.acknowledged = Some(plus(b.received, 2));
        b.first_collaborator_added = Some(plus(b.received, 3));
        b.ended = Some(Ended {
            at: plus(b.received, 72),
            outcome: Outcome::Rejected,
        });
        let mut c = case(0);
        c.acknowledged = Some(plus(c.received, 26));
        c.first_collaborator_added = Some(plus(c.received, 4));
        c.confirmed = Some(plus(c.received, 24));
        c.fix_ready = Some(plus(c.received, 24 * 10));
        c.disclosed = Some(plus(c.received, 24 * 40));
        let d = case(30);
        let now = plus(d.received, 24 * 10);
        let cases = [("A", &a), ("B", &b), ("C", &c), ("D", &d)];
        let m = compute(&policy, cases, now);
        assert_eq!(m.cases, 4);
        let ack = m.time_to_acknowledge;
        assert_eq!(ack.count, 3);
        assert_eq!(
            ack.working_days,
            Some(Summary {
                median: 0.0,
                p90: 0.8
            })
        );
        let days = ack.days.unwrap();
        assert!((days.median - 2.0 / 24.0).abs() < 1e-9, "{days:?}");
        // Decided: 48 h (confirmed), 72 h (rejected), 24 h.
        assert_eq!(m.time_to_decide.count, 3);
        assert_eq!(m.time_to_decide.days.unwrap().median, 2.0);
        assert_eq!(m.time_to_fix.count, 1);
        assert_eq!(m.time_to_fix.working_days.unwrap().median, 8.0);
        // C6: one of two disclosed cases within 30 days.
        let share = m.disclosed_within_target.unwrap();
        assert_eq!((share.within, share.of), (1, 2));
        assert_eq!(share.target.to_string(), "30 days");
        assert_eq!(share.percent(), Some(50.0));
        // D is past its acknowledge and collaborators clocks; A's post-mortem (7 days
        // after its disclosure on day 20) is late.
        let overdue: Vec<(ClockName, Vec<&str>)> = m
            .overdue
            .iter()
            .map(|o| (o.clock, o.cases.clone()))
            .collect();
        assert_eq!(
            overdue,
            [
                (ClockName::Acknowledge, vec!["D"]),
                (ClockName::CollaboratorsAdded, vec!["D"]),
                (ClockName::PostMortem, vec!["A"]),
            ]
        );
        // C was disclosed on day 40, `now`: its post-mortem is not due yet.
        assert!(m.overdue.iter().all(|o| !o.cases.contains(&"C")));
    }

    #[test]
    fn without_a_disclosure_target_there_is_no_share() {
        let m = compute::<u32>(&Policy::vitess(), [], ts("2026-12-07T09:00:00Z"));
        assert_eq!(m.disclosed_within_target, None);
        assert_eq!(m.time_to_disclose.days, None);
        assert!(m.overdue.is_empty());
    }
}
