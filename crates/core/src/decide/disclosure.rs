//! Going public: a vulnerability known to be public already (C7), and disclosure (C18).

use super::{Decider, closed_reason, one, optional_body};
use crate::access::Action;
use crate::case::Stage;
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
    match d.case.stage {
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned => {
            let blockers = d.case.disclosure_blockers(&d.project().policy());
            if blockers.is_empty() {
                Ok(Event::Disclosed)
            } else {
                Err(Rejection::Blocked {
                    action: d.command.action(),
                    blockers,
                })
            }
        }
        Stage::Disclosed => Err(d.illegal("it is already disclosed")),
        Stage::Received | Stage::Triage | Stage::NeedsInfo => {
            Err(d.illegal("confirm the vulnerability first"))
        }
        Stage::Closed | Stage::Rejected => Err(d.illegal(closed_reason(d.case.stage))),
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
