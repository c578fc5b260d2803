//! How long a clock runs, as a policy writes it: `"5 working days"`, `"30 days"`,
//! `"24 hours"`, `"90 minutes"`. Working days follow the policy's calendar
//! ([`crate::calendar`]); days, hours and minutes are elapsed time.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A positive amount of one unit. Printed the way it is written, so it round-trips.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    amount: u32,
    unit: Unit,
}

/// The units a policy may count in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// Whole days of the policy's working week that are not holidays.
    WorkingDays,
    /// Elapsed 24-hour periods.
    Days,
    Hours,
    Minutes,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::WorkingDays, Unit::Days, Unit::Hours, Unit::Minutes];

    fn words(self) -> (&'static str, &'static str) {
        match self {
            Unit::WorkingDays => ("working day", "working days"),
            Unit::Days => ("day", "days"),
            Unit::Hours => ("hour", "hours"),
            Unit::Minutes => ("minute", "minutes"),
        }
    }

    /// The largest amount accepted: ten years, so that arithmetic cannot overflow and a
    /// typo (`"300000 days"`) is caught.
    pub fn max(self) -> u32 {
        match self {
            Unit::WorkingDays => 2_610,
            Unit::Days => 3_653,
            Unit::Hours => 87_672,
            Unit::Minutes => 5_260_320,
        }
    }

    /// The name in words for an amount, singular for one.
    pub fn name(self, amount: u64) -> &'static str {
        let (one, many) = self.words();
        if amount == 1 { one } else { many }
    }
}

impl Duration {
    /// A duration of `amount` units; `None` for zero or more than [`Unit::max`].
    pub fn new(amount: u32, unit: Unit) -> Option<Duration> {
        (1..=unit.max())
            .contains(&amount)
            .then_some(Duration { amount, unit })
    }

    pub fn working_days(amount: u32) -> Option<Duration> {
        Duration::new(amount, Unit::WorkingDays)
    }

    pub fn days(amount: u32) -> Option<Duration> {
        Duration::new(amount, Unit::Days)
    }

    pub fn hours(amount: u32) -> Option<Duration> {
        Duration::new(amount, Unit::Hours)
    }

    pub fn minutes(amount: u32) -> Option<Duration> {
        Duration::new(amount, Unit::Minutes)
    }

    pub fn amount(self) -> u32 {
        self.amount
    }

    pub fn unit(self) -> Unit {
        self.unit
    }

    /// Elapsed time, for every unit but working days (which depend on a calendar).
    pub fn elapsed(self) -> Option<jiff::SignedDuration> {
        let a = i64::from(self.amount);
        match self.unit {
            Unit::WorkingDays => None,
            Unit::Days => Some(jiff::SignedDuration::from_hours(a * 24)),
            Unit::Hours => Some(jiff::SignedDuration::from_hours(a)),
            Unit::Minutes => Some(jiff::SignedDuration::from_mins(a)),
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.amount,
            self.unit.name(u64::from(self.amount))
        )
    }
}

/// Why a duration does not parse; each message says what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("a duration is a number and a unit, e.g. \"5 working days\" or \"24 hours\"")]
    Shape,
    #[error("`{0}` is not a whole number; write e.g. \"5 working days\"")]
    NotANumber(String),
    #[error("a duration must be positive, not {0}")]
    Negative(String),
    #[error("a duration must be more than zero")]
    Zero,
    #[error("{amount} {unit} is more than ten years; the most is {max} {unit}")]
    TooLong {
        amount: String,
        unit: &'static str,
        max: u32,
    },
    #[error("unknown unit `{0}`; expected working days, days, hours or minutes")]
    UnknownUnit(String),
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (number, rest) = s
            .split_once(char::is_whitespace)
            .ok_or(DurationError::Shape)?;
        let words: Vec<&str> = rest.split_whitespace().collect();
        let unit_text = words.join(" ");
        // Singular and plural are both fine whatever the number: "1 working days" is a
        // slip, not a different duration.
        let unit = Unit::ALL
            .into_iter()
            .find(|u| {
                let (one, many) = u.words();
                unit_text == one || unit_text == many
            })
            .ok_or_else(|| DurationError::UnknownUnit(unit_text.clone()))?;
        if let Some(n) = number.strip_prefix('-')
            && n.bytes().all(|b| b.is_ascii_digit())
            && !n.is_empty()
        {
            return Err(DurationError::Negative(number.to_owned()));
        }
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DurationError::NotANumber(number.to_owned()));
        }
        let too_long = || DurationError::TooLong {
            amount: number.to_owned(),
            unit: unit.words().1,
            max: unit.max(),
        };
        let amount: u32 = number.parse().map_err(|_| too_long())?;
        if amount == 0 {
            return Err(DurationError::Zero);
        }
        Duration::new(amount, unit).ok_or_else(too_long)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_four_units_parse_and_print_as_written() {
        for text in [
            "5 working days",
            "30 days",
            "24 hours",
            "90 minutes",
            "1 working day",
        ] {
            let d: Duration = text.parse().unwrap();
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(
            "1 working day".parse::<Duration>().unwrap(),
            Duration::working_days(1).unwrap()
        );
        // Plural for one is a slip; it prints in the singular.
        assert_eq!("1 days".parse::<Duration>().unwrap().to_string(), "1 day");
        assert_eq!(
            "  7   days ".parse::<Duration>().unwrap(),
            Duration::days(7).unwrap()
        );
    }

    #[test]
    fn bad_durations_say_what_is_wrong() {
        let err = |s: &str| s.parse::<Duration>().unwrap_err();
        assert_eq!(
            err("5 workday"),
            DurationError::UnknownUnit("workday".into())
        );
        assert_eq!(err("-3 days"), DurationError::Negative("-3".into()));
        assert_eq!(err("0 hours"), DurationError::Zero);
        assert_eq!(err("five days"), DurationError::NotANumber("five".into()));
        assert_eq!(err("1.5 days"), DurationError::NotANumber("1.5".into()));
        assert_eq!(err("5"), DurationError::Shape);
        assert_eq!(err(""), DurationError::Shape);
        assert!(matches!(
            err("99999999999 days"),
            DurationError::TooLong { .. }
        ));
        assert!(matches!(
            err("4000 days"),
            DurationError::TooLong { max: 3653, .. }
        ));
        assert!(
            err("5 workday")
                .to_string()
                .contains("expected working days, days, hours or minutes")
        );
    }

    #[test]
    fn elapsed_time_is_exact() {
        assert_eq!(
            Duration::days(30).unwrap().elapsed(),
            Some(jiff::SignedDuration::from_hours(720))
        );
        assert_eq!(Duration::working_days(5).unwrap().elapsed(), None);
    }

    proptest! {
        #[test]
        fn display_round_trips(amount in 1u32..=2_610, unit in 0usize..4) {
            let d = Duration::new(amount, Unit::ALL[unit]).unwrap();
            prop_assert_eq!(d.to_string().parse::<Duration>().unwrap(), d);
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<Duration>(&json).unwrap(), d);
        }
    }
}
