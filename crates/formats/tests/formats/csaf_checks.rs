//! CSAF 2.0 mandatory tests (specification section 6.1), as Rust checks over the JSON.
//! Each returns the problems it finds; none found means the document passes that test.
//! [`oasis_test_data_is_judged_like_the_oasis_validator`] runs every check against the
//! OASIS files listed for it in `test-data/testcases.json`: the `failures` must fail,
//! the `valid` ones pass.
//!
//! All of 6.1.1–6.1.33 are implemented. Two are partial because their reference data is
//! not offline here: 6.1.11 (CWE) checks the id's syntax and, for the CWEs in [`CWE_NAMES`],
//! the name; 6.1.12 (language) checks BCP 47 syntax and, for two-letter primary
//! subtags, ISO 639-1 membership. 6.1.8 validates `cvss_v2`/`cvss_v3` against FIRST's
//! schemas; 6.1.10 compares the v3 metric properties with the vector (v2 objects are
//! only schema-checked). The profile tests 6.1.27.1–3 (informational advisory,
//! incident response) and 6.1.27.7–10 (VEX) do not apply to what Embargo emits
//! (`csaf_security_advisory`); they run against the OASIS files all the same.

use crate::schemas::{first_cvss, read_json};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

pub type Check = fn(&Value) -> Vec<String>;

pub const CHECKS: &[(&str, Check)] = &[
    ("6.1.1", missing_product_id_definition),
    ("6.1.2", multiple_product_id_definitions),
    ("6.1.3", circular_product_id_definition),
    ("6.1.4", missing_group_id_definition),
    ("6.1.5", multiple_group_id_definitions),
    ("6.1.6", contradicting_product_status),
    ("6.1.7", multiple_scores_same_version),
    ("6.1.8", invalid_cvss),
    ("6.1.9", invalid_cvss_computation),
    ("6.1.10", inconsistent_cvss),
    ("6.1.11", cwe),
    ("6.1.12", language),
    ("6.1.13", purl),
    ("6.1.14", sorted_revision_history),
    ("6.1.15", translator),
    ("6.1.16", latest_document_version),
    ("6.1.17", document_status_draft),
    ("6.1.18", released_revision_history),
    ("6.1.19", pre_release_revisions),
    ("6.1.20", non_draft_document_version),
    ("6.1.21", missing_item_in_revision_history),
    ("6.1.22", multiple_definition_in_revision_history),
    ("6.1.23", multiple_use_of_same_cve),
    ("6.1.24", multiple_definition_in_involvements),
    ("6.1.25", multiple_use_of_same_hash_algorithm),
    ("6.1.26", prohibited_document_category_name),
    ("6.1.27.1", profile_document_notes),
    ("6.1.27.2", profile_document_references),
    ("6.1.27.3", profile_no_vulnerabilities),
    ("6.1.27.4", profile_product_tree),
    ("6.1.27.5", profile_vulnerability_notes),
    ("6.1.27.6", profile_product_status),
    ("6.1.27.7", vex_product_status),
    ("6.1.27.8", vex_vulnerability_id),
    ("6.1.27.9", vex_impact_statement),
    ("6.1.27.10", vex_action_statement),
    ("6.1.27.11", profile_vulnerabilities),
    ("6.1.28", translation),
    ("6.1.29", remediation_without_product_reference),
    ("6.1.30", mixed_versioning),
    ("6.1.31", version_range_in_product_version),
    ("6.1.32", flag_without_product_reference),
    ("6.1.33", multiple_vex_justifications),
];

/// Every check on one document: `(test id, problem)`.
pub fn run_all(doc: &Value) -> Vec<(&'static str, String)> {
    CHECKS
        .iter()
        .flat_map(|(id, check)| check(doc).into_iter().map(move |p| (*id, p)))
        .collect()
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn strs(v: &Value) -> impl Iterator<Item = &str> {
    arr(v).iter().filter_map(Value::as_str)
}

fn category(doc: &Value) -> &str {
    doc["document"]["category"].as_str().unwrap_or_default()
}

fn vulns(doc: &Value) -> &[Value] {
    arr(&doc["vulnerabilities"])
}

/// Every `full_product_name` the product tree defines.
fn product_definitions(doc: &Value) -> Vec<&Value> {
    fn branches<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        for b in arr(v) {
            if b.get("product").is_some() {
                out.push(&b["product"]);
            }
            branches(&b["branches"], out);
        }
    }
    let tree = &doc["product_tree"];
    let mut out = Vec::new();
    branches(&tree["branches"], &mut out);
    out.extend(arr(&tree["full_product_names"]));
    out.extend(
        arr(&tree["relationships"])
            .iter()
            .map(|r| &r["full_product_name"]),
    );
    out
}

