//! Domain values built through `core`, the way the server builds them.

use embargo_core::Timestamp;
use embargo_core::account::{AccountCommand, AccountEvent, TokenId, decide_account};
use embargo_core::actor::{Actor, ActorRef, User, UserRef};
use embargo_core::case::Case;
use embargo_core::command::Command;
use embargo_core::decide::{decide, submit};
use embargo_core::event::{Attachment, Event, Recorded, Visibility};
use embargo_core::ids::{AttachmentId, CaseId, UserId};
use embargo_core::project::{
    NewProject, Project, ProjectCommand, Role, apply_project, decide_project,
};
use embargo_core::report::{Channel, Draft};
use embargo_store::{NewFile, NewUser, PageRequest, SecretHash, Store};

pub fn at(sec: i64) -> Timestamp {
    Timestamp::from_second(1_780_000_000 + sec).unwrap()
}

pub fn user(id: i64, name: &str) -> User {
    User {
        id: UserId(id),
        name: name.into(),
        instance_admin: false,
        second_factor: false,
    }
}

/// A live API token `id` for `owner`, whose secret is `secret`; returns its hash.
pub async fn api_token(store: &dyn Store, owner: &User, id: i64, secret: &str) -> SecretHash {
    let hash = SecretHash::of(secret);
    store
        .create_api_token(
            embargo_store::NewApiToken {
                id: TokenId(id),
                user: owner.id,
                name: format!("token {id}"),
                hash: hash.clone(),
                created_at: at(3),
            },
            Recorded {
                at: at(3),
                actor: ActorRef::User(owner.as_ref()),
                event: AccountEvent::TokenCreated {
                    owner: owner.as_ref(),
                    token: TokenId(id),
                    name: format!("token {id}"),
                },
            },
        )
        .await
        .unwrap();
    hash
}

pub async fn create_user(store: &dyn Store, id: i64, email: &str) -> User {
    let name = email.split('@').next().unwrap().to_owned();
    let ev = decide_account(
        &Actor::Operator,
        AccountCommand::CreateUser {
            id: UserId(id),
            email: email.into(),
            name: name.clone(),
            instance_admin: false,
        },
    )
    .unwrap();
    let AccountEvent::UserCreated { email, .. } = &ev[0] else {
        unreachable!()
    };
    store
        .create_user(
            NewUser {
                id: UserId(id),
                email: email.clone(),
                name: name.clone(),
                instance_admin: false,
                password_hash: None,
                created_at: at(0),
            },
            Recorded {
                at: at(0),
                actor: ActorRef::Operator,
                event: ev[0].clone(),
            },
        )
        .await
        .unwrap();
    user(id, &name)
}

fn recorded<E>(events: Vec<E>, t: Timestamp) -> Vec<Recorded<E>> {
    events
        .into_iter()
        .map(|event| Recorded {
            at: t,
            actor: ActorRef::Operator,
            event,
        })
        .collect()
}

/// Runs a project command and stores it.
pub async fn project_change(store: &dyn Store, p: Option<Project>, cmd: ProjectCommand) -> Project {
    let events = recorded(
        decide_project(&Actor::Operator, p.as_ref(), cmd).unwrap(),
        at(1),
    );
    let before = p.as_ref().map(|p| p.version);
    let mut next = p;
    for e in &events {
        next = Some(apply_project(next, &e.event, e.at));
    }
    let next = next.unwrap();
    let queued = match before {
        None => store.create_project(&next, &events).await.unwrap(),
        Some(v) => store.update_project(v, &next, &events).await.unwrap(),
    };
    // A policy asks for its project's open cases to be recomputed: a new project has
    // none, so that job is done at once here and the tests count case work only. A
    // role change mails the member (issue 11 item 6): done unsent, for the same reason.
    for q in &queued {
        if let embargo_core::effect::Effect::Email(embargo_core::effect::Email {
            message: embargo_core::effect::MailKind::AccountNotice { .. },
            ..
        }) = &q.effect
        {
            let job = embargo_store::Job {
                id: q.id,
                subject: q.subject.clone(),
                effect: q.effect.clone(),
                attempts: 0,
                due: q.due,
            };
            store.finish_job(&job, q.due).await.unwrap();
            continue;
        }
        assert!(
            matches!(
                &q.effect,
                embargo_core::effect::Effect::Wake {
                    reason: embargo_core::effect::WakeReason::RecomputeClocks { .. }
                }
            ),
            "no other project event asks for work: {q:?}"
        );
        let job = store.claim_job(q.due, q.due).await.unwrap().expect("due");
        assert_eq!(job.id, q.id);
        store.finish_job(&job, q.due).await.unwrap();
    }
    next
}

