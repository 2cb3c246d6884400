//! The escalation-risk score of a matter, its factors and its early-warning alerts.

use super::*;

impl Store {
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

    /// How many alerts under `path` nobody has acknowledged.
    pub async fn count_open_alerts_under(&self, path: &str) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM escalation_alerts a JOIN matters m ON m.id = a.matter_id JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND a.acknowledged_at IS NULL",
        )
        .bind(format!("{path}%"))
        .fetch_one(&self.read)
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
        let extra = serde_json::json!({ "alert_id": alert_id });
        crate::outbox::matter_event(&mut tx, "matter.alert_acknowledged", &code, extra, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }
}
