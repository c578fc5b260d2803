//! Notices (V3, V4, V9, V10, C18): the four defaults rendered in Markdown and plain text,
//! templates refused with the line of each problem, renders refused without a required
//! value.

use crate::fixture::ts;
use embargo_formats::notice::{Cve, Field, Kind, RenderError, Template, TemplateError, Values};

fn values() -> Values {
    Values {
        project: Some("Vitess".into()),
        summary: Some("VTGate crashes on a malformed MySQL handshake".into()),
        release_date: Some(ts("2025-06-10T16:00:00Z")),
        affected_versions: vec!["v19.0.0 – v19.0.8".into(), "v20.0.0 – v20.0.5".into()],
        fixed_versions: vec!["v19.0.9".into(), "v20.0.6".into()],
        upgrade_to: vec!["v20.0.6".into(), "v21.0.2".into()],
        mitigation: Some(
            "Allow connections to VTGate's MySQL port only from your application hosts."
                .into(),
        ),
        cvss: vec!["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H".into()],
        cves: vec![Cve {
            id: "CVE-2025-40123".into(),
            url: None,
        }],
        upgrade_instructions: Some(
            "Upgrade VTGate first, then the other components, as in the [upgrade guide](https://vitess.io/docs/upgrading/)."
                .into(),
        ),
        advisory_url: Some(
            "https://github.com/vitessio/vitess/security/advisories/GHSA-xxxx-yyyy-zzzz".into(),
        ),
        release_notes_url: Some("https://github.com/vitessio/vitess/releases/tag/v20.0.6".into()),
    }
}

fn snapshot(kind: Kind, name: &str) {
    let notice = Template::default_for(kind).render(&values()).unwrap();
    assert_eq!(notice.kind, kind);
    insta::assert_snapshot!(
        name,
        format!(
            "subject: {}\n\n--- markdown ---\n{}\n--- text ---\n{}",
            notice.subject, notice.markdown, notice.text
        )
    );
}

#[test]
fn v9_forthcoming_fix_default() {
    let notice = Template::default_for(Kind::ForthcomingFix)
        .render(&values())
        .unwrap();
    assert_eq!(
        notice.subject,
        "Vitess: security release on 2025-06-10 16:00 UTC"
    );
    // No details of the flaw: not its summary, not where it is described.
    assert!(
        !notice.markdown.contains("VTGate crashes"),
        "{}",
        notice.markdown
    );
    assert!(!notice.markdown.contains("CVE-2025-40123"));
    assert!(!notice.markdown.contains("advisories"));
    snapshot(Kind::ForthcomingFix, "notice_forthcoming_fix");
}

#[test]
fn v10_c18_fixed_vulnerability_default() {
    let notice = Template::default_for(Kind::FixedVulnerability)
        .render(&values())
        .unwrap();
    assert!(
        notice
            .markdown
            .contains("- CVE: [CVE-2025-40123](https://www.cve.org/CVERecord?id=CVE-2025-40123)")
    );
    assert!(
        notice
            .text
            .contains("- CVE: CVE-2025-40123 (https://www.cve.org/CVERecord?id=CVE-2025-40123)")
    );
    assert!(notice.markdown.contains("- Severity: High (CVSS v3.1 7.5)"));
    snapshot(Kind::FixedVulnerability, "notice_fixed_vulnerability");
}

#[test]
fn v3_courtesy_notice_default() {
    snapshot(Kind::Courtesy, "notice_courtesy");
}

#[test]
fn v4_upgrade_notice_default() {
    snapshot(Kind::Upgrade, "notice_upgrade");
}

#[test]
fn a_line_showing_an_optional_field_without_a_value_is_left_out() {
    let mut v = values();
    v.cvss.clear();
    let notice = Template::default_for(Kind::ForthcomingFix)
        .render(&v)
        .unwrap();
    assert!(!notice.markdown.contains("Severity"), "{}", notice.markdown);
    assert!(
        notice
            .markdown
            .contains("Affected versions: v19.0.0 – v19.0.8, v20.0.0 – v20.0.5\n\n")
    );
}

