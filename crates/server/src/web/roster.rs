//! The roster page (值班表): who is on duty now, the week's shifts by post, today's shifts
//! with attendance and swaps, the handovers; and the handover sheet with its signatures.
//! The rules are in `fengqiao_app::roster`.

use super::{Fields, FormPairs, WebActor, WebError, WebResult, error_message, field_errors, page_ctx, render_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::roster::{self as app, RosterRow};
use fengqiao_app::{Actor, Error};
use fengqiao_domain::roster::Post;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

const DAY: i64 = 24 * 3600 * 1000;

fn duty(r: &RosterRow) -> Value {
    context! {
        shift => r.shift_id, post => r.post.clone(), name => r.template_name.clone(), starts_at => r.starts_at,
        ends_at => r.ends_at, assignment => r.assignment_id, username => r.username.clone(),
        person => r.display_name.clone(), state => r.state.clone(), swapped_to => r.swapped_to.clone(),
    }
}

/// "12-04 周五" (or "12-04 Fri"): a day of the roster's columns.
fn day_label(lang: crate::i18n::Lang, day: i64) -> String {
    use chrono::Datelike;
    let t = chrono::DateTime::from_timestamp_millis(day + 8 * 3600 * 1000).unwrap_or_default();
    let w = t.weekday().num_days_from_monday() as usize;
    let name = match lang {
        crate::i18n::Lang::ZhCn => ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][w],
        crate::i18n::Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][w],
    };
    format!("{} {name}", t.format("%m-%d"))
}

#[derive(Deserialize, Default)]
pub struct RosterQuery {
    #[serde(default)]
    from: String,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    from: &str,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    // A date of the expected shape only; anything else shows this week.
    let from = Some(from.trim()).filter(|f| f.len() == 10 && fengqiao_domain::roster::day_start(f).is_some());
    let r = app::roster(state, actor, from, 7).await.map_err(|e| WebError(e.into(), lang))?;
    let handovers = app::handovers(state, actor).await.map_err(|e| WebError(e.into(), lang))?;
    let now = state.clock.now();
    // The duty day: the one the shift now under way began on.
    let today = fengqiao_domain::roster::day_of(r.on_duty.iter().map(|x| x.starts_at).min().unwrap_or(now));
    let days: Vec<i64> = (0..r.days).map(|d| r.from + d * DAY).collect();
    // The week as rows of templates and cells of days.
    let grid: Vec<Value> = r
        .templates
        .iter()
        .map(|t| {
            let cells: Vec<Value> = days
                .iter()
                .map(|d| {
                    let people: Vec<Value> = r
                        .rows
                        .iter()
                        .filter(|x| x.template_id == t.id && fengqiao_domain::roster::day_of(x.starts_at) == *d && x.assignment_id.is_some())
                        .map(|x| {
                            let mine = x.user_id == Some(actor.user.id.0);
                            context! { mine => mine, ..duty(x) }
                        })
                        .collect();
                    context! { day => *d, people => people, short => false }
                })
                .collect();
            context! {
                id => t.id, post => t.post.clone(), name => t.name.clone(), min => t.min_people, max => t.max_people,
                start => format!("{:02}:{:02}", t.start_minute / 60, t.start_minute % 60), hours => t.duration_minutes / 60,
                cells => cells,
            }
        })
        .collect();
    let todays: Vec<Value> = r
        .rows
        .iter()
        // The shifts under way and those starting within the next twelve hours.
        .filter(|x| x.assignment_id.is_some() && x.starts_at <= now + DAY / 2 && x.ends_at > now)
        .map(duty)
        .collect();
    let date = |ms: i64| crate::present::beijing_time(ms).get(..10).unwrap_or_default().to_string();
    let ctx = context! {
        on_duty => r.on_duty.iter().map(duty).collect::<Vec<_>>(), grid => grid,
        days => days.iter().map(|d| context! { label => day_label(lang, *d), today => *d == today }).collect::<Vec<_>>(),
        todays => todays, may_manage => r.may_manage,
        prev => date(r.from - 7 * DAY), next => date(r.from + 7 * DAY), this_week => date(today),
        handovers => handovers.iter().map(|h| context! {
            id => h.id, starts_at => h.starts_at, ends_at => h.ends_at, outgoing => h.outgoing.clone(),
            incoming => h.incoming.clone(), out_at => h.outgoing_signed_at, in_at => h.incoming_signed_at,
        }).collect::<Vec<_>>(),
        posts => Post::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        templates => r.templates.iter().map(|t| context! { id => t.id, name => t.name.clone(), post => t.post.clone() }).collect::<Vec<_>>(),
        default_from => date(today), errors => errors,
        ..page_ctx(state, actor, "roster")
    };
    Ok(render_status(state, status, "roster.html", ctx))
}

