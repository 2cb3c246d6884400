//! The template environment: every template embedded in the binary, auto-escaped, with
//! `t(key)` for translations and filters for times and labels.

use crate::i18n::{self, Lang};
use minijinja::{Environment, State, Value};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        pub const TEMPLATES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../templates/", $name))),)*
        ];
    };
}

templates!(
    "base.html",
    "auth_base.html",
    "login.html",
    "totp.html",
    "password_reset.html",
    "totp_setup.html",
    "dashboard.html",
    "org_tree.html",
    "unit.html",
    "people.html",
    "person.html",
    "person_new.html",
    "volunteers.html",
    "audit.html",
    "account.html",
    "error.html",
    "map.html",
    "registry.html",
    "household.html",
    "resident_base.html",
    "resident.html",
    "resident_gone.html",
    "qr_sheet.html",
    "organisations.html",
    "import.html",
    "matters.html",
    "matter.html",
    "agreement.html",
    "new_matter.html",
    "warning.html",
    "supervision.html",
    "slips.html",
    "slip.html",
    "slip_new.html",
    "spot_checks.html",
    "spot_check.html",
    "spot_item.html",
    "workload.html",
    "daily_posts.html",
    "daily_post.html",
    "five_small.html",
    "screening.html",
    "cases.html",
    "items.html",
    "forms.html",
    "board.html",
    "instructions.html",
    "instruction.html",
    "instruction_new.html",
    "ack_link.html",
    "notifications.html",
    "video.html",
    "cameras.html",
    "camera.html",
    "patrol_round.html",
    "roster.html",
    "handover.html",
);

fn lang_of(state: &State) -> Lang {
    match state.lookup("lang").and_then(|v| v.as_str().map(str::to_string)).as_deref() {
        Some("en") => Lang::En,
        _ => Lang::ZhCn,
    }
}

