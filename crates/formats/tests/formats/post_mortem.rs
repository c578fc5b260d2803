//! C19: the blameless post-mortem, in Markdown and as the server's page pieces.

use crate::fixture::ts;
use embargo_formats::post_mortem::{Moment, Person, PostMortem, Step, check, page, render};

fn connect_post_mortem() -> PostMortem {
    let at = |s: &str, step: Step, by: Option<usize>| Moment {
        at: ts(s),
        step,
        by,
    };
    PostMortem {
        subject: "CVE-2025-31337, unbounded message size in Connect servers".into(),
        project: "Connect".into(),
        advisory_url: Some(
            "https://github.com/connectrpc/connect-go/security/advisories/GHSA-9c6p-8r3m-q4wx"
                .into(),
        ),
        release_notes_url: Some(
            "https://github.com/connectrpc/connect-go/releases/tag/v1.18.1".into(),
        ),
        summary: Some(
            "A compressed request could make a Connect server allocate far more memory than \
             its `ReadMaxBytes` limit. Fixed releases shipped 22 days after the report."
                .into(),
        ),
        // Out of order on purpose: the page shows them by time.
        timeline: vec![
            at(
                "2025-03-18T16:00:00Z",
                Step::Released {
                    version: "connect-go 1.18.1".into(),
                },
                None,
            ),
            at("2025-02-24T08:12:00Z", Step::Received, Some(0)),
            at("2025-02-24T15:40:00Z", Step::Acknowledged, Some(1)),
            at("2025-02-26T10:05:00Z", Step::Confirmed, Some(1)),
            at(
                "2025-03-03T09:00:00Z",
                Step::Other("CVE-2025-31337 assigned".into()),
                None,
            ),
            at(
                "2025-03-11T14:00:00Z",
                Step::FixMerged {
                    branch: "main".into(),
                },
                Some(2),
            ),
            at(
                "2025-03-11T16:30:00Z",
                Step::FixMerged {
                    branch: "release-1.17".into(),
                },
                Some(2),
            ),
            at("2025-03-18T16:05:00Z", Step::Disclosed, Some(1)),
        ],
        root_cause: "The decompressing reader was wrapped around the body *after* the size \
                     check, so `ReadMaxBytes` limited the compressed bytes only."
            .into(),
        went_well: vec![
            "The report came with a reproducer; confirmation took two days.".into(),
            "Every supported branch was fixed in the same week.".into(),
        ],
        to_improve: vec![
            "The Swift and Kotlin implementations were checked a week after Go; check every \
             implementation as soon as one is confirmed."
                .into(),
        ],
        prevention: vec![
            "A conformance test sends a compression bomb to every implementation.".into(),
            "Limits are applied to decompressed bytes in one shared helper.".into(),
        ],
        people: vec![
            Person {
                role: "reporter".into(),
                name: Some("Ada Okafor".into()),
                agreed_to_be_named: true,
            },
            Person {
                role: "response coordinator".into(),
                name: Some("Jun Tanaka".into()),
                agreed_to_be_named: true,
            },
            Person {
                role: "maintainer of connect-go".into(),
                name: Some("Priya Raman".into()),
                agreed_to_be_named: false,
            },
        ],
    }
}

#[test]
fn c19_post_mortem_markdown() {
    let pm = connect_post_mortem();
    assert_eq!(check(&pm), Ok(()));
    let markdown = render(&pm);
    insta::assert_snapshot!("post_mortem", markdown);
}

#[test]
fn c19_post_mortem_page_pieces() {
    let p = page(&connect_post_mortem());
    let headings: Vec<&str> = p.sections.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(
        headings,
        [
            "Root cause",
            "What went well",
            "What we can improve",
            "Preventing similar vulnerabilities",
            "Thanks"
        ]
    );
    let times: Vec<&str> = p.timeline.iter().map(|(t, _)| t.as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "oldest first");
    assert_eq!(times[0], "2025-02-24 08:12 UTC");
    insta::assert_debug_snapshot!("post_mortem_page", p);
}

#[test]
fn c19_people_appear_by_role_unless_they_agreed_to_be_named() {
    let pm = connect_post_mortem();
    let markdown = render(&pm);
    assert!(markdown.contains("Report received from Ada Okafor (reporter)."));
    assert!(markdown.contains("Fix merged on main by the maintainer of connect-go."));
    assert!(!markdown.contains("Priya"), "{markdown}");
    assert!(!format!("{:?}", page(&pm)).contains("Priya"));
}

#[test]
fn c19_nothing_typed_reaches_the_page_as_html() {
    let mut pm = connect_post_mortem();
    pm.subject = "<script>alert(1)</script>".into();
    pm.timeline[4].step = Step::Other("Talk at <b>FOSDEM</b> & \"lunch\"".into());
    let p = page(&pm);
    assert_eq!(
        p.title.as_str(),
        "Post-mortem: &lt;script&gt;alert(1)&lt;/script&gt;"
    );
    assert!(
        p.timeline.iter().any(
            |(_, w)| w.as_str() == "Talk at &lt;b&gt;FOSDEM&lt;/b&gt; &amp; &quot;lunch&quot;."
        ),
        "{:?}",
        p.timeline
    );
}

#[test]
fn c19_headings_are_blameless() {
    let markdown = render(&connect_post_mortem());
    for heading in markdown.lines().filter(|l| l.starts_with('#')) {
        let h = heading.to_lowercase();
        for word in ["fault", "blame", "mistake", "wrong", "failure", "who"] {
            assert!(!h.contains(word), "{heading}");
        }
    }
}

#[test]
fn c19_a_post_mortem_needs_its_facts_before_publication() {
    let mut pm = connect_post_mortem();
    pm.root_cause.clear();
    pm.prevention.clear();
    pm.timeline[1].by = Some(9);
    let gaps = check(&pm).unwrap_err();
    let fields: Vec<&str> = gaps.iter().map(|g| g.field.as_str()).collect();
    assert_eq!(fields, ["timeline[1].by", "root_cause", "prevention"]);
    assert_eq!(
        gaps[0].to_string(),
        "`timeline[1].by` names nobody in `people`"
    );
    pm.timeline.clear();
    assert!(
        check(&pm)
            .unwrap_err()
            .iter()
            .any(|g| g.field == "timeline")
    );
}
