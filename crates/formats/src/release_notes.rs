//! Release notes (C17): the security part of a release's notes, in Markdown ready for a
//! GitHub release. Drafted during the fix from a plain input the server fills from the
//! case and its release plan; [`check`] refuses to finalize, naming every missing field
//! of every vulnerability, until all that C17 asks for is there.

use crate::text::{cell, severity_in_words, utc_minute};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};

/// One release and the vulnerabilities it fixes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseNotes {
    /// The release's name, e.g. "connect-go v1.18.1".
    pub name: String,
    /// When it ships (shown as `YYYY-MM-DD HH:MM UTC`).
    pub date: Timestamp,
    /// Markdown put before the vulnerabilities, e.g. what else the release contains.
    pub intro: Option<String>,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// What the notes say about one vulnerability. To finalize, every field is required
/// but `title` and `post_mortem_url` (the post-mortem comes after C19; the notes are
/// updated with its link then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// `CVE-2025-31337`.
    pub cve_id: Option<String>,
    /// The advisory's one-line summary.
    pub title: Option<String>,
    /// CVSS vectors (v3.1 and/or v4.0): the severity, score and vector are shown.
    pub cvss: Vec<String>,
    /// Instead of vectors: why CVSS does not apply (C13), shown as the severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_not_applicable: Option<String>,
    /// What an attacker can do, in plain words (Markdown).
    pub impact: Option<String>,
    /// Affected and fixed versions, one row per branch.
    pub branches: Vec<Branch>,
    /// Where the released binaries are (a URL or Markdown).
    pub binaries: Option<String>,
    /// What users can do before they upgrade (Markdown).
    pub mitigation: Option<String>,
    /// How to upgrade (Markdown).
    pub upgrade: Option<String>,
    pub advisory_url: Option<String>,
    pub post_mortem_url: Option<String>,
}

/// A release line: which of its versions are affected and which one fixes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// `main`, `release-1.17`.
    pub name: String,
    /// `>= 1.14.0, < 1.17.3`.
    pub affected: String,
    /// `1.17.3`; `None` until the branch's fix is released.
    pub fixed: Option<String>,
}

/// A field the notes cannot be final without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Index into [`ReleaseNotes::vulnerabilities`]; `None` for the release itself.
    pub vulnerability: Option<usize>,
    /// The vulnerability's CVE id, when it has one, to name it by.
    pub cve_id: Option<String>,
    /// The input's field name: `cve_id`, `severity`, `impact`, `branches`,
    /// `branches[1].fixed`, `binaries`, `mitigation`, `upgrade`, `advisory_url`, `name`,
    /// `vulnerabilities`.
    pub field: String,
    /// What is wrong, when more than "missing".
    pub problem: Option<String>,
}

/// Why the notes are not final: every gap, in order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Incomplete {
    pub gaps: Vec<Gap>,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.vulnerability, &self.cve_id) {
            (Some(i), Some(cve)) => write!(f, "vulnerability {} ({cve}): ", i + 1)?,
            (Some(i), None) => write!(f, "vulnerability {}: ", i + 1)?,
            (None, _) => {}
        }
        match &self.problem {
            Some(p) => write!(f, "`{}` {p}", self.field),
            None => write!(f, "`{}` is missing", self.field),
        }
    }
}

impl fmt::Display for Incomplete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the release notes cannot be final yet: ")?;
        for (i, g) in self.gaps.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{g}")?;
        }
        Ok(())
    }
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Every field C17 requires that the notes lack, or `Ok` when they can be final.
pub fn check(notes: &ReleaseNotes) -> Result<(), Incomplete> {
    let mut gaps = Vec::new();
    let release = |field: &str, problem: Option<String>| Gap {
        vulnerability: None,
        cve_id: None,
        field: field.to_owned(),
        problem,
    };
    if notes.name.trim().is_empty() {
        gaps.push(release("name", None));
    }
    if notes.vulnerabilities.is_empty() {
        gaps.push(release(
            "vulnerabilities",
            Some("is empty: security release notes name at least one".into()),
        ));
    }
    for (i, v) in notes.vulnerabilities.iter().enumerate() {
        let mut gap = |field: String, problem: Option<String>| {
            gaps.push(Gap {
                vulnerability: Some(i),
                cve_id: v.cve_id.clone().filter(|c| !c.trim().is_empty()),
                field,
                problem,
            });
        };
        if blank(&v.cve_id) {
            gap("cve_id".into(), None);
        } else if let Some(id) = v.cve_id.as_deref()
            && !is_cve_id(id)
        {
            gap(
                "cve_id".into(),
                Some(format!("`{id}` is not a CVE id (CVE-YYYY-NNNN…)")),
            );
        }
        if v.cvss.is_empty() && blank(&v.cvss_not_applicable) {
            gap(
                "severity".into(),
                Some("is missing: give a CVSS vector".into()),
            );
        }
        for vector in &v.cvss {
            if let Err(e) = embargo_cvss::assess(vector) {
                gap(
                    "severity".into(),
                    Some(format!("has `{vector}`, which is not a CVSS vector: {e}")),
                );
            }
        }
        if blank(&v.impact) {
            gap("impact".into(), None);
        }
        if v.branches.is_empty() {
            gap(
                "branches".into(),
                Some("is empty: name the affected and fixed versions per branch".into()),
            );
        }
        for (b, branch) in v.branches.iter().enumerate() {
            if branch.name.trim().is_empty() {
                gap(format!("branches[{b}].name"), None);
            }
            if branch.affected.trim().is_empty() {
                gap(format!("branches[{b}].affected"), None);
            }
            if blank(&branch.fixed) {
                gap(format!("branches[{b}].fixed"), None);
            }
        }
        if blank(&v.binaries) {
            gap("binaries".into(), None);
        }
        if blank(&v.mitigation) {
            gap("mitigation".into(), None);
        }
        if blank(&v.upgrade) {
            gap("upgrade".into(), None);
        }
        if blank(&v.advisory_url) {
            gap("advisory_url".into(), None);
        }
    }
    if gaps.is_empty() {
        Ok(())
    } else {
        Err(Incomplete { gaps })
    }
}

