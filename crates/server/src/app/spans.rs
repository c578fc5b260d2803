//! What `App`'s tracing spans may carry. Fields are an allow-list: case ids, project
//! slugs and the kind of actor, never tokens, e-mail addresses or case content.

use embargo_core::actor::Actor;

/// The kind of actor, for a span's `actor` field (the account itself is not logged).
pub(crate) fn actor_kind(actor: &Actor) -> &'static str {
    match actor {
        Actor::Anonymous => "anonymous",
        Actor::Reporter(_) => "reporter",
        Actor::User(u) if u.instance_admin => "instance-admin",
        Actor::User(_) => "user",
        Actor::Operator => "operator",
    }
}
