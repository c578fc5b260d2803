//! Notices to mailing lists and chat (V3, V4, V9, V10, C18), from Markdown templates a
//! project can edit. Four kinds, each with the fields it requires and the ones it may
//! show ([`Kind`]); a default template for each ([`Template::default_for`]).
//!
//! **Template syntax.** Markdown with named fields in braces: `{release_date}`. A name
//! is lower-case letters and `_`; `{{` and `}}` write a literal brace. The first line is
//! the title, `# …`: the e-mail's subject and the chat message's first line. A line
//! that shows an optional field with no value is left out whole, so "- Severity:
//! {severity}" disappears when no score is set instead of printing an empty label.
//! [`Template::parse`] refuses an unknown field, a field the kind may not show, a field
//! the kind requires but the template lacks, and a malformed brace, naming each with its
//! line; [`Template::render`] refuses when a required value is missing, naming it.

use crate::text::{plain, utc_minute};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which notice: by policy step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// V9: a fix is coming at the release date; affected versions and mitigating
    /// steps, no details of the flaw.
    ForthcomingFix,
    /// V10, C18: new releases fix it: CVE links, severity, how to apply the fix, the
    /// advisory and the release notes.
    FixedVulnerability,
    /// V3 (`main-only` track): fixed on main, no release affected; to the community
    /// list and chat.
    Courtesy,
    /// V4 (`unsupported-only` track): only unsupported releases are affected, no fix is
    /// issued; what is affected and what to upgrade to.
    Upgrade,
}

