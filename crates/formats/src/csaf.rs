//! CSAF 2.0, profile `csaf_security_advisory` (one vulnerability per document).
//!
//! - `product_tree`: vendor (the publisher) → `product_name` (the component) →
//!   `product_version_range` per affected interval, written in `vers:` (e.g.
//!   `vers:golang/>=1.15.0|<1.15.3`), and `product_version` per fixed version (with the
//!   package's purl at that version). Product ids are `component@range` and
//!   `component@version`, so they are stable across exports. GIT ranges are left out
//!   when the package also has versions. A package with **only commit ranges** (OSV
//!   `GIT`) is still a product: one `product_version_range` per interval of the
//!   repository, in words ("commits of REPO since … up to, not including, …"), a
//!   `product_version` per fixing commit (status `fixed`) and a `vendor_fix` remediation
//!   per fixing commit, linked to the commit where the host is known. A package with
//!   neither ranges nor versions is affected in every version (`vers:…/*`).
//! - `document.title` is the summary, else the first sentence of the details, else
//!   the id; `initial_release_date` is the publication, else the first revision, else
//!   the last change (a placeholder date is never written).
//! - `vulnerabilities[0]`: `cve`, `cwe` (CSAF 2.0 takes exactly one: the first of the
//!   advisory's, with its name), notes (`description` = details, `general` "Impact" =
//!   effect), `product_status` (`known_affected` ranges, `fixed` versions), `scores`
//!   with `cvss_v3`, `remediations` (`vendor_fix` per component with its fixed versions,
//!   `mitigation` with the mitigation text), `acknowledgments` from the credits.
//! - **CVSS v4.0**: CSAF 2.0 knows only `cvss_v2` and `cvss_v3`, so a v4.0 vector goes
//!   into a vulnerability note (category `other`, title "CVSS v4.0") with its score and
//!   severity. CVSS v2.0 vectors are left out.
//! - `tracking`: status `final`; the revisions must be numbered in one scheme (integers
//!   or semantic versions), ascending, without gaps in the (major) number, starting at
//!   0 or 1, and not 0 or pre-release in the latest (mandatory tests 6.1.14, 6.1.18–
//!   6.1.22, 6.1.30 — checked here, so that a document we emit passes them).
//!   `version` is the latest revision's number and `current_release_date` the latest
//!   change (6.1.16).
//! - **Withdrawal**: CSAF 2.0 has no withdrawn status (2.1 adds a profile for it), so a
//!   withdrawn advisory stays `final`, gains a revision at the withdrawal (unless the
//!   history already has one at or after it) and a document note "Withdrawn" with the
//!   reason.
//! - Acknowledgments name people and roles; a credit's contact details are never
//!   published.

use crate::error::missing;
use crate::{
    Advisory, Affected, CreditKind, Error, Event, Missing, Range, RangeKind, ReferenceKind,
    Revision, SeverityKind, cvss_json,
};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

const FORMAT: &str = "CSAF";

