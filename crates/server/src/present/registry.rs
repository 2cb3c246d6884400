//! The registry's codes as people read them, in the page's language.

use crate::i18n::Lang;
use fengqiao_app::registry::ResidentView;
use fengqiao_domain::registry::{CareCategory, DwellingType, OrgKind, Relation};

fn english(code: &str) -> String {
    code.replace('_', " ")
}

/// A relation to the head of household (`spouse` → 配偶).
pub fn relation(lang: Lang, code: &str) -> String {
    match Relation::parse(code) {
        Some(r) if lang == Lang::ZhCn => r.label_zh().into(),
        Some(r) => english(r.as_str()),
        None => code.into(),
    }
}

/// Care categories, comma-separated codes → labels.
pub fn care(lang: Lang, codes: &str) -> Vec<String> {
    codes
        .split(',')
        .filter_map(CareCategory::parse)
        .map(|c| if lang == Lang::ZhCn { c.label_zh().to_string() } else { english(c.as_str()) })
        .collect()
}

/// A resident's care categories as labels (none for a role that may not see them).
pub fn care_of(lang: Lang, r: &ResidentView) -> Vec<String> {
    r.care.as_deref().map(|c| care(lang, &c.join(","))).unwrap_or_default()
}

/// A dwelling type (`rented` → 租住).
pub fn dwelling(lang: Lang, code: &str) -> String {
    DwellingType::parse(code)
        .map(|d| if lang == Lang::ZhCn { d.label_zh().to_string() } else { english(d.as_str()) })
        .unwrap_or_default()
}

/// A kind of organisation.
pub fn org_kind(lang: Lang, k: OrgKind) -> String {
    if lang == Lang::ZhCn { k.label_zh().to_string() } else { english(k.as_str()) }
}
