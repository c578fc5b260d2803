//! CVE JSON 5 (CVE Record Format 5.1.1): a published record with the CNA container, as
//! a CNA submits it to CVE Services (the `cna` part) and as the CVE List shows it.
//!
//! Derived, not stored:
//! - `affected[].versions` from the OSV-shaped ranges: each `introduced` up to the next
//!   `fixed`/`limit` is `lessThan`, up to `last_affected` is `lessThanOrEqual`, an open
//!   one is `lessThan: "*"`; events are read in the order given (the server writes them
//!   sorted). Explicit versions are listed only when there is no SEMVER/ECOSYSTEM
//!   range (OSV lists them *in addition to* ranges). `defaultStatus` is `unaffected`,
//!   or `affected` when a package has neither ranges nor versions.
//! - `metrics` from the CVSS vectors: `cvssV3_0`/`cvssV3_1`/`cvssV4_0` with FIRST's
//!   metric fields, one metrics entry per vector. CVSS v2.0 and Ubuntu severities are
//!   left out: no Embargo case is scored with them.
//! - reference tags from the OSV reference type: ADVISORY → `vendor-advisory`,
//!   FIX → `patch`, REPORT → `issue-tracking`, ARTICLE → `technical-description`,
//!   EVIDENCE → `exploit`, PACKAGE → `product`; the others get no tag.
//! - `solutions` lists the fixed versions per product (the fixing commits where a
//!   package has only commit ranges).
//! - GIT ranges: one entry per `introduced` commit, `lessThan` its fixing commit; with
//!   several fixing commits (one per branch), `lessThan: "*"` and a `changes` entry
//!   per fix, so no fix is dropped (CVE's own algorithm applies each change).
//! - A description over CVE's 4,096 characters (16,384 for the Markdown) is shortened
//!   at a sentence and points to the full advisory ([`Advisory::full_text_url`]); the
//!   title is cut at a word at 256.
//! - A withdrawn advisory stays a published record (a rejection is a CVE Services act):
//!   its description starts with `** WITHDRAWN **` and the reason, the timeline says
//!   when, and the container carries the tag `x_withdrawn` (CVE 5 allows `x_` tags).

use crate::cvss_json;
use crate::error::missing;
use crate::text::{cut_at_word, shorten};
use crate::{
    Advisory, Affected, CreditKind, Error, Event, Missing, Range, RangeKind, ReferenceKind,
    SeverityKind,
};
use serde_json::{Map, Value, json};

/// The record format version written into `dataVersion`, and validated against.
pub const DATA_VERSION: &str = "5.1.1";

const FORMAT: &str = "CVE";
const LANG: &str = "en";

