//! The closed-loop load generator: N connections, each sending its next request as soon
//! as the answer to the last one is read, for a while or a number of requests. Every
//! answer is checked, so that a fast stream of errors never reads as speed.

use crate::stats::Latencies;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// What each request is and what a right answer looks like.
pub trait Work: Send + Sync + 'static {
    /// The `n`-th request of the run (`n` counts from 0 across all connections).
    fn request(&self, n: u64) -> Request<Full<Bytes>>;
    /// `Ok` for a right 2xx answer, `Err(why)` for a 2xx answer that is wrong.
    fn check(&self, n: u64, status: StatusCode, body: &[u8]) -> Result<(), String>;
}

/// How much load.
#[derive(Clone, Debug)]
pub struct Plan {
    pub connections: usize,
    /// No request starts after this much time…
    pub duration: Duration,
    /// …nor after this many requests (across connections).
    pub max_requests: Option<u64>,
    /// A request without an answer by then counts as an error.
    pub timeout: Duration,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Requests answered (any status).
    pub answered: u64,
    /// Answered with a 2xx status and passing [`Work::check`].
    pub ok: u64,
    /// Answered with a status outside 2xx.
    pub non_2xx: u64,
    /// Answered 2xx but failing [`Work::check`].
    pub wrong: u64,
    /// Connection errors and timeouts.
    pub transport_errors: u64,
    /// Bytes of answer bodies.
    pub body_bytes: u64,
    /// From the first request to the last answer.
    pub elapsed: Duration,
    pub latencies: Latencies,
    /// The first problem seen, to show why a run had errors.
    pub first_problem: Option<String>,
}

impl Summary {
    /// Right answers per second.
    pub fn ok_per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Every answer that was not right, and every request that got none.
    pub fn errors(&self) -> u64 {
        self.non_2xx + self.wrong + self.transport_errors
    }

    fn merge(&mut self, o: Summary) {
        self.answered += o.answered;
        self.ok += o.ok;
        self.non_2xx += o.non_2xx;
        self.wrong += o.wrong;
        self.transport_errors += o.transport_errors;
        self.body_bytes += o.body_bytes;
        self.latencies.merge(o.latencies);
        if self.first_problem.is_none() {
            self.first_problem = o.first_problem;
        }
    }
}

/// Runs `plan` against the server at `addr`.
pub async fn run(addr: SocketAddr, plan: &Plan, work: Arc<dyn Work>) -> Summary {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + plan.duration;
    let mut tasks = Vec::with_capacity(plan.connections);
    for _ in 0..plan.connections {
        let work = work.clone();
        let next = next.clone();
        let plan = plan.clone();
        tasks.push(tokio::spawn(async move {
            client_loop(addr, &plan, deadline, &next, work.as_ref()).await
        }));
    }
    let mut total = Summary::default();
    for t in tasks {
        match t.await {
            Ok(s) => total.merge(s),
            Err(e) => {
                total.transport_errors += 1;
                total
                    .first_problem
                    .get_or_insert(format!("client task: {e}"));
            }
        }
    }
    total.elapsed = started.elapsed();
    total
}

enum Attempt {
    Answered(StatusCode, Bytes),
    /// The connection failed; a new one is needed.
    Broken(String),
}

async fn client_loop(
    addr: SocketAddr,
    plan: &Plan,
    deadline: Instant,
    next: &AtomicU64,
    work: &dyn Work,
) -> Summary {
    let mut s = Summary::default();
    let mut conn: Option<http1::SendRequest<Full<Bytes>>> = None;
    loop {
        if Instant::now() >= deadline {
            break;
        }
        let n = next.fetch_add(1, Ordering::Relaxed);
        if plan.max_requests.is_some_and(|max| n >= max) {
            break;
        }
        let req = work.request(n);
        let t0 = Instant::now();
        let attempt = tokio::time::timeout(plan.timeout, async {
            if conn.as_ref().is_none_or(|c| c.is_closed()) {
                match connect(addr).await {
                    Ok(c) => conn = Some(c),
                    Err(e) => return Attempt::Broken(e),
                }
            }
            let Some(sender) = conn.as_mut() else {
                return Attempt::Broken("no connection".into());
            };
            if let Err(e) = sender.ready().await {
                return Attempt::Broken(format!("connection: {e}"));
            }
            let res = match sender.send_request(req).await {
                Ok(r) => r,
                Err(e) => return Attempt::Broken(format!("request: {e}")),
            };
            let status = res.status();
            match res.into_body().collect().await {
                Ok(b) => Attempt::Answered(status, b.to_bytes()),
                Err(e) => Attempt::Broken(format!("reading the answer: {e}")),
            }
        })
        .await
        .unwrap_or_else(|_| Attempt::Broken(format!("no answer within {:?}", plan.timeout)));
        match attempt {
            Attempt::Answered(status, body) => {
                s.latencies.record(t0.elapsed());
                s.answered += 1;
                s.body_bytes += body.len() as u64;
                if !status.is_success() {
                    s.non_2xx += 1;
                    s.first_problem.get_or_insert_with(|| {
                        format!(
                            "status {status}: {}",
                            crate::client::snippet(&String::from_utf8_lossy(&body))
                        )
                    });
                } else if let Err(why) = work.check(n, status, &body) {
                    s.wrong += 1;
                    s.first_problem.get_or_insert(why);
                } else {
                    s.ok += 1;
                }
            }
            Attempt::Broken(why) => {
                s.transport_errors += 1;
                s.first_problem.get_or_insert(why);
                conn = None;
            }
        }
    }
    s
}

async fn connect(addr: SocketAddr) -> Result<http1::SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    stream.set_nodelay(true).ok();
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake with {addr}: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// `http://127.0.0.1:8080/…` → the socket address to connect to.
pub fn socket_addr(base_url: &str) -> crate::Result<SocketAddr> {
    let rest = base_url
        .strip_prefix("http://")
        .ok_or_else(|| crate::Error::Usage(format!("`{base_url}`: only http:// URLs")))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.replace("localhost", "127.0.0.1");
    authority
        .parse()
        .map_err(|e| crate::Error::Usage(format!("`{base_url}`: not host:port ({e})")))
}

/// The request every answer is checked against: a GET with a path and headers.
pub struct Get {
    pub host: String,
    pub paths: Vec<String>,
    pub headers: Vec<(String, String)>,
    /// Each right answer's body contains this (per path, in the same order), or
    /// nothing is checked beyond the status when empty.
    pub expect: Vec<String>,
}

impl Work for Get {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let path = &self.paths[(n as usize) % self.paths.len()];
        let mut req = Request::get(path.as_str()).header(hyper::header::HOST, self.host.as_str());
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        req.body(Full::new(Bytes::new()))
            .expect("paths and headers were checked when the plan was made")
    }

    fn check(&self, n: u64, _status: StatusCode, body: &[u8]) -> Result<(), String> {
        if self.expect.is_empty() {
            return Ok(());
        }
        let i = (n as usize) % self.paths.len();
        let want = self.expect[i % self.expect.len()].as_bytes();
        if body.windows(want.len()).any(|w| w == want) {
            Ok(())
        } else {
            Err(format!(
                "GET {}: 2xx without `{}` in the answer",
                self.paths[i],
                String::from_utf8_lossy(want)
            ))
        }
    }
}
