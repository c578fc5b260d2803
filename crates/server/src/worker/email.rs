//! `email`: not wired yet (issue 9 adds the sending). Nothing queues e-mail today; if
//! something did, its subject's timeline would say plainly that it was not sent.

use super::Outcome;
use crate::app::{App, AppResult};
use embargo_core::effect::Email;
use embargo_store::Job;

pub(super) async fn handle(_app: &App, _job: &Job, _email: &Email) -> AppResult<Outcome> {
    Ok(Outcome::GiveUp(
        "this instance cannot send e-mail yet; the message was not sent".into(),
    ))
}
