//! A project's disclosure process as data: its calendar (time zone, working week,
//! holidays), its clocks, reminders and escalation, the CVSS thresholds of the
//! `low-severity` and `public` modifiers, approvals, pre-notification and the notices
//! each track sends. People write it as TOML ([`Policy::from_toml`],
//! [`Policy::to_toml`]); the project's event stream stores it as JSON (serde).
//!
//! Two presets, [`Policy::connect`] and [`Policy::vitess`], are the reference policies
//! (`shared/policies/`) exactly; `presets.rs` traces every number to its sentence.

mod describe;
mod duration;
mod ics;
mod parse;
mod presets;
mod render;

pub use describe::{ComponentWords, NoticeWords, PolicyWords, PromiseWords};
pub use duration::{Duration, DurationError, Unit};
pub use ics::{EventProblem, IcsError, holidays_from_ics};
pub use parse::{FileReader, Problem, ProblemKind};

use crate::calendar::Calendar;
use crate::clocks::{ClockName, Milestone};
use crate::track::TrackKind;
use jiff::civil::{Date, Weekday};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

/// A project's policy. Every number in it is a setting; see `docs/policy.md`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Where working days begin and end (IANA name).
    pub time_zone: Zone,
    pub working_days: WorkingWeek,
    pub holidays: BTreeSet<Date>,
    /// The clocks this policy runs; a clock that is absent is off.
    pub clocks: BTreeMap<ClockName, ClockRule>,
    pub reminders: Vec<ReminderRule>,
    pub escalation: Option<EscalationRule>,
    /// A final CVSS score under this makes a case `low-severity` (C16, V7).
    pub low_severity_below: CvssScore,
    /// Whether the coordinator may also slow a case whose assessed risk is low whatever
    /// its score (C16 says so; V7 does not).
    pub low_risk_may_slow_down: bool,
    /// A public case with a final CVSS score at or over this runs "as soon as possible"
    /// (C7, V2).
    pub public_asap_from: CvssScore,
    /// What "as soon as possible" means for every remaining clock.
    pub asap: Duration,
    /// How long the coordinator waits for the reporter's answer to a proposed release
    /// date before they may set it on their own, recorded as an override (C6). Policies
    /// stored before this setting existed read the default, five working days.
    #[serde(default = "default_reporter_silence")]
    pub reporter_silence: Duration,
    /// Approvals a fix needs before it is ready (V6).
    pub required_approvals: u8,
    /// Whether third parties may be told before disclosure (V11: off).
    pub pre_notification: bool,
    /// Whether the project's members must have a second factor to see its cases
    /// (issue 11): a member without one sees none until they set one up. Policies
    /// stored before this setting existed read `false`.
    #[serde(default)]
    pub require_second_factor: bool,
    /// Which notices each track sends (V3, V4, V5, C18).
    pub notices: Notices,
    /// Where each notice goes, in words (for SECURITY.md and the announcement drafts).
    pub channels: BTreeMap<Notice, Vec<String>>,
}

/// Neither reference text names a wait for the reporter's answer: five working days, the
/// time C3 gives the project for its own first answer.
pub fn default_reporter_silence() -> Duration {
    Duration::working_days(5).expect("five working days is in range")
}

impl Policy {
    /// The policy's working-day calendar.
    pub fn calendar(&self) -> Calendar {
        Calendar::new(
            self.time_zone.time_zone().clone(),
            self.working_days,
            self.holidays.clone(),
        )
    }

    pub fn clock(&self, name: ClockName) -> Option<&ClockRule> {
        self.clocks.get(&name)
    }

    /// The preset of this name (`connect` or `vitess`).
    pub fn preset(name: &str) -> Option<Policy> {
        match name {
            "connect" => Some(Policy::connect()),
            "vitess" => Some(Policy::vitess()),
            _ => None,
        }
    }

    /// The names [`Policy::preset`] knows.
    pub const PRESETS: [&'static str; 2] = ["connect", "vitess"];
}

/// One clock: when it starts, how long it runs, and who sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockRule {
    /// The milestone that starts it; what stops it is fixed by the clock
    /// ([`ClockName::stop`]).
    pub start: Milestone,
    pub duration: Duration,
    /// Whether the reporter sees it on their tracking page.
    pub reporter_sees: bool,
    /// Whether it stands still while the case waits on the reporter (`needs-info`).
    pub pauses_in_needs_info: bool,
}

