//! A case's release (C6, C17, C19, V8, V9): the release plan the coordinator proposes and
//! the reporter agrees to, the post-mortem written after disclosure, and the rules for
//! what people type into them. The case keeps its release in `case::release`; the
//! commands are decided in `decide::release`.
//!
//! A release shared by several cases is its own stream (`crate::shared_release`); each
//! joined case takes its plan as the case's own.

use crate::project::{BranchKind, Component, Project};
use crate::rejection::{Invalid, Rule};
use crate::text::{self, limits};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The most versions a plan lists.
pub const MAX_VERSIONS: usize = 50;

/// What will ship, when (C6, V9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasePlan {
    /// The release time, UTC; shown as `YYYY-MM-DD HH:MM UTC`.
    pub at: Timestamp,
    /// The version each branch releases.
    pub versions: Vec<BranchVersion>,
    /// Where the binaries will be (a URL or Markdown).
    pub binaries: Option<String>,
    /// What users can do before they upgrade (Markdown).
    pub mitigation: Option<String>,
    /// How to upgrade (Markdown).
    pub upgrade: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchVersion {
    pub branch: String,
    pub version: String,
}

/// A plan as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanInput {
    pub at: String,
    /// `(branch, version)` pairs.
    pub versions: Vec<(String, String)>,
    pub binaries: Option<String>,
    pub mitigation: Option<String>,
    pub upgrade: Option<String>,
}

/// A time as `YYYY-MM-DD HH:MM UTC` (how notices write it).
pub fn utc_minute(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A release time: RFC 3339 with its zone (`2026-06-01T14:00:00Z`, `…+02:00`), or
/// `YYYY-MM-DD HH:MM UTC`; strictly after `now`.
pub fn release_time(field: &str, value: &str, now: Timestamp) -> Result<Timestamp, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(
            field,
            Rule::Required,
            format!("`{field}` is required: a time in UTC, e.g. `2026-06-01 14:00 UTC`"),
        ));
    }
    let parsed = match v.strip_suffix(" UTC") {
        Some(civil) => civil
            .trim()
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp()),
        None => v.parse::<Timestamp>().ok(),
    };
    let Some(at) = parsed else {
        let rule_message = if v.parse::<jiff::civil::DateTime>().is_ok() {
            format!(
                "`{field}`: `{v}` has no time zone; write it in UTC (`{v}Z` or `… UTC`) or with an offset"
            )
        } else {
            format!(
                "`{field}`: `{v}` is not a time; write e.g. `2026-06-01T14:00:00Z` or `2026-06-01 14:00 UTC`"
            )
        };
        return Err(Invalid::new(field, Rule::InvalidFormat, rule_message));
    };
    if at <= now {
        return Err(Invalid::new(
            field,
            Rule::NotAllowed,
            format!(
                "`{field}`: {} is in the past; the release must be later than {}",
                utc_minute(at),
                utc_minute(now)
            ),
        ));
    }
    Ok(at)
}

/// The version line a branch name carries (`release-1.17` → `1.17`, `v2.x` → `2`), if
/// any: a version for that branch must be in it.
fn version_line(branch: &str) -> Option<String> {
    let start = branch.find(|c: char| c.is_ascii_digit())?;
    let line: String = branch[start..]
        .trim_end_matches(".x")
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let line = line.trim_end_matches('.').to_owned();
    (!line.is_empty()).then_some(line)
}

/// Checks that `version` (as typed, a leading `v` allowed) is one of `branch`'s in
/// `component`: well formed, of the branch's version line (`release-21.0` takes
/// `21.0.*`), and for a branch without a line (main) not of another branch's line
/// (`21.0.4` is `release-21.0`'s, not main's). Returns it without the `v`.
pub fn branch_version(
    field: &str,
    component: &Component,
    branch: &str,
    version: &str,
) -> Result<String, Invalid> {
    let version = text::required_line(field, version, limits::NAME)?
        .trim_start_matches('v')
        .to_owned();
    let well_formed = version
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && version.starts_with(|c: char| c.is_ascii_digit());
    if !well_formed {
        return Err(Invalid::new(
            field,
            Rule::InvalidFormat,
            format!("`{version}` is not a version, e.g. `1.17.3`"),
        ));
    }
    let in_line = |line: &str| version == line || version.starts_with(&format!("{line}."));
    match version_line(branch) {
        Some(line) if !in_line(&line) => Err(Invalid::new(
            field,
            Rule::NotAllowed,
            format!(
                "`{version}` is not a version of branch `{branch}`, whose versions are {line}.*"
            ),
        )),
        Some(_) => Ok(version),
        None => match component
            .branches
            .iter()
            .filter(|b| b.name != branch)
            .find(|b| version_line(&b.name).is_some_and(|l| in_line(&l)))
        {
            Some(other) => Err(Invalid::new(
                field,
                Rule::NotAllowed,
                format!(
                    "`{version}` is a version of branch `{}`, not of `{branch}`",
                    other.name
                ),
            )),
            None => Ok(version),
        },
    }
}

