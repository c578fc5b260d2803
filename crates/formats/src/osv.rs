//! OSV (schema 1.7.5) out and in.
//!
//! Export writes what the advisory holds, in OSV's own shape; import ([`import`]) reads a
//! record into an [`Advisory`] so that exporting it again gives back the same `id`,
//! `aliases`, `related`, `upstream`, `summary`, `details`, `affected`, `severity`,
//! `references`, `published`, `modified`, `withdrawn` and `database_specific`, and the
//! credits without their contact details (no document of ours publishes those).
//!
//! Import accepts what large databases really write, and says what it changed
//! ([`Warning`]): an ecosystem under an older name is mapped to today's, and the
//! placeholder date `0001-01-01T00:00:00Z` (Go's database writes it for "not known") is
//! read as unknown.
//!
//! What OSV has no field for stays out: the effect and mitigation (they belong in
//! `details`, which the server writes), the CNA, the revisions, the timeline. A
//! withdrawal's reason goes into `details`, as GitHub's database writes it.

use crate::{
    Advisory, Affected, Credit, CreditKind, Cwe, Error, Event, Package, Range, RangeKind,
    Reference, ReferenceKind, Severity, SeverityKind, Withdrawal,
};
use embargo_core::ecosystem;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The OSV schema version the records are written for (and validated against).
pub const SCHEMA_VERSION: &str = "1.7.5";

const FORMAT: &str = "OSV";

