//! The OpenAPI document: served, complete for the routes, and held by a
//! snapshot so that any change to the public API shows up in review.

use super::support::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_openapi_document_describes_the_api_and_changes_only_on_purpose() {
    let t = TestApp::new().await;
    let (status, doc) = t.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/projects/{slug}/reports",
        "/projects/{slug}/cases",
        "/cases/{id}",
        "/cases/{id}/events",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    // Every documented operation names its error body.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            assert!(op["responses"].is_object(), "{method} {path}");
        }
    }
    insta::assert_json_snapshot!("openapi", doc);
}
