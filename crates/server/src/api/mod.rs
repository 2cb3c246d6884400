//! The JSON API under `/api/v1`, described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json`. Every handler authenticates with a bearer token (from
//! `POST /api/v1/session`) or the web session cookie, and goes through `Actor::authorize`.

mod audit;
mod board;
mod bodies;
pub(crate) mod casework;
mod daily_posts;
mod five_small;
mod instructions;
pub(crate) mod locate;
mod map;
mod matters;
mod operations;
mod org;
mod oversight;
mod people;
mod registry;
mod robots;
mod roster;
pub(crate) mod screening;
mod session;
mod supervision;
mod video;

use crate::AppState;
use crate::error::{AppError, ErrorBody};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Fengqiao API", version = "1", description = "Community policing and dispute resolution. Errors always have the body {\"error\": {\"code\", \"message\", \"fields\"}}."),
    paths(
        session::create, session::delete, session::me, session::change_password, session::reset_password,
        org::list_units, org::get_unit, org::create_unit, org::update_unit,
        people::list_users, people::get_user, people::create_user, people::update_user, people::issue_reset_code,
        people::unlock, people::reset_totp, people::set_roles, people::volunteers, people::create_volunteer,
        audit::search, audit::export,
        locate::locate,
        map::grids,
        registry::search, registry::households, registry::household, registry::visit, registry::reissue_qr, registry::import, registry::reveal,
        registry::organisations, registry::export,
        matters::create, matters::list, casework::get, matters::step,
        casework::add_party, casework::consent, casework::add_session, casework::plan, casework::agreement,
        casework::sign, casework::judicial_confirmation, casework::performed, casework::schedule_follow_up,
        casework::follow_up, casework::alerts, casework::acknowledge, casework::merge, casework::urge,
        screening::start, screening::finish, screening::list,
        oversight::supervision, oversight::risky, oversight::workbench, matters::attach, matters::file,
        board::snapshot, board::events,
        instructions::create, instructions::list, instructions::get, instructions::step,
        robots::create, robots::list, robots::disable, robots::deliveries,
        video::cameras, video::camera, video::status, video::coverage, video::plans, video::create_plan,
        video::start_round, video::round, video::finish_round, video::look, video::raise, video::repairs, video::fix,
        roster::roster, roster::on_duty, roster::create_template, roster::rotate, roster::set_state, roster::swap,
        roster::prepare, roster::handover, roster::sign,
        supervision::create, supervision::list, supervision::get, supervision::step, supervision::checks,
        supervision::draw, supervision::check, supervision::item, supervision::review, supervision::reply,
        operations::get, operations::put, operations::workload,
        daily_posts::list, daily_posts::open, daily_posts::get, daily_posts::edit, daily_posts::redraft, daily_posts::send,
        five_small::tally,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth, &StandardResponses),
)]
pub struct ApiDoc;

/// The statuses every operation of a kind can answer, with the error body: 401 for any
/// operation behind a login; 400 (malformed JSON, wrong content type) and 413 (too large)
/// for any with a request body; 404 for any with a path parameter; 422 for any with a body
/// or query parameters. Declared once here rather than on each operation.
struct StandardResponses;

