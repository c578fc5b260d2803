//! Advisory documents: a disclosed case, mapped by the server onto [`Advisory`], goes out
//! as a CVE JSON 5 record ([`cve`]), an OSV record ([`osv`]) and a CSAF 2.0 security
//! advisory ([`csaf`]); OSV records come back in through [`osv::import`]. Around them:
//! release notes ([`release_notes`], C17), the post-mortem ([`post_mortem`], C19) and
//! the notices to lists and chat ([`notice`], V3, V4, V9, V10, C18).
//!
//! **Pure**: no IO, no clock. Every date a document carries comes from the advisory, so
//! the same advisory always gives the same bytes (which is what snapshots rely on).
//!
//! Errors: each exporter returns [`Error`]; a document is either complete or not made
//! at all — a missing CNA, CVE id or publisher is an [`Error::Missing`] naming the
//! field, never a half record.

pub mod csaf;
pub mod cve;
mod cvss_json;
mod error;
mod model;
pub mod notice;
pub mod osv;
pub mod post_mortem;
pub mod release_notes;
pub mod security_md;
mod text;

pub use text::{plain, utc_minute};

/// FIRST's CVSS JSON objects, as the documents embed them.
pub mod cvss {
    use crate::Error;
    use serde_json::Value;

    /// The FIRST JSON object for a v3.0, v3.1 or v4.0 vector (`cvss-v3.x.json`,
    /// `cvss-v4.0.json`): vector, scores, severities and the metric fields. v2.0 vectors
    /// are refused: no document of ours writes them.
    pub fn first_json(vector: &str) -> Result<Value, Error> {
        let a = crate::cvss_json::assess("CVSS", vector)?;
        match a.vector.version() {
            embargo_cvss::Version::V3_0 | embargo_cvss::Version::V3_1 => {
                Ok(crate::cvss_json::v3(&a))
            }
            embargo_cvss::Version::V4_0 => Ok(crate::cvss_json::v4(&a)),
            embargo_cvss::Version::V2_0 => Err(Error::Invalid {
                format: "CVSS",
                field: "vector",
                reason: "CVSS v2.0 objects are not written".into(),
            }),
        }
    }
}

pub use error::{Error, Missing};
pub use model::{
    Advisory, Affected, Cna, Credit, CreditKind, Cwe, Event, Package, Publisher, Range, RangeKind,
    Reference, ReferenceKind, Revision, Severity, SeverityKind, TimelineEntry, Withdrawal,
};
