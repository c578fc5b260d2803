//! The two reference policies as presets (`shared/policies/`). Each number is traced to
//! the sentence it comes from, with its step ID; where a text is silent the comment
//! says so and what Embargo chose.

use super::{
    Audience, ClockRule, CvssScore, Duration, EscalationRule, Notice, Notices, Policy,
    ReminderRule, WorkingWeek, Zone,
};
use crate::clocks::{ClockName, Milestone};
use std::collections::{BTreeMap, BTreeSet};

fn dur(text: &str) -> Duration {
    match text.parse() {
        Ok(d) => d,
        Err(e) => unreachable!("preset duration {text:?}: {e}"),
    }
}

fn score(tenths: u8) -> CvssScore {
    match CvssScore::from_tenths(tenths) {
        Some(s) => s,
        None => unreachable!("preset score {tenths}"),
    }
}

fn clock(start: Milestone, duration: &str, reporter_sees: bool) -> ClockRule {
    ClockRule {
        start,
        duration: dur(duration),
        reporter_sees,
        // Neither text stops a clock while the reporter is asked for more (C9); a
        // project that wants it sets `pauses_in_needs_info`.
        pauses_in_needs_info: false,
    }
}

/// Neither text says how to remind people. Embargo's default: the people on the case
/// one working day before a clock is due, and the whole security team once it is
/// overdue.
fn reminders() -> (Vec<ReminderRule>, Option<EscalationRule>) {
    (
        vec![ReminderRule {
            before: dur("1 working day"),
            to: vec![Audience::Coordinator, Audience::Collaborators],
            clocks: None,
        }],
        Some(EscalationRule {
            after: None,
            to: vec![Audience::SecurityTeam],
            clocks: None,
        }),
    )
}

impl Policy {
    /// Connect's CVE process (`connect-cve-process.txt`, steps C1–C19).
    pub fn connect() -> Policy {
        let mut clocks = BTreeMap::new();
        // C3: "We commit to acknowledging and analyzing reports within 5 working days."
        clocks.insert(
            ClockName::Acknowledge,
            clock(Milestone::Received, "5 working days", true),
        );
        // C10: "the response coordinator selects relevant maintainers and includes
        // them … Typically, this happens within a day of the initial report."
        clocks.insert(
            ClockName::CollaboratorsAdded,
            clock(Milestone::Received, "1 day", false),
        );
        // C6: "Most vulnerabilities are disclosed in less than a month." A month is
        // read as 30 days from the report; the date itself is agreed with the reporter,
        // who sees this clock.
        clocks.insert(
            ClockName::DisclosureTarget,
            clock(Milestone::Received, "30 days", true),
        );
        // C19: "Within a week of releasing the fix, the response coordinator organizes
        // a blameless post-mortem"; the release is the disclosure.
        clocks.insert(
            ClockName::PostMortem,
            clock(Milestone::Disclosed, "7 days", false),
        );
        // No fix-ready and no forthcoming-fix clock: the Connect text names no time
        // for either (C12 only asks that fixes be reviewed and tested).
        let (reminders, escalation) = reminders();
        let mut channels = BTreeMap::new();
        // C18: "GitHub release notes (and the associated notification emails) are the
        // primary method … the response coordinator also posts announcements on
        // relevant mailing lists, Slack channels, and other community hubs."
        channels.insert(
            Notice::FixedVulnerability,
            vec![
                "the GitHub release notes".to_owned(),
                "the project's mailing lists".to_owned(),
                "the project's chat channels".to_owned(),
            ],
        );
        channels.insert(
            Notice::Upgrade,
            vec!["the project's mailing lists".to_owned()],
        );
        Policy {
            // Neither text names a time zone.
            time_zone: Zone::utc(),
            // C3's "working days": Monday to Friday.
            working_days: WorkingWeek::MONDAY_TO_FRIDAY,
            holidays: BTreeSet::new(),
            clocks,
            reminders,
            escalation,
            // C16: "If the CVSS score is under 4.0 (a low severity score) or the
            // assessed risk is low, the release coordinator may opt to slow the release
            // process down"
            low_severity_below: score(40),
            low_risk_may_slow_down: true,
            // C7: a public disclosure lets "us accelerate our typical response
            // process"; the text gives no score, so the Vitess threshold (V2, 4.0).
            public_asap_from: score(40),
            // "As soon as possible" has no number in either text: one day.
            asap: dur("24 hours"),
            // C6: "we work with the reporter to set a mutually-agreeable disclosure
            // date"; the text names no time for their answer: five working days (C3's).
            reporter_silence: dur("5 working days"),
            // C12: "fixes are still code reviewed": at least one approval.
            required_approvals: 1,
            // C5: "any vulnerability information shared stays within the Connect
            // project" unless another project must help ship the fix.
            pre_notification: false,
            // Neither text asks members for a second factor; the project turns it on.
            require_second_factor: false,
            // C15: the fix goes to main and every supported branch; C17, C18: release
            // notes and announcements of the fixed vulnerability. The text has no
            // unsupported-only track; an upgrade notice as in V4.
            notices: Notices {
                full: vec![Notice::FixedVulnerability],
                main_only: vec![Notice::FixedVulnerability],
                unsupported_only: vec![Notice::Upgrade],
            },
            channels,
        }
    }

