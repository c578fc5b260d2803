//! Input both shells parse the same way: fields as the API's JSON and the pages'
//! forms carry them (plain strings), turned into the domain's inputs, with
//! rejections that name the field. The shells only fill these in.

use embargo_core::command::DecisionInput;
use embargo_core::event::RejectReason;
use embargo_core::ids::CaseId;
use embargo_core::rejection::{Rejection, Rule};

/// The final decision's fields, as typed.
pub struct DecisionFields {
    /// `confirmed` or `rejected`.
    pub outcome: String,
    pub reason: Option<String>,
    pub duplicate_of: Option<String>,
    pub explanation: Option<String>,
}

/// Turns the decision's fields into the domain's input.
pub fn decision(p: DecisionFields) -> Result<DecisionInput, Rejection> {
    let bad = |field: &str, msg: &str| Rejection::invalid(field, Rule::InvalidFormat, msg);
    match p.outcome.as_str() {
        "confirmed" => {
            if p.reason.is_some() || p.duplicate_of.is_some() {
                return Err(bad(
                    "reason",
                    "`reason` and `duplicate_of` are only for rejections",
                ));
            }
            Ok(DecisionInput::Confirm {
                explanation: p.explanation,
            })
        }
        "rejected" => {
            let reason = match p.reason.as_deref() {
                Some("not-a-vulnerability") => RejectReason::NotAVulnerability,
                Some("support-request") => RejectReason::SupportRequest,
                Some("out-of-scope") => RejectReason::OutOfScope,
                Some("duplicate") => {
                    let of = p.duplicate_of.as_deref().and_then(CaseId::parse).ok_or_else(|| {
                        Rejection::invalid("duplicate_of", Rule::Required, "`duplicate_of` must name the earlier case, e.g. EMB-7K3Q-9XHM-2RPA")
                    })?;
                    RejectReason::Duplicate { of }
                }
                Some(_) | None => {
                    return Err(Rejection::invalid(
                        "reason",
                        Rule::Required,
                        "`reason` must be not-a-vulnerability, support-request, duplicate or out-of-scope",
                    ));
                }
            };
            if p.duplicate_of.is_some() && !matches!(reason, RejectReason::Duplicate { .. }) {
                return Err(bad(
                    "duplicate_of",
                    "`duplicate_of` is only for the reason `duplicate`",
                ));
            }
            Ok(DecisionInput::Reject {
                reason,
                explanation: p.explanation,
            })
        }
        _ => Err(bad("outcome", "`outcome` must be confirmed or rejected")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(outcome: &str, reason: Option<&str>, duplicate_of: Option<&str>) -> DecisionFields {
        DecisionFields {
            outcome: outcome.into(),
            reason: reason.map(Into::into),
            duplicate_of: duplicate_of.map(Into::into),
            explanation: None,
        }
    }

    /// The field a rejection names first.
    fn field(r: Rejection) -> String {
        match r {
            Rejection::Invalid(list) => list[0].field.clone(),
            other => panic!("not an input rejection: {other}"),
        }
    }

    #[test]
    fn c11_a_confirmed_decision_takes_no_reason() {
        assert!(matches!(
            decision(fields("confirmed", None, None)),
            Ok(DecisionInput::Confirm { .. })
        ));
        let err = decision(fields("confirmed", Some("out-of-scope"), None)).unwrap_err();
        assert_eq!(field(err), "reason");
    }

    #[test]
    fn c2_a_duplicate_names_a_parseable_earlier_case() {
        let err = decision(fields("rejected", Some("duplicate"), Some("nope"))).unwrap_err();
        assert_eq!(field(err), "duplicate_of");
        let err = decision(fields(
            "rejected",
            Some("out-of-scope"),
            Some("EMB-7K3Q-9XHM-2RPA"),
        ))
        .unwrap_err();
        assert_eq!(field(err), "duplicate_of");
    }

    #[test]
    fn unknown_outcomes_and_reasons_name_their_field() {
        assert_eq!(
            field(decision(fields("maybe", None, None)).unwrap_err()),
            "outcome"
        );
        assert_eq!(
            field(decision(fields("rejected", Some("boring"), None)).unwrap_err()),
            "reason"
        );
        assert!(matches!(
            decision(fields("rejected", Some("support-request"), None)),
            Ok(DecisionInput::Reject {
                reason: RejectReason::SupportRequest,
                ..
            })
        ));
    }
}