/// A value a template can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The project's name.
    Project,
    /// The advisory's one-line summary. Never in a forthcoming-fix notice.
    Summary,
    /// The release time, `YYYY-MM-DD HH:MM UTC`.
    ReleaseDate,
    /// The affected versions, comma-separated.
    AffectedVersions,
    /// The new releases that fix it.
    FixedVersions,
    /// The supported releases to upgrade to.
    UpgradeTo,
    /// Mitigating steps (Markdown).
    Mitigation,
    /// Rating and CVSS scores: "High (CVSS v3.1 7.5)".
    Severity,
    /// The CVE ids, comma-separated.
    CveIds,
    /// The CVE ids, each linked to its record.
    CveLinks,
    /// How to apply the fix (Markdown).
    UpgradeInstructions,
    AdvisoryUrl,
    ReleaseNotesUrl,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Project,
        Field::Summary,
        Field::ReleaseDate,
        Field::AffectedVersions,
        Field::FixedVersions,
        Field::UpgradeTo,
        Field::Mitigation,
        Field::Severity,
        Field::CveIds,
        Field::CveLinks,
        Field::UpgradeInstructions,
        Field::AdvisoryUrl,
        Field::ReleaseNotesUrl,
    ];

    /// The name a template writes in braces.
    pub fn name(self) -> &'static str {
        match self {
            Field::Project => "project",
            Field::Summary => "summary",
            Field::ReleaseDate => "release_date",
            Field::AffectedVersions => "affected_versions",
            Field::FixedVersions => "fixed_versions",
            Field::UpgradeTo => "upgrade_to",
            Field::Mitigation => "mitigation",
            Field::Severity => "severity",
            Field::CveIds => "cve_ids",
            Field::CveLinks => "cve_links",
            Field::UpgradeInstructions => "upgrade_instructions",
            Field::AdvisoryUrl => "advisory_url",
            Field::ReleaseNotesUrl => "release_notes_url",
        }
    }

    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.name())
    }
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::ForthcomingFix,
        Kind::FixedVulnerability,
        Kind::Courtesy,
        Kind::Upgrade,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ForthcomingFix => "forthcoming-fix",
            Kind::FixedVulnerability => "fixed-vulnerability",
            Kind::Courtesy => "courtesy",
            Kind::Upgrade => "upgrade",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The fields every notice of this kind shows: its template must name them and a
    /// notice is not rendered without their values.
    pub fn required(self) -> &'static [Field] {
        use Field::*;
        match self {
            Kind::ForthcomingFix => &[Project, ReleaseDate, AffectedVersions, Mitigation],
            Kind::FixedVulnerability => &[
                Project,
                FixedVersions,
                CveLinks,
                Severity,
                UpgradeInstructions,
                AdvisoryUrl,
                ReleaseNotesUrl,
            ],
            Kind::Courtesy => &[Project, Summary, AffectedVersions, AdvisoryUrl],
            Kind::Upgrade => &[Project, Summary, AffectedVersions, UpgradeTo],
        }
    }

    /// The fields a notice of this kind may show. A forthcoming fix shows nothing that
    /// describes the flaw or points to where it is described.
    pub fn allowed(self) -> &'static [Field] {
        use Field::*;
        match self {
            Kind::ForthcomingFix => &[Project, ReleaseDate, AffectedVersions, Mitigation, Severity],
            Kind::FixedVulnerability => &Field::ALL,
            Kind::Courtesy => &[
                Project,
                Summary,
                AffectedVersions,
                FixedVersions,
                Mitigation,
                Severity,
                CveIds,
                CveLinks,
                UpgradeInstructions,
                AdvisoryUrl,
            ],
            Kind::Upgrade => &[
                Project,
                Summary,
                AffectedVersions,
                UpgradeTo,
                Mitigation,
                Severity,
                CveIds,
                CveLinks,
                UpgradeInstructions,
                AdvisoryUrl,
            ],
        }
    }

    /// The default template's source.
    pub fn default_source(self) -> &'static str {
        match self {
            Kind::ForthcomingFix => FORTHCOMING_FIX,
            Kind::FixedVulnerability => FIXED_VULNERABILITY,
            Kind::Courtesy => COURTESY,
            Kind::Upgrade => UPGRADE,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const FORTHCOMING_FIX: &str = "\
# {project}: security release on {release_date}

A security vulnerability has been reported in {project}. Fixed releases will be \
published at **{release_date}** and announced on this list.

- Affected versions: {affected_versions}
- Severity: {severity}

Until you can upgrade, you can protect your deployments:

{mitigation}

Please set time aside to upgrade at {release_date}. Details of the vulnerability will \
be published with the fix.
";

const FIXED_VULNERABILITY: &str = "\
# {project}: security fix released in {fixed_versions}

New releases of {project} fix a security vulnerability.

> {summary}

- New releases: {fixed_versions}
- CVE: {cve_links}
- Severity: {severity}
- Affected versions: {affected_versions}

## How to apply the fix

{upgrade_instructions}

Until you can upgrade: {mitigation}

## More information

- Advisory: {advisory_url}
- Release notes: {release_notes_url}
";

const COURTESY: &str = "\
# {project}: security fix on the main branch

A security vulnerability that affects only the main branch of {project} has been \
fixed there. No released version is affected.

> {summary}

- Affected: {affected_versions}
- CVE: {cve_links}
- Severity: {severity}
- Advisory: {advisory_url}

If you build {project} from the main branch, update to a commit that includes the fix.
";

const UPGRADE: &str = "\
# {project}: please upgrade from unsupported releases

A security vulnerability affects releases of {project} that are no longer supported. \
No fix will be issued for them; supported releases are not affected.

> {summary}

- Affected releases: {affected_versions}
- Upgrade to: {upgrade_to}
- CVE: {cve_links}
- Severity: {severity}
- Advisory: {advisory_url}

Please upgrade to {upgrade_to} or later.
";

/// What is wrong with a template, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("line {line}: `{{{name}}}` is not a field; the fields of a {kind} notice are {known}")]
    UnknownField {
        name: String,
        line: usize,
        kind: Kind,
        known: String,
    },
    #[error("line {line}: a {kind} notice cannot show `{field}`{why}")]
    NotAllowed {
        field: Field,
        line: usize,
        kind: Kind,
        why: &'static str,
    },
    #[error(
        "line {line}: `{text}` is not a field name (lower-case letters and `_`); write `{{{{` for a brace"
    )]
    BadName { text: String, line: usize },
    #[error("line {line}: a `{{` opens a field that is not closed; write `{{{{` for a brace")]
    Unclosed { line: usize },
    #[error("line {line}: a `}}` closes no field; write `}}}}` for a brace")]
    StrayClose { line: usize },
    #[error("line 1: the first line is the notice's title and starts with `# `")]
    NoTitle,
    #[error("a {kind} notice must show `{field}`")]
    MissingField { field: Field, kind: Kind },
}

