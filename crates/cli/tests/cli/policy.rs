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
            "error: {file}:4: key `colour`: unknown key; expected one of time_zone, working_days, holidays, holidays_file, low_severity_below, low_risk_may_slow_down, public_asap_from, asap, reporter_silence, required_approvals, pre_notification, require_second_factor, clocks, reminders, escalation, notices, channels"
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

/// `embargo admin project create --policy-preset` and `embargo admin project policy`:
/// a bad file is refused with the same lines as `embargo policy check`, and nothing
/// changes.
#[test]
fn admin_sets_a_projects_policy_from_a_preset_or_a_file() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().join("data").display().to_string();
    let admin = |args: &[&str]| {
        let mut all = vec!["admin", "project"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", &d]);
        embargo(&all)
    };
    let out = admin(&[
        "create",
        "--slug",
        "vitess",
        "--name",
        "Vitess",
        "--component",
        "vitess",
        "--policy-preset",
        "vitess",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Policy: vitess preset"),
        "{}",
        stdout(&out)
    );

    let bad = write(
        dir.path(),
        "bad.toml",
        "time_zone = \"Europe/Berln\"\n[clocks.acknowledge]\nstart = \"received\"\nduration = \"5 workday\"\n",
    );
    let checked = embargo(&["policy", "check", &bad]);
    let out = admin(&["policy", "--project", "vitess", "--file", &bad]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(stderr(&out), stderr(&checked));
    assert!(
        stderr(&out).starts_with(&format!(
            "error: {bad}:1: key `time_zone`: `Europe/Berln` is not an IANA time zone"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 2, "{}", stderr(&out));
    // Still vitess: setting it again is refused as a change to nothing.
    let out = admin(&["policy", "--project", "vitess", "--preset", "vitess"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already runs this policy"),
        "{}",
        stderr(&out)
    );

    write(
        dir.path(),
        "holidays.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:1@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261224\r\nSUMMARY:Eve\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let good = write(
        dir.path(),
        "good.toml",
        "time_zone = \"Europe/Berlin\"\nholidays_file = \"holidays.ics\"\n[clocks.acknowledge]\nstart = \"received\"\nduration = \"3 working days\"\n",
    );
    let out = admin(&["policy", "--project", "vitess", "--file", &good]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim_end(),
        "vitess: policy set: time zone Europe/Berlin, working days monday tuesday wednesday thursday friday, 1 holiday, clocks: acknowledge 3 working days"
    );
    let out = admin(&["policy", "--project", "vitess", "--preset", "connect"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("vitess: policy set (the connect preset): "),
        "{}",
        stdout(&out)
    );

    // Neither or both is a usage error; an unknown project is not found.
    assert_eq!(
        admin(&["policy", "--project", "vitess"]).status.code(),
        Some(2)
    );
    assert_eq!(
        admin(&[
            "policy",
            "--project",
            "vitess",
            "--preset",
            "connect",
            "--file",
            &good
        ])
        .status
        .code(),
        Some(2)
    );
    let out = admin(&["policy", "--project", "nope", "--preset", "vitess"]);
    assert_eq!(out.status.code(), Some(1));

    // The events fold to the rows the store keeps.
    let out = embargo(&["admin", "verify", "--data-dir", &d]);
    assert!(out.status.success(), "{}", stderr(&out));
}

const WINTER_ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n\
BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Winter break\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

/// `embargo admin project holidays --ics` (C3: working days skip holidays): the
/// file's all-day events join the project's policy; a file that does not parse, or
/// adds nothing new, changes nothing and says why.
#[test]
fn c3_admin_imports_holidays_from_an_ics_file() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().join("data").display().to_string();
    let admin = |args: &[&str]| {
        let mut all = vec!["admin", "project"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", &d]);
        embargo(&all)
    };
    let out = admin(&["create", "--slug", "connect", "--name", "Connect"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ics = write(dir.path(), "winter.ics", WINTER_ICS);
    let out = admin(&["holidays", "--project", "connect", "--ics", &ics]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("connect: 3 holidays added: time zone UTC, working days monday tuesday wednesday thursday friday, 3 holidays, clocks: "),
        "{}",
        stdout(&out)
    );
    // The same file again adds nothing: refused, not a second policy change.
    let out = admin(&["holidays", "--project", "connect", "--ics", &ics]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no holiday the project does not already have"),
        "{}",
        stderr(&out)
    );
    // Not a calendar: named, nothing changed.
    let bad = write(dir.path(), "bad.ics", "SUMMARY:nope\n");
    let out = admin(&["holidays", "--project", "connect", "--ics", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not an iCalendar file: it has no BEGIN:VCALENDAR"),
        "{}",
        stderr(&out)
    );
    let timed = write(
        dir.path(),
        "timed.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Standup\r\nDTSTART:20261201T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let out = admin(&["holidays", "--project", "connect", "--ics", &timed]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("event 1 (\"Standup\"): it starts at a time of day"),
        "{}",
        stderr(&out)
    );
    let out = embargo(&[
        "policy",
        "security-md",
        "--project",
        "connect",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Still three holidays: the refused files changed nothing.
    let out = admin(&["policy", "--project", "connect", "--preset", "vitess"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = admin(&["holidays", "--project", "connect", "--ics", &ics]);
    assert!(
        stdout(&out).contains("3 holidays added"),
        "{}",
        stdout(&out)
    );
    let out = admin(&["holidays", "--project", "nope", "--ics", &ics]);
    assert_eq!(out.status.code(), Some(1));
    let missing = dir.path().join("gone.ics").display().to_string();
    let out = admin(&["holidays", "--project", "connect", "--ics", &missing]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("error: --ics: cannot read {missing}: ")),
        "{}",
        stderr(&out)
    );
}

/// `embargo policy security-md` writes what `/p/SLUG/SECURITY.md` serves: the report
/// page, every clock in words (C3, C6), the branches, the disclosure practice.
#[test]
fn c3_c6_security_md_comes_from_the_projects_policy() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().join("data").display().to_string();
    let out = embargo(&[
        "admin",
        "project",
        "create",
        "--slug",
        "connect",
        "--name",
        "Connect",
        "--component",
        "go",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = embargo(&[
        "policy",
        "security-md",
        "--project",
        "connect",
        "--data-dir",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("# Security policy for Connect\n"),
        "{text}"
    );
    assert!(text.contains("/p/connect/report>"), "{text}");
    assert!(
        text.contains(
            "- Acknowledge and analyze the report: within 5 working days of receiving the report."
        ),
        "{text}"
    );
    assert!(text.contains("We aim to disclose within 30 days"), "{text}");
    assert!(text.contains("| go | main | none |"), "{text}");
    // To a file, the same text.
    let file = dir.path().join("SECURITY.md");
    let out = embargo(&[
        "policy",
        "security-md",
        "--project",
        "connect",
        "--out",
        &file.display().to_string(),
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    // A vitess policy says other things.
    let out = embargo(&[
        "admin",
        "project",
        "policy",
        "--project",
        "connect",
        "--preset",
        "vitess",
        "--data-dir",
        &d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = embargo(&[
        "policy",
        "security-md",
        "--project",
        "connect",
        "--data-dir",
        &d,
    ]);
    let vitess = stdout(&out);
    assert_ne!(vitess, text);
    // No acknowledge clock in the Vitess text (its five working days are the reporter's
    // time to answer a proposed date).
    assert!(
        text.contains("within 5 working days of receiving the report")
            && !vitess.contains("within 5 working days of receiving the report"),
        "{vitess}"
    );
    assert!(
        vitess.contains("if we hear nothing within 5 working days"),
        "{vitess}"
    );
    assert!(
        vitess.contains("within 7 days of receiving the report"),
        "{vitess}"
    );
    let out = embargo(&[
        "policy",
        "security-md",
        "--project",
        "nope",
        "--data-dir",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "error: --project: no project `nope`\n");
}
