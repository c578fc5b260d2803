//! A project's `SECURITY.md`: where and how to report, what to expect and when, which
//! branches are supported, how disclosure works and which notices go where. It renders
//! a plain [`SecurityPolicy`] the server fills from the project and its policy
//! (`embargo_core::policy::Policy::describe`), so every number in the file is one the
//! input carries; this module adds none.

use std::fmt::Write as _;

/// Everything a SECURITY.md says, in words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityPolicy {
    pub project: String,
    /// The report page (`…/p/SLUG/report`).
    pub report_url: String,
    pub security_address: Option<String>,
    pub pgp_key_url: Option<String>,
    /// What to expect and when, one per clock.
    pub promises: Vec<Promise>,
    pub components: Vec<ComponentBranches>,
    /// The disclosure practice, one sentence each.
    pub disclosure: Vec<String>,
    /// Which notices each track sends, and where.
    pub announcements: Vec<TrackNotices>,
}

/// "acknowledge and analyze the report" / "within 5 working days of receiving it".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promise {
    pub what: String,
    pub when: String,
}

/// A component's branches, by support status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComponentBranches {
    pub name: String,
    pub main: Vec<String>,
    pub supported: Vec<String>,
    pub unsupported: Vec<String>,
}

/// The notices sent when a track applies ("a supported release branch is affected").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackNotices {
    pub when: String,
    pub notices: Vec<NoticeRoute>,
}

/// One notice and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeRoute {
    pub what: String,
    pub channels: Vec<String>,
}

/// Text from the input on one line, with Markdown's special characters escaped so a
/// branch called `release_1_*` prints as itself.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.split_whitespace().collect::<Vec<_>>().join(" ").chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '{' | '}'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A link people can follow, or the escaped text if it is not a plain URL or address.
fn link(s: &str) -> String {
    let s = s.trim();
    let plain = !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>');
    if plain { format!("<{s}>") } else { text(s) }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.iter().map(|i| text(i)).collect::<Vec<_>>().join(", ")
    }
}

/// First letter up, for list items that start with a verb.
fn capitalized(s: &str) -> String {
    let s = text(s);
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => s,
    }
}

/// The SECURITY.md document.
pub fn render(p: &SecurityPolicy) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = write_document(&mut s, p);
    s
}

