//! The permission matrix: every case route × every kind of caller. Each cell runs on
//! a fresh case set up for that route; a caller who may not see the case gets exactly
//! the answer a made-up case id gets, and a refused call leaves no trace.

use super::support::*;
use embargo_core::project::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Reporter,
    OtherReporter,
    MaintainerNotOnCase,
    Collaborator,
    Coordinator,
    SecurityTeam,
    ProjectAdmin,
    InstanceAdmin,
    OtherProjectMember,
}

use Who::*;
const EVERYONE: [Who; 10] = [
    Anonymous,
    Reporter,
    OtherReporter,
    MaintainerNotOnCase,
    Collaborator,
    Coordinator,
    SecurityTeam,
    ProjectAdmin,
    InstanceAdmin,
    OtherProjectMember,
];

struct People {
    sam: Person,
    ada: Person,
    cody: Person,
    colin: Person,
    otto: Person,
    ivy: Person,
    olga: Person,
    other_tracking: String,
}

/// The state a route needs before the caller acts.
#[derive(Clone, Copy)]
enum Setup {
    /// Acknowledged, Cody coordinates, Colin collaborates; a shared and an internal file.
    Triage,
    /// Not yet acknowledged (Cody and Colin on it).
    Received,
    /// No coordinator yet; Cody and Colin collaborate.
    Unclaimed,
    /// As `Triage`, with question 1 open.
    Question,
    /// As `Triage`, then confirmed (C11).
    Confirmed,
    /// As `Confirmed`, with go/main affected (main-only: main on the checklist).
    Affected,
    /// As `Affected`, with fix 1 on main written by Otto (so every caller may review it).
    WithFix,
    /// As `WithFix`, approved by Sam.
    ApprovedFix,
    /// As `Confirmed`, with a release plan Cody proposed (C6).
    Planned,
    /// As `Planned`, the reporter accepted the date.
    Agreed,
    /// As `Agreed`, with disclosure scheduled for the release time.
    Scheduled,
    /// As `Agreed`, with a CVE ID, the final CVSS and final release notes (C17).
    Ready,
    /// As `Ready`, then disclosed (C18).
    Disclosed,
    /// As `Confirmed`, shared with guest 1 from another project (C5).
    Shared,
}

struct Fresh {
    id: String,
    tracking: String,
    shared_file: String,
    internal_file: String,
}

async fn fresh(t: &TestApp, p: &People, setup: Setup) -> Fresh {
    let (id, tracking) = t.report("connect", minimal_report("matrix")).await;
    let case = format!("/api/v1/cases/{id}");
    let sam = Some(p.sam.token.as_str());
    let ok = |(s, v): (StatusCode, Value)| {
        assert!(s.is_success(), "setup failed: {s} {v}");
        v
    };
    let upload = |token: &str, visibility: &str, name: &str| {
        let form = reqwest::multipart::Form::new()
            .text("visibility", visibility.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"proof".to_vec()).file_name(name.to_owned()),
            );
        t.req(Method::POST, &format!("{case}/attachments"), Some(token))
            .multipart(form)
            .send()
    };
    let (_, v) = json_of(upload(&tracking, "shared", "poc.txt").await.unwrap()).await;
    let shared_file = v["attachments"][0]["id"].as_str().unwrap().to_owned();
    let (_, v) = json_of(
        upload(&p.sam.token, "internal", "analysis.txt")
            .await
            .unwrap(),
    )
    .await;
    let internal_file = v["attachments"][1]["id"].as_str().unwrap().to_owned();
    ok(t.post(
        &format!("{case}/collaborators"),
        sam,
        json!({ "user_id": p.colin.id }),
    )
    .await);
    match setup {
        Setup::Unclaimed => {
            ok(t.post(
                &format!("{case}/collaborators"),
                sam,
                json!({ "user_id": p.cody.id }),
            )
            .await);
            ok(t.post(&format!("{case}/acknowledge"), sam, json!({})).await);
        }
        Setup::Received
        | Setup::Triage
        | Setup::Question
        | Setup::Confirmed
        | Setup::Affected
        | Setup::WithFix
        | Setup::ApprovedFix
        | Setup::Planned
        | Setup::Agreed
        | Setup::Scheduled
        | Setup::Ready
        | Setup::Disclosed
        | Setup::Shared => {
            ok(t.post(&format!("{case}/claim"), sam, json!({})).await);
            ok(t.post(
                &format!("{case}/hand-over"),
                sam,
                json!({ "user_id": p.cody.id }),
            )
            .await);
            if !matches!(setup, Setup::Received) {
                ok(t.post(&format!("{case}/acknowledge"), sam, json!({})).await);
            }
            if !matches!(
                setup,
                Setup::Received | Setup::Triage | Setup::Question | Setup::Unclaimed
            ) {
                ok(t.post(
                    &format!("{case}/decision"),
                    sam,
                    json!({ "outcome": "confirmed" }),
                )
                .await);
            }
            if matches!(setup, Setup::Affected | Setup::WithFix | Setup::ApprovedFix) {
                ok(t.put(
                    &format!("{case}/affected"),
                    sam,
                    json!({ "branches": [{ "component": "go", "branch": "main" }] }),
                )
                .await);
            }
            if matches!(setup, Setup::WithFix | Setup::ApprovedFix) {
                ok(t.post(
                    &format!("{case}/fixes"),
                    sam,
                    json!({ "component": "go", "branch": "main", "reference": "https://git.example/pr/1", "author_id": p.otto.id }),
                )
                .await);
            }
            if matches!(setup, Setup::ApprovedFix) {
                ok(t.post(&format!("{case}/fixes/1/approvals"), sam, json!({}))
                    .await);
            }
            let cody = Some(p.cody.token.as_str());
            if matches!(setup, Setup::Ready | Setup::Disclosed) {
                ok(t.post(
                    &format!("{case}/cve"),
                    cody,
                    json!({ "assigned": "CVE-2026-4242" }),
                )
                .await);
                ok(json_of(
                    t.req(Method::PUT, &format!("{case}/cvss"), cody)
                        .json(&json!({
                            "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                            "effect": "Denial of service."
                        }))
                        .send()
                        .await
                        .unwrap(),
                )
                .await);
                ok(json_of(
                    t.req(Method::PUT, &format!("{case}/advisory"), cody)
                        .json(&json!({
                            "summary": "Unbounded allocation",
                            "affected": [{ "component": "go", "introduced": "0", "fixed": "1.17.0" }]
                        }))
                        .send()
                        .await
                        .unwrap(),
                )
                .await);
                release_ready(t, &id, &p.cody.token, &tracking).await;
            }
            if matches!(setup, Setup::Planned | Setup::Agreed | Setup::Scheduled) {
                ok(json_of(
                    t.req(Method::PUT, &format!("{case}/release-plan"), cody)
                        .json(&release_plan(t))
                        .send()
                        .await
                        .unwrap(),
                )
                .await);
            }
            if matches!(setup, Setup::Agreed | Setup::Scheduled) {
                ok(t.post(
                    &format!("{case}/release-plan/accept"),
                    Some(&tracking),
                    json!({}),
                )
                .await);
            }
            if matches!(setup, Setup::Scheduled) {
                ok(
                    t.post(&format!("{case}/disclosure/schedule"), cody, json!({}))
                        .await,
                );
            }
            if matches!(setup, Setup::Disclosed) {
                ok(t.post(&format!("{case}/disclose"), cody, json!({})).await);
            }
            if matches!(setup, Setup::Shared) {
                ok(t.post(&format!("{case}/guests"), sam, guest_invitation(p))
                    .await);
            }
            if matches!(setup, Setup::Question) {
                ok(t.post(
                    &format!("{case}/questions"),
                    sam,
                    json!({ "body": "Which version?" }),
                )
                .await);
            }
        }
    }
    Fresh {
        id,
        tracking,
        shared_file,
        internal_file,
    }
}

