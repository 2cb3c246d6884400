//! A year of matters for the demo, shaped by the seed: about 443 disputes found and
//! resolved, most at the grid tier, some at the community and street, none passed up and
//! none turning criminal; hazards, requests and tips answered; a few still open. Categories
//! follow the national mediation statistics' shares (neighbour ~23%, marriage and family
//! ~20%, ...).

use super::names::Rng;
use super::registry::DemoGrid;
use fengqiao_domain::matter::{Category, Difficulty, MatterKind, Priority, Source, Tier, deadlines_minutes};
use fengqiao_store::matters::{NewMatter, PastMatter, insert_past_matter};
use fengqiao_store::mediation::{PastAgreement, PastCasework, PastPlan, insert_past_casework};
use fengqiao_store::{Conn, Crypto, StoreResult};

const DAY: i64 = 86_400_000;

fn narrative(rng: &mut Rng, c: Category) -> &'static str {
    let options: &[&str] = match c {
        Category::Neighbour => &[
            "楼上装修噪音持续到深夜，多次沟通无果",
            "邻居在楼道堆放杂物，双方发生争执",
            "空调外机滴水到楼下阳台引发矛盾",
            "宠物狗夜间吠叫扰民",
        ],
        Category::MarriageFamily => &[
            "夫妻因家庭琐事长期争吵，女方要求调解",
            "兄弟姐妹因赡养老人费用分担产生分歧",
            "离婚后男方多次到前岳父母家纠缠",
            "父子因房产继承问题关系紧张",
        ],
        Category::PropertyManagement => &["业主拒交物业费，与物业公司发生纠纷", "小区停车位分配不公引发业主不满"],
        Category::LabourWages => &["务工人员被拖欠工资三个月", "装修工人与雇主因工钱结算发生争执"],
        Category::ContractDebt => &["朋友借款到期不还，多次催要未果", "买卖合同货款纠纷"],
        Category::Consumer => &["在小区超市购买过期食品要求赔偿", "健身房预付卡退费纠纷"],
        Category::Damages => &["电动车剐蹭行人引发赔偿纠纷", "楼上漏水损坏楼下装修"],
        Category::HousingHomestead => &["相邻住户因院墙界限发生争议", "房屋租赁押金退还纠纷"],
        Category::Traffic => &["小区内车辆剐蹭责任认定纠纷"],
        Category::SchoolBullying => &["学生在校外被高年级同学索要财物"],
        _ => &["商铺占道经营与居民发生口角"],
    };
    options[rng.below(options.len())]
}

fn category(rng: &mut Rng) -> Category {
    match rng.below(100) {
        0..23 => Category::Neighbour,
        23..43 => Category::MarriageFamily,
        43..50 => Category::HousingHomestead,
        50..58 => Category::Damages,
        58..68 => Category::PropertyManagement,
        68..76 => Category::LabourWages,
        76..84 => Category::ContractDebt,
        84..90 => Category::Consumer,
        90..94 => Category::Traffic,
        94..96 => Category::SchoolBullying,
        _ => Category::Other,
    }
}

/// What the parties agreed, by category: (points in dispute, responsibilities, the term).
fn settlement(c: Category) -> (&'static str, &'static str, &'static str, &'static str) {
    match c {
        Category::Neighbour => (
            "噪音、滴水等相邻关系问题",
            "被申请人负主要责任，申请人予以谅解",
            "整改扰民问题并向对方致歉",
            "当面致歉，网格员监督",
        ),
        Category::MarriageFamily => {
            ("家庭成员之间的责任与相处", "双方各自检讨，互相体谅", "按月承担赡养或探视约定", "按月履行，社区回访")
        }
        Category::PropertyManagement => {
            ("物业服务与费用", "物业公司改进服务，业主按约缴费", "补缴物业费并改进服务", "银行转账")
        }
        Category::LabourWages => ("工资结算", "雇主承担支付责任", "支付拖欠工资", "银行转账"),
        Category::ContractDebt => ("欠款数额与还款期限", "债务人承担还款责任", "分期偿还欠款", "银行转账"),
        Category::Consumer => ("退费与赔偿", "商家承担退费责任", "退还预付款", "现金当面支付"),
        Category::Damages => ("损失数额与赔偿", "侵权方承担赔偿责任", "赔偿维修费用", "现金当面支付"),
        Category::HousingHomestead => ("房屋界限与使用", "双方按原有界限使用", "恢复原状", "自行施工，网格员见证"),
        _ => ("争议事项", "双方各负其责", "履行约定事项", "当面履行"),
    }
}

