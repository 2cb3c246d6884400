//! One code per household (一户一码). The QR code opens `/q/{token}`: a page for the
//! household's residents, without login, showing who answers for their grid, taking a
//! matter (request, dispute, hazard), showing the status of what they reported and asking
//! for a rating on the four degrees. The token is long and random, stored sealed with a
//! keyed hash; reissuing it revokes the old one. Unknown or revoked tokens get the same
//! plain 404 as any missing page. Requests are rate-limited per client address.
//!
//! Staff side: the household's QR as SVG or PNG, reissue, and a printable sheet per building.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use crate::auth::{self, ClientAddr};
use crate::error::AppError;
use crate::i18n::{self, Lang};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_domain::Phone;
use fengqiao_domain::policy::Action;
use fengqiao_store::audit::{AuditCtx, AuditEvent, Outcome};
use fengqiao_store::registry::HouseholdRow;
use minijinja::{Value, context};
use serde::Deserialize;

const CSRF_COOKIE: &str = "fq_q_csrf";
pub const QR_KINDS: &[&str] = &["request", "dispute", "hazard"];

/// The URL a household's QR code encodes.
fn qr_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let base = if state.settings.public_url.is_empty() {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        format!("http://{host}")
    } else {
        state.settings.public_url.trim_end_matches('/').to_string()
    };
    format!("{base}/q/{token}")
}

pub fn qr_svg(data: &str, size: u32) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("qr: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(size, size).quiet_zone(true).build())
}

pub fn qr_png(data: &str, scale: u32) -> Result<Vec<u8>, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("qr: {e}")))?;
    let width = code.width() as u32;
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (side * side) as usize];
    for y in 0..width {
        for x in 0..width {
            if colors[(y * width + x) as usize] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = ((y + quiet) * scale + dy) * side;
                    let start = (row + (x + quiet) * scale) as usize;
                    pixels[start..start + scale as usize].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| AppError::Internal(anyhow::anyhow!("png: {e}")))?;
        w.write_image_data(&pixels).map_err(|e| AppError::Internal(anyhow::anyhow!("png: {e}")))?;
    }
    Ok(out)
}

// ---- the residents' page ---------------------------------------------------------------

fn resident_ctx(client: &str) -> AuditCtx {
    AuditCtx {
        actor_id: None,
        actor: "resident".into(),
        roles: "resident".into(),
        client_addr: client.into(),
        purpose: "household QR".into(),
    }
}

