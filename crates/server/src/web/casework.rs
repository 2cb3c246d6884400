//! Casework forms on the matter page (parties, consent, case plan, sessions, agreement,
//! signing, judicial confirmation, terms carried out, follow-ups, merging, workflow
//! steps). Each posts to one application-layer use case; after a refusal the matter page
//! is shown again with what was typed kept and each error beside its field in the form
//! that was sent (a problem of no one field above the page).

use super::matters::detail_ctx;
use super::{Fields, FormPairs, WebActor, WebError, WebResult, error_message, render_status};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::casework::{self, AgreementIn, CasePlanIn, FollowUpIn, PartyIn, PlanStepIn, SessionIn, TermIn};
use minijinja::context;

pub async fn step(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    use fengqiao_domain::mediation::Route;
    let routes: Vec<Route> = [
        ("route_arbitration", Route::Arbitration),
        ("route_administrative", Route::Administrative),
        ("route_court", Route::Court),
    ]
    .into_iter()
    .filter_map(|(name, r)| f.on(name).then_some(r))
    .collect();
    let closure = f.opt("closure");
    let r = casework::apply_step(&state, &actor, &code, f.get("event"), closure.as_deref(), f.get("note"), &routes)
        .await
        .map(|_| ());
    done(&state, &actor, &code, r, Sent::new("step", "", f)).await
}

/// The form a refused post came from: its name on the page (with the record it is about,
/// where the page has one form per record), the section to return to, and what was typed.
struct Sent {
    form: &'static str,
    id: Option<i64>,
    anchor: &'static str,
    values: Fields,
}

impl Sent {
    fn new(form: &'static str, anchor: &'static str, values: Fields) -> Self {
        Sent { form, id: None, anchor, values }
    }
    fn about(mut self, id: i64) -> Self {
        self.id = Some(id);
        self
    }
}

/// Which errors each form shows beside its own inputs, as the use case names the fields
/// (a name ending in `[` stands for every numbered one, e.g. `steps[2].due_date`); the
/// rest of a refusal is said above the page. `matter.html` places exactly these.
const BESIDE: &[(&str, &[&str])] = &[
    ("step", &["closure", "routes", "note"]),
    ("party", &["role", "name", "id_number", "phone", "address"]),
    ("session", &["held_at", "place", "participants", "record"]),
    ("plan", &["goal", "approach", "mediators[", "steps["]),
    ("agreement", &["facts", "points", "responsibilities", "terms", "terms["]),
    ("sign", &["signed_at"]),
    ("follow_up", &["outcome", "rating", "attitude", "speed", "firmness", "warmth"]),
    ("schedule", &["due_date"]),
];

fn beside(form: &str, field: &str) -> bool {
    BESIDE
        .iter()
        .filter(|(f, _)| *f == form)
        .flat_map(|(_, names)| names.iter())
        .any(|n| if n.ends_with('[') { field.starts_with(n) } else { field == *n })
}

/// After a casework form: back to the section on success; on a refusal the page again,
/// with the sent form's values kept and each of its errors beside its field (which
/// field, why, in the page's language), the rest above the page.
async fn done(
    state: &AppState,
    actor: &crate::auth::Actor,
    code: &str,
    r: Result<(), impl Into<crate::AppError>>,
    sent: Sent,
) -> WebResult {
    let lang = actor.lang;
    let e = match r.map_err(Into::into) {
        Ok(()) if sent.anchor.is_empty() => return Ok(Redirect::to(&format!("/matters/{code}")).into_response()),
        Ok(()) => return Ok(Redirect::to(&format!("/matters/{code}#{}", sent.anchor)).into_response()),
        Err(e @ (crate::AppError::Validation(_) | crate::AppError::Conflict { .. })) => e,
        Err(e) => return Err(WebError(e, lang)),
    };
    let status = e.status();
    let (placed, above): (Vec<_>, Vec<_>) = match &e {
        crate::AppError::Validation(fields) => fields.iter().cloned().partition(|f| beside(sent.form, &f.field)),
        _ => (vec![], vec![]),
    };
    let errors = super::field_errors(lang, &placed, &[("mediators[", "mediators")]);
    let message = match &e {
        crate::AppError::Validation(_) if above.is_empty() => crate::i18n::t(lang, "form_has_errors"),
        crate::AppError::Validation(_) => error_message(lang, &crate::AppError::Validation(above)),
        e => error_message(lang, e),
    };
    let mut first = std::collections::BTreeMap::new();
    let mut all: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for (k, v) in &sent.values.0 {
        if k != "csrf" {
            first.entry(k.as_str()).or_insert(v.as_str());
            all.entry(k.as_str()).or_default().push(v.as_str());
        }
    }
    let sent_ctx = context! {
        form => sent.form, id => sent.id, anchor => sent.anchor, errors => errors, v => first, all => all,
    };
    let ctx = detail_ctx(state, actor, code, Some(message)).await?;
    Ok(render_status(state, status, "matter.html", context! { sent => sent_ctx, ..ctx }))
}