fn casework(
    rng: &mut Rng,
    narrative: &str,
    cat: Category,
    code: &str,
    times: &CaseTimes,
    mediator: &str,
    now: i64,
) -> PastCasework {
    let applicant = super::names::person_name(rng);
    let respondent = super::names::person_name(rng);
    let mediator_name = super::names::person_name(rng);
    let (points, resp, term, manner) = settlement(cat);
    let consent = times.mediation_started.unwrap_or(now);
    let mut c = PastCasework {
        parties: vec![
            ("applicant".into(), applicant.clone(), Some(super::names::phone(rng)), consent),
            ("respondent".into(), respondent.clone(), Some(super::names::phone(rng)), consent),
        ],
        recorded_by: mediator.into(),
        ..Default::default()
    };
    if let Some(started) = times.mediation_started {
        c.sessions.push((
            started + 3 * 3_600_000,
            "社区人民调解室".into(),
            format!("{applicant}、{respondent}、调解员{mediator_name}"),
            format!("双方分别陈述了{points}方面的意见。调解员释法明理，引导双方换位思考，双方表示愿意协商解决。"),
        ));
    }
    if let (Some(reached), Some(signed)) = (times.agreement_reached, times.signed) {
        let due = signed + (3 + rng.below(10) as i64) * DAY;
        c.agreement = Some(PastAgreement {
            number: format!("{}号", code.replacen('M', "调协", 1)),
            facts: narrative.into(),
            points: points.into(),
            responsibilities: resp.into(),
            mediator: mediator_name.clone(),
            drafted_at: reached,
            signed_at: Some(signed),
            judicial_confirmation: if rng.below(100) < 12 { "confirmed" } else { "none" }.into(),
            terms: vec![(respondent, term.into(), manner.into(), due, times.performed)],
        });
    }
    if let Some(closed) = times.performed {
        for days in fengqiao_domain::mediation::FOLLOW_UP_DAYS {
            let due = closed + days * DAY;
            let done = (due < now).then(|| {
                let r = [5, 5 - (rng.below(4) == 0) as i64, 5, 5 - (rng.below(5) == 0) as i64];
                (due, "双方关系和睦，协议履行到位，未再发生纠纷".to_string(), r)
            });
            c.follow_ups.push((due, done));
        }
    }
    c
}

/// A case plan (一案一策) begun when mediation started: its steps done by `finished`, or
/// those already past done while the case is open.
fn case_plan(started: i64, finished: Option<i64>, now: i64) -> PastPlan {
    let steps = [
        ("分别约谈双方当事人，了解各自诉求", 1),
        ("组织双方面对面调解，释法明理", 3),
        ("起草调解协议，约定履行方式", 7),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (what, days))| {
        let due = started + days * DAY;
        let done = match finished {
            Some(f) => Some(due.min(f)),
            None => (i == 0 && due < now).then_some(due),
        };
        (what.to_string(), due, done)
    })
    .collect();
    ("促成双方自愿达成调解协议，案结事了人和".to_string(), steps)
}

#[derive(Default)]
struct CaseTimes {
    mediation_started: Option<i64>,
    agreement_reached: Option<i64>,
    signed: Option<i64>,
    performed: Option<i64>,
}

