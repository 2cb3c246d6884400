//! One error type for the whole server and one place that maps it to a status and the
//! error body `{"error": {"code", "message", "fields": [{"field", "message"}]}}`.
//! Internal errors are logged with their cause and answered with an opaque 500.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use fengqiao_domain::FieldError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    /// A point outside every grid (404), with the nearest grid named in the message.
    #[error("{0}")]
    Outside(String),
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests(String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation`, `forbidden`, `not_found`.
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldMessage>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
    /// A stable key of the message (e.g. `pw_too_short`), for clients with their own
    /// translations; absent when the message has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden { code: "forbidden", message: message.into() }
    }

    pub fn unauthenticated() -> Self {
        AppError::Unauthorized { code: "unauthenticated", message: "login required".into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::Outside(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (code, message, fields): (&str, String, Vec<FieldMessage>) = match self {
            AppError::Validation(f) => (
                "validation",
                match f.first() {
                    Some(first) => format!("{}: {}", first.field, first.message),
                    None => "invalid input".into(),
                },
                f.iter()
                    .map(|e| FieldMessage {
                        field: e.field.clone(),
                        message: e.message.clone(),
                        key: e.key.map(String::from),
                    })
                    .collect(),
            ),
            AppError::BadRequest(m) => ("bad_request", m.clone(), vec![]),
            AppError::Unauthorized { code, message } => (code, message.clone(), vec![]),
            AppError::Forbidden { code, message } => (code, message.clone(), vec![]),
            AppError::NotFound => ("not_found", "not found".into(), vec![]),
            AppError::Outside(m) => ("outside_grids", m.clone(), vec![]),
            AppError::Conflict { field, message } => (
                "conflict",
                message.clone(),
                field.iter().map(|f| FieldMessage { field: f.clone(), message: message.clone(), key: None }).collect(),
            ),
            AppError::PayloadTooLarge => (
                "payload_too_large",
                "request body too large: at most max_body_bytes (1 MiB unless configured); imports 64 MiB, \
                 attached files 16 MiB, the intake form with photos 80 MiB"
                    .into(),
                vec![],
            ),
            AppError::TooManyRequests(m) => ("too_many_requests", m.clone(), vec![]),
            AppError::Internal(_) => ("internal", "internal server error".into(), vec![]),
        };
        ErrorBody { error: ErrorDetail { code: code.into(), message, fields } }
    }
}

impl From<fengqiao_app::Error> for AppError {
    fn from(e: fengqiao_app::Error) -> Self {
        use fengqiao_app::Error as E;
        match e {
            E::Invalid(f) => AppError::Validation(f),
            E::Unauthenticated { code, message } => AppError::Unauthorized { code, message },
            E::Denied { code, message } => AppError::Forbidden { code, message },
            E::NotFound => AppError::NotFound,
            E::Outside(m) => AppError::Outside(m),
            E::Conflict { field, message } => AppError::Conflict { field, message },
            E::Limited(m) => AppError::TooManyRequests(m),
            E::Internal(e) => AppError::Internal(e),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        (self.status(), Json(self.body())).into_response()
    }
}

/// Unknown routes: JSON under `/api` and `/open311`, a page elsewhere.
pub async fn fallback(uri: Uri, headers: axum::http::HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound.into_response()
    } else {
        crate::web::not_found_page(crate::i18n::lang_from_headers(&headers)).into_response()
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    AppError::Internal(anyhow::anyhow!("panic")).into_response()
}

pub type AppResult<T> = Result<T, AppError>;
