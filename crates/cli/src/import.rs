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
        /// Files stored per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u16).range(1..))]
        batch: u16,
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
        batch,
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
    // A batch at a time: the app stores a batch's new cases in one transaction, and
    // the next batch's files are read and parsed meanwhile. Each file is reported in
    // the files' order.
    let mut batches = list.chunks(usize::from(batch)).map(<[PathBuf]>::to_vec);
    let mut reading = batches.next().map(read_batch);
    while let Some(read) = reading.take() {
        let read = read
            .await
            .map_err(|e| format!("reading the files failed: {e}"))?;
        reading = batches.next().map(read_batch);
        for (file, outcome) in import_batch(&app, &project, read).await {
            report(&file, outcome, &mut new, &mut unchanged, &mut failed);
        }
    }
    if new > 0 {
        // The planner learns of the new rows now, not when autovacuum gets to them.
        app.store().analyze().await.map_err(|e| e.to_string())?;
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

/// Each file of a batch as JSON, or why not; read on a blocking thread.
fn read_batch(
    files: Vec<PathBuf>,
) -> tokio::task::JoinHandle<Vec<(PathBuf, Result<serde_json::Value, String>)>> {
    tokio::task::spawn_blocking(move || {
        files
            .into_iter()
            .map(|file| {
                let record = std::fs::read_to_string(&file)
                    .map_err(|e| e.to_string())
                    .and_then(|text| {
                        serde_json::from_str::<serde_json::Value>(&text)
                            .map_err(|e| format!("not JSON: {e}"))
                    });
                (file, record)
            })
            .collect()
    })
}

/// Imports the records that were read; every file gets its outcome, in order.
async fn import_batch(
    app: &embargo_server::app::App,
    project: &str,
    read: Vec<(PathBuf, Result<serde_json::Value, String>)>,
) -> Vec<(PathBuf, Result<Imported, String>)> {
    let mut records = Vec::new();
    let mut slots = Vec::with_capacity(read.len());
    for (file, record) in read {
        match record {
            Ok(record) => {
                records.push(record);
                slots.push((file, None));
            }
            Err(e) => slots.push((file, Some(Err(e)))),
        }
    }
    let mut outcomes = match app.import_osv_batch(project, &records).await {
        Ok(outcomes) => outcomes
            .into_iter()
            .map(|o| o.map_err(|e| e.to_string()))
            .collect::<Vec<_>>(),
        // Nothing of this batch was stored: each of its files says why.
        Err(e) => records.iter().map(|_| Err(e.to_string())).collect(),
    }
    .into_iter();
    slots
        .into_iter()
        .map(|(file, outcome)| {
            let outcome = outcome.unwrap_or_else(|| outcomes.next().expect("one per record"));
            (file, outcome)
        })
        .collect()
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
