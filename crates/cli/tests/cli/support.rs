//! Running the real binary: commands, and a server process to talk to.

use std::io::Write;
use std::process::{Output, Stdio};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_embargo");

/// Runs `embargo args…` with a clean `EMBARGO_*` environment.
pub fn embargo(args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("EMBARGO_") {
            cmd.env_remove(k);
        }
    }
    cmd.output().expect("running embargo")
}

/// `embargo args…`, which must succeed; what it printed.
pub fn run_ok(args: &[&str]) -> String {
    let out = embargo(args);
    assert!(
        out.status.success(),
        "embargo {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// `args` followed by the storage options (`--data-dir D`, `--database-url U`).
pub fn with<'a, S: AsRef<str>>(args: &[&'a str], storage: &'a [S]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(storage.iter().map(AsRef::as_ref));
    all
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `embargo serve` on a port the system picks; dropped means killed.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Everything it printed before it said where it listens.
    pub banner: Vec<String>,
    /// Everything it printed after.
    heard: tokio::sync::watch::Receiver<Vec<String>>,
}

impl Server {
    /// Starts the server and waits until it prints the address it listens on.
    pub async fn start(storage: &[&str]) -> Server {
        Server::start_logging(storage, "warn").await
    }

    /// The same, logging at `level` (what [`Server::wait_for_line`] can see).
    pub async fn start_logging(storage: &[&str], level: &str) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .args(storage)
            .args(["--listen", "127.0.0.1:0"]);
        for (k, _) in std::env::vars() {
            if k.starts_with("EMBARGO_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("EMBARGO_LOG__LEVEL", level);
        // Tests send many reports from one address; the intake limit is not under test.
        cmd.env("EMBARGO_LIMITS__REPORTS_PER_HOUR", "1000000");
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = Vec::new();
        let base = loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the server exited before listening");
            banner.push(line.clone());
            if let Some(rest) = line.split(" listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe; what it says
        // is kept for `wait_for_line`.
        let (said, heard) = tokio::sync::watch::channel(Vec::new());
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                said.send_modify(|all| all.push(line));
            }
        });
        Server {
            child,
            base,
            banner,
            heard,
        }
    }

    /// Waits (at most a minute: a bound, not a timing) until the server prints a line
    /// holding `needle`, after it listened; that line.
    pub async fn wait_for_line(&mut self, needle: &str) -> String {
        let found = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            self.heard
                .wait_for(|all| all.iter().any(|l| l.contains(needle))),
        )
        .await
        .unwrap_or_else(|_| panic!("the server did not say `{needle}` within a minute"))
        .expect("the server's output is read");
        found.iter().find(|l| l.contains(needle)).unwrap().clone()
    }

    /// SIGTERM, as a service manager stops it; returns how it exited.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        tokio::time::timeout(std::time::Duration::from_secs(30), self.child.wait())
            .await
            .expect("the server stops on SIGTERM")
            .unwrap()
    }

    /// SIGKILL: no shutdown, no flushing, nothing graceful.
    pub async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }
}

/// `embargo mail ingest` with `message` on its standard input, as a mail server pipes it.
pub fn ingest(storage: &[&str], extra: &[&str], message: &[u8]) -> Output {
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["mail", "ingest"]).args(extra).args(storage);
    for (k, _) in std::env::vars() {
        if k.starts_with("EMBARGO_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = message.to_vec();
    let writer = std::thread::spawn(move || {
        // The reader may stop early (an error before reading); that is its answer.
        let _ = stdin.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// The project `connect` (component `go`) with sam@example.org on its security team,
/// made through the admin CLI; sam's API token.
pub fn connect_with_sam<S: AsRef<str>>(storage: &[S]) -> String {
    run_ok(&with(
        &[
            "admin",
            "project",
            "create",
            "--slug",
            "connect",
            "--name",
            "Connect",
            "--component",
            "go",
        ],
        storage,
    ));
    run_ok(&with(
        &[
            "admin",
            "user",
            "create",
            "--email",
            "sam@example.org",
            "--project",
            "connect",
            "--role",
            "security-team",
        ],
        storage,
    ));
    run_ok(&with(
        &["admin", "token", "create", "--email", "sam@example.org"],
        storage,
    ))
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_owned()
}
