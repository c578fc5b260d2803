//! `TestApp`: Embargo serving on a free loopback port over a fresh SQLite or
//! PostgreSQL database, with a clock the test moves, and helpers to set up people
//! and projects the way an operator would.

use embargo_core::Timestamp;
use embargo_core::actor::Actor;
use embargo_core::project::{NewProject, ProjectCommand, Role};
use embargo_server::app::{App, user_ref};
use embargo_server::clock::ManualClock;
use embargo_server::settings::Settings;
use embargo_testkit::{PgTestDb, TempDir};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A store's options with the settings' master key for files at rest.
fn sealed(settings: &Settings) -> embargo_store::OpenOptions {
    embargo_store::OpenOptions {
        sealing: Some(embargo_server::encryption::sealing(settings).unwrap()),
        ..embargo_store::OpenOptions::default()
    }
}

pub enum Db {
    Sqlite,
    Postgres,
}

enum Keep {
    Sqlite(TempDir),
    Postgres(PgTestDb, #[allow(dead_code)] TempDir),
}

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub settings: Settings,
    pub http: reqwest::Client,
    _keep: Keep,
    _stop: oneshot::Sender<()>,
}

/// Someone with an account and a personal API token.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub token: String,
}

pub const T0: i64 = 1_790_000_000;

impl TestApp {
    pub async fn new() -> TestApp {
        Self::build(Db::Sqlite, |_| {}).await
    }

    pub async fn on(db: Db) -> TestApp {
        Self::build(db, |_| {}).await
    }

