//! Who works on a case (C8, C10): the coordinator and the collaborators.

use super::{Decider, member};
use crate::access::Action;
use crate::actor::Actor;
use crate::event::Event;
use crate::ids::UserId;
use crate::rejection::{Rejection, Rule};

pub(super) fn claim(d: &Decider) -> Result<Event, Rejection> {
    d.need(Action::Claim)?;
    d.must_be_open()?;
    let Actor::User(me) = d.actor else {
        unreachable!("only users have team standing")
    };
    match &d.case.people.coordinator {
        Some(c) if c.id == me.id => Err(d.illegal("you are already its coordinator")),
        Some(c) => Err(d.illegal(&format!(
            "{} coordinates it; they or the security team can hand it over",
            c.name
        ))),
        None => Ok(Event::Claimed {
            coordinator: me.as_ref(),
        }),
    }
}

pub(super) fn hand_over(d: &Decider, to: UserId) -> Result<Vec<Event>, Rejection> {
    d.need(Action::Lead)?;
    d.must_be_open()?;
    let to = member(d.project(), to, "to")?;
    if d.case.is_coordinator(to.id) {
        return Err(d.illegal(&format!("{} already coordinates it", to.name)));
    }
    let previous = d.case.people.coordinator.clone();
    let handed = Event::HandedOver {
        from: previous.clone(),
        to,
    };
    // Whoever coordinated stays on the case: a hand-over is not an eviction
    // (removing someone is its own, explicit act).
    Ok(match previous {
        Some(previous) if !d.case.is_collaborator(previous.id) => vec![
            handed,
            Event::CollaboratorAdded {
                collaborator: previous,
            },
        ],
        Some(_) | None => vec![handed],
    })
}

pub(super) fn add_collaborator(d: &Decider, user: UserId) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    d.must_be_open()?;
    let user = member(d.project(), user, "user")?;
    if d.case.is_collaborator(user.id) {
        return Err(Rejection::Conflict {
            field: "user".into(),
            message: format!("{} is already a collaborator", user.name),
        });
    }
    Ok(Event::CollaboratorAdded { collaborator: user })
}

pub(super) fn remove_collaborator(d: &Decider, user: UserId) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    let Some(c) = d.case.people.collaborators.iter().find(|c| c.id == user) else {
        return Err(Rejection::invalid(
            "user",
            Rule::UnknownMember,
            format!("user {user} is not a collaborator on this case"),
        ));
    };
    Ok(Event::CollaboratorRemoved {
        collaborator: c.clone(),
    })
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;

    #[test]
    fn c8_claim_and_hand_over_the_coordinator_role() {
        let mut c = new_case();
        run(&mut c, &sam(), Command::Claim);
        assert!(c.is_coordinator(UserId(2)));
        let e = refused(&c, &ada(), Command::Claim);
        assert!(e.to_string().contains("Sam coordinates it"), "{e}");
        run(&mut c, &sam(), Command::HandOver { to: UserId(3) });
        assert!(c.is_coordinator(UserId(3)));
        // Mia hands over to Max; Mia, a maintainer, keeps seeing the case as a collaborator.
        let mut d = c.clone();
        let events = run(&mut d, &mia(), Command::HandOver { to: UserId(4) });
        assert_eq!(
            events.iter().map(|e| e.event.kind()).collect::<Vec<_>>(),
            ["handed_over", "collaborator_added"]
        );
        assert!(d.is_collaborator(UserId(3)));
        assert!(standing(&mia(), &project(), &d).is_some());
        // Mia, a maintainer, sees the case because she coordinates it, and leads it.
        assert!(matches!(standing(&mia(), &project(), &c), Some(Standing::Team(t)) if t.leads()));
        run(&mut c, &mia(), Command::AddCollaborator { user: UserId(4) });
        run(&mut c, &mia(), Command::Acknowledge);
    }

    #[test]
    fn c10_collaborators_see_and_comment_but_do_not_lead() {
        let mut c = new_case();
        assert_eq!(
            refused(&c, &max(), Command::AddNote { body: "hi".into() }),
            Rejection::NotFound
        );
        run(&mut c, &sam(), Command::AddCollaborator { user: UserId(4) });
        run(
            &mut c,
            &max(),
            Command::AddNote {
                body: "reproduced on 1.2".into(),
            },
        );
        assert!(matches!(
            refused(&c, &max(), Command::Acknowledge),
            Rejection::Forbidden { .. }
        ));
        assert!(matches!(
            refused(&c, &sam(), Command::AddCollaborator { user: UserId(4) }),
            Rejection::Conflict { .. }
        ));
        let e = refused(&c, &sam(), Command::AddCollaborator { user: UserId(9) });
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].rule == Rule::UnknownMember),
            "{e:?}"
        );
        run(
            &mut c,
            &sam(),
            Command::RemoveCollaborator { user: UserId(4) },
        );
        assert_eq!(
            refused(&c, &max(), Command::AddNote { body: "x".into() }),
            Rejection::NotFound
        );
    }
}
