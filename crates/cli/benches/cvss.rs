//! CVSS throughput, in vectors per second: end to end through `embargo cvss --json -`
//! (a child process fed 200,000 generated vectors), and in process, stage by stage
//! (parse, score, JSON), to show where the time goes. See docs/cvss.md; the
//! comparison with the Python `cvss` library is `scripts/bench-cvss`.

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use embargo_cvss::{Assessment, Vector, Version, assess, metrics};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

const END_TO_END_LINES: usize = 200_000;
const IN_PROCESS_LINES: usize = 20_000;
const VERSIONS: [&str; 3] = ["2.0", "3.1", "4.0"];

fn main() {
    divan::main();
}

fn version(name: &str) -> Version {
    match name {
        "2.0" => Version::V2_0,
        "3.1" => Version::V3_1,
        "4.0" => Version::V4_0,
        other => panic!("no benchmark for CVSS {other}"),
    }
}

/// `n` valid vectors, one per line: every base metric, each other metric half the
/// time, values drawn by a fixed xorshift so every run scores the same input.
fn generate(version: Version, n: usize) -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::with_capacity(n * 120);
    for _ in 0..n {
        let mut sep = "";
        if version != Version::V2_0 {
            out.push_str("CVSS:");
            out.push_str(version.as_str());
            sep = "/";
        }
        for m in metrics(version) {
            if !m.mandatory && next() % 2 == 0 {
                continue;
            }
            let pick = usize::try_from(next() % m.values.len() as u64).unwrap_or(0);
            out.push_str(sep);
            out.push_str(m.abbr);
            out.push(':');
            out.push_str(m.values[pick].abbr);
            sep = "/";
        }
        out.push('\n');
    }
    out
}

fn parsed(name: &str) -> Vec<Vector> {
    generate(version(name), IN_PROCESS_LINES)
        .lines()
        .map(|l| Vector::parse(l).unwrap())
        .collect()
}

fn assessed(name: &str) -> Vec<Assessment> {
    parsed(name).iter().map(Vector::assess).collect()
}

#[divan::bench(args = VERSIONS, sample_count = 3, sample_size = 1)]
fn end_to_end_json_stdin(bencher: Bencher, name: &str) {
    let input = generate(version(name), END_TO_END_LINES);
    bencher
        .counter(ItemsCount::new(END_TO_END_LINES))
        .bench(|| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_embargo"))
                .args(["cvss", "--json", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            // A consumer that reads as it comes, as `| wc -l` would: keeping the
            // hundreds of MB would measure this process's page faults instead.
            let mut chunk = vec![0u8; 1 << 16];
            let mut lines = 0;
            std::thread::scope(|s| {
                s.spawn(|| {
                    stdin.write_all(input.as_bytes()).unwrap();
                    drop(stdin);
                });
                loop {
                    let n = stdout.read(&mut chunk).unwrap();
                    if n == 0 {
                        break;
                    }
                    lines += chunk[..n].iter().filter(|&&b| b == b'\n').count();
                }
            });
            assert!(child.wait().unwrap().success());
            assert_eq!(lines, END_TO_END_LINES);
        });
}

/// Everything the command does to a line but read and write it.
#[divan::bench(args = VERSIONS)]
fn in_process_parse_score_and_json(bencher: Bencher, name: &str) {
    let input = generate(version(name), IN_PROCESS_LINES);
    let mut out = Vec::with_capacity(1 << 20);
    bencher
        .counter(ItemsCount::new(IN_PROCESS_LINES))
        .bench_local(|| {
            out.clear();
            for line in input.lines() {
                assess(line).unwrap().write_json(&mut out);
                out.push(b'\n');
            }
            black_box(&out);
        });
}

#[divan::bench(args = VERSIONS)]
fn in_process_parse_only(bencher: Bencher, name: &str) {
    let input = generate(version(name), IN_PROCESS_LINES);
    bencher
        .counter(ItemsCount::new(IN_PROCESS_LINES))
        .bench(|| {
            for line in input.lines() {
                black_box(Vector::parse(black_box(line)).unwrap());
            }
        });
}

#[divan::bench(args = VERSIONS)]
fn in_process_score_only(bencher: Bencher, name: &str) {
    let vectors = parsed(name);
    bencher
        .counter(ItemsCount::new(IN_PROCESS_LINES))
        .bench(|| {
            for v in &vectors {
                black_box(black_box(v).assess());
            }
        });
}

/// `Assessment::write_json`, what the command uses.
#[divan::bench(args = VERSIONS)]
fn in_process_json_only(bencher: Bencher, name: &str) {
    let assessments = assessed(name);
    let mut out = Vec::with_capacity(1 << 20);
    bencher
        .counter(ItemsCount::new(IN_PROCESS_LINES))
        .bench_local(|| {
            out.clear();
            for a in &assessments {
                a.write_json(&mut out);
                out.push(b'\n');
            }
            black_box(&out);
        });
}

/// The same JSON through serde_json (the server's path), for comparison.
#[divan::bench(args = VERSIONS)]
fn in_process_serde_json_only(bencher: Bencher, name: &str) {
    let assessments = assessed(name);
    let mut out = Vec::with_capacity(1 << 20);
    bencher
        .counter(ItemsCount::new(IN_PROCESS_LINES))
        .bench_local(|| {
            out.clear();
            for a in &assessments {
                serde_json::to_writer(&mut out, a).unwrap();
                out.push(b'\n');
            }
            black_box(&out);
        });
}
