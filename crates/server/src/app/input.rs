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
                Some("spam") => RejectReason::Spam,
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
                        "`reason` must be not-a-vulnerability, support-request, duplicate, out-of-scope or spam",
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

/// A clock's name (`acknowledge`, `disclosure-target`, …).
pub fn clock_name(field: &str, s: &str) -> Result<embargo_core::clocks::ClockName, Rejection> {
    use embargo_core::clocks::ClockName;
    ClockName::parse(s.trim()).ok_or_else(|| {
        let names: Vec<&str> = ClockName::ALL.iter().map(|c| c.as_str()).collect();
        Rejection::invalid(
            field,
            Rule::InvalidFormat,
            format!(
                "`{field}`: no clock `{s}`; expected one of {}",
                names.join(", ")
            ),
        )
    })
}

/// A moment: RFC 3339 (`2026-12-14T23:00:00Z`), or a form's `2026-12-14T23:00`
/// (read as UTC, which the forms say).
pub fn moment(field: &str, s: &str) -> Result<embargo_core::Timestamp, Rejection> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Rejection::invalid(
            field,
            Rule::Required,
            format!("`{field}` is required"),
        ));
    }
    s.parse::<embargo_core::Timestamp>()
        .or_else(|_| {
            s.parse::<jiff::civil::DateTime>()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
                .map(|z| z.timestamp())
        })
        .map_err(|_| {
            Rejection::invalid(
                field,
                Rule::InvalidFormat,
                format!("`{field}`: `{s}` is not a time like 2026-12-14T23:00:00Z"),
            )
        })
}

/// A slow-down's fields, as typed (C16, V7).
pub struct SlowDownFields {
    pub clocks: Vec<String>,
    /// A policy duration (`60 days`), or
    pub duration: Option<String>,
    /// a date the clocks are due instead.
    pub until: Option<String>,
    /// `cvss` (the default) or `assessed-risk`.
    pub basis: Option<String>,
    /// The place of the note that records the decision, in the case's timeline.
    pub note_seq: Option<String>,
}

pub fn slow_down(p: SlowDownFields) -> Result<embargo_core::command::Command, Rejection> {
    use embargo_core::clocks::{LowSeverityBasis, SlowChange};
    let clocks = p
        .clocks
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| clock_name("clocks", c))
        .collect::<Result<Vec<_>, _>>()?;
    if clocks.is_empty() {
        return Err(Rejection::invalid(
            "clocks",
            Rule::Required,
            "`clocks`: name at least one clock to slow down",
        ));
    }
    let blank = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let change = match (blank(&p.duration), blank(&p.until)) {
        (Some(d), None) => SlowChange::Duration(d.parse().map_err(
            |e: embargo_core::policy::DurationError| {
                Rejection::invalid("duration", Rule::InvalidFormat, format!("`duration`: {e}"))
            },
        )?),
        (None, Some(u)) => SlowChange::Until(moment("until", &u)?),
        (None, None) | (Some(_), Some(_)) => {
            return Err(Rejection::invalid(
                "duration",
                Rule::Required,
                "give either `duration` (e.g. \"60 days\") or `until`, not both",
            ));
        }
    };
    let basis = match blank(&p.basis).as_deref() {
        None | Some("cvss") => LowSeverityBasis::Cvss,
        Some("assessed-risk") => LowSeverityBasis::AssessedRisk,
        Some(other) => {
            return Err(Rejection::invalid(
                "basis",
                Rule::InvalidFormat,
                format!("`basis`: `{other}`; expected cvss or assessed-risk"),
            ));
        }
    };
    let note = match blank(&p.note_seq) {
        None => {
            return Err(Rejection::invalid(
                "note_seq",
                Rule::Required,
                "`note_seq`: name the internal note that records the discussion (C16)",
            ));
        }
        Some(n) => n.parse::<u64>().map_err(|_| {
            Rejection::invalid(
                "note_seq",
                Rule::InvalidFormat,
                format!("`note_seq`: `{n}` is not an event number"),
            )
        })?,
    };
    Ok(embargo_core::command::Command::SlowDown {
        clocks,
        change,
        basis,
        note,
    })
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

    #[test]
    fn v2_moments_are_rfc_3339_or_a_forms_utc_time() {
        assert_eq!(
            moment("due_at", "2026-12-14T23:00:00Z")
                .unwrap()
                .to_string(),
            "2026-12-14T23:00:00Z"
        );
        assert_eq!(
            moment("due_at", "2026-12-14T23:00").unwrap().to_string(),
            "2026-12-14T23:00:00Z"
        );
        let e = moment("due_at", "next week").unwrap_err();
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "due_at"),
            "{e:?}"
        );
        let e = moment("due_at", " ").unwrap_err();
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].rule == Rule::Required),
            "{e:?}"
        );
    }

    #[test]
    fn c16_a_slow_down_names_its_clocks_one_change_and_its_note() {
        let fields =
            |duration: Option<&str>, until: Option<&str>, note: Option<&str>| SlowDownFields {
                clocks: vec!["disclosure-target".into()],
                duration: duration.map(Into::into),
                until: until.map(Into::into),
                basis: None,
                note_seq: note.map(Into::into),
            };
        assert!(slow_down(fields(Some("60 days"), None, Some("7"))).is_ok());
        for (f, field) in [
            (fields(None, None, Some("7")), "duration"),
            (
                fields(Some("60 days"), Some("2027-01-01T00:00:00Z"), Some("7")),
                "duration",
            ),
            (fields(Some("60 workdays"), None, Some("7")), "duration"),
            (fields(Some("60 days"), None, None), "note_seq"),
            (fields(Some("60 days"), None, Some("seven")), "note_seq"),
        ] {
            let e = slow_down(f).unwrap_err();
            assert!(
                matches!(&e, Rejection::Invalid(v) if v[0].field == field),
                "{e:?}"
            );
        }
    }
}

