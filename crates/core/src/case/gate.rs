//! What a case needs before it may be disclosed (V8, C6, C13, C17, C18): one function,
//! [`super::Case::disclosure_blockers`], that every way to disclose asks.

use super::{Case, ReleaseBlocker};
use crate::track::TrackKind;
use std::fmt;

/// One thing missing before disclosure, with what to do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Blocker {
    /// V8: no fix merged and no mitigation recorded.
    NoFixOrMitigation,
    /// V4: an `unsupported-only` case discloses with an upgrade notice instead of a fix.
    NoUpgradeNotice,
    /// The advisory has no summary written by the team; the report's title is never
    /// published.
    NoSummary,
    /// C13: no final CVSS call, and none recorded as not applicable.
    NoFinalCvss,
    /// C17: the release notes are not final.
    ReleaseNotesNotFinal,
    /// C6: no release date agreed with the reporter, nor set after their silence.
    ReleaseDateNotAgreed,
}

impl Blocker {
    /// A stable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            Blocker::NoFixOrMitigation => "no_fix_or_mitigation",
            Blocker::NoUpgradeNotice => "no_upgrade_notice",
            Blocker::NoSummary => "no_summary",
            Blocker::NoFinalCvss => "no_final_cvss",
            Blocker::ReleaseNotesNotFinal => "release_notes_not_final",
            Blocker::ReleaseDateNotAgreed => "release_date_not_agreed",
        }
    }

    /// The request field (or area) that mends it, in API names.
    pub fn field(self) -> &'static str {
        match self {
            Blocker::NoFixOrMitigation => "fixes",
            Blocker::NoUpgradeNotice => "mitigation",
            Blocker::NoSummary => "advisory.summary",
            Blocker::NoFinalCvss => "cvss",
            Blocker::ReleaseNotesNotFinal => "release_notes",
            Blocker::ReleaseDateNotAgreed => "release_date",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Blocker::NoFixOrMitigation => {
                "no fix is merged and no mitigation is recorded (V8): merge a fix or record a mitigation"
            }
            Blocker::NoUpgradeNotice => {
                "only unsupported releases are affected (V4): record the upgrade notice as the mitigation"
            }
            Blocker::NoSummary => {
                "the advisory has no summary: write one (the report's title is never published)"
            }
            Blocker::NoFinalCvss => {
                "the final CVSS is not set: set the final vectors, or record CVSS as not applicable"
            }
            Blocker::ReleaseNotesNotFinal => ReleaseBlocker::NotesNotFinal.message(),
            Blocker::ReleaseDateNotAgreed => ReleaseBlocker::DateNotAgreed.message(),
        }
    }
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl Case {
    /// Everything missing before this case may be disclosed; empty when it may. The
    /// stage rules (confirmed first, not twice) are the decider's; these are about
    /// content.
    pub fn disclosure_blockers(&self) -> Vec<Blocker> {
        let mut out = Vec::new();
        let mitigated = self.mitigation().is_some();
        match self.fixes.track {
            Some(TrackKind::UnsupportedOnly) => {
                if !mitigated {
                    out.push(Blocker::NoUpgradeNotice);
                }
            }
            Some(TrackKind::Full | TrackKind::MainOnly) | None => {
                if !mitigated && !self.fixes.any_merged() {
                    out.push(Blocker::NoFixOrMitigation);
                }
            }
        }
        if self
            .advisory
            .details
            .summary
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            out.push(Blocker::NoSummary);
        }
        if self.scoring.score.is_none() && self.scoring.not_applicable.is_none() {
            out.push(Blocker::NoFinalCvss);
        }
        out.extend(self.release.blockers().into_iter().map(|b| match b {
            ReleaseBlocker::NotesNotFinal => Blocker::ReleaseNotesNotFinal,
            ReleaseBlocker::DateNotAgreed => Blocker::ReleaseDateNotAgreed,
        }));
        out
    }

    /// What users can do without the fix: the advisory's published mitigation, else
    /// the one recorded on the case, else the release plan's (V8). The gate, the
    /// schedule and the documents read this.
    pub fn mitigation(&self) -> Option<&str> {
        fn written(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        written(self.advisory.details.mitigation.as_deref())
            .or_else(|| written(self.fixes.mitigation.as_ref().map(|m| m.text.as_str())))
            .or_else(|| {
                written(
                    self.release
                        .plan
                        .as_ref()
                        .and_then(|p| p.mitigation.as_deref()),
                )
            })
    }

    /// The advisory's public title: the team's summary, never the report's title.
    pub fn public_title(&self) -> String {
        match self
            .advisory
            .details
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => s.to_owned(),
            None => {
                let id = self.advisory.cve.as_ref().and_then(|c| c.id());
                match id {
                    Some(cve) => format!("Security advisory {cve}"),
                    None => format!("Security advisory {}", self.id),
                }
            }
        }
    }
}
