//! Sharing a case with a person from another project (policy step C5): information
//! stays in the project unless another project must help ship the fix, and then the
//! coordinator shares it explicitly, with a reason, on the record, revocably. Distinct
//! from pre-notification (V11), which tells third parties a fix is coming.

use super::Decider;
use crate::access::Action;
use crate::actor::ActorRef;
use crate::case::{Case, Guest, Share, Stage};
use crate::event::{Event, Recorded};
use crate::ids::GuestId;
use crate::rejection::{Invalid, Rejection, Rule};
use crate::text::{self, limits};
use jiff::Timestamp;

/// An invitation as typed.
pub(super) struct Invitation<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub organisation: Option<&'a str>,
    pub shares: &'a [String],
    pub reason: &'a str,
    pub token_hash: &'a str,
}

pub(super) fn invite(d: &Decider, input: Invitation) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    match d.case.stage {
        Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned => {}
        Stage::Received | Stage::Triage | Stage::NeedsInfo => {
            return Err(d.illegal(
                "confirm the vulnerability first: only a confirmed case needs another project's help",
            ));
        }
        Stage::Disclosed => {
            return Err(d.illegal("it is disclosed: point them to the advisory instead"));
        }
        Stage::Closed | Stage::Rejected => return Err(d.closed()),
    }
    let mut errors: Vec<Invalid> = Vec::new();
    let email = text::email("email", input.email)
        .map_err(|e| errors.push(e))
        .ok();
    let name = text::optional_line("name", input.name, limits::NAME)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let organisation = text::optional_line("organisation", input.organisation, limits::NAME)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let shares = shares(input.shares).map_err(|e| errors.push(e)).ok();
    let reason = text::required_body("reason", input.reason, limits::SHORT)
        .map_err(|e| errors.push(e))
        .ok();
    if !is_sha256_hex(input.token_hash) {
        errors.push(Invalid::new(
            "token_hash",
            Rule::InvalidFormat,
            "`token_hash`: expected 64 lowercase hex digits",
        ));
    }
    let (Some(email), Some(shares), Some(reason), true) =
        (email, shares, reason, errors.is_empty())
    else {
        return Err(Rejection::Invalid(errors));
    };
    if d.case.guests.by_email(&email).is_some() {
        return Err(Rejection::Conflict {
            field: "email".into(),
            message: format!("{email} is a guest on this case already"),
        });
    }
    Ok(Event::GuestInvited {
        guest: Guest {
            id: d.case.guests.next_id(),
            email,
            name,
            organisation,
            shares,
            reason,
            token_hash: input.token_hash.to_owned(),
        },
    })
}

