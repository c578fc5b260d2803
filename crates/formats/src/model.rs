//! The advisory as the formats see it: plain data the server fills from a disclosed case
//! and its project, and that [`crate::osv::import`] fills from an OSV record.
//!
//! The affected part follows OSV's shape (package, ranges of events, explicit versions)
//! because it is the richest of the three formats and the one we import: CVE's
//! `versions` and CSAF's product tree are derived from it, never the other way round.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A disclosed case, ready to be published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The advisory's own id, e.g. `GHSA-…` or a prefix the project registered with OSV
    /// (`CURL-…`). It is the OSV `id` and the CSAF `tracking.id`; OSV only accepts ids
    /// whose prefix is a registered home database, and [`crate::osv::export`] checks that.
    pub id: String,
    /// The CVE id, once assigned (`CVE-2025-12345`). Required for the CVE record; in OSV
    /// it becomes the first alias (unless already among the aliases), in CSAF the
    /// vulnerability's `cve`.
    pub cve_id: Option<String>,
    /// Other ids of the same vulnerability, kept in order (OSV `aliases`). `None` when
    /// not stated; `Some(vec![])` when a record stated "none" (kept for the round trip).
    pub aliases: Option<Vec<String>>,
    /// Ids of closely related but different vulnerabilities (OSV `related`).
    pub related: Vec<String>,
    /// Ids of the upstream vulnerabilities this advisory carries downstream (OSV
    /// `upstream`, e.g. a distribution's advisory for a library's CVE).
    pub upstream: Vec<String>,
    /// One-line title: CVE `title`, OSV `summary`, CSAF `document.title`.
    pub summary: Option<String>,
    /// The description, in Markdown: CVE `descriptions` (with the Markdown as supporting
    /// media), OSV `details`, CSAF vulnerability note `description`.
    pub details: Option<String>,
    /// The effect (impact statement) in plain words, e.g. "A remote attacker can exhaust
    /// the server's memory". CVE `impacts`, CSAF vulnerability note `Impact`.
    pub effect: Option<String>,
    /// What users can do before they upgrade. CVE `workarounds`, CSAF remediation
    /// `mitigation`.
    pub mitigation: Option<String>,
    /// Who publishes: the project (or its foundation). CVE `vendor` of each product,
    /// CSAF `publisher` and the vendor branch of the product tree.
    pub publisher: Option<Publisher>,
    /// The CNA that assigned the CVE id; required for the CVE record.
    pub cna: Option<Cna>,
    /// What is affected, per package. `None` when not stated (an OSV record may say
    /// nothing, or state an empty list; both are kept for the round trip).
    pub affected: Option<Vec<Affected>>,
    /// CVSS vectors (and other OSV severities), advisory-wide.
    pub severity: Vec<Severity>,
    /// Weaknesses, most relevant first.
    pub cwes: Vec<Cwe>,
    pub references: Vec<Reference>,
    pub credits: Vec<Credit>,
    /// When the advisory was (or will be) first published.
    pub published: Option<Timestamp>,
    /// When it last changed.
    pub modified: Timestamp,
    /// Set once the advisory is withdrawn (it stays published, marked as such): OSV
    /// `withdrawn`, a CSAF revision and note, the CVE record's description and tags.
    pub withdrawn: Option<Withdrawal>,
    /// Versions of the advisory, oldest first: CSAF `revision_history`. Empty means one
    /// implicit revision `1` at `published`. A withdrawal after the last revision adds
    /// one more in CSAF.
    pub revisions: Vec<Revision>,
    /// Dated steps of the case worth showing (reported, fixed, disclosed): CVE `timeline`.
    pub timeline: Vec<TimelineEntry>,
    /// Where the CSAF document itself will be served: its `self` reference.
    pub csaf_url: Option<String>,
    /// The advisory's own public page, which shows the whole text: where a document
    /// that must shorten the description points the reader.
    pub url: Option<String>,
    /// OSV `database_specific`, kept verbatim from an imported record. When empty, OSV
    /// export writes its own (`cwe_ids`, `severity`), as GitHub's database does.
    pub database_specific: Option<Map<String, Value>>,
}

/// Why and when an advisory was withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub at: Timestamp,
    /// The reason in plain words ("a duplicate of GHSA-…", "not a vulnerability: …").
    /// `None` for an imported record: OSV keeps its reason in the record's own text.
    pub reason: Option<String>,
}

/// The organisation that publishes the advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    /// The project's or vendor's name, e.g. "Connect".
    pub name: String,
    /// A URL the publisher controls, e.g. `https://connectrpc.com` (CSAF `namespace`).
    pub namespace: String,
    /// How to reach the security team (CSAF `contact_details`).
    pub contact: Option<String>,
}

/// A CVE Numbering Authority, as registered with the CVE Program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cna {
    /// E.g. `GitHub_M`, `apache`.
    pub short_name: String,
    /// The CNA's organisation UUID.
    pub org_id: String,
}