/// The advisory as a CSAF 2.0 security advisory.
pub fn export(a: &Advisory) -> Result<Value, Error> {
    let publisher = a
        .publisher
        .as_ref()
        .ok_or(missing(FORMAT, Missing::Publisher))?;
    let title = a.title();
    let details = a.description().ok_or(missing(FORMAT, Missing::Details))?;
    let self_url = a
        .csaf_url
        .as_deref()
        .ok_or(missing(FORMAT, Missing::CsafUrl))?;
    if a.affected_list().is_empty() {
        return Err(missing(FORMAT, Missing::Affected));
    }
    // CSAF requires a first release date; an unknown publication (an imported record's
    // placeholder) falls back to the first revision, then to the earliest date known.
    let published = a
        .published
        .or(a.revisions.first().map(|r| r.date))
        .unwrap_or_else(|| {
            a.withdrawn
                .as_ref()
                .map_or(a.modified, |w| w.at.min(a.modified))
        });
    let revisions = revisions(a, published)?;
    let version = revisions
        .last()
        .map(|r| r.number.clone())
        .unwrap_or_default();
    let current = revisions
        .last()
        .map_or(a.last_change(), |r| r.date.max(a.last_change()));

    let tree = ProductTree::build(&publisher.name, a.affected_list())?;

    let mut document = Map::new();
    document.insert("category".into(), json!("csaf_security_advisory"));
    document.insert("csaf_version".into(), json!("2.0"));
    document.insert("lang".into(), json!("en"));
    let mut p =
        json!({"category": "vendor", "name": publisher.name, "namespace": publisher.namespace});
    if let Some(contact) = &publisher.contact {
        p["contact_details"] = json!(contact);
    }
    document.insert("publisher".into(), p);
    document.insert("title".into(), json!(title));
    document.insert(
        "tracking".into(),
        json!({
            "id": a.id,
            "status": "final",
            "version": version,
            "initial_release_date": published.to_string(),
            "current_release_date": current.to_string(),
            "revision_history": revisions.iter().map(|r| json!({
                "number": r.number,
                "date": r.date.to_string(),
                "summary": r.summary,
            })).collect::<Vec<_>>(),
            "generator": {"engine": {"name": "Embargo"}},
        }),
    );
    let mut notes = Vec::new();
    if let Some(w) = &a.withdrawn {
        let why = match w.reason.as_deref() {
            Some(reason) => format!(": {reason}"),
            None => "; the description says why.".to_owned(),
        };
        notes.push(json!({
            "category": "general",
            "title": "Withdrawn",
            "text": format!("This advisory was withdrawn on {}{why}", w.at.strftime("%Y-%m-%d")),
        }));
    }
    notes.push(json!({"category": "summary", "title": "Summary", "text": title}));
    document.insert("notes".into(), Value::Array(notes));
    let mut references = vec![json!({
        "category": "self",
        "summary": format!("This advisory as CSAF: {}", a.id),
        "url": self_url,
    })];
    references.extend(a.references.iter().filter(|r| r.url != self_url).map(
        |r| json!({"category": "external", "summary": reference_summary(r.kind), "url": r.url}),
    ));
    document.insert("references".into(), Value::Array(references));

    let vulnerability = vulnerability(a, details, &tree)?;
    Ok(json!({
        "document": document,
        "product_tree": {"branches": [tree.branch]},
        "vulnerabilities": [vulnerability],
    }))
}

fn reference_summary(kind: ReferenceKind) -> &'static str {
    match kind {
        ReferenceKind::Advisory => "Advisory",
        ReferenceKind::Article => "Article",
        ReferenceKind::Detection => "Detection",
        ReferenceKind::Discussion => "Discussion",
        ReferenceKind::Report => "Report",
        ReferenceKind::Fix => "Fix",
        ReferenceKind::Introduced => "Change that introduced the vulnerability",
        ReferenceKind::Git => "Repository",
        ReferenceKind::Package => "Package",
        ReferenceKind::Evidence => "Evidence",
        ReferenceKind::Web => "Web page",
    }
}

/// What the product tree gives the vulnerability: ids per affected entry.
struct ProductTree {
    branch: Value,
    /// One per `Advisory::affected` entry, in order.
    per_affected: Vec<PerAffected>,
}

#[derive(Default)]
struct PerAffected {
    known_affected: Vec<String>,
    fixed_ids: Vec<String>,
    fixed_versions: Vec<String>,
    /// Fixing commits of a package known by commit ranges only: (repo, commit).
    fixed_commits: Vec<(Option<String>, String)>,
}