fn guest_invitation(_: &People) -> Value {
    json!({ "email": "uma@grpc.example", "shares": ["report", "fixes"],
            "reason": "the fix needs a change in grpc-go" })
}

fn token<'a>(p: &'a People, f: &'a Fresh, who: Who) -> Option<&'a str> {
    match who {
        Anonymous => None,
        Reporter => Some(&f.tracking),
        OtherReporter => Some(&p.other_tracking),
        MaintainerNotOnCase => Some(&p.otto.token),
        Collaborator => Some(&p.colin.token),
        Coordinator => Some(&p.cody.token),
        SecurityTeam => Some(&p.sam.token),
        ProjectAdmin => Some(&p.ada.token),
        InstanceAdmin => Some(&p.ivy.token),
        OtherProjectMember => Some(&p.olga.token),
    }
}

/// A route, the state it needs, its request, and the status per caller (in the
/// order of `EVERYONE`).
struct Row {
    name: &'static str,
    setup: Setup,
    method: Method,
    path: fn(&Fresh, &People) -> String,
    body: fn(&People) -> Option<Value>,
    expect: [u16; 10],
}

const SEE: [u16; 10] = [404, 200, 404, 404, 200, 200, 200, 200, 404, 404];
const LEAD: [u16; 10] = [404, 403, 404, 404, 403, 200, 200, 200, 404, 404];
const WORK: [u16; 10] = [404, 403, 404, 404, 200, 200, 200, 200, 404, 404];
const ANYONE_ON_IT: [u16; 10] = SEE;
/// The case's coordinator alone (C13, C14, C17, C18).
const COORDINATOR: [u16; 10] = [404, 403, 404, 404, 403, 200, 403, 403, 404, 404];

/// The reporter of the case alone (C6).
const REPORTER: [u16; 10] = [404, 200, 404, 404, 403, 403, 403, 403, 404, 404];

