//! The OSV targets: `osv::import` on any JSON, and on real records edited field by
//! field. A record import accepts must export as valid OSV, and that export must import
//! to the same advisory (less the credits' contacts, which no document publishes) with
//! nothing left to warn about; a refusal says why.

use arbitrary::Unstructured;
use embargo_formats::osv::{export, import, validate};
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;

/// `osv_import`: the bytes as JSON (libFuzzer mutates the real records it is seeded with).
pub fn check_bytes(data: &[u8]) {
    if let Ok(record) = serde_json::from_slice::<Value>(data) {
        check_record(&record);
    }
}

/// `osv_edit`: a real record (or `{}`) changed by a few structural edits whose values
/// come mostly from OSV's own vocabulary, so that most inputs are near-valid records.
pub fn check_edits(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let real = real_records();
    let Ok(start) = u.choose_index(real.len() + 1) else {
        return;
    };
    let mut record = real.get(start).cloned().unwrap_or_else(|| json!({}));
    let edits = u.int_in_range(1..=6u8).unwrap_or(1);
    for _ in 0..edits {
        if edit(&mut record, &mut u).is_err() {
            break;
        }
    }
    check_record(&record);
}

/// The properties, for one record.
pub fn check_record(record: &Value) {
    match import(record, received()) {
        Ok(imported) => {
            let exported = export(&imported.advisory).unwrap_or_else(|e| {
                panic!("import accepted a record that export refuses: {e}\nrecord: {record}")
            });
            if let Err(e) = validate(&exported) {
                panic!("export wrote invalid OSV: {e}\nrecord: {record}\nexported: {exported}");
            }
            assert_eq!(exported.get("id"), record.get("id"), "the id changed");
            let again = import(&exported, received()).unwrap_or_else(|e| {
                panic!("our own export does not import: {e}\nexported: {exported}")
            });
            assert!(
                again.warnings.is_empty(),
                "our own export needed changes to import: {:?}\nexported: {exported}",
                again.warnings
            );
            let mut expected = imported.advisory.clone();
            for credit in &mut expected.credits {
                credit.contact.clear();
            }
            assert_eq!(
                again.advisory, expected,
                "import → export → import changed the advisory\nrecord: {record}\nexported: {exported}"
            );
        }
        Err(e) => assert!(
            !e.to_string().trim().is_empty(),
            "a refusal without a reason"
        ),
    }
}

fn received() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_767_225_600).expect("2026-01-01 is a valid time")
}

/// The real records of `crates/formats/tests/data/osv-real/`, read once.
pub fn real_records() -> &'static [Value] {
    static RECORDS: OnceLock<Vec<Value>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let mut files = Vec::new();
        collect_json(&real_records_dir(), &mut files);
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect()
    })
}

pub fn real_records_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/formats/tests/data/osv-real")
}

