//! The demo's daily grid posts (一日一微): the last six days' posts of every grid, drafted from
//! the records by the evening rule and sent by one of the grid's workers at about 21:00 — a
//! few left unsent — and, from 18:00, today's drafts waiting on the workbench.

use fengqiao_domain::daily_post::{china_day, day_bounds, evening};
use fengqiao_domain::role::Role;
use fengqiao_store::Store;
use fengqiao_store::users::UserFilter;

const HOUR: i64 = 3_600_000;

/// Write the demo's daily posts as of `now`: (drafted, sent).
pub async fn generate(app: &fengqiao_app::App, store: &Store, now: i64) -> anyhow::Result<(usize, usize)> {
    let today = china_day(now);
    let grids = store.post_grids("").await?;
    let mut workers = Vec::with_capacity(grids.len());
    for g in &grids {
        let f = UserFilter { role: Some(Role::GridWorker), text: None, limit: 1, offset: 0 };
        let path = fengqiao_domain::org::UnitPath(g.path.clone());
        workers.push(store.users_under(&path, &f).await?.0.into_iter().next());
    }
    let (mut drafted, mut sent) = (0, 0);
    for back in (1..=6i64).rev() {
        let day = today - chrono::Duration::days(back);
        let (_, end) = day_bounds(day);
        drafted += fengqiao_app::daily_posts::draft_all(app, "", day, end - 6 * HOUR).await?;
        let key = day.format("%Y-%m-%d").to_string();
        for (k, (g, worker)) in grids.iter().zip(&workers).enumerate() {
            // One grid in nine leaves a day unsent, in turn.
            let Some(u) = worker else { continue };
            if (k as i64 + back) % 9 == 0 {
                continue;
            }
            let Some(post) = store.daily_post_of(g.id, &key).await? else { continue };
            let ctx = fengqiao_app::accounts::audit_ctx_for(Some(u), &u.username, "demo", "daily grid post");
            let at = end - 3 * HOUR + (k as i64 % 40) * 60_000;
            store.send_daily_post(&ctx, &post, post.version.unwrap_or(1), at).await?;
            sent += 1;
        }
    }
    if evening(now) {
        drafted += fengqiao_app::daily_posts::draft_all(app, "", today, now).await?;
    }
    Ok((drafted, sent))
}
