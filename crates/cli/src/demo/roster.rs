//! The demo's roster: the command room's posts on 24-hour shifts from 08:30 — the duty
//! commander rotating over duty1–duty4 (duty1 on duty now, duty2 next), the leading commander, and each of the five desks
//! rotating over desk1–desk5 — from two weeks back to two weeks ahead. Past shifts are done
//! (one desk officer missed one), today's confirmed, one of next week's swapped; yesterday's
//! handover was written from the data and signed by both duty commanders.

use fengqiao_domain::roster::{Post, day_of, rotation, shift_times};
use fengqiao_store::Store;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::roster::NewTemplate;

const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;

/// Write the demo's roster as of `now`; how many assignments.
pub async fn generate(app: &fengqiao_app::App, store: &Store, now: i64) -> anyhow::Result<usize> {
    let ctx = AuditCtx::system("demo", "roster");
    let station = store.unit_by_code("XY").await?;
    let mut ids = std::collections::HashMap::new();
    for name in ["commander", "duty1", "duty2", "duty3", "duty4", "desk1", "desk2", "desk3", "desk4", "desk5"] {
        ids.insert(name, store.user_by_username(name).await?.id.0);
    }
    let today = day_of(now - (8 * 60 + 30) * MIN); // the day the shift now under way began
    let first = today - 14 * DAY;
    let posts: [(Post, &str, &[&str]); 7] = [
        (Post::Commander, "带班指挥长", &["commander"]),
        // Ordered so that duty1 has the shift under way and duty2 the next (both printed logins).
        (Post::DutyCommander, "值班指挥长", &["duty3", "duty4", "duty1", "duty2"]),
        (Post::Dispatch, "指挥调度值守", &["desk1", "desk2", "desk3", "desk4", "desk5"]),
        (Post::Fusion, "警网融合值守", &["desk2", "desk3", "desk4", "desk5", "desk1"]),
        (Post::Supervision, "勤务监督值守", &["desk3", "desk4", "desk5", "desk1", "desk2"]),
        (Post::Affairs, "综合内务值守", &["desk4", "desk5", "desk1", "desk2", "desk3"]),
        (Post::Video, "视频巡查值守", &["desk5", "desk1", "desk2", "desk3", "desk4"]),
    ];
    let mut total = 0;
    for (post, name, people) in posts {
        let t = NewTemplate {
            unit_id: station.id.0,
            path: station.path.0.clone(),
            post: post.as_str().into(),
            name: name.into(),
            start_minute: 8 * 60 + 30,
            duration_minutes: 24 * 60,
            min_people: 1,
            max_people: 2,
        };
        let id = store.insert_shift_template(&ctx, &t, first).await?;
        let t = store.shift_template(id).await?.expect("just made");
        // The desks turn over five days, so on any day each desk has another officer.
        let shifts: Vec<(i64, i64, Vec<i64>)> = (0..28usize)
            .map(|d| {
                let (s, e) = shift_times(first + d as i64 * DAY, t.start_minute, t.duration_minutes);
                (s, e, rotation(people.len(), 1, d).into_iter().map(|k| ids[people[k]]).collect())
            })
            .collect();
        total += store.roster_shifts(&ctx, &t, &shifts, first).await?;
    }
    // Attendance: past shifts done (desk3 missed one), today's confirmed.
    let rows = store.roster(&station.path.0, first, today + DAY).await?;
    for r in &rows {
        let Some(a) = r.assignment_id else { continue };
        let to = if r.starts_at >= today {
            "confirmed"
        } else if r.username.as_deref() == Some("desk3") && r.starts_at == today - 5 * DAY {
            "no_show"
        } else {
            "done"
        };
        store.set_assignment_state(&ctx, a, "assigned", to, "", r.ends_at.min(now)).await?;
    }
    // Next week, a duty commander's shift swapped to a colleague.
    let later = store.roster(&station.path.0, today + 3 * DAY, today + 4 * DAY).await?;
    if let Some(r) = later.iter().find(|r| r.post == "duty_commander") {
        let other = ["duty1", "duty2", "duty3", "duty4"].into_iter().find(|u| Some(*u) != r.username.as_deref());
        if let (Some(a), Some(other)) = (r.assignment_id, other) {
            store.swap_assignment(&ctx, a, "assigned", ids[other], now - 60 * MIN).await?;
        }
    }
    // Yesterday's handover, written from the data as it then stood, signed by both.
    let path = &station.path.0;
    let at = |t: i64| async move {
        let s = store.shifts_under_way(path, "duty_commander", t).await?;
        anyhow::Ok(s.into_iter().next().map(|s| (s.0, s.1, s.2)))
    };
    if let (Some(y), Some(t)) = (at(today - DAY + 9 * 60 * MIN).await?, at(today + 9 * 60 * MIN).await?) {
        let at = y.2 - 20 * MIN;
        let sheet = fengqiao_app::roster::sheet(app, path, (y.1, y.2), t.2, at).await?;
        let out = store.shift_people(y.0).await?;
        let inc = store.shift_people(t.0).await?;
        if let (Some(o), Some(i)) = (out.first(), inc.first()) {
            let note = "夜间府前社区烧烤店周边巡逻加密一次；崇文社区停车纠纷双方情绪稳定，今日上午回访。";
            let id = store
                .prepare_handover(&ctx, y.0, Some(t.0), path, &serde_json::to_string(&sheet)?, note, o.0, at)
                .await?;
            store.sign_handover(&ctx, id, o.0, false, at + 5 * MIN).await?;
            store.sign_handover(&ctx, id, i.0, true, y.2 + 10 * MIN).await?;
        }
    }
    Ok(total)
}
