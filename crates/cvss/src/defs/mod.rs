//! What each CVSS version's vector may contain: metrics, their values, names in words
//! and FIRST's short descriptions, in the order the specification lists them.
//!
//! The tables drive parsing (allowed names and values, order, mandatory metrics) and
//! are public so that a calculator can be built from them.

mod v2;
mod v3;
mod v4;

use crate::Version;
use serde::Serialize;

/// The group a metric belongs to; v3 has Temporal where v4 has Threat and Supplemental.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Group {
    Base,
    Temporal,
    Threat,
    Environmental,
    Supplemental,
}

/// One metric of a version, e.g. `AV` — Attack Vector.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct MetricDef {
    /// The abbreviation used in vector strings (case-sensitive).
    pub abbr: &'static str,
    /// The metric's name in FIRST's specification.
    pub name: &'static str,
    pub group: Group,
    /// Base metrics must all be present in a vector string.
    pub mandatory: bool,
    pub description: &'static str,
    /// Allowed values, in the specification's order.
    pub values: &'static [ValueDef],
}

/// One value of a metric, e.g. `N` — Network.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct ValueDef {
    pub abbr: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

impl MetricDef {
    pub fn value(&self, abbr: &str) -> Option<&'static ValueDef> {
        self.values.iter().find(|v| v.abbr == abbr)
    }
}

/// The metrics of `version`, in the order its specification lists them (the order
/// in which [`crate::Vector`] prints them).
pub fn metrics(version: Version) -> &'static [MetricDef] {
    match version {
        Version::V2_0 => v2::METRICS,
        Version::V3_0 | Version::V3_1 => v3::METRICS,
        Version::V4_0 => v4::METRICS,
    }
}
