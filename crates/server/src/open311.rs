//! Open311 GeoReport v2 under `/open311/v2/`, so existing Open311 clients and apps can
//! report: discovery, services (our matter kinds, and disputes by category, with their
//! attributes), `POST requests` (form-encoded, with an API key), `GET requests` with the
//! spec's filters, `GET requests/{id}`, `GET tokens/{token}`; every resource as `.json` or
//! `.xml`; errors as `[{code, description}]` with 400, 403 or 404.
//!
//! Requests go through the same intake as every channel (validation, routing to the grid,
//! tier, approach, response clock, risk). What `GET` shows is public, so it shows only what
//! came in through Open311, never a reporter's name or phone, positions rounded to about
//! 100 m, and no description of a dispute (the parties are private people).

use crate::AppState;
use crate::error::AppError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fengqiao_app::intake::Submission;
use fengqiao_app::open311::{self as o311, Open311Filter, Open311Request};
use fengqiao_domain::matter::{MatterKind, Taxonomy};
use serde_json::{Value, json};

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    Xml,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/open311/v2/{*path}", get(get_resource).post(post_resource))
}

/// `services.json` → ("services", Json); `requests/M1.xml` → ("requests/M1", Xml).
fn split_format(path: &str) -> Result<(&str, Format), Box<Response>> {
    if let Some(p) = path.strip_suffix(".json") {
        Ok((p, Format::Json))
    } else if let Some(p) = path.strip_suffix(".xml") {
        Ok((p, Format::Xml))
    } else {
        Err(Box::new(error(Format::Json, StatusCode::NOT_FOUND, "format", "add .json or .xml to the resource")))
    }
}

fn error(fmt: Format, status: StatusCode, code: &str, description: &str) -> Response {
    let code_num = status.as_u16();
    let body = match fmt {
        Format::Json => json!([{ "code": code_num, "description": format!("{code}: {description}") }]).to_string(),
        Format::Xml => format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>{code_num}</code><description>{}</description></error></errors>",
            esc(&format!("{code}: {description}"))
        ),
    };
    respond(fmt, status, body)
}