fn defined_ids(doc: &Value) -> Vec<&str> {
    product_definitions(doc)
        .into_iter()
        .filter_map(|p| p["product_id"].as_str())
        .collect()
}

/// Every place a product id is used, with a path for the message.
fn referenced_ids(doc: &Value) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let tree = &doc["product_tree"];
    for (i, g) in arr(&tree["product_groups"]).iter().enumerate() {
        out.extend(strs(&g["product_ids"]).map(|id| (format!("product_groups[{i}]"), id)));
    }
    for (i, r) in arr(&tree["relationships"]).iter().enumerate() {
        for key in ["product_reference", "relates_to_product_reference"] {
            if let Some(id) = r[key].as_str() {
                out.push((format!("relationships[{i}].{key}"), id));
            }
        }
    }
    for (i, v) in vulns(doc).iter().enumerate() {
        if let Some(status) = v["product_status"].as_object() {
            for (key, ids) in status {
                out.extend(
                    strs(ids).map(|id| (format!("vulnerabilities[{i}].product_status.{key}"), id)),
                );
            }
        }
        for key in ["remediations", "threats", "flags"] {
            for (j, r) in arr(&v[key]).iter().enumerate() {
                out.extend(
                    strs(&r["product_ids"])
                        .map(|id| (format!("vulnerabilities[{i}].{key}[{j}]"), id)),
                );
            }
        }
        for (j, s) in arr(&v["scores"]).iter().enumerate() {
            out.extend(
                strs(&s["products"]).map(|id| (format!("vulnerabilities[{i}].scores[{j}]"), id)),
            );
        }
    }
    out
}

fn missing_product_id_definition(doc: &Value) -> Vec<String> {
    let defined: BTreeSet<&str> = defined_ids(doc).into_iter().collect();
    referenced_ids(doc)
        .into_iter()
        .filter(|(_, id)| !defined.contains(id))
        .map(|(path, id)| format!("{path}: product id `{id}` is not defined"))
        .collect()
}

fn duplicates<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    let mut dup = BTreeSet::new();
    for i in items {
        if !seen.insert(i) {
            dup.insert(i);
        }
    }
    dup.into_iter().collect()
}

fn multiple_product_id_definitions(doc: &Value) -> Vec<String> {
    duplicates(defined_ids(doc))
        .into_iter()
        .map(|id| format!("product id `{id}` is defined more than once"))
        .collect()
}

fn circular_product_id_definition(doc: &Value) -> Vec<String> {
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in arr(&doc["product_tree"]["relationships"]) {
        if let Some(id) = r["full_product_name"]["product_id"].as_str() {
            let e = edges.entry(id).or_default();
            e.extend(r["product_reference"].as_str());
            e.extend(r["relates_to_product_reference"].as_str());
        }
    }
    let mut problems = Vec::new();
    for start in edges.keys() {
        let mut stack: Vec<&str> = edges[start].clone();
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if id == *start {
                problems.push(format!("product id `{start}` depends on itself"));
                break;
            }
            if seen.insert(id) {
                stack.extend(edges.get(id).into_iter().flatten());
            }
        }
    }
    problems
}

fn group_references(doc: &Value) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        for key in ["remediations", "threats", "flags"] {
            for (j, r) in arr(&v[key]).iter().enumerate() {
                out.extend(
                    strs(&r["group_ids"])
                        .map(|id| (format!("vulnerabilities[{i}].{key}[{j}]"), id)),
                );
            }
        }
    }
    out
}

fn group_definitions(doc: &Value) -> Vec<&str> {
    arr(&doc["product_tree"]["product_groups"])
        .iter()
        .filter_map(|g| g["group_id"].as_str())
        .collect()
}

