//! `verify` finds what was changed behind the store's back and names it; `reproject`
//! rebuilds projections from the events; a new projection version rebuilds on opening.

use super::fixtures::*;
use crate::Backend;
use embargo_core::case::Case;
use embargo_core::command::Command;
use embargo_store::{Unverified, Verified, stream};

/// A project, three users, two cases (one with a note, one with a collaborator).
async fn history(b: &Backend) -> (Case, Case) {
    let (_, _, c1, c2) = history_with_team(b).await;
    (c1, c2)
}

/// [`history`], with the project and the member who acted.
async fn history_with_team(
    b: &Backend,
) -> (
    embargo_core::project::Project,
    embargo_core::actor::User,
    Case,
    Case,
) {
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
    (p, sam, c1, c2)
}

async fn verify_fails(b: &Backend) -> Unverified {
    b.store.verify().await.unwrap().unwrap_err()
}

pub async fn verify_checks_every_chain_and_projection(b: &Backend) {
    let (c1, _) = history(b).await;
    let v: Verified = b.store.verify().await.unwrap().unwrap();
    // accounts, project:connect, two cases; 3 users + 1 + 5 project events (created,
    // its policy, three members) + 3 + 2 case events.
    assert_eq!(v.streams, 4);
    assert_eq!(v.events, 3 + 5 + 3 + 2);
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
    raw(b, "UPDATE users SET instance_admin = FALSE WHERE id = 3").await;
    assert!(b.store.verify().await.unwrap().is_ok());

    // A sign-in identity bound through its event verifies; one slipped into the table
    // (a way in for whoever holds that provider account) does not.
    let link = embargo_core::event::Recorded {
        at: at(9),
        actor: embargo_core::actor::ActorRef::Operator,
        event: embargo_core::account::AccountEvent::IdentityLinked {
            user: embargo_core::actor::UserRef {
                id: embargo_core::ids::UserId(3),
                name: "x".into(),
            },
            provider: "gitlab".into(),
            subject: "4242".into(),
        },
    };
    b.store.link_identity(link.clone()).await.unwrap();
    assert!(b.store.verify().await.unwrap().is_ok());
    let who = b.store.user_by_identity("gitlab", "4242").await.unwrap();
    assert_eq!(who.map(|u| u.id.0), Some(3));
    assert!(matches!(
        b.store.link_identity(link).await,
        Err(embargo_store::StoreError::Taken { field: "subject" })
    ));
    raw(
        b,
        "INSERT INTO oidc_identities (provider, subject, user_id, created_at) \
         VALUES ('gitlab', 'attacker', 2, 0)",
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!(u.stream, stream::ACCOUNTS);
    assert!(u.what.contains("attacker at gitlab"), "{u}");
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
    let (p, sam, c1, c2) = history_with_team(b).await;
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

    // The search index is rebuilt too: SQLite's keeps no copy of the text it indexes
    // (migration 0093), so only the events can fill it again.
    let search = |store: std::sync::Arc<dyn embargo_store::Store>| {
        let (p, actor) = (p.clone(), team(&sam));
        async move {
            let filter = embargo_store::CaseFilter {
                words: embargo_store::search_words("steps"),
                ..Default::default()
            };
            let page = embargo_store::PageRequest::new(10, None).unwrap();
            let found = store
                .cases_for_viewer(&p, &actor, &filter, &page)
                .await
                .unwrap();
            let mut ids: Vec<String> = found.items.iter().map(|c| c.id.to_string()).collect();
            ids.sort();
            ids
        }
    };
    let mut both = vec![c1.id.to_string(), c2.id.to_string()];
    both.sort();
    assert_eq!(search(rebuilt.clone()).await, both);
    let empty_the_index = if b.raw_url.starts_with("sqlite:") {
        "INSERT INTO case_search (case_search) VALUES ('delete-all')"
    } else {
        "DELETE FROM case_search"
    };
    raw(b, empty_the_index).await;
    assert!(search(rebuilt).await.is_empty(), "the index was emptied");
    raw(
        b,
        "UPDATE store_meta SET value = value + 1 WHERE name = 'projection_version'",
    )
    .await;
    assert_eq!(search(reopen(b).await).await, both, "found again");
}

fn key(n: u8) -> embargo_store::OpenOptions {
    embargo_store::OpenOptions {
        chain: embargo_store::ChainKey::new([n; 32]),
        adopt_unkeyed: false,
        sealing: None,
    }
}

fn refusal(r: embargo_store::Result<std::sync::Arc<dyn embargo_store::Store>>) -> String {
    match r {
        Err(e @ embargo_store::StoreError::ChainKey(_)) => e.to_string(),
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("opened"),
    }
}

pub async fn a_keyed_chain_is_adopted_once_and_never_opened_with_another_key(b: &Backend) {
    let (p, sam, c1, _) = history_with_team(b).await;
    let unkeyed_head = b.store.heads().await.unwrap();
    // An existing key may not adopt an unkeyed chain: a forger could have written it.
    let e = refusal(b.reopen_with(&key(1)).await);
    assert!(
        e.contains("`sha256`") && e.contains("integrity.key_file"),
        "{e}"
    );
    // A key made for this database adopts it: every link is re-computed, once.
    let adopted = b
        .reopen_with(&embargo_store::OpenOptions {
            adopt_unkeyed: true,
            ..key(1)
        })
        .await
        .unwrap();
    assert_eq!(adopted.chain_key_id(), key(1).chain.id());
    // The database keeps its name (which its checkpoints carry) across the adoption.
    assert_eq!(b.store.database_id().len(), 32);
    assert_eq!(adopted.database_id(), b.store.database_id());
    let v = adopted.verify().await.unwrap().unwrap();
    assert_eq!(v.events, 3 + 5 + 3 + 2);
    let keyed_head = adopted.heads().await.unwrap();
    assert_eq!(keyed_head.len(), unkeyed_head.len());
    assert!(
        keyed_head
            .iter()
            .zip(&unkeyed_head)
            .all(|(k, u)| k.seq == u.seq && k.hash != u.hash),
        "every head was re-linked"
    );
    // Appends extend the keyed chain.
    let s = &*adopted;
    act(
        s,
        &p,
        &c1,
        &team(&sam),
        Command::AddNote {
            body: "after".into(),
        },
    )
    .await;
    assert!(adopted.verify().await.unwrap().is_ok());
    // Never again without the key, nor with another; adopting twice changes nothing.
    let e = refusal(b.reopen_with(&embargo_store::OpenOptions::default()).await);
    assert!(e.contains(&key(1).chain.id()), "{e}");
    refusal(b.reopen_with(&key(2)).await);
    refusal(
        b.reopen_with(&embargo_store::OpenOptions {
            adopt_unkeyed: true,
            ..key(2)
        })
        .await,
    );
    let again = b.reopen_with(&key(1)).await.unwrap();
    assert!(again.verify().await.unwrap().is_ok());
}

pub async fn a_forger_without_the_key_cannot_relink_an_edited_stream(b: &Backend) {
    let (c1, _) = history(b).await;
    let keyed = b
        .reopen_with(&embargo_store::OpenOptions {
            adopt_unkeyed: true,
            ..key(7)
        })
        .await
        .unwrap();
    assert!(keyed.verify().await.unwrap().is_ok());
    // The forger edits an event and re-computes every link of its stream the only way
    // they can: without the key.
    let s1 = stream::case(&c1.id);
    raw(b, &format!("UPDATE events SET body = REPLACE(body, 'original', 'rewritten') WHERE stream = '{s1}' AND seq = 3")).await;
    relink_unkeyed(b, &s1).await;
    let u = keyed.verify().await.unwrap().unwrap_err();
    assert_eq!((u.stream.as_str(), u.seq), (s1.as_str(), Some(1)));
    // And a store opened without the key refuses the database instead of trusting it.
    refusal(b.reopen_with(&embargo_store::OpenOptions::default()).await);
}

pub async fn checkpointed_heads_catch_a_rewritten_stream(b: &Backend) {
    let (p, sam, c1, c2) = history_with_team(b).await;
    let heads = b.store.heads().await.unwrap();
    let mut expected = vec![
        ("accounts".to_owned(), 3),
        (stream::project(&p.slug), 5),
        (stream::case(&c1.id), 3),
        (stream::case(&c2.id), 2),
    ];
    expected.sort();
    assert_eq!(
        heads
            .iter()
            .map(|h| (h.stream.clone(), h.seq))
            .collect::<Vec<_>>(),
        expected
    );
    assert_eq!(b.store.check_heads(&heads).await.unwrap(), vec![]);
    // Streams grow after a checkpoint: that is not a mismatch.
    let s = &*b.store;
    act(
        s,
        &p,
        &c2,
        &team(&sam),
        Command::AddNote {
            body: "later".into(),
        },
    )
    .await;
    assert_eq!(b.store.check_heads(&heads).await.unwrap(), vec![]);
    // A rewritten (even consistently re-linked) stream, and a deleted one, are caught.
    let s1 = stream::case(&c1.id);
    raw(b, &format!("UPDATE events SET body = REPLACE(body, 'original', 'rewritten') WHERE stream = '{s1}' AND seq = 3")).await;
    relink_unkeyed(b, &s1).await;
    raw(
        b,
        &format!(
            "DELETE FROM events WHERE stream = '{}' AND seq = 2",
            stream::case(&c2.id)
        ),
    )
    .await;
    let wrong = b.store.check_heads(&heads).await.unwrap();
    let mut named: Vec<String> = wrong.iter().map(|m| m.to_string()).collect();
    let mut expected = vec![
        format!("event 3 of stream `{s1}` has another hash (edited or re-linked)"),
        format!(
            "event 2 of stream `{}` is missing (deleted)",
            stream::case(&c2.id)
        ),
    ];
    named.sort();
    expected.sort();
    assert_eq!(named, expected);
}

/// What a forger with database access but no key does: re-computes a stream's links
/// with plain SHA-256, as the chain was before keys.
async fn relink_unkeyed(b: &Backend, stream: &str) {
    use sha2::{Digest, Sha256};
    use sqlx::Row;
    let rows: Vec<(i64, String)> = if b.raw_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&b.raw_url).await.unwrap();
        let rows = sqlx::query("SELECT seq, body FROM events WHERE stream = $1 ORDER BY seq")
            .bind(stream)
            .fetch_all(&pool)
            .await
            .unwrap();
        rows.iter().map(|r| (r.get("seq"), r.get("body"))).collect()
    } else {
        let pool = sqlx::PgPool::connect(&b.raw_url).await.unwrap();
        let rows = sqlx::query("SELECT seq, body FROM events WHERE stream = $1 ORDER BY seq")
            .bind(stream)
            .fetch_all(&pool)
            .await
            .unwrap();
        rows.iter().map(|r| (r.get("seq"), r.get("body"))).collect()
    };
    let mut prev: Option<Vec<u8>> = None;
    for (seq, body) in rows {
        let mut h = Sha256::new();
        h.update(prev.as_deref().unwrap_or(&[0u8; 32]));
        h.update(stream.as_bytes());
        h.update([0]);
        h.update((seq as u64).to_be_bytes());
        h.update(body.as_bytes());
        let hash = h.finalize().to_vec();
        let hex_of = |b: &[u8]| hex::encode(b);
        let (p, n) = (prev.as_deref().map(hex_of), hex_of(&hash));
        let sql = if b.raw_url.starts_with("sqlite:") {
            format!(
                "UPDATE events SET prev_hash = {}, hash = X'{n}' WHERE stream = '{stream}' AND seq = {seq}",
                p.map_or("NULL".into(), |p| format!("X'{p}'"))
            )
        } else {
            format!(
                "UPDATE events SET prev_hash = {}, hash = '\\x{n}'::bytea WHERE stream = '{stream}' AND seq = {seq}",
                p.map_or("NULL".into(), |p| format!("'\\x{p}'::bytea"))
            )
        };
        raw(b, &sql).await;
        prev = Some(hash);
    }
}

