//! The queue and the case lists show what changed (issue 12 item 3): the unread marker
//! appears and clears per person, "waiting on" flips between the team and the
//! reporter, filters combine with keyset paging, search finds only cases the viewer may
//! see, "my cases" is where a maintainer lands, and bad filters are 422s naming the field.

use super::support::*;
use embargo_core::project::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

const LIST: &str = "/api/v1/projects/connect/cases";

/// The listed case `id` as `token` sees it in the case list.
async fn listed(t: &TestApp, token: &str, id: &str) -> Value {
    let (s, v) = t.get(&format!("{LIST}?limit=200"), Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not listed: {v}"))
}

/// The ids a listing query returns, following `next` through every page.
async fn ids(t: &TestApp, token: &str, query: &str) -> Vec<String> {
    let first = format!("{LIST}?{query}");
    let (mut out, mut path) = (Vec::new(), first.clone());
    loop {
        let (s, v) = t.get(&path, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{query}: {v}");
        for c in v["items"].as_array().unwrap() {
            out.push(c["id"].as_str().unwrap().to_owned());
        }
        match v["next"].as_str() {
            Some(next) => path = format!("{first}&after={next}"),
            None => return out,
        }
    }
}

fn report(title: &str, description: &str, component: &str) -> Value {
    json!({ "title": title, "description": description, "component": component })
}

async fn markers_appear_and_clear_and_waiting_on_flips(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go", "swift"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let tea = t
        .person("tea@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, tracking) = t
        .report("connect", report("Heap overflow", "In the parser", "go"))
        .await;
    let case = format!("/api/v1/cases/{id}");

    // A new report: the team's turn, and new to everyone on the team.
    let row = listed(&t, &sam.token, &id).await;
    assert_eq!(
        (&row["waiting_on"], &row["unread"]),
        (&json!("team"), &json!(true)),
        "{row}"
    );
    assert!(row["last_activity_at"].is_string(), "{row}");

    // Sam opens the case page: read for Sam, still new for Tea.
    let web = t.signed_in("sam@example.org").await;
    assert_eq!(
        web.get(&format!("/cases/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(listed(&t, &sam.token, &id).await["unread"], false);
    assert_eq!(listed(&t, &tea.token, &id).await["unread"], true);
    let cases_page = web.get("/projects/connect/cases").await;
    assert!(
        !cases_page.html.contains("class=\"unread\""),
        "{}",
        cases_page.html
    );

    // Sam acknowledges and writes to the reporter: the reporter's turn; Sam's own
    // actions are no news to Sam.
    let (s, v) = t
        .post(&format!("{case}/acknowledge"), Some(&sam.token), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    t.clock.advance(jiff::SignedDuration::from_mins(5));
    let (s, v) = t
        .post(
            &format!("{case}/messages"),
            Some(&sam.token),
            json!({ "body": "Which version?" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = listed(&t, &sam.token, &id).await;
    assert_eq!(
        (&row["waiting_on"], &row["unread"]),
        (&json!("reporter"), &json!(false)),
        "{row}"
    );
    let before = row["last_activity_at"].clone();

    // The reporter replies: the team's turn again,
    // a marker for Sam, and the last activity moves.
    t.clock.advance(jiff::SignedDuration::from_mins(5));
    let (s, v) = t
        .post(
            &format!("{case}/messages"),
            Some(&tracking),
            json!({ "body": "1.4.2" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = listed(&t, &sam.token, &id).await;
    assert_eq!(
        (&row["waiting_on"], &row["unread"]),
        (&json!("team"), &json!(true)),
        "{row}"
    );
    assert_ne!(row["last_activity_at"], before, "{row}");
    // The queue says the same, in the API and on the page.
    let (s, queue) = t
        .get("/api/v1/projects/connect/queue", Some(&sam.token))
        .await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    let item = &queue["items"][0]["case"];
    assert_eq!(
        (&item["id"], &item["unread"], &item["waiting_on"]),
        (&json!(id), &json!(true), &json!("team")),
        "{queue}"
    );
    let queue_page = web.get("/projects/connect/queue").await;
    assert!(
        queue_page.html.contains("class=\"unread\"") && queue_page.html.contains("Waiting on"),
        "{}",
        queue_page.html
    );
    let cases_page = web.get("/projects/connect/cases").await;
    assert!(
        cases_page.html.contains("class=\"unread\""),
        "{}",
        cases_page.html
    );
    assert!(
        cases_page.html.contains("Waiting on"),
        "{}",
        cases_page.html
    );

    // A question flips it to the reporter; the answer back to the team.
    let (s, v) = t
        .post(
            &format!("{case}/questions"),
            Some(&sam.token),
            json!({ "body": "With TLS?" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(listed(&t, &sam.token, &id).await["waiting_on"], "reporter");
    let q = v["open_question"]["id"].as_u64().unwrap();
    let (s, v) = t
        .post(
            &format!("{case}/questions/{q}/answer"),
            Some(&tracking),
            json!({ "body": "Yes" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(listed(&t, &sam.token, &id).await["waiting_on"], "team");

    // Opening the page clears the marker again.
    web.get(&format!("/cases/{id}")).await;
    assert_eq!(listed(&t, &sam.token, &id).await["unread"], false);

    // Latest activity first: an older report with new activity leads.
    t.clock.advance(jiff::SignedDuration::from_mins(5));
    let (newer, _) = t
        .report("connect", report("Timing leak", "Token compare", "swift"))
        .await;
    assert_eq!(
        ids(&t, &sam.token, "sort=activity").await,
        [newer.clone(), id.clone()]
    );
    t.clock.advance(jiff::SignedDuration::from_mins(5));
    let (s, v) = t
        .post(
            &format!("{case}/notes"),
            Some(&tea.token),
            json!({ "body": "Looking" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        ids(&t, &sam.token, "sort=activity").await,
        [id.clone(), newer.clone()]
    );
    assert_eq!(
        ids(&t, &sam.token, "sort=activity&limit=1").await,
        [id, newer],
        "pages by activity"
    );
}

async fn filters_combine_and_search_finds_only_visible_cases(db: Db) {
    let t = TestApp::on(db).await;
    t.project("connect", &["go", "swift"]).await;
    t.project("other", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let mia = t
        .person("mia@example.org", Some(("connect", Role::Maintainer)))
        .await;
    let olga = t
        .person("olga@example.org", Some(("other", Role::SecurityTeam)))
        .await;
    let (a, _) = t
        .report(
            "connect",
            report("Heap overflow in parser", "Crafted frames", "go"),
        )
        .await;
    let (b, _) = t
        .report(
            "connect",
            report("Timing leak", "Token compare is not constant", "swift"),
        )
        .await;
    let (c, _) = t
        .report(
            "connect",
            report("Panic on empty header", "An overflowing counter", "go"),
        )
        .await;
    let (elsewhere, _) = t
        .report(
            "other",
            report("Heap overflow in parser", "Same words, other project", "go"),
        )
        .await;
    let (s, v) = t
        .post(
            &format!("/api/v1/cases/{a}/claim"),
            Some(&sam.token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    // Filters combine, and page by keyset.
    assert_eq!(ids(&t, &sam.token, "coordinator=me").await, vec![a.clone()]);
    assert_eq!(
        ids(&t, &sam.token, "coordinator=none&limit=1").await,
        sorted(vec![b.clone(), c.clone()])
    );
    assert_eq!(
        ids(&t, &sam.token, "component=go").await,
        sorted(vec![a.clone(), c.clone()])
    );
    assert_eq!(
        ids(&t, &sam.token, "component=GO&coordinator=none").await,
        vec![c.clone()]
    );
    assert_eq!(
        ids(&t, &sam.token, "component=swift&stage=received").await,
        vec![b.clone()]
    );
    assert!(ids(&t, &sam.token, "stage=triage").await.is_empty());
    assert!(ids(&t, &sam.token, "severity=high").await.is_empty());
    assert!(ids(&t, &sam.token, "track=full").await.is_empty());

    // Search: words or word starts, all of them; another project's case never.
    assert_eq!(ids(&t, &sam.token, "q=heap").await, vec![a.clone()]);
    assert_eq!(
        ids(&t, &sam.token, "q=heap*%22%20(%20-:").await,
        vec![a.clone()],
        "search syntax is just a separator"
    );
    assert_eq!(
        ids(&t, &sam.token, "q=overflow&limit=1").await,
        sorted(vec![a.clone(), c.clone()]),
        "\"overflowing\" starts with it"
    );
    assert_eq!(
        ids(&t, &sam.token, "q=token%20constant").await,
        vec![b.clone()]
    );
    assert!(ids(&t, &sam.token, "q=overflow%20token").await.is_empty());
    assert_eq!(
        ids(&t, &sam.token, "q=overflow&component=go&coordinator=me").await,
        vec![a.clone()]
    );
    assert_eq!(ids(&t, &olga.token, "q=heap").await, Vec::<String>::new());
    let (s, v) = t
        .get("/api/v1/projects/other/cases?q=heap", Some(&olga.token))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["items"][0]["id"], elsewhere.as_str());

    // A maintainer finds nothing of a case they are not on, until they are.
    assert!(ids(&t, &mia.token, "q=heap").await.is_empty());
    assert!(ids(&t, &mia.token, "mine=true").await.is_empty());
    let (s, v) = t
        .post(
            &format!("/api/v1/cases/{a}/collaborators"),
            Some(&sam.token),
            json!({ "user_id": mia.id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(&t, &mia.token, "q=heap").await, vec![a.clone()]);
    assert_eq!(ids(&t, &mia.token, "mine=true").await, vec![a.clone()]);
    assert_eq!(ids(&t, &sam.token, "mine=true").await, vec![a.clone()]);

    // Bad filters: 422 naming the field, and nothing listed.
    for (query, field) in [
        ("stage=bogus", "stage"),
        ("component=cobol", "component"),
        ("severity=huge", "severity"),
        ("coordinator=someone", "coordinator"),
        ("track=fast", "track"),
        ("mine=maybe", "mine"),
        ("sort=title", "sort"),
        (&format!("q={}", "x".repeat(201)), "q"),
    ] {
        let (s, v) = t.get(&format!("{LIST}?{query}"), Some(&sam.token)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {v}");
        assert_eq!(v["error"]["field"], field, "{query}: {v}");
    }

    // The page: a search box, what was typed kept with the error beside the field.
    let web = t.signed_in("sam@example.org").await;
    let page = web.get("/projects/connect/cases?q=heap").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("type=\"search\""), "{}", page.html);
    assert!(
        page.html.contains(&a) && !page.html.contains(&b),
        "{}",
        page.html
    );
    let refused = web
        .get("/projects/connect/cases?component=cobol&q=heap")
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("value=\"cobol\""), "{}", refused.html);
    assert!(
        refused.html.contains("id=\"component-error\""),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("value=\"heap\""), "{}", refused.html);
    assert!(
        !refused.html.contains(&a),
        "nothing listed: {}",
        refused.html
    );

    // A maintainer with no triage rights lands on their cases, linked from the header.
    let mia_web = t.signed_in("mia@example.org").await;
    let triage = mia_web.get("/triage").await;
    assert_eq!(triage.status, StatusCode::SEE_OTHER);
    assert_eq!(triage.location(), "/my");
    let my = mia_web.get("/my").await;
    assert_eq!(my.status, StatusCode::OK);
    assert!(my.html.contains(&a) && !my.html.contains(&c), "{}", my.html);
    assert!(
        my.html.contains("href=\"/projects/connect/cases\""),
        "{}",
        my.html
    );
    assert!(my.html.contains("href=\"/my\""), "{}", my.html);
    // The security team still has its triage queue.
    assert_eq!(web.get("/triage").await.status, StatusCode::OK);
    // Someone outside the project sees no list at all, as if it did not exist.
    let olga_web = t.signed_in("olga@example.org").await;
    let hidden = olga_web.get("/projects/connect/cases?q=overflow").await;
    let missing = olga_web.get("/projects/nope/cases?q=overflow").await;
    assert_eq!(
        (hidden.status, missing.status),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
}

#[tokio::test]
async fn markers_and_waiting_on_on_sqlite() {
    markers_appear_and_clear_and_waiting_on_flips(Db::Sqlite).await;
}

#[tokio::test]
async fn markers_and_waiting_on_on_postgres() {
    markers_appear_and_clear_and_waiting_on_flips(Db::Postgres).await;
}

#[tokio::test]
async fn filters_and_search_on_sqlite() {
    filters_combine_and_search_finds_only_visible_cases(Db::Sqlite).await;
}

#[tokio::test]
async fn filters_and_search_on_postgres() {
    filters_combine_and_search_finds_only_visible_cases(Db::Postgres).await;
}
