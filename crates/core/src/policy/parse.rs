//! Reading a policy from TOML: every key checked, every problem collected with the key
//! and line it is on, so a person fixes a file in one pass. Keys that are absent take
//! their defaults (`docs/policy.md`); a clock that is absent is off.

use super::{
    Audience, ClockRule, CvssScore, Duration, DurationError, EscalationRule, Notice, Notices,
    Policy, PolicyError, ReminderRule, WorkingWeek, Zone, holidays_from_ics, ics::IcsError,
    parse_weekday,
};
use crate::clocks::{ClockName, Milestone};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One thing wrong in a policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The dotted key, as written (`clocks.acknowledge.duration`, `holidays[2]`).
    pub key: String,
    /// 1-based; `None` when the problem is a key that is missing.
    pub line: Option<usize>,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "key `{}`: {}", self.key, self.kind)
    }
}

/// Why a key is wrong; each message says what would be right.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("unknown key; expected one of {}", .expected.join(", "))]
    UnknownKey { expected: Vec<&'static str> },
    #[error("missing; it is required here")]
    Missing,
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("`{0}` is not an IANA time zone; write e.g. \"Europe/Berlin\" or \"UTC\"")]
    UnknownTimeZone(String),
    #[error("`{0}` is not a day of the week; write e.g. \"monday\"")]
    UnknownWeekday(String),
    #[error("name at least one working day")]
    NoWorkingDays,
    #[error("`{0}` is not a date; write YYYY-MM-DD, e.g. 2026-12-24")]
    NotADate(String),
    #[error("{0}")]
    Duration(DurationError),
    #[error(
        "`{0}` is not a CVSS score; write a number from 0 to 10 with one decimal at most, e.g. 4.0"
    )]
    NotAScore(String),
    #[error("{value} is out of range; expected {min} to {max}")]
    OutOfRange { value: String, min: i64, max: i64 },
    #[error("`{value}` is not one of {}", .expected.join(", "))]
    UnknownValue {
        value: String,
        expected: Vec<&'static str>,
    },
    #[error("`{0}` is named twice")]
    Duplicate(String),
    #[error("name at least one")]
    Empty,
    #[error("the clock cannot start at `{0}`, the milestone that stops it")]
    StartsWhereItStops(&'static str),
    #[error("cannot read `{path}`: {reason}")]
    File { path: String, reason: String },
    #[error("`{path}`: {error}")]
    Ics { path: String, error: IcsError },
}

const TOP: [&str; 17] = [
    "time_zone",
    "working_days",
    "holidays",
    "holidays_file",
    "low_severity_below",
    "low_risk_may_slow_down",
    "public_asap_from",
    "asap",
    "reporter_silence",
    "required_approvals",
    "pre_notification",
    "require_second_factor",
    "clocks",
    "reminders",
    "escalation",
    "notices",
    "channels",
];
const CLOCK: [&str; 4] = ["start", "duration", "reporter_sees", "pauses_in_needs_info"];
const REMINDER: [&str; 3] = ["before", "to", "clocks"];
const ESCALATION: [&str; 3] = ["after", "to", "clocks"];
const NOTICES: [&str; 3] = ["full", "main-only", "unsupported-only"];

/// Reads files a policy names (`holidays_file`); the shell supplies it, so core stays
/// free of IO. The error is a reason in words.
pub type FileReader<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

type Value<'i> = Spanned<DeValue<'i>>;