/// The advisory as a published CVE record.
pub fn export(a: &Advisory) -> Result<Value, Error> {
    let cve_id = a.cve_id.as_deref().ok_or(missing(FORMAT, Missing::CveId))?;
    check_cve_id(cve_id)?;
    let cna = a.cna.as_ref().ok_or(missing(FORMAT, Missing::Cna))?;
    if cna.short_name.is_empty() {
        return Err(missing(FORMAT, Missing::CnaShortName));
    }
    if cna.org_id.is_empty() {
        return Err(missing(FORMAT, Missing::CnaOrgId));
    }
    check_short_name(&cna.short_name)?;
    check_uuid(&cna.org_id)?;
    let publisher = a
        .publisher
        .as_ref()
        .ok_or(missing(FORMAT, Missing::Publisher))?;
    let details = a.description().ok_or(missing(FORMAT, Missing::Details))?;
    if a.affected_list().is_empty() {
        return Err(missing(FORMAT, Missing::Affected));
    }
    if a.references.is_empty() {
        return Err(missing(FORMAT, Missing::References));
    }

    let updated = a.last_change();
    let mut c = Map::new();
    c.insert(
        "providerMetadata".into(),
        json!({
            "orgId": cna.org_id,
            "shortName": cna.short_name,
            "dateUpdated": updated.to_string(),
        }),
    );
    if let Some(title) = a.summary.as_deref().filter(|t| !t.trim().is_empty()) {
        c.insert("title".into(), json!(cut_at_word(title.trim(), 256)));
    }
    if let Some(p) = a.published {
        c.insert("datePublic".into(), json!(p.to_string()));
    }
    let described = match &a.withdrawn {
        Some(w) => {
            let why = match w.reason.as_deref() {
                Some(reason) => format!(": {reason}"),
                None => ".".to_owned(),
            };
            format!(
                "** WITHDRAWN ** This advisory was withdrawn on {}{why}\n\n{details}",
                w.at.strftime("%Y-%m-%d")
            )
        }
        None => details.to_owned(),
    };
    let full = a.full_text_url();
    c.insert(
        "descriptions".into(),
        json!([{
            "lang": LANG,
            "value": shorten(&described, 4096, full),
            "supportingMedia": [{
                "type": "text/markdown",
                "base64": false,
                "value": shorten(&described, 16384, full),
            }],
        }]),
    );
    if a.withdrawn.is_some() {
        c.insert("tags".into(), json!(["x_withdrawn"]));
    }
    c.insert(
        "affected".into(),
        Value::Array(
            a.affected_list()
                .iter()
                .map(|x| product(&publisher.name, x))
                .collect::<Result<_, _>>()?,
        ),
    );
    if !a.cwes.is_empty() {
        let types: Vec<Value> = a
            .cwes
            .iter()
            .map(|cwe| {
                let description = match &cwe.name {
                    Some(name) => format!("{} {name}", cwe.id),
                    None => cwe.id.clone(),
                };
                json!({"descriptions": [{
                    "lang": LANG,
                    "cweId": cwe.id,
                    "description": description,
                    "type": "CWE",
                }]})
            })
            .collect();
        c.insert("problemTypes".into(), Value::Array(dedup(types)));
    }
    if let Some(effect) = a.effect.as_deref().filter(|e| !e.is_empty()) {
        c.insert(
            "impacts".into(),
            json!([{"descriptions": [{"lang": LANG, "value": limited("effect", effect, 4096)?}]}]),
        );
    }
    let metrics = metrics(a)?;
    if !metrics.is_empty() {
        c.insert("metrics".into(), Value::Array(metrics));
    }
    if let Some(m) = a.mitigation.as_deref().filter(|m| !m.is_empty()) {
        c.insert(
            "workarounds".into(),
            json!([{"lang": LANG, "value": limited("mitigation", m, 4096)?}]),
        );
    }
    if let Some(s) = solution(a) {
        c.insert("solutions".into(), json!([{"lang": LANG, "value": s}]));
    }
    let mut entries: Vec<Value> = a
        .timeline
        .iter()
        .map(|t| json!({"time": t.time.to_string(), "lang": LANG, "value": t.value}))
        .collect();
    if let Some(w) = &a.withdrawn {
        let value = match w.reason.as_deref() {
            Some(reason) => format!("Advisory withdrawn: {reason}"),
            None => "Advisory withdrawn".to_owned(),
        };
        entries.push(json!({"time": w.at.to_string(), "lang": LANG, "value": value}));
    }
    if !entries.is_empty() {
        c.insert("timeline".into(), Value::Array(dedup(entries)));
    }
    c.insert("references".into(), Value::Array(references(a)));
    if !a.credits.is_empty() {
        let credits: Vec<Value> = a
            .credits
            .iter()
            .map(|cr| json!({"lang": LANG, "value": cr.name, "type": credit_type(cr.kind)}))
            .collect();
        c.insert("credits".into(), Value::Array(dedup(credits)));
    }

    let mut meta = Map::new();
    meta.insert("cveId".into(), json!(cve_id));
    meta.insert("assignerOrgId".into(), json!(cna.org_id));
    meta.insert("assignerShortName".into(), json!(cna.short_name));
    meta.insert("state".into(), json!("PUBLISHED"));
    if let Some(p) = a.published {
        meta.insert("datePublished".into(), json!(p.to_string()));
    }
    meta.insert("dateUpdated".into(), json!(updated.to_string()));

    Ok(json!({
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": meta,
        "containers": {"cna": c},
    }))
}

