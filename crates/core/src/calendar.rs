//! The working-day calendar: when a clock of "N working days" is due, working days
//! between two moments, and the time left in words. Pure: the time zone database is
//! compiled in and "now" is a parameter.
//!
//! The rule (issue 8): "N working days" after a moment is due at the end (24:00, policy
//! time zone) of the Nth working day after the day of that moment. Received Friday
//! 2026-12-04 in `Europe/Berlin`, Monday to Friday, holiday 2026-12-07 → Tue 8, Wed 9,
//! Thu 10, Fri 11, Mon 14 → due `2026-12-14T23:00:00Z`. "N days", hours and minutes are
//! elapsed time.
//!
//! Pauses (the case waits on the reporter): an elapsed clock is due later by the paused
//! time after its start. A working-day clock counts working time from the end of its
//! start's day, day by day in local wall-clock time; paused working time does not
//! count, so the due time moves later by the working time that was paused (a pause over
//! a weekend costs nothing; a pause from Tuesday 12:00 to Wednesday 12:00 costs one
//! working day, and the due time is then 24:00 of the next working day).

use crate::policy::{Duration, Unit, WorkingWeek};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::fmt;

/// A span of time during which a clock stood still, `from` inclusive, `until`
/// exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub from: Timestamp,
    pub until: Timestamp,
}

const DAY: i64 = 86_400;

/// A policy's time zone, working week and holidays.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    tz: TimeZone,
    week: WorkingWeek,
    holidays: BTreeSet<Date>,
}