/// A policy preset by name (`connect`, `vitess`), for the field `field`.
pub fn policy_preset(field: &str, name: &str) -> Result<embargo_core::policy::Policy, Rejection> {
    use embargo_core::policy::Policy;
    Policy::preset(name.trim()).ok_or_else(|| {
        Rejection::invalid(
            field,
            Rule::InvalidFormat,
            format!(
                "`{field}`: `{}` is not a preset; expected one of {}",
                name.trim(),
                Policy::PRESETS.join(", ")
            ),
        )
    })
}

/// Holidays from an iCalendar file (`.ics`) added to `policy`'s, for the field
/// `field`: how many dates were new. An `.ics` that does not parse, or has an event
/// that is not a whole day, is refused naming the event.
pub fn add_ics_holidays(
    field: &str,
    policy: &mut embargo_core::policy::Policy,
    ics: &[u8],
) -> Result<usize, Rejection> {
    let text = std::str::from_utf8(ics).map_err(|_| {
        Rejection::invalid(
            field,
            Rule::InvalidFormat,
            format!("`{field}`: not an iCalendar file: it is not UTF-8 text"),
        )
    })?;
    let dates = embargo_core::policy::holidays_from_ics(text)
        .map_err(|e| Rejection::invalid(field, Rule::InvalidFormat, format!("`{field}`: {e}")))?;
    let before = policy.holidays.len();
    policy.holidays.extend(dates);
    Ok(policy.holidays.len() - before)
}

/// The queue's filters as typed (`?stage=…&coordinator=…&overdue=…&track=…`).
#[derive(Clone, Debug, Default)]
pub struct QueueFields {
    /// Stages, comma-separated.
    pub stage: Option<String>,
    /// `me`, `none` or an account id.
    pub coordinator: Option<String>,
    /// `true` or `false`.
    pub overdue: Option<String>,
    /// Tracks, comma-separated: `full`, `main-only`, `unsupported-only`.
    pub track: Option<String>,
}

