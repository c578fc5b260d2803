//! Published advisories to import: OSV 1.7 records shaped like the Go vulnerability
//! database's (an id, a CVE alias, a summary, details, a SEMVER range, references,
//! credits), each different, for `embargo import osv`.

use crate::report::Rng;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The `n`-th record of a set made distinct by `salt`.
pub fn record(salt: u64, n: u64) -> serde_json::Value {
    let mut rng = Rng::new(salt ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let minor = 10 + rng.below(20);
    let patch = rng.below(9);
    let day = 1 + rng.below(28);
    let month = 1 + rng.below(12);
    let summary = format!(
        "{} in example.org/connect/{} (bench {salt:x}-{n})",
        [
            "Denial of service",
            "Request smuggling",
            "Out-of-bounds read",
            "Header injection"
        ][rng.below(4)],
        ["h2", "grpc", "codec", "compress", "retry"][rng.below(5)],
    );
    serde_json::json!({
        "schema_version": "1.7.0",
        "id": format!("GO-2025-{:05}", n + 1),
        "modified": format!("2025-{month:02}-{day:02}T12:00:00Z"),
        "published": format!("2025-{month:02}-{day:02}T10:00:00Z"),
        "aliases": [format!("CVE-2025-{}", 20_000 + n)],
        "summary": summary,
        "details": format!(
            "A crafted message with a length prefix larger than the configured limit makes the \
             server allocate memory before checking it. A remote client can exhaust the \
             server's memory with a few requests.\n\nVersions before 1.{minor}.{patch} are \
             affected; upgrade, or set a message size limit."
        ),
        "affected": [{
            "package": {"name": "example.org/connect", "ecosystem": "Go"},
            "ranges": [{
                "type": "SEMVER",
                "events": [{"introduced": "0"}, {"fixed": format!("1.{minor}.{patch}")}]
            }]
        }],
        "references": [
            {"type": "FIX", "url": format!("https://example.org/connect/commit/{:016x}", rng.next_u64())},
            {"type": "ADVISORY", "url": format!("https://example.org/connect/security/{}", n + 1)}
        ],
        "credits": [{"name": format!("Researcher {}", rng.below(1000))}]
    })
}

/// Writes `count` records into `dir` (created if needed), one file each; returns the paths.
pub fn write_records(dir: &Path, salt: u64, count: u64) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(Error::io(format!("creating {}", dir.display())))?;
    let mut paths = Vec::with_capacity(count as usize);
    for n in 0..count {
        let r = record(salt, n);
        let id = r["id"].as_str().unwrap_or("record").to_owned();
        let path = dir.join(format!("{id}.json"));
        let text = serde_json::to_vec_pretty(&r).map_err(|e| Error::failed(e.to_string()))?;
        std::fs::write(&path, text).map_err(Error::io(format!("writing {}", path.display())))?;
        paths.push(path);
    }
    Ok(paths)
}