fn limited<'s>(field: &'static str, s: &'s str, max: usize) -> Result<&'s str, Error> {
    let len = s.chars().count();
    if len > max {
        Err(Error::TooLong {
            format: FORMAT,
            field,
            len,
            max,
        })
    } else {
        Ok(s)
    }
}

/// The schema's arrays are `uniqueItems`; duplicates in the advisory are harmless,
/// so they are dropped rather than refused.
fn dedup(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn check_cve_id(id: &str) -> Result<(), Error> {
    let ok = id.strip_prefix("CVE-").is_some_and(|rest| {
        rest.split_once('-').is_some_and(|(year, seq)| {
            year.len() == 4
                && (4..=19).contains(&seq.len())
                && year.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit())
        })
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            format: FORMAT,
            field: "cve_id",
            reason: format!("`{id}` is not a CVE id (CVE-YYYY-NNNN…)"),
        })
    }
}

fn check_short_name(s: &str) -> Result<(), Error> {
    if (2..=32).contains(&s.chars().count()) {
        Ok(())
    } else {
        Err(Error::Invalid {
            format: FORMAT,
            field: "cna.short_name",
            reason: "a CNA short name has 2 to 32 characters".into(),
        })
    }
}

/// CVE org ids are version-4 UUIDs (the schema's `uuidType`).
fn check_uuid(s: &str) -> Result<(), Error> {
    let parts: Vec<&str> = s.split('-').collect();
    let hex = |p: &str| p.bytes().all(|b| b.is_ascii_hexdigit());
    let ok = parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && hex(p))
        && parts[2].starts_with('4')
        && parts[3].starts_with(['8', '9', 'a', 'b', 'A', 'B']);
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            format: FORMAT,
            field: "cna.org_id",
            reason: format!("`{s}` is not a version-4 UUID"),
        })
    }
}

/// Where an ecosystem's packages live, in the spelling of the schema's examples.
pub(crate) fn collection_url(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem.split(':').next().unwrap_or(ecosystem) {
        "Go" => "https://golang.org/pkg",
        "npm" => "https://registry.npmjs.org",
        "PyPI" => "https://pypi.python.org",
        "crates.io" => "https://crates.io",
        "Maven" => "https://repo.maven.apache.org/maven2",
        "RubyGems" => "https://rubygems.org",
        "NuGet" => "https://nuget.org/packages",
        "Packagist" => "https://packagist.org",
        "Pub" => "https://pub.dev",
        "Hex" => "https://repo.hex.pm",
        _ => return None,
    })
}

/// CVE's `versionType` for an OSV range.
fn version_type(kind: RangeKind, ecosystem: Option<&str>) -> &'static str {
    match kind {
        RangeKind::Semver => "semver",
        RangeKind::Git => "git",
        RangeKind::Ecosystem => match ecosystem.map(embargo_core::ecosystem::base) {
            // Pub's SemVer 2.0.0-rc.1 is closest to CVE's `semver`.
            Some(e) if embargo_core::ecosystem::uses_semver(e) || e == "Pub" => "semver",
            Some("PyPI") => "python",
            Some("Maven") => "maven",
            Some("Debian" | "Ubuntu") => "dpkg",
            Some("Red Hat" | "AlmaLinux" | "Rocky Linux" | "SUSE" | "openSUSE") => "rpm",
            _ => "custom",
        },
    }
}