impl Calendar {
    pub fn new(tz: TimeZone, week: WorkingWeek, holidays: BTreeSet<Date>) -> Calendar {
        Calendar { tz, week, holidays }
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// A day of the working week that is not a holiday.
    pub fn is_working_day(&self, day: Date) -> bool {
        self.week.contains(day.weekday()) && !self.holidays.contains(&day)
    }

    /// The local date of a moment.
    pub fn day_of(&self, t: Timestamp) -> Date {
        self.tz.to_datetime(t).date()
    }

    /// 00:00 local on `day` (the first moment after a gap if the zone skips midnight).
    pub fn start_of_day(&self, day: Date) -> Timestamp {
        self.instant(day.to_datetime(Time::midnight()))
    }

    /// 24:00 local on `day`: the start of the next day.
    pub fn end_of_day(&self, day: Date) -> Timestamp {
        match day.tomorrow() {
            Ok(next) => self.start_of_day(next),
            Err(_) => Timestamp::MAX,
        }
    }

    /// When a clock of `duration` that started at `from` is due.
    pub fn due(&self, from: Timestamp, duration: Duration) -> Timestamp {
        self.due_paused(from, duration, &[])
    }

    /// When a clock of `duration` that started at `from` is due, given the intervals it
    /// stood still (in any order; they may overlap).
    pub fn due_paused(
        &self,
        from: Timestamp,
        duration: Duration,
        pauses: &[Interval],
    ) -> Timestamp {
        match duration.elapsed() {
            Some(d) => elapsed_after(from, d, pauses),
            None => self.working_after(from, duration.amount(), pauses),
        }
    }

    /// End of the Nth working day after the day of `from`, pauses not counting.
    fn working_after(&self, from: Timestamp, n: u32, pauses: &[Interval]) -> Timestamp {
        match self.day_of(from).tomorrow() {
            Ok(next) => {
                self.working_from(civil_secs(next.to_datetime(Time::midnight())), n, pauses)
            }
            Err(_) => Timestamp::MAX,
        }
    }

    /// The moment `duration` after `t`, counted from `t` itself (not from the end of its
    /// day): for escalations "1 working day after" a due time. Elapsed units add.
    pub fn after(&self, t: Timestamp, duration: Duration) -> Timestamp {
        match duration.elapsed() {
            Some(d) => t.checked_add(d).unwrap_or(Timestamp::MAX),
            None => self.working_from(self.civil(t), duration.amount(), &[]),
        }
    }

    /// Where `n` working days of unpaused working time, counted from the local
    /// wall-clock position `start` (seconds, see [`civil_secs`]), run out.
    fn working_from(&self, start: i64, n: u32, pauses: &[Interval]) -> Timestamp {
        let mut pauses: Vec<(i64, i64)> = pauses
            .iter()
            .map(|p| (self.civil(p.from), self.civil(p.until)))
            .filter(|(a, b)| a < b)
            .collect();
        pauses.sort_unstable();
        let mut day = from_civil_secs(start).date();
        let mut remaining = i64::from(n) * DAY;
        // A working week has at least one day and holidays are finite, so this ends;
        // the bound only guards against dates past jiff's range.
        for _ in 0..(i64::from(n) * 7 + 400_000) {
            if self.is_working_day(day) {
                let day_start = civil_secs(day.to_datetime(Time::midnight()));
                let day_end = day_start + DAY;
                let mut pos = day_start.max(start);
                for &(p0, p1) in pauses
                    .iter()
                    .filter(|(a, b)| *b > day_start && *a < day_end)
                {
                    if p1 <= pos {
                        continue;
                    }
                    if p0 > pos {
                        let run = p0.min(day_end) - pos;
                        if run >= remaining {
                            return self.instant(from_civil_secs(pos + remaining));
                        }
                        remaining -= run;
                    }
                    pos = pos.max(p1.min(day_end));
                }
                let run = (day_end - pos).max(0);
                if run >= remaining {
                    return self.instant(from_civil_secs(pos + remaining));
                }
                remaining -= run;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => return Timestamp::MAX,
            }
        }
        Timestamp::MAX
    }

    /// The moment `duration` before `due`: for working days, the latest moment from
    /// which exactly that much working time remains (a reminder "1 working day before"
    /// a Monday 24:00 due time is at Monday 00:00, not on the weekend).
    pub fn before(&self, due: Timestamp, duration: Duration) -> Timestamp {
        if let Some(d) = duration.elapsed() {
            return due.checked_sub(d).unwrap_or(Timestamp::MIN);
        }
        let n = duration.amount();
        let local = self.tz.to_datetime(due);
        let (day, at_end) = if local.time() == Time::midnight() {
            match local.date().yesterday() {
                Ok(d) => (d, true),
                Err(_) => return Timestamp::MIN,
            }
        } else {
            (local.date(), false)
        };
        // The Nth working day back from `day`, counting `day` itself only when the due
        // time is its end (then the whole day is working time still left).
        let include_day = at_end && self.is_working_day(day);
        let Some(target) = self.nth_working_day_back(day, n, include_day) else {
            return Timestamp::MIN;
        };
        if self.is_working_day(day) && !at_end {
            // Part of `day` is left: the same time of day, N working days earlier.
            self.instant(target.to_datetime(local.time()))
        } else {
            self.start_of_day(target)
        }
    }

    fn nth_working_day_back(&self, day: Date, n: u32, include_day: bool) -> Option<Date> {
        let mut d = if include_day {
            day
        } else {
            day.yesterday().ok()?
        };
        let mut seen = 0;
        for _ in 0..(i64::from(n) * 7 + 400_000) {
            if self.is_working_day(d) {
                seen += 1;
                if seen == n {
                    return Some(d);
                }
            }
            d = d.yesterday().ok()?;
        }
        None
    }

    /// Working days used between `a` and `b`, counted the way the rule counts them:
    /// the working days after the day of `a`, up to and including the day of `b` (a
    /// `b` at exactly 24:00 belongs to the day it ends). So a clock of N working days
    /// is met by a `b` on or before its due time only if this is at most N.
    pub fn working_days_between(&self, a: Timestamp, b: Timestamp) -> u32 {
        if b <= a {
            return 0;
        }
        let first = self.day_of(a);
        let local = self.tz.to_datetime(b);
        let last = if local.time() == Time::midnight() {
            local.date().yesterday().unwrap_or(local.date())
        } else {
            local.date()
        };
        let mut count = 0;
        let mut d = first;
        while d < last {
            let Ok(next) = d.tomorrow() else { break };
            d = next;
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }

    /// How long until `due` (or how late), in the clock's terms: working-day clocks
    /// count whole working days left while at least one is, then hours.
    pub fn time_left(&self, now: Timestamp, due: Timestamp, unit: Unit) -> TimeLeft {
        if now >= due {
            let (amount, unit) = elapsed_words(due.duration_since(now).abs());
            return TimeLeft::Overdue { amount, unit };
        }
        match unit {
            Unit::WorkingDays => {
                let n = self.working_days_between(now, due);
                if n >= 1 {
                    return TimeLeft::Left {
                        amount: u64::from(n),
                        unit: Unit::WorkingDays,
                    };
                }
            }
            Unit::Days | Unit::Hours | Unit::Minutes => {}
        }
        let (amount, unit) = elapsed_words(due.duration_since(now));
        TimeLeft::Left { amount, unit }
    }

    fn civil(&self, t: Timestamp) -> i64 {
        civil_secs(self.tz.to_datetime(t))
    }

    /// A local wall-clock time as a moment; a time the zone skips (DST gap) is read
    /// as the moment after the gap, a repeated one as the earlier.
    fn instant(&self, dt: DateTime) -> Timestamp {
        self.tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .unwrap_or(Timestamp::MAX)
    }
}

/// `from` plus `d` of time that is not paused.
fn elapsed_after(from: Timestamp, d: SignedDuration, pauses: &[Interval]) -> Timestamp {
    let mut pauses: Vec<Interval> = pauses
        .iter()
        .copied()
        .filter(|p| p.from < p.until)
        .collect();
    pauses.sort_unstable_by_key(|p| p.from);
    let mut t = from;
    let mut remaining = d;
    for p in pauses {
        if p.until <= t {
            continue;
        }
        if p.from > t {
            let run = p.from.duration_since(t);
            if run >= remaining {
                break;
            }
            remaining -= run;
        }
        t = t.max(p.until);
    }
    t.checked_add(remaining).unwrap_or(Timestamp::MAX)
}

/// Seconds of local wall-clock time since 1970-01-01 00:00 (every day is 86 400).
fn civil_secs(dt: DateTime) -> i64 {
    TimeZone::UTC
        .to_timestamp(dt)
        .map_or(i64::MAX / 2, Timestamp::as_second)
}

fn from_civil_secs(s: i64) -> DateTime {
    Timestamp::from_second(s).map_or(DateTime::MAX, |t| TimeZone::UTC.to_datetime(t))
}

/// An elapsed duration in the largest unit that reads well: minutes under an hour,
/// hours under two days, then days (rounded down).
fn elapsed_words(d: SignedDuration) -> (u64, Unit) {
    let secs = d.as_secs().unsigned_abs();
    if secs < 3_600 {
        (secs / 60, Unit::Minutes)
    } else if secs < 2 * 86_400 {
        (secs / 3_600, Unit::Hours)
    } else {
        (secs / 86_400, Unit::Days)
    }
}

/// Time left until a clock is due, or how late it is; `Display` is what the queue
/// shows ("2 working days left", "overdue by 3 hours").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLeft {
    Left { amount: u64, unit: Unit },
    Overdue { amount: u64, unit: Unit },
}

impl fmt::Display for TimeLeft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TimeLeft::Left { amount: 0, .. } => f.write_str("less than a minute left"),
            TimeLeft::Left { amount, unit } => write!(f, "{amount} {} left", unit.name(amount)),
            TimeLeft::Overdue { amount: 0, .. } => f.write_str("overdue by less than a minute"),
            TimeLeft::Overdue { amount, unit } => {
                write!(f, "overdue by {amount} {}", unit.name(amount))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn zone(name: &str) -> TimeZone {
        crate::policy::Zone::parse(name)
            .unwrap()
            .time_zone()
            .clone()
    }

    fn cal(name: &str, holidays: &[Date]) -> Calendar {
        Calendar::new(
            zone(name),
            WorkingWeek::MONDAY_TO_FRIDAY,
            holidays.iter().copied().collect(),
        )
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// A local wall-clock time in the calendar's zone.
    fn local(c: &Calendar, s: &str) -> Timestamp {
        let dt: DateTime = s.parse().unwrap();
        c.instant(dt)
    }

    fn d(s: &str) -> Duration {
        s.parse().unwrap()
    }

    #[test]
    fn c3_worked_example_friday_in_berlin_with_a_monday_holiday() {
        let c = cal("Europe/Berlin", &[date(2026, 12, 7)]);
        let received = local(&c, "2026-12-04T10:15");
        assert_eq!(
            c.due(received, d("5 working days")),
            ts("2026-12-14T23:00:00Z")
        );
    }

    #[test]
    fn c3_table_of_receipts() {
        let berlin = cal("Europe/Berlin", &[date(2026, 12, 7)]);
        let plain = cal("Europe/Berlin", &[]);
        let la = cal("America/Los_Angeles", &[]);
        let rows: [(&str, &Calendar, &str, &str, &str); 9] = [
            // A receipt on a weekend counts from the next working day.
            (
                "saturday receipt",
                &plain,
                "2026-12-05T10:00",
                "5 working days",
                "2026-12-11T23:00:00Z",
            ),
            // A receipt on a holiday likewise.
            (
                "holiday receipt",
                &berlin,
                "2026-12-07T09:00",
                "5 working days",
                "2026-12-14T23:00:00Z",
            ),
            // The day is the policy's: 23:30 Friday in Berlin is still Friday.
            (
                "late friday",
                &berlin,
                "2026-12-04T23:30",
                "5 working days",
                "2026-12-14T23:00:00Z",
            ),
            (
                "midnight start",
                &plain,
                "2026-12-07T00:00",
                "1 working day",
                "2026-12-08T23:00:00Z",
            ),
            // Summer time ends on Sunday 2026-10-25 in Berlin: 24:00 local stays 24:00.
            (
                "berlin autumn",
                &plain,
                "2026-10-22T12:00",
                "5 working days",
                "2026-10-29T23:00:00Z",
            ),
            (
                "berlin autumn, due in summer time",
                &plain,
                "2026-10-19T12:00",
                "3 working days",
                "2026-10-22T22:00:00Z",
            ),
            // Summer time starts on Sunday 2027-03-28.
            (
                "berlin spring",
                &plain,
                "2027-03-25T08:00",
                "5 working days",
                "2027-04-01T22:00:00Z",
            ),
            // Los Angeles: PDT from Sunday 2026-03-08, PST again from 2026-11-01.
            (
                "los angeles spring",
                &la,
                "2026-03-06T09:00",
                "1 working day",
                "2026-03-10T07:00:00Z",
            ),
            (
                "los angeles autumn",
                &la,
                "2026-10-30T16:00",
                "1 working day",
                "2026-11-03T08:00:00Z",
            ),
        ];
        for (what, c, received, duration, due) in rows {
            assert_eq!(c.due(local(c, received), d(duration)), ts(due), "{what}");
        }
    }

    #[test]
    fn c6_c10_v6_elapsed_durations_ignore_the_calendar() {
        let c = cal("Europe/Berlin", &[date(2026, 12, 7)]);
        let t = ts("2026-12-04T10:00:00Z");
        assert_eq!(c.due(t, d("30 days")), ts("2027-01-03T10:00:00Z"));
        assert_eq!(c.due(t, d("7 days")), ts("2026-12-11T10:00:00Z"));
        // A day across the end of summer time is still 24 hours.
        let dst = ts("2026-10-24T12:00:00Z");
        assert_eq!(c.due(dst, d("1 day")), ts("2026-10-25T12:00:00Z"));
        assert_eq!(c.due(t, d("24 hours")), ts("2026-12-05T10:00:00Z"));
        assert_eq!(c.due(t, d("90 minutes")), ts("2026-12-04T11:30:00Z"));
    }

    #[test]
    fn c9_pauses_extend_working_day_clocks_by_the_working_time_paused() {
        let c = cal("Europe/Berlin", &[]);
        let received = local(&c, "2026-12-04T10:00");
        let base = c.due(received, d("5 working days"));
        assert_eq!(base, ts("2026-12-11T23:00:00Z"));
        let pause = |a: &str, b: &str| Interval {
            from: local(&c, a),
            until: local(&c, b),
        };
        // Tuesday noon to Wednesday noon: one working day, so Monday's end.
        let one_day = [pause("2026-12-08T12:00", "2026-12-09T12:00")];
        assert_eq!(
            c.due_paused(received, d("5 working days"), &one_day),
            ts("2026-12-14T23:00:00Z")
        );
        // A weekend pause costs nothing, nor does one on the day of receipt.
        let free = [
            pause("2026-12-05T08:00", "2026-12-06T20:00"),
            pause("2026-12-04T11:00", "2026-12-04T18:00"),
        ];
        assert_eq!(c.due_paused(received, d("5 working days"), &free), base);
        // Half a working day paused: due at noon the next working day.
        let half = [pause("2026-12-10T00:00", "2026-12-10T12:00")];
        assert_eq!(
            c.due_paused(received, d("5 working days"), &half),
            local(&c, "2026-12-14T12:00")
        );
        // Overlapping pauses count once.
        let overlapping = [
            pause("2026-12-08T12:00", "2026-12-09T00:00"),
            pause("2026-12-08T18:00", "2026-12-09T12:00"),
        ];
        assert_eq!(
            c.due_paused(received, d("5 working days"), &overlapping),
            ts("2026-12-14T23:00:00Z")
        );
    }

    #[test]
    fn c9_pauses_extend_elapsed_clocks_by_the_time_paused() {
        let c = cal("UTC", &[]);
        let start = ts("2026-12-01T00:00:00Z");
        let pauses = [
            Interval {
                from: ts("2026-12-02T00:00:00Z"),
                until: ts("2026-12-02T02:00:00Z"),
            },
            // Before the start: does not count.
            Interval {
                from: ts("2026-11-20T00:00:00Z"),
                until: ts("2026-11-21T00:00:00Z"),
            },
            // After the due time the first pause made: does not count.
            Interval {
                from: ts("2026-12-20T00:00:00Z"),
                until: ts("2026-12-21T00:00:00Z"),
            },
        ];
        assert_eq!(
            c.due_paused(start, d("7 days"), &pauses),
            ts("2026-12-08T02:00:00Z")
        );
    }

    #[test]
    fn reminders_count_back_over_working_time() {
        let c = cal("Europe/Berlin", &[date(2026, 12, 7)]);
        // Due at the end of Monday 14th: one working day before is Monday 00:00.
        let due = ts("2026-12-14T23:00:00Z");
        assert_eq!(
            c.before(due, d("1 working day")),
            local(&c, "2026-12-14T00:00")
        );
        // Two working days before skips the weekend.
        assert_eq!(
            c.before(due, d("2 working days")),
            local(&c, "2026-12-11T00:00")
        );
        // Due mid-day: the same time a working day earlier, over the weekend and the
        // holiday.
        assert_eq!(
            c.before(local(&c, "2026-12-08T15:00"), d("1 working day")),
            local(&c, "2026-12-04T15:00")
        );
        // Due on a Saturday: the start of Friday.
        assert_eq!(
            c.before(local(&c, "2026-12-12T15:00"), d("1 working day")),
            local(&c, "2026-12-11T00:00")
        );
        assert_eq!(c.before(due, d("24 hours")), ts("2026-12-13T23:00:00Z"));
        // Escalations count forward from the due time itself.
        assert_eq!(c.after(due, d("1 working day")), ts("2026-12-15T23:00:00Z"));
        assert_eq!(c.after(due, d("2 hours")), ts("2026-12-15T01:00:00Z"));
    }

    #[test]
    fn working_days_between_counts_like_the_due_rule() {
        let c = cal("Europe/Berlin", &[date(2026, 12, 7)]);
        let received = local(&c, "2026-12-04T10:00");
        let due = c.due(received, d("5 working days"));
        assert_eq!(c.working_days_between(received, due), 5);
        assert_eq!(
            c.working_days_between(received, local(&c, "2026-12-04T18:00")),
            0
        );
        assert_eq!(
            c.working_days_between(received, local(&c, "2026-12-07T18:00")),
            0
        );
        assert_eq!(
            c.working_days_between(received, local(&c, "2026-12-08T09:00")),
            1
        );
        assert_eq!(c.working_days_between(due, received), 0);
        assert!(c.is_working_day(date(2026, 12, 8)));
        assert!(!c.is_working_day(date(2026, 12, 7)));
        assert!(!c.is_working_day(date(2026, 12, 5)));
    }

    #[test]
    fn time_left_in_words() {
        let c = cal("Europe/Berlin", &[]);
        let due = ts("2026-12-14T23:00:00Z");
        let words = |now: &str, unit| c.time_left(local(&c, now), due, unit).to_string();
        assert_eq!(
            words("2026-12-11T10:00", Unit::WorkingDays),
            "1 working day left"
        );
        assert_eq!(
            words("2026-12-10T10:00", Unit::WorkingDays),
            "2 working days left"
        );
        assert_eq!(
            words("2026-12-14T10:00", Unit::WorkingDays),
            "14 hours left"
        );
        assert_eq!(
            words("2026-12-14T23:59:30", Unit::WorkingDays),
            "less than a minute left"
        );
        assert_eq!(
            words("2026-12-15T03:00", Unit::WorkingDays),
            "overdue by 3 hours"
        );
        assert_eq!(words("2026-12-18T03:00", Unit::Days), "overdue by 3 days");
        assert_eq!(
            words("2026-12-15T00:15", Unit::Hours),
            "overdue by 15 minutes"
        );
        assert_eq!(words("2026-12-14T23:15", Unit::Hours), "45 minutes left");
        assert_eq!(words("2026-12-11T00:00", Unit::Days), "4 days left");
    }

    /// Moments from 2020 to 2035.
    fn moment() -> impl Strategy<Value = Timestamp> {
        (1_577_836_800i64..2_051_222_400).prop_map(|s| Timestamp::from_second(s).unwrap())
    }

    /// Moments within ten days of a DST change in both zones.
    fn near_dst() -> impl Strategy<Value = Timestamp> {
        let changes = [
            "2026-03-08T10:00:00Z",
            "2026-03-29T01:00:00Z",
            "2026-10-25T01:00:00Z",
            "2026-11-01T09:00:00Z",
            "2027-03-14T10:00:00Z",
            "2027-03-28T01:00:00Z",
        ];
        (0usize..changes.len(), -864_000i64..864_000).prop_map(move |(i, off)| {
            ts(changes[i])
                .checked_add(SignedDuration::from_secs(off))
                .unwrap()
        })
    }

    fn zone_name() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("Europe/Berlin"), Just("America/Los_Angeles")]
    }