impl ProductTree {
    fn build(vendor: &str, affected: &[Affected]) -> Result<ProductTree, Error> {
        // product name → its version(-range) branches, in first-seen order; a product
        // listed twice (e.g. one package in two ecosystems) gets one node.
        let mut products: Vec<(String, Vec<Value>, Vec<String>)> = Vec::new();
        let mut per_affected = Vec::new();
        for x in affected {
            let name = x.product_name().ok_or(Error::Invalid {
                format: FORMAT,
                field: "affected",
                reason: "an affected entry needs a component, a package or a GIT repo".into(),
            })?;
            let i = match products.iter().position(|(n, ..)| n == name) {
                Some(i) => i,
                None => {
                    products.push((name.to_owned(), Vec::new(), Vec::new()));
                    products.len() - 1
                }
            };
            let (_, branches, ids) = &mut products[i];
            let mut add = |category: &str, id_part: &str, label: &str, helper: Option<String>| {
                let id = format!("{name}@{id_part}");
                if !ids.contains(&id) {
                    let mut product = json!({
                        "name": format!("{vendor} {name} {label}"),
                        "product_id": id,
                    });
                    if let Some(purl) = helper {
                        product["product_identification_helper"] = json!({"purl": purl});
                    }
                    branches.push(json!({"category": category, "name": label, "product": product}));
                    ids.push(id.clone());
                }
                id
            };
            let ecosystem = x.package.as_ref().map(|p| p.ecosystem.as_str());
            let mut out = PerAffected::default();
            let mut has_range = false;
            for r in x.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
                has_range = true;
                let scheme = vers_scheme(r.kind, ecosystem);
                for constraint in vers_constraints(&r.events) {
                    let vers = format!("vers:{scheme}/{constraint}");
                    out.known_affected
                        .push(add("product_version_range", &vers, &vers, None));
                }
                for e in &r.events {
                    if let Event::Fixed(v) = e {
                        let purl = x
                            .package
                            .as_ref()
                            .and_then(|p| p.purl.as_deref())
                            .map(|purl| purl_at(purl, v));
                        out.fixed_ids.push(add("product_version", v, v, purl));
                        out.fixed_versions.push(v.clone());
                    }
                }
            }
            if !has_range {
                for v in &x.versions {
                    out.known_affected.push(add("product_version", v, v, None));
                }
            }
            let git: Vec<&Range> = x
                .ranges
                .iter()
                .filter(|r| r.kind == RangeKind::Git)
                .collect();
            if out.known_affected.is_empty() {
                // Commit ranges only: the repository is the product, each interval a
                // range in words.
                for r in &git {
                    for (id_part, words) in git_intervals(r.repo.as_deref(), &r.events) {
                        out.known_affected.push(add(
                            "product_version_range",
                            &id_part,
                            &words,
                            None,
                        ));
                    }
                }
            }
            if out.fixed_versions.is_empty() {
                for r in &git {
                    for e in &r.events {
                        if let Event::Fixed(c) = e {
                            out.fixed_ids.push(add("product_version", c, c, None));
                            out.fixed_commits.push((r.repo.clone(), c.clone()));
                        }
                    }
                }
            }
            if out.known_affected.is_empty() {
                // Neither ranges nor versions: OSV's "every version of the package".
                let vers = format!("vers:{}/*", vers_scheme(RangeKind::Ecosystem, ecosystem));
                out.known_affected
                    .push(add("product_version_range", &vers, &vers, None));
            }
            // Two ranges of one package may name the same interval or fixed version;
            // CSAF's product id lists must not repeat an id.
            out.known_affected = dedup_strings(out.known_affected);
            out.fixed_ids = dedup_strings(out.fixed_ids);
            out.fixed_versions = dedup_strings(out.fixed_versions);
            out.fixed_commits.dedup();
            per_affected.push(out);
        }
        let product_branches: Vec<Value> = products
            .into_iter()
            .map(|(name, branches, _)| {
                json!({"category": "product_name", "name": name, "branches": branches})
            })
            .collect();
        Ok(ProductTree {
            branch: json!({"category": "vendor", "name": vendor, "branches": product_branches}),
            per_affected,
        })
    }

    fn known_affected(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in self.per_affected.iter().flat_map(|x| &x.known_affected) {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    }
}

/// A GIT range's affected intervals as (product id part, words). In a commit graph every
/// fixing (or limit) commit bounds every `introduced` one; `last_affected` pairs with
/// the `introduced` before it.
fn git_intervals(repo: Option<&str>, events: &[Event]) -> Vec<(String, String)> {
    let short = |c: &str| c.chars().take(12).collect::<String>();
    let of = repo.map(|r| format!(" of {r}")).unwrap_or_default();
    let since = |c: &str| {
        if c == "0" {
            format!("commits{of} since the first")
        } else {
            format!("commits{of} since {c}")
        }
    };
    let ends: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Fixed(v) | Event::Limit(v) => Some(v.as_str()),
            Event::Introduced(_) | Event::LastAffected(_) => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut start: Option<&str> = None;
    for e in events {
        match e {
            Event::Introduced(v) => {
                if let Some(s) = start.replace(v)
                    && !events.iter().any(|e| matches!(e, Event::LastAffected(_)))
                {
                    out.push(bounded(s, &ends, &since, &short));
                }
            }
            Event::LastAffected(v) => {
                if let Some(s) = start.take() {
                    out.push((
                        format!("git:{}...{}", short(s), short(v)),
                        format!("{} up to and including {v}", since(s)),
                    ));
                }
            }
            Event::Fixed(_) | Event::Limit(_) => {}
        }
    }
    if let Some(s) = start {
        out.push(bounded(s, &ends, &since, &short));
    }
    out
}

