//! `reserve-cve`: one CVE ID for the case at CVE Services (C14), under the project's
//! CNA short name.

use super::{Outcome, cve_services};
use crate::app::{App, AppResult};
use embargo_core::effect::SystemCommand;
use embargo_cve_services::Amount;
use embargo_store::Job;

pub(super) async fn handle(app: &App, job: &Job) -> AppResult<Outcome> {
    let Some((_, project)) = app.store().case_for_job(job).await? else {
        return Ok(Outcome::Done);
    };
    let client = match app.cve_services() {
        Ok(client) => client,
        Err(why) => return Ok(Outcome::GiveUp(why)),
    };
    let short_name = project
        .cna
        .as_ref()
        .map(|c| c.short_name.clone())
        .unwrap_or_else(|| app.settings().cve_services.org.clone());
    let year = app.now().to_zoned(jiff::tz::TimeZone::UTC).year() as u16;
    Ok(match client.reserve(Amount::One, year, &short_name).await {
        Ok(r) => match r.ids.first() {
            Some(info) => Outcome::Report(SystemCommand::CveReserved {
                id: info.cve_id.as_str().to_owned(),
            }),
            None => Outcome::GiveUp(
                r.shortfall
                    .unwrap_or_else(|| "CVE Services reserved no ID".into()),
            ),
        },
        Err(e) => cve_services::failure(e),
    })
}
