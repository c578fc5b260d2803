//! Embargo under test, driven from the outside: its admin commands, `embargo serve` (and
//! the HTTP ceiling, which starts the same way), sign-in to the web pages.

use crate::client::{Answer, Client};
use crate::stats::Latencies;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// Where a measured Embargo keeps its data.
#[derive(Clone, Debug)]
pub enum Database {
    /// The embedded SQLite database in this directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database URL.
    Postgres(String),
}

impl Database {
    pub fn name(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "SQLite",
            Database::Postgres(_) => "PostgreSQL",
        }
    }

    fn args(&self) -> Vec<String> {
        match self {
            Database::Sqlite(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Database::Postgres(url) => vec!["--database-url".into(), url.clone()],
        }
    }

    /// The SQLite files' total size (database, WAL, shared memory).
    pub fn sqlite_bytes(dir: &Path) -> u64 {
        [
            "embargo.sqlite3",
            "embargo.sqlite3-wal",
            "embargo.sqlite3-shm",
        ]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
    }
}

/// Settings for every measured Embargo: the defaults, except the intake limit per
/// address, which a load generator on one address would hit at once.
fn settings_env(cmd: &mut Command) {
    for (k, _) in std::env::vars() {
        if k.starts_with("EMBARGO_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("EMBARGO_LIMITS__REPORTS_PER_HOUR", "1000000000");
}

/// The `embargo` binary with one database.
#[derive(Clone, Debug)]
pub struct Embargo {
    pub bin: PathBuf,
    pub db: Database,
}

/// The bench's project and its security-team member.
pub const PROJECT: &str = "bench";
pub const TEAM_EMAIL: &str = "team@bench.example";
pub const TEAM_PASSWORD: &str = "bench-password-0123456789";

/// What [`Embargo::set_up`] made: the member's API token and set-password link token.
#[derive(Clone, Debug)]
pub struct Setup {
    pub token: String,
    pub password_link_token: String,
}

impl Embargo {
    /// `embargo ARGS… <database>`; returns stdout, or fails with stderr.
    pub async fn command(&self, args: &[&str]) -> Result<String> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args).args(self.db.args());
        settings_env(&mut cmd);
        let out = cmd
            .output()
            .await
            .map_err(Error::io(format!("running {}", self.bin.display())))?;
        if !out.status.success() {
            return Err(Error::failed(format!(
                "`embargo {}` on {} exited with {}: {}",
                args.join(" "),
                self.db.name(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The bench project with its components, a security-team member and their API token,
    /// through the admin CLI.
    pub async fn set_up(&self) -> Result<Setup> {
        let mut create = vec![
            "admin", "project", "create", "--slug", PROJECT, "--name", "Bench",
        ];
        for c in crate::report::COMPONENTS {
            create.extend(["--component", c]);
        }
        self.command(&create).await?;
        let user = self
            .command(&[
                "admin",
                "user",
                "create",
                "--email",
                TEAM_EMAIL,
                "--name",
                "Bench Team",
                "--project",
                PROJECT,
                "--role",
                "security-team",
            ])
            .await?;
        let password_link_token = user
            .split_whitespace()
            .find_map(|w| w.split_once("/password/").map(|(_, t)| t.to_owned()))
            .ok_or_else(|| {
                Error::failed(format!(
                    "`admin user create` printed no set-password link: {user}"
                ))
            })?;
        let tokens = self
            .command(&[
                "admin", "token", "create", "--email", TEAM_EMAIL, "--name", "bench",
            ])
            .await?;
        let token = tokens
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_owned())
            .ok_or_else(|| Error::failed("`admin token create` printed no token"))?;
        Ok(Setup {
            token,
            password_link_token,
        })
    }

    /// Starts `embargo serve` on a free port; ready when it says it listens.
    pub async fn serve(&self, log: &Path) -> Result<Server> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(self.db.args());
        settings_env(&mut cmd);
        Server::start(cmd, log, &format!("embargo serve ({})", self.db.name())).await
    }
}

/// Copies a server's output, line by line, into its log (as it is) and `said` (as
/// text) until it ends; the lines of one read go out together.
fn copy_output(
    from: impl std::io::Read,
    log: std::fs::File,
    said: tokio::sync::watch::Sender<Vec<String>>,
) {
    use std::io::{BufRead, Write};
    let mut from = std::io::BufReader::with_capacity(1 << 16, from);
    let mut log = std::io::BufWriter::with_capacity(1 << 16, log);
    let mut line = Vec::new();
    let mut ended = false;
    while !ended {
        let mut lines = Vec::new();
        loop {
            line.clear();
            match from.read_until(b'\n', &mut line) {
                Ok(n) if n > 0 => {
                    let _ = log.write_all(&line);
                    lines.push(String::from_utf8_lossy(&line).into_owned());
                }
                _ => {
                    ended = true;
                    break;
                }
            }
            if from.buffer().is_empty() {
                break;
            }
        }
        let _ = log.flush();
        if !lines.is_empty() {
            said.send_modify(|all| all.extend(lines));
        }
    }
}

/// How long the request a line of the server's log records took, if it was one to
/// `route` (`… http.route=ROUTE … elapsed_ms=N`, the text format).
fn handled_in(line: &str, route: &str) -> Option<Duration> {
    let (_, after) = line.split_once(" http.route=")?;
    if after.split_whitespace().next()? != route {
        return None;
    }
    let (_, ms) = after.split_once(" elapsed_ms=")?;
    Some(Duration::from_millis(
        ms.split_whitespace().next()?.parse().ok()?,
    ))
}

/// A server process we started (Embargo, or the HTTP ceiling).
pub struct Server {
    child: Child,
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// From the spawn to the line saying it listens.
    pub startup: Duration,
    started: Instant,
    /// What it printed after it listened.
    heard: tokio::sync::watch::Receiver<Vec<String>>,
    pub log: PathBuf,
    name: String,
}

impl Server {
    /// Spawns `cmd` and waits for its `listening on http://…` line on stdout; the rest of
    /// its output goes to `log`.
    pub async fn start(mut cmd: Command, log: &Path, name: &str) -> Result<Server> {
        let log_file =
            std::fs::File::create(log).map_err(Error::io(format!("creating {}", log.display())))?;
        let err_file = log_file
            .try_clone()
            .map_err(Error::io(format!("opening {}", log.display())))?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err_file))
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = cmd.spawn().map_err(Error::io(format!("starting {name}")))?;
        let pid = child.id().unwrap_or(0);
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout);
        let mut out = tokio::fs::File::from_std(log_file);
        let mut line = String::new();
        let ready = tokio::time::timeout(Duration::from_secs(600), async {
            loop {
                line.clear();
                let n = lines
                    .read_line(&mut line)
                    .await
                    .map_err(Error::io(format!("reading {name}'s output")))?;
                if n == 0 {
                    return Err(Error::failed(format!(
                        "{name} stopped before listening; see {}",
                        log.display()
                    )));
                }
                let _ = out.write_all(line.as_bytes()).await;
                if let Some((_, rest)) = line.split_once("listening on ") {
                    let url = rest.split_whitespace().next().unwrap_or("").to_owned();
                    return Ok(url.trim_end_matches('/').to_owned());
                }
            }
        })
        .await;
        let url = match ready {
            Ok(r) => r?,
            Err(_) => {
                return Err(Error::failed(format!(
                    "{name} did not listen within 10 minutes; see {}",
                    log.display()
                )));
            }
        };
        let startup = started.elapsed();
        // The rest of the output goes to the log, so the server never blocks on a full
        // pipe, and to `said`, for `wait_for_log` and `handler_times`. A thread of its own
        // copies it a pipeful at a time: under load the server prints a line a request,
        // and a write and a hand-off for each line (as `tokio::fs` makes them) cost the
        // machine the measured server shares a core or more a second.
        let (said, heard) = tokio::sync::watch::channel(Vec::new());
        let ahead = lines.buffer().to_vec();
        let stdout = std::fs::File::from(
            lines
                .into_inner()
                .into_owned_fd()
                .map_err(Error::io(format!("reading {name}'s output")))?,
        );
        let out = out.into_std().await;
        std::thread::Builder::new()
            .name("server-output".into())
            .spawn(move || copy_output(std::io::Read::chain(&ahead[..], stdout), out, said))
            .map_err(Error::io(format!("reading {name}'s output")))?;
        Ok(Server {
            child,
            pid,
            url,
            startup,
            started,
            heard,
            log: log.to_owned(),
            name: name.to_owned(),
        })
    }

    /// Waits (up to `within`) until the server prints a line holding `needle` after it
    /// listens; how long after the spawn that was.
    pub async fn wait_for_log(&self, needle: &str, within: Duration) -> Result<Duration> {
        let mut heard = self.heard.clone();
        let found = tokio::time::timeout(
            within,
            heard.wait_for(|all| all.iter().any(|l| l.contains(needle))),
        )
        .await;
        match found {
            Ok(Ok(_)) => Ok(self.started.elapsed()),
            _ => Err(Error::failed(format!(
                "{} did not log `{needle}` within {within:?}; see {}",
                self.name,
                self.log.display()
            ))),
        }
    }

    /// How many lines the server has printed since it listened: a mark for
    /// [`Server::handler_times`].
    pub fn lines_heard(&self) -> usize {
        self.heard.borrow().len()
    }

    /// The times the server's own request log (`elapsed_ms`, from the first middleware
    /// to the answer) gives for requests to `route` among the lines printed since the
    /// mark `since`. Beside the client's latencies they tell time spent in a request's
    /// handling from time spent before it reached one (the accept queue, a busy core).
    pub fn handler_times(&self, since: usize, route: &str) -> Latencies {
        let mut times = Latencies::default();
        for line in self.heard.borrow().iter().skip(since) {
            if let Some(d) = handled_in(line, route) {
                times.record(d);
            }
        }
        times
    }

    /// The most memory the process has held so far (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .map_err(Error::io(format!("reading /proc/{}/status", self.pid)))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib * 1024)
            .ok_or_else(|| Error::failed(format!("no VmHWM in /proc/{}/status", self.pid)))
    }

    /// Stops the server with SIGTERM (a graceful stop), or kills it after 60 s.
    pub async fn stop(mut self) -> Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        match tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(Error::failed(format!(
                "{} exited with {status} when stopped; see {}",
                self.name,
                self.log.display()
            ))),
            Ok(Err(e)) => Err(Error::io(format!("waiting for {}", self.name))(e)),
            Err(_) => {
                let _ = self.child.kill().await;
                Err(Error::failed(format!(
                    "{} did not stop within 60 s of SIGTERM and was killed",
                    self.name
                )))
            }
        }
    }
}

