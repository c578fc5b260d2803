//! What a case page leads with (issue 12 item 1): the case's state in words, whose turn
//! it is, and the next steps the policy expects at its stage. One function decides it
//! from the case alone, so the page, and anything else that wants to say "what now",
//! agree; the clocks come from [`crate::clocks`], named by each step.

use super::{Case, Stage, WaitingOn};
use crate::clocks::ClockName;

/// A step the policy expects next on a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// C3: tell the reporter the report arrived and is being looked at.
    Acknowledge,
    /// C8: someone coordinates the case.
    Claim,
    /// C10: the coordinator brings in the maintainers who know the code.
    AddCollaborators,
    /// C9: the reporter owes an answer to the open question.
    AwaitAnswer,
    /// C11: confirm or reject after reproducing.
    Decide,
    /// C13: a final CVSS call, or "not applicable".
    Score,
    /// V1: the affected branches, from which the track follows.
    RecordAffected,
    /// V6: the fixes of the backport checklist, reviewed and merged.
    CompleteFixes,
    /// C14: the advisory's title and text.
    WriteAdvisory,
    /// V7: a release date agreed with the reporter.
    PlanRelease,
    /// V9: the notice of the forthcoming fix.
    AnnounceFix,
    /// C6, C17: publish the advisory.
    Disclose,
    /// C19: a blameless post-mortem, which closes the case.
    PublishPostMortem,
}

impl Step {
    /// What to do, in words.
    pub fn words(self) -> &'static str {
        match self {
            Step::Acknowledge => "Acknowledge the report",
            Step::Claim => "Claim the case: someone coordinates it",
            Step::AddCollaborators => "Add the maintainers who know the code",
            Step::AwaitAnswer => "Wait for the reporter's answer to the open question",
            Step::Decide => "Reproduce and record the final decision",
            Step::Score => "Make the final CVSS call (or record that it does not apply)",
            Step::RecordAffected => "Record the affected branches",
            Step::CompleteFixes => "Fix every branch of the backport checklist",
            Step::WriteAdvisory => "Write the advisory's title and description",
            Step::PlanRelease => "Propose a release date to the reporter",
            Step::AnnounceFix => "Announce the forthcoming fix and its date",
            Step::Disclose => "Disclose: publish the advisory",
            Step::PublishPostMortem => "Publish the post-mortem and close the case",
        }
    }

    /// The policy clock that measures this step, if one does.
    pub fn clock(self) -> Option<ClockName> {
        match self {
            Step::Acknowledge => Some(ClockName::Acknowledge),
            Step::AddCollaborators => Some(ClockName::CollaboratorsAdded),
            Step::Score | Step::RecordAffected | Step::CompleteFixes => Some(ClockName::FixReady),
            Step::AnnounceFix => Some(ClockName::ForthcomingFixNotice),
            Step::Disclose => Some(ClockName::DisclosureTarget),
            Step::PublishPostMortem => Some(ClockName::PostMortem),
            Step::Claim
            | Step::AwaitAnswer
            | Step::Decide
            | Step::WriteAdvisory
            | Step::PlanRelease => None,
        }
    }
}

/// What the top of a case page says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lead {
    /// The state in a sentence.
    pub state: &'static str,
    /// Whose turn it is; `None` once nothing more is expected of anyone.
    pub waiting_on: Option<WaitingOn>,
    /// In the order the policy takes them.
    pub steps: Vec<Step>,
}

