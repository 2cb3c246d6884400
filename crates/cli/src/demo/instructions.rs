//! The demo's instructions (指令): a day's worth from the command room to grid workers (about
//! their open matters) and to communities (on their own), in every state and colour —
//! waiting to be acknowledged, late, acknowledged, overdue (which the escalation job then
//! takes up), reported and waiting to be closed, closed. Written through the store's own
//! steps with past times, so each has the timeline, audit records and outbox events a real
//! one has.

use super::names::Rng;
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::role::Role;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::instructions::{InstructionStep, NewInstruction};
use fengqiao_store::users::UserFilter;
use fengqiao_store::{Store, StoreResult};

const MIN: i64 = 60_000;

/// (title, body) of an instruction about a dispute, and about any other matter.
const ABOUT_DISPUTE: &[(&str, &str)] = &[
    ("上门了解纠纷进展", "请上门了解双方当事人诉求，做好情绪疏导，防止矛盾激化，并反馈处置情况。"),
    ("组织双方当面调解", "请联系社区调委会，约双方当事人当面调解，调解情况及时反馈。"),
    ("核查当事人近况", "请核实当事人近期动态及有无过激言行，发现异常立即报告。"),
];
const ABOUT_OTHER: &[(&str, &str)] = &[
    ("现场核查并督促整改", "请到现场核查情况，督促责任方限期整改，整改前后照片随反馈上传。"),
    ("落实巡查管控措施", "请在该点位加强巡查，落实管控措施，每日反馈一次情况。"),
];
/// To a community as a whole.
const TO_COMMUNITY: &[(&str, &str)] = &[
    ("排查辖区出租屋消防隐患", "本周内完成辖区出租屋消防安全检查，重点查看电动车充电、楼道堆物，建立台账后反馈。"),
    ("节前走访独居老人", "节前走访辖区独居、空巢老人，了解生活困难，落实帮扶措施并反馈名单。"),
    ("开展反诈宣传进楼院", "组织网格员、义警开展反诈宣传进楼院活动，反馈覆盖户数和照片。"),
];

/// Write the demo's instructions as of `now`; how many.
pub async fn generate(store: &Store, seed: u64, now: i64) -> StoreResult<usize> {
    let mut rng = Rng::new(seed ^ 0x5a4c_2026);
    let issuers = [
        store.user_by_username("commander").await?,
        store.user_by_username("duty1").await?,
        store.user_by_username("desk1").await?,
    ];
    let mut ids = store.open_matter_ids().await?;
    ids.truncate(400);
    let matters = store.matters_by_ids(&ids).await?;
    let mut n = 0;
    // Eighteen about open matters, to their grid's worker; six to communities.
    for k in 0..24usize {
        let issuer = &issuers[k % issuers.len()];
        let (title, body, matter_id, unit_id, user_id, path) = if k < 18 {
            let m = &matters[(k * 37 + rng.below(20)) % matters.len()];
            let f = UserFilter { role: Some(Role::GridWorker), text: None, limit: 1, offset: 0 };
            let (workers, _) = store.users_under(&UnitPath(m.grid_path.clone()), &f).await?;
            let Some(w) = workers.into_iter().next() else { continue };
            let pool = if m.kind == fengqiao_domain::matter::MatterKind::Dispute { ABOUT_DISPUTE } else { ABOUT_OTHER };
            let (t, b) = *rng.pick(pool);
            (t, b, Some(m.id), w.unit_id.0, Some(w.id.0), w.unit_path.0)
        } else {
            let c = store.unit_by_code(&format!("XY-C{:02}", 1 + (k * 5) % 14)).await?;
            let (t, b) = TO_COMMUNITY[k % TO_COMMUNITY.len()];
            (t, b, None, c.id.0, None, c.path.0)
        };
        // The state it has reached, and when it was issued (minutes ago).
        let (steps, ago, ack, report): (&[&str], i64, i64, i64) = match k % 8 {
            0 => (&[], 5 + rng.below(15) as i64, 30, 240),
            1 => (&["deliver"], 50 + rng.below(60) as i64, 30, 480),
            2 | 3 => (&["deliver", "acknowledge"], 60 + rng.below(120) as i64, 30, 600),
            4 => (&["deliver", "acknowledge"], 300 + rng.below(60) as i64, 15, 240),
            5 => (&["acknowledge", "report"], 180 + rng.below(120) as i64, 30, 480),
            6 => (&[], 2 + rng.below(5) as i64, 15, 120),
            _ => (&["deliver", "acknowledge", "report", "close"], 600 + rng.below(300) as i64, 30, 480),
        };
        let issued_at = now - ago * MIN;
        let priority = if k % 6 == 4 { "urgent" } else { "normal" };
        let new = NewInstruction {
            title: title.into(),
            body: body.into(),
            priority: priority.into(),
            matter_id,
            issuer_id: issuer.id.0,
            recipient_unit_id: unit_id,
            recipient_user_id: user_id,
            path,
            issued_at,
            ack_due_at: issued_at + ack * MIN,
            report_due_at: issued_at + report * MIN,
        };
        let issuer_ctx = AuditCtx::system(&issuer.username, "demo instruction");
        let code = store.insert_instruction(&issuer_ctx, &new).await?;
        let recipient = match user_id {
            Some(id) => store.user_by_id(fengqiao_domain::ids::UserId(id)).await?.username,
            None => format!("cl{:02}", 1 + (k * 5) % 14),
        };
        let mut status = "sent";
        for (i, event) in steps.iter().enumerate() {
            let to = match *event {
                "deliver" => "delivered",
                "acknowledge" => "acknowledged",
                "report" => "reported",
                _ => "closed",
            };
            let note = match *event {
                "report" => "已按要求落实，情况已核实，后续继续跟进。",
                _ => "",
            };
            let by = if *event == "close" { &issuer.username } else { &recipient };
            // Steps spread over the time since issue, acknowledgement within its deadline.
            let at = issued_at + (i as i64 + 1) * (ack * MIN / 3).min(ago * MIN / (steps.len() as i64 + 1));
            let step = InstructionStep { code: &code, event, from: status, to, note, now: at };
            store.instruction_step(&AuditCtx::system(by, "demo instruction"), &step).await?;
            status = to;
        }
        n += 1;
    }
    Ok(n)
}
