//! The reporter's tracking page, opened by the capability link: the case's stage,
//! what the reporter may see of the conversation, a reply form (with files) and, when
//! the team asked something, the answer form. Nothing else of the case.

use super::page::{Fields, Page, Problem, WebError, csrf, problem, see_other, stage};
use super::session::{FormResult, MultipartResult, Visitor};
use super::view::{self, Links};
use crate::app::{App, AppError, CaseView};
use crate::download::download;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use embargo_core::actor::Actor;
use embargo_core::command::Command;
use embargo_core::ids::QuestionId;
use maud::html;

fn stage_words(access: &CaseView) -> &'static str {
    use embargo_core::case::Stage;
    match access.case().stage {
        Stage::Received => "Received: the security team has not looked at it yet.",
        Stage::Triage => "In triage: the security team is assessing your report.",
        Stage::NeedsInfo => "Waiting for you: the team asked a question below.",
        Stage::Confirmed => "Confirmed as a vulnerability.",
        Stage::Fixing => "A fix is being prepared.",
        Stage::ReleasePlanned => "A release with the fix is planned.",
        Stage::Disclosed => "The fix is released and the vulnerability disclosed.",
        Stage::Closed => "Closed.",
        Stage::Rejected => "Closed without a fix; the team's reason is below.",
    }
}

async fn render(
    app: &App,
    visitor: &Visitor,
    token: &str,
    access: &CaseView,
    problem: Option<&Problem>,
    typed: Option<&Fields>,
) -> Result<Page, WebError> {
    let events = app.timeline(access).await?;
    let case = access.case();
    let links = Links {
        attachment_base: format!("/track/{token}/attachments"),
        // Notes are the team's; the reporter never sees one.
        decision_notes: Default::default(),
    };
    let shared: Vec<_> = case
        .attachments
        .iter()
        .filter(|a| embargo_core::access::sees_attachment(access.standing(), a))
        .collect();
    let body = html! {
        p.crumbs { "Your report to " (access.project().name) " · " code { (case.id) } }
        h1 { (case.report.title) }
        p.stage-line { (stage(case.stage)) " " (stage_words(access)) }
        @if let Some(t) = case.fixes.track {
            p.track { "Process: " strong { (t.as_str()) } " — " (t.words()) "." }
        }
        @if let Some(d) = &case.triage.decision { section.decision { (view::decision(d)) } }
        @if case.stage.is_public() {
            // After disclosure the reporter finds what was published from here.
            section.published #published {
                h2 { "Published" }
                ul {
                    li { a href=(format!("/advisories/{}", case.id)) { "The advisory" } }
                    @if let Some(id) = case.advisory.cve.as_ref().and_then(|c| c.id()) {
                        li { a href=(format!("https://www.cve.org/CVERecord?id={id}")) rel="noopener noreferrer" { (id) } " at cve.org" }
                    }
                    @if case.release.post_mortem.is_some() {
                        li { a href=(format!("/advisories/{}/post-mortem", case.id)) { "The post-mortem" } }
                    }
                }
            }
        }
        @if let Some(score) = &case.scoring.score { section.scoring { h2 { "Severity" } (view::final_score(score)) } }
        @if let Some(p) = problem { (p.banner()) }
        @if let Some(q) = &case.triage.open_question {
            section.question {
                h2 { "The team asks" }
                (super::page::sanitized(crate::markdown::render(&q.body)))
                form method="post" action=(format!("/track/{token}/answer")) {
                    (csrf(visitor))
                    input type="hidden" name="question" value=(q.id.0);
                    label for="answer" { "Your answer" }
                    textarea #answer name="body" rows="6" required {}
                    button type="submit" { "Send the answer" }
                }
            }
        }
        (super::release::reporter_section(visitor, token, access, problem, typed))
        (credit_section(visitor, token, access, problem, typed))
        // The clocks that concern the reporter (acknowledge and disclosure target in
        // the connect preset): the policy says which.
        section.clocks { (super::cases::clocks(access, app.now())) }
        (view::report(case))
        (view::attachments(&shared, &links))
        h2 { "Conversation" }
        (view::timeline(&events, access.standing(), &links))
        section.reply {
            h2 { "Write to the team" }
            form method="post" enctype="multipart/form-data" action=(format!("/track/{token}/reply")) {
                (csrf(visitor))
                label for="reply" { "Message (Markdown)" }
                textarea #reply name="body" rows="6" {}
                label for="file" { "Files" }
                input #file name="file" type="file" multiple
                    data-max-bytes=(app.settings().limits.attachment_bytes)
                    data-max-files=(app.settings().limits.attachments_per_upload);
                button type="submit" { "Send" }
            }
        }
        // A suggestion helps only while the team has not made its final call.
        @if case.stage.is_open() && !case.stage.is_public() && case.scoring.score.is_none() {
        section.suggest {
            h2 { "Suggest a severity (optional)" }
            form method="post" action=(format!("/track/{token}/cvss")) {
                (csrf(visitor))
                label for="suggest-vector" { "Your CVSS v3.1 or v4.0 vector" }
                input #suggest-vector name="vector" required placeholder="CVSS:3.1/AV:N/…";
                p.hint { "The " a href="/cvss" target="_blank" rel="noopener" { "calculator" } " builds one. The team sees it as your suggestion." }
                button type="submit" { "Suggest" }
            }
        }
        }
    };
    let page = Page::new(visitor, &case.report.title, body);
    Ok(match problem {
        Some(p) => page.refused(p),
        None => page,
    })
}

