//! Volunteers (volunteer police, Yong'an volunteers, counsellors): people without accounts,
//! each in a team (a unit of kind `volunteer_team`, one per grid).

use crate::{Store, StoreResult, now_ms};
use fengqiao_domain::Phone;
use fengqiao_domain::ids::{UnitId, VolunteerId};
use fengqiao_domain::org::UnitPath;
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct Volunteer {
    pub id: i64,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub phone_enc: Option<Vec<u8>>,
    pub skills: Option<String>,
}

impl Volunteer {
    /// The phone number, sealed at its place.
    pub fn phone(&self) -> Option<crate::Sealed> {
        crate::Sealed::at(self.phone_enc.clone(), "volunteers.phone_enc", self.id)
    }
}

#[derive(Debug, Clone)]
pub struct NewVolunteer {
    pub name: String,
    pub unit_id: UnitId,
    /// `volunteer_police`, `yongan` or `counsellor`.
    pub kind: String,
    pub phone: Option<Phone>,
    pub skills: Option<String>,
}

pub const VOLUNTEER_KINDS: &[&str] = &["volunteer_police", "yongan", "counsellor"];

pub async fn insert_volunteer(
    conn: &mut AnyConnection,
    crypto: &crate::Crypto,
    v: &NewVolunteer,
) -> StoreResult<VolunteerId> {
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO volunteers (name, unit_id, kind, phone_enc, phone_hash, skills, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(&v.name)
    .bind(v.unit_id.0)
    .bind(&v.kind)
    .bind(None::<Vec<u8>>)
    .bind(v.phone.as_ref().map(|p| crypto.lookup_hash("phone", p.as_str())))
    .bind(&v.skills)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(p) = &v.phone {
        sqlx::query("UPDATE volunteers SET phone_enc = $1 WHERE id = $2")
            .bind(crypto.seal_at("volunteers.phone_enc", &id.to_string(), p.as_str()))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(VolunteerId(id))
}

impl Store {
    pub async fn create_volunteer(&self, ctx: &crate::audit::AuditCtx, v: &NewVolunteer) -> StoreResult<VolunteerId> {
        let mut tx = self.begin().await?;
        let id = insert_volunteer(&mut tx, &self.crypto, v).await?;
        let ev = crate::audit::AuditEvent::new("volunteer.create", "volunteer", id, crate::audit::Outcome::Success)
            .detail(format!("{} {}", v.kind, v.name));
        crate::audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn volunteers_under(
        &self,
        path: &UnitPath,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Volunteer>, i64)> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM volunteers v JOIN units n ON n.id = v.unit_id WHERE n.path LIKE $1",
        )
        .bind(format!("{}%", path.0))
        .fetch_one(&self.read)
        .await?;
        let rows = sqlx::query_as(
            "SELECT v.id, v.name, v.unit_id, n.name AS unit_name, v.kind, v.phone_enc, v.skills \
             FROM volunteers v JOIN units n ON n.id = v.unit_id WHERE n.path LIKE $1 ORDER BY n.path, v.id LIMIT $2 OFFSET $3",
        )
        .bind(format!("{}%", path.0))
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&self.read)
        .await?;
        Ok((rows, total))
    }

    pub async fn count_volunteers_by_kind(&self, path: &UnitPath) -> StoreResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT v.kind, COUNT(*) FROM volunteers v JOIN units n ON n.id = v.unit_id WHERE n.path LIKE $1 GROUP BY v.kind ORDER BY v.kind",
        )
        .bind(format!("{}%", path.0))
        .fetch_all(&self.read)
        .await?)
    }
}
