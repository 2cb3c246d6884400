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
use fengqiao_app::registry::HouseholdRow;
use fengqiao_app::resident;
use minijinja::{Value, context};
use serde::Deserialize;

const CSRF_COOKIE: &str = "fq_q_csrf";

/// The URL a household's QR code encodes: under [`fengqiao_app::App::public_base`], never
/// the request's `Host`. Without a known public address no code is printed: a code pointing
/// at the wrong host would send residents elsewhere for years.
fn qr_url(state: &AppState, token: &str) -> Result<String, AppError> {
    match state.public_base() {
        Some(base) => Ok(format!("{base}/q/{token}")),
        None => Err(AppError::Conflict {
            field: Some("public_url".into()),
            message: "set public_url (the address residents reach this site at) before printing QR codes".into(),
        }),
    }
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

async fn household_for(state: &AppState, token: &str, client: &str, lang: Lang) -> Result<HouseholdRow, Response> {
    if !state.qr_limiter.allow(client) {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            "请求过于频繁，请稍后再试。Too many requests; try again in a minute.",
        )
            .into_response());
    }
    match resident::household(state, token).await {
        Ok(Some(h)) => Ok(h),
        Ok(None) => Err(not_current(state, token, lang).await),
        Err(e) => Err(WebError(e.into(), lang).into_response()),
    }
}

/// A code that opens no household, on the residents' own page: a replaced code says so and
/// whom to ask for the new one (410); any other says the code is not valid (404). Both
/// say what to do in an emergency.
async fn not_current(state: &AppState, token: &str, lang: Lang) -> Response {
    let replaced = match resident::replaced(state, token).await {
        Ok(r) => r,
        Err(e) => return WebError(e.into(), lang).into_response(),
    };
    let status = if replaced.is_some() { StatusCode::GONE } else { StatusCode::NOT_FOUND };
    let ctx = match replaced {
        Some(r) => context! {
            lang => lang.code(), replaced => true, grid_name => r.grid_name, officer => r.officer, worker => r.worker,
        },
        None => context! { lang => lang.code(), replaced => false },
    };
    let mut resp = render_status(state, status, "resident_gone.html", ctx);
    resp.headers_mut().insert(header::REFERRER_POLICY, "no-referrer".parse().expect("valid header"));
    resp
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
    let p = match resident::page(state, h).await {
        Ok(p) => p,
        Err(e) => return WebError(e.into(), lang).into_response(),
    };
    let ctx = context! {
        lang => lang.code(),
        csrf => csrf,
        token => token,
        address => h.address.clone(),
        grid_name => p.grid_name,
        officer => p.officer,
        worker => p.worker,
        matters => p.matters,
        kinds => resident::KINDS,
        notice => notice,
        error => error,
    };
    let mut resp = render_status(state, status, "resident.html", ctx);
    let cookie = auth::cookie_for(&state.settings, CSRF_COOKIE, csrf, "/q", "Strict", 7200);
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
    let h = match household_for(&state, &token, &client, crate::i18n::lang_from_headers(&headers)).await {
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

/// The residents' page again with an error: field errors in the page's language, each
/// message once.
async fn again(state: &AppState, h: &HouseholdRow, token: &str, lang: Lang, e: fengqiao_app::Error) -> Response {
    let csrf = fengqiao_app::accounts::random_token();
    let (message, status) = match e {
        fengqiao_app::Error::Invalid(fields) => {
            let mut messages: Vec<String> = vec![];
            for f in &fields {
                let m = crate::i18n_fields::field_message(lang, f);
                if !messages.contains(&m) {
                    messages.push(m);
                }
            }
            (messages.join(&i18n::t(lang, "p_semi")), StatusCode::UNPROCESSABLE_ENTITY)
        }
        fengqiao_app::Error::Limited(_) => (i18n::t(lang, "qr_err_too_many"), StatusCode::TOO_MANY_REQUESTS),
        fengqiao_app::Error::Conflict { message, .. } if message.contains("once it is closed") => {
            (i18n::t(lang, "qr_err_not_closed"), StatusCode::CONFLICT)
        }
        fengqiao_app::Error::Conflict { .. } => (i18n::t(lang, "qr_err_rated_once"), StatusCode::CONFLICT),
        fengqiao_app::Error::NotFound => return super::not_found_page(lang),
        e => return WebError(e.into(), lang).into_response(),
    };
    page_for(state, h, token, lang, &csrf, None, Some(message), status).await
}

pub async fn submit_matter(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    Form(f): Form<MatterForm>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let h = match household_for(&state, &token, &client, crate::i18n::lang_from_headers(&headers)).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    if !csrf_ok(&headers, &f.csrf) {
        let csrf = fengqiao_app::accounts::random_token();
        let error = Some(i18n::t(lang, "csrf_expired"));
        return page_for(&state, &h, &token, lang, &csrf, None, error, StatusCode::FORBIDDEN).await;
    }
    let r = resident::ReportIn { kind: f.kind, narrative: f.narrative, name: f.name, phone: f.phone };
    match resident::report(&state, &client, &h, &r).await {
        Ok(code) => Redirect::to(&format!("/q/{token}?submitted={code}")).into_response(),
        Err(e) => again(&state, &h, &token, lang, e).await,
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
    let h = match household_for(&state, &token, &client, crate::i18n::lang_from_headers(&headers)).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    if !csrf_ok(&headers, &f.csrf) {
        let csrf = fengqiao_app::accounts::random_token();
        let error = Some(i18n::t(lang, "qr_err_rating"));
        return page_for(&state, &h, &token, lang, &csrf, None, error, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let r = resident::RatingIn {
        attitude: f.attitude,
        speed: f.speed,
        firmness: f.firmness,
        warmth: f.warmth,
        comment: f.comment,
    };
    match resident::rate(&state, &client, &h, &code, &r).await {
        Ok(()) => Redirect::to(&format!("/q/{token}?rated={code}")).into_response(),
        Err(e) => again(&state, &h, &token, lang, e).await,
    }
}

// ---- staff side -------------------------------------------------------------------------

pub async fn qr_image(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(file): Path<(String, String)>,
) -> WebResult {
    let (code, format) = file;
    if !matches!(format.as_str(), "qr.svg" | "qr.png") {
        return Err(WebError(AppError::NotFound, actor.lang));
    }
    let (_, token) = fengqiao_app::registry::qr_token(&state, &actor, &code, &format)
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let url = qr_url(&state, &token).map_err(|e| WebError(e, actor.lang))?;
    if format == "qr.svg" {
        Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], qr_svg(&url, 240)?)
            .into_response())
    } else {
        Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], qr_png(&url, 8)?)
            .into_response())
    }
}

