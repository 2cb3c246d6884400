//! The registry's rows as read: households, residents, organisations — their sealed values
//! opened only at their places (see [`crate::Sealed`]).

use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct HouseholdRow {
    pub id: i64,
    pub code: String,
    pub address: String,
    pub dwelling_type: String,
    pub is_rental: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub grid_path: String,
    pub members: i64,
    pub lat: f64,
    pub lon: f64,
    #[serde(skip)]
    pub phone_enc: Option<Vec<u8>>,
    #[serde(skip)]
    pub qr_token_enc: Option<Vec<u8>>,
    pub building_code: Option<String>,
    pub building_name: Option<String>,
    pub updated_at: i64,
}

impl HouseholdRow {
    /// The household's phone number, sealed at its place.
    pub fn phone(&self) -> Option<crate::Sealed> {
        crate::Sealed::at(self.phone_enc.clone(), "households.phone_enc", &self.code)
    }

    /// The household's QR token, sealed at its place.
    pub fn qr_token(&self) -> Option<crate::Sealed> {
        crate::Sealed::at(self.qr_token_enc.clone(), "households.qr_token_enc", &self.code)
    }
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct ResidentRow {
    pub id: i64,
    pub household_id: i64,
    pub household_code: String,
    pub address: String,
    pub grid_path: String,
    pub name: String,
    pub id_masked: String,
    #[serde(skip)]
    pub id_enc: Vec<u8>,
    #[serde(skip)]
    pub id_hash: String,
    pub sex: String,
    pub birth_date: String,
    #[serde(skip)]
    pub phone_enc: Option<Vec<u8>>,
    pub relation: String,
    pub registered_here: i64,
    pub registered_address: Option<String>,
    pub care: String,
}

impl ResidentRow {
    /// The ID number, sealed at its place.
    pub fn id_number(&self) -> crate::Sealed {
        crate::Sealed::new(self.id_enc.clone(), "residents.id_enc", &self.id_hash)
    }

    /// The phone number, sealed at its place.
    pub fn phone(&self) -> Option<crate::Sealed> {
        crate::Sealed::at(self.phone_enc.clone(), "residents.phone_enc", &self.id_hash)
    }
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct OrganisationRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub is_key_place: i64,
    pub address: String,
    pub grid_code: String,
    pub grid_name: String,
    pub alliance: Option<String>,
    pub responsible_name: Option<String>,
    #[serde(skip)]
    pub responsible_phone_enc: Option<Vec<u8>>,
    pub last_inspection: Option<String>,
}

impl OrganisationRow {
    /// The responsible person's phone number, sealed at its place.
    pub fn responsible_phone(&self) -> Option<crate::Sealed> {
        crate::Sealed::at(self.responsible_phone_enc.clone(), "organisations.responsible_phone_enc", &self.code)
    }
}
