//! Embargo's bench suite: the ceilings Embargo is measured against (a bare axum handler,
//! a bare SQLite insert loop, pgbench), the load and seed tools, and the runner that
//! `scripts/bench` calls to measure both side by side and print a table of ratios.
//!
//! Start reading at [`suite`] (the groups of measurements) and [`table`] (what is
//! printed). Everything here drives Embargo from the outside — its binary, its HTTP API,
//! its admin CLI — so the bench keeps working while Embargo's insides change.

pub mod ceiling;
pub mod client;
pub mod embargo;
pub mod error;
pub mod load;
pub mod machine;
pub mod osv;
pub mod pg;
pub mod report;
pub mod seed;
pub mod stats;
pub mod suite;
pub mod table;
pub mod wrk;

pub use error::{Error, Result};