fn product(vendor: &str, x: &Affected) -> Result<Value, Error> {
    let name = x.product_name().ok_or(Error::Invalid {
        format: FORMAT,
        field: "affected",
        reason: "an affected entry needs a component, a package or a GIT repo".into(),
    })?;
    let ecosystem = x.package.as_ref().map(|p| p.ecosystem.as_str());
    let mut p = Map::new();
    p.insert("vendor".into(), json!(vendor));
    p.insert("product".into(), json!(name));
    if let Some(pkg) = &x.package
        && let Some(url) = collection_url(&pkg.ecosystem)
    {
        p.insert("collectionURL".into(), json!(url));
        p.insert("packageName".into(), json!(pkg.name));
    }
    if let Some(repo) = x.ranges.iter().find_map(|r| r.repo.as_deref()) {
        p.insert("repo".into(), json!(repo));
    }
    let mut versions = Vec::new();
    for r in &x.ranges {
        let vt = version_type(r.kind, ecosystem);
        if let Some(git) = git_versions(r) {
            versions.extend(git);
            continue;
        }
        let mut start: Option<&str> = None;
        for e in &r.events {
            match e {
                Event::Introduced(v) => {
                    if let Some(s) = start.replace(v) {
                        versions.push(open_range(s, vt));
                    }
                }
                Event::Fixed(v) | Event::Limit(v) => {
                    if let Some(s) = start.take() {
                        versions.push(json!({"version": s, "lessThan": v, "status": "affected", "versionType": vt}));
                    }
                }
                Event::LastAffected(v) => {
                    if let Some(s) = start.take() {
                        versions.push(json!({"version": s, "lessThanOrEqual": v, "status": "affected", "versionType": vt}));
                    }
                }
            }
        }
        if let Some(s) = start {
            versions.push(open_range(s, vt));
        }
    }
    if !x.ranges.iter().any(|r| r.kind != RangeKind::Git) {
        versions.extend(
            x.versions
                .iter()
                .map(|v| json!({"version": v, "status": "affected"})),
        );
    }
    let default = if versions.is_empty() {
        "affected"
    } else {
        "unaffected"
    };
    if !versions.is_empty() {
        p.insert("versions".into(), Value::Array(dedup(versions)));
    }
    p.insert("defaultStatus".into(), json!(default));
    Ok(Value::Object(p))
}

/// A GIT range's entries, when it ends in fixes (or limits) rather than a last affected
/// commit: in a commit graph every fix applies to every `introduced`, so each
/// `introduced` gets all of them.
fn git_versions(r: &Range) -> Option<Vec<Value>> {
    if r.kind != RangeKind::Git || r.events.iter().any(|e| matches!(e, Event::LastAffected(_))) {
        return None;
    }
    let ends: Vec<&str> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Fixed(v) | Event::Limit(v) => Some(v.as_str()),
            Event::Introduced(_) | Event::LastAffected(_) => None,
        })
        .collect();
    let entries = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Introduced(v) => Some(v.as_str()),
            Event::Fixed(_) | Event::Limit(_) | Event::LastAffected(_) => None,
        })
        .map(|start| match ends.as_slice() {
            [] => open_range(start, "git"),
            [end] => {
                json!({"version": start, "lessThan": end, "status": "affected", "versionType": "git"})
            }
            many => json!({
                "version": start,
                "lessThan": "*",
                "status": "affected",
                "versionType": "git",
                "changes": many.iter().map(|at| json!({"at": at, "status": "unaffected"})).collect::<Vec<_>>(),
            }),
        })
        .collect();
    Some(entries)
}

fn open_range(start: &str, version_type: &str) -> Value {
    json!({"version": start, "lessThan": "*", "status": "affected", "versionType": version_type})
}

fn metrics(a: &Advisory) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for kind in [SeverityKind::CvssV4, SeverityKind::CvssV3] {
        for vector in a.vectors(kind) {
            let assessment = cvss_json::assess(FORMAT, vector)?;
            let (key, object) = match assessment.vector.version() {
                embargo_cvss::Version::V4_0 => ("cvssV4_0", cvss_json::v4(&assessment)),
                embargo_cvss::Version::V3_1 => ("cvssV3_1", cvss_json::v3(&assessment)),
                embargo_cvss::Version::V3_0 => ("cvssV3_0", cvss_json::v3(&assessment)),
                embargo_cvss::Version::V2_0 => continue,
            };
            out.push(json!({
                "format": "CVSS",
                "scenarios": [{"lang": LANG, "value": "GENERAL"}],
                key: object,
            }));
        }
    }
    Ok(dedup(out))
}

