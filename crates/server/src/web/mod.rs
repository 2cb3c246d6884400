//! The server-rendered web UI. Every page is HTML from a template; forms post back with a
//! CSRF token; no JavaScript is needed to use it.

mod account;
mod audit;
mod casework;
mod daily_posts;
mod dashboard;
mod five_small;
mod instructions;
mod matters;
mod notify;
mod operations;
mod org;
mod oversight;
mod people;
mod qr;
mod registry;
mod roster;
mod supervision;
pub mod templates;
mod video;

use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/static/app.css", get(css))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/static/map.js", get(map_js))
        .route("/static/capture.js", get(capture_js))
        .route("/static/print.js", get(print_js))
        .route("/static/board.js", get(board_js))
        .route("/static/vendor/leaflet/{*file}", get(leaflet))
        .route("/map", get(map_page))
        .route("/matters", get(matters::list))
        .route("/board", get(oversight::board_page))
        .route("/instructions", get(instructions::list))
        .route("/instructions/new", get(instructions::new_page).post(instructions::create))
        .route("/instructions/{code}", get(instructions::detail))
        .route("/instructions/{code}/steps", post(instructions::step))
        .route("/roster", get(roster::show))
        .route("/roster/templates", post(roster::create_template))
        .route("/roster/rotations", post(roster::rotate))
        .route("/roster/assignments/{id}/state", post(roster::set_state))
        .route("/roster/assignments/{id}/swap", post(roster::swap))
        .route("/handovers", post(roster::prepare))
        .route("/handovers/{id}", get(roster::handover))
        .route("/handovers/{id}/sign", post(roster::sign))
        .route("/video", get(video::summary))
        .route("/video/cameras", get(video::cameras))
        .route("/video/cameras/{device_id}", get(video::camera_detail))
        .route("/video/cameras/{device_id}/looks", post(video::look))
        .route("/video/cameras/{device_id}/status", post(video::set_status))
        .route("/video/plans", post(video::create_plan))
        .route("/video/plans/{id}/rounds", post(video::start_round))
        .route("/video/rounds/{id}", get(video::round))
        .route("/video/rounds/{id}/finish", post(video::finish_round))
        .route("/video/entries/{id}/matter", post(video::raise))
        .route("/video/repairs/{id}/fix", post(video::fix))
        .route(
            "/video/import",
            get(video::import_page)
                .post(video::import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route("/notifications", get(notify::show).post(notify::create))
        .route("/notifications/{id}/disable", post(notify::disable))
        .route("/a/{token}", get(instructions::link_page).post(instructions::link_submit))
        .route("/warning", get(oversight::warning_page))
        .route("/warning/{id}/acknowledge", post(oversight::acknowledge))
        .route("/supervision", get(oversight::supervision_page))
        .route("/supervision/slips", get(supervision::list))
        .route("/supervision/slips/new", get(supervision::new_page).post(supervision::create))
        .route("/supervision/slips/{code}", get(supervision::detail))
        .route("/supervision/slips/{code}/steps", post(supervision::step))
        .route("/supervision/spot-checks", get(supervision::checks).post(supervision::draw))
        .route("/supervision/spot-checks/{id}", get(supervision::check))
        .route("/supervision/spot-items/{id}", get(supervision::item))
        .route("/supervision/spot-items/{id}/review", post(supervision::review))
        .route("/supervision/spot-items/{id}/reply", post(supervision::reply))
        .route("/cases", get(oversight::my_cases))
        .route("/screening", get(oversight::screening_page).post(oversight::screening_start))
        .route("/screening/{id}/finish", post(oversight::screening_finish))
        .route(
            "/matters/new",
            get(matters::new_page)
                .post(matters::new_submit)
                .layer(axum::extract::DefaultBodyLimit::max(80 * 1024 * 1024)),
        )
        .route("/matters/{code}", get(matters::detail))
        .route("/matters/{code}/files/{id}", get(matters::file))
        .route("/matters/{code}/events", post(casework::step))
        .route("/matters/{code}/parties", post(casework::party))
        .route("/matters/{code}/merge", post(casework::merge))
        .route("/matters/{code}/urge", post(oversight::urge))
        .route("/matters/{code}/operation", post(operations::set))
        .route("/cases/workload", get(operations::workload))
        .route("/daily-posts", get(daily_posts::list).post(daily_posts::open))
        .route("/daily-posts/{id}", get(daily_posts::detail).post(daily_posts::change))
        .route("/five-small", get(five_small::page))
        .route("/matters/{code}/parties/{id}/consent", post(casework::consent))
        .route("/matters/{code}/sessions", post(casework::session))
        .route("/matters/{code}/plan", post(casework::plan))
        .route("/matters/{code}/agreement", get(matters::agreement_page).post(casework::agreement))
        .route("/matters/{code}/agreement.pdf", get(matters::agreement_pdf))
        .route("/matters/{code}/agreement/sign", post(casework::sign))
        .route("/matters/{code}/agreement/judicial-confirmation", post(casework::judicial_confirmation))
        .route("/matters/{code}/terms/{seq}/performed", post(casework::performed))
        .route("/matters/{code}/follow-ups", post(casework::schedule))
        .route("/matters/{code}/follow-ups/{id}", post(casework::follow_up))
        .route("/registry", get(registry::page))
        .route("/registry/organisations", get(registry::organisations))
        .route("/registry/export.xlsx", get(registry::export_xlsx))
        .route(
            "/registry/import",
            get(registry::import_page)
                .post(registry::import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/households/{code}", get(registry::household))
        .route("/households/{code}/reveal", post(registry::reveal))
        .route("/households/{code}/visits", post(registry::record_visit))
        .route("/households/{code}/qr", post(qr::reissue))
        .route("/households/{code}/{file}", get(qr::qr_image))
        .route("/buildings/{code}/qr-sheet", get(qr::building_sheet))
        .route("/q/{token}", get(qr::resident_page))
        .route("/q/{token}/matters", post(qr::submit_matter))
        .route("/q/{token}/ratings/{code}", post(qr::rate))
        .route("/lang/{code}", get(account::switch_lang))
        .route("/login", get(account::login_page).post(account::login_submit))
        .route("/login/totp", get(account::totp_page).post(account::totp_submit))
        .route("/login/reset", get(account::reset_page).post(account::reset_submit))
        .route("/logout", post(account::logout))
        .route("/account", get(account::account_page))
        .route("/account/password", post(account::change_password))
        .route("/account/totp", get(account::totp_setup_page).post(account::totp_setup_submit))
        .route("/account/totp/start", post(account::totp_setup_start))
        .route("/dashboard", get(dashboard::page))
        .route("/org", get(org::tree))
        .route("/org/{code}", get(org::unit_page).post(org::unit_update))
        .route("/org/{code}/children", post(org::unit_create_child))
        .route("/people", get(people::list).post(people::create))
        .route("/people/new", get(people::new_page))
        .route("/people/{id}", get(people::show).post(people::update))
        .route("/people/{id}/reveal", post(people::reveal))
        .route("/people/{id}/reset-code", post(people::issue_reset_code))
        .route("/people/{id}/roles", post(people::set_roles))
        .route("/people/{id}/unlock", post(people::unlock))
        .route("/people/{id}/totp-reset", post(people::reset_totp))
        .route("/volunteers", get(people::volunteers).post(people::create_volunteer))
        .route("/audit", get(audit::page))
        .route("/audit.csv", get(audit::export_csv))
        .layer(axum::middleware::from_fn(remember_path))
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}

async fn favicon() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../../static/favicon.svg"),
    )
}

async fn map_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/map.js"),
    )
}