fn listed(s: Option<&str>) -> impl Iterator<Item = &str> {
    s.into_iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The queue's filters; `me` is `viewer`. A bad value is a 400 naming the parameter.
pub fn queue_filter(
    f: &QueueFields,
    viewer: Option<embargo_core::ids::UserId>,
) -> Result<super::QueueFilter, super::AppError> {
    use super::{AppError, CoordinatorFilter};
    use embargo_core::case::Stage;
    use embargo_core::track::TrackKind;
    let bad =
        |field: &'static str, msg: String| AppError::bad_request("invalid_value", msg, Some(field));
    let mut filter = super::QueueFilter::default();
    for s in listed(f.stage.as_deref()) {
        filter.stages.push(
            Stage::parse(s).ok_or_else(|| bad("stage", format!("`stage`: unknown stage `{s}`")))?,
        );
    }
    for s in listed(f.track.as_deref()) {
        filter.tracks.push(TrackKind::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            bad(
                "track",
                format!("`track`: unknown track `{s}`; expected full, main-only or unsupported-only"),
            )
        })?);
    }
    filter.coordinator = match f.coordinator.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("none") => Some(CoordinatorFilter::Nobody),
        Some("me") => Some(CoordinatorFilter::User(viewer.ok_or_else(|| {
            bad(
                "coordinator",
                "`coordinator`: `me` needs a signed-in account".into(),
            )
        })?)),
        Some(s) => Some(CoordinatorFilter::User(embargo_core::ids::UserId(
            s.parse().map_err(|_| {
                bad(
                    "coordinator",
                    format!("`coordinator`: `{s}` is not `me`, `none` or an account id"),
                )
            })?,
        ))),
    };
    filter.overdue = match f.overdue.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(s) => {
            return Err(bad(
                "overdue",
                format!("`overdue`: `{s}` is not `true` or `false`"),
            ));
        }
    };
    Ok(filter)
}

/// A reader's time zone (`tz`): an IANA name. Absent: `None`.
pub fn reader_zone(
    field: &'static str,
    tz: Option<&str>,
) -> Result<Option<embargo_core::policy::Zone>, super::AppError> {
    match tz.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) => embargo_core::policy::Zone::parse(name).map(Some).ok_or_else(|| {
            super::AppError::bad_request(
                "invalid_value",
                format!("`{field}`: `{name}` is not an IANA time zone; write e.g. Europe/Berlin or UTC"),
                Some(field),
            )
        }),
    }
}

/// The reporter's credit choice as typed (`accept`, `rename` with a name, `decline`).
pub fn credit_choice(
    choice: &str,
    name: Option<String>,
) -> Result<embargo_core::event::CreditChoice, Rejection> {
    use embargo_core::event::CreditChoice;
    let no_name = |c: CreditChoice| match name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => Err(Rejection::invalid(
            "name",
            Rule::NotAllowed,
            "`name` is only for the choice `rename`",
        )),
        _ => Ok(c),
    };
    match choice.trim() {
        "accept" => no_name(CreditChoice::Accepted),
        "decline" => no_name(CreditChoice::Declined),
        "rename" => Ok(CreditChoice::Renamed {
            name: name.unwrap_or_default(),
        }),
        _ => Err(Rejection::invalid(
            "choice",
            Rule::InvalidFormat,
            "`choice` must be accept, rename or decline",
        )),
    }
}

/// A case list's filters as typed, in the API and on the page alike:
/// `?stage=…&component=…&severity=…&coordinator=…&track=…&mine=…&q=…&sort=…`.
#[derive(Clone, Debug, Default)]
pub struct ListFields {
    /// Stages, comma-separated.
    pub stage: Option<String>,
    /// A component of the project.
    pub component: Option<String>,
    /// Severities, comma-separated: `none`, `low`, `medium`, `high`, `critical`.
    pub severity: Option<String>,
    /// `me`, `none` or an account id.
    pub coordinator: Option<String>,
    /// Tracks, comma-separated: `full`, `main-only`, `unsupported-only`.
    pub track: Option<String>,
    /// `true`: only cases the viewer coordinates or collaborates on.
    pub mine: Option<String>,
    /// Words to search for in the title, description and advisory summary.
    pub q: Option<String>,
    /// `received` (oldest first, the default) or `activity` (latest activity first).
    pub sort: Option<String>,
}

