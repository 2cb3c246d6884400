//! The command room's live board over the API (issue 11, item 1): a snapshot, then the live
//! feed as server-sent events. Both only of the caller's jurisdiction.

use super::ApiQuery;
use super::casework::AlertOut;
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use crate::present::now_ms;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use fengqiao_app::board::BoardMatter;
use fengqiao_app::feed::FeedItem;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// How long one event stream lasts: the browser reconnects by itself (with the last id it
/// saw), and so is asked again who it is — a session ended elsewhere stops the feed.
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

#[derive(Serialize, ToSchema)]
pub struct BoardMatterOut {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub closure: Option<String>,
    pub tier: Option<String>,
    /// none, yellow, orange or red.
    pub risk: String,
    pub score: i64,
    /// Milliseconds since the epoch (as in the feed's events).
    pub resolve_due_at: Option<i64>,
    pub created_at: i64,
    pub summary: String,
    pub grid_code: String,
    pub grid_name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl From<BoardMatter> for BoardMatterOut {
    fn from(m: BoardMatter) -> Self {
        Self {
            code: m.code,
            kind: m.kind,
            category: m.category,
            status: m.status,
            closure: m.closure,
            tier: m.tier,
            risk: m.risk,
            score: m.score,
            resolve_due_at: m.resolve_due_at,
            created_at: m.created_at,
            summary: m.summary,
            grid_code: m.grid_code,
            grid_name: m.grid_name,
            lat: m.lat,
            lon: m.lon,
        }
    }
}

/// An open instruction as the board shows it; the feed's `instruction` events carry the
/// same fields. Times in milliseconds since the epoch; the board colours it from its
/// deadlines as time passes.
#[derive(Serialize, ToSchema)]
pub struct BoardInstructionOut {
    pub code: String,
    pub title: String,
    /// normal, urgent or critical.
    pub priority: String,
    /// sent, delivered, acknowledged or reported.
    pub status: String,
    pub matter_code: Option<String>,
    /// The issuer's name.
    pub issuer: String,
    pub recipient_unit_code: String,
    pub recipient_unit_name: String,
    /// The person instructed; absent when the unit as a whole is.
    pub recipient_name: Option<String>,
    pub issued_at: i64,
    pub ack_due_at: i64,
    pub report_due_at: i64,
    pub acknowledged_at: Option<i64>,
    pub escalated_at: Option<i64>,
}

impl From<fengqiao_app::instructions::InstructionRow> for BoardInstructionOut {
    fn from(r: fengqiao_app::instructions::InstructionRow) -> Self {
        Self {
            code: r.code,
            title: r.title,
            priority: r.priority,
            status: r.status,
            matter_code: r.matter_code,
            issuer: r.issuer_name,
            recipient_unit_code: r.recipient_unit_code,
            recipient_unit_name: r.recipient_unit_name,
            recipient_name: r.recipient_name,
            issued_at: r.issued_at,
            ack_due_at: r.ack_due_at,
            report_due_at: r.report_due_at,
            acknowledged_at: r.acknowledged_at,
            escalated_at: r.escalated_at,
        }
    }
}

/// A camera the board follows: a key camera (for coverage) or one not online (an alarm).
#[derive(Serialize, ToSchema)]
pub struct BoardCameraOut {
    pub device_id: String,
    pub name: String,
    pub category: String,
    /// key or ordinary.
    pub tier: String,
    /// online, offline or fault.
    pub status: String,
    pub grid_name: String,
    /// When its next look is due (ms); a key camera online past it is not covered.
    pub due_at: i64,
    pub lat: f64,
    pub lon: f64,
}

impl From<fengqiao_app::video::CameraRow> for BoardCameraOut {
    fn from(c: fengqiao_app::video::CameraRow) -> Self {
        Self {
            device_id: c.device_id,
            name: c.name,
            category: c.category,
            tier: c.tier,
            status: c.status,
            grid_name: c.grid_name,
            due_at: c.due_at,
            lat: c.lat,
            lon: c.lon,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BoardOut {
    /// Follow the feed from here: `GET /board/events?after=…`.
    pub last_event_id: i64,
    /// How many matters are open in all (the list stops at 2,000, most urgent first).
    pub open_total: i64,
    pub matters: Vec<BoardMatterOut>,
    /// Early-warning alerts nobody has acknowledged.
    pub alerts: Vec<AlertOut>,
    /// Open instructions (at most 500), nearest deadline first.
    pub instructions: Vec<BoardInstructionOut>,
    /// Key cameras and cameras not online (empty for a viewer who may not see cameras).
    pub cameras: Vec<BoardCameraOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// A view of part of the jurisdiction: a unit's code (a community, a police grid, a
    /// grid) or a combat zone's (the communities assigned to it). The whole jurisdiction
    /// when absent.
    pub unit: Option<String>,
}

/// The board as it stands: open matters, open alerts and open instructions of the caller's
/// jurisdiction (or of the view asked for).
#[utoipa::path(get, path = "/board", tag = "command", params(BoardQuery), security(("bearer" = [])),
    responses((status = 200, body = BoardOut), (status = 403, body = ErrorBody)))]
pub async fn snapshot(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<BoardQuery>,
) -> AppResult<Json<BoardOut>> {
    let paths = fengqiao_app::board::scope(&state, &actor, q.unit.as_deref()).await?;
    let s = fengqiao_app::board::snapshot(&state, &actor, &paths, now_ms()).await?;
    Ok(Json(BoardOut {
        last_event_id: s.last_event_id,
        open_total: s.open_total,
        matters: s.matters.into_iter().map(Into::into).collect(),
        alerts: s.alerts.into_iter().map(AlertOut::from).collect(),
        instructions: s.instructions.into_iter().map(Into::into).collect(),
        cameras: s.cameras.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The last event id the board has (the snapshot's `last_event_id`); the
    /// `Last-Event-ID` header of a reconnecting browser takes precedence.
    pub after: Option<i64>,
    /// The view, as for the snapshot.
    pub unit: Option<String>,
}

/// The live feed: server-sent events, one per committed change in the caller's
/// jurisdiction. Events named `matter` (`matter.created`, `matter.step`, `matter.urged`,
/// `matter.escalation_alert`, `matter.alert_acknowledged`) carry the matter as it now stands
/// (the fields of a snapshot row); events named `instruction` (`instruction.issued`,
/// `instruction.step`, `instruction.escalated`) the instruction as it now stands; events named
/// `camera` (`camera.status`, `camera.looked`, `camera.fault`, `camera.repaired`) the camera
/// (the fields of a snapshot camera). Each
/// event's `id` is its feed id; its `data` also has `topic` and the change's own fields. A `reset` event asks the board to load the snapshot again (it fell behind). The
/// stream ends after five minutes; browsers reconnect by themselves with `Last-Event-ID`.
#[utoipa::path(get, path = "/board/events", tag = "command", operation_id = "board_events",
    params(EventsQuery), security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> AppResult<Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>>> {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(q.after);
    let paths = fengqiao_app::board::scope(&state, &actor, q.unit.as_deref()).await?;
    let sub = fengqiao_app::feed::subscribe(&state, &actor, paths, last).await?;
    let until = tokio::time::Instant::now() + STREAM_LIFETIME;
    let stream = futures_util::stream::unfold(sub, move |mut sub| async move {
        let item = tokio::time::timeout_at(until, sub.next()).await.ok().flatten()?;
        let event = match item {
            FeedItem::Reset => Event::default().event("reset").data("{}"),
            FeedItem::Event(e) => {
                let mut data: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
                if let Some(o) = data.as_object_mut() {
                    o.insert("topic".into(), e.topic.clone().into());
                }
                let name = fengqiao_app::feed::board_kind(&e.topic).unwrap_or("matter");
                Event::default().id(e.id.to_string()).event(name).data(data.to_string())
            }
        };
        Some((Ok(event), sub))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
