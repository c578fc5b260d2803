//! GET load with wrk (Debian's package): a Lua script rotates over the paths, sends
//! the bearer token, and prints the summary as one line we read back.

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a wrk run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Requests answered.
    pub requests: u64,
    pub duration: Duration,
    /// Answers with a status of 400 or more (wrk's "non-2xx or 3xx").
    pub status_errors: u64,
    /// Connect, read, write errors and timeouts.
    pub socket_errors: u64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Run {
    pub fn per_sec(&self) -> f64 {
        self.requests as f64 / self.duration.as_secs_f64().max(1e-9)
    }

    pub fn errors(&self) -> u64 {
        self.status_errors + self.socket_errors
    }
}

/// The Lua script: paths in turn, the token on each request, the summary as a line.
pub fn script(paths: &[String], bearer: Option<&str>) -> String {
    let list = paths
        .iter()
        .map(|p| format!("  {p:?},\n"))
        .collect::<String>();
    let auth = bearer
        .map(|t| format!("wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n"))
        .unwrap_or_default();
    format!(
        r#"-- Written by embargo-bench for one run.
local paths = {{
{list}}}
{auth}local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH-WRK requests=%d duration_us=%d status=%d socket=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#
    )
}

/// Runs wrk against `base_url` with `connections` for `duration`.
pub async fn run(
    wrk: &Path,
    base_url: &str,
    paths: &[String],
    bearer: Option<&str>,
    connections: u32,
    duration: Duration,
    dir: &Path,
) -> Result<Run> {
    let script_path = dir.join("wrk.lua");
    std::fs::write(&script_path, script(paths, bearer))
        .map_err(Error::io(format!("writing {}", script_path.display())))?;
    let out = tokio::process::Command::new(wrk)
        .args(["-t", "2", "-c"])
        .arg(connections.to_string())
        .arg("-d")
        .arg(format!("{}s", duration.as_secs().max(1)))
        .args(["--timeout", "10s", "-s"])
        .arg(&script_path)
        .arg(base_url)
        .output()
        .await
        .map_err(Error::io(format!("running {}", wrk.display())))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(Error::failed(format!(
            "wrk exited with {}: {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    parse(&stdout)
}

/// Reads the `BENCH-WRK …` line the script's `done` prints.
pub fn parse(stdout: &str) -> Result<Run> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("BENCH-WRK "))
        .ok_or_else(|| Error::failed(format!("wrk printed no summary line:\n{stdout}")))?;
    let field = |key: &str| -> Result<u64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::failed(format!("wrk summary without `{key}`: {line}")))
    };
    Ok(Run {
        requests: field("requests")?,
        duration: Duration::from_micros(field("duration_us")?),
        status_errors: field("status")?,
        socket_errors: field("socket")?,
        p50: Duration::from_micros(field("p50_us")?),
        p99: Duration::from_micros(field("p99_us")?),
    })
}

/// `wrk` on `PATH`.
pub fn find() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("wrk"))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_summary_line() {
        let out = "Running 10s test @ http://127.0.0.1:1/\nBENCH-WRK requests=1000 duration_us=2000000 status=3 socket=1 p50_us=1500 p99_us=9000\n";
        let r = parse(out).unwrap();
        assert_eq!(r.requests, 1000);
        assert_eq!(r.errors(), 4);
        assert_eq!(r.per_sec(), 500.0);
        assert_eq!(r.p99, Duration::from_millis(9));
        assert!(parse("Running 10s test").is_err());
    }

    #[test]
    fn the_script_names_every_path_and_the_token() {
        let s = script(&["/a".into(), "/b\"c".into()], Some("emb_pat_x"));
        assert!(s.contains("\"/a\""));
        assert!(s.contains("\"/b\\\"c\""));
        assert!(s.contains("Bearer emb_pat_x"));
    }
}
