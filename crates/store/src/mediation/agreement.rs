//! The written agreement, its terms, judicial confirmation and its reminders; the facts the
//! workflow guards need.

use super::*;

/// An agreement whose window for judicial confirmation closes soon, reminded once.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Reminder {
    pub matter_code: String,
    pub agreement_number: String,
    pub due_at: i64,
}

impl Store {
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
    pub async fn judicial_confirmation_reminders(&self, now: i64, days: i64) -> StoreResult<Vec<Reminder>> {
        let rows: Vec<Reminder> = sqlx::query_as(
            "SELECT m.code AS matter_code, a.number AS agreement_number, a.judicial_confirmation_due_at AS due_at FROM agreements a JOIN matters m ON m.id = a.matter_id \
             WHERE a.judicial_confirmation = 'none' AND a.signed_at IS NOT NULL AND a.reminded_at IS NULL \
             AND a.judicial_confirmation_due_at >= $1 AND a.judicial_confirmation_due_at <= $2 ORDER BY a.judicial_confirmation_due_at",
        )
        .bind(now)
        .bind(now + days * DAY_MS)
        .fetch_all(&self.read)
        .await?;
        let mut reminded = Vec::with_capacity(rows.len());
        if !rows.is_empty() {
            let mut tx = self.begin().await?;
            for r in rows {
                // Once: only an agreement not reminded meanwhile is reminded now.
                let n = sqlx::query("UPDATE agreements SET reminded_at = $1 WHERE number = $2 AND reminded_at IS NULL")
                    .bind(now)
                    .bind(&r.agreement_number)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 1 {
                    let ev = AuditEvent::new("matter.agreement.reminder", "matter", &r.matter_code, Outcome::Success)
                        .detail(&r.agreement_number);
                    audit::append(&mut tx, &AuditCtx::system("scheduler", "judicial confirmation reminder"), &ev)
                        .await?;
                    reminded.push(r);
                }
            }
            tx.commit().await?;
        }
        Ok(reminded)
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
}