fn missing_group_id_definition(doc: &Value) -> Vec<String> {
    let defined: BTreeSet<&str> = group_definitions(doc).into_iter().collect();
    group_references(doc)
        .into_iter()
        .filter(|(_, id)| !defined.contains(id))
        .map(|(path, id)| format!("{path}: group id `{id}` is not defined"))
        .collect()
}

fn multiple_group_id_definitions(doc: &Value) -> Vec<String> {
    duplicates(group_definitions(doc))
        .into_iter()
        .map(|id| format!("group id `{id}` is defined more than once"))
        .collect()
}

fn contradicting_product_status(doc: &Value) -> Vec<String> {
    const GROUPS: &[(&str, &[&str])] = &[
        (
            "affected",
            &["first_affected", "known_affected", "last_affected"],
        ),
        ("not affected", &["known_not_affected"]),
        ("fixed", &["first_fixed", "fixed"]),
        ("under investigation", &["under_investigation"]),
    ];
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (group, keys) in GROUPS {
            for key in *keys {
                for id in strs(&v["product_status"][*key]) {
                    if let Some(other) = seen.insert(id, group)
                        && other != *group
                    {
                        problems.push(format!(
                            "vulnerabilities[{i}]: `{id}` is both {other} and {group}"
                        ));
                    }
                }
            }
        }
    }
    problems
}

fn multiple_scores_same_version(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        let mut seen = BTreeSet::new();
        for s in arr(&v["scores"]) {
            for key in ["cvss_v2", "cvss_v3"] {
                let Some(version) = s[key]["version"].as_str() else {
                    continue;
                };
                for id in strs(&s["products"]) {
                    if !seen.insert((id, version)) {
                        problems.push(format!(
                            "vulnerabilities[{i}]: `{id}` has two CVSS {version} scores"
                        ));
                    }
                }
            }
        }
    }
    problems
}

fn cvss_objects(doc: &Value) -> impl Iterator<Item = (String, &str, &Value)> {
    vulns(doc).iter().enumerate().flat_map(|(i, v)| {
        arr(&v["scores"])
            .iter()
            .enumerate()
            .flat_map(move |(j, s)| {
                ["cvss_v2", "cvss_v3"].into_iter().filter_map(move |key| {
                    s.get(key)
                        .map(|o| (format!("vulnerabilities[{i}].scores[{j}].{key}"), key, o))
                })
            })
    })
}

fn invalid_cvss(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, key, o) in cvss_objects(doc) {
        let version = match key {
            "cvss_v2" => "2.0",
            _ => o["version"].as_str().unwrap_or_default(),
        };
        match first_cvss(version) {
            Some(schema) => problems.extend(schema.iter_errors(o).map(|e| format!("{path}: {e}"))),
            None => problems.push(format!("{path}: unknown CVSS version `{version}`")),
        }
    }
    problems
}

fn invalid_cvss_computation(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, _, o) in cvss_objects(doc) {
        let Some(vector) = o["vectorString"].as_str() else {
            continue;
        };
        let Ok(a) = embargo_cvss::assess(vector) else {
            problems.push(format!("{path}: `{vector}` does not parse"));
            continue;
        };
        let version = a.vector.version();
        let severity = |s: embargo_cvss::Score| {
            embargo_cvss::Severity::of(version, s)
                .as_str()
                .to_uppercase()
        };
        let pairs = [
            ("baseScore", "baseSeverity", a.base_score),
            ("temporalScore", "temporalSeverity", a.temporal_score),
            (
                "environmentalScore",
                "environmentalSeverity",
                a.environmental_score,
            ),
        ];
        for (score_key, severity_key, score) in pairs {
            if let Some(given) = o.get(score_key).and_then(Value::as_f64) {
                match score {
                    Some(s) if (s.value() - given).abs() < 1e-9 => {}
                    _ => problems.push(format!(
                        "{path}: {score_key} {given} does not match `{vector}`"
                    )),
                }
            }
            // CVSS v2 has no severities in FIRST's schema.
            if let (Some(given), Some(s)) = (o.get(severity_key).and_then(Value::as_str), score)
                && given != severity(s)
            {
                problems.push(format!(
                    "{path}: {severity_key} {given} does not match `{vector}`"
                ));
            }
        }
    }
    problems
}