pub async fn show(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<RosterQuery>) -> WebResult {
    page(&state, &actor, &q.from, HashMap::new(), StatusCode::OK).await
}

/// After a form: back to the roster, or the roster again with the errors.
async fn done(state: &AppState, actor: &Actor, r: Result<(), Error>, rename: &[(&str, &str)]) -> WebResult {
    let lang = actor.lang;
    match r {
        Ok(()) => Ok(Redirect::to("/roster").into_response()),
        Err(Error::Invalid(fields)) => {
            page(state, actor, "", field_errors(lang, &fields, rename), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e @ Error::Conflict { .. }) => {
            page(state, actor, "", super::page_error(lang, e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

pub async fn create_template(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    axum::Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let hours = f.int("hours").unwrap_or(0);
    let input = app::TemplateIn {
        post: f.get("post").into(),
        name: f.get("name").into(),
        start: f.get("start").into(),
        duration_minutes: hours.clamp(0, 100) * 60,
        min_people: f.int("min_people").unwrap_or(0),
        max_people: f.int("max_people").unwrap_or(0),
    };
    let r = app::create_template(&state, &actor, &input).await.map(|_| ());
    done(
        &state,
        &actor,
        r,
        &[
            ("name", "t_name"),
            ("start", "t_start"),
            ("duration_minutes", "t_hours"),
            ("min_people", "t_min"),
            ("max_people", "t_max"),
            ("post", "t_post"),
        ],
    )
    .await
}

pub async fn rotate(State(state): State<AppState>, WebActor(actor): WebActor, axum::Form(f): FormPairs) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let people: Vec<String> = f
        .get("people")
        .split([',', '，', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    let input = app::RotationIn {
        template: f.int("template").unwrap_or(0),
        people,
        from: f.get("from").into(),
        days: f.int("days").unwrap_or(0),
        per_shift: f.int("per_shift"),
    };
    let r = app::rotate(&state, &actor, &input).await.map(|_| ());
    done(
        &state,
        &actor,
        r,
        &[
            ("people[", "r_people"),
            ("people", "r_people"),
            ("from", "r_from"),
            ("days", "r_days"),
            ("per_shift", "r_per_shift"),
        ],
    )
    .await
}

pub async fn set_state(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = app::set_state(&state, &actor, id, f.get("state"), f.get("note")).await;
    done(&state, &actor, r, &[("state", "_page"), ("note", "_page")]).await
}

pub async fn swap(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = app::swap(&state, &actor, id, f.get("with")).await.map(|_| ());
    done(&state, &actor, r, &[("with", "_page")]).await
}

pub async fn prepare(State(state): State<AppState>, WebActor(actor): WebActor, axum::Form(f): FormPairs) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    match app::prepare_handover(&state, &actor, f.get("note")).await {
        Ok(id) => Ok(Redirect::to(&format!("/handovers/{id}")).into_response()),
        Err(e) => done(&state, &actor, Err(e), &[("note", "_page")]).await,
    }
}

async fn sheet_page(state: &AppState, actor: &Actor, id: i64, error: Option<String>, status: StatusCode) -> WebResult {
    let lang = actor.lang;
    let v = app::handover(state, actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    let r = &v.row;
    let ctx = context! {
        h => context! {
            id => r.id, starts_at => r.starts_at, ends_at => r.ends_at, note => r.note.clone(),
            prepared_by => r.prepared_by.clone(), prepared_at => r.prepared_at, outgoing => r.outgoing.clone(),
            out_at => r.outgoing_signed_at, incoming => r.incoming.clone(), in_at => r.incoming_signed_at,
        },
        s => Value::from_serialize(&v.sheet),
        may_sign_out => v.may_sign_out, may_sign_in => v.may_sign_in, error => error,
        ..page_ctx(state, actor, "roster")
    };
    Ok(render_status(state, status, "handover.html", ctx))
}

pub async fn handover(State(state): State<AppState>, WebActor(actor): WebActor, Path(id): Path<i64>) -> WebResult {
    sheet_page(&state, &actor, id, None, StatusCode::OK).await
}

pub async fn sign(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    match app::sign(&state, &actor, id).await {
        Ok(()) => Ok(Redirect::to(&format!("/handovers/{id}")).into_response()),
        Err(e @ Error::Conflict { .. }) => {
            let m = error_message(lang, &e.into());
            sheet_page(&state, &actor, id, Some(m), StatusCode::CONFLICT).await
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}