/// Who is reminded or escalated to; the shell resolves it to people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// The case's coordinator (Fix Lead).
    Coordinator,
    /// The maintainers added to the case.
    Collaborators,
    /// Everyone with the `security-team` or `admin` role in the project.
    SecurityTeam,
}

impl Audience {
    pub const ALL: [Audience; 3] = [
        Audience::Coordinator,
        Audience::Collaborators,
        Audience::SecurityTeam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Coordinator => "coordinator",
            Audience::Collaborators => "collaborators",
            Audience::SecurityTeam => "security-team",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A reminder before a clock is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderRule {
    /// How long before the due time (working days count back over the calendar).
    pub before: Duration,
    pub to: Vec<Audience>,
    /// The clocks it applies to; `None` is every clock.
    pub clocks: Option<Vec<ClockName>>,
}

/// What happens when a clock falls overdue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRule {
    /// How long after the due time; `None` is at the due time.
    pub after: Option<Duration>,
    pub to: Vec<Audience>,
    /// The clocks it applies to; `None` is every clock.
    pub clocks: Option<Vec<ClockName>>,
}

/// Whether a rule that names clocks (or none, meaning all) covers this one.
pub(crate) fn covers(clocks: Option<&[ClockName]>, name: ClockName) -> bool {
    clocks.is_none_or(|list| list.contains(&name))
}

/// The announcements a track may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Notice {
    /// The release date and mitigation, before the fix ships (V9).
    ForthcomingFix,
    /// New releases, CVE links and how to apply the fix (V10, C17, C18).
    FixedVulnerability,
    /// A main-only fix, told to the community (V3).
    Courtesy,
    /// Only unsupported releases are affected: upgrade (V4).
    Upgrade,
}

impl Notice {
    pub const ALL: [Notice; 4] = [
        Notice::ForthcomingFix,
        Notice::FixedVulnerability,
        Notice::Courtesy,
        Notice::Upgrade,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Notice::ForthcomingFix => "forthcoming-fix",
            Notice::FixedVulnerability => "fixed-vulnerability",
            Notice::Courtesy => "courtesy",
            Notice::Upgrade => "upgrade",
        }
    }

    pub fn parse(s: &str) -> Option<Notice> {
        Notice::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

/// Which notices each track sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notices {
    pub full: Vec<Notice>,
    pub main_only: Vec<Notice>,
    pub unsupported_only: Vec<Notice>,
}

impl Notices {
    pub fn for_track(&self, kind: TrackKind) -> &[Notice] {
        match kind {
            TrackKind::Full => &self.full,
            TrackKind::MainOnly => &self.main_only,
            TrackKind::UnsupportedOnly => &self.unsupported_only,
        }
    }
}

impl Default for Notices {
    /// The tracks as Vitess names them (V3, V4, V5, V9, V10).
    fn default() -> Self {
        Notices {
            full: vec![Notice::ForthcomingFix, Notice::FixedVulnerability],
            main_only: vec![Notice::Courtesy],
            unsupported_only: vec![Notice::Upgrade],
        }
    }
}

/// A CVSS score as a threshold, 0.0 to 10.0, kept in tenths so it compares exactly
/// with `embargo_cvss::Score::tenths`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CvssScore(u8);

impl CvssScore {
    pub fn from_tenths(tenths: u8) -> Option<CvssScore> {
        (tenths <= 100).then_some(CvssScore(tenths))
    }

    pub fn tenths(self) -> u8 {
        self.0
    }

    pub fn value(self) -> f64 {
        f64::from(self.0) / 10.0
    }

    /// From a number as written (`4`, `4.0`, `6.5`): 0 to 10 with one decimal at most.
    pub fn from_f64(x: f64) -> Option<CvssScore> {
        if !(0.0..=10.0).contains(&x) {
            return None;
        }
        let tenths = (x * 10.0).round();
        // One decimal at most: 4.05 is a typo, not a threshold.
        if (tenths - x * 10.0).abs() > 1e-6 {
            return None;
        }
        // In 0..=100 after the range check, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(CvssScore(tenths as u8))
    }
}

impl fmt::Display for CvssScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl Serialize for CvssScore {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.value())
    }
}

