//! The advisory's life after disclosure (issue 14, item 5): an updated advisory is a
//! new revision everywhere; a withdrawn one stays published, marked withdrawn in every
//! format. Each document is held in a snapshot and checked against its schema (CSAF
//! against the mandatory tests too). And credits never publish contact details.

use crate::csaf_checks::run_all;
use crate::fixture::{connect, ts};
use crate::schemas::{assert_valid, csaf, cve, osv};
use embargo_formats::{
    Advisory, Credit, CreditKind, Event, Reference, ReferenceKind, Revision, Withdrawal,
};
use serde_json::Value;

/// Connect's advisory a week later: the 1.16 branch is fixed too, with its pull
/// request, recorded as revision 3.
fn updated() -> Advisory {
    let mut a = connect();
    let go = &mut a.affected.as_mut().unwrap()[0];
    go.ranges[0].events.splice(
        0..0,
        [
            Event::Introduced("1.14.0".into()),
            Event::Fixed("1.16.4".into()),
        ],
    );
    go.ranges[0].events[2] = Event::Introduced("1.17.0".into());
    a.references.push(Reference {
        kind: ReferenceKind::Fix,
        url: "https://github.com/connectrpc/connect-go/pull/815".into(),
    });
    a.modified = ts("2025-03-25T12:00:00Z");
    a.revisions.push(Revision {
        number: "3".into(),
        date: ts("2025-03-25T12:00:00Z"),
        summary: "connect-go 1.16.4 fixes the 1.16 release line.".into(),
    });
    a
}

/// Connect's advisory withdrawn: the report turned out to describe a documented limit.
fn withdrawn() -> Advisory {
    let mut a = connect();
    a.withdrawn = Some(Withdrawal {
        at: ts("2025-04-02T08:00:00Z"),
        reason: Some(
            "the reported memory use is bounded by the documented ReadMaxBytes default; \
             not a vulnerability"
                .into(),
        ),
    });
    a.modified = ts("2025-04-02T08:00:00Z");
    a
}

fn documents(a: &Advisory) -> [(&'static str, Value); 3] {
    let osv_doc = embargo_formats::osv::export(a).unwrap();
    assert_valid(osv(), &osv_doc);
    let cve_doc = embargo_formats::cve::export(a).unwrap();
    assert_valid(cve(), &cve_doc);
    let csaf_doc = embargo_formats::csaf::export(a).unwrap();
    assert_valid(csaf(), &csaf_doc);
    let problems = run_all(&csaf_doc);
    assert!(problems.is_empty(), "{problems:#?}");
    [("osv", osv_doc), ("cve", cve_doc), ("csaf", csaf_doc)]
}

#[test]
fn an_updated_advisory_is_a_new_revision_in_every_format() {
    let a = updated();
    let [(_, osv_doc), (_, cve_doc), (_, csaf_doc)] = documents(&a);
    assert_eq!(osv_doc["modified"], "2025-03-25T12:00:00Z");
    assert_eq!(
        cve_doc["cveMetadata"]["dateUpdated"],
        "2025-03-25T12:00:00Z"
    );
    let tracking = &csaf_doc["document"]["tracking"];
    assert_eq!(tracking["version"], "3");
    assert_eq!(tracking["current_release_date"], "2025-03-25T12:00:00Z");
    assert_eq!(tracking["revision_history"].as_array().unwrap().len(), 3);
    assert_eq!(tracking["status"], "final");
    for (name, doc) in documents(&a) {
        insta::assert_json_snapshot!(format!("updated_{name}"), doc);
    }
}

#[test]
fn a_withdrawn_advisory_says_so_in_every_format() {
    let a = withdrawn();
    let [(_, osv_doc), (_, cve_doc), (_, csaf_doc)] = documents(&a);
    assert_eq!(osv_doc["withdrawn"], "2025-04-02T08:00:00Z");
    assert_eq!(osv_doc["modified"], "2025-04-02T08:00:00Z");
    let details = osv_doc["details"].as_str().unwrap();
    assert!(
        details.starts_with(
            "## Withdrawn\n\nThis advisory was withdrawn on 2025-04-02: the reported memory use"
        ) && details.contains("## Original description\n\nConnect servers"),
        "{details}"
    );

    let cna = &cve_doc["containers"]["cna"];
    assert_eq!(cve_doc["cveMetadata"]["state"], "PUBLISHED");
    assert_eq!(cna["tags"], serde_json::json!(["x_withdrawn"]));
    let description = cna["descriptions"][0]["value"].as_str().unwrap();
    assert!(
        description.starts_with("** WITHDRAWN ** This advisory was withdrawn on 2025-04-02:"),
        "{description}"
    );
    let timeline = cna["timeline"].as_array().unwrap();
    assert_eq!(timeline.last().unwrap()["time"], "2025-04-02T08:00:00Z");

    let document = &csaf_doc["document"];
    assert_eq!(document["notes"][0]["title"], "Withdrawn");
    let tracking = &document["tracking"];
    assert_eq!(tracking["status"], "final");
    assert_eq!(tracking["version"], "3");
    assert_eq!(tracking["current_release_date"], "2025-04-02T08:00:00Z");
    let last = tracking["revision_history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap();
    assert_eq!(last["number"], "3");
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .starts_with("Withdrawn: the reported memory use"),
        "{last}"
    );
    for (name, doc) in documents(&a) {
        insta::assert_json_snapshot!(format!("withdrawn_{name}"), doc);
    }
}

/// A history that already records the withdrawal gets no second entry for it, and a
/// semantic-versioned history steps the major number.
#[test]
fn the_withdrawal_revision_is_added_once_in_the_histories_scheme() {
    let mut a = withdrawn();
    a.revisions.push(Revision {
        number: "3".into(),
        date: ts("2025-04-02T08:00:00Z"),
        summary: "Withdrawn.".into(),
    });
    let doc = embargo_formats::csaf::export(&a).unwrap();
    assert_eq!(
        doc["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let mut a = withdrawn();
    for (r, n) in a.revisions.iter_mut().zip(["1.0.0", "1.1.0"]) {
        r.number = n.into();
    }
    let doc = embargo_formats::csaf::export(&a).unwrap();
    assert_valid(csaf(), &doc);
    assert!(run_all(&doc).is_empty());
    assert_eq!(doc["document"]["tracking"]["version"], "2.0.0");
}

/// Issue 12, item 5: a credit names the person and their role; their e-mail and other
/// contact details stay with the team, in every format.
#[test]
fn credits_never_publish_contact_details_in_any_format() {
    let mut a = connect();
    a.credits.push(Credit {
        name: "Sam Reporter".into(),
        contact: vec![
            "mailto:sam.reporter@example.org".into(),
            "sam.reporter@example.org".into(),
            "https://sam.example.org/about".into(),
        ],
        kind: Some(CreditKind::Reporter),
    });
    for (name, doc) in documents(&a) {
        let text = doc.to_string();
        assert!(text.contains("Sam Reporter"), "{name}: the credit is there");
        for contact in [
            "sam.reporter@example.org",
            "sam.example.org",
            "github.com/ada-okafor",
        ] {
            assert!(!text.contains(contact), "{name} publishes `{contact}`");
        }
    }
}
