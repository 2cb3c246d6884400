//! Open311 GeoReport v2's use cases: the public list of requests that came in through
//! Open311, a request by its token, and posting a request with an API client's key. The
//! request goes through the same intake as every channel; the server's `open311` module
//! speaks the protocol (formats, field names, status codes).

use crate::intake::{Submission, build, record};
use crate::{App, Error, Result};
use fengqiao_domain::matter::Source;
use fengqiao_store::audit::AuditCtx;

pub use fengqiao_store::open311::{Open311Filter, Open311Request};

/// Public requests matching the filter (what a `GET requests` shows). Tips are never public:
/// they name people and the ones who report them.
pub async fn requests(app: &App, f: &Open311Filter) -> Result<Vec<Open311Request>> {
    let f = Open311Filter {
        limit: f.limit.clamp(1, 1000),
        exclude_kinds: vec![fengqiao_domain::matter::MatterKind::Tip.as_str().to_string()],
        ..f.clone()
    };
    Ok(app.store.open311_requests(&f).await?)
}

/// The request a client's token stands for.
pub async fn by_token(app: &App, token: &str) -> Result<Option<Open311Request>> {
    if token.len() > 100 {
        return Ok(None);
    }
    Ok(app.store.open311_by_token(token).await?)
}

/// A posted request, recorded: its code and the token the client can ask about later.
#[derive(Debug, Clone)]
pub struct Posted {
    pub code: String,
    pub token: String,
}

/// An API client allowed to post requests.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: i64,
    pub name: String,
}

/// The client holding `api_key` ([`Error::Denied`] for an unknown or revoked key).
pub async fn client(app: &App, api_key: &str) -> Result<Client> {
    match app.store.open311_client(api_key).await? {
        Some((id, name)) => Ok(Client { id, name }),
        None => Err(Error::denied("unknown or revoked API key")),
    }
}

/// Post a request as `client`; `media_url` is kept with the request.
pub async fn post(app: &App, client: &Client, s: &Submission, media_url: Option<String>) -> Result<Posted> {
    let (mut new, _, _) = build(app, s, Source::Open311).await.map_err(registry_silent)?;
    let token = crate::accounts::random_token();
    new.open311 = Some((client.id, token.clone(), media_url));
    let ctx = AuditCtx::system(&format!("open311:{}", client.name), "open311 request");
    let code = record(app, &ctx, &new).await?;
    Ok(Posted { code, token })
}

/// An API client learns nothing of the registry from a refusal: an unknown household code or
/// address reads as "cannot be located" whatever the registry holds.
fn registry_silent(e: Error) -> Error {
    match e {
        Error::Invalid(fields) => Error::Invalid(
            fields
                .into_iter()
                .map(|f| match f.field.as_str() {
                    "household_code" | "address" => fengqiao_domain::FieldError::new(
                        f.field.clone(),
                        "cannot be located from this; give lat and long",
                    ),
                    _ => f,
                })
                .collect(),
        ),
        e => e,
    }
}
