//! Which process a case follows (V3, V4, V5), from the branches it affects and the
//! project's branch list, with its modifiers (`public`, `low-severity`, `upstream`)
//! and the backport checklist the track implies (C15, V1).

use crate::clocks::ClockFacts;
use crate::policy::Policy;
use crate::project::{BranchKind, Project};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The process a case follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrackKind {
    /// A supported branch is affected: the full process (V5).
    Full,
    /// Main is affected but no supported branch: fix on main, a courtesy notice (V3).
    MainOnly,
    /// Only unsupported releases: no fix, an upgrade notice (V4).
    UnsupportedOnly,
}

impl TrackKind {
    pub const ALL: [TrackKind; 3] = [
        TrackKind::Full,
        TrackKind::MainOnly,
        TrackKind::UnsupportedOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Full => "full",
            TrackKind::MainOnly => "main-only",
            TrackKind::UnsupportedOnly => "unsupported-only",
        }
    }

    pub fn step(self) -> &'static str {
        match self {
            TrackKind::Full => "V5",
            TrackKind::MainOnly => "V3",
            TrackKind::UnsupportedOnly => "V4",
        }
    }

    /// When the track applies, in words (SECURITY.md).
    pub fn words(self) -> &'static str {
        match self {
            TrackKind::Full => "a supported release branch is affected",
            TrackKind::MainOnly => "only the main branch is affected",
            TrackKind::UnsupportedOnly => "only releases that are no longer supported are affected",
        }
    }
}

impl fmt::Display for TrackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts that change how a track runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Modifier {
    /// Publicly known: with CVSS at or over the threshold, every clock is ASAP (C7, V2).
    Public,
    /// Final CVSS under the threshold: may be slowed down after a discussion (C16, V7).
    LowSeverity,
    /// Follows another project's disclosure date (V2).
    Upstream,
}

impl Modifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::Public => "public",
            Modifier::LowSeverity => "low-severity",
            Modifier::Upstream => "upstream",
        }
    }
}

/// A track and its modifiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub kind: TrackKind,
    pub modifiers: Vec<Modifier>,
}

/// A branch a case affects, as the team records it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AffectedBranch {
    pub component: String,
    pub branch: String,
}

impl AffectedBranch {
    pub fn new(component: impl Into<String>, branch: impl Into<String>) -> AffectedBranch {
        AffectedBranch {
            component: component.into(),
            branch: branch.into(),
        }
    }
}

impl fmt::Display for AffectedBranch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.component, self.branch)
    }
}

/// Affected branches the project does not list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    #[error(
        "not in the project's branch list: {}; add them to the project first",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    UnknownBranches(Vec<AffectedBranch>),
}

/// The affected branches with their kinds, in the project's spelling.
fn classify(
    project: &Project,
    affected: &[AffectedBranch],
) -> Result<Vec<(AffectedBranch, BranchKind)>, TrackError> {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for a in affected {
        let found = project.component(&a.component).and_then(|c| {
            c.branches
                .iter()
                .find(|b| b.name == a.branch)
                .map(|b| (AffectedBranch::new(&c.name, &b.name), b.kind))
        });
        match found {
            Some(k) if !known.contains(&k) => known.push(k),
            Some(_) => {}
            None if !unknown.contains(a) => unknown.push(a.clone()),
            None => {}
        }
    }
    if unknown.is_empty() {
        Ok(known)
    } else {
        Err(TrackError::UnknownBranches(unknown))
    }
}

impl TrackKind {
    /// The track the affected branches call for; `Ok(None)` while none are recorded
    /// (the case has no track yet).
    pub fn derive(
        project: &Project,
        affected: &[AffectedBranch],
    ) -> Result<Option<TrackKind>, TrackError> {
        let kinds = classify(project, affected)?;
        let has = |k: BranchKind| kinds.iter().any(|(_, kind)| *kind == k);
        Ok(if kinds.is_empty() {
            None
        } else if has(BranchKind::Supported) {
            Some(TrackKind::Full)
        } else if has(BranchKind::Main) {
            Some(TrackKind::MainOnly)
        } else {
            Some(TrackKind::UnsupportedOnly)
        })
    }
}

