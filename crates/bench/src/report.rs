//! Fresh vulnerability reports for intake and seeding: each one different, shaped like
//! what researchers send (a title, a Markdown description of a few paragraphs with a
//! code block, a component, versions, sometimes a name and an e-mail address).

/// The components the bench's project is created with; reports name one of them.
pub const COMPONENTS: [&str; 3] = ["go", "swift", "kotlin"];

const WEAKNESSES: [&str; 12] = [
    "Unbounded allocation",
    "Integer overflow",
    "Out-of-bounds read",
    "Use after free",
    "Path traversal",
    "Request smuggling",
    "Denial of service",
    "Timing side channel",
    "Missing authorization check",
    "Header injection",
    "Infinite loop",
    "Stack exhaustion",
];

const PLACES: [&str; 10] = [
    "the frame decoder",
    "the header parser",
    "the TLS handshake",
    "compressed message handling",
    "the streaming reader",
    "the retry middleware",
    "JSON unmarshalling",
    "the connection pool",
    "trailer processing",
    "the reflection service",
];

const WORDS: [&str; 24] = [
    "a", "crafted", "message", "with", "length", "prefix", "larger", "than", "the", "limit",
    "makes", "server", "allocate", "memory", "before", "checking", "each", "client", "request",
    "can", "trigger", "this", "remotely", "without",
];

/// A small deterministic generator (SplitMix64): the same `(salt, n)` gives the same
/// report, so a run can be repeated exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn sentence(rng: &mut Rng) -> String {
    let n = 8 + rng.below(12);
    let mut s = String::new();
    for i in 0..n {
        let w = rng.pick(&WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                s.extend(first.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

/// The `n`-th report of a run whose reports are made distinct by `salt`, as the JSON
/// body of `POST /api/v1/projects/{slug}/reports`.
pub fn report_json(salt: u64, n: u64) -> Vec<u8> {
    let mut rng = Rng::new(salt.wrapping_mul(0x1000_0000_01B3) ^ n);
    let weakness = rng.pick(&WEAKNESSES);
    let place = rng.pick(&PLACES);
    let component = rng.pick(&COMPONENTS);
    let mut description = String::new();
    for _ in 0..(2 + rng.below(3)) {
        for _ in 0..(2 + rng.below(3)) {
            description.push_str(&sentence(&mut rng));
            description.push(' ');
        }
        description.push_str("\n\n");
    }
    description.push_str("Steps to reproduce:\n\n1. Start the example server.\n2. Run the script below against it.\n\n```sh\n");
    description.push_str(&format!(
        "printf '\\x00\\x7f\\xff\\xff\\xff' | nc localhost {}\n```\n\n",
        8000 + rng.below(1000)
    ));
    description.push_str(&sentence(&mut rng));
    let mut report = serde_json::json!({
        "title": format!("{weakness} in {place} (bench {salt:x}-{n})"),
        "description": description,
        "component": component,
        "affected_versions": format!("1.{}.0 to 1.{}.3", rng.below(10), 10 + rng.below(10)),
        "platform": if rng.below(2) == 0 { "linux" } else { "any" },
    });
    if rng.below(3) == 0 {
        report["reporter_name"] = format!("Researcher {}", rng.below(10_000)).into();
        report["reporter_email"] = format!("researcher{}@example.org", rng.below(10_000)).into();
        report["credit"] = "Researcher (Example Security)".into();
    }
    serde_json::to_vec(&report).expect("a JSON value serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_distinct_and_repeatable() {
        let a = report_json(7, 1);
        assert_eq!(a, report_json(7, 1));
        assert_ne!(a, report_json(7, 2));
        assert_ne!(a, report_json(8, 1));
    }

    #[test]
    fn reports_are_within_the_intake_limits() {
        for n in 0..500 {
            let v: serde_json::Value = serde_json::from_slice(&report_json(3, n)).unwrap();
            let title = v["title"].as_str().unwrap();
            assert!(title.chars().count() <= 200, "{title}");
            assert!(!title.contains('\n'));
            let description = v["description"].as_str().unwrap();
            assert!(
                (300..65_536).contains(&description.len()),
                "{}",
                description.len()
            );
            assert!(COMPONENTS.contains(&v["component"].as_str().unwrap()));
        }
    }
}
