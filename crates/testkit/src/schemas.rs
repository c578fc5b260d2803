//! The official schemas from `shared/specs` (CVE JSON 5, OSV, CSAF 2.0, FIRST CVSS),
//! compiled once, with every `$ref` to a
//! FIRST CVSS schema served from the local copies: nothing is fetched.

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;
use std::sync::OnceLock;

pub use crate::specs_dir;

pub fn read_json(path: impl AsRef<std::path::Path>) -> Value {
    let path = specs_dir().join(path);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Serves FIRST's CVSS schema URLs (and CSAF's own) from `csaf-2.0/`; any other URL is an error, so a
/// schema that needs the network fails to compile instead of fetching.
struct LocalFirstSchemas;

impl Retrieve for LocalFirstSchemas {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let file = match uri.as_str() {
            "https://www.first.org/cvss/cvss-v2.0.json" => "cvss-v2.0.json",
            "https://www.first.org/cvss/cvss-v3.0.json" => "cvss-v3.0.json",
            "https://www.first.org/cvss/cvss-v3.1.json" => "cvss-v3.1.json",
            // The provider metadata schema borrows the CSAF document's `publisher`.
            "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json" => {
                "csaf_json_schema.json"
            }
            other => return Err(format!("no local copy of {other}; refusing to fetch").into()),
        };
        Ok(read_json(format!("csaf-2.0/{file}")))
    }
}

fn compile(path: &str) -> Validator {
    jsonschema::options()
        .with_retriever(LocalFirstSchemas)
        .should_validate_formats(true)
        .build(&read_json(path))
        .unwrap_or_else(|e| panic!("{path} does not compile: {e}"))
}

pub fn cve() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| compile("cve-5/CVE_Record_Format_bundled_5.1.1.json"))
}

pub fn osv() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| compile("osv/schema.json"))
}

pub fn csaf() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| compile("csaf-2.0/csaf_json_schema.json"))
}

/// CSAF 2.0's schema for `provider-metadata.json`.
pub fn csaf_provider() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| compile("csaf-2.0/provider_json_schema.json"))
}

/// FIRST's CVSS schema for a `cvss_v2`/`cvss_v3` object's version.
pub fn first_cvss(version: &str) -> Option<&'static Validator> {
    static V2: OnceLock<Validator> = OnceLock::new();
    static V30: OnceLock<Validator> = OnceLock::new();
    static V31: OnceLock<Validator> = OnceLock::new();
    Some(match version {
        "2.0" => V2.get_or_init(|| compile("csaf-2.0/cvss-v2.0.json")),
        "3.0" => V30.get_or_init(|| compile("csaf-2.0/cvss-v3.0.json")),
        "3.1" => V31.get_or_init(|| compile("csaf-2.0/cvss-v3.1.json")),
        _ => return None,
    })
}

/// Every schema error, with where it is, for an assertion message.
pub fn errors(validator: &Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[track_caller]
pub fn assert_valid(validator: &Validator, doc: &Value) {
    let errors = errors(validator, doc);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
}
