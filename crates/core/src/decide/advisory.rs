//! The advisory (C14, C17): what it will say, and its CVE ID.

use super::{Decider, one};
use crate::access::Action;
use crate::advisory::{self, AdvisoryDetails, CveState};
use crate::case::Stage;
use crate::event::{CreditChoice, Event};
use crate::rejection::Rejection;
use crate::text;

pub(super) fn set(d: &Decider, details: &AdvisoryDetails) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    // A published advisory stays correctable after the post-mortem closed the case:
    // each change is a new revision.
    if !(d.case.stage == Stage::Closed && d.case.disclosure.disclosed_at.is_some()) {
        d.publishing()?;
    }
    if d.case.advisory.withdrawn.is_some() {
        return Err(d.illegal("the advisory was withdrawn"));
    }
    let details = details.clone().check(d.project())?;
    if details == d.case.advisory.details {
        return Err(d.illegal("the advisory already says this"));
    }
    Ok(Event::AdvisoryUpdated { details })
}

/// Withdraws the published advisory (issue 14): only the coordinator, only once,
/// only after disclosure, and always with the reason the documents will carry.
pub(super) fn withdraw(d: &Decider, reason: &str) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    if d.case.disclosure.disclosed_at.is_none() {
        return Err(d.illegal("only a disclosed advisory can be withdrawn"));
    }
    if d.case.advisory.withdrawn.is_some() {
        return Err(d.illegal("the advisory was already withdrawn"));
    }
    let reason = text::required_body("reason", reason, text::limits::SHORT * 4).map_err(one)?;
    Ok(Event::AdvisoryWithdrawn { reason })
}

/// The reporter's answer to the draft credit line: theirs alone, before disclosure
/// (what is published is theirs to agree to), and a name must be a name.
pub(super) fn choose_credit(d: &Decider, choice: &CreditChoice) -> Result<Event, Rejection> {
    d.need(Action::ActAsReporter)?;
    match d.case.stage {
        Stage::Received
        | Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned => {}
        Stage::Disclosed => return Err(d.illegal("the advisory is already published")),
        Stage::Closed | Stage::Rejected => return Err(d.closed()),
    }
    let choice = match choice {
        CreditChoice::Renamed { name } => CreditChoice::Renamed {
            name: text::required_line("name", name, text::limits::NAME).map_err(one)?,
        },
        CreditChoice::Accepted | CreditChoice::Declined => choice.clone(),
    };
    if d.case.advisory.reporter_credit.as_ref() == Some(&choice) {
        return Err(d.illegal("the credit is already so"));
    }
    Ok(Event::CreditChosen { choice })
}

pub(super) fn request_cve_id(d: &Decider) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    d.publishing()?;
    match &d.case.advisory.cve {
        None | Some(CveState::Failed { .. } | CveState::Rejected { .. }) => Ok(Event::CveRequested),
        Some(CveState::Requested) => {
            Err(d.illegal("a CVE ID was already requested; wait for CVE Services"))
        }
        Some(other) => Err(d.illegal(&format!(
            "it already has {}",
            other.id().unwrap_or("a CVE ID")
        ))),
    }
}