/// A shared release and two cases that take its plan, stored in one append; `verify`
/// checks the `release:` stream and its row, finds an edited row and an edited case
/// list, and `reproject` rebuilds them.
pub async fn shared_releases_append_with_their_cases_and_verify(b: &Backend) {
    use embargo_core::aggregate::decide_all;
    use embargo_core::decide::CaseContext;
    use embargo_core::event::Recorded;
    use embargo_core::release::PlanInput;
    use embargo_core::shared_release::{self as shared, ReleaseId, SharedRelease};
    use embargo_store::CaseAppend;

    let (p, sam, c1, c2) = history_with_team(b).await;
    let s = &*b.store;
    let lead = team(&sam);
    let confirm = |c: &Case| {
        let c = c.clone();
        let p = p.clone();
        let lead = lead.clone();
        async move {
            let c = match c.triage.acknowledged_at {
                Some(_) => c,
                None => act(s, &p, &c, &lead, Command::Acknowledge).await,
            };
            let c = act(s, &p, &c, &lead, Command::Claim).await;
            act(
                s,
                &p,
                &c,
                &lead,
                Command::SetFinalDecision(embargo_core::command::DecisionInput::Confirm {
                    explanation: None,
                }),
            )
            .await
        }
    };
    let c1 = confirm(&c1).await;
    let c2 = confirm(&c2).await;
    let now = at(1_000);
    let record = |event| Recorded {
        at: now,
        actor: lead.as_ref(),
        event,
    };
    let created = record(shared::create(&lead, &p, ReleaseId::from_entropy(9), "1.17.1").unwrap());
    let release = SharedRelease::replay(std::slice::from_ref(&created)).unwrap();
    s.create_release(&release, &[created]).await.unwrap();

    // Both cases join, then the plan reaches both in one append.
    let mut r = release;
    for c in [&c1, &c2] {
        let e = record(shared::join(&r, &p, &lead, Some(c), None).unwrap());
        let mut next = r.clone();
        next.apply(&e);
        s.update_release(r.version, &next, &[e], &[]).await.unwrap();
        r = next;
    }
    let input = PlanInput {
        at: at(100_000).to_string(),
        versions: vec![("main".into(), "1.17.1".into())],
        ..PlanInput::default()
    };
    let e = record(shared::propose_plan(&r, &p, &lead, &input, None, now).unwrap());
    let mut next = r.clone();
    next.apply(&e);
    let context = CaseContext::of(p.clone());
    let mut decided = Vec::new();
    for c in [&c1, &c2] {
        let command = Command::ProposeReleasePlan {
            plan: next.plan_input().unwrap(),
            reason: Some(next.case_reason(None)),
        };
        decided.push((
            c.version,
            decide_all(c, &context, &lead, &[command], now).unwrap(),
        ));
    }
    let appends: Vec<_> = decided
        .iter()
        .map(|(before, (case, events))| CaseAppend {
            before: *before,
            case,
            events,
        })
        .collect();
    // A stale case version refuses the whole append: nothing of it is stored.
    let stale = [CaseAppend {
        before: appends[1].before - 1,
        case: appends[1].case,
        events: appends[1].events,
    }];
    assert!(matches!(
        s.update_release(r.version, &next, std::slice::from_ref(&e), &stale)
            .await,
        Err(embargo_store::StoreError::Conflict)
    ));
    assert_eq!(s.release(&r.id).await.unwrap().unwrap().plan, None);
    s.update_release(r.version, &next, &[e], &appends)
        .await
        .unwrap();
    for c in [&c1, &c2] {
        assert_eq!(
            s.release_of_case(&c.id).await.unwrap(),
            Some(next.id.clone())
        );
        let seen = s.case_for_viewer(&c.id, &lead).await.unwrap().unwrap();
        assert_eq!(seen.case().release.plan, next.plan);
    }
    let v = b.store.verify().await.unwrap().unwrap();
    assert_eq!(
        v.streams, 5,
        "accounts, the project, two cases, the release"
    );

    raw(
        b,
        &format!("UPDATE releases SET name = 'Evil' WHERE id = '{}'", next.id),
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!(u.stream, format!("release:{}", next.id));
    assert!(u.what.contains("release row"), "{u}");
    let done = b.store.reproject().await.unwrap();
    assert_eq!(done.releases, 1);
    assert!(b.store.verify().await.unwrap().is_ok());

    raw(
        b,
        &format!("DELETE FROM release_cases WHERE case_id = '{}'", c2.id),
    )
    .await;
    let u = verify_fails(b).await;
    assert_eq!(u.stream, format!("release:{}", next.id));
    b.store.reproject().await.unwrap();
    assert!(b.store.verify().await.unwrap().is_ok());
    assert_eq!(s.release_of_case(&c2.id).await.unwrap(), Some(next.id));
}

/// Rows of `sql` (one integer column) on the database behind the store.
async fn count(b: &Backend, sql: &str) -> i64 {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if b.raw_url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&b.raw_url).await.unwrap();
        let n = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
        c.close().await.unwrap();
        n
    } else {
        let mut c = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
        let n = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
        c.close().await.unwrap();
        n
    }
}

