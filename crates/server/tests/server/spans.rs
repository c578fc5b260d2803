//! `App`'s operations carry tracing spans that name the case (and project and kind of
//! actor), and never a secret: captured by a layer on a real subscriber while real
//! requests go through a spawned server.

use super::support::{TestApp, minimal_report};
use embargo_core::project::Role;
use reqwest::{Method, StatusCode};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tracing::span::{Attributes, Id, Record};
use tracing::{Subscriber, field::Field, field::Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

type Fields = BTreeMap<String, String>;

/// Spans as they close: name and fields (with values recorded after creation).
#[derive(Clone, Default)]
struct Capture {
    open: Arc<Mutex<BTreeMap<u64, (String, Fields)>>>,
    closed: Arc<Mutex<Vec<(String, Fields)>>>,
}

struct Fill<'a>(&'a mut Fields);

impl Visit for Fill<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Fill(&mut fields));
        let name = attrs.metadata().name().to_owned();
        self.open
            .lock()
            .unwrap()
            .insert(id.into_u64(), (name, fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some((_, fields)) = self.open.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fill(fields));
        }
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        if let Some(span) = self.open.lock().unwrap().remove(&id.into_u64()) {
            self.closed.lock().unwrap().push(span);
        }
    }
}

impl Capture {
    /// Spans by name, closed or not: the server may answer before it drops a
    /// handler's span, so the last request's span can still be open here.
    fn spans(&self, name: &str) -> Vec<Fields> {
        let closed = self.closed.lock().unwrap();
        let open = self.open.lock().unwrap();
        closed
            .iter()
            .chain(open.values())
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect()
    }

    fn all_values(&self) -> Vec<String> {
        let closed = self.closed.lock().unwrap();
        let open = self.open.lock().unwrap();
        closed
            .iter()
            .chain(open.values())
            .flat_map(|(_, f)| f.values().cloned())
            .collect()
    }
}

fn field<'a>(span: &'a Fields, name: &str) -> Option<&'a str> {
    span.get(name).map(String::as_str)
}

// The test runtime is single-threaded, so the server's tasks run on this thread and
// report to the subscriber set here.
#[tokio::test]
async fn case_operations_carry_the_case_id_and_no_secret() {
    let t = TestApp::new().await;
    t.project("connect", &[]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let capture = Capture::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    // Tests on other threads run without a subscriber: a callsite they registered while
    // this one was being set may have cached "never". Ask every callsite again.
    tracing::callsite::rebuild_interest_cache();

    let (id, tracking) = t.report("connect", minimal_report("Heap overflow")).await;
    let (status, body) = t
        .post(
            &format!("/api/v1/cases/{id}/claim"),
            Some(&sam.token),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Another test's thread may have been registering the `timeline` callsite while
    // this subscriber was set (tracing caches a callsite's interest when it registers,
    // from the subscribers it saw then): ask again now that any such race is over.
    tracing::callsite::rebuild_interest_cache();
    let (status, _) = t
        .get(&format!("/api/v1/cases/{id}/events"), Some(&sam.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.get("/api/v1/me", Some(&tracking)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let submitted = capture.spans("submit_report");
    assert_eq!(submitted.len(), 1, "{submitted:?}");
    assert_eq!(field(&submitted[0], "case"), Some(id.as_str()));
    assert_eq!(field(&submitted[0], "project"), Some("connect"));
    assert_eq!(field(&submitted[0], "actor"), Some("anonymous"));

    let executed = capture.spans("execute");
    assert!(
        executed
            .iter()
            .any(|s| field(s, "case") == Some(id.as_str()) && field(s, "actor") == Some("user")),
        "no `execute` span for {id} by a user: {executed:?}"
    );
    let timelines = capture.spans("timeline");
    assert!(
        timelines
            .iter()
            .any(|s| field(s, "case") == Some(id.as_str())),
        "no `timeline` span for {id}: {timelines:?}"
    );

    let values = capture.all_values();
    for secret in [tracking.as_str(), sam.token.as_str(), sam.email.as_str()] {
        assert!(
            !values.iter().any(|v| v.contains(secret)),
            "a span carries a secret or an address: {values:?}"
        );
    }
}

#[tokio::test]
async fn a_tracked_case_is_named_once_the_token_opened_it() {
    let t = TestApp::new().await;
    t.project("connect", &[]).await;
    let (id, tracking) = t.report("connect", minimal_report("Use after free")).await;
    let capture = Capture::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));

    let page = |path: String| t.req(Method::GET, &path, None).send();
    let res = page(format!("/track/{tracking}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = page("/track/emb_trk_not-a-token".into()).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let tracked = capture.spans("tracked_case");
    assert_eq!(tracked.len(), 2, "{tracked:?}");
    assert_eq!(field(&tracked[0], "case"), Some(id.as_str()));
    assert_eq!(field(&tracked[0], "actor"), Some("reporter"));
    // The unknown token names no case, and neither span holds a token.
    assert_eq!(field(&tracked[1], "case"), None);
    assert!(
        !capture
            .all_values()
            .iter()
            .any(|v| v.contains(&tracking) || v.contains("not-a-token")),
        "a span carries a token"
    );
}
