//! Work that events ask of the outside world: CVE Services, timers, and (once their
//! handlers exist) e-mail and webhooks. `core` names the work and when it is due; the
//! store queues it in the same transaction as the events, so an accepted request is never
//! lost and a refused one queues nothing; the server's worker carries it out and reports
//! back with a [`SystemCommand`], decided here like any other change.
//!
//! Any stream may ask for work: [`case_effects`], [`project_effects`] and
//! [`account_effects`] each match every event of their stream, so a new event is a
//! compile error until someone says what work, if any, it asks for.

mod alarms;
mod outbound;
mod wake;

pub use alarms::{clock_timer, due_alarms};
pub use outbound::{CaseUpdate, Email, MailKind, NoticeTarget, Recipient, TeamUpdate, Webhook};
pub use wake::{WATCH_INTERVAL, WakeReason};

use crate::account::AccountEvent;
use crate::actor::ActorRef;
use crate::advisory::CveState;
use crate::case::{Case, Stage};
use crate::event::{Event, FinalDecision, Recorded};
use crate::ids::{CaseId, ProjectSlug, UserId};
use crate::project::{Project, ProjectEvent};
use crate::rejection::Rejection;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// One piece of work, as queued: its kind and its payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Effect {
    /// Reserve one CVE ID for the case at CVE Services (C14).
    ReserveCve,
    /// Publish the case's CVE record at CVE Services (C18).
    PublishCve { id: String },
    /// A timer: look at the subject again at the time the work is due.
    Wake { reason: WakeReason },
    /// A message to a person (issue 9 adds the handler; nothing asks for one yet).
    Email(Email),
    /// A notice to a project's channels: mailing lists, chat and webhooks (issue 14).
    Webhook(Webhook),
}

/// An effect's kind without its payload: the outbox's `kind` column and what a
/// failure event names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EffectKind {
    ReserveCve,
    PublishCve,
    Wake,
    Email,
    Webhook,
}

impl EffectKind {
    pub const ALL: [EffectKind; 5] = [
        EffectKind::ReserveCve,
        EffectKind::PublishCve,
        EffectKind::Wake,
        EffectKind::Email,
        EffectKind::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EffectKind::ReserveCve => "reserve-cve",
            EffectKind::PublishCve => "publish-cve",
            EffectKind::Wake => "wake",
            EffectKind::Email => "email",
            EffectKind::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<EffectKind> {
        EffectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the work is, in words, for the timeline.
    pub fn words(self) -> &'static str {
        match self {
            EffectKind::ReserveCve => "reserving a CVE ID at CVE Services",
            EffectKind::PublishCve => "publishing the CVE record at CVE Services",
            EffectKind::Wake => "a scheduled check",
            EffectKind::Email => "sending an e-mail",
            EffectKind::Webhook => "delivering a notice",
        }
    }
}

impl Effect {
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::ReserveCve => EffectKind::ReserveCve,
            Effect::PublishCve { .. } => EffectKind::PublishCve,
            Effect::Wake { .. } => EffectKind::Wake,
            Effect::Email(_) => EffectKind::Email,
            Effect::Webhook(_) => EffectKind::Webhook,
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The effect as it may stay in the outbox once done: without the secrets it
    /// carried for its handler (a receipt's tracking token).
    pub fn redacted(&self) -> Effect {
        match self {
            Effect::Email(email) => Effect::Email(Email {
                to: email.to.clone(),
                message: email.message.redacted(),
            }),
            Effect::ReserveCve
            | Effect::PublishCve { .. }
            | Effect::Wake { .. }
            | Effect::Webhook(_) => self.clone(),
        }
    }
}

/// Which ways out this instance has. Work for a way it lacks is still queued, and
/// waits in the outbox, unclaimed, until an instance that has it starts (mail queued
/// before `mail.smtp_url` is set goes once it is).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outlets {
    /// Outgoing mail (`mail.smtp_url`) is set up.
    pub mail: bool,
}

impl Outlets {
    /// Whether this instance may claim work of this kind.
    pub fn works(self, kind: EffectKind) -> bool {
        match kind {
            EffectKind::Email => self.mail,
            EffectKind::ReserveCve
            | EffectKind::PublishCve
            | EffectKind::Wake
            | EffectKind::Webhook => true,
        }
    }

    /// The kinds this instance may not claim (they wait for one that may).
    pub fn lacking(self) -> Vec<EffectKind> {
        EffectKind::ALL
            .into_iter()
            .filter(|k| !self.works(*k))
            .collect()
    }
}

/// Whose work it is: the stream whose timeline hears how it went.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Case(CaseId),
    Project(ProjectSlug),
    Account(UserId),
}

impl Subject {
    /// The outbox's `subject_kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Case(_) => "case",
            Subject::Project(_) => "project",
            Subject::Account(_) => "account",
        }
    }

    /// The outbox's `subject_id` column.
    pub fn id(&self) -> String {
        match self {
            Subject::Case(id) => id.as_str().to_owned(),
            Subject::Project(slug) => slug.as_str().to_owned(),
            Subject::Account(id) => id.0.to_string(),
        }
    }

    pub fn parse(kind: &str, id: &str) -> Option<Subject> {
        match kind {
            "case" => CaseId::parse(id).map(Subject::Case),
            "project" => ProjectSlug::parse(id).map(Subject::Project),
            "account" => id.parse().ok().map(|n| Subject::Account(UserId(n))),
            _ => None,
        }
    }

    /// The account an account event is about: its timeline hears of its work.
    pub fn account_of(e: &AccountEvent) -> Subject {
        match e {
            AccountEvent::UserCreated { user, .. }
            | AccountEvent::PasswordLinkIssued { user }
            | AccountEvent::PasswordSet { user }
            | AccountEvent::IdentityLinked { user, .. } => Subject::Account(user.id),
            AccountEvent::SecondFactorEnrolled { user }
            | AccountEvent::SecondFactorRemoved { user }
            | AccountEvent::PasskeyAdded { user, .. }
            | AccountEvent::PasskeyRemoved { user, .. } => Subject::Account(user.id),
            AccountEvent::TokenCreated { owner, .. } | AccountEvent::TokenRevoked { owner, .. } => {
                Subject::Account(owner.id)
            }
        }
    }

    pub fn case(&self) -> Option<&CaseId> {
        match self {
            Subject::Case(id) => Some(id),
            Subject::Project(_) | Subject::Account(_) => None,
        }
    }
}

/// Work an event asks for, and when it falls due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub effect: Effect,
    pub due: Timestamp,
}

impl Planned {
    fn now(effect: Effect, e: &Recorded<impl Sized>) -> Planned {
        Planned { effect, due: e.at }
    }

