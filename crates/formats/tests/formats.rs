//! The formats through their public API: a realistic advisory (the Connect project),
//! each document validated offline against its official schema, held in snapshots,
//! the CSAF mandatory tests, and the OSV round trip over OSV's own examples.
// A test crate root resolves `mod` beside itself; the submodules live in `formats/`.

#[path = "formats/csaf.rs"]
mod csaf;
#[path = "formats/csaf_checks.rs"]
mod csaf_checks;
#[path = "formats/cve.rs"]
mod cve;
#[path = "formats/fixture.rs"]
mod fixture;
#[path = "formats/lifecycle.rs"]
mod lifecycle;
#[path = "formats/notice.rs"]
mod notice;
#[path = "formats/osv.rs"]
mod osv;
#[path = "formats/post_mortem.rs"]
mod post_mortem;
#[path = "formats/props.rs"]
mod props;
#[path = "formats/real.rs"]
mod real;
#[path = "formats/release_notes.rs"]
mod release_notes;
#[path = "formats/round_trip.rs"]
mod round_trip;
#[path = "formats/schemas.rs"]
mod schemas;
