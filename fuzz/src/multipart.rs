//! Multipart reading: any body, under the boundary its first line names, through
//! `upload::read` (as the report form reads it). A form read
//! keeps every file and text field within its limit and holds no more than the body
//! did; every refusal is a 4xx, never a 5xx.

use crate::server::{LIMITS, block_on};
use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::{HeaderValue, Request, header};
use embargo_core::event::Visibility;
use embargo_server::upload;

/// The first line is the boundary; the rest is the body.
pub fn check(data: &[u8]) {
    let Some(newline) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let (Ok(boundary), body) = (std::str::from_utf8(&data[..newline]), &data[newline + 1..]) else {
        return;
    };
    let Ok(content_type) =
        HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
    else {
        return;
    };
    let request = Request::builder()
        .method("POST")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_vec()))
        .expect("a request with a valid header");
    // Made outside `block_on`: the first call opens its database on the runtime.
    let slots = crate::server::app().upload_slots().clone();
    let read = block_on(async {
        let multipart = match Multipart::from_request(request, &()).await {
            Ok(m) => m,
            Err(rejection) => return Err(rejection.status()),
        };
        upload::read(
            &LIMITS,
            &slots,
            multipart,
            Visibility::Shared,
            upload::AfterRefusal::Drain,
        )
        .await
        .and_then(upload::Form::accepted)
        .map_err(|e| e.status())
    });
    match read {
        Ok(form) => {
            let mut held = 0;
            for file in &form.files {
                assert!(
                    file.bytes.len() <= LIMITS.attachment_bytes,
                    "file {:?} of {} bytes over a limit of {}",
                    file.filename,
                    file.bytes.len(),
                    LIMITS.attachment_bytes
                );
                assert!(
                    !file.content_type.is_empty(),
                    "a file without a content type"
                );
                assert_eq!(file.visibility, Visibility::Shared);
                held += file.bytes.len();
            }
            for (name, value) in &form.fields {
                assert!(
                    value.len() <= LIMITS.json_body_bytes,
                    "field {name:?} of {} bytes over a limit of {}",
                    value.len(),
                    LIMITS.json_body_bytes
                );
                held += value.len();
            }
            assert!(
                held <= body.len(),
                "the form holds {held} bytes of a {}-byte body",
                body.len()
            );
        }
        Err(status) => assert!(status.is_client_error(), "{status} for a multipart body"),
    }
}
