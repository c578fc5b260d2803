//! CVSS throughput, in vectors per second: end to end through `embargo cvss --json -`
//! (a child process fed 200,000 generated vectors), and in process (parse only,
//! parse + score, parse + score + JSON) to show where the time goes. See docs/cvss.md.

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use embargo_cvss::{Vector, Version, assess, metrics};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

const END_TO_END_LINES: usize = 200_000;
const IN_PROCESS_LINES: usize = 20_000;

fn main() {
    divan::main();
}

fn version(name: &str) -> Version {
    match name {
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
        out.push_str("CVSS:");
        out.push_str(version.as_str());
        for m in metrics(version) {
            if !m.mandatory && next() % 2 == 0 {
                continue;
            }
            let pick = usize::try_from(next() % m.values.len() as u64).unwrap_or(0);
            out.push('/');
            out.push_str(m.abbr);
            out.push(':');
            out.push_str(m.values[pick].abbr);
        }
        out.push('\n');
    }
    out
}

#[divan::bench(args = ["3.1", "4.0"], sample_count = 3, sample_size = 1)]
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
            let mut output = Vec::with_capacity(END_TO_END_LINES * 1024);
            std::thread::scope(|s| {
                s.spawn(|| {
                    stdin.write_all(input.as_bytes()).unwrap();
                    drop(stdin);
                });
                stdout.read_to_end(&mut output).unwrap();
            });
            assert!(child.wait().unwrap().success());
            let lines = output.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(lines, END_TO_END_LINES);
        });
}

#[divan::bench(args = ["3.1", "4.0"])]
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

#[divan::bench(args = ["3.1", "4.0"])]
fn in_process_parse_and_score(bencher: Bencher, name: &str) {
    let input = generate(version(name), IN_PROCESS_LINES);
    bencher
        .counter(ItemsCount::new(IN_PROCESS_LINES))
        .bench(|| {
            for line in input.lines() {
                black_box(assess(black_box(line)).unwrap());
            }
        });
}

#[divan::bench(args = ["3.1", "4.0"])]
fn in_process_parse_score_and_json(bencher: Bencher, name: &str) {
    let input = generate(version(name), IN_PROCESS_LINES);
    let mut out = Vec::with_capacity(1 << 20);
    bencher
        .counter(ItemsCount::new(IN_PROCESS_LINES))
        .bench_local(|| {
            for line in input.lines() {
                out.clear();
                serde_json::to_writer(&mut out, &assess(line).unwrap()).unwrap();
                black_box(&out);
            }
        });
}
