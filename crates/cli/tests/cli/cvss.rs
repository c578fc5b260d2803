//! `embargo cvss`: the real binary on arguments and on stdin. Expected scores come
//! from the reference vector files in `shared/specs/cvss-testvectors/`.

use super::support::{BIN, embargo, stderr, stdout};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// `(vector, expected overall score)` from a reference file: for v3.x base-only files
/// the base score, for v4 the score.
fn reference(file: &str) -> Vec<(String, String)> {
    let specs = std::env::var_os("EMBARGO_SPECS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs"),
        PathBuf::from,
    );
    let path = specs.join("cvss-testvectors/redhat-cvss").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<_> = text
        .lines()
        .filter_map(|l| l.split_once(" - "))
        .map(|(v, e)| {
            let first = e
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .next()
                .unwrap();
            let x: f64 = first.trim().parse().unwrap();
            (v.to_owned(), format!("{x:.1}"))
        })
        .collect();
    assert!(!rows.is_empty(), "no vectors in {}", path.display());
    rows
}

fn with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    output
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn text_output_explains_every_metric() {
    let (v31, score31) = reference("vectors_simple31.txt").remove(0);
    let (v4, score4) = reference("vectors_simple4.txt").remove(0);
    let o = embargo(&["cvss", &v31, &v4]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for (vector, score, version) in [(&v31, &score31, "3.1"), (&v4, &score4, "4.0")] {
        let block = out
            .split("\n\n")
            .find(|b| b.starts_with(vector.as_str()))
            .expect(vector);
        assert!(block.contains(&format!("version   {version}")), "{block}");
        assert!(block.contains(&format!("score     {score}")), "{block}");
        assert!(block.contains("severity  "), "{block}");
    }
    // One line per metric, in words, aligned.
    assert!(out.contains("\nAV:N  Attack Vector: Network\n"), "{out}");
    assert!(out.contains("\nS:C   Scope: Changed\n"), "{out}");
}

#[test]
fn json_gives_one_object_per_vector() {
    let (v31, score31) = reference("vectors_simple31.txt").remove(0);
    let (v4, score4) = reference("vectors_simple4.txt").remove(0);
    let (v2, score2) = reference("vectors_simple2.txt").pop().unwrap();
    let with_temporal = format!("{v31}/E:U");
    let o = embargo(&["cvss", "--json", &v31, &with_temporal, &v4, &v2]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["vector"], v31.as_str());
    assert_eq!(lines[0]["version"], "3.1");
    assert_eq!(
        format!("{:.1}", lines[0]["score"].as_f64().unwrap()),
        score31
    );
    assert_eq!(lines[0]["base_score"], lines[0]["score"]);
    assert!(lines[0].get("temporal_score").is_none());
    assert!(lines[0]["severity"].is_string());
    assert_eq!(lines[1]["score"], lines[1]["temporal_score"]);
    assert_eq!(lines[2]["nomenclature"], "CVSS-B");
    assert_eq!(
        format!("{:.1}", lines[2]["score"].as_f64().unwrap()),
        score4
    );
    assert_eq!(lines[3]["version"], "2.0");
    assert_eq!(
        format!("{:.1}", lines[3]["score"].as_f64().unwrap()),
        score2
    );
    let metric = &lines[0]["metrics"][0];
    assert_eq!(
        (&metric["metric"], &metric["metric_name"]),
        (&"AV".into(), &"Attack Vector".into())
    );
}

#[test]
fn stdin_streams_every_line_and_skips_blank_ones() {
    let mut rows = reference("vectors_simple31.txt");
    rows.extend(reference("vectors_simple4.txt"));
    let input: String = rows.iter().map(|(v, _)| format!("{v}\n\n")).collect();
    let o = with_stdin(&["cvss", "--json", "-"], &input);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), rows.len());
    for ((vector, score), line) in rows.iter().zip(&lines) {
        assert_eq!(&line["vector"], vector.as_str());
        assert_eq!(
            &format!("{:.1}", line["score"].as_f64().unwrap()),
            score,
            "{vector}"
        );
    }
}

/// One invalid input per error kind, each between two valid ones.
const BAD: [(&str, &str); 9] = [
    ("   ", "cvss.empty"),
    ("CVS:3.1/AV:N", "cvss.missing_prefix"),
    ("CVSS:9.9/AV:N", "cvss.unknown_version"),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E",
        "cvss.malformed_metric",
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
        "cvss.unknown_metric",
    ),
    (
        "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "cvss.invalid_value",
    ),
    (
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "cvss.duplicate_metric",
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
        "cvss.missing_metric",
    ),
    (
        "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "cvss.metric_order",
    ),
];

