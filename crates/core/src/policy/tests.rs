use super::*;
use jiff::civil::date;

fn problems(text: &str) -> Vec<Problem> {
    match Policy::from_toml(text) {
        Ok(p) => panic!("accepted: {p:?}"),
        Err(e) => e.problems,
    }
}

/// The one problem of a document, as `(key, line, message)`.
fn one(text: &str) -> (String, Option<usize>, String) {
    let ps = problems(text);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    let p = &ps[0];
    (p.key.clone(), p.line, p.kind.to_string())
}

#[test]
fn presets_round_trip_through_commented_toml() {
    for name in Policy::PRESETS {
        let preset = Policy::preset(name).unwrap();
        let text = preset.to_toml();
        assert!(text.contains("[clocks.") && text.contains("C3"), "{text}");
        let back = Policy::from_toml(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(back, preset, "{name}");
        // The stored form (JSON in the project's event stream) round-trips too.
        let json = serde_json::to_string(&preset).unwrap();
        assert_eq!(
            serde_json::from_str::<Policy>(&json).unwrap(),
            preset,
            "{name}"
        );
    }
    assert_eq!(Policy::preset("kubernetes"), None);
}

#[test]
fn a_policy_with_everything_set_round_trips() {
    let mut p = Policy::vitess();
    p.time_zone = Zone::parse("europe/berlin").unwrap();
    p.working_days = WorkingWeek::of(&[Weekday::Sunday, Weekday::Monday]).unwrap();
    p.holidays = [date(2026, 12, 24), date(2027, 1, 1)].into();
    p.escalation = Some(EscalationRule {
        after: Some("2 hours".parse().unwrap()),
        to: vec![Audience::SecurityTeam, Audience::Coordinator],
        clocks: Some(vec![ClockName::FixReady]),
    });
    p.reminders.push(ReminderRule {
        before: "3 hours".parse().unwrap(),
        to: vec![Audience::Collaborators],
        clocks: Some(vec![ClockName::FixReady, ClockName::ForthcomingFixNotice]),
    });
    p.channels.insert(
        Notice::Courtesy,
        vec!["the \"dev\" list \\ chat".to_owned()],
    );
    p.low_severity_below = CvssScore::from_tenths(35).unwrap();
    p.required_approvals = 2;
    p.pre_notification = true;
    p.require_second_factor = true;
    p.reporter_silence = "3 working days".parse().unwrap();
    let back = Policy::from_toml(&p.to_toml()).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.time_zone.name(), "Europe/Berlin");
}

#[test]
fn c3_c6_c10_c19_connect_numbers() {
    let p = Policy::connect();
    let clock = |n| p.clock(n).unwrap();
    assert_eq!(
        clock(ClockName::Acknowledge).duration.to_string(),
        "5 working days"
    );
    assert_eq!(clock(ClockName::Acknowledge).start, Milestone::Received);
    assert!(clock(ClockName::Acknowledge).reporter_sees);
    assert_eq!(
        clock(ClockName::CollaboratorsAdded).duration.to_string(),
        "1 day"
    );
    assert_eq!(
        clock(ClockName::DisclosureTarget).duration.to_string(),
        "30 days"
    );
    assert!(clock(ClockName::DisclosureTarget).reporter_sees);
    assert_eq!(clock(ClockName::PostMortem).duration.to_string(), "7 days");
    assert_eq!(clock(ClockName::PostMortem).start, Milestone::Disclosed);
    assert!(p.clock(ClockName::FixReady).is_none());
    // C16: under 4.0, or a low assessed risk.
    assert_eq!(p.low_severity_below.to_string(), "4.0");
    assert!(p.low_risk_may_slow_down);
    assert!(!p.pre_notification);
}

#[test]
fn v2_v6_v7_v9_v11_vitess_numbers() {
    let p = Policy::vitess();
    assert_eq!(
        p.clock(ClockName::FixReady).unwrap().duration.to_string(),
        "7 days"
    );
    assert_eq!(
        p.clock(ClockName::ForthcomingFixNotice)
            .unwrap()
            .duration
            .to_string(),
        "7 days"
    );
    assert!(p.clock(ClockName::Acknowledge).is_none());
    assert_eq!(p.public_asap_from.to_string(), "4.0");
    assert_eq!(p.low_severity_below.to_string(), "4.0");
    assert!(!p.low_risk_may_slow_down);
    assert!(!p.pre_notification);
    assert_eq!(p.notices.main_only, [Notice::Courtesy]);
    assert_eq!(p.notices.unsupported_only, [Notice::Upgrade]);
    assert_eq!(
        p.notices.full,
        [Notice::ForthcomingFix, Notice::FixedVulnerability]
    );
}