struct Reader<'s> {
    src: &'s str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn problem(&mut self, key: &str, span: Option<Range<usize>>, kind: ProblemKind) {
        let line = span.map(|s| self.line(&s));
        self.problems.push(Problem {
            key: key.to_owned(),
            line,
            kind,
        });
    }

    fn wrong_type(&mut self, key: &str, v: &Value<'_>, expected: &'static str) {
        self.problem(
            key,
            Some(v.span()),
            ProblemKind::WrongType {
                expected,
                found: type_name(v.get_ref()),
            },
        );
    }

    /// The table's known keys; every other key is a problem.
    fn fields<'t, 'i>(
        &mut self,
        prefix: &str,
        table: &'t DeTable<'i>,
        allowed: &[&'static str],
    ) -> BTreeMap<&'static str, &'t Value<'i>> {
        let mut found = BTreeMap::new();
        for (k, v) in table.iter() {
            let name: &str = k.get_ref().as_ref();
            match allowed.iter().find(|a| **a == name) {
                Some(a) => {
                    found.insert(*a, v);
                }
                None => self.problem(
                    &join(prefix, name),
                    Some(k.span()),
                    ProblemKind::UnknownKey {
                        expected: allowed.to_vec(),
                    },
                ),
            }
        }
        found
    }

    fn string<'v>(&mut self, key: &str, v: &'v Value<'_>) -> Option<&'v str> {
        let s = v.get_ref().as_str();
        if s.is_none() {
            self.wrong_type(key, v, "a string");
        }
        s
    }

    fn boolean(&mut self, key: &str, v: &Value<'_>) -> Option<bool> {
        let b = v.get_ref().as_bool();
        if b.is_none() {
            self.wrong_type(key, v, "true or false");
        }
        b
    }

    fn array<'v, 'i>(&mut self, key: &str, v: &'v Value<'i>) -> Option<&'v [Value<'i>]> {
        match v.get_ref() {
            DeValue::Array(a) => Some(a),
            _ => {
                self.wrong_type(key, v, "an array");
                None
            }
        }
    }

    fn table<'v, 'i>(&mut self, key: &str, v: &'v Value<'i>) -> Option<&'v DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(key, v, "a table");
                None
            }
        }
    }

    fn duration(&mut self, key: &str, v: &Value<'_>) -> Option<Duration> {
        // A bare number is the commonest slip; say which unit is missing.
        if let DeValue::Integer(i) = v.get_ref() {
            let n = i.as_str();
            let kind = if n.starts_with('-') {
                ProblemKind::Duration(DurationError::Negative(n.to_owned()))
            } else {
                ProblemKind::Duration(DurationError::Shape)
            };
            self.problem(key, Some(v.span()), kind);
            return None;
        }
        let s = self.string(key, v)?;
        match s.parse() {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(key, Some(v.span()), ProblemKind::Duration(e));
                None
            }
        }
    }

    fn score(&mut self, key: &str, v: &Value<'_>) -> Option<CvssScore> {
        let (text, x) = match v.get_ref() {
            // Scores are small; the conversion is exact for every accepted value.
            #[allow(clippy::cast_precision_loss)]
            DeValue::Integer(i) => (i.as_str().to_owned(), int(i).map(|n| n as f64)),
            DeValue::Float(f) => (f.as_str().to_owned(), f.as_str().parse::<f64>().ok()),
            _ => {
                self.wrong_type(key, v, "a number");
                return None;
            }
        };
        let score = x.and_then(CvssScore::from_f64);
        if score.is_none() {
            self.problem(key, Some(v.span()), ProblemKind::NotAScore(text));
        }
        score
    }

    /// A list of names from a fixed set, e.g. audiences; duplicates and unknowns are
    /// problems.
    fn names<T: Copy + PartialEq>(
        &mut self,
        key: &str,
        v: &Value<'_>,
        parse: impl Fn(&str) -> Option<T>,
        expected: &[&'static str],
    ) -> Option<Vec<T>> {
        let items = self.array(key, v)?;
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let k = format!("{key}[{i}]");
            let Some(s) = self.string(&k, item) else {
                ok = false;
                continue;
            };
            match parse(s) {
                Some(t) if out.contains(&t) => {
                    ok = false;
                    self.problem(&k, Some(item.span()), ProblemKind::Duplicate(s.to_owned()));
                }
                Some(t) => out.push(t),
                None => {
                    ok = false;
                    self.problem(
                        &k,
                        Some(item.span()),
                        ProblemKind::UnknownValue {
                            value: s.to_owned(),
                            expected: expected.to_vec(),
                        },
                    );
                }
            }
        }
        ok.then_some(out)
    }
}