/// Home-database prefixes OSV 1.7.5 accepts for `id` (its schema's `prefix` pattern).
pub const ID_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// An OSV record, field for field (unknown fields are refused: the schema has
/// `additionalProperties: false`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    pub id: String,
    pub modified: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Vec<OsvSeverity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected: Option<Vec<OsvAffected>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Vec<OsvReference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<Vec<OsvCredit>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvSeverity {
    #[serde(rename = "type")]
    pub kind: OsvSeverityKind,
    pub score: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OsvSeverityKind {
    #[serde(rename = "CVSS_V2")]
    CvssV2,
    #[serde(rename = "CVSS_V3")]
    CvssV3,
    #[serde(rename = "CVSS_V4")]
    CvssV4,
    Ubuntu,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvAffected {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<OsvPackage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Vec<OsvSeverity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Vec<OsvRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvPackage {
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvRange {
    #[serde(rename = "type")]
    pub kind: OsvRangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OsvRangeKind {
    Git,
    Semver,
    Ecosystem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvReference {
    #[serde(rename = "type")]
    pub kind: ReferenceKind,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvCredit {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Vec<String>>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CreditKind>,
}

/// OSV 1.7.5's ecosystems (an ecosystem may carry a `:suffix`, e.g. `Alpine:v3.16`);
/// the list lives in [`embargo_core::ecosystem`], with the older names import maps.
pub const ECOSYSTEMS: &[&str] = ecosystem::ECOSYSTEMS;

/// The advisory as an OSV record (JSON).
pub fn export(advisory: &Advisory) -> Result<Value, Error> {
    let record = to_record(advisory)?;
    serde_json::to_value(&record).map_err(|e| invalid("record", e.to_string()))
}

/// The advisory as a typed OSV record.
pub fn to_record(a: &Advisory) -> Result<Record, Error> {
    check_id(&a.id)?;
    if !a.severity.is_empty() && a.affected_list().iter().any(|x| !x.severity.is_empty()) {
        return Err(invalid(
            "severity",
            "OSV allows severity either for the whole advisory or per package, not both".into(),
        ));
    }
    let mut aliases = a.aliases.clone();
    if let Some(cve) = &a.cve_id
        && *cve != a.id
        && !a.alias_list().contains(cve)
    {
        aliases.get_or_insert_default().insert(0, cve.clone());
    }
    let affected = a
        .affected
        .as_ref()
        .map(|list| list.iter().map(affected_out).collect::<Result<Vec<_>, _>>())
        .transpose()?;
    let database_specific = a.database_specific.clone().or_else(|| {
        (!a.cwes.is_empty()).then(|| {
            let ids = a.cwes.iter().map(|c| Value::from(c.id.clone())).collect();
            Map::from_iter([("cwe_ids".to_owned(), Value::Array(ids))])
        })
    });
    Ok(Record {
        schema_version: Some(SCHEMA_VERSION.to_owned()),
        id: a.id.clone(),
        // The record's own `modified`, even where a withdrawal came later (OSS-Fuzz
        // has such records): export gives back what was imported.
        modified: a.modified,
        published: a.published,
        withdrawn: a.withdrawn.as_ref().map(|w| w.at),
        aliases,
        related: non_empty(a.related.clone()),
        upstream: non_empty(a.upstream.clone()),
        summary: a.summary.clone(),
        details: details_out(a),
        severity: non_empty(severities_out(&a.severity)?),
        affected,
        references: non_empty(
            a.references
                .iter()
                .map(|r| OsvReference {
                    kind: r.kind,
                    url: r.url.clone(),
                })
                .collect(),
        ),
        // Names and roles only: a credited person's contact is never published.
        credits: non_empty(
            a.credits
                .iter()
                .map(|c| OsvCredit {
                    name: c.name.clone(),
                    contact: None,
                    kind: c.kind,
                })
                .collect(),
        ),
        database_specific,
    })
}

/// The details, led by the withdrawal's reason when Embargo withdrew the advisory (an
/// imported record carries its reason in its own text already). OSV has no field for the
/// reason; this is where GitHub's database puts it too.
fn details_out(a: &Advisory) -> Option<String> {
    let Some(Withdrawal {
        at,
        reason: Some(reason),
    }) = &a.withdrawn
    else {
        return a.details.clone();
    };
    let notice = format!(
        "## Withdrawn\n\nThis advisory was withdrawn on {}: {reason}",
        at.strftime("%Y-%m-%d")
    );
    Some(
        match a.details.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(d) => format!("{notice}\n\n## Original description\n\n{d}"),
            None => notice,
        },
    )
}

/// What import changed in a record so that it could come in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// An ecosystem under an older name (or another letter case), imported as today's.
    EcosystemRenamed {
        /// `affected[i]`.
        affected: usize,
        from: String,
        to: String,
    },
    /// A date that is the placeholder for "not known" (`0001-01-01T00:00:00Z`).
    PlaceholderDate {
        /// `published`, `modified` or `withdrawn`.
        field: &'static str,
        /// What the advisory holds instead, when the field is required.
        instead: Option<Timestamp>,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::EcosystemRenamed { affected, from, to } => write!(
                f,
                "affected[{affected}].package.ecosystem: `{from}` is an older name of `{to}`; \
                 imported as `{to}`"
            ),
            Warning::PlaceholderDate {
                field,
                instead: None,
            } => write!(
                f,
                "{field}: `{PLACEHOLDER}` is a placeholder for an unknown date; imported as unknown"
            ),
            Warning::PlaceholderDate {
                field,
                instead: Some(t),
            } => write!(
                f,
                "{field}: `{PLACEHOLDER}` is a placeholder for an unknown date; imported as {t}"
            ),
        }
    }
}

/// An imported record: the advisory, and what had to change for it to come in.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub advisory: Advisory,
    pub warnings: Vec<Warning>,
}

/// The date Go's vulnerability database (among others) writes for "not known".
pub const PLACEHOLDER: &str = "0001-01-01T00:00:00Z";

/// Reads an OSV record (JSON) into an advisory. `received` is when the record came in:
/// it stands for `modified` when the record's own is a placeholder (OSV requires one,
/// and this copy did change then). Older ecosystem names are mapped and placeholder
/// dates read as unknown, each with a [`Warning`]; then the record must be valid OSV
/// 1.7.5 ([`validate`]), or it is refused naming where it is not.
pub fn import(record: &Value, received: Timestamp) -> Result<Imported, Error> {
    let mut record = record.clone();
    let mut warnings = Vec::new();
    if let Some(list) = record.get_mut("affected").and_then(Value::as_array_mut) {
        for (i, x) in list.iter_mut().enumerate() {
            let Some(name) = x.pointer_mut("/package/ecosystem") else {
                continue;
            };
            let Some(given) = name.as_str() else {
                continue;
            };
            if let Ok(r) = ecosystem::resolve(given)
                && let Some(from) = r.mapped_from
            {
                warnings.push(Warning::EcosystemRenamed {
                    affected: i,
                    from,
                    to: r.name.clone(),
                });
                *name = Value::String(r.name);
            }
        }
    }
    let is_placeholder = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok())
            .is_some_and(|t| t == placeholder())
    };
    if let Some(obj) = record.as_object_mut() {
        if is_placeholder(obj.get("published")) {
            obj.remove("published");
            warnings.push(Warning::PlaceholderDate {
                field: "published",
                instead: None,
            });
        }
        if is_placeholder(obj.get("modified")) {
            obj.insert("modified".into(), Value::String(received.to_string()));
            warnings.push(Warning::PlaceholderDate {
                field: "modified",
                instead: Some(received),
            });
        }
        if is_placeholder(obj.get("withdrawn")) {
            // Withdrawn at an unknown time is still withdrawn: as of its last change.
            let at = obj
                .get("modified")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Timestamp>().ok())
                .unwrap_or(received);
            obj.insert("withdrawn".into(), Value::String(at.to_string()));
            warnings.push(Warning::PlaceholderDate {
                field: "withdrawn",
                instead: Some(at),
            });
        }
    }
    validate(&record).map_err(|e| Error::OsvShape(format!("not valid OSV: {e}")))?;
    let typed: Record =
        serde_json::from_value(record).map_err(|e| Error::OsvShape(e.to_string()))?;
    let advisory = from_record(typed)?;
    // What comes in must go out again: a record the schema allows but export refuses
    // (a GIT range with an empty `repo`, say) would be a disclosed case without an OSV
    // document. Refused here, with export's own words.
    to_record(&advisory)?;
    Ok(Imported { advisory, warnings })
}

