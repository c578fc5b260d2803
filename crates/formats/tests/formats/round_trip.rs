//! What "the same record" means after import → export: the fields OSV import keeps,
//! compared as OSV means them.

use serde_json::Value;

/// Every top-level field import keeps (all of them but `schema_version`, which export
/// sets to the version it writes).
pub const KEPT: &[&str] = &[
    "id",
    "aliases",
    "related",
    "upstream",
    "summary",
    "details",
    "affected",
    "severity",
    "references",
    "credits",
    "published",
    "modified",
    "withdrawn",
    "database_specific",
];

/// Where `again` differs from `original` in the [`KEPT`] fields other than `skip`:
/// - an empty list means what an absent one means (GitHub writes `"severity": []`),
///   except `aliases` and `affected`, whose "stated empty" is kept as stated;
/// - dates are instants (`…:52Z` is `…:52.000Z`);
/// - credits are compared without `contact`: no document publishes it (issue 12).
pub fn differences(original: &Value, again: &Value, skip: &[&str]) -> Vec<String> {
    KEPT.iter()
        .filter(|f| !skip.contains(f))
        .filter_map(|&field| {
            let a = normal(field, original.get(field));
            let b = normal(field, again.get(field));
            (a != b).then(|| format!("`{field}`: {a:?} became {b:?}"))
        })
        .collect()
}

fn normal(field: &str, v: Option<&Value>) -> Option<Value> {
    let v = v?.clone();
    match field {
        "published" | "modified" | "withdrawn" => {
            let t: jiff::Timestamp = v.as_str()?.parse().ok()?;
            Some(Value::String(t.to_string()))
        }
        "aliases" | "affected" => Some(drop_empty_lists(v)),
        "credits" => {
            let mut v = drop_empty_lists(v);
            for c in v.as_array_mut().into_iter().flatten() {
                c.as_object_mut().map(|o| o.remove("contact"));
            }
            non_empty(v)
        }
        _ => non_empty(drop_empty_lists(v)),
    }
}

fn non_empty(v: Value) -> Option<Value> {
    (v != Value::Array(Vec::new())).then_some(v)
}

/// Object members whose value is `[]` removed, at every depth.
fn drop_empty_lists(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| *v != Value::Array(Vec::new()))
                .map(|(k, v)| (k, drop_empty_lists(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(drop_empty_lists).collect()),
        other => other,
    }
}

#[test]
fn the_comparison_sees_real_changes_and_only_those() {
    use serde_json::json;
    let original = json!({
        "id": "GHSA-x", "severity": [], "published": "2024-01-01T00:00:00Z",
        "credits": [{"name": "A", "contact": ["a@example.org"]}],
        "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": []}]
    });
    let same = json!({
        "id": "GHSA-x", "published": "2024-01-01T00:00:00.000Z",
        "credits": [{"name": "A"}],
        "affected": [{"package": {"ecosystem": "npm", "name": "x"}}]
    });
    assert_eq!(differences(&original, &same, &[]), Vec::<String>::new());
    let changed = json!({
        "id": "GHSA-x", "published": "2024-01-02T00:00:00Z",
        "credits": [{"name": "B"}],
        "affected": []
    });
    let found = differences(&original, &changed, &[]);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(
        differences(&original, &changed, &["published", "credits", "affected"]).len(),
        0
    );
}