fn bounded(
    start: &str,
    ends: &[&str],
    since: &dyn Fn(&str) -> String,
    short: &dyn Fn(&str) -> String,
) -> (String, String) {
    if ends.is_empty() {
        return (
            format!("git:{}..", short(start)),
            format!("{}; no fix yet", since(start)),
        );
    }
    let ids: Vec<String> = ends.iter().map(|e| short(e)).collect();
    (
        format!("git:{}..{}", short(start), ids.join("+")),
        format!(
            "{} up to, not including, {}",
            since(start),
            ends.join(" or ")
        ),
    )
}

/// Where a hosting service shows one commit, for the hosts whose URL scheme is known.
fn commit_url(repo: &str, commit: &str) -> Option<String> {
    let repo = repo.trim_end_matches('/').trim_end_matches(".git");
    let host = repo.strip_prefix("https://")?.split('/').next()?;
    match host {
        "github.com" | "codeberg.org" | "gitea.com" => Some(format!("{repo}/commit/{commit}")),
        "gitlab.com" => Some(format!("{repo}/-/commit/{commit}")),
        _ => None,
    }
}

/// The `vers` versioning scheme for a range (vers spec, "Known versioning schemes").
fn vers_scheme(kind: RangeKind, ecosystem: Option<&str>) -> &'static str {
    if kind == RangeKind::Semver {
        return "semver";
    }
    match ecosystem.map(|e| e.split(':').next().unwrap_or(e)) {
        Some("Go") => "golang",
        Some("npm") => "npm",
        Some("PyPI") => "pypi",
        Some("Maven") => "maven",
        Some("crates.io") => "cargo",
        Some("RubyGems") => "gem",
        Some("NuGet") => "nuget",
        Some("Packagist") => "composer",
        Some("Debian" | "Ubuntu") => "deb",
        Some("Red Hat" | "AlmaLinux" | "Rocky Linux" | "SUSE" | "openSUSE") => "rpm",
        Some("Alpine") => "apk",
        Some("SwiftURL") => "swift",
        Some("Pub") => "pub",
        Some("Hex") => "hex",
        _ => "generic",
    }
}

/// One `vers` constraint list per affected interval of the events.
fn vers_constraints(events: &[Event]) -> Vec<String> {
    let lower = |s: &str| (s != "0").then(|| format!(">={s}"));
    let join = |lo: Option<String>, hi: String| match lo {
        Some(lo) => format!("{lo}|{hi}"),
        None => hi,
    };
    let mut out = Vec::new();
    let mut start: Option<&str> = None;
    for e in events {
        match e {
            Event::Introduced(v) => {
                if let Some(s) = start.replace(v) {
                    out.push(lower(s).unwrap_or_else(|| "*".into()));
                }
            }
            Event::Fixed(v) | Event::Limit(v) => {
                if let Some(s) = start.take() {
                    out.push(join(lower(s), format!("<{v}")));
                }
            }
            Event::LastAffected(v) => {
                if let Some(s) = start.take() {
                    out.push(join(lower(s), format!("<={v}")));
                }
            }
        }
    }
    if let Some(s) = start {
        out.push(lower(s).unwrap_or_else(|| "*".into()));
    }
    out
}

/// The purl at one version: `pkg:golang/x@v1.2.3`, qualifiers and subpath kept.
fn purl_at(purl: &str, version: &str) -> String {
    let cut = purl.find(['?', '#']).unwrap_or(purl.len());
    let (base, rest) = purl.split_at(cut);
    // A purl that already names a version is left as given.
    if base.contains('@') {
        return purl.to_owned();
    }
    format!("{base}@{version}{rest}")
}