fn respond(fmt: Format, status: StatusCode, body: String) -> Response {
    let ctype = match fmt {
        Format::Json => "application/json; charset=utf-8",
        Format::Xml => "text/xml; charset=utf-8",
    };
    (status, [(header::CONTENT_TYPE, ctype)], body).into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// Render a JSON value as GeoReport XML: arrays become `<{list}><{item}>…` elements.
fn xml(list: &str, item: &str, v: &Value) -> String {
    fn value(out: &mut String, name: &str, v: &Value) {
        match v {
            Value::Null => out.push_str(&format!("<{name}/>")),
            Value::Object(map) => {
                out.push_str(&format!("<{name}>"));
                for (k, x) in map {
                    value(out, k, x);
                }
                out.push_str(&format!("</{name}>"));
            }
            Value::Array(items) => {
                out.push_str(&format!("<{name}>"));
                let inner = match name {
                    "attributes" => "attribute",
                    "values" => "value",
                    "endpoints" => "endpoint",
                    "formats" => "format",
                    "keywords" => "keyword",
                    _ => "item",
                };
                for x in items {
                    value(out, inner, x);
                }
                out.push_str(&format!("</{name}>"));
            }
            Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", esc(s))),
            other => out.push_str(&format!("<{name}>{other}</{name}>")),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    match v {
        Value::Array(items) => {
            out.push_str(&format!("<{list}>"));
            for x in items {
                value(&mut out, item, x);
            }
            out.push_str(&format!("</{list}>"));
        }
        other => value(&mut out, list, other),
    }
    out
}

fn ok(fmt: Format, list: &str, item: &str, v: Value) -> Response {
    let body = match fmt {
        Format::Json => v.to_string(),
        Format::Xml => xml(list, item, &v),
    };
    respond(fmt, StatusCode::OK, body)
}

/// A service: its code, the matter kind, and for disputes the category (code, label).
type Service = (String, MatterKind, Option<(String, String)>);

/// Services: each matter kind residents may report, disputes one per category of the
/// taxonomy in use.
fn services(t: &Taxonomy) -> Vec<Service> {
    let mut out = Vec::new();
    for c in t.all() {
        out.push((format!("dispute-{}", c.code), MatterKind::Dispute, Some((c.code.clone(), c.label.clone()))));
    }
    for k in [MatterKind::Hazard, MatterKind::Request, MatterKind::Tip] {
        out.push((k.as_str().to_string(), k, None));
    }
    out
}

fn service_name(kind: MatterKind, cat: Option<&str>) -> String {
    match cat {
        Some(label) => format!("{}：{label}", kind.label_zh()),
        None => kind.label_zh().to_string(),
    }
}

fn service_of(t: &Taxonomy, code: &str) -> Option<(MatterKind, Option<String>)> {
    services(t).into_iter().find(|s| s.0 == code).map(|s| (s.1, s.2.map(|c| c.0)))
}

/// This site's address for discovery: [`fengqiao_app::App::public_base`], never the
/// request's `Host`; relative when unknown.
fn base_url(state: &AppState) -> String {
    state.public_base().unwrap_or_default()
}

fn rfc(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_default()
}

fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.timestamp_millis())
}

fn request_json(t: &Taxonomy, r: &Open311Request) -> Value {
    let kind = MatterKind::parse(&r.kind);
    let cat = t.label(&r.category);
    let dispute = kind == Some(MatterKind::Dispute);
    let code = match kind {
        Some(MatterKind::Dispute) => format!("dispute-{}", r.category),
        _ => r.kind.clone(),
    };
    let round = |x: Option<f64>| x.map(|v| (v * 1000.0).round() / 1000.0);
    json!({
        "service_request_id": r.code,
        "status": if r.status == "closed" { "closed" } else { "open" },
        "status_notes": r.closure.as_deref().map(|c| match c {
            "settled" => "调解成功，案结事了",
            "resolved" => "已办结",
            "withdrawn" => "已撤回",
            "referred_court" | "referred_arbitration" | "referred_administrative" => "已告知并引导通过其他途径解决",
            _ => "已办结",
        }),
        "service_name": kind.map(|k| service_name(k, if dispute { Some(cat) } else { None })),
        "service_code": code,
        "description": if dispute { Value::Null } else { Value::String(r.narrative.clone()) },
        "agency_responsible": r.grid_name,
        "service_notice": Value::Null,
        "requested_datetime": rfc(r.created_at),
        "updated_datetime": rfc(r.updated_at),
        "expected_datetime": r.resolve_due_at.map(rfc),
        "address": Value::Null,
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": round(r.lat),
        "long": round(r.lon),
        "media_url": r.media_url,
    })
}

/// Query string pairs, repeated keys kept.
fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default()).unwrap_or_default()
}