/// One affected package (OSV `affected[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package as an ecosystem knows it. OSV allows entries with only GIT ranges.
    pub package: Option<Package>,
    /// The project's component this package is, e.g. "connect-go": the product name in
    /// CVE and CSAF. Falls back to the package name, then to the GIT range's repo.
    pub component: Option<String>,
    pub ranges: Vec<Range>,
    /// Affected versions listed one by one (OSV `versions`).
    pub versions: Vec<String>,
    /// Per-package severity, from imported OSV records only (OSV forbids it beside the
    /// advisory-wide [`Advisory::severity`]).
    pub severity: Vec<Severity>,
    /// OSV `ecosystem_specific`, verbatim.
    pub ecosystem_specific: Option<Map<String, Value>>,
    /// OSV `database_specific`, verbatim.
    pub database_specific: Option<Map<String, Value>>,
}

/// A package in an ecosystem (OSV `package`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// An OSV ecosystem, e.g. `Go`, `SwiftURL`, `Maven`, `crates.io`.
    pub ecosystem: String,
    /// The name in that ecosystem, e.g. `connectrpc.com/connect`.
    pub name: String,
    /// Package URL without version, e.g. `pkg:golang/connectrpc.com/connect`.
    pub purl: Option<String>,
}

/// A version range (OSV `ranges[]`). Release branches are successive
/// introduced/fixed pairs in one range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    /// The repository, required for [`RangeKind::Git`].
    pub repo: Option<String>,
    pub events: Vec<Event>,
    /// OSV's `database_specific` of the range, verbatim.
    pub database_specific: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// Semantic versions (SemVer 2.0).
    Semver,
    /// The ecosystem's own version ordering.
    Ecosystem,
    /// Commit hashes in [`Range::repo`].
    Git,
}

impl RangeKind {
    /// The kind for versions a person typed for a package of `ecosystem`, and the
    /// versions as the range must carry them. `SEMVER` when the ecosystem's versions
    /// are SemVer and every version is one (Go's leading `v` dropped, as OSV's Go
    /// entries do; `0` is OSV's "since the beginning"); otherwise `ECOSYSTEM`, which
    /// OSV allows only with a package, so without one it stays `SEMVER`.
    pub fn for_versions(ecosystem: Option<&str>, versions: &[&str]) -> (RangeKind, Vec<String>) {
        let semver: Option<Vec<String>> = versions
            .iter()
            .map(|v| {
                let bare = v.strip_prefix('v').unwrap_or(v);
                (*v == "0" || semver::Version::parse(bare).is_ok()).then(|| bare.to_owned())
            })
            .collect();
        let semver_ecosystem = ecosystem.is_none_or(embargo_core::ecosystem::uses_semver);
        match semver {
            Some(bare) if semver_ecosystem => (RangeKind::Semver, bare),
            _ if ecosystem.is_some() => (
                RangeKind::Ecosystem,
                versions.iter().map(|v| (*v).to_owned()).collect(),
            ),
            _ => (
                RangeKind::Semver,
                versions.iter().map(|v| (*v).to_owned()).collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RangeKind::{self, Ecosystem, Semver};

    fn kind(ecosystem: Option<&str>, versions: &[&str]) -> (RangeKind, Vec<String>) {
        RangeKind::for_versions(ecosystem, versions)
    }

    #[test]
    fn semver_ecosystems_keep_semver_and_drop_gos_v() {
        assert_eq!(
            kind(Some("Go"), &["0", "v1.16.2"]),
            (Semver, vec!["0".into(), "1.16.2".into()])
        );
        assert_eq!(kind(Some("npm"), &["1.0.0-rc.1", "1.0.0"]).0, Semver);
        assert_eq!(kind(None, &["0.5.0", "0.9.1"]).0, Semver);
    }

    #[test]
    fn other_orderings_are_the_ecosystems_own() {
        // PyPI's 1.0.post1 and Maven's 2.3 are not SemVer, and PyPI never is.
        assert_eq!(
            kind(Some("PyPI"), &["1.0.0", "1.2.0"]),
            (Ecosystem, vec!["1.0.0".into(), "1.2.0".into()])
        );
        assert_eq!(kind(Some("Maven"), &["2.3", "2.4"]).0, Ecosystem);
        assert_eq!(kind(Some("Go"), &["1.16", "1.17"]).0, Ecosystem);
        assert_eq!(kind(Some("Debian:12"), &["1.0-1"]).0, Ecosystem);
        // Pub follows SemVer 2.0.0-rc.1, which OSV asks to range as ECOSYSTEM.
        assert_eq!(kind(Some("Pub"), &["1.0.0", "1.0.1"]).0, Ecosystem);
        // Without a package OSV allows no ECOSYSTEM range; the versions stay as typed.
        assert_eq!(
            kind(None, &["2.3", "v2.4"]),
            (Semver, vec!["2.3".into(), "v2.4".into()])
        );
    }
}

/// A point where a range starts or stops being affected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Affected from this version on (`0`: since the beginning).
    Introduced(String),
    /// Fixed in this version.
    Fixed(String),
    /// The last affected version, when no fixed one exists.
    LastAffected(String),
    /// Upper bound of the range (not included) that says nothing about fixes.
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }

    /// The same kind of event at another version.
    pub fn with_version(&self, version: String) -> Event {
        match self {
            Event::Introduced(_) => Event::Introduced(version),
            Event::Fixed(_) => Event::Fixed(version),
            Event::LastAffected(_) => Event::LastAffected(version),
            Event::Limit(_) => Event::Limit(version),
        }
    }
}

/// A severity: a CVSS vector string, or Ubuntu's word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    pub kind: SeverityKind,
    /// A vector string for the CVSS kinds.
    pub score: String,
}

