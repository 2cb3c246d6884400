//! The JSON shapes of what the front-ends show: the API returns them (and documents them in
//! OpenAPI), the pages render them. Shared here so that `api/` and `web/` never import each
//! other; built from the application layer's results, with times as RFC 3339.

pub mod audit_csv;
pub mod casefile;
pub mod matter;
pub mod registry;

/// A time (UTC milliseconds) as RFC 3339, to the second.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A time (UTC milliseconds) in Beijing time, `YYYY-MM-DD HH:MM:SS`.
pub fn beijing_time(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Now, in UTC milliseconds (the unit every stored time is in).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A category's label in the page's language: the taxonomy's own (installations name their
/// categories in Chinese), or the built-in category's English name in English.
pub fn category_label(state: &crate::AppState, lang: crate::i18n::Lang, code: &str) -> String {
    let key = format!("cat_{code}");
    if lang == crate::i18n::Lang::En && crate::i18n::has_key(&key) {
        return crate::i18n::t(lang, &key);
    }
    state.taxonomy.label(code).to_string()
}

/// A care category's label in the page's language.
pub fn care_label(lang: crate::i18n::Lang, c: fengqiao_domain::registry::CareCategory) -> String {
    crate::i18n::t(lang, &format!("care_{}", c.as_str()))
}

/// A code of a closed vocabulary as people read it: its Chinese label on a Chinese page,
/// its English name (`{prefix}_{code}` in the message table) on an English one, falling
/// back to the code with spaces.
pub fn vocab(lang: crate::i18n::Lang, prefix: &str, code: &str, zh: &str) -> String {
    if lang == crate::i18n::Lang::ZhCn && !zh.is_empty() {
        return zh.to_string();
    }
    let key = format!("{prefix}_{code}");
    if crate::i18n::has_key(&key) {
        let s = crate::i18n::t(lang, &key);
        if !s.is_empty() {
            return s;
        }
    }
    code.replace('_', " ")
}
