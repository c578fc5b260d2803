//! C17: release notes with CVE, severity, impact, versions per branch, binaries,
//! mitigation and upgrade guide, advisory (and later post-mortem) link; refused until
//! every one of them is there, each gap named.

use crate::fixture::ts;
use embargo_formats::release_notes::{
    Branch, Gap, ReleaseNotes, Vulnerability, check, finalize, render,
};

fn connect_release() -> ReleaseNotes {
    ReleaseNotes {
        name: "connect-go v1.18.1 and v1.17.3".into(),
        date: ts("2025-03-18T16:00:00Z"),
        intro: Some("These patch releases contain one security fix and nothing else.".into()),
        vulnerabilities: vec![Vulnerability {
            cve_id: Some("CVE-2025-31337".into()),
            title: Some(
                "Unbounded message size in Connect servers allows memory exhaustion".into(),
            ),
            cvss: vec![
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H".into(),
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N".into(),
            ],
            cvss_not_applicable: None,
            impact: Some(
                "A remote, unauthenticated client can exhaust a Connect server's memory with \
                 a small compressed request and stop it."
                    .into(),
            ),
            branches: vec![
                Branch {
                    name: "main".into(),
                    affected: ">= 1.18.0, < 1.18.1".into(),
                    fixed: Some("1.18.1".into()),
                },
                Branch {
                    name: "release-1.17".into(),
                    affected: ">= 1.14.0, < 1.17.3".into(),
                    fixed: Some("1.17.3".into()),
                },
            ],
            binaries: Some(
                "Go modules at `connectrpc.com/connect`; no other binaries are published.".into(),
            ),
            mitigation: Some(
                "Disable request compression (`WithCompression(\"gzip\", nil, nil)`) until you \
                 can upgrade."
                    .into(),
            ),
            upgrade: Some(
                "`go get connectrpc.com/connect@v1.18.1` (or `@v1.17.3` on the 1.17 line), then \
                 rebuild and redeploy."
                    .into(),
            ),
            advisory_url: Some(
                "https://github.com/connectrpc/connect-go/security/advisories/GHSA-9c6p-8r3m-q4wx"
                    .into(),
            ),
            post_mortem_url: Some("https://connectrpc.com/blog/2025-03-post-mortem".into()),
        }],
    }
}

#[test]
fn c17_complete_release_notes_are_final_markdown() {
    let notes = connect_release();
    assert_eq!(check(&notes), Ok(()));
    let markdown = finalize(&notes).unwrap();
    assert!(
        markdown.starts_with("Released 2025-03-18 16:00 UTC."),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "**Severity:** High — CVSS v3.1 score 7.5 (`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H`)"
        ),
        "{markdown}"
    );
    assert!(markdown.contains("| release-1.17 | >= 1.14.0, < 1.17.3 | 1.17.3 |"));
    insta::assert_snapshot!("release_notes_final", markdown);
}

#[test]
fn c17_a_draft_renders_with_its_gaps_in_place() {
    let mut notes = connect_release();
    let v = &mut notes.vulnerabilities[0];
    v.cve_id = None;
    v.binaries = None;
    v.post_mortem_url = None;
    v.branches[1].fixed = None;
    let draft = render(&notes);
    assert!(
        draft.contains("### CVE to be assigned: Unbounded message size"),
        "{draft}"
    );
    assert!(draft.contains("**Binaries:** _to be written_"), "{draft}");
    assert!(!draft.contains("Post-mortem"), "{draft}");
    insta::assert_snapshot!("release_notes_draft", draft);
    assert!(finalize(&notes).is_err());
}

/// Blanks one field and returns the gaps `check` names.
fn gaps_without(blank: impl FnOnce(&mut Vulnerability)) -> Vec<Gap> {
    let mut notes = connect_release();
    blank(&mut notes.vulnerabilities[0]);
    check(&notes).unwrap_err().gaps
}

fn only(gaps: &[Gap]) -> &str {
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    &gaps[0].field
}

#[test]
fn c17_refused_without_the_cve_id() {
    let gaps = gaps_without(|v| v.cve_id = None);
    assert_eq!(only(&gaps), "cve_id");
    assert_eq!(gaps[0].to_string(), "vulnerability 1: `cve_id` is missing");
    let gaps = gaps_without(|v| v.cve_id = Some("CVE-25-1".into()));
    assert_eq!(only(&gaps), "cve_id");
    assert!(gaps[0].to_string().contains("`CVE-25-1` is not a CVE id"));
}

