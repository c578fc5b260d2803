//! The one shape every stream has: a state that decides commands into events and folds
//! the events it decided. Cases, projects and accounts all take it, so the shell runs
//! them with one loop (load → decide → record → append → on conflict, again).

use crate::actor::Actor;
use crate::event::Recorded;
use crate::rejection::Rejection;
use jiff::Timestamp;

pub trait Aggregate: Clone {
    type Command;
    type Event;
    /// What deciding needs besides the state, loaded by the shell before it decides:
    /// the project of a case, the other cases a command names.
    type Context;

    /// The number of events folded in: the store appends only if the stream still
    /// has exactly this many (optimistic concurrency).
    fn version(&self) -> u64;

    /// Checks a command against the state, the context and the actor's standing.
    /// Pure: `now` is passed in, and the events come back unrecorded.
    fn decide(
        &self,
        context: &Self::Context,
        actor: &Actor,
        command: &Self::Command,
        now: Timestamp,
    ) -> Result<Vec<Self::Event>, Rejection>;

    /// Folds one event `decide` produced. Never fails: events are facts.
    fn apply(&mut self, event: &Recorded<Self::Event>);
}

/// The state after some commands, and the events that led there.
pub type Decided<A> = (A, Vec<Recorded<<A as Aggregate>::Event>>);

/// Commands decided in order, each on the state the previous ones left: all of them
/// are recorded (with `actor` and `now`) or none is.
pub fn decide_all<A: Aggregate>(
    state: &A,
    context: &A::Context,
    actor: &Actor,
    commands: &[A::Command],
    now: Timestamp,
) -> Result<Decided<A>, Rejection> {
    let mut next = state.clone();
    let mut recorded = Vec::new();
    for command in commands {
        for event in next.decide(context, actor, command, now)? {
            let e = Recorded {
                at: now,
                actor: actor.as_ref(),
                event,
            };
            next.apply(&e);
            recorded.push(e);
        }
    }
    Ok((next, recorded))
}
