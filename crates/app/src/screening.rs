//! Screening rounds (排查): start a round over a unit of one's jurisdiction, record matters
//! with source `screening` while it is open (they are linked to it), finish it with the
//! households checked.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_store::StoreError;

pub use fengqiao_store::screening::RoundRow;

/// Screening rounds in the actor's jurisdiction, newest first (at most `limit`, 1–500).
pub async fn rounds(state: &App, actor: &Actor, limit: i64) -> Result<Vec<RoundRow>> {
    let home = actor.jurisdiction().clone();
    actor.authorize(state, Action::ViewMatters, &home, ("screening", &actor.user.unit_code)).await?;
    Ok(state.store.rounds_under(&home.0, limit.clamp(1, 500)).await?)
}

/// Start a round over `unit` (the actor's own unit when `None`); returns the round.
pub async fn start_round(state: &App, actor: &Actor, unit: Option<&str>) -> Result<RoundRow> {
    // Whether the role may start rounds at all, before anything is looked up: a caller who
    // may not learns nothing of which unit codes exist.
    let home = actor.jurisdiction().clone();
    actor.authorize(state, Action::RecordMatter, &home, ("unit", &actor.user.unit_code)).await?;
    let code = unit.map(str::trim).filter(|u| !u.is_empty()).unwrap_or(&actor.user.unit_code).to_string();
    let u = state.store.unit_by_code(&code).await.map_err(|e| match e {
        StoreError::NotFound => Error::field("unit", format!("no unit \"{code}\"")),
        e => e.into(),
    })?;
    actor.authorize(state, Action::RecordMatter, &u.path, ("unit", &u.code)).await?;
    let id =
        state.store.start_round(&actor.audit_ctx("screening round"), u.id.0, &u.code).await.map_err(|e| match e {
            StoreError::Conflict { .. } => Error::Conflict {
                field: Some("unit".into()),
                message: format!("you already have an open screening round over {code}; finish it first"),
            },
            e => e.into(),
        })?;
    Ok(state.store.round(id).await?)
}

/// Finish one's open round with the households checked; returns the round.
pub async fn finish_round(
    state: &App,
    actor: &Actor,
    id: i64,
    households: Option<i64>,
    note: &str,
) -> Result<RoundRow> {
    let mut errs = Vec::new();
    match households {
        Some(n) if (0..=100_000).contains(&n) => {}
        _ => errs.push(fengqiao_domain::FieldError::new(
            "households_checked",
            "how many households were checked (0–100000)",
        )),
    }
    if note.chars().count() > 1000 {
        errs.push(fengqiao_domain::FieldError::new("note", "at most 1000 characters"));
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let r = state.store.round(id).await?;
    if r.started_by != actor.user.username {
        actor
            .authorize(
                state,
                Action::HandleMatter,
                &UnitPath(r.unit_path.clone()),
                ("screening_round", &id.to_string()),
            )
            .await?;
    }
    state
        .store
        .finish_round(&actor.audit_ctx("screening round"), id, households.expect("checked"), note)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                Error::Conflict { field: None, message: "the round is already finished".into() }
            }
            e => e.into(),
        })?;
    Ok(state.store.round(id).await?)
}