    fn after(effect: Effect, e: &Recorded<impl Sized>, wait: SignedDuration) -> Planned {
        Planned {
            effect,
            due: e.at + wait,
        }
    }
}

/// The work a case event asks for, given the case as it is after the event.
pub fn case_effects(case: &Case, e: &Recorded<Event>) -> Vec<Planned> {
    let reserved = match &case.advisory.cve {
        Some(CveState::Reserved { id }) => Some(id.clone()),
        Some(
            CveState::Requested
            | CveState::Assigned { .. }
            | CveState::Published { .. }
            | CveState::Failed { .. }
            | CveState::Rejected { .. },
        )
        | None => None,
    };
    // A change to the published advisory brings our published CVE record up to date
    // (the worker updates a record that exists).
    let republish = || -> Vec<Planned> {
        match (&case.advisory.cve, case.disclosure.disclosed_at) {
            (Some(CveState::Published { id }), Some(_)) => {
                vec![Planned::now(Effect::PublishCve { id: id.clone() }, e)]
            }
            _ => Vec::new(),
        }
    };
    let publish = || -> Vec<Planned> {
        reserved
            .clone()
            .map(|id| Planned::now(Effect::PublishCve { id }, e))
            .into_iter()
            .collect()
    };
    // One mail per event, to a reporter who gave an address. Without SMTP it waits in
    // the outbox (`Outlets`).
    let mail = |message: MailKind| -> Vec<Planned> {
        let reachable = case.report.reporter.email.is_some();
        reachable
            .then(|| {
                Planned::now(
                    Effect::Email(Email {
                        to: Recipient::Reporter,
                        message,
                    }),
                    e,
                )
            })
            .into_iter()
            .collect()
    };
    let update = |update: CaseUpdate| mail(MailKind::CaseUpdated { update });
    // The team's mail: one job, fanned out by the worker to the members who want it.
    let team = |update: TeamUpdate| {
        Planned::now(
            Effect::Email(Email {
                to: Recipient::Team,
                message: MailKind::TeamUpdate { update },
            }),
            e,
        )
    };
    let chat = |overdue: bool| {
        Planned::now(
            Effect::Webhook(Webhook {
                to: NoticeTarget::Team { overdue },
                notice: None,
            }),
            e,
        )
    };
    match &e.event {
        Event::CveRequested => vec![Planned::now(Effect::ReserveCve, e)],
        // Clock timers are planned per append, from the case after it: `clock_timer`.
        // An imported advisory (V10) is history, not news: no receipt, no team mail.
        Event::Submitted { report, .. } if report.channel == crate::report::Channel::Import => {
            Vec::new()
        }
        Event::Submitted { .. } => {
            let mut work = mail(MailKind::ReportReceived {
                tracking_token: None,
            });
            work.push(team(TeamUpdate::NewReport));
            work
        }
        Event::ReporterReplied { .. } | Event::QuestionAnswered { .. } => {
            vec![team(TeamUpdate::ReporterWrote)]
        }
        // Reminders and escalations reach their people by mail as well as in the app.
        // And to the chat channels the project marks for the team (a count, a link).
        Event::ClockReminder { clock, to, .. } => {
            vec![team(TeamUpdate::clock(*clock, false, to)), chat(false)]
        }
        Event::ClockOverdue { clock, to, .. } => {
            vec![team(TeamUpdate::clock(*clock, true, to)), chat(true)]
        }
        Event::Claimed { coordinator: user }
        | Event::HandedOver { to: user, .. }
        | Event::CollaboratorAdded { collaborator: user } => {
            vec![team(TeamUpdate::Assigned { user: user.id })]
        }
        Event::Acknowledged => update(CaseUpdate::Acknowledged),
        Event::QuestionAsked { .. } => update(CaseUpdate::Question),
        Event::MessagedReporter { .. } => update(CaseUpdate::Message),
        Event::FinalDecisionSet {
            decision: FinalDecision::Rejected { reason, .. },
        } if !reason.replies() => Vec::new(),
        Event::FinalDecisionSet { .. } => update(CaseUpdate::Decision),
        // The reporter hears of each date they did not set themselves (C6, V9).
        Event::ReleasePlanProposed { .. } => update(CaseUpdate::ReleasePlan),
        Event::ReleaseDateAgreed { .. } if e.actor != ActorRef::Reporter => {
            update(CaseUpdate::ReleaseDate)
        }
        Event::ReleaseDateOverridden { .. } => update(CaseUpdate::ReleaseDate),
        // The worker looks at the case again at the release time and discloses it if
        // the gate lets it (C6, C18).
        Event::DisclosureScheduled { at } => vec![Planned {
            effect: Effect::Wake {
                reason: WakeReason::ScheduledDisclosure { at: *at },
            },
            due: *at,
        }],
        // The guest's invitation (C5), with the link the shell fills in as for the receipt.
        Event::GuestInvited { guest } => vec![Planned::now(
            Effect::Email(Email {
                to: Recipient::Guest { id: guest.id },
                message: MailKind::GuestInvitation { token: None },
            }),
            e,
        )],
        // The token is the shell's to fill in, as for the receipt.
        Event::TrackingLinkRenewed => mail(MailKind::LinkRenewed {
            tracking_token: None,
        }),
        // A record is published once the case is public and its ID is ours: at
        // disclosure, or when a reservation arrives after it.
        Event::Disclosed if case.stage == Stage::Disclosed => {
            let mut work = publish();
            work.extend(update(CaseUpdate::Disclosed));
            work
        }
        Event::CveReserved { id } => {
            // The ID was reserved a moment ago: nothing to learn before tomorrow.
            let watch = Effect::Wake {
                reason: WakeReason::WatchCveId { id: id.clone() },
            };
            let mut work = vec![Planned::after(watch, e, WATCH_INTERVAL)];
            if case.stage == Stage::Disclosed {
                work.extend(publish());
            }
            work
        }
        Event::AdvisoryUpdated { .. } | Event::AdvisoryWithdrawn { .. } => republish(),
        // The notice goes out at its time: the worker fans it out to the channels
        // that take it (and the people pre-notified, where the policy allows).
        Event::NoticeQueued { notice, due } => vec![Planned {
            effect: Effect::Webhook(Webhook {
                to: NoticeTarget::Every,
                notice: Some(*notice),
            }),
            due: (*due).max(e.at),
        }],
        Event::CollaboratorRemoved { .. }
        | Event::CreditChosen { .. }
        | Event::NoteAdded { .. }
        | Event::PreliminaryDecisionSet { .. }
        | Event::MarkedPublic { .. }
        | Event::AttachmentAdded { .. }
        | Event::CvssProposed { .. }
        | Event::CvssSuggested { .. }
        | Event::CveAssigned { .. }
        | Event::Disclosed
        | Event::AdvisoryImported { .. }
        | Event::CvePublished { .. }
        | Event::CveRequestFailed { .. }
        | Event::CveRequestRejected { .. }
        | Event::CveIdRejected { .. }
        | Event::CvssSet { .. }
        | Event::EffectFailed(_)
        | Event::ReporterAddressFailed { .. }
        | Event::CvssNotApplicable { .. }
        | Event::AffectedSet { .. }
        | Event::FixRecorded { .. }
        | Event::FixApproved { .. }
        | Event::FixStateChanged { .. }
        | Event::FixPatchAttached { .. }
        | Event::BackportWaived { .. }
        | Event::MitigationRecorded { .. }
        | Event::ReleaseDateCounterProposed { .. }
        | Event::ReleaseDateAgreed { .. }
        | Event::ReleaseNotesFinalized { .. }
        | Event::DisclosureUnscheduled
        | Event::ScheduledDisclosureRefused { .. }
        | Event::PostMortemPublished { .. }
        | Event::ClockMoved { .. }
        | Event::SlowedDown { .. }
        | Event::UpstreamDateSet { .. }
        | Event::NoticeDrafted { .. }
        | Event::NoticeDelivered { .. }
        | Event::PreNotifiedAdded { .. }
        | Event::PreNotifiedRemoved { .. }
        | Event::GuestRemoved { .. }
        | Event::GuestCommented { .. }
        | Event::ClocksRecomputed { .. } => Vec::new(),
    }
}

