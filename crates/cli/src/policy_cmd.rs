//! `embargo policy`: print a preset policy, check a policy file. Neither needs a
//! database. `check` exits 0 with a one-line summary, or 1 with one
//! `error: FILE:LINE: key `…`: why` line per problem (2 is clap's, for usage errors).

use embargo_core::clocks::ClockName;
use embargo_core::policy::{Policy, weekday_name};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum PolicyCommand {
    /// Print a preset policy as a commented TOML document.
    Show {
        /// The reference process to print.
        #[arg(long, value_enum)]
        preset: Preset,
    },
    /// Check a policy file; files named by `holidays_file` are read relative to it.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(clap::ValueEnum, Clone, Copy)]
pub enum Preset {
    /// Connect's CVE process (steps C1–C19).
    Connect,
    /// Vitess's security process (steps V1–V11).
    Vitess,
}

pub fn run(command: PolicyCommand) -> ExitCode {
    match command {
        PolicyCommand::Show { preset } => {
            let (policy, title) = match preset {
                Preset::Connect => (
                    Policy::connect(),
                    "the `connect` preset: Connect's CVE process (steps C1–C19)",
                ),
                Preset::Vitess => (
                    Policy::vitess(),
                    "the `vitess` preset: Vitess's security process (steps V1–V11)",
                ),
            };
            print!("# This is {title}.\n{}", policy.to_toml());
            ExitCode::SUCCESS
        }
        PolicyCommand::Check { file } => check(&file),
    }
}

fn check(file: &Path) -> ExitCode {
    let shown = file.display();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {shown}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string());
    match Policy::from_toml_with(&text, &mut read) {
        Ok(policy) => {
            println!("{shown}: ok: {}", summary(&policy));
            ExitCode::SUCCESS
        }
        Err(e) => {
            for p in &e.problems {
                let at = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                eprintln!("error: {shown}{at}: key `{}`: {}", p.key, p.kind);
            }
            ExitCode::FAILURE
        }
    }
}

/// "time zone Europe/Berlin, working days monday–friday, 3 holidays, clocks acknowledge
/// 5 working days, …".
fn summary(p: &Policy) -> String {
    let days: Vec<&str> = p
        .working_days
        .days()
        .into_iter()
        .map(weekday_name)
        .collect();
    let clocks: Vec<String> = ClockName::ALL
        .into_iter()
        .filter_map(|n| p.clock(n).map(|c| format!("{n} {}", c.duration)))
        .collect();
    let holidays = p.holidays.len();
    format!(
        "time zone {}, working days {}, {holidays} holiday{}, clocks: {}",
        p.time_zone,
        days.join(" "),
        if holidays == 1 { "" } else { "s" },
        if clocks.is_empty() {
            "none".to_owned()
        } else {
            clocks.join(", ")
        }
    )
}
