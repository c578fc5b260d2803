//! CVSS: `embargo cvss --json -` beside the Python `cvss` library, measured by
//! `scripts/bench-cvss` (issue 13, item 5) when the tree has it; its table is copied
//! below ours and its figures become one row.

use super::Context;
use crate::table::Row;
use crate::{Error, Result};

/// The figures of `scripts/bench-cvss`'s table: ours and the Python library's
/// vectors/s, and the ratio.
pub fn parse(table: &str) -> Option<(String, String, String)> {
    let third = |prefix: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split('|').nth(3))
            .map(|c| c.trim().trim_matches('*').trim().to_owned())
    };
    Some((
        third("| `embargo cvss")?,
        third("| Python")?,
        third("| **ratio**")?,
    ))
}

pub async fn run(ctx: &mut Context) -> Result<()> {
    let script = ctx.tools.repo.join("scripts/bench-cvss");
    if !script.is_file() {
        ctx.push(Row {
            measurement: "`embargo cvss --json -`, mixed versions".into(),
            embargo: "not measured: `scripts/bench-cvss` is not in this tree".into(),
            ceiling: "Python `cvss` library (goal: ≥ 20×)".into(),
            ratio: "—".into(),
            runs: String::new(),
            errors: vec![],
        });
        return Ok(());
    }
    let out = tokio::process::Command::new("bash")
        .arg(&script)
        .current_dir(&ctx.tools.repo)
        .output()
        .await
        .map_err(Error::io("running scripts/bench-cvss"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut errors = Vec::new();
    if !out.status.success() {
        errors.push(format!(
            "scripts/bench-cvss exited with {}: {}",
            out.status,
            crate::client::snippet(String::from_utf8_lossy(&out.stderr).trim())
        ));
    }
    let (ours, python, ratio) = parse(&stdout).unwrap_or_else(|| {
        errors.push("scripts/bench-cvss printed no table this runner can read".into());
        ("—".into(), "—".into(), "—".into())
    });
    ctx.push(Row {
        measurement: "`embargo cvss --json -`, mixed versions".into(),
        embargo: format!("{ours} vectors/s"),
        ceiling: format!("Python `cvss` library {python} vectors/s (goal: ≥ 20×)"),
        ratio: ratio.trim_end_matches('×').to_owned(),
        runs: String::new(),
        errors,
    });
    ctx.report
        .sections
        .push(("`scripts/bench-cvss`:".into(), stdout));
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_bench_cvss_table() {
        let table = "CVSS throughput, 200000 mixed vectors\n\n| command | median | vectors/s | runs (s) |\n|---|---:|---:|---|\n\
| `embargo cvss --json -` | 0.800 s | 250,000 | 0.8 0.81 0.79 |\n\
| Python `cvss` 3.6 (`score.py`) | 16.000 s | 12,500 | 16 16 16 |\n\
| **ratio** | | **20.0×** | |\n";
        let (ours, python, ratio) = super::parse(table).unwrap();
        assert_eq!(ours, "250,000");
        assert_eq!(python, "12,500");
        assert_eq!(ratio, "20.0×");
        assert!(super::parse("no table").is_none());
    }
}
