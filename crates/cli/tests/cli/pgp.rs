//! Issue 9 item 5 (part): a project's OpenPGP key, generated here or imported from
//! GnuPG; its public half published (`/p/SLUG/pgp-key.asc`, security.txt's
//! `Encryption:`, SECURITY.md) and readable by `gpg`, its secret half in a private file.

use super::support::*;
use std::io::Write as _;
use std::process::{Command, Stdio};

/// GnuPG with a home folder of its own.
struct Gpg {
    home: embargo_testkit::TempDir,
}

impl Gpg {
    fn run(&self, args: &[&str], input: &[u8]) -> (Vec<u8>, String) {
        let mut child = Command::new("gpg")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--batch", "--no-tty", "--pinentry-mode", "loopback"])
            .args(["--status-fd", "2"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg runs (scripts/test installs gnupg)");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        let status = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "gpg {args:?} failed:\n{status}");
        (out.stdout, status)
    }

    /// The fingerprints of the keys in `armored`, as gpg reads them (not imported).
    fn fingerprints(&self, armored: &str) -> Vec<String> {
        let (out, _) = self.run(
            &["--with-colons", "--import-options", "show-only", "--import"],
            armored.as_bytes(),
        );
        let text = String::from_utf8_lossy(&out).into_owned();
        let mut lines = text.lines();
        let mut found = Vec::new();
        while let Some(l) = lines.next() {
            if l.starts_with("pub:")
                && let Some(fpr) = lines.next().and_then(|f| f.split(':').nth(9))
            {
                found.push(fpr.to_owned());
            }
        }
        found
    }
}

fn ok(o: std::process::Output) -> String {
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

fn printed_fingerprint(said: &str) -> String {
    said.split("OpenPGP key ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no fingerprint in {said}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c1_a_project_key_is_generated_or_imported_and_gpg_reads_it() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    let admin = |args: &[&str]| {
        let mut all = vec!["admin"];
        all.extend_from_slice(args);
        all.extend(["--data-dir", d.as_str()]);
        embargo(&all)
    };
    ok(admin(&[
        "project",
        "create",
        "--slug",
        "connect",
        "--name",
        "Connect",
        "--component",
        "go",
    ]));
    let gpg = Gpg {
        home: embargo_testkit::temp_dir(),
    };

    // Generated here: the secret half in a private file, the public half published.
    let said = ok(admin(&[
        "project",
        "pgp",
        "--project",
        "connect",
        "--generate",
    ]));
    let generated = printed_fingerprint(&said);
    let secret = dir.path().join("keys/pgp/connect.asc");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        std::fs::read_to_string(&secret)
            .unwrap()
            .contains("BEGIN PGP PRIVATE KEY BLOCK")
    );

    let server = Server::start(&["--data-dir", &d]).await;
    embargo_testkit::tls_provider();
    let get = |path: &str| {
        let url = format!("{}{path}", server.base);
        async move {
            let res = reqwest::get(url).await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, key) = get("/p/connect/pgp-key.asc").await;
    assert_eq!(status, 200);
    assert!(!key.contains("PRIVATE"), "only the public half");
    assert_eq!(gpg.fingerprints(&key), [generated], "gpg reads it");
    let (_, txt) = get("/.well-known/security.txt").await;
    assert!(
        txt.contains(&format!(
            "Encryption: {}/p/connect/pgp-key.asc",
            server.base
        )),
        "{txt}"
    );
    let (_, md) = get("/p/connect/SECURITY.md").await;
    assert!(md.contains("/p/connect/pgp-key.asc"), "{md}");
    let (status, _) = get("/p/nope/pgp-key.asc").await;
    assert_eq!(status, 404);
    server.kill().await;

    // Imported from GnuPG: the same key, as gpg knows it.
    let (_, status) = gpg.run(
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Connect security <security@connect.example>",
            "default",
            "default",
            "never",
        ],
        b"",
    );
    let made = status
        .lines()
        .find_map(|l| l.strip_prefix("[GNUPG:] KEY_CREATED "))
        .and_then(|r| r.split_whitespace().nth(1))
        .expect("gpg says which key it made")
        .to_owned();
    let (armored, _) = gpg.run(
        &["--armor", "--passphrase", "", "--export-secret-keys", &made],
        b"",
    );
    let file = dir.path().join("from-gpg.asc");
    std::fs::write(&file, &armored).unwrap();
    let f = file.display().to_string();
    let said = ok(admin(&[
        "project",
        "pgp",
        "--project",
        "connect",
        "--import",
        &f,
    ]));
    assert_eq!(printed_fingerprint(&said), made);

    // The same key again is a conflict; a file that is no key is refused, naming it;
    // neither changes the published key.
    let again = admin(&["project", "pgp", "--project", "connect", "--import", &f]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already has this key"),
        "{}",
        stderr(&again)
    );
    let junk = dir.path().join("junk.asc");
    std::fs::write(&junk, "not a key").unwrap();
    let j = junk.display().to_string();
    let bad = admin(&["project", "pgp", "--project", "connect", "--import", &j]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("--import"), "{}", stderr(&bad));
    let server = Server::start(&["--data-dir", &d]).await;
    let res = reqwest::get(format!("{}/p/connect/pgp-key.asc", server.base))
        .await
        .unwrap();
    assert_eq!(gpg.fingerprints(&res.text().await.unwrap()), [made]);
    server.kill().await;
}