    fn holidays() -> impl Strategy<Value = Vec<Date>> {
        proptest::collection::vec((2020i16..2036, 1i8..=12, 1i8..=28), 0..30)
            .prop_map(|v| v.into_iter().map(|(y, m, d)| date(y, m, d)).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn due_times_grow_with_n(
            z in zone_name(), hs in holidays(), start in moment(), n in 1u32..40,
        ) {
            let c = cal(z, &hs);
            let a = c.due(start, Duration::working_days(n).unwrap());
            let b = c.due(start, Duration::working_days(n + 1).unwrap());
            prop_assert!(a < b);
            prop_assert!(start < a);
        }

        #[test]
        fn due_times_are_24_00_local_of_a_working_day(
            z in zone_name(), hs in holidays(), start in prop_oneof![moment(), near_dst()],
            n in 1u32..15,
        ) {
            let c = cal(z, &hs);
            let due = c.due(start, Duration::working_days(n).unwrap());
            let local = c.time_zone().to_datetime(due);
            prop_assert_eq!(local.time(), Time::midnight());
            let day = local.date().yesterday().unwrap();
            prop_assert!(c.is_working_day(day), "{} ends a non-working day", day);
            prop_assert_eq!(c.working_days_between(start, due), n);
        }

        #[test]
        fn a_holiday_never_brings_a_due_time_earlier(
            z in zone_name(), hs in holidays(), start in moment(), n in 1u32..20,
            extra in 0i64..60,
        ) {
            let before = cal(z, &hs);
            let day = before.day_of(start).checked_add(jiff::Span::new().days(extra)).unwrap();
            let mut more = hs.clone();
            more.push(day);
            let after = cal(z, &more);
            let dur = Duration::working_days(n).unwrap();
            prop_assert!(after.due(start, dur) >= before.due(start, dur));
        }

        #[test]
        fn a_pause_never_brings_a_due_time_earlier(
            z in zone_name(), start in prop_oneof![moment(), near_dst()], n in 1u32..10,
            from in 0i64..1_000_000, len in 0i64..500_000, elapsed in any::<bool>(),
        ) {
            let c = cal(z, &[]);
            let dur = if elapsed { Duration::hours(n * 24).unwrap() } else { Duration::working_days(n).unwrap() };
            let p0 = start.checked_add(SignedDuration::from_secs(from)).unwrap();
            let p = Interval { from: p0, until: p0.checked_add(SignedDuration::from_secs(len)).unwrap() };
            let plain = c.due(start, dur);
            let paused = c.due_paused(start, dur, &[p]);
            prop_assert!(paused >= plain);
            // Never later than the whole pause.
            prop_assert!(paused <= plain.checked_add(SignedDuration::from_secs(len + 3 * 86_400)).unwrap());
        }

        #[test]
        fn a_reminder_leaves_exactly_the_working_time_it_says(
            z in zone_name(), hs in holidays(), start in prop_oneof![moment(), near_dst()],
            n in 2u32..12, k in 1u32..3,
        ) {
            let c = cal(z, &hs);
            let due = c.due(start, Duration::working_days(n).unwrap());
            let r = c.before(due, Duration::working_days(k).unwrap());
            prop_assert!(r < due);
            // Reminding at 00:00 of a working day that has k working days to go.
            let local = c.time_zone().to_datetime(r);
            prop_assert_eq!(local.time(), Time::midnight());
            prop_assert!(c.is_working_day(local.date()));
            // From the last second before it, the count includes its day.
            let just_before = r.checked_sub(SignedDuration::from_secs(1)).unwrap();
            prop_assert_eq!(c.working_days_between(just_before, due), k);
        }
    }
}