fn inconsistent_cvss(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, key, o) in cvss_objects(doc) {
        if key != "cvss_v3" {
            continue;
        }
        let Some(vector) = o["vectorString"].as_str() else {
            continue;
        };
        let Ok(expected) = embargo_formats::cvss::first_json(vector) else {
            continue; // 6.1.9 reports it
        };
        for (field, value) in o.as_object().into_iter().flatten() {
            if field.ends_with("Score") || field.ends_with("Severity") {
                continue; // 6.1.9
            }
            let want = expected.get(field).cloned().unwrap_or_else(|| {
                // Absent from the vector: only "not defined" is consistent with that.
                Value::from("NOT_DEFINED")
            });
            if *value != want {
                problems.push(format!(
                    "{path}: {field} is {value}, the vector says {want}"
                ));
            }
        }
    }
    problems
}

/// Names of the CWEs we know offline (MITRE CWE list, version 4.x).
pub const CWE_NAMES: &[(&str, &str)] = &[
    ("CWE-20", "Improper Input Validation"),
    (
        "CWE-79",
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
    ),
    ("CWE-400", "Uncontrolled Resource Consumption"),
    (
        "CWE-770",
        "Allocation of Resources Without Limits or Throttling",
    ),
    ("CWE-787", "Out-of-bounds Write"),
    ("CWE-125", "Out-of-bounds Read"),
];

fn cwe(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        let Some(id) = v["cwe"]["id"].as_str() else {
            continue;
        };
        let name = v["cwe"]["name"].as_str().unwrap_or_default();
        let syntax = id.strip_prefix("CWE-").is_some_and(|n| {
            !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
        });
        if !syntax {
            problems.push(format!("vulnerabilities[{i}]: `{id}` is not a CWE id"));
        } else if let Some((_, known)) = CWE_NAMES.iter().find(|(k, _)| *k == id)
            && *known != name
        {
            problems.push(format!(
                "vulnerabilities[{i}]: {id} is named `{known}`, not `{name}`"
            ));
        }
    }
    problems
}

const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce \
ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha \
he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku \
kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv \
ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st \
su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

fn valid_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    let primary_ok = match primary.len() {
        2 => ISO_639_1
            .split(' ')
            .any(|c| c.eq_ignore_ascii_case(primary)),
        3 => primary.bytes().all(|b| b.is_ascii_alphabetic()),
        1 => primary.eq_ignore_ascii_case("x") || primary.eq_ignore_ascii_case("i"),
        _ => false,
    };
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn language(doc: &Value) -> Vec<String> {
    ["lang", "source_lang"]
        .into_iter()
        .filter_map(|key| {
            let tag = doc["document"][key].as_str()?;
            (!valid_language(tag)).then(|| format!("document.{key} `{tag}` is not a language"))
        })
        .collect()
}

/// Package URL syntax (purl spec): `pkg:type/[namespace/]name[@version][?q][#sub]`.
fn valid_purl(purl: &str) -> bool {
    let Some(rest) = purl.strip_prefix("pkg:") else {
        return false;
    };
    let rest = rest.split(['#', '?']).next().unwrap_or_default();
    let Some((ty, path)) = rest.split_once('/') else {
        return false;
    };
    let type_ok = ty.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c));
    let path = path.split('@').next().unwrap_or_default();
    let name = path
        .trim_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    type_ok && !name.is_empty()
}

fn purl(doc: &Value) -> Vec<String> {
    product_definitions(doc)
        .into_iter()
        .filter_map(|p| {
            let purl = p["product_identification_helper"]["purl"].as_str()?;
            (!valid_purl(purl)).then(|| format!("`{purl}` is not a valid purl"))
        })
        .collect()
}

fn translator(doc: &Value) -> Vec<String> {
    let d = &doc["document"];
    if d["publisher"]["category"] == "translator" && d.get("source_lang").is_none() {
        vec!["a translator's document needs source_lang".into()]
    } else {
        Vec::new()
    }
}

/// A revision number: integer, or semantic version (with pre-release identifiers).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Number {
    Integer(u64),
    Semver(u64, u64, u64, Vec<String>),
}

