//! In-app notifications (issue 8 item 3): who hears of a case event. Only reminders
//! and escalations notify today; e-mail and chat join as they land. A notification
//! goes only to someone who may see the case, and the shells check again when they
//! show it (a member removed since sees nothing of it).

use crate::access;
use crate::actor::{Actor, User};
use crate::case::Case;
use crate::event::Event;
use crate::ids::UserId;
use crate::policy::Audience;
use crate::project::Project;

/// The people an event notifies, once each, each one who may see the case.
pub fn recipients(case: &Case, project: &Project, event: &Event) -> Vec<UserId> {
    let audience: &[Audience] = match event {
        Event::ClockReminder { to, .. } | Event::ClockOverdue { to, .. } => to,
        Event::Submitted { .. }
        | Event::Acknowledged
        | Event::Claimed { .. }
        | Event::HandedOver { .. }
        | Event::CollaboratorAdded { .. }
        | Event::CollaboratorRemoved { .. }
        | Event::MessagedReporter { .. }
        | Event::ReporterReplied { .. }
        | Event::NoteAdded { .. }
        | Event::QuestionAsked { .. }
        | Event::QuestionAnswered { .. }
        | Event::PreliminaryDecisionSet { .. }
        | Event::FinalDecisionSet { .. }
        | Event::MarkedPublic { .. }
        | Event::AttachmentAdded { .. }
        | Event::CvssProposed { .. }
        | Event::CvssSuggested { .. }
        | Event::AdvisoryUpdated { .. }
        | Event::CveRequested
        | Event::CveAssigned { .. }
        | Event::CvssNotApplicable { .. }
        | Event::AffectedSet { .. }
        | Event::FixRecorded { .. }
        | Event::FixApproved { .. }
        | Event::FixStateChanged { .. }
        | Event::FixPatchAttached { .. }
        | Event::BackportWaived { .. }
        | Event::MitigationRecorded { .. }
        | Event::ReleasePlanProposed { .. }
        | Event::ReleaseDateCounterProposed { .. }
        | Event::ReleaseDateAgreed { .. }
        | Event::ReleaseDateOverridden { .. }
        | Event::ReleaseNotesFinalized { .. }
        | Event::DisclosureScheduled { .. }
        | Event::DisclosureUnscheduled
        | Event::ScheduledDisclosureRefused { .. }
        | Event::PostMortemPublished { .. }
        | Event::ReporterAddressFailed { .. }
        | Event::TrackingLinkRenewed
        | Event::AdvisoryWithdrawn { .. }
        | Event::CreditChosen { .. }
        | Event::Disclosed
        | Event::AdvisoryImported { .. }
        | Event::CveReserved { .. }
        | Event::CvePublished { .. }
        | Event::CveRequestFailed { .. }
        | Event::CveRequestRejected { .. }
        | Event::CveIdRejected { .. }
        | Event::CvssSet { .. }
        | Event::EffectFailed(_)
        | Event::ClockMoved { .. }
        | Event::SlowedDown { .. }
        | Event::UpstreamDateSet { .. }
        | Event::NoticeDrafted { .. }
        | Event::NoticeQueued { .. }
        | Event::NoticeDelivered { .. }
        | Event::PreNotifiedAdded { .. }
        | Event::PreNotifiedRemoved { .. }
        | Event::GuestInvited { .. }
        | Event::GuestRemoved { .. }
        | Event::GuestCommented { .. }
        | Event::ClocksRecomputed { .. } => &[],
    };
    audience_members(case, project, audience)
}

/// The members an audience names on this case, once each, each one who may see it.
pub fn audience_members(case: &Case, project: &Project, audience: &[Audience]) -> Vec<UserId> {
    let mut people: Vec<UserId> = Vec::new();
    for a in audience {
        match a {
            Audience::Coordinator => people.extend(case.people.coordinator.iter().map(|u| u.id)),
            Audience::Collaborators => {
                people.extend(case.people.collaborators.iter().map(|u| u.id))
            }
            Audience::SecurityTeam => people.extend(
                project
                    .members
                    .iter()
                    .filter(|m| m.role.sees_all_cases())
                    .map(|m| m.user.id),
            ),
        }
    }
    people.sort();
    people.dedup();
    people.retain(|id| sees(*id, project, case));
    people
}

/// Whether the member may see the case: notifications never reveal one.
pub fn sees(user: UserId, project: &Project, case: &Case) -> bool {
    let actor = Actor::User(User {
        id: user,
        name: String::new(),
        instance_admin: false,
        second_factor: false,
    });
    access::standing(&actor, project, case).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::ClockName;
    use crate::decide::fixtures::*;

    fn reminder(to: Vec<Audience>) -> Event {
        Event::ClockReminder {
            clock: ClockName::Acknowledge,
            due: at(100),
            key: "k".into(),
            to,
        }
    }

    #[test]
    fn c3_reminders_go_to_the_people_the_policy_names_and_escalation_to_the_team() {
        let mut case = new_case();
        // Nobody coordinates yet: a reminder to the coordinator reaches nobody.
        assert!(recipients(&case, &project(), &reminder(vec![Audience::Coordinator])).is_empty());
        run(&mut case, &sam(), Command::Claim);
        run(
            &mut case,
            &sam(),
            Command::AddCollaborator { user: UserId(3) },
        );
        let to = vec![Audience::Coordinator, Audience::Collaborators];
        assert_eq!(
            recipients(&case, &project(), &reminder(to)),
            [UserId(2), UserId(3)]
        );
        // The team: admins and the security team, not Max, a maintainer not on the case.
        let overdue = Event::ClockOverdue {
            clock: ClockName::Acknowledge,
            due: at(100),
            key: "k".into(),
            to: vec![Audience::SecurityTeam],
        };
        assert_eq!(
            recipients(&case, &project(), &overdue),
            [UserId(1), UserId(2)]
        );
        assert!(recipients(&case, &project(), &Event::Acknowledged).is_empty());
    }
}
