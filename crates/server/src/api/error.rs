//! The API's error body, `{"error": {"code", "message", "field"?, "details"?}}`, and a
//! JSON extractor whose every refusal (wrong content type, too large, malformed,
//! unknown or missing field) uses it.

use crate::app::{App, AppError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use embargo_core::rejection::Rejection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// An `AppError` answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<Rejection> for ApiError {
    fn from(e: Rejection) -> Self {
        ApiError(AppError::Rejected(e))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `not_found`, `forbidden`, `required`, `too_long`,
    /// `illegal_transition`, `invalid_token`, `unsupported_media_type`, …
    pub code: String,
    /// For people.
    pub message: String,
    /// The request field at fault, in API field names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem, when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

fn body(code: &str, message: impl Into<String>, field: Option<String>) -> ErrorBody {
    ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message: message.into(),
            field,
            details: Vec::new(),
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let (body, extra): (ErrorBody, Option<(header::HeaderName, String)>) = match self.0 {
            AppError::Rejected(r) => match r {
                // Identical for "missing" and "not yours to see".
                Rejection::NotFound => (body("not_found", "not found", None), None),
                Rejection::Forbidden { .. } => (body("forbidden", r.to_string(), None), None),
                Rejection::Invalid(list) => {
                    let first = list.first();
                    let mut b = body(
                        first.map(|i| i.rule.code()).unwrap_or("invalid"),
                        first
                            .map(|i| i.message.clone())
                            .unwrap_or_else(|| "invalid input".into()),
                        first.map(|i| i.field.clone()),
                    );
                    if list.len() > 1 {
                        b.error.details = list
                            .iter()
                            .map(|i| FieldError {
                                field: i.field.clone(),
                                code: i.rule.code().into(),
                                message: i.message.clone(),
                            })
                            .collect();
                    }
                    (b, None)
                }
                Rejection::IllegalTransition { .. } => {
                    (body("illegal_transition", r.to_string(), None), None)
                }
                Rejection::Conflict { field, message } => {
                    (body("conflict", message, Some(field)), None)
                }
                // Every missing item, each with the field (or area) that mends it.
                Rejection::Blocked { ref blockers, .. } => {
                    let mut b = body("blocked", r.to_string(), None);
                    b.error.details = blockers
                        .iter()
                        .map(|x| FieldError {
                            field: x.field().into(),
                            code: x.code().into(),
                            message: x.message().into(),
                        })
                        .collect();
                    (b, None)
                }
            },
            AppError::Unauthorized { code, message } => (
                body(code, message, None),
                Some((header::WWW_AUTHENTICATE, "Bearer".into())),
            ),
            AppError::RateLimited { retry_after_secs } => (
                body(
                    "rate_limited",
                    format!("too many requests; try again in {retry_after_secs} seconds"),
                    None,
                ),
                Some((header::RETRY_AFTER, retry_after_secs.to_string())),
            ),
            e @ AppError::TooLarge { .. } => (body("too_large", e.to_string(), None), None),
            // `code` names the rule: `too_large` for sizes, `too_many_files` for the count.
            AppError::UploadRefused { rule, message, .. } => {
                let code = match rule {
                    "attachments_per_upload" => "too_many_files",
                    _ => "too_large",
                };
                let mut b = body(code, message.clone(), Some("file".into()));
                b.error.details = vec![FieldError {
                    field: "file".into(),
                    code: format!("limits.{rule}"),
                    message,
                }];
                (b, None)
            }
            AppError::Overloaded {
                rule,
                message,
                retry_after_secs,
            } => {
                let mut b = body("overloaded", message.clone(), None);
                b.error.details = vec![FieldError {
                    field: "file".into(),
                    code: format!("limits.{rule}"),
                    message,
                }];
                (b, Some((header::RETRY_AFTER, retry_after_secs.to_string())))
            }
            AppError::BadRequest {
                code,
                message,
                field,
            } => (body(code, message, field), None),
            e @ AppError::Untrusted(_) => (body("untrusted", e.to_string(), None), None),
            e @ AppError::Busy => (
                body("busy", e.to_string(), None),
                Some((header::RETRY_AFTER, "1".into())),
            ),
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (
                    body("internal", "internal error; it was logged", None),
                    None,
                )
            }
        };
        let mut res = (status, Json(body)).into_response();
        if let Some((name, value)) = extra
            && let Ok(v) = HeaderValue::from_str(&value)
        {
            res.headers_mut().insert(name, v);
        }
        res
    }
}

