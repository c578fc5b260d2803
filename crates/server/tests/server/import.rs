//! `App::import_osv_batch` (V10, issue 13 item 4): one outcome per record, in order;
//! only the new records are stored; a record that is here already is unchanged or,
//! when it differs, refused without changing anything; an id given twice in one batch
//! is answered as if the second came in a later batch.

use super::support::*;
use embargo_server::app::Imported;
use serde_json::{Value, json};

fn record(id: &str, summary: &str) -> Value {
    json!({
        "schema_version": "1.7.5",
        "id": id,
        "modified": "2025-05-02T00:00:00Z",
        "published": "2025-04-01T00:00:00Z",
        "summary": summary,
        "details": "Found by fuzzing.",
        "affected": [{ "package": { "ecosystem": "Go", "name": "connectrpc.com/connect" },
            "ranges": [{ "type": "SEMVER", "events": [{ "introduced": "0" }, { "fixed": "1.16.2" }] }] }]
    })
}

/// The disclosed cases of `connect`, each as the record it was imported from.
async fn stored(t: &TestApp) -> Vec<Value> {
    let (_, cases) = t.app.disclosed_cases("connect").await.unwrap();
    let mut records: Vec<Value> = cases
        .iter()
        .map(|c| serde_json::from_str(c.advisory.imported_osv.as_deref().unwrap()).unwrap())
        .collect();
    records.sort_by_key(|r| r["id"].as_str().unwrap().to_owned());
    records
}

fn new_id(outcome: &Result<Imported, embargo_server::app::AppError>) -> String {
    match outcome {
        Ok(Imported::New(id, _)) => id.to_string(),
        other => panic!("expected new, got {other:?}"),
    }
}

fn refused(outcome: &Result<Imported, embargo_server::app::AppError>, words: &str) {
    match outcome {
        Err(e) => assert!(e.to_string().contains(words), "{e}"),
        other => panic!("expected a refusal naming `{words}`, got {other:?}"),
    }
}

async fn v10_a_batch_answers_each_record_and_stores_only_the_new_ones(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let before = record("GHSA-aaaa-bbbb-0001", "Frame bomb");
    let other = record("GHSA-aaaa-bbbb-0002", "Header smuggling");
    let first = t
        .app
        .import_osv_batch("connect", &[before.clone(), other.clone()])
        .await
        .unwrap();
    let before_id = new_id(&first[0]);
    new_id(&first[1]);

    let fresh = record("GHSA-aaaa-bbbb-0003", "Stream reset");
    let mut changed = other.clone();
    changed["summary"] = "Header smuggling, revised".into();
    let mut invalid = record("GHSA-aaaa-bbbb-0004", "No introduced version");
    invalid["affected"][0]["ranges"][0]["events"] = json!([{ "fixed": "1.16.2" }]);
    let outcomes = t
        .app
        .import_osv_batch(
            "connect",
            &[fresh.clone(), before.clone(), changed, invalid],
        )
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 4);
    new_id(&outcomes[0]);
    match &outcomes[1] {
        Ok(Imported::Unchanged(id)) => assert_eq!(id.to_string(), before_id),
        other => panic!("expected unchanged, got {other:?}"),
    }
    refused(&outcomes[2], "imported before from a different record");
    refused(&outcomes[3], "not valid OSV: /affected");
    // Exactly the three new records are stored, the refused one as it was.
    assert_eq!(stored(&t).await, [before, other, fresh]);

    // The single-record path answers by the same rule.
    let again = t
        .app
        .import_osv("connect", &record("GHSA-aaaa-bbbb-0001", "Frame bomb"))
        .await
        .unwrap();
    assert!(matches!(again, Imported::Unchanged(_)), "{again:?}");
}

#[tokio::test]
async fn v10_a_batch_answers_each_record_and_stores_only_the_new_ones_sqlite() {
    v10_a_batch_answers_each_record_and_stores_only_the_new_ones(Db::Sqlite).await;
}

#[tokio::test]
async fn v10_a_batch_answers_each_record_and_stores_only_the_new_ones_postgres() {
    v10_a_batch_answers_each_record_and_stores_only_the_new_ones(Db::Postgres).await;
}

async fn v10_an_id_twice_in_one_batch_is_decided_after_the_first(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let same = record("GHSA-aaaa-bbbb-0001", "Frame bomb");
    let other = record("GHSA-aaaa-bbbb-0002", "Header smuggling");
    let mut clash = other.clone();
    clash["details"] = "Another text under the same id.".into();
    let outcomes = t
        .app
        .import_osv_batch(
            "connect",
            &[
                same.clone(),
                other.clone(),
                same.clone(),
                clash,
                same.clone(),
            ],
        )
        .await
        .unwrap();
    let id = new_id(&outcomes[0]);
    new_id(&outcomes[1]);
    for n in [2, 4] {
        match &outcomes[n] {
            Ok(Imported::Unchanged(again)) => assert_eq!(again.to_string(), id),
            other => panic!("record {n}: expected unchanged, got {other:?}"),
        }
    }
    refused(&outcomes[3], "imported before from a different record");
    assert_eq!(stored(&t).await, [same, other]);
}

#[tokio::test]
async fn v10_an_id_twice_in_one_batch_is_decided_after_the_first_sqlite() {
    v10_an_id_twice_in_one_batch_is_decided_after_the_first(Db::Sqlite).await;
}

#[tokio::test]
async fn v10_an_id_twice_in_one_batch_is_decided_after_the_first_postgres() {
    v10_an_id_twice_in_one_batch_is_decided_after_the_first(Db::Postgres).await;
}
