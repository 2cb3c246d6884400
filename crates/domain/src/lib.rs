//! Fengqiao's domain: validated newtypes (resident ID numbers, phone numbers, codes),
//! typed IDs, the organisation's unit kinds, roles, and the access policy that decides
//! what each role may do where. Nothing here performs I/O.

pub mod daily_post;
pub mod five_small;
pub mod id_number;
pub mod ids;
pub mod instruction;
pub mod mask;
pub mod matter;
pub mod mediation;
pub mod operation;
pub mod org;
pub mod phone;
pub mod policy;
pub mod registry;
pub mod risk;
pub mod role;
pub mod roster;
pub mod supervision;
pub mod video;

pub use id_number::IdNumber;
pub use phone::Phone;
pub use role::Role;

/// A field-level validation failure: which field, and why (in words a user can act on).
/// `key` names the message in the front-ends' tables, so a page can show it in its own
/// language; `message` is the English text (the API's, and the fallback).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub key: Option<&'static str>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into(), key: None }
    }

    /// The same error with its message key.
    pub fn keyed(mut self, key: &'static str) -> Self {
        self.key = Some(key);
        self
    }
}

/// What still stands between a session and full use: its second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// Nothing: the session is complete.
    Done,
    /// A TOTP code is to be entered.
    Code,
    /// The role requires TOTP and the account has none yet: enrol first.
    Enrol,
}

impl SecondFactor {
    /// The stored form (0, 1, 2).
    pub fn as_i64(self) -> i64 {
        match self {
            SecondFactor::Done => 0,
            SecondFactor::Code => 1,
            SecondFactor::Enrol => 2,
        }
    }

    pub fn from_i64(v: i64) -> Option<Self> {
        match v {
            0 => Some(SecondFactor::Done),
            1 => Some(SecondFactor::Code),
            2 => Some(SecondFactor::Enrol),
            _ => None,
        }
    }
}