/// The longest search text taken.
pub const SEARCH_MAX: usize = 200;

/// A case list's filters for `project`; `me` and `mine` are `viewer`. A bad value is a
/// 422 naming the field and what it accepts, and changes nothing.
pub fn list_filter(
    f: &ListFields,
    project: &embargo_core::project::Project,
    viewer: Option<embargo_core::ids::UserId>,
) -> Result<super::CaseFilter, super::AppError> {
    use embargo_core::case::Stage;
    use embargo_core::rejection::{Rejection, Rule};
    let bad = |field: &'static str, rule: Rule, msg: String| -> super::AppError {
        Rejection::invalid(field, rule, msg).into()
    };
    let queue = queue_filter(
        &QueueFields {
            stage: None,
            coordinator: f.coordinator.clone(),
            overdue: None,
            track: f.track.clone(),
        },
        viewer,
    )
    .map_err(|e| match e {
        super::AppError::BadRequest { message, field, .. } => {
            let field = if field.as_deref() == Some("track") {
                "track"
            } else {
                "coordinator"
            };
            bad(field, Rule::InvalidFormat, message)
        }
        other => other,
    })?;
    let mut filter = super::CaseFilter {
        tracks: queue.tracks,
        coordinator: queue.coordinator.map(|c| match c {
            super::CoordinatorFilter::Nobody => super::CoordinatorIs::Nobody,
            super::CoordinatorFilter::User(u) => super::CoordinatorIs::User(u),
        }),
        ..Default::default()
    };
    for s in listed(f.stage.as_deref()) {
        filter.stages.push(Stage::parse(s).ok_or_else(|| {
            let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
            bad(
                "stage",
                Rule::InvalidFormat,
                format!(
                    "`stage`: unknown stage `{s}`; expected one of {}",
                    names.join(", ")
                ),
            )
        })?);
    }
    const SEVERITIES: [&str; 5] = ["none", "low", "medium", "high", "critical"];
    for s in listed(f.severity.as_deref()) {
        let s = s.to_ascii_lowercase();
        if !SEVERITIES.contains(&s.as_str()) {
            return Err(bad(
                "severity",
                Rule::InvalidFormat,
                format!(
                    "`severity`: unknown severity `{s}`; expected one of {}",
                    SEVERITIES.join(", ")
                ),
            ));
        }
        filter.severities.push(s);
    }
    if let Some(c) = f
        .component
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let Some(known) = project.component(c) else {
            let names: Vec<&str> = project.components.iter().map(|c| c.name.as_str()).collect();
            let message = if names.is_empty() {
                format!("`component`: project `{}` has no components", project.slug)
            } else {
                format!(
                    "`component`: `{c}` is not a component; expected one of {}",
                    names.join(", ")
                )
            };
            return Err(bad("component", Rule::UnknownComponent, message));
        };
        filter.component = Some(known.name.clone());
    }
    filter.involving = match f.mine.as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => None,
        Some("true") | Some("1") => Some(viewer.ok_or_else(|| {
            bad(
                "mine",
                Rule::NotAllowed,
                "`mine`: needs a signed-in account".into(),
            )
        })?),
        Some(s) => {
            return Err(bad(
                "mine",
                Rule::InvalidFormat,
                format!("`mine`: `{s}` is not `true` or `false`"),
            ));
        }
    };
    if let Some(q) = f.q.as_deref() {
        if q.chars().count() > SEARCH_MAX {
            return Err(bad(
                "q",
                Rule::TooLong,
                format!("`q`: at most {SEARCH_MAX} characters"),
            ));
        }
        filter.words = super::search_words(q);
    }
    filter.order = match f.sort.as_deref().map(str::trim) {
        None | Some("") | Some("received") => super::CaseOrder::Received,
        Some("activity") => super::CaseOrder::Activity,
        Some(s) => {
            return Err(bad(
                "sort",
                Rule::InvalidFormat,
                format!("`sort`: `{s}` is not `received` or `activity`"),
            ));
        }
    };
    Ok(filter)
}