fn parse_number(s: &str) -> Option<Number> {
    let digits = |p: &str| {
        (!p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0')))
        .then(|| p.parse::<u64>().ok())
        .flatten()
    };
    if let Some(n) = digits(s) {
        return Some(Number::Integer(n));
    }
    let core = s.split('+').next().unwrap_or(s);
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) => (c, p.split('.').map(str::to_owned).collect()),
        None => (core, Vec::new()),
    };
    let v: Vec<&str> = core.split('.').collect();
    match v[..] {
        [a, b, c] => Some(Number::Semver(digits(a)?, digits(b)?, digits(c)?, pre)),
        _ => None,
    }
}

impl Number {
    fn major(&self) -> u64 {
        match self {
            Number::Integer(x) | Number::Semver(x, ..) => *x,
        }
    }
    fn pre_release(&self) -> bool {
        matches!(self, Number::Semver(.., pre) if !pre.is_empty())
    }
    fn zero(&self) -> bool {
        self.major() == 0
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// SemVer precedence (build metadata ignored); integers before semantic versions.
impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Number::Integer(a), Number::Integer(b)) => a.cmp(b),
            (Number::Integer(_), _) => Ordering::Less,
            (_, Number::Integer(_)) => Ordering::Greater,
            (Number::Semver(a1, b1, c1, p1), Number::Semver(a2, b2, c2, p2)) => (a1, b1, c1)
                .cmp(&(a2, b2, c2))
                .then_with(|| match (p1.is_empty(), p2.is_empty()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    (false, false) => {
                        for (x, y) in p1.iter().zip(p2) {
                            let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                                (Ok(x), Ok(y)) => x.cmp(&y),
                                (Ok(_), Err(_)) => Ordering::Less,
                                (Err(_), Ok(_)) => Ordering::Greater,
                                (Err(_), Err(_)) => x.cmp(y),
                            };
                            if o != Ordering::Equal {
                                return o;
                            }
                        }
                        p1.len().cmp(&p2.len())
                    }
                }),
        }
    }
}

struct Rev<'a> {
    number: &'a str,
    parsed: Option<Number>,
    date: Option<jiff::Timestamp>,
}

fn history(doc: &Value) -> Vec<Rev<'_>> {
    arr(&doc["document"]["tracking"]["revision_history"])
        .iter()
        .map(|r| {
            let number = r["number"].as_str().unwrap_or_default();
            Rev {
                number,
                parsed: parse_number(number),
                date: r["date"].as_str().and_then(|d| d.parse().ok()),
            }
        })
        .collect()
}

/// The history sorted by date, equal dates by number (as the OASIS validator does).
fn by_date(doc: &Value) -> Vec<Rev<'_>> {
    let mut h = history(doc);
    h.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.parsed.cmp(&b.parsed)));
    h
}

fn status(doc: &Value) -> &str {
    doc["document"]["tracking"]["status"]
        .as_str()
        .unwrap_or_default()
}

fn doc_version(doc: &Value) -> Option<Number> {
    parse_number(doc["document"]["tracking"]["version"].as_str()?)
}

fn sorted_revision_history(doc: &Value) -> Vec<String> {
    let h = by_date(doc);
    h.windows(2)
        .filter(|w| matches!((&w[0].parsed, &w[1].parsed), (Some(a), Some(b)) if a > b))
        .map(|w| {
            format!(
                "revision `{}` is dated after `{}`",
                w[0].number, w[1].number
            )
        })
        .collect()
}

fn latest_document_version(doc: &Value) -> Vec<String> {
    let h = by_date(doc);
    let (Some(last), Some(version)) = (h.last().and_then(|r| r.parsed.clone()), doc_version(doc))
    else {
        return Vec::new();
    };
    let strip = |n: Number| match n {
        Number::Semver(a, b, c, _) if status(doc) != "draft" => Number::Semver(a, b, c, Vec::new()),
        n => n,
    };
    if strip(last.clone()) == strip(version.clone()) {
        Vec::new()
    } else {
        vec![format!(
            "version {version:?} is not the latest revision {last:?}"
        )]
    }
}

fn document_status_draft(doc: &Value) -> Vec<String> {
    match doc_version(doc) {
        Some(v) if (v.zero() || v.pre_release()) && status(doc) != "draft" => {
            vec![format!("version {v:?} needs status draft")]
        }
        _ => Vec::new(),
    }
}

