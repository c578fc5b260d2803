//! The coordinator's clock forms on a case page (V2, C16, V7): move a clock with a
//! reason, slow a low-severity case down naming the note that records the decision,
//! follow another project's disclosure date. Each posts to the case's own address
//! (`/cases/{id}?do=clock-{action}`, or `/cases/{id}/clocks/{action}`); a refusal comes
//! back as the case page with the error beside its field and what was typed kept.

use super::cases::render;
use super::page::{Problem, WebError, csrf, problem, see_other};
use super::session::{FormResult, Visitor};
use crate::app::input::{self, SlowDownFields};
use crate::app::{App, AppError, CaseView};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use embargo_core::access::{self, Action, Standing};
use embargo_core::clocks::ClockState;
use embargo_core::command::Command;
use maud::{Markup, html};
use std::collections::HashMap;

fn error(problem: Option<&Problem>, names: &[&str]) -> Markup {
    let m = names.iter().find_map(|n| problem.and_then(|p| p.on(n)));
    html! { @if let Some(m) = m { span.field-error { (m) } } }
}

/// The forms, for the case's coordinator only.
pub(super) fn forms(
    visitor: &Visitor,
    view: &CaseView,
    now: embargo_core::Timestamp,
    typed: &HashMap<String, String>,
    problem: Option<&Problem>,
) -> Markup {
    let Standing::Team(_) = view.standing() else {
        return html! {};
    };
    if !access::permits(view.standing(), Action::Coordinate) || !view.case().stage.is_open() {
        return html! {};
    }
    let case = view.case();
    let policy = view.project().policy();
    let running: Vec<_> = case
        .clocks(&policy, now)
        .into_iter()
        .filter(|c| {
            matches!(
                c.state,
                ClockState::Running | ClockState::Overdue | ClockState::Paused
            )
        })
        .collect();
    let v = |name: &str| typed.get(name).cloned().unwrap_or_default();
    let action = |a: &str| super::cases::action_url(&case.id, &format!("clock-{a}"));
    let clock_select = |name: &str| {
        let chosen = v(name);
        html! {
            select name=(name) id=(format!("clock-{name}")) {
                @for c in &running {
                    option value=(c.name.as_str()) selected[chosen == c.name.as_str()] {
                        (c.name.as_str()) " (due " (super::page::when(c.due)) ")"
                    }
                }
            }
        }
    };
    html! {
        @if !running.is_empty() {
            details.clock-forms open[problem.is_some()] {
                summary { "Move a clock (V2)" }
                form.action method="post" action=(action("move")) {
                    (csrf(visitor))
                    label { "Clock " (clock_select("clock")) }
                    (error(problem, &["clock", "name"]))
                    label { "New due time (UTC) "
                        input name="due_at" type="datetime-local" value=(v("due_at")); }
                    (error(problem, &["due_at"]))
                    label { "Reason (on the timeline) " input name="reason" value=(v("reason")); }
                    (error(problem, &["reason"]))
                    button type="submit" { "Move the clock" }
                }
            }
            details.clock-forms open[problem.is_some()] {
                summary { "Slow down a low-severity case (C16, V7)" }
                p.muted { small { "Record the discussion as an internal note first, then name it here as the decision." } }
                form.action method="post" action=(action("slow-down")) {
                    (csrf(visitor))
                    label { "Clock " (clock_select("clocks")) }
                    (error(problem, &["clocks"]))
                    label { "Runs (e.g. 60 days) " input name="duration" value=(v("duration")); }
                    (error(problem, &["duration"]))
                    label { "or due (UTC) " input name="until" type="datetime-local" value=(v("until")); }
                    (error(problem, &["until"]))
                    label { "Because "
                        select name="basis" {
                            option value="cvss" selected[v("basis") != "assessed-risk"] { "the final CVSS is under the threshold" }
                            option value="assessed-risk" selected[v("basis") == "assessed-risk"] { "the assessed risk is low" }
                        }
                    }
                    (error(problem, &["basis"]))
                    label { "Decision note "
                        select name="note_seq" {
                            option value="" { "choose a note" }
                            @for n in case.clock_log.notes.iter().rev() {
                                option value=(n) selected[v("note_seq") == n.to_string()] { "note #" (n) }
                            }
                        }
                    }
                    (error(problem, &["note_seq"]))
                    button type="submit" { "Slow down" }
                }
            }
            details.clock-forms open[problem.is_some()] {
                summary { "Follow another project's disclosure date (V2)" }
                form.action method="post" action=(action("upstream")) {
                    (csrf(visitor))
                    label { "Their date (UTC) " input name="date" type="datetime-local" value=(v("date")); }
                    (error(problem, &["date"]))
                    label { "Source " input name="source" value=(v("source")); }
                    (error(problem, &["source"]))
                    button type="submit" { "Follow this date" }
                }
            }
        }
    }
}

fn command(action: &str, f: &HashMap<String, String>) -> Result<Option<Command>, AppError> {
    let text = |n: &str| f.get(n).cloned().unwrap_or_default();
    let opt = |n: &str| f.get(n).cloned().filter(|s| !s.trim().is_empty());
    Ok(Some(match action {
        "move" => Command::MoveClock {
            clock: input::clock_name("clock", &text("clock"))?,
            due: input::moment("due_at", &text("due_at"))?,
            reason: text("reason"),
        },
        "slow-down" => input::slow_down(SlowDownFields {
            clocks: vec![text("clocks")],
            duration: opt("duration"),
            until: opt("until"),
            basis: opt("basis"),
            note_seq: opt("note_seq"),
        })?,
        "upstream" => Command::SetUpstreamDate {
            date: input::moment("date", &text("date"))?,
            source: text("source"),
        },
        _ => return Ok(None),
    }))
}

pub async fn act(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    form: FormResult,
) -> Result<Response, WebError> {
    visitor.account(&format!("/cases/{id}"))?;
    // Cases the visitor may not see are not found before the form is looked at.
    let view = app.case(&visitor.actor(), &id).await?;
    let f = visitor.form(form)?;
    let result = match command(&action, &f.0) {
        Ok(Some(c)) => app
            .execute(&visitor.actor(), &view.case().id, vec![c], vec![])
            .await
            .map(|_| ()),
        Ok(None) => return Err(AppError::not_found().into()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{id}?done=clocks#clocks"))),
        Err(e) => {
            let p = problem(&e);
            if p.status == axum::http::StatusCode::NOT_FOUND {
                return Err(e.into());
            }
            let view = app.case(&visitor.actor(), &id).await?;
            Ok(
                render(&app, &visitor, &view, &HashMap::new(), &f.0, Some(&p), None)
                    .await?
                    .into_response(),
            )
        }
    }
}
