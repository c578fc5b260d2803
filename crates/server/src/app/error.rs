//! Errors of the application layer. Policy: `core::Rejection` for anything a rule
//! refused (the user can act on it); the other variants for what the shell itself
//! refuses (authentication, limits, malformed requests); `Internal` for our faults,
//! whose detail goes to the log only. Each shell renders these its own way (JSON
//! bodies for the API, pages for the web); none of them carries secrets or case text.

use embargo_core::rejection::Rejection;
use embargo_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Credentials were presented and are wrong (a bad token, a bad password).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge { what: String, limit: usize },
    /// An upload broke one of its limits (`limits.<rule>`) as it arrived; `files` are
    /// the ones to choose again. Always about the field `file`.
    #[error("{message}")]
    UploadRefused {
        rule: &'static str,
        message: String,
        files: Vec<String>,
    },
    /// The server takes no more of this work right now (`limits.<rule>`).
    #[error("{message}")]
    Overloaded {
        rule: &'static str,
        message: String,
        retry_after_secs: u64,
    },
    /// The request itself is malformed (before any domain rule applies).
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error("the record changed repeatedly while saving; try again")]
    Busy,
    /// The case's history no longer matches the signed checkpoint: it is not served
    /// until an admin has investigated (`embargo admin verify`).
    #[error("{0}")]
    Untrusted(String),
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// The HTTP status both shells answer with: one mapping, so that the API and the
    /// pages never disagree about what a refusal is.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AppError::Rejected(r) => match r {
                Rejection::NotFound => StatusCode::NOT_FOUND,
                Rejection::Forbidden { .. } => StatusCode::FORBIDDEN,
                Rejection::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                Rejection::IllegalTransition { .. }
                | Rejection::Conflict { .. }
                | Rejection::Blocked { .. } => StatusCode::CONFLICT,
            },
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge { .. } | AppError::UploadRefused { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            AppError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadRequest { code, .. } if *code == "unsupported_media_type" => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Busy | AppError::Untrusted(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn not_found() -> Self {
        AppError::Rejected(Rejection::NotFound)
    }

    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        field: Option<&str>,
    ) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
            field: field.map(str::to_owned),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Taken { field } => AppError::Rejected(Rejection::Conflict {
                field: field.to_owned(),
                message: format!("this {field} is already taken"),
            }),
            StoreError::Conflict => AppError::Busy,
            other => AppError::Internal(other.to_string()),
        }
    }
}