fn int(i: &toml::de::DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(i.as_str(), i.radix()).ok()
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date or time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl Policy {
    /// Reads a policy written in TOML. A `holidays_file` key is an error here (core
    /// reads no files); use [`Policy::from_toml_with`] where files may be read.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        Policy::from_toml_with(text, &mut |_| {
            Err("this policy is read without files; put the dates in `holidays`".to_owned())
        })
    }

    /// Reads a policy written in TOML; `read` fetches the iCalendar files that
    /// `holidays_file` names (their dates join `holidays`). All problems are
    /// reported at once, in document order.
    pub fn from_toml_with(text: &str, read: &mut FileReader<'_>) -> Result<Policy, PolicyError> {
        let mut r = Reader {
            src: text,
            problems: Vec::new(),
        };
        let doc = match DeTable::parse(text) {
            Ok(doc) => doc,
            Err(e) => {
                let span = e.span();
                let key = span
                    .as_ref()
                    .and_then(|s| key_at(text, s.start))
                    .unwrap_or_default();
                r.problem(
                    &key,
                    span,
                    ProblemKind::Syntax(e.message().trim().to_owned()),
                );
                return Err(PolicyError {
                    problems: r.problems,
                });
            }
        };
        let policy = read_policy(&mut r, doc.get_ref(), read);
        match policy {
            Some(p) if r.problems.is_empty() => Ok(p),
            _ => {
                r.problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
                Err(PolicyError {
                    problems: r.problems,
                })
            }
        }
    }
}

/// The key on the line a syntax error points at, if the line starts with one.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('#')).then(|| key.to_owned())
}

fn read_policy(r: &mut Reader<'_>, doc: &DeTable<'_>, read: &mut FileReader<'_>) -> Option<Policy> {
    let f = r.fields("", doc, &TOP);
    let mut policy = Policy {
        time_zone: Zone::utc(),
        working_days: WorkingWeek::MONDAY_TO_FRIDAY,
        holidays: BTreeSet::new(),
        clocks: BTreeMap::new(),
        reminders: Vec::new(),
        escalation: None,
        low_severity_below: CvssScore(40),
        low_risk_may_slow_down: false,
        public_asap_from: CvssScore(40),
        asap: Duration::hours(24)?,
        reporter_silence: super::default_reporter_silence(),
        required_approvals: 1,
        pre_notification: false,
        require_second_factor: false,
        notices: Notices::default(),
        channels: BTreeMap::new(),
    };
    if let Some(v) = f.get("time_zone")
        && let Some(name) = r.string("time_zone", v)
    {
        match Zone::parse(name) {
            Some(z) => policy.time_zone = z,
            None => r.problem(
                "time_zone",
                Some(v.span()),
                ProblemKind::UnknownTimeZone(name.to_owned()),
            ),
        }
    }
    if let Some(v) = f.get("working_days")
        && let Some(week) = working_days(r, v)
    {
        policy.working_days = week;
    }
    if let Some(v) = f.get("holidays") {
        policy.holidays.extend(holidays(r, v));
    }
    if let Some(v) = f.get("holidays_file") {
        policy.holidays.extend(holiday_files(r, v, read));
    }
    if let Some(v) = f.get("low_severity_below") {
        policy.low_severity_below = r.score("low_severity_below", v).unwrap_or(CvssScore(40));
    }
    if let Some(v) = f.get("public_asap_from") {
        policy.public_asap_from = r.score("public_asap_from", v).unwrap_or(CvssScore(40));
    }
    if let Some(v) = f.get("low_risk_may_slow_down") {
        policy.low_risk_may_slow_down = r.boolean("low_risk_may_slow_down", v).unwrap_or(false);
    }
    if let Some(v) = f.get("require_second_factor") {
        policy.require_second_factor = r.boolean("require_second_factor", v).unwrap_or(false);
    }
    if let Some(v) = f.get("pre_notification") {
        policy.pre_notification = r.boolean("pre_notification", v).unwrap_or(false);
    }
    if let Some(v) = f.get("asap")
        && let Some(d) = r.duration("asap", v)
    {
        policy.asap = d;
    }
    if let Some(v) = f.get("reporter_silence")
        && let Some(d) = r.duration("reporter_silence", v)
    {
        policy.reporter_silence = d;
    }
    if let Some(v) = f.get("required_approvals") {
        match v.get_ref() {
            DeValue::Integer(i) => match int(i) {
                Some(n @ 0..=20) => policy.required_approvals = u8::try_from(n).ok()?,
                _ => r.problem(
                    "required_approvals",
                    Some(v.span()),
                    ProblemKind::OutOfRange {
                        value: i.as_str().to_owned(),
                        min: 0,
                        max: 20,
                    },
                ),
            },
            _ => r.wrong_type("required_approvals", v, "a whole number"),
        }
    }
    if let Some(v) = f.get("clocks")
        && let Some(t) = r.table("clocks", v)
    {
        policy.clocks = clocks(r, t);
    }
    if let Some(v) = f.get("reminders") {
        policy.reminders = reminders(r, v);
    }
    if let Some(v) = f.get("escalation") {
        policy.escalation = escalation(r, v);
    }
    if let Some(v) = f.get("notices")
        && let Some(t) = r.table("notices", v)
    {
        policy.notices = notices(r, t);
    }
    if let Some(v) = f.get("channels")
        && let Some(t) = r.table("channels", v)
    {
        policy.channels = channels(r, t);
    }
    Some(policy)
}

