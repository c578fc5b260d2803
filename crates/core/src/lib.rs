//! Embargo's domain, as pure functions: what a case is, who may see and do what, and
//! which events a command produces. No IO, no async, no clock, no randomness: the shell
//! passes the time and any new ids in, and persists the events that come out.
//!
//! Start at [`aggregate::Aggregate`] (the shape every stream shares), [`decide`] (case
//! commands, by area), [`case::Case`] (the fold of a case's events) and [`access`] (who
//! sees what).

pub mod access;
pub mod account;
pub mod account_notice;
pub mod actor;
pub mod advisory;
pub mod aggregate;
pub mod calendar;
pub mod case;
pub mod channel;
pub mod clocks;
pub mod command;
pub mod decide;
pub mod ecosystem;
pub mod effect;
pub mod event;
pub mod ids;
pub mod metrics;
pub mod notification;
pub mod policy;
pub mod project;
pub mod queue;
pub mod rejection;
pub mod release;
pub mod report;
pub mod scoring;
pub mod shared_release;
pub mod text;
pub mod track;

pub use jiff::Timestamp;

/// The shape of what the store keeps beside the events (the folded `Case` and `Project`
/// and the columns drawn from them). Bump it whenever a fold or a serialized shape
/// changes: a store opened by code with another version rebuilds every projection from
/// the events before it answers. 2: `Case` kept by area. 3: `Project` keeps its policy,
/// `Case` its milestones. 4: `Case` keeps its fixes (affected branches, track, checklist,
/// mitigation) and CVSS "not applicable". 5: and its release (plan, agreement, notes,
/// schedule, post-mortem). 6: and its clock log (moves, slow-downs, upstream dates,
/// reminders sent). 7: `Project` keeps its security address and members' mail choices.
/// 8: and its OpenPGP public key. 9: a case's reporter may have an OpenPGP key. 10: a
/// case's advisory keeps its revisions after disclosure and its withdrawal.
/// 11: `Project` keeps its channels and notice templates, `Case` its notices (drafts,
/// queued and delivered notices, pre-notification recipients).
/// 12: `Case` keeps its activity (the newest event a person made, who the case waits on),
/// and the `cases` row its listing columns (activity, waiting on, component, severity,
/// track) and search text.
/// 13: a project's policy may require a second factor of its members.
/// 14: `Case` keeps the guests it is shared with (C5).
/// 15: with keys, a case's projection is sealed at rest, its search text is keyed
/// tokens and its reporter's address a keyed token (issue 11, item 3).
/// 16: a sealed projection is deflated before it is sealed, and SQLite's search index
/// keeps no copy of its text (issue 13, item 3): rebuilding writes both anew.
/// 17: a sealed projection is deflated with a preset dictionary (`~3:`), and keyed
/// search tokens are 8 letters (issue 13, item 3): rebuilding writes both anew.
/// 18: PostgreSQL's search rows hold each word or keyed token as one lexeme, unparsed
/// (a token such as `3e6s7rpb` had become two, and was never found): rebuilding writes
/// them anew.
pub const PROJECTION_VERSION: u32 = 18;
