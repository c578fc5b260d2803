//! An assessment's JSON, written straight into a byte buffer: the bytes serde_json
//! writes for its `Serialize` impl, at a fraction of the cost, for `embargo cvss
//! --json` on large streams.
//!
//! Most of a line is the metrics, each with its names in words (~100 bytes a metric);
//! those objects are serialized once per metric value, by serde_json itself, and then
//! copied. Everything else is ASCII the tables fix (abbreviations, versions, rating
//! names) or a score in tenths. Tests compare the two writers.

use crate::defs::metrics;
use crate::score::{Assessment, Score};
use crate::vector::{MetricValue, Version};
use std::sync::OnceLock;

impl Assessment {
    /// Appends the JSON object of this assessment to `out`, byte for byte what
    /// `serde_json::to_writer(out, self)` writes (no trailing newline).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let vector = &self.vector;
        let version = vector.version();
        let fragments = &fragments()[table(version)];
        out.extend_from_slice(b"{\"vector\":\"");
        // The normalized vector (as `Display` prints it). Abbreviations are letters
        // only (tested), so it needs no escaping.
        let mut sep: &[u8] = match version {
            Version::V2_0 => b"",
            Version::V3_0 => b"CVSS:3.0/",
            Version::V3_1 => b"CVSS:3.1/",
            Version::V4_0 => b"CVSS:4.0/",
        };
        for (metric, value) in vector.given() {
            out.extend_from_slice(sep);
            sep = b"/";
            out.extend_from_slice(&fragments[metric][value].component);
        }
        out.extend_from_slice(b"\",\"version\":\"");
        out.extend_from_slice(version.as_str().as_bytes());
        out.extend_from_slice(b"\",\"score\":");
        push_score(out, self.score);
        out.extend_from_slice(b",\"severity\":\"");
        out.extend_from_slice(self.severity.as_str().as_bytes());
        out.push(b'"');
        for (key, score) in [
            (&b",\"base_score\":"[..], self.base_score),
            (b",\"temporal_score\":", self.temporal_score),
            (b",\"environmental_score\":", self.environmental_score),
        ] {
            if let Some(score) = score {
                out.extend_from_slice(key);
                push_score(out, score);
            }
        }
        if let Some(n) = self.nomenclature {
            out.extend_from_slice(b",\"nomenclature\":\"");
            out.extend_from_slice(n.as_str().as_bytes());
            out.push(b'"');
        }
        out.extend_from_slice(b",\"metrics\":[");
        let mut sep: &[u8] = b"";
        for (metric, value) in vector.given() {
            out.extend_from_slice(sep);
            sep = b",";
            out.extend_from_slice(&fragments[metric][value].object);
        }
        out.extend_from_slice(b"]}");
    }
}

/// A score as serde_json writes the `f64` (shortest round-trip form): `9.8`, `10.0`,
/// `0.0` (checked for all 101 scores).
fn push_score(out: &mut Vec<u8>, score: Score) {
    let tenths = score.tenths();
    if tenths >= 100 {
        out.extend_from_slice(b"10");
    } else {
        out.push(b'0' + tenths / 10);
    }
    out.push(b'.');
    out.push(b'0' + tenths % 10);
}

/// Which table of `fragments` a version uses (v3.0 and v3.1 share their metrics).
fn table(version: Version) -> usize {
    match version {
        Version::V2_0 => 0,
        Version::V3_0 | Version::V3_1 => 1,
        Version::V4_0 => 2,
    }
}

/// What a metric value adds to the JSON.
struct Fragment {
    /// In the vector: `AV:N`.
    component: Box<[u8]>,
    /// In `metrics`: the serialized `MetricValue` object.
    object: Box<[u8]>,
}

/// Per table, per metric, per value.
type Fragments = [Vec<Vec<Fragment>>; 3];

fn fragments() -> &'static Fragments {
    static FRAGMENTS: OnceLock<Fragments> = OnceLock::new();
    FRAGMENTS.get_or_init(|| {
        [Version::V2_0, Version::V3_1, Version::V4_0].map(|version| {
            metrics(version)
                .iter()
                .map(|metric| {
                    metric
                        .values
                        .iter()
                        .map(|value| {
                            let mv = MetricValue { metric, value };
                            Fragment {
                                component: mv.to_string().into_bytes().into_boxed_slice(),
                                // Writing into a Vec cannot fail, and the object has
                                // only string fields.
                                object: serde_json::to_vec(&mv)
                                    .unwrap_or_default()
                                    .into_boxed_slice(),
                            }
                        })
                        .collect()
                })
                .collect()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Version, assess};

    #[test]
    fn scores_print_as_serde_json_prints_them() {
        for tenths in 0..=100u8 {
            let mut ours = Vec::new();
            push_score(&mut ours, Score::from_tenths(tenths));
            let theirs = serde_json::to_vec(&(f64::from(tenths) / 10.0)).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }

    #[test]
    fn abbreviations_need_no_escaping() {
        for version in Version::ALL {
            for m in metrics(version) {
                assert!(
                    m.abbr.bytes().all(|b| b.is_ascii_alphanumeric()),
                    "{}",
                    m.abbr
                );
                for v in m.values {
                    assert!(
                        v.abbr.bytes().all(|b| b.is_ascii_alphanumeric()),
                        "{}",
                        v.abbr
                    );
                }
            }
        }
    }

    /// Every metric value of every version, each group present and absent: the same
    /// bytes as serde_json.
    #[test]
    fn same_bytes_as_serde_json() {
        let bases = [
            "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ];
        let mut checked = 0;
        for base in bases {
            let version = assess(base).unwrap().vector.version();
            let mut inputs = vec![base.to_owned()];
            for m in metrics(version).iter().filter(|m| !m.mandatory) {
                for v in m.values {
                    inputs.push(format!("{base}/{}:{}", m.abbr, v.abbr));
                }
            }
            for input in inputs {
                let a = assess(&input).unwrap();
                let mut ours = Vec::new();
                a.write_json(&mut ours);
                let theirs = serde_json::to_vec(&a).unwrap();
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    String::from_utf8(theirs).unwrap()
                );
                checked += 1;
            }
        }
        assert!(checked > 100);
    }
}
