//! Case work by size over the API: how a case is worked (solo, combined, cluster), who leads
//! and takes part, its parent and child cases; and the workload board of the case-handling
//! team and the combined battalions. The rules are in `fengqiao_app::operations`.

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_app::operations::{self as app, CaseSetup, PersonLoad, TeamLoad, ZoneLoad};
use fengqiao_domain::policy::Action;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationIn {
    /// solo (worked alone), combined (by combined units) or cluster.
    pub operation: String,
    /// The code of the unit leading it (a police unit of the caller's jurisdiction).
    pub lead_unit: String,
    /// The codes of the other units taking part: none when solo, at least one when combined,
    /// at least two for a cluster (at most 20).
    pub units: Option<Vec<String>>,
    /// The usernames of the people working it: at least one, at most 50.
    pub people: Vec<String>,
    /// The code of the parent case, if this is a child case (one level: a parent is not a
    /// child).
    pub parent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TakingOut {
    /// A unit's code or a person's username.
    pub code: String,
    pub name: String,
    /// The unit's kind, or the person's unit.
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChildOut {
    pub code: String,
    pub kind: String,
    pub status: String,
    pub operation: Option<String>,
    pub lead_unit_name: Option<String>,
}

/// How a case is worked.
#[derive(Serialize, ToSchema)]
pub struct OperationOut {
    /// solo, combined or cluster; absent when the matter is not set up as a case operation.
    pub operation: Option<String>,
    pub lead_unit: Option<TakingOut>,
    pub units: Vec<TakingOut>,
    pub people: Vec<TakingOut>,
    /// The parent case's code.
    pub parent: Option<String>,
    /// Its child cases, which roll up into it (it is closed only after them).
    pub children: Vec<ChildOut>,
    /// Child cases still open.
    pub children_open: i64,
}

fn taking(t: app::Taking) -> TakingOut {
    TakingOut { code: t.code, name: t.name, detail: t.detail }
}

fn out(s: CaseSetup) -> OperationOut {
    let children_open = s.children.iter().filter(|c| c.status != "closed").count() as i64;
    OperationOut {
        operation: s.operation,
        lead_unit: s.lead_unit.map(taking),
        units: s.units.into_iter().map(taking).collect(),
        people: s.people.into_iter().map(taking).collect(),
        parent: s.parent.map(|p| p.0),
        children: s
            .children
            .into_iter()
            .map(|c| ChildOut {
                code: c.code,
                kind: c.kind,
                status: c.status,
                operation: c.operation,
                lead_unit_name: c.lead_unit_name,
            })
            .collect(),
        children_open,
    }
}

/// How a matter is worked as a case.
#[utoipa::path(get, path = "/matters/{code}/operation", tag = "cases", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = OperationOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<OperationOut>> {
    let m = fengqiao_app::casework::load(&state, &actor, &code, Action::ViewMatters).await?;
    Ok(Json(out(app::setup(&state, m.id).await?)))
}

/// Set how a case is worked (replacing what was set): the command room's decision.
#[utoipa::path(put, path = "/matters/{code}/operation", tag = "cases", params(("code" = String, Path)), request_body = OperationIn, security(("bearer" = [])),
    responses((status = 200, body = OperationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(i): ApiJson<OperationIn>,
) -> AppResult<Json<OperationOut>> {
    let input = app::OperationIn {
        operation: i.operation,
        lead_unit: i.lead_unit,
        units: i.units.unwrap_or_default(),
        people: i.people,
        parent: i.parent.unwrap_or_default(),
    };
    app::set(&state, &actor, &code, &input).await?;
    let m = fengqiao_app::casework::load(&state, &actor, &code, Action::ViewMatters).await?;
    Ok(Json(out(app::setup(&state, m.id).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct TeamLoadOut {
    pub code: String,
    pub name: String,
    /// case_team or battalion.
    pub kind: String,
    /// The combat zone a battalion serves.
    pub zone: Option<String>,
    /// Open cases it leads, by operation.
    pub solo: i64,
    pub combined: i64,
    pub cluster: i64,
    /// Open cases of others it takes part in.
    pub supporting: i64,
    /// Cases it led closed in the last 30 days.
    pub closed_30d: i64,
    pub members: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonLoadOut {
    pub username: String,
    pub name: String,
    pub unit: String,
    pub open_cases: i64,
    /// Of which worked by combined units or a cluster.
    pub joint: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ZoneLoadOut {
    pub code: String,
    pub name: String,
    pub solo: i64,
    pub combined: i64,
    pub cluster: i64,
    /// Open matters of the zone not set up as a case operation.
    pub unassigned: i64,
}

/// The workload board: the case-handling team and the combined battalions, their people,
/// and open matters by combat zone.
#[derive(Serialize, ToSchema)]
pub struct WorkloadOut {
    pub teams: Vec<TeamLoadOut>,
    pub people: Vec<PersonLoadOut>,
    pub zones: Vec<ZoneLoadOut>,
}

/// The workload board of the caller's jurisdiction.
#[utoipa::path(get, path = "/case-workload", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = WorkloadOut), (status = 403, body = ErrorBody)))]
pub async fn workload(State(state): State<AppState>, actor: Actor) -> AppResult<Json<WorkloadOut>> {
    let (teams, people, zones) = app::workload(&state, &actor).await?;
    Ok(Json(WorkloadOut {
        teams: teams.into_iter().map(team_out).collect(),
        people: people.into_iter().map(person_out).collect(),
        zones: zones.into_iter().map(zone_out).collect(),
    }))
}

fn team_out(t: TeamLoad) -> TeamLoadOut {
    TeamLoadOut {
        code: t.code,
        name: t.name,
        kind: t.kind,
        zone: t.zone_name,
        solo: t.solo,
        combined: t.combined,
        cluster: t.cluster,
        supporting: t.supporting,
        closed_30d: t.closed_recently,
        members: t.members,
    }
}

fn person_out(p: PersonLoad) -> PersonLoadOut {
    PersonLoadOut { username: p.username, name: p.name, unit: p.unit_name, open_cases: p.open_cases, joint: p.joint }
}

fn zone_out(z: ZoneLoad) -> ZoneLoadOut {
    ZoneLoadOut {
        code: z.code,
        name: z.name,
        solo: z.solo,
        combined: z.combined,
        cluster: z.cluster,
        unassigned: z.unassigned,
    }
}