async fn get_resource(State(state): State<AppState>, Path(path): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (res, fmt) = match split_format(&path) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let q = pairs(query.as_deref());
    let param = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let parts: Vec<&str> = res.split('/').collect();
    match parts.as_slice() {
        ["discovery"] => {
            let base = base_url(&state);
            let v = json!({
                "changeset": "2026-11-30T00:00:00+08:00",
                "contact": "派出所综合指挥室",
                "key_service": "向派出所综合指挥室申请 API key",
                "endpoints": [{
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": format!("{base}/open311/v2"),
                    "changeset": "2026-11-30T00:00:00+08:00",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }],
            });
            ok(fmt, "discovery", "discovery", v)
        }
        ["services"] => {
            let list: Vec<Value> = services(&state.taxonomy)
                .into_iter()
                .map(|(code, kind, cat)| {
                    let label = cat.as_ref().map(|c| c.1.as_str());
                    json!({
                        "service_code": code,
                        "service_name": service_name(kind, label),
                        "description": match label {
                            Some(l) => format!("{l}，由网格员、社区和街道多元调解中心逐级调解"),
                            None => kind.label_zh().to_string(),
                        },
                        "metadata": true,
                        "type": "realtime",
                        "keywords": match label { Some(l) => format!("矛盾纠纷,{l}"), None => kind.label_zh().to_string() },
                        "group": kind.label_zh(),
                    })
                })
                .collect();
            ok(fmt, "services", "service", Value::Array(list))
        }
        ["services", code] => {
            if service_of(&state.taxonomy, code).is_none() {
                return error(fmt, StatusCode::NOT_FOUND, "service_code", &format!("no service \"{code}\""));
            }
            let v = json!({
                "service_code": code,
                "attributes": [{
                    "variable": true,
                    "code": "priority",
                    "datatype": "singlevaluelist",
                    "required": false,
                    "datatype_description": "紧急程度",
                    "order": 1,
                    "description": "紧急程度（默认一般）",
                    "values": [
                        {"key": "urgent", "name": "紧急"},
                        {"key": "high", "name": "较急"},
                        {"key": "normal", "name": "一般"},
                        {"key": "low", "name": "不急"},
                    ],
                }],
            });
            ok(fmt, "service_definition", "service_definition", v)
        }
        ["requests"] => {
            let mut f = Open311Filter { limit: 1000, ..Default::default() };
            if let Some(ids) = param("service_request_id") {
                f.codes = ids.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            }
            if let Some(code) = param("service_code") {
                match service_of(&state.taxonomy, &code) {
                    Some((k, c)) => {
                        f.kind = Some(k.as_str().into());
                        f.category = c;
                    }
                    None => {
                        return error(fmt, StatusCode::BAD_REQUEST, "service_code", &format!("no service \"{code}\""));
                    }
                }
            }
            for (name, slot) in [("start_date", &mut f.start), ("end_date", &mut f.end)] {
                if let Some(v) = param(name) {
                    match parse_time(&v) {
                        Some(t) => *slot = Some(t),
                        None => {
                            return error(
                                fmt,
                                StatusCode::BAD_REQUEST,
                                name,
                                "a W3C date-time, e.g. 2026-11-30T08:00:00+08:00",
                            );
                        }
                    }
                }
            }
            if let Some(s) = param("status") {
                if s != "open" && s != "closed" {
                    return error(fmt, StatusCode::BAD_REQUEST, "status", "open or closed");
                }
                f.status = Some(s);
            }
            // Without ids or dates: the last 90 days, as the specification suggests.
            if f.codes.is_empty() && f.start.is_none() && f.end.is_none() {
                f.start = Some(crate::present::now_ms() - 90 * 24 * 3600 * 1000);
            }
            match o311::requests(&state, &f).await {
                Ok(rows) => ok(
                    fmt,
                    "service_requests",
                    "request",
                    Value::Array(rows.iter().map(|r| request_json(&state.taxonomy, r)).collect()),
                ),
                Err(e) => internal(fmt, e.into()),
            }
        }
        ["requests", id] => {
            let f = Open311Filter { codes: vec![id.to_string()], limit: 1, ..Default::default() };
            match o311::requests(&state, &f).await {
                Ok(rows) if rows.is_empty() => {
                    error(fmt, StatusCode::NOT_FOUND, "service_request_id", &format!("no request \"{id}\""))
                }
                Ok(rows) => ok(
                    fmt,
                    "service_requests",
                    "request",
                    Value::Array(rows.iter().map(|r| request_json(&state.taxonomy, r)).collect()),
                ),
                Err(e) => internal(fmt, e.into()),
            }
        }
        ["tokens", token] => match o311::by_token(&state, token).await {
            Ok(Some(r)) => {
                ok(fmt, "service_requests", "request", json!([{ "service_request_id": r.code, "token": token }]))
            }
            Ok(None) => error(fmt, StatusCode::NOT_FOUND, "token", &format!("no request with token \"{token}\"")),
            Err(e) => internal(fmt, e.into()),
        },
        _ => error(fmt, StatusCode::NOT_FOUND, "resource", &format!("no resource \"{res}\"")),
    }
}