fn write_document(s: &mut String, p: &SecurityPolicy) -> std::fmt::Result {
    writeln!(s, "# Security policy for {}", text(&p.project))?;
    writeln!(s)?;
    writeln!(s, "## Reporting a vulnerability")?;
    writeln!(s)?;
    writeln!(
        s,
        "Please report suspected vulnerabilities privately, never in a public issue, at {}.",
        link(&p.report_url)
    )?;
    if let Some(address) = &p.security_address {
        writeln!(s, "You can also e-mail {}.", link(address))?;
    }
    if let Some(key) = &p.pgp_key_url {
        writeln!(s, "Encrypt what you send with our PGP key: {}.", link(key))?;
    }
    writeln!(
        s,
        "Name the affected component and platform, and include what is needed to reproduce the problem."
    )?;
    if !p.promises.is_empty() {
        writeln!(s)?;
        writeln!(s, "## What to expect")?;
        writeln!(s)?;
        writeln!(
            s,
            "We keep you updated from triage to the fix and the release plan. Our targets:"
        )?;
        writeln!(s)?;
        for promise in &p.promises {
            writeln!(
                s,
                "- {}: {}.",
                capitalized(&promise.what),
                text(&promise.when)
            )?;
        }
    }
    writeln!(s)?;
    writeln!(s, "## Supported versions")?;
    writeln!(s)?;
    if p.components.is_empty() {
        writeln!(s, "No branches are listed yet.")?;
    } else {
        writeln!(s, "| Component | Fixed on | No longer supported |")?;
        writeln!(s, "|---|---|---|")?;
        for c in &p.components {
            let fixed: Vec<String> = c.main.iter().chain(&c.supported).cloned().collect();
            writeln!(
                s,
                "| {} | {} | {} |",
                text(&c.name),
                list(&fixed),
                list(&c.unsupported)
            )?;
        }
    }
    if !p.disclosure.is_empty() {
        writeln!(s)?;
        writeln!(s, "## Disclosure")?;
        writeln!(s)?;
        for sentence in &p.disclosure {
            writeln!(s, "- {}", text(sentence))?;
        }
    }
    let announced: Vec<&TrackNotices> = p
        .announcements
        .iter()
        .filter(|t| !t.notices.is_empty())
        .collect();
    if !announced.is_empty() {
        writeln!(s)?;
        writeln!(s, "## Announcements")?;
        writeln!(s)?;
        for track in announced {
            writeln!(s, "When {}:", text(&track.when))?;
            writeln!(s)?;
            for n in &track.notices {
                if n.channels.is_empty() {
                    writeln!(s, "- {}.", capitalized(&n.what))?;
                } else {
                    writeln!(s, "- {}, on {}.", capitalized(&n.what), list(&n.channels))?;
                }
            }
            writeln!(s)?;
        }
        // One blank line at the end, not two.
        s.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn input() -> SecurityPolicy {
        SecurityPolicy {
            project: "Connect".to_owned(),
            report_url: "https://embargo.example/p/connect/report".to_owned(),
            security_address: Some("security@connect.example".to_owned()),
            pgp_key_url: Some("https://connect.example/pgp.asc".to_owned()),
            promises: vec![
                Promise {
                    what: "acknowledge and analyze the report".to_owned(),
                    when: "within 5 working days of receiving the report".to_owned(),
                },
                Promise {
                    what: "disclose the vulnerability".to_owned(),
                    when: "within 30 days of receiving the report".to_owned(),
                },
            ],
            components: vec![
                ComponentBranches {
                    name: "go".to_owned(),
                    main: vec!["main".to_owned()],
                    supported: vec!["release-1.16".to_owned()],
                    unsupported: vec!["release-1.14".to_owned()],
                },
                ComponentBranches {
                    name: "swift_*".to_owned(),
                    main: vec!["main".to_owned()],
                    ..ComponentBranches::default()
                },
            ],
            disclosure: vec![
                "If the CVSS score is under 4.0, we may take longer.".to_owned(),
                "Fixes need 2 approving reviews.".to_owned(),
            ],
            announcements: vec![
                TrackNotices {
                    when: "a supported release branch is affected".to_owned(),
                    notices: vec![NoticeRoute {
                        what: "a notice of the fixed vulnerability".to_owned(),
                        channels: vec![
                            "the GitHub release notes".to_owned(),
                            "the mailing list".to_owned(),
                        ],
                    }],
                },
                TrackNotices {
                    when: "only the main branch is affected".to_owned(),
                    notices: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn renders_every_section() {
        let expected = "\
# Security policy for Connect

## Reporting a vulnerability

Please report suspected vulnerabilities privately, never in a public issue, at <https://embargo.example/p/connect/report>.
You can also e-mail <security@connect.example>.
Encrypt what you send with our PGP key: <https://connect.example/pgp.asc>.
Name the affected component and platform, and include what is needed to reproduce the problem.

## What to expect

We keep you updated from triage to the fix and the release plan. Our targets:

- Acknowledge and analyze the report: within 5 working days of receiving the report.
- Disclose the vulnerability: within 30 days of receiving the report.

## Supported versions

| Component | Fixed on | No longer supported |
|---|---|---|
| go | main, release-1.16 | release-1.14 |
| swift\\_\\* | main | none |

## Disclosure

- If the CVSS score is under 4.0, we may take longer.
- Fixes need 2 approving reviews.

## Announcements

When a supported release branch is affected:

- A notice of the fixed vulnerability, on the GitHub release notes, the mailing list.
";
        assert_eq!(render(&input()), expected);
    }

    /// Every string of the input, with a way to replace it.
    fn fields(p: &mut SecurityPolicy) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = vec![&mut p.project, &mut p.report_url];
        out.extend(p.security_address.iter_mut());
        out.extend(p.pgp_key_url.iter_mut());
        for x in &mut p.promises {
            out.extend([&mut x.what, &mut x.when]);
        }
        for c in &mut p.components {
            out.push(&mut c.name);
            out.extend(
                c.main
                    .iter_mut()
                    .chain(&mut c.supported)
                    .chain(&mut c.unsupported),
            );
        }
        out.extend(p.disclosure.iter_mut());
        for t in &mut p.announcements {
            out.push(&mut t.when);
            for n in &mut t.notices {
                out.push(&mut n.what);
                out.extend(n.channels.iter_mut());
            }
        }
        out
    }

    fn digit_runs(s: &str) -> Vec<String> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_number_in_the_output_comes_from_the_input() {
        let mut p = input();
        let given: BTreeSet<String> = fields(&mut p).iter().flat_map(|f| digit_runs(f)).collect();
        for n in digit_runs(&render(&p)) {
            assert!(given.contains(&n), "{n} is not in the input");
        }
        // Change each number in the input: the output changes with it.
        let count = fields(&mut p).len();
        for i in 0..count {
            let mut changed = input();
            let field = fields(&mut changed).into_iter().nth(i).unwrap();
            let Some(run) = digit_runs(field).into_iter().next() else {
                continue;
            };
            *field = field.replacen(&run, "8642", 1);
            let out = render(&changed);
            assert!(out.contains("8642"), "field {i} did not reach the output");
            assert_ne!(out, render(&input()));
        }
    }

    #[test]
    fn optional_parts_are_left_out_and_text_cannot_break_the_markdown() {
        let p = SecurityPolicy {
            project: "Evil\n# Heading <script>".to_owned(),
            report_url: "not a url".to_owned(),
            ..SecurityPolicy::default()
        };
        let out = render(&p);
        assert!(
            out.starts_with("# Security policy for Evil \\# Heading \\<script\\>\n"),
            "{out}"
        );
        assert!(out.contains("at not a url."), "{out}");
        assert!(!out.contains("e-mail"));
        assert!(!out.contains("PGP"));
        assert!(!out.contains("## What to expect"));
        assert!(!out.contains("## Announcements"));
        assert!(out.contains("No branches are listed yet."));
    }
}
