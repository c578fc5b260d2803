//! Severity (C13): vectors proposed by the team and suggested by the reporter, and the
//! coordinator's final score.

use super::{Decider, one};
use crate::access::{Action, Standing};
use crate::case::Stage;
use crate::event::Event;
use crate::rejection::Rejection;
use crate::scoring;

pub(super) fn propose(d: &Decider, vector: &str) -> Result<Event, Rejection> {
    let (version, vector) = scoring::case_vector("vector", vector).map_err(one)?;
    scoring_open(d)?;
    match d.standing {
        Standing::Reporter => Ok(Event::CvssSuggested { version, vector }),
        Standing::Team(_) => {
            d.need(Action::Collaborate)?;
            Ok(Event::CvssProposed { version, vector })
        }
    }
}

pub(super) fn set(
    d: &Decider,
    cvss_v3_1: Option<&str>,
    cvss_v4_0: Option<&str>,
    effect: &str,
) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    if d.case.stage == Stage::Received {
        return Err(d.illegal("acknowledge it first"));
    }
    scoring_open(d)?;
    let score = scoring::final_score(cvss_v3_1, cvss_v4_0, effect)?;
    if d.case.scoring.score.as_ref() == Some(&score) {
        return Err(d.illegal("this is already the case's score"));
    }
    Ok(Event::CvssSet { score })
}

/// Scores matter while a case is open; a rejected or closed case is not scored.
fn scoring_open(d: &Decider) -> Result<(), Rejection> {
    match d.case.stage {
        Stage::Rejected => Err(d.illegal("it was rejected")),
        Stage::Closed => Err(d.illegal("it is closed")),
        Stage::Received
        | Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Disclosed => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;

    #[test]
    fn c13_anyone_on_the_case_proposes_the_reporter_suggests_the_coordinator_decides() {
        let mut case = new_case();
        // The reporter may suggest a vector from the start; the team sees it as theirs.
        let e = run(
            &mut case,
            &reporter(),
            Command::ProposeCvss { vector: V31.into() },
        );
        assert!(matches!(e[0].event, Event::CvssSuggested { .. }));
        assert_eq!(e[0].event.visibility(), Visibility::Shared);
        run(&mut case, &sam(), Command::Acknowledge);
        run(
            &mut case,
            &sam(),
            Command::AddCollaborator { user: UserId(3) },
        );
        run(&mut case, &mia(), Command::Claim);
        run(
            &mut case,
            &mia(),
            Command::AddCollaborator { user: UserId(4) },
        );
        // A collaborator's proposal is internal; the vector is stored normalized.
        let e = run(
            &mut case,
            &max(),
            Command::ProposeCvss {
                vector: format!("  {V40}\n"),
            },
        );
        assert_eq!(e[0].event.visibility(), Visibility::Internal);
        assert_eq!(case.scoring.proposals.len(), 2);
        assert_eq!(case.scoring.proposals[1].vector, V40);
        assert_eq!(case.scoring.proposals[0].by, ActorRef::Reporter);

        // Only the coordinator makes the final call; security-team members propose.
        assert!(matches!(
            refused(&case, &sam(), set_cvss(Some(V31), None, "RCE")),
            Rejection::Forbidden { .. }
        ));
        assert!(matches!(
            refused(&case, &max(), set_cvss(Some(V31), None, "RCE")),
            Rejection::Forbidden { .. }
        ));
        run(
            &mut case,
            &mia(),
            set_cvss(Some(V31), Some(V40), "An attacker runs code."),
        );
        let score = case.scoring.score.clone().unwrap();
        assert_eq!(score.highest().unwrap().score.tenths(), 98);
        // Changing it is another event; the same call twice is refused.
        run(
            &mut case,
            &mia(),
            set_cvss(None, Some(V40), "An attacker reads memory."),
        );
        assert_eq!(case.scoring.score.as_ref().unwrap().cvss_v3_1, None);
        assert!(matches!(
            refused(
                &case,
                &mia(),
                set_cvss(None, Some(V40), "An attacker reads memory.")
            ),
            Rejection::IllegalTransition { .. }
        ));
    }

    #[test]
    fn cvss_input_is_checked_with_the_cvss_library_rules() {
        let mut case = new_case();
        run(&mut case, &sam(), Command::Acknowledge);
        run(&mut case, &sam(), Command::Claim);
        let rule = |r: Rejection| match r {
            Rejection::Invalid(list) => (list[0].field.clone(), list[0].rule.code()),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            rule(refused(
                &case,
                &sam(),
                Command::ProposeCvss {
                    vector: "CVSS:3.1/AV:N/AV:N".into()
                }
            )),
            ("vector".to_owned(), "cvss.duplicate_metric")
        );
        assert_eq!(
            rule(refused(
                &case,
                &reporter(),
                Command::ProposeCvss {
                    vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into()
                }
            )),
            ("vector".to_owned(), "cvss.version_not_kept")
        );
        assert_eq!(
            rule(refused(&case, &sam(), set_cvss(Some(V31), None, ""))),
            ("effect".to_owned(), "required")
        );
        // Not on the case at all: not found, as always.
        assert_eq!(
            refused(&case, &mia(), Command::ProposeCvss { vector: V31.into() }),
            Rejection::NotFound
        );
    }

    #[test]
    fn scoring_waits_for_acknowledgement_and_stops_at_rejection() {
        let mut case = new_case();
        run(&mut case, &sam(), Command::Claim);
        assert!(matches!(
            refused(&case, &sam(), set_cvss(Some(V31), None, "x")),
            Rejection::IllegalTransition { .. }
        ));
        run(&mut case, &sam(), Command::Acknowledge);
        run(&mut case, &sam(), reject(RejectReason::NotAVulnerability));
        for cmd in [
            set_cvss(Some(V31), None, "x"),
            Command::ProposeCvss { vector: V31.into() },
        ] {
            assert!(matches!(
                refused(&case, &sam(), cmd),
                Rejection::IllegalTransition { .. }
            ));
        }
    }
}