pub async fn party(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let p = PartyIn {
        role: f.get("role").into(),
        name: f.get("name").into(),
        id_number: f.opt("id_number"),
        phone: f.opt("phone"),
        address: f.opt("address"),
        vulnerable: f.on("vulnerable"),
    };
    let r = casework::add_party(&state, &actor, &code, &p).await.map(|_| ());
    done(&state, &actor, &code, r, Sent::new("party", "parties", f)).await
}

pub async fn consent(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path((code, id)): Path<(String, i64)>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = casework::set_consent(&state, &actor, &code, id, f.get("consent"), f.get("note")).await;
    done(&state, &actor, &code, r, Sent::new("consent", "parties", f).about(id)).await
}

pub async fn session(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let s = SessionIn {
        held_at: f.get("held_at").into(),
        place: f.get("place").into(),
        participants: f.get("participants").into(),
        record: f.get("record").into(),
    };
    let r = casework::add_session(&state, &actor, &code, &s).await.map(|_| ());
    done(&state, &actor, &code, r, Sent::new("session", "sessions", f)).await
}

pub async fn plan(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let descriptions = f.all("step_description");
    let dues = f.all("step_due");
    let p = CasePlanIn {
        goal: f.get("goal").into(),
        approach: f.opt("approach"),
        mediators: f.all("mediator"),
        steps: descriptions
            .iter()
            .zip(dues.iter().chain(std::iter::repeat(&String::new())))
            .map(|(d, due)| PlanStepIn { description: d.clone(), due_date: due.clone(), done: false })
            .collect(),
    };
    let r = casework::save_plan(&state, &actor, &code, &p).await;
    done(&state, &actor, &code, r, Sent::new("plan", "plan", f)).await
}

pub async fn agreement(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let col = |k: &str| f.all(k);
    let (ob, co, ma, du) = (col("term_obligor"), col("term_content"), col("term_manner"), col("term_due"));
    let terms = (0..ob.len())
        .map(|i| TermIn {
            obligor: ob[i].clone(),
            content: co.get(i).cloned().unwrap_or_default(),
            manner: ma.get(i).cloned().unwrap_or_default(),
            due_date: du.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    let a = AgreementIn {
        facts: f.get("facts").into(),
        points: f.get("points").into(),
        responsibilities: f.get("responsibilities").into(),
        terms,
    };
    let r = casework::save_agreement(&state, &actor, &code, &a).await.map(|_| ());
    done(&state, &actor, &code, r, Sent::new("agreement", "agreement", f)).await
}

pub async fn sign(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = casework::sign_agreement(&state, &actor, &code, f.opt("signed_at").as_deref()).await;
    done(&state, &actor, &code, r, Sent::new("sign", "agreement", f)).await
}

pub async fn judicial_confirmation(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = casework::set_judicial_confirmation(&state, &actor, &code, f.get("judicial_confirmation").trim()).await;
    done(&state, &actor, &code, r, Sent::new("confirmation", "agreement", f)).await
}

pub async fn performed(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path((code, seq)): Path<(String, i64)>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = casework::perform_term(&state, &actor, &code, seq, f.get("note")).await.map(|_| ());
    done(&state, &actor, &code, r, Sent::new("performed", "agreement", f).about(seq)).await
}

pub async fn follow_up(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path((code, id)): Path<(String, i64)>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let fu = FollowUpIn {
        outcome: f.get("outcome").into(),
        recurred: f.on("recurred"),
        attitude: f.int("attitude"),
        speed: f.int("speed"),
        firmness: f.int("firmness"),
        warmth: f.int("warmth"),
    };
    let r = casework::record_follow_up(&state, &actor, &code, id, &fu).await;
    done(&state, &actor, &code, r, Sent::new("follow_up", "follow-ups", f).about(id)).await
}

pub async fn schedule(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = casework::schedule_follow_up(&state, &actor, &code, f.get("due_date")).await.map(|_| ());
    done(&state, &actor, &code, r, Sent::new("schedule", "follow-ups", f)).await
}

pub async fn merge(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): FormPairs,
) -> WebResult {
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), actor.lang))?;
    let r = casework::merge(&state, &actor, &code, f.get("into").trim()).await;
    done(&state, &actor, &code, r, Sent::new("merge", "duplicates", f)).await
}