/// C13 with C17: a case whose CVSS was recorded as not applicable has its reason as the
/// severity, and its notes can be final.
#[test]
fn c13_c17_cvss_not_applicable_stands_for_the_severity() {
    let mut notes = connect_release();
    notes.vulnerabilities[0].cvss.clear();
    notes.vulnerabilities[0].cvss_not_applicable = Some("A hardening change.".into());
    check(&notes).unwrap();
    let md = render(&notes);
    assert!(
        md.contains("**Severity:** not scored: CVSS does not apply (A hardening change.)"),
        "{md}"
    );
    notes.vulnerabilities[0].cvss_not_applicable = Some("  ".into());
    assert_eq!(only(&check(&notes).unwrap_err().gaps), "severity");
}

#[test]
fn c17_refused_without_the_severity() {
    let gaps = gaps_without(|v| v.cvss.clear());
    assert_eq!(only(&gaps), "severity");
    let gaps = gaps_without(|v| v.cvss = vec!["CVSS:3.1/AV:Q".into()]);
    assert_eq!(only(&gaps), "severity");
    assert!(
        gaps[0].to_string().contains("`CVSS:3.1/AV:Q`"),
        "{}",
        gaps[0]
    );
}

#[test]
fn c17_refused_without_the_impact() {
    assert_eq!(
        only(&gaps_without(|v| v.impact = Some("  ".into()))),
        "impact"
    );
}

#[test]
fn c17_refused_without_versions_per_branch() {
    assert_eq!(only(&gaps_without(|v| v.branches.clear())), "branches");
    assert_eq!(
        only(&gaps_without(|v| v.branches[1].fixed = None)),
        "branches[1].fixed"
    );
    assert_eq!(
        only(&gaps_without(|v| v.branches[0].affected.clear())),
        "branches[0].affected"
    );
}

#[test]
fn c17_refused_without_the_binaries_location() {
    assert_eq!(only(&gaps_without(|v| v.binaries = None)), "binaries");
}

#[test]
fn c17_refused_without_the_mitigation() {
    assert_eq!(only(&gaps_without(|v| v.mitigation = None)), "mitigation");
}

#[test]
fn c17_refused_without_the_upgrade_guide() {
    assert_eq!(only(&gaps_without(|v| v.upgrade = None)), "upgrade");
}

#[test]
fn c17_refused_without_the_advisory_link() {
    assert_eq!(
        only(&gaps_without(|v| v.advisory_url = None)),
        "advisory_url"
    );
}

#[test]
fn c17_the_post_mortem_link_is_not_required() {
    assert_eq!(
        check(&{
            let mut n = connect_release();
            n.vulnerabilities[0].post_mortem_url = None;
            n
        }),
        Ok(())
    );
}

#[test]
fn c17_every_gap_of_every_vulnerability_is_named_at_once() {
    let mut notes = connect_release();
    let mut second = notes.vulnerabilities[0].clone();
    second.cve_id = Some("CVE-2025-40001".into());
    second.impact = None;
    second.mitigation = None;
    notes.vulnerabilities.push(second);
    notes.vulnerabilities[0].binaries = None;
    notes.name.clear();
    let err = check(&notes).unwrap_err();
    let named: Vec<(Option<usize>, &str)> = err
        .gaps
        .iter()
        .map(|g| (g.vulnerability, g.field.as_str()))
        .collect();
    assert_eq!(
        named,
        [
            (None, "name"),
            (Some(0), "binaries"),
            (Some(1), "impact"),
            (Some(1), "mitigation")
        ]
    );
    assert_eq!(
        err.to_string(),
        "the release notes cannot be final yet: `name` is missing; vulnerability 1 \
         (CVE-2025-31337): `binaries` is missing; vulnerability 2 (CVE-2025-40001): `impact` \
         is missing; vulnerability 2 (CVE-2025-40001): `mitigation` is missing"
    );
    let none = ReleaseNotes {
        vulnerabilities: Vec::new(),
        ..connect_release()
    };
    assert_eq!(only(&check(&none).unwrap_err().gaps), "vulnerabilities");
}
