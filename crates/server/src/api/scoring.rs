//! The CVSS calculator's API: score a vector, and the metric tables with FIRST's
//! descriptions. Public (scores are not secrets) and the same rules as on cases.

use super::error::{ApiError, ErrorBody};
use crate::app::AppError;
use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use embargo_core::rejection::{Invalid, Rejection, Rule};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScoreQuery {
    /// A CVSS v2.0, v3.0, v3.1 or v4.0 vector.
    vector: String,
}

/// Score a vector, as `embargo cvss --json` does.
#[utoipa::path(get, path = "/cvss/score", tag = "cvss", params(ScoreQuery), security(()),
    responses((status = 200, description = "vector, version, score, severity, the sub-scores and the metrics in words", body = Object),
        (status = 422, description = "The vector breaks a CVSS rule; `code` is e.g. `cvss.metric_order`", body = ErrorBody)))]
pub async fn score(q: Result<Query<ScoreQuery>, QueryRejection>) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(query_error)?;
    match embargo_cvss::assess(q.vector.trim()) {
        Ok(a) => Ok(Json(
            serde_json::to_value(a).map_err(|e| AppError::Internal(e.to_string()))?,
        )),
        Err(e) => Err(Rejection::Invalid(vec![Invalid {
            field: "vector".into(),
            rule: Rule::Cvss(e.rule()),
            message: format!("`vector`: {e}"),
        }])
        .into()),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    version: String,
}

/// A version's metrics, in the specification's order, with their values and FIRST's
/// descriptions: what a calculator shows.
#[utoipa::path(get, path = "/cvss/metrics", tag = "cvss", params(MetricsQuery), security(()),
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
pub async fn metrics(
    q: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(query_error)?;
    let version = embargo_cvss::Version::ALL
        .into_iter()
        .find(|v| v.as_str() == q.version)
        .ok_or_else(|| {
            Rejection::invalid(
                "version",
                Rule::InvalidFormat,
                "`version` must be 2.0, 3.0, 3.1 or 4.0",
            )
        })?;
    Ok(Json(
        serde_json::to_value(embargo_cvss::metrics(version))
            .map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

/// A query string that does not fit: a JSON error naming the problem, not plain text.
pub fn query_error(e: QueryRejection) -> ApiError {
    AppError::bad_request("invalid_query", e.body_text(), None).into()
}