#[test]
fn absent_keys_take_their_defaults() {
    let p = Policy::from_toml("").unwrap();
    assert_eq!(p.time_zone.name(), "UTC");
    assert_eq!(p.working_days, WorkingWeek::MONDAY_TO_FRIDAY);
    assert!(p.clocks.is_empty() && p.reminders.is_empty() && p.escalation.is_none());
    assert_eq!(p.public_asap_from.tenths(), 40);
    assert_eq!(p.asap.to_string(), "24 hours");
    assert_eq!(p.notices, Notices::default());
    // Short weekday names and TOML dates or strings for holidays.
    let p = Policy::from_toml(
        "working_days = [\"Mon\", \"tue\"]\nholidays = [2026-12-24, \"2026-12-25\"]\n",
    )
    .unwrap();
    assert_eq!(p.working_days.days(), [Weekday::Monday, Weekday::Tuesday]);
    assert_eq!(p.holidays.len(), 2);
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let (key, line, msg) = one("time_zone = \"UTC\"\n\nworking_dayz = [\"monday\"]\n");
    assert_eq!((key.as_str(), line), ("working_dayz", Some(3)));
    assert!(
        msg.starts_with("unknown key; expected one of time_zone, working_days"),
        "{msg}"
    );
    let (key, line, _) = one(
        "[clocks.acknowledge]\nstart = \"received\"\nduration = \"5 working days\"\ncolour = \"red\"\n",
    );
    assert_eq!((key.as_str(), line), ("clocks.acknowledge.colour", Some(4)));
    let (key, _, msg) = one("[clocks.acknowledgement]\nstart = \"received\"\n");
    assert_eq!(key, "clocks.acknowledgement");
    assert!(msg.contains("acknowledge, collaborators-added"), "{msg}");
}

#[test]
fn a_bad_time_zone_is_named() {
    let (key, line, msg) = one("\ntime_zone = \"Mars/Olympus_Mons\"\n");
    assert_eq!((key.as_str(), line), ("time_zone", Some(2)));
    assert_eq!(
        msg,
        "`Mars/Olympus_Mons` is not an IANA time zone; write e.g. \"Europe/Berlin\" or \"UTC\""
    );
    let (_, _, msg) = one("time_zone = 1\n");
    assert_eq!(msg, "expected a string, found an integer");
}

#[test]
fn bad_durations_are_named() {
    let clock = |d: &str| format!("[clocks.acknowledge]\nstart = \"received\"\nduration = {d}\n");
    let (key, line, msg) = one(&clock("\"5 workday\""));
    assert_eq!(
        (key.as_str(), line),
        ("clocks.acknowledge.duration", Some(3))
    );
    assert_eq!(
        msg,
        "unknown unit `workday`; expected working days, days, hours or minutes"
    );
    let (_, _, msg) = one(&clock("\"-3 days\""));
    assert_eq!(msg, "a duration must be positive, not -3");
    let (_, _, msg) = one(&clock("-3"));
    assert_eq!(msg, "a duration must be positive, not -3");
    let (_, _, msg) = one(&clock("\"0 hours\""));
    assert_eq!(msg, "a duration must be more than zero");
    let (_, _, msg) = one(&clock("5"));
    assert!(
        msg.starts_with("a duration is a number and a unit"),
        "{msg}"
    );
    let (key, _, _) = one("asap = \"soon\"\n");
    assert_eq!(key, "asap");
}

