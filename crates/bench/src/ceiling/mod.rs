//! The ceilings: what the machine does with the same stack and nothing of Embargo's
//! work — a bare axum handler, a bare durable insert loop, pgbench's inserts.

pub mod http;
pub mod pgbench;
pub mod sqlite;
