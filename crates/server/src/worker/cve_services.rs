//! What CVE Services' errors mean for a job, shared by the CVE handlers.

use super::Outcome;
use embargo_core::effect::SystemCommand;

pub(super) fn failure(e: embargo_cve_services::Error) -> Outcome {
    if e.retryable() {
        Outcome::Retry {
            after: e.retry_after(),
            reason: e.to_string(),
        }
    } else if matches!(e, embargo_cve_services::Error::Rejected { .. }) {
        // The service looked at the request and said no: its words, as a refusal.
        Outcome::Report(SystemCommand::CveRejected {
            message: e.to_string(),
        })
    } else {
        Outcome::GiveUp(e.to_string())
    }
}