/// The work the events of one project decision ask for, given the project after them:
/// a new policy recomputes the clocks of its open cases (issue 8), except the policy a
/// project is created with, which has no case to recompute (every case is received
/// under it or a later one).
pub fn project_effects(project: &Project, events: &[Recorded<ProjectEvent>]) -> Vec<Planned> {
    let creating = events
        .first()
        .is_some_and(|e| matches!(e.event, ProjectEvent::Created { .. }));
    events
        .iter()
        .filter(|e| !(creating && matches!(e.event, ProjectEvent::PolicySet { .. })))
        .flat_map(|e| project_event_effects(project, e))
        .collect()
}

/// The work one project event asks for. Announcements to a project's channels (issue
/// 14) start here.
fn project_event_effects(project: &Project, e: &Recorded<ProjectEvent>) -> Vec<Planned> {
    match &e.event {
        ProjectEvent::ChannelTestRequested { name } => vec![Planned::now(
            Effect::Webhook(Webhook {
                to: NoticeTarget::Channel { name: name.clone() },
                notice: None,
            }),
            e,
        )],
        ProjectEvent::PolicySet { .. } => vec![Planned::now(
            Effect::Wake {
                reason: WakeReason::RecomputeClocks {
                    policy_version: project.version,
                },
            },
            e,
        )],
        // Role changes reach the account by mail too (issue 11 item 6).
        ProjectEvent::MemberSet { .. } | ProjectEvent::MemberRemoved { .. } => {
            account_mail(crate::account_notice::for_project_event(project, e), e)
        }
        ProjectEvent::Created { .. }
        | ProjectEvent::Updated { .. }
        | ProjectEvent::ComponentAdded { .. }
        | ProjectEvent::BranchSet { .. }
        | ProjectEvent::CnaSet { .. }
        | ProjectEvent::PackageSet { .. }
        | ProjectEvent::SecurityAddressSet { .. }
        | ProjectEvent::PgpKeySet { .. }
        | ProjectEvent::MailPreferenceSet { .. }
        | ProjectEvent::ChannelAdded { .. }
        | ProjectEvent::ChannelRemoved { .. }
        | ProjectEvent::ChannelTested { .. }
        | ProjectEvent::NoticeTemplateSet { .. } => Vec::new(),
    }
}

/// The work an account event asks for: a mail to the account about a change to its
/// privileges (issue 11 item 6), the same notice it finds in the app.
pub fn account_effects(e: &Recorded<AccountEvent>) -> Vec<Planned> {
    account_mail(crate::account_notice::for_account_event(e), e)
}

/// One mail per notice, to the account it is for.
fn account_mail(
    notices: Vec<(UserId, crate::account_notice::AccountNotice)>,
    e: &Recorded<impl Sized>,
) -> Vec<Planned> {
    notices
        .into_iter()
        .map(|(id, notice)| {
            Planned::now(
                Effect::Email(Email {
                    to: Recipient::User { id },
                    message: MailKind::AccountNotice { notice },
                }),
                e,
            )
        })
        .collect()
}

/// Who of the project's members gets a team mail about `case`, by their choices: never
/// anyone who may not see the case (`access::standing`), nobody who chose nothing; an
/// assignment reaches only the person assigned; `my-cases` means the cases they
/// coordinate or collaborate on.
pub fn team_recipients(
    project: &Project,
    case: &Case,
    update: TeamUpdate,
) -> Vec<crate::project::MailPreference> {
    use crate::project::MailLevel;
    project
        .members
        .iter()
        .filter(|m| {
            let actor = crate::actor::Actor::User(crate::actor::User {
                id: m.user.id,
                name: m.user.name.clone(),
                instance_admin: false,
                second_factor: false,
            });
            crate::access::standing(&actor, project, case).is_some()
        })
        .map(|m| project.mail_preference(m.user.id))
        .filter(|p| {
            let mine = case.is_coordinator(p.user) || case.is_collaborator(p.user);
            match (p.level, update) {
                (MailLevel::Nothing, _) => false,
                // The people the policy names, as in the app (who may see the case).
                (
                    MailLevel::Everything | MailLevel::MyCases,
                    TeamUpdate::Clock {
                        coordinator,
                        collaborators,
                        security_team,
                        ..
                    },
                ) => {
                    use crate::policy::Audience;
                    let to: Vec<Audience> = [
                        (coordinator, Audience::Coordinator),
                        (collaborators, Audience::Collaborators),
                        (security_team, Audience::SecurityTeam),
                    ]
                    .into_iter()
                    .filter_map(|(on, a)| on.then_some(a))
                    .collect();
                    crate::notification::audience_members(case, project, &to).contains(&p.user)
                }
                (MailLevel::Everything | MailLevel::MyCases, TeamUpdate::Assigned { user }) => {
                    user == p.user
                }
                (MailLevel::Everything, TeamUpdate::NewReport | TeamUpdate::ReporterWrote) => true,
                (MailLevel::MyCases, TeamUpdate::NewReport | TeamUpdate::ReporterWrote) => mine,
            }
        })
        .collect()
}

/// How one attempt at a piece of work failed, as its subject's timeline tells it. The
/// first failure says when it will be tried again; the last says that it gave up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectFailure {
    pub effect: EffectKind,
    /// Why, in the words of whoever refused (never a secret).
    pub reason: String,
    /// Attempts made so far, this one included.
    pub attempts: u32,
    /// When it will be tried again; `None`: it gave up.
    pub retry_at: Option<Timestamp>,
}

