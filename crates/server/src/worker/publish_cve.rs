//! `publish-cve`: the case's CVE record at CVE Services (C18), made from the case as it
//! is when the job runs; after a change to the published advisory (an update, a
//! withdrawal), the same job updates the record.

use super::{Outcome, cve_services};
use crate::app::{App, AppResult, Format};
use embargo_core::advisory::CveState;
use embargo_core::effect::SystemCommand;
use embargo_cve_services::CveId;
use embargo_store::Job;

pub(super) async fn handle(app: &App, job: &Job, id: &str) -> AppResult<Outcome> {
    let Some((case, project)) = app.store().case_for_job(job).await? else {
        return Ok(Outcome::Done);
    };
    let client = match app.cve_services() {
        Ok(client) => client,
        Err(why) => return Ok(Outcome::GiveUp(why)),
    };
    let record = match app.document(&case, &project, Format::Cve) {
        Ok(r) => r,
        Err(e) => {
            return Ok(Outcome::GiveUp(format!(
                "the CVE record cannot be made: {e}"
            )));
        }
    };
    let container = &record["containers"]["cna"];
    let Ok(cve_id) = CveId::parse(id) else {
        return Ok(Outcome::GiveUp(format!("`{id}` is not a CVE ID")));
    };
    let done = || Outcome::Report(SystemCommand::CvePublished { id: id.to_owned() });
    // Published before: the advisory changed or was withdrawn since, so the record is
    // brought up to date.
    if matches!(&case.advisory.cve, Some(CveState::Published { id: ours }) if ours == id) {
        return Ok(match client.update(&cve_id, container).await {
            Ok(_) => done(),
            Err(e) => cve_services::failure(e),
        });
    }
    Ok(match client.publish(&cve_id, container).await {
        Ok(_) => done(),
        // An earlier attempt went through before its answer was lost: bring the
        // record up to date instead.
        Err(embargo_cve_services::Error::Rejected { error, .. })
            if error == "CVE_RECORD_EXISTS" =>
        {
            match client.update(&cve_id, container).await {
                Ok(_) => done(),
                Err(e) => cve_services::failure(e),
            }
        }
        Err(e) => cve_services::failure(e),
    })
}
