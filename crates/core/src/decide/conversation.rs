//! Talk on a case: the team to the reporter, the reporter to the team, internal notes.

use super::{Decider, body_text};
use crate::access::Action;
use crate::event::Event;
use crate::rejection::Rejection;

pub(super) fn message_reporter(d: &Decider, body: &str) -> Result<Event, Rejection> {
    d.need(Action::Collaborate)?;
    d.refuse_when_closed()?;
    Ok(Event::MessagedReporter {
        body: body_text(body)?,
    })
}

pub(super) fn add_note(d: &Decider, body: &str) -> Result<Event, Rejection> {
    d.need(Action::Collaborate)?;
    Ok(Event::NoteAdded {
        body: body_text(body)?,
    })
}

pub(super) fn reply(d: &Decider, body: &str) -> Result<Event, Rejection> {
    d.need(Action::ActAsReporter)?;
    d.refuse_when_closed()?;
    Ok(Event::ReporterReplied {
        body: body_text(body)?,
    })
}
