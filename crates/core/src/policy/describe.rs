//! A policy and a project in words, the pieces of the project's SECURITY.md (C4, C6,
//! C18, V3–V5, V9–V11). `formats::security_md` renders them; every number here is the
//! policy's.

use super::{Notice, Policy};
use crate::clocks::ClockName;
use crate::project::{BranchKind, Project};
use crate::track::TrackKind;

/// What a reporter may expect and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromiseWords {
    pub clock: ClockName,
    /// "acknowledge and analyze the report"
    pub what: String,
    /// "within 5 working days of receiving the report"
    pub when: String,
    pub reporter_sees: bool,
}

/// A component's branches by kind, in the project's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentWords {
    pub component: String,
    pub main: Vec<String>,
    pub supported: Vec<String>,
    pub unsupported: Vec<String>,
}

/// What a track announces, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeWords {
    pub track: TrackKind,
    /// "a supported release branch is affected"
    pub when: String,
    /// Each notice in words with where it goes.
    pub notices: Vec<(Notice, String, Vec<String>)>,
}

/// The words of a SECURITY.md.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWords {
    pub promises: Vec<PromiseWords>,
    pub branches: Vec<ComponentWords>,
    /// The disclosure practice, one sentence each.
    pub disclosure: Vec<String>,
    pub notices: Vec<NoticeWords>,
}

impl Notice {
    /// The notice in words.
    pub fn words(self) -> &'static str {
        match self {
            Notice::ForthcomingFix => {
                "a notice of the forthcoming fix, with its release date (YYYY-MM-DD HH:MM UTC) and mitigating steps"
            }
            Notice::FixedVulnerability => {
                "a notice of the fixed vulnerability, with the new releases, CVE links and how to apply the fix"
            }
            Notice::Courtesy => "a courtesy notice that the fix has landed on the main branch",
            Notice::Upgrade => "a notice naming the threat and encouraging users to upgrade",
        }
    }
}

impl Policy {
    /// The policy and the project's branch list in words, for SECURITY.md.
    pub fn describe(&self, project: &Project) -> PolicyWords {
        let promises = self
            .clocks
            .iter()
            .map(|(name, rule)| PromiseWords {
                clock: *name,
                what: name.task().to_owned(),
                when: format!("within {} {}", rule.duration, rule.start.words()),
                reporter_sees: rule.reporter_sees,
            })
            .collect();
        let branches = project
            .components
            .iter()
            .map(|c| {
                let of = |kind: BranchKind| {
                    c.branches
                        .iter()
                        .filter(|b| b.kind == kind)
                        .map(|b| b.name.clone())
                        .collect()
                };
                ComponentWords {
                    component: c.name.clone(),
                    main: of(BranchKind::Main),
                    supported: of(BranchKind::Supported),
                    unsupported: of(BranchKind::Unsupported),
                }
            })
            .collect();
        let mut disclosure = Vec::new();
        if let Some(rule) = self.clock(ClockName::DisclosureTarget) {
            disclosure.push(format!(
                "We aim to disclose within {} {}, on a date agreed with the reporter, as soon as a fix or mitigation is available.",
                rule.duration,
                rule.start.words()
            ));
        } else {
            disclosure.push(
                "We disclose once a fix or mitigation is available, on a date agreed with the reporter."
                    .to_owned(),
            );
        }
        disclosure.push(format!(
            "We propose the release date to the reporter; if we hear nothing within {}, we set it ourselves and say so on the case.",
            self.reporter_silence
        ));
        disclosure.push(format!(
            "If the vulnerability is already public and its CVSS score is {} or more, every remaining step runs as soon as possible (within {}).",
            self.public_asap_from, self.asap
        ));
        let risk = if self.low_risk_may_slow_down {
            ", or its assessed risk is low"
        } else {
            ""
        };
        disclosure.push(format!(
            "If the CVSS score is under {}{risk}, we may take longer, after discussing it among the maintainers.",
            self.low_severity_below
        ));
        disclosure.push(
            "If the fix depends on another project's disclosure date, we follow that date."
                .to_owned(),
        );
        disclosure.push(match self.required_approvals {
            0 => "Fixes are developed in private.".to_owned(),
            1 => "Fixes are developed in private and need 1 approving review.".to_owned(),
            n => format!("Fixes are developed in private and need {n} approving reviews."),
        });
        if self.require_second_factor {
            disclosure
                .push("Everyone who can see reports signs in with a second factor.".to_owned());
        }
        disclosure.push(if self.pre_notification {
            "Some third parties may be notified before disclosure; each case lists them.".to_owned()
        } else {
            "We do not notify third parties before disclosure.".to_owned()
        });
        let notices = TrackKind::ALL
            .into_iter()
            .map(|track| NoticeWords {
                track,
                when: track.words().to_owned(),
                notices: self
                    .notices
                    .for_track(track)
                    .iter()
                    .map(|n| {
                        (
                            *n,
                            n.words().to_owned(),
                            self.channels.get(n).cloned().unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
            .collect();
        PolicyWords {
            promises,
            branches,
            disclosure,
            notices,
        }
    }
}
