//! Mediation records: parties (linked to the registry), their consent, sessions, the case
//! plan and its mediators, the written agreement with its terms and the judicial
//! confirmation window, follow-up visits; and the escalation-risk score with its alerts.
//! The rules themselves live in `fengqiao_domain::{mediation, risk}`; every change here is
//! written with its audit record in one transaction.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Store, StoreError, StoreResult, now_ms};
use fengqiao_domain::mediation::{AgreementDraft, CaseFacts, Consent, PartyRole, Route, judicial_confirmation_due};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::risk::{EscalationRisk, Facts, Lexicon};
use fengqiao_domain::{IdNumber, Phone};
use sqlx::FromRow;

mod agreement;
mod follow_up;
mod history;
mod risk;
mod supervision;

pub use agreement::Reminder;
pub use history::{MatterBrief, PastAgreement, PastCasework, PastPlan, insert_past_casework};
pub use supervision::{DueRow, RiskyRow, Supervision};

#[derive(Debug, Clone)]
pub struct NewParty {
    pub role: PartyRole,
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
    pub address: String,
    /// Marked vulnerable by the recorder (disabled, pregnant, ...); minors, people of 70
    /// and over and residents with a care category are vulnerable anyway.
    pub vulnerable: bool,
    /// Link the party to a registered resident only when their household lies under this
    /// path (the recorder's reach); `None`: never link.
    pub link_within: Option<UnitPath>,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct PartyRow {
    pub id: i64,
    pub role: String,
    pub name: String,
    pub resident_id: Option<i64>,
    #[serde(skip)]
    pub id_number_enc: Option<Vec<u8>>,
    #[serde(skip)]
    pub phone_enc: Option<Vec<u8>>,
    pub address: String,
    pub vulnerable: i64,
    pub consent: String,
    pub consent_at: Option<i64>,
    pub consent_note: String,
}

/// A party as shown: numbers masked unless revealed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Party {
    pub id: i64,
    pub role: String,
    pub name: String,
    pub resident_id: Option<i64>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: String,
    pub vulnerable: bool,
    pub consent: String,
    pub consent_at: Option<i64>,
    pub consent_note: String,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct SessionRow {
    pub id: i64,
    pub held_at: i64,
    pub place: String,
    pub participants: String,
    pub record: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct AgreementRow {
    pub number: String,
    pub facts: String,
    pub points: String,
    pub responsibilities: String,
    pub mediator: String,
    pub drafted_at: i64,
    pub signed_at: Option<i64>,
    pub judicial_confirmation_due_at: Option<i64>,
    pub judicial_confirmation: String,
    pub judicial_confirmation_at: Option<i64>,
    pub reminded_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct TermRow {
    pub seq: i64,
    pub obligor: String,
    pub content: String,
    pub manner: String,
    pub due_at: i64,
    pub performed_at: Option<i64>,
    pub performed_note: String,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct PlanStepRow {
    pub seq: i64,
    pub description: String,
    pub due_at: i64,
    pub done_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct PlanMediator {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub mediator_kind: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CasePlan {
    pub goal: String,
    pub updated_by: String,
    pub updated_at: i64,
    pub steps: Vec<PlanStepRow>,
    pub mediators: Vec<PlanMediator>,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct RiskFactorRow {
    pub factor: String,
    pub weight: i64,
    pub evidence: String,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub matter_code: String,
    pub grid_name: String,
    pub level: String,
    pub score: i64,
    pub factors: String,
    pub created_at: i64,
    pub police_report: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct FollowUpRow {
    pub id: i64,
    pub matter_id: i64,
    pub due_at: i64,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
    pub outcome: String,
    pub recurred: i64,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct LinkRow {
    pub code: String,
    pub kind: String,
    pub direction: String,
    pub created_at: i64,
}

/// A planned step of the case plan.
#[derive(Debug, Clone)]
pub struct PlanStep {
    pub description: String,
    pub due_at: i64,
    pub done: bool,
}

/// A follow-up visit's result.
#[derive(Debug, Clone)]
pub struct FollowUpResult<'a> {
    pub outcome: &'a str,
    pub recurred: bool,
    /// attitude, speed, firmness, warmth (1–5), when the resident rated.
    pub rating: Option<[i64; 4]>,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct FileRow {
    pub id: i64,
    pub matter_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: i64,
}

fn age_on(birth: chrono::NaiveDate, now_ms: i64) -> i64 {
    let today = chrono::DateTime::from_timestamp_millis(now_ms).map(|t| t.date_naive()).unwrap_or(birth);
    let mut age = i64::from(today.years_since(birth).unwrap_or(0));
    if today < birth {
        age = 0;
    }
    age
}

impl Store {
    fn show_party(&self, r: PartyRow, reveal: bool) -> StoreResult<Party> {
        let open = |b: &Option<Vec<u8>>, column: &'static str| {
            b.as_ref().map(|b| self.crypto.open(&crate::Sealed::new(b.clone(), column, r.id))).transpose()
        };
        let id = open(&r.id_number_enc, "matter_parties.id_number_enc")?;
        let phone = open(&r.phone_enc, "matter_parties.phone_enc")?;
        Ok(Party {
            id: r.id,
            role: r.role,
            name: r.name,
            resident_id: r.resident_id,
            id_number: id.map(|v| if reveal { v } else { fengqiao_domain::mask::mask_id_number(&v) }),
            phone: phone.map(|v| if reveal { v } else { fengqiao_domain::mask::mask_phone(&v) }),
            address: r.address,
            vulnerable: r.vulnerable != 0,
            consent: r.consent,
            consent_at: r.consent_at,
            consent_note: r.consent_note,
        })
    }

    /// The parties of a matter, numbers masked (`reveal`: in full; the caller audits).
    pub async fn parties(&self, matter_id: i64, reveal: bool) -> StoreResult<Vec<Party>> {
        let rows: Vec<PartyRow> = sqlx::query_as(
            "SELECT id, role, name, resident_id, id_number_enc, phone_enc, address, vulnerable, consent, consent_at, consent_note \
             FROM matter_parties WHERE matter_id = $1 ORDER BY CASE role WHEN 'applicant' THEN 0 WHEN 'respondent' THEN 1 ELSE 2 END, id",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(|r| self.show_party(r, reveal)).collect()
    }

    /// Record a party; linked to the registry's resident with the same ID number.
    pub async fn add_party(&self, ctx: &AuditCtx, matter_id: i64, code: &str, p: &NewParty) -> StoreResult<i64> {
        let now = now_ms();
        let id_hash = p.id_number.as_ref().map(|i| self.crypto.lookup_hash("id_number", i.as_str()));
        let resident: Option<(i64, String)> = match &id_hash {
            Some(h) => match &p.link_within {
                Some(within) => {
                    sqlx::query_as(
                        "SELECT r.id, r.care FROM residents r JOIN households h ON h.id = r.household_id \
                             JOIN units g ON g.id = h.grid_id WHERE r.id_hash = $1 AND g.path LIKE $2",
                    )
                    .bind(h)
                    .bind(format!("{}%", within.0))
                    .fetch_optional(&self.read)
                    .await?
                }
                None => None,
            },
            None => None,
        };
        let age_vulnerable = p.id_number.as_ref().is_some_and(|i| {
            let age = age_on(i.birth_date(), now);
            !(18..70).contains(&age)
        });
        let care_vulnerable = resident.as_ref().is_some_and(|(_, care)| !care.is_empty());
        let vulnerable = p.vulnerable || age_vulnerable || care_vulnerable;
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO matter_parties (matter_id, role, name, resident_id, id_number_enc, id_number_hash, phone_enc, phone_hash, address, vulnerable, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(matter_id)
        .bind(p.role.as_str())
        .bind(p.name.trim())
        .bind(resident.as_ref().map(|r| r.0))
        .bind(None::<Vec<u8>>)
        .bind(&id_hash)
        .bind(None::<Vec<u8>>)
        .bind(p.phone.as_ref().map(|x| self.crypto.lookup_hash("phone", x.as_str())))
        .bind(p.address.trim())
        .bind(i64::from(vulnerable))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE matter_parties SET id_number_enc = $1, phone_enc = $2 WHERE id = $3")
            .bind(
                p.id_number
                    .as_ref()
                    .map(|i| self.crypto.seal_at("matter_parties.id_number_enc", &id.to_string(), i.as_str())),
            )
            .bind(
                p.phone.as_ref().map(|x| self.crypto.seal_at("matter_parties.phone_enc", &id.to_string(), x.as_str())),
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent::new("matter.party.add", "matter", code, Outcome::Success).detail(format!(
            "{} {}{}",
            p.role.as_str(),
            p.name.trim(),
            if resident.is_some() { " (resident)" } else { "" }
        ));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Record a party's consent to mediation (or its refusal).
    pub async fn set_consent(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        party_id: i64,
        consent: Consent,
        note: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE matter_parties SET consent = $1, consent_at = $2, consent_note = $3 WHERE id = $4 AND matter_id = $5")
            .bind(consent.as_str())
            .bind(now_ms())
            .bind(note.trim())
            .bind(party_id)
            .bind(matter_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let ev = AuditEvent::new("matter.consent", "matter", code, Outcome::Success)
            .detail(format!("party {party_id}: {}", consent.as_str()));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record a session: (held at, place, participants, record).
    pub async fn add_session(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        (held_at, place, participants, record): (i64, &str, &str, &str),
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mediation_sessions (matter_id, held_at, place, participants, record, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(matter_id)
        .bind(held_at)
        .bind(place.trim())
        .bind(participants.trim())
        .bind(record.trim())
        .bind(&ctx.actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("matter.session", "matter", code, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn sessions(&self, matter_id: i64) -> StoreResult<Vec<SessionRow>> {
        Ok(sqlx::query_as(
            "SELECT id, held_at, place, participants, record, recorded_by FROM mediation_sessions WHERE matter_id = $1 ORDER BY held_at, id",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Replace the case plan: goal, steps, the mediators assigned from the centre.
    pub async fn save_plan(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        goal: &str,
        steps: &[PlanStep],
        mediator_ids: &[i64],
    ) -> StoreResult<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM case_plans WHERE matter_id = $1").bind(matter_id).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO case_plans (matter_id, goal, updated_by, updated_at) VALUES ($1, $2, $3, $4)")
            .bind(matter_id)
            .bind(goal.trim())
            .bind(&ctx.actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM case_plan_steps WHERE matter_id = $1").bind(matter_id).execute(&mut *tx).await?;
        for (i, s) in steps.iter().enumerate() {
            sqlx::query("INSERT INTO case_plan_steps (matter_id, seq, description, due_at, done_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(matter_id)
                .bind(i as i64 + 1)
                .bind(s.description.trim())
                .bind(s.due_at)
                .bind(s.done.then_some(now))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM matter_mediators WHERE matter_id = $1").bind(matter_id).execute(&mut *tx).await?;
        for uid in mediator_ids {
            sqlx::query("INSERT INTO matter_mediators (matter_id, user_id, assigned_at) VALUES ($1, $2, $3)")
                .bind(matter_id)
                .bind(uid)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        let ev = AuditEvent::new("matter.plan", "matter", code, Outcome::Success).detail(format!(
            "{} steps, mediators {:?}",
            steps.len(),
            mediator_ids
        ));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn plan(&self, matter_id: i64) -> StoreResult<Option<CasePlan>> {
        let head: Option<(String, String, i64)> =
            sqlx::query_as("SELECT goal, updated_by, updated_at FROM case_plans WHERE matter_id = $1")
                .bind(matter_id)
                .fetch_optional(&self.read)
                .await?;
        let Some((goal, updated_by, updated_at)) = head else { return Ok(None) };
        let steps = sqlx::query_as(
            "SELECT seq, description, due_at, done_at FROM case_plan_steps WHERE matter_id = $1 ORDER BY seq",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?;
        let mediators = self.mediators_of(matter_id).await?;
        Ok(Some(CasePlan { goal, updated_by, updated_at, steps, mediators }))
    }

    /// Change the mediation approach of a case (from the one its category suggests).
    pub async fn set_approach(&self, ctx: &AuditCtx, matter_id: i64, code: &str, approach: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE matters SET approach = $1, updated_at = $2 WHERE id = $3")
            .bind(approach)
            .bind(now_ms())
            .bind(matter_id)
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent::new("matter.approach", "matter", code, Outcome::Success).detail(approach);
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn mediators_of(&self, matter_id: i64) -> StoreResult<Vec<PlanMediator>> {
        Ok(sqlx::query_as(
            "SELECT u.id AS user_id, u.username, u.display_name, u.mediator_kind FROM matter_mediators mm \
             JOIN users u ON u.id = mm.user_id WHERE mm.matter_id = $1 ORDER BY u.username",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Is this user assigned to mediate this matter?
    pub async fn is_assigned_mediator(&self, matter_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM matter_mediators WHERE matter_id = $1 AND user_id = $2")
            .bind(matter_id)
            .bind(user_id)
            .fetch_one(&self.read)
            .await?;
        Ok(n > 0)
    }
}
