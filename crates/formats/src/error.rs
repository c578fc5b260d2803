//! Errors: one enum for the crate. The messages name the advisory field to fill in or
//! fix, so the server can show them to the coordinator as they are. Advisory text is
//! never echoed (it may still be embargoed where the error is logged); ids, field
//! names and vector strings are.

use thiserror::Error;

/// Why a document could not be made, or an OSV record not read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// A field the target format requires is empty.
    #[error("{format}: the advisory has no {missing}; set it before exporting")]
    Missing {
        format: &'static str,
        missing: Missing,
    },
    /// A CVSS vector the advisory carries does not parse.
    #[error("{format}: CVSS vector `{vector}` is invalid: {reason}")]
    InvalidCvss {
        format: &'static str,
        vector: String,
        reason: String,
    },
    /// A value is longer than the format allows.
    #[error("{format}: `{field}` is {len} characters long; the format allows at most {max}")]
    TooLong {
        format: &'static str,
        field: &'static str,
        len: usize,
        max: usize,
    },
    /// A value has the wrong shape for the format.
    #[error("{format}: `{field}` is invalid: {reason}")]
    Invalid {
        format: &'static str,
        field: &'static str,
        reason: String,
    },
    /// An OSV record that does not match the OSV schema's shape.
    #[error("OSV import: {0}")]
    OsvShape(String),
}

impl Error {
    /// Whether the advisory simply cannot have a document of this kind (yet), rather
    /// than a document failing: no CVE id for a CVE record, nothing named as affected
    /// for a CVE record or a CSAF document, no id OSV accepts for an OSV record. An
    /// export of many advisories skips these and says why; the others are failures.
    pub fn not_applicable(&self) -> bool {
        match self {
            Error::Missing { missing, .. } => matches!(missing, Missing::CveId | Missing::Affected),
            Error::Invalid { format, field, .. } => *format == "OSV" && *field == "id",
            Error::InvalidCvss { .. } | Error::TooLong { .. } | Error::OsvShape(_) => false,
        }
    }
}

/// What an exporter found missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// [`crate::Advisory::cve_id`].
    CveId,
    /// [`crate::Advisory::cna`]: no CNA at all.
    Cna,
    /// [`crate::Cna::short_name`] is empty.
    CnaShortName,
    /// [`crate::Cna::org_id`] is empty.
    CnaOrgId,
    /// [`crate::Advisory::publisher`].
    Publisher,
    /// [`crate::Advisory::summary`].
    Summary,
    /// [`crate::Advisory::details`].
    Details,
    /// [`crate::Advisory::published`].
    Published,
    /// [`crate::Advisory::affected`] is empty.
    Affected,
    /// [`crate::Advisory::references`] is empty.
    References,
    /// [`crate::Advisory::csaf_url`].
    CsafUrl,
    /// A [`crate::Cwe`] without a name: CSAF requires the CWE's name.
    CweName,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Missing::CveId => "CVE id (`cve_id`)",
            Missing::Cna => "CNA (`cna`: short name and org id)",
            Missing::CnaShortName => "CNA short name (`cna.short_name`)",
            Missing::CnaOrgId => "CNA org id (`cna.org_id`, a UUID)",
            Missing::Publisher => "publisher (`publisher`: name and namespace URL)",
            Missing::Summary => "summary (`summary`, the title)",
            Missing::Details => "description (`details`)",
            Missing::Published => "publication date (`published`)",
            Missing::Affected => "affected package (`affected`)",
            Missing::References => "reference (`references`)",
            Missing::CsafUrl => "CSAF document URL (`csaf_url`, the `self` reference)",
            Missing::CweName => "CWE name (`cwes[].name`)",
        })
    }
}

pub(crate) fn missing(format: &'static str, missing: Missing) -> Error {
    Error::Missing { format, missing }
}