#[test]
fn a_holiday_that_is_not_a_date_is_named() {
    let (key, line, msg) = one("holidays = [\n  2026-12-24,\n  \"2026-02-30\",\n]\n");
    assert_eq!((key.as_str(), line), ("holidays[1]", Some(3)));
    assert_eq!(
        msg,
        "`2026-02-30` is not a date; write YYYY-MM-DD, e.g. 2026-12-24"
    );
    let (_, _, msg) = one("holidays = [2026-12-24T10:00:00]\n");
    assert!(
        msg.starts_with("`2026-12-24T10:00:00` is not a date"),
        "{msg}"
    );
    let (_, _, msg) = one("holidays = [\"christmas\"]\n");
    assert!(msg.starts_with("`christmas` is not a date"), "{msg}");
    let (_, _, msg) = one("holidays = [20261224]\n");
    assert_eq!(msg, "expected a date (YYYY-MM-DD), found an integer");
}

#[test]
fn thresholds_stay_within_0_to_10() {
    let (key, _, msg) = one("low_severity_below = 11\n");
    assert_eq!(key, "low_severity_below");
    assert!(msg.starts_with("`11` is not a CVSS score"), "{msg}");
    let (key, _, _) = one("public_asap_from = -0.5\n");
    assert_eq!(key, "public_asap_from");
    let (_, _, msg) = one("public_asap_from = 4.05\n");
    assert!(msg.starts_with("`4.05` is not a CVSS score"), "{msg}");
    let p = Policy::from_toml("public_asap_from = 7\nlow_severity_below = 0.1\n").unwrap();
    assert_eq!(
        (p.public_asap_from.tenths(), p.low_severity_below.tenths()),
        (70, 1)
    );
    let (_, _, msg) = one("required_approvals = 99\n");
    assert_eq!(msg, "99 is out of range; expected 0 to 20");
}

