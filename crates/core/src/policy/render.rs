//! A policy as the commented TOML document people edit (`embargo policy show`). It
//! parses back to the same policy; the comments name the policy steps.

use super::{Policy, weekday_name};
use crate::clocks::ClockName;
use std::fmt::Write as _;

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    let inner: Vec<String> = items.iter().map(f).collect();
    format!("[{}]", inner.join(", "))
}

impl Policy {
    /// The policy as a commented TOML document that [`Policy::from_toml`] reads back
    /// to an equal policy.
    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        // `writeln!` into a String cannot fail.
        let mut line = |text: String| {
            s.push_str(&text);
            s.push('\n');
        };
        line("# An Embargo policy: the project's disclosure process as data.".into());
        line(
            "# Check a file with `embargo policy check FILE`; docs/policy.md explains every key."
                .into(),
        );
        line(String::new());
        line("# The calendar working-day clocks count in (C3). A working day is a day of".into());
        line(
            "# the working week that is not a holiday; \"N working days\" after a moment ends"
                .into(),
        );
        line(
            "# at 24:00 (in this time zone) of the Nth working day after that moment's day.".into(),
        );
        line(format!("time_zone = {}", quoted(self.time_zone.name())));
        line(format!(
            "working_days = {}",
            list(&self.working_days.days(), |d| quoted(weekday_name(*d)))
        ));
        let holidays: Vec<_> = self.holidays.iter().collect();
        line(
            "# Dates (YYYY-MM-DD). `holidays_file = \"holidays.ics\"` adds the all-day events of"
                .into(),
        );
        line("# an iCalendar file when the policy is checked or uploaded.".into());
        line(format!(
            "holidays = {}",
            list(&holidays, ToString::to_string)
        ));
        line(String::new());
        line(
            "# Under this final CVSS score a case is `low-severity`: the coordinator may slow"
                .into(),
        );
        line("# it down after a recorded discussion (C16, V7).".into());
        line(format!("low_severity_below = {}", self.low_severity_below));
        line(
            "# Whether a low assessed risk also allows slowing down, whatever the score (C16)."
                .into(),
        );
        line(format!(
            "low_risk_may_slow_down = {}",
            self.low_risk_may_slow_down
        ));
        line("# A public case at or over this final CVSS score runs every remaining clock".into());
        line("# \"as soon as possible\" (C7, V2), which means `asap`.".into());
        line(format!("public_asap_from = {}", self.public_asap_from));
        line(format!("asap = {}", quoted(&self.asap.to_string())));
        line(String::new());
        line("# How long the reporter has to answer a proposed release date before the".into());
        line("# coordinator may set it on their own, recorded as an override (C6).".into());
        line(format!(
            "reporter_silence = {}",
            quoted(&self.reporter_silence.to_string())
        ));
        line(String::new());
        line("# Approvals each fix needs before it is ready (C12, V6).".into());
        line(format!("required_approvals = {}", self.required_approvals));
        line("# Whether third parties may hear of a case before disclosure (V11).".into());
        line(format!("pre_notification = {}", self.pre_notification));
        line("# Whether members must have a second factor to see the project's cases.".into());
        line(format!(
            "require_second_factor = {}",
            self.require_second_factor
        ));
        line(String::new());
        line("# Clocks. Durations: \"N working days\", \"N days\", \"N hours\", \"N minutes\" (days,".into());
        line(
            "# hours and minutes are elapsed time). `start` is the milestone that starts the"
                .into(),
        );
        line("# clock: received, acknowledged, claimed, collaborator-added, confirmed,".into());
        line("# fix-ready, forthcoming-notice-sent, disclosed or post-mortem-published.".into());
        line("# A clock that is absent is off.".into());
        for name in ClockName::ALL {
            line(String::new());
            match self.clock(name) {
                Some(rule) => {
                    line(format!(
                        "# {}: {} ({}).",
                        name.step(),
                        name.task(),
                        name.stop().as_str()
                    ));
                    line(format!("[clocks.{}]", name.as_str()));
                    line(format!("start = {}", quoted(rule.start.as_str())));
                    line(format!("duration = {}", quoted(&rule.duration.to_string())));
                    line(format!("reporter_sees = {}", rule.reporter_sees));
                    line(format!(
                        "pauses_in_needs_info = {}",
                        rule.pauses_in_needs_info
                    ));
                }
                None => line(format!(
                    "# [clocks.{}] is off ({}: {}).",
                    name.as_str(),
                    name.step(),
                    name.task()
                )),
            }
        }
        line(String::new());
        line(
            "# Reminders before a clock is due, to: coordinator, collaborators, security-team."
                .into(),
        );
        line("# `clocks = [...]` limits a rule to some clocks.".into());
        for r in &self.reminders {
            line("[[reminders]]".into());
            line(format!("before = {}", quoted(&r.before.to_string())));
            line(format!("to = {}", list(&r.to, |a| quoted(a.as_str()))));
            if let Some(c) = &r.clocks {
                line(format!("clocks = {}", list(c, |c| quoted(c.as_str()))));
            }
        }
        line(String::new());
        match &self.escalation {
            Some(e) => {
                line("# When a clock falls overdue (or `after` that long), it escalates.".into());
                line("[escalation]".into());
                if let Some(a) = e.after {
                    line(format!("after = {}", quoted(&a.to_string())));
                }
                line(format!("to = {}", list(&e.to, |a| quoted(a.as_str()))));
                if let Some(c) = &e.clocks {
                    line(format!("clocks = {}", list(c, |c| quoted(c.as_str()))));
                }
            }
            None => line("# [escalation] is off: overdue clocks escalate to no one.".into()),
        }
        line(String::new());
        line("# The notices each track sends: forthcoming-fix (V9), fixed-vulnerability".into());
        line("# (V10, C17, C18), courtesy (V3), upgrade (V4).".into());
        line("[notices]".into());
        let n = &self.notices;
        for (key, notices) in [
            ("full", &n.full),
            ("main-only", &n.main_only),
            ("unsupported-only", &n.unsupported_only),
        ] {
            line(format!("{key} = {}", list(notices, |x| quoted(x.as_str()))));
        }
        line(String::new());
        line("# Where each notice goes, in words (SECURITY.md says so).".into());
        line("[channels]".into());
        for (notice, where_) in &self.channels {
            line(format!(
                "{} = {}",
                notice.as_str(),
                list(where_, |w| quoted(w))
            ));
        }
        s
    }
}
