//! Bounded uploads (issue 11 item 5): every limit is checked as the bytes arrive and
//! named in the refusal (`limits.attachment_bytes`, `limits.attachments_per_upload`,
//! the request's size, `limits.concurrent_uploads`); a refused upload stores nothing;
//! the report form and the case's attach form come back with what was typed and the
//! files to choose again beside the file field.

use super::support::*;
use embargo_core::project::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

/// Small limits, so that a few kilobytes cross each of them.
async fn small(db: Db, concurrent: usize) -> TestApp {
    TestApp::build(db, |s| {
        s.limits.attachment_bytes = 1024;
        s.limits.attachments_per_upload = 2;
        s.limits.json_body_bytes = 4096;
        s.limits.concurrent_uploads = concurrent;
    })
    .await
}

fn file(name: &str, size: usize) -> Part {
    Part::bytes(vec![b'x'; size]).file_name(name.to_owned())
}

async fn attach(t: &TestApp, id: &str, token: &str, form: Form) -> (StatusCode, Value) {
    let res = t
        .req(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments"),
            Some(token),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    json_of(res).await
}

async fn attachments(t: &TestApp, id: &str, token: &str) -> usize {
    let (_, case) = t.get(&format!("/api/v1/cases/{id}"), Some(token)).await;
    case["attachments"].as_array().unwrap().len()
}

fn rule(v: &Value) -> (&str, &str, &str) {
    (
        v["error"]["code"].as_str().unwrap_or_default(),
        v["error"]["field"].as_str().unwrap_or_default(),
        v["error"]["details"][0]["code"]
            .as_str()
            .unwrap_or_default(),
    )
}

async fn every_upload_limit_on_the_api(db: Db) {
    let t = small(db, 8).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, _) = t.report("connect", minimal_report("a report")).await;

    // One file over `limits.attachment_bytes`, after one within it.
    let form = Form::new()
        .part("file", file("ok.txt", 10))
        .part("file", file("big.bin", 1025));
    let (s, v) = attach(&t, &id, &sam.token, form).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(
        rule(&v),
        ("too_large", "file", "limits.attachment_bytes"),
        "{v}"
    );
    let said = v["error"]["message"].as_str().unwrap();
    assert!(
        said.contains("`big.bin` is larger than the limit of 1024 bytes"),
        "{said}"
    );
    assert!(said.contains("choose again: `ok.txt`, `big.bin`"), "{said}");

    // One file more than `limits.attachments_per_upload`.
    let form = Form::new()
        .part("file", file("a.txt", 10))
        .part("file", file("b.txt", 10))
        .part("file", file("c.txt", 10));
    let (s, v) = attach(&t, &id, &sam.token, form).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(
        rule(&v),
        ("too_many_files", "file", "limits.attachments_per_upload"),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 2 files at once"),
        "{v}"
    );

    // A request over its limit (two files at theirs and the text), with every part
    // within its own.
    let form = Form::new()
        .text("visibility", "shared")
        .text("a", "y".repeat(4000))
        .text("b", "y".repeat(4000));
    let (s, v) = attach(&t, &id, &sam.token, form).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(
        rule(&v),
        ("too_large", "file", "limits.upload_bytes"),
        "{v}"
    );

    assert_eq!(
        attachments(&t, &id, &sam.token).await,
        0,
        "nothing refused was kept"
    );
    // Within every limit, both files are kept.
    let form = Form::new()
        .part("file", file("a.txt", 1024))
        .part("file", file("b.txt", 1));
    let (s, v) = attach(&t, &id, &sam.token, form).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(attachments(&t, &id, &sam.token).await, 2);
}

#[tokio::test]
async fn every_upload_limit_on_the_api_on_sqlite() {
    every_upload_limit_on_the_api(Db::Sqlite).await;
}

#[tokio::test]
async fn every_upload_limit_on_the_api_on_postgres() {
    every_upload_limit_on_the_api(Db::Postgres).await;
}

