//! The CVSS calculator (policy step C13): a select per metric with FIRST's
//! descriptions, or a pasted vector. Without JavaScript it is a GET form that the
//! server scores when the page is drawn again; with the static script, the vector,
//! score and severity update as metrics are chosen (through `/api/v1/cvss/score`).
//! It only computes; proposing or setting a vector is a separate POST form that the
//! calculator fills in.

use embargo_cvss::{Assessment, Group, MetricDef, Version, metrics};
use maud::{Markup, html};
use std::collections::HashMap;

/// What the visitor chose: the version, and the vector if one is complete.
pub struct Calculation {
    pub version: Version,
    pub result: Option<Result<Assessment, embargo_cvss::ParseError>>,
}

fn version_of(q: &HashMap<String, String>) -> Version {
    match q.get("calc").map(String::as_str) {
        Some("4.0") => Version::V4_0,
        _ => Version::V3_1,
    }
}

/// Reads the calculator's query: a pasted `vector`, or one value per metric (`m_AV`).
pub fn calculate(q: &HashMap<String, String>) -> Calculation {
    if let Some(pasted) = q.get("vector").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let result = embargo_cvss::assess(pasted);
        let version = match &result {
            Ok(a) if matches!(a.vector.version(), Version::V4_0) => Version::V4_0,
            _ => version_of(q),
        };
        return Calculation {
            version,
            result: Some(result),
        };
    }
    let version = version_of(q);
    let mut parts = Vec::new();
    let mut any = false;
    for m in metrics(version) {
        match q.get(&format!("m_{}", m.abbr)).map(String::as_str) {
            Some(v) if !v.is_empty() && v != "X" => {
                any = true;
                parts.push(format!("{}:{v}", m.abbr));
            }
            _ => {}
        }
    }
    let result = any
        .then(|| embargo_cvss::assess(&format!("CVSS:{}/{}", version.as_str(), parts.join("/"))));
    Calculation { version, result }
}

fn chosen<'a>(
    m: &MetricDef,
    q: &'a HashMap<String, String>,
    calc: &Calculation,
) -> Option<&'a str> {
    // A pasted vector sets the selects; otherwise they keep what was chosen.
    if let Some(Ok(a)) = &calc.result
        && q.contains_key("vector")
    {
        return a
            .vector
            .metrics()
            .find(|mv| mv.metric.abbr == m.abbr)
            .map(|mv| mv.value.abbr);
    }
    q.get(&format!("m_{}", m.abbr)).map(String::as_str)
}

/// The versions the calculator offers, each with the query name that carries a vector
/// made in it while the calculator shows the other one.
const VERSIONS: [(Version, &str); 2] = [(Version::V3_1, "keep_v3_1"), (Version::V4_0, "keep_v4_0")];

/// The vector of `version` the calculator holds: the one it just scored, or one it
/// carried across a switch of version. Switching is a link (a new page), so without
/// this a vector made in v3.1 was gone once v4.0 was chosen, with or without script.
/// A carried vector counts only if it scores, so the query cannot put anything else
/// into the forms.
pub fn kept(q: &HashMap<String, String>, calc: &Calculation, version: Version) -> Option<String> {
    if let Some(Ok(a)) = &calc.result
        && a.vector.version() == version
    {
        return Some(a.vector.to_string());
    }
    let (_, name) = VERSIONS.into_iter().find(|(v, _)| *v == version)?;
    let carried = embargo_cvss::assess(q.get(name)?.trim()).ok()?;
    (carried.vector.version() == version).then(|| carried.vector.to_string())
}

/// The query that carries the vectors the calculator holds, other than `showing`'s
/// (which the calculator scores again from its selects).
fn carried(
    q: &HashMap<String, String>,
    calc: &Calculation,
    showing: Version,
) -> Vec<(&'static str, String)> {
    VERSIONS
        .into_iter()
        .filter(|(v, _)| *v != showing)
        .filter_map(|(v, name)| Some((name, kept(q, calc, v)?)))
        .collect()
}

/// The calculator form; `action` is the page it comes back to.
pub fn render(action: &str, q: &HashMap<String, String>, calc: &Calculation) -> Markup {
    let version = calc.version;
    // A scored vector's characters (letters, digits, `:`, `/`, `.`) need no escaping
    // in a query.
    let switch = |to: Version| -> String {
        let mut href = format!("{action}?calc={}", to.as_str());
        for (name, vector) in carried(q, calc, to) {
            href.push_str(&format!("&{name}={vector}"));
        }
        href + "#calculator"
    };
    html! {
        section.calculator #calculator {
            h3 { "CVSS calculator" }
            p.versions {
                @for (i, (to, _)) in VERSIONS.into_iter().enumerate() {
                    @if i > 0 { " · " }
                    a href=(switch(to)) aria-current=[(version == to).then_some("page")] { "v" (to.as_str()) }
                }
            }
            form #cvss-calculator method="get" action=(format!("{action}#calculator")) data-version=(version.as_str()) {
                input type="hidden" name="calc" value=(version.as_str());
                @for (name, vector) in carried(q, calc, version) {
                    input type="hidden" name=(name) value=(vector);
                }
                label for="calc-paste" { "Paste a vector" }
                input #calc-paste name="vector" placeholder=(format!("CVSS:{}/…", version.as_str()));
                @for m in metrics(version).iter().filter(|m| m.group == Group::Base) {
                    (metric(m, q, calc))
                }
                // The base metrics score a vector; the rest is asked for less often, so it
                // waits behind "More metrics" (open when one of them is chosen).
                @let more: Vec<_> = metrics(version).iter().filter(|m| m.group != Group::Base).collect();
                @if !more.is_empty() {
                    details.more-metrics open[more.iter().any(|m| chosen(m, q, calc).is_some_and(|v| !v.is_empty() && v != "X"))] {
                        summary { "More metrics ("
                            @match version { Version::V4_0 => { "threat, environmental, supplemental" } _ => { "temporal, environmental" } }
                            ")" }
                        @for m in &more { (metric(m, q, calc)) }
                    }
                }
                button type="submit" { "Score" }
            }
            output #calc-result for="cvss-calculator" {
                @match &calc.result {
                    Some(Ok(a)) => {
                        p { code #calc-vector { (a.vector) } }
                        p { strong #calc-score { (a.score) } " " span #calc-severity { (a.severity.as_str()) } }
                    }
                    Some(Err(e)) => { p.error #calc-error { (e.to_string()) } }
                    None => { p.hint { "Choose every metric marked *, or paste a vector." } }
                }
            }
        }
    }
}

/// One metric's select, with FIRST's description.
fn metric(m: &MetricDef, q: &HashMap<String, String>, calc: &Calculation) -> Markup {
    html! {
        div.metric title=(m.description) {
            label for=(format!("m_{}", m.abbr)) { (m.name) " (" (m.abbr) ")" @if m.mandatory { span.req { " *" } } }
            select #(format!("m_{}", m.abbr)) name=(format!("m_{}", m.abbr)) data-metric=(m.abbr) {
                @if m.mandatory { option value="" { "— choose —" } }
                @for v in m.values {
                    option value=(v.abbr) title=(v.description) selected[chosen(m, q, calc) == Some(v.abbr)] {
                        (v.name) " (" (v.abbr) ")"
                    }
                }
            }
            p.hint { (m.description) }
        }
    }
}

/// The vector to pre-fill the proposal forms with, when the calculator has one.
pub fn vector(calc: &Calculation) -> Option<String> {
    match &calc.result {
        Some(Ok(a)) => Some(a.vector.to_string()),
        Some(Err(_)) | None => None,
    }
}
