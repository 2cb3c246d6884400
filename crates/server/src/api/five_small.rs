//! "Five small" policing counted over the API (五小警务): per person or per grid over a
//! period. The rules are in `fengqiao_app::five_small`.

use super::{ApiQuery, bounded_offset};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_app::five_small::{self as app, By};
use fengqiao_domain::five_small::Counts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiveSmallQuery {
    /// person (who closed the matter or made the visit; the default) or grid.
    pub by: Option<String>,
    /// The first day counted, YYYY-MM-DD (China time); the first of this month by default.
    pub from: Option<String>,
    /// The last day counted (included); today by default. At most 366 days from `from`.
    pub to: Option<String>,
    /// A unit's code: its area (the caller's jurisdiction by default).
    pub unit: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
    /// 0–1,000,000.
    pub offset: Option<i64>,
}

/// The five, counted.
#[derive(Serialize, ToSchema)]
pub struct CountsOut {
    /// 办实事: residents' requests dealt with (or matters tagged so at intake).
    pub practical_help: i64,
    /// 破小案: incidents and tips dealt with.
    pub small_case: i64,
    /// 化小矛盾: disputes settled.
    pub small_conflict: i64,
    /// 除小患: hazards dealt with.
    pub small_hazard: i64,
    /// 小警务: household visits.
    pub small_policing: i64,
    pub total: i64,
}

fn counts(c: &Counts) -> CountsOut {
    CountsOut {
        practical_help: c.practical_help,
        small_case: c.small_case,
        small_conflict: c.small_conflict,
        small_hazard: c.small_hazard,
        small_policing: c.small_policing,
        total: c.total(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct FiveSmallRow {
    /// A username or a grid's code (empty for what the system recorded).
    pub key: String,
    pub name: String,
    /// The person's unit or the grid's community.
    pub unit: String,
    pub counts: CountsOut,
}

/// A period's counts, most work first.
#[derive(Serialize, ToSchema)]
pub struct FiveSmallOut {
    pub by: String,
    pub from: String,
    pub to: String,
    pub totals: CountsOut,
    /// Rows in all.
    pub total_rows: i64,
    pub rows: Vec<FiveSmallRow>,
}

fn day(s: Option<&str>, field: &str) -> Result<Option<chrono::NaiveDate>, AppError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::field(field, "a day as YYYY-MM-DD")),
    }
}

/// "Five small" policing counted per person or per grid over a period.
#[utoipa::path(get, path = "/five-small", tag = "statistics", params(FiveSmallQuery), security(("bearer" = [])),
    responses((status = 200, body = FiveSmallOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tally(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<FiveSmallQuery>,
) -> AppResult<Json<FiveSmallOut>> {
    let by = By::parse(q.by.as_deref().unwrap_or("")).ok_or_else(|| AppError::field("by", "person or grid"))?;
    let (first, today) = app::this_month(&state);
    let from = day(q.from.as_deref(), "from")?.unwrap_or(first);
    let to = day(q.to.as_deref(), "to")?.unwrap_or(today);
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 500"));
    }
    let offset = bounded_offset(q.offset)?;
    let t = app::tally(&state, &actor, q.unit.as_deref().unwrap_or(""), by, from, to).await?;
    Ok(Json(FiveSmallOut {
        by: by.as_str().into(),
        from: t.from.format("%Y-%m-%d").to_string(),
        to: t.to.format("%Y-%m-%d").to_string(),
        totals: counts(&t.totals),
        total_rows: t.rows.len() as i64,
        rows: t
            .rows
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|r| FiveSmallRow {
                key: r.key.clone(),
                name: r.name.clone(),
                unit: r.unit_name.clone(),
                counts: counts(&r.counts),
            })
            .collect(),
    }))
}