/// Connect's policy with no reminder and no escalation: no clock timers.
pub fn quiet_policy() -> embargo_core::policy::Policy {
    let mut p = embargo_core::policy::Policy::connect();
    p.reminders.clear();
    p.escalation = None;
    p
}

/// Connect with Sam (security team, id 2), Mia and Max (maintainers, 3 and 4).
pub async fn connect(store: &dyn Store) -> (Project, User, User, User) {
    let sam = create_user(store, 2, "sam@example.org").await;
    let mia = create_user(store, 3, "mia@example.org").await;
    let max = create_user(store, 4, "max@example.org").await;
    let mut p = project_change(
        store,
        None,
        ProjectCommand::Create(NewProject {
            slug: "connect".into(),
            name: "Connect".into(),
            guidance: None,
            components: vec!["go".into(), "swift".into()],
            // The connect preset without reminders: these tests count the outbox's
            // jobs, and clock timers (tested in the server's `reminders`) would join.
            policy: Some(quiet_policy()),
        }),
    )
    .await;
    for (u, role) in [
        (&sam, Role::SecurityTeam),
        (&mia, Role::Maintainer),
        (&max, Role::Maintainer),
    ] {
        p = project_change(
            store,
            Some(p),
            ProjectCommand::SetMember {
                user: u.as_ref(),
                role,
            },
        )
        .await;
    }
    (p, sam, mia, max)
}

pub fn tracking(n: u64) -> SecretHash {
    SecretHash::of(&format!("tracking-token-{n}"))
}

pub fn attachment(n: u64, content: &[u8], visibility: Visibility) -> (Attachment, NewFile) {
    use sha2::{Digest, Sha256};
    let sha = hex::encode(Sha256::digest(content));
    let id = AttachmentId::from_entropy(n);
    (
        Attachment {
            id: id.clone(),
            filename: format!("file{n}.txt"),
            content_type: "text/plain".into(),
            size: content.len() as u64,
            sha256: sha.clone(),
            visibility,
        },
        NewFile {
            id,
            sha256: sha,
            content: content.to_vec(),
        },
    )
}

/// Submits a report as an anonymous reporter; the case id comes from `n`.
pub async fn report(
    store: &dyn Store,
    p: &Project,
    n: u64,
    files: Vec<(Attachment, NewFile)>,
) -> Case {
    submit_report(store, p, n, files, None).await
}

/// Like [`report`], from a reporter who may give an address.
pub async fn report_from(store: &dyn Store, p: &Project, n: u64, email: Option<&str>) -> Case {
    submit_report(store, p, n, vec![], email).await
}

async fn submit_report(
    store: &dyn Store,
    p: &Project,
    n: u64,
    files: Vec<(Attachment, NewFile)>,
    email: Option<&str>,
) -> Case {
    let id = CaseId::from_entropy(n);
    let draft = Draft {
        title: format!("Report {n}"),
        description: "Steps to reproduce".into(),
        component: Some("go".into()),
        reporter_email: email.map(Into::into),
        ..Draft::default()
    };
    let (metas, blobs): (Vec<_>, Vec<_>) = files.into_iter().unzip();
    let events = submit(
        &Actor::Anonymous,
        p,
        id,
        draft,
        Channel::Api,
        metas,
        at(n as i64),
    )
    .unwrap();
    let case = Case::replay(&events).unwrap();
    store
        .submit_case(&case, &events, &format!("tracking-token-{n}"), &blobs)
        .await
        .unwrap();
    case
}

/// A report decided as [`report_from`] decides it, not stored yet.
pub fn new_report(p: &Project, n: u64, email: Option<&str>) -> embargo_store::NewCase {
    let draft = Draft {
        title: format!("Report {n}"),
        description: "Steps to reproduce".into(),
        component: Some("go".into()),
        reporter_email: email.map(Into::into),
        ..Draft::default()
    };
    new_report_of(p, n, draft)
}

