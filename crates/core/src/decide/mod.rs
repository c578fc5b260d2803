//! The case state machine: a command, in the light of the case, the project and the
//! actor, becomes events or a rejection. Nothing else changes a case.
//!
//! One module per area of a case ([`intake`], [`triage`], [`people`], [`conversation`],
//! [`scoring`], [`advisory`], [`disclosure`], [`fixes`]); a new area (fixes, releases, clocks,
//! notices) is a new module and a new arm in [`Decider::decide`].

mod advisory;
mod clocks;
mod conversation;
mod disclosure;
mod fixes;
mod guests;
mod intake;
mod notices;
mod people;
mod release;
mod scoring;
mod triage;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

pub(crate) use disclosure::{Refusal, gate as disclosure_gate};
pub use guests::guest_comment;
pub use intake::{MAX_ATTACHMENTS, import, submit};
pub use notices::notices_at_disclosure;
pub use release::agreement_words;

use crate::access::{self, Action, Standing};
use crate::actor::{Actor, UserRef};
use crate::aggregate::Aggregate;
use crate::case::{Case, Stage};
use crate::command::Command;
use crate::event::{Event, Recorded};
use crate::ids::{CaseId, UserId};
use crate::project::Project;
use crate::rejection::{Invalid, Rejection, Rule};
use crate::text::{self, limits};
use jiff::Timestamp;

/// What deciding a case command needs besides the case: its project, and the other
/// cases the command names (a duplicate's original), as the actor may see them. The
/// shell loads these scoped by viewer, so a case the actor may not see is absent here
/// exactly as a missing one.
#[derive(Clone, Debug)]
pub struct CaseContext {
    pub project: Project,
    pub named: Vec<Case>,
}

impl CaseContext {
    pub fn of(project: Project) -> Self {
        CaseContext {
            project,
            named: Vec::new(),
        }
    }

    fn named(&self, id: &CaseId) -> Option<&Case> {
        self.named.iter().find(|c| &c.id == id)
    }
}

impl Aggregate for Case {
    type Command = Command;
    type Event = Event;
    type Context = CaseContext;

    fn version(&self) -> u64 {
        self.version
    }

    fn decide(
        &self,
        context: &CaseContext,
        actor: &Actor,
        command: &Command,
        now: Timestamp,
    ) -> Result<Vec<Event>, Rejection> {
        let standing =
            access::standing(actor, &context.project, self).ok_or(Rejection::NotFound)?;
        Decider {
            actor,
            context,
            case: self,
            standing,
            command,
            now,
        }
        .decide()
    }

    fn apply(&mut self, event: &Recorded<Event>) {
        Case::apply(self, event)
    }
}

/// Decides a command on an existing case that names no other case, recording the
/// events with `actor` and `now`.
pub fn decide(
    actor: &Actor,
    project: &Project,
    case: &Case,
    command: Command,
    now: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    let context = CaseContext::of(project.clone());
    let events = Aggregate::decide(case, &context, actor, &command, now)?;
    Ok(events
        .into_iter()
        .map(|event| Recorded {
            at: now,
            actor: actor.as_ref(),
            event,
        })
        .collect())
}

/// One command being decided: who asks, on what, with what standing.
struct Decider<'a> {
    actor: &'a Actor,
    context: &'a CaseContext,
    case: &'a Case,
    standing: Standing,
    command: &'a Command,
    /// When the command is decided: release times must be later, and the clocks area
    /// computes clocks as of now.
    now: Timestamp,
}

