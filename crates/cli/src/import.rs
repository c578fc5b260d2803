//! `embargo import osv`: a project's already-published advisories (OSV JSON files, or
//! folders of them) become disclosed cases (V10), so their history, exports and feed
//! continue here. Each file is reported; an invalid one does not stop the others.

use crate::StorageArgs;
use embargo_server::app::Imported;
use std::path::{Path, PathBuf};

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
    let app = embargo_server::open(settings).await?;
    app.project(&project)
        .await
        .map_err(|_| format!("--project: no project `{project}`"))?;
    let mut list = Vec::new();
    for p in &paths {
        files(p, &mut list)?;
    }
    let (mut new, mut unchanged, mut failed) = (0, 0, 0);
    // Files are imported a chunk at a time, side by side, so that the app's group
    // commit stores many in one transaction; each is reported in the files' order.
    for chunk in list.chunks(IMPORT_CHUNK) {
        let mut running = tokio::task::JoinSet::new();
        for (n, file) in chunk.iter().enumerate() {
            let (app, project, file) = (app.clone(), project.clone(), file.clone());
            running.spawn(async move { (n, import_one(&app, &project, &file).await) });
        }
        let mut outcomes: Vec<Option<Result<Imported, String>>> =
            chunk.iter().map(|_| None).collect();
        while let Some(done) = running.join_next().await {
            let (n, outcome) = done.map_err(|e| format!("an import task failed: {e}"))?;
            outcomes[n] = Some(outcome);
        }
        for (file, outcome) in chunk.iter().zip(outcomes) {
            report(
                file,
                outcome.expect("every task answered"),
                &mut new,
                &mut unchanged,
                &mut failed,
            );
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

/// How many files are imported side by side.
const IMPORT_CHUNK: usize = 64;

async fn import_one(
    app: &embargo_server::app::App,
    project: &str,
    file: &Path,
) -> Result<Imported, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let record =
        serde_json::from_str::<serde_json::Value>(&text).map_err(|e| format!("not JSON: {e}"))?;
    app.import_osv(project, &record)
        .await
        .map_err(|e| e.to_string())
}

fn report(
    file: &Path,
    outcome: Result<Imported, String>,
    new: &mut u64,
    unchanged: &mut u64,
    failed: &mut u64,
) {
    match outcome {
        Ok(Imported::New(id, warnings)) => {
            *new += 1;
            println!("imported {} as {id}", file.display());
            for warning in warnings {
                eprintln!("warning: {}: {warning}", file.display());
            }
        }
        Ok(Imported::Unchanged(id)) => {
            *unchanged += 1;
            println!("unchanged {} ({id})", file.display());
        }
        Err(e) => {
            *failed += 1;
            eprintln!("error: {}: {e}", file.display());
        }
    }
}
