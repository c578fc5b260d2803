//! The API's JSON shapes, converted explicitly from the domain types. These are a
//! public interface: rename nothing without a new API version.

use crate::app::TimelineEntry;
use crate::markdown;
use embargo_core::Timestamp;
use embargo_core::access::Standing;
use embargo_core::actor::ActorRef;
use embargo_core::advisory::{
    AdvisoryDetails, AffectedRange, Credit, CreditKind, CveState, Reference, ReferenceKind,
};
use embargo_core::case::{Case, FixState, Stage};
use embargo_core::clocks::{Clock, ClockState};
use embargo_core::event::{Attachment, Event, FinalDecision, RejectReason, Visibility};
use embargo_core::policy::Policy;
use embargo_core::project::{Branch, Component, Project};
use embargo_core::rejection::{Invalid, Rejection, Rule};
use embargo_core::scoring::FinalScore;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

// ---------- requests ----------

/// A new vulnerability report. Only `title` and `description` are required.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    /// One line, at most 200 characters.
    pub title: String,
    /// Markdown, at most 65,536 characters.
    pub description: String,
    /// One of the project's components (e.g. the language implementation).
    pub component: Option<String>,
    pub affected_versions: Option<String>,
    pub platform: Option<String>,
    /// The vulnerability is already public (policy step C7).
    #[serde(default)]
    pub already_public: bool,
    /// Where it is public; only with `already_public`.
    pub public_link: Option<String>,
    /// The vulnerability is in a dependency.
    #[serde(default)]
    pub in_dependency: bool,
    /// Which dependency; only with `in_dependency`.
    pub dependency: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    /// How to be credited in the advisory; leave out for no credit.
    pub credit: Option<String>,
    /// Your OpenPGP public key, ASCII-armored: our mail to you is then encrypted to it.
    pub reporter_pgp_key: Option<String>,
}

