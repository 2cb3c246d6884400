//! The one error of every use case. Front-ends map it to a status and a body (the server's
//! `error` module) or to a message (the CLI); nothing here knows HTTP.

use fengqiao_domain::FieldError;
use fengqiao_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is wrong; every bad field is named.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// No valid session, or the credentials are wrong (`code` says which).
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// The actor may not do this (`code`: `forbidden`, `locked`, `csrf`, ...).
    #[error("{message}")]
    Denied { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    /// A point outside every grid, with the nearest grid named in the message.
    #[error("{0}")]
    Outside(String),
    /// The change clashes with what is stored (a unique key, a concurrent change, a state
    /// that does not allow it).
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    /// Too many attempts or requests; try later.
    #[error("{0}")]
    Limited(String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

/// `Result<T>` of a use case; a second parameter keeps other errors possible.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn denied(message: impl Into<String>) -> Self {
        Error::Denied { code: "forbidden", message: message.into() }
    }

    pub fn unauthenticated() -> Self {
        Error::Unauthenticated { code: "unauthenticated", message: "login required".into() }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict { constraint } => conflict_for(&constraint),
            other => Error::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Unique-constraint names become precise client errors naming the field.
fn conflict_for(constraint: &str) -> Error {
    let (field, message) = match constraint {
        "users_username_key" => ("username", "this username is taken"),
        "units_code_key" => ("code", "a unit with this code exists"),
        "matter_ratings_once" => ("rating", "this matter has been rated"),
        "matter_ratings_closed" => ("rating", "a matter is rated once it is closed"),
        "round_finished" => ("round", "the round is already finished"),
        "entry_matter" => ("entry", "a matter was already raised from this look"),
        "repair_closed" => ("repair", "the repair is already closed"),
        "foreign_key" | "users_unit_id_fkey" => ("unit", "the referenced unit does not exist"),
        _ => return Error::Conflict { field: None, message: "conflicts with existing data".into() },
    };
    Error::Conflict { field: Some(field.into()), message: message.into() }
}