fn vulnerability(a: &Advisory, details: &str, tree: &ProductTree) -> Result<Value, Error> {
    let mut v = Map::new();
    if let Some(cve) = &a.cve_id {
        v.insert("cve".into(), json!(cve));
    }
    // CSAF's `cwe` needs the weakness's name (test 6.1.11); without one it is left
    // out rather than guessed, and the CVE record and OSV entry still carry the id.
    if let Some(cwe) = a.cwes.first()
        && let Some(name) = cwe.name.as_deref()
    {
        v.insert("cwe".into(), json!({"id": cwe.id, "name": name}));
    }
    let ids: Vec<Value> = a
        .alias_list()
        .iter()
        .chain(std::iter::once(&a.id))
        .filter(|x| Some(*x) != a.cve_id.as_ref())
        .filter_map(|x| {
            let (system, _) = x.split_once('-')?;
            Some(json!({"system_name": system, "text": x}))
        })
        .collect();
    if !ids.is_empty() {
        v.insert("ids".into(), Value::Array(ids));
    }
    if let Some(title) = &a.summary {
        v.insert("title".into(), json!(title));
    }
    let mut notes =
        vec![json!({"category": "description", "title": "Description", "text": details})];
    if let Some(effect) = a.effect.as_deref().filter(|e| !e.is_empty()) {
        notes.push(json!({"category": "general", "title": "Impact", "text": effect}));
    }
    for vector in a.vectors(SeverityKind::CvssV4) {
        let s = cvss_json::assess(FORMAT, vector)?;
        notes.push(json!({
            "category": "other",
            "title": "CVSS v4.0",
            "text": format!("{} — score {} ({})", s.vector, s.score, s.severity),
        }));
    }
    v.insert("notes".into(), Value::Array(notes));
    if let Some(p) = a.published {
        v.insert("release_date".into(), json!(p.to_string()));
    }

    let known = tree.known_affected();
    let fixed: Vec<String> = tree
        .per_affected
        .iter()
        .flat_map(|x| x.fixed_ids.iter().cloned())
        .collect();
    let mut status = Map::new();
    status.insert("known_affected".into(), json!(known));
    if !fixed.is_empty() {
        status.insert("fixed".into(), json!(dedup_strings(fixed)));
    }
    v.insert("product_status".into(), Value::Object(status));

    let scores = scores(a, tree, &known)?;
    if !scores.is_empty() {
        v.insert("scores".into(), Value::Array(scores));
    }

    let fix_reference = a
        .references
        .iter()
        .find(|r| r.kind == ReferenceKind::Fix)
        .map(|r| r.url.as_str());
    let mut remediations = Vec::new();
    for (x, per) in a.affected_list().iter().zip(&tree.per_affected) {
        let name = x.product_name().unwrap_or_default();
        if !per.fixed_versions.is_empty() {
            let mut r = json!({
                "category": "vendor_fix",
                "details": format!(
                    "Update {name} to {} (the fixed version of the release line in use) or later.",
                    per.fixed_versions.join(", ")
                ),
                "product_ids": per.known_affected,
            });
            if let Some(url) = fix_reference {
                r["url"] = json!(url);
            }
            remediations.push(r);
        }
        for (repo, commit) in &per.fixed_commits {
            let mut r = json!({
                "category": "vendor_fix",
                "details": format!(
                    "Update {name} to a version that contains commit {commit}{}.",
                    repo.as_deref().map(|r| format!(" of {r}")).unwrap_or_default()
                ),
                "product_ids": per.known_affected,
            });
            if let Some(url) = repo
                .as_deref()
                .and_then(|r| commit_url(r, commit))
                .or(fix_reference.map(str::to_owned))
            {
                r["url"] = json!(url);
            }
            remediations.push(r);
        }
    }
    if let Some(m) = a.mitigation.as_deref().filter(|m| !m.is_empty()) {
        remediations.push(json!({"category": "mitigation", "details": m, "product_ids": known}));
    }
    if !remediations.is_empty() {
        v.insert("remediations".into(), Value::Array(remediations));
    }

    if !a.credits.is_empty() {
        let acks: Vec<Value> = a
            .credits
            .iter()
            .map(|c| {
                // Name and role only: contact details are never published.
                let mut ack = json!({"names": [c.name]});
                if let Some(kind) = c.kind {
                    ack["summary"] = json!(credit_summary(kind));
                }
                ack
            })
            .collect();
        v.insert("acknowledgments".into(), Value::Array(acks));
    }
    Ok(Value::Object(v))
}