async fn capture_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/capture.js"),
    )
}

async fn board_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/board.js"),
    )
}

async fn print_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/print.js"),
    )
}

/// Leaflet, vendored by `scripts/vendor-frontend` and embedded.
async fn leaflet(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (ctype, body): (&str, &'static [u8]) = match file.as_str() {
        "leaflet.js" => ("text/javascript; charset=utf-8", include_bytes!("../../static/vendor/leaflet/leaflet.js")),
        "leaflet.css" => ("text/css; charset=utf-8", include_bytes!("../../static/vendor/leaflet/leaflet.css")),
        "images/layers.png" => ("image/png", include_bytes!("../../static/vendor/leaflet/images/layers.png")),
        "images/layers-2x.png" => ("image/png", include_bytes!("../../static/vendor/leaflet/images/layers-2x.png")),
        "images/marker-icon.png" => ("image/png", include_bytes!("../../static/vendor/leaflet/images/marker-icon.png")),
        "images/marker-icon-2x.png" => {
            ("image/png", include_bytes!("../../static/vendor/leaflet/images/marker-icon-2x.png"))
        }
        "images/marker-shadow.png" => {
            ("image/png", include_bytes!("../../static/vendor/leaflet/images/marker-shadow.png"))
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, ctype), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}

async fn map_page(state: axum::extract::State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let home = actor.jurisdiction().clone();
    actor
        .authorize(&state, Action::ViewOrg, &home, ("unit", &actor.user.unit_code))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let ctx = context! {
        tiles => state.settings.map_tile_url.clone(),
        attribution => state.settings.map_tile_attribution.clone(),
        ..page_ctx(&state, &actor, "map")
    };
    Ok(render(&state, "map.html", ctx))
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    key: &'static str,
    active: bool,
    /// Shown in the phone's bottom bar (at most four are).
    primary: bool,
}

/// Whether a role of the actor may use a page of the navigation.
type Gate = fn(&Actor) -> bool;

/// The pages of daily work, in menu order: (slug, href, label key — the page's own title,
/// who may use it, in the phone's bottom bar).
const WORK: &[(&str, &str, &str, Gate, bool)] = &[
    ("dashboard", "/dashboard", "nav_dashboard", |_| true, true),
    (
        "cases",
        "/cases",
        "nav_cases",
        |a| fengqiao_domain::policy::allowed_by_assignment(a.roles(), Action::HandleMatter),
        true,
    ),
    ("board", "/board", "nav_board", |a| a.may(Action::ViewBoard), false),
    (
        "instructions",
        "/instructions",
        "nav_instructions",
        |a| fengqiao_app::instructions::instructable(a.roles()),
        false,
    ),
    ("video", "/video", "nav_video", |a| a.may(Action::ViewCameras), false),
    ("roster", "/roster", "nav_roster", |a| a.may(Action::ViewRoster), false),
    ("workload", "/cases/workload", "nav_workload", |a| a.may(Action::ViewBoard) && a.may(Action::ViewRoster), false),
    ("matters", "/matters", "nav_matters", |a| a.may(Action::ViewMatters), true),
    ("new_matter", "/matters/new", "new_matter", |a| a.may(Action::RecordMatter) && a.may(Action::RecordVisit), true),
    ("registry", "/registry", "nav_registry", |a| a.may(Action::ViewRegistry), true),
    ("supervision", "/supervision", "nav_supervision", |a| a.may(Action::ViewMatters), true),
    ("warning", "/warning", "nav_warning", |a| a.may(Action::ViewMatters), false),
    ("daily_posts", "/daily-posts", "nav_daily_posts", |a| a.may(Action::ViewMatters), false),
    ("five_small", "/five-small", "nav_five_small", |a| a.may(Action::ViewMatters), false),
    (
        "screening",
        "/screening",
        "screening_title",
        |a| a.may(Action::RecordMatter) && a.may(Action::RecordVisit),
        false,
    ),
    (
        "map",
        "/map",
        "nav_map",
        |a| a.may(Action::ViewRegistry) || a.may(Action::ViewMatters) || a.may(Action::EditOrg),
        false,
    ),
];

/// The pages of administration.
const ADMIN: &[(&str, &str, &str, Gate)] = &[
    ("org", "/org", "nav_org", |a| a.may(Action::ViewOrg)),
    ("people", "/people", "nav_people", |a| a.may(Action::ViewPeople)),
    ("volunteers", "/volunteers", "nav_volunteers", |a| a.may(Action::ViewPeople)),
    ("notifications", "/notifications", "nav_notifications", |a| a.may(Action::EditOrg) || a.may(Action::ViewBoard)),
    ("audit", "/audit", "nav_audit", |a| a.may(Action::ViewAudit)),
];

/// The menu of what the actor may use (nothing else is listed): work, then administration.
/// Four work pages go in the phone's bottom bar.
fn nav(actor: &Actor, active: &str) -> (Vec<NavItem>, Vec<NavItem>) {
    let mut primaries = 0;
    let work = WORK
        .iter()
        .filter(|(.., gate, _)| gate(actor))
        .map(|(slug, href, key, _, primary)| {
            let primary = *primary && primaries < 4;
            primaries += primary as usize;
            NavItem { href, key, active: active == *slug, primary }
        })
        .collect();
    let admin = ADMIN
        .iter()
        .filter(|(.., gate)| gate(actor))
        .map(|(slug, href, key, _)| NavItem { href, key, active: active == *slug, primary: false })
        .collect();
    (work, admin)
}

tokio::task_local! {
    /// The path and query of the page being rendered (GET requests), for the language
    /// switch to come back to.
    static PAGE_PATH: String;
}

/// Remember the page's own address while it is rendered.
async fn remember_path(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = match (req.method(), req.uri().path_and_query()) {
        (&axum::http::Method::GET, Some(pq)) => pq.as_str().to_string(),
        _ => "/dashboard".into(),
    };
    PAGE_PATH.scope(path, next.run(req)).await
}

/// The context every logged-in page shares.
pub fn page_ctx(state: &AppState, actor: &Actor, active: &str) -> Value {
    let (nav_work, nav_admin) = nav(actor, active);
    let roles: Vec<&str> = actor.roles().iter().map(|r| r.as_str()).collect();
    context! {
        lang => actor.lang.code(),
        site_name => state.settings.site_name.clone(),
        csrf => actor.csrf_token.clone(),
        here => PAGE_PATH.try_with(|p| p.clone()).unwrap_or_else(|_| "/dashboard".into()),
        me => context! {
            name => actor.user.display_name.clone(),
            username => actor.user.username.clone(),
            unit => actor.user.unit_name.clone(),
            roles => roles,
        },
        account_active => active == "account",
        nav_work => nav_work,
        nav_admin => nav_admin,
    }
}

pub fn render(state: &AppState, template: &str, ctx: Value) -> Response {
    render_status(state, StatusCode::OK, template, ctx)
}

pub fn render_status(state: &AppState, status: StatusCode, template: &str, ctx: Value) -> Response {
    match state.templates.get_template(template).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, template, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>".to_string())).into_response()
        }
    }
}