/// A client that writes its whole body before it reads (most scripts do) still gets the
/// `413` of a file over its limit, not a connection that ends under it: the server
/// reads the rest of the body, up to the request's limit, without keeping it. The body
/// is far larger than the sockets' buffers, so it cannot pass unread.
#[tokio::test]
async fn a_client_sending_its_whole_body_reads_the_refusal() {
    use tokio::io::AsyncReadExt;
    let t = TestApp::build(Db::Sqlite, |s| {
        s.limits.attachment_bytes = 4 * 1024 * 1024;
        s.limits.attachments_per_upload = 5;
    })
    .await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, _) = t.report("connect", minimal_report("a report")).await;
    let mut body = Vec::new();
    body.extend_from_slice(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"core.dump\"\r\n\
          Content-Type: application/octet-stream\r\n\r\n",
    );
    body.resize(body.len() + 16 * 1024 * 1024, b'x');
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let host = t.base.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /api/v1/cases/{id}/attachments HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        sam.token,
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all(&body)
        .await
        .expect("the whole body is read, not cut off");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("limits.attachment_bytes"), "{answer}");
    assert!(
        answer.contains("`core.dump` is larger than the limit"),
        "{answer}"
    );
    assert_eq!(attachments(&t, &id, &sam.token).await, 0);
}

