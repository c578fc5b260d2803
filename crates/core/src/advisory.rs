//! What a case publishes (policy steps C14, C17, C18, V10): the advisory's details as
//! the coordinator prepares them while the case is embargoed, its CVE ID, and the
//! moment of disclosure. Documents (CVE JSON 5, OSV, CSAF) are made from these by the
//! `formats` crate; nothing here is public before the case is disclosed.

use crate::project::Project;
use crate::rejection::{Invalid, Rejection, Rule};
use crate::text::{self, limits};
use serde::{Deserialize, Serialize};

/// The most entries of each list; an advisory with more is better split.
pub const MAX_ITEMS: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryDetails {
    /// The advisory's one-line title; the report's title when absent.
    pub summary: Option<String>,
    /// Markdown; the report's description is internal, this one is published.
    pub details: Option<String>,
    /// `CWE-400`, or with the name: `CWE-400: Uncontrolled Resource Consumption`.
    pub cwes: Vec<String>,
    pub references: Vec<Reference>,
    pub credits: Vec<Credit>,
    /// Version ranges per component.
    pub affected: Vec<AffectedRange>,
    /// What users can do before they can upgrade.
    pub mitigation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub url: String,
    pub kind: ReferenceKind,
}

/// OSV's reference types, which CVE and CSAF map onto.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferenceKind {
    Advisory,
    Article,
    Detection,
    Discussion,
    Report,
    Fix,
    Introduced,
    Package,
    Evidence,
    Web,
}

impl ReferenceKind {
    pub const ALL: [ReferenceKind; 10] = [
        ReferenceKind::Advisory,
        ReferenceKind::Article,
        ReferenceKind::Detection,
        ReferenceKind::Discussion,
        ReferenceKind::Report,
        ReferenceKind::Fix,
        ReferenceKind::Introduced,
        ReferenceKind::Package,
        ReferenceKind::Evidence,
        ReferenceKind::Web,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Advisory => "advisory",
            ReferenceKind::Article => "article",
            ReferenceKind::Detection => "detection",
            ReferenceKind::Discussion => "discussion",
            ReferenceKind::Report => "report",
            ReferenceKind::Fix => "fix",
            ReferenceKind::Introduced => "introduced",
            ReferenceKind::Package => "package",
            ReferenceKind::Evidence => "evidence",
            ReferenceKind::Web => "web",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    pub contact: Option<String>,
    pub kind: CreditKind,
}

/// The credit types CVE JSON 5 and OSV share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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

impl CreditKind {
    pub const ALL: [CreditKind; 10] = [
        CreditKind::Finder,
        CreditKind::Reporter,
        CreditKind::Analyst,
        CreditKind::Coordinator,
        CreditKind::RemediationDeveloper,
        CreditKind::RemediationReviewer,
        CreditKind::RemediationVerifier,
        CreditKind::Tool,
        CreditKind::Sponsor,
        CreditKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CreditKind::Finder => "finder",
            CreditKind::Reporter => "reporter",
            CreditKind::Analyst => "analyst",
            CreditKind::Coordinator => "coordinator",
            CreditKind::RemediationDeveloper => "remediation-developer",
            CreditKind::RemediationReviewer => "remediation-reviewer",
            CreditKind::RemediationVerifier => "remediation-verifier",
            CreditKind::Tool => "tool",
            CreditKind::Sponsor => "sponsor",
            CreditKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One affected version range of a component: introduced in, fixed in (or last
/// affected). Versions are as the project writes them (semver for most).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedRange {
    pub component: String,
    /// `0` means "since the beginning".
    pub introduced: String,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
}

/// A CVE ID as the CVE Program writes it: `CVE-YYYY-NNNN` (four or more digits).
pub fn cve_id(field: &str, value: &str) -> Result<String, Invalid> {
    let v = value.trim().to_ascii_uppercase();
    let ok = v
        .strip_prefix("CVE-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(year, number)| {
            year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && year >= "1999"
                && number.len() >= 4
                && number.len() <= 19
                && number.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(v)
    } else {
        Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{field}` must be a CVE ID like CVE-2026-12345"),
        ))
    }
}

/// `CWE-400`, optionally with the weakness's name: `CWE-400: Uncontrolled Resource
/// Consumption` (CVE records and CSAF documents show the name).
fn cwe(field: &str, value: &str) -> Result<String, Invalid> {
    let v = value.trim();
    let (id, name) = match v.split_once([':', ' ']) {
        Some((id, name)) => (id, name.trim().trim_start_matches(':').trim()),
        None => (v, ""),
    };
    let id = id.to_ascii_uppercase();
    let digits = id.strip_prefix("CWE-").unwrap_or(&id);
    if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{field}` must be a CWE id like CWE-400, optionally with its name"),
        ));
    }
    let number = digits.trim_start_matches('0');
    let id = format!("CWE-{}", if number.is_empty() { "0" } else { number });
    if name.is_empty() {
        return Ok(id);
    }
    let name = text::required_line(field, name, limits::NAME)?;
    Ok(format!("{id}: {name}"))
}

fn version(field: &str, value: &str) -> Result<String, Invalid> {
    let v = text::required_line(field, value, 100)?;
    if v.chars().any(char::is_whitespace) {
        return Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{field}` is a version and has no spaces"),
        ));
    }
    Ok(v)
}

fn too_many(field: &str, n: usize) -> Option<Invalid> {
    (n > MAX_ITEMS).then(|| {
        Invalid::new(
            field,
            Rule::TooLong,
            format!("`{field}` may list at most {MAX_ITEMS} entries"),
        )
    })
}

impl AdvisoryDetails {
    /// Checks and normalizes everything, reporting every problem at once with its
    /// field (`references[2].url`).
    pub fn check(self, project: &Project) -> Result<AdvisoryDetails, Rejection> {
        let mut problems = Vec::new();
        let mut keep = |r: Result<String, Invalid>| match r {
            Ok(v) => Some(v),
            Err(e) => {
                problems.push(e);
                None
            }
        };
        let summary = self
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| keep(text::required_line("summary", s, limits::TITLE)));
        let details = self
            .details
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| keep(text::required_body("details", s, limits::BODY)));
        let mitigation = self
            .mitigation
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| keep(text::required_body("mitigation", s, limits::BODY)));
        let mut cwes: Vec<String> = self
            .cwes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| keep(cwe(&format!("cwes[{i}]"), c)))
            .collect();
        cwes.dedup();
        let references = self
            .references
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                keep(text::url(&format!("references[{i}].url"), &r.url))
                    .map(|url| Reference { url, kind: r.kind })
            })
            .collect();
        let credits = self
            .credits
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let name = keep(text::required_line(
                    &format!("credits[{i}].name"),
                    &c.name,
                    limits::NAME,
                ))?;
                let contact = match c
                    .contact
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    None => None,
                    Some(s) => Some(keep(text::required_line(
                        &format!("credits[{i}].contact"),
                        s,
                        limits::SHORT,
                    ))?),
                };
                Some(Credit {
                    name,
                    contact,
                    kind: c.kind,
                })
            })
            .collect();
        let affected = self
            .affected
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let field = |f: &str| format!("affected[{i}].{f}");
                let component = match project.component(&a.component) {
                    Some(c) => c.name.clone(),
                    None => {
                        keep(Err(Invalid::new(
                            field("component"),
                            Rule::UnknownComponent,
                            format!(
                                "`{}`: {} has no component `{}`",
                                field("component"),
                                project.name,
                                a.component
                            ),
                        )));
                        return None;
                    }
                };
                let introduced = keep(version(&field("introduced"), &a.introduced))?;
                let fixed = match a.fixed.as_deref().filter(|s| !s.trim().is_empty()) {
                    Some(v) => Some(keep(version(&field("fixed"), v))?),
                    None => None,
                };
                let last_affected =
                    match a.last_affected.as_deref().filter(|s| !s.trim().is_empty()) {
                        Some(v) => Some(keep(version(&field("last_affected"), v))?),
                        None => None,
                    };
                if fixed.is_some() && last_affected.is_some() {
                    keep(Err(Invalid::new(
                        field("last_affected"),
                        Rule::InvalidFormat,
                        format!(
                            "`{}`: give either the fixed version or the last affected one",
                            field("last_affected")
                        ),
                    )));
                    return None;
                }
                Some(AffectedRange {
                    component,
                    introduced,
                    fixed,
                    last_affected,
                })
            })
            .collect();
        for (field, n) in [
            ("cwes", self.cwes.len()),
            ("references", self.references.len()),
            ("credits", self.credits.len()),
            ("affected", self.affected.len()),
        ] {
            problems.extend(too_many(field, n));
        }
        if problems.is_empty() {
            Ok(AdvisoryDetails {
                summary,
                details,
                cwes,
                references,
                credits,
                affected,
                mitigation,
            })
        } else {
            Err(Rejection::Invalid(problems))
        }
    }
}