/// Errors in the web UI: a login redirect, or an error page in the user's language.
pub struct WebError(pub AppError, pub Lang);

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError(e, Lang::ZhCn)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let WebError(err, lang) = self;
        match &err {
            AppError::Unauthorized { code: "mfa_pending", .. } => return Redirect::to("/login/totp").into_response(),
            AppError::Unauthorized { .. } => return Redirect::to("/login").into_response(),
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            _ => {}
        }
        let status = err.status();
        let key = match status {
            StatusCode::FORBIDDEN => "error_forbidden",
            StatusCode::NOT_FOUND => "error_not_found",
            StatusCode::INTERNAL_SERVER_ERROR => "error_internal",
            _ => "error_title",
        };
        let detail = match &err {
            AppError::Internal(_) => String::new(),
            other => other.body().error.message,
        };
        let env = templates::environment();
        let html = env
            .get_template("error.html")
            .and_then(|t| t.render(context! { lang => lang.code(), status => status.as_u16(), message => i18n::t(lang, key), detail => detail }))
            .unwrap_or_else(|_| "error".into());
        (status, Html(html)).into_response()
    }
}

pub type WebResult<T = Response> = Result<T, WebError>;

/// The actor of a web request, or a redirect to the login page.
pub struct WebActor(pub Actor);