impl utoipa::Modify for StandardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
            {
                let responses = &mut op.responses.responses;
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    responses
                        .entry("401".into())
                        .or_insert_with(|| error("login required, or the session expired").into());
                }
                if op.request_body.is_some() {
                    responses
                        .entry("400".into())
                        .or_insert_with(|| error("malformed body or wrong content type").into());
                    responses.entry("413".into()).or_insert_with(|| error("the body is too large").into());
                }
                use utoipa::openapi::path::ParameterIn;
                let params = op.parameters.as_deref().unwrap_or_default();
                if params.iter().any(|p| p.parameter_in == ParameterIn::Path) {
                    responses.entry("404".into()).or_insert_with(|| error("no such record").into());
                }
                if op.request_body.is_some() || params.iter().any(|p| p.parameter_in == ParameterIn::Query) {
                    responses
                        .entry("422".into())
                        .or_insert_with(|| error("invalid input; every bad field is named").into());
                }
            }
        }
    }
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    doc.to_pretty_json().expect("the document serialises")
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            get(|| async { ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json()) }),
        )
        .route("/session", post(session::create).delete(session::delete))
        .route("/me", get(session::me))
        .route("/workbench", get(oversight::workbench))
        .route("/board", get(board::snapshot))
        .route("/board/events", get(board::events))
        .route("/me/password", post(session::change_password))
        .route("/password-reset", post(session::reset_password))
        .route("/units", get(org::list_units).post(org::create_unit))
        .route("/units/{code}", get(org::get_unit).put(org::update_unit))
        .route("/users", get(people::list_users).post(people::create_user))
        .route("/users/{id}", get(people::get_user).put(people::update_user))
        .route("/users/{id}/reset-code", post(people::issue_reset_code))
        .route("/users/{id}/unlock", post(people::unlock))
        .route("/users/{id}/totp-reset", post(people::reset_totp))
        .route("/users/{id}/roles", axum::routing::put(people::set_roles))
        .route("/volunteers", get(people::volunteers).post(people::create_volunteer))
        .route("/audit", get(audit::search))
        .route("/audit/export", get(audit::export))
        .route("/locate", get(locate::locate))
        .route("/map/grids", get(map::grids))
        .route("/matters", get(matters::list).post(matters::create))
        .route("/matters/{code}", get(casework::get))
        .route("/matters/{code}/events", post(matters::step))
        .route("/matters/{code}/parties", post(casework::add_party))
        .route("/matters/{code}/parties/{id}/consent", post(casework::consent))
        .route("/matters/{code}/sessions", post(casework::add_session))
        .route("/matters/{code}/plan", axum::routing::put(casework::plan))
        .route("/matters/{code}/operation", get(operations::get).put(operations::put))
        .route("/case-workload", get(operations::workload))
        .route("/daily-posts", get(daily_posts::list).post(daily_posts::open))
        .route("/daily-posts/{id}", get(daily_posts::get).put(daily_posts::edit))
        .route("/daily-posts/{id}/redraft", post(daily_posts::redraft))
        .route("/daily-posts/{id}/send", post(daily_posts::send))
        .route("/five-small", get(five_small::tally))
        .route("/matters/{code}/agreement", axum::routing::put(casework::agreement))
        .route("/matters/{code}/agreement/sign", post(casework::sign))
        .route("/matters/{code}/agreement/judicial-confirmation", post(casework::judicial_confirmation))
        .route("/matters/{code}/terms/{seq}/performed", post(casework::performed))
        .route("/matters/{code}/follow-ups", post(casework::schedule_follow_up))
        .route("/matters/{code}/follow-ups/{id}", post(casework::follow_up))
        .route("/matters/{code}/merge", post(casework::merge))
        .route("/matters/{code}/urge", post(casework::urge))
        .route("/screening-rounds", get(screening::list).post(screening::start))
        .route("/screening-rounds/{id}/finish", post(screening::finish))
        .route("/alerts", get(casework::alerts))
        .route("/supervision", get(oversight::supervision))
        .route("/risky-matters", get(oversight::risky))
        .route(
            "/matters/{code}/files",
            // A file up to max_file_bytes (the app checks it and names the limit).
            post(matters::attach).layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route("/matters/{code}/files/{id}", get(matters::file))
        .route("/alerts/{id}/acknowledge", post(casework::acknowledge))
        .route("/instructions", get(instructions::list).post(instructions::create))
        .route("/instructions/{code}", get(instructions::get))
        .route("/instructions/{code}/steps", post(instructions::step))
        .route("/supervision-slips", get(supervision::list).post(supervision::create))
        .route("/supervision-slips/{code}", get(supervision::get))
        .route("/supervision-slips/{code}/steps", post(supervision::step))
        .route("/spot-checks", get(supervision::checks).post(supervision::draw))
        .route("/spot-checks/{id}", get(supervision::check))
        .route("/spot-check-items/{id}", get(supervision::item))
        .route("/spot-check-items/{id}/review", post(supervision::review))
        .route("/spot-check-items/{id}/reply", post(supervision::reply))
        .route("/robots", get(robots::list).post(robots::create))
        .route("/robots/{id}/disable", post(robots::disable))
        .route("/deliveries", get(robots::deliveries))
        .route("/cameras", get(video::cameras))
        .route("/cameras/{device_id}", get(video::camera))
        .route("/cameras/{device_id}/status", post(video::status))
        .route("/video/coverage", get(video::coverage))
        .route("/patrol-plans", get(video::plans).post(video::create_plan))
        .route("/patrol-plans/{id}/rounds", post(video::start_round))
        .route("/patrol-rounds/{id}", get(video::round))
        .route("/patrol-rounds/{id}/finish", post(video::finish_round))
        .route("/patrol-entries", post(video::look))
        .route("/patrol-entries/{id}/matter", post(video::raise))
        .route("/camera-repairs", get(video::repairs))
        .route("/camera-repairs/{id}/fix", post(video::fix))
        .route("/roster", get(roster::roster))
        .route("/on-duty", get(roster::on_duty))
        .route("/shift-templates", post(roster::create_template))
        .route("/roster/rotations", post(roster::rotate))
        .route("/shift-assignments/{id}/state", post(roster::set_state))
        .route("/shift-assignments/{id}/swap", post(roster::swap))
        .route("/handovers", post(roster::prepare))
        .route("/handovers/{id}", get(roster::handover))
        .route("/handovers/{id}/sign", post(roster::sign))
        .route("/residents", get(registry::search))
        .route("/households", get(registry::households))
        .route("/households/{code}", get(registry::household))
        .route("/households/{code}/visits", post(registry::visit))
        .route("/households/{code}/qr", post(registry::reissue_qr))
        .route("/households/{code}/reveal", post(registry::reveal))
        .route("/organisations", get(registry::organisations))
        .route("/registry/export", get(registry::export))
        .route("/imports/{kind}", post(registry::import).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)))
        .layer(axum::middleware::from_fn(localise_errors))
}

