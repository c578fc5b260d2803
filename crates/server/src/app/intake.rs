//! Intake's group commit: reports that arrive together are stored together, in one
//! transaction, so that one fsync (SQLite's WAL with `synchronous=FULL`, PostgreSQL's
//! commit) carries many of them. Each submission waits for the commit that holds its
//! report, so a `201` still means "durable". If a batch fails, its reports are stored
//! again one by one, so that one bad report fails alone.

use embargo_store::{NewCase, Queued, Store, StoreError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// The most reports one transaction takes.
const MAX_BATCH: usize = 128;

type Answer = oneshot::Sender<Result<Vec<Queued>, StoreError>>;

/// The queue in front of the store's writer; its task starts with the first report.
#[derive(Default)]
pub(super) struct GroupCommit {
    queue: OnceLock<mpsc::UnboundedSender<(NewCase, Answer)>>,
    stats: Arc<Stats>,
}

/// What the writer did, for tests.
#[derive(Default)]
pub(super) struct Stats {
    /// Transactions that committed more than one report.
    pub(super) groups: AtomicUsize,
    /// The most reports one transaction committed.
    pub(super) largest: AtomicUsize,
    /// Batches that failed and were stored one by one.
    pub(super) split: AtomicUsize,
}

impl GroupCommit {
    /// Stores `case` in the next group commit and returns what it queued, once committed.
    pub(super) async fn submit(
        &self,
        store: &Arc<dyn Store>,
        case: NewCase,
    ) -> Result<Vec<Queued>, StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(store.clone(), rx, self.stats.clone()));
            tx
        });
        let (answer, answered) = oneshot::channel();
        if let Err(mpsc::error::SendError((case, _))) = queue.send((case, answer)) {
            // The task is gone (its runtime stopped): store this one directly.
            return store
                .submit_case(&case.case, &case.events, &case.tracking_token, &case.files)
                .await;
        }
        answered
            .await
            .unwrap_or_else(|_| Err(StoreError::Corrupt("the intake writer stopped".into())))
    }
}

/// Takes what waits, up to [`MAX_BATCH`], and commits it, while the next batch
/// gathers. SQLite has one writer connection, so one batch commits at a time there,
/// and a second makes its rows (sealed, chained, its search tokens) meanwhile, ready
/// for the connection; PostgreSQL commits a few batches side by side.
async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::UnboundedReceiver<(NewCase, Answer)>,
    stats: Arc<Stats>,
) {
    let in_flight = match store.backend() {
        embargo_store::Backend::Sqlite => 2,
        embargo_store::Backend::Postgres => 4,
    };
    let permits = Arc::new(Semaphore::new(in_flight));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = rx.recv().await else { return };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let store = store.clone();
        let stats = stats.clone();
        tokio::spawn(async move {
            commit(&*store, batch, &stats).await;
            drop(permit);
        });
    }
}