/// Milliseconds since the epoch → `2026-11-29 22:30` in China Standard Time (UTC+8, no DST).
pub fn format_ms(ms: i64) -> String {
    crate::present::beijing_time(ms)
}

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, src) in TEMPLATES {
        env.add_template(name, src).expect("templates are valid");
    }
    env.add_function("t", |state: &State, key: &str| -> String { i18n::t(lang_of(state), key) });
    env.add_filter("datetime", |ms: i64| format_ms(ms));
    // "12-04 01:58": a time of these days, where the year and seconds are noise.
    env.add_filter("short", |ms: i64| format_ms(ms).get(5..16).unwrap_or_default().to_string());
    // "2026-11-30": the day alone (a week's first day, say).
    env.add_filter("day", |ms: i64| format_ms(ms).get(..10).unwrap_or_default().to_string());
    // An RFC 3339 time (as the API gives it) in Beijing time: "2026-11-30 15:00", or the
    // date alone with `date=true`.
    env.add_filter("local", |s: &str, date: Option<bool>| -> String {
        let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid");
        match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => {
                t.with_timezone(&tz).format(if date == Some(true) { "%Y-%m-%d" } else { "%Y-%m-%d %H:%M" }).to_string()
            }
            Err(_) => s.to_string(),
        }
    });
    env.add_filter("role_label", |state: &State, role: &str| -> String {
        match fengqiao_domain::Role::parse(role) {
            Some(r) if lang_of(state) == Lang::En => r.label_en().into(),
            Some(r) => r.label_zh().into(),
            None => role.into(),
        }
    });
    env.add_filter("kind_label", |state: &State, kind: &str| -> String {
        match fengqiao_domain::org::UnitKind::parse(kind) {
            Some(k) if lang_of(state) == Lang::En => k.label_en().into(),
            Some(k) => k.label_zh().into(),
            None => kind.into(),
        }
    });
    env.add_filter("mediator_label", |state: &State, kind: &str| -> String {
        match fengqiao_domain::role::MediatorKind::parse(kind) {
            Some(k) => crate::present::vocab(lang_of(state), "med", k.as_str(), k.label_zh()),
            // A kind as a page gave it (its Chinese label) reads the same.
            None => match fengqiao_domain::role::MediatorKind::ALL.iter().find(|k| k.label_zh() == kind) {
                Some(k) => crate::present::vocab(lang_of(state), "med", k.as_str(), k.label_zh()),
                None => kind.into(),
            },
        }
    });
    // An audit action or policy action code as people read it (the code itself when new).
    env.add_filter("action_label", |state: &State, code: &str| -> String {
        let key = format!("act_{}", code.replace('.', "_"));
        if i18n::has_key(&key) {
            return i18n::t(lang_of(state), &key);
        }
        match code.strip_prefix("matter.").map(|e| format!("ev_{e}")) {
            Some(k) if i18n::has_key(&k) => i18n::t(lang_of(state), &k),
            _ => code.into(),
        }
    });
    // Who did something: a system actor by its label, an account by its name as given.
    env.add_filter("actor_label", |state: &State, who: &str| -> String {
        let key = format!("actor_{who}");
        if i18n::has_key(&key) { i18n::t(lang_of(state), &key) } else { who.into() }
    });
    env.add_filter("source_label", |state: &State, code: &str| -> String {
        let key = format!("src_{code}");
        if i18n::has_key(&key) { i18n::t(lang_of(state), &key) } else { code.into() }
    });
    // Punctuation in the page's language: full-width in Chinese, ASCII and spaced in English.
    env.add_filter("paren", |state: &State, v: Value| -> String {
        if lang_of(state) == Lang::En { format!(" ({v})") } else { format!("（{v}）") }
    });
    env.add_function("colon", |state: &State| -> String { i18n::t(lang_of(state), "p_colon") });
    env.add_function("sep", |state: &State| -> String { i18n::t(lang_of(state), "p_sep") });
    env.add_function("comma", |state: &State| -> String { i18n::t(lang_of(state), "p_comma") });
    env.add_filter("replace_n", |s: &str, n: Value| s.replace("{n}", &n.to_string()));
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("...")` in a template must have both translations.
    #[test]
    fn every_template_key_is_translated() {
        let mut missing = vec![];
        for (name, src) in TEMPLATES {
            for part in src.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                // `t("vk_" ~ kind)`: a prefix; at least one key must carry it.
                let is_prefix = part[key.len() + 1..].trim_start().starts_with('~');
                let known = if is_prefix { i18n::has_prefix(key) } else { i18n::has_key(key) };
                if !known {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    /// Every word and punctuation mark a page shows comes through `t()` or the punctuation
    /// helpers, so an English page has no Chinese of its own: outside the template tags no
    /// template holds a Chinese character or full-width mark. Only the seal (枫, a logo) and
    /// the agreement (a legal document, in Chinese by design) carry their own.
    #[test]
    fn templates_say_nothing_but_through_translations() {
        let mut found = vec![];
        for (name, src) in TEMPLATES.iter().filter(|(n, _)| *n != "agreement.html") {
            let mut text = String::new();
            let mut rest = *src;
            while let Some(i) = rest.find(['{']) {
                text.push_str(&rest[..i]);
                let close = match rest[i..].chars().nth(1) {
                    Some('{') => "}}",
                    Some('%') => "%}",
                    Some('#') => "#}",
                    _ => {
                        text.push('{');
                        rest = &rest[i + 1..];
                        continue;
                    }
                };
                rest = rest[i..].find(close).map(|j| &rest[i + j + 2..]).unwrap_or("");
            }
            text.push_str(rest);
            let text = text
                .replace(r#"<span class="seal" aria-hidden="true">枫</span>"#, "")
                .replace(r#"<span class="seal">枫</span>"#, "");
            for c in text.chars() {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) || "：（）、，。；“”！？".contains(c) {
                    found.push(format!("{name}: {c}"));
                }
            }
        }
        assert!(found.is_empty(), "text outside t(): {found:?}");
    }

    #[test]
    fn times_are_shown_in_china_standard_time() {
        assert_eq!(format_ms(0), "1970-01-01 08:00:00");
    }
}