/// Every case id `project` lists to the holder of `token`, newest first, page by page
/// (`limit=200`, then `after` each page's `next` until there is none).
pub async fn listed_ids(
    client: &Client,
    base: &str,
    project: &str,
    token: &str,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut after = String::new();
    loop {
        let mut url = format!("{base}/api/v1/projects/{project}/cases?limit=200");
        if !after.is_empty() {
            url.push_str(&format!("&after={after}"));
        }
        let page = client
            .get(&url, &[("authorization", &format!("Bearer {token}"))])
            .await?;
        if page.status != 200 {
            return Err(Error::failed(format!(
                "listing the cases answered {}",
                page.status
            )));
        }
        let v = page.json()?;
        let items = v["items"]
            .as_array()
            .ok_or_else(|| Error::failed(format!("a page of the listing without `items`: {v}")))?;
        ids.extend(
            items
                .iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned)),
        );
        match v["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => return Ok(ids),
        }
    }
}

/// Signs the bench's team member in to the web pages: sets the password through the
/// link `admin user create` printed, then signs in; returns the `Cookie` header value.
pub async fn sign_in(client: &Client, base: &str, link_token: &str) -> Result<String> {
    let form_page = client
        .get(&format!("{base}/password/{link_token}"), &[])
        .await?;
    expect(&form_page, 200, "GET /password/{token}")?;
    let form_cookie = form_page
        .set_cookie("embargo_form")
        .ok_or_else(|| Error::failed("the set-password page set no `embargo_form` cookie"))?;
    let csrf = hidden_field(&form_page.text(), "csrf")
        .ok_or_else(|| Error::failed("the set-password page has no `csrf` field"))?;
    let cookie = format!("embargo_form={form_cookie}");
    let set = client
        .post_form(
            &format!("{base}/password/{link_token}"),
            &[("cookie", &cookie)],
            &[("csrf", &csrf), ("password", TEAM_PASSWORD)],
        )
        .await?;
    expect(&set, 303, "POST /password/{token}")?;
    let login = client
        .post_form(
            &format!("{base}/login"),
            &[("cookie", &cookie)],
            &[
                ("csrf", &csrf),
                ("email", TEAM_EMAIL),
                ("password", TEAM_PASSWORD),
            ],
        )
        .await?;
    expect(&login, 303, "POST /login")?;
    let session = login
        .set_cookie("embargo_session")
        .ok_or_else(|| Error::failed("signing in set no `embargo_session` cookie"))?;
    Ok(format!("embargo_session={session}"))
}