async fn household_for(state: &AppState, token: &str, client: &str) -> Result<HouseholdRow, Response> {
    if !state.qr_limiter.allow(client) {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            "请求过于频繁，请稍后再试。Too many requests; try again in a minute.",
        )
            .into_response());
    }
    // Tokens are 43 characters of base64url; anything else cannot be one.
    let plausible = token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match if plausible { state.store.household_by_qr(token).await } else { Ok(None) } {
        Ok(Some(h)) => Ok(h),
        Ok(None) => Err(super::not_found_page()),
        Err(e) => Err(WebError(e.into(), Lang::ZhCn).into_response()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn page_for(
    state: &AppState,
    h: &HouseholdRow,
    token: &str,
    lang: Lang,
    csrf: &str,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let contacts = async {
        let routes = state.store.grid_routes().await?;
        let route = routes.into_iter().find(|r| r.grid.code == h.grid_code);
        let contact = |s: &fengqiao_store::routing::StaffRef| {
            let phone = s.phone_enc.as_ref().and_then(|e| state.store.crypto.open(e).ok());
            context! { name => s.name.clone(), phone => phone }
        };
        Ok::<_, fengqiao_store::StoreError>((
            route.as_ref().and_then(|r| r.officer.as_ref()).map(contact),
            route.as_ref().and_then(|r| r.worker.as_ref()).map(contact),
            route.map(|r| r.grid.name).unwrap_or_default(),
        ))
    }
    .await;
    let matters = state.store.matters_of_household(h.id, 20).await;
    let (Ok((officer, worker, grid_name)), Ok(matters)) = (contacts, matters) else {
        return WebError(AppError::Internal(anyhow::anyhow!("loading the residents' page failed")), lang)
            .into_response();
    };
    let ctx = context! {
        lang => lang.code(),
        csrf => csrf,
        token => token,
        address => h.address.clone(),
        grid_name => grid_name,
        officer => officer,
        worker => worker,
        matters => matters,
        kinds => QR_KINDS,
        notice => notice,
        error => error,
    };
    let mut resp = render_status(state, status, "resident.html", ctx);
    let cookie = format!("{CSRF_COOKIE}={csrf}; Path=/q; HttpOnly; SameSite=Strict; Max-Age=7200");
    resp.headers_mut().append(header::SET_COOKIE, cookie.parse().expect("valid header"));
    resp.headers_mut().insert(header::CACHE_CONTROL, "no-store".parse().expect("valid header"));
    resp.headers_mut().insert(header::REFERRER_POLICY, "no-referrer".parse().expect("valid header"));
    resp
}

#[derive(Deserialize)]
pub struct Done {
    submitted: Option<String>,
    rated: Option<String>,
}

pub async fn resident_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Response {
    let h = match household_for(&state, &token, &client).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let lang = crate::i18n::lang_from_headers(&headers);
    let csrf =
        auth::cookie(&headers, CSRF_COOKIE).map(str::to_string).unwrap_or_else(fengqiao_app::accounts::random_token);
    let clean = |c: &str| c.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(20).collect::<String>();
    let notice = match (done.submitted, done.rated) {
        (Some(c), _) => Some(format!("{} {}", i18n::t(lang, "qr_submitted"), clean(&c))),
        (_, Some(c)) => Some(format!("{} {}", i18n::t(lang, "qr_rated"), clean(&c))),
        _ => None,
    };
    page_for(&state, &h, &token, lang, &csrf, notice, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct MatterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    !submitted.is_empty() && auth::cookie(headers, CSRF_COOKIE) == Some(submitted)
}

pub async fn submit_matter(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    Form(f): Form<MatterForm>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let h = match household_for(&state, &token, &client).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let again = |error: String, status| {
        let csrf = fengqiao_app::accounts::random_token();
        let state = state.clone();
        let h = h.clone();
        let token = token.clone();
        async move { page_for(&state, &h, &token, lang, &csrf, None, Some(error), status).await }
    };
    if !csrf_ok(&headers, &f.csrf) {
        return again(i18n::t(lang, "csrf_expired"), StatusCode::FORBIDDEN).await;
    }
    let narrative = f.narrative.trim();
    let mut problems = vec![];
    if !QR_KINDS.contains(&f.kind.as_str()) {
        problems.push(i18n::t(lang, "qr_err_kind"));
    }
    use fengqiao_domain::matter::{NARRATIVE_MIN_CHARS, RESIDENT_NARRATIVE_MAX_CHARS};
    if !(NARRATIVE_MIN_CHARS..=RESIDENT_NARRATIVE_MAX_CHARS).contains(&narrative.chars().count()) {
        problems.push(i18n::t(lang, "qr_err_narrative"));
    }
    let phone = match f.phone.trim() {
        "" => None,
        p => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                problems.push(i18n::t(lang, "qr_err_phone"));
                None
            }
        },
    };
    if f.name.chars().count() > 32 {
        problems.push(i18n::t(lang, "qr_err_name"));
    }
    if !problems.is_empty() {
        return again(problems.join("；"), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let day_ago = fengqiao_store::now_ms() - 86_400_000;
    match state.store.count_matters_of_household_since(h.id, day_ago).await {
        Ok(n) if n >= state.settings.qr_matters_per_day => {
            return again(i18n::t(lang, "qr_err_too_many"), StatusCode::TOO_MANY_REQUESTS).await;
        }
        Ok(_) => {}
        Err(e) => return WebError(e.into(), lang).into_response(),
    }
    let grid_id = match state.store.unit_by_code(&h.grid_code).await {
        Ok(g) => g.id.0,
        Err(e) => return WebError(e.into(), lang).into_response(),
    };
    let intake = fengqiao_app::intake::Intake {
        kind: fengqiao_domain::matter::MatterKind::parse(&f.kind).expect("checked above"),
        category: state
            .taxonomy
            .get(fengqiao_domain::matter::Category::Other.as_str())
            .cloned()
            .expect("the built-in category other"),
        priority: fengqiao_domain::matter::Priority::Normal,
        narrative: narrative.to_string(),
        source: fengqiao_domain::matter::Source::HouseholdQr,
        reporter_name: Some(f.name.trim().to_string()).filter(|n| !n.is_empty()),
        reporter_phone: phone,
        difficulty: fengqiao_domain::matter::Difficulty::Ordinary,
        five_small: None,
    };
    let m = fengqiao_app::intake::new_matter(&state.settings, intake, grid_id, Some(h.id), Some(h.lat), Some(h.lon));
    match fengqiao_app::intake::record(&state, &resident_ctx(&client), &m).await {
        Ok(code) => Redirect::to(&format!("/q/{token}?submitted={code}")).into_response(),
        Err(e) => WebError(e.into(), lang).into_response(),
    }
}

#[derive(Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    attitude: String,
    #[serde(default)]
    speed: String,
    #[serde(default)]
    firmness: String,
    #[serde(default)]
    warmth: String,
    #[serde(default)]
    comment: String,
}

pub async fn rate(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Path((token, code)): Path<(String, String)>,
    Form(f): Form<RatingForm>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let h = match household_for(&state, &token, &client).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let score = |s: &str| s.trim().parse::<i64>().ok().filter(|v| (1..=5).contains(v));
    let scores = [score(&f.attitude), score(&f.speed), score(&f.firmness), score(&f.warmth)];
    if !csrf_ok(&headers, &f.csrf) || scores.iter().any(Option::is_none) || f.comment.chars().count() > 200 {
        let csrf = fengqiao_app::accounts::random_token();
        return page_for(
            &state,
            &h,
            &token,
            lang,
            &csrf,
            None,
            Some(i18n::t(lang, "qr_err_rating")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let scores = scores.map(|s| s.expect("checked"));
    match state.store.rate_matter(&resident_ctx(&client), h.id, &code, scores, f.comment.trim()).await {
        Ok(()) => Redirect::to(&format!("/q/{token}?rated={code}")).into_response(),
        Err(fengqiao_store::StoreError::NotFound) => super::not_found_page(),
        Err(e) => WebError(e.into(), lang).into_response(),
    }
}

// ---- staff side -------------------------------------------------------------------------

async fn staff_household(state: &AppState, actor: &auth::Actor, code: &str, action: Action) -> WebResult<HouseholdRow> {
    let lang = actor.lang;
    let h = state.store.household_by_code(code).await.map_err(|e| WebError(e.into(), lang))?;
    let path = fengqiao_domain::org::UnitPath(h.grid_path.clone());
    actor.authorize(state, action, &path, ("household", &h.code)).await.map_err(|e| WebError(e.into(), lang))?;
    Ok(h)
}

fn token_of(state: &AppState, h: &HouseholdRow) -> Option<String> {
    h.qr_token_enc.as_ref().and_then(|e| state.store.crypto.open(e).ok())
}

pub async fn qr_image(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebActor(actor): WebActor,
    Path(file): Path<(String, String)>,
) -> WebResult {
    let (code, format) = file;
    let h = staff_household(&state, &actor, &code, Action::ViewRegistry).await?;
    let Some(token) = token_of(&state, &h) else { return Err(WebError(AppError::NotFound, actor.lang)) };
    let url = qr_url(&state, &headers, &token);
    let ev = AuditEvent::new("household.qr.read", "household", &h.code, Outcome::Success).detail(&format);
    state.store.audit(&actor.audit_ctx("print household QR"), &ev).await?;
    match format.as_str() {
        "qr.svg" => {
            Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], qr_svg(&url, 240)?)
                .into_response())
        }
        "qr.png" => Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], qr_png(&url, 8)?)
            .into_response()),
        _ => Err(WebError(AppError::NotFound, actor.lang)),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Issue a new code, revoking the old one.
pub async fn reissue(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> WebResult {
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), actor.lang))?;
    let h =
        fengqiao_app::registry::reissue_qr(&state, &actor, &code).await.map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(Redirect::to(&format!("/households/{}", h.code)).into_response())
}