/// What is missing to render a notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("a {kind} notice needs a value for `{field}`")]
    Missing { field: Field, kind: Kind },
    #[error("`{field}`: {reason}")]
    Invalid { field: Field, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(Field),
}

/// A parsed template of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    kind: Kind,
    lines: Vec<Vec<Part>>,
}

/// A CVE id, linked to its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cve {
    pub id: String,
    /// Defaults to the CVE record's page on cve.org.
    pub url: Option<String>,
}

/// The values a notice shows; what a kind does not show is ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Values {
    pub project: Option<String>,
    pub summary: Option<String>,
    pub release_date: Option<Timestamp>,
    pub affected_versions: Vec<String>,
    pub fixed_versions: Vec<String>,
    pub upgrade_to: Vec<String>,
    pub mitigation: Option<String>,
    /// CVSS vectors; the notice shows the rating and the scores.
    pub cvss: Vec<String>,
    pub cves: Vec<Cve>,
    pub upgrade_instructions: Option<String>,
    pub advisory_url: Option<String>,
    pub release_notes_url: Option<String>,
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: Kind,
    /// The title as plain text: the e-mail's subject.
    pub subject: String,
    /// The whole notice in Markdown, title first: for chat and for Markdown mail.
    pub markdown: String,
    /// The body without the title, as plain text: for a plain-text e-mail.
    pub text: String,
}