/// Before disclosure: the advisory as it stands (what will be published) and the line
/// that credits the reporter, which they accept, rename or decline ("credits the
/// credited accept").
fn credit_section(
    visitor: &Visitor,
    token: &str,
    access: &CaseView,
    problem: Option<&Problem>,
    typed: Option<&Fields>,
) -> maud::Markup {
    use embargo_core::case::Stage;
    use embargo_core::event::CreditChoice;
    let case = access.case();
    let before_disclosure = matches!(
        case.stage,
        Stage::Received
            | Stage::Triage
            | Stage::NeedsInfo
            | Stage::Confirmed
            | Stage::Fixing
            | Stage::ReleasePlanned
    );
    let Some(draft) = case.draft_reporter_credit().filter(|_| before_disclosure) else {
        return html! {};
    };
    let a = &case.advisory.details;
    let prepared = *a != Default::default();
    let credits = case.published_credits();
    let mine = credits
        .iter()
        .find(|c| c.kind == embargo_core::advisory::CreditKind::Reporter);
    let typed_choice = typed.and_then(|f| f.opt("choice")).unwrap_or_default();
    let typed_name = typed.and_then(|f| f.opt("name")).unwrap_or_default();
    let name_error = problem.and_then(|p| p.on("name"));
    html! {
        section.credit #credit {
            h2 { "Credit in the advisory" }
            @match (mine, &case.advisory.reporter_credit) {
                (Some(c), _) => p { "The advisory will credit you as " strong.credit-line { (c.name) } " (" (c.kind.as_str()) ")." }
                (None, _) => p { "The advisory will not credit you." }
            }
            @match &case.advisory.reporter_credit {
                None => p.hint { "The draft credits you as " strong { (draft.name) } ". Tell the team whether that is right; until you do, it is published as drafted." }
                Some(CreditChoice::Accepted) => p.hint { "You accepted this credit." }
                Some(CreditChoice::Renamed { .. }) => p.hint { "You gave the name to credit." }
                Some(CreditChoice::Declined) => p.hint { "You declined credit." }
            }
            form method="post" action=(format!("/track/{token}/credit")) {
                (csrf(visitor))
                fieldset {
                    legend { "Your credit" }
                    label.check { input type="radio" name="choice" value="accept" checked[typed_choice == "accept"]; " Credit me as drafted" }
                    label.check { input type="radio" name="choice" value="rename" checked[typed_choice == "rename"]; " Credit me under this name:" }
                    input #credit-name name="name" value=(typed_name) aria-describedby=[name_error.as_ref().map(|_| "credit-name-error")];
                    @if let Some(e) = name_error { span.field-error id="credit-name-error" { (e) } }
                    label.check { input type="radio" name="choice" value="decline" checked[typed_choice == "decline"]; " Do not credit me" }
                    button type="submit" { "Save my choice" }
                }
            }
            @if prepared {
                h3 { "The advisory as drafted" }
                div.advisory-preview {
                    p { strong { (case.public_title()) } }
                    @if let Some(d) = &a.details { (super::page::sanitized(crate::markdown::render(d))) }
                    @if !a.affected.is_empty() {
                        ul { @for r in &a.affected {
                            li { (r.component) ": from " (r.introduced)
                                @if let Some(f) = &r.fixed { ", fixed in " (f) } }
                        } }
                    }
                    @if !credits.is_empty() {
                        p { "Credits: " (credits.iter().map(|c| format!("{} ({})", c.name, c.kind.as_str())).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
    }
}

/// The reporter's answer to the draft credit line.
pub async fn choose_credit(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    let access = app.tracked_case(&visitor.ip, &token).await?;
    let f = visitor.form(form)?;
    match crate::app::input::credit_choice(&f.text("choice"), f.opt("name")) {
        Ok(choice) => {
            act(
                &app,
                &visitor,
                &token,
                vec![Command::ChooseCredit(choice)],
                vec![],
                Some(&f),
            )
            .await
        }
        Err(e) => {
            let p = problem(&AppError::from(e));
            Ok(render(&app, &visitor, &token, &access, Some(&p), Some(&f))
                .await?
                .into_response())
        }
    }
}

pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Page, WebError> {
    let access = app.tracked_case(&visitor.ip, &token).await?;
    render(&app, &visitor, &token, &access, None, None).await
}

/// Runs the reporter's commands; on a refusal, the page again with the reason.
async fn act(
    app: &App,
    visitor: &Visitor,
    token: &str,
    commands: Vec<Command>,
    uploads: Vec<crate::app::Upload>,
    typed: Option<&Fields>,
) -> Result<Response, WebError> {
    let access = app.tracked_case(&visitor.ip, token).await?;
    let actor = Actor::Reporter(access.case().id.clone());
    match app
        .execute(&actor, &access.case().id.clone(), commands, uploads)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/track/{token}#timeline"))),
        Err(e) => {
            let p = problem(&e);
            Ok(render(app, visitor, token, &access, Some(&p), typed)
                .await?
                .into_response())
        }
    }
}

pub async fn reply(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    multipart: MultipartResult,
) -> Result<Response, WebError> {
    // A token that opens nothing is not found before anything else is read.
    app.tracked_case(&visitor.ip, &token).await?;
    let form = visitor.multipart(&app.settings().limits, multipart).await?;
    let f = Fields(form.fields);
    let mut commands = Vec::new();
    if let Some(body) = f.opt("body") {
        commands.push(Command::Reply { body });
    } else if form.files.is_empty() {
        commands.push(Command::Reply {
            body: String::new(),
        });
    }
    act(&app, &visitor, &token, commands, form.files, None).await
}

pub async fn answer(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    app.tracked_case(&visitor.ip, &token).await?;
    let f = visitor.form(form)?;
    let question = f
        .opt("question")
        .and_then(|q| q.parse::<u32>().ok())
        .ok_or_else(|| {
            AppError::bad_request(
                "invalid_value",
                "`question` must be a question number",
                Some("question"),
            )
        })?;
    let commands = vec![Command::AnswerQuestion {
        question: QuestionId(question),
        body: f.text("body"),
    }];
    act(&app, &visitor, &token, commands, vec![], None).await
}

pub async fn download_attachment(
    State(app): State<App>,
    visitor: Visitor,
    Path((token, attachment)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let access = app.tracked_case(&visitor.ip, &token).await?;
    let (meta, bytes) = app.attachment(&access, &attachment).await?;
    Ok(download(&meta.filename, bytes))
}

pub async fn suggest_cvss(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    app.tracked_case(&visitor.ip, &token).await?;
    let vector = visitor.form(form)?.text("vector");
    act(
        &app,
        &visitor,
        &token,
        vec![Command::ProposeCvss { vector }],
        vec![],
        None,
    )
    .await
}

/// The reporter accepts the plan's release date (C6).
pub async fn accept_release_date(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    app.tracked_case(&visitor.ip, &token).await?;
    visitor.form(form)?;
    let commands = vec![Command::AcceptReleaseDate];
    act(&app, &visitor, &token, commands, vec![], None).await
}

/// The reporter proposes another release date, with a reason (C6).
pub async fn propose_release_date(
    State(app): State<App>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormResult,
) -> Result<Response, WebError> {
    app.tracked_case(&visitor.ip, &token).await?;
    let f = visitor.form(form)?;
    let commands = vec![Command::ProposeReleaseDate {
        at: f.text("at"),
        reason: f.text("reason"),
    }];
    act(&app, &visitor, &token, commands, vec![], Some(&f)).await
}