pub(super) fn assign_cve_id(d: &Decider, id: &str) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    d.publishing()?;
    let id = advisory::cve_id("cve_id", id).map_err(one)?;
    if let Some(existing) = d.case.advisory.cve.as_ref().and_then(CveState::id) {
        return Err(d.illegal(&format!("it already has {existing}")));
    }
    Ok(Event::CveAssigned { id })
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;

    #[test]
    fn c14_c17_c18_the_coordinator_prepares_the_advisory_gets_a_cve_id_and_discloses() {
        let mut case = new_case();
        // Nothing to publish before the vulnerability is confirmed.
        run(&mut case, &sam(), Command::Acknowledge);
        run(&mut case, &sam(), Command::Claim);
        for cmd in [
            Command::SetAdvisory(advisory()),
            Command::RequestCveId,
            Command::Disclose,
        ] {
            assert!(matches!(
                refused(&case, &sam(), cmd),
                Rejection::IllegalTransition { .. }
            ));
        }
        let mut case = confirmed_case_led_by_sam();
        // Only the coordinator; Ada (project admin) may not.
        assert!(matches!(
            refused(&case, &ada(), Command::SetAdvisory(advisory())),
            Rejection::Forbidden { .. }
        ));
        let e = run(&mut case, &sam(), Command::SetAdvisory(advisory()));
        assert_eq!(e[0].event.visibility(), Visibility::Internal, "embargoed");
        assert_eq!(case.advisory.details.cwes, ["CWE-400"], "normalized");
        assert_eq!(
            case.advisory.details.affected[0].component, "go",
            "canonical spelling"
        );
        assert!(matches!(
            refused(&case, &sam(), Command::SetAdvisory(advisory())),
            Rejection::IllegalTransition { .. }
        ));

        run(&mut case, &sam(), Command::RequestCveId);
        assert_eq!(
            case.advisory.cve,
            Some(crate::advisory::CveState::Requested)
        );
        assert!(matches!(
            refused(&case, &sam(), Command::RequestCveId),
            Rejection::IllegalTransition { .. }
        ));
        run(
            &mut case,
            &sam(),
            Command::AssignCveId {
                id: "cve-2026-4242".into(),
            },
        );
        assert_eq!(
            case.advisory.cve.as_ref().and_then(|c| c.id()),
            Some("CVE-2026-4242")
        );
        assert!(matches!(
            refused(
                &case,
                &sam(),
                Command::AssignCveId {
                    id: "CVE-2026-1111".into()
                }
            ),
            Rejection::IllegalTransition { .. }
        ));

        for cmd in ready_to_disclose().into_iter().skip(1) {
            run(&mut case, &sam(), cmd);
        }
        for (actor, cmd) in release_commands() {
            run(&mut case, &actor, cmd);
        }
        let e = run(&mut case, &sam(), Command::Disclose);
        assert_eq!(e[0].event.visibility(), Visibility::Shared);
        assert_eq!(case.stage, Stage::Disclosed);
        assert!(case.disclosure.disclosed_at.is_some());
        assert!(matches!(
            refused(&case, &sam(), Command::Disclose),
            Rejection::IllegalTransition { .. }
        ));
        // The advisory can still be revised after disclosure.
        let mut revised = advisory();
        revised.mitigation = Some("Limit the maximum frame size.".into());
        run(&mut case, &sam(), Command::SetAdvisory(revised));
    }

    /// A disclosed case led by Sam, with the advisory prepared.
    fn disclosed() -> Case {
        let mut case = confirmed_case_led_by_sam();
        for cmd in ready_to_disclose() {
            run(&mut case, &sam(), cmd);
        }
        for (actor, cmd) in release_commands() {
            run(&mut case, &actor, cmd);
        }
        run(&mut case, &sam(), Command::Disclose);
        case
    }

    #[test]
    fn an_update_after_disclosure_is_a_revision_saying_what_changed() {
        let mut case = confirmed_case_led_by_sam();
        run(&mut case, &sam(), Command::SetAdvisory(advisory()));
        assert!(
            case.advisory.revisions.is_empty(),
            "under embargo: no revision"
        );
        let mut case = disclosed();
        let mut revised = case.advisory.details.clone();
        revised.references.push(crate::advisory::Reference {
            url: "https://github.com/connectrpc/connect-go/pull/815".into(),
            kind: crate::advisory::ReferenceKind::Fix,
        });
        revised.affected[0].introduced = "1.14.0".into();
        let e = run(&mut case, &sam(), Command::SetAdvisory(revised));
        assert_eq!(case.advisory.revisions.len(), 1);
        assert_eq!(case.advisory.revisions[0].at, e[0].at);
        assert_eq!(
            case.advisory.revisions[0].summary,
            "Updated the affected versions and the references."
        );
    }

    #[test]
    fn a_withdrawal_needs_a_disclosed_advisory_the_coordinator_and_a_reason() {
        let confirmed = confirmed_case_led_by_sam();
        let withdraw = |reason: &str| Command::WithdrawAdvisory {
            reason: reason.into(),
        };
        assert!(matches!(
            refused(&confirmed, &sam(), withdraw("wrong")),
            Rejection::IllegalTransition { .. }
        ));
        let mut case = disclosed();
        assert!(matches!(
            refused(&case, &ada(), withdraw("wrong")),
            Rejection::Forbidden { .. }
        ));
        assert!(matches!(
            refused(&case, &reporter(), withdraw("wrong")),
            Rejection::Forbidden { .. }
        ));
        let Rejection::Invalid(list) = refused(&case, &sam(), withdraw("  ")) else {
            panic!("invalid")
        };
        assert_eq!(list[0].field, "reason");
        let e = run(
            &mut case,
            &sam(),
            withdraw("Not a vulnerability after all."),
        );
        assert_eq!(e[0].event.visibility(), Visibility::Shared);
        let w = case.advisory.withdrawn.clone().unwrap();
        assert_eq!(w.reason, "Not a vulnerability after all.");
        assert_eq!(
            case.advisory.revisions.last().unwrap().summary,
            "Withdrawn: Not a vulnerability after all."
        );
        // Once, and nothing changes a withdrawn advisory afterwards.
        assert!(matches!(
            refused(&case, &sam(), withdraw("again")),
            Rejection::IllegalTransition { .. }
        ));
        let mut revised = case.advisory.details.clone();
        revised.mitigation = Some("none".into());
        assert!(matches!(
            refused(&case, &sam(), Command::SetAdvisory(revised)),
            Rejection::IllegalTransition { .. }
        ));
    }

    #[test]
    fn credits_the_credited_accept_rename_or_decline_before_disclosure() {
        use crate::advisory::{Credit, CreditKind};
        use crate::event::CreditChoice;
        let mut case = confirmed_case_led_by_sam();
        // The reporter asked for credit on the form: it fills the draft line.
        case.report.reporter.credit = Some("Rae P.".into());
        let line = case.draft_reporter_credit().unwrap();
        assert_eq!(
            (line.name.as_str(), line.kind),
            ("Rae P.", CreditKind::Reporter)
        );
        run(&mut case, &sam(), Command::SetAdvisory(advisory()));
        let names = |c: &Case| -> Vec<String> {
            c.published_credits().into_iter().map(|c| c.name).collect()
        };
        assert_eq!(names(&case), ["Rae Porter", "Rae P."], "as drafted");
        // Only the reporter answers, and a name must be one.
        assert!(matches!(
            refused(&case, &sam(), Command::ChooseCredit(CreditChoice::Declined)),
            Rejection::Forbidden { .. }
        ));
        let Rejection::Invalid(list) = refused(
            &case,
            &reporter(),
            Command::ChooseCredit(CreditChoice::Renamed { name: " ".into() }),
        ) else {
            panic!("invalid")
        };
        assert_eq!(list[0].field, "name");
        let e = run(
            &mut case,
            &reporter(),
            Command::ChooseCredit(CreditChoice::Renamed {
                name: " Rae Porter-Okafor ".into(),
            }),
        );
        assert_eq!(e[0].event.visibility(), Visibility::Shared);
        assert_eq!(names(&case), ["Rae Porter", "Rae Porter-Okafor"]);
        run(
            &mut case,
            &reporter(),
            Command::ChooseCredit(CreditChoice::Declined),
        );
        assert_eq!(names(&case), ["Rae Porter"], "declined: left out");
        // A reporter line the team wrote is the one the choice applies to.
        let mut with_line = advisory();
        with_line.credits.push(Credit {
            name: "R. Porter".into(),
            contact: Some("rae@example.net".into()),
            kind: CreditKind::Reporter,
        });
        run(&mut case, &sam(), Command::SetAdvisory(with_line));
        assert_eq!(names(&case), ["Rae Porter"]);
        run(
            &mut case,
            &reporter(),
            Command::ChooseCredit(CreditChoice::Accepted),
        );
        assert_eq!(names(&case), ["Rae Porter", "R. Porter"]);
        // After disclosure the published credits stand.
        let done = disclosed();
        assert!(matches!(
            refused(
                &done,
                &reporter(),
                Command::ChooseCredit(CreditChoice::Declined)
            ),
            Rejection::IllegalTransition { .. }
        ));
    }

    #[test]
    fn advisory_details_report_every_problem_with_its_field() {
        let case = confirmed_case_led_by_sam();
        let mut bad = advisory();
        bad.cwes.push("XSS".into());
        bad.references[0].url = "javascript:alert(1)".into();
        bad.affected[0].component = "cobol".into();
        bad.credits[0].name = " ".into();
        let Rejection::Invalid(list) = refused(&case, &sam(), Command::SetAdvisory(bad)) else {
            panic!("invalid")
        };
        let fields: Vec<_> = list.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "cwes[1]",
                "references[0].url",
                "credits[0].name",
                "affected[0].component"
            ]
        );
        assert_eq!(
            refused(
                &case,
                &sam(),
                Command::AssignCveId {
                    id: "CVE-26-1".into()
                }
            ),
            Rejection::invalid(
                "cve_id",
                Rule::InvalidFormat,
                "`cve_id` must be a CVE ID like CVE-2026-12345"
            )
        );
    }
}
