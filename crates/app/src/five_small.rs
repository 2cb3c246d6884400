//! "Five small" policing counted (五小警务, issue 11 item 9): per person or per grid over a
//! period of China days, from the matters closed and the household visits recorded in the
//! actor's jurisdiction (or a unit of it). Whoever sees the matters of an area sees its
//! counts. The rule of what counts as which is `fengqiao_domain::five_small`.

use crate::{Actor, App, Error, Result};
use chrono::NaiveDate;
use fengqiao_domain::daily_post::{china_day, day_bounds};
use fengqiao_domain::five_small::{Counts, FiveSmall, of_matter, period_refusal};
use fengqiao_domain::policy::Action;
use fengqiao_store::StoreError;
use std::collections::BTreeMap;

/// Counted per person (who closed the matter, who made the visit) or per grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Person,
    Grid,
}

impl By {
    pub fn parse(s: &str) -> Option<By> {
        match s {
            "" | "person" => Some(By::Person),
            "grid" => Some(By::Grid),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            By::Person => "person",
            By::Grid => "grid",
        }
    }
}

/// One person's or grid's counts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// A username or a grid's code (empty for work recorded by the system).
    pub key: String,
    pub name: String,
    /// The person's unit, or the grid's community.
    pub unit_name: String,
    pub counts: Counts,
    pub total: i64,
}

/// The counts of a period: the rows (most work first), and their sum.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tally {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<Row>,
    pub totals: Counts,
    pub total: i64,
}

/// The default period: this month so far (China time).
pub fn this_month(app: &App) -> (NaiveDate, NaiveDate) {
    use chrono::Datelike;
    let today = china_day(app.clock.now());
    (today.with_day(1).expect("the first of a month exists"), today)
}

/// Count the period `[from, to]` (both included) under `unit` (the actor's jurisdiction when
/// empty), per person or per grid. Grids with nothing are listed too (with zeros).
pub async fn tally(app: &App, actor: &Actor, unit: &str, by: By, from: NaiveDate, to: NaiveDate) -> Result<Tally> {
    actor.authorize(app, Action::ViewMatters, actor.jurisdiction(), ("five_small", "tally")).await?;
    let path = match unit.trim() {
        "" => actor.jurisdiction().clone(),
        code => match app.store.unit_by_code(code).await {
            Ok(u) if actor.can(Action::ViewMatters, &u.path) => u.path,
            Ok(_) | Err(StoreError::NotFound) => {
                let code: String = code.chars().take(40).collect();
                return Err(Error::field("unit", format!("no unit \"{code}\" in your jurisdiction")));
            }
            Err(e) => return Err(e.into()),
        },
    };
    if let Some(why) = period_refusal(from, to) {
        return Err(Error::field("to", why));
    }
    let (start, end) = (day_bounds(from).0, day_bounds(to).1);
    let person = by == By::Person;
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    if by == By::Grid {
        for g in app.store.post_grids(&path.0).await? {
            let row = Row {
                key: g.code.clone(),
                name: g.name,
                unit_name: g.parent_name,
                counts: Counts::default(),
                total: 0,
            };
            rows.insert(g.code, row);
        }
    }
    let mut entry = |key: Option<String>, name: Option<String>, unit: Option<String>| -> String {
        let key = key.unwrap_or_default();
        let r = rows.entry(key.clone()).or_insert_with(|| Row {
            key: key.clone(),
            name: String::new(),
            unit_name: String::new(),
            counts: Counts::default(),
            total: 0,
        });
        if r.name.is_empty() {
            r.name = name.unwrap_or_default();
        }
        if r.unit_name.is_empty() {
            r.unit_name = unit.unwrap_or_default();
        }
        key
    };
    let mut adds: Vec<(String, FiveSmall, i64)> = vec![];
    for g in app.store.closed_groups(&path.0, start, end, person).await? {
        if let Some(f) = of_matter(&g.kind, g.closure.as_deref(), g.tag.as_deref()) {
            let key = entry(g.key, g.name, g.unit_name);
            adds.push((key, f, g.n));
        }
    }
    for v in app.store.visit_groups(&path.0, start, end, person).await? {
        let key = entry(Some(v.key), Some(v.name), Some(v.unit_name));
        adds.push((key, FiveSmall::SmallPolicing, v.n));
    }
    let mut totals = Counts::default();
    for (key, f, n) in adds {
        if let Some(r) = rows.get_mut(&key) {
            r.counts.add(f, n);
        }
        totals.add(f, n);
    }
    let mut rows: Vec<Row> = rows
        .into_values()
        .map(|mut r| {
            r.total = r.counts.total();
            r
        })
        .collect();
    rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.key.cmp(&b.key)));
    Ok(Tally { from, to, rows, total: totals.total(), totals })
}