/// The lead of `case`: derived from its stage and what it holds, nothing else.
pub fn lead(case: &Case) -> Lead {
    let unclaimed = case.people.coordinator.is_none();
    let lonely = !unclaimed && case.people.collaborators.is_empty();
    let mut steps = Vec::new();
    let people = |steps: &mut Vec<Step>| {
        if unclaimed {
            steps.push(Step::Claim);
        }
        if lonely {
            steps.push(Step::AddCollaborators);
        }
    };
    // The work after confirmation, in the policy's order; each step drops out once done.
    let remedy = |steps: &mut Vec<Step>| {
        if case.scoring.score.is_none() && case.scoring.not_applicable.is_none() {
            steps.push(Step::Score);
        }
        match case.fixes.track {
            None => steps.push(Step::RecordAffected),
            Some(_) if case.fixes.ready_at.is_none() => steps.push(Step::CompleteFixes),
            Some(_) => {}
        }
        if case.advisory.details.summary.is_none() {
            steps.push(Step::WriteAdvisory);
        }
    };
    let (state, waiting_on) = match case.stage {
        Stage::Received => {
            steps.push(Step::Acknowledge);
            people(&mut steps);
            steps.push(Step::Decide);
            (
                "New report: nobody has acknowledged it yet.",
                Some(WaitingOn::Team),
            )
        }
        Stage::Triage => {
            people(&mut steps);
            steps.push(Step::Decide);
            (
                "In triage: acknowledged, not decided yet.",
                case.waiting_on(),
            )
        }
        Stage::NeedsInfo => {
            steps.push(Step::AwaitAnswer);
            people(&mut steps);
            (
                "Waiting for information: the reporter has an open question.",
                Some(WaitingOn::Reporter),
            )
        }
        Stage::Confirmed => {
            people(&mut steps);
            remedy(&mut steps);
            if case.release.plan.is_none() {
                steps.push(Step::PlanRelease);
            }
            (
                "Confirmed vulnerability: scoring and fixing come next.",
                case.waiting_on(),
            )
        }
        Stage::Fixing => {
            people(&mut steps);
            remedy(&mut steps);
            if case.release.plan.is_none() {
                steps.push(Step::PlanRelease);
            }
            (
                "Being fixed: fixes are under way on the affected branches.",
                case.waiting_on(),
            )
        }
        Stage::ReleasePlanned => {
            remedy(&mut steps);
            if case.notices.queued.is_empty() && case.notices.delivered.is_empty() {
                steps.push(Step::AnnounceFix);
            }
            steps.push(Step::Disclose);
            (
                "Release planned: the date is set, disclosure follows the release.",
                case.waiting_on(),
            )
        }
        Stage::Disclosed => {
            // The post-mortem is the team's; nobody owes the reporter an answer now.
            let waiting = if case.release.post_mortem.is_none() {
                steps.push(Step::PublishPostMortem);
                Some(WaitingOn::Team)
            } else {
                None
            };
            ("Disclosed: the advisory is public.", waiting)
        }
        Stage::Closed => ("Closed: nothing more is expected.", None),
        Stage::Rejected => ("Rejected: the report was not taken up.", None),
    };
    Lead {
        state,
        waiting_on,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::fixtures::*;
    use crate::event::FinalDecision;

    fn confirm() -> Command {
        Command::SetFinalDecision(DecisionInput::Confirm { explanation: None })
    }

    #[test]
    fn c3_a_new_report_leads_with_acknowledging_it_on_the_team() {
        let case = new_case();
        let lead = lead(&case);
        assert_eq!(
            lead.steps,
            [Step::Acknowledge, Step::Claim, Step::Decide],
            "{lead:?}"
        );
        assert_eq!(lead.waiting_on, Some(WaitingOn::Team));
        assert_eq!(Step::Acknowledge.clock(), Some(ClockName::Acknowledge));
    }

    #[test]
    fn c8_c10_claiming_then_adding_a_collaborator_drop_out() {
        let mut case = new_case();
        run(&mut case, &sam(), Command::Acknowledge);
        run(&mut case, &sam(), Command::Claim);
        assert_eq!(lead(&case).steps, [Step::AddCollaborators, Step::Decide]);
        run(
            &mut case,
            &sam(),
            Command::AddCollaborator { user: UserId(3) },
        );
        assert_eq!(lead(&case).steps, [Step::Decide]);
    }

    #[test]
    fn c9_an_open_question_waits_on_the_reporter() {
        let mut case = new_case();
        run(&mut case, &sam(), Command::Acknowledge);
        run(
            &mut case,
            &sam(),
            Command::AskReporter {
                body: "Which version?".into(),
            },
        );
        let lead = lead(&case);
        assert_eq!(lead.waiting_on, Some(WaitingOn::Reporter));
        assert_eq!(lead.steps[0], Step::AwaitAnswer);
        assert!(!lead.steps.contains(&Step::Decide), "{lead:?}");
    }

    #[test]
    fn c11_c13_a_confirmed_case_asks_for_scoring_fixing_and_the_advisory() {
        let mut case = new_case();
        run(&mut case, &sam(), Command::Acknowledge);
        run(&mut case, &sam(), Command::Claim);
        run(&mut case, &sam(), confirm());
        assert!(matches!(
            case.triage.decision,
            Some(FinalDecision::Confirmed { .. })
        ));
        let steps = lead(&case).steps;
        assert_eq!(
            steps,
            [
                Step::AddCollaborators,
                Step::Score,
                Step::RecordAffected,
                Step::WriteAdvisory,
                Step::PlanRelease
            ]
        );
        run(&mut case, &sam(), set_cvss(Some(V31), None, "RCE"));
        run(&mut case, &sam(), Command::SetAdvisory(advisory()));
        let steps = lead(&case).steps;
        assert!(!steps.contains(&Step::Score), "{steps:?}");
        assert!(!steps.contains(&Step::WriteAdvisory), "{steps:?}");
        assert!(steps.contains(&Step::RecordAffected), "{steps:?}");
    }

    #[test]
    fn a_rejected_case_expects_nothing_of_anyone() {
        let mut case = new_case();
        run(&mut case, &sam(), Command::Acknowledge);
        run(&mut case, &sam(), reject(crate::event::RejectReason::Spam));
        let lead = lead(&case);
        assert_eq!((lead.steps.len(), lead.waiting_on), (0, None));
        assert!(lead.state.starts_with("Rejected"));
    }

    #[test]
    fn every_step_has_words() {
        // Exhaustive through `words`' match; here, none is left empty.
        for s in [
            Step::Acknowledge,
            Step::Claim,
            Step::AddCollaborators,
            Step::AwaitAnswer,
            Step::Decide,
            Step::Score,
            Step::RecordAffected,
            Step::CompleteFixes,
            Step::WriteAdvisory,
            Step::PlanRelease,
            Step::AnnounceFix,
            Step::Disclose,
            Step::PublishPostMortem,
        ] {
            assert!(!s.words().is_empty());
        }
    }
}