/// A printable sheet of the QR codes of every household in a building.
pub async fn building_sheet(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
) -> WebResult {
    let lang = actor.lang;
    let households = state.store.households_of_building(&code).await?;
    let Some(first) = households.first() else { return Err(WebError(AppError::NotFound, lang)) };
    let path = fengqiao_domain::org::UnitPath(first.grid_path.clone());
    actor
        .authorize(&state, Action::ViewRegistry, &path, ("building", &code))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let mut cards = vec![];
    for h in &households {
        if let Some(token) = token_of(&state, h) {
            let svg = qr_svg(&qr_url(&state, &headers, &token), 160)?;
            cards.push(context! { code => h.code.clone(), address => h.address.clone(), svg => Value::from_safe_string(svg), url => qr_url(&state, &headers, &token) });
        }
    }
    let ev = AuditEvent::new("building.qr_sheet", "building", &code, Outcome::Success)
        .detail(format!("{} codes", cards.len()));
    state.store.audit(&actor.audit_ctx("print QR sheet"), &ev).await?;
    let ctx = context! { building => first.building_name.clone(), building_code => code, cards => cards, ..page_ctx(&state, &actor, "registry") };
    Ok(render(&state, "qr_sheet.html", ctx))
}

/// The resident-page address of a household, for staff who may print its code.
pub fn household_qr_url(state: &AppState, headers: &HeaderMap, h: &HouseholdRow) -> Option<String> {
    token_of(state, h).map(|t| qr_url(state, headers, &t))
}