fn released_revision_history(doc: &Value) -> Vec<String> {
    if !matches!(status(doc), "final" | "interim") {
        return Vec::new();
    }
    history(doc)
        .into_iter()
        .filter(|r| r.parsed.as_ref().is_some_and(Number::zero))
        .map(|r| format!("a released document has revision `{}`", r.number))
        .collect()
}

fn pre_release_revisions(doc: &Value) -> Vec<String> {
    history(doc)
        .into_iter()
        .filter(|r| r.parsed.as_ref().is_some_and(Number::pre_release))
        .map(|r| format!("revision `{}` is a pre-release", r.number))
        .collect()
}

fn non_draft_document_version(doc: &Value) -> Vec<String> {
    match doc_version(doc) {
        Some(v) if v.pre_release() && matches!(status(doc), "final" | "interim") => {
            vec![format!("a released document has pre-release version {v:?}")]
        }
        _ => Vec::new(),
    }
}

fn missing_item_in_revision_history(doc: &Value) -> Vec<String> {
    let mut numbers: Vec<Number> = history(doc).into_iter().filter_map(|r| r.parsed).collect();
    numbers.sort();
    let mut problems = Vec::new();
    if let Some(first) = numbers.first()
        && first.major() > 1
    {
        problems.push(format!("the first revision is {first:?}, not 0 or 1"));
    }
    for w in numbers.windows(2) {
        if w[1].major() > w[0].major() + 1 {
            problems.push(format!(
                "a revision is missing between {:?} and {:?}",
                w[0], w[1]
            ));
        }
    }
    problems
}

fn multiple_definition_in_revision_history(doc: &Value) -> Vec<String> {
    duplicates(history(doc).into_iter().map(|r| r.number))
        .into_iter()
        .map(|n| format!("revision `{n}` is listed more than once"))
        .collect()
}

fn multiple_use_of_same_cve(doc: &Value) -> Vec<String> {
    duplicates(vulns(doc).iter().filter_map(|v| v["cve"].as_str()))
        .into_iter()
        .map(|c| format!("{c} is used by more than one vulnerability"))
        .collect()
}

fn multiple_definition_in_involvements(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        let mut seen = BTreeSet::new();
        for inv in arr(&v["involvements"]) {
            let key = (inv["party"].to_string(), inv["date"].to_string());
            if !seen.insert(key.clone()) {
                problems.push(format!("vulnerabilities[{i}]: involvement {key:?} twice"));
            }
        }
    }
    problems
}

fn multiple_use_of_same_hash_algorithm(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for p in product_definitions(doc) {
        for h in arr(&p["product_identification_helper"]["hashes"]) {
            let algorithms = arr(&h["file_hashes"])
                .iter()
                .filter_map(|f| f["algorithm"].as_str());
            for a in duplicates(algorithms) {
                problems.push(format!("hash algorithm `{a}` used twice for one file"));
            }
        }
    }
    problems
}

