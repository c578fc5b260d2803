//! The storage conformance suite: every test runs on SQLite and on PostgreSQL.

mod store {
    pub mod fixtures;
    pub mod integrity;
    pub mod listings;
    pub mod schema;
    pub mod suite;
}

use embargo_store::Store;
use embargo_testkit::{PgTestDb, TempDir};
use std::sync::Arc;

/// A store on a fresh database, and what keeps that database alive.
pub struct Backend {
    pub store: Arc<dyn Store>,
    /// For tests that reach around the store (tampering).
    pub raw_url: String,
    _keep: Keep,
}

enum Keep {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres(#[allow(dead_code)] PgTestDb),
}

impl Backend {
    /// A second store on the same database, as a second instance would open it.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        match &self._keep {
            Keep::Sqlite(dir) => embargo_store::open_sqlite(dir.path()).await.unwrap(),
            Keep::Postgres(_) => embargo_store::open_postgres(&self.raw_url).await.unwrap(),
        }
    }

    /// The same database opened with text sealed under master key `[n; 32]`, as a
    /// server runs; each call opens with no data key read yet.
    pub async fn sealed(&self, n: u8) -> Arc<dyn Store> {
        self.reopen_with(&embargo_store::OpenOptions {
            sealing: Some(Arc::new(embargo_store::sealing::Sealing::new(
                embargo_store::sealing::MasterKeys::new([n; 32], []),
            ))),
            ..Default::default()
        })
        .await
        .unwrap()
    }

    /// The same database opened with `options` (a chain key), or why it can't be.
    pub async fn reopen_with(
        &self,
        options: &embargo_store::OpenOptions,
    ) -> embargo_store::Result<Arc<dyn Store>> {
        match &self._keep {
            Keep::Sqlite(dir) => embargo_store::open_sqlite_with(dir.path(), options).await,
            Keep::Postgres(_) => embargo_store::open_postgres_with(&self.raw_url, options).await,
        }
    }
}

pub async fn sqlite() -> Backend {
    let dir = embargo_testkit::temp_dir();
    let store = embargo_store::open_sqlite(dir.path()).await.unwrap();
    Backend {
        raw_url: format!("sqlite://{}", dir.path().join("embargo.sqlite3").display()),
        store,
        _keep: Keep::Sqlite(dir),
    }
}

pub async fn postgres() -> Backend {
    let db = PgTestDb::create().await;
    let store = embargo_store::open_postgres(&db.url).await.unwrap();
    Backend {
        raw_url: db.url.clone(),
        store,
        _keep: Keep::Postgres(db),
    }
}

macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let b = crate::sqlite().await;
                crate::store::suite::$test(&b).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let b = crate::postgres().await;
                crate::store::suite::$test(&b).await;
            })*
        }
    };
}

conformance!(
    users_are_unique_by_email_in_any_case,
    api_tokens_authenticate_until_revoked,
    sessions_expire_and_end,
    setup_token_works_once,
    password_tokens_work_once_for_their_user,
    projects_keep_members_and_refuse_stale_writes,
    cases_are_scoped_by_viewer,
    a_case_read_again_is_never_stale,
    a_project_read_again_is_never_stale,
    reads_answer_after_the_server_ended_their_connections,
    a_token_and_a_case_are_one_read,
    project_clock_facts_cover_the_project,
    reporters_see_their_case_and_shared_events_only,
    stale_case_writes_conflict_and_change_nothing,
    concurrent_appends_one_wins,
    attachments_round_trip_and_respect_visibility,
    every_stream_is_hash_chained,
    tampering_breaks_the_chain,
    state_survives_reopening,
    only_disclosed_cases_are_public,
    new_cases_stored_together_read_as_if_stored_alone,
    a_refused_batch_leaves_no_key_behind,
    a_refused_append_leaves_no_key_behind,
    a_case_keeps_one_clock_timer,
    effects_are_queued_with_their_events_and_worked_once,
    notifications_follow_the_events_and_the_viewer,
    the_receipt_carries_the_tracking_token_only_until_it_is_sent,
    two_workers_claim_each_job_exactly_once,
    queued_work_wakes_other_instances,
    listings_page_by_keyset_and_keep_each_viewers_scope,
    reads_are_kept_per_member_and_search_stays_in_scope,
    a_common_word_pages_like_a_rare_one,
    a_word_is_found_whatever_it_looks_like,
    a_word_is_found_whatever_it_looks_like_with_keys,
    the_triage_queue_is_one_query_across_projects,
    advisories_and_timelines_page_too,
    verify_checks_every_chain_and_projection,
    verify_finds_a_deleted_and_a_reordered_event,
    verify_finds_an_edited_projection,
    reproject_rebuilds_damaged_projections_from_the_events,
    a_new_projection_version_rebuilds_on_opening,
    a_keyed_chain_is_adopted_once_and_never_opened_with_another_key,
    a_forger_without_the_key_cannot_relink_an_edited_stream,
    checkpointed_heads_catch_a_rewritten_stream,
    history_stored_in_clear_is_sealed_and_still_verifies,
    shared_releases_append_with_their_cases_and_verify,
    a_guest_token_opens_its_case_until_the_guest_is_removed,
);