/// Error bodies in the language the client asks for (`Accept-Language: zh-CN` → Chinese;
/// English by default): the handlers state errors once, in English with message keys, and
/// this translates them on the way out.
async fn localise_errors(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let lang = crate::i18n_fields::accept_language(req.headers());
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if lang == crate::i18n::Lang::En || !(resp.status().is_client_error() && is_json) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) if v.get("error").is_some() => {
            crate::i18n_fields::localise_error_body(lang, &mut v);
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            axum::body::Body::from(v.to_string())
        }
        _ => axum::body::Body::from(bytes),
    };
    axum::response::Response::from_parts(parts, body)
}

/// JSON body extractor whose rejections use the error body: malformed JSON → 400,
/// wrong shape → 422, too large → 413, wrong content type → 415 (as 400 with a code).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(match rej {
                JsonRejection::JsonDataError(e) => {
                    AppError::Validation(vec![fengqiao_domain::FieldError::new("body", e.body_text())])
                }
                JsonRejection::JsonSyntaxError(e) => AppError::BadRequest(format!("malformed JSON: {}", e.body_text())),
                JsonRejection::MissingJsonContentType(_) => {
                    AppError::BadRequest("expected Content-Type: application/json".into())
                }
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                other => AppError::BadRequest(other.body_text()),
            }),
        }
    }
}

/// A raw body (an attached file) whose rejections use the error body: too large → 413.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(ApiBytes(b)),
            Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::PayloadTooLarge),
            Err(rej) => Err(AppError::BadRequest(rej.body_text())),
        }
    }
}

/// A text body (a CSV file) whose rejections use the error body: too large → 413, not
/// UTF-8 → 422 saying so.
pub struct ApiText(pub String);

impl<S: Send + Sync> FromRequest<S> for ApiText {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiBytes(b) = ApiBytes::from_request(req, state).await?;
        String::from_utf8(b.to_vec()).map(ApiText).map_err(|e| {
            AppError::field(
                "body",
                format!("not UTF-8 text (byte {}): save the file as UTF-8", e.utf8_error().valid_up_to()),
            )
        })
    }
}

/// Query-string extractor with the same error body.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(AppError::Validation(vec![fengqiao_domain::FieldError::new("query", e.body_text())]))
            }
            Err(e) => Err(AppError::BadRequest(e.body_text())),
        }
    }
}

/// Path-parameter extractor with the error body: a path whose parameter does not parse (a
/// user id that is not a number) names nothing, so it is a 404 like any unknown record.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(_) => Err(AppError::NotFound),
        }
    }
}

/// A page of results.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

pub use crate::present::rfc3339;

/// A list's offset from the query: 0–1,000,000 (no number a client sends reaches an absurd
/// depth), or a field error naming `offset`.
pub fn bounded_offset(offset: Option<i64>) -> Result<i64, AppError> {
    match offset.unwrap_or(0) {
        o @ 0..=1_000_000 => Ok(o),
        _ => Err(AppError::field("offset", "between 0 and 1000000")),
    }
}
