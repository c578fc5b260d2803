//! Listings page by keyset over HTTP: `?limit=` and the `next` cursor in the JSON, links
//! in the pages, bad values refused naming the field, scope kept on every page.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use serde_json::Value;

/// Every page of an API listing, following `next`.
async fn follow(t: &TestApp, first: &str, token: Option<&str>) -> (Vec<String>, usize) {
    let (mut ids, mut pages, mut path) = (Vec::new(), 0, first.to_owned());
    loop {
        let (s, v) = t.get(&path, token).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        pages += 1;
        for item in v["items"].as_array().unwrap() {
            ids.push(
                item["id"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| item["seq"].to_string()),
            );
        }
        match &v["next"] {
            Value::String(next) => path = format!("{first}&after={next}"),
            Value::Null => return (ids, pages),
            other => panic!("next is {other}"),
        }
    }
}

async fn pages_through_the_api_and_the_pages(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let mut reported = Vec::new();
    for n in 0..5 {
        reported.push(
            t.report("connect", minimal_report(&format!("Report {n}")))
                .await,
        );
    }
    // Received at the same instant (the test's clock stands still): then by id.
    reported.sort();
    let ids: Vec<String> = reported.iter().map(|(id, _)| id.clone()).collect();

    let list = "/api/v1/projects/connect/cases?limit=2";
    assert_eq!(follow(&t, list, Some(&sam.token)).await, (ids.clone(), 3));
    let (whole, pages) = follow(
        &t,
        "/api/v1/projects/connect/cases?limit=200",
        Some(&sam.token),
    )
    .await;
    assert_eq!((whole, pages), (ids.clone(), 1));

    // Sam's cursor shows Mia (no part in any case) and a reporter nothing more.
    let (_, first) = t.get(list, Some(&sam.token)).await;
    let cursor = first["next"].as_str().unwrap();
    let after = format!("{list}&after={cursor}");
    let (s, v) = t.get(&after, Some(&mia.token)).await;
    assert_eq!(
        (s, v["items"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );
    let (s, v) = t.get(&after, Some(&reported[4].1)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "only their own");
    assert_eq!(v["items"][0]["id"], ids[4].as_str());

    // Bad paging is a 400 naming the field and the rule.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=many", "limit"),
        ("after=not-a-cursor", "after"),
    ] {
        let (s, v) = t
            .get(
                &format!("/api/v1/projects/connect/cases?{query}"),
                Some(&sam.token),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{query}: {v}"
        );
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("`{field}`")), "{message}");
        if field == "limit" {
            assert!(message.contains("1 to 200"), "{message}");
        }
    }

    // A timeline pages the same way.
    let case = format!("/api/v1/cases/{}/events?limit=1", ids[0]);
    let (seqs, pages) = follow(&t, &case, Some(&sam.token)).await;
    assert_eq!(seqs, ["1"]);
    assert_eq!(pages, 1);
    let (s, v) = t.get(&format!("{case}0000"), Some(&sam.token)).await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );

    // The pages link to the next page and back to the first.
    let web = t.signed_in("sam@example.org").await;
    for listing in ["/projects/connect/cases", "/triage"] {
        let first = web.get(&format!("{listing}?limit=2")).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(!first.html.contains("First page"), "{listing}");
        let marker = r#"rel="next" href=""#;
        let start = first
            .html
            .find(marker)
            .unwrap_or_else(|| panic!("{listing}: no next link"))
            + marker.len();
        let end = first.html[start..].find('"').unwrap();
        let next = first.html[start..start + end].replace("&amp;", "&");
        let second = web.get(&next).await;
        assert_eq!(second.status, StatusCode::OK);
        assert!(second.html.contains("First page"), "{listing}");
        assert!(
            second.html.contains(&ids[2]) && !second.html.contains(&ids[0]),
            "{listing}"
        );
        let bad = web.get(&format!("{listing}?limit=500")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{listing}");
    }
}

#[tokio::test]
async fn listings_page_on_sqlite() {
    pages_through_the_api_and_the_pages(Db::Sqlite).await;
}

#[tokio::test]
async fn listings_page_on_postgres() {
    pages_through_the_api_and_the_pages(Db::Postgres).await;
}