fn working_days(r: &mut Reader<'_>, v: &Value<'_>) -> Option<WorkingWeek> {
    let items = r.array("working_days", v)?;
    let mut days = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let key = format!("working_days[{i}]");
        let Some(s) = r.string(&key, item) else {
            ok = false;
            continue;
        };
        match parse_weekday(s) {
            Some(d) if days.contains(&d) => {
                ok = false;
                r.problem(
                    &key,
                    Some(item.span()),
                    ProblemKind::Duplicate(s.to_owned()),
                );
            }
            Some(d) => days.push(d),
            None => {
                ok = false;
                r.problem(
                    &key,
                    Some(item.span()),
                    ProblemKind::UnknownWeekday(s.to_owned()),
                );
            }
        }
    }
    if !ok {
        return None;
    }
    let week = WorkingWeek::of(&days);
    if week.is_none() {
        r.problem("working_days", Some(v.span()), ProblemKind::NoWorkingDays);
    }
    week
}

fn holidays(r: &mut Reader<'_>, v: &Value<'_>) -> Vec<Date> {
    let Some(items) = r.array("holidays", v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("holidays[{i}]");
        // A TOML date (2026-12-24) or the same in a string.
        let text = match item.get_ref() {
            DeValue::Datetime(dt) => dt.to_string(),
            DeValue::String(s) => s.to_string(),
            _ => {
                r.wrong_type(&key, item, "a date (YYYY-MM-DD)");
                continue;
            }
        };
        match parse_date(&text) {
            Some(d) => out.push(d),
            None => r.problem(&key, Some(item.span()), ProblemKind::NotADate(text)),
        }
    }
    out
}

/// Exactly `YYYY-MM-DD`, a real day.
pub(super) fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    t.parse::<Date>().ok()
}

