//! The conformance tests' bodies, written once against `dyn Store`.

use super::fixtures::*;
pub use super::integrity::*;
pub use super::listings::*;
use crate::Backend;
use embargo_core::access::Standing;
use embargo_core::account::{AccountEvent, TokenId};
use embargo_core::actor::{Actor, ActorRef};
use embargo_core::case::Stage;
use embargo_core::command::Command;
use embargo_core::event::{Recorded, Visibility};
use embargo_core::ids::{CaseId, UserId};
use embargo_core::project::{ProjectCommand, Role};
use embargo_store::{CaseFilter, NewSession, NewUser, PageRequest, SecretHash, StoreError, stream};

fn link_issued(user: &embargo_core::actor::User) -> Recorded<AccountEvent> {
    Recorded {
        at: at(4),
        actor: ActorRef::Operator,
        event: AccountEvent::PasswordLinkIssued {
            user: user.as_ref(),
        },
    }
}

fn account_event(user: &embargo_core::actor::User) -> Recorded<AccountEvent> {
    Recorded {
        at: at(5),
        actor: ActorRef::Operator,
        event: AccountEvent::PasswordSet {
            user: user.as_ref(),
        },
    }
}

pub async fn users_are_unique_by_email_in_any_case(b: &Backend) {
    let s = &*b.store;
    assert_eq!(s.user_count().await.unwrap(), 0);
    let ada = create_user(s, 1, "ada@example.org").await;
    let dup = s
        .create_user(
            NewUser {
                id: UserId(99),
                email: "ada@example.org".into(),
                name: "Other".into(),
                instance_admin: false,
                password_hash: None,
                created_at: at(1),
            },
            account_event(&ada),
        )
        .await;
    assert!(
        matches!(dup, Err(StoreError::Taken { field: "email" })),
        "{dup:?}"
    );
    assert_eq!(
        s.user_count().await.unwrap(),
        1,
        "the refused user left nothing behind"
    );
    let found = s.user_by_email("ADA@Example.org").await.unwrap().unwrap();
    assert_eq!(found.id, UserId(1));
    assert_eq!(found.password_hash, None);
    s.set_password(ada.id, "$argon2id$fake", account_event(&ada))
        .await
        .unwrap();
    assert_eq!(
        s.user(ada.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$fake")
    );
    assert!(s.user(UserId(42)).await.unwrap().is_none());
    create_user(s, 3, "aaron@example.org").await;
    let emails: Vec<_> = s
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(emails, ["aaron@example.org", "ada@example.org"]);
    // two users created + a password set; the refused duplicate recorded nothing
    assert_eq!(s.account_events().await.unwrap().len(), 3);
}

pub async fn api_tokens_authenticate_until_revoked(b: &Backend) {
    let s = &*b.store;
    let ada = create_user(s, 1, "ada@example.org").await;
    let ev = |event| Recorded {
        at: at(3),
        actor: ActorRef::User(ada.as_ref()),
        event,
    };
    let hash = api_token(s, &ada, 10, "emb_pat_secret").await;
    let (u, t) = s.user_for_api_token(&hash).await.unwrap().unwrap();
    assert_eq!((u.id, t), (ada.id, TokenId(10)));
    assert!(
        s.user_for_api_token(&SecretHash::of("other"))
            .await
            .unwrap()
            .is_none()
    );
    // The lookup writes nothing; uses are recorded in batches, never moving back.
    assert_eq!(s.api_tokens(ada.id).await.unwrap()[0].last_used_at, None);
    s.record_token_uses(&[(TokenId(10), at(4))]).await.unwrap();
    s.record_token_uses(&[(TokenId(10), at(3)), (TokenId(99), at(4))])
        .await
        .unwrap();
    let listed = s.api_tokens(ada.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(at(4)));
    // Only the owner's token can be revoked through the owner's id.
    let revoke = || {
        ev(AccountEvent::TokenRevoked {
            owner: ada.as_ref(),
            token: TokenId(10),
        })
    };
    assert!(
        !s.revoke_api_token(UserId(2), TokenId(10), revoke())
            .await
            .unwrap()
    );
    assert!(
        s.revoke_api_token(ada.id, TokenId(10), revoke())
            .await
            .unwrap()
    );
    assert!(
        !s.revoke_api_token(ada.id, TokenId(10), revoke())
            .await
            .unwrap()
    );
    assert!(s.user_for_api_token(&hash).await.unwrap().is_none());
    assert!(s.api_tokens(ada.id).await.unwrap().is_empty());
    let kinds: Vec<_> = s
        .account_events()
        .await
        .unwrap()
        .iter()
        .map(|e| e.recorded.event.kind())
        .collect();
    assert_eq!(kinds, ["user_created", "token_created", "token_revoked"]);
}

pub async fn sessions_expire_and_end(b: &Backend) {
    let s = &*b.store;
    let ada = create_user(s, 1, "ada@example.org").await;
    let hash = SecretHash::of("session");
    s.create_session(NewSession {
        hash: hash.clone(),
        user: ada.id,
        csrf_token: "csrf".into(),
        created_at: at(0),
        expires_at: at(100),
    })
    .await
    .unwrap();
    let (sess, u) = s.session(&hash, at(99)).await.unwrap().unwrap();
    assert_eq!(
        (sess.user, sess.csrf_token.as_str(), u.id),
        (ada.id, "csrf", ada.id)
    );
    assert!(
        s.session(&hash, at(100)).await.unwrap().is_none(),
        "expired at its expiry"
    );
    s.delete_session(&hash).await.unwrap();
    assert!(s.session(&hash, at(50)).await.unwrap().is_none());
}

pub async fn setup_token_works_once(b: &Backend) {
    let s = &*b.store;
    let admin = |id: i64| NewUser {
        id: UserId(id),
        email: format!("admin{id}@example.org"),
        name: "Admin".into(),
        instance_admin: true,
        password_hash: Some("$argon2id$x".into()),
        created_at: at(1),
    };
    let ev = |id: i64| {
        vec![Recorded {
            at: at(1),
            actor: ActorRef::Operator,
            event: AccountEvent::UserCreated {
                user: user_ref(id, "Admin"),
                email: format!("admin{id}@example.org"),
                instance_admin: true,
            },
        }]
    };
    let old = SecretHash::of("old");
    let new = SecretHash::of("new");
    s.replace_setup_token(&old, at(10)).await.unwrap();
    s.replace_setup_token(&new, at(10)).await.unwrap();
    assert!(
        !s.complete_setup(&old, at(1), admin(1), ev(1))
            .await
            .unwrap(),
        "replaced token is dead"
    );
    assert!(
        !s.complete_setup(&new, at(10), admin(1), ev(1))
            .await
            .unwrap(),
        "expired token is dead"
    );
    assert_eq!(s.user_count().await.unwrap(), 0);
    s.replace_setup_token(&new, at(10)).await.unwrap();
    assert!(
        s.complete_setup(&new, at(2), admin(1), ev(1))
            .await
            .unwrap()
    );
    assert!(
        !s.complete_setup(&new, at(2), admin(2), ev(2))
            .await
            .unwrap(),
        "used token is dead"
    );
    assert_eq!(s.user_count().await.unwrap(), 1);
    assert!(s.user(UserId(1)).await.unwrap().unwrap().instance_admin);
}

pub async fn password_tokens_work_once_for_their_user(b: &Backend) {
    let s = &*b.store;
    let ada = create_user(s, 1, "ada@example.org").await;
    let bob = create_user(s, 2, "bob@example.org").await;
    let first = SecretHash::of("invite-1");
    let second = SecretHash::of("invite-2");
    s.create_password_token(ada.id, &first, at(100), link_issued(&ada))
        .await
        .unwrap();
    s.create_password_token(ada.id, &second, at(100), link_issued(&ada))
        .await
        .unwrap();
    assert!(
        s.password_token_user(&first, at(1))
            .await
            .unwrap()
            .is_none(),
        "a newer link replaces older ones"
    );
    assert_eq!(
        s.password_token_user(&second, at(1))
            .await
            .unwrap()
            .unwrap()
            .id,
        ada.id
    );
    assert!(
        s.password_token_user(&second, at(100))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    // A token cannot set someone else's password.
    assert!(
        !s.use_password_token(&second, at(2), "$argon2id$b", account_event(&bob))
            .await
            .unwrap()
    );
    assert!(
        s.use_password_token(&second, at(2), "$argon2id$a", account_event(&ada))
            .await
            .unwrap()
    );
    assert!(
        !s.use_password_token(&second, at(3), "$argon2id$c", account_event(&ada))
            .await
            .unwrap(),
        "used"
    );
    assert_eq!(
        s.user(ada.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$a")
    );
    assert_eq!(s.user(bob.id).await.unwrap().unwrap().password_hash, None);
}

pub async fn projects_keep_members_and_refuse_stale_writes(b: &Backend) {
    let s = &*b.store;
    let (p, sam, mia, _) = connect(s).await;
    assert_eq!(p.version, 5);
    let loaded = s.project(&p.slug).await.unwrap().unwrap();
    assert_eq!(loaded, p);
    assert_eq!(loaded.role_of(sam.id), Some(Role::SecurityTeam));
    let of_mia: Vec<_> = s
        .projects_of(mia.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.slug)
        .collect();
    assert_eq!(of_mia, vec![p.slug.clone()]);
    assert!(s.projects_of(UserId(77)).await.unwrap().is_empty());
    // The same slug twice is refused.
    let again = s
        .create_project(
            &p,
            &s.project_events(&p.slug).await.unwrap()[..1]
                .iter()
                .map(|e| e.recorded.clone())
                .collect::<Vec<_>>(),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Taken { field: "slug" })),
        "{again:?}"
    );
    // A write based on an old version is refused and changes nothing.
    let newer = project_change(
        s,
        Some(p.clone()),
        ProjectCommand::RemoveMember { user: mia.id },
    )
    .await;
    let stale_events = embargo_core::project::decide_project(
        &Actor::Operator,
        Some(&p),
        ProjectCommand::AddComponent {
            name: "rust".into(),
        },
    )
    .unwrap();
    let stale_events: Vec<_> = stale_events
        .into_iter()
        .map(|event| Recorded {
            at: at(9),
            actor: ActorRef::Operator,
            event,
        })
        .collect();
    let mut stale = p.clone();
    stale = embargo_core::project::apply_project(Some(stale), &stale_events[0].event, at(9));
    assert!(matches!(
        s.update_project(p.version, &stale, &stale_events).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(s.project(&p.slug).await.unwrap().unwrap(), newer);
    assert!(
        s.projects_of(mia.id).await.unwrap().is_empty(),
        "memberships follow the project"
    );
    assert_eq!(s.projects().await.unwrap().len(), 1);
    // Created, its policy, three members, one removed.
    assert_eq!(s.project_events(&p.slug).await.unwrap().len(), 6);
}

pub async fn cases_are_scoped_by_viewer(b: &Backend) {
    let s = &*b.store;
    let (p, sam, mia, max) = connect(s).await;
    let c1 = report(s, &p, 1, vec![]).await;
    let c2 = report(s, &p, 2, vec![]).await;
    act(
        s,
        &p,
        &c2,
        &team(&sam),
        Command::AddCollaborator { user: mia.id },
    )
    .await;
    let outsider = create_user(s, 9, "eve@example.org").await;

    let ids =
        |cases: Vec<embargo_core::case::Case>| cases.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let all = CaseFilter::default();
    assert_eq!(
        ids(s
            .cases_for_viewer(&p, &team(&sam), &all, &PageRequest::first())
            .await
            .unwrap()
            .items),
        [c1.id.clone(), c2.id.clone()]
    );
    assert_eq!(
        ids(s
            .cases_for_viewer(&p, &team(&mia), &all, &PageRequest::first())
            .await
            .unwrap()
            .items),
        vec![c2.id.clone()]
    );
    assert!(
        s.cases_for_viewer(&p, &team(&max), &all, &PageRequest::first())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        s.cases_for_viewer(&p, &team(&outsider), &all, &PageRequest::first())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        s.cases_for_viewer(&p, &Actor::Anonymous, &all, &PageRequest::first())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        ids(s
            .cases_for_viewer(
                &p,
                &Actor::Reporter(c1.id.clone()),
                &all,
                &PageRequest::first()
            )
            .await
            .unwrap()
            .items),
        vec![c1.id.clone()]
    );
    let received = CaseFilter {
        stages: vec![Stage::Received],
        ..CaseFilter::default()
    };
    assert_eq!(
        s.cases_for_viewer(&p, &team(&sam), &received, &PageRequest::first())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let triage = CaseFilter {
        stages: vec![Stage::Triage],
        ..CaseFilter::default()
    };
    assert!(
        s.cases_for_viewer(&p, &team(&sam), &triage, &PageRequest::first())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    assert!(
        s.case_for_viewer(&c1.id, &team(&sam))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        s.case_for_viewer(&c1.id, &team(&mia))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.case_for_viewer(&c2.id, &team(&mia))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        s.case_for_viewer(&c1.id, &team(&outsider))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.case_for_viewer(&c1.id, &Actor::Reporter(c2.id.clone()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.case_for_viewer(&CaseId::from_entropy(404), &team(&sam))
            .await
            .unwrap()
            .is_none()
    );
}

/// Metrics read every case of one project, in receipt order, and nothing else: the
/// clock facts as the folded case gives them, with its stage.
pub async fn project_clock_facts_cover_the_project(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let c1 = report(s, &p, 1, vec![]).await;
    let c2 = report(s, &p, 2, vec![]).await;
    let c2 = act(s, &p, &c2, &team(&sam), Command::Acknowledge).await;
    let facts = s.project_clock_facts(&p.slug).await.unwrap();
    let got: Vec<_> = facts
        .iter()
        .map(|(id, stage, f)| (id.clone(), *stage, f.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (c1.id.clone(), c1.stage, c1.clock_facts()),
            (c2.id.clone(), c2.stage, c2.clock_facts()),
        ]
    );
    assert!(facts[1].2.acknowledged.is_some());
    let other = embargo_core::ids::ProjectSlug::parse("vitess").unwrap();
    assert!(s.project_clock_facts(&other).await.unwrap().is_empty());
}

pub async fn reporters_see_their_case_and_shared_events_only(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let c = report(s, &p, 1, vec![]).await;
    let c = act(s, &p, &c, &team(&sam), Command::Acknowledge).await;
    let c = act(
        s,
        &p,
        &c,
        &team(&sam),
        Command::AddNote {
            body: "internal".into(),
        },
    )
    .await;
    act(
        s,
        &p,
        &c,
        &team(&sam),
        Command::AskReporter {
            body: "Which version?".into(),
        },
    )
    .await;

    let access = s
        .case_for_tracking_token(&tracking(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(access.standing(), Standing::Reporter);
    assert_eq!(access.case().stage, Stage::NeedsInfo);
    assert_eq!(
        kinds(
            &s.case_events(&access, &PageRequest::first())
                .await
                .unwrap()
                .items
        ),
        ["submitted", "acknowledged", "question_asked"]
    );
    assert!(
        s.case_for_tracking_token(&tracking(2))
            .await
            .unwrap()
            .is_none()
    );

    let team_view = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    let all = s
        .case_events(&team_view, &PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(
        kinds(&all),
        ["submitted", "acknowledged", "note_added", "question_asked"]
    );
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
}

pub async fn stale_case_writes_conflict_and_change_nothing(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let c0 = report(s, &p, 1, vec![]).await;
    let c1 = act(s, &p, &c0, &team(&sam), Command::Acknowledge).await;
    // A second writer that read c0 and decided on it.
    let events =
        embargo_core::decide::decide(&team(&sam), &p, &c0, Command::Claim, at(50)).unwrap();
    let mut stale = c0.clone();
    stale.apply(&events[0]);
    let r = s.append_case_events(c0.version, &stale, &events, &[]).await;
    assert!(matches!(r, Err(StoreError::Conflict)), "{r:?}");
    let now = s
        .case_for_viewer(&c0.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.case(), &c1);
    assert_eq!(
        s.case_events(&now, &PageRequest::first())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
}

pub async fn concurrent_appends_one_wins(b: &Backend) {
    let s = b.store.clone();
    let (p, sam, _, _) = connect(&*s).await;
    let c = report(&*s, &p, 1, vec![]).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (s, p, c, sam) = (s.clone(), p.clone(), c.clone(), sam.clone());
        tasks.push(tokio::spawn(async move {
            let body = format!("note {i}");
            let events = embargo_core::decide::decide(
                &team(&sam),
                &p,
                &c,
                Command::AddNote { body },
                at(60),
            )
            .unwrap();
            let mut next = c.clone();
            next.apply(&events[0]);
            s.append_case_events(c.version, &next, &events, &[]).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one writer at version 1 wins");
    let access = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.case_events(&access, &PageRequest::first())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    assert_eq!(access.case().version, 2);
}

pub async fn attachments_round_trip_and_respect_visibility(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let (meta1, file1) = attachment(11, &big, Visibility::Shared);
    let c = report(s, &p, 1, vec![(meta1.clone(), file1)]).await;
    // The team attaches an internal file.
    let (meta2, file2) = attachment(12, b"internal analysis", Visibility::Internal);
    let events = embargo_core::decide::decide(
        &team(&sam),
        &p,
        &c,
        Command::AddAttachment {
            attachment: meta2.clone(),
        },
        at(70),
    )
    .unwrap();
    let mut next = c.clone();
    next.apply(&events[0]);
    s.append_case_events(c.version, &next, &events, &[file2])
        .await
        .unwrap();

    let team_access = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.attachment_content(&team_access, &meta1.id)
            .await
            .unwrap()
            .unwrap(),
        big
    );
    assert_eq!(
        s.attachment_content(&team_access, &meta2.id)
            .await
            .unwrap()
            .unwrap(),
        b"internal analysis"
    );
    let reporter = s
        .case_for_tracking_token(&tracking(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.attachment_content(&reporter, &meta1.id)
            .await
            .unwrap()
            .unwrap()
            .len(),
        big.len()
    );
    assert!(
        s.attachment_content(&reporter, &meta2.id)
            .await
            .unwrap()
            .is_none()
    );
    // Another case's attachment id is not reachable through this case.
    let other = report(s, &p, 2, vec![attachment(13, b"x", Visibility::Shared)]).await;
    let other_att = other.attachments[0].id.clone();
    assert!(
        s.attachment_content(&team_access, &other_att)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn every_stream_is_hash_chained(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let c = report(s, &p, 1, vec![]).await;
    let c = act(s, &p, &c, &team(&sam), Command::Acknowledge).await;
    act(s, &p, &c, &team(&sam), Command::Claim).await;
    assert_eq!(s.verify_stream(&stream::case(&c.id)).await.unwrap(), Ok(3));
    assert_eq!(
        s.verify_stream(&stream::project(&p.slug)).await.unwrap(),
        // Created, its policy, three members.
        Ok(5)
    );
    assert_eq!(s.verify_stream(stream::ACCOUNTS).await.unwrap(), Ok(3));
    let access = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    let events = s
        .case_events(&access, &PageRequest::first())
        .await
        .unwrap()
        .items;
    let hashes: std::collections::HashSet<_> = events.iter().map(|e| e.hash.clone()).collect();
    assert_eq!(hashes.len(), 3);
    assert!(events.iter().all(|e| e.hash.len() == 64));
}

pub async fn tampering_breaks_the_chain(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let c = report(s, &p, 1, vec![]).await;
    let c = act(s, &p, &c, &team(&sam), Command::Acknowledge).await;
    act(
        s,
        &p,
        &c,
        &team(&sam),
        Command::AddNote {
            body: "original".into(),
        },
    )
    .await;
    let stream = stream::case(&c.id);
    let sql = "UPDATE events SET body = REPLACE(body, 'original', 'rewritten') WHERE stream = $1 AND seq = 3";
    if b.raw_url.starts_with("sqlite:") {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&b.raw_url).await.unwrap();
        sqlx::query(sql)
            .bind(&stream)
            .execute(&mut conn)
            .await
            .unwrap();
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
        sqlx::query(sql)
            .bind(&stream)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let broken = s.verify_stream(&stream).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 3);
}

pub async fn state_survives_reopening(b: &Backend) {
    let (p, sam, _, _) = connect(&*b.store).await;
    let c = report(&*b.store, &p, 1, vec![]).await;
    act(&*b.store, &p, &c, &team(&sam), Command::Acknowledge).await;
    let reopened = if b.raw_url.starts_with("sqlite:") {
        let dir = std::path::Path::new(b.raw_url.trim_start_matches("sqlite://"))
            .parent()
            .unwrap()
            .to_owned();
        embargo_store::open_sqlite(&dir).await.unwrap()
    } else {
        embargo_store::open_postgres(&b.raw_url).await.unwrap()
    };
    let access = reopened
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(access.case().stage, Stage::Triage);
    assert_eq!(
        reopened.verify_stream(&stream::case(&c.id)).await.unwrap(),
        Ok(2)
    );
}

pub async fn only_disclosed_cases_are_public(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let embargoed = report(s, &p, 1, vec![]).await;
    let mut disclosed = report(s, &p, 2, vec![]).await;
    let sam = team(&sam);
    for cmd in [
        Command::Acknowledge,
        Command::Claim,
        Command::SetFinalDecision(embargo_core::command::DecisionInput::Confirm {
            explanation: None,
        }),
    ] {
        disclosed = act(s, &p, &disclosed, &sam, cmd).await;
    }
    // Confirmed is not public yet.
    assert_eq!(s.public_case(&disclosed.id).await.unwrap(), None);
    assert!(
        s.public_cases(&p.slug, &PageRequest::first())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Disclosure's gate (V8): the team's summary, a final CVSS call, a mitigation.
    for cmd in [
        Command::SetAdvisory(embargo_core::advisory::AdvisoryDetails {
            summary: Some("Unbounded allocation".into()),
            ..Default::default()
        }),
        Command::SetCvssNotApplicable {
            reason: "A hardening fix.".into(),
        },
        Command::RecordMitigation {
            text: "Limit the frame size.".into(),
        },
    ] {
        disclosed = act(s, &p, &disclosed, &sam, cmd).await;
    }
    disclosed = release_ready(s, &p, &disclosed, &sam).await;
    disclosed = act(s, &p, &disclosed, &sam, Command::Disclose).await;
    assert_eq!(
        s.public_case(&disclosed.id).await.unwrap().as_ref(),
        Some(&disclosed)
    );
    assert_eq!(s.public_case(&embargoed.id).await.unwrap(), None);
    // Read together, as a batch import asks: the embargoed one and a missing one are
    // not among them.
    let among = s
        .public_cases_among(&[
            embargoed.id.clone(),
            CaseId::from_entropy(999),
            disclosed.id.clone(),
        ])
        .await
        .unwrap();
    assert_eq!(among, [disclosed.clone()]);
    assert!(s.public_cases_among(&[]).await.unwrap().is_empty());
    let listed: Vec<_> = s
        .public_cases(&p.slug, &PageRequest::first())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, [disclosed.id.clone()]);
}

/// Intake's group commit and batch import store many new cases in one transaction,
/// with multi-row inserts: each case reads back as if stored alone, each returned job
/// is the stored job of that id, and a taken id refuses the whole batch.
pub async fn new_cases_stored_together_read_as_if_stored_alone(b: &Backend) {
    use embargo_core::effect::Outlets;
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let sam = team(&sam);
    let alone = report_from(s, &p, 1, Some("ana@example.org")).await;
    let batch: Vec<_> = (2..=4)
        .map(|n| new_report(&p, n, (n != 3).then_some("rae@example.org")))
        .collect();
    let queued = s.submit_cases(&batch).await.unwrap();
    assert_eq!(queued.len(), batch.len());
    for (new, jobs) in batch.iter().zip(&queued) {
        assert!(!jobs.is_empty(), "each report asks for work");
        for job in jobs {
            assert_eq!(job.subject.case(), Some(&new.case.id));
        }
        let access = s
            .case_for_viewer(&new.case.id, &sam)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(access.case(), &new.case);
    }
    // The listing and search find them as they find the one stored alone.
    let filter = CaseFilter {
        words: vec!["steps".into()],
        ..CaseFilter::default()
    };
    let found = s
        .cases_for_viewer(&p, &sam, &filter, &PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(found.iter().any(|c| c.id == alone.id));
    assert!(s.verify().await.unwrap().is_ok());

    // Every job the batch was told of is the stored job under that id.
    s.set_outlets(Outlets { mail: true });
    let mut stored = std::collections::HashMap::new();
    let far = at(100_000_000);
    while let Some(job) = s.claim_job(far, at(100_001_000)).await.unwrap() {
        s.finish_job(&job, far).await.unwrap();
        stored.insert(job.id, (job.subject, job.effect));
    }
    for job in queued.iter().flatten() {
        assert_eq!(
            stored.get(&job.id),
            Some(&(job.subject.clone(), job.effect.clone())),
            "job {}",
            job.id
        );
    }

    // A batch holding a case whose id is taken stores none of its cases.
    let taken = vec![new_report(&p, 5, None), new_report(&p, 2, None)];
    assert!(matches!(
        s.submit_cases(&taken).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        s.case_for_viewer(&taken[0].case.id, &sam)
            .await
            .unwrap()
            .is_none()
    );
}

/// The first batch of a project whose keys no instance has open yet makes them inside
/// its transaction. Refused, it must leave no key remembered: a later case sealed
/// with a key that was rolled back could never be read again.
pub async fn a_refused_batch_leaves_no_key_behind(b: &Backend) {
    let s = b.sealed(7).await;
    let (p, sam, _, _) = connect(&*s).await;
    let sam = team(&sam);
    let s = b.sealed(7).await;
    let twice = vec![new_report(&p, 1, None), new_report(&p, 1, None)];
    assert!(matches!(
        s.submit_cases(&twice).await,
        Err(StoreError::Conflict)
    ));
    let stored = new_report(&p, 2, Some("rae@example.org"));
    stored_then_read_elsewhere(b, &*s, &stored, &sam).await;
}

/// Stores `stored` through `s`, then reads it from another instance, with the keys the
/// database holds (those of `Backend::sealed(7)`): it must read as it was stored.
async fn stored_then_read_elsewhere(
    b: &Backend,
    s: &dyn embargo_store::Store,
    stored: &embargo_store::NewCase,
    viewer: &Actor,
) {
    s.submit_cases(std::slice::from_ref(stored)).await.unwrap();
    let other = b.sealed(7).await;
    let read = other
        .case_for_viewer(&stored.case.id, viewer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.case(), &stored.case);
}

/// A transaction that asks twice for a project's keys before it has any (a shared
/// release, then a case appended with it) and is refused must leave no key
/// remembered either: the second ask reads back the key the first made, uncommitted.
pub async fn a_refused_append_leaves_no_key_behind(b: &Backend) {
    use embargo_core::shared_release::{self as shared, ReleaseId, SharedRelease};
    use embargo_store::CaseAppend;
    // A case and a release stored before the instance had keys: the project has none.
    let (p, sam, _, _) = connect(&*b.store).await;
    let lead = team(&sam);
    let case = report(&*b.store, &p, 1, vec![]).await;
    let created = Recorded {
        at: at(10),
        actor: lead.as_ref(),
        event: shared::create(&lead, &p, ReleaseId::from_entropy(9), "1.17.1").unwrap(),
    };
    let release = SharedRelease::replay(std::slice::from_ref(&created)).unwrap();
    b.store.create_release(&release, &[created]).await.unwrap();

    let s = b.sealed(7).await;
    let events =
        embargo_core::decide::decide(&lead, &p, &case, Command::Acknowledge, at(200)).unwrap();
    let mut acknowledged = case.clone();
    for e in &events {
        acknowledged.apply(e);
    }
    let stale = [CaseAppend {
        before: case.version - 1,
        case: &acknowledged,
        events: &events,
    }];
    assert!(matches!(
        s.update_release(release.version, &release, &[], &stale)
            .await,
        Err(StoreError::Conflict)
    ));
    stored_then_read_elsewhere(b, &*s, &new_report(&p, 2, None), &lead).await;
}

/// A case keeps one open clock timer, named by its row (`cases.clock_job`): queued at
/// intake, replaced when its clocks move, and still one when nothing moved.
pub async fn a_case_keeps_one_clock_timer(b: &Backend) {
    use embargo_core::effect::EffectKind;
    use embargo_core::project::NewProject;
    let s = &*b.store;
    let (_, sam, mia, _) = connect(s).await;
    // Vitess on the Connect preset with its reminders (`connect` has none).
    let mut p = project_change(
        s,
        None,
        ProjectCommand::Create(NewProject {
            slug: "vitess".into(),
            name: "Vitess".into(),
            guidance: None,
            components: vec!["go".into()],
            policy: Some(embargo_core::policy::Policy::connect()),
        }),
    )
    .await;
    for (u, role) in [(&sam, Role::SecurityTeam), (&mia, Role::Maintainer)] {
        p = project_change(
            s,
            Some(p),
            ProjectCommand::SetMember {
                user: u.as_ref(),
                role,
            },
        )
        .await;
    }
    let sam = team(&sam);
    let open = || async { s.waiting_jobs(EffectKind::Wake).await.unwrap() };

    let received = report(s, &p, 1, vec![]).await;
    assert_eq!(open().await, 1, "intake queues the case's first timer");
    let first = s.next_job_due().await.unwrap().unwrap();

    let mut case = received;
    for cmd in [
        Command::Acknowledge,
        Command::Claim,
        Command::SetFinalDecision(embargo_core::command::DecisionInput::Confirm {
            explanation: None,
        }),
        Command::AddCollaborator { user: mia.id },
    ] {
        case = act(s, &p, &case, &sam, cmd).await;
        assert_eq!(open().await, 1, "the timer is replaced, not added to");
    }
    let second = s.next_job_due().await.unwrap().unwrap();
    assert_ne!(
        first, second,
        "with a maintainer in, the next reminder is another"
    );

    act(
        s,
        &p,
        &case,
        &sam,
        Command::AddNote {
            body: "A note moves no clock".into(),
        },
    )
    .await;
    assert_eq!(open().await, 1);
    assert_eq!(s.next_job_due().await.unwrap().unwrap(), second);

    // A batch (intake's group commit) names each case's own timer as it inserts the
    // case, though the cases queue different numbers of jobs (an address brings mail).
    let batch: Vec<_> = (10..14)
        .map(|n| new_report(&p, n, (n % 2 == 0).then_some("reporter@example.org")))
        .collect();
    s.submit_cases(&batch).await.unwrap();
    assert_eq!(open().await, 5, "one timer for each case");
    let misnamed = raw_count(
        b,
        "SELECT count(*) FROM cases c LEFT JOIN outbox o ON o.id = c.clock_job \
         WHERE o.id IS NULL OR o.case_id <> c.id OR o.kind <> 'wake' OR o.done_at IS NOT NULL",
    )
    .await;
    assert_eq!(
        misnamed, 0,
        "a case's row names another job than its open timer"
    );
}

pub async fn effects_are_queued_with_their_events_and_worked_once(b: &Backend) {
    use embargo_core::effect::{Effect, Subject};
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let sam = team(&sam);
    let mut case = report(s, &p, 1, vec![]).await;
    for cmd in [
        Command::Acknowledge,
        Command::Claim,
        Command::SetFinalDecision(embargo_core::command::DecisionInput::Confirm {
            explanation: None,
        }),
    ] {
        case = act(s, &p, &case, &sam, cmd).await;
    }
    let now = at(10_000);
    let lease = at(10_060);
    assert_eq!(s.next_job_due().await.unwrap(), None);
    assert!(
        s.claim_job(now, lease).await.unwrap().is_none(),
        "nothing asked of the world yet"
    );
    // The store says what it queued, so no one has to work it out again.
    let events =
        embargo_core::decide::decide(&sam, &p, &case, Command::RequestCveId, at(500)).unwrap();
    let mut next = case.clone();
    for e in &events {
        next.apply(e);
    }
    let queued = s
        .append_case_events(case.version, &next, &events, &[])
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (&queued[0].subject, &queued[0].effect, queued[0].due),
        (
            &Subject::Case(case.id.clone()),
            &Effect::ReserveCve,
            at(500)
        )
    );
    assert_eq!(s.next_job_due().await.unwrap(), Some(at(500)));
    let job = s.claim_job(now, lease).await.unwrap().expect("due");
    assert_eq!(
        (
            job.id,
            job.subject.clone(),
            job.effect.clone(),
            job.attempts
        ),
        (
            queued[0].id,
            Subject::Case(case.id.clone()),
            Effect::ReserveCve,
            1
        )
    );
    let (for_job, project) = s.case_for_job(&job).await.unwrap().unwrap();
    assert_eq!(
        (for_job.id, project.slug),
        (case.id.clone(), p.slug.clone())
    );

    // The lease hides the claimed job from every other claim until it runs out.
    assert!(
        s.claim_job(now, lease).await.unwrap().is_none(),
        "claimed twice"
    );
    assert_eq!(s.next_job_due().await.unwrap(), Some(lease));
    let again = s
        .claim_job(lease, at(10_120))
        .await
        .unwrap()
        .expect("the lease ran out: the job is due again");
    assert_eq!((again.id, again.attempts), (job.id, 2));
    // The first worker's late word no longer counts: the job is the second's now.
    s.finish_job(&job, at(10_061)).await.unwrap();
    s.retry_job(&again, "CVE Services is unavailable: 503", at(20_000))
        .await
        .unwrap();
    assert!(s.claim_job(at(19_999), at(20_059)).await.unwrap().is_none());
    let due = s.claim_job(at(20_000), at(20_060)).await.unwrap().unwrap();
    assert_eq!(due.attempts, 3);
    s.finish_job(&due, at(20_001)).await.unwrap();
    assert!(
        s.claim_job(at(99_999), at(99_999)).await.unwrap().is_none(),
        "done is done"
    );
    assert_eq!(s.next_job_due().await.unwrap(), None);
}

/// Two workers on one database, N jobs: every job is claimed by exactly one of them.
pub async fn two_workers_claim_each_job_exactly_once(b: &Backend) {
    const N: u64 = 24;
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let sam = team(&sam);
    for n in 1..=N {
        let mut case = report(s, &p, n, vec![]).await;
        for cmd in [
            Command::Acknowledge,
            Command::Claim,
            Command::SetFinalDecision(embargo_core::command::DecisionInput::Confirm {
                explanation: None,
            }),
            Command::RequestCveId,
        ] {
            case = act(s, &p, &case, &sam, cmd).await;
        }
    }
    let other = b.reopen().await;
    let work = |store: std::sync::Arc<dyn embargo_store::Store>| async move {
        let mut mine = Vec::new();
        while let Some(job) = store.claim_job(at(90_000), at(99_000)).await.unwrap() {
            mine.push(job.id);
            store.finish_job(&job, at(90_001)).await.unwrap();
        }
        mine
    };
    let (a, b2) = tokio::join!(
        tokio::spawn(work(b.store.clone())),
        tokio::spawn(work(other))
    );
    let (a, b2) = (a.unwrap(), b2.unwrap());
    let mut all: Vec<i64> = a.iter().chain(b2.iter()).copied().collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a job was claimed twice: {a:?} / {b2:?}");
    assert_eq!(all.len() as u64, N, "every job was worked");
}

/// Another instance hears of queued work at once on PostgreSQL (`LISTEN/NOTIFY`); on
/// SQLite there is no other instance to hear, and listening ends at once.
pub async fn queued_work_wakes_other_instances(b: &Backend) {
    use std::time::Duration;
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let sam = team(&sam);
    let mut case = report(s, &p, 1, vec![]).await;
    for cmd in [
        Command::Acknowledge,
        Command::Claim,
        Command::SetFinalDecision(embargo_core::command::DecisionInput::Confirm {
            explanation: None,
        }),
    ] {
        case = act(s, &p, &case, &sam, cmd).await;
    }
    let other = b.reopen().await;
    let (tx, mut rings) = tokio::sync::mpsc::unbounded_channel::<()>();
    let ring: std::sync::Arc<dyn Fn() + Send + Sync> = std::sync::Arc::new(move || {
        let _ = tx.send(());
    });
    match s.backend() {
        embargo_store::Backend::Sqlite => {
            other.listen_for_jobs(ring).await.unwrap();
            assert!(rings.try_recv().is_err(), "nothing to hear on SQLite");
        }
        embargo_store::Backend::Postgres => {
            let listening = tokio::spawn(async move { other.listen_for_jobs(ring).await });
            let wait = Duration::from_secs(10);
            tokio::time::timeout(wait, rings.recv())
                .await
                .expect("a first ring once listening")
                .unwrap();
            act(s, &p, &case, &sam, Command::RequestCveId).await;
            tokio::time::timeout(wait, rings.recv())
                .await
                .expect("the other instance heard of the queued job")
                .unwrap();
            listening.abort();
        }
    }
}

/// Every outbox payload, as the database holds it.
async fn outbox_payloads(b: &Backend) -> Vec<String> {
    use sqlx::{Connection, Row};
    // Case work only (a project policy set after its creation asks for a recompute),
    // and the reporter's mail (the team's news of each report has tests of its own).
    let sql = "SELECT payload FROM outbox WHERE case_id IS NOT NULL AND payload NOT LIKE '%\"to\":\"team\"%' ORDER BY id";
    if b.raw_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&b.raw_url).await.unwrap();
        sqlx::query(sql)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("payload"))
            .collect()
    } else {
        let mut conn = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
        sqlx::query(sql)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("payload"))
            .collect()
    }
}

pub async fn the_receipt_carries_the_tracking_token_only_until_it_is_sent(b: &Backend) {
    use embargo_core::effect::{Effect, EffectKind, Email, MailKind, Outlets, Recipient};
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    // Without mail set up, the receipt is queued and waits: not claimed, not due.
    let anonymous = report_from(s, &p, 2, None).await;
    assert!(outbox_payloads(b).await.is_empty(), "no address, no mail");
    let case = report_from(s, &p, 3, Some("ana@example.org")).await;
    assert_eq!(outbox_payloads(b).await.len(), 1);
    // The receipt and the team's news of both reports.
    assert_eq!(s.waiting_jobs(EffectKind::Email).await.unwrap(), 3);
    assert!(s.claim_job(at(1_000), at(2_000)).await.unwrap().is_none());
    assert_eq!(s.next_job_due().await.unwrap(), None);

    // Once mail is set up, it goes.
    s.set_outlets(Outlets { mail: true });
    assert!(s.next_job_due().await.unwrap().is_some());
    let token = "tracking-token-3";
    // The team's news of each report is queued too; finish those on the way.
    async fn reporter_job(s: &dyn embargo_store::Store, now: i64) -> embargo_store::Job {
        loop {
            let job = s
                .claim_job(at(now), at(now + 1_000))
                .await
                .unwrap()
                .unwrap();
            if matches!(
                &job.effect,
                Effect::Email(Email {
                    to: Recipient::Reporter,
                    ..
                })
            ) {
                return job;
            }
            s.finish_job(&job, at(now)).await.unwrap();
        }
    }
    let job = reporter_job(s, 1_000).await;
    assert_eq!(job.subject.case(), Some(&case.id));
    assert_eq!(
        job.effect,
        Effect::Email(Email {
            to: Recipient::Reporter,
            message: MailKind::ReportReceived {
                tracking_token: Some(token.into())
            },
        })
    );
    assert!(outbox_payloads(b).await[0].contains(token));
    // A retry keeps it: the mail is not sent yet.
    s.retry_job(&job, "451 try later", at(1_500)).await.unwrap();
    assert!(outbox_payloads(b).await[0].contains(token));
    let job = reporter_job(s, 1_500).await;
    s.finish_job(&job, at(1_600)).await.unwrap();
    assert_eq!(s.waiting_jobs(EffectKind::Email).await.unwrap(), 0);
    let payloads = outbox_payloads(b).await;
    assert_eq!(payloads.len(), 1);
    assert!(!payloads[0].contains(token), "{}", payloads[0]);
    assert!(payloads[0].contains("report-received"), "{}", payloads[0]);
    // The token still opens the case: only the outbox forgot it.
    assert!(
        s.case_for_tracking_token(&tracking(3))
            .await
            .unwrap()
            .is_some()
    );
    // A change the reporter sees is one more mail; one they do not see, none.
    let acked = act(s, &p, &case, &team(&sam), Command::Acknowledge).await;
    act(s, &p, &acked, &team(&sam), Command::Claim).await;
    act(s, &p, &anonymous, &team(&sam), Command::Acknowledge).await;
    let payloads = outbox_payloads(b).await;
    assert_eq!(payloads.len(), 2, "{payloads:?}");
    assert!(payloads[1].contains("acknowledged"), "{}", payloads[1]);
}

/// Notifications (issue 8): written with the reminder that calls for them, for the
/// people it names who see the case, handed out only while they still do, marked read
/// by their owner only.
pub async fn notifications_follow_the_events_and_the_viewer(b: &Backend) {
    use embargo_core::clocks::{ClockName, ReminderKind};
    use embargo_core::event::Event;
    use embargo_core::policy::Audience;
    use embargo_store::NotificationFilter;
    let s = &*b.store;
    let (p, sam, mia, max) = connect(s).await;
    let c = report(s, &p, 1, vec![]).await;
    let c = act(s, &p, &c, &team(&sam), Command::Claim).await;
    let c = act(
        s,
        &p,
        &c,
        &team(&sam),
        Command::AddCollaborator { user: mia.id },
    )
    .await;
    let reminder = Recorded {
        at: at(500),
        actor: ActorRef::System,
        event: Event::ClockReminder {
            clock: ClockName::Acknowledge,
            due: at(900),
            key: "acknowledge/reminder-0/x".into(),
            to: vec![Audience::Coordinator, Audience::Collaborators],
        },
    };
    let mut next = c.clone();
    next.apply(&reminder);
    s.append_case_events(c.version, &next, std::slice::from_ref(&reminder), &[])
        .await
        .unwrap();
    let page = PageRequest::new(10, None).unwrap();
    let list = |u: &embargo_core::actor::User, f| {
        let u = u.clone();
        let page = page.clone();
        async move { s.notifications(&u, f, &page).await.unwrap().items }
    };
    let sams = list(&sam, NotificationFilter::All).await;
    assert_eq!(sams.len(), 1);
    let (n, access) = &sams[0];
    assert_eq!(
        (n.kind, n.clock, n.due, n.seq, n.read_at),
        (
            ReminderKind::Reminder,
            ClockName::Acknowledge,
            at(900),
            next.version,
            None
        )
    );
    assert_eq!(access.case().id, c.id);
    assert_eq!(list(&mia, NotificationFilter::Unread).await.len(), 1);
    assert!(
        list(&max, NotificationFilter::All).await.is_empty(),
        "not named, not on it"
    );
    // Only the owner marks it read.
    assert_eq!(
        s.mark_notifications_read(max.id, &[n.id], at(600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.mark_notifications_read(sam.id, &[n.id], at(600))
            .await
            .unwrap(),
        1
    );
    assert!(list(&sam, NotificationFilter::Unread).await.is_empty());
    assert_eq!(
        list(&sam, NotificationFilter::All).await[0].0.read_at,
        Some(at(600))
    );
    // Mia leaves the case: her notification is no longer handed out.
    let mia_id = list(&mia, NotificationFilter::All).await[0].0.id;
    act(
        s,
        &p,
        &next,
        &team(&sam),
        Command::RemoveCollaborator { user: mia.id },
    )
    .await;
    assert!(list(&mia, NotificationFilter::All).await.is_empty());
    assert!(s.notification(&mia, mia_id).await.unwrap().is_none());
}

/// A guest's token (C5) opens its case, found by the hash kept with the guest, until
/// the guest is removed or the case closes; the invitation carries the token only until
/// it is sent.
pub async fn a_guest_token_opens_its_case_until_the_guest_is_removed(b: &Backend) {
    use embargo_core::command::DecisionInput;
    use embargo_core::effect::{Effect, Email, MailKind, Outlets, Recipient};
    let s = &*b.store;
    s.set_outlets(Outlets { mail: true });
    let (p, sam, _, _) = connect(s).await;
    let sam = team(&sam);
    let mut case = report_from(s, &p, 5, None).await;
    for cmd in [
        Command::Acknowledge,
        Command::Claim,
        Command::SetFinalDecision(DecisionInput::Confirm { explanation: None }),
    ] {
        case = act(s, &p, &case, &sam, cmd).await;
    }
    let token = format!("emb_gst_{}.guest-secret", case.id);
    let hash = SecretHash::of(&token);
    let events = embargo_core::decide::decide(
        &sam,
        &p,
        &case,
        Command::InviteGuest {
            email: "uma@grpc.example".into(),
            name: None,
            organisation: None,
            shares: vec!["report".into()],
            reason: "the fix needs grpc-go".into(),
            token_hash: hash.hex(),
        },
        at(500),
    )
    .unwrap();
    let mut next = case.clone();
    for e in &events {
        next.apply(e);
    }
    assert!(s.case_for_guest(&case.id, &hash).await.unwrap().is_none());
    let queued = s
        .append_case_events_with_token(case.version, &next, &events, &token)
        .await
        .unwrap();
    let invitation = queued
        .iter()
        .find(|q| {
            matches!(
                &q.effect,
                Effect::Email(Email {
                    to: Recipient::Guest { .. },
                    ..
                })
            )
        })
        .expect("the invitation is queued with the event");
    assert_eq!(
        invitation.effect,
        Effect::Email(Email {
            to: Recipient::Guest {
                id: embargo_core::ids::GuestId(1)
            },
            message: MailKind::GuestInvitation {
                token: Some(token.clone())
            },
        })
    );
    let case = next;
    let (found, _, guest) = s
        .case_for_guest(&case.id, &hash)
        .await
        .unwrap()
        .expect("the token opens its case");
    assert_eq!(
        (found.id.clone(), guest),
        (case.id.clone(), embargo_core::ids::GuestId(1))
    );
    // Another token, or the right one with another case's id, opens nothing.
    let other = report_from(s, &p, 6, None).await;
    assert!(
        s.case_for_guest(&case.id, &SecretHash::of("emb_gst_x"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.case_for_guest(&other.id, &hash).await.unwrap().is_none());
    // Sent, the invitation forgets the token.
    assert!(outbox_payloads(b).await.iter().any(|p| p.contains(&token)));
    while let Some(job) = s.claim_job(at(600), at(700)).await.unwrap() {
        s.finish_job(&job, at(600)).await.unwrap();
    }
    assert!(!outbox_payloads(b).await.iter().any(|p| p.contains(&token)));
    // Removal ends it.
    act(
        s,
        &p,
        &case,
        &sam,
        Command::RemoveGuest {
            guest: embargo_core::ids::GuestId(1),
            reason: "done".into(),
        },
    )
    .await;
    assert!(s.case_for_guest(&case.id, &hash).await.unwrap().is_none());
}

/// `sam` adds `mia` to the case through a second store on the same database, as another
/// instance would; returns that store and the changed case.
async fn mia_added_by_another_instance(
    b: &Backend,
    p: &embargo_core::project::Project,
    c: &embargo_core::case::Case,
    sam: &embargo_core::actor::User,
    mia: &embargo_core::actor::User,
) -> (
    std::sync::Arc<dyn embargo_store::Store>,
    embargo_core::case::Case,
) {
    let other = b.reopen().await;
    let changed = act(
        &*other,
        p,
        c,
        &team(sam),
        Command::AddCollaborator { user: mia.id },
    )
    .await;
    (other, changed)
}

/// Issue 13: a token's owner and a case are one read (on SQLite, on the request's own
/// thread). The token leads: not live, nothing; live, its owner, and the case only if
/// the owner may see it, as of the last commit, whoever made it.
pub async fn a_token_and_a_case_are_one_read(b: &Backend) {
    let s = &*b.store;
    let (p, sam, mia, _) = connect(s).await;
    let c = report(s, &p, 1, vec![]).await;
    let sams = api_token(s, &sam, 10, "sam's token").await;
    let mias = api_token(s, &mia, 11, "mia's token").await;
    let (owner, token, access) = s.case_for_api_token(&sams, &c.id).await.unwrap().unwrap();
    assert_eq!(
        (owner.id, owner.email.as_str()),
        (sam.id, "sam@example.org")
    );
    assert_eq!((owner.name.as_str(), owner.second_factor), ("sam", false));
    assert_eq!(token, TokenId(10));
    let access = access.expect("the security team sees a new case");
    assert_eq!(access.case(), &c);
    assert!(
        matches!(access.standing(), Standing::Team(t) if t.role == Role::SecurityTeam && t.leads()),
        "{:?}",
        access.standing()
    );
    // A maintainer not on the case, and a case that does not exist: the same answer.
    let (owner, token, access) = s.case_for_api_token(&mias, &c.id).await.unwrap().unwrap();
    assert_eq!((owner.id, token), (mia.id, TokenId(11)));
    assert!(access.is_none());
    let missing = CaseId::from_entropy(999);
    let (_, _, access) = s
        .case_for_api_token(&mias, &missing)
        .await
        .unwrap()
        .unwrap();
    assert!(access.is_none());
    assert!(
        s.case_for_api_token(&SecretHash::of("no such token"), &c.id)
            .await
            .unwrap()
            .is_none()
    );
    // Another instance's change is seen by the next read.
    let (other, changed) = mia_added_by_another_instance(b, &p, &c, &sam, &mia).await;
    let (_, _, access) = s.case_for_api_token(&mias, &c.id).await.unwrap().unwrap();
    assert_eq!(access.expect("mia is on the case now").case(), &changed);
    let revoked = other
        .revoke_api_token(
            sam.id,
            TokenId(10),
            Recorded {
                at: at(5),
                actor: ActorRef::User(sam.as_ref()),
                event: AccountEvent::TokenRevoked {
                    owner: sam.as_ref(),
                    token: TokenId(10),
                },
            },
        )
        .await
        .unwrap();
    assert!(revoked);
    assert!(s.case_for_api_token(&sams, &c.id).await.unwrap().is_none());
}

/// Issue 13: on PostgreSQL the single reads keep connections of their own, given back
/// without sqlx's ping. When the server ends every connection (a restart, an operator),
/// the next reads still answer, each kind of them, and so does the next change.
pub async fn reads_answer_after_the_server_ended_their_connections(b: &Backend) {
    let s = &*b.store;
    let (p, sam, _, _) = connect(s).await;
    let mut c = report(s, &p, 1, vec![]).await;
    let token = api_token(s, &sam, 10, "sam's token").await;
    let reads = |c: embargo_core::case::Case| {
        let (p, sam, token) = (p.clone(), sam.clone(), token.clone());
        async move {
            let viewed = s.case_for_viewer(&c.id, &team(&sam)).await.unwrap();
            assert_eq!(viewed.expect("sam sees the case").case(), &c);
            let (owner, _, access) = s.case_for_api_token(&token, &c.id).await.unwrap().unwrap();
            assert_eq!(owner.id, sam.id);
            assert_eq!(access.expect("and with a token").case(), &c);
            assert_eq!(s.project(&p.slug).await.unwrap().unwrap(), p);
        }
    };
    reads(c.clone()).await;
    match s.backend() {
        // No server: nothing ends a SQLite file's connections.
        embargo_store::Backend::Sqlite => {}
        embargo_store::Backend::Postgres => {
            use sqlx::Connection;
            let mut operator = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
            let ended: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_all(&mut operator)
            .await
            .unwrap();
            assert!(
                ended.len() >= 2,
                "the pool's and the reads' own connections were open: {ended:?}"
            );
        }
    }
    for _ in 0..2 {
        reads(c.clone()).await;
    }
    c = act(s, &p, &c, &team(&sam), Command::Acknowledge).await;
    reads(c).await;
}

/// Issue 13: a project is found in the cache by the version read with it, so it is never
/// stale either: another instance's change is seen by the next read, alone or with a
/// case. A read shares what the caches hold; what it hands out to change is its own,
/// and changing it changes nothing the next read finds.
pub async fn a_project_read_again_is_never_stale(b: &Backend) {
    let s = &*b.store;
    let (p, sam, mia, _) = connect(s).await;
    let c = report(s, &p, 1, vec![]).await;
    for _ in 0..2 {
        assert_eq!(s.project(&p.slug).await.unwrap().unwrap(), p);
        let seen = s
            .case_for_viewer(&c.id, &team(&sam))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen.project(), &p);
    }
    let other = b.reopen().await;
    let newer = project_change(
        &*other,
        Some(p.clone()),
        ProjectCommand::RemoveMember { user: mia.id },
    )
    .await;
    assert_eq!(
        s.project(&p.slug).await.unwrap().unwrap(),
        newer,
        "the other instance's change, at once"
    );
    let seen = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.project(), &newer, "and with a case");
    let (mut case, mut project, _) = seen.into_parts();
    case.report.title = "changed in memory only".into();
    project.name = "changed in memory only".into();
    let again = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.case(), again.project()), (&c, &newer));
    assert_eq!(s.project(&p.slug).await.unwrap().unwrap(), newer);
}

/// Issue 13: a single read of a case takes it from the cache of opened cases when its
/// stored text is the one cached. That is never stale, not even after another
/// instance's change, and who may see the case is still decided on every read.
pub async fn a_case_read_again_is_never_stale(b: &Backend) {
    let s = &*b.store;
    let (p, sam, mia, _) = connect(s).await;
    let c = report(s, &p, 1, vec![]).await;
    let first = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    let again = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.case(), first.case());
    // A page's cases come from the same cache (its first read fills it).
    let all = CaseFilter::default();
    for _ in 0..2 {
        let page = s
            .cases_for_viewer(&p, &team(&sam), &all, &PageRequest::first())
            .await
            .unwrap();
        assert_eq!(page.items, [first.case().clone()]);
    }
    assert!(
        s.case_for_viewer(&c.id, &team(&mia))
            .await
            .unwrap()
            .is_none(),
        "read just before by someone who may see it"
    );
    let (_, changed) = mia_added_by_another_instance(b, &p, &c, &sam, &mia).await;
    let now = s
        .case_for_viewer(&c.id, &team(&sam))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.case(), &changed, "the other instance's change, at once");
    assert_eq!(now.case().version, first.case().version + 1);
    let page = s
        .cases_for_viewer(&p, &team(&sam), &all, &PageRequest::first())
        .await
        .unwrap();
    assert_eq!(page.items, std::slice::from_ref(&changed), "and on a page");
    let mias = s
        .case_for_viewer(&c.id, &team(&mia))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mias.case(), &changed);
}
