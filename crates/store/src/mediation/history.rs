//! Past casework written by the demo generator, and other matters of the same parties or
//! place (history and likely duplicates).

use super::*;

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
    /// The case plan: its goal and steps (description, due at, done at).
    pub plan: Option<PastPlan>,
    /// Mediators of the centre assigned to the case (user ids), from the plan.
    pub mediators: Vec<i64>,
}

/// A case plan: its goal and steps (description, due at, done at).
pub type PastPlan = (String, Vec<(String, i64, Option<i64>)>);

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
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO matter_parties (matter_id, role, name, phone_hash, consent, consent_at, created_at) \
             VALUES ($1, $2, $3, $4, 'given', $5, $5) RETURNING id",
        )
        .bind(matter_id)
        .bind(role)
        .bind(name)
        .bind(phone.as_ref().map(|p| crypto.lookup_hash("phone", p)))
        .bind(consent_at)
        .fetch_one(&mut *conn)
        .await?;
        if let Some(p) = phone {
            sqlx::query("UPDATE matter_parties SET phone_enc = $1 WHERE id = $2")
                .bind(crypto.seal_at("matter_parties.phone_enc", &id.to_string(), p))
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
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
    if let Some((goal, steps)) = &c.plan {
        let at = steps.first().map_or(0, |s| s.1 - 2 * DAY_MS);
        sqlx::query("INSERT INTO case_plans (matter_id, goal, updated_by, updated_at) VALUES ($1, $2, $3, $4)")
            .bind(matter_id)
            .bind(goal)
            .bind(&c.recorded_by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        for (i, (description, due, done)) in steps.iter().enumerate() {
            sqlx::query(
                "INSERT INTO case_plan_steps (matter_id, seq, description, due_at, done_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(matter_id)
            .bind(i as i64 + 1)
            .bind(description)
            .bind(due)
            .bind(done)
            .execute(&mut *conn)
            .await?;
        }
        for user in &c.mediators {
            sqlx::query("INSERT INTO matter_mediators (matter_id, user_id, assigned_at) VALUES ($1, $2, $3)")
                .bind(matter_id)
                .bind(user)
                .bind(at)
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
    /// The path of its grid (who may see it).
    pub grid_path: String,
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
            "SELECT DISTINCT m.id, m.code, m.kind, m.category, m.status, m.narrative, m.lat, m.lon, m.created_at, g.path AS grid_path \
             FROM matter_parties p \
             JOIN matter_parties q ON q.matter_id <> p.matter_id AND ( \
                 (p.id_number_hash IS NOT NULL AND q.id_number_hash = p.id_number_hash) \
                 OR (p.phone_hash IS NOT NULL AND q.phone_hash = p.phone_hash AND q.name = p.name)) \
             JOIN matters m ON m.id = q.matter_id JOIN units g ON g.id = m.grid_id WHERE p.matter_id = $1 \
             ORDER BY m.created_at DESC, m.id DESC LIMIT 50",
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
            "SELECT m.id, m.code, m.kind, m.category, m.status, m.narrative, m.lat, m.lon, m.created_at, g.path AS grid_path \
             FROM matters m JOIN units g ON g.id = m.grid_id WHERE m.id = $1",
        )
        .bind(matter_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(MatterBrief { kind, category, lat: Some(lat), lon: Some(lon), created_at: at, .. }) = me else {
            return Ok(vec![]);
        };
        Ok(sqlx::query_as(
            "SELECT m.id, m.code, m.kind, m.category, m.status, m.narrative, m.lat, m.lon, m.created_at, g.path AS grid_path \
             FROM matters m JOIN units g ON g.id = m.grid_id WHERE m.id <> $1 AND m.kind = $2 AND m.category = $3 AND m.status <> 'closed' \
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