fn placeholder() -> Timestamp {
    PLACEHOLDER
        .parse()
        .expect("the placeholder is a valid timestamp")
}

/// Reads a typed OSV record into an advisory, as it is (see [`import`] for records
/// from elsewhere).
fn from_record(r: Record) -> Result<Advisory, Error> {
    let aliases = r.aliases;
    let cve_id = std::iter::once(&r.id)
        .chain(aliases.iter().flatten())
        .find(|x| x.starts_with("CVE-"))
        .cloned();
    let cwes = r
        .database_specific
        .as_ref()
        .and_then(|d| d.get("cwe_ids"))
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(|id| Cwe {
                    id: id.to_owned(),
                    name: None,
                })
                .collect()
        })
        .unwrap_or_default();
    let affected = r
        .affected
        .map(|list| {
            list.into_iter()
                .map(affected_in)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(Advisory {
        id: r.id,
        cve_id,
        aliases,
        related: r.related.unwrap_or_default(),
        upstream: r.upstream.unwrap_or_default(),
        summary: r.summary,
        details: r.details,
        effect: None,
        mitigation: None,
        publisher: None,
        cna: None,
        affected,
        severity: severities_in(r.severity.unwrap_or_default()),
        cwes,
        references: r
            .references
            .unwrap_or_default()
            .into_iter()
            .map(|x| Reference {
                kind: x.kind,
                url: x.url,
            })
            .collect(),
        credits: r
            .credits
            .unwrap_or_default()
            .into_iter()
            .map(|c| Credit {
                name: c.name,
                contact: c.contact.unwrap_or_default(),
                kind: c.kind,
            })
            .collect(),
        published: r.published,
        modified: r.modified,
        withdrawn: r.withdrawn.map(|at| Withdrawal { at, reason: None }),
        revisions: Vec::new(),
        timeline: Vec::new(),
        csaf_url: None,
        url: None,
        database_specific: r.database_specific,
    })
}

fn invalid(field: &'static str, reason: String) -> Error {
    Error::Invalid {
        format: FORMAT,
        field,
        reason,
    }
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn check_id(id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(invalid("id", "the advisory id is empty".into()));
    }
    if ID_PREFIXES
        .iter()
        .any(|p| id.strip_prefix(p).is_some_and(|rest| rest.starts_with('-')))
    {
        Ok(())
    } else {
        Err(invalid(
            "id",
            format!(
                "`{id}` does not start with a home-database prefix OSV knows (GHSA-, CVE-, GO-, …); \
                 use the GitHub advisory id or register the project's prefix with OSV"
            ),
        ))
    }
}

/// Export writes today's names only: an older one would make an invalid record.
fn check_ecosystem(name: &str) -> Result<(), Error> {
    if ecosystem::is_known(name) {
        return Ok(());
    }
    let reason = match ecosystem::resolve(name) {
        Ok(r) => format!("{} is an older name; use `{}`", r, r.name),
        Err(e) => e.to_string(),
    };
    Err(invalid("affected.package.ecosystem", reason))
}

fn severities_out(list: &[Severity]) -> Result<Vec<OsvSeverity>, Error> {
    list.iter()
        .map(|s| {
            let kind = match s.kind {
                SeverityKind::CvssV2 => OsvSeverityKind::CvssV2,
                SeverityKind::CvssV3 => OsvSeverityKind::CvssV3,
                SeverityKind::CvssV4 => OsvSeverityKind::CvssV4,
                SeverityKind::Ubuntu => OsvSeverityKind::Ubuntu,
            };
            if s.kind != SeverityKind::Ubuntu {
                let a = crate::cvss_json::assess(FORMAT, &s.score)?;
                let expected = match a.vector.version() {
                    embargo_cvss::Version::V2_0 => SeverityKind::CvssV2,
                    embargo_cvss::Version::V3_0 | embargo_cvss::Version::V3_1 => {
                        SeverityKind::CvssV3
                    }
                    embargo_cvss::Version::V4_0 => SeverityKind::CvssV4,
                };
                if expected != s.kind {
                    return Err(invalid(
                        "severity",
                        format!("`{}` is filed as {:?}", s.score, s.kind),
                    ));
                }
            }
            Ok(OsvSeverity {
                kind,
                score: s.score.clone(),
            })
        })
        .collect()
}

fn severities_in(list: Vec<OsvSeverity>) -> Vec<Severity> {
    list.into_iter()
        .map(|s| Severity {
            kind: match s.kind {
                OsvSeverityKind::CvssV2 => SeverityKind::CvssV2,
                OsvSeverityKind::CvssV3 => SeverityKind::CvssV3,
                OsvSeverityKind::CvssV4 => SeverityKind::CvssV4,
                OsvSeverityKind::Ubuntu => SeverityKind::Ubuntu,
            },
            score: s.score,
        })
        .collect()
}

fn affected_out(a: &Affected) -> Result<OsvAffected, Error> {
    if let Some(p) = &a.package {
        check_ecosystem(&p.ecosystem)?;
    }
    let ranges = a
        .ranges
        .iter()
        .map(|r| {
            check_events(r)?;
            let kind = match r.kind {
                RangeKind::Semver => OsvRangeKind::Semver,
                RangeKind::Ecosystem => OsvRangeKind::Ecosystem,
                RangeKind::Git => OsvRangeKind::Git,
            };
            Ok(OsvRange {
                kind,
                repo: r.repo.clone(),
                events: r.events.clone(),
                database_specific: r.database_specific.clone(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(OsvAffected {
        package: a.package.as_ref().map(|p| OsvPackage {
            ecosystem: p.ecosystem.clone(),
            name: p.name.clone(),
            purl: p.purl.clone(),
        }),
        severity: non_empty(severities_out(&a.severity)?),
        ranges: non_empty(ranges),
        versions: non_empty(a.versions.clone()),
        ecosystem_specific: a.ecosystem_specific.clone(),
        database_specific: a.database_specific.clone(),
    })
}

/// The rules OSV's schema states about a range's events.
fn check_events(r: &Range) -> Result<(), Error> {
    if r.kind == RangeKind::Git && r.repo.as_deref().is_none_or(str::is_empty) {
        return Err(invalid(
            "affected.ranges.repo",
            "a GIT range needs the repository URL".into(),
        ));
    }
    if !r.events.iter().any(|e| matches!(e, Event::Introduced(_))) {
        return Err(invalid(
            "affected.ranges.events",
            "a range needs an `introduced` event (`0` for since the beginning)".into(),
        ));
    }
    let fixed = r.events.iter().any(|e| matches!(e, Event::Fixed(_)));
    let last = r.events.iter().any(|e| matches!(e, Event::LastAffected(_)));
    if fixed && last {
        return Err(invalid(
            "affected.ranges.events",
            "`fixed` and `last_affected` cannot be in the same range".into(),
        ));
    }
    Ok(())
}

fn affected_in(a: OsvAffected) -> Result<Affected, Error> {
    Ok(Affected {
        package: a.package.map(|p| Package {
            ecosystem: p.ecosystem,
            name: p.name,
            purl: p.purl,
        }),
        component: None,
        ranges: a
            .ranges
            .unwrap_or_default()
            .into_iter()
            .map(|r| Range {
                kind: match r.kind {
                    OsvRangeKind::Semver => RangeKind::Semver,
                    OsvRangeKind::Ecosystem => RangeKind::Ecosystem,
                    OsvRangeKind::Git => RangeKind::Git,
                },
                repo: r.repo,
                events: r.events,
                database_specific: r.database_specific,
            })
            .collect(),
        versions: a.versions.unwrap_or_default(),
        severity: severities_in(a.severity.unwrap_or_default()),
        ecosystem_specific: a.ecosystem_specific,
        database_specific: a.database_specific,
    })
}

/// Checks a record against the OSV schema (v1.7.5, vendored in `schemas/`); the error
/// names where the record breaks it. Offline: the schema refers to nothing outside.
pub fn validate(record: &Value) -> Result<(), String> {
    static VALIDATOR: std::sync::OnceLock<Result<jsonschema::Validator, String>> =
        std::sync::OnceLock::new();
    let validator = VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(include_str!("../schemas/osv-1.7.5.json"))
                .map_err(|e| format!("the vendored OSV schema is not JSON: {e}"))?;
            jsonschema::options()
                .build(&schema)
                .map_err(|e| format!("the vendored OSV schema does not compile: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)?;
    match validator.iter_errors(record).next() {
        None => Ok(()),
        Some(e) => {
            let at = e.instance_path().to_string();
            Err(format!(
                "{}: {e}",
                if at.is_empty() { "/".to_owned() } else { at }
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(kind: RangeKind, repo: Option<&str>, events: Vec<Event>) -> Range {
        Range {
            kind,
            repo: repo.map(str::to_owned),
            events,
            database_specific: None,
        }
    }

    #[test]
    fn ids_need_a_registered_prefix() {
        assert!(check_id("GHSA-9c6p-8r3m-q4wx").is_ok());
        assert!(check_id("openSUSE-SU-2024:1234-1").is_ok());
        assert!(check_id("GHSAX-1").is_err());
        assert!(check_id("EMBARGO-2025-1").is_err());
        assert!(check_id("").is_err());
    }

    #[test]
    fn ecosystems_may_carry_a_suffix() {
        assert!(check_ecosystem("Go").is_ok());
        assert!(check_ecosystem("Alpine:v3.16").is_ok());
        assert!(check_ecosystem("Alpine:").is_err());
        assert!(check_ecosystem("Swift").is_err());
    }

    #[test]
    fn ranges_follow_the_schema_rules() {
        let intro = || Event::Introduced("0".into());
        assert!(check_events(&range(RangeKind::Git, None, vec![intro()])).is_err());
        assert!(
            check_events(&range(
                RangeKind::Semver,
                None,
                vec![Event::Fixed("1".into())]
            ))
            .is_err()
        );
        assert!(
            check_events(&range(
                RangeKind::Semver,
                None,
                vec![
                    intro(),
                    Event::Fixed("1".into()),
                    Event::LastAffected("2".into())
                ]
            ))
            .is_err()
        );
        assert!(check_events(&range(RangeKind::Git, Some("https://x"), vec![intro()])).is_ok());
    }

    /// Found by `scripts/fuzz osv_edit` (issue 11, item 9): the schema lets a GIT range
    /// have `"repo": ""`, export does not, so the import stood as a case whose OSV
    /// document could not be written.
    #[test]
    fn import_refuses_what_export_could_not_write_back() {
        let record = serde_json::json!({
            "id": "PYSEC-2023-189",
            "modified": "2023-10-04T18:37:48Z",
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": "asyncua"},
                "ranges": [{"type": "GIT", "repo": "", "events": [{"introduced": "0"}]}]
            }]
        });
        assert!(validate(&record).is_ok(), "the schema allows it");
        let e = import(&record, "2026-01-01T00:00:00Z".parse().unwrap()).unwrap_err();
        assert!(e.to_string().contains("affected.ranges.repo"), "{e}");
    }
}
