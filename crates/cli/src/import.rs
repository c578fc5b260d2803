//! `embargo import osv`: a project's already-published advisories (OSV JSON files, or
//! folders of them) become disclosed cases (V10), so their history, exports and feed
//! continue here. Each file is reported; an invalid one does not stop the others.

use crate::StorageArgs;
use embargo_server::app::{App, Imported};
use embargo_server::clock::SystemClock;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// OSV records (files, or folders searched for *.json).
    Osv {
        #[command(flatten)]
        storage: StorageArgs,
        /// The project's slug.
        #[arg(long)]
        project: String,
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

/// Every `.json` file under `path`, in a stable order.
fn files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() || entry.extension().is_some_and(|x| x == "json") {
                files(&entry, out)?;
            }
        }
        Ok(())
    } else if path.is_file() {
        out.push(path.to_owned());
        Ok(())
    } else {
        Err(format!("{}: no such file or folder", path.display()))
    }
}

pub async fn run(command: ImportCommand) -> Result<(), String> {
    let ImportCommand::Osv {
        storage,
        project,
        paths,
    } = command;
    let settings = storage.settings(None)?;
    let store = crate::open_store(&settings).await?;
    let app = App::new(store, settings, Arc::new(SystemClock));
    app.project(&project)
        .await
        .map_err(|_| format!("--project: no project `{project}`"))?;
    let mut list = Vec::new();
    for p in &paths {
        files(p, &mut list)?;
    }
    let (mut new, mut unchanged, mut failed) = (0, 0, 0);
    for file in &list {
        let record = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| format!("not JSON: {e}"))
            });
        let outcome = match record {
            Ok(record) => app
                .import_osv(&project, &record)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Imported::New(id, warnings)) => {
                new += 1;
                println!("imported {} as {id}", file.display());
                for warning in warnings {
                    eprintln!("warning: {}: {warning}", file.display());
                }
            }
            Ok(Imported::Unchanged(id)) => {
                unchanged += 1;
                println!("unchanged {} ({id})", file.display());
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {}: {e}", file.display());
            }
        }
    }
    println!("{new} imported, {unchanged} unchanged, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!(
            "{failed} file(s) could not be imported (see above)"
        ))
    }
}
