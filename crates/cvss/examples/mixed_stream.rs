//! Writes a deterministic stream of CVSS vectors to stdout, one per line, for the
//! throughput comparison in `scripts/bench-cvss` (see `docs/cvss.md`).
//!
//! `cargo run --release -p embargo-cvss --example mixed_stream -- COUNT [SEED]`
//!
//! The mix stands in for what a security team pipes through `embargo cvss`: mostly
//! v3.1, a growing share of v4.0, legacy v2.0 and v3.0, and a few broken vectors.
//! Per valid vector: 60 % base metrics only, 25 % base plus every temporal/threat
//! metric, 15 % base plus each other metric with probability ½. The invalid 5 % cycle
//! through the kinds of mistakes `embargo cvss` names (see `ParseError`).

use embargo_cvss::{Group, Vector, Version, metrics};
use std::io::{BufWriter, Write};

/// Per mille of the stream, in this order; the rest (50 ‰) is invalid.
const MIX: [(Version, u64); 4] = [
    (Version::V3_1, 450),
    (Version::V4_0, 250),
    (Version::V2_0, 150),
    (Version::V3_0, 100),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| usage());
    let seed: u64 = args
        .next()
        .map_or(0x5EED, |a| a.parse().unwrap_or_else(|_| usage()));
    let mut rng = XorShift(seed.max(1));
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::with_capacity(512);
    for n in 0..count {
        line.clear();
        let roll = rng.below(1000);
        let mut acc = 0;
        let version = MIX.iter().find_map(|&(v, share)| {
            acc += share;
            (roll < acc).then_some(v)
        });
        match version {
            Some(v) => valid(&mut rng, v, &mut line),
            None => invalid(&mut rng, n, &mut line),
        }
        line.push('\n');
        if out.write_all(line.as_bytes()).is_err() {
            return;
        }
    }
    let _ = out.flush();
}

fn usage() -> ! {
    eprintln!("usage: mixed_stream COUNT [SEED]");
    std::process::exit(2);
}

/// A valid vector of `version` in the specification's order.
fn valid(rng: &mut XorShift, version: Version, out: &mut String) {
    let shape = rng.below(100);
    if version != Version::V2_0 {
        out.push_str("CVSS:");
        out.push_str(version.as_str());
    }
    let mut sep = if version == Version::V2_0 { "" } else { "/" };
    for m in metrics(version) {
        let include = match m.group {
            Group::Base => true,
            Group::Temporal | Group::Threat => shape >= 60 && (shape < 85 || rng.below(2) == 0),
            Group::Environmental | Group::Supplemental => shape >= 85 && rng.below(2) == 0,
        };
        if !include {
            continue;
        }
        let value = &m.values[rng.below(m.values.len() as u64) as usize];
        out.push_str(sep);
        out.push_str(m.abbr);
        out.push(':');
        out.push_str(value.abbr);
        sep = "/";
    }
}

/// A vector with one mistake; the kind cycles so that every kind is present.
fn invalid(rng: &mut XorShift, n: u64, out: &mut String) {
    let mut base = String::new();
    let version = [Version::V3_1, Version::V4_0, Version::V2_0][rng.below(3) as usize];
    valid(rng, version, &mut base);
    let kind = n % 8;
    match kind {
        // Lower case: FIRST's abbreviations are case-sensitive.
        0 => out.push_str(&base.to_lowercase()),
        // A missing base metric.
        1 => out.push_str(
            base.rsplit_once('/')
                .map_or(base.as_str(), |(head, _)| head),
        ),
        // A value the metric does not have.
        2 => out.push_str(&base.replacen(":N", ":Q", 1).replacen(":L", ":Q", 1)),
        // A trailing slash.
        3 => {
            out.push_str(&base);
            out.push('/');
        }
        // An unknown version.
        4 => out.push_str(
            &base
                .replacen("CVSS:3.1", "CVSS:3.2", 1)
                .replacen("CVSS:4.0", "CVSS:4.1", 1),
        ),
        // A v3/v4 vector without its prefix.
        5 => out.push_str(
            base.strip_prefix("CVSS:")
                .map_or(base.as_str(), |s| &s[4..]),
        ),
        // A duplicate metric.
        6 => {
            out.push_str(&base);
            let first = base
                .split('/')
                .find(|c| !c.starts_with("CVSS:"))
                .unwrap_or("");
            out.push('/');
            out.push_str(first);
        }
        // Two metrics swapped (an order error for v2.0/v4.0).
        _ => {
            let mut parts: Vec<&str> = base.split('/').collect();
            let at = usize::from(parts[0].starts_with("CVSS:"));
            parts.swap(at, at + 1);
            out.push_str(&parts.join("/"));
        }
    }
    // A swap is no mistake in v3.1 (any order), a `Q` may find nothing to replace.
    if Vector::parse(out).is_ok() {
        out.push('/');
    }
}

/// xorshift64: tiny, deterministic, good enough to spread metric values.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