fn holiday_files(r: &mut Reader<'_>, v: &Value<'_>, read: &mut FileReader<'_>) -> Vec<Date> {
    // One file or several.
    let paths: Vec<(String, &Value<'_>)> = match v.get_ref() {
        DeValue::String(_) => vec![("holidays_file".to_owned(), v)],
        DeValue::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("holidays_file[{i}]"), item))
            .collect(),
        _ => {
            r.wrong_type("holidays_file", v, "a file name or an array of them");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (key, item) in paths {
        let Some(path) = r.string(&key, item) else {
            continue;
        };
        match read(path) {
            Err(reason) => r.problem(
                &key,
                Some(item.span()),
                ProblemKind::File {
                    path: path.to_owned(),
                    reason,
                },
            ),
            Ok(text) => match holidays_from_ics(&text) {
                Ok(dates) => out.extend(dates),
                Err(error) => r.problem(
                    &key,
                    Some(item.span()),
                    ProblemKind::Ics {
                        path: path.to_owned(),
                        error,
                    },
                ),
            },
        }
    }
    out
}

fn clocks(r: &mut Reader<'_>, t: &DeTable<'_>) -> BTreeMap<ClockName, ClockRule> {
    let names: Vec<&'static str> = ClockName::ALL.iter().map(|c| c.as_str()).collect();
    let f = r.fields("clocks", t, &names);
    let mut out = BTreeMap::new();
    for (name, v) in f {
        let Some(clock) = ClockName::parse(name) else {
            continue;
        };
        let prefix = format!("clocks.{name}");
        let Some(t) = r.table(&prefix, v) else {
            continue;
        };
        if let Some(rule) = clock_rule(r, &prefix, clock, t, v) {
            out.insert(clock, rule);
        }
    }
    out
}

fn clock_rule(
    r: &mut Reader<'_>,
    prefix: &str,
    clock: ClockName,
    t: &DeTable<'_>,
    whole: &Value<'_>,
) -> Option<ClockRule> {
    let f = r.fields(prefix, t, &CLOCK);
    let milestones: Vec<&'static str> = Milestone::ALL.iter().map(|m| m.as_str()).collect();
    let start = match f.get("start") {
        None => {
            r.problem(
                &join(prefix, "start"),
                Some(whole.span()),
                ProblemKind::Missing,
            );
            None
        }
        Some(v) => {
            let key = join(prefix, "start");
            r.string(&key, v).and_then(|s| match Milestone::parse(s) {
                Some(m) if m == clock.stop() => {
                    r.problem(
                        &key,
                        Some(v.span()),
                        ProblemKind::StartsWhereItStops(m.as_str()),
                    );
                    None
                }
                Some(m) => Some(m),
                None => {
                    r.problem(
                        &key,
                        Some(v.span()),
                        ProblemKind::UnknownValue {
                            value: s.to_owned(),
                            expected: milestones.clone(),
                        },
                    );
                    None
                }
            })
        }
    };
    let duration = match f.get("duration") {
        None => {
            r.problem(
                &join(prefix, "duration"),
                Some(whole.span()),
                ProblemKind::Missing,
            );
            None
        }
        Some(v) => r.duration(&join(prefix, "duration"), v),
    };
    let flag = |r: &mut Reader<'_>, name: &str| {
        f.get(name)
            .and_then(|v| r.boolean(&join(prefix, name), v))
            .unwrap_or(false)
    };
    let reporter_sees = flag(r, "reporter_sees");
    let pauses_in_needs_info = flag(r, "pauses_in_needs_info");
    Some(ClockRule {
        start: start?,
        duration: duration?,
        reporter_sees,
        pauses_in_needs_info,
    })
}

fn audiences(
    r: &mut Reader<'_>,
    key: &str,
    v: Option<&&Value<'_>>,
    whole: &Value<'_>,
) -> Option<Vec<Audience>> {
    let Some(v) = v else {
        r.problem(key, Some(whole.span()), ProblemKind::Missing);
        return None;
    };
    let expected: Vec<&'static str> = Audience::ALL.iter().map(|a| a.as_str()).collect();
    let list = r.names(key, v, Audience::parse, &expected)?;
    if list.is_empty() {
        r.problem(key, Some(v.span()), ProblemKind::Empty);
        return None;
    }
    Some(list)
}