impl Template {
    /// The project-independent default for `kind`.
    pub fn default_for(kind: Kind) -> Template {
        Template::parse(kind, kind.default_source()).expect("the default templates parse")
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Reads a template for `kind`; every problem is named with its line.
    pub fn parse(kind: Kind, source: &str) -> Result<Template, Vec<TemplateError>> {
        let mut errors = Vec::new();
        let mut lines = Vec::new();
        let mut seen = Vec::new();
        for (i, text) in source.lines().enumerate() {
            let line = i + 1;
            let mut parts = Vec::new();
            let mut literal = String::new();
            let mut rest = text;
            while let Some(c) = rest.chars().next() {
                match c {
                    '{' if rest.starts_with("{{") => {
                        literal.push('{');
                        rest = &rest[2..];
                    }
                    '}' if rest.starts_with("}}") => {
                        literal.push('}');
                        rest = &rest[2..];
                    }
                    '{' => {
                        let Some(end) = rest.find('}') else {
                            errors.push(TemplateError::Unclosed { line });
                            break;
                        };
                        let name = &rest[1..end];
                        rest = &rest[end + 1..];
                        let well_formed = !name.is_empty()
                            && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                        if !well_formed {
                            errors.push(TemplateError::BadName {
                                text: format!("{{{name}}}"),
                                line,
                            });
                            continue;
                        }
                        match Field::parse(name) {
                            None => errors.push(TemplateError::UnknownField {
                                name: name.to_owned(),
                                line,
                                kind,
                                known: kind
                                    .allowed()
                                    .iter()
                                    .map(Field::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            }),
                            Some(field) if !kind.allowed().contains(&field) => {
                                errors.push(TemplateError::NotAllowed {
                                    field,
                                    line,
                                    kind,
                                    why: if kind == Kind::ForthcomingFix {
                                        ": it must not describe the flaw before the fix is out"
                                    } else {
                                        ""
                                    },
                                });
                            }
                            Some(field) => {
                                if !literal.is_empty() {
                                    parts.push(Part::Text(std::mem::take(&mut literal)));
                                }
                                parts.push(Part::Field(field));
                                seen.push(field);
                            }
                        }
                    }
                    '}' => {
                        errors.push(TemplateError::StrayClose { line });
                        rest = &rest[1..];
                    }
                    c => {
                        literal.push(c);
                        rest = &rest[c.len_utf8()..];
                    }
                }
            }
            if !literal.is_empty() {
                parts.push(Part::Text(literal));
            }
            lines.push(parts);
        }
        let titled = source
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("# ") && l.len() > 2);
        if !titled {
            errors.insert(0, TemplateError::NoTitle);
        }
        for &field in kind.required() {
            if !seen.contains(&field) {
                errors.push(TemplateError::MissingField { field, kind });
            }
        }
        if errors.is_empty() {
            Ok(Template { kind, lines })
        } else {
            Err(errors)
        }
    }

    /// The notice, or the first required value that is missing (or invalid).
    pub fn render(&self, values: &Values) -> Result<Notice, RenderError> {
        let mut rendered: Vec<(Field, Option<String>)> = Vec::new();
        for &field in self.kind.allowed() {
            rendered.push((field, value(field, values)?));
        }
        let get = |f: Field| {
            rendered
                .iter()
                .find(|(g, _)| *g == f)
                .and_then(|(_, v)| v.clone())
        };
        for &field in self.kind.required() {
            if get(field).is_none() {
                return Err(RenderError::Missing {
                    field,
                    kind: self.kind,
                });
            }
        }
        let mut out: Vec<String> = Vec::new();
        for parts in &self.lines {
            let mut line = String::new();
            let mut complete = true;
            for part in parts {
                match part {
                    Part::Text(t) => line.push_str(t),
                    Part::Field(f) => match get(*f) {
                        Some(v) => line.push_str(&v),
                        None => complete = false,
                    },
                }
            }
            if complete {
                out.push(line);
            }
        }
        // A left-out line may leave two blank lines in a row.
        let mut markdown = String::new();
        let mut blank = false;
        for line in &out {
            let is_blank = line.trim().is_empty();
            if !(is_blank && blank) {
                markdown.push_str(line.trim_end());
                markdown.push('\n');
            }
            blank = is_blank;
        }
        let (title, body) = markdown.split_once('\n').unwrap_or((&markdown, ""));
        let subject = plain(title).trim().to_owned();
        let text = plain(body.trim_start_matches('\n'));
        Ok(Notice {
            kind: self.kind,
            subject,
            text,
            markdown,
        })
    }
}

fn list(items: &[String]) -> Option<String> {
    let items: Vec<&str> = items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!items.is_empty()).then(|| items.join(", "))
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A field's value in Markdown, `None` when not given.
fn value(field: Field, v: &Values) -> Result<Option<String>, RenderError> {
    Ok(match field {
        Field::Project => text(&v.project),
        Field::Summary => text(&v.summary),
        Field::ReleaseDate => v.release_date.map(utc_minute),
        Field::AffectedVersions => list(&v.affected_versions),
        Field::FixedVersions => list(&v.fixed_versions),
        Field::UpgradeTo => list(&v.upgrade_to),
        Field::Mitigation => text(&v.mitigation),
        Field::Severity => severity(&v.cvss)?,
        Field::CveIds => list(&v.cves.iter().map(|c| c.id.clone()).collect::<Vec<_>>()),
        Field::CveLinks => {
            let links: Vec<String> = v
                .cves
                .iter()
                .map(|c| {
                    let url = c.url.clone().unwrap_or_else(|| {
                        format!("https://www.cve.org/CVERecord?id={}", c.id.trim())
                    });
                    format!("[{}]({url})", c.id.trim())
                })
                .collect();
            list(&links)
        }
        Field::UpgradeInstructions => text(&v.upgrade_instructions),
        Field::AdvisoryUrl => text(&v.advisory_url),
        Field::ReleaseNotesUrl => text(&v.release_notes_url),
    })
}

/// "High (CVSS v3.1 7.5, CVSS v4.0 8.7)": the first vector's rating, every score.
fn severity(vectors: &[String]) -> Result<Option<String>, RenderError> {
    let mut rating = None;
    let mut scores = Vec::new();
    for v in vectors {
        let a = embargo_cvss::assess(v).map_err(|e| RenderError::Invalid {
            field: Field::Severity,
            reason: format!("`{v}` is not a CVSS vector: {e}"),
        })?;
        rating.get_or_insert(a.severity.as_str());
        scores.push(format!("CVSS v{} {}", a.vector.version(), a.score));
    }
    Ok(rating.map(|r| format!("{r} ({})", scores.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_template_parses_and_shows_what_its_kind_requires() {
        for kind in Kind::ALL {
            let t = Template::default_for(kind);
            assert_eq!(t.kind(), kind);
        }
    }

    #[test]
    fn required_fields_are_allowed_fields() {
        for kind in Kind::ALL {
            for f in kind.required() {
                assert!(kind.allowed().contains(f), "{kind}: {f}");
            }
        }
        assert!(!Kind::ForthcomingFix.allowed().contains(&Field::Summary));
        assert!(!Kind::ForthcomingFix.allowed().contains(&Field::AdvisoryUrl));
    }
}
