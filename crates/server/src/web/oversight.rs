//! The overseers' pages: early warning (民转刑预警) with its acknowledgements, the
//! supervision lists (督办) with urging, a mediator's own cases, and screening rounds (排查).

use super::{Fields, FormPairs, WebActor, WebError, WebResult, error_message, page_ctx, render, render_status};
use crate::AppState;
use crate::present::now_ms;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::casework;
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use serde::Deserialize;

/// 民转刑预警: open alerts to acknowledge, and the open matters at yellow or above.
pub async fn warning_page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let lang = actor.lang;
    let alerts = fengqiao_app::oversight::alerts(&state, &actor, 100).await.map_err(|e| WebError(e.into(), lang))?;
    let risky = fengqiao_app::oversight::risky(&state, &actor, 100).await.map_err(|e| WebError(e.into(), lang))?;
    let label = |f: &str| {
        fengqiao_domain::risk::Factor::parse(f)
            .map(|x| crate::present::vocab(lang, "rf", x.as_str(), x.label_zh()))
            .unwrap_or_default()
    };
    let ctx = context! {
        alerts => alerts,
        risky => risky.iter().map(|r| context! {
            code => r.code.clone(), kind => r.kind.clone(), status => r.status.clone(), grid_name => r.grid_name.clone(),
            score => r.escalation_risk_score, level => r.escalation_risk_level.clone(), factor => label(&r.factors),
            category => crate::present::category_label(&state, lang, &r.category), created_at => r.created_at,
        }).collect::<Vec<_>>(),
        can_handle => actor.may(Action::HandleMatter),
        ..page_ctx(&state, &actor, "warning")
    };
    Ok(render(&state, "warning.html", ctx))
}

pub async fn acknowledge(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    fengqiao_app::casework::acknowledge_alert(&state, &actor, id).await.map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(Redirect::to("/warning").into_response())
}

/// 督办: what is overdue or due soon in the jurisdiction, list by list.
#[derive(Deserialize)]
pub struct CasesQuery {
    #[serde(default)]
    closed: String,
}

/// A mediator's cases: those whose case plan names them, open first.
pub async fn my_cases(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<CasesQuery>,
) -> WebResult {
    let lang = actor.lang;
    let closed = q.closed == "1";
    let cases =
        fengqiao_app::workbench::my_cases(&state, &actor, closed).await.map_err(|e| WebError(e.into(), lang))?;
    let now = now_ms();
    let items: Vec<Value> =
        cases.iter().map(|(m, step)| super::dashboard::case_item(&state, lang, m, step.as_ref(), now)).collect();
    let ctx = context! { items => items, closed => closed, ..page_ctx(&state, &actor, "cases") };
    Ok(render(&state, "cases.html", ctx))
}

#[derive(Deserialize)]
pub struct SupervisionQuery {
    #[serde(default)]
    urged: String,
}

