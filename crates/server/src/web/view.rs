//! Pieces of a case shared by the team's case page and the reporter's tracking page.
//! What each may see was decided before: the store hands out only the events and
//! attachments the viewer's standing allows.

use super::page::{sanitized, when};
use crate::app::TimelineEntry;
use crate::markdown;
use embargo_core::access::Standing;
use embargo_core::actor::ActorRef;
use embargo_core::case::Case;
use embargo_core::event::{Attachment, Event, FinalDecision, Visibility};
use embargo_core::scoring::FinalScore;
use maud::{Markup, html};

/// Where attachment downloads live for this viewer.
pub struct Links {
    pub attachment_base: String,
    /// The notes that record a decision to slow the case down (C16), by `seq`.
    pub decision_notes: std::collections::BTreeSet<u64>,
}

fn who(actor: &ActorRef, standing: Standing) -> String {
    match actor {
        ActorRef::User(u) => match standing {
            Standing::Team(_) => u.name.clone(),
            // Reporters see that the team wrote, and by whom; never account ids.
            Standing::Reporter => format!("{} (security team)", u.name),
        },
        ActorRef::Reporter => match standing {
            Standing::Team(_) => "The reporter".into(),
            Standing::Reporter => "You".into(),
        },
        ActorRef::Operator => "An operator".into(),
        ActorRef::System => "Embargo".into(),
    }
}

pub fn decision(d: &FinalDecision) -> Markup {
    match d {
        FinalDecision::Confirmed { explanation } => html! {
            p { strong { "Confirmed as a vulnerability." } }
            @if let Some(e) = explanation { (sanitized(markdown::render(e))) }
        },
        FinalDecision::Rejected {
            reason,
            explanation,
        } => html! {
            p { strong { "Closed: " (reason.as_str()) } }
            (sanitized(markdown::render(explanation)))
        },
    }
}

/// A vector with its score and severity, e.g. `CVSS:3.1/… 9.8 Critical`.
pub fn cvss_line(vector: &str) -> Markup {
    match embargo_cvss::assess(vector) {
        Ok(a) => html! {
            p.cvss {
                code { (vector) } " "
                strong { (a.score) } " "
                span class=(format!("severity severity-{}", a.severity.as_str().to_lowercase())) { (a.severity.as_str()) }
                " (CVSS " (a.vector.version().as_str()) ")"
            }
        },
        Err(_) => html! { p.cvss { code { (vector) } } },
    }
}

/// The coordinator's final call: both vectors, the effect.
pub fn final_score(s: &FinalScore) -> Markup {
    html! {
        @if let Some(v) = &s.cvss_v3_1 { (cvss_line(v)) }
        @if let Some(v) = &s.cvss_v4_0 { (cvss_line(v)) }
        div.effect { strong { "Effect: " } (sanitized(markdown::render(&s.effect))) }
    }
}

pub fn report(case: &Case) -> Markup {
    let r = &case.report;
    html! {
        dl.facts {
            dt { "Component" } dd { (r.component.as_deref().unwrap_or("not given")) }
            @if let Some(v) = &r.affected_versions { dt { "Affected versions" } dd { (v) } }
            @if let Some(p) = &r.platform { dt { "Platform" } dd { (p) } }
            @if r.in_dependency { dt { "In a dependency" } dd { (r.dependency.as_deref().unwrap_or("yes")) } }
            @if r.already_public || case.disclosure.public.is_some() {
                dt { "Already public" }
                dd {
                    @match case.disclosure.public.as_ref().and_then(|p| p.link.as_ref()).or(r.public_link.as_ref()) {
                        Some(link) => { "yes: " (link) },
                        None => "yes",
                    }
                }
            }
            dt { "Received" } dd { (when(case.received_at)) " via " (r.channel.as_str()) }
        }
        section.description { (sanitized(markdown::render(&r.description))) }
    }
}

pub fn attachments(list: &[&Attachment], links: &Links) -> Markup {
    html! {
        @if !list.is_empty() {
            ul.attachments {
                @for a in list {
                    li {
                        a href=(format!("{}/{}", links.attachment_base, a.id)) download { (a.filename) }
                        " (" (a.size) " bytes"
                        @if a.visibility == Visibility::Internal { ", internal" }
                        ")"
                    }
                }
            }
        }
    }
}

pub fn timeline(events: &[TimelineEntry], standing: Standing, links: &Links) -> Markup {
    html! {
        ol.timeline #timeline {
            @for e in events {
                li id=(format!("event-{}", e.seq)) class=(format!("event event-{}", e.recorded.event.kind())) {
                    div.meta {
                        span.who { (who(&e.recorded.actor, standing)) }
                        " · "
                        time datetime=(e.recorded.at.to_string()) { (when(e.recorded.at)) }
                    }
                    div.what { (event(e.seq, &e.recorded.event, links)) }
                }
            }
        }
    }
}

