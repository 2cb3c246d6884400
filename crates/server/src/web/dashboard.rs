//! The dashboard: figures of the user's jurisdiction, computed from data.

use super::{WebActor, WebError, WebResult, page_ctx, render};
use crate::AppState;
use axum::extract::State;
use minijinja::context;

pub async fn page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let d = fengqiao_app::oversight::dashboard(&state, &actor).await.map_err(|e| WebError(e.into(), actor.lang))?;
    let kinds: Vec<_> = d.units.iter().map(|k| context! { kind => k.kind.as_str(), count => k.count }).collect();
    let volunteers: Vec<_> = d.volunteers.into_iter().map(|(k, n)| context! { kind => k, count => n }).collect();
    // Open early-warning alerts come first for those who see matters (the command room,
    // the duty commander, the community police): the alert reaches them at once.
    let ctx = context! {
        kinds => kinds, staff => d.staff, volunteers => volunteers, alerts => d.alerts,
        ..page_ctx(&state, &actor, "dashboard")
    };
    Ok(render(&state, "dashboard.html", ctx))
}
