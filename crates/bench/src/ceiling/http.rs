//! The HTTP ceiling: the server's axum and tokio, one route answering a case-shaped
//! JSON document of exactly 1 KiB from memory, nothing else (no middleware, no state).

use axum::Router;
use axum::http::header;
use axum::routing::get;
use bytes::Bytes;
use tokio::net::TcpListener;

/// The size of the answer, in bytes.
pub const ANSWER_BYTES: usize = 1024;

/// A case-shaped JSON object padded to exactly [`ANSWER_BYTES`].
pub fn answer() -> Bytes {
    let head = r#"{"id":"EMB-7K3Q-9XHM-2RPA","stage":"triage","title":"Unbounded allocation in the frame decoder","component":"go","received_at":"2025-01-02T03:04:05Z","description":""#;
    let tail = r#""}"#;
    let pad = ANSWER_BYTES - head.len() - tail.len();
    let mut s = String::with_capacity(ANSWER_BYTES);
    s.push_str(head);
    s.extend(std::iter::repeat_n('x', pad));
    s.push_str(tail);
    Bytes::from(s)
}

/// `GET /api/v1/cases/{id}` → the fixed answer, whatever the id, as Embargo's route is shaped.
pub fn router() -> Router {
    let body = answer();
    Router::new().route(
        "/api/v1/cases/{id}",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    )
}

/// Serves [`router`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router())
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_answer_is_one_kib_of_json() {
        let a = super::answer();
        assert_eq!(a.len(), 1024);
        let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(v["stage"], "triage");
    }
}