#[derive(Deserialize)]
pub struct ReissueForm {
    #[serde(default)]
    csrf: String,
    /// The old code stops working at once: the page asks for a tick first.
    #[serde(default)]
    confirm: String,
}

/// Issue a new code, revoking the old one.
pub async fn reissue(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): Form<ReissueForm>,
) -> WebResult {
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), actor.lang))?;
    if f.confirm != "1" {
        let e = fengqiao_domain::FieldError::new("confirm", "confirm that the old code stops working");
        return Err(WebError(AppError::Validation(vec![e]), actor.lang));
    }
    let h =
        fengqiao_app::registry::reissue_qr(&state, &actor, &code).await.map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(Redirect::to(&format!("/households/{}", h.code)).into_response())
}

/// A printable sheet of the QR codes of the households of a building within reach.
pub async fn building_sheet(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
) -> WebResult {
    let lang = actor.lang;
    let sheet = fengqiao_app::registry::qr_sheet(&state, &actor, &code).await.map_err(|e| WebError(e.into(), lang))?;
    let mut cards = vec![];
    for (h, token) in &sheet.cards {
        let url = qr_url(&state, token).map_err(|e| WebError(e, lang))?;
        let svg = qr_svg(&url, 160)?;
        cards.push(context! { code => h.code.clone(), address => h.address.clone(), svg => Value::from_safe_string(svg), url => url });
    }
    let ctx = context! {
        building => sheet.building_name, building_code => code, cards => cards, left_off => sheet.left_off,
        ..page_ctx(&state, &actor, "registry")
    };
    Ok(render(&state, "qr_sheet.html", ctx))
}

/// The resident-page address of a household, for staff who may print its code.
pub fn household_qr_url(state: &AppState, token: Option<&str>) -> Option<String> {
    token.and_then(|t| qr_url(state, t).ok())
}
