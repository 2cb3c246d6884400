//! The workbench (工作台): the signed-in person's to-do list, most urgent first, each item a
//! link to its page; then the figures of their area, each a link to the list it counts.
//! What it holds is decided on the application layer (`fengqiao_app::workbench`).

use super::{WebActor, WebError, WebResult, page_ctx, render};
use crate::AppState;
use crate::i18n::{Lang, t};
use crate::present::now_ms;
use axum::extract::State;
use fengqiao_app::casefile::MatterDetail;
use fengqiao_app::workbench::{self, Section};
use minijinja::{Value, context};

pub async fn page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let now = now_ms();
    let wb = workbench::for_actor(&state, &actor, now).await.map_err(|e| WebError(e.into(), actor.lang))?;
    let lang = actor.lang;
    let sections: Vec<Value> = wb.sections.iter().map(|s| section(&state, lang, s, now)).collect();
    let figures: Vec<Value> = wb
        .figures
        .iter()
        .map(|f| context! { code => f.code.clone(), count => f.count, href => format!("/matters?{}", f.query) })
        .collect();
    let ctx = context! { sections => sections, figures => figures, ..page_ctx(&state, &actor, "dashboard") };
    Ok(render(&state, "dashboard.html", ctx))
}

/// A short line of a longer text: its first `n` characters and an ellipsis.
fn excerpt(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

fn date(ms: i64) -> String {
    crate::present::beijing_time(ms).chars().take(10).collect()
}

/// A matter as a workbench item: what it is about, its kind, state and place, its deadline.
pub(super) fn matter_item(state: &AppState, lang: Lang, m: &MatterDetail, now: i64) -> Value {
    let overdue = !m.is_closed() && m.resolve_due_at.is_some_and(|d| d < now);
    let mut tags = vec![context! { class => "", text => t(lang, &format!("ms_{}", m.status.code())) }];
    if m.escalation_risk_level.as_str() != "none" {
        let level = m.escalation_risk_level.as_str();
        tags.push(context! { class => format!("risk-{level}"), text => t(lang, &format!("rl_{level}")) });
    }
    if overdue {
        tags.push(context! { class => "care", text => t(lang, "overdue") });
    }
    let what = match m.kind {
        fengqiao_domain::matter::MatterKind::Dispute => crate::present::category_label(state, lang, &m.category),
        k => t(lang, &format!("mk_{}", k.as_str())),
    };
    context! {
        href => format!("/matters/{}", m.code),
        title => excerpt(&m.narrative, 40),
        sub => format!("{what} · {}", m.grid_name),
        tags => tags,
        when => m.resolve_due_at.filter(|_| !m.is_closed()).map(|d| format!("{} {}", t(lang, "wb_due"), date(d))),
        code => m.code.clone(),
    }
}

/// An assigned case: the matter, and the next step of its plan (late when past its date).
pub(super) fn case_item(
    state: &AppState,
    lang: Lang,
    m: &MatterDetail,
    step: Option<&fengqiao_app::workbench::NextStep>,
    now: i64,
) -> Value {
    let base = matter_item(state, lang, m, now);
    match step {
        Some(st) => context! {
            next => {
                let (colon, (open, close)) = (t(lang, "p_colon"), if lang == Lang::En { (" (", ")") } else { ("（", "）") });
                let (step, due) = (excerpt(&st.description, 30), date(st.due_at));
                format!("{}{colon}{step}{open}{} {due}{close}", t(lang, "wb_next_step"), t(lang, "wb_due"))
            },
            late => st.due_at < now,
            ..base
        },
        None => base,
    }
}

fn section(state: &AppState, lang: Lang, s: &Section, now: i64) -> Value {
    let (items, more): (Vec<Value>, Option<&str>) = match s {
        Section::Instructions { items, .. } => (
            items
                .iter()
                .map(|i| {
                    let mut tags = vec![context! { class => "", text => t(lang, &format!("is_{}", i.status.as_str())) }];
                    if i.colour != fengqiao_domain::instruction::Colour::None {
                        tags.push(context! { class => format!("sv-{}", i.colour.as_str()), text => t(lang, &format!("ic_{}", i.colour.as_str())) });
                    }
                    context! {
                        href => format!("/instructions/{}", i.row.code),
                        title => i.row.title.clone(),
                        sub => format!("{} → {}", i.row.issuer_name, i.row.recipient_name.clone().unwrap_or_else(|| i.row.recipient_unit_name.clone())),
                        tags => tags,
                        when => i.due.map(|d| format!("{} {}", t(lang, "wb_due"), crate::present::beijing_time(d).get(..16).unwrap_or_default())),
                        code => i.row.code.clone(),
                    }
                })
                .collect(),
            Some("/instructions"),
        ),
        Section::MyCases { cases, .. } => (
            cases.iter().map(|(m, step)| case_item(state, lang, m, step.as_ref(), now)).collect(),
            Some("/cases"),
        ),
        Section::Alerts { alerts, .. } => (
            alerts
                .iter()
                .map(|a| context! {
                    href => format!("/matters/{}", a.matter_code),
                    title => excerpt(&a.factors, 40),
                    sub => a.grid_name.clone(),
                    tags => vec![context! { class => format!("risk-{}", a.level), text => format!("{} {}", t(lang, &format!("rl_{}", a.level)), a.score) }],
                    when => date(a.created_at),
                    code => a.matter_code.clone(),
                })
                .collect(),
            Some("/warning"),
        ),
        Section::NewReports { matters, .. } => (
            matters.iter().map(|m| matter_item(state, lang, m, now)).collect(),
            Some("/matters?status=registered"),
        ),
        Section::OpenMatters { matters, .. } => (
            matters.iter().map(|m| matter_item(state, lang, m, now)).collect(),
            Some("/matters?status=open"),
        ),
        Section::Overdue { rows, .. } => (
            rows.iter()
                .map(|(kinds, r)| context! {
                    href => format!("/matters/{}", r.code),
                    title => excerpt(&r.detail, 40),
                    sub => if r.handler_name == r.grid_name { r.grid_name.clone() } else { format!("{} · {}", r.grid_name, r.handler_name) },
                    tags => kinds.iter().map(|k| context! { class => "care", text => t(lang, &format!("sv_{}", k.code())) }).collect::<Vec<_>>(),
                    when => format!("{} {}", t(lang, "wb_due"), date(r.due_at)),
                    code => r.code.clone(),
                })
                .collect(),
            Some("/supervision"),
        ),
        Section::FollowUpsDue { rows, .. } => (
            rows.iter()
                .map(|r| context! {
                    href => format!("/matters/{}#follow-ups", r.code),
                    title => excerpt(&r.detail, 40),
                    sub => r.grid_name.clone(),
                    tags => Vec::<Value>::new(),
                    when => format!("{} {}", t(lang, "wb_due"), date(r.due_at)),
                    code => r.code.clone(),
                })
                .collect(),
            Some("/supervision#sv_follow_ups_due"),
        ),
        Section::Shifts { shifts, .. } => (
            shifts
                .iter()
                .map(|r| context! {
                    href => "/roster",
                    title => format!("{} · {}", t(lang, &format!("post_{}", r.post)), r.template_name),
                    sub => format!("{} – {}", crate::present::beijing_time(r.starts_at).get(5..16).unwrap_or_default(), crate::present::beijing_time(r.ends_at).get(5..16).unwrap_or_default()),
                    tags => vec![context! { class => "", text => t(lang, &format!("as_{}", r.state.as_deref().unwrap_or("assigned"))) }],
                    when => Value::from(()),
                    code => format!("shift-{}", r.shift_id),
                })
                .collect(),
            Some("/roster"),
        ),
        Section::HandoversToSign { handovers, .. } => (
            handovers
                .iter()
                .map(|h| context! {
                    href => format!("/handovers/{}", h.id),
                    title => t(lang, "ro_handover"),
                    sub => format!("{} – {}", crate::present::beijing_time(h.starts_at).get(5..16).unwrap_or_default(), crate::present::beijing_time(h.ends_at).get(5..16).unwrap_or_default()),
                    tags => vec![context! { class => "care", text => t(lang, if h.outgoing_signed_at.is_some() { "ro_sign_in" } else { "ro_sign_out" }) }],
                    when => Value::from(()),
                    code => format!("handover-{}", h.id),
                })
                .collect(),
            Some("/roster"),
        ),
        Section::SlipsToAnswer { slips, .. } => (
            slips
                .iter()
                .map(|r| context! {
                    href => format!("/supervision/slips/{}", r.code),
                    title => r.reason.chars().take(60).collect::<String>(),
                    sub => r.matter_code.clone().or_else(|| r.instruction_code.clone()).unwrap_or_else(|| r.addressee_unit_name.clone()),
                    tags => vec![context! { class => format!("sv-{}", r.colour), text => t(lang, &format!("slc_{}", r.colour)) }],
                    when => format!("{} {}", t(lang, "sl_answer_due"), crate::present::beijing_time(r.answer_due_at).get(5..16).unwrap_or_default()),
                    code => r.code.clone(),
                })
                .collect(),
            Some("/supervision/slips?scope=mine"),
        ),
        Section::FindingsToReply { items, .. } => (
            items
                .iter()
                .map(|i| context! {
                    href => format!("/supervision/spot-items/{}", i.id),
                    title => i.findings.chars().take(60).collect::<String>(),
                    sub => format!("{} · {}", i.matter_code, i.grid_name),
                    tags => i.flaws.split(',').filter(|f| !f.is_empty()).map(|f| context! { class => "care", text => t(lang, &format!("scf_{f}")) }).collect::<Vec<_>>(),
                    when => Value::from(()),
                    code => format!("finding-{}", i.id),
                })
                .collect(),
            None,
        ),
        Section::PostsToSend { posts, .. } => (
            posts
                .iter()
                .map(|p| context! {
                    href => format!("/daily-posts/{}", p.id.unwrap_or_default()),
                    title => p.grid_name.clone(),
                    sub => p.body.as_deref().unwrap_or_default().lines().nth(1).unwrap_or_default().chars().take(60).collect::<String>(),
                    tags => vec![context! { class => "care", text => t(lang, "dps_draft") }],
                    when => Value::from(()),
                    code => format!("post-{}", p.id.unwrap_or_default()),
                })
                .collect(),
            Some("/daily-posts?status=draft"),
        ),
        Section::RoundsDue { plans, .. } => (
            plans
                .iter()
                .map(|p| context! {
                    href => "/video#plans",
                    title => p.name.clone(),
                    sub => p.unit_name.clone(),
                    tags => Vec::<Value>::new(),
                    when => match p.last_round_at {
                        Some(at) => format!("{} {}", t(lang, "vp_last_round"), crate::present::beijing_time(at).get(5..16).unwrap_or_default()),
                        None => t(lang, "vp_never"),
                    },
                    code => format!("plan-{}", p.id),
                })
                .collect(),
            Some("/video"),
        ),
        Section::VisitsDue { households, .. } => (
            households
                .iter()
                .map(|h| {
                    let care: Vec<Value> = h
                        .care
                        .split(',')
                        .filter_map(fengqiao_domain::registry::CareCategory::parse)
                        .map(|c| context! { class => "care", text => crate::present::care_label(lang, c) })
                        .collect();
                    context! {
                        href => format!("/households/{}#visit", h.code),
                        title => h.address.clone(),
                        sub => h.grid_name.clone(),
                        tags => care,
                        when => match h.last_visit_at {
                            Some(at) => format!("{} {}", t(lang, "wb_last_visit"), date(at)),
                            None => t(lang, "wb_never_visited"),
                        },
                    }
                })
                .collect(),
            None,
        ),
    };
    context! { code => s.code(), items => items, total => s.total(), more => more }
}
