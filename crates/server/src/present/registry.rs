//! The registry's codes as people read them, in the page's language.

use crate::i18n::Lang;
use fengqiao_app::registry::ResidentView;
use fengqiao_domain::registry::{CareCategory, DwellingType, OrgKind, Relation};

/// A relation to the head of household (`spouse` → 配偶).
pub fn relation(lang: Lang, code: &str) -> String {
    match Relation::parse(code) {
        Some(r) => super::vocab(lang, "rel", r.as_str(), r.label_zh()),
        None => code.into(),
    }
}

/// Care categories, comma-separated codes → labels.
pub fn care(lang: Lang, codes: &str) -> Vec<String> {
    codes.split(',').filter_map(CareCategory::parse).map(|c| super::care_label(lang, c)).collect()
}

/// A resident's care categories as labels (none for a role that may not see them).
pub fn care_of(lang: Lang, r: &ResidentView) -> Vec<String> {
    r.care.as_deref().map(|c| care(lang, &c.join(","))).unwrap_or_default()
}

/// A dwelling type (`rented` → 租住).
pub fn dwelling(lang: Lang, code: &str) -> String {
    DwellingType::parse(code).map(|d| super::vocab(lang, "dw", d.as_str(), d.label_zh())).unwrap_or_default()
}

/// A kind of organisation.
pub fn org_kind(lang: Lang, k: OrgKind) -> String {
    super::vocab(lang, "org", k.as_str(), k.label_zh())
}

/// A resident's sex (`male` → 男 / Male).
pub fn sex(lang: Lang, code: &str) -> String {
    super::vocab(lang, "sex", code, "")
}