#[test]
fn several_problems_are_reported_at_once_in_line_order() {
    let text = "\
time_zone = \"Nowhere/Special\"
working_days = []
holidays = [\"someday\"]
extra = true

[clocks.fix-ready]
start = \"fix-ready\"
duration = \"7 dayz\"

[[reminders]]
before = \"1 working day\"
to = [\"everyone\"]
";
    let ps = problems(text);
    let got: Vec<(&str, Option<usize>)> = ps.iter().map(|p| (p.key.as_str(), p.line)).collect();
    assert_eq!(
        got,
        [
            ("time_zone", Some(1)),
            ("working_days", Some(2)),
            ("holidays[0]", Some(3)),
            ("extra", Some(4)),
            ("clocks.fix-ready.start", Some(7)),
            ("clocks.fix-ready.duration", Some(8)),
            ("reminders[0].to[0]", Some(12)),
        ]
    );
    assert_eq!(
        ps[4].kind.to_string(),
        "the clock cannot start at `fix-ready`, the milestone that stops it"
    );
    assert_eq!(ps[1].kind, ProblemKind::NoWorkingDays);
    // The whole error prints one problem a line.
    let all = Policy::from_toml(text).unwrap_err().to_string();
    assert_eq!(all.lines().count(), 7);
    assert!(all.starts_with("line 1: key `time_zone`: "), "{all}");
}

#[test]
fn missing_clock_keys_and_syntax_errors_are_named() {
    let (key, line, msg) = one("\n[clocks.acknowledge]\nstart = \"received\"\n");
    assert_eq!(
        (key.as_str(), line),
        ("clocks.acknowledge.duration", Some(2))
    );
    assert_eq!(msg, "missing; it is required here");
    let (key, line, msg) = one("time_zone = \"UTC\"\nasap = \"24 hours\n");
    assert_eq!((key.as_str(), line), ("asap", Some(2)));
    assert!(msg.starts_with("not valid TOML"), "{msg}");
    let (key, _, msg) = one("[escalation]\nto = []\n");
    assert_eq!(
        (key.as_str(), msg.as_str()),
        ("escalation.to", "name at least one")
    );
    let (key, _, msg) = one("[notices]\nfull = [\"courtesy\", \"courtesy\"]\n");
    assert_eq!(
        (key.as_str(), msg.as_str()),
        ("notices.full[1]", "`courtesy` is named twice")
    );
}

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n\
BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

#[test]
fn holidays_files_join_the_holidays_through_the_shells_reader() {
    let text = "holidays = [2027-01-01]\nholidays_file = \"team.ics\"\n";
    let mut asked = Vec::new();
    let p = Policy::from_toml_with(text, &mut |path| {
        asked.push(path.to_owned());
        Ok(ICS.to_owned())
    })
    .unwrap();
    assert_eq!(asked, ["team.ics"]);
    let expected: BTreeSet<_> = [
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
    ]
    .into();
    assert_eq!(p.holidays, expected);
    // The policy keeps the dates, not the file: it prints and stores them.
    assert!(!p.to_toml().lines().any(|l| l.starts_with("holidays_file")));
    assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
}

#[test]
fn a_holidays_file_that_does_not_parse_or_read_is_named() {
    let text = "\nholidays_file = [\"ok.ics\", \"bad.ics\", \"gone.ics\"]\n";
    let err = Policy::from_toml_with(text, &mut |path| match path {
        "ok.ics" => Ok(ICS.to_owned()),
        "bad.ics" => Ok("this is not a calendar".to_owned()),
        _ => Err("No such file or directory".to_owned()),
    })
    .unwrap_err();
    let got: Vec<(String, Option<usize>, String)> = err
        .problems
        .iter()
        .map(|p| (p.key.clone(), p.line, p.kind.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "holidays_file[1]".to_owned(),
                Some(2),
                "`bad.ics`: not an iCalendar file: it has no BEGIN:VCALENDAR".to_owned()
            ),
            (
                "holidays_file[2]".to_owned(),
                Some(2),
                "cannot read `gone.ics`: No such file or directory".to_owned()
            ),
        ]
    );
    // Without a reader, a file is an error that says what to do.
    let (key, _, msg) = one("holidays_file = \"team.ics\"\n");
    assert_eq!(key, "holidays_file");
    assert!(msg.contains("put the dates in `holidays`"), "{msg}");
}

#[test]
fn the_stored_form_refuses_what_toml_refuses() {
    let mut json: serde_json::Value = serde_json::to_value(Policy::connect()).unwrap();
    json["time_zone"] = "Mars/Base".into();
    assert!(serde_json::from_value::<Policy>(json.clone()).is_err());
    json["time_zone"] = "UTC".into();
    json["working_days"] = serde_json::json!([]);
    assert!(serde_json::from_value::<Policy>(json.clone()).is_err());
    json["working_days"] = serde_json::json!(["monday"]);
    json["asap"] = "5 workday".into();
    assert!(serde_json::from_value::<Policy>(json).is_err());
}

fn words_project() -> crate::project::Project {
    use crate::project::{Branch, BranchKind, Component};
    let mut go = Component::new("go".to_owned());
    go.branches.push(Branch {
        name: "release-1.16".to_owned(),
        kind: BranchKind::Supported,
    });
    go.branches.push(Branch {
        name: "release-1.14".to_owned(),
        kind: BranchKind::Unsupported,
    });
    crate::project::Project {
        slug: crate::ids::ProjectSlug::parse("connect").unwrap(),
        name: "Connect".to_owned(),
        guidance: String::new(),
        components: vec![go, Component::new("swift".to_owned())],
        members: Vec::new(),
        cna: None,
        policy: None,
        security_address: None,
        mail_preferences: Vec::new(),
        pgp_key: None,
        channels: Vec::new(),
        notice_templates: Default::default(),
        created_at: jiff::Timestamp::UNIX_EPOCH,
        version: 1,
    }
}

/// Every run of digits in the words a policy gives SECURITY.md.
fn numbers_in(w: &PolicyWords) -> BTreeSet<String> {
    let mut text: Vec<&str> = Vec::new();
    for p in &w.promises {
        text.extend([p.what.as_str(), p.when.as_str()]);
    }
    text.extend(w.disclosure.iter().map(String::as_str));
    for n in &w.notices {
        text.push(&n.when);
        for (_, what, channels) in &n.notices {
            text.push(what);
            text.extend(channels.iter().map(String::as_str));
        }
    }
    text.iter()
        .flat_map(|t| t.split(|c: char| !c.is_ascii_digit()))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The numbers a policy holds, as they print.
fn numbers_of(p: &Policy) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = p
        .clocks
        .values()
        .map(|c| c.duration.amount().to_string())
        .collect();
    out.insert(p.asap.amount().to_string());
    out.insert(p.reporter_silence.amount().to_string());
    for s in [p.low_severity_below, p.public_asap_from] {
        out.insert((s.tenths() / 10).to_string());
        out.insert((s.tenths() % 10).to_string());
    }
    out.insert(p.required_approvals.to_string());
    out
}

#[test]
fn c6_describe_says_every_clock_and_practice_in_words() {
    let w = Policy::connect().describe(&words_project());
    let ack = &w.promises[0];
    assert_eq!(ack.clock, ClockName::Acknowledge);
    assert_eq!(ack.what, "acknowledge and analyze the report");
    assert_eq!(ack.when, "within 5 working days of receiving the report");
    assert!(
        w.disclosure[0].starts_with("We aim to disclose within 30 days of receiving the report")
    );
    assert_eq!(w.branches[0].supported, ["release-1.16"]);
    assert_eq!(w.branches[0].unsupported, ["release-1.14"]);
    assert_eq!(w.branches[1].main, ["main"]);
    let full = &w.notices[0];
    assert_eq!(full.track, TrackKind::Full);
    assert_eq!(full.notices[0].2[0], "the GitHub release notes");
}

#[test]
fn every_number_in_the_words_is_the_policys() {
    for preset in [Policy::connect(), Policy::vitess()] {
        let w = preset.describe(&words_project());
        let allowed = numbers_of(&preset);
        for n in numbers_in(&w) {
            assert!(
                allowed.contains(&n),
                "{n} is not a number of the policy: {w:#?}"
            );
        }
        // Change each number: the words change with it.
        for name in preset.clocks.keys() {
            let mut p = preset.clone();
            let rule = p.clocks.get_mut(name).unwrap();
            rule.duration =
                Duration::new(rule.duration.amount() + 40, rule.duration.unit()).unwrap();
            let want = (rule.duration.amount()).to_string();
            assert!(
                numbers_in(&p.describe(&words_project())).contains(&want),
                "{name}"
            );
        }
        let mut p = preset.clone();
        p.public_asap_from = CvssScore::from_tenths(67).unwrap();
        p.low_severity_below = CvssScore::from_tenths(28).unwrap();
        p.asap = "36 hours".parse().unwrap();
        p.required_approvals = 3;
        p.reporter_silence = "9 days".parse().unwrap();
        let text = p.describe(&words_project()).disclosure.join(" ");
        for want in [
            "if we hear nothing within 9 days",
            "CVSS score is 6.7 or more",
            "within 36 hours",
            "under 2.8",
            "need 3 approving reviews",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
    }
}

#[test]
fn c6_reporter_silence_defaults_to_five_working_days_and_is_read() {
    for preset in [Policy::connect(), Policy::vitess()] {
        assert_eq!(preset.reporter_silence.to_string(), "5 working days");
    }
    // A policy stored before the setting existed reads the default.
    let mut json = serde_json::to_value(Policy::vitess()).unwrap();
    json.as_object_mut().unwrap().remove("reporter_silence");
    let old: Policy = serde_json::from_value(json).unwrap();
    assert_eq!(old, Policy::vitess());
    let p = Policy::from_toml("reporter_silence = \"2 days\"\n").unwrap();
    assert_eq!(p.reporter_silence.to_string(), "2 days");
    assert!(Policy::from_toml("").unwrap().reporter_silence == Policy::connect().reporter_silence);
    let (key, _, _) = one("reporter_silence = \"soon\"\n");
    assert_eq!(key, "reporter_silence");
}

#[test]
fn a_second_factor_requirement_is_off_by_default_and_read() {
    for preset in [Policy::connect(), Policy::vitess()] {
        assert!(!preset.require_second_factor);
    }
    let mut json = serde_json::to_value(Policy::connect()).unwrap();
    json.as_object_mut()
        .unwrap()
        .remove("require_second_factor");
    let old: Policy = serde_json::from_value(json).unwrap();
    assert_eq!(old, Policy::connect());
    let p = Policy::from_toml("require_second_factor = true\n").unwrap();
    assert!(p.require_second_factor);
    assert!(p.to_toml().contains("require_second_factor = true"));
    let (key, _, _) = one("require_second_factor = \"yes\"\n");
    assert_eq!(key, "require_second_factor");
}