/// Report `n` of `draft`, decided and not stored yet.
pub fn new_report_of(p: &Project, n: u64, draft: Draft) -> embargo_store::NewCase {
    let events = submit(
        &Actor::Anonymous,
        p,
        CaseId::from_entropy(n),
        draft,
        Channel::Api,
        vec![],
        at(n as i64),
    )
    .unwrap();
    embargo_store::NewCase {
        case: Case::replay(&events).unwrap(),
        events,
        tracking_token: format!("tracking-token-{n}"),
        files: vec![],
    }
}

/// Decides and stores a command; returns the new case state.
pub async fn act(store: &dyn Store, p: &Project, case: &Case, actor: &Actor, cmd: Command) -> Case {
    let events = decide(actor, p, case, cmd, at(case.version as i64 + 100)).unwrap();
    let mut next = case.clone();
    for e in &events {
        next.apply(e);
    }
    store
        .append_case_events(case.version, &next, &events, &[])
        .await
        .unwrap();
    next
}

/// Passes the release's part of the disclosure gate (C6, C17): the coordinator's plan,
/// the reporter's agreement, the final notes.
pub async fn release_ready(
    store: &dyn Store,
    p: &Project,
    case: &Case,
    coordinator: &Actor,
) -> Case {
    // The rest of the gate, where the test has not seen to it: a summary, a CVSS call.
    let mut case = case.clone();
    for b in case.disclosure_blockers() {
        let cmd = match b {
            embargo_core::case::Blocker::NoSummary => {
                Command::SetAdvisory(embargo_core::advisory::AdvisoryDetails {
                    summary: Some(format!("Advisory {}", case.id)),
                    ..case.advisory.details.clone()
                })
            }
            embargo_core::case::Blocker::NoFinalCvss => Command::SetCvssNotApplicable {
                reason: "A hardening fix.".into(),
            },
            _ => continue,
        };
        case = act(store, p, &case, coordinator, cmd).await;
    }
    let case = &case;
    let plan = embargo_core::release::PlanInput {
        at: at(case.version as i64 + 864_000).to_string(),
        mitigation: Some("Limit frame sizes.".into()),
        ..Default::default()
    };
    let case = act(
        store,
        p,
        case,
        coordinator,
        Command::ProposeReleasePlan { plan, reason: None },
    )
    .await;
    let case = act(
        store,
        p,
        &case,
        &Actor::Reporter(case.id.clone()),
        Command::AcceptReleaseDate,
    )
    .await;
    act(
        store,
        p,
        &case,
        coordinator,
        Command::FinalizeReleaseNotes {
            notes: Ok("## Security fixes\n".into()),
        },
    )
    .await
}

pub fn kinds(events: &[embargo_store::StoredEvent<Event>]) -> Vec<&'static str> {
    events.iter().map(|e| e.recorded.event.kind()).collect()
}

pub fn team(u: &User) -> Actor {
    Actor::User(u.clone())
}

pub fn user_ref(id: i64, name: &str) -> UserRef {
    UserRef {
        id: UserId(id),
        name: name.into(),
    }
}

/// The one number `sql` (a `SELECT count(*) …`) answers, read around the store.
pub async fn raw_count(b: &crate::Backend, sql: &str) -> i64 {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if b.raw_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&b.raw_url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// Runs SQL on the database behind the store's back (tampering, damage).
pub async fn raw(b: &crate::Backend, sql: &str) {
    use sqlx::Connection;
    if b.raw_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&b.raw_url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
    }
}

/// Opens the same database again, as a restarted program would.
pub async fn reopen(b: &crate::Backend) -> std::sync::Arc<dyn Store> {
    if b.raw_url.starts_with("sqlite:") {
        let dir = std::path::Path::new(b.raw_url.trim_start_matches("sqlite://"))
            .parent()
            .unwrap()
            .to_owned();
        embargo_store::open_sqlite(&dir).await.unwrap()
    } else {
        embargo_store::open_postgres(&b.raw_url).await.unwrap()
    }
}

/// Every page of a listing, read with `limit`; the pages' lengths beside the items.
pub async fn all_pages<T, F, Fut>(limit: u32, mut read: F) -> (Vec<T>, Vec<usize>)
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = embargo_store::Page<T>>,
{
    let (mut items, mut sizes, mut after) = (Vec::new(), Vec::new(), None);
    loop {
        let page = read(PageRequest::new(limit, after).unwrap()).await;
        sizes.push(page.items.len());
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return (items, sizes),
        }
    }
}