impl Severity {
    /// A CVSS vector, with its kind read off its prefix (no prefix: v2.0).
    pub fn cvss(vector: &str) -> Severity {
        let kind = if vector.starts_with("CVSS:4.") {
            SeverityKind::CvssV4
        } else if vector.starts_with("CVSS:3.") {
            SeverityKind::CvssV3
        } else {
            SeverityKind::CvssV2
        };
        Severity {
            kind,
            score: vector.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeverityKind {
    CvssV2,
    /// v3.0 or v3.1.
    CvssV3,
    CvssV4,
    /// Ubuntu's priority word; only OSV carries it.
    Ubuntu,
}

/// A weakness from MITRE's CWE list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cwe {
    /// `CWE-400`.
    pub id: String,
    /// The CWE's name as the list spells it, e.g. "Uncontrolled Resource Consumption".
    /// CSAF requires it; records imported from OSV carry none.
    pub name: Option<String>,
}

/// A link, typed as OSV types it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: ReferenceKind,
    pub url: String,
}

/// OSV's reference types (serialized in OSV's spelling). CVE tags are derived: see
/// [`crate::cve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferenceKind {
    /// A published advisory: ours (the advisory page) or another database's.
    Advisory,
    Article,
    Detection,
    Discussion,
    /// The issue or report.
    Report,
    /// The fix: a pull request or commit.
    Fix,
    Introduced,
    Git,
    Package,
    Evidence,
    Web,
}

/// Who helped, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    /// How to reach the person (OSV `contact`), for the team's own use. **No document
    /// publishes it**: a credit line names people, it does not hand out their addresses.
    pub contact: Vec<String>,
    pub kind: Option<CreditKind>,
}

/// The roles the CVE and OSV credit lists share (serialized in OSV's spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreditKind {
    Finder,
    Reporter,
    Analyst,
    Coordinator,
    RemediationDeveloper,
    RemediationReviewer,
    RemediationVerifier,
    Tool,
    Sponsor,
    Other,
}

/// A version of the advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// `1`, `2`, … (or semantic versions; one scheme per advisory).
    pub number: String,
    pub date: Timestamp,
    pub summary: String,
}

/// A dated step in the case's public timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub time: Timestamp,
    pub value: String,
}

impl Affected {
    /// The product name for CVE and CSAF.
    pub fn product_name(&self) -> Option<&str> {
        self.component
            .as_deref()
            .or(self.package.as_ref().map(|p| p.name.as_str()))
            .or_else(|| self.ranges.iter().find_map(|r| r.repo.as_deref()))
    }
}

impl Advisory {
    /// The affected packages, none when not stated.
    pub fn affected_list(&self) -> &[Affected] {
        self.affected.as_deref().unwrap_or_default()
    }

    /// The aliases, none when not stated.
    pub fn alias_list(&self) -> &[String] {
        self.aliases.as_deref().unwrap_or_default()
    }

    /// A title for documents that require one: the summary, else the first sentence of
    /// the details (many OSV records have no summary), else the id.
    pub fn title(&self) -> String {
        self.summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                self.details
                    .as_deref()
                    .and_then(crate::text::first_sentence)
            })
            .unwrap_or_else(|| self.id.clone())
    }

    /// The text a document describes the vulnerability with: the details, else the
    /// summary (some databases, e.g. Red Hat's, write only a summary).
    pub fn description(&self) -> Option<&str> {
        [self.details.as_deref(), self.summary.as_deref()]
            .into_iter()
            .flatten()
            .find(|d| !d.trim().is_empty())
    }

    /// Where a reader finds the whole advisory when a document has to shorten it: its
    /// page ([`Advisory::url`]), else the first `ADVISORY` reference, else the CSAF
    /// document, which keeps the whole text.
    pub fn full_text_url(&self) -> Option<&str> {
        self.url
            .as_deref()
            .or_else(|| {
                self.references
                    .iter()
                    .find(|r| r.kind == ReferenceKind::Advisory)
                    .map(|r| r.url.as_str())
            })
            .or(self.csaf_url.as_deref())
    }

    /// When the advisory last changed, its withdrawal included.
    pub fn last_change(&self) -> Timestamp {
        self.withdrawn
            .as_ref()
            .map_or(self.modified, |w| w.at.max(self.modified))
    }

    /// The CVSS vectors of `kind`, advisory-wide first, then per package.
    pub(crate) fn vectors(&self, kind: SeverityKind) -> impl Iterator<Item = &str> {
        self.severity
            .iter()
            .chain(self.affected_list().iter().flat_map(|a| a.severity.iter()))
            .filter(move |s| s.kind == kind)
            .map(|s| s.score.as_str())
    }
}