/// The modifiers the facts call for, in a fixed order.
pub fn modifiers(policy: &Policy, facts: &ClockFacts) -> Vec<Modifier> {
    let mut out = Vec::new();
    if facts.public_since.is_some() {
        out.push(Modifier::Public);
    }
    if facts
        .final_score()
        .is_some_and(|s| s < policy.low_severity_below)
    {
        out.push(Modifier::LowSeverity);
    }
    if !facts.upstream.is_empty() {
        out.push(Modifier::Upstream);
    }
    out
}

impl Track {
    /// The case's track; `Ok(None)` while no affected branch is recorded.
    pub fn derive(
        project: &Project,
        policy: &Policy,
        affected: &[AffectedBranch],
        facts: &ClockFacts,
    ) -> Result<Option<Track>, TrackError> {
        Ok(TrackKind::derive(project, affected)?.map(|kind| Track {
            kind,
            modifiers: modifiers(policy, facts),
        }))
    }
}

/// The branches that need a fix (C15, V1, V3, V4): on `full`, every affected
/// supported branch and the main branch of each affected component; on `main-only`,
/// main; on `unsupported-only`, none. In the project's branch order.
pub fn backports(
    project: &Project,
    affected: &[AffectedBranch],
) -> Result<Vec<AffectedBranch>, TrackError> {
    let kinds = classify(project, affected)?;
    let Some(track) = TrackKind::derive(project, affected)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for component in &project.components {
        let touched: Vec<&(AffectedBranch, BranchKind)> = kinds
            .iter()
            .filter(|(a, _)| a.component == component.name)
            .collect();
        if touched.is_empty() {
            continue;
        }
        for b in &component.branches {
            let affected_here = touched.iter().any(|(a, _)| a.branch == b.name);
            let needs_fix = match (track, b.kind) {
                (TrackKind::Full, BranchKind::Main) => true,
                (TrackKind::Full, BranchKind::Supported) => affected_here,
                (TrackKind::MainOnly, BranchKind::Main) => affected_here,
                (TrackKind::Full | TrackKind::MainOnly, BranchKind::Unsupported)
                | (TrackKind::MainOnly, BranchKind::Supported)
                | (
                    TrackKind::UnsupportedOnly,
                    BranchKind::Main | BranchKind::Supported | BranchKind::Unsupported,
                ) => false,
            };
            if needs_fix {
                out.push(AffectedBranch::new(&component.name, &b.name));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::{ScoreSet, UpstreamDate};
    use crate::ids::ProjectSlug;
    use crate::policy::CvssScore;
    use crate::project::{Branch, Component};
    use jiff::Timestamp;

    fn branch(name: &str, kind: BranchKind) -> Branch {
        Branch {
            name: name.to_owned(),
            kind,
        }
    }

    /// Vitess-like: `vitess` with main, two supported and an unsupported release;
    /// `docs` with main only.
    fn project() -> Project {
        let mut vitess = Component::new("vitess".to_owned());
        vitess.branches.extend([
            branch("release-22.0", BranchKind::Supported),
            branch("release-21.0", BranchKind::Supported),
            branch("release-19.0", BranchKind::Unsupported),
        ]);
        Project {
            slug: ProjectSlug::parse("vitess").unwrap(),
            name: "Vitess".to_owned(),
            guidance: String::new(),
            components: vec![vitess, Component::new("docs".to_owned())],
            members: Vec::new(),
            cna: None,
            policy: None,
            security_address: None,
            mail_preferences: Vec::new(),
            pgp_key: None,
            channels: Vec::new(),
            notice_templates: Default::default(),
            created_at: Timestamp::UNIX_EPOCH,
            version: 1,
        }
    }

    fn a(component: &str, branch: &str) -> AffectedBranch {
        AffectedBranch::new(component, branch)
    }

    #[test]
    fn v5_any_supported_branch_is_the_full_process() {
        let p = project();
        let affected = [a("vitess", "release-19.0"), a("Vitess", "release-21.0")];
        assert_eq!(TrackKind::derive(&p, &affected), Ok(Some(TrackKind::Full)));
        // Main of the component and the affected supported branch need a fix; the
        // unsupported release and the untouched supported one do not.
        assert_eq!(
            backports(&p, &affected).unwrap(),
            [a("vitess", "main"), a("vitess", "release-21.0")]
        );
    }

    #[test]
    fn v3_main_but_no_supported_branch_is_main_only() {
        let p = project();
        let affected = [a("vitess", "main"), a("vitess", "release-19.0")];
        assert_eq!(
            TrackKind::derive(&p, &affected),
            Ok(Some(TrackKind::MainOnly))
        );
        assert_eq!(backports(&p, &affected).unwrap(), [a("vitess", "main")]);
    }

    #[test]
    fn v4_only_unsupported_releases_get_no_fix() {
        let p = project();
        let affected = [a("vitess", "release-19.0")];
        assert_eq!(
            TrackKind::derive(&p, &affected),
            Ok(Some(TrackKind::UnsupportedOnly))
        );
        assert_eq!(backports(&p, &affected).unwrap(), []);
    }

    #[test]
    fn no_affected_branches_recorded_means_no_track_yet() {
        let p = project();
        assert_eq!(TrackKind::derive(&p, &[]), Ok(None));
        let facts = ClockFacts::received(Timestamp::UNIX_EPOCH);
        assert_eq!(Track::derive(&p, &Policy::vitess(), &[], &facts), Ok(None));
        assert_eq!(backports(&p, &[]).unwrap(), []);
    }

    #[test]
    fn unknown_branches_are_named() {
        let p = project();
        let affected = [
            a("vitess", "release-22.0"),
            a("vitess", "release-99.0"),
            a("swift", "main"),
            a("swift", "main"),
        ];
        let err = TrackKind::derive(&p, &affected).unwrap_err();
        assert_eq!(
            err,
            TrackError::UnknownBranches(vec![a("vitess", "release-99.0"), a("swift", "main")])
        );
        assert_eq!(
            err.to_string(),
            "not in the project's branch list: vitess/release-99.0, swift/main; add them to the project first"
        );
        assert!(backports(&p, &affected).is_err());
    }

    #[test]
    fn c7_c16_v2_modifiers_follow_the_facts() {
        let p = project();
        let policy = Policy::vitess();
        let t = Timestamp::UNIX_EPOCH;
        let mut facts = ClockFacts::received(t);
        let affected = [a("docs", "main")];
        let track = Track::derive(&p, &policy, &affected, &facts)
            .unwrap()
            .unwrap();
        assert_eq!(
            (track.kind, track.modifiers.as_slice()),
            (TrackKind::MainOnly, &[][..])
        );
        facts.public_since = Some(t);
        facts.final_scores.push(ScoreSet {
            at: t,
            score: CvssScore::from_tenths(39).unwrap(),
        });
        facts.upstream.push(UpstreamDate {
            at: t,
            date: t,
            source: "upstream".to_owned(),
        });
        assert_eq!(
            modifiers(&policy, &facts),
            [Modifier::Public, Modifier::LowSeverity, Modifier::Upstream]
        );
        // At the threshold, not low severity.
        facts.final_scores.push(ScoreSet {
            at: t,
            score: CvssScore::from_tenths(40).unwrap(),
        });
        assert_eq!(
            modifiers(&policy, &facts),
            [Modifier::Public, Modifier::Upstream]
        );
    }
}