impl EffectFailure {
    pub fn gave_up(&self) -> bool {
        self.retry_at.is_none()
    }
}

/// What the worker reports back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemCommand {
    CveReserved {
        id: String,
    },
    CvePublished {
        id: String,
    },
    /// CVE Services refused; its message.
    CveRejected {
        message: String,
    },
    /// CVE Services lists the reserved ID as REJECTED.
    CveIdRejected {
        id: String,
    },
    /// The work could not be done (this time, or at all).
    Failed(EffectFailure),
    /// The release time a disclosure was scheduled for has come (C6, C18).
    DiscloseAsScheduled {
        at: Timestamp,
    },
    /// A `wake {clocks}` timer fired: record the reminders and escalations due.
    CheckClocks,
    /// The project's policy changed at this version.
    RecomputeClocks {
        policy_version: u64,
    },
    /// A bounce came back for mail to the reporter's address.
    ReporterAddressFailed {
        address: String,
        status: Option<String>,
        diagnostic: Option<String>,
    },
    /// The reporter's address asked for its links again (lost link).
    RenewTrackingLink,
    /// A channel or a pre-notified person took a notice.
    NoticeDelivered {
        notice: crate::policy::Notice,
        to: String,
        answer: String,
    },
    /// `user` left the case's project (issue 11, item 6): their collaboration ends, so
    /// being added to the project again does not bring the case back.
    MemberLeft {
        user: crate::ids::UserId,
    },
}

const MESSAGE_LIMIT: usize = crate::text::limits::SHORT * 4;

fn message(text: &str, fallback: &str) -> String {
    crate::text::required_body("message", text, MESSAGE_LIMIT).unwrap_or_else(|_| fallback.into())
}

/// Decides a report from the worker, under the case's project's `policy`. Stale
/// reports (the coordinator entered an ID meanwhile, a reminder already recorded) are
/// refused and change nothing.
pub fn decide_system(
    case: &Case,
    policy: &crate::policy::Policy,
    command: SystemCommand,
    now: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    let system = |event| Recorded {
        at: now,
        actor: ActorRef::System,
        event,
    };
    let nothing = |why: &str| Rejection::IllegalTransition {
        action: "record the clocks of",
        stage: case.stage,
        reason: why.to_owned(),
    };
    match command {
        SystemCommand::CheckClocks => {
            let due = due_alarms(case, policy, now);
            if due.is_empty() {
                return Err(nothing("no reminder or escalation is due"));
            }
            Ok(due
                .into_iter()
                .map(|r| {
                    let key = r.key();
                    system(match r.kind {
                        crate::clocks::ReminderKind::Reminder => Event::ClockReminder {
                            clock: r.clock,
                            due: r.due,
                            key,
                            to: r.to,
                        },
                        crate::clocks::ReminderKind::Escalation => Event::ClockOverdue {
                            clock: r.clock,
                            due: r.due,
                            key,
                            to: r.to,
                        },
                    })
                })
                .collect())
        }
        SystemCommand::RecomputeClocks { policy_version } => {
            if !case.stage.is_open() {
                return Err(nothing("it is no longer open"));
            }
            if case
                .clock_log
                .recomputed_for
                .is_some_and(|v| v >= policy_version)
            {
                return Err(nothing("its clocks follow this policy already"));
            }
            Ok(vec![system(Event::ClocksRecomputed { policy_version })])
        }
        SystemCommand::NoticeDelivered { notice, to, answer } => {
            Ok(vec![system(Event::NoticeDelivered {
                notice,
                to,
                answer: message(&answer, "delivered"),
            })])
        }
        SystemCommand::DiscloseAsScheduled { .. } => {
            let event = decide_work_report(case, command)?;
            let disclosed = matches!(event, Event::Disclosed);
            let mut out = vec![system(event)];
            if disclosed {
                out.extend(
                    crate::decide::notices_at_disclosure(case, policy, now)
                        .into_iter()
                        .map(system),
                );
            }
            Ok(out)
        }
        SystemCommand::MemberLeft { user } => {
            let Some(c) = case.people.collaborators.iter().find(|c| c.id == user) else {
                return Err(nothing("they do not collaborate on it"));
            };
            Ok(vec![system(Event::CollaboratorRemoved {
                collaborator: c.clone(),
            })])
        }
        SystemCommand::ReporterAddressFailed { .. }
        | SystemCommand::RenewTrackingLink
        | SystemCommand::CveReserved { .. }
        | SystemCommand::CvePublished { .. }
        | SystemCommand::CveRejected { .. }
        | SystemCommand::CveIdRejected { .. }
        | SystemCommand::Failed(_) => Ok(vec![system(decide_work_report(case, command)?)]),
    }
}