impl From<ReportIn> for embargo_core::report::Draft {
    fn from(r: ReportIn) -> Self {
        embargo_core::report::Draft {
            title: r.title,
            description: r.description,
            component: r.component,
            affected_versions: r.affected_versions,
            platform: r.platform,
            already_public: r.already_public,
            public_link: r.public_link,
            in_dependency: r.in_dependency,
            dependency: r.dependency,
            reporter_name: r.reporter_name,
            reporter_email: r.reporter_email,
            credit: r.credit,
            reporter_pgp_key: r.reporter_pgp_key,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NoParameters {}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    /// A member of the case's project.
    pub user_id: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyIn {
    /// Markdown.
    pub body: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreliminaryIn {
    /// `likely-vulnerability`, `needs-analysis` or `likely-not-vulnerability`.
    pub assessment: String,
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// `confirmed` or `rejected`.
    pub outcome: String,
    /// For `rejected`: `not-a-vulnerability`, `support-request`, `duplicate`, `out-of-scope` or `spam`.
    pub reason: Option<String>,
    /// For `duplicate`: the id of the earlier case.
    pub duplicate_of: Option<String>,
    /// What the reporter reads; a polite default is used for rejections without one.
    pub explanation: Option<String>,
}

impl From<DecisionIn> for crate::app::input::DecisionFields {
    fn from(d: DecisionIn) -> Self {
        crate::app::input::DecisionFields {
            outcome: d.outcome,
            reason: d.reason,
            duplicate_of: d.duplicate_of,
            explanation: d.explanation,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicIn {
    pub link: Option<String>,
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectIn {
    pub slug: String,
    pub name: String,
    /// Markdown shown on the report page; a default text when left out.
    pub guidance: Option<String>,
    #[serde(default)]
    pub components: Vec<String>,
    /// The policy its cases run: `connect` or `vitess`. Left out: none is recorded
    /// and the project runs the `connect` preset as it is at the time.
    pub policy_preset: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub guidance: Option<String>,
    /// The project's CNA short name (with `cna_org_id`; both empty to clear).
    pub cna_short_name: Option<String>,
    /// The CNA's organization UUID.
    pub cna_org_id: Option<String>,
    /// The address reports arrive at by mail (empty to clear).
    pub security_address: Option<String>,
}

/// A new policy: a TOML document (`embargo policy show` prints one) or a preset's name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyIn {
    /// The policy as TOML; exactly one of `toml` and `preset`.
    pub toml: Option<String>,
    /// `connect` or `vitess`.
    pub preset: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentIn {
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchIn {
    pub name: String,
    /// `main`, `supported` or `unsupported`.
    pub kind: String,
}

/// A member by e-mail address, for `POST /projects/{slug}/members`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    pub email: String,
    /// The name of an account made for an address without one (instance admins
    /// only); the part before `@` when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// `maintainer`, `security-team` or `admin`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberAddedOut {
    pub project: ProjectOut,
    pub user_id: i64,
    /// Present when an account was made for the address: its one-time set-password
    /// link, to hand over privately. Shown only here.
    pub invitation: Option<InvitationOut>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationOut {
    pub email: String,
    pub password_link: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleIn {
    /// `maintainer`, `security-team` or `admin`.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub instance_admin: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    pub name: String,
}

/// A code from an authenticator app, or a recovery code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeIn {
    pub code: String,
}

// ---------- responses ----------

/// Where the caller's second factor stands.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorOut {
    /// An authenticator app is set up.
    pub enabled: bool,
    /// Set up but not yet confirmed with a code.
    pub pending: bool,
    pub recovery_codes_left: u64,
    /// The account's passkeys (added and removed in the browser, where WebAuthn runs).
    pub passkeys: Vec<PasskeyOut>,
}

/// A passkey of the caller's.
#[derive(Serialize, ToSchema)]
pub struct PasskeyOut {
    pub id: i64,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A new authenticator secret, shown while setting up.
#[derive(Serialize, ToSchema)]
pub struct EnrolmentOut {
    /// Base32, to type into the app.
    pub secret: String,
    /// `otpauth://totp/…`, to open or scan.
    pub otpauth_uri: String,
}

/// Recovery codes, shown once: each works once in place of a code.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesOut {
    pub recovery_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportCreated {
    pub id: String,
    /// The reporter's secret: shown once, stored only as a hash. Send it as
    /// `Authorization: Bearer …` to follow the case through the API.
    pub tracking_token: String,
    /// The reporter's private page for the case.
    pub tracking_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub name: String,
}

impl From<&embargo_core::actor::UserRef> for UserOut {
    fn from(u: &embargo_core::actor::UserRef) -> Self {
        UserOut {
            id: u.id.0,
            name: u.name.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReporterOut {
    pub name: Option<String>,
    pub email: Option<String>,
    pub credit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionOut {
    pub id: u32,
    pub body: String,
    pub asked_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionOut {
    /// `confirmed` or `rejected`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    pub explanation: Option<String>,
    pub decided_at: Option<Timestamp>,
}

#[derive(Serialize, ToSchema)]
pub struct PreliminaryOut {
    pub assessment: &'static str,
    pub note: Option<String>,
    pub at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct PublicOut {
    pub link: Option<String>,
    pub since: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    /// `shared` (the reporter sees it) or `internal`.
    pub visibility: &'static str,
    /// Download URL (always served as an attachment).
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct ViewerOut {
    /// `reporter` or `team`.
    pub standing: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    pub coordinator: bool,
    pub collaborator: bool,
    /// May acknowledge, decide, ask the reporter and manage who works on the case.
    pub leads: bool,
}

/// A case as the caller may see it. Reporters get no `coordinator`,
/// `collaborators` or `preliminary_decision`, and only shared attachments.
#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    pub id: String,
    pub project: String,
    /// `received`, `triage`, `needs-info`, `confirmed`, `fixing`, `release-planned`,
    /// `disclosed`, `closed` or `rejected`.
    pub stage: &'static str,
    pub title: String,
    /// Markdown as submitted.
    pub description: String,
    /// The description rendered and sanitized.
    pub description_html: String,
    pub component: Option<String>,
    pub affected_versions: Option<String>,
    pub platform: Option<String>,
    pub already_public: bool,
    pub public_link: Option<String>,
    pub in_dependency: bool,
    pub dependency: Option<String>,
    pub reporter: ReporterOut,
    /// `web`, `api` or `email`.
    pub channel: &'static str,
    pub received_at: Timestamp,
    pub updated_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub public: Option<PublicOut>,
    pub open_question: Option<QuestionOut>,
    pub decision: Option<DecisionOut>,
    /// The line that credits the reporter in the advisory, and their answer to it
    /// (`POST /cases/{id}/credit`); absent when nothing credits them.
    pub reporter_credit: Option<ReporterCreditOut>,
    pub attachments: Vec<AttachmentOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinator: Option<UserOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Vec<UserOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preliminary_decision: Option<PreliminaryOut>,
    /// The coordinator's final CVSS call, if made.
    pub cvss: Option<CaseScoreOut>,
    /// Vectors proposed by the team and suggested by the reporter (team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_proposals: Option<Vec<ProposalOut>>,
    /// The advisory's details: for the team, and for everyone once disclosed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<AdvisoryWire>,
    /// The CVE ID and where its request stands.
    pub cve: Option<CveOut>,
    pub disclosed_at: Option<Timestamp>,
    /// The policy's clocks on this case at the time of the request: every one for the
    /// team; for the reporter, those the policy shows them.
    pub clocks: Vec<ClockOut>,
    /// The coordinator recorded CVSS as not applicable, for this reason (C13).
    pub cvss_not_applicable: Option<String>,
    /// The case's track and modifiers, once its affected branches are recorded.
    pub track: Option<super::fixes::TrackOut>,
    /// The branches the case affects (team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected: Option<Vec<super::fixes::BranchWire>>,
    /// Fixes per branch, the backport checklist and the mitigation (team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixes: Option<super::fixes::FixesOut>,
    /// What is missing before the case may be disclosed (team only; empty: nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosure_blockers: Option<Vec<super::fixes::BlockerOut>>,
    /// The release plan, its agreement, the notes' state, a scheduled disclosure and the
    /// post-mortem (C6, C17, C19).
    pub release: super::release::ReleaseOut,
    /// The people from other projects the case is shared with (C5; team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guests: Option<Vec<super::guests::GuestOut>>,
    pub viewer: ViewerOut,
}

/// One clock of a case (`docs/policy.md`).
#[derive(Serialize, ToSchema)]
pub struct ClockOut {
    /// `acknowledge`, `collaborators-added`, `fix-ready`, `forthcoming-fix-notice`,
    /// `disclosure-target` or `post-mortem`.
    pub name: &'static str,
    /// The policy step it comes from (`C3`, `C10`, `V6`, …).
    pub step: &'static str,
    /// What must happen, in words.
    pub task: &'static str,
    pub start: Timestamp,
    pub due_at: Timestamp,
    /// `running`, `met`, `overdue`, `paused` or `stopped`.
    pub state: &'static str,
    /// Why it is due then, in words: "5 working days".
    pub basis: String,
    /// "2 working days left", "overdue by 3 hours"; absent once met or stopped.
    pub time_left: Option<String>,
    /// When it was met or stopped.
    pub stopped_at: Option<Timestamp>,
}

pub fn clock(c: &Clock, policy: &Policy, now: Timestamp) -> ClockOut {
    ClockOut {
        name: c.name.as_str(),
        step: c.name.step(),
        task: c.name.task(),
        start: c.start,
        due_at: c.due,
        state: c.state.as_str(),
        basis: c.basis.clone(),
        time_left: match c.state {
            ClockState::Running | ClockState::Overdue | ClockState::Paused => {
                Some(c.time_left(policy, now).to_string())
            }
            ClockState::Met | ClockState::Stopped => None,
        },
        stopped_at: c.stopped_at,
    }
}

/// A case in a list.
#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    pub project: String,
    pub stage: &'static str,
    pub title: String,
    pub component: Option<String>,
    pub received_at: Timestamp,
    pub updated_at: Timestamp,
    pub coordinator: Option<UserOut>,
    pub already_public: bool,
    /// The final CVSS call's severity (the higher of its vectors), if made.
    pub severity: Option<&'static str>,
    /// The track its affected branches put it on: `full`, `main-only`, `unsupported-only`.
    pub track: Option<&'static str>,
    /// When a person (a member, the reporter, an operator) last did something on the case.
    pub last_activity_at: Timestamp,
    /// Who the open case waits on: `team` (the reporter wrote or submitted last) or
    /// `reporter` (the team wrote to them or asked a question last); absent once the
    /// case is disclosed, closed or rejected.
    pub waiting_on: Option<&'static str>,
    /// In the case list and the queue: whether someone else did something on the case
    /// since the caller last opened its page. Absent elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<bool>,
}

/// `team`: whether the viewer is on the team. A duplicate's reporter learns that
/// their report is a duplicate, never the other case's id (issue 14).
pub fn decision(d: &FinalDecision, at: Option<Timestamp>, team: bool) -> DecisionOut {
    match d {
        FinalDecision::Confirmed { explanation } => DecisionOut {
            outcome: "confirmed",
            reason: None,
            duplicate_of: None,
            explanation: explanation.clone(),
            decided_at: at,
        },
        FinalDecision::Rejected {
            reason,
            explanation,
        } => DecisionOut {
            outcome: "rejected",
            reason: Some(reason.as_str()),
            duplicate_of: match reason {
                RejectReason::Duplicate { of } => team.then(|| of.to_string()),
                RejectReason::NotAVulnerability
                | RejectReason::SupportRequest
                | RejectReason::OutOfScope
                | RejectReason::Spam => None,
            },
            explanation: Some(explanation.clone()),
            decided_at: at,
        },
    }
}

fn visibility(v: Visibility) -> &'static str {
    match v {
        Visibility::Shared => "shared",
        Visibility::Internal => "internal",
    }
}

pub fn attachment(case: &Case, a: &Attachment) -> AttachmentOut {
    AttachmentOut {
        id: a.id.to_string(),
        filename: a.filename.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
        visibility: visibility(a.visibility),
        url: format!("/api/v1/cases/{}/attachments/{}", case.id, a.id),
    }
}

/// The case as `standing` sees it, with its clocks under `policy` at `now`.
pub fn case(c: &Case, standing: Standing, policy: &Policy, now: Timestamp) -> CaseOut {
    let clocks = c
        .clocks(policy, now)
        .iter()
        .filter(|k| embargo_core::access::sees_clock(standing, k))
        .map(|k| clock(k, policy, now))
        .collect();
    let team = match standing {
        Standing::Team(t) => Some(t),
        Standing::Reporter => None,
    };
    let r = &c.report;
    CaseOut {
        id: c.id.to_string(),
        project: c.project.to_string(),
        stage: c.stage.as_str(),
        title: r.title.clone(),
        description: r.description.clone(),
        description_html: markdown::render(&r.description),
        component: r.component.clone(),
        affected_versions: r.affected_versions.clone(),
        platform: r.platform.clone(),
        already_public: r.already_public,
        public_link: r.public_link.clone(),
        in_dependency: r.in_dependency,
        dependency: r.dependency.clone(),
        reporter: ReporterOut {
            name: r.reporter.name.clone(),
            email: r.reporter.email.clone(),
            credit: r.reporter.credit.clone(),
        },
        channel: r.channel.as_str(),
        received_at: c.received_at,
        updated_at: c.updated_at,
        acknowledged_at: c.triage.acknowledged_at,
        public: c.disclosure.public.as_ref().map(|p| PublicOut {
            link: p.link.clone(),
            since: p.since,
        }),
        open_question: c.triage.open_question.as_ref().map(|q| QuestionOut {
            id: q.id.0,
            body: q.body.clone(),
            asked_at: q.asked_at,
        }),
        decision: c
            .triage
            .decision
            .as_ref()
            .map(|d| decision(d, c.triage.decided_at, team.is_some())),
        reporter_credit: c.draft_reporter_credit().map(|draft| ReporterCreditOut {
            draft: draft.name,
            choice: c.advisory.reporter_credit.as_ref().map(|ch| ch.as_str()),
            published_as: c
                .published_credits()
                .into_iter()
                .find(|p| p.kind == embargo_core::advisory::CreditKind::Reporter)
                .map(|p| p.name),
        }),
        attachments: c
            .attachments
            .iter()
            .filter(|a| embargo_core::access::sees_attachment(standing, a))
            .map(|a| attachment(c, a))
            .collect(),
        coordinator: team.and(c.people.coordinator.as_ref()).map(UserOut::from),
        collaborators: team.map(|_| c.people.collaborators.iter().map(UserOut::from).collect()),
        preliminary_decision: team
            .and(c.triage.preliminary.as_ref())
            .map(|p| PreliminaryOut {
                assessment: p.assessment.as_str(),
                note: p.note.clone(),
                at: p.at,
            }),
        cvss: c.scoring.score.as_ref().map(case_score),
        advisory: (team.is_some() || c.stage.is_public()).then(|| advisory(&c.advisory.details)),
        cve: c.advisory.cve.as_ref().map(|state| CveOut {
            state: state.as_str(),
            id: state.id().map(str::to_owned),
            message: match state {
                CveState::Failed { message } | CveState::Rejected { message } => {
                    Some(message.clone())
                }
                CveState::Requested
                | CveState::Reserved { .. }
                | CveState::Published { .. }
                | CveState::Assigned { .. } => None,
            },
        }),
        disclosed_at: c.disclosure.disclosed_at,
        clocks,
        cvss_not_applicable: c.scoring.not_applicable.clone(),
        track: super::fixes::track(c, policy),
        affected: team.map(|_| super::fixes::affected(c)),
        fixes: team.map(|_| super::fixes::fixes(c, standing, policy)),
        disclosure_blockers: team.map(|_| {
            let open = matches!(
                c.stage,
                Stage::Confirmed | Stage::Fixing | Stage::ReleasePlanned
            );
            if open {
                super::fixes::blockers(&c.disclosure_blockers())
            } else {
                Vec::new()
            }
        }),
        release: super::release::release(c, standing, policy),
        guests: team.map(|_| super::guests::guests(c)),
        cvss_proposals: team.map(|_| {
            c.scoring
                .proposals
                .iter()
                .filter_map(|p| {
                    Some(ProposalOut {
                        cvss: cvss(&p.vector)?,
                        by: actor(&p.by, standing),
                        from_reporter: p.by == ActorRef::Reporter,
                        at: p.at,
                    })
                })
                .collect()
        }),
        viewer: match standing {
            Standing::Reporter => ViewerOut {
                standing: "reporter",
                role: None,
                coordinator: false,
                collaborator: false,
                leads: false,
            },
            Standing::Team(t) => ViewerOut {
                standing: "team",
                role: Some(t.role.as_str()),
                coordinator: t.coordinator,
                collaborator: t.collaborator,
                leads: t.leads(),
            },
        },
    }
}

pub fn summary(c: &Case) -> CaseSummary {
    CaseSummary {
        id: c.id.to_string(),
        project: c.project.to_string(),
        stage: c.stage.as_str(),
        title: c.report.title.clone(),
        component: c.report.component.clone(),
        received_at: c.received_at,
        updated_at: c.updated_at,
        coordinator: c.people.coordinator.as_ref().map(UserOut::from),
        already_public: c.disclosure.public.is_some(),
        severity: c
            .scoring
            .score
            .as_ref()
            .and_then(|s| s.highest())
            .map(|a| a.severity.as_str()),
        track: c.fixes.track.map(|t| t.as_str()),
        last_activity_at: c.activity.at,
        waiting_on: c.waiting_on().map(|w| w.as_str()),
        unread: None,
    }
}

/// A case in the case list, with its unread marker.
pub fn listed(l: &crate::app::ListedCase) -> CaseSummary {
    CaseSummary {
        unread: Some(l.unread),
        ..summary(&l.case)
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActorOut {
    /// `user`, `reporter`, `operator` or `system`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A page of cases. `next` goes into `?after=` for the page after this one; it is
/// `null` on the last page.
#[derive(Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub next: Option<String>,
}

/// A page of a case's timeline; `next` as for [`CasePage`].
#[derive(Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventOut>,
    pub next: Option<String>,
}

/// One entry of a case's timeline.
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: ActorOut,
    /// `submitted`, `acknowledged`, `claimed`, `handed_over`, `collaborator_added`,
    /// `collaborator_removed`, `messaged_reporter`, `reporter_replied`, `note_added`,
    /// `question_asked`, `question_answered`, `preliminary_decision_set`,
    /// `final_decision_set`, `marked_public`, `attachment_added`, `cvss_not_applicable`,
    /// `affected_set`, `fix_recorded`, `fix_approved`, `fix_state_changed`,
    /// `fix_patch_attached`, `backport_waived`, `mitigation_recorded`, ….
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The event's fields, by type.
    #[schema(value_type = Object)]
    pub data: Value,
    /// The event's hash in the case's tamper-evident chain.
    pub hash: String,
}

fn actor(a: &ActorRef, standing: Standing) -> ActorOut {
    match a {
        ActorRef::User(u) => ActorOut {
            kind: "user",
            // Reporters see who wrote to them, not account ids.
            id: matches!(standing, Standing::Team(_)).then_some(u.id.0),
            name: Some(u.name.clone()),
        },
        ActorRef::Reporter => ActorOut {
            kind: "reporter",
            id: None,
            name: None,
        },
        ActorRef::Operator => ActorOut {
            kind: "operator",
            id: None,
            name: None,
        },
        ActorRef::System => ActorOut {
            kind: "system",
            id: None,
            name: None,
        },
    }
}

fn user(u: &embargo_core::actor::UserRef) -> Value {
    json!({ "id": u.id.0, "name": u.name })
}

pub fn event(case: &Case, e: &TimelineEntry, standing: Standing) -> EventOut {
    let data = match &e.recorded.event {
        Event::Submitted { report, .. } => json!({
            "title": report.title,
            "description": report.description,
            "component": report.component,
            "channel": report.channel.as_str(),
        }),
        Event::Acknowledged => json!({}),
        Event::Claimed { coordinator } => json!({ "coordinator": user(coordinator) }),
        Event::HandedOver { from, to } => {
            json!({ "from": from.as_ref().map(user), "to": user(to) })
        }
        Event::CollaboratorAdded { collaborator } | Event::CollaboratorRemoved { collaborator } => {
            json!({ "collaborator": user(collaborator) })
        }
        Event::MessagedReporter { body } | Event::ReporterReplied { body } => {
            json!({ "body": body, "body_html": markdown::render(body) })
        }
        // A note a slow-down names records that decision (C16).
        Event::NoteAdded { body } => json!({
            "body": body,
            "body_html": markdown::render(body),
            "decision": case.clock_log.decision_notes.contains(&e.seq),
        }),
        Event::QuestionAsked { question, body } | Event::QuestionAnswered { question, body } => {
            json!({ "question": question.0, "body": body, "body_html": markdown::render(body) })
        }
        Event::PreliminaryDecisionSet { assessment, note } => {
            json!({ "assessment": assessment.as_str(), "note": note })
        }
        Event::FinalDecisionSet { decision: d } => {
            let team = matches!(standing, Standing::Team(_));
            serde_json::to_value(decision(d, Some(e.recorded.at), team)).expect("serializable")
        }
        Event::MarkedPublic { link, note } => json!({ "link": link, "note": note }),
        Event::AttachmentAdded { attachment: a } => {
            serde_json::to_value(attachment(case, a)).expect("serializable")
        }
        Event::CvssProposed { vector, .. } | Event::CvssSuggested { vector, .. } => {
            serde_json::to_value(cvss(vector)).expect("serializable")
        }
        Event::CvssSet { score } => serde_json::to_value(case_score(score)).expect("serializable"),
        Event::AdvisoryUpdated { details } => {
            serde_json::to_value(advisory(details)).expect("serializable")
        }
        Event::CveRequested | Event::Disclosed => json!({}),
        Event::AdvisoryImported { osv } => {
            json!({ "osv": serde_json::from_str::<Value>(osv).unwrap_or(Value::Null) })
        }
        Event::CveAssigned { id }
        | Event::CveReserved { id }
        | Event::CvePublished { id }
        | Event::CveIdRejected { id } => json!({ "id": id }),
        Event::CveRequestFailed { message } | Event::CveRequestRejected { message } => {
            json!({ "message": message })
        }
        Event::EffectFailed(f) => json!({
            "effect": f.effect.as_str(),
            "reason": f.reason,
            "attempts": f.attempts,
            "retry_at": f.retry_at,
            "gave_up": f.gave_up(),
        }),
        Event::CvssNotApplicable { reason } => json!({ "reason": reason }),
        Event::AffectedSet {
            branches,
            track,
            checklist,
        } => json!({
            "branches": branches.iter().map(|b| json!({"component": b.component, "branch": b.branch})).collect::<Vec<_>>(),
            "track": track.map(|t| t.as_str()),
            "checklist": checklist.iter().map(|b| json!({"component": b.component, "branch": b.branch})).collect::<Vec<_>>(),
        }),
        Event::FixRecorded {
            fix,
            branch,
            reference,
            commit,
            author,
        } => json!({
            "fix": fix.0,
            "component": branch.component,
            "branch": branch.branch,
            "reference": reference,
            "commit": commit,
            "author": user(author),
        }),
        Event::FixApproved { fix } => json!({ "fix": fix.0 }),
        Event::FixStateChanged { fix, state } => json!({
            "fix": fix.0,
            "state": state.as_str(),
            "version": match state {
                FixState::Released { version } => Some(version),
                FixState::InReview | FixState::Approved | FixState::Merged => None,
            },
        }),
        Event::FixPatchAttached { fix, attachment } => {
            json!({ "fix": fix.0, "attachment": attachment.to_string() })
        }
        Event::BackportWaived { branch, reason } => json!({
            "component": branch.component,
            "branch": branch.branch,
            "reason": reason,
        }),
        Event::MitigationRecorded { text } => {
            json!({ "text": text, "text_html": markdown::render(text) })
        }
        Event::ReleasePlanProposed { plan, reason } => {
            let mut v =
                serde_json::to_value(super::release::release_plan(plan)).expect("serializable");
            v["reason"] = json!(reason);
            v
        }
        Event::ReleaseDateCounterProposed { at, reason } => {
            json!({ "at": at, "at_utc": embargo_core::release::utc_minute(*at), "reason": reason })
        }
        Event::ReleaseDateAgreed { at } => {
            json!({ "at": at, "at_utc": embargo_core::release::utc_minute(*at) })
        }
        Event::ReleaseDateOverridden { reason } => json!({ "reason": reason }),
        Event::ReleaseNotesFinalized { markdown } => json!({ "markdown": markdown }),
        Event::DisclosureScheduled { at } => {
            json!({ "at": at, "at_utc": embargo_core::release::utc_minute(*at) })
        }
        Event::DisclosureUnscheduled => json!({}),
        Event::ScheduledDisclosureRefused { blockers } => json!({ "blockers": blockers }),
        Event::PostMortemPublished { post_mortem } => {
            serde_json::to_value(super::release::post_mortem_out(post_mortem))
                .expect("serializable")
        }
        Event::ClockReminder { clock, due, to, .. }
        | Event::ClockOverdue { clock, due, to, .. } => {
            json!({
                "clock": clock.as_str(),
                "due_at": due,
                "to": to.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            })
        }
        Event::ClockMoved {
            clock, due, reason, ..
        } => json!({ "clock": clock.as_str(), "due_at": due, "reason": reason }),
        Event::SlowedDown {
            clocks,
            change,
            basis,
            note,
        } => json!({
            "clocks": clocks.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "duration": match change {
                embargo_core::clocks::SlowChange::Duration(d) => Some(d.to_string()),
                embargo_core::clocks::SlowChange::Until(_) => None,
            },
            "until": match change {
                embargo_core::clocks::SlowChange::Duration(_) => None,
                embargo_core::clocks::SlowChange::Until(t) => Some(t),
            },
            "basis": basis_str(*basis),
            "note_seq": note,
        }),
        Event::UpstreamDateSet { date, source } => json!({ "date": date, "source": source }),
        Event::ClocksRecomputed { policy_version } => {
            json!({ "policy_version": policy_version })
        }
        Event::ReporterAddressFailed {
            address,
            status,
            diagnostic,
        } => json!({ "address": address, "status": status, "diagnostic": diagnostic }),
        Event::TrackingLinkRenewed => json!({}),
        Event::AdvisoryWithdrawn { reason } => json!({ "reason": reason }),
        Event::CreditChosen { choice } => json!({
            "choice": choice.as_str(),
            "name": match choice {
                embargo_core::event::CreditChoice::Renamed { name } => Some(name),
                embargo_core::event::CreditChoice::Accepted
                | embargo_core::event::CreditChoice::Declined => None,
            },
        }),
        Event::NoticeDrafted { notice, markdown } => {
            json!({ "notice": notice.as_str(), "markdown": markdown })
        }
        Event::NoticeQueued { notice, due } => json!({ "notice": notice.as_str(), "due": due }),
        Event::NoticeDelivered { notice, to, answer } => {
            json!({ "notice": notice.as_str(), "to": to, "answer": answer })
        }
        Event::PreNotifiedAdded { address, name } => json!({ "address": address, "name": name }),
        Event::PreNotifiedRemoved { address } => json!({ "address": address }),
        // The token's hash stays out: it is nobody's to read.
        Event::GuestInvited { guest } => json!({
            "guest": guest.id.0,
            "email": guest.email,
            "name": guest.name,
            "organisation": guest.organisation,
            "shares": guest.shares.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "reason": guest.reason,
        }),
        Event::GuestRemoved {
            guest,
            email,
            reason,
        } => json!({ "guest": guest.0, "email": email, "reason": reason }),
        Event::GuestCommented { guest, email, body } => {
            json!({ "guest": guest.0, "email": email, "body": body })
        }
    };
    EventOut {
        seq: e.seq,
        at: e.recorded.at,
        actor: actor(&e.recorded.actor, standing),
        kind: e.recorded.event.kind(),
        data,
        hash: e.hash.clone(),
    }
}

/// How a slow-down's basis is written in the API.
pub fn basis_str(b: embargo_core::clocks::LowSeverityBasis) -> &'static str {
    match b {
        embargo_core::clocks::LowSeverityBasis::Cvss => "cvss",
        embargo_core::clocks::LowSeverityBasis::AssessedRisk => "assessed-risk",
    }
}

// ---------- scores ----------

/// One scored vector.
#[derive(Serialize, ToSchema)]
pub struct CvssOut {
    pub vector: String,
    /// `3.1` or `4.0`.
    pub version: &'static str,
    pub score: f64,
    /// `None`, `Low`, `Medium`, `High` or `Critical`.
    pub severity: &'static str,
}

/// The coordinator's final CVSS call (policy step C13).
#[derive(Serialize, ToSchema)]
pub struct CaseScoreOut {
    pub cvss_v3_1: Option<CvssOut>,
    pub cvss_v4_0: Option<CvssOut>,
    /// The impact statement.
    pub effect: String,
    /// The higher of the vectors' scores: what the policy's severity rules use.
    pub score: Option<f64>,
    pub severity: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    pub cvss: CvssOut,
    pub by: ActorOut,
    /// The reporter's suggestion rather than the team's proposal.
    pub from_reporter: bool,
    pub at: Timestamp,
}

/// Scores a stored vector. Stored vectors were valid when stored; should a later
/// library refuse one, it is left out rather than failing the whole case.
pub fn cvss(vector: &str) -> Option<CvssOut> {
    let a = embargo_cvss::assess(vector).ok()?;
    Some(CvssOut {
        vector: a.vector.to_string(),
        version: a.vector.version().as_str(),
        score: a.score.value(),
        severity: a.severity.as_str(),
    })
}

pub fn case_score(s: &FinalScore) -> CaseScoreOut {
    let highest = s.highest();
    CaseScoreOut {
        cvss_v3_1: s.cvss_v3_1.as_deref().and_then(cvss),
        cvss_v4_0: s.cvss_v4_0.as_deref().and_then(cvss),
        effect: s.effect.clone(),
        score: highest.map(|a| a.score.value()),
        severity: highest.map(|a| a.severity.as_str()),
    }
}

/// A proposal or suggestion.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalIn {
    /// A CVSS v3.1 or v4.0 vector string.
    pub vector: String,
}

/// The coordinator's final call: at least one vector, and the effect.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseScoreIn {
    /// A CVSS v3.1 vector (`CVSS:3.1/…`).
    pub cvss_v3_1: Option<String>,
    /// A CVSS v4.0 vector (`CVSS:4.0/…`).
    pub cvss_v4_0: Option<String>,
    /// What an attacker can do: the advisory's impact statement.
    pub effect: String,
}

// ---------- advisories ----------

/// The advisory's details (policy steps C14, C17), in and out.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryWire {
    /// The advisory's title; the report's title when absent.
    pub summary: Option<String>,
    /// What is published (Markdown); the report's description stays internal.
    pub details: Option<String>,
    /// e.g. `CWE-400`.
    #[serde(default)]
    pub cwes: Vec<String>,
    #[serde(default)]
    pub references: Vec<ReferenceWire>,
    #[serde(default)]
    pub credits: Vec<CreditWire>,
    #[serde(default)]
    pub affected: Vec<AffectedWire>,
    pub mitigation: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceWire {
    pub url: String,
    /// advisory, article, detection, discussion, report, fix, introduced, package,
    /// evidence or web.
    pub kind: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditWire {
    pub name: String,
    pub contact: Option<String>,
    /// finder, reporter, analyst, coordinator, remediation-developer,
    /// remediation-reviewer, remediation-verifier, tool, sponsor or other.
    pub kind: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AffectedWire {
    /// One of the project's components.
    pub component: String,
    /// `0` for "since the beginning".
    pub introduced: String,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
}

pub fn advisory(a: &AdvisoryDetails) -> AdvisoryWire {
    AdvisoryWire {
        summary: a.summary.clone(),
        details: a.details.clone(),
        cwes: a.cwes.clone(),
        references: a
            .references
            .iter()
            .map(|r| ReferenceWire {
                url: r.url.clone(),
                kind: r.kind.as_str().into(),
            })
            .collect(),
        credits: a
            .credits
            .iter()
            .map(|c| CreditWire {
                name: c.name.clone(),
                contact: c.contact.clone(),
                kind: c.kind.as_str().into(),
            })
            .collect(),
        affected: a
            .affected
            .iter()
            .map(|r| AffectedWire {
                component: r.component.clone(),
                introduced: r.introduced.clone(),
                fixed: r.fixed.clone(),
                last_affected: r.last_affected.clone(),
            })
            .collect(),
        mitigation: a.mitigation.clone(),
    }
}

impl TryFrom<AdvisoryWire> for AdvisoryDetails {
    type Error = Rejection;

    /// Reads the kinds; everything else is `core`'s to check.
    fn try_from(w: AdvisoryWire) -> Result<Self, Rejection> {
        let mut problems = Vec::new();
        let references = w
            .references
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| match ReferenceKind::parse(r.kind.trim()) {
                Some(kind) => Some(Reference { url: r.url, kind }),
                None => {
                    problems.push(Invalid::new(
                        format!("references[{i}].kind"),
                        Rule::InvalidFormat,
                        format!("`references[{i}].kind` must be one of advisory, article, detection, discussion, report, fix, introduced, package, evidence, web"),
                    ));
                    None
                }
            })
            .collect();
        let credits = w
            .credits
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| match CreditKind::parse(c.kind.trim()) {
                Some(kind) => Some(Credit { name: c.name, contact: c.contact, kind }),
                None => {
                    problems.push(Invalid::new(
                        format!("credits[{i}].kind"),
                        Rule::InvalidFormat,
                        format!("`credits[{i}].kind` must be one of finder, reporter, analyst, coordinator, remediation-developer, remediation-reviewer, remediation-verifier, tool, sponsor, other"),
                    ));
                    None
                }
            })
            .collect();
        if !problems.is_empty() {
            return Err(Rejection::Invalid(problems));
        }
        Ok(AdvisoryDetails {
            summary: w.summary,
            details: w.details,
            cwes: w.cwes,
            references,
            credits,
            affected: w
                .affected
                .into_iter()
                .map(|a| AffectedRange {
                    component: a.component,
                    introduced: a.introduced,
                    fixed: a.fixed,
                    last_affected: a.last_affected,
                })
                .collect(),
            mitigation: w.mitigation,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct CveOut {
    /// requested, reserved, published, assigned, failed or rejected.
    pub state: &'static str,
    pub id: Option<String>,
    /// CVE Services' message, for `failed` and `rejected`.
    pub message: Option<String>,
}

/// Request an ID from CVE Services (`{}`), or enter one assigned elsewhere.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CveIn {
    /// An ID assigned elsewhere, e.g. by GitHub as CNA.
    pub assigned: Option<String>,
}

// ---------- projects and accounts ----------

#[derive(Serialize, ToSchema)]
pub struct BranchOut {
    pub name: String,
    /// `main`, `supported` or `unsupported`.
    pub kind: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ComponentOut {
    pub name: String,
    pub branches: Vec<BranchOut>,
    /// The package, as OSV and CVE records name it.
    pub package: Option<PackageWire>,
}

/// A component's package: an OSV ecosystem, the package's name, a Package URL.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageWire {
    /// e.g. `Go`, `npm`, `Maven`, `SwiftURL`.
    pub ecosystem: String,
    /// e.g. `connectrpc.com/connect`.
    pub name: String,
    /// e.g. `pkg:golang/connectrpc.com/connect`.
    pub purl: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectOut {
    pub slug: String,
    pub name: String,
    pub guidance: String,
    pub guidance_html: String,
    pub components: Vec<ComponentOut>,
    /// The report page.
    pub report_url: String,
    /// Only for the project's members and instance admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<MemberOut>>,
    /// The CVE Numbering Authority settings, for members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cna: Option<CnaOut>,
    /// Where reports arrive by mail (public, like the report page).
    pub security_address: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CnaOut {
    pub short_name: String,
    pub org_id: String,
}

fn branch(b: &Branch) -> BranchOut {
    BranchOut {
        name: b.name.clone(),
        kind: b.kind.as_str(),
    }
}

fn component(c: &Component) -> ComponentOut {
    ComponentOut {
        name: c.name.clone(),
        branches: c.branches.iter().map(branch).collect(),
        package: c.package.as_ref().map(|p| PackageWire {
            ecosystem: p.ecosystem.clone(),
            name: p.name.clone(),
            purl: p.purl.clone(),
        }),
    }
}

pub fn project(p: &Project, with_members: bool) -> ProjectOut {
    ProjectOut {
        slug: p.slug.to_string(),
        name: p.name.clone(),
        guidance: p.guidance.clone(),
        guidance_html: markdown::render(&p.guidance),
        components: p.components.iter().map(component).collect(),
        report_url: format!("/p/{}/report", p.slug),
        members: with_members.then(|| {
            p.members
                .iter()
                .map(|m| MemberOut {
                    id: m.user.id.0,
                    name: m.user.name.clone(),
                    role: m.role.as_str(),
                })
                .collect()
        }),
        cna: p.cna.as_ref().filter(|_| with_members).map(|c| CnaOut {
            short_name: c.short_name.clone(),
            org_id: c.org_id.clone(),
        }),
        security_address: p.security_address.clone(),
    }
}

/// A project's policy.
#[derive(Serialize, ToSchema)]
pub struct PolicyOut {
    /// The policy as a TOML document, every key written out.
    pub toml: String,
    /// One line: time zone, working days, holidays and clocks.
    pub summary: String,
    /// The preset it is exactly (`connect`, `vitess`), if it is one.
    pub preset: Option<&'static str>,
    /// Whether the project chose it; `false` means it runs the `connect` preset
    /// because none was ever set.
    pub set: bool,
}

pub fn policy(p: &Project) -> PolicyOut {
    let policy = p.policy();
    PolicyOut {
        toml: policy.to_toml(),
        summary: policy.summary(),
        preset: policy.preset_name(),
        set: p.policy.is_some(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    pub projects: Vec<MembershipOut>,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipOut {
    pub project: String,
    pub role: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct NewUserOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    /// A one-time link for the new user to set a password; give it to them privately.
    pub password_link: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenOut {
    pub id: i64,
    pub name: String,
    /// Shown once; stored only as a hash.
    pub token: String,
}

// ---------- the queue and metrics ----------

/// A page of the queue, most urgent first; `next` as for [`CasePage`].
#[derive(Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next: Option<String>,
    /// The policy's time zone, in which working days count (IANA name).
    pub policy_time_zone: String,
    /// The zone `due_local` is given in: `tz` if asked for, else the policy's.
    pub time_zone: String,
}

/// One case in the queue.
#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    pub case: CaseSummary,
    /// Whether a clock of the case is overdue now.
    pub overdue: bool,
    /// The clock that makes the case urgent (running or overdue, due first); absent
    /// when none runs.
    pub clock: Option<QueueClock>,
}

/// The clock a queue row names: "acknowledge: 2 working days left".
#[derive(Serialize, ToSchema)]
pub struct QueueClock {
    /// `acknowledge`, `collaborators-added`, …
    pub name: &'static str,
    /// The policy step (`C3`, …).
    pub step: &'static str,
    /// `running` or `overdue`.
    pub state: &'static str,
    pub due_at: Timestamp,
    /// The due time in the reader's zone (`tz`), RFC 9557: `2026-12-15T00:00:00+01:00[Europe/Berlin]`.
    pub due_local: String,
    /// The due time in the policy's zone, the same way.
    pub due_policy: String,
    /// "2 working days left", "overdue by 3 hours".
    pub time_left: String,
    /// "acknowledge: 2 working days left".
    pub label: String,
}

/// How long one step took (`docs/policy.md`, Metrics): median and 90th percentile.
#[derive(Serialize, ToSchema)]
pub struct StatOut {
    /// Cases that reached the step.
    pub count: usize,
    pub working_days: Option<SummaryOut>,
    pub days: Option<SummaryOut>,
}

#[derive(Serialize, ToSchema)]
pub struct SummaryOut {
    pub median: f64,
    pub p90: f64,
}

/// The share of disclosed cases disclosed within the policy's disclosure target (C6).
#[derive(Serialize, ToSchema)]
pub struct ShareOut {
    pub within: usize,
    pub of: usize,
    /// e.g. "30 days".
    pub target: String,
    /// `within / of` in percent; absent before any case is disclosed.
    pub percent: Option<f64>,
}

/// A project's transparency metrics at `at` (members and instance admins).
#[derive(Serialize, ToSchema)]
pub struct MetricsOut {
    pub project: String,
    pub at: Timestamp,
    pub cases: usize,
    /// Cases per stage, every stage named.
    #[schema(value_type = Object)]
    pub stages: serde_json::Map<String, Value>,
    pub time_to_acknowledge: StatOut,
    pub time_to_decide: StatOut,
    pub time_to_fix: StatOut,
    pub time_to_disclose: StatOut,
    /// Absent when the policy has no disclosure target.
    pub disclosed_within_target: Option<ShareOut>,
    /// Overdue clocks now: clock name → how many cases, every clock the policy can
    /// run named.
    #[schema(value_type = Object)]
    pub overdue: serde_json::Map<String, Value>,
}

fn stat_out(s: &embargo_core::metrics::Stat) -> StatOut {
    let sum = |x: Option<embargo_core::metrics::Summary>| {
        x.map(|x| SummaryOut {
            median: x.median,
            p90: x.p90,
        })
    };
    StatOut {
        count: s.count,
        working_days: sum(s.working_days),
        days: sum(s.days),
    }
}

pub fn metrics(m: &crate::app::ProjectMetrics) -> MetricsOut {
    let x = &m.metrics;
    MetricsOut {
        project: m.project.slug.to_string(),
        at: m.at,
        cases: x.cases,
        stages: m
            .stages
            .iter()
            .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
            .collect(),
        time_to_acknowledge: stat_out(&x.time_to_acknowledge),
        time_to_decide: stat_out(&x.time_to_decide),
        time_to_fix: stat_out(&x.time_to_fix),
        time_to_disclose: stat_out(&x.time_to_disclose),
        disclosed_within_target: x.disclosed_within_target.map(|s| ShareOut {
            within: s.within,
            of: s.of,
            target: s.target.to_string(),
            percent: s.percent(),
        }),
        overdue: embargo_core::clocks::ClockName::ALL
            .into_iter()
            .map(|c| {
                let n = x
                    .overdue
                    .iter()
                    .find(|o| o.clock == c)
                    .map_or(0, |o| o.cases.len());
                (c.as_str().to_owned(), json!(n))
            })
            .collect(),
    }
}

/// A moment in a zone, RFC 9557.
pub fn zoned(t: Timestamp, zone: &embargo_core::policy::Zone) -> String {
    t.to_zoned(zone.time_zone().clone()).to_string()
}

pub fn queue_item(
    row: &crate::app::QueueRow,
    policy: &Policy,
    reader: &embargo_core::policy::Zone,
    now: Timestamp,
) -> QueueItem {
    QueueItem {
        case: CaseSummary {
            unread: Some(row.unread),
            ..summary(&row.case)
        },
        overdue: row.overdue(),
        clock: row.urgent.as_ref().map(|c| {
            let left = c.time_left(policy, now).to_string();
            QueueClock {
                name: c.name.as_str(),
                step: c.name.step(),
                state: c.state.as_str(),
                due_at: c.due,
                due_local: zoned(c.due, reader),
                due_policy: zoned(c.due, &policy.time_zone),
                label: format!("{}: {left}", c.name.as_str()),
                time_left: left,
            }
        }),
    }
}

// ---------- clocks (V2, C16, V7) ----------

/// Reject several reports at once, straight from the queue (floods): as `spam` (no
/// reply; hidden from the queue) or as a `duplicate` of one kept case (its reporter
/// learns it is a duplicate, never the other case's id). Other reasons need the
/// acknowledgement first.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRejectIn {
    /// Case ids, at most 100.
    pub cases: Vec<String>,
    /// `spam` or `duplicate` (or, for acknowledged cases, `not-a-vulnerability`,
    /// `support-request`, `out-of-scope`).
    pub reason: String,
    /// For `duplicate`: the case the team keeps.
    pub duplicate_of: Option<String>,
    /// What the reporters read (not sent for spam); a polite default without one.
    pub explanation: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkRejectOut {
    /// The cases rejected, in the order given.
    pub rejected: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReporterCreditOut {
    /// The name the draft credits the reporter under.
    pub draft: String,
    /// `accepted`, `renamed` or `declined`; absent until the reporter answers.
    pub choice: Option<&'static str>,
    /// The name the advisory publishes; absent when the reporter declined.
    pub published_as: Option<String>,
}

/// The reporter's answer to the advisory's draft credit line, before disclosure.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditIn {
    /// `accept` (credit me as drafted), `rename` (credit me as `name`) or `decline`.
    pub choice: String,
    /// For `rename`: the name to credit.
    pub name: Option<String>,
}

/// Withdraw the published advisory; the reason is published with it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawIn {
    /// Markdown, e.g. "Not a vulnerability: the limit is documented."
    pub reason: String,
}

/// Move a clock's due time (V2); the reason goes on the timeline.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveClockIn {
    /// The new due time, RFC 3339 (`2026-12-14T23:00:00Z`).
    pub due_at: String,
    pub reason: String,
}

/// Slow a low-severity case down (C16, V7), after the discussion recorded as a note.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlowDownIn {
    /// The clocks to slow down, e.g. `["disclosure-target"]`.
    pub clocks: Vec<String>,
    /// How long the clocks run from their start instead (`"60 days"`), or
    pub duration: Option<String>,
    /// when they are due instead (RFC 3339).
    pub until: Option<String>,
    /// `cvss` (the final score is under the policy's threshold; the default) or
    /// `assessed-risk` (C16, where the policy allows it).
    pub basis: Option<String>,
    /// The `seq` of the internal note on the timeline that records the discussion.
    pub note_seq: Option<u64>,
}

/// Follow another project's disclosure date (V2).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpstreamIn {
    /// RFC 3339.
    pub date: String,
    /// Where the date comes from: a link or the other project's name.
    pub source: String,
}

// ---------- notifications ----------

/// A clock's reminder or escalation for the caller, on a case they may see.
#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// `clock_reminder` or `clock_overdue`.
    pub kind: &'static str,
    pub clock: &'static str,
    pub due_at: Timestamp,
    pub created_at: Timestamp,
    pub read: bool,
    /// What it says.
    pub text: String,
    pub case_id: String,
    pub case_title: String,
    pub project: String,
    /// The timeline event it is about.
    pub seq: u64,
}

pub fn notification(n: &crate::app::Notification) -> NotificationOut {
    NotificationOut {
        id: n.id,
        kind: n.kind_str(),
        clock: n.clock.as_str(),
        due_at: n.due,
        created_at: n.created_at,
        read: n.read_at.is_some(),
        text: n.words(),
        case_id: n.case.case().id.as_str().to_owned(),
        case_title: n.case.case().report.title.clone(),
        project: n.case.project().slug.as_str().to_owned(),
        seq: n.seq,
    }
}

/// A page of notifications, newest first; `next` as for [`CasePage`]. `unread`: how
/// many are unread (counted up to 100).
#[derive(Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationOut>,
    pub next: Option<String>,
    pub unread: u32,
}

/// A notice about the caller's own account (issue 11 item 6). Never holds a token or
/// a secret.
#[derive(Serialize, ToSchema)]
pub struct AccountNotificationOut {
    pub id: i64,
    /// `token_created`, `second_factor_enrolled`, `second_factor_removed`,
    /// `role_granted`, `role_removed`, and to a project's admins
    /// `role_taken_by_themselves`, `role_left_by_themselves`.
    pub kind: &'static str,
    pub created_at: Timestamp,
    pub read: bool,
    /// What it says.
    pub text: String,
}

pub fn account_notification(n: &crate::app::AccountNotification) -> AccountNotificationOut {
    AccountNotificationOut {
        id: n.id,
        kind: n.notice.kind(),
        created_at: n.created_at,
        read: n.read_at.is_some(),
        text: n.notice.words(),
    }
}

/// A page of the notices about the caller's account, newest first; `next` as for
/// [`CasePage`]. `unread`: how many are unread.
#[derive(Serialize, ToSchema)]
pub struct AccountNotificationPage {
    pub items: Vec<AccountNotificationOut>,
    pub next: Option<String>,
    pub unread: u64,
}

/// How many notifications were marked read.
#[derive(Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// A security event (issue 11, item 8). Never holds a token, a password or case
/// content.
#[derive(Serialize, ToSchema)]
pub struct SecurityEventOut {
    pub id: i64,
    pub at: Timestamp,
    /// `sign_in_succeeded`, `sign_in_failed`, `second_factor_failed`, `csrf_refused`,
    /// `denied`, `bad_token`, `rate_limited`, `role_granted`, `role_removed`.
    pub kind: String,
    /// The route template (`/cases/{id}`), never the path.
    pub route: String,
    /// The client address.
    pub client: String,
    /// The account it concerns, if known.
    pub account: Option<i64>,
    pub detail: String,
}

/// A page of security events, newest first; `next` as for [`CasePage`].
#[derive(Serialize, ToSchema)]
pub struct SecurityEventPage {
    pub items: Vec<SecurityEventOut>,
    pub next: Option<String>,
}

pub fn security_event(e: &crate::app::security::SecurityEvent) -> SecurityEventOut {
    SecurityEventOut {
        id: e.id,
        at: e.at,
        kind: e.kind.clone(),
        route: e.route.clone(),
        client: e.client.clone(),
        account: e.account.map(|u| u.0),
        detail: e.detail.clone(),
    }
}