    /// Vitess's security process (`vitess-security-process.txt`, steps V1–V11).
    pub fn vitess() -> Policy {
        let mut clocks = BTreeMap::new();
        // V6: "These steps should be completed within the 1-7 days of Disclosure": the
        // CVSS, the fix branch complete, reviewed with the required LGTMs. Disclosure
        // here is the private report; the clock runs to the end of the range.
        clocks.insert(
            ClockName::FixReady,
            clock(Milestone::Received, "7 days", false),
        );
        // V9: "Disclosure of Forthcoming Fix to Users (Completed within 1-7 days of
        // Disclosure)".
        clocks.insert(
            ClockName::ForthcomingFixNotice,
            clock(Milestone::Received, "7 days", false),
        );
        // No acknowledge, collaborators, disclosure-target or post-mortem clock: the
        // Vitess text sets no time for them.
        let (reminders, escalation) = reminders();
        let mut channels = BTreeMap::new();
        // V3: "A courtesy email will be sent to vitess@googlegroups.com along with a
        // posted notice in #developers on Slack."
        channels.insert(
            Notice::Courtesy,
            vec![
                "the community mailing list".to_owned(),
                "the developers' chat channel".to_owned(),
            ],
        );
        // V4, V9, V10: "An email will be sent to vitess-announce@googlegroups.com".
        for n in [
            Notice::Upgrade,
            Notice::ForthcomingFix,
            Notice::FixedVulnerability,
        ] {
            channels.insert(n, vec!["the announcement mailing list".to_owned()]);
        }
        Policy {
            time_zone: Zone::utc(),
            working_days: WorkingWeek::MONDAY_TO_FRIDAY,
            holidays: BTreeSet::new(),
            clocks,
            reminders,
            escalation,
            // V7: "If the CVSS score is under 4.0 (a low severity score) the
            // maintainers can decide to slow the release process down"; only the score.
            low_severity_below: score(40),
            low_risk_may_slow_down: false,
            // V2: "all timelines become ASAP (assuming the vulnerability has a CVSS
            // score >= 4)".
            public_asap_from: score(40),
            asap: dur("24 hours"),
            // The Vitess text has no agreement with the reporter on the date: five
            // working days, as in the Connect preset.
            reporter_silence: dur("5 working days"),
            // V6: "provide require LGTMs": the text names no number; one.
            required_approvals: 1,
            // V11: "does not provide advance notice of undisclosed vulnerabilities to
            // any third parties".
            pre_notification: false,
            // Neither text asks members for a second factor; the project turns it on.
            require_second_factor: false,
            // V3 courtesy, V4 upgrade, V5 the full process with V9 and V10.
            notices: Notices::default(),
            channels,
        }
    }
}