/// A report on work for the outside world (CVE Services, failures).
fn decide_work_report(case: &Case, command: SystemCommand) -> Result<Event, Rejection> {
    let stale = |why: &str| Rejection::IllegalTransition {
        action: "record the CVE Services result for",
        stage: case.stage,
        reason: why.to_owned(),
    };
    let cve_work_waiting = matches!(
        &case.advisory.cve,
        Some(CveState::Requested | CveState::Reserved { .. })
    );
    // A published record is updated after each change to the published advisory.
    let update_waiting = matches!(&case.advisory.cve, Some(CveState::Published { .. }))
        && case.disclosure.disclosed_at.is_some();
    let event = match command {
        SystemCommand::DiscloseAsScheduled { at } => {
            if case.release.scheduled != Some(at) {
                return Err(Rejection::IllegalTransition {
                    action: "disclose as scheduled",
                    stage: case.stage,
                    reason: "no disclosure is scheduled for that time".to_owned(),
                });
            }
            match crate::decide::disclosure_gate(case) {
                Ok(()) => Event::Disclosed,
                Err(crate::decide::Refusal::Stage(why)) => Event::ScheduledDisclosureRefused {
                    blockers: vec![why.to_owned()],
                },
                Err(crate::decide::Refusal::Blocked(missing)) => {
                    Event::ScheduledDisclosureRefused {
                        blockers: missing.iter().map(|b| b.message().to_owned()).collect(),
                    }
                }
            }
        }
        SystemCommand::CveReserved { id } => match &case.advisory.cve {
            Some(CveState::Requested) => Event::CveReserved { id },
            _ => return Err(stale("no CVE ID request is waiting")),
        },
        SystemCommand::Failed(failure) => {
            let (cve_work, waiting) = match failure.effect {
                EffectKind::ReserveCve => (true, cve_work_waiting),
                EffectKind::PublishCve => (true, cve_work_waiting || update_waiting),
                EffectKind::Wake | EffectKind::Email | EffectKind::Webhook => (false, true),
            };
            if cve_work && !waiting {
                return Err(stale("no CVE Services work is waiting"));
            }
            Event::EffectFailed(EffectFailure {
                reason: message(&failure.reason, "failed without a message"),
                ..failure
            })
        }
        SystemCommand::CveRejected { message: m } => match cve_work_waiting || update_waiting {
            true => Event::CveRequestRejected {
                message: message(&m, "CVE Services failed without a message"),
            },
            false => return Err(stale("no CVE Services work is waiting")),
        },
        SystemCommand::CveIdRejected { id } => match &case.advisory.cve {
            Some(CveState::Reserved { id: ours }) if *ours == id => Event::CveIdRejected { id },
            _ => return Err(stale("the case holds no such reserved ID")),
        },
        SystemCommand::ReporterAddressFailed {
            address,
            status,
            diagnostic,
        } => {
            // Only a bounce of mail to this case's reporter marks their address.
            let theirs = case
                .report
                .reporter
                .email
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(address.trim()));
            if !theirs {
                return Err(Rejection::IllegalTransition {
                    action: "record a bounce on",
                    stage: case.stage,
                    reason: "the bounced address is not the reporter's".into(),
                });
            }
            let short = |s: Option<String>| {
                s.and_then(|s| crate::text::required_line("status", &s, MESSAGE_LIMIT).ok())
            };
            Event::ReporterAddressFailed {
                address: address.trim().to_owned(),
                status: short(status),
                diagnostic: short(diagnostic),
            }
        }
        SystemCommand::RenewTrackingLink => {
            if case.report.reporter.email.is_none() {
                return Err(Rejection::IllegalTransition {
                    action: "renew the tracking link of",
                    stage: case.stage,
                    reason: "the reporter gave no address to send it to".into(),
                });
            }
            Event::TrackingLinkRenewed
        }
        SystemCommand::CvePublished { id } => match &case.advisory.cve {
            Some(CveState::Reserved { id: ours }) if *ours == id => Event::CvePublished { id },
            // The record as the advisory now says is published (an update).
            Some(CveState::Published { id: ours }) if *ours == id && update_waiting => {
                Event::CvePublished { id }
            }
            _ => return Err(stale("the case has no reserved ID to publish")),
        },
        SystemCommand::CheckClocks
        | SystemCommand::RecomputeClocks { .. }
        | SystemCommand::NoticeDelivered { .. }
        | SystemCommand::MemberLeft { .. } => {
            return Err(stale("it is not CVE Services work"));
        }
    };
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Actor, User};
    use crate::command::{Command, DecisionInput};
    use crate::decide::{decide, submit};
    use crate::ids::{CaseId, ProjectSlug, UserId};
    use crate::project::{Component, Member, Project, Role};
    use crate::report::{Channel, Draft};

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000 + s).unwrap()
    }

    fn project() -> Project {
        Project {
            slug: ProjectSlug::parse("connect").unwrap(),
            name: "Connect".into(),
            guidance: String::new(),
            components: vec![Component::new("go".into())],
            members: vec![Member {
                user: crate::actor::UserRef {
                    id: UserId(2),
                    name: "Sam".into(),
                },
                role: Role::SecurityTeam,
            }],
            cna: None,
            policy: None,
            security_address: None,
            mail_preferences: Vec::new(),
            pgp_key: None,
            channels: Vec::new(),
            notice_templates: Default::default(),
            created_at: at(0),
            version: 2,
        }
    }

    fn run(case: &mut Case, cmd: Command) -> Vec<Effect> {
        let sam = Actor::User(User {
            id: UserId(2),
            name: "Sam".into(),
            instance_admin: false,
            second_factor: false,
        });
        let events = decide(&sam, &project(), case, cmd, at(case.version as i64)).unwrap();
        let mut effects_seen = Vec::new();
        for e in &events {
            case.apply(e);
            effects_seen.extend(case_effects(case, e).into_iter().map(|p| p.effect));
        }
        effects_seen
    }

    fn system(case: &mut Case, cmd: SystemCommand) -> Result<Vec<Effect>, Rejection> {
        let events = decide_system(
            case,
            &crate::policy::Policy::connect(),
            cmd,
            at(case.version as i64),
        )?;
        let mut seen = Vec::new();
        for e in &events {
            assert_eq!(e.actor, ActorRef::System);
            case.apply(e);
            seen.extend(case_effects(case, e).into_iter().map(|p| p.effect));
        }
        Ok(seen)
    }

    fn mails(case: &Case, events: &[Recorded<Event>]) -> Vec<MailKind> {
        events
            .iter()
            .flat_map(|e| case_effects(case, e))
            .filter_map(|p| match p.effect {
                Effect::Email(Email {
                    to: Recipient::Reporter,
                    message,
                }) => Some(message),
                Effect::Email(_)
                | Effect::ReserveCve
                | Effect::PublishCve { .. }
                | Effect::Wake { .. }
                | Effect::Webhook(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_reporter_gets_a_receipt_and_a_mail_per_visible_change_only_when_reachable() {
        let submitted = |email: Option<&str>| {
            let draft = Draft {
                title: "t".into(),
                description: "d".into(),
                reporter_email: email.map(Into::into),
                ..Draft::default()
            };
            submit(
                &Actor::Anonymous,
                &project(),
                CaseId::from_entropy(1),
                draft,
                Channel::Web,
                vec![],
                at(0),
            )
            .unwrap()
        };
        let events = submitted(Some("ana@example.org"));
        let case = Case::replay(&events).unwrap();
        // The token is the shell's to fill in: core plans the receipt without it.
        assert_eq!(
            mails(&case, &events),
            [MailKind::ReportReceived {
                tracking_token: None
            }]
        );
        let anonymous = submitted(None);
        assert!(mails(&Case::replay(&anonymous).unwrap(), &anonymous).is_empty());

        let mut case = case;
        let sam = Actor::User(User {
            id: UserId(2),
            name: "Sam".into(),
            instance_admin: false,
            second_factor: false,
        });
        let mut step = |cmd: Command| {
            let events = decide(&sam, &project(), &case, cmd, at(case.version as i64)).unwrap();
            for e in &events {
                case.apply(e);
            }
            mails(&case, &events)
        };
        assert_eq!(
            step(Command::Acknowledge),
            [MailKind::CaseUpdated {
                update: CaseUpdate::Acknowledged
            }]
        );
        // Internal work tells the reporter nothing.
        assert!(step(Command::Claim).is_empty());
        let update = |update| [MailKind::CaseUpdated { update }];
        assert_eq!(
            step(Command::MessageReporter { body: "hi".into() }),
            update(CaseUpdate::Message)
        );
        assert_eq!(
            step(Command::AskReporter {
                body: "which version?".into()
            }),
            update(CaseUpdate::Question)
        );
        assert_eq!(
            step(Command::SetFinalDecision(DecisionInput::Confirm {
                explanation: None
            })),
            update(CaseUpdate::Decision)
        );
    }

    /// The policy a project is created with asks for no recompute (it has no case yet);
    /// a policy set later does.
    #[test]
    fn only_a_policy_set_after_creation_recomputes_clocks() {
        use crate::project::{NewProject, ProjectCommand, apply_project, decide_project};
        let admin = Actor::User(User {
            id: UserId(1),
            name: "Ada".into(),
            instance_admin: true,
            second_factor: false,
        });
        let recorded = |events: Vec<ProjectEvent>, at: Timestamp| -> Vec<Recorded<ProjectEvent>> {
            events
                .into_iter()
                .map(|event| Recorded {
                    at,
                    actor: admin.as_ref(),
                    event,
                })
                .collect()
        };
        let created = recorded(
            decide_project(
                &admin,
                None,
                ProjectCommand::Create(NewProject {
                    slug: "connect".into(),
                    name: "Connect".into(),
                    guidance: None,
                    components: vec!["go".into()],
                    policy: Some(crate::policy::Policy::connect()),
                }),
            )
            .unwrap(),
            at(0),
        );
        let mut p = None;
        for e in &created {
            p = Some(apply_project(p, &e.event, e.at));
        }
        let p = p.unwrap();
        assert!(
            matches!(created[1].event, ProjectEvent::PolicySet { .. }),
            "{created:?}"
        );
        let planned = project_effects(&p, &created);
        assert!(planned.is_empty(), "{planned:?}");
        let later = recorded(
            decide_project(
                &admin,
                Some(&p),
                ProjectCommand::SetPolicy {
                    policy: crate::policy::Policy::vitess(),
                },
            )
            .unwrap(),
            at(60),
        );
        let next = apply_project(Some(p), &later[0].event, later[0].at);
        assert_eq!(
            project_effects(&next, &later)
                .into_iter()
                .map(|p| p.effect)
                .collect::<Vec<_>>(),
            [Effect::Wake {
                reason: WakeReason::RecomputeClocks {
                    policy_version: next.version
                }
            }]
        );
    }

    /// A policy set at project version `P` recomputes the clocks of cases received
    /// before it, once; a case received at `P` or later follows it already.
    #[test]
    fn a_new_policy_recomputes_only_cases_received_before_it() {
        let received_at = |version: u64| {
            let events = submit(
                &Actor::Anonymous,
                &Project {
                    version,
                    ..project()
                },
                CaseId::from_entropy(version),
                Draft {
                    title: "t".into(),
                    description: "d".into(),
                    ..Draft::default()
                },
                Channel::Web,
                vec![],
                at(0),
            )
            .unwrap();
            Case::replay(&events).unwrap()
        };
        let recompute = SystemCommand::RecomputeClocks { policy_version: 5 };
        for version in [5, 6] {
            assert!(
                system(&mut received_at(version), recompute.clone()).is_err(),
                "received at version {version}"
            );
        }
        let mut before = received_at(4);
        assert!(system(&mut before, recompute.clone()).is_ok());
        assert_eq!(before.clock_log.recomputed_for, Some(5));
        assert!(system(&mut before, recompute).is_err(), "once");
        // A report stored before the version was kept is recomputed, as before.
        let mut old = received_at(4);
        old.clock_log.recomputed_for = None;
        assert!(
            system(
                &mut old,
                SystemCommand::RecomputeClocks { policy_version: 1 }
            )
            .is_ok()
        );
    }

    #[test]
    fn a_redacted_receipt_keeps_no_token() {
        let effect = Effect::Email(Email {
            to: Recipient::Reporter,
            message: MailKind::ReportReceived {
                tracking_token: Some("emb_t_secret".into()),
            },
        });
        let json = serde_json::to_string(&effect.redacted()).unwrap();
        assert!(!json.contains("emb_t_secret"), "{json}");
        assert_eq!(
            json,
            r#"{"kind":"email","to":{"to":"reporter"},"message":{"message":"report-received"}}"#
        );
    }

    #[test]
    fn a_cve_request_is_reserved_then_published_at_disclosure() {
        let draft = Draft {
            title: "t".into(),
            description: "d".into(),
            ..Draft::default()
        };
        let events = submit(
            &Actor::Anonymous,
            &project(),
            CaseId::from_entropy(1),
            draft,
            Channel::Web,
            vec![],
            at(0),
        )
        .unwrap();
        let mut case = Case::replay(&events).unwrap();
        run(&mut case, Command::Acknowledge);
        run(&mut case, Command::Claim);
        run(
            &mut case,
            Command::SetFinalDecision(DecisionInput::Confirm { explanation: None }),
        );
        assert_eq!(run(&mut case, Command::RequestCveId), [Effect::ReserveCve]);
        // A publication report before any reservation is stale and changes nothing.
        let before = case.clone();
        assert!(
            system(
                &mut case,
                SystemCommand::CvePublished {
                    id: "CVE-2026-1".into()
                }
            )
            .is_err()
        );
        assert_eq!(case, before);
        assert_eq!(
            system(
                &mut case,
                SystemCommand::CveReserved {
                    id: "CVE-2026-1000".into()
                }
            )
            .unwrap(),
            [Effect::Wake {
                reason: WakeReason::WatchCveId {
                    id: "CVE-2026-1000".into()
                }
            }]
        );
        for cmd in crate::decide::fixtures::ready_to_disclose() {
            run(&mut case, cmd);
        }
        // The release's part of the gate: a date agreed, the notes final.
        for event in [
            Event::ReleaseDateAgreed { at: at(9_000) },
            Event::ReleaseNotesFinalized {
                markdown: "notes".into(),
            },
        ] {
            case.apply(&Recorded {
                at: at(case.version as i64),
                actor: ActorRef::Reporter,
                event,
            });
        }
        // Disclosure also queues the fixed-vulnerability notice (C18, V10).
        assert_eq!(
            run(&mut case, Command::Disclose),
            [
                Effect::PublishCve {
                    id: "CVE-2026-1000".into()
                },
                Effect::Webhook(Webhook {
                    to: NoticeTarget::Every,
                    notice: Some(crate::policy::Notice::FixedVulnerability),
                })
            ]
        );
        // A rejection of another ID is stale; of ours, it ends the reservation.
        let before = case.clone();
        let other = SystemCommand::CveIdRejected {
            id: "CVE-2026-9999".into(),
        };
        assert!(system(&mut case, other).is_err());
        assert_eq!(case, before);
        let mut rejected = case.clone();
        let ours = SystemCommand::CveIdRejected {
            id: "CVE-2026-1000".into(),
        };
        assert_eq!(system(&mut rejected, ours).unwrap(), []);
        assert!(
            matches!(&rejected.advisory.cve, Some(CveState::Rejected { message }) if message.contains("CVE-2026-1000"))
        );
        // A failed publication keeps the ID.
        system(
            &mut case,
            SystemCommand::Failed(EffectFailure {
                effect: EffectKind::PublishCve,
                reason: "INVALID_JSON_SCHEMA".into(),
                attempts: 1,
                retry_at: None,
            }),
        )
        .unwrap();
        assert_eq!(
            case.advisory.cve,
            Some(CveState::Reserved {
                id: "CVE-2026-1000".into()
            })
        );
        system(
            &mut case,
            SystemCommand::CvePublished {
                id: "CVE-2026-1000".into(),
            },
        )
        .unwrap();
        assert_eq!(
            case.advisory.cve,
            Some(CveState::Published {
                id: "CVE-2026-1000".into()
            })
        );
    }

    #[test]
    fn c8_team_mail_reaches_who_may_see_the_case_and_wants_it() {
        use crate::project::{MailLevel, MailPreference};
        let mut p = project();
        let member = |id: i64, name: &str, role: Role| Member {
            user: crate::actor::UserRef {
                id: UserId(id),
                name: name.into(),
            },
            role,
        };
        p.members.push(member(3, "Mia", Role::Maintainer));
        p.members.push(member(4, "Ada", Role::Admin));
        p.members.push(member(5, "Quiet", Role::SecurityTeam));
        p.mail_preferences.push(MailPreference {
            user: UserId(5),
            level: MailLevel::Nothing,
            titles: false,
        });
        let case = requested(); // Sam coordinates.
        let users_of = |p: &Project, u: TeamUpdate| -> Vec<i64> {
            team_recipients(p, &case, u)
                .into_iter()
                .map(|m| m.user.0)
                .collect()
        };
        // Mia, a maintainer not on the case, may not see it: never mailed.
        assert_eq!(users_of(&p, TeamUpdate::NewReport), [2, 4]);
        assert_eq!(users_of(&p, TeamUpdate::Assigned { user: UserId(2) }), [2]);
        assert!(users_of(&p, TeamUpdate::Assigned { user: UserId(5) }).is_empty());
        p.mail_preferences.push(MailPreference {
            user: UserId(4),
            level: MailLevel::MyCases,
            titles: true,
        });
        assert_eq!(
            users_of(&p, TeamUpdate::ReporterWrote),
            [2],
            "Ada: only her cases"
        );
        let planned: Vec<_> = case_effects(
            &case,
            &Recorded {
                at: at(9),
                actor: ActorRef::Reporter,
                event: Event::ReporterReplied { body: "b".into() },
            },
        )
        .into_iter()
        .map(|p| p.effect)
        .collect();
        assert_eq!(
            planned,
            [Effect::Email(Email {
                to: Recipient::Team,
                message: MailKind::TeamUpdate {
                    update: TeamUpdate::ReporterWrote
                }
            })]
        );
    }

    /// C3 (issue 8 item 3): a reminder reaches the people the policy names by mail as
    /// in the app, unless they chose no mail; an escalation reaches the security team.
    #[test]
    fn c3_reminders_and_escalations_are_mailed_to_the_people_the_policy_names() {
        use crate::clocks::ClockName;
        use crate::policy::Audience;
        use crate::project::{MailLevel, MailPreference};
        let mut p = project();
        p.members.push(Member {
            user: crate::actor::UserRef {
                id: UserId(4),
                name: "Ada".into(),
            },
            role: Role::Admin,
        });
        let case = requested(); // Sam (2) coordinates.
        let reminder = Event::ClockReminder {
            clock: ClockName::Acknowledge,
            due: at(99),
            key: "k".into(),
            to: vec![Audience::Coordinator],
        };
        let planned: Vec<_> = case_effects(
            &case,
            &Recorded {
                at: at(9),
                actor: ActorRef::System,
                event: reminder,
            },
        )
        .into_iter()
        .map(|p| p.effect)
        .collect();
        let update = TeamUpdate::clock(ClockName::Acknowledge, false, &[Audience::Coordinator]);
        // By mail, and to the chat channels marked for the team (a count and a link).
        assert_eq!(
            planned,
            [
                Effect::Email(Email {
                    to: Recipient::Team,
                    message: MailKind::TeamUpdate { update }
                }),
                Effect::Webhook(Webhook {
                    to: NoticeTarget::Team { overdue: false },
                    notice: None,
                })
            ]
        );
        let users = |p: &Project, u: TeamUpdate| -> Vec<i64> {
            team_recipients(p, &case, u)
                .into_iter()
                .map(|m| m.user.0)
                .collect()
        };
        assert_eq!(users(&p, update), [2], "the coordinator only");
        let escalation = TeamUpdate::clock(ClockName::Acknowledge, true, &[Audience::SecurityTeam]);
        assert_eq!(users(&p, escalation), [2, 4], "the whole security team");
        p.mail_preferences.push(MailPreference {
            user: UserId(4),
            level: MailLevel::Nothing,
            titles: false,
        });
        assert_eq!(users(&p, escalation), [2], "Ada chose the app only");
    }

    fn requested() -> Case {
        let draft = Draft {
            title: "t".into(),
            description: "d".into(),
            ..Draft::default()
        };
        let events = submit(
            &Actor::Anonymous,
            &project(),
            CaseId::from_entropy(2),
            draft,
            Channel::Web,
            vec![],
            at(0),
        )
        .unwrap();
        let mut case = Case::replay(&events).unwrap();
        run(&mut case, Command::Acknowledge);
        run(&mut case, Command::Claim);
        run(
            &mut case,
            Command::SetFinalDecision(DecisionInput::Confirm { explanation: None }),
        );
        run(&mut case, Command::RequestCveId);
        case
    }

    fn failure(effect: EffectKind, retry_at: Option<Timestamp>) -> SystemCommand {
        SystemCommand::Failed(EffectFailure {
            effect,
            reason: "503 Service Unavailable".into(),
            attempts: 1,
            retry_at,
        })
    }

    #[test]
    fn a_reservation_fails_the_request_only_when_it_gives_up() {
        let mut case = requested();
        system(&mut case, failure(EffectKind::ReserveCve, Some(at(60)))).unwrap();
        assert_eq!(
            case.advisory.cve,
            Some(CveState::Requested),
            "it will be retried"
        );
        system(&mut case, failure(EffectKind::ReserveCve, None)).unwrap();
        assert_eq!(
            case.advisory.cve,
            Some(CveState::Failed {
                message: "503 Service Unavailable".into()
            })
        );
        // Nothing waits at CVE Services any more: a late CVE failure is stale, but a
        // timer's failure is still news.
        let before = case.clone();
        assert!(system(&mut case, failure(EffectKind::PublishCve, None)).is_err());
        assert_eq!(case, before);
        assert!(system(&mut case, failure(EffectKind::Wake, None)).is_ok());
    }

    #[test]
    fn failures_of_cve_work_are_shared_with_the_reporter_and_others_are_internal() {
        use crate::event::Visibility;
        for kind in EffectKind::ALL {
            let event = Event::EffectFailed(EffectFailure {
                effect: kind,
                reason: "r".into(),
                attempts: 1,
                retry_at: None,
            });
            let expected = match kind {
                EffectKind::ReserveCve | EffectKind::PublishCve => Visibility::Shared,
                EffectKind::Wake | EffectKind::Email | EffectKind::Webhook => Visibility::Internal,
            };
            assert_eq!(event.visibility(), expected, "{kind:?}");
        }
    }

    #[test]
    fn the_watch_of_a_reserved_id_is_a_timer_due_a_day_later() {
        let mut case = requested();
        let events = decide_system(
            &case,
            &crate::policy::Policy::connect(),
            SystemCommand::CveReserved {
                id: "CVE-2026-1000".into(),
            },
            at(500),
        )
        .unwrap();
        case.apply(&events[0]);
        let planned = case_effects(&case, &events[0]);
        assert_eq!(planned.len(), 1);
        assert_eq!(planned[0].due, at(500) + WATCH_INTERVAL);
        assert_eq!(planned[0].effect.kind(), EffectKind::Wake);
    }

    #[test]
    fn effect_kinds_name_their_serialized_tag_and_parse_back() {
        let samples = [
            Effect::ReserveCve,
            Effect::PublishCve {
                id: "CVE-2026-1".into(),
            },
            Effect::Wake {
                reason: WakeReason::WatchCveId {
                    id: "CVE-2026-1".into(),
                },
            },
            Effect::Email(Email {
                to: Recipient::Reporter,
                message: MailKind::ReportReceived {
                    tracking_token: Some("t".into()),
                },
            }),
            Effect::Webhook(Webhook {
                to: NoticeTarget::Channel {
                    name: "chat".into(),
                },
                notice: Some(crate::policy::Notice::ForthcomingFix),
            }),
            Effect::Webhook(Webhook {
                to: NoticeTarget::Every,
                notice: None,
            }),
        ];
        for effect in samples {
            let json: serde_json::Value = serde_json::to_value(&effect).unwrap();
            assert_eq!(json["kind"], effect.as_str(), "{json}");
            assert_eq!(EffectKind::parse(effect.as_str()), Some(effect.kind()));
            let back: Effect = serde_json::from_value(json).unwrap();
            assert_eq!(back, effect);
        }
        assert_eq!(EffectKind::parse("carrier-pigeon"), None);
    }

    /// Events are persisted: a log written before failures became generic still reads
    /// and folds as it did.
    #[test]
    fn an_old_cve_request_failed_event_still_reads_and_folds() {
        let old = r#"{"at":"2026-05-28T00:00:00Z","actor":{"kind":"system"},"event":{"type":"cve_request_failed","message":"CVE Services is not configured"}}"#;
        let recorded: Recorded<Event> = serde_json::from_str(old).unwrap();
        assert!(
            matches!(&recorded.event, Event::CveRequestFailed { message } if message.contains("not configured"))
        );
        let mut case = requested();
        case.apply(&recorded);
        assert!(
            matches!(&case.advisory.cve, Some(CveState::Failed { message }) if message.contains("not configured"))
        );
        // And the new one has a stable shape of its own.
        let new = Event::EffectFailed(EffectFailure {
            effect: EffectKind::ReserveCve,
            reason: "r".into(),
            attempts: 8,
            retry_at: None,
        });
        let json = serde_json::to_value(&new).unwrap();
        assert_eq!(json["type"], "effect_failed");
        assert_eq!(json["effect"], "reserve-cve");
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), new);
    }
}

#[cfg(test)]
mod release_tests {
    use super::*;
    use crate::decide::decide;
    use crate::decide::fixtures::{
        Command, DAY, at, confirmed_case_led_by_sam, plan_input, project, reporter, sam,
    };

    fn step(case: &mut Case, actor: &crate::actor::Actor, cmd: Command) -> Vec<Effect> {
        let now = at(case.version as i64);
        let events = decide(actor, &project(), case, cmd, now).unwrap();
        let mut planned = Vec::new();
        for e in &events {
            case.apply(e);
            planned.extend(case_effects(case, e).into_iter().map(|p| p.effect));
        }
        planned
    }

    fn mail(update: CaseUpdate) -> Vec<Effect> {
        vec![Effect::Email(Email {
            to: Recipient::Reporter,
            message: MailKind::CaseUpdated { update },
        })]
    }

    #[test]
    fn c6_v9_the_reporter_hears_of_each_date_they_did_not_set() {
        let mut case = confirmed_case_led_by_sam();
        case.report.reporter.email = Some("rae@example.org".into());
        let propose = |day| Command::ProposeReleasePlan {
            plan: plan_input(day),
            reason: Some("moved".into()),
        };
        assert_eq!(
            step(&mut case, &sam(), propose(10)),
            mail(CaseUpdate::ReleasePlan)
        );
        // Their own answer is no news to them.
        assert_eq!(
            step(
                &mut case,
                &reporter(),
                Command::ProposeReleaseDate {
                    at: at(12 * DAY).to_string(),
                    reason: "a talk".into()
                }
            ),
            []
        );
        assert_eq!(
            step(&mut case, &sam(), Command::AcceptReleaseDate),
            mail(CaseUpdate::ReleaseDate)
        );
        step(&mut case, &sam(), propose(14));
        assert_eq!(step(&mut case, &reporter(), Command::AcceptReleaseDate), []);
    }

    #[test]
    fn c18_a_scheduled_disclosure_is_a_timer_due_at_the_release_time() {
        let mut case = confirmed_case_led_by_sam();
        step(
            &mut case,
            &sam(),
            Command::ProposeReleasePlan {
                plan: plan_input(10),
                reason: None,
            },
        );
        step(&mut case, &reporter(), Command::AcceptReleaseDate);
        let events = decide(
            &sam(),
            &project(),
            &case,
            Command::ScheduleDisclosure,
            at(100),
        )
        .unwrap();
        case.apply(&events[0]);
        let planned = case_effects(&case, &events[0]);
        assert_eq!(
            planned,
            [Planned {
                effect: Effect::Wake {
                    reason: WakeReason::ScheduledDisclosure { at: at(10 * DAY) }
                },
                due: at(10 * DAY),
            }]
        );
    }
}
