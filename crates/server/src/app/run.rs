//! The one loop every stream's change goes through: load the state (scoped by the
//! actor), let `core` decide, record, append if nobody changed the stream meanwhile,
//! and otherwise decide again on the fresh state.

use super::{App, AppError, AppResult};
use embargo_core::actor::Actor;
use embargo_core::aggregate::{self, Aggregate, Decided};
use embargo_core::event::Recorded;
use embargo_store::{Queued, StoreError};

/// How one kind of stream is read and written.
pub(super) trait Stream {
    type State: Aggregate;

    /// The current state and what deciding needs beside it.
    async fn load(
        &self,
        app: &App,
        actor: &Actor,
    ) -> AppResult<(Self::State, <Self::State as Aggregate>::Context)>;

    /// Appends `events` to a stream read at version `before`, with the state they
    /// lead to, and returns the work the store queued with them;
    /// [`StoreError::Conflict`] if it moved.
    async fn append(
        &self,
        app: &App,
        before: u64,
        next: &Self::State,
        events: &[Recorded<<Self::State as Aggregate>::Event>],
    ) -> Result<Vec<Queued>, StoreError>;
}

/// Conflicts are rare (two people acting on one case at once); a few rounds settle them.
const ROUNDS: usize = 5;

impl App {
    /// Runs `commands` on a stream in order and atomically: all their events are stored
    /// together or none are. Returns the new state and the events recorded.
    pub(super) async fn run<S: Stream>(
        &self,
        stream: &S,
        actor: &Actor,
        commands: &[<S::State as Aggregate>::Command],
    ) -> AppResult<Decided<S::State>> {
        for _ in 0..ROUNDS {
            let (state, context) = stream.load(self, actor).await?;
            let (next, events) =
                aggregate::decide_all(&state, &context, actor, commands, self.now())?;
            match stream.append(self, state.version(), &next, &events).await {
                Ok(queued) => {
                    if !queued.is_empty() {
                        self.ring_worker();
                    }
                    return Ok((next, events));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }
}