pub async fn generate(
    conn: &mut Conn,
    crypto: &Crypto,
    rng: &mut Rng,
    lattice: &super::lattice::Lattice,
    grids: &[DemoGrid],
    mediators: &[i64],
    now: i64,
) -> StoreResult<usize> {
    let mut n = 0;
    // The centre's mediators take the disputes settled at the street (in turn) and the open
    // ones being mediated (two each, med01 first): each with a case plan naming them.
    let (mut settled_assigned, mut open_assigned) = (0usize, 0usize);
    let year_ago = now - 365 * DAY;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    // 443 settled disputes, 12 still open (4 of them being mediated); 300 other matters, 20
    // still open.
    let plan: Vec<(MatterKind, bool)> = std::iter::repeat_n((MatterKind::Dispute, true), 443)
        .chain(std::iter::repeat_n((MatterKind::Dispute, false), 12))
        .chain((0..300).map(|i| ([MatterKind::Hazard, MatterKind::Request, MatterKind::Tip][i % 3], i >= 20)))
        .collect();
    let mut open_disputes = 0;
    for (kind, done) in plan {
        n += 1;
        let picked = &grids[rng.below(grids.len())];
        // A third of the open matters lie in the first grid, so that its worker (gw001, whose
        // login the demo prints) finds work on the workbench.
        let g = if !done && n % 3 == 0 { &grids[0] } else { picked };
        // Settled ones spread over the year; open ones in the last ten days (never ahead of now).
        let created = if done {
            // Early enough that the whole history (up to about four weeks) lies in the past.
            year_ago + rng.below(330) as i64 * DAY + rng.below(600) as i64 * 60_000
        } else {
            now - rng.below(10) as i64 * DAY - (60 + rng.below(600) as i64) * 60_000
        };
        let cat = if kind == MatterKind::Dispute { category(rng) } else { Category::Other };
        // Where it happened: a point in one of the grid's cells, drawn from a generator of its
        // own so the rest of the demo stays as it was.
        let point = {
            let mut at = Rng::new(0x5eed_0000 + n as u64);
            let (ci, cj) = g.cells[at.below(g.cells.len())];
            lattice.point(ci, cj, 0.1 + at.below(80) as f64 / 100.0, 0.1 + at.below(80) as f64 / 100.0)
        };
        let priority = if rng.below(100) < 8 { Priority::High } else { Priority::Normal };
        let (ack, resolve) = deadlines_minutes(kind, priority);
        let dispute = kind == MatterKind::Dispute;
        // Most disputes are settled at the grid; some go to the community, a few to the street.
        let final_tier = match rng.below(100) {
            0..78 => "grid",
            78..95 => "community",
            _ => "street",
        };
        let text = if dispute {
            narrative(rng, cat).to_string()
        } else {
            match kind {
                MatterKind::Hazard => "楼道堆放易燃杂物，存在消防隐患",
                MatterKind::Request => "独居老人家中水管漏水需要帮助",
                _ => "发现有人在小区内推销可疑理财产品",
            }
            .to_string()
        };
        let matter = NewMatter {
            kind,
            category: cat.as_str().into(),
            priority,
            narrative: text,
            source: match [Source::Screening, Source::Patrol, Source::HouseholdQr, Source::WalkIn, Source::Phone]
                [rng.below(5)]
            {
                // Some of the open requests, hazards and tips are residents' reports waiting.
                _ if !done && !dispute && n % 2 == 0 => Source::HouseholdQr,
                s => s,
            },
            grid_id: g.id.0,
            household_id: None,
            lat: Some(point.1),
            lon: Some(point.0),
            address: None,
            reporter_name: None,
            reporter_phone: None,
            // Open disputes are still at the grid; settled ones ended where they were settled.
            tier: dispute.then(|| Tier::parse(if done { final_tier } else { "grid" }).expect("a tier")),
            approach: if dispute { cat.suggested_approach() } else { None },
            ack_due_at: created + ack * 60_000,
            resolve_due_at: created + resolve * 60_000,
            difficulty: Difficulty::Ordinary,
            five_small: None,
            open311: None,
            initial: Default::default(),
        };
        let actor = format!("gw{:03}", rng.below(156) + 1);
        let mut at = created;
        let mut steps = vec![];
        let mut push = |event: &str, from: &str, to: &str, tier: Option<&str>, at: i64| {
            steps.push((
                event.to_string(),
                from.to_string(),
                to.to_string(),
                tier.map(str::to_string),
                actor.clone(),
                at,
            ));
        };
        let mut times = CaseTimes::default();
        let (status, closure) = if dispute {
            at += rng.below(240) as i64 * 60_000;
            push("accept", "registered", "accepted", None, at);
            if !done {
                open_disputes += 1;
                if open_disputes <= 4 {
                    at = (at + 3_600_000).min(now - 60_000);
                    push("start_mediation", "accepted", "mediating", None, at);
                    times.mediation_started = Some(at);
                    ("mediating", None)
                } else {
                    ("accepted", None)
                }
            } else {
                at += DAY;
                push("start_mediation", "accepted", "mediating", None, at);
                times.mediation_started = Some(at);
                if final_tier != "grid" {
                    at += 2 * DAY;
                    push("escalate", "mediating", "accepted", Some("community"), at);
                    if final_tier == "street" {
                        at += 3 * DAY;
                        push("escalate", "accepted", "accepted", Some("street"), at);
                    }
                    at += DAY;
                    push("start_mediation", "accepted", "mediating", None, at);
                }
                at += (1 + rng.below(10) as i64) * DAY;
                push("reach_agreement", "mediating", "agreement_reached", None, at);
                times.agreement_reached = Some(at);
                at += DAY;
                push("start_performing", "agreement_reached", "performing", None, at);
                times.signed = Some(at);
                at += (1 + rng.below(10) as i64) * DAY;
                push("perform", "performing", "closed:settled", None, at.min(now));
                times.performed = Some(at.min(now));
                ("closed", Some("settled".to_string()))
            }
        } else {
            at += rng.below(120) as i64 * 60_000;
            if !done && matter.source == Source::HouseholdQr {
                // A resident's report nobody has accepted yet.
                ("registered", None)
            } else if !done {
                push("accept", "registered", "accepted", None, at);
                ("accepted", None)
            } else {
                push("accept", "registered", "accepted", None, at);
                push("start_work", "accepted", "in_progress", None, at + 3_600_000);
                at += (1 + rng.below(3) as i64) * DAY;
                push("resolve", "in_progress", "closed:resolved", None, at.min(now));
                ("closed", Some("resolved".to_string()))
            }
        };
        let day = chrono::DateTime::from_timestamp_millis(created)
            .map(|t| t.with_timezone(&tz).format("%Y%m%d").to_string())
            .unwrap_or_default();
        let narrative = matter.narrative.clone();
        let past = PastMatter { matter, status: status.into(), closure, created_at: created, steps };
        let code = format!("M{day}-D{n:05}");
        let id = insert_past_matter(conn, &code, &past).await?;
        if dispute && let Some(started) = times.mediation_started {
            let mut c = casework(rng, &narrative, cat, &code, &times, &actor, now);
            let who = if status == "mediating" {
                open_assigned += 1;
                Some((open_assigned - 1) / 2)
            } else if done && final_tier == "street" {
                settled_assigned += 1;
                Some(settled_assigned - 1)
            } else {
                None
            };
            if let Some(i) = who
                && !mediators.is_empty()
            {
                c.mediators = vec![mediators[i % mediators.len()]];
                c.plan = Some(case_plan(started, times.performed, now));
            }
            insert_past_casework(conn, crypto, id, &c).await?;
        }
    }
    Ok(n)
}