impl axum::extract::FromRequestParts<AppState> for WebActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = crate::i18n::lang_from_headers(&parts.headers);
        match crate::auth::resolve_session(state, parts).await {
            Ok(a) if a.second_factor == crate::auth::SecondFactor::Code => {
                Err(Redirect::to("/login/totp").into_response())
            }
            Ok(a) if a.second_factor == crate::auth::SecondFactor::Enrol && parts.uri.path() != "/account/totp" => {
                Err(Redirect::to("/account/totp").into_response())
            }
            Ok(a) if a.password_expired && !parts.uri.path().starts_with("/account") => {
                Err(Redirect::to("/account?expired=1").into_response())
            }
            Ok(a) => Ok(WebActor(a)),
            Err(e) => Err(WebError(e, lang).into_response()),
        }
    }
}

/// The "not found" page in the visitor's language (from the language cookie).
pub fn not_found_page(lang: Lang) -> Response {
    WebError(AppError::NotFound, lang).into_response()
}

/// Field errors for a form: each under the form's own name for the field (`rename` maps the
/// app's names, a trailing `[` matching indexed ones), in the page's language when the error
/// carries a message key; the first error of a field wins. `_first` names the first field
/// in error, which the form focuses (`forms.html`), so a long page opens where to look.
pub fn field_errors(
    lang: Lang,
    fields: &[fengqiao_domain::FieldError],
    rename: &[(&str, &str)],
) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for f in fields {
        let name = rename
            .iter()
            .find(|(from, _)| if from.ends_with('[') { f.field.starts_with(from) } else { f.field == *from })
            .map(|(_, to)| to.to_string())
            .unwrap_or_else(|| f.field.clone());
        let message = crate::i18n_fields::field_message(lang, f);
        out.entry("_first".to_string()).or_insert_with(|| name.clone());
        out.entry(name).or_insert(message);
    }
    out
}