fn event(seq: u64, e: &Event, links: &Links) -> Markup {
    use embargo_core::release::utc_minute;
    let md = |s: &str| sanitized(markdown::render(s));
    match e {
        Event::Submitted { .. } => html! { "reported the vulnerability" },
        Event::Acknowledged => html! { "acknowledged the report" },
        Event::Claimed { coordinator } => {
            html! { (coordinator.name) " became the coordinator" }
        }
        Event::HandedOver { from, to } => html! {
            "handed the coordinator role "
            @if let Some(f) = from { "from " (f.name) " " }
            "to " (to.name)
        },
        Event::CollaboratorAdded { collaborator } => {
            html! { "added " (collaborator.name) " to the case" }
        }
        Event::CollaboratorRemoved { collaborator } => {
            html! { "removed " (collaborator.name) " from the case" }
        }
        Event::MessagedReporter { body } => html! {
            p.label { "wrote to the reporter" }
            div.body { (md(body)) }
        },
        Event::ReporterReplied { body } => html! {
            p.label { "wrote" }
            div.body { (md(body)) }
        },
        Event::NoteAdded { body } => html! {
            p.label {
                "left an internal note (#" (seq) ") " span.badge { "internal" }
                @if links.decision_notes.contains(&seq) {
                    " " span.badge.decision { "the decision to slow down (C16)" }
                }
            }
            div.body { (md(body)) }
        },
        Event::QuestionAsked { question, body } => html! {
            p.label { "asked a question (#" (question.0) ")" }
            div.body { (md(body)) }
        },
        Event::QuestionAnswered { question, body } => html! {
            p.label { "answered question #" (question.0) }
            div.body { (md(body)) }
        },
        Event::PreliminaryDecisionSet { assessment, note } => html! {
            p.label { "recorded a preliminary decision: " strong { (assessment.as_str()) } }
            @if let Some(n) = note { div.body { (md(n)) } }
        },
        Event::FinalDecisionSet { decision: d } => html! {
            p.label { "recorded the final decision" }
            div.body { (decision(d)) }
        },
        Event::MarkedPublic { link, note } => html! {
            p.label { "marked the vulnerability as already public" @if let Some(l) = link { ": " (l) } }
            @if let Some(n) = note { div.body { (md(n)) } }
        },
        Event::CvssProposed { vector, .. } => html! {
            p.label { "proposed a CVSS vector " span.badge { "internal" } }
            (cvss_line(vector))
        },
        Event::CvssSuggested { vector, .. } => html! {
            p.label { "suggested a CVSS vector (the reporter's suggestion)" }
            (cvss_line(vector))
        },
        Event::CvssSet { score } => html! {
            p.label { "set the case's CVSS score" }
            (final_score(score))
        },
        Event::AdvisoryUpdated { .. } => {
            html! { "updated the advisory " span.badge { "internal" } }
        }
        Event::CveRequested => html! { "requested a CVE ID from CVE Services" },
        Event::CveAssigned { id } => html! { "recorded the CVE ID " code { (id) } },
        Event::CveReserved { id } => html! { "CVE Services reserved " code { (id) } },
        Event::CvePublished { id } => {
            html! { "CVE Services published the record of " code { (id) } }
        }
        Event::CveRequestRejected { message } => {
            html! { "CVE Services refused the request: " q { (message) } }
        }
        Event::CveIdRejected { id } => {
            html! { "the CVE Program rejected " code { (id) } "; it can no longer be used" }
        }
        Event::CveRequestFailed { message } => {
            html! { "CVE Services did not do what was asked: " q { (message) } }
        }
        Event::EffectFailed(f) => html! {
            (f.effect.words()) " failed: " q { (f.reason) }
            @match f.retry_at {
                Some(at) => { "; it will be tried again at " (when(at)) }
                None => { "; it was given up" }
            }
            @if e.visibility() == Visibility::Internal { " " span.badge { "internal" } }
        },
        Event::AdvisoryImported { .. } => {
            html! { "imported the published advisory from its OSV record" }
        }
        Event::ReporterAddressFailed {
            address,
            status,
            diagnostic,
        } => html! {
            "mail to the reporter's address " code { (address) } " bounced"
            @if let Some(s) = status { " (" (s) ")" }
            @if let Some(d) = diagnostic { ": " q { (d) } }
            " " span.badge { "internal" }
        },
        Event::TrackingLinkRenewed => {
            html! { "a new tracking link was sent to the reporter's address; the old one no longer works" }
        }
        Event::Disclosed => {
            html! { strong { "disclosed the vulnerability" } ": the advisory is public" }
        }
        Event::CreditChosen { choice } => html! {
            @match choice {
                embargo_core::event::CreditChoice::Accepted => "accepted the advisory's credit line",
                embargo_core::event::CreditChoice::Renamed { name } => { "asked to be credited as " strong { (name) } },
                embargo_core::event::CreditChoice::Declined => "declined credit in the advisory",
            }
        },
        Event::AdvisoryWithdrawn { reason } => html! {
            p.label { strong { "withdrew the advisory" } ": it stays published, marked withdrawn" }
            div.body { (md(reason)) }
        },
        Event::ReleasePlanProposed { plan, reason } => html! {
            p.label { "proposed the release plan: release at " strong { (utc_minute(plan.at)) } }
            @if let Some(r) = reason { div.body { "Why the date moved: " (md(r)) } }
        },
        Event::ReleaseDateCounterProposed { at, reason } => html! {
            p.label { "proposed another release date: " strong { (utc_minute(*at)) } }
            div.body { (md(reason)) }
        },
        Event::ReleaseDateAgreed { at } => {
            html! { "agreed to the release date " strong { (utc_minute(*at)) } }
        }
        Event::ReleaseDateOverridden { reason } => html! {
            p.label { "set the release date after the reporter's silence" }
            div.body { (md(reason)) }
        },
        Event::ReleaseNotesFinalized { .. } => {
            html! { "finalized the release notes " span.badge { "internal" } }
        }
        Event::DisclosureScheduled { at } => {
            html! { "scheduled the disclosure for " strong { (utc_minute(*at)) } }
        }
        Event::DisclosureUnscheduled => html! { "unscheduled the disclosure" },
        Event::ScheduledDisclosureRefused { blockers } => html! {
            p.label { "the scheduled disclosure did not happen; nothing went public " span.badge { "internal" } }
            ul { @for b in blockers { li { (b) } } }
        },
        Event::PostMortemPublished { .. } => {
            html! { strong { "published the post-mortem" } " and closed the case" }
        }
        Event::ClockReminder { clock, due, .. } => html! {
            "reminded: the " strong { (clock.as_str()) } " clock (" (clock.step()) ") is due "
            (when(*due)) " " span.badge { "internal" }
        },
        Event::ClockOverdue { clock, due, .. } => html! {
            strong { "overdue" } ": the " strong { (clock.as_str()) } " clock (" (clock.step())
            ") was due " (when(*due)) "; escalated to the security team " span.badge { "internal" }
        },
        Event::ClockMoved {
            clock,
            due,
            reason,
            shared,
        } => html! {
            p.label {
                "moved the " strong { (clock.as_str()) } " clock to " (when(*due))
                @if !shared { " " span.badge { "internal" } }
            }
            div.body { "Reason: " q { (reason) } }
        },
        Event::SlowedDown {
            clocks,
            change,
            note,
            ..
        } => html! {
            "slowed the case down (low severity, C16): "
            (clocks.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "))
            @match change {
                embargo_core::clocks::SlowChange::Duration(d) => { " now run " (d.to_string()) }
                embargo_core::clocks::SlowChange::Until(t) => { " are now due " (when(*t)) }
            }
            "; the decision is note " a href=(format!("#event-{note}")) { "#" (note) }
            " " span.badge { "internal" }
        },
        Event::UpstreamDateSet { date, source } => html! {
            "follows another project's disclosure date: " (when(*date)) " (" (source) ") "
            span.badge { "internal" }
        },
        Event::NoticeDrafted { notice, .. } => html! {
            "reviewed the " (notice.as_str()) " notice " span.badge { "internal" }
        },
        Event::NoticeQueued { notice, due } => html! {
            "queued the " (notice.as_str()) " notice for " (embargo_core::release::utc_minute(*due)) " "
            span.badge { "internal" }
        },
        Event::NoticeDelivered { notice, to, answer } => html! {
            "the " (notice.as_str()) " notice went to " code { (to) } ": " (answer) " "
            span.badge { "internal" }
        },
        Event::PreNotifiedAdded { address, .. } => html! {
            "added " (address) " to the pre-notification list " span.badge { "internal" }
        },
        Event::PreNotifiedRemoved { address } => html! {
            "removed " (address) " from the pre-notification list " span.badge { "internal" }
        },
        Event::GuestInvited { guest } => html! {
            "shared the case with " (guest.email)
            @if let Some(o) = &guest.organisation { " (" (o) ")" }
            " (C5): " (guest.shares.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
            "; why: " (guest.reason) " " span.badge { "internal" }
        },
        Event::GuestRemoved { email, reason, .. } => html! {
            "ended " (email) "'s access to the case: " (reason) " " span.badge { "internal" }
        },
        Event::GuestCommented { email, body, .. } => html! {
            "guest " (email) " wrote " span.badge { "internal" }
            div.body { (super::page::sanitized(crate::markdown::render(body))) }
        },
        Event::ClocksRecomputed { .. } => html! {
            "the project's policy changed: the clocks now follow the new one "
            span.badge { "internal" }
        },
        Event::AttachmentAdded { attachment } => html! {
            "attached " a href=(format!("{}/{}", links.attachment_base, attachment.id)) download { (attachment.filename) }
            @if attachment.visibility == Visibility::Internal { " " span.badge { "internal" } }
        },
        Event::CvssNotApplicable { reason } => html! {
            p.label { "recorded CVSS as not applicable" }
            div.body { (md(reason)) }
        },
        Event::AffectedSet {
            branches, track, ..
        } => html! {
            "recorded the affected branches: "
            (branches.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            @if let Some(t) = track { " — track " strong { (t.as_str()) } " (" (t.step()) ")" }
            " " span.badge { "internal" }
        },
        Event::FixRecorded {
            fix,
            branch,
            reference,
            author,
            ..
        } => html! {
            "recorded fix #" (fix.0) " on " code { (branch) } " by " (author.name) ": " code { (reference) }
            " " span.badge { "internal" }
        },
        Event::FixApproved { fix } => {
            html! { "approved fix #" (fix.0) " " span.badge { "internal" } }
        }
        Event::FixStateChanged { fix, state } => html! {
            "fix #" (fix.0) " is " strong { (state.to_string()) } " " span.badge { "internal" }
        },
        Event::FixPatchAttached { fix, attachment } => html! {
            "attached a " a href=(format!("{}/{}", links.attachment_base, attachment)) download { "patch" } " to fix #" (fix.0)
            " " span.badge { "internal" }
        },
        Event::BackportWaived { branch, reason } => html! {
            p.label { "recorded that " code { (branch) } " gets no fix " span.badge { "internal" } }
            div.body { (md(reason)) }
        },
        Event::MitigationRecorded { text } => html! {
            p.label { "recorded the mitigation " span.badge { "internal" } }
            div.body { (md(text)) }
        },
    }
}

/// The page a listing's query asks for (`limit`, `after`), as the API reads it.
pub fn page_request(
    q: &std::collections::HashMap<String, String>,
) -> Result<crate::app::PageRequest, crate::app::AppError> {
    crate::app::page_request(
        q.get("limit").map(String::as_str),
        q.get("after").map(String::as_str),
    )
}

/// Links between a listing's pages: back to the first page once past it, on to the next
/// while there is one. `base` is the listing's URL with any filter already in its query.
pub fn pager(
    base: &str,
    page: &crate::app::PageRequest,
    next: Option<&crate::app::Cursor>,
) -> Markup {
    let join = if base.contains('?') { '&' } else { '?' };
    let limit = if page.limit() == crate::app::PageRequest::DEFAULT_LIMIT {
        String::new()
    } else {
        format!("{join}limit={}", page.limit())
    };
    let first = format!("{base}{limit}");
    let join = if first.contains('?') { '&' } else { '?' };
    html! {
        @if page.after.is_some() || next.is_some() {
            nav.pager {
                @if page.after.is_some() { a rel="first" href=(first) { "← First page" } }
                @if page.after.is_some() && next.is_some() { " · " }
                @if let Some(c) = next { a rel="next" href=(format!("{first}{join}after={}", c.token())) { "Next page →" } }
            }
        }
    }
}

/// A case's title linking to its page, its id below, and the unread marker (a dot with
/// words for screen readers) when someone else did something since the viewer last
/// opened it.
pub fn case_link(case: &embargo_core::case::Case, unread: bool) -> Markup {
    html! {
        @if unread { span.unread title="new activity since you last opened it" { span.visually-hidden { "New activity: " } } }
        a href=(format!("/cases/{}", case.id)) .row-link { (case.report.title) }
        br; code { (case.id) }
    }
}

/// Who an open case waits on: the team or the reporter; a dash once it is over.
pub fn waiting_on(case: &embargo_core::case::Case) -> Markup {
    use embargo_core::case::WaitingOn;
    html! {
        @match case.waiting_on() {
            Some(WaitingOn::Team) => span.waiting-team title="The reporter wrote or reported last" { "team" },
            Some(WaitingOn::Reporter) => span.waiting-reporter title="The team wrote to the reporter or asked a question last" { "reporter" },
            None => "—",
        }
    }
}

/// How long ago a person last did something on the case.
pub fn last_activity(case: &embargo_core::case::Case, now: embargo_core::Timestamp) -> Markup {
    html! { span title=(super::page::when(case.activity.at)) { (super::page::age(now, case.activity.at)) " ago" } }
}
