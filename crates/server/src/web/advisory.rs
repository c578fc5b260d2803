//! The case page's advisory section (policy steps C14, C17, C18): the details as
//! plain-text forms (one reference, credit or range per line, so it works without
//! JavaScript), the CVE ID, and disclosure. Lines are read here; `core` checks values.

use super::page::{Fields, sanitized};
use embargo_core::advisory::{
    AdvisoryDetails, AffectedRange, Credit, CreditKind, CveState, Reference, ReferenceKind,
};
use embargo_core::case::Case;
use embargo_core::rejection::{Invalid, Rejection, Rule};
use maud::{Markup, html};

/// `fix https://…` per line.
fn references_text(a: &AdvisoryDetails) -> String {
    a.references
        .iter()
        .map(|r| format!("{} {}", r.kind.as_str(), r.url))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `finder: Rae Porter <rae@example.net>` per line.
fn credits_text(a: &AdvisoryDetails) -> String {
    a.credits
        .iter()
        .map(|c| match &c.contact {
            Some(contact) => format!("{}: {} <{contact}>", c.kind.as_str(), c.name),
            None => format!("{}: {}", c.kind.as_str(), c.name),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The credits for the form: the advisory's, and, before the team wrote any, the
/// credit the reporter asked for on the report form (it fills the draft).
fn credits_form_text(case: &Case) -> String {
    let a = &case.advisory.details;
    match (&a.credits[..], case.draft_reporter_credit()) {
        ([], Some(requested)) => format!("{}: {}", requested.kind.as_str(), requested.name),
        _ => credits_text(a),
    }
}

/// `go 0 1.16.2` (introduced, fixed) or `go 1.2.0 <=1.4.9` (last affected) per line.
fn affected_text(a: &AdvisoryDetails) -> String {
    a.affected
        .iter()
        .map(|r| match (&r.fixed, &r.last_affected) {
            (Some(f), _) => format!("{} {} {f}", r.component, r.introduced),
            (None, Some(l)) => format!("{} {} <={l}", r.component, r.introduced),
            (None, None) => format!("{} {}", r.component, r.introduced),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
}

/// Reads the form; every malformed line is named (`references, line 2`).
pub fn read(f: &Fields) -> Result<AdvisoryDetails, Rejection> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, n: usize, msg: &str| {
        problems.push(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{field}`, line {}: {msg}", n + 1),
        ));
    };
    let mut references = Vec::new();
    for (n, l) in lines(&f.text("references")) {
        match l.split_once(char::is_whitespace) {
            Some((kind, url)) if ReferenceKind::parse(kind).is_some() => {
                references.push(Reference {
                    url: url.trim().to_owned(),
                    kind: ReferenceKind::parse(kind).expect("checked"),
                })
            }
            _ => bad(
                "references",
                n,
                "write `KIND URL`, KIND one of advisory, article, detection, discussion, report, fix, introduced, package, evidence, web",
            ),
        }
    }
    let mut credits = Vec::new();
    for (n, l) in lines(&f.text("credits")) {
        let Some((kind, rest)) = l.split_once(':') else {
            bad("credits", n, "write `KIND: NAME <CONTACT>`");
            continue;
        };
        let Some(kind) = CreditKind::parse(kind.trim()) else {
            bad(
                "credits",
                n,
                "KIND is one of finder, reporter, analyst, coordinator, remediation-developer, remediation-reviewer, remediation-verifier, tool, sponsor, other",
            );
            continue;
        };
        let (name, contact) = match rest
            .trim()
            .strip_suffix('>')
            .and_then(|r| r.rsplit_once('<'))
        {
            Some((name, contact)) => (name.trim().to_owned(), Some(contact.trim().to_owned())),
            None => (rest.trim().to_owned(), None),
        };
        credits.push(Credit {
            name,
            contact,
            kind,
        });
    }
    let mut affected = Vec::new();
    for (n, l) in lines(&f.text("affected")) {
        let parts: Vec<&str> = l.split_whitespace().collect();
        let (fixed, last_affected) = match parts.get(2) {
            None => (None, None),
            Some(p) => match p.strip_prefix("<=") {
                Some(last) => (None, Some(last.to_owned())),
                None => (Some((*p).to_owned()), None),
            },
        };
        if !(2..=3).contains(&parts.len()) {
            bad(
                "affected",
                n,
                "write `COMPONENT INTRODUCED [FIXED | <=LAST_AFFECTED]`, e.g. `go 0 1.16.2`",
            );
            continue;
        }
        affected.push(AffectedRange {
            component: parts[0].to_owned(),
            introduced: parts[1].to_owned(),
            fixed,
            last_affected,
        });
    }
    if !problems.is_empty() {
        return Err(Rejection::Invalid(problems));
    }
    Ok(AdvisoryDetails {
        summary: f.opt("summary"),
        details: f.opt("details"),
        cwes: f
            .text("cwes")
            .lines()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        references,
        credits,
        affected,
        mitigation: f.opt("mitigation"),
    })
}

/// What the advisory will say, for the team.
pub fn summary(case: &Case) -> Markup {
    let a = &case.advisory.details;
    html! {
        dl.facts {
            dt { "Title" }
            dd {
                @match a.summary.as_deref() {
                    Some(s) => { (s) }
                    // The report's title is never published: the team writes the summary.
                    None => { em { "no summary yet: write one before disclosure" } }
                }
            }
            dt { "CVE" }
            dd {
                @match &case.advisory.cve {
                    None => "none yet",
                    Some(CveState::Failed { message }) => { "request failed: " (message) },
                    Some(CveState::Rejected { message }) => { "CVE Services refused: " (message) },
                    Some(s) => { @if let Some(id) = s.id() { code { (id) } " " } "(" (s.as_str()) ")" },
                }
            }
            @if !a.cwes.is_empty() { dt { "Weakness" } dd { (a.cwes.join(", ")) } }
            @if !a.affected.is_empty() { dt { "Affected" } dd { pre { (affected_text(a)) } } }
            @if !a.credits.is_empty() { dt { "Credits" } dd { pre { (credits_text(a)) } } }
            @let published = case.published_credits();
            @if published != a.credits {
                dt { "Published credits" }
                dd {
                    (published.iter().map(|c| format!("{}: {}", c.kind.as_str(), c.name)).collect::<Vec<_>>().join("; "))
                    br; small { "The reporter's line as they asked on the report form or on their tracking page ("
                        (case.advisory.reporter_credit.as_ref().map_or("not answered yet", |c| c.as_str())) ")." }
                }
            }
            @if !a.references.is_empty() { dt { "References" } dd { pre { (references_text(a)) } } }
        }
        @if let Some(d) = &a.details { section.description { (sanitized(crate::markdown::render(d))) } }
        @if let Some(m) = &a.mitigation { p { strong { "Mitigation: " } } (sanitized(crate::markdown::render(m))) }
    }
}

/// The coordinator's form: what was typed when it was refused, else what is recorded;
/// each refused line's message beside its field.
pub fn form(case: &Case, typed: Option<&super::fixes::Typed<'_>>) -> Markup {
    use super::fixes::Typed;
    let a = &case.advisory.details;
    let v = |name: &str, stored: String| Typed::value(typed, "advisory", name).unwrap_or(stored);
    let err = |name: &str| Typed::error(typed, "advisory", name);
    html! {
        fieldset {
            legend { "Advisory details (internal until disclosure)" }
            label for="adv-summary" { "Title" }
            input #adv-summary name="summary" value=(v("summary", a.summary.clone().unwrap_or_default())) placeholder=(case.report.title);
            (err("summary"))
            label for="adv-details" { "Published description (Markdown)" }
            textarea #adv-details name="details" rows="5" { (v("details", a.details.clone().unwrap_or_default())) }
            (err("details"))
            label for="adv-cwes" { "Weaknesses, one per line: CWE-ID: NAME (the name is shown in CVE and CSAF documents)" }
            textarea #adv-cwes name="cwes" rows="2" placeholder="CWE-400: Uncontrolled Resource Consumption" { (v("cwes", a.cwes.join("\n"))) }
            (err("cwes"))
            label for="adv-affected" { "Affected ranges, one per line: COMPONENT INTRODUCED [FIXED | <=LAST_AFFECTED]" }
            textarea #adv-affected name="affected" rows="3" placeholder="go 0 1.16.2" { (v("affected", affected_text(a))) }
            (err("affected"))
            label for="adv-credits" { "Credits, one per line: KIND: NAME <CONTACT>" }
            textarea #adv-credits name="credits" rows="3" aria-describedby="adv-credits-hint" placeholder="finder: Rae Porter <rae@example.net>" { (v("credits", credits_form_text(case))) }
            p.hint #adv-credits-hint { "A contact is for the team only: no page, feed or document (CVE, OSV, CSAF) ever publishes it. Only the name and the kind are public." }
            (err("credits"))
            label for="adv-references" { "References, one per line: KIND URL" }
            textarea #adv-references name="references" rows="3" placeholder="fix https://github.com/…/pull/1" { (v("references", references_text(a))) }
            (err("references"))
            label for="adv-mitigation" { "Mitigation (Markdown)" }
            textarea #adv-mitigation name="mitigation" rows="3" { (v("mitigation", a.mitigation.clone().unwrap_or_default())) }
            (err("mitigation"))
            button type="submit" { "Save the advisory" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        )
    }

    #[test]
    fn lines_round_trip_through_the_form() {
        let f = fields(&[
            (
                "references",
                "fix https://example.org/pr/1\n\nweb https://example.org",
            ),
            (
                "credits",
                "finder: Rae Porter <rae@example.net>\nanalyst: Sam",
            ),
            ("affected", "go 0 1.16.2\nswift 1.0.0 <=1.4.9"),
            ("cwes", "CWE-400\ncwe-20: Improper Input Validation"),
        ]);
        let a = read(&f).unwrap();
        assert_eq!(a.references.len(), 2);
        assert_eq!(a.credits[0].contact.as_deref(), Some("rae@example.net"));
        assert_eq!(a.affected[1].last_affected.as_deref(), Some("1.4.9"));
        assert_eq!(a.cwes, ["CWE-400", "cwe-20: Improper Input Validation"]);
        let again = read(&fields(&[
            ("references", &references_text(&a)),
            ("credits", &credits_text(&a)),
            ("affected", &affected_text(&a)),
            ("cwes", &a.cwes.join("\n")),
        ]))
        .unwrap();
        assert_eq!(again, a);
    }

    #[test]
    fn a_bad_line_is_named() {
        let Err(Rejection::Invalid(list)) = read(&fields(&[
            ("references", "fix https://ok\nblog https://x"),
            ("affected", "go"),
        ])) else {
            panic!("invalid")
        };
        assert_eq!(list[0].field, "references");
        assert!(list[0].message.contains("line 2"), "{}", list[0].message);
        assert_eq!(list[1].field, "affected");
    }
}