#[test]
fn render_refuses_without_a_required_value_naming_it() {
    let mut v = values();
    v.release_date = None;
    assert_eq!(
        Template::default_for(Kind::ForthcomingFix).render(&v),
        Err(RenderError::Missing {
            field: Field::ReleaseDate,
            kind: Kind::ForthcomingFix
        })
    );
    let mut v = values();
    v.mitigation = Some("  ".into());
    let err = Template::default_for(Kind::ForthcomingFix)
        .render(&v)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a forthcoming-fix notice needs a value for `{mitigation}`"
    );
    let mut v = values();
    v.cves.clear();
    assert!(matches!(
        Template::default_for(Kind::FixedVulnerability).render(&v),
        Err(RenderError::Missing {
            field: Field::CveLinks,
            ..
        })
    ));
    let mut v = values();
    v.cvss = vec!["CVSS:3.1/AV:N".into()];
    let err = Template::default_for(Kind::FixedVulnerability)
        .render(&v)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`{severity}`: `CVSS:3.1/AV:N` is not a CVSS vector"),
        "{err}"
    );
}

#[test]
fn each_kind_requires_its_fields() {
    use Field::*;
    assert_eq!(
        Kind::ForthcomingFix.required(),
        [Project, ReleaseDate, AffectedVersions, Mitigation]
    );
    assert_eq!(
        Kind::FixedVulnerability.required(),
        [
            Project,
            FixedVersions,
            CveLinks,
            Severity,
            UpgradeInstructions,
            AdvisoryUrl,
            ReleaseNotesUrl
        ]
    );
    assert_eq!(
        Kind::Courtesy.required(),
        [Project, Summary, AffectedVersions, AdvisoryUrl]
    );
    assert_eq!(
        Kind::Upgrade.required(),
        [Project, Summary, AffectedVersions, UpgradeTo]
    );
}

fn errors(kind: Kind, source: &str) -> Vec<String> {
    Template::parse(kind, source)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const MINIMAL_FORTHCOMING: &str =
    "# {project} on {release_date}\n\nAffected: {affected_versions}\n\n{mitigation}\n";

#[test]
fn a_template_naming_an_unknown_field_is_refused_with_its_line() {
    assert!(Template::parse(Kind::ForthcomingFix, MINIMAL_FORTHCOMING).is_ok());
    let source = format!("{MINIMAL_FORTHCOMING}\nSee {{relase_notes}}.\n");
    let found = errors(Kind::ForthcomingFix, &source);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("line 7: `{relase_notes}` is not a field; the fields of a forthcoming-fix notice are {project}, {release_date}"),
        "{}",
        found[0]
    );
}

#[test]
fn a_forthcoming_fix_cannot_show_the_flaw() {
    let source = format!("{MINIMAL_FORTHCOMING}It is about: {{summary}} ({{advisory_url}})\n");
    assert_eq!(
        errors(Kind::ForthcomingFix, &source),
        [
            "line 6: a forthcoming-fix notice cannot show `{summary}`: it must not describe the flaw before the fix is out",
            "line 6: a forthcoming-fix notice cannot show `{advisory_url}`: it must not describe the flaw before the fix is out",
        ]
    );
}

#[test]
fn malformed_braces_are_refused_with_their_line() {
    let source = format!(
        "{MINIMAL_FORTHCOMING}Open {{release_date\nClose }} here\n{{Release Date}}\n{{}}\n"
    );
    let found = errors(Kind::ForthcomingFix, &source);
    assert_eq!(
        found,
        [
            "line 6: a `{` opens a field that is not closed; write `{{` for a brace",
            "line 7: a `}` closes no field; write `}}` for a brace",
            "line 8: `{Release Date}` is not a field name (lower-case letters and `_`); write `{{` for a brace",
            "line 9: `{}` is not a field name (lower-case letters and `_`); write `{{` for a brace",
        ]
    );
    // Doubled braces are literal.
    let t = Template::parse(
        Kind::ForthcomingFix,
        &format!("{MINIMAL_FORTHCOMING}Use {{{{braces}}}}.\n"),
    )
    .unwrap();
    assert!(
        t.render(&values())
            .unwrap()
            .markdown
            .contains("Use {braces}.")
    );
}

#[test]
fn a_template_without_a_title_or_a_required_field_is_refused() {
    let found = errors(
        Kind::ForthcomingFix,
        "Fix on {release_date}.\n{mitigation}\n",
    );
    assert_eq!(
        found,
        [
            "line 1: the first line is the notice's title and starts with `# `",
            "a forthcoming-fix notice must show `{project}`",
            "a forthcoming-fix notice must show `{affected_versions}`",
        ]
    );
    assert!(matches!(
        Template::parse(
            Kind::Upgrade,
            "# {project}\n{summary} {affected_versions}\n"
        )
        .unwrap_err()[..],
        [TemplateError::MissingField {
            field: Field::UpgradeTo,
            kind: Kind::Upgrade
        }]
    ));
}