/// One `cvss_v3` score: the advisory-wide vector for every affected product, else each
/// package's own vector for its products (mandatory test 6.1.7 allows one v3 score per
/// product).
fn scores(a: &Advisory, tree: &ProductTree, known: &[String]) -> Result<Vec<Value>, Error> {
    let v3 = |list: &[crate::Severity]| {
        list.iter()
            .find(|s| s.kind == SeverityKind::CvssV3)
            .map(|s| s.score.clone())
    };
    let mut out = Vec::new();
    if let Some(vector) = v3(&a.severity) {
        let s = cvss_json::assess(FORMAT, &vector)?;
        out.push(json!({"products": known, "cvss_v3": cvss_json::v3(&s)}));
    } else {
        for (x, per) in a.affected_list().iter().zip(&tree.per_affected) {
            if let Some(vector) = v3(&x.severity) {
                let s = cvss_json::assess(FORMAT, &vector)?;
                out.push(json!({"products": per.known_affected, "cvss_v3": cvss_json::v3(&s)}));
            }
        }
    }
    Ok(out)
}

fn credit_summary(kind: CreditKind) -> &'static str {
    match kind {
        CreditKind::Finder => "found the vulnerability",
        CreditKind::Reporter => "reported the vulnerability",
        CreditKind::Analyst => "analysed the vulnerability",
        CreditKind::Coordinator => "coordinated the response",
        CreditKind::RemediationDeveloper => "developed the fix",
        CreditKind::RemediationReviewer => "reviewed the fix",
        CreditKind::RemediationVerifier => "verified the fix",
        CreditKind::Tool => "tool used to find the vulnerability",
        CreditKind::Sponsor => "sponsored the work",
        CreditKind::Other => "helped",
    }
}

fn dedup_strings(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// A revision number: an integer, or a semantic version (major, minor, patch, whether
/// it is a pre-release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Number {
    Integer(u64),
    Semver(u64, u64, u64, bool),
}

fn parse_number(s: &str) -> Option<Number> {
    let digits = |p: &str| {
        (!p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0')))
        .then(|| p.parse::<u64>().ok())
        .flatten()
    };
    if let Some(n) = digits(s) {
        return Some(Number::Integer(n));
    }
    let core = s.split('+').next().unwrap_or(s);
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) if !p.is_empty() => (c, true),
        Some(_) => return None,
        None => (core, false),
    };
    let mut parts = core.split('.');
    let (ma, mi, pa) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Number::Semver(digits(ma)?, digits(mi)?, digits(pa)?, pre))
}

fn major(n: Number) -> u64 {
    match n {
        Number::Integer(x) | Number::Semver(x, ..) => x,
    }
}

/// The revision history to publish, checked against the mandatory tests a final
/// document must pass, with a revision for a withdrawal the history does not have yet.
fn revisions(a: &Advisory, published: Timestamp) -> Result<Vec<Revision>, Error> {
    let mut list = checked_revisions(a, published)?;
    // A history of our own may record the withdrawal already; the implicit one never.
    if let Some(w) = &a.withdrawn
        && let Some(last) = list.last()
        && (last.date < w.at || a.revisions.is_empty())
    {
        let number = match parse_number(&last.number) {
            Some(Number::Integer(n)) => (n + 1).to_string(),
            // Withdrawing changes what the document means: a major step.
            Some(Number::Semver(major, ..)) => format!("{}.0.0", major + 1),
            None => unreachable!("checked_revisions parsed every number"),
        };
        let summary = match w.reason.as_deref() {
            Some(reason) => format!("Withdrawn: {reason}"),
            None => "Withdrawn.".to_owned(),
        };
        list.push(Revision {
            number,
            date: w.at.max(last.date),
            summary,
        });
    }
    Ok(list)
}

