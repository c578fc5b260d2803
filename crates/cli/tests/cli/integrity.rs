//! `embargo admin verify` and `reproject` on both databases: what they print, what they
//! find, their exit codes, and their refusals of a database that is not there.

use super::support::*;
use sqlx::Connection;

/// Runs SQL behind the program's back.
async fn damage(storage: &[String], sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if storage[0] == "--data-dir" {
        let url = format!("sqlite://{}/embargo.sqlite3", storage[1]);
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(&storage[1]).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    }
}

fn admin(storage: &[String], args: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = vec!["admin"];
    all.extend_from_slice(args);
    all.extend(storage.iter().map(String::as_str));
    embargo(&all)
}

async fn verify_and_reproject(storage: Vec<String>) {
    let out = admin(
        &storage,
        &[
            "project",
            "create",
            "--slug",
            "connect",
            "--name",
            "Connect",
            "--component",
            "go",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = admin(
        &storage,
        &[
            "user",
            "create",
            "--email",
            "sam@example.org",
            "--project",
            "connect",
            "--role",
            "security-team",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let out = admin(&storage, &["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    // The project's creation, its policy (the CLI records its preset) and its member;
    // the account's creation and the admin's password link (an event of its own, with
    // the operator as actor).
    assert!(
        said.contains("Verified 2 streams, 5 events and 2 projections in "),
        "{said}"
    );

    // A projection edited: named, exit 1; reproject puts it back.
    damage(
        &storage,
        "UPDATE projects SET name = 'Evil' WHERE slug = 'connect'",
    )
    .await;
    let out = admin(&storage, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("stream `project:connect`, event 3") && err.contains("not the fold"),
        "{err}"
    );
    let out = admin(&storage, &["reproject"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Rebuilt 0 cases and 1 projects from 5 events"),
        "{}",
        stdout(&out)
    );
    assert!(admin(&storage, &["verify"]).status.success());

    // An edited event: named by stream and number.
    damage(&storage, "UPDATE events SET body = REPLACE(body, 'Connect', 'Evil') WHERE stream = 'project:connect' AND seq = 1").await;
    let out = admin(&storage, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stream `project:connect`, event 1: does not match its hash"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_reproject_on_sqlite() {
    let dir = embargo_testkit::temp_dir();
    verify_and_reproject(vec!["--data-dir".into(), dir.path().display().to_string()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_reproject_on_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    verify_and_reproject(vec!["--database-url".into(), db.url.clone()]).await;
}

#[test]
fn a_database_that_is_not_there_is_named_and_not_created() {
    let dir = embargo_testkit::temp_dir();
    let missing = dir.path().join("nowhere");
    let m = missing.display().to_string();
    for command in ["verify", "reproject"] {
        let out = embargo(&["admin", command, "--data-dir", &m]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(
            stderr(&out).contains(&format!("no database at {m}/embargo.sqlite3")),
            "{}",
            stderr(&out)
        );
        assert!(!missing.exists(), "{command} created {m}");
        for (url, names) in [
            (
                "postgres://postgres@127.0.0.1:1/embargo",
                "PostgreSQL at 127.0.0.1:1/embargo",
            ),
            ("not a url", "`database_url`"),
        ] {
            let out = embargo(&["admin", command, "--database-url", url]);
            assert_eq!(out.status.code(), Some(1), "{command} {url}");
            assert!(
                stderr(&out).contains(names),
                "{command} {url}: {}",
                stderr(&out)
            );
        }
    }
}

/// Issue 11, item 4: the chain is keyed with a key outside the database, and signed
/// checkpoints outside it catch a history rewritten even with that key.
async fn keys_and_checkpoints(storage: Vec<String>, data_dir: &std::path::Path) {
    let s: Vec<&str> = storage.iter().map(String::as_str).collect();
    let mut server = Server::start_logging(&s, "info").await;
    // The checkpoint is written once the server listens, by the start-up check.
    server.wait_for_line("checkpoint written").await;
    assert_eq!(server.terminate().await.code(), Some(0));
    // The first start made both keys, private, outside the database, and a checkpoint.
    for key in ["keys/chain.key", "keys/checkpoint.key"] {
        let text = std::fs::read_to_string(data_dir.join(key)).unwrap();
        assert_eq!(text.trim().len(), 64, "{key}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data_dir.join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }
    let checkpoints = || {
        let mut v: Vec<_> = std::fs::read_dir(data_dir.join("checkpoints"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    assert_eq!(checkpoints().len(), 1);

    let out = admin(
        &storage,
        &[
            "project",
            "create",
            "--slug",
            "connect",
            "--name",
            "Connect",
            "--component",
            "go",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = admin(&storage, &["checkpoint"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(checkpoints().len(), 2);
    let out = admin(&storage, &["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("is signed with the configured key and every event it names is unchanged"),
        "{}",
        stdout(&out)
    );

    // A forged checkpoint is not believed: its header edited (the signature no longer
    // verifies), or one of its heads (they no longer match the signed digest).
    let newest = checkpoints().pop().unwrap();
    let good = std::fs::read_to_string(&newest).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let streams = lines[4].to_owned();
    assert!(streams.starts_with("streams "), "{good}");
    let fewer = format!("streams {:020}", streams[8..].parse::<u64>().unwrap() - 1);
    let first_head = lines[8].to_owned();
    let (stream, rest) = first_head.split_once('\t').unwrap();
    let (_, hash) = rest.split_once('\t').unwrap();
    let moved = format!("{stream}\t99\t{hash}");
    for (i, forged, says) in [
        (
            4,
            fewer.as_str(),
            "the signature does not verify with the configured signing key",
        ),
        (
            8,
            moved.as_str(),
            "its heads are not the ones its signature vouches for",
        ),
    ] {
        let was = std::mem::replace(&mut lines[i], forged);
        std::fs::write(&newest, lines.join("\n") + "\n").unwrap();
        lines[i] = was;
        let out = admin(&storage, &["verify"]);
        assert_eq!(out.status.code(), Some(1), "{forged}");
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    std::fs::write(&newest, good).unwrap();

    // The project's last event deleted: the chain alone can't tell (it is the end of a
    // stream), the checkpoint can. The server listens at once, finds it in the
    // background, stops serving that stream, naming it, and writes no checkpoint
    // vouching for the changed history.
    damage(
        &storage,
        "DELETE FROM events WHERE stream = 'project:connect' AND seq = (SELECT MAX(seq) FROM events WHERE stream = 'project:connect')",
    )
    .await;
    let mut server = Server::start(&s).await;
    let found = server
        .wait_for_line("of stream `project:connect` is missing (deleted)")
        .await;
    assert!(
        found.contains("the stream is no longer served")
            && found.contains("against the checkpoint"),
        "{found}"
    );
    assert_eq!(checkpoints().len(), 2);
    let out = admin(&storage, &["checkpoint"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("the database no longer matches the checkpoint")
            && err.contains("of stream `project:connect` is missing (deleted)"),
        "{err}"
    );
    assert_eq!(checkpoints().len(), 2);
    assert_eq!(server.terminate().await.code(), Some(0));

    // Another chain key: the database refuses to be opened with it.
    std::fs::write(
        data_dir.join("keys/chain.key"),
        format!("{}\n", "ab".repeat(32)),
    )
    .unwrap();
    let out = admin(&storage, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("give the key file it was written with (setting `integrity.key_file`)"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_checkpoints_on_sqlite() {
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    keys_and_checkpoints(vec!["--data-dir".into(), d], dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_checkpoints_on_postgres() {
    let db = embargo_testkit::PgTestDb::create().await;
    let dir = embargo_testkit::temp_dir();
    let d = dir.path().display().to_string();
    keys_and_checkpoints(
        vec![
            "--database-url".into(),
            db.url.clone(),
            "--data-dir".into(),
            d,
        ],
        dir.path(),
    )
    .await;
}
