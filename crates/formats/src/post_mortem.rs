//! Post-mortem (C19): the blameless retrospective published within a week of the fix,
//! linked from the advisory and the release notes. From a plain input — a timeline of
//! public facts the server draws from the case's events, the root cause, what went well,
//! what can improve, prevention — as Markdown ([`render`]) and as the pieces of the
//! server's page ([`page`]). People appear by their role unless they agreed to be named.

use crate::text::{cell, utc_minute};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostMortem {
    /// What it is about: "CVE-2025-31337, unbounded message size in Connect servers".
    pub subject: String,
    /// The project's name, e.g. "Connect".
    pub project: String,
    pub advisory_url: Option<String>,
    pub release_notes_url: Option<String>,
    /// A short account of what happened (Markdown).
    pub summary: Option<String>,
    /// Public facts only: the server draws them from the case's events and never adds
    /// an embargoed or internal one.
    pub timeline: Vec<Moment>,
    /// How the vulnerability came about (Markdown).
    pub root_cause: String,
    pub went_well: Vec<String>,
    /// What went less well, as what the process can improve.
    pub to_improve: Vec<String>,
    /// Steps that prevent similar vulnerabilities.
    pub prevention: Vec<String>,
    /// Everyone the timeline refers to.
    pub people: Vec<Person>,
}

/// One public fact with its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub at: Timestamp,
    pub step: Step,
    /// Who did it: an index into [`PostMortem::people`].
    pub by: Option<usize>,
}

/// The steps of a case the public may know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Received,
    Acknowledged,
    Confirmed,
    FixMerged {
        branch: String,
    },
    Released {
        version: String,
    },
    Disclosed,
    /// Another public fact, as the coordinator words it ("CVE-2025-31337 assigned").
    Other(String),
}

/// Someone the post-mortem mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// "reporter", "response coordinator", "maintainer of connect-swift".
    pub role: String,
    pub name: Option<String>,
    /// Whether they agreed to be named; without it only the role is shown.
    pub agreed_to_be_named: bool,
}

impl Person {
    /// "Ada Okafor (reporter)" when they agreed to be named, else "the reporter".
    pub fn shown_as(&self) -> String {
        match self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(name) if self.agreed_to_be_named => format!("{name} ({})", self.role.trim()),
            Some(_) | None => format!("the {}", self.role.trim()),
        }
    }
}

/// Something the post-mortem needs before it can be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {problem}")]
pub struct Gap {
    /// `subject`, `timeline`, `timeline[2].by`, `root_cause`, `prevention`.
    pub field: String,
    pub problem: String,
}

/// Every gap that keeps the post-mortem from being published.
pub fn check(pm: &PostMortem) -> Result<(), Vec<Gap>> {
    let mut gaps = Vec::new();
    let mut gap = |field: String, problem: &str| {
        gaps.push(Gap {
            field,
            problem: problem.to_owned(),
        });
    };
    if pm.subject.trim().is_empty() {
        gap("subject".into(), "is missing");
    }
    if pm.timeline.is_empty() {
        gap(
            "timeline".into(),
            "is empty: it needs at least the report and the disclosure",
        );
    }
    for (i, m) in pm.timeline.iter().enumerate() {
        if m.by.is_some_and(|p| p >= pm.people.len()) {
            gap(format!("timeline[{i}].by"), "names nobody in `people`");
        }
        if let Step::Other(text) = &m.step
            && text.trim().is_empty()
        {
            gap(format!("timeline[{i}].step"), "is an empty fact");
        }
    }
    if pm.root_cause.trim().is_empty() {
        gap("root_cause".into(), "is missing");
    }
    if pm.prevention.iter().all(|p| p.trim().is_empty()) {
        gap(
            "prevention".into(),
            "is empty: say what prevents similar vulnerabilities",
        );
    }
    if gaps.is_empty() { Ok(()) } else { Err(gaps) }
}

/// The blameless headings, in order. Nothing here asks who was at fault.
const SUMMARY: &str = "Summary";
const TIMELINE: &str = "Timeline";
const ROOT_CAUSE: &str = "Root cause";
const WENT_WELL: &str = "What went well";
const TO_IMPROVE: &str = "What we can improve";
const PREVENTION: &str = "Preventing similar vulnerabilities";
const THANKS: &str = "Thanks";

fn title(pm: &PostMortem) -> String {
    format!("Post-mortem: {}", pm.subject.trim())
}

fn intro(pm: &PostMortem) -> String {
    format!(
        "This post-mortem is blameless: it sets out what happened and what the {} project \
         will change, not who was at fault. People are named by their role unless they \
         agreed to be named.",
        pm.project.trim()
    )
}

/// One timeline line, in words.
fn what(pm: &PostMortem, m: &Moment) -> String {
    let by = m.by.and_then(|i| pm.people.get(i)).map(Person::shown_as);
    let by_clause = |verb_by: &str| {
        by.as_ref()
            .map(|b| format!(" {verb_by} {b}"))
            .unwrap_or_default()
    };
    match &m.step {
        Step::Received => format!("Report received{}.", by_clause("from")),
        Step::Acknowledged => format!("Report acknowledged{}.", by_clause("by")),
        Step::Confirmed => format!("Vulnerability confirmed{}.", by_clause("by")),
        Step::FixMerged { branch } => {
            format!("Fix merged on {}{}.", branch.trim(), by_clause("by"))
        }
        Step::Released { version } => format!("{} released{}.", version.trim(), by_clause("by")),
        Step::Disclosed => format!("Advisory published{}.", by_clause("by")),
        Step::Other(fact) => {
            let fact = fact.trim();
            match &by {
                Some(b) => format!("{} ({b}).", fact.trim_end_matches('.')),
                None if fact.ends_with(['.', '!', '?']) => fact.to_owned(),
                None => format!("{fact}."),
            }
        }
    }
}