fn clock_list(
    r: &mut Reader<'_>,
    key: &str,
    v: Option<&&Value<'_>>,
) -> Result<Option<Vec<ClockName>>, ()> {
    let Some(v) = v else {
        return Ok(None);
    };
    let expected: Vec<&'static str> = ClockName::ALL.iter().map(|c| c.as_str()).collect();
    let list = r.names(key, v, ClockName::parse, &expected).ok_or(())?;
    if list.is_empty() {
        r.problem(key, Some(v.span()), ProblemKind::Empty);
        return Err(());
    }
    Ok(Some(list))
}

fn reminders(r: &mut Reader<'_>, v: &Value<'_>) -> Vec<ReminderRule> {
    let Some(items) = r.array("reminders", v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("reminders[{i}]");
        let Some(t) = r.table(&prefix, item) else {
            continue;
        };
        let f = r.fields(&prefix, t, &REMINDER);
        let before = match f.get("before") {
            Some(v) => r.duration(&join(&prefix, "before"), v),
            None => {
                r.problem(
                    &join(&prefix, "before"),
                    Some(item.span()),
                    ProblemKind::Missing,
                );
                None
            }
        };
        let to = audiences(r, &join(&prefix, "to"), f.get("to"), item);
        let clocks = clock_list(r, &join(&prefix, "clocks"), f.get("clocks"));
        if let (Some(before), Some(to), Ok(clocks)) = (before, to, clocks) {
            out.push(ReminderRule { before, to, clocks });
        }
    }
    out
}

fn escalation(r: &mut Reader<'_>, v: &Value<'_>) -> Option<EscalationRule> {
    let t = r.table("escalation", v)?;
    let f = r.fields("escalation", t, &ESCALATION);
    let after = f
        .get("after")
        .map(|a| r.duration("escalation.after", a).ok_or(()));
    let to = audiences(r, "escalation.to", f.get("to"), v);
    let clocks = clock_list(r, "escalation.clocks", f.get("clocks"));
    match (after.transpose(), to, clocks) {
        (Ok(after), Some(to), Ok(clocks)) => Some(EscalationRule { after, to, clocks }),
        _ => None,
    }
}

fn notices(r: &mut Reader<'_>, t: &DeTable<'_>) -> Notices {
    let f = r.fields("notices", t, &NOTICES);
    let expected: Vec<&'static str> = Notice::ALL.iter().map(|n| n.as_str()).collect();
    let mut out = Notices::default();
    for (name, v) in f {
        let key = format!("notices.{name}");
        let Some(list) = r.names(&key, v, Notice::parse, &expected) else {
            continue;
        };
        match name {
            "full" => out.full = list,
            "main-only" => out.main_only = list,
            _ => out.unsupported_only = list,
        }
    }
    out
}

fn channels(r: &mut Reader<'_>, t: &DeTable<'_>) -> BTreeMap<Notice, Vec<String>> {
    let names: Vec<&'static str> = Notice::ALL.iter().map(|n| n.as_str()).collect();
    let f = r.fields("channels", t, &names);
    let mut out = BTreeMap::new();
    for (name, v) in f {
        let key = format!("channels.{name}");
        let Some(notice) = Notice::parse(name) else {
            continue;
        };
        let Some(items) = r.array(&key, v) else {
            continue;
        };
        let mut list = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let k = format!("{key}[{i}]");
            if let Some(s) = r.string(&k, item) {
                let s = s.trim();
                if s.is_empty() || s.contains('\n') {
                    r.problem(
                        &k,
                        Some(item.span()),
                        ProblemKind::WrongType {
                            expected: "a channel named on one line",
                            found: "an empty or multi-line string",
                        },
                    );
                } else {
                    list.push(s.to_owned());
                }
            }
        }
        out.insert(notice, list);
    }
    out
}