impl<'de> Deserialize<'de> for CvssScore {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = f64::deserialize(d)?;
        CvssScore::from_f64(x).ok_or_else(|| {
            serde::de::Error::custom(format!("{x} is not a CVSS score (0 to 10, one decimal)"))
        })
    }
}

/// The days of the week that are working days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkingWeek([bool; 7]);

impl WorkingWeek {
    /// Monday to Friday.
    pub const MONDAY_TO_FRIDAY: WorkingWeek =
        WorkingWeek([true, true, true, true, true, false, false]);

    /// The week of these days; `None` for no days (a clock would never be due).
    pub fn of(days: &[Weekday]) -> Option<WorkingWeek> {
        let mut week = [false; 7];
        for d in days {
            week[usize::from(d.to_monday_zero_offset().unsigned_abs())] = true;
        }
        week.contains(&true).then_some(WorkingWeek(week))
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0[usize::from(day.to_monday_zero_offset().unsigned_abs())]
    }

    pub fn days(self) -> Vec<Weekday> {
        WEEK.into_iter().filter(|d| self.contains(*d)).collect()
    }
}

impl Default for WorkingWeek {
    fn default() -> Self {
        WorkingWeek::MONDAY_TO_FRIDAY
    }
}

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// A weekday's name in a policy (`monday`).
pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// A weekday from its name or its first three letters, any case.
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    WEEK.into_iter().find(|d| {
        let name = weekday_name(*d);
        s == name || (s.len() == 3 && name.starts_with(&s))
    })
}

impl Serialize for WorkingWeek {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.days().into_iter().map(weekday_name))
    }
}

impl<'de> Deserialize<'de> for WorkingWeek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let days = names
            .iter()
            .map(|n| {
                parse_weekday(n)
                    .ok_or_else(|| serde::de::Error::custom(format!("`{n}` is not a weekday")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        WorkingWeek::of(&days)
            .ok_or_else(|| serde::de::Error::custom("name at least one working day"))
    }
}

/// An IANA time zone, from the database compiled into Embargo (never the system's).
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

/// The compiled-in time zone database, opened once.
fn zones() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

impl Zone {
    /// Looks a zone up by its IANA name (any case); `None` if there is no such zone.
    pub fn parse(name: &str) -> Option<Zone> {
        let name = name.trim();
        // `Etc/Unknown` is jiff's placeholder, not a place.
        if name.is_empty() || name.eq_ignore_ascii_case("Etc/Unknown") {
            return None;
        }
        let tz = zones().get(name).ok()?;
        let name = tz.iana_name().unwrap_or(name).to_owned();
        Some(Zone { name, tz })
    }

    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Zone::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("`{name}` is not an IANA time zone")))
    }
}

/// All problems found in a policy document, in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

impl PolicyError {
    /// The problems as a refusal of the field that held the document (`toml`): one
    /// entry per problem, each naming its line and key.
    pub fn rejection(&self, field: &str) -> crate::rejection::Rejection {
        use crate::rejection::{Invalid, Rejection, Rule};
        Rejection::Invalid(
            self.problems
                .iter()
                .map(|p| Invalid::new(field, Rule::InvalidFormat, format!("`{field}`: {p}")))
                .collect(),
        )
    }
}

impl Policy {
    /// The preset this policy is exactly, if it is one.
    pub fn preset_name(&self) -> Option<&'static str> {
        Policy::PRESETS
            .into_iter()
            .find(|n| Policy::preset(n).as_ref() == Some(self))
    }

    /// One line: "time zone UTC, working days monday … friday, 0 holidays, clocks:
    /// acknowledge 5 working days, …".
    pub fn summary(&self) -> String {
        let days: Vec<&str> = self
            .working_days
            .days()
            .into_iter()
            .map(weekday_name)
            .collect();
        let clocks: Vec<String> = ClockName::ALL
            .into_iter()
            .filter_map(|n| self.clock(n).map(|c| format!("{n} {}", c.duration)))
            .collect();
        let holidays = self.holidays.len();
        format!(
            "time zone {}, working days {}, {holidays} holiday{}, clocks: {}",
            self.time_zone,
            days.join(" "),
            if holidays == 1 { "" } else { "s" },
            if clocks.is_empty() {
                "none".to_owned()
            } else {
                clocks.join(", ")
            }
        )
    }
}

#[cfg(test)]
mod tests;
