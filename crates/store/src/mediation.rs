//! Mediation records: parties (linked to the registry), their consent, sessions, the case
//! plan and its mediators, the written agreement with its terms and the judicial
//! confirmation window, follow-up visits; and the escalation-risk score with its alerts.
//! The rules themselves live in `fengqiao_domain::{mediation, risk}`; every change here is
//! written with its audit record in one transaction.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Store, StoreError, StoreResult, now_ms};
use fengqiao_domain::mediation::{AgreementDraft, CaseFacts, Consent, PartyRole, Route, judicial_confirmation_due};
use fengqiao_domain::risk::{EscalationRisk, Facts, Lexicon};
use fengqiao_domain::{IdNumber, Phone};
use sqlx::FromRow;

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
        let open = |b: &Option<Vec<u8>>| b.as_ref().map(|b| self.crypto.open(b)).transpose();
        let id = open(&r.id_number_enc)?;
        let phone = open(&r.phone_enc)?;
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
            Some(h) => {
                sqlx::query_as("SELECT id, care FROM residents WHERE id_hash = $1")
                    .bind(h)
                    .fetch_optional(&self.read)
                    .await?
            }
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
        .bind(p.id_number.as_ref().map(|i| self.crypto.seal(i.as_str())))
        .bind(&id_hash)
        .bind(p.phone.as_ref().map(|x| self.crypto.seal(x.as_str())))
        .bind(p.phone.as_ref().map(|x| self.crypto.lookup_hash("phone", x.as_str())))
        .bind(p.address.trim())
        .bind(i64::from(vulnerable))
        .bind(now)
        .fetch_one(&mut *tx)
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

    /// Draft (or redraft) the written agreement; refused once it is signed.
    pub async fn save_agreement(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        draft: &AgreementDraft,
        mediator: &str,
        term_due_ms: &[i64],
    ) -> StoreResult<String> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let signed: Option<Option<i64>> = sqlx::query_scalar("SELECT signed_at FROM agreements WHERE matter_id = $1")
            .bind(matter_id)
            .fetch_optional(&mut *tx)
            .await?;
        if matches!(signed, Some(Some(_))) {
            return Err(StoreError::Conflict { constraint: "agreement_signed".into() });
        }
        let number = format!("{}号", code.replacen('M', "调协", 1));
        sqlx::query("DELETE FROM agreement_terms WHERE matter_id = $1").bind(matter_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM agreements WHERE matter_id = $1").bind(matter_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO agreements (matter_id, number, facts, points, responsibilities, mediator, drafted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(matter_id)
        .bind(&number)
        .bind(draft.facts.trim())
        .bind(draft.points.trim())
        .bind(draft.responsibilities.trim())
        .bind(mediator)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for (i, (t, due)) in draft.terms.iter().zip(term_due_ms).enumerate() {
            sqlx::query("INSERT INTO agreement_terms (matter_id, seq, obligor, content, manner, due_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(matter_id)
                .bind(i as i64 + 1)
                .bind(t.obligor.trim())
                .bind(t.content.trim())
                .bind(t.manner.trim())
                .bind(due)
                .execute(&mut *tx)
                .await?;
        }
        let ev = AuditEvent::new("matter.agreement.draft", "matter", code, Outcome::Success)
            .detail(format!("{number}, {} terms", draft.terms.len()));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(number)
    }

    pub async fn agreement(&self, matter_id: i64) -> StoreResult<Option<(AgreementRow, Vec<TermRow>)>> {
        let a: Option<AgreementRow> = sqlx::query_as(
            "SELECT number, facts, points, responsibilities, mediator, drafted_at, signed_at, judicial_confirmation_due_at, judicial_confirmation, judicial_confirmation_at, reminded_at \
             FROM agreements WHERE matter_id = $1",
        )
        .bind(matter_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(a) = a else { return Ok(None) };
        let terms = sqlx::query_as(
            "SELECT seq, obligor, content, manner, due_at, performed_at, performed_note FROM agreement_terms WHERE matter_id = $1 ORDER BY seq",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?;
        Ok(Some((a, terms)))
    }

    /// The parties and the mediator signed: the agreement takes effect and the 30-day
    /// window for joint judicial confirmation opens.
    pub async fn sign_agreement(&self, ctx: &AuditCtx, matter_id: i64, code: &str, signed_at: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE agreements SET signed_at = $1, judicial_confirmation_due_at = $2 WHERE matter_id = $3 AND signed_at IS NULL",
        )
        .bind(signed_at)
        .bind(judicial_confirmation_due(signed_at))
        .bind(matter_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "agreement_signed".into() });
        }
        audit::append(&mut tx, ctx, &AuditEvent::new("matter.agreement.sign", "matter", code, Outcome::Success))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Judicial confirmation: `applied` (jointly, within the window), then `confirmed` or
    /// `declined` by the court.
    pub async fn set_judicial_confirmation(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        state: &str,
    ) -> StoreResult<()> {
        let allowed_from = match state {
            "applied" => "none",
            "confirmed" | "declined" => "applied",
            _ => return Err(StoreError::Corrupt(format!("judicial confirmation state {state}"))),
        };
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE agreements SET judicial_confirmation = $1, judicial_confirmation_at = $2 WHERE matter_id = $3 AND judicial_confirmation = $4 AND signed_at IS NOT NULL",
        )
        .bind(state)
        .bind(now_ms())
        .bind(matter_id)
        .bind(allowed_from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "agreement_judicial_confirmation".into() });
        }
        let ev =
            AuditEvent::new("matter.agreement.judicial_confirmation", "matter", code, Outcome::Success).detail(state);
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A term carried out.
    pub async fn perform_term(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        seq: i64,
        note: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE agreement_terms SET performed_at = $1, performed_note = $2 WHERE matter_id = $3 AND seq = $4 AND performed_at IS NULL",
        )
        .bind(now_ms())
        .bind(note.trim())
        .bind(matter_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let ev =
            AuditEvent::new("matter.term.performed", "matter", code, Outcome::Success).detail(format!("term {seq}"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Agreements in effect whose confirmation window closes within `days` and for which
    /// no application is recorded: (matter code, agreement number, due at). Marks them
    /// reminded (once) so the reminder is sent once.
    pub async fn judicial_confirmation_reminders(
        &self,
        now: i64,
        days: i64,
    ) -> StoreResult<Vec<(String, String, i64)>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT m.code, a.number, a.judicial_confirmation_due_at FROM agreements a JOIN matters m ON m.id = a.matter_id \
             WHERE a.judicial_confirmation = 'none' AND a.signed_at IS NOT NULL AND a.reminded_at IS NULL \
             AND a.judicial_confirmation_due_at >= $1 AND a.judicial_confirmation_due_at <= $2 ORDER BY a.judicial_confirmation_due_at",
        )
        .bind(now)
        .bind(now + days * DAY_MS)
        .fetch_all(&self.read)
        .await?;
        if !rows.is_empty() {
            let mut tx = self.begin().await?;
            for (code, number, _) in &rows {
                sqlx::query("UPDATE agreements SET reminded_at = $1 WHERE number = $2")
                    .bind(now)
                    .bind(number)
                    .execute(&mut *tx)
                    .await?;
                let ev = AuditEvent::new("matter.agreement.reminder", "matter", code, Outcome::Success).detail(number);
                audit::append(&mut tx, &AuditCtx::system("scheduler", "judicial confirmation reminder"), &ev).await?;
            }
            tx.commit().await?;
        }
        Ok(rows)
    }

    /// What the workflow guards need to know (`fengqiao_domain::mediation::guard`).
    pub async fn case_facts(&self, matter_id: i64, routes: &[Route]) -> StoreResult<CaseFacts> {
        let parties: Vec<(String, String)> =
            sqlx::query_as("SELECT role, consent FROM matter_parties WHERE matter_id = $1")
                .bind(matter_id)
                .fetch_all(&self.read)
                .await?;
        let agreement = self.agreement(matter_id).await?;
        Ok(CaseFacts {
            parties: parties.iter().filter_map(|(r, c)| Some((PartyRole::parse(r)?, Consent::parse(c)?))).collect(),
            agreement_drafted: agreement.is_some(),
            agreement_signed: agreement.as_ref().is_some_and(|(a, _)| a.signed_at.is_some()),
            open_terms: agreement.as_ref().map_or(0, |(_, t)| t.iter().filter(|t| t.performed_at.is_none()).count()),
            routes_told: routes.to_vec(),
        })
    }

    /// Follow-up visits of a matter, by due date.
    pub async fn follow_ups(&self, matter_id: i64) -> StoreResult<Vec<FollowUpRow>> {
        Ok(sqlx::query_as(
            "SELECT id, matter_id, due_at, done_at, done_by, outcome, recurred FROM follow_ups WHERE matter_id = $1 ORDER BY due_at, id",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Schedule a follow-up visit.
    pub async fn schedule_follow_up(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        due_at: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO follow_ups (matter_id, due_at) VALUES ($1, $2) RETURNING id")
            .bind(matter_id)
            .bind(due_at)
            .fetch_one(&mut *tx)
            .await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("matter.follow_up.schedule", "matter", code, Outcome::Success))
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Record a follow-up visit. The caller reopens the matter on a recurrence.
    pub async fn record_follow_up(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        id: i64,
        r: &FollowUpResult<'_>,
    ) -> StoreResult<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let [a, s, f, w] = r.rating.map_or([None; 4], |x| x.map(Some));
        let n = sqlx::query(
            "UPDATE follow_ups SET done_at = $1, done_by = $2, outcome = $3, recurred = $4, attitude = $5, speed = $6, firmness = $7, warmth = $8 \
             WHERE id = $9 AND matter_id = $10 AND done_at IS NULL",
        )
        .bind(now)
        .bind(&ctx.actor)
        .bind(r.outcome.trim())
        .bind(i64::from(r.recurred))
        .bind(a)
        .bind(s)
        .bind(f)
        .bind(w)
        .bind(id)
        .bind(matter_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "follow_up_done".into() });
        }
        if let Some(x) = r.rating {
            sqlx::query("DELETE FROM matter_ratings WHERE matter_id = $1").bind(matter_id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO matter_ratings (matter_id, attitude, speed, firmness, warmth, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(matter_id)
            .bind(x[0])
            .bind(x[1])
            .bind(x[2])
            .bind(x[3])
            .bind(r.outcome.trim())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let ev = AuditEvent::new("matter.follow_up", "matter", code, Outcome::Success).detail(if r.recurred {
            "recurred"
        } else {
            "stable"
        });
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record a file attached to a matter (its content already stored under its SHA-256).
    pub async fn add_file(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        (name, content_type, size, sha256): (&str, &str, i64, &str),
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO matter_files (matter_id, name, content_type, size, sha256, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(matter_id)
        .bind(name)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(&ctx.actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let ev = AuditEvent::new("matter.file.add", "matter", code, Outcome::Success)
            .detail(format!("{name} ({content_type}, {size} bytes, sha256 {sha256})"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn files_of(&self, matter_id: i64) -> StoreResult<Vec<FileRow>> {
        Ok(sqlx::query_as(
            "SELECT id, matter_id, name, content_type, size, sha256, uploaded_by, created_at FROM matter_files WHERE matter_id = $1 ORDER BY id",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Links of a matter to others (recurrence, escalation, duplicate), both directions.
    pub async fn links_of(&self, matter_id: i64) -> StoreResult<Vec<LinkRow>> {
        Ok(sqlx::query_as(
            "SELECT m.code AS code, l.kind AS kind, 'to' AS direction, l.created_at AS created_at FROM matter_links l JOIN matters m ON m.id = l.to_matter_id WHERE l.from_matter_id = $1 \
             UNION ALL SELECT m.code AS code, l.kind AS kind, 'from' AS direction, l.created_at AS created_at FROM matter_links l JOIN matters m ON m.id = l.from_matter_id WHERE l.to_matter_id = $1 \
             ORDER BY 4",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Recompute the escalation risk of a matter from everything recorded about it; store
    /// the score and its factors; raise the alert (with the report to the police) of a level
    /// that raises one, once per matter (see [`crate::matters::raise_alert`]); link a police
    /// incident to the earlier disputes of its parties.
    pub async fn reassess(&self, matter_id: i64, lexicon: &Lexicon) -> StoreResult<EscalationRisk> {
        let (code, kind, narrative, created_at): (String, String, String, i64) =
            sqlx::query_as("SELECT code, kind, narrative, created_at FROM matters WHERE id = $1")
                .bind(matter_id)
                .fetch_one(&self.read)
                .await?;
        let records: Vec<String> = sqlx::query_scalar("SELECT record FROM mediation_sessions WHERE matter_id = $1")
            .bind(matter_id)
            .fetch_all(&self.read)
            .await?;
        let notes: Vec<String> =
            sqlx::query_scalar("SELECT note FROM matter_events WHERE matter_id = $1 AND note <> ''")
                .bind(matter_id)
                .fetch_all(&self.read)
                .await?;
        let failed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM matter_events WHERE matter_id = $1 AND event IN ('fail_mediation', 'consent_refused')",
        )
        .bind(matter_id)
        .fetch_one(&self.read)
        .await?;
        let vulnerable: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM matter_parties WHERE matter_id = $1 AND vulnerable = 1")
                .bind(matter_id)
                .fetch_one(&self.read)
                .await?;
        let related = self.party_history(matter_id).await?;
        let earlier: Vec<_> = related.iter().filter(|r| r.created_at <= created_at).collect();
        let incidents = related.iter().filter(|r| r.kind == "incident").count();
        let mut texts: Vec<&str> = vec![narrative.as_str()];
        texts.extend(records.iter().map(String::as_str));
        texts.extend(notes.iter().map(String::as_str));
        let a = lexicon.assess(&Facts {
            texts,
            repeated_matters: earlier.len() as u32,
            prior_incidents: incidents as u32,
            failed_mediations: failed as u32,
            vulnerable_parties: vulnerable as u32,
        });
        let now = now_ms();
        let mut tx = self.begin().await?;
        // Bumping updated_at also tells the search index to take the change.
        sqlx::query(
            "UPDATE matters SET escalation_risk_score = $1, escalation_risk_level = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(i64::from(a.score))
        .bind(a.level.as_str())
        .bind(now)
        .bind(matter_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM escalation_risk_factors WHERE matter_id = $1")
            .bind(matter_id)
            .execute(&mut *tx)
            .await?;
        for h in &a.hits {
            sqlx::query(
                "INSERT INTO escalation_risk_factors (matter_id, factor, weight, evidence) VALUES ($1, $2, $3, $4)",
            )
            .bind(matter_id)
            .bind(h.factor.as_str())
            .bind(i64::from(h.weight))
            .bind(&h.evidence)
            .execute(&mut *tx)
            .await?;
        }
        if kind == "incident" {
            for r in earlier.iter().filter(|r| r.kind == "dispute") {
                sqlx::query(
                    "INSERT INTO matter_links (from_matter_id, to_matter_id, kind, created_at) VALUES ($1, $2, 'escalation', $3) ON CONFLICT DO NOTHING",
                )
                .bind(r.id)
                .bind(matter_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        if a.level.raises_alert() {
            let alert = crate::matters::Alert {
                matter_id,
                code: &code,
                level: a.level,
                score: i64::from(a.score),
                factors: &a.factors_text(),
                police_report: &a.police_report(&code),
            };
            crate::matters::raise_alert(&mut tx, &alert, now).await?;
        }
        tx.commit().await?;
        Ok(a)
    }

    pub async fn risk_factors(&self, matter_id: i64) -> StoreResult<Vec<RiskFactorRow>> {
        Ok(sqlx::query_as(
            "SELECT factor, weight, evidence FROM escalation_risk_factors WHERE matter_id = $1 ORDER BY weight DESC, factor",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Early-warning alerts on matters at or below `path`; open ones only unless `all`.
    pub async fn alerts_under(&self, path: &str, all: bool, limit: i64) -> StoreResult<Vec<AlertRow>> {
        Ok(sqlx::query_as(
            "SELECT a.id, m.code AS matter_code, g.name AS grid_name, a.level, a.score, a.factors, a.created_at, a.police_report, \
             a.acknowledged_by, a.acknowledged_at FROM escalation_alerts a JOIN matters m ON m.id = a.matter_id JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND ($2 = 1 OR a.acknowledged_at IS NULL) ORDER BY a.created_at DESC, a.id DESC LIMIT $3",
        )
        .bind(format!("{path}%"))
        .bind(i64::from(all))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?)
    }

    /// The code of the matter an alert is about.
    pub async fn alert_matter_code(&self, alert_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT m.code FROM escalation_alerts a JOIN matters m ON m.id = a.matter_id WHERE a.id = $1",
        )
        .bind(alert_id)
        .fetch_optional(&self.read)
        .await?)
    }

    pub async fn acknowledge_alert(&self, ctx: &AuditCtx, alert_id: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let code: Option<String> = sqlx::query_scalar(
            "UPDATE escalation_alerts SET acknowledged_by = $1, acknowledged_at = $2 WHERE id = $3 AND acknowledged_at IS NULL \
             RETURNING (SELECT code FROM matters WHERE matters.id = escalation_alerts.matter_id)",
        )
        .bind(&ctx.actor)
        .bind(now_ms())
        .bind(alert_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(code) = code else { return Err(StoreError::NotFound) };
        let ev = AuditEvent::new("matter.risk.acknowledge", "matter", &code, Outcome::Success)
            .detail(format!("alert {alert_id}"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A matter that needs attention: what is due, and since when.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct DueRow {
    pub code: String,
    pub kind: String,
    pub grid_name: String,
    pub handler_name: String,
    pub detail: String,
    pub due_at: i64,
}

/// The supervision desk's lists (勤务监督): what is overdue or due soon in a jurisdiction.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Supervision {
    /// Registered and not acknowledged in time (一事一应).
    pub unacknowledged: Vec<DueRow>,
    /// Open past the resolution deadline.
    pub unresolved: Vec<DueRow>,
    /// Mediation running for over a month.
    pub long_mediation: Vec<DueRow>,
    /// Agreement terms past their date and not carried out.
    pub terms_overdue: Vec<DueRow>,
    /// Judicial-confirmation windows closing within a week.
    pub confirmation_due: Vec<DueRow>,
    /// Follow-up visits due.
    pub follow_ups_due: Vec<DueRow>,
}

/// A matter with its escalation risk, for the early-warning page.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct RiskyRow {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub grid_name: String,
    pub escalation_risk_score: i64,
    pub escalation_risk_level: String,
    pub factors: String,
    pub created_at: i64,
}

impl Store {
    pub async fn supervision_under(&self, path: &str, now: i64) -> StoreResult<Supervision> {
        const BASE: &str = "SELECT m.code, m.kind, g.name AS grid_name, hu.name AS handler_name, {detail} AS detail, {due} AS due_at \
             FROM {from} JOIN units g ON g.id = m.grid_id JOIN units hu ON hu.id = COALESCE(m.handler_unit_id, m.grid_id) \
             WHERE g.path LIKE $1 AND {cond} ORDER BY 6 LIMIT 200";
        let q = |detail: &str, due: &str, from: &str, cond: &str| {
            BASE.replace("{detail}", detail).replace("{due}", due).replace("{from}", from).replace("{cond}", cond)
        };
        let like = format!("{path}%");
        let run = |sql: String| {
            let like = like.clone();
            async move {
                sqlx::query_as::<_, DueRow>(&sql)
                    .bind(like)
                    .bind(now)
                    .bind(now + 7 * DAY_MS)
                    .fetch_all(&self.read)
                    .await
            }
        };
        Ok(Supervision {
            unacknowledged: run(q("m.narrative", "m.ack_due_at", "matters m", "m.status = 'registered' AND m.ack_due_at < $2 AND $3 > 0"))
                .await?,
            unresolved: run(q(
                "m.narrative",
                "m.resolve_due_at",
                "matters m",
                "m.status <> 'closed' AND m.resolve_due_at < $2 AND $3 > 0",
            ))
            .await?,
            long_mediation: run(q(
                "m.narrative",
                "m.mediation_started_at",
                "matters m",
                &format!("m.status = 'mediating' AND m.mediation_started_at < $2 - {} AND $3 > 0", 30 * DAY_MS),
            ))
            .await?,
            terms_overdue: run(q(
                "t.obligor || '：' || t.content",
                "t.due_at",
                "agreement_terms t JOIN matters m ON m.id = t.matter_id",
                "m.status = 'performing' AND t.performed_at IS NULL AND t.due_at < $2 AND $3 > 0",
            ))
            .await?,
            confirmation_due: run(q(
                "a.number",
                "a.judicial_confirmation_due_at",
                "agreements a JOIN matters m ON m.id = a.matter_id",
                "a.judicial_confirmation = 'none' AND a.signed_at IS NOT NULL AND a.judicial_confirmation_due_at >= $2 AND a.judicial_confirmation_due_at <= $3",
            ))
            .await?,
            follow_ups_due: run(q(
                "m.narrative",
                "f.due_at",
                "follow_ups f JOIN matters m ON m.id = f.matter_id",
                "f.done_at IS NULL AND f.due_at < $3 AND $2 > 0",
            ))
            .await?,
        })
    }

    /// Open matters at yellow or above, highest risk first.
    pub async fn risky_under(&self, path: &str, limit: i64) -> StoreResult<Vec<RiskyRow>> {
        let rows: Vec<RiskyRow> = sqlx::query_as(
            "SELECT m.code, m.kind, m.category, m.status, g.name AS grid_name, m.escalation_risk_score, m.escalation_risk_level, \
             COALESCE((SELECT MAX(f.factor) FROM escalation_risk_factors f WHERE f.matter_id = m.id AND f.weight = \
                 (SELECT MAX(f2.weight) FROM escalation_risk_factors f2 WHERE f2.matter_id = m.id)), '') AS factors, m.created_at \
             FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.status <> 'closed' AND m.escalation_risk_score >= 15 \
             ORDER BY m.escalation_risk_score DESC, m.created_at DESC LIMIT $2",
        )
        .bind(format!("{path}%"))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }
}

/// The casework of a past dispute, for generated data (the demo): written inside the
/// caller's transaction without audit records of its own.
#[derive(Debug, Clone, Default)]
pub struct PastCasework {
    /// (role, name, phone, consent at)
    pub parties: Vec<(String, String, Option<String>, i64)>,
    /// (held at, place, participants, record)
    pub sessions: Vec<(i64, String, String, String)>,
    pub agreement: Option<PastAgreement>,
    /// (due at, done: (at, outcome, rating 1–5 on the four degrees))
    pub follow_ups: Vec<(i64, Option<FollowUpDone>)>,
    pub recorded_by: String,
}

/// A follow-up visit done: when, its outcome, the rating on the four degrees.
pub type FollowUpDone = (i64, String, [i64; 4]);

#[derive(Debug, Clone, Default)]
pub struct PastAgreement {
    pub number: String,
    pub facts: String,
    pub points: String,
    pub responsibilities: String,
    pub mediator: String,
    pub drafted_at: i64,
    pub signed_at: Option<i64>,
    pub judicial_confirmation: String,
    /// (obligor, content, manner, due at, performed at)
    pub terms: Vec<(String, String, String, i64, Option<i64>)>,
}

pub async fn insert_past_casework(
    conn: &mut sqlx::AnyConnection,
    crypto: &crate::Crypto,
    matter_id: i64,
    c: &PastCasework,
) -> StoreResult<()> {
    for (role, name, phone, consent_at) in &c.parties {
        sqlx::query(
            "INSERT INTO matter_parties (matter_id, role, name, phone_enc, phone_hash, consent, consent_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'given', $6, $6)",
        )
        .bind(matter_id)
        .bind(role)
        .bind(name)
        .bind(phone.as_ref().map(|p| crypto.seal(p)))
        .bind(phone.as_ref().map(|p| crypto.lookup_hash("phone", p)))
        .bind(consent_at)
        .execute(&mut *conn)
        .await?;
    }
    for (held_at, place, participants, record) in &c.sessions {
        sqlx::query(
            "INSERT INTO mediation_sessions (matter_id, held_at, place, participants, record, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $2)",
        )
        .bind(matter_id)
        .bind(held_at)
        .bind(place)
        .bind(participants)
        .bind(record)
        .bind(&c.recorded_by)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(a) = &c.agreement {
        sqlx::query(
            "INSERT INTO agreements (matter_id, number, facts, points, responsibilities, mediator, drafted_at, signed_at, \
             judicial_confirmation_due_at, judicial_confirmation, judicial_confirmation_at, reminded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(matter_id)
        .bind(&a.number)
        .bind(&a.facts)
        .bind(&a.points)
        .bind(&a.responsibilities)
        .bind(&a.mediator)
        .bind(a.drafted_at)
        .bind(a.signed_at)
        .bind(a.signed_at.map(judicial_confirmation_due))
        .bind(&a.judicial_confirmation)
        .bind(a.signed_at.filter(|_| a.judicial_confirmation != "none").map(|t| t + 5 * DAY_MS))
        .bind(a.signed_at.map(|t| judicial_confirmation_due(t) - 7 * DAY_MS))
        .execute(&mut *conn)
        .await?;
        for (i, (obligor, content, manner, due, performed)) in a.terms.iter().enumerate() {
            sqlx::query(
                "INSERT INTO agreement_terms (matter_id, seq, obligor, content, manner, due_at, performed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(matter_id)
            .bind(i as i64 + 1)
            .bind(obligor)
            .bind(content)
            .bind(manner)
            .bind(due)
            .bind(performed)
            .execute(&mut *conn)
            .await?;
        }
    }
    for (due, done) in &c.follow_ups {
        let (at, outcome, r) = match done {
            Some((at, outcome, r)) => (Some(*at), outcome.as_str(), Some(*r)),
            None => (None, "", None),
        };
        sqlx::query(
            "INSERT INTO follow_ups (matter_id, due_at, done_at, done_by, outcome, recurred, attitude, speed, firmness, warmth) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9)",
        )
        .bind(matter_id)
        .bind(due)
        .bind(at)
        .bind(at.map(|_| c.recorded_by.clone()))
        .bind(outcome)
        .bind(r.map(|x| x[0]))
        .bind(r.map(|x| x[1]))
        .bind(r.map(|x| x[2]))
        .bind(r.map(|x| x[3]))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Another matter, briefly (for history and duplicate lists).
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct MatterBrief {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub narrative: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub created_at: i64,
}

impl Store {
    /// Where a matter is (lat, lon), if known.
    pub async fn matter_point(&self, matter_id: i64) -> StoreResult<Option<(f64, f64)>> {
        let p: Option<(Option<f64>, Option<f64>)> = sqlx::query_as("SELECT lat, lon FROM matters WHERE id = $1")
            .bind(matter_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(p.and_then(|(a, b)| Some((a?, b?))))
    }

    /// Other matters sharing a party with this one (same ID number, or same name and
    /// phone), newest first: the case file's history and the risk score's facts.
    pub async fn party_history(&self, matter_id: i64) -> StoreResult<Vec<MatterBrief>> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT m.id, m.code, m.kind, m.category, m.status, m.narrative, m.lat, m.lon, m.created_at FROM matter_parties p \
             JOIN matter_parties q ON q.matter_id <> p.matter_id AND ( \
                 (p.id_number_hash IS NOT NULL AND q.id_number_hash = p.id_number_hash) \
                 OR (p.phone_hash IS NOT NULL AND q.phone_hash = p.phone_hash AND q.name = p.name)) \
             JOIN matters m ON m.id = q.matter_id WHERE p.matter_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT 50",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Candidates for "the same matter reported twice": same kind and category, open,
    /// within `days` of it and inside a box of `deg` degrees around it (the caller measures
    /// the real distance).
    pub async fn duplicate_candidates(&self, matter_id: i64, days: i64, deg: f64) -> StoreResult<Vec<MatterBrief>> {
        let me: Option<MatterBrief> = sqlx::query_as(
            "SELECT id, code, kind, category, status, narrative, lat, lon, created_at FROM matters WHERE id = $1",
        )
        .bind(matter_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(MatterBrief { kind, category, lat: Some(lat), lon: Some(lon), created_at: at, .. }) = me else {
            return Ok(vec![]);
        };
        Ok(sqlx::query_as(
            "SELECT m.id, m.code, m.kind, m.category, m.status, m.narrative, m.lat, m.lon, m.created_at FROM matters m \
             WHERE m.id <> $1 AND m.kind = $2 AND m.category = $3 AND m.status <> 'closed' \
             AND m.created_at BETWEEN $4 AND $5 AND m.lat BETWEEN $6 AND $7 AND m.lon BETWEEN $8 AND $9 \
             AND NOT EXISTS (SELECT 1 FROM matter_links l WHERE l.kind = 'duplicate' AND \
                 ((l.from_matter_id = m.id AND l.to_matter_id = $1) OR (l.from_matter_id = $1 AND l.to_matter_id = m.id))) \
             ORDER BY m.created_at LIMIT 20",
        )
        .bind(matter_id)
        .bind(kind)
        .bind(category)
        .bind(at - days * DAY_MS)
        .bind(at + days * DAY_MS)
        .bind(lat - deg)
        .bind(lat + deg)
        .bind(lon - deg)
        .bind(lon + deg)
        .fetch_all(&self.read)
        .await?)
    }

    /// Record that `duplicate` repeats `kept` (the caller withdraws the duplicate).
    pub async fn link_duplicate(&self, ctx: &AuditCtx, kept: i64, duplicate: i64, code: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO matter_links (from_matter_id, to_matter_id, kind, created_at) VALUES ($1, $2, 'duplicate', $3) ON CONFLICT DO NOTHING",
        )
        .bind(kept)
        .bind(duplicate)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("matter.merge", "matter", code, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(())
    }
}