fn expect(answer: &Answer, status: u16, what: &str) -> Result<()> {
    if answer.status == status {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "{what}: expected {status}, got {}: {}",
            answer.status,
            crate::client::snippet(&answer.text())
        )))
    }
}

/// The value of `<input … name="NAME" value="…">` in a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.split_once("value=\"")?.1;
    Some(v.split('"').next()?.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_servers_output_reaches_its_log_as_it_is_and_said_as_text() {
        let dir = embargo_testkit::temp_dir();
        let path = dir.path().join("server.log");
        let output: Vec<u8> = [
            &b"one\n"[..],
            b"not \xff utf-8\n",
            b"two\nthree without an end",
        ]
        .concat();
        let (said, heard) = tokio::sync::watch::channel(Vec::new());
        super::copy_output(&output[..], std::fs::File::create(&path).unwrap(), said);
        assert_eq!(std::fs::read(&path).unwrap(), output);
        assert_eq!(
            *heard.borrow(),
            [
                "one\n",
                "not \u{fffd} utf-8\n",
                "two\n",
                "three without an end"
            ]
        );
    }

    #[test]
    fn a_request_line_gives_its_time_only_for_its_route() {
        let line = "2026-12-03T18:03:24.816759Z  INFO embargo_server::http: request \
            http.method=GET http.route=/api/v1/cases/{id} http.status=200 elapsed_ms=111\n";
        assert_eq!(
            super::handled_in(line, "/api/v1/cases/{id}"),
            Some(std::time::Duration::from_millis(111))
        );
        assert_eq!(super::handled_in(line, "/api/v1/cases"), None);
        assert_eq!(
            super::handled_in("INFO worker started", "/api/v1/cases/{id}"),
            None
        );
    }

    #[test]
    fn finds_a_hidden_field_whatever_the_attribute_order() {
        let html = r#"<form><input type="hidden" name="csrf" value="abc123"><input name="password"></form>"#;
        assert_eq!(super::hidden_field(html, "csrf").as_deref(), Some("abc123"));
        let html = r#"<input value="v2" name="csrf" type="hidden">"#;
        assert_eq!(super::hidden_field(html, "csrf").as_deref(), Some("v2"));
        assert_eq!(super::hidden_field(html, "other"), None);
    }
}
