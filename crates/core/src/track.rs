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
mod tests {}