/// `limits.concurrent_uploads`: while one upload is under way (its body not yet all
/// sent), the next is answered 503 with `Retry-After`, naming the rule, and stores
/// nothing; once the first is done, uploads are taken again.
async fn uploads_at_once_are_capped(db: Db) {
    let t = small(db, 1).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, _) = t.report("connect", minimal_report("a report")).await;

    // A slow client: the headers and the start of a file, then nothing yet.
    let boundary = "slowslowslow";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.txt\"\r\n\r\nabc"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let addr = t.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST /api/v1/cases/{id}/attachments HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{head}",
        sam.token,
        head.len() + tail.len()
    );
    slow.write_all(request.as_bytes()).await.unwrap();
    // The server holds the one slot once it reads the part (no clock involved).
    while t.app.upload_slots().available_permits() > 0 {
        tokio::task::yield_now().await;
    }

    let res = t
        .req(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments"),
            Some(&sam.token),
        )
        .multipart(Form::new().part("file", file("next.txt", 10)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "5");
    let (_, v) = json_of(res).await;
    assert_eq!(
        rule(&v),
        ("overloaded", "", "limits.concurrent_uploads"),
        "{v}"
    );
    // A page says the same, with the header.
    let web = t.signed_in(&sam.email).await;
    let csrf = web.get(&format!("/cases/{id}")).await.csrf();
    let out = web
        .post_multipart(
            &format!("/cases/{id}/attachments"),
            Form::new()
                .text("csrf", csrf)
                .part("file", file("next.txt", 10)),
        )
        .await;
    assert_eq!(out.status, StatusCode::SERVICE_UNAVAILABLE, "{}", out.html);
    assert_eq!(out.headers["retry-after"], "5");
    assert!(out.html.contains("uploads"), "{}", out.html);

    // The slow upload finishes and is kept; the slot is free again.
    slow.write_all(tail.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut slow, &mut answer)
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(attachments(&t, &id, &sam.token).await, 1);
    let (s, v) = attach(
        &t,
        &id,
        &sam.token,
        Form::new().part("file", file("next.txt", 10)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(attachments(&t, &id, &sam.token).await, 2);
}

#[tokio::test]
async fn uploads_at_once_are_capped_on_sqlite() {
    uploads_at_once_are_capped(Db::Sqlite).await;
}

#[tokio::test]
async fn uploads_at_once_are_capped_on_postgres() {
    uploads_at_once_are_capped(Db::Postgres).await;
}

/// Without script: an oversized file on the report form brings the form back with
/// every text field as typed (those after the file too), and beside the file field
/// the files to choose again; nothing is reported.
async fn the_report_form_keeps_what_was_typed(db: Db) {
    let t = small(db, 8).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let web = WebClient::new(&t);
    let csrf = web.get("/p/connect/report").await.csrf();
    let form = Form::new()
        .text("csrf", csrf)
        .text("title", "Heap overflow in the frame parser")
        .text("description", "Send a frame of 2^31 bytes.")
        .text("reporter_email", "rae@example.net")
        .part("file", file("trace.txt", 10))
        .part("file", file("core.dump", 5000))
        .text("platform", "linux/arm64");
    let out = web.post_multipart("/p/connect/report", form).await;
    assert_eq!(out.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", out.html);
    for typed in [
        "Heap overflow in the frame parser",
        "Send a frame of 2^31 bytes.",
        "rae@example.net",
        "linux/arm64",
    ] {
        assert!(out.html.contains(typed), "{typed} was lost: {}", out.html);
    }
    let beside = out
        .html
        .split("id=\"file-error\"")
        .nth(1)
        .expect("an error beside the file field");
    assert!(
        beside.contains("`core.dump` is larger than the limit of 1024 bytes")
            && beside.contains("choose again: `trace.txt`, `core.dump`"),
        "{beside}"
    );
    assert!(!out.html.contains("Payload Too Large"), "{}", out.html);
    assert_eq!(t.case_count("connect", &sam.email).await, 0);

    // Too many files: the same, naming them all.
    let csrf = web.get("/p/connect/report").await.csrf();
    let form = Form::new()
        .text("csrf", csrf)
        .text("title", "Three files")
        .text("description", "d")
        .part("file", file("1.txt", 1))
        .part("file", file("2.txt", 1))
        .part("file", file("3.txt", 1));
    let out = web.post_multipart("/p/connect/report", form).await;
    assert_eq!(out.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", out.html);
    assert!(out.html.contains("Three files"), "{}", out.html);
    assert!(
        out.html
            .contains("choose again: `1.txt`, `2.txt`, `3.txt` (2 or fewer)"),
        "{}",
        out.html
    );
    assert_eq!(t.case_count("connect", &sam.email).await, 0);
}

#[tokio::test]
async fn the_report_form_keeps_what_was_typed_on_sqlite() {
    the_report_form_keeps_what_was_typed(Db::Sqlite).await;
}

#[tokio::test]
async fn the_report_form_keeps_what_was_typed_on_postgres() {
    the_report_form_keeps_what_was_typed(Db::Postgres).await;
}

/// The case's attach form: an oversized file is refused on the case page (not a bare
/// error page), naming it, and nothing is attached.
async fn the_attach_form_names_the_file(db: Db) {
    let t = small(db, 8).await;
    t.project("connect", &["go"]).await;
    let sam = t
        .person("sam@example.org", Some(("connect", Role::SecurityTeam)))
        .await;
    let (id, _) = t.report("connect", minimal_report("a report")).await;
    let web = t.signed_in(&sam.email).await;
    let page = format!("/cases/{id}");
    let csrf = web.get(&page).await.csrf();
    let form = Form::new()
        .text("csrf", csrf)
        .part("file", file("huge.log", 4000));
    let out = web
        .post_multipart(&format!("/cases/{id}/attachments"), form)
        .await;
    assert_eq!(out.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", out.html);
    assert!(
        out.html
            .contains("`huge.log` is larger than the limit of 1024 bytes"),
        "{}",
        out.html
    );
    assert!(out.html.contains("a report"), "the case page: {}", out.html);
    assert_eq!(attachments(&t, &id, &sam.token).await, 0);
}

#[tokio::test]
async fn the_attach_form_names_the_file_on_sqlite() {
    the_attach_form_names_the_file(Db::Sqlite).await;
}

#[tokio::test]
async fn the_attach_form_names_the_file_on_postgres() {
    the_attach_form_names_the_file(Db::Postgres).await;
}