fn shares(names: &[String]) -> Result<Vec<Share>, Invalid> {
    let expected = || {
        Share::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    for n in names {
        let Some(s) = Share::parse(n) else {
            return Err(Invalid::new(
                "shares",
                Rule::InvalidFormat,
                format!(
                    "`shares`: no part named `{n}`; expected some of {}",
                    expected()
                ),
            ));
        };
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err(Invalid::new(
            "shares",
            Rule::Required,
            format!("`shares`: name at least one part to share: {}", expected()),
        ));
    }
    out.sort();
    Ok(out)
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Removing a guest is always possible, whatever the stage: access must be revocable.
pub(super) fn remove(d: &Decider, guest: GuestId, reason: &str) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    let reason = text::required_body("reason", reason, limits::SHORT).map_err(super::one);
    let Some(g) = d.case.guests.get(guest) else {
        let mut errors = vec![Invalid::new(
            "guest",
            Rule::NotAllowed,
            format!("`guest`: {guest} is not a guest on this case"),
        )];
        if let Err(Rejection::Invalid(mut e)) = reason {
            errors.append(&mut e);
        }
        return Err(Rejection::Invalid(errors));
    };
    Ok(Event::GuestRemoved {
        guest,
        email: g.email.clone(),
        reason: reason?,
    })
}

/// A guest's comment for the team, which the shell accepted on the guest's capability:
/// recorded by the system, naming the guest. Only while the guest is on the case and
/// the case is open; the reporter never sees it.
pub fn guest_comment(
    case: &Case,
    guest: GuestId,
    body: &str,
    now: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    let Some(g) = case.guests.get(guest) else {
        return Err(Rejection::NotFound);
    };
    if !case.stage.is_open() {
        return Err(Rejection::NotFound);
    }
    let body = text::required_body("body", body, limits::BODY).map_err(super::one)?;
    Ok(vec![Recorded {
        at: now,
        actor: ActorRef::System,
        event: Event::GuestCommented {
            guest,
            email: g.email.clone(),
            body,
        },
    }])
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;
    use crate::ids::GuestId;

    const HASH: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn invite(email: &str, shares: &[&str], reason: &str) -> Command {
        Command::InviteGuest {
            email: email.into(),
            name: Some("Uma Upstream".into()),
            organisation: Some("grpc-go".into()),
            shares: shares.iter().map(|s| s.to_string()).collect(),
            reason: reason.into(),
            token_hash: HASH.into(),
        }
    }

    fn fields(r: Rejection) -> Vec<String> {
        match r {
            Rejection::Invalid(v) => v.into_iter().map(|i| i.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn c5_the_coordinator_shares_a_confirmed_case_with_a_reason() {
        let mut case = confirmed_case_led_by_sam();
        let events = run(
            &mut case,
            &sam(),
            invite(
                "uma@grpc.example",
                &["fixes", "report"],
                "the fix needs grpc-go",
            ),
        );
        let Event::GuestInvited { guest } = &events[0].event else {
            panic!("{events:?}")
        };
        assert_eq!(guest.id, GuestId(1));
        assert_eq!(
            guest.shares,
            [crate::case::Share::Report, crate::case::Share::Fixes]
        );
        assert_eq!(case.guests.current.len(), 1);
        // Sharing is the team's act: the reporter's timeline does not show it.
        assert_eq!(events[0].event.visibility(), Visibility::Internal);
        // The same address twice is a conflict.
        assert!(matches!(
            refused(&case, &sam(), invite("UMA@grpc.example", &["report"], "again")),
            Rejection::Conflict { field, .. } if field == "email"
        ));
        // Removing ends it, names the guest, and the next guest gets a new number.
        run(
            &mut case,
            &sam(),
            Command::RemoveGuest {
                guest: GuestId(1),
                reason: "fix shipped upstream".into(),
            },
        );
        assert!(case.guests.current.is_empty());
        let events = run(
            &mut case,
            &sam(),
            invite("uma@grpc.example", &["report"], "back"),
        );
        let Event::GuestInvited { guest } = &events[0].event else {
            panic!()
        };
        assert_eq!(guest.id, GuestId(2));
    }

    #[test]
    fn c5_only_someone_who_leads_the_case_shares_it() {
        let mut case = confirmed_case_led_by_sam();
        run(
            &mut case,
            &sam(),
            Command::AddCollaborator { user: UserId(3) },
        );
        let cmd = invite("uma@grpc.example", &["report"], "needed");
        assert!(matches!(
            refused(&case, &mia(), cmd.clone()),
            Rejection::Forbidden { .. }
        ));
        for outsider in [reporter(), ivy(), max(), Actor::Anonymous] {
            assert!(matches!(
                refused(&case, &outsider, cmd.clone()),
                Rejection::NotFound | Rejection::Forbidden { .. }
            ));
        }
        assert!(matches!(
            refused(&case, &reporter(), cmd),
            Rejection::Forbidden { .. } | Rejection::NotFound
        ));
    }

    #[test]
    fn c5_sharing_waits_for_confirmation_and_stops_at_disclosure() {
        let mut case = new_case();
        let cmd = invite("uma@grpc.example", &["report"], "needed");
        assert!(matches!(
            refused(&case, &sam(), cmd.clone()),
            Rejection::IllegalTransition { .. }
        ));
        run(&mut case, &sam(), Command::Acknowledge);
        run(&mut case, &sam(), reject(RejectReason::OutOfScope));
        assert!(matches!(
            refused(&case, &sam(), cmd),
            Rejection::IllegalTransition { .. }
        ));
    }

    #[test]
    fn c5_bad_input_names_every_field() {
        let case = confirmed_case_led_by_sam();
        let mut cmd = invite("not an address", &["report", "notes"], " ");
        if let Command::InviteGuest { token_hash, .. } = &mut cmd {
            *token_hash = "nope".into();
        }
        assert_eq!(
            fields(refused(&case, &sam(), cmd)),
            ["email", "shares", "reason", "token_hash"]
        );
        assert_eq!(
            fields(refused(
                &case,
                &sam(),
                invite("uma@grpc.example", &[], "why")
            )),
            ["shares"]
        );
        assert_eq!(
            fields(refused(
                &case,
                &sam(),
                Command::RemoveGuest {
                    guest: GuestId(7),
                    reason: "gone".into()
                }
            )),
            ["guest"]
        );
    }

    #[test]
    fn c5_a_guest_comments_while_on_the_case_only() {
        let mut case = confirmed_case_led_by_sam();
        run(
            &mut case,
            &sam(),
            invite("uma@grpc.example", &["report"], "needed"),
        );
        let events = super::guest_comment(&case, GuestId(1), "patched upstream", at(50)).unwrap();
        assert_eq!(events[0].event.visibility(), Visibility::Internal);
        assert_eq!(events[0].actor, ActorRef::System);
        assert!(matches!(
            super::guest_comment(&case, GuestId(1), "  ", at(50)),
            Err(Rejection::Invalid(_))
        ));
        run(
            &mut case,
            &sam(),
            Command::RemoveGuest {
                guest: GuestId(1),
                reason: "done".into(),
            },
        );
        assert_eq!(
            super::guest_comment(&case, GuestId(1), "still here?", at(60)).unwrap_err(),
            Rejection::NotFound
        );
    }
}
