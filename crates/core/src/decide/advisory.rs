//! The advisory (C14, C17): what it will say, and its CVE ID.

use super::{Decider, one};
use crate::access::Action;
use crate::advisory::{self, AdvisoryDetails, CveState};
use crate::event::Event;
use crate::rejection::Rejection;

pub(super) fn set(d: &Decider, details: &AdvisoryDetails) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    d.publishing()?;
    let details = details.clone().check(d.project())?;
    if details == d.case.advisory.details {
        return Err(d.illegal("the advisory already says this"));
    }
    Ok(Event::AdvisoryUpdated { details })
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
