//! Why a vector string was refused.
//!
//! Policy: every variant names one problem and carries the part of the input it is
//! about, so that a user can fix the vector from the message alone. `rule()` is the
//! stable code that APIs and scripts match on; `field()` names the metric (or
//! `version`). Input echoed back is cut to [`ECHO_LIMIT`] characters so that a stray
//! megabyte on one line does not come back in the error.

use crate::Version;

pub(crate) const ECHO_LIMIT: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the vector is empty")]
    Empty,
    #[error(
        "`{found}` is not a CVSS version prefix; a vector starts with `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/`, or is a CVSS v2.0 vector starting with `AV:`{hint}",
        hint = if *.looks_v3_or_v4 { " (this looks like a v3 or v4 vector without its prefix)" } else { "" }
    )]
    MissingPrefix {
        found: String,
        /// The vector uses metrics that only v3/v4 have.
        looks_v3_or_v4: bool,
    },
    #[error(
        "CVSS version `{version}` is not supported; use 3.0, 3.1 or 4.0 after `CVSS:` (CVSS v2.0 vectors have no prefix)"
    )]
    UnknownVersion { version: String },
    #[error("`{component}` is not a metric; expected NAME:VALUE between slashes, e.g. `AV:N`")]
    MalformedMetric { component: String },
    #[error("CVSS {version} has no metric `{metric}`{hint}", hint = suggestion_hint(*.suggestion))]
    UnknownMetric {
        version: Version,
        metric: String,
        /// The metric meant, when only the letter case was wrong.
        suggestion: Option<&'static str>,
    },
    #[error("metric `{metric}` ({name}) has no value `{value}`; expected one of {expected}")]
    InvalidValue {
        metric: &'static str,
        name: &'static str,
        value: String,
        /// The allowed values, comma-separated.
        expected: String,
    },
    #[error("metric `{metric}` appears more than once; a vector gives each metric at most once")]
    DuplicateMetric { metric: &'static str },
    #[error(
        "mandatory base metric `{metric}` ({name}) is missing; CVSS {version} requires all of {required}"
    )]
    MissingMetric {
        version: Version,
        metric: &'static str,
        name: &'static str,
        required: String,
    },
    #[error(
        "metric `{metric}` must come before `{after}`; CVSS {version} requires the order {order}"
    )]
    OutOfOrder {
        version: Version,
        metric: &'static str,
        after: &'static str,
        order: String,
    },
}

fn suggestion_hint(suggestion: Option<&'static str>) -> String {
    match suggestion {
        Some(s) => format!(" (metric names are case-sensitive: did you mean `{s}`?)"),
        None => String::new(),
    }
}

impl ParseError {
    /// A stable machine code, e.g. `cvss.unknown_metric`.
    pub fn rule(&self) -> &'static str {
        match self {
            ParseError::Empty => "cvss.empty",
            ParseError::MissingPrefix { .. } => "cvss.missing_prefix",
            ParseError::UnknownVersion { .. } => "cvss.unknown_version",
            ParseError::MalformedMetric { .. } => "cvss.malformed_metric",
            ParseError::UnknownMetric { .. } => "cvss.unknown_metric",
            ParseError::InvalidValue { .. } => "cvss.invalid_value",
            ParseError::DuplicateMetric { .. } => "cvss.duplicate_metric",
            ParseError::MissingMetric { .. } => "cvss.missing_metric",
            ParseError::OutOfOrder { .. } => "cvss.metric_order",
        }
    }

    /// The metric the problem is about; `version` for prefix problems; the offending
    /// text for a component that is not NAME:VALUE; nothing for empty input.
    pub fn field(&self) -> Option<&str> {
        match self {
            ParseError::Empty => None,
            ParseError::MissingPrefix { .. } | ParseError::UnknownVersion { .. } => Some("version"),
            ParseError::MalformedMetric { component } => Some(component),
            ParseError::UnknownMetric { metric, .. } => Some(metric),
            ParseError::InvalidValue { metric, .. }
            | ParseError::DuplicateMetric { metric }
            | ParseError::MissingMetric { metric, .. }
            | ParseError::OutOfOrder { metric, .. } => Some(metric),
        }
    }
}

/// Cuts echoed input to a readable length (on a char boundary).
pub(crate) fn echo(s: &str) -> String {
    match s.char_indices().nth(ECHO_LIMIT) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}
