//! `embargo policy show` and `embargo policy check`: the real binary on real files.

use super::support::{embargo, stderr, stdout};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn show_prints_presets_that_check_clean() {
    let dir = embargo_testkit::temp_dir();
    for (preset, clocks) in [
        (
            "connect",
            "clocks: acknowledge 5 working days, collaborators-added 1 day, disclosure-target 30 days, post-mortem 7 days",
        ),
        (
            "vitess",
            "clocks: fix-ready 7 days, forthcoming-fix-notice 7 days",
        ),
    ] {
        let out = embargo(&["policy", "show", "--preset", preset]);
        assert!(out.status.success(), "{}", stderr(&out));
        let toml = stdout(&out);
        assert!(
            toml.starts_with(&format!("# This is the `{preset}` preset")),
            "{toml}"
        );
        let file = write(dir.path(), &format!("{preset}.toml"), &toml);
        let out = embargo(&["policy", "check", &file]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let line = stdout(&out);
        assert_eq!(line.lines().count(), 1, "{line}");
        assert_eq!(
            line.trim_end(),
            format!(
                "{file}: ok: time zone UTC, working days monday tuesday wednesday thursday friday, 0 holidays, {clocks}"
            )
        );
    }
}

#[test]
fn check_names_the_file_line_key_and_rule_of_each_problem() {
    let dir = embargo_testkit::temp_dir();
    write(dir.path(), "broken.ics", "this is not a calendar\n");
    let file = write(
        dir.path(),
        "policy.toml",
        "\
time_zone = \"Europe/Berln\"
holidays = [2026-12-24, \"2026-13-01\"]
holidays_file = \"broken.ics\"
colour = \"red\"

[clocks.acknowledge]
start = \"received\"
duration = \"5 workday\"

[clocks.disclosure-target]
start = \"received\"
duration = \"-30 days\"
",
    );
    let out = embargo(&["policy", "check", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let expected = [
        format!(
            "error: {file}:1: key `time_zone`: `Europe/Berln` is not an IANA time zone; write e.g. \"Europe/Berlin\" or \"UTC\""
        ),
        format!(
            "error: {file}:2: key `holidays[1]`: `2026-13-01` is not a date; write YYYY-MM-DD, e.g. 2026-12-24"
        ),
        format!(
            "error: {file}:3: key `holidays_file`: `broken.ics`: not an iCalendar file: it has no BEGIN:VCALENDAR"
        ),
        format!(
            "error: {file}:4: key `colour`: unknown key; expected one of time_zone, working_days, holidays, holidays_file, low_severity_below, low_risk_may_slow_down, public_asap_from, asap, required_approvals, pre_notification, clocks, reminders, escalation, notices, channels"
        ),
        format!(
            "error: {file}:8: key `clocks.acknowledge.duration`: unknown unit `workday`; expected working days, days, hours or minutes"
        ),
        format!(
            "error: {file}:12: key `clocks.disclosure-target.duration`: a duration must be positive, not -30"
        ),
    ];
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn check_reads_holidays_from_an_ics_file_next_to_the_policy() {
    let dir = embargo_testkit::temp_dir();
    write(
        dir.path(),
        "team.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n\
BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Winter break\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n",
    );
    let file = write(
        dir.path(),
        "policy.toml",
        "time_zone = \"Europe/Berlin\"\nholidays = [2027-01-01]\nholidays_file = \"team.ics\"\n",
    );
    let out = embargo(&["policy", "check", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("time zone Europe/Berlin, working days monday tuesday wednesday thursday friday, 4 holidays, clocks: none"),
        "{}",
        stdout(&out)
    );
    // A missing calendar file is the policy's problem, on its line.
    let file = write(
        dir.path(),
        "other.toml",
        "\n\nholidays_file = \"gone.ics\"\n",
    );
    let out = embargo(&["policy", "check", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!(
            "error: {file}:3: key `holidays_file`: cannot read `gone.ics`: "
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unreadable_files_and_usage_errors() {
    let dir = embargo_testkit::temp_dir();
    let missing = dir.path().join("nope.toml").display().to_string();
    let out = embargo(&["policy", "check", &missing]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("error: cannot read {missing}: ")),
        "{}",
        stderr(&out)
    );
    let out = embargo(&["policy", "show", "--preset", "kubernetes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("possible values: connect, vitess"),
        "{}",
        stderr(&out)
    );
    assert_eq!(embargo(&["policy", "check"]).status.code(), Some(2));
    assert_eq!(embargo(&["policy", "show"]).status.code(), Some(2));
}