fn prohibited_document_category_name(doc: &Value) -> Vec<String> {
    const PROFILES: &[&str] = &[
        "csaf_base",
        "csaf_security_incident_response",
        "csaf_informational_advisory",
        "csaf_security_advisory",
        "csaf_vex",
    ];
    // The other profiles' names, with and without `csaf_`, and titles, normalized.
    const OTHER_NAMES: &[&str] = &[
        "securityincidentresponse",
        "informationaladvisory",
        "securityadvisory",
        "vex",
        "csafsecurityincidentresponse",
        "csafinformationaladvisory",
        "csafsecurityadvisory",
        "csafvex",
    ];
    let c = category(doc);
    if PROFILES.contains(&c) {
        return Vec::new();
    }
    let norm: String = c
        .chars()
        .filter(|ch| !matches!(ch, '-' | '_' | ' ' | '\u{2212}') && !ch.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if OTHER_NAMES.contains(&norm.as_str()) || c.to_lowercase().starts_with("csaf_") {
        vec![format!("category `{c}` is reserved")]
    } else {
        Vec::new()
    }
}

fn profile_document_notes(doc: &Value) -> Vec<String> {
    if !matches!(
        category(doc),
        "csaf_informational_advisory" | "csaf_security_incident_response"
    ) {
        return Vec::new();
    }
    let ok = arr(&doc["document"]["notes"]).iter().any(|n| {
        matches!(
            n["category"].as_str(),
            Some("description" | "details" | "general" | "summary")
        )
    });
    if ok {
        Vec::new()
    } else {
        vec!["document notes need a description, details, general or summary note".into()]
    }
}

fn profile_document_references(doc: &Value) -> Vec<String> {
    if !matches!(
        category(doc),
        "csaf_informational_advisory" | "csaf_security_incident_response"
    ) {
        return Vec::new();
    }
    if arr(&doc["document"]["references"])
        .iter()
        .any(|r| r["category"] == "external")
    {
        Vec::new()
    } else {
        vec!["document references need an external one".into()]
    }
}

fn profile_no_vulnerabilities(doc: &Value) -> Vec<String> {
    if category(doc) == "csaf_informational_advisory" && doc.get("vulnerabilities").is_some() {
        vec!["an informational advisory has no vulnerabilities".into()]
    } else {
        Vec::new()
    }
}

fn advisory_or_vex(doc: &Value) -> bool {
    matches!(category(doc), "csaf_security_advisory" | "csaf_vex")
}

fn profile_product_tree(doc: &Value) -> Vec<String> {
    if advisory_or_vex(doc) && doc.get("product_tree").is_none() {
        vec!["the profile requires /product_tree".into()]
    } else {
        Vec::new()
    }
}

fn profile_vulnerability_notes(doc: &Value) -> Vec<String> {
    if !advisory_or_vex(doc) {
        return Vec::new();
    }
    vulns(doc)
        .iter()
        .enumerate()
        .filter(|(_, v)| v.get("notes").is_none())
        .map(|(i, _)| format!("vulnerabilities[{i}] has no notes"))
        .collect()
}

fn profile_product_status(doc: &Value) -> Vec<String> {
    if !advisory_or_vex(doc) {
        return Vec::new();
    }
    vulns(doc)
        .iter()
        .enumerate()
        .filter(|(_, v)| v.get("product_status").is_none())
        .map(|(i, _)| format!("vulnerabilities[{i}] has no product_status"))
        .collect()
}

fn vex_product_status(doc: &Value) -> Vec<String> {
    if category(doc) != "csaf_vex" {
        return Vec::new();
    }
    vulns(doc)
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            [
                "fixed",
                "known_affected",
                "known_not_affected",
                "under_investigation",
            ]
            .iter()
            .all(|k| v["product_status"].get(*k).is_none())
        })
        .map(|(i, _)| format!("vulnerabilities[{i}] has none of the VEX product statuses"))
        .collect()
}

fn vex_vulnerability_id(doc: &Value) -> Vec<String> {
    if category(doc) != "csaf_vex" {
        return Vec::new();
    }
    vulns(doc)
        .iter()
        .enumerate()
        .filter(|(_, v)| v.get("cve").is_none() && v.get("ids").is_none())
        .map(|(i, _)| format!("vulnerabilities[{i}] has neither cve nor ids"))
        .collect()
}

/// Product ids named directly or through groups.
fn ids_with_groups<'a>(doc: &'a Value, item: &'a Value) -> BTreeSet<&'a str> {
    let mut out: BTreeSet<&str> = strs(&item["product_ids"]).collect();
    for g in strs(&item["group_ids"]) {
        for group in arr(&doc["product_tree"]["product_groups"]) {
            if group["group_id"] == g {
                out.extend(strs(&group["product_ids"]));
            }
        }
    }
    out
}

fn vex_impact_statement(doc: &Value) -> Vec<String> {
    if category(doc) != "csaf_vex" {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        let mut covered = BTreeSet::new();
        for f in arr(&v["flags"]) {
            covered.extend(ids_with_groups(doc, f));
        }
        for t in arr(&v["threats"])
            .iter()
            .filter(|t| t["category"] == "impact")
        {
            covered.extend(ids_with_groups(doc, t));
        }
        for id in strs(&v["product_status"]["known_not_affected"]) {
            if !covered.contains(id) {
                problems.push(format!(
                    "vulnerabilities[{i}]: `{id}` has no impact statement"
                ));
            }
        }
    }
    problems
}

fn vex_action_statement(doc: &Value) -> Vec<String> {
    if category(doc) != "csaf_vex" {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        let mut covered = BTreeSet::new();
        for r in arr(&v["remediations"]) {
            covered.extend(ids_with_groups(doc, r));
        }
        for id in strs(&v["product_status"]["known_affected"]) {
            if !covered.contains(id) {
                problems.push(format!(
                    "vulnerabilities[{i}]: `{id}` has no action statement"
                ));
            }
        }
    }
    problems
}