/// Checks a plan against the project: each branch one of the component's (or any
/// component's, when the report names none), each version of its branch's line.
pub fn plan(
    input: &PlanInput,
    project: &Project,
    component: Option<&str>,
    now: Timestamp,
) -> Result<ReleasePlan, Vec<Invalid>> {
    let mut errors = Vec::new();
    let at = release_time("at", &input.at, now)
        .map_err(|e| errors.push(e))
        .ok();
    if input.versions.len() > MAX_VERSIONS {
        errors.push(Invalid::new(
            "versions",
            Rule::TooLong,
            format!("a plan lists at most {MAX_VERSIONS} versions"),
        ));
    }
    let components: Vec<_> = match component.and_then(|c| project.component(c)) {
        Some(c) => vec![c],
        None => project.components.iter().collect(),
    };
    let mut versions = Vec::new();
    for (i, (branch, version)) in input.versions.iter().enumerate() {
        let bfield = format!("versions[{i}].branch");
        let vfield = format!("versions[{i}].version");
        let branch = branch.trim();
        let found = components
            .iter()
            .find_map(|c| c.branches.iter().find(|b| b.name == branch).map(|b| (c, b)));
        let Some((owner, found)) = found else {
            let names: Vec<_> = components
                .iter()
                .flat_map(|c| c.branches.iter().map(|b| b.name.as_str()))
                .collect();
            errors.push(Invalid::new(
                bfield,
                Rule::UnknownBranch,
                format!(
                    "`{branch}` is not a branch of the project; expected one of: {}",
                    names.join(", ")
                ),
            ));
            continue;
        };
        if found.kind == BranchKind::Unsupported {
            // V4: a branch past its support gets no fix and no release; the upgrade
            // notice names the supported versions instead.
            errors.push(Invalid::new(
                bfield,
                Rule::NotAllowed,
                format!(
                    "`{branch}` is no longer supported: it gets no release (V4); list the versions users should upgrade to"
                ),
            ));
            continue;
        }
        if versions.iter().any(|v: &BranchVersion| v.branch == branch) {
            errors.push(Invalid::new(
                bfield,
                Rule::NotAllowed,
                format!("`{branch}` is listed twice"),
            ));
            continue;
        }
        match branch_version(&vfield, owner, branch, version) {
            Ok(version) => versions.push(BranchVersion {
                branch: branch.to_owned(),
                version,
            }),
            Err(e) => errors.push(e),
        }
    }
    let body = |field: &str, v: &Option<String>, errors: &mut Vec<Invalid>| {
        text::optional_body(field, v.as_deref(), limits::BODY)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
    };
    let binaries = body("binaries", &input.binaries, &mut errors);
    let mitigation = body("mitigation", &input.mitigation, &mut errors);
    let upgrade = body("upgrade", &input.upgrade, &mut errors);
    match (errors.is_empty(), at) {
        (true, Some(at)) => Ok(ReleasePlan {
            at,
            versions,
            binaries,
            mitigation,
            upgrade,
        }),
        _ => Err(errors),
    }
}

/// Why a date changes: required, one paragraph at most.
pub fn reason(value: &str) -> Result<String, Invalid> {
    text::required_body("reason", value, limits::SHORT)
}

/// What the coordinator writes after disclosure (C19); the timeline is generated from the
/// case's public facts when shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMortemText {
    pub summary: Option<String>,
    pub root_cause: String,
    pub went_well: Vec<String>,
    pub to_improve: Vec<String>,
    pub prevention: Vec<String>,
}

/// The most items in each list of a post-mortem.
pub const MAX_ITEMS: usize = 50;

