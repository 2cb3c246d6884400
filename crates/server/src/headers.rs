//! Security headers on every response: a content security policy that allows no inline
//! script and no other origin (so an injected `<script>` or `onerror=` is inert), no
//! framing, no MIME sniffing, a same-origin referrer, and HSTS when served over HTTPS.
//! A handler that sets one of these itself (the residents' page: `no-referrer`) keeps it.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy: scripts, styles, fonts and connections from this site only; images also as
/// `data:` and from the configured map tile server.
pub fn content_security_policy(settings: &fengqiao_app::Settings) -> String {
    let tiles = tile_origin(&settings.map_tile_url).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// `https://{s}.tiles.example/{z}/{x}/{y}.png` → `https://*.tiles.example`.
fn tile_origin(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split('/').next()?.replace("{s}", "*");
    let ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:*".contains(c));
    ok.then(|| format!("{scheme}://{host}"))
}

fn set_default(h: &mut HeaderMap, name: HeaderName, value: &str) {
    if !h.contains_key(&name)
        && let Ok(v) = HeaderValue::from_str(value)
    {
        h.insert(name, v);
    }
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    set_default(h, header::CONTENT_SECURITY_POLICY, &content_security_policy(&state.settings));
    set_default(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(h, header::X_FRAME_OPTIONS, "DENY");
    set_default(h, header::REFERRER_POLICY, "same-origin");
    // Pages and answers carry personal data: no shared or browser cache keeps them (static
    // files set their own caching first, and keep it).
    set_default(h, header::CACHE_CONTROL, "no-store");
    if state.settings.https() {
        set_default(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_server_is_the_only_other_origin() {
        assert_eq!(
            tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tile.example.org")
        );
        assert_eq!(tile_origin("http://10.1.2.3:8080/t/{z}/{x}/{y}.png").as_deref(), Some("http://10.1.2.3:8080"));
        assert_eq!(tile_origin(""), None);
        assert_eq!(tile_origin("javascript:alert(1)"), None);
        assert_eq!(tile_origin("https://evil.example;script-src *"), None);
        let csp = content_security_policy(&fengqiao_app::Settings::default());
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
