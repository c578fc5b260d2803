//! `embargo export`: one document per disclosed case of a project (never an
//! undisclosed one), written to a directory, with a progress bar on a terminal and a
//! summary at the end.
//!
//! A case that cannot have a document of this kind (no CVE id for a CVE record, no id
//! OSV accepts, nothing named as affected) is skipped and said so on stderr; that is
//! not a failure. The command exits 1 only when a document truly failed (a broken
//! CVSS vector, a revision history a final CSAF document cannot carry, a write error).

use crate::StorageArgs;
use embargo_server::app::Format;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The project's slug.
    #[arg(long)]
    project: String,
    /// cve (CVE JSON 5), osv or csaf (CSAF 2.0).
    #[arg(long, value_parser = ["cve", "osv", "csaf"])]
    format: String,
    /// The directory to write to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub async fn run(args: ExportArgs) -> Result<(), String> {
    let format = Format::parse(&args.format).expect("clap checked the value");
    let settings = args.storage.settings(None)?;
    let app = embargo_server::open(settings).await?;
    let (project, cases) = app
        .disclosed_cases(&args.project)
        .await
        .map_err(|_| format!("--project: no project `{}`", args.project))?;
    // A CVE record names the project's CNA; without it there is no record to write.
    if format == Format::Cve && project.cna.is_none() {
        return Err(format!(
            "--format cve: project `{}` has no CVE Numbering Authority settings; set them with \
             `embargo admin project update --slug {} --cna-short-name NAME --cna-org-id UUID`",
            project.slug, project.slug
        ));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("--out: cannot create {}: {e}", args.out.display()))?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(cases.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let (mut written, mut skipped, mut failed) = (0usize, Vec::new(), Vec::new());
    for case in &cases {
        bar.set_message(case.id.to_string());
        match app.document(case, &project, format) {
            Ok(doc) => {
                let path = args.out.join(format.file_name(case));
                let body = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
                std::fs::write(&path, body + "\n")
                    .map_err(|e| format!("--out: cannot write {}: {e}", path.display()))?;
                written += 1;
            }
            Err(e) if e.not_applicable() => skipped.push(format!("{}: {e}", case.id)),
            Err(e) => failed.push(format!("{}: {e}", case.id)),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "Exported {written} {} document{} of project {} to {}{}",
        format.as_str(),
        if written == 1 { "" } else { "s" },
        project.slug,
        args.out.display(),
        match skipped.len() {
            0 => String::new(),
            n => format!("; skipped {n} that cannot have one"),
        }
    );
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    for f in &failed {
        eprintln!("failed {f}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} disclosed case(s) could not be exported (see above)",
            failed.len()
        ))
    }
}