    pub async fn build(db: Db, configure: impl FnOnce(&mut Settings)) -> TestApp {
        embargo_testkit::tls_provider();
        let dir = embargo_testkit::temp_dir();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut settings = Settings {
            listen: addr,
            data_dir: dir.path().to_owned(),
            ..Settings::default()
        };
        configure(&mut settings);
        // Files are sealed at rest as the server seals them (an unkeyed chain, as the
        // tests that damage it expect).
        let options = sealed(&settings);
        let (store, keep) = match db {
            Db::Sqlite => (
                embargo_store::open_sqlite_with(dir.path(), &options)
                    .await
                    .unwrap(),
                Keep::Sqlite(dir),
            ),
            Db::Postgres => {
                let pg = PgTestDb::create().await;
                (
                    embargo_store::open_postgres_with(&pg.url, &options)
                        .await
                        .unwrap(),
                    Keep::Postgres(pg, dir),
                )
            }
        };
        let clock = Arc::new(ManualClock::new(Timestamp::from_second(T0).unwrap()));
        let app = App::new(store, settings.clone(), clock.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(embargo_server::http::serve(app.clone(), listener, async {
            let _ = stopped.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            app,
            clock,
            settings,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _keep: keep,
            _stop: stop,
        }
    }

    /// Runs SQL on the database behind the server's back (to damage it).
    pub async fn damage(&self, sql: &str) {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match &self._keep {
            Keep::Sqlite(dir) => {
                let url = format!("sqlite://{}/embargo.sqlite3", dir.path().display());
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            }
            Keep::Postgres(pg, _) => {
                let mut c = sqlx::PgConnection::connect(&pg.url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            }
        }
    }

    /// Where `needle` is stored in the clear, as a thief of the database would look: any
    /// file of the SQLite data folder (the database, its WAL), or any row of any
    /// PostgreSQL table (as text, and as bytes in a `bytea`).
    pub async fn stored_in_clear(&self, needle: &str) -> Vec<String> {
        use sqlx::Connection;
        match &self._keep {
            Keep::Sqlite(dir) => {
                let mut found = Vec::new();
                for entry in std::fs::read_dir(dir.path()).unwrap() {
                    let path = entry.unwrap().path();
                    // SQLite removes `-wal`/`-shm` when its last connection closes.
                    let Ok(bytes) = std::fs::read(&path) else {
                        continue;
                    };
                    if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                        found.push(path.display().to_string());
                    }
                }
                found
            }
            Keep::Postgres(pg, _) => {
                let mut c = sqlx::PgConnection::connect(&pg.url).await.unwrap();
                let tables: Vec<(String,)> = sqlx::query_as(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(&mut c)
                .await
                .unwrap();
                let as_bytes = hex::encode(needle);
                let mut found = Vec::new();
                for (table,) in tables {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT t::text FROM \"{table}\" t"));
                    let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut c).await.unwrap();
                    if rows
                        .iter()
                        .any(|(r,)| r.contains(needle) || r.contains(&as_bytes))
                    {
                        found.push(table);
                    }
                }
                c.close().await.unwrap();
                found
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Another instance on the same database and clock (without a listener of its own),
    /// as a second `embargo serve` would be.
    pub async fn second_instance(&self) -> App {
        self.second_instance_with(|_| {}).await
    }

    /// Another instance on the same database and clock with other settings (e.g. the
    /// same instance restarted with mail set up).
    pub async fn second_instance_with(&self, configure: impl FnOnce(&mut Settings)) -> App {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        let options = sealed(&settings);
        let store = match &self._keep {
            Keep::Sqlite(dir) => embargo_store::open_sqlite_with(dir.path(), &options)
                .await
                .unwrap(),
            Keep::Postgres(pg, _) => embargo_store::open_postgres_with(&pg.url, &options)
                .await
                .unwrap(),
        };
        App::new(store, settings, self.clock.clone())
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.http.request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// An account with a role in `project` (or none) and an API token, made the way
    /// the CLI makes them.
    pub async fn person(&self, email: &str, project: Option<(&str, Role)>) -> Person {
        let name = email.split('@').next().unwrap().to_owned();
        let user = self
            .app
            .create_user(&Actor::Operator, email, &name, false)
            .await
            .unwrap();
        if let Some((slug, role)) = project {
            self.app
                .change_project(
                    &Actor::Operator,
                    slug,
                    ProjectCommand::SetMember {
                        user: user_ref(&user),
                        role,
                    },
                )
                .await
                .unwrap();
        }
        let (_, token) = self
            .app
            .create_api_token(&Actor::Operator, &user, "tests")
            .await
            .unwrap();
        Person {
            id: user.id.0,
            email: user.email,
            name,
            token,
        }
    }

    /// An instance admin (no project role).
    pub async fn instance_admin(&self, email: &str) -> Person {
        let name = email.split('@').next().unwrap().to_owned();
        let user = self
            .app
            .create_user(&Actor::Operator, email, &name, true)
            .await
            .unwrap();
        let (_, token) = self
            .app
            .create_api_token(&Actor::Operator, &user, "tests")
            .await
            .unwrap();
        Person {
            id: user.id.0,
            email: user.email,
            name,
            token,
        }
    }

    pub async fn project(&self, slug: &str, components: &[&str]) {
        self.app
            .create_project(
                &Actor::Operator,
                NewProject {
                    slug: slug.into(),
                    name: slug.to_uppercase(),
                    guidance: None,
                    components: components.iter().map(|c| c.to_string()).collect(),
                    policy: None,
                },
            )
            .await
            .unwrap();
    }

    /// Submits a report through the API; returns (case id, tracking token).
    pub async fn report(&self, slug: &str, body: Value) -> (String, String) {
        let res = self
            .req(
                Method::POST,
                &format!("/api/v1/projects/{slug}/reports"),
                None,
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, v) = json_of(res).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        (
            v["id"].as_str().unwrap().to_owned(),
            v["tracking_token"].as_str().unwrap().to_owned(),
        )
    }

    /// POSTs JSON as `token`; returns the status and body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        json_of(
            self.req(Method::POST, path, token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// PUTs JSON as `token`; returns the status and body.
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        json_of(
            self.req(Method::PUT, path, token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        json_of(self.req(Method::GET, path, token).send().await.unwrap()).await
    }
}

pub async fn json_of(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(json!({ "raw": text }))
    };
    (status, v)
}

/// A release plan for ten days from the test clock's now, on `main`, with every field
/// the release notes need from the plan.
pub fn release_plan(t: &TestApp) -> Value {
    let at = t.app.now() + jiff::SignedDuration::from_hours(24 * 10);
    json!({
        "at": at.to_string(),
        "versions": [{ "branch": "main", "version": "1.17.0" }],
        "binaries": "https://github.com/connectrpc/connect-go/releases/tag/v1.17.0",
        "mitigation": "Limit the maximum frame size at the proxy.",
        "upgrade": "Upgrade to 1.17.0."
    })
}

/// Passes the release's part of the disclosure gate (C6, C17) for a case that has its
/// CVE ID, its final CVSS and its advisory: the coordinator proposes the plan, the
/// reporter accepts the date, the coordinator finalizes the release notes.
pub async fn release_ready(t: &TestApp, id: &str, coordinator: &str, tracking: &str) {
    let case = format!("/api/v1/cases/{id}");
    let (s, v) = json_of(
        t.req(
            Method::PUT,
            &format!("{case}/release-plan"),
            Some(coordinator),
        )
        .json(&release_plan(t))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "release plan: {v}");
    let (s, v) = t
        .post(
            &format!("{case}/release-plan/accept"),
            Some(tracking),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the reporter accepts: {v}");
    let (s, v) = t
        .post(
            &format!("{case}/release-notes/finalize"),
            Some(coordinator),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "release notes: {v}");
}

pub fn minimal_report(title: &str) -> Value {
    json!({ "title": title, "description": "Steps to reproduce…" })
}

// ---------- the web pages, as a browser without JavaScript uses them ----------

pub const PASSWORD: &str = "correct horse battery staple";

/// A cookie-keeping HTTP client that reads pages and sends their forms.
pub struct WebClient {
    pub http: reqwest::Client,
    base: String,
}

pub struct PageOut {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl PageOut {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.html.find(marker).expect("a form with a CSRF field") + marker.len();
        let end = self.html[start..].find('"').unwrap();
        self.html[start..start + end].to_owned()
    }

    pub fn location(&self) -> &str {
        self.headers[reqwest::header::LOCATION].to_str().unwrap()
    }
}

impl WebClient {
    pub fn new(t: &TestApp) -> WebClient {
        Self::with_headers(t, reqwest::header::HeaderMap::new())
    }

    /// A browser that sends `headers` with every request (e.g. the address a proxy
    /// reports for it).
    pub fn with_headers(t: &TestApp, headers: reqwest::header::HeaderMap) -> WebClient {
        embargo_testkit::tls_provider();
        WebClient {
            http: reqwest::Client::builder()
                .default_headers(headers)
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: t.base.clone(),
        }
    }

    async fn out(res: Response) -> PageOut {
        PageOut {
            status: res.status(),
            headers: res.headers().clone(),
            html: res.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> PageOut {
        Self::out(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Sends a urlencoded form as-is (callers add `csrf` themselves).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> PageOut {
        Self::out(
            self.http
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Reads the form's page for its token, then sends the form with it.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> PageOut {
        let csrf = self.get(page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> PageOut {
        Self::out(
            self.http
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Signs in with [`PASSWORD`]; panics unless it works.
    pub async fn sign_in(&self, email: &str) {
        let out = self
            .submit(
                "/login",
                "/login",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.html);
    }
}

impl TestApp {
    /// Gives the account [`PASSWORD`] through a one-time link, as an invitee would.
    pub async fn set_password(&self, email: &str) {
        let user = self.app.user_by_email(email).await.unwrap().unwrap();
        let link = self
            .app
            .issue_password_link(&Actor::Operator, &user)
            .await
            .unwrap()
            .url;
        let token = link.rsplit('/').next().unwrap();
        self.app
            .set_password_with_link(token, PASSWORD.into())
            .await
            .unwrap();
    }

    /// A web client signed in as `email` (who gets [`PASSWORD`]).
    pub async fn signed_in(&self, email: &str) -> WebClient {
        self.set_password(email).await;
        let web = WebClient::new(self);
        web.sign_in(email).await;
        web
    }

    /// How many of the project's cases the security-team member `email` sees.
    pub async fn case_count(&self, slug: &str, email: &str) -> usize {
        let user = self.app.user_by_email(email).await.unwrap().unwrap();
        let actor = embargo_server::app::actor_of(&user);
        let (mut count, mut after) = (0, None);
        loop {
            let page = embargo_store::PageRequest::largest(after);
            let (_, cases) = self
                .app
                .cases(&actor, slug, &Default::default(), &page)
                .await
                .unwrap();
            count += cases.items.len();
            match cases.next {
                Some(next) => after = Some(next),
                None => return count,
            }
        }
    }
}

/// Passes the whole disclosure gate of a confirmed case (of a project with a `go`
/// component) led by `coordinator`, with no
/// time passing: the team's summary, CVSS recorded as not applicable, a CVE ID for the
/// release notes, then [`release_ready`] (a plan with a mitigation, agreed, final notes).
pub async fn pass_gate(t: &TestApp, id: &str, coordinator: &str, tracking: &str) {
    let case = format!("/api/v1/cases/{id}");
    for (method, path, body) in [
        (
            Method::PUT,
            "advisory",
            serde_json::json!({
                "summary": "A summary written by the team",
                "affected": [{ "component": "go", "introduced": "0", "fixed": "1.17.0" }]
            }),
        ),
        (
            Method::PUT,
            "cvss/not-applicable",
            serde_json::json!({ "reason": "A hardening change." }),
        ),
        (
            Method::POST,
            "cve",
            serde_json::json!({ "assigned": "CVE-2026-7777" }),
        ),
    ] {
        let (s, v) = json_of(
            t.req(method, &format!("{case}/{path}"), Some(coordinator))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(s.is_success(), "{path}: {s} {v}");
    }
    release_ready(t, id, coordinator, tracking).await;
}

/// What the SMTP receiver took for one address (team mail goes to members as well).
pub fn received_by(
    smtp: &embargo_testkit::smtp::SmtpReceiver,
    address: &str,
) -> Vec<embargo_testkit::smtp::ReceivedMail> {
    smtp.received()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect()
}

/// A mail's subject and decoded text body, one line apart.
pub fn mail_text(mail: &embargo_testkit::smtp::ReceivedMail) -> String {
    let subject = parsed_mail(mail).subject().unwrap_or_default().to_owned();
    format!("{subject}\n{}", mail_body(mail))
}

/// One request the webhook receiver ([`Receiver`]) took.
#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Hit {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An HTTP receiver for webhooks (notices, checkpoint copies) on 127.0.0.1.
#[derive(Clone, Default)]
pub struct Receiver {
    hits: std::sync::Arc<std::sync::Mutex<Vec<Hit>>>,
    /// The status it answers with (200 unless set).
    status: std::sync::Arc<std::sync::Mutex<u16>>,
}

impl Receiver {
    /// An HTTP receiver on 127.0.0.1: every POST is kept and answered.
    pub async fn start() -> (Receiver, String) {
        let r = Receiver {
            status: std::sync::Arc::new(std::sync::Mutex::new(200)),
            ..Receiver::default()
        };
        async fn take(
            axum::extract::State(r): axum::extract::State<Receiver>,
            uri: axum::http::Uri,
            headers: axum::http::HeaderMap,
            body: axum::body::Bytes,
        ) -> (axum::http::StatusCode, String) {
            r.hits.lock().unwrap().push(Hit {
                path: uri.path().to_owned(),
                headers,
                body: body.to_vec(),
            });
            let status = *r.status.lock().unwrap();
            let answer = if uri.path().contains("/api/webhooks/") {
                json!({ "id": "998877" }).to_string()
            } else {
                "ok".to_owned()
            };
            (axum::http::StatusCode::from_u16(status).unwrap(), answer)
        }
        let app = axum::Router::new()
            .fallback(axum::routing::post(take))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, base)
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn answer(&self, status: u16) {
        *self.status.lock().unwrap() = status;
    }
}

/// A mail the server sent, parsed.
pub fn parsed_mail(mail: &embargo_testkit::smtp::ReceivedMail) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(&mail.data)
        .expect("a mail we sent parses")
}

/// The decoded text body of a mail the server sent.
pub fn mail_body(mail: &embargo_testkit::smtp::ReceivedMail) -> String {
    parsed_mail(mail)
        .body_text(0)
        .unwrap_or_default()
        .into_owned()
}
