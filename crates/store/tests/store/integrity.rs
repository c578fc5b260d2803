//! `verify` finds what was changed behind the store's back and names it; `reproject`
//! rebuilds projections from the events; a new projection version rebuilds on opening.

use super::fixtures::*;
use crate::Backend;
use embargo_core::case::Case;
use embargo_core::command::Command;
use embargo_store::{Unverified, Verified, stream};

/// A project, three users, two cases (one with a note, one with a collaborator).
async fn history(b: &Backend) -> (Case, Case) {
    let s = &*b.store;
    let (p, sam, mia, _) = connect(s).await;
    let c1 = report(s, &p, 1, vec![]).await;
    let c1 = act(s, &p, &c1, &team(&sam), Command::Acknowledge).await;
    let c1 = act(
        s,
        &p,
        &c1,
        &team(&sam),
        Command::AddNote {
            body: "original".into(),
        },
    )
    .await;
    let c2 = report(s, &p, 2, vec![]).await;
    let c2 = act(
        s,
        &p,
        &c2,
        &team(&sam),
        Command::AddCollaborator { user: mia.id },
    )
    .await;
    (c1, c2)
}

async fn verify_fails(b: &Backend) -> Unverified {
    b.store.verify().await.unwrap().unwrap_err()
}

pub async fn verify_checks_every_chain_and_projection(b: &Backend) {
    let (c1, _) = history(b).await;
    let v: Verified = b.store.verify().await.unwrap().unwrap();
    // accounts, project:connect, two cases; 3 users + 1 + 4 project events + 3 + 2 case events.
    assert_eq!(v.streams, 4);
    assert_eq!(v.events, 3 + 4 + 3 + 2);
    // Two cases, one project, three users.
    assert_eq!(v.projections, 2 + 1 + 3);

    // An edited event.
    let s1 = stream::case(&c1.id);
    raw(b, &format!("UPDATE events SET body = REPLACE(body, 'original', 'rewritten') WHERE stream = '{s1}' AND seq = 3")).await;
    let u = verify_fails(b).await;
    assert_eq!((u.stream.as_str(), u.seq), (s1.as_str(), Some(3)));
    assert!(
        u.to_string().contains(&format!("stream `{s1}`, event 3")),
        "{u}"
    );
}

