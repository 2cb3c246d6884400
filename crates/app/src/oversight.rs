//! What the jurisdiction's overseers look at: early-warning alerts (民转刑), matters at yellow
//! risk or above, the supervision lists (督办), and the organisation's figures. Reads only, each
//! authorised on the actor's jurisdiction.

use crate::{Actor, App, Result};
use fengqiao_domain::policy::Action;

pub use fengqiao_store::mediation::{AlertRow, DueRow, RiskyRow, Supervision};
pub use fengqiao_store::org::KindCount;

async fn authorize_matters(app: &App, actor: &Actor, what: &str) -> Result<String> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewMatters, &home, (what, &actor.user.unit_code)).await?;
    Ok(home.0)
}

/// Open (unacknowledged) alerts in the jurisdiction, newest first, at most `limit` (1–500).
pub async fn alerts(app: &App, actor: &Actor, limit: i64) -> Result<Vec<AlertRow>> {
    let home = authorize_matters(app, actor, "alerts").await?;
    Ok(app.store.alerts_under(&home, false, limit.clamp(1, 500)).await?)
}

/// Open matters at yellow risk or above, the riskiest first, at most `limit` (1–500).
pub async fn risky(app: &App, actor: &Actor, limit: i64) -> Result<Vec<RiskyRow>> {
    let home = authorize_matters(app, actor, "alerts").await?;
    Ok(app.store.risky_under(&home, limit.clamp(1, 500)).await?)
}

/// The supervision lists of the jurisdiction as of now.
pub async fn supervision(app: &App, actor: &Actor) -> Result<Supervision> {
    let home = authorize_matters(app, actor, "supervision").await?;
    Ok(app.store.supervision_under(&home, fengqiao_store::now_ms()).await?)
}

/// The organisation's figures of a jurisdiction, computed from data: units by kind, staff,
/// volunteers by kind (the organisation page shows them; they are not work).
#[derive(Debug, Clone)]
pub struct OrgFigures {
    /// Units by kind, in the order of the organisation tree.
    pub units: Vec<KindCount>,
    pub staff: i64,
    /// Volunteers by kind.
    pub volunteers: Vec<(String, i64)>,
}

/// The figures of the actor's own jurisdiction (whoever may see the organisation).
pub async fn org_figures(app: &App, actor: &Actor) -> Result<OrgFigures> {
    let path = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewOrg, &path, ("unit", &actor.user.unit_code)).await?;
    let mut units = app.store.count_units_by_kind(&path).await?;
    units.sort_by_key(|k| fengqiao_domain::org::UnitKind::ALL.iter().position(|x| *x == k.kind));
    Ok(OrgFigures {
        units,
        staff: app.store.count_users_under(&path).await?,
        volunteers: app.store.count_volunteers_by_kind(&path).await?,
    })
}