/// Checks a post-mortem as typed: a root cause and at least one prevention item
/// (blameless: people appear by role, which the page does for everyone on the case).
pub fn post_mortem(input: &PostMortemText) -> Result<PostMortemText, Vec<Invalid>> {
    let mut errors = Vec::new();
    let summary = text::optional_body("summary", input.summary.as_deref(), limits::BODY)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let root_cause = text::required_body("root_cause", &input.root_cause, limits::BODY)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let mut list = |field: &str, items: &[String], required: bool| -> Vec<String> {
        if items.len() > MAX_ITEMS {
            errors.push(Invalid::new(
                field,
                Rule::TooLong,
                format!("`{field}` has at most {MAX_ITEMS} items"),
            ));
            return Vec::new();
        }
        let kept: Vec<String> = items
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.trim().is_empty())
            .filter_map(|(i, s)| {
                text::required_body(&format!("{field}[{i}]"), s, limits::SHORT * 4)
                    .map_err(|e| errors.push(e))
                    .ok()
            })
            .collect();
        if required && kept.is_empty() {
            errors.push(Invalid::new(
                field,
                Rule::Required,
                format!("`{field}`: name at least one step that keeps this from happening again"),
            ));
        }
        kept
    };
    let went_well = list("went_well", &input.went_well, false);
    let to_improve = list("to_improve", &input.to_improve, false);
    let prevention = list("prevention", &input.prevention, true);
    if errors.is_empty() {
        Ok(PostMortemText {
            summary,
            root_cause,
            went_well,
            to_improve,
            prevention,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn v9_release_time_is_utc_with_a_zone_and_in_the_future() {
        let now = ts("2026-06-01T00:00:00Z");
        assert_eq!(
            release_time("at", "2026-06-10 14:00 UTC", now).unwrap(),
            ts("2026-06-10T14:00:00Z")
        );
        assert_eq!(
            release_time("at", "2026-06-10T16:00:00+02:00", now).unwrap(),
            ts("2026-06-10T14:00:00Z")
        );
        let e = release_time("at", "2026-06-10T14:00:00", now).unwrap_err();
        assert_eq!(e.rule, Rule::InvalidFormat);
        assert!(e.message.contains("no time zone"), "{}", e.message);
        let e = release_time("at", "next tuesday", now).unwrap_err();
        assert!(e.message.contains("is not a time"), "{}", e.message);
        let e = release_time("at", "2026-05-31T23:59:00Z", now).unwrap_err();
        assert_eq!(e.rule, Rule::NotAllowed);
        assert!(e.message.contains("2026-05-31 23:59 UTC is in the past"));
        assert_eq!(
            utc_minute(ts("2026-06-10T14:00:59Z")),
            "2026-06-10 14:00 UTC"
        );
    }

    #[test]
    fn v9_versions_belong_to_their_branch() {
        assert_eq!(version_line("release-1.17").as_deref(), Some("1.17"));
        assert_eq!(version_line("v2.x").as_deref(), Some("2"));
        assert_eq!(version_line("main"), None);
    }

    #[test]
    fn v5_a_version_must_be_its_branchs_and_an_unsupported_branch_gets_none() {
        use crate::project::Branch;
        let mut p = crate::decide::fixtures::project();
        let b = |name: &str, kind| Branch {
            name: name.into(),
            kind,
        };
        p.components[0].branches = vec![
            b("main", BranchKind::Main),
            b("release-22.0", BranchKind::Supported),
            b("release-21.0", BranchKind::Supported),
            b("release-19.0", BranchKind::Unsupported),
        ];
        let now = ts("2026-06-01T00:00:00Z");
        let input = |versions: &[(&str, &str)]| PlanInput {
            at: "2026-06-10 14:00 UTC".into(),
            versions: versions
                .iter()
                .map(|(b, v)| ((*b).to_owned(), (*v).to_owned()))
                .collect(),
            ..PlanInput::default()
        };
        let component = Some(p.components[0].name.clone());
        let ok = plan(
            &input(&[
                ("main", "23.0.0"),
                ("release-22.0", "v22.0.3"),
                ("release-21.0", "21.0.7"),
            ]),
            &p,
            component.as_deref(),
            now,
        )
        .unwrap();
        assert_eq!(ok.versions[1].version, "22.0.3");
        let e = plan(
            &input(&[
                ("release-21.0", "22.0.1"),
                ("main", "21.0.4"),
                ("release-19.0", "19.0.9"),
                ("release-22.0", "22"),
            ]),
            &p,
            component.as_deref(),
            now,
        )
        .unwrap_err();
        let got: Vec<_> = e.iter().map(|i| (i.field.as_str(), i.rule)).collect();
        assert_eq!(
            got,
            [
                ("versions[0].version", Rule::NotAllowed),
                ("versions[1].version", Rule::NotAllowed),
                ("versions[2].branch", Rule::NotAllowed),
                ("versions[3].version", Rule::NotAllowed),
            ]
        );
        assert!(
            e[0].message.contains("versions are 21.0.*"),
            "{}",
            e[0].message
        );
        assert!(
            e[1].message
                .contains("branch `release-21.0`, not of `main`"),
            "{}",
            e[1].message
        );
        assert!(
            e[2].message.contains("no longer supported"),
            "{}",
            e[2].message
        );
    }

    #[test]
    fn c19_a_post_mortem_needs_a_root_cause_and_prevention() {
        let e = post_mortem(&PostMortemText::default()).unwrap_err();
        let fields: Vec<_> = e.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["root_cause", "prevention"]);
        let ok = post_mortem(&PostMortemText {
            root_cause: "A missing bound".into(),
            prevention: vec!["".into(), "Fuzz the parser".into()],
            ..PostMortemText::default()
        })
        .unwrap();
        assert_eq!(ok.prevention, ["Fuzz the parser"]);
    }
}