/// Issue 11, item 3: what a database stored in clear before sealing existed (events of
/// cases, files, mail in quarantine) is sealed by `seal_history`; each changed stream
/// is re-linked, so `verify` still holds, and what was sealed still opens. A stream that
/// does not link as it is is not re-linked.
pub async fn history_stored_in_clear_is_sealed_and_still_verifies(b: &Backend) {
    use embargo_core::event::Visibility;
    let s = &*b.store;
    // The suite's store has no keys: everything below is stored in clear.
    let (p, sam, c1, c2) = history_with_team(b).await;
    let c3 = report(
        s,
        &p,
        3,
        vec![attachment(3, b"CANARY-file-bytes", Visibility::Internal)],
    )
    .await;
    s.quarantine(&embargo_store::NewQuarantined {
        project: Some(p.slug.clone()),
        received_at: at(5),
        reason: "no project address".into(),
        sender: Some("CANARY-sender@example.org".into()),
        subject: Some("CANARY-subject".into()),
        raw: b"Subject: CANARY-subject\r\n\r\nCANARY-raw".to_vec(),
    })
    .await
    .unwrap();
    let clear = "SELECT COUNT(*) FROM events WHERE body LIKE '%Steps to reproduce%' \
                 OR body LIKE '%original%'";
    assert_eq!(
        count(b, clear).await,
        4,
        "three reports and a note, in clear"
    );
    let stream_heads = s.heads().await.unwrap();
    let case_events = count(b, "SELECT COUNT(*) FROM events WHERE stream LIKE 'case:%'").await;

    let master = embargo_store::sealing::MasterKeys::new([7u8; 32], []);
    let keyed = b
        .reopen_with(&embargo_store::OpenOptions {
            sealing: Some(std::sync::Arc::new(embargo_store::sealing::Sealing::new(
                master,
            ))),
            ..Default::default()
        })
        .await
        .unwrap();
    let sealed = keyed.seal_history().await.unwrap();
    assert_eq!(
        sealed,
        embargo_store::SealedHistory {
            streams: 3,
            events: case_events as u64,
            files: 1,
            quarantined: 1,
        }
    );
    assert_eq!(count(b, clear).await, 0);
    assert_eq!(
        count(
            b,
            "SELECT COUNT(*) FROM events WHERE stream LIKE 'case:%' AND body NOT LIKE '~3:%'"
        )
        .await,
        0
    );
    for table in ["attachments", "quarantine"] {
        let n = count(
            b,
            &format!("SELECT COUNT(*) FROM {table} WHERE sealed = false"),
        )
        .await;
        assert_eq!(n, 0, "{table}");
    }
    // Accounts and the project hold no report: unchanged, heads and all.
    let after = keyed.heads().await.unwrap();
    for h in &stream_heads {
        let now = after.iter().find(|a| a.stream == h.stream).unwrap();
        assert_eq!(now.seq, h.seq);
        assert_eq!(
            now.hash == h.hash,
            !h.stream.starts_with("case:"),
            "{}",
            h.stream
        );
    }
    // Every chain links, every projection is the fold of its (opened) events; the
    // space the clear rows held is given back and the planner told.
    keyed.compact().await.unwrap();
    keyed.analyze().await.unwrap();
    keyed
        .verify()
        .await
        .unwrap()
        .expect("verifies after sealing");
    let access = keyed
        .case_for_viewer(&c3.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    let file = c3.attachments[0].id.clone();
    assert_eq!(
        keyed
            .attachment_content(&access, &file)
            .await
            .unwrap()
            .unwrap(),
        b"CANARY-file-bytes"
    );
    let held = keyed
        .quarantined(std::slice::from_ref(&p.slug), false, 10)
        .await
        .unwrap();
    assert_eq!(held[0].subject.as_deref(), Some("CANARY-subject"));
    // Again: nothing left to seal.
    assert_eq!(
        keyed.seal_history().await.unwrap(),
        embargo_store::SealedHistory::default()
    );

    // A clear event edited behind the store's back: that stream is not re-linked.
    let c4 = report(&*b.store, &p, 4, vec![]).await;
    raw(
        b,
        &format!(
            "UPDATE events SET body = replace(body, 'Steps', 'Stops') WHERE stream = 'case:{}'",
            c4.id
        ),
    )
    .await;
    let e = keyed.seal_history().await.unwrap_err().to_string();
    assert!(
        e.contains(&format!("cannot seal stream `case:{}`", c4.id)) && e.contains("admin verify"),
        "{e}"
    );
    let _ = (c1, c2);
}