fn collect_json(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        if path.is_dir() {
            collect_json(&path, out);
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}

/// Words OSV records are made of: field names, ecosystems (today's and older names),
/// dates (the placeholder among them), CVSS vectors, ids, kinds.
const WORDS: &[&str] = &[
    "schema_version",
    "id",
    "modified",
    "published",
    "withdrawn",
    "aliases",
    "related",
    "upstream",
    "summary",
    "details",
    "severity",
    "affected",
    "references",
    "credits",
    "database_specific",
    "ecosystem_specific",
    "package",
    "ecosystem",
    "name",
    "purl",
    "ranges",
    "versions",
    "type",
    "repo",
    "events",
    "introduced",
    "fixed",
    "last_affected",
    "limit",
    "score",
    "url",
    "contact",
    "cwe_ids",
    "SEMVER",
    "ECOSYSTEM",
    "GIT",
    "CVSS_V2",
    "CVSS_V3",
    "CVSS_V4",
    "Ubuntu",
    "ADVISORY",
    "ARTICLE",
    "DETECTION",
    "DISCUSSION",
    "REPORT",
    "FIX",
    "INTRODUCED",
    "PACKAGE",
    "EVIDENCE",
    "WEB",
    "FINDER",
    "REPORTER",
    "ANALYST",
    "COORDINATOR",
    "REMEDIATION_DEVELOPER",
    "TOOL",
    "SPONSOR",
    "OTHER",
    "Go",
    "npm",
    "PyPI",
    "pip",
    "crates.io",
    "Maven",
    "NuGet",
    "RubyGems",
    "Packagist",
    "Hex",
    "Pub",
    "SwiftURL",
    "Swift",
    "Alpine:v3.16",
    "Debian:12",
    "Red Hat:enterprise_linux:9",
    "OSS-Fuzz",
    "GitHub Actions",
    "Linux",
    "Ubuntu:22.04:LTS",
    "0",
    "1.0.0",
    "1.2.3-rc.1",
    "v0.0.0-2020",
    "9999999999999999999.0.0",
    "0001-01-01T00:00:00Z",
    "2024-01-01T00:00:00Z",
    "2024-02-29T23:59:60Z",
    "2024-13-01T00:00:00Z",
    "1970-01-01T00:00:00.123456789Z",
    "9999-12-31T23:59:59Z",
    "2024-06-01T12:00:00+02:00",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "cvss:3.1/av:n",
    "GHSA-2244-w4gj-c9vv",
    "CVE-2024-12345",
    "GO-2024-2442",
    "PYSEC-2024-55",
    "OSV-2021-823",
    "RHSA-2024:4546",
    "CURL-CVE-2024-1",
    "XYZ-1",
    "CVE-",
    "CWE-79",
    "https://example.org/a",
    "http://x",
    "javascript:alert(1)",
    "pkg:golang/example.org/m",
    "1.7.5",
    "",
];

fn word(u: &mut Unstructured) -> arbitrary::Result<String> {
    if u.ratio(1u8, 5u8)? {
        u.arbitrary::<String>()
    } else {
        u.choose(WORDS).map(|w| (*w).to_owned())
    }
}

fn value(u: &mut Unstructured, depth: u8) -> arbitrary::Result<Value> {
    let kinds = if depth == 0 { 5 } else { 7 };
    Ok(match u.choose_index(kinds)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => match u.choose_index(3)? {
            0 => json!(u.arbitrary::<i64>()?),
            1 => json!(u.arbitrary::<u64>()?),
            _ => serde_json::Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        },
        3 | 4 => Value::String(word(u)?),
        5 => {
            let n = u.int_in_range(0..=3u8)?;
            Value::Array(
                (0..n)
                    .map(|_| value(u, depth - 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        _ => {
            let n = u.int_in_range(0..=3u8)?;
            let mut map = Map::new();
            for _ in 0..n {
                map.insert(word(u)?, value(u, depth - 1)?);
            }
            Value::Object(map)
        }
    })
}

enum Step {
    Key(String),
    Index(usize),
}

/// One edit somewhere in the record: replace a value, remove a member or element, add
/// a member, or duplicate an element.
fn edit(record: &mut Value, u: &mut Unstructured) -> arbitrary::Result<()> {
    // Choose where first (reading), then go there (writing).
    let mut path = Vec::new();
    let mut here = &*record;
    loop {
        if !u.ratio(2u8, 3u8)? {
            break;
        }
        here = match here {
            Value::Object(map) if !map.is_empty() => {
                let (key, child) = map
                    .iter()
                    .nth(u.choose_index(map.len())?)
                    .expect("in range");
                path.push(Step::Key(key.clone()));
                child
            }
            Value::Array(items) if !items.is_empty() => {
                let i = u.choose_index(items.len())?;
                path.push(Step::Index(i));
                &items[i]
            }
            _ => break,
        };
    }
    let mut at = record;
    for step in &path {
        at = match (step, at) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(k).expect("the path was read"),
            (Step::Index(i), Value::Array(items)) => &mut items[*i],
            _ => unreachable!("the path was read from this value"),
        };
    }
    match (u.choose_index(4)?, &mut *at) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let i = u.choose_index(map.len())?;
            let key = map.keys().nth(i).cloned().unwrap_or_default();
            map.remove(&key);
        }
        (0, Value::Array(items)) if !items.is_empty() => {
            items.remove(u.choose_index(items.len())?);
        }
        (1, Value::Object(map)) => {
            map.insert(word(u)?, value(u, 3)?);
        }
        (1, Value::Array(items)) => items.push(value(u, 3)?),
        (2, Value::Array(items)) if !items.is_empty() => {
            let copy = items[u.choose_index(items.len())?].clone();
            items.push(copy);
        }
        _ => *at = value(u, 3)?,
    }
    Ok(())
}
