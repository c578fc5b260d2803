//! Import: `embargo import osv` of a folder of generated OSV records into a fresh
//! project, records per second; every record must be reported imported.

use super::{Context, Reps};
use crate::embargo::PROJECT;
use crate::table::Row;
use crate::{Error, Result};
use std::time::Instant;

pub async fn run(ctx: &mut Context) -> Result<()> {
    let n = ctx.opts.osv_files;
    if n == 0 {
        return Err(Error::Usage("--osv-files: at least 1".into()));
    }
    let dir = ctx.subdir("osv")?;
    crate::osv::write_records(&dir, ctx.salt(), n)?;
    let folder = dir.display().to_string();
    let mut results: Vec<Reps> = ctx.opts.backends.iter().map(|_| Reps::default()).collect();
    for rep in 0..ctx.opts.reps {
        for (i, backend) in ctx.opts.backends.clone().into_iter().enumerate() {
            let embargo = ctx.fresh_embargo(backend, "import").await?;
            embargo.set_up().await?;
            let t0 = Instant::now();
            let out = embargo
                .command(&["import", "osv", "--project", PROJECT, &folder])
                .await;
            let elapsed = t0.elapsed();
            ctx.drop_embargo(&embargo).await?;
            let want = format!("{n} imported, 0 unchanged, 0 failed");
            match out {
                Ok(out) if out.lines().any(|l| l.trim() == want) => {
                    let rate = n as f64 / elapsed.as_secs_f64();
                    ctx.log(format!(
                        "import: repetition {}: {}: {rate:.0} records/s",
                        rep + 1,
                        backend.name()
                    ));
                    results[i].add(rate, None, None);
                }
                Ok(out) => results[i].errors.push(format!(
                    "repetition {}: expected `{want}`, got `{}`",
                    rep + 1,
                    out.lines().last().unwrap_or_default()
                )),
                Err(e) => results[i]
                    .errors
                    .push(format!("repetition {}: {e}", rep + 1)),
            }
        }
    }
    for (backend, r) in ctx.opts.backends.clone().into_iter().zip(results) {
        ctx.push(Row {
            measurement: format!(
                "`embargo import osv`, {} files, {}",
                crate::stats::thousands(n),
                backend.name()
            ),
            embargo: if r.per_sec.is_empty() {
                "not measured".into()
            } else {
                format!("{} records/s", crate::stats::rate(r.median()))
            },
            ceiling: "— (goal: ≥ 2,000 records/s)".into(),
            ratio: "—".into(),
            runs: r.runs("records/s"),
            errors: r.errors,
        });
    }
    Ok(())
}