pub async fn verify_finds_a_deleted_and_a_reordered_event(b: &Backend) {
    let (c1, c2) = history(b).await;
    let s2 = stream::case(&c2.id);
    // Swapped sequence numbers of the first two events of case 1 (via a free number).
    let s1 = stream::case(&c1.id);
    raw(
        b,
        &format!(
            "UPDATE events SET seq = 100 WHERE stream = '{s1}' AND seq = 1; \
             UPDATE events SET seq = 1 WHERE stream = '{s1}' AND seq = 2; \
             UPDATE events SET seq = 2 WHERE stream = '{s1}' AND seq = 100;"
        ),
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!((u.stream.as_str(), u.seq), (s1.as_str(), Some(1)));
    // Put back, it verifies again.
    raw(
        b,
        &format!(
            "UPDATE events SET seq = 100 WHERE stream = '{s1}' AND seq = 1; \
             UPDATE events SET seq = 1 WHERE stream = '{s1}' AND seq = 2; \
             UPDATE events SET seq = 2 WHERE stream = '{s1}' AND seq = 100;"
        ),
    )
    .await;
    assert!(b.store.verify().await.unwrap().is_ok());

    // A deleted event in the middle breaks the chain where it was.
    raw(
        b,
        &format!("DELETE FROM events WHERE stream = '{s1}' AND seq = 2"),
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!((u.stream.as_str(), u.seq), (s1.as_str(), Some(2)));
    raw(b, &format!("DELETE FROM events WHERE stream = '{s1}'")).await;
    raw(
        b,
        &format!("DELETE FROM case_people WHERE case_id = '{}'", c1.id),
    )
    .await;
    raw(
        b,
        &format!("DELETE FROM outbox WHERE case_id = '{}'", c1.id),
    )
    .await;
    raw(b, &format!("DELETE FROM cases WHERE id = '{}'", c1.id)).await;
    assert!(
        b.store.verify().await.unwrap().is_ok(),
        "the case is gone, wholly"
    );

    // The last event deleted: the chain still links, but the projection is ahead of it.
    raw(
        b,
        &format!("DELETE FROM events WHERE stream = '{s2}' AND seq = 2"),
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!((u.stream.as_str(), u.seq), (s2.as_str(), Some(1)));
    assert!(u.what.contains("`version`"), "{u}");
}

pub async fn verify_finds_an_edited_projection(b: &Backend) {
    let (c1, c2) = history(b).await;
    raw(
        b,
        &format!(
            "UPDATE cases SET stage = 'disclosed' WHERE id = '{}'",
            c1.id
        ),
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!(u.stream, stream::case(&c1.id));
    assert_eq!(u.seq, Some(3), "named at the stream's last event");
    assert!(u.what.contains("`stage`"), "{u}");
    raw(
        b,
        &format!("UPDATE cases SET stage = 'triage' WHERE id = '{}'", c1.id),
    )
    .await;

    raw(
        b,
        &format!("DELETE FROM case_people WHERE case_id = '{}'", c2.id),
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!(u.stream, stream::case(&c2.id));
    assert!(u.what.contains("`people`"), "{u}");
    raw(
        b,
        &format!(
            "INSERT INTO case_people (case_id, user_id, relation) VALUES ('{}', 3, 'collaborator')",
            c2.id
        ),
    )
    .await;
    assert!(b.store.verify().await.unwrap().is_ok());

    raw(
        b,
        "UPDATE projects SET name = 'Evil' WHERE slug = 'connect'",
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!(u.stream, "project:connect");
    raw(
        b,
        "UPDATE projects SET name = 'Connect' WHERE slug = 'connect'",
    )
    .await;

    raw(b, "UPDATE users SET instance_admin = TRUE WHERE id = 3").await;
    let u = verify_fails(b).await;
    assert_eq!(u.stream, stream::ACCOUNTS);
    assert!(u.what.contains("user 3"), "{u}");
}

pub async fn reproject_rebuilds_damaged_projections_from_the_events(b: &Backend) {
    let (c1, c2) = history(b).await;
    let s = &*b.store;
    let sam = team(&user(2, "sam"));
    let before1 = s.case_for_viewer(&c1.id, &sam).await.unwrap().unwrap();
    raw(
        b,
        &format!(
            "UPDATE cases SET stage = 'closed', state = '{{}}' WHERE id = '{}'",
            c1.id
        ),
    )
    .await;
    raw(
        b,
        &format!("DELETE FROM case_people WHERE case_id = '{}'", c2.id),
    )
    .await;
    raw(
        b,
        &format!("DELETE FROM outbox WHERE case_id = '{}'", c2.id),
    )
    .await;
    raw(b, &format!("DELETE FROM cases WHERE id = '{}'", c2.id)).await;
    raw(b, "DELETE FROM memberships WHERE user_id = 3").await;
    assert!(s.verify().await.unwrap().is_err());

    let done = s.reproject().await.unwrap();
    assert_eq!((done.cases, done.projects), (2, 1));
    s.verify()
        .await
        .unwrap()
        .expect("verifies after reprojecting");
    let after1 = s.case_for_viewer(&c1.id, &sam).await.unwrap().unwrap();
    assert_eq!(after1.case(), before1.case());
    let after2 = s.case_for_viewer(&c2.id, &sam).await.unwrap().unwrap();
    assert_eq!(after2.case(), &c2, "a lost case row comes back as the fold");
    // Its tracking token's hash was not in the events: no old token opens it.
    assert!(
        s.case_for_tracking_token(&tracking(2))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.case_for_tracking_token(&tracking(1))
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn a_new_projection_version_rebuilds_on_opening(b: &Backend) {
    let (c1, _) = history(b).await;
    raw(
        b,
        &format!(
            "UPDATE cases SET title = 'stale shape' WHERE id = '{}'",
            c1.id
        ),
    )
    .await;
    // Same version: opening leaves the projections alone.
    let same = reopen(b).await;
    assert!(same.verify().await.unwrap().is_err());
    // Built by another version: opening rebuilds them first.
    raw(
        b,
        "UPDATE store_meta SET value = value + 1 WHERE name = 'projection_version'",
    )
    .await;
    let rebuilt = reopen(b).await;
    rebuilt.verify().await.unwrap().expect("rebuilt on opening");
}