impl Decider<'_> {
    fn decide(&self) -> Result<Vec<Event>, Rejection> {
        let one = |e: Result<Event, Rejection>| e.map(|e| vec![e]);
        match self.command {
            Command::Acknowledge => one(triage::acknowledge(self)),
            Command::AskReporter { body } => one(triage::ask_reporter(self, body)),
            Command::AnswerQuestion { question, body } => {
                one(triage::answer_question(self, *question, body))
            }
            Command::SetPreliminaryDecision { assessment, note } => {
                one(triage::preliminary(self, *assessment, note.as_deref()))
            }
            Command::SetFinalDecision(input) => one(triage::final_decision(self, input)),
            Command::Claim => one(people::claim(self)),
            Command::HandOver { to } => people::hand_over(self, *to),
            Command::AddCollaborator { user } => one(people::add_collaborator(self, *user)),
            Command::RemoveCollaborator { user } => one(people::remove_collaborator(self, *user)),
            Command::MessageReporter { body } => one(conversation::message_reporter(self, body)),
            Command::AddNote { body } => one(conversation::add_note(self, body)),
            Command::Reply { body } => one(conversation::reply(self, body)),
            Command::AddAttachment { attachment } => one(intake::add_attachment(self, attachment)),
            Command::ProposeCvss { vector } => one(scoring::propose(self, vector)),
            Command::SetCvss {
                cvss_v3_1,
                cvss_v4_0,
                effect,
            } => one(scoring::set(
                self,
                cvss_v3_1.as_deref(),
                cvss_v4_0.as_deref(),
                effect,
            )),
            Command::SetAdvisory(details) => one(advisory::set(self, details)),
            Command::RequestCveId => one(advisory::request_cve_id(self)),
            Command::AssignCveId { id } => one(advisory::assign_cve_id(self, id)),
            Command::MarkPublic { link, note } => one(disclosure::mark_public(
                self,
                link.as_deref(),
                note.as_deref(),
            )),
            Command::Disclose => {
                let mut events = vec![disclosure::disclose(self)?];
                events.extend(notices_at_disclosure(
                    self.case,
                    &self.project().policy(),
                    self.now,
                ));
                Ok(events)
            }
            Command::DraftNotice { notice, markdown } => {
                one(notices::draft(self, *notice, markdown))
            }
            Command::SendNotice { notice, at } => one(notices::send(self, *notice, *at)),
            Command::AddPreNotified { address, name } => {
                one(notices::add_pre_notified(self, address, name.as_deref()))
            }
            Command::RemovePreNotified { address } => {
                one(notices::remove_pre_notified(self, address))
            }
            Command::InviteGuest {
                email,
                name,
                organisation,
                shares,
                reason,
                token_hash,
            } => one(guests::invite(
                self,
                guests::Invitation {
                    email,
                    name: name.as_deref(),
                    organisation: organisation.as_deref(),
                    shares,
                    reason,
                    token_hash,
                },
            )),
            Command::RemoveGuest { guest, reason } => one(guests::remove(self, *guest, reason)),
            Command::WithdrawAdvisory { reason } => one(advisory::withdraw(self, reason)),
            Command::ChooseCredit(choice) => one(advisory::choose_credit(self, choice)),
            Command::SetCvssNotApplicable { reason } => {
                one(fixes::cvss_not_applicable(self, reason))
            }
            Command::SetAffected { branches } => one(fixes::set_affected(self, branches)),
            Command::RecordFix {
                branch,
                reference,
                commit,
                author,
            } => fixes::record_fix(self, branch, reference, commit.as_deref(), *author),
            Command::ApproveFix { fix } => fixes::approve(self, *fix),
            Command::AdvanceFix { fix, to } => one(fixes::advance(self, *fix, to)),
            Command::AttachPatch { fix, attachment } => {
                one(fixes::attach_patch(self, *fix, attachment))
            }
            Command::WaiveBackport { branch, reason } => one(fixes::waive(self, branch, reason)),
            Command::RecordMitigation { text } => one(fixes::mitigation(self, text)),
            Command::ProposeReleasePlan { plan, reason } => {
                one(release::propose_plan(self, plan, reason.as_deref()))
            }
            Command::ProposeReleaseDate { at, reason } => {
                one(release::propose_date(self, at, reason))
            }
            Command::AcceptReleaseDate => one(release::accept_date(self)),
            Command::OverrideReleaseDate { reason } => one(release::override_date(self, reason)),
            Command::FinalizeReleaseNotes { notes } => one(release::finalize_notes(self, notes)),
            Command::ScheduleDisclosure => one(release::schedule(self)),
            Command::UnscheduleDisclosure => one(release::unschedule(self)),
            Command::PublishPostMortem(text) => one(release::publish_post_mortem(self, text)),
            Command::MoveClock { clock, due, reason } => {
                one(clocks::move_clock(self, *clock, *due, reason))
            }
            Command::SlowDown {
                clocks: names,
                change,
                basis,
                note,
            } => one(clocks::slow_down(self, names, *change, *basis, *note)),
            Command::SetUpstreamDate { date, source } => {
                one(clocks::set_upstream_date(self, *date, source))
            }
        }
    }

    fn project(&self) -> &Project {
        &self.context.project
    }

    /// The actor's standing must permit `action`.
    fn need(&self, action: Action) -> Result<(), Rejection> {
        if access::permits(self.standing, action) {
            Ok(())
        } else {
            Err(Rejection::Forbidden {
                action: self.command.action(),
                needs: action.needs(),
            })
        }
    }

    fn illegal(&self, reason: &str) -> Rejection {
        Rejection::IllegalTransition {
            action: self.command.action(),
            stage: self.case.stage,
            reason: reason.to_owned(),
        }
    }

    fn closed(&self) -> Rejection {
        self.illegal(closed_reason(self.case.stage))
    }

    /// Closed cases are history; rejected ones still take messages so a reporter can
    /// contest the decision and the team can answer.
    fn refuse_when_closed(&self) -> Result<(), Rejection> {
        match self.case.stage {
            Stage::Closed => Err(self.illegal("it is closed")),
            Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::ReleasePlanned
            | Stage::Disclosed
            | Stage::Rejected => Ok(()),
        }
    }

    /// Work on people goes on while the case is open.
    fn must_be_open(&self) -> Result<(), Rejection> {
        if self.case.stage.is_open() {
            Ok(())
        } else {
            Err(self.closed())
        }
    }

    /// The advisory and its CVE ID are prepared from confirmation on, and revised after
    /// disclosure.
    fn publishing(&self) -> Result<(), Rejection> {
        match self.case.stage {
            Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned | Stage::Disclosed => Ok(()),
            Stage::Received | Stage::Triage | Stage::NeedsInfo => {
                Err(self.illegal("confirm the vulnerability first"))
            }
            Stage::Closed | Stage::Rejected => Err(self.closed()),
        }
    }
}

fn closed_reason(stage: Stage) -> &'static str {
    match stage {
        Stage::Rejected => "it was rejected",
        Stage::Closed => "it is closed",
        Stage::Received
        | Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Disclosed => "it is open",
    }
}

fn member(project: &Project, user: UserId, field: &str) -> Result<UserRef, Rejection> {
    project.member(user).map(|m| m.user.clone()).ok_or_else(|| {
        Rejection::invalid(
            field,
            Rule::UnknownMember,
            format!("user {user} is not a member of project `{}`", project.slug),
        )
    })
}

fn one(i: Invalid) -> Rejection {
    Rejection::Invalid(vec![i])
}

fn body_text(body: &str) -> Result<String, Rejection> {
    text::required_body("body", body, limits::BODY).map_err(one)
}

fn optional_body(field: &str, body: Option<&str>) -> Result<Option<String>, Rejection> {
    text::optional_body(field, body, limits::BODY).map_err(one)
}