pub async fn supervision_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<SupervisionQuery>,
) -> WebResult {
    let lang = actor.lang;
    let s = fengqiao_app::oversight::supervision(&state, &actor).await.map_err(|e| WebError(e.into(), lang))?;
    let now = now_ms();
    // Whole days past the deadline (or, for what is due soon, until it).
    let days = |due: i64| -> String {
        let d = (now - due).div_euclid(86_400_000);
        match d {
            0 => crate::i18n::t(lang, "due_today"),
            d if d > 0 => crate::i18n::t(lang, "days_overdue").replace("{n}", &d.to_string()),
            d => crate::i18n::t(lang, "due_in_days").replace("{n}", &(-d).to_string()),
        }
    };
    let rows = |rows: &Vec<fengqiao_app::oversight::DueRow>| -> Vec<Value> {
        rows.iter()
            .map(|r| {
                context! {
                    days => days(r.due_at), late => r.due_at < now,
                    urged => (r.urged > 0).then(|| crate::i18n::t(lang, "urged_times").replace("{n}", &r.urged.to_string())),
                    ..Value::from_serialize(r)
                }
            })
            .collect()
    };
    // The desk's open slips of the jurisdiction, counted for the tab.
    let may_supervise = actor.may(Action::Supervise);
    let open_slips = if may_supervise {
        let scope = fengqiao_app::supervision::Scope::All;
        fengqiao_app::supervision::list(&state, &actor, scope, true, None, 1, 0)
            .await
            .map_err(|e| WebError(e.into(), lang))?
            .1
    } else {
        0
    };
    let lists = [
        ("sv_unacknowledged", &s.unacknowledged),
        ("sv_unresolved", &s.unresolved),
        ("sv_long_mediation", &s.long_mediation),
        ("sv_terms_overdue", &s.terms_overdue),
        ("sv_confirmation_due", &s.confirmation_due),
        ("sv_follow_ups_due", &s.follow_ups_due),
    ];
    let ctx = context! {
        lists => lists.iter().map(|(key, r)| context! { key => *key, rows => rows(r) }).collect::<Vec<_>>(),
        may_urge => actor.may(Action::UrgeMatter),
        may_supervise => may_supervise, open_slips => open_slips,
        // Only a matter code is echoed back (a crafted link cannot make the page say anything else).
        urged => Some(q.urged).filter(|c| !c.is_empty() && c.len() <= 24 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')),
        ..page_ctx(&state, &actor, "supervision")
    };
    Ok(render(&state, "supervision.html", ctx))
}

/// Urge a matter's handler from the supervision page; back to the list with a notice.
pub async fn urge(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    casework::urge(&state, &actor, &code, f.get("note")).await.map_err(|e| WebError(e.into(), actor.lang))?;
    let clean: String = code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(24).collect();
    Ok(Redirect::to(&format!("/supervision?urged={clean}")).into_response())
}

/// 排查: the caller's open rounds (to finish), starting a round, and past rounds with what
/// each found.
pub async fn screening_page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    screening_render(&state, &actor, None, axum::http::StatusCode::OK).await
}

async fn screening_render(
    state: &AppState,
    actor: &crate::auth::Actor,
    error: Option<String>,
    status: axum::http::StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let rounds = fengqiao_app::screening::rounds(state, actor, 100).await.map_err(|e| WebError(e.into(), lang))?;
    let mine: Vec<_> =
        rounds.iter().filter(|r| r.finished_at.is_none() && r.started_by == actor.user.username).cloned().collect();
    let who: Vec<String> = rounds.iter().map(|r| r.started_by.clone()).collect();
    let names = fengqiao_app::people::display_names(state, &who).await.map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! {
        names => names,
        rounds => rounds, mine => mine, error => error, unit => actor.user.unit_code.clone(),
        may_record => actor.may(Action::RecordMatter),
        ..page_ctx(state, actor, "screening")
    };
    Ok(render_status(state, status, "screening.html", ctx))
}

pub async fn screening_start(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    match fengqiao_app::screening::start_round(&state, &actor, f.opt("unit").as_deref())
        .await
        .map_err(crate::AppError::from)
    {
        Ok(_) => Ok(Redirect::to("/screening").into_response()),
        Err(e @ (crate::AppError::Validation(_) | crate::AppError::Conflict { .. })) => {
            let status = e.status();
            screening_render(&state, &actor, Some(error_message(actor.lang, &e)), status).await
        }
        Err(e) => Err(WebError(e, actor.lang)),
    }
}

pub async fn screening_finish(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    match fengqiao_app::screening::finish_round(&state, &actor, id, f.int("households_checked"), f.get("note"))
        .await
        .map_err(crate::AppError::from)
    {
        Ok(_) => Ok(Redirect::to("/screening").into_response()),
        Err(e @ (crate::AppError::Validation(_) | crate::AppError::Conflict { .. })) => {
            let status = e.status();
            screening_render(&state, &actor, Some(error_message(actor.lang, &e)), status).await
        }
        Err(e) => Err(WebError(e, actor.lang)),
    }
}

/// 指挥调度: the live board. The page is a frame; `static/board.js` fills it from the
/// snapshot and the live feed of the API, with the labels given here.
#[derive(Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    desk: String,
}

