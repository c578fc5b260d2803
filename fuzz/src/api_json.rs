//! The JSON API bodies: any bytes, under one of several content types, through the
//! strict extractor `api::ApiJson` into each request type of `api::wire`. A body is
//! accepted only if it is declared JSON, within the size limit, and exactly one JSON
//! object; every refusal is a 4xx answered with the documented error body
//! (`{"error": {"code", "message", …}}`), never a 5xx.

use crate::server::{LIMITS, app, block_on};
use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse;
use embargo_server::api::ApiJson;
use embargo_server::api::wire::{
    AdvisoryWire, BodyIn, BranchIn, CaseScoreIn, ComponentIn, CveIn, DecisionIn, NewUserIn,
    NoParameters, PackageWire, PreliminaryIn, ProjectIn, ProjectPatch, ProposalIn, PublicIn,
    ReportIn, RoleIn, TokenIn, UserIn,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some(" Application/JSON ;x"),
    Some("text/plain"),
    None,
    Some("application/jsonx"),
];

/// The first byte picks the request type and the content type; the rest is the body.
pub fn check(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let selector = usize::from(selector);
    let content_type = CONTENT_TYPES[(selector / 19) % CONTENT_TYPES.len()];
    match selector % 19 {
        0 => read::<ReportIn>(content_type, body),
        1 => read::<NoParameters>(content_type, body),
        2 => read::<UserIn>(content_type, body),
        3 => read::<BodyIn>(content_type, body),
        4 => read::<PreliminaryIn>(content_type, body),
        5 => read::<DecisionIn>(content_type, body),
        6 => read::<PublicIn>(content_type, body),
        7 => read::<ProjectIn>(content_type, body),
        8 => read::<ProjectPatch>(content_type, body),
        9 => read::<ComponentIn>(content_type, body),
        10 => read::<BranchIn>(content_type, body),
        11 => read::<RoleIn>(content_type, body),
        12 => read::<NewUserIn>(content_type, body),
        13 => read::<TokenIn>(content_type, body),
        14 => read::<ProposalIn>(content_type, body),
        15 => read::<CaseScoreIn>(content_type, body),
        16 => {
            if let Some(advisory) = body_as::<AdvisoryWire>(content_type, body) {
                // The conversion to core's type either succeeds or names each field.
                if let Err(embargo_core::rejection::Rejection::Invalid(problems)) =
                    embargo_core::advisory::AdvisoryDetails::try_from(advisory)
                {
                    assert!(!problems.is_empty());
                    for p in problems {
                        assert!(!p.field.is_empty() && !p.message.is_empty(), "{p:?}");
                    }
                }
            }
        }
        17 => read::<CveIn>(content_type, body),
        _ => read::<PackageWire>(content_type, body),
    }
}

fn read<T: DeserializeOwned>(content_type: Option<&str>, body: &[u8]) {
    body_as::<T>(content_type, body);
}

fn body_as<T: DeserializeOwned>(content_type: Option<&str>, body: &[u8]) -> Option<T> {
    let mut request = Request::builder().method("POST").uri("/api/v1/fuzz");
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    let request = request
        .body(Body::from(body.to_vec()))
        .expect("a request with a valid header");
    let declared_json = content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    match block_on(ApiJson::<T>::from_request(request, app())) {
        Ok(ApiJson(value)) => {
            assert!(declared_json, "accepted a body declared {content_type:?}");
            assert!(
                body.len() <= LIMITS.json_body_bytes,
                "accepted {} bytes",
                body.len()
            );
            if let Err(e) = serde_json::from_slice::<Map<String, Value>>(body) {
                panic!(
                    "accepted a body that is not exactly one JSON object ({e}): {:?}",
                    String::from_utf8_lossy(body)
                );
            }
            Some(value)
        }
        Err(e) => {
            let status = e.0.status();
            assert!(
                status.is_client_error(),
                "{status} for {:?}: {:?}",
                String::from_utf8_lossy(body),
                e.0
            );
            if !declared_json {
                assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            } else if body.len() > LIMITS.json_body_bytes {
                assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            }
            let response = e.into_response();
            assert_eq!(response.status(), status);
            let bytes = block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
                .expect("the error body is in memory");
            let answer: Value = serde_json::from_slice(&bytes).expect("the error body is JSON");
            let code = answer.pointer("/error/code").and_then(Value::as_str);
            let message = answer.pointer("/error/message").and_then(Value::as_str);
            assert!(
                code.is_some_and(|c| !c.is_empty()) && message.is_some_and(|m| !m.is_empty()),
                "not the documented error body: {answer}"
            );
            if matches!(code, Some("unknown_field" | "missing_field")) {
                assert!(
                    answer
                        .pointer("/error/field")
                        .and_then(Value::as_str)
                        .is_some(),
                    "{code:?} without its field: {answer}"
                );
            }
            None
        }
    }
}
