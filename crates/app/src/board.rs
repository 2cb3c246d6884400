//! The command room's live board (issue 11, item 1): a snapshot of the open matters and the
//! alarms and open instructions of the viewer's jurisdiction, which the board then keeps current from the live
//! feed ([`crate::feed`]). A snapshot row and a feed event carry the same fields, so the
//! board applies both the same way.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::policy::Action;
use fengqiao_store::mediation::AlertRow;
use serde::Serialize;

/// How many open matters a snapshot carries at most (a station has a few hundred).
pub const SNAPSHOT_MAX: i64 = 2000;
/// How many open instructions a snapshot carries at most.
pub const INSTRUCTIONS_MAX: i64 = 500;

/// A matter as the board shows it; the feed's events carry the same fields.
#[derive(Debug, Clone, Serialize)]
pub struct BoardMatter {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub closure: Option<String>,
    pub tier: Option<String>,
    pub risk: String,
    pub score: i64,
    pub resolve_due_at: Option<i64>,
    pub created_at: i64,
    /// The first 60 characters of the narrative.
    pub summary: String,
    pub grid_code: String,
    pub grid_name: String,
    /// Where it is, when known (a pin on the board's map).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The board as it stands: the last event already reflected (a board follows the feed from
/// there), the open matters (most urgent first), how many there are, and open alerts.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub last_event_id: i64,
    pub matters: Vec<BoardMatter>,
    pub open_total: i64,
    pub alerts: Vec<AlertRow>,
    /// Open instructions to people and units of the jurisdiction, nearest deadline first.
    pub instructions: Vec<crate::instructions::InstructionRow>,
    /// Every key camera (the board works out coverage as time passes) and every camera not
    /// online (offline or at fault: alarms), for a viewer who may see cameras.
    pub cameras: Vec<crate::video::CameraRow>,
}

/// How many cameras a snapshot carries at most.
const CAMERAS_MAX: i64 = 5_000;

/// What a board looks at: the viewer's whole jurisdiction, one unit of it (a community, a
/// police grid, a grid), or one combat zone (作战区, a unit of its own to which communities
/// are assigned, not above them): the unit paths whose events the board shows.
pub async fn scope(app: &App, actor: &Actor, unit: Option<&str>) -> Result<Vec<String>> {
    actor.authorize(app, Action::ViewBoard, actor.jurisdiction(), ("board", "view")).await?;
    let Some(code) = unit.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(vec![actor.jurisdiction().0.clone()]);
    };
    let u = match app.store.unit_by_code(code).await {
        Ok(u) => u,
        Err(fengqiao_store::StoreError::NotFound) => return Err(Error::field("unit", format!("no unit \"{code}\""))),
        Err(e) => return Err(e.into()),
    };
    if u.kind == UnitKind::Zone {
        let communities = app.store.units_under(actor.jurisdiction(), Some(UnitKind::Community)).await?;
        let paths: Vec<String> =
            communities.into_iter().filter(|c| c.zone_id == Some(u.id)).map(|c| c.path.0).collect();
        if paths.is_empty() && !actor.can(Action::ViewBoard, &u.path) {
            return Err(Error::field("unit", "outside your jurisdiction"));
        }
        return Ok(paths);
    }
    if !actor.can(Action::ViewBoard, &u.path) {
        return Err(Error::field("unit", "outside your jurisdiction"));
    }
    Ok(vec![u.path.0])
}

/// The views a board offers its viewer: the combat zones and the communities of their
/// jurisdiction (code, name, kind).
pub async fn views(app: &App, actor: &Actor) -> Result<Vec<(String, String, UnitKind)>> {
    let mut out = vec![];
    for kind in [UnitKind::Zone, UnitKind::Community] {
        for u in app.store.units_under(actor.jurisdiction(), Some(kind)).await? {
            out.push((u.code, u.name, kind));
        }
    }
    Ok(out)
}

/// The board of `paths` (from [`scope`]) as it stands.
pub async fn snapshot(app: &App, actor: &Actor, paths: &[String], now: i64) -> Result<Snapshot> {
    actor.authorize(app, Action::ViewBoard, actor.jurisdiction(), ("board", "snapshot")).await?;
    // Read the last event first: whatever commits after it reaches the board by the feed.
    let last_event_id = app.store.outbox_last_id().await?;
    let (mut ids, mut open_total, mut alerts, mut instructions, mut cameras) = (vec![], 0, vec![], vec![], vec![]);
    for path in paths {
        let (some, total) = app.store.open_matter_ids_under(path, now, SNAPSHOT_MAX).await?;
        ids.extend(some);
        open_total += total;
        alerts.extend(app.store.alerts_under(path, false, 100).await?);
        let f = fengqiao_store::instructions::InstructionFilter {
            under: Some(path.clone()),
            open_only: true,
            limit: INSTRUCTIONS_MAX,
            ..Default::default()
        };
        instructions.extend(app.store.list_instructions(&f).await?.0);
        if actor.can(Action::ViewCameras, &fengqiao_domain::org::UnitPath(path.clone())) {
            cameras.extend(app.store.board_cameras(path, CAMERAS_MAX).await?);
        }
    }
    ids.truncate(SNAPSHOT_MAX as usize);
    let matters = app
        .store
        .matters_by_ids(&ids)
        .await?
        .into_iter()
        .map(|m| BoardMatter {
            closure: m.closure().map(|c| c.as_str().to_string()),
            code: m.code,
            kind: m.kind.as_str().to_string(),
            category: m.category,
            status: m.status.code().to_string(),
            tier: m.tier.map(|t| t.as_str().to_string()),
            risk: m.escalation_risk_level.as_str().to_string(),
            score: m.escalation_risk_score,
            resolve_due_at: m.resolve_due_at,
            created_at: m.created_at,
            summary: m.narrative.chars().take(60).collect(),
            grid_code: m.grid_code,
            grid_name: m.grid_name,
            lat: m.lat,
            lon: m.lon,
        })
        .collect();
    Ok(Snapshot { last_event_id, matters, open_total, alerts, instructions, cameras })
}
