//! The demo's supervision desk (督查): slips in the three colours about the station's overdue
//! matters and an overdue instruction — waiting for an answer, answered, closed — and last
//! week's quality spot check, drawn by the weekly job's own rule and partly reviewed, one
//! matter found flawed. Written through the store's own steps, so each has the timeline,
//! audit records and outbox events a real one has.

use fengqiao_domain::supervision::{SlipColour, SlipStatus};
use fengqiao_store::Store;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::supervision::{NewSlip, Review, SlipStep};

const HOUR: i64 = 3_600_000;

/// What the desk writes on a slip about an overdue matter, by colour.
const REASONS: &[(&str, &str)] = &[
    ("blue", "该事项临近办理期限，请抓紧推进，按期办结。"),
    ("orange", "该事项已超过办理期限，请说明未办结原因并提出办结时限。"),
    ("red", "该事项超期多日且经多次催办仍未办结，请承办单位负责人牵头，24 小时内书面回复整改措施。"),
];

/// Write the demo's slips and spot check as of `now`; (slips, matters drawn).
pub async fn generate(app: &fengqiao_app::App, store: &Store, seed: u64, now: i64) -> anyhow::Result<(usize, usize)> {
    let station = store.unit_by_code("XY").await?;
    let desk = store.user_by_username("desk3").await?;
    let commander = store.user_by_username("commander").await?;
    let ctx = AuditCtx::system("demo", "supervision");
    let overdue = store.supervision_under(&station.path.0, now).await?;
    let mut slips = 0;
    for (k, row) in overdue.unresolved.iter().take(6).enumerate() {
        let m = store.matter_by_code(&row.code).await?;
        let (unit_id, path) = store.matter_handler_unit(m.id).await?;
        let urged = store.urge_count(m.id).await?;
        let colour = fengqiao_app::supervision::suggested(m.resolve_due_at, urged + (k as i64 % 3), now);
        let issued_at = now - (30 - 4 * k as i64) * HOUR;
        let reason = REASONS.iter().find(|(c, _)| *c == colour.as_str()).map_or(REASONS[1].1, |r| r.1);
        let n = NewSlip {
            colour: colour.as_str().into(),
            subject: "matter".into(),
            matter_id: Some(m.id),
            instruction_id: None,
            reason: reason.into(),
            issuer_id: if k % 2 == 0 { desk.id.0 } else { commander.id.0 },
            addressee_unit_id: unit_id,
            addressee_user_id: None,
            path,
            issued_at,
            answer_due_at: issued_at + colour.answer_within_hours() * HOUR,
        };
        let code = store.insert_slip(&ctx, &n).await?;
        slips += 1;
        // The first two were answered; the first of them closed.
        if k < 2 {
            let answer = "已约双方当事人本周内再次调解，承办民警每日跟进，预计三日内办结。";
            let s = SlipStep {
                code: &code,
                event: "answer",
                from: SlipStatus::Issued.as_str(),
                to: SlipStatus::Answered.as_str(),
                note: answer,
                now: issued_at + 6 * HOUR,
                answer_due_at: None,
            };
            store.slip_step(&AuditCtx::system("demo", "supervision answer"), &s).await?;
        }
        if k == 0 {
            let s = SlipStep {
                code: &code,
                event: "close",
                from: SlipStatus::Answered.as_str(),
                to: SlipStatus::Closed.as_str(),
                note: "",
                now: issued_at + 8 * HOUR,
                answer_due_at: None,
            };
            store.slip_step(&ctx, &s).await?;
        }
    }
    // One about an overdue instruction, to its recipient, red.
    if let Some(i) = store.instructions_to_escalate(now, 1).await?.into_iter().next() {
        let n = NewSlip {
            colour: SlipColour::Red.as_str().into(),
            subject: "instruction".into(),
            matter_id: None,
            instruction_id: Some(i.id),
            reason: "指令逾期未反馈，请立即反馈办理情况。".into(),
            issuer_id: desk.id.0,
            addressee_unit_id: i.recipient_unit_id,
            addressee_user_id: i.recipient_user_id,
            path: i.path.clone(),
            issued_at: now - HOUR,
            answer_due_at: now - HOUR + SlipColour::Red.answer_within_hours() * HOUR,
        };
        store.insert_slip(&ctx, &n).await?;
        slips += 1;
    }
    // The last five weeks' spot checks, as the Monday job drew them (the demo's matters were
    // closed weeks ago, so the latest weeks may have none); the latest sample with matters
    // partly reviewed.
    // Drawn with the demo's seeded generator, so the same seed draws the same matters.
    let mut rng = super::names::Rng::new(seed ^ 0xd0_2026);
    let mut word = move || rng.next_u64();
    for weeks_ago in (0..5).rev() {
        fengqiao_app::supervision::draw_weekly_with(app, now - weeks_ago * 7 * 24 * HOUR, &mut word).await?;
    }
    let mut drawn = 0;
    let checks = store.spot_checks(&station.path.0, 5).await?;
    if let Some(c) = checks.iter().find(|c| c.items > 0) {
        let items = store.spot_items(c.id).await?;
        drawn += items.len();
        for (k, it) in items.iter().take(4).enumerate() {
            let flawed = k == 1;
            let r = Review {
                item_id: it.id,
                verdict: if flawed { "flawed" } else { "sound" },
                flaws: if flawed { "incomplete_record,no_follow_up" } else { "" },
                findings: if flawed {
                    "调解笔录缺当事人签字，办结后未按期回访。请补齐笔录并完成回访。"
                } else {
                    ""
                },
                reviewer_id: desk.id.0,
                now: now - (4 - k as i64) * HOUR,
            };
            store.review_spot_item(&ctx, &r).await?;
        }
    }
    Ok((slips, drawn))
}