fn internal(fmt: Format, e: AppError) -> Response {
    tracing::error!(error = ?e, "open311");
    error(fmt, StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
}

async fn post_resource(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let (res, fmt) = match split_format(&path) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if res != "requests" {
        return error(fmt, StatusCode::NOT_FOUND, "resource", &format!("cannot POST \"{res}\""));
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return error(
            fmt,
            StatusCode::BAD_REQUEST,
            "content_type",
            "send the request form-encoded (application/x-www-form-urlencoded)",
        );
    }
    let Ok(q) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return error(fmt, StatusCode::BAD_REQUEST, "body", "not a form-encoded body");
    };
    let param = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let Some(key) = param("api_key") else {
        return error(fmt, StatusCode::FORBIDDEN, "api_key", "an API key is required to post requests");
    };
    let client = match o311::client(&state, &key).await {
        Ok(c) => c,
        Err(fengqiao_app::Error::Denied { .. }) => {
            return error(fmt, StatusCode::FORBIDDEN, "api_key", "unknown or revoked API key");
        }
        Err(e) => return internal(fmt, e.into()),
    };
    let Some(code) = param("service_code") else {
        return error(fmt, StatusCode::BAD_REQUEST, "service_code", "required");
    };
    let Some((kind, cat)) = service_of(&state.taxonomy, &code) else {
        return error(fmt, StatusCode::BAD_REQUEST, "service_code", &format!("no service \"{code}\""));
    };
    let num = |k: &str| param(k).map(|v| v.parse::<f64>().map_err(|_| k.to_string()));
    let (lat, lon) = match (num("lat"), num("long")) {
        (Some(Err(k)), _) | (_, Some(Err(k))) => {
            return error(fmt, StatusCode::BAD_REQUEST, &k, "a number in degrees");
        }
        (a, b) => (a.and_then(Result::ok), b.and_then(Result::ok)),
    };
    let address = param("address_string");
    if lat.is_none() && lon.is_none() && address.is_none() && param("address_id").is_none() {
        return error(fmt, StatusCode::BAD_REQUEST, "location", "give lat and long, or address_string");
    }
    let media_url = param("media_url");
    if let Some(u) = &media_url
        && (!(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 500)
    {
        return error(fmt, StatusCode::BAD_REQUEST, "media_url", "an http(s) URL of at most 500 characters");
    }
    let name = [param("last_name"), param("first_name")].into_iter().flatten().collect::<Vec<_>>().join("");
    let sub = Submission {
        kind: kind.as_str().into(),
        category: cat,
        priority: param("attribute[priority]"),
        difficulty: None,
        five_small: None,
        narrative: param("description").unwrap_or_default(),
        lat,
        lon,
        household_code: param("address_id"),
        address,
        reporter_name: Some(name).filter(|n| !n.is_empty()),
        reporter_phone: param("phone"),
    };
    match o311::post(&state, &client, &sub, media_url).await {
        Ok(p) => ok(
            fmt,
            "service_requests",
            "request",
            json!([{
                "service_request_id": p.code,
                "token": p.token,
                "service_notice": "已受理，将按一事一应的时限答复",
                "account_id": Value::Null,
            }]),
        ),
        Err(fengqiao_app::Error::Invalid(fields)) => {
            let f = &fields[0];
            let field = match f.field.as_str() {
                "narrative" => "description",
                "priority" => "attribute[priority]",
                "reporter_phone" => "phone",
                "household_code" => "address_id",
                "address" => "address_string",
                other => other,
            };
            error(fmt, StatusCode::BAD_REQUEST, field, &f.message)
        }
        Err(fengqiao_app::Error::Outside(m)) => error(fmt, StatusCode::BAD_REQUEST, "location", &m),
        Err(e) => internal(fmt, e.into()),
    }
}
