//! Fuzz targets for every parser Embargo exposes to the outside: CVSS vectors, OSV
//! records, incoming mail, Markdown, JSON API bodies and multipart forms. Each module
//! has the properties its target checks, so that the libFuzzer binaries in
//! `fuzz_targets/` are one line each. `scripts/fuzz` builds and runs them; see
//! `docs/fuzzing.md`.
#![forbid(unsafe_code)]

pub mod api_json;
pub mod cvss;
pub mod mail;
pub mod markdown;
pub mod multipart;
pub mod osv;
mod server;