#[test]
fn each_invalid_vector_is_named_on_stderr_and_exits_1() {
    let (good, _) = reference("vectors_simple31.txt").remove(0);
    for (bad, code) in BAD {
        let o = embargo(&["cvss", &good, bad, &good]);
        assert_eq!(o.status.code(), Some(1), "{bad}");
        let err = stderr(&o);
        assert!(err.contains(code), "{bad}: {err}");
        // Processing went on past the invalid vector.
        assert_eq!(stdout(&o).matches("\nseverity  ").count(), 2, "{bad}");
    }
    let o = embargo(&["cvss", &good]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).is_empty());
}

#[test]
fn json_stdin_puts_an_error_object_on_the_line_and_goes_on() {
    let (good, _) = reference("vectors_simple4.txt").remove(0);
    // Blank lines are skipped, so the empty-input kind cannot occur on stdin.
    let bad: Vec<_> = BAD.iter().filter(|(b, _)| !b.trim().is_empty()).collect();
    let input: String = bad.iter().map(|(b, _)| format!("{good}\n{b}\n")).collect();
    let o = with_stdin(&["cvss", "--json", "-"], &format!("{input}{good}\n"));
    assert_eq!(o.status.code(), Some(1));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), bad.len() * 2 + 1);
    for (i, (input, code)) in bad.iter().enumerate() {
        let ok = &lines[2 * i];
        assert_eq!(ok["vector"], good.as_str());
        let line = &lines[2 * i + 1];
        assert_eq!(line["vector"], input.trim(), "{line}");
        assert_eq!(line["error"]["code"], *code, "{line}");
        assert!(
            line["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert!(line["error"].get("field").is_some());
    }
    assert!(stderr(&o).contains(&format!("{} of {} vectors invalid", bad.len(), lines.len())));
}

#[test]
fn text_stdin_reports_errors_on_stderr() {
    let (good, _) = reference("vectors_simple2.txt").remove(0);
    let o = with_stdin(&["cvss", "-"], &format!("{good}\nCVSS:3.1/AV:Q\n{good}\n"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o).matches("\nversion   2.0\n").count(), 2);
    assert!(stderr(&o).contains("cvss.invalid_value"), "{}", stderr(&o));
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let (good, _) = reference("vectors_simple31.txt").remove(0);
    let mut child = Command::new(BIN)
        .args(["cvss", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let line = format!("{good}\n");
        // Stops when the child has gone (broken pipe); that is expected.
        for _ in 0..200_000 {
            if stdin.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut first = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("{\"vector\""));
    drop(reader);
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn dash_must_be_the_only_argument() {
    let o = embargo(&["cvss", "-", "AV:N/AC:L/Au:N/C:P/I:P/A:P"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("only VECTOR"), "{}", stderr(&o));
}

/// The output of the command before it was made fast (snapshots taken with the
/// serde-based writer and the `cvss` crate's v4 scorer), byte for byte, on a sample
/// that mixes every version and shape of vector with every kind of error, odd bytes
/// and whitespace included. See `crates/cvss/tests/snapshots/README.md`.
#[test]
fn output_is_byte_identical_to_the_snapshots() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cvss/tests/snapshots");
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let input = read("cli_sample.txt");
    for (args, snapshot) in [
        (&["cvss", "--json", "-"][..], "cli_sample.jsonl"),
        (&["cvss", "-"][..], "cli_sample.text"),
    ] {
        let o = with_stdin_bytes(args, &input);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        same_bytes(&o.stdout, &read(snapshot), snapshot);
        let stderr_snapshot = format!("{snapshot}.stderr");
        same_bytes(&o.stderr, &read(&stderr_snapshot), &stderr_snapshot);
    }
}

/// Equal, or a panic that shows the first line that differs.
fn same_bytes(got: &[u8], want: &[u8], what: &str) {
    if got == want {
        return;
    }
    let (got_lines, want_lines) = (got.split(|&b| b == b'\n'), want.split(|&b| b == b'\n'));
    for (n, (g, w)) in got_lines.zip(want_lines).enumerate() {
        assert_eq!(
            String::from_utf8_lossy(g),
            String::from_utf8_lossy(w),
            "{what}: line {} differs",
            n + 1
        );
    }
    panic!(
        "{what}: {} bytes, the snapshot has {}",
        got.len(),
        want.len()
    );
}

fn with_stdin_bytes(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    output
}