fn rows() -> Vec<Row> {
    let none: fn(&People) -> Option<Value> = |_| None;
    let empty: fn(&People) -> Option<Value> = |_| Some(json!({}));
    let body: fn(&People) -> Option<Value> = |_| Some(json!({ "body": "text" }));
    vec![
        Row {
            name: "GET case",
            setup: Setup::Triage,
            method: Method::GET,
            path: |f, _| format!("/api/v1/cases/{}", f.id),
            body: none,
            expect: SEE,
        },
        Row {
            name: "GET events",
            setup: Setup::Triage,
            method: Method::GET,
            path: |f, _| format!("/api/v1/cases/{}/events", f.id),
            body: none,
            expect: SEE,
        },
        Row {
            name: "GET shared attachment",
            setup: Setup::Triage,
            method: Method::GET,
            path: |f, _| format!("/api/v1/cases/{}/attachments/{}", f.id, f.shared_file),
            body: none,
            expect: SEE,
        },
        Row {
            name: "GET internal attachment",
            setup: Setup::Triage,
            method: Method::GET,
            path: |f, _| format!("/api/v1/cases/{}/attachments/{}", f.id, f.internal_file),
            body: none,
            expect: [404, 404, 404, 404, 200, 200, 200, 200, 404, 404],
        },
        Row {
            name: "acknowledge",
            setup: Setup::Received,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/acknowledge", f.id),
            body: empty,
            expect: LEAD,
        },
        Row {
            name: "claim",
            setup: Setup::Unclaimed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/claim", f.id),
            body: empty,
            // Cody is only a collaborator in this setup, so he may claim too.
            expect: [404, 403, 404, 404, 200, 200, 200, 200, 404, 404],
        },
        Row {
            name: "hand over",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/hand-over", f.id),
            body: |p| Some(json!({ "user_id": p.ada.id })),
            // Handing over to Ada when Ada already coordinates is a state conflict.
            expect: [404, 403, 404, 404, 403, 200, 200, 200, 404, 404],
        },
        Row {
            name: "add collaborator",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/collaborators", f.id),
            body: |p| Some(json!({ "user_id": p.otto.id })),
            expect: LEAD,
        },
        Row {
            name: "remove collaborator",
            setup: Setup::Triage,
            method: Method::DELETE,
            path: |f, p| format!("/api/v1/cases/{}/collaborators/{}", f.id, p.colin.id),
            body: none,
            expect: LEAD,
        },
        Row {
            name: "message",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/messages", f.id),
            body,
            expect: ANYONE_ON_IT,
        },
        Row {
            name: "note",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/notes", f.id),
            body,
            expect: WORK,
        },
        Row {
            name: "ask reporter",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/questions", f.id),
            body,
            expect: LEAD,
        },
        Row {
            name: "answer",
            setup: Setup::Question,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/questions/1/answer", f.id),
            body,
            expect: [404, 200, 404, 404, 403, 403, 403, 403, 404, 404],
        },
        Row {
            name: "preliminary decision",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/preliminary-decision", f.id),
            body: |_| Some(json!({ "assessment": "needs-analysis" })),
            expect: LEAD,
        },
        Row {
            name: "final decision",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/decision", f.id),
            body: |_| Some(json!({ "outcome": "confirmed" })),
            expect: LEAD,
        },
        Row {
            name: "propose a CVSS vector (C13)",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/cvss/proposals", f.id),
            body: |_| Some(json!({ "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" })),
            expect: ANYONE_ON_IT,
        },
        Row {
            name: "set the CVSS score (C13)",
            setup: Setup::Triage,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/cvss", f.id),
            body: |_| {
                Some(json!({
                    "cvss_v3_1": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    "effect": "Remote code execution"
                }))
            },
            expect: COORDINATOR,
        },
        Row {
            name: "prepare the advisory (C14, C17)",
            setup: Setup::Confirmed,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/advisory", f.id),
            body: |_| Some(json!({ "cwes": ["CWE-400"] })),
            expect: COORDINATOR,
        },
        Row {
            name: "record a CVE ID (C14)",
            setup: Setup::Confirmed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/cve", f.id),
            body: |_| Some(json!({ "assigned": "CVE-2026-4242" })),
            expect: COORDINATOR,
        },
        Row {
            name: "propose the release plan (C6, V9)",
            setup: Setup::Confirmed,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/release-plan", f.id),
            body: |_| Some(json!({ "at": "2099-01-01 12:00 UTC", "mitigation": "m" })),
            expect: COORDINATOR,
        },
        Row {
            name: "propose another release date (C6)",
            setup: Setup::Planned,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/release-plan/date", f.id),
            body: |_| Some(json!({ "at": "2099-01-02 12:00 UTC", "reason": "a talk" })),
            expect: REPORTER,
        },
        Row {
            name: "accept the release date (C6)",
            setup: Setup::Planned,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/release-plan/accept", f.id),
            body: empty,
            // The coordinator accepts only a date the reporter proposed: none here.
            expect: [404, 200, 404, 404, 403, 409, 403, 403, 404, 404],
        },
        Row {
            name: "set the release date after the reporter's silence (C6)",
            setup: Setup::Planned,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/release-plan/override", f.id),
            body: |_| Some(json!({ "reason": "no answer" })),
            // The reporter was asked a moment ago: not silent yet.
            expect: [404, 403, 404, 404, 403, 409, 403, 403, 404, 404],
        },
        Row {
            name: "GET release notes (C17)",
            setup: Setup::Planned,
            method: Method::GET,
            path: |f, _| format!("/api/v1/cases/{}/release-notes", f.id),
            body: none,
            // The reporter sees them once the case is public.
            expect: WORK,
        },
        Row {
            name: "finalize the release notes (C17)",
            setup: Setup::Planned,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/release-notes/finalize", f.id),
            body: empty,
            // No CVE ID nor CVSS yet: the coordinator hears what is missing.
            expect: [404, 403, 404, 404, 403, 422, 403, 403, 404, 404],
        },
        Row {
            name: "schedule the disclosure (C6, C18, V8)",
            setup: Setup::Agreed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/disclosure/schedule", f.id),
            body: empty,
            expect: COORDINATOR,
        },
        Row {
            name: "unschedule the disclosure",
            setup: Setup::Scheduled,
            method: Method::DELETE,
            path: |f, _| format!("/api/v1/cases/{}/disclosure/schedule", f.id),
            body: none,
            expect: COORDINATOR,
        },
        Row {
            name: "publish the post-mortem (C19)",
            setup: Setup::Disclosed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/post-mortem", f.id),
            body: |_| {
                Some(json!({ "root_cause": "A trusted length.", "prevention": ["Fuzz it."] }))
            },
            expect: COORDINATOR,
        },
        Row {
            name: "disclose (C18)",
            setup: Setup::Ready,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/disclose", f.id),
            body: empty,
            expect: COORDINATOR,
        },
        Row {
            name: "the reporter's credit choice (issue 14)",
            setup: Setup::Confirmed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/credit", f.id),
            body: |_| Some(json!({ "choice": "rename", "name": "Rae P." })),
            expect: REPORTER,
        },
        Row {
            name: "withdraw the advisory (issue 14)",
            setup: Setup::Disclosed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/advisory/withdraw", f.id),
            body: |_| Some(json!({ "reason": "Not a vulnerability after all." })),
            expect: COORDINATOR,
        },
        Row {
            name: "update the published advisory (issue 14)",
            setup: Setup::Disclosed,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/advisory", f.id),
            body: |_| Some(json!({ "summary": "Frame bomb", "cwes": ["CWE-400"] })),
            expect: COORDINATOR,
        },
        Row {
            name: "GET a notice (V9)",
            setup: Setup::Agreed,
            method: Method::GET,
            path: |f, _| format!("/api/v1/cases/{}/notices/forthcoming-fix", f.id),
            body: none,
            expect: WORK,
        },
        Row {
            name: "review a notice (V9)",
            setup: Setup::Confirmed,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/notices/forthcoming-fix", f.id),
            body: |_| Some(json!({ "markdown": "# Connect: a release is coming\n\nSoon." })),
            expect: COORDINATOR,
        },
        Row {
            name: "send the fixed-vulnerability notice again (C18)",
            setup: Setup::Disclosed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/notices/fixed-vulnerability/send", f.id),
            body: empty,
            expect: COORDINATOR,
        },
        Row {
            name: "share the case with another project's maintainer (C5)",
            setup: Setup::Confirmed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/guests", f.id),
            body: |p| Some(guest_invitation(p)),
            expect: LEAD,
        },
        Row {
            name: "end a guest's access (C5)",
            setup: Setup::Shared,
            method: Method::DELETE,
            path: |f, _| format!("/api/v1/cases/{}/guests/1", f.id),
            body: |_| Some(json!({ "reason": "their part shipped" })),
            expect: LEAD,
        },
        Row {
            name: "add a pre-notification recipient (V11, off by default)",
            setup: Setup::Confirmed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/pre-notification", f.id),
            body: |_| Some(json!({ "address": "vendor@example.com" })),
            expect: [404, 403, 404, 404, 403, 422, 403, 403, 404, 404],
        },
        Row {
            name: "record the affected branches (V3-V5)",
            setup: Setup::Confirmed,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/affected", f.id),
            body: |_| Some(json!({ "branches": [{ "component": "go", "branch": "main" }] })),
            expect: LEAD,
        },
        Row {
            name: "record a fix (C12)",
            setup: Setup::Confirmed,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/fixes", f.id),
            body: |_| {
                Some(
                    json!({ "component": "go", "branch": "main", "reference": "https://git.example/pr/2" }),
                )
            },
            expect: WORK,
        },
        Row {
            name: "approve a fix (V6)",
            setup: Setup::WithFix,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/fixes/1/approvals", f.id),
            body: empty,
            expect: WORK,
        },
        Row {
            name: "merge a fix (C15)",
            setup: Setup::ApprovedFix,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/fixes/1/state", f.id),
            body: |_| Some(json!({ "state": "merged" })),
            expect: WORK,
        },
        Row {
            name: "attach a patch to a fix (C12)",
            setup: Setup::WithFix,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/fixes/1/patch", f.id),
            // `send` makes it a multipart upload.
            body: none,
            expect: WORK,
        },
        Row {
            name: "waive a backport (C15, V1)",
            setup: Setup::Affected,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/backports/waivers", f.id),
            body: |_| {
                Some(
                    json!({ "component": "go", "branch": "main", "reason": "not affected after all" }),
                )
            },
            expect: LEAD,
        },
        Row {
            name: "record a mitigation (V8)",
            setup: Setup::Confirmed,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/mitigation", f.id),
            body: |_| Some(json!({ "text": "Upgrade." })),
            expect: LEAD,
        },
        Row {
            name: "CVSS not applicable (C13)",
            setup: Setup::Confirmed,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/cvss/not-applicable", f.id),
            body: |_| Some(json!({ "reason": "hardening" })),
            expect: COORDINATOR,
        },
        Row {
            name: "move a clock (V2)",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/clocks/disclosure-target/move", f.id),
            body: |_| {
                Some(
                    json!({ "due_at": "2027-03-01T00:00:00Z", "reason": "agreed with the reporter" }),
                )
            },
            expect: COORDINATOR,
        },
        Row {
            name: "follow an upstream date (V2)",
            setup: Setup::Triage,
            method: Method::PUT,
            path: |f, _| format!("/api/v1/cases/{}/upstream", f.id),
            body: |_| {
                Some(json!({ "date": "2027-03-01T16:00:00Z", "source": "Go security release" }))
            },
            expect: COORDINATOR,
        },
        Row {
            name: "slow down (C16)",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/slow-down", f.id),
            // Event 1 is the report, not a note: the coordinator alone gets as far as
            // the rule that the decision must be a recorded note.
            body: |_| {
                Some(
                    json!({ "clocks": ["disclosure-target"], "duration": "60 days", "note_seq": 1 }),
                )
            },
            expect: [404, 403, 404, 404, 403, 422, 403, 403, 404, 404],
        },
        Row {
            name: "mark public",
            setup: Setup::Triage,
            method: Method::POST,
            path: |f, _| format!("/api/v1/cases/{}/public", f.id),
            body: empty,
            expect: LEAD,
        },
    ]
}

