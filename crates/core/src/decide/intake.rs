//! How cases begin (a report, C1; an imported advisory, V10) and the files they carry.

use super::{Decider, one};
use crate::access::{Action, Standing};
use crate::actor::{Actor, ActorRef};
use crate::advisory;
use crate::event::{Attachment, Event, FinalDecision, Recorded, Visibility};
use crate::ids::CaseId;
use crate::project::Project;
use crate::rejection::{Rejection, Rule};
use crate::report::{Channel, Draft};
use crate::text;
use jiff::Timestamp;

/// The most files one case may carry; beyond that, share a link.
pub const MAX_ATTACHMENTS: usize = 50;

/// A new report: anyone may submit, no account needed. `id` and the attachments' ids
/// are drawn by the shell.
pub fn submit(
    actor: &Actor,
    project: &Project,
    id: CaseId,
    draft: Draft,
    channel: Channel,
    attachments: Vec<Attachment>,
    now: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    let report = draft.check(project, channel).map_err(Rejection::Invalid)?;
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(Rejection::invalid(
            "attachments",
            Rule::TooLong,
            format!("a case may carry at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    // Whoever submits is the reporter of this case, signed in or not.
    let by = match actor {
        Actor::User(u) => ActorRef::User(u.as_ref()),
        Actor::Anonymous | Actor::Reporter(_) | Actor::Operator => ActorRef::Reporter,
    };
    let mut events = vec![Recorded {
        at: now,
        actor: by.clone(),
        event: Event::Submitted {
            case: id,
            project: project.slug.clone(),
            report,
            project_version: Some(project.version),
        },
    }];
    for a in attachments {
        check_attachment(&a)?;
        events.push(Recorded {
            at: now,
            actor: by.clone(),
            event: Event::AttachmentAdded {
                attachment: Attachment {
                    visibility: Visibility::Shared,
                    ..a
                },
            },
        });
    }
    Ok(events)
}

/// An advisory published before Embargo becomes a disclosed case (V10): reported,
/// confirmed and disclosed at `published`, carrying its OSV record. Only operators
/// import (the CLI, on the database).
pub fn import(
    actor: &Actor,
    project: &Project,
    id: CaseId,
    draft: Draft,
    osv: String,
    cve_id: Option<String>,
    published: Timestamp,
) -> Result<Vec<Recorded<Event>>, Rejection> {
    if !matches!(actor, Actor::Operator) {
        return Err(Rejection::Forbidden {
            action: "import advisories",
            needs: "an operator (embargo import)",
        });
    }
    let report = draft
        .check(project, Channel::Import)
        .map_err(Rejection::Invalid)?;
    let mut events = vec![Event::Submitted {
        case: id,
        project: project.slug.clone(),
        report,
        project_version: Some(project.version),
    }];
    events.push(Event::Acknowledged);
    events.push(Event::FinalDecisionSet {
        decision: FinalDecision::Confirmed { explanation: None },
    });
    events.push(Event::AdvisoryImported { osv });
    if let Some(cve) = cve_id {
        events.push(Event::CveAssigned {
            id: advisory::cve_id("cve_id", &cve).map_err(one)?,
        });
    }
    events.push(Event::Disclosed);
    Ok(events
        .into_iter()
        .map(|event| Recorded {
            at: published,
            actor: ActorRef::Operator,
            event,
        })
        .collect())
}

pub(super) fn add_attachment(d: &Decider, attachment: &Attachment) -> Result<Event, Rejection> {
    // A reporter's files are theirs to see; only the team may keep one internal.
    let visibility = match d.standing {
        Standing::Reporter => Visibility::Shared,
        Standing::Team(_) => {
            d.need(Action::Collaborate)?;
            attachment.visibility
        }
    };
    d.refuse_when_closed()?;
    if d.case.attachments.len() >= MAX_ATTACHMENTS {
        return Err(Rejection::invalid(
            "file",
            Rule::TooLong,
            format!("a case may carry at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    check_attachment(attachment)?;
    Ok(Event::AttachmentAdded {
        attachment: Attachment {
            visibility,
            ..attachment.clone()
        },
    })
}

fn check_attachment(a: &Attachment) -> Result<(), Rejection> {
    let name = text::required_line("filename", &a.filename, 255).map_err(one)?;
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(Rejection::invalid(
            "filename",
            Rule::InvalidFormat,
            "`filename` must be a plain file name without folders",
        ));
    }
    text::required_line("content_type", &a.content_type, 255).map_err(one)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::decide::fixtures::*;

    #[test]
    fn attachments_from_reporters_are_shared_and_names_are_plain() {
        let mut c = new_case();
        let att = |name: &str, visibility| Attachment {
            id: AttachmentId::from_entropy(5),
            filename: name.into(),
            content_type: "text/plain".into(),
            size: 3,
            sha256: "00".into(),
            visibility,
        };
        let ev = run(
            &mut c,
            &reporter(),
            Command::AddAttachment {
                attachment: att("poc.py", Visibility::Internal),
            },
        );
        assert_eq!(ev[0].event.visibility(), Visibility::Shared);
        let e = refused(
            &c,
            &sam(),
            Command::AddAttachment {
                attachment: att("../../etc/passwd", Visibility::Internal),
            },
        );
        assert!(matches!(&e, Rejection::Invalid(v) if v[0].field == "filename"));
    }

    #[test]
    fn v10_an_imported_advisory_is_a_disclosed_case_that_keeps_its_record() {
        let draft = Draft {
            title: "Old advisory".into(),
            description: "Published in 2024.".into(),
            ..Draft::default()
        };
        let osv = r#"{"id":"GHSA-xxxx-yyyy-zzzz"}"#.to_owned();
        assert!(matches!(
            import(
                &sam(),
                &project(),
                case_id(),
                draft.clone(),
                osv.clone(),
                None,
                at(5)
            ),
            Err(Rejection::Forbidden { .. })
        ));
        let events = import(
            &Actor::Operator,
            &project(),
            case_id(),
            draft,
            osv.clone(),
            Some("cve-2024-1234".into()),
            at(5),
        )
        .unwrap();
        let case = Case::replay(&events).unwrap();
        assert_eq!(case.stage, Stage::Disclosed);
        assert_eq!(case.disclosure.disclosed_at, Some(at(5)));
        assert_eq!(case.advisory.imported_osv.as_deref(), Some(osv.as_str()));
        assert_eq!(
            case.advisory.cve.as_ref().and_then(|c| c.id()),
            Some("CVE-2024-1234")
        );
        assert_eq!(case.report.channel, Channel::Import);
        assert!(events.iter().all(|e| e.actor == ActorRef::Operator));

        // History, not news: no mail to anyone, and no clock left to remind of, even
        // a year on (its clocks ran before Embargo; the post-mortem's too).
        let mut effects = Vec::new();
        let mut folded = Case::replay(&events[..1]).unwrap();
        effects.extend(crate::effect::case_effects(&folded, &events[0]));
        for e in &events[1..] {
            folded.apply(e);
            effects.extend(crate::effect::case_effects(&folded, e));
        }
        assert!(
            !effects
                .iter()
                .any(|p| matches!(p.effect, crate::effect::Effect::Email(_))),
            "{effects:?}"
        );
        let project = project();
        let policy = project.policy();
        let year_on = at(5 + 366 * 24 * 3600);
        assert_eq!(crate::effect::clock_timer(&case, &policy, year_on), None);
        assert!(
            case.clocks(&policy, year_on).iter().all(|c| !matches!(
                c.state,
                crate::clocks::ClockState::Running | crate::clocks::ClockState::Overdue
            )),
            "{:?}",
            case.clocks(&policy, year_on)
        );
    }
}
