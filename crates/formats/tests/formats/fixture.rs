//! The Connect project's advisory: three components (Go, Swift, Kotlin), each with a
//! release branch, one disclosed case scored in CVSS v3.1 and v4.0.

use embargo_formats::{
    Advisory, Affected, Cna, Credit, CreditKind, Cwe, Event, Package, Publisher, Range, RangeKind,
    Reference, ReferenceKind, Revision, Severity, TimelineEntry,
};
use jiff::Timestamp;

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// When the tests' imported records "came in".
pub fn received() -> Timestamp {
    ts("2026-02-02T10:00:00Z")
}

/// An OSV record read as `embargo import osv` reads it.
#[track_caller]
pub fn imported(record: &serde_json::Value) -> Advisory {
    embargo_formats::osv::import(record, received())
        .unwrap_or_else(|e| panic!("{e}"))
        .advisory
}

fn range(kind: RangeKind, events: &[Event]) -> Range {
    Range {
        kind,
        repo: None,
        events: events.to_vec(),
        database_specific: None,
    }
}

fn intro(v: &str) -> Event {
    Event::Introduced(v.into())
}

fn fixed(v: &str) -> Event {
    Event::Fixed(v.into())
}

fn component(
    name: &str,
    ecosystem: &str,
    package: &str,
    purl: &str,
    ranges: Vec<Range>,
) -> Affected {
    Affected {
        package: Some(Package {
            ecosystem: ecosystem.into(),
            name: package.into(),
            purl: Some(purl.into()),
        }),
        component: Some(name.into()),
        ranges,
        versions: Vec::new(),
        severity: Vec::new(),
        ecosystem_specific: None,
        database_specific: None,
    }
}

pub fn connect() -> Advisory {
    let mut go_git = range(
        RangeKind::Git,
        &[
            intro("0"),
            fixed("6f1c2a4e8b9d0f3a5c7e9b1d3f5a7c9e1b3d5f70"),
        ],
    );
    go_git.repo = Some("https://github.com/connectrpc/connect-go".into());
    let mut go = component(
        "connect-go",
        "Go",
        "connectrpc.com/connect",
        "pkg:golang/connectrpc.com/connect",
        vec![
            // main (1.18) and the supported 1.17 release branch.
            range(
                RangeKind::Semver,
                &[
                    intro("1.14.0"),
                    fixed("1.17.3"),
                    intro("1.18.0"),
                    fixed("1.18.1"),
                ],
            ),
            go_git,
        ],
    );
    go.ecosystem_specific = Some(
        serde_json::json!({"imports": [{"path": "connectrpc.com/connect", "symbols": ["NewHandler"]}]})
            .as_object()
            .unwrap()
            .clone(),
    );
    Advisory {
        id: "GHSA-9c6p-8r3m-q4wx".into(),
        cve_id: Some("CVE-2025-31337".into()),
        aliases: None,
        related: Vec::new(),
        upstream: Vec::new(),
        summary: Some("Unbounded message size in Connect servers allows memory exhaustion".into()),
        details: Some(
            "Connect servers in **connect-go**, **connect-swift** and **connect-kotlin** read a \
             compressed request body without applying the configured `ReadMaxBytes` limit to \
             the decompressed size.\n\nA small gzip bomb makes the server allocate gigabytes."
                .into(),
        ),
        effect: Some(
            "A remote, unauthenticated client can exhaust the server's memory and stop it."
                .into(),
        ),
        mitigation: Some(
            "Disable request compression on the server (`WithCompression(\"gzip\", nil, nil)` \
             in connect-go) until you can upgrade."
                .into(),
        ),
        publisher: Some(Publisher {
            name: "Connect RPC".into(),
            namespace: "https://connectrpc.com".into(),
            contact: Some("security@connectrpc.com".into()),
        }),
        cna: Some(Cna {
            short_name: "GitHub_M".into(),
            org_id: "a0819718-46f1-4df5-94e2-005712e83aaa".into(),
        }),
        affected: Some(vec![
            go,
            component(
                "connect-swift",
                "SwiftURL",
                "github.com/connectrpc/connect-swift",
                "pkg:swift/github.com/connectrpc/connect-swift",
                vec![range(
                    RangeKind::Semver,
                    &[intro("0.8.0"), fixed("0.13.2"), intro("1.0.0"), fixed("1.0.4")],
                )],
            ),
            component(
                "connect-kotlin",
                "Maven",
                "com.connectrpc:connect-kotlin",
                "pkg:maven/com.connectrpc/connect-kotlin",
                vec![range(RangeKind::Ecosystem, &[intro("0"), fixed("0.7.3")])],
            ),
        ]),
        severity: vec![
            Severity::cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
            Severity::cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"),
        ],
        cwes: vec![Cwe {
            id: "CWE-400".into(),
            name: Some("Uncontrolled Resource Consumption".into()),
        }],
        references: vec![
            Reference {
                kind: ReferenceKind::Advisory,
                url: "https://github.com/connectrpc/connect-go/security/advisories/GHSA-9c6p-8r3m-q4wx".into(),
            },
            Reference {
                kind: ReferenceKind::Fix,
                url: "https://github.com/connectrpc/connect-go/pull/812".into(),
            },
            Reference {
                kind: ReferenceKind::Fix,
                url: "https://github.com/connectrpc/connect-swift/pull/331".into(),
            },
            Reference {
                kind: ReferenceKind::Report,
                url: "https://github.com/connectrpc/connect-go/issues/809".into(),
            },
            Reference {
                kind: ReferenceKind::Web,
                url: "https://connectrpc.com/blog/2025-03-post-mortem".into(),
            },
        ],
        credits: vec![
            Credit {
                name: "Ada Okafor".into(),
                contact: vec!["https://github.com/ada-okafor".into()],
                kind: Some(CreditKind::Finder),
            },
            Credit {
                name: "Ada Okafor".into(),
                contact: Vec::new(),
                kind: Some(CreditKind::Reporter),
            },
            Credit {
                name: "Jun Tanaka".into(),
                contact: Vec::new(),
                kind: Some(CreditKind::Coordinator),
            },
            Credit {
                name: "Priya Raman".into(),
                contact: Vec::new(),
                kind: Some(CreditKind::RemediationDeveloper),
            },
        ],
        published: Some(ts("2025-03-18T16:00:00Z")),
        modified: ts("2025-03-19T09:30:00Z"),
        withdrawn: None,
        revisions: vec![
            Revision {
                number: "1".into(),
                date: ts("2025-03-18T16:00:00Z"),
                summary: "Initial public release.".into(),
            },
            Revision {
                number: "2".into(),
                date: ts("2025-03-19T09:30:00Z"),
                summary: "Added the connect-kotlin fixed version.".into(),
            },
        ],
        timeline: vec![
            TimelineEntry {
                time: ts("2025-02-24T08:12:00Z"),
                value: "Reported to the Connect security team".into(),
            },
            TimelineEntry {
                time: ts("2025-03-11T14:00:00Z"),
                value: "Fixes reviewed on every supported branch".into(),
            },
            TimelineEntry {
                time: ts("2025-03-18T16:00:00Z"),
                value: "Fixed releases published and advisory disclosed".into(),
            },
        ],
        csaf_url: Some(
            "https://connectrpc.com/.well-known/csaf/white/2025/ghsa-9c6p-8r3m-q4wx.json".into(),
        ),
        url: Some("https://connectrpc.com/security/GHSA-9c6p-8r3m-q4wx".into()),
        database_specific: None,
    }
}
