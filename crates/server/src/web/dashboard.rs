//! The dashboard: figures of the user's jurisdiction, computed from data.

use super::{WebActor, WebResult, page_ctx, render};
use crate::AppState;
use axum::extract::State;
use minijinja::context;

pub async fn page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let path = actor.jurisdiction().clone();
    let mut kinds = state.store.count_units_by_kind(&path).await?;
    kinds.sort_by_key(|k| fengqiao_domain::org::UnitKind::ALL.iter().position(|x| *x == k.kind));
    let kinds: Vec<_> = kinds.iter().map(|k| context! { kind => k.kind.as_str(), count => k.count }).collect();
    let staff = state.store.count_users_under(&path).await?;
    let volunteers: Vec<_> = state
        .store
        .count_volunteers_by_kind(&path)
        .await?
        .into_iter()
        .map(|(k, n)| context! { kind => k, count => n })
        .collect();
    // Open early-warning alerts come first for those who see matters (the command room,
    // the duty commander, the community police): the alert reaches them at once.
    let alerts = if actor.may(fengqiao_domain::policy::Action::ViewMatters) {
        state.store.alerts_under(&path.0, false, 20).await?
    } else {
        vec![]
    };
    let ctx = context! {
        kinds => kinds, staff => staff, volunteers => volunteers, alerts => alerts,
        ..page_ctx(&state, &actor, "dashboard")
    };
    Ok(render(&state, "dashboard.html", ctx))
}