/// Where a CVE ID request stands, as the case shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum CveState {
    /// Asked of CVE Services; the outbox worker is on it.
    Requested,
    /// CVE Services reserved the ID.
    Reserved { id: String },
    /// The record is published at CVE Services.
    Published { id: String },
    /// The ID was assigned elsewhere (e.g. by GitHub as CNA) and entered here.
    Assigned { id: String },
    /// The request could not be carried out (CVE Services unreachable for too long,
    /// credentials refused, not configured): the reason.
    Failed { message: String },
    /// CVE Services refused the request, with its message (e.g. `EXCEEDED_ID_QUOTA`).
    Rejected { message: String },
}

impl CveState {
    pub fn id(&self) -> Option<&str> {
        match self {
            CveState::Reserved { id } | CveState::Published { id } | CveState::Assigned { id } => {
                Some(id)
            }
            CveState::Requested | CveState::Failed { .. } | CveState::Rejected { .. } => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            CveState::Requested => "requested",
            CveState::Reserved { .. } => "reserved",
            CveState::Published { .. } => "published",
            CveState::Assigned { .. } => "assigned",
            CveState::Failed { .. } => "failed",
            CveState::Rejected { .. } => "rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_are_checked_and_normalized() {
        assert_eq!(cve_id("cve", " cve-2026-1234 ").unwrap(), "CVE-2026-1234");
        assert_eq!(
            cve_id("cve", "CVE-2026-1234567").unwrap(),
            "CVE-2026-1234567"
        );
        for bad in [
            "CVE-26-1234",
            "CVE-2026-123",
            "GHSA-xxxx",
            "CVE-2026-12a4",
            "",
        ] {
            assert!(cve_id("cve", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cwes_normalize() {
        assert_eq!(cwe("c", "cwe-0079").unwrap(), "CWE-79");
        assert_eq!(cwe("c", "400").unwrap(), "CWE-400");
        assert_eq!(
            cwe("c", "cwe-400 : Uncontrolled Resource Consumption").unwrap(),
            "CWE-400: Uncontrolled Resource Consumption"
        );
        assert!(cwe("c", "CWE-").is_err());
        assert!(cwe("c", "XSS").is_err());
    }
}