fn is_cve_id(id: &str) -> bool {
    id.strip_prefix("CVE-").is_some_and(|rest| {
        rest.split_once('-').is_some_and(|(y, n)| {
            y.len() == 4 && n.len() >= 4 && y.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
        })
    })
}

/// The final notes: [`check`], then [`render`].
pub fn finalize(notes: &ReleaseNotes) -> Result<String, Incomplete> {
    check(notes)?;
    Ok(render(notes))
}

/// The notes in Markdown. A draft renders too: what is missing reads "_to be written_",
/// so the coordinator sees the gaps in place.
pub fn render(notes: &ReleaseNotes) -> String {
    const TBD: &str = "_to be written_";
    let mut out = String::new();
    let _ = writeln!(out, "Released {}.", utc_minute(notes.date));
    if let Some(intro) = notes.intro.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = writeln!(out, "\n{}", intro.trim_end());
    }
    let count = notes.vulnerabilities.len();
    let _ = writeln!(
        out,
        "\n## Security fixes\n\nThis release ({}) fixes {count} security {}.",
        notes.name.trim(),
        if count == 1 {
            "vulnerability"
        } else {
            "vulnerabilities"
        }
    );
    for v in &notes.vulnerabilities {
        let id = v.cve_id.as_deref().filter(|s| !s.trim().is_empty());
        let heading = match (id, v.title.as_deref().filter(|s| !s.trim().is_empty())) {
            (Some(id), Some(t)) => format!("{id}: {}", t.trim()),
            (Some(id), None) => id.to_owned(),
            (None, Some(t)) => format!("CVE to be assigned: {}", t.trim()),
            (None, None) => "CVE to be assigned".to_owned(),
        };
        let _ = writeln!(out, "\n### {heading}\n");
        let severity = match (severity_in_words(&v.cvss), &v.cvss_not_applicable) {
            (Ok(Some(s)), _) => s,
            (Ok(None), Some(why)) if !why.trim().is_empty() => {
                format!("not scored: CVSS does not apply ({})", why.trim())
            }
            (Ok(None) | Err(_), _) => TBD.to_owned(),
        };
        let _ = writeln!(out, "**Severity:** {severity}\n");
        let _ = writeln!(out, "**Impact:** {}\n", text_or(&v.impact, TBD));
        let _ = writeln!(out, "**Affected and fixed versions:**\n");
        if v.branches.is_empty() {
            let _ = writeln!(out, "{TBD}\n");
        } else {
            let _ = writeln!(out, "| Branch | Affected | Fixed in |\n|---|---|---|");
            for b in &v.branches {
                let fixed = b.fixed.as_deref().filter(|s| !s.trim().is_empty());
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    cell(&b.name),
                    cell(&b.affected),
                    fixed.map_or_else(|| TBD.to_owned(), cell)
                );
            }
            out.push('\n');
        }
        let _ = writeln!(out, "**Binaries:** {}\n", text_or(&v.binaries, TBD));
        let _ = writeln!(out, "**Mitigation:** {}\n", text_or(&v.mitigation, TBD));
        let _ = writeln!(out, "**Upgrading:** {}\n", text_or(&v.upgrade, TBD));
        let _ = writeln!(out, "**Advisory:** {}", text_or(&v.advisory_url, TBD));
        if let Some(url) = v
            .post_mortem_url
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            let _ = writeln!(out, "\n**Post-mortem:** {}", url.trim());
        }
    }
    out
}

fn text_or(value: &Option<String>, otherwise: &str) -> String {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(otherwise)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_read_as_sentences_naming_the_vulnerability() {
        let g = Gap {
            vulnerability: Some(1),
            cve_id: Some("CVE-2025-1234".into()),
            field: "impact".into(),
            problem: None,
        };
        assert_eq!(
            g.to_string(),
            "vulnerability 2 (CVE-2025-1234): `impact` is missing"
        );
        assert!(is_cve_id("CVE-2025-31337"));
        assert!(!is_cve_id("CVE-25-1"));
    }
}