/// The offset of a page number from the query string: page numbers are clamped to
/// 1–100,000, so no number a client sends overflows or reaches an absurd depth.
pub fn page_offset(page: i64, per_page: i64) -> i64 {
    ((page.clamp(1, 100_000) - 1) * per_page).min(fengqiao_app::OFFSET_MAX)
}

/// A submitted form as its (name, value) pairs, repeated names kept.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
    }
    pub fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key).trim().to_string()).filter(|v| !v.is_empty())
    }
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }
    pub fn on(&self, key: &str) -> bool {
        !self.get(key).is_empty()
    }
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).trim().parse().ok()
    }
}

pub type FormPairs = axum::Form<Vec<(String, String)>>;

/// An error for the page: each field's message once, in the page's language, with the
/// field named as the page names it.
/// A refusal that concerns the whole page (a conflict), as the `_page` entry of a form's
/// errors, in the viewer's language.
pub fn page_error(lang: crate::i18n::Lang, e: fengqiao_app::Error) -> std::collections::HashMap<String, String> {
    std::collections::HashMap::from([("_page".to_string(), error_message(lang, &e.into()))])
}

pub fn error_message(lang: crate::i18n::Lang, e: &crate::AppError) -> String {
    use crate::i18n_fields::{field_label, field_message, translate};
    match e {
        crate::AppError::Validation(fields) => {
            let (colon, sep) = if lang == crate::i18n::Lang::En { (": ", " · ") } else { ("：", "；") };
            let mut parts: Vec<String> = Vec::new();
            for f in fields {
                let part = format!("{}{colon}{}", field_label(lang, &f.field), field_message(lang, f));
                if !parts.contains(&part) {
                    parts.push(part);
                }
            }
            parts.join(sep)
        }
        other => translate(lang, &other.body().error.message),
    }
}