async fn event_count(t: &TestApp, p: &People, id: &str) -> usize {
    t.get(&format!("/api/v1/cases/{id}/events"), Some(&p.sam.token))
        .await
        .1["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn send(
    t: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut r = t.req(method, path, token);
    if let Some(b) = body {
        r = r.json(&b);
    } else if path.ends_with("/patch") {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"--- a\n+++ b\n".to_vec()).file_name("fix.patch"),
        );
        r = r.multipart(form);
    }
    let res = r.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn people(t: &TestApp) -> People {
    People {
        sam: t
            .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
            .await,
        ada: t
            .person("ada@example.org", Some(("connect", Role::Admin)))
            .await,
        cody: t
            .person("cody@example.org", Some(("connect", Role::Maintainer)))
            .await,
        colin: t
            .person("colin@example.org", Some(("connect", Role::Maintainer)))
            .await,
        otto: t
            .person("otto@example.org", Some(("connect", Role::Maintainer)))
            .await,
        ivy: t.instance_admin("ivy@example.org").await,
        olga: t
            .person("olga@example.org", Some(("vitess", Role::SecurityTeam)))
            .await,
        other_tracking: t
            .report("connect", minimal_report("someone else's"))
            .await
            .1,
    }
}

#[tokio::test]
async fn every_route_for_every_caller() {
    let t = TestApp::build(Db::Sqlite, |s| s.limits.reports_per_hour = 10_000).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    let people = people(&t).await;
    let made_up = Fresh {
        id: "EMB-0000-0000-0000".into(),
        tracking: String::new(),
        shared_file: "AAAA-AAAA-AAAA".into(),
        internal_file: "BBBB-BBBB-BBBB".into(),
    };
    let mut failures = Vec::new();
    for row in rows() {
        for (i, who) in EVERYONE.into_iter().enumerate() {
            let f = fresh(&t, &people, row.setup).await;
            let before = event_count(&t, &people, &f.id).await;
            let (status, body) = send(
                &t,
                row.method.clone(),
                &(row.path)(&f, &people),
                token(&people, &f, who),
                (row.body)(&people),
            )
            .await;
            let expected = row.expect[i];
            if status.as_u16() != expected {
                failures.push(format!(
                    "{} as {who:?}: expected {expected}, got {status} {body}",
                    row.name
                ));
                continue;
            }
            if expected == 404 {
                // Exactly what a case that does not exist answers, to the same caller.
                let (s2, body2) = send(
                    &t,
                    row.method.clone(),
                    &(row.path)(&made_up, &people),
                    token(&people, &f, who),
                    (row.body)(&people),
                )
                .await;
                if (s2, &body2) != (status, &body) {
                    failures.push(format!(
                        "{} as {who:?}: 404 differs from a missing case: {body} vs {s2} {body2}",
                        row.name
                    ));
                }
            }
            let after = event_count(&t, &people, &f.id).await;
            let changed = after != before;
            if changed != (row.method != Method::GET && expected == 200) {
                failures.push(format!(
                    "{} as {who:?}: events {before} -> {after}",
                    row.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A guest's token (C5) opens the guest routes only: on every case route, for its own
/// case and any other, it answers exactly as a missing case does and changes nothing.
#[tokio::test]
async fn a_guest_token_opens_no_case_route() {
    let t = TestApp::build(Db::Sqlite, |s| s.limits.reports_per_hour = 10_000).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    let people = people(&t).await;
    let own = fresh(&t, &people, Setup::Shared).await;
    let other = fresh(&t, &people, Setup::Confirmed).await;
    // A second guest on the shared case, whose link the invitation returns once.
    let (s, v) = t
        .post(
            &format!("/api/v1/cases/{}/guests", own.id),
            Some(&people.sam.token),
            json!({ "email": "gil@envoy.example", "shares": ["report", "attachments", "fixes", "advisory", "release-plan"], "reason": "envoy vendors the decoder" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let guest = v["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (s, _) = t.get("/api/v1/guest/case", Some(&guest)).await;
    assert_eq!(s, StatusCode::OK, "the token works where it should");
    let made_up = Fresh {
        id: "EMB-0000-0000-0000".into(),
        tracking: String::new(),
        shared_file: "AAAA-AAAA-AAAA".into(),
        internal_file: "BBBB-BBBB-BBBB".into(),
    };
    let mut failures = Vec::new();
    for row in rows() {
        for f in [&own, &other] {
            let before = event_count(&t, &people, &f.id).await;
            let path = (row.path)(f, &people);
            let (status, body) = send(
                &t,
                row.method.clone(),
                &path,
                Some(&guest),
                (row.body)(&people),
            )
            .await;
            let (s2, body2) = send(
                &t,
                row.method.clone(),
                &(row.path)(&made_up, &people),
                Some(&guest),
                (row.body)(&people),
            )
            .await;
            if status != StatusCode::NOT_FOUND || (s2, &body2) != (status, &body) {
                failures.push(format!(
                    "{} ({path}): {status} {body} vs missing: {s2} {body2}",
                    row.name
                ));
            }
            if event_count(&t, &people, &f.id).await != before {
                failures.push(format!("{} ({path}): changed the case", row.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn listings_show_exactly_the_visible_cases_on_sqlite() {
    listings_show_exactly_the_visible_cases(Db::Sqlite).await;
}

#[tokio::test]
async fn listings_show_exactly_the_visible_cases_on_postgres() {
    listings_show_exactly_the_visible_cases(Db::Postgres).await;
}

async fn listings_show_exactly_the_visible_cases(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let colin = t
        .person("colin@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let otto = t
        .person("otto@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let olga = t
        .person("olga@example.org", Some(("vitess", Role::SecurityTeam)))
        .await;
    let (a, ta) = t.report("connect", minimal_report("a")).await;
    t.clock.advance(jiff::SignedDuration::from_mins(5));
    let (b, _) = t.report("connect", minimal_report("b")).await;
    t.post(
        &format!("/api/v1/cases/{b}/collaborators"),
        Some(&sam.token),
        json!({ "user_id": colin.id }),
    )
    .await;
    let ids = |v: Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let list = "/api/v1/projects/connect/cases";
    assert_eq!(
        ids(t.get(list, Some(&sam.token)).await.1),
        [a.clone(), b.clone()]
    );
    assert_eq!(
        ids(t.get(list, Some(&colin.token)).await.1),
        std::slice::from_ref(&b)
    );
    assert_eq!(
        ids(t.get(list, Some(&ta)).await.1),
        std::slice::from_ref(&a)
    );
    for nobody in [
        None,
        Some(otto.token.as_str()),
        Some(ivy.token.as_str()),
        Some(olga.token.as_str()),
    ] {
        let (s, v) = t.get(list, nobody).await;
        assert_eq!((s, ids(v)), (StatusCode::OK, Vec::<String>::new()));
    }
    // Searched, filtered, by activity or "mine": never more than the caller may see
    // (issue 12 item 3). Each row: the caller, then what `?q=a`, `?q=b`,
    // `?sort=activity&stage=received` and `?mine=true` list (`None`: a 422, `mine` needs
    // an account).
    let searched = format!("{list}?q=a");
    type Row<'a> = (
        &'a str,
        Option<&'a str>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Option<Vec<String>>,
    );
    let rows: [Row; 7] = [
        (
            "security team",
            Some(&sam.token),
            vec![a.clone()],
            vec![b.clone()],
            vec![b.clone(), a.clone()],
            Some(vec![]),
        ),
        (
            "collaborator",
            Some(&colin.token),
            vec![],
            vec![b.clone()],
            vec![b.clone()],
            Some(vec![b.clone()]),
        ),
        (
            "reporter",
            Some(&ta),
            vec![a.clone()],
            vec![],
            vec![a.clone()],
            None,
        ),
        ("anonymous", None, vec![], vec![], vec![], None),
        (
            "maintainer not on it",
            Some(&otto.token),
            vec![],
            vec![],
            vec![],
            Some(vec![]),
        ),
        (
            "instance admin",
            Some(&ivy.token),
            vec![],
            vec![],
            vec![],
            Some(vec![]),
        ),
        (
            "other project",
            Some(&olga.token),
            vec![],
            vec![],
            vec![],
            Some(vec![]),
        ),
    ];
    for (name, token, q_a, q_b, by_activity, mine) in rows {
        for (query, want) in [
            (searched.clone(), q_a),
            (format!("{list}?q=b"), q_b),
            (format!("{list}?sort=activity&stage=received"), by_activity),
        ] {
            let (s, v) = t.get(&query, token).await;
            assert_eq!((s, ids(v)), (StatusCode::OK, want), "{name}: {query}");
        }
        let (s, v) = t.get(&format!("{list}?mine=true"), token).await;
        match mine {
            Some(want) => assert_eq!((s, ids(v)), (StatusCode::OK, want), "{name}: mine"),
            None => assert_eq!(
                (s, v["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("mine")),
                "{name}: mine"
            ),
        }
    }
    // Project members are the members' business.
    let (_, p) = t.get("/api/v1/projects/connect", None).await;
    assert!(p.get("members").is_none(), "{p}");
    let (_, p) = t.get("/api/v1/projects/connect", Some(&ta)).await;
    assert!(p.get("members").is_none(), "{p}");
    let (_, p) = t.get("/api/v1/projects/connect", Some(&olga.token)).await;
    assert!(p.get("members").is_none(), "{p}");
    let (_, p) = t.get("/api/v1/projects/connect", Some(&otto.token)).await;
    assert_eq!(p["members"].as_array().unwrap().len(), 3);
}

/// The quarantine's routes × every kind of caller: a held message of `connect` is the
/// project's admins' and security team's; everyone else with an account gets exactly
/// what a message that does not exist gets (404), and callers without one 401. A
/// refused call changes nothing.
#[tokio::test]
async fn every_quarantine_route_for_every_caller() {
    let t = TestApp::new().await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    let member = |email: &'static str, project: &'static str, role: Role| {
        let t = &t;
        async move { t.person(email, Some((project, role))).await }
    };
    let sam = member("sam@example.org", "connect", Role::SecurityTeam).await;
    let ada = member("ada@example.org", "connect", Role::Admin).await;
    let otto = member("otto@example.org", "connect", Role::Maintainer).await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let olga = member("olga@example.org", "vitess", Role::SecurityTeam).await;
    let (_, tracking) = t.report("connect", minimal_report("mine")).await;
    let callers: [(&str, Option<&str>, u16); 7] = [
        ("anonymous", None, 401),
        ("reporter", Some(&tracking), 401),
        ("maintainer", Some(&otto.token), 404),
        ("other project's member", Some(&olga.token), 404),
        ("instance admin", Some(&ivy.token), 404),
        ("security team", Some(&sam.token), 200),
        ("project admin", Some(&ada.token), 200),
    ];
    t.app
        .change_project(
            &embargo_core::actor::Actor::Operator,
            "connect",
            embargo_core::project::ProjectCommand::SetSecurityAddress {
                address: Some("security@connect.example".into()),
            },
        )
        .await
        .unwrap();
    let held = || async {
        let raw = "From: a@reporter.example\r\nTo: security@connect.example\r\n\
                   Subject: flagged\r\nX-Spam-Flag: YES\r\n\r\ntext\r\n";
        match t.app.ingest_mail(raw.as_bytes(), None).await.unwrap() {
            embargo_server::app::Ingested::Quarantined { id, .. } => id,
            other => panic!("{other:?}"),
        }
    };
    type Route = (&'static str, Method, fn(i64) -> String, Option<Value>, u16);
    let routes: Vec<Route> = vec![
        (
            "GET message",
            Method::GET,
            |id| format!("/api/v1/quarantine/{id}"),
            None,
            200,
        ),
        (
            "GET raw",
            Method::GET,
            |id| format!("/api/v1/quarantine/{id}/raw"),
            None,
            200,
        ),
        (
            "POST release",
            Method::POST,
            |id| format!("/api/v1/quarantine/{id}/release"),
            Some(json!({})),
            201,
        ),
        (
            "POST delete",
            Method::POST,
            |id| format!("/api/v1/quarantine/{id}/delete"),
            Some(json!({ "reason": "noise" })),
            200,
        ),
    ];
    let mut failures = Vec::new();
    for (name, method, path, body, ok) in &routes {
        for (who, token, expect) in callers {
            let id = held().await;
            let expect = if expect == 200 { *ok } else { expect };
            let (s, text) = send(&t, method.clone(), &path(id), token, body.clone()).await;
            if s.as_u16() != expect {
                failures.push(format!(
                    "{name} as {who}: expected {expect}, got {s} {text}"
                ));
                continue;
            }
            if expect == 404 {
                let (s2, text2) =
                    send(&t, method.clone(), &path(999_999), token, body.clone()).await;
                if (s2, &text2) != (s, &text) {
                    failures.push(format!("{name} as {who}: 404 differs: {text} vs {text2}"));
                }
            }
            let state = t
                .app
                .store()
                .quarantined_message(id)
                .await
                .unwrap()
                .unwrap()
                .0
                .state;
            let changed = state != embargo_server::app::QuarantineState::Held;
            if changed != (*method == Method::POST && expect != 404 && expect != 401) {
                failures.push(format!("{name} as {who}: state {state:?}"));
            }
        }
    }
    // The listing: the team sees the held messages, everyone else none.
    for (who, token, expect) in callers {
        let (s, list) = t.get("/api/v1/quarantine", token).await;
        let seen = list.as_array().map_or(0, Vec::len);
        let right = match expect {
            401 => s == StatusCode::UNAUTHORIZED,
            404 => s == StatusCode::OK && seen == 0,
            _ => s == StatusCode::OK && seen > 0,
        };
        if !right {
            failures.push(format!("GET list as {who}: {s} {list}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The queue's bulk rejection (issue 14, floods) for every caller, on a fresh received
/// case each: the team's leads reject it; whoever may not see the case gets exactly
/// what a made-up case id gets, and a refused call leaves no trace.
#[tokio::test]
async fn bulk_rejection_for_every_caller() {
    let t = TestApp::build(Db::Sqlite, |s| s.limits.reports_per_hour = 10_000).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    let people = people(&t).await;
    // 401: no account; 404: not the project's; 422: the case is not theirs to see
    // (named like a missing one); 403: they see it but do not lead it.
    let expect: [u16; 10] = [401, 401, 401, 422, 403, 200, 200, 200, 422, 404];
    let reject = "/api/v1/projects/connect/cases/reject";
    let mut failures = Vec::new();
    for (i, who) in EVERYONE.into_iter().enumerate() {
        let f = fresh(&t, &people, Setup::Received).await;
        let before = event_count(&t, &people, &f.id).await;
        let body = |id: &str| Some(json!({ "cases": [id], "reason": "spam" }));
        let token = token(&people, &f, who);
        let (status, answer) = send(&t, Method::POST, reject, token, body(&f.id)).await;
        if status.as_u16() != expect[i] {
            failures.push(format!(
                "{who:?}: expected {}, got {status} {answer}",
                expect[i]
            ));
            continue;
        }
        if status != StatusCode::OK && status != StatusCode::FORBIDDEN {
            let made_up = "EMB-0000-0000-0000";
            let (s2, answer2) = send(&t, Method::POST, reject, token, body(made_up)).await;
            let answer2 = answer2.replace(made_up, &f.id);
            if (s2, &answer2) != (status, &answer) {
                failures.push(format!(
                    "{who:?}: differs from a missing case: {answer} vs {s2} {answer2}"
                ));
            }
        }
        let changed = event_count(&t, &people, &f.id).await != before;
        if changed != (status == StatusCode::OK) {
            failures.push(format!("{who:?}: changed {changed}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The security log (issue 11, item 8) × every kind of caller: instance admins only;
/// everyone else gets exactly what a route that does not exist gets, on both the API
/// and the page, on both databases.
async fn the_security_log_for_every_caller(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    t.project("vitess", &["vitess"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let otto = t
        .person("otto@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let olga = t
        .person("olga@example.org", Some(("vitess", Role::SecurityTeam)))
        .await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let (_, tracking) = t.report("connect", minimal_report("mine")).await;
    let callers: [(&str, Option<&str>, u16); 7] = [
        ("anonymous", None, 404),
        ("reporter", Some(&tracking), 404),
        ("maintainer not on the case", Some(&otto.token), 404),
        ("other project's member", Some(&olga.token), 404),
        ("security team", Some(&sam.token), 404),
        ("project admin", Some(&ada.token), 404),
        ("instance admin", Some(&ivy.token), 200),
    ];
    let mut failures = Vec::new();
    for (who, token, expect) in callers {
        let (s, text) = send(&t, Method::GET, "/api/v1/security-events", token, None).await;
        if s.as_u16() != expect {
            failures.push(format!("API as {who}: expected {expect}, got {s} {text}"));
        }
        if expect == 404 {
            let missing = send(&t, Method::GET, "/api/v1/no-such-route", token, None).await;
            if (s, &text) != (missing.0, &missing.1) {
                failures.push(format!("API as {who}: {text} differs from {}", missing.1));
            }
        }
    }
    for (who, email) in [
        ("maintainer", "otto@example.org"),
        ("project admin", "ada@example.org"),
        ("other project's member", "olga@example.org"),
    ] {
        let web = t.signed_in(email).await;
        let page = web.get("/admin/security").await;
        let nope = web.get("/admin/no-such-page").await;
        if (page.status, &page.html) != (nope.status, &nope.html) {
            failures.push(format!("page as {who}: {}", page.status));
        }
    }
    let anonymous = WebClient::new(&t).get("/admin/security").await;
    if anonymous.status != StatusCode::SEE_OTHER
        || !anonymous.location().starts_with("/login?next=")
    {
        failures.push(format!("page as anonymous: {}", anonymous.status));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_security_log_for_every_caller_on_sqlite() {
    the_security_log_for_every_caller(Db::Sqlite).await;
}

#[tokio::test]
async fn the_security_log_for_every_caller_on_postgres() {
    the_security_log_for_every_caller(Db::Postgres).await;
}

/// The second factor's routes (issue 11, item 1) act on the caller's own account
/// only, so the matrix is who may have one: anonymous callers and reporters get 401
/// and change nothing; members and admins of any project get their own.
#[tokio::test]
async fn the_second_factor_routes_for_every_caller() {
    for db in [Db::Sqlite, Db::Postgres] {
        let t = TestApp::on(db).await;
        t.project("connect", &["go"]).await;
        t.project("vitess", &["vitess"]).await;
        let otto = t
            .person("otto@example.org", Some(("connect", Role::Maintainer)))
            .await;
        let olga = t
            .person("olga@example.org", Some(("vitess", Role::SecurityTeam)))
            .await;
        let ivy = t.instance_admin("ivy@example.org").await;
        let (_, tracking) = t.report("connect", minimal_report("mine")).await;
        let routes: [(Method, &str, Option<Value>); 4] = [
            (Method::GET, "/api/v1/me/second-factor", None),
            (Method::POST, "/api/v1/me/second-factor", Some(json!({}))),
            (
                Method::POST,
                "/api/v1/me/second-factor/confirm",
                Some(json!({ "code": "123456" })),
            ),
            (
                Method::POST,
                "/api/v1/me/second-factor/remove",
                Some(json!({ "code": "123456" })),
            ),
        ];
        let mut failures = Vec::new();
        for (method, path, body) in &routes {
            for (who, token) in [("anonymous", None), ("reporter", Some(tracking.as_str()))] {
                let (s, text) = send(&t, method.clone(), path, token, body.clone()).await;
                if s != StatusCode::UNAUTHORIZED {
                    failures.push(format!("{method} {path} as {who}: {s} {text}"));
                }
            }
        }
        // A member's set-up is their own: Olga's secret does not make Otto's pending.
        let (s, _) = t
            .post("/api/v1/me/second-factor", Some(&olga.token), json!({}))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        for (who, p) in [("maintainer", &otto), ("instance admin", &ivy)] {
            let (_, v) = t.get("/api/v1/me/second-factor", Some(&p.token)).await;
            if v["pending"] != false {
                failures.push(format!("{who} sees a pending set-up: {v}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// The notices about an account (issue 11 item 6) are its own: anonymous callers get
/// 401 and reporters 403 on every route; a member marking another account's notice
/// read gets exactly what a missing one answers, on the API and the page, and it stays
/// unread.
async fn the_account_notification_routes_for_every_caller(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let ada = t
        .person("ada@example.org", Some(("connect", Role::Admin)))
        .await;
    let otto = t
        .person("otto@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let ivy = t.instance_admin("ivy@example.org").await;
    let (_, tracking) = t.report("connect", minimal_report("mine")).await;
    let (_, theirs) = t
        .get("/api/v1/account-notifications", Some(&otto.token))
        .await;
    let otto_notice = theirs["items"][0]["id"].as_i64().unwrap();
    let routes: [(Method, String, Option<Value>); 3] = [
        (Method::GET, "/api/v1/account-notifications".into(), None),
        (
            Method::POST,
            "/api/v1/account-notifications/read".into(),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/account-notifications/{otto_notice}/read"),
            Some(json!({})),
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body) in &routes {
        for (who, token, expect) in [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            ("reporter", Some(tracking.as_str()), StatusCode::FORBIDDEN),
        ] {
            let (s, text) = send(&t, method.clone(), path, token, body.clone()).await;
            if s != expect {
                failures.push(format!("{method} {path} as {who}: {s} {text}"));
            }
        }
    }
    // Another account's notice answers as a missing one, to admins too.
    let missing_id = otto_notice + 10_000;
    for (who, p) in [("project admin", &ada), ("instance admin", &ivy)] {
        let mine = send(
            &t,
            Method::POST,
            &format!("/api/v1/account-notifications/{otto_notice}/read"),
            Some(&p.token),
            Some(json!({})),
        )
        .await;
        let missing = send(
            &t,
            Method::POST,
            &format!("/api/v1/account-notifications/{missing_id}/read"),
            Some(&p.token),
            Some(json!({})),
        )
        .await;
        if mine.0 != StatusCode::NOT_FOUND || mine != missing {
            failures.push(format!("API as {who}: {mine:?} vs {missing:?}"));
        }
        let (_, listed) = t.get("/api/v1/account-notifications", Some(&p.token)).await;
        if listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"].as_i64() == Some(otto_notice))
        {
            failures.push(format!("{who} lists Otto's notice: {listed}"));
        }
    }
    let web = t.signed_in("ada@example.org").await;
    let csrf = web.get("/notifications").await.csrf();
    let page = web
        .post(
            &format!("/notifications/account/{otto_notice}/read"),
            &[("csrf", &csrf)],
        )
        .await;
    let nope = web
        .post(
            &format!("/notifications/account/{missing_id}/read"),
            &[("csrf", &csrf)],
        )
        .await;
    if page.status != StatusCode::NOT_FOUND
        || (page.status, &page.html) != (nope.status, &nope.html)
    {
        failures.push(format!("page as project admin: {}", page.status));
    }
    let (_, after) = t
        .get("/api/v1/account-notifications", Some(&otto.token))
        .await;
    if after["items"][0]["read"] != false {
        failures.push(format!("Otto's notice was marked read: {after}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_account_notification_routes_for_every_caller_on_sqlite() {
    the_account_notification_routes_for_every_caller(Db::Sqlite).await;
}

#[tokio::test]
async fn the_account_notification_routes_for_every_caller_on_postgres() {
    the_account_notification_routes_for_every_caller(Db::Postgres).await;
}