/// "Fixed in connect-go 1.16.2 and 1.15.3; connect-swift 0.12.1." from the `fixed`
/// events of SEMVER/ECOSYSTEM ranges; a package with only commit ranges names its
/// fixing commits ("libfoo at commit 1a2b…").
fn solution(a: &Advisory) -> Option<String> {
    let fixed_in = |x: &Affected, git: bool| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in x
            .ranges
            .iter()
            .filter(|r| (r.kind == RangeKind::Git) == git)
            .flat_map(|r| &r.events)
        {
            if let Event::Fixed(v) = e
                && !out.contains(v)
            {
                out.push(v.clone());
            }
        }
        out
    };
    let parts: Vec<String> = a
        .affected_list()
        .iter()
        .filter_map(|x| {
            let name = x.product_name()?;
            let versions = fixed_in(x, false);
            if !versions.is_empty() {
                return Some(format!("{name} {}", join_and(&versions)));
            }
            let commits = fixed_in(x, true);
            let noun = if commits.len() == 1 {
                "commit"
            } else {
                "commits"
            };
            (!commits.is_empty()).then(|| format!("{name} at {noun} {}", join_and(&commits)))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("Fixed in {}.", parts.join("; ")))
}

fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

fn reference_tag(kind: ReferenceKind) -> Option<&'static str> {
    match kind {
        ReferenceKind::Advisory => Some("vendor-advisory"),
        ReferenceKind::Fix => Some("patch"),
        ReferenceKind::Report => Some("issue-tracking"),
        ReferenceKind::Article => Some("technical-description"),
        ReferenceKind::Evidence => Some("exploit"),
        ReferenceKind::Package => Some("product"),
        ReferenceKind::Detection
        | ReferenceKind::Discussion
        | ReferenceKind::Introduced
        | ReferenceKind::Git
        | ReferenceKind::Web => None,
    }
}

/// One entry per URL; a URL given under several types gets all their tags.
fn references(a: &Advisory) -> Vec<Value> {
    let mut out: Vec<(&str, Vec<&'static str>)> = Vec::new();
    for r in &a.references {
        let i = match out.iter().position(|(u, _)| *u == r.url) {
            Some(i) => i,
            None => {
                out.push((&r.url, Vec::new()));
                out.len() - 1
            }
        };
        if let Some(tag) = reference_tag(r.kind)
            && !out[i].1.contains(&tag)
        {
            out[i].1.push(tag);
        }
    }
    out.into_iter()
        .map(|(url, tags)| {
            if tags.is_empty() {
                json!({"url": url})
            } else {
                json!({"url": url, "tags": tags})
            }
        })
        .collect()
}

fn credit_type(kind: Option<CreditKind>) -> &'static str {
    // The schema's default is `finder`: an unknown role must not read as one.
    match kind {
        None | Some(CreditKind::Other) => "other",
        Some(CreditKind::Finder) => "finder",
        Some(CreditKind::Reporter) => "reporter",
        Some(CreditKind::Analyst) => "analyst",
        Some(CreditKind::Coordinator) => "coordinator",
        Some(CreditKind::RemediationDeveloper) => "remediation developer",
        Some(CreditKind::RemediationReviewer) => "remediation reviewer",
        Some(CreditKind::RemediationVerifier) => "remediation verifier",
        Some(CreditKind::Tool) => "tool",
        Some(CreditKind::Sponsor) => "sponsor",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_and_uuids_are_checked_like_the_schema_does() {
        assert!(check_cve_id("CVE-2025-1234").is_ok());
        assert!(check_cve_id("CVE-2025-123").is_err());
        assert!(check_cve_id("GHSA-2025-1234").is_err());
        assert!(check_uuid("b3476cb9-2e3d-41a6-98d0-0f47421a65b6").is_ok());
        assert!(check_uuid("b3476cb9-2e3d-31a6-98d0-0f47421a65b6").is_err());
        assert!(check_uuid("not-a-uuid").is_err());
    }

    #[test]
    fn joins_fixed_versions_in_words() {
        assert_eq!(join_and(&["1.0"]), "1.0");
        assert_eq!(join_and(&["1.0", "2.0", "3.0"]), "1.0, 2.0 and 3.0");
    }
}
