//! CVSS v2.0, v3.0, v3.1 and v4.0 vectors: strict parsing with errors a user can act
//! on; v4.0 scores by FIRST's method from our parsed fields, v2.0/v3.x scores through
//! the `cvss` crate (corrected where it departs from FIRST's v3.0 specification), the
//! crate being the oracle for all of them in tests; the JSON form; and the metric
//! tables a calculator needs.
//!
//! Start with [`assess`] (string → [`Assessment`]) or [`Vector::parse`]; the tables
//! are [`metrics`]. Pure: no IO.

mod defs;
mod error;
mod json;
mod score;
mod vector;

pub use defs::{Group, MetricDef, ValueDef, metrics};
pub use error::ParseError;
pub use score::{Assessment, Nomenclature, Score, Severity, assess};
pub use vector::{MetricValue, Vector, Version};