/// A JSON request body, parsed strictly: `Content-Type: application/json`, within the
/// size limit, no unknown fields, every problem named with its field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AppError::bad_request(
                "unsupported_media_type",
                "send the request body as JSON with `Content-Type: application/json`",
                None,
            )
            .into());
        }
        let bytes = read_body(req, app.settings().limits.json_body_bytes).await?;
        parse(&bytes).map(ApiJson)
    }
}

/// Like [`ApiJson`], but an empty body (with or without a content type) means `{}`:
/// for actions that take no parameters, such as acknowledging.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, Self::Rejection> {
        let declared = req.headers().contains_key(header::CONTENT_TYPE);
        if declared {
            return ApiJson::from_request(req, app)
                .await
                .map(|ApiJson(v)| OptionalJson(v));
        }
        let bytes = read_body(req, app.settings().limits.json_body_bytes).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return parse(b"{}").map(OptionalJson);
        }
        Err(AppError::bad_request(
            "unsupported_media_type",
            "send the request body as JSON with `Content-Type: application/json`",
            None,
        )
        .into())
    }
}

pub(crate) async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError(AppError::TooLarge {
                what: "the request body".into(),
                limit,
            })
        })
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(
        first,
        Some(b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9')
    ) {
        return Err(
            AppError::bad_request("invalid_value", "the body must be a JSON object", None).into(),
        );
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        let named = |prefix: &str| {
            msg.strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_owned)
        };
        let join = |field: String| {
            if path == "." || path.is_empty() {
                field
            } else {
                format!("{path}.{field}")
            }
        };
        // For an unknown field the path already ends in it; for a missing one it is the parent.
        let (code, field) = if let Some(f) = named("unknown field `") {
            (
                "unknown_field",
                Some(if path == "." || path.is_empty() {
                    f
                } else {
                    path.clone()
                }),
            )
        } else if let Some(f) = named("missing field `") {
            ("missing_field", Some(join(f)))
        } else if inner.is_syntax() || inner.is_eof() {
            ("malformed_json", None)
        } else {
            ("invalid_value", (path != ".").then_some(path.clone()))
        };
        // serde's message carries a line and column, useful for syntax errors only.
        let message = match code {
            "malformed_json" => format!("the body is not valid JSON: {msg}"),
            _ => msg.split(" at line ").next().unwrap_or(&msg).to_owned(),
        };
        ApiError(AppError::BadRequest {
            code,
            message,
            field,
        })
    })?;
    // One object and nothing after it: `{…}{…}` or `{…},garbage` is not a body we read
    // half of.
    de.end().map_err(|e| {
        ApiError(AppError::BadRequest {
            code: "malformed_json",
            message: format!("the body is not valid JSON: {e}"),
            field: None,
        })
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        b: u32,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        a: String,
        inner: Option<Inner>,
    }

    fn err(json: &str) -> (String, Option<String>) {
        match parse::<Outer>(json.as_bytes()).unwrap_err().0 {
            crate::app::AppError::BadRequest { code, field, .. } => (code.to_owned(), field),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_problems_name_their_field() {
        assert_eq!(
            err(r#"{"a": "x", "zz": 1}"#),
            ("unknown_field".into(), Some("zz".into()))
        );
        assert_eq!(err(r#"{}"#), ("missing_field".into(), Some("a".into())));
        assert_eq!(
            err(r#"{"a": 1}"#),
            ("invalid_value".into(), Some("a".into()))
        );
        assert_eq!(
            err(r#"{"a": "x", "inner": {"b": -1}}"#),
            ("invalid_value".into(), Some("inner.b".into()))
        );
        assert_eq!(
            err(r#"{"a": "x", "inner": {"c": 1}}"#),
            ("unknown_field".into(), Some("inner.c".into()))
        );
        assert_eq!(err(r#"{"a": "#).0, "malformed_json");
        assert_eq!(err(r#"{"a" "x"}"#).0, "malformed_json");
        // Well-formed JSON of the wrong shape is a value problem, not a syntax one.
        assert_eq!(err("[1, 2]"), ("invalid_value".into(), None));
    }

    /// Found by `scripts/fuzz api_json` (issue 11, items 7 and 9): the object was read
    /// and whatever followed it ignored.
    #[test]
    fn trailing_data_after_the_object_is_malformed_json() {
        for body in [
            r#"{"a": "x"}{"a": "y"}"#,
            r#"{"a": "x"},garbage"#,
            r#"{"a": "x"} 1"#,
            "{\"a\": \"x\"}\u{0}",
        ] {
            assert_eq!(err(body), ("malformed_json".into(), None), "{body:?}");
        }
        // Whitespace after the object is still fine.
        assert!(parse::<Outer>(b"{\"a\": \"x\"} \r\n\t").is_ok());
    }
}
