//! Holidays from an iCalendar file (RFC 5545): each all-day event becomes the dates it
//! covers. The shell reads the file; this only parses its text.

use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::BTreeSet;

/// Why an iCalendar file gave no holidays.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    #[error("not an iCalendar file: {0}")]
    Parse(String),
    #[error("not an iCalendar file: it has no BEGIN:VCALENDAR")]
    NoCalendar,
    #[error("event {event}: {problem}")]
    Event {
        event: String,
        problem: EventProblem,
    },
}

/// Why one event cannot be read as holidays.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventProblem {
    #[error("it has no DTSTART")]
    NoStart,
    #[error("{property} `{value}` is not a date (YYYYMMDD)")]
    NotADate {
        property: &'static str,
        value: String,
    },
    #[error("it starts at a time of day (`{0}`), not on a whole day; holidays are all-day events")]
    NotAllDay(String),
    #[error("it repeats (RRULE); list each holiday as its own event, or the dates in `holidays`")]
    Repeats,
    #[error("it ends before it starts")]
    EndsBeforeStart,
    #[error("it lasts more than a year")]
    TooLong,
    #[error("DURATION `{0}` is not a number of days or weeks (e.g. P1D, P2W)")]
    BadDuration(String),
}

/// The dates of every all-day event in the file; multi-day events give each day they
/// cover (DTEND is exclusive, as RFC 5545 says). Cancelled events are skipped.
pub fn holidays_from_ics(text: &str) -> Result<BTreeSet<Date>, IcsError> {
    let has_calendar = text
        .lines()
        .any(|l| l.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR"));
    if !has_calendar {
        return Err(IcsError::NoCalendar);
    }
    let mut dates = BTreeSet::new();
    let mut calendars = 0;
    for calendar in ical::IcalParser::new(text.as_bytes()) {
        let calendar = calendar.map_err(|e| IcsError::Parse(e.to_string()))?;
        calendars += 1;
        for (i, event) in calendar.events.iter().enumerate() {
            let props = &event.properties;
            let get = |name: &str| props.iter().find(|p| p.name == name);
            let value = |name: &str| get(name).and_then(|p| p.value.as_deref());
            let event_name = match value("SUMMARY").or_else(|| value("UID")) {
                Some(s) => format!("{} (\"{s}\")", i + 1),
                None => (i + 1).to_string(),
            };
            let fail = |problem| IcsError::Event {
                event: event_name.clone(),
                problem,
            };
            if value("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")) {
                continue;
            }
            if get("RRULE").is_some() || get("RDATE").is_some() {
                return Err(fail(EventProblem::Repeats));
            }
            let start = value("DTSTART").ok_or_else(|| fail(EventProblem::NoStart))?;
            let start = all_day(start, "DTSTART").map_err(fail)?;
            // Without an end, an all-day event is that one day (RFC 5545 3.6.1).
            let end = match (value("DTEND"), value("DURATION")) {
                (Some(end), _) => all_day(end, "DTEND").map_err(fail)?,
                (None, Some(d)) => {
                    let days = duration_days(d)
                        .ok_or_else(|| fail(EventProblem::BadDuration(d.to_owned())))?;
                    start
                        .checked_add(days.days())
                        .map_err(|_| fail(EventProblem::TooLong))?
                }
                (None, None) => start.tomorrow().map_err(|_| fail(EventProblem::TooLong))?,
            };
            if end < start {
                return Err(fail(EventProblem::EndsBeforeStart));
            }
            let mut day = start;
            let mut count = 0;
            while day < end {
                count += 1;
                if count > 366 {
                    return Err(fail(EventProblem::TooLong));
                }
                dates.insert(day);
                day = day.tomorrow().map_err(|_| fail(EventProblem::TooLong))?;
            }
            // A zero-length all-day event (DTEND = DTSTART) still names its day.
            if start == end {
                dates.insert(start);
            }
        }
    }
    if calendars == 0 {
        return Err(IcsError::NoCalendar);
    }
    Ok(dates)
}

/// A `DATE` value (`20261224`); a `DATE-TIME` is refused with what it was.
fn all_day(value: &str, property: &'static str) -> Result<Date, EventProblem> {
    let v = value.trim();
    if v.contains('T') {
        return Err(EventProblem::NotAllDay(v.to_owned()));
    }
    let bad = || EventProblem::NotADate {
        property,
        value: v.to_owned(),
    };
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<i16>().map_err(|_| bad());
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let m = i8::try_from(m).map_err(|_| bad())?;
    let d = i8::try_from(d).map_err(|_| bad())?;
    Date::new(y, m, d).map_err(|_| bad())
}

/// Days in a `DURATION` of whole days or weeks (`P1D`, `P2W`).
fn duration_days(value: &str) -> Option<i64> {
    let v = value.trim().strip_prefix('P')?;
    let (n, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: i64 = n.parse().ok().filter(|n| *n >= 0 && *n <= 366)?;
    match unit {
        "D" => Some(n),
        "W" => Some(n * 7),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ics(events: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n")
    }

    #[test]
    fn all_day_and_multi_day_events_become_dates() {
        let text = ics(
            "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Christmas Eve\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261225\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Winter break\r\nDTSTART;VALUE=DATE:20261228\r\nDTEND;VALUE=DATE:20261231\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:3\r\nSUMMARY:New Year\r\nDTSTART;VALUE=DATE:20270101\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:4\r\nSUMMARY:Two weeks\r\nDTSTART;VALUE=DATE:20270301\r\nDURATION:P2W\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:5\r\nSUMMARY:Called off\r\nSTATUS:CANCELLED\r\nDTSTART;VALUE=DATE:20270601\r\nEND:VEVENT\r\n",
        );
        let dates = holidays_from_ics(&text).unwrap();
        let expected: BTreeSet<Date> = [
            date(2026, 12, 24),
            date(2026, 12, 28),
            date(2026, 12, 29),
            date(2026, 12, 30),
            date(2027, 1, 1),
        ]
        .into_iter()
        .chain((1..=14).map(|d| date(2027, 3, d)))
        .collect();
        assert_eq!(dates, expected);
    }

    #[test]
    fn a_file_that_does_not_parse_says_so() {
        assert_eq!(
            holidays_from_ics("hello, world\n"),
            Err(IcsError::NoCalendar)
        );
        assert_eq!(holidays_from_ics(""), Err(IcsError::NoCalendar));
        let broken = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\n";
        assert!(matches!(holidays_from_ics(broken), Err(IcsError::Parse(_))));
    }

    #[test]
    fn timed_and_repeating_events_are_refused_by_name() {
        let timed =
            ics("BEGIN:VEVENT\r\nSUMMARY:Standup\r\nDTSTART:20261224T090000Z\r\nEND:VEVENT\r\n");
        let err = holidays_from_ics(&timed).unwrap_err();
        assert!(
            matches!(&err, IcsError::Event { event, problem: EventProblem::NotAllDay(_) } if event.contains("Standup")),
            "{err:?}"
        );
        let repeating = ics(
            "BEGIN:VEVENT\r\nSUMMARY:Xmas\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n",
        );
        assert!(matches!(
            holidays_from_ics(&repeating),
            Err(IcsError::Event {
                problem: EventProblem::Repeats,
                ..
            })
        ));
        let bad_date =
            ics("BEGIN:VEVENT\r\nSUMMARY:X\r\nDTSTART;VALUE=DATE:20261332\r\nEND:VEVENT\r\n");
        assert!(
            holidays_from_ics(&bad_date)
                .unwrap_err()
                .to_string()
                .contains("DTSTART `20261332` is not a date")
        );
    }
}