async fn commit(store: &dyn Store, batch: Vec<(NewCase, Answer)>, stats: &Stats) {
    let (cases, answers): (Vec<NewCase>, Vec<Answer>) = batch.into_iter().unzip();
    if cases.len() > 1 {
        match store.submit_cases(&cases).await {
            Ok(queued) => {
                stats.groups.fetch_add(1, Ordering::Relaxed);
                stats.largest.fetch_max(cases.len(), Ordering::Relaxed);
                for (answer, queued) in answers.into_iter().zip(queued) {
                    let _ = answer.send(Ok(queued));
                }
                return;
            }
            Err(e) => {
                stats.split.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    reports = cases.len(),
                    "a group commit failed ({e}); storing its reports one by one"
                )
            }
        }
    }
    for (case, answer) in cases.into_iter().zip(answers) {
        let result = store
            .submit_case(&case.case, &case.events, &case.tracking_token, &case.files)
            .await;
        let _ = answer.send(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::App;
    use crate::clock::ManualClock;
    use embargo_core::actor::Actor;
    use embargo_core::case::Case;
    use embargo_core::decide;
    use embargo_core::ids::CaseId;
    use embargo_core::project::NewProject;
    use embargo_core::report::{Channel, Draft};
    use embargo_store::SecretHash;

    async fn app_on(store: Arc<dyn Store>) -> App {
        let clock = Arc::new(ManualClock::new(
            embargo_core::Timestamp::from_second(1_790_000_000).unwrap(),
        ));
        let app = App::new(store, crate::settings::Settings::default(), clock);
        app.create_project(
            &Actor::Operator,
            NewProject {
                slug: "connect".into(),
                name: "Connect".into(),
                guidance: None,
                components: vec!["go".into()],
                policy: None,
            },
        )
        .await
        .unwrap();
        app
    }

    async fn new_case(app: &App, id: u64, token: &str) -> NewCase {
        let project = app.project("connect").await.unwrap();
        let draft = Draft {
            title: format!("Report {id}"),
            description: "It crashes.".into(),
            ..Draft::default()
        };
        let events = decide::submit(
            &Actor::Anonymous,
            &project,
            CaseId::from_entropy(id),
            draft,
            Channel::Web,
            vec![],
            app.now(),
        )
        .unwrap();
        NewCase {
            case: Case::replay(&events).unwrap(),
            events,
            tracking_token: token.into(),
            files: vec![],
        }
    }

    /// Ten reports queued together commit in one transaction; when one of a batch
    /// cannot be stored (its id is taken), the batch is stored one by one: that one
    /// fails alone and every other is stored.
    async fn a_batch_commits_together_and_a_bad_report_fails_alone(store: Arc<dyn Store>) {
        let app = app_on(store.clone()).await;
        let writer = GroupCommit::default();
        let first: Vec<NewCase> = futures_of(&app, 0..10).await;
        let results = submit_all(&writer, &store, first).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(writer.stats.groups.load(Ordering::Relaxed), 1);
        assert_eq!(writer.stats.largest.load(Ordering::Relaxed), 10);

        // Case 3's id again, with a fresh token: a unique key refuses it.
        let mut second: Vec<NewCase> = futures_of(&app, 10..15).await;
        second.insert(2, new_case(&app, 3, "tracking-again").await);
        let results = submit_all(&writer, &store, second).await;
        assert_eq!(writer.stats.split.load(Ordering::Relaxed), 1);
        for (n, r) in results.iter().enumerate() {
            if n == 2 {
                assert!(matches!(r, Err(StoreError::Conflict)), "{r:?}");
            } else {
                assert!(r.is_ok(), "{r:?}");
            }
        }
        for n in (0..15).filter(|n| *n != 3) {
            let found = store
                .case_for_tracking_token(&SecretHash::of(&format!("tracking-{n}")))
                .await
                .unwrap();
            assert!(found.is_some(), "report {n} is stored");
        }
        assert!(store.verify().await.unwrap().is_ok());
    }

    async fn futures_of(app: &App, ns: std::ops::Range<u64>) -> Vec<NewCase> {
        let mut cases = Vec::new();
        for n in ns {
            cases.push(new_case(app, n, &format!("tracking-{n}")).await);
        }
        cases
    }

    /// Queues every case before the writer runs (one thread: the writer task runs only
    /// once every submission waits for its answer), then waits for every answer.
    async fn submit_all(
        writer: &GroupCommit,
        store: &Arc<dyn Store>,
        cases: Vec<NewCase>,
    ) -> Vec<Result<Vec<Queued>, StoreError>> {
        use std::task::Poll;
        let mut waits: Vec<_> = cases
            .into_iter()
            .map(|c| Box::pin(writer.submit(store, c)))
            .collect();
        let mut results: Vec<Option<Result<Vec<Queued>, StoreError>>> =
            waits.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            for (w, r) in waits.iter_mut().zip(results.iter_mut()) {
                if r.is_none()
                    && let Poll::Ready(done) = w.as_mut().poll(cx)
                {
                    *r = Some(done);
                }
            }
            if results.iter().all(Option::is_some) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        results.into_iter().map(Option::unwrap).collect()
    }

    #[tokio::test]
    async fn a_batch_commits_together_and_a_bad_report_fails_alone_sqlite() {
        let dir = embargo_testkit::temp_dir();
        let store = embargo_store::open_sqlite(dir.path()).await.unwrap();
        a_batch_commits_together_and_a_bad_report_fails_alone(store).await;
    }

    #[tokio::test]
    async fn a_batch_commits_together_and_a_bad_report_fails_alone_postgres() {
        let db = embargo_testkit::PgTestDb::create().await;
        let store = embargo_store::open_postgres(&db.url).await.unwrap();
        a_batch_commits_together_and_a_bad_report_fails_alone(store).await;
    }
}
