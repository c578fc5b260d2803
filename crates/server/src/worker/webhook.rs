//! `webhook`: not wired yet (issue 14 adds delivery). Nothing queues notices today; if
//! something did, its subject's timeline would say plainly that it was not delivered.

use super::Outcome;
use crate::app::{App, AppResult};
use embargo_core::effect::Webhook;
use embargo_store::Job;

pub(super) async fn handle(_app: &App, _job: &Job, _webhook: &Webhook) -> AppResult<Outcome> {
    Ok(Outcome::GiveUp(
        "this instance cannot deliver notices to channels yet; the notice was not sent".into(),
    ))
}