/// The five desks of the command room and the panels each looks at (the whole board when
/// none is chosen): dispatch sees everything; police–grid fusion the map, the instructions
/// to grids and the matters; duty supervision the alarms, the instructions and the matters
/// (what is late); internal affairs the counts, the latest news and the instructions; video
/// patrol the map, the alarms and the latest news.
const DESKS: &[(&str, &[&str])] = &[
    ("dispatch", &["map", "alarms", "recent", "instructions", "matters", "cameras"]),
    ("fusion", &["map", "instructions", "matters"]),
    ("supervision", &["alarms", "instructions", "matters"]),
    ("affairs", &["recent", "instructions"]),
    ("video", &["cameras", "alarms", "map", "recent"]),
];

pub async fn board_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<BoardQuery>,
) -> WebResult {
    let lang = actor.lang;
    let app: &fengqiao_app::App = &state;
    actor
        .authorize(app, Action::ViewBoard, actor.jurisdiction(), ("board", "page"))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    // The view: the whole jurisdiction, a combat zone or a community (a code the page offers).
    let views = fengqiao_app::board::views(app, &actor).await.map_err(|e| WebError(e.into(), lang))?;
    let unit = views.iter().find(|v| v.0 == q.unit).map(|v| v.0.clone()).unwrap_or_default();
    let (desk, panels) = DESKS
        .iter()
        .find(|(d, _)| *d == q.desk)
        .map(|(d, p)| (*d, p.to_vec()))
        .unwrap_or(("", vec!["map", "alarms", "recent", "instructions", "matters", "cameras"]));
    let t = |k: &str| crate::i18n::t(lang, k);
    let group = |prefix: &str, codes: &[&str]| -> serde_json::Map<String, serde_json::Value> {
        codes.iter().map(|c| (c.to_string(), t(&format!("{prefix}{c}")).into())).collect()
    };
    let statuses = [
        "registered",
        "accepted",
        "mediating",
        "agreement_reached",
        "mediation_failed",
        "performing",
        "in_progress",
        "closed",
    ];
    let topics: serde_json::Map<String, serde_json::Value> = [
        "matter.created",
        "matter.step",
        "matter.urged",
        "matter.escalation_alert",
        "matter.alert_acknowledged",
        "instruction.issued",
        "instruction.step",
        "instruction.escalated",
        "camera.status",
        "camera.looked",
        "camera.fault",
        "camera.repaired",
    ]
    .iter()
    .map(|c| (c.to_string(), t(&format!("topic_{}", c.replace('.', "_"))).into()))
    .collect();
    let categories: serde_json::Map<String, serde_json::Value> = state
        .taxonomy
        .all()
        .iter()
        .map(|c| (c.code.clone(), crate::present::category_label(&state, lang, &c.code).into()))
        .collect();
    let labels = serde_json::json!({
        "status": group("ms_", &statuses),
        "tier": group("tier_", &["grid", "community", "street"]),
        "kind": group("mk_", &["dispute", "hazard", "request", "incident", "tip"]),
        "risk": group("rl_", &["yellow", "orange", "red"]),
        "category": categories,
        "topic": topics,
        "istatus": group("is_", &["sent", "delivered", "acknowledged", "reported"]),
        "icolour": group("ic_", &["blue", "orange", "red"]),
        "priority": group("ip_", &["urgent", "critical"]),
        "cstatus": group("vcs_", &["online", "offline", "fault"]),
        "ccategory": group("vc_", &fengqiao_domain::video::CameraCategory::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
        "overdue": t("overdue"), "live": t("board_live"), "reconnecting": t("board_reconnecting"),
        "unacknowledged": t("board_ins_unacknowledged"), "escalated": t("ins_escalated"),
        "cam_all": t("board_cam_all"),
    });
    let ctx = context! {
        views => views.iter().map(|(code, name, kind)| context! { code => code.clone(), name => name.clone(), zone => *kind == fengqiao_domain::org::UnitKind::Zone }).collect::<Vec<_>>(),
        unit => unit,
        desks => DESKS.iter().map(|(d, _)| *d).collect::<Vec<_>>(), desk => desk, panels => panels,
        labels => labels.to_string(),
        tiles => state.settings.map_tile_url.clone(),
        attribution => state.settings.map_tile_attribution.clone(),
        ..page_ctx(&state, &actor, "board")
    };
    Ok(render(&state, "board.html", ctx))
}