fn profile_vulnerabilities(doc: &Value) -> Vec<String> {
    if advisory_or_vex(doc) && doc.get("vulnerabilities").is_none() {
        vec!["the profile requires /vulnerabilities".into()]
    } else {
        Vec::new()
    }
}

fn translation(doc: &Value) -> Vec<String> {
    let d = &doc["document"];
    match (d["lang"].as_str(), d["source_lang"].as_str()) {
        (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {
            vec!["lang and source_lang are the same".into()]
        }
        _ => Vec::new(),
    }
}

fn remediation_without_product_reference(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        for (j, r) in arr(&v["remediations"]).iter().enumerate() {
            if r.get("product_ids").is_none() && r.get("group_ids").is_none() {
                problems.push(format!(
                    "vulnerabilities[{i}].remediations[{j}] names no product"
                ));
            }
        }
    }
    problems
}

fn mixed_versioning(doc: &Value) -> Vec<String> {
    let mut kinds: Vec<Option<bool>> = history(doc)
        .into_iter()
        .map(|r| r.parsed.map(|n| matches!(n, Number::Integer(_))))
        .collect();
    kinds.push(doc_version(doc).map(|n| matches!(n, Number::Integer(_))));
    let kinds: BTreeSet<bool> = kinds.into_iter().flatten().collect();
    if kinds.len() > 1 {
        vec!["integer and semantic versioning are mixed".into()]
    } else {
        Vec::new()
    }
}

fn version_range_in_product_version(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        for b in arr(v) {
            if b["category"] == "product_version"
                && let Some(name) = b["name"].as_str()
            {
                let lower = name.to_lowercase();
                let words = [
                    "after", "all", "before", "earlier", "later", "prior", "versions",
                ];
                // Keywords count as whole words between white space: `after-eight`
                // is a version name, `after 8` a range.
                let has_word = lower.split_whitespace().any(|w| words.contains(&w));
                if name.contains('<') || name.contains('>') || has_word {
                    out.push(format!("product_version `{name}` is a range"));
                }
            }
            walk(&b["branches"], out);
        }
    }
    let mut out = Vec::new();
    walk(&doc["product_tree"]["branches"], &mut out);
    out
}

fn flag_without_product_reference(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        for (j, f) in arr(&v["flags"]).iter().enumerate() {
            if f.get("product_ids").is_none() && f.get("group_ids").is_none() {
                problems.push(format!("vulnerabilities[{i}].flags[{j}] names no product"));
            }
        }
    }
    problems
}

fn multiple_vex_justifications(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, v) in vulns(doc).iter().enumerate() {
        let mut seen = BTreeSet::new();
        for f in arr(&v["flags"]) {
            for id in ids_with_groups(doc, f) {
                if !seen.insert(id) {
                    problems.push(format!(
                        "vulnerabilities[{i}]: `{id}` has two VEX justifications"
                    ));
                }
            }
        }
    }
    problems
}

/// Each check rejects the OASIS `failures` for its test and accepts the `valid` files.
#[test]
fn oasis_test_data_is_judged_like_the_oasis_validator() {
    let index = read_json("csaf-2.0/test-data/testcases.json");
    let mut ran = BTreeSet::new();
    let mut wrong = Vec::new();
    for test in arr(&index["tests"]) {
        let id = test["id"].as_str().unwrap();
        if test["group"] != "mandatory" {
            continue;
        }
        let check = CHECKS
            .iter()
            .find(|(c, _)| *c == id)
            .unwrap_or_else(|| panic!("no check for mandatory test {id}"))
            .1;
        ran.insert(id);
        for (list, should_fail) in [("failures", true), ("valid", false)] {
            for file in arr(&test[list]) {
                let name = file["name"].as_str().unwrap();
                let doc = read_json(format!("csaf-2.0/test-data/{name}"));
                let problems = check(&doc);
                if problems.is_empty() == should_fail {
                    wrong.push(format!("{id} {name}: expected {list}, got {problems:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(ran.len(), CHECKS.len(), "checks without OASIS test data");
}
