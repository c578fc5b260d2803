//! Backups and restores of the configured database (issue 13 item 8). SQLite: an
//! online, consistent copy through `VACUUM INTO`, restored after SQLite's integrity
//! check. PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean`, the
//! PostgreSQL client tools, run with the configured URL. The key files are not in a
//! backup: the chain key (`integrity.key_file`) and the checkpoint key are secrets
//! kept apart, and a restore needs the same chain key. See `docs/backup.md`.

use crate::integrity::{Integrity, chain_key_path};
use crate::settings::Settings;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a restore did.
pub struct Restored {
    /// Checkpoints taken after the backup, moved out of the way (`Integrity::
    /// set_aside_checkpoints_past`).
    pub set_aside: Vec<PathBuf>,
}

/// Writes a consistent backup of the configured database to `out`, which must not
/// exist. The server may be running.
pub async fn backup(settings: &Settings, out: &Path) -> Result<(), String> {
    if out.exists() {
        return Err(format!(
            "{} exists: a backup is written to a new file",
            out.display()
        ));
    }
    match &settings.database_url {
        None => {
            let file = embargo_store::sqlite_file(&settings.data_dir);
            if !file.is_file() {
                return Err(format!(
                    "no database at {}: pass the --data-dir (or --database-url) of an existing installation",
                    file.display()
                ));
            }
            embargo_store::backup_sqlite(&settings.data_dir, out)
                .await
                .map_err(|e| format!("backup of {} failed: {e}", file.display()))
        }
        Some(url) => run_tool(
            "pg_dump",
            pg_command("pg_dump", url)
                .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(out),
        ),
    }
}

/// Puts the backup `from` in place of the configured database; the server must be
/// stopped. The chain key the backup was written with must be in place: the restored
/// database is opened with it (a wrong key is refused), and checkpoints taken after the
/// backup are set aside, so that the server starts on the restored history.
pub async fn restore(settings: &Settings, from: &Path) -> Result<Restored, String> {
    if !from.is_file() {
        return Err(format!("no backup at {}", from.display()));
    }
    let key = chain_key_path(settings);
    if !key.is_file() {
        return Err(format!(
            "no chain key at {}: put the key file the backup's database was written with \
             there first (setting `integrity.key_file`)",
            key.display()
        ));
    }
    match &settings.database_url {
        None => embargo_store::restore_sqlite(from, &settings.data_dir)
            .await
            .map_err(|e| format!("restore refused: {e}"))?,
        Some(url) => run_tool(
            "pg_restore",
            pg_command("pg_restore", url)
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                ])
                .arg(from),
        )?,
    }
    let integrity = Integrity::load(settings)?;
    let options = integrity.open_options();
    let store = match &settings.database_url {
        Some(url) => embargo_store::open_postgres_with(url, &options).await,
        None => embargo_store::open_sqlite_with(&settings.data_dir, &options).await,
    }
    .map_err(|e| format!("the restored database does not open: {e}"))?;
    // pg_restore brings the rows, not the planner's statistics.
    store
        .analyze()
        .await
        .map_err(|e| format!("the restored database: {e}"))?;
    let set_aside = integrity
        .set_aside_checkpoints_past(&*store, embargo_core::Timestamp::now(), "restore")
        .await?;
    Ok(Restored { set_aside })
}

/// A PostgreSQL client tool for `url`. A password in the URL goes to the tool in
/// `PGPASSWORD`, not on its command line, where every local user could read it.
fn pg_command(tool: &str, url: &str) -> Command {
    let (url, password) = split_password(url);
    let mut command = Command::new(tool);
    command.arg("--dbname").arg(url);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
}

/// `postgres://user:secret@host/db` → (`postgres://user@host/db`, the decoded secret).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(percent_decode(password)),
    )
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn run_tool(name: &str, command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| {
        format!("cannot run `{name}` (the PostgreSQL client tools must be installed): {e}")
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{name}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::split_password;

    #[test]
    fn a_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://sam:s%40cret:x@db.example:5432/embargo?sslmode=require"),
            (
                "postgres://sam@db.example:5432/embargo?sslmode=require".to_owned(),
                Some("s@cret:x".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1/db"),
            ("postgres://postgres@127.0.0.1/db".to_owned(), None)
        );
        assert_eq!(
            split_password("postgres:///db?host=/run/postgresql"),
            ("postgres:///db?host=/run/postgresql".to_owned(), None)
        );
    }
}