fn checked_revisions(a: &Advisory, published: Timestamp) -> Result<Vec<Revision>, Error> {
    if a.revisions.is_empty() {
        return Ok(vec![Revision {
            number: "1".into(),
            date: published,
            summary: "Initial public release.".into(),
        }]);
    }
    let bad = |reason: String| Error::Invalid {
        format: FORMAT,
        field: "revisions",
        reason,
    };
    let mut numbers = Vec::new();
    for r in &a.revisions {
        let n = parse_number(&r.number).ok_or_else(|| {
            bad(format!(
                "`{}` is neither an integer nor a semantic version",
                r.number
            ))
        })?;
        numbers.push(n);
    }
    let integer = matches!(numbers[0], Number::Integer(_));
    if numbers
        .iter()
        .any(|n| matches!(n, Number::Integer(_)) != integer)
    {
        return Err(bad("mixes integer and semantic version numbers".into()));
    }
    for (w, r) in numbers.windows(2).zip(a.revisions.windows(2)) {
        if w[0] >= w[1] {
            return Err(bad(format!(
                "`{}` does not come after `{}`",
                r[1].number, r[0].number
            )));
        }
        if r[1].date < r[0].date {
            return Err(bad(format!(
                "revision `{}` is dated before revision `{}`",
                r[1].number, r[0].number
            )));
        }
        if major(w[1]) > major(w[0]) + 1 {
            return Err(bad(format!(
                "a number is missing between `{}` and `{}`",
                r[0].number, r[1].number
            )));
        }
    }
    if major(numbers[0]) > 1 {
        return Err(bad("the first revision must be numbered 0 or 1".into()));
    }
    let last = numbers[numbers.len() - 1];
    if matches!(
        last,
        Number::Integer(0) | Number::Semver(0, ..) | Number::Semver(.., true)
    ) {
        return Err(bad(
            "a final advisory's latest revision cannot be 0, 0.y.z or a pre-release".into(),
        ));
    }
    if numbers
        .iter()
        .any(|n| matches!(n, Number::Semver(.., true)))
    {
        return Err(bad(
            "a final advisory keeps no pre-release revisions in its history".into(),
        ));
    }
    Ok(a.revisions.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vers_ranges_read_like_the_events() {
        let e = |v: &[(&str, &str)]| -> Vec<Event> {
            v.iter()
                .map(|(k, v)| match *k {
                    "i" => Event::Introduced((*v).into()),
                    "f" => Event::Fixed((*v).into()),
                    "l" => Event::LastAffected((*v).into()),
                    _ => Event::Limit((*v).into()),
                })
                .collect()
        };
        assert_eq!(
            vers_constraints(&e(&[("i", "0"), ("f", "1.2.3")])),
            ["<1.2.3"]
        );
        assert_eq!(
            vers_constraints(&e(&[("i", "1.0.0"), ("f", "1.0.5"), ("i", "1.1.0")])),
            [">=1.0.0|<1.0.5", ">=1.1.0"]
        );
        assert_eq!(vers_constraints(&e(&[("i", "0")])), ["*"]);
        assert_eq!(
            vers_constraints(&e(&[("i", "2.0"), ("l", "2.4")])),
            [">=2.0|<=2.4"]
        );
    }

    #[test]
    fn purl_gets_the_version_before_qualifiers() {
        assert_eq!(
            purl_at("pkg:golang/connectrpc.com/connect", "v1.2.3"),
            "pkg:golang/connectrpc.com/connect@v1.2.3"
        );
        assert_eq!(
            purl_at("pkg:apk/alpine/openssl?arch=source", "1.0"),
            "pkg:apk/alpine/openssl@1.0?arch=source"
        );
    }

    #[test]
    fn revision_numbers_follow_one_scheme() {
        assert_eq!(parse_number("2"), Some(Number::Integer(2)));
        assert_eq!(
            parse_number("1.0.0-rc.1"),
            Some(Number::Semver(1, 0, 0, true))
        );
        assert_eq!(parse_number("01"), None);
        assert_eq!(parse_number("1.0"), None);
    }
}