/// The timeline, oldest first (stable for equal times), as (time, words).
fn timeline(pm: &PostMortem) -> Vec<(String, String)> {
    let mut moments: Vec<&Moment> = pm.timeline.iter().collect();
    moments.sort_by_key(|m| m.at);
    moments
        .into_iter()
        .map(|m| (utc_minute(m.at), what(pm, m)))
        .collect()
}

fn bullets(items: &[String]) -> Option<String> {
    let lines: Vec<String> = items
        .iter()
        .map(|i| i.trim())
        .filter(|i| !i.is_empty())
        .map(|i| format!("- {}", i.replace('\n', "\n  ")))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The sections after the timeline, as (heading, Markdown), the empty ones left out.
fn sections(pm: &PostMortem) -> Vec<(&'static str, String)> {
    let mut people: Vec<String> = Vec::new();
    for p in &pm.people {
        let shown = p.shown_as();
        if !people.contains(&shown) {
            people.push(shown);
        }
    }
    [
        (
            ROOT_CAUSE,
            Some(pm.root_cause.trim().to_owned()).filter(|s| !s.is_empty()),
        ),
        (WENT_WELL, bullets(&pm.went_well)),
        (TO_IMPROVE, bullets(&pm.to_improve)),
        (PREVENTION, bullets(&pm.prevention)),
        (THANKS, bullets(&people)),
    ]
    .into_iter()
    .filter_map(|(h, body)| body.map(|b| (h, b)))
    .collect()
}

fn links(pm: &PostMortem) -> Vec<(&'static str, &str)> {
    [
        ("Advisory", pm.advisory_url.as_deref()),
        ("Release notes", pm.release_notes_url.as_deref()),
    ]
    .into_iter()
    .filter_map(|(label, url)| Some((label, url.map(str::trim).filter(|u| !u.is_empty())?)))
    .collect()
}

/// The post-mortem in Markdown, as published at `/advisories/{id}/post-mortem`.
pub fn render(pm: &PostMortem) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n\n{}", title(pm), intro(pm));
    let links = links(pm);
    if !links.is_empty() {
        let list: Vec<String> = links.iter().map(|(l, u)| format!("{l}: <{u}>")).collect();
        let _ = writeln!(out, "\n{}", list.join(" · "));
    }
    if let Some(summary) = pm
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let _ = writeln!(out, "\n## {SUMMARY}\n\n{summary}");
    }
    let _ = writeln!(
        out,
        "\n## {TIMELINE}\n\n| When (UTC) | What happened |\n|---|---|"
    );
    for (when, what) in timeline(pm) {
        let _ = writeln!(
            out,
            "| {} | {} |",
            when.trim_end_matches(" UTC"),
            cell(&what)
        );
    }
    for (heading, body) in sections(pm) {
        let _ = writeln!(out, "\n## {heading}\n\n{body}");
    }
    out
}

/// Text already escaped for HTML: safe to put into a page as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Escapes `text` (`&`, `<`, `>`, `"`, `'`).
    pub fn escape(text: &str) -> Html {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        Html(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The post-mortem as the server's page shows it: escaped text where it is plain, and
/// Markdown that the server renders through its sanitizer where people wrote Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub title: Html,
    /// The blameless preamble.
    pub intro: Html,
    /// (label, URL): the advisory and the release notes. The URL is escaped for an
    /// attribute as well.
    pub links: Vec<(Html, Html)>,
    pub summary: Option<Markdown>,
    /// (`YYYY-MM-DD HH:MM UTC`, what happened), oldest first.
    pub timeline: Vec<(Html, Html)>,
    /// (blameless heading, body): root cause, what went well, what we can improve,
    /// prevention, thanks; empty ones left out.
    pub sections: Vec<(Html, Markdown)>,
}

/// Markdown a person wrote: render it through the server's sanitizer, never as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markdown(pub String);

/// The pieces of the post-mortem page.
pub fn page(pm: &PostMortem) -> Page {
    Page {
        title: Html::escape(&title(pm)),
        intro: Html::escape(&intro(pm)),
        links: links(pm)
            .into_iter()
            .map(|(l, u)| (Html::escape(l), Html::escape(u)))
            .collect(),
        summary: pm
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Markdown(s.to_owned())),
        timeline: timeline(pm)
            .into_iter()
            .map(|(when, what)| (Html::escape(&when), Html::escape(&what)))
            .collect(),
        sections: sections(pm)
            .into_iter()
            .map(|(h, body)| (Html::escape(h), Markdown(body)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_named_only_when_they_agreed() {
        let mut p = Person {
            role: "reporter".into(),
            name: Some("Ada Okafor".into()),
            agreed_to_be_named: false,
        };
        assert_eq!(p.shown_as(), "the reporter");
        p.agreed_to_be_named = true;
        assert_eq!(p.shown_as(), "Ada Okafor (reporter)");
        p.name = None;
        assert_eq!(p.shown_as(), "the reporter");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            Html::escape("<b>\"Tom\" & 'Jerry'</b>").as_str(),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
