//! Going public: a vulnerability known to be public already (C7), and disclosure (C18).

use super::{Decider, closed_reason, one, optional_body};
use crate::access::Action;
use crate::case::{Case, Stage};
use crate::event::Event;
use crate::rejection::Rejection;
use crate::text;

pub(super) fn mark_public(
    d: &Decider,
    link: Option<&str>,
    note: Option<&str>,
) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    d.refuse_when_closed()?;
    if d.case.disclosure.public.is_some() {
        return Err(d.illegal("it is already marked public"));
    }
    let link = match link.map(str::trim) {
        None | Some("") => None,
        Some(l) => Some(text::url("link", l).map_err(one)?),
    };
    Ok(Event::MarkedPublic {
        link,
        note: optional_body("note", note)?,
    })
}

pub(super) fn disclose(d: &Decider) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    gate(d.case).map_err(|why| match why {
        Refusal::Stage(reason) => d.illegal(reason),
        Refusal::Blocked(blockers) => Rejection::Blocked {
            action: d.command.action(),
            blockers,
        },
    })?;
    Ok(Event::Disclosed)
}

/// Why a case may not go public now.
pub(crate) enum Refusal {
    /// Not in a stage that discloses.
    Stage(&'static str),
    /// What is missing ([`crate::case::Case::disclosure_blockers`]).
    Blocked(Vec<crate::case::Blocker>),
}

/// The disclosure gate (V8, C6, C17, C18), shared by `disclose` and the scheduled
/// disclosure the worker carries out.
pub(crate) fn gate(case: &Case) -> Result<(), Refusal> {
    match case.stage {
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned => {}
        Stage::Disclosed => return Err(Refusal::Stage("it is already disclosed")),
        Stage::Received | Stage::Triage | Stage::NeedsInfo => {
            return Err(Refusal::Stage("confirm the vulnerability first"));
        }
        Stage::Closed | Stage::Rejected => return Err(Refusal::Stage(closed_reason(case.stage))),
    }
    let missing = case.disclosure_blockers();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Blocked(missing))
    }
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;

    #[test]
    fn c7_mark_public_once() {
        let mut c = new_case();
        run(
            &mut c,
            &sam(),
            Command::MarkPublic {
                link: Some("https://example.org/post".into()),
                note: None,
            },
        );
        assert!(c.disclosure.public.is_some());
        assert!(matches!(
            refused(
                &c,
                &sam(),
                Command::MarkPublic {
                    link: None,
                    note: None
                }
            ),
            Rejection::IllegalTransition { .. }
        ));
        let e = refused(
            &new_case(),
            &sam(),
            Command::MarkPublic {
                link: Some("javascript:x".into()),
                note: None,
            },
        );
        assert!(matches!(&e, Rejection::Invalid(v) if v[0].rule == Rule::InvalidUrl));
    }
}
