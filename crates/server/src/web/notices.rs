//! A case's notices on its page (V3, V4, V9, V10, V11): each notice its track sends,
//! drafted from the case, for the coordinator to review, save and send (now or at a
//! time), what each channel answered, and the pre-notification list where the policy
//! allows one.

use super::page::{Fields, Problem, csrf};
use super::session::Visitor;
use crate::app::{App, AppError, CaseView};
use embargo_core::access::Standing;
use embargo_core::command::Command;
use embargo_core::track::TrackKind;
use maud::{Markup, html};

pub fn team_section(
    app: &App,
    visitor: &Visitor,
    access: &CaseView,
    problem: Option<&Problem>,
    typed: Option<&Fields>,
) -> Markup {
    let case = access.case();
    let Standing::Team(team) = access.standing() else {
        return html! {};
    };
    if !case.stage.is_open() && case.notices.delivered.is_empty() {
        return html! {};
    }
    let policy = access.project().policy();
    let track = case.fixes.track.unwrap_or(TrackKind::Full);
    let notices = policy.notices.for_track(track);
    let id = &case.id;
    let act = |a: &str| super::cases::action_url(id, a);
    let error = |field: &str| problem.and_then(|p| p.on(field));
    html! {
        h2 #notices { "Notices" }
        p.hint { "Drafted from the case with the project's templates; the coordinator reviews and sends them. The forthcoming fix needs a fix or mitigation and an agreed release date and tells nothing of the flaw; the others go out at disclosure." }
        @for n in notices {
            @let draft = app.render_notice(case, access.project(), *n);
            @let typed_text = typed.filter(|f| f.text("notice") == n.as_str()).map(|f| f.text("markdown"));
            h3 { (n.as_str()) }
            @match &draft {
                Ok(d) => {
                    @if team.coordinator {
                        form.narrow method="post" action=(act("notice-draft")) {
                            (csrf(visitor))
                            input type="hidden" name="notice" value=(n.as_str());
                            label for=(format!("notice-{}", n.as_str())) { "Text (Markdown, title first)" @if d.reviewed { " — reviewed" } }
                            textarea id=(format!("notice-{}", n.as_str())) name="markdown" rows="12" {
                                (typed_text.clone().unwrap_or_else(|| d.markdown.clone()))
                            }
                            @if typed_text.is_some() { @if let Some(m) = error("markdown") { span.field-error { (m) } } }
                            button type="submit" { "Save the reviewed text" }
                        }
                        form.inline-form method="post" action=(act("notice-send")) {
                            (csrf(visitor))
                            input type="hidden" name="notice" value=(n.as_str());
                            @let typed_at = typed.filter(|f| f.text("notice") == n.as_str() && f.0.contains_key("at"));
                            label { "At (empty: now) " input name="at" placeholder="2026-06-10 14:00 UTC" value=(typed_at.map(|f| f.text("at")).unwrap_or_default()); }
                            button type="submit" { "Send" }
                            @if typed_at.is_some() { @if let Some(m) = error("at") { " " span.field-error { (m) } } }
                        }
                    } @else {
                        pre { (d.markdown) }
                    }
                }
                Err(e) => { p.hint { (e.to_string()) } }
            }
        }
        @if !case.notices.delivered.is_empty() {
            h3 { "Delivered" }
            ul {
                @for d in &case.notices.delivered {
                    li { (d.notice.as_str()) " → " code { (d.to) } ": " (d.answer) }
                }
            }
        }
        @if policy.pre_notification {
            h3 { "Pre-notification (V11)" }
            ul {
                @for r in &case.notices.recipients {
                    li {
                        (r.address) @if let Some(n) = &r.name { " (" (n) ")" }
                        " — added by " (who(&r.added_by)) " at " (embargo_core::release::utc_minute(r.at))
                        @if team.coordinator {
                            form.inline method="post" action=(act("prenotify-remove")) {
                                (csrf(visitor))
                                input type="hidden" name="address" value=(r.address);
                                button type="submit" { "Remove" }
                            }
                        }
                    }
                }
            }
            @if team.coordinator {
                form.inline-form method="post" action=(act("prenotify-add")) {
                    (csrf(visitor))
                    label { "Address " input name="address" type="email" required value=(typed.map(|f| f.text("address")).unwrap_or_default()); }
                    label { "Name " input name="name" value=(typed.map(|f| f.text("name")).unwrap_or_default()); }
                    button type="submit" { "Add" }
                    @if let Some(m) = error("address") { span.field-error { (m) } }
                }
            }
        }
    }
}

pub fn command(action: &str, f: &Fields) -> Option<Result<Command, AppError>> {
    let notice = || crate::app::parse_notice("notice", &f.text("notice"));
    Some(match action {
        "notice-draft" => notice().map(|notice| Command::DraftNotice {
            notice,
            markdown: f.text("markdown"),
        }),
        "notice-send" => notice().and_then(|notice| {
            let at = match f.opt("at") {
                Some(a) => Some(crate::app::input::moment("at", &a)?),
                None => None,
            };
            Ok(Command::SendNotice { notice, at })
        }),
        "prenotify-add" => Ok(Command::AddPreNotified {
            address: f.text("address"),
            name: f.opt("name"),
        }),
        "prenotify-remove" => Ok(Command::RemovePreNotified {
            address: f.text("address"),
        }),
        _ => return None,
    })
}

fn who(a: &embargo_core::actor::ActorRef) -> String {
    use embargo_core::actor::ActorRef;
    match a {
        ActorRef::User(u) => u.name.clone(),
        ActorRef::Reporter => "the reporter".into(),
        ActorRef::Operator => "an operator".into(),
        ActorRef::System => "Embargo".into(),
    }
}
