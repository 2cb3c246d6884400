//! Fengqiao's domain: validated newtypes (resident ID numbers, phone numbers, codes),
//! typed IDs, the organisation's unit kinds, roles, and the access policy that decides
//! what each role may do where. Nothing here performs I/O.

pub mod id_number;
pub mod ids;
pub mod mask;
pub mod matter;
pub mod mediation;
pub mod org;
pub mod phone;
pub mod policy;
pub mod registry;
pub mod risk;
pub mod role;

pub use id_number::IdNumber;
pub use phone::Phone;
pub use role::Role;

/// A field-level validation failure: which field, and why (in words a user can act on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
