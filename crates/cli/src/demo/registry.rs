//! The demo's registry: buildings of households in every grid, residents with synthetic ID
//! numbers (valid check digits, unique), organisations and key places, and this month's and
//! last month's visits — deterministic for the seed.

use super::lattice::Lattice;
use super::names::{Rng, person_name, phone};
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use fengqiao_domain::ids::UnitId;
use fengqiao_domain::registry::{CareCategory, DwellingType, OrgKind, Relation};
use fengqiao_domain::{IdNumber, Phone, id_number::check_char};
use fengqiao_store::registry::{
    NewBuilding, NewHousehold, NewOrganisation, NewResident, bulk_insert_visits, bulk_upsert_households,
    bulk_upsert_residents, household_ids, upsert_buildings, upsert_organisation,
};
use fengqiao_store::{Conn, Crypto, StoreResult};
use std::collections::HashSet;

/// A grid as the generator sees it.
pub struct DemoGrid {
    pub id: UnitId,
    pub code: String,
    pub community: String,
    /// Lattice cells `(i, j)` the grid covers.
    pub cells: Vec<(usize, usize)>,
    pub worker_id: i64,
}

#[derive(Default, Debug)]
pub struct RegistrySummary {
    pub households: usize,
    pub residents: usize,
    pub organisations: usize,
    pub visits: usize,
}

const COMPOUND_PREFIX: &[&str] = &[
    "幸福", "和谐", "阳光", "锦绣", "金色", "康宁", "福馨", "御景", "汇丰", "育才", "翠苑", "龙城", "银河", "紫荆",
    "丽景", "文苑", "华府", "嘉园",
];
const COMPOUND_SUFFIX: &[&str] = &["小区", "家园", "苑", "花园", "新村"];
const REGISTERED_ELSEWHERE: &[(&str, &str)] = &[
    ("141102", "山西省吕梁市离石区"),
    ("141182", "山西省汾阳市"),
    ("140105", "山西省太原市小店区"),
    ("142301", "山西省吕梁市"),
    ("140702", "山西省晋中市榆次区"),
];

fn date_of_age(rng: &mut Rng, today: NaiveDate, min: i64, max: i64) -> NaiveDate {
    let days = min * 365 + rng.below(((max - min) * 365) as usize) as i64;
    today - Duration::days(days)
}

fn make_id(rng: &mut Rng, used: &mut HashSet<String>, region: &str, birth: NaiveDate, male: bool) -> IdNumber {
    loop {
        let parity = if male { 1 } else { 0 };
        let seq = rng.below(100) * 10 + 2 * rng.below(5) + parity;
        let first17 = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
        let id = format!("{first17}{}", check_char(first17.as_bytes()));
        if used.insert(id.clone()) {
            return IdNumber::parse(&id).expect("built with its check digit");
        }
    }
}

pub async fn generate(
    conn: &mut Conn,
    crypto: &Crypto,
    rng: &mut Rng,
    lattice: &Lattice,
    grids: &[DemoGrid],
    alliances: &[UnitId],
    households: usize,
) -> StoreResult<RegistrySummary> {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let now = chrono::Utc::now().with_timezone(&tz);
    let today = now.date_naive();
    let mut summary = RegistrySummary::default();
    let per_grid = households.div_ceil(grids.len().max(1));
    let mut used_ids = HashSet::new();
    let mut new_households = vec![];
    // (household code, residents), resolved to ids after the households are written.
    let mut pending: Vec<(String, Vec<NewResident>)> = vec![];
    let mut worker_of: Vec<(String, i64, bool)> = vec![];
    let mut buildings: Vec<NewBuilding> = vec![];
    let mut building_of: Vec<String> = vec![];
    for g in grids {
        let compound = format!("{}{}", rng.pick(COMPOUND_PREFIX), rng.pick(COMPOUND_SUFFIX));
        for n in 0..per_grid {
            if summary.households >= households {
                break;
            }
            summary.households += 1;
            // 24 households to a building: 6 floors × 2 units × 2 rooms.
            let (building, unit, floor, room) = (n / 24 + 1, (n % 24) / 12 + 1, (n % 12) / 2 + 1, n % 2 + 1);
            let (ci, cj) = g.cells[(building - 1) % g.cells.len()];
            let slot = (building - 1) / g.cells.len();
            let (u, v) = (0.2 + 0.6 * ((slot * 7 % 5) as f64 / 4.0), 0.2 + 0.6 * ((slot * 3 % 4) as f64 / 3.0));
            let (lon, lat) = lattice.point(ci, cj, u, v);
            let (lon, lat) = ((lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6);
            let building_code = format!("{}-B{building:02}", g.code);
            if n % 24 == 0 {
                buildings.push(NewBuilding {
                    code: building_code.clone(),
                    grid_id: g.id,
                    compound: compound.clone(),
                    name: format!("{building}号楼"),
                    lat,
                    lon,
                });
            }
            building_of.push(building_code);
            let roll = rng.below(100);
            let dwelling = if roll < 70 {
                DwellingType::OwnerOccupied
            } else if roll < 92 {
                DwellingType::Rented
            } else {
                DwellingType::Vacant
            };
            let code = format!("{}-H{:04}", g.code, n + 1);
            let address =
                format!("孝义市新义街道{}{}{}号楼{}单元{}0{}室", g.community, compound, building, unit, floor, room);
            let head_phone = Phone::parse(&phone(rng)).expect("valid");
            new_households.push(NewHousehold {
                code: code.clone(),
                building_id: None,
                grid_id: g.id,
                address,
                unit_no: Some(unit.to_string()),
                room: Some(format!("{floor}0{room}")),
                lat,
                lon,
                dwelling_type: dwelling,
                is_rental: dwelling == DwellingType::Rented,
                phone: (dwelling != DwellingType::Vacant).then(|| head_phone.clone()),
                // Every household gets its QR code (一户一码); tokens are random, not seeded.
                qr_token: Some(fengqiao_app::accounts::random_token()),
            });
            worker_of.push((code.clone(), g.worker_id, dwelling == DwellingType::Vacant));
            if dwelling == DwellingType::Vacant {
                continue;
            }
            let size = match rng.below(100) {
                0..15 => 1,
                15..45 => 2,
                45..75 => 3,
                75..92 => 4,
                _ => 5,
            };
            let rented = dwelling == DwellingType::Rented;
            let (region, registered_address) = if rented && rng.below(100) < 70 {
                let (r, a) = *rng.pick(REGISTERED_ELSEWHERE);
                (r, Some(a.to_string()))
            } else {
                ("141181", None)
            };
            let surname_source = person_name(rng);
            let surname: String = surname_source.chars().take(1).collect();
            let head_male = rng.below(100) < 78;
            let head_birth = if size == 1 { date_of_age(rng, today, 22, 88) } else { date_of_age(rng, today, 28, 75) };
            let head_age = (today - head_birth).num_days() / 365;
            let mut members: Vec<(Relation, bool, NaiveDate, String)> =
                vec![(Relation::Head, head_male, head_birth, surname_source.clone())];
            let mut with_spouse = size >= 3 || (size == 2 && rng.below(100) < 70);
            if size == 1 {
                with_spouse = false;
            }
            if with_spouse {
                let birth = head_birth + Duration::days(rng.below(3000) as i64 - 1500);
                members.push((Relation::Spouse, !head_male, birth, person_name(rng)));
            }
            let with_parent = size == 5 || (size == 4 && rng.below(100) < 40);
            if with_parent {
                let birth = head_birth - Duration::days(365 * (24 + rng.below(10) as i64));
                let given: String = person_name(rng).chars().skip(1).collect();
                members.push((Relation::Parent, rng.below(2) == 0, birth, format!("{surname}{given}")));
            }
            while members.len() < size {
                let max_age = (head_age - 20).clamp(1, 30);
                let birth = date_of_age(rng, today, 0, max_age);
                let given: String = person_name(rng).chars().skip(1).collect();
                members.push((Relation::Child, rng.below(2) == 0, birth, format!("{surname}{given}")));
            }
            let mut residents = vec![];
            for (k, (relation, male, birth, name)) in members.into_iter().enumerate() {
                let age = (today - birth).num_days() / 365;
                let mut care = vec![];
                if size == 1 && age >= 70 {
                    care.push(CareCategory::ElderlyAlone);
                }
                if relation == Relation::Child && age < 16 && rng.below(100) < 4 {
                    care.push(CareCategory::LeftBehindChild);
                }
                if rng.below(1000) < 15 {
                    care.push(CareCategory::Disability);
                }
                if relation == Relation::Head && rng.below(100) < 2 {
                    care.push(CareCategory::LowIncome);
                }
                if male && (40..70).contains(&age) && rng.below(100) < 3 {
                    care.push(CareCategory::Veteran);
                }
                let phone = if k == 0 {
                    Some(head_phone.clone())
                } else if age >= 16 && rng.below(100) < 70 {
                    Some(Phone::parse(&phone(rng)).expect("valid"))
                } else {
                    None
                };
                residents.push(NewResident {
                    household_id: 0,
                    name,
                    id_number: make_id(rng, &mut used_ids, region, birth, male),
                    phone,
                    relation: if rented && relation == Relation::Head { Relation::Head } else { relation },
                    registered_here: registered_address.is_none(),
                    registered_address: registered_address.clone(),
                    care,
                });
            }
            pending.push((code, residents));
        }
    }
    let building_ids = upsert_buildings(conn, &buildings).await?;
    for (h, b) in new_households.iter_mut().zip(&building_of) {
        h.building_id = building_ids.get(b).copied();
    }
    bulk_upsert_households(conn, crypto, &new_households).await?;
    let ids = household_ids(conn).await?;
    let mut all = Vec::with_capacity(pending.len() * 3);
    for (code, mut residents) in pending {
        let id = ids[&code];
        for r in &mut residents {
            r.household_id = id;
        }
        all.extend(residents);
    }
    summary.residents = all.len();
    bulk_upsert_residents(conn, crypto, &all).await?;

    // Visits: most households this month, nearly all last month, by their grid worker.
    let month_start = today.with_day(1).expect("day 1");
    let last_month_start = (month_start - Duration::days(1)).with_day(1).expect("day 1");
    let days_this_month = (today - month_start).num_days().max(0) as usize + 1;
    let days_last_month = (month_start - last_month_start).num_days() as usize;
    let at = |d: NaiveDate, minutes: usize| {
        tz.from_local_datetime(&d.and_hms_opt(9, 0, 0).expect("9:00")).single().expect("fixed").timestamp_millis()
            + minutes as i64 * 60_000
    };
    let mut visits: Vec<(i64, i64, &str, &str, i64)> = vec![];
    const OUTCOMES: &[&str] = &["家中无异常", "宣传反诈知识", "了解家庭情况", "登记需求已反馈", "提醒用电用气安全"];
    for (code, worker, vacant) in &worker_of {
        let hid = ids[code];
        if !*vacant && rng.below(100) < 62 {
            let d = month_start + Duration::days(rng.below(days_this_month) as i64);
            visits.push((hid, *worker, "monthly", *rng.pick(OUTCOMES), at(d, rng.below(480))));
        }
        if rng.below(100) < 88 {
            let d = last_month_start + Duration::days(rng.below(days_last_month) as i64);
            let kind = if rng.below(100) < 30 { "publicity" } else { "monthly" };
            visits.push((hid, *worker, kind, *rng.pick(OUTCOMES), at(d, rng.below(480))));
        }
    }
    summary.visits = visits.len();
    bulk_insert_visits(conn, &visits).await?;

    // Organisations and key places.
    let plan: &[(OrgKind, usize, &[&str])] = &[
        (OrgKind::Shop, 160, &["便利店", "超市", "理发店", "五金店", "药店", "水果店", "面馆", "早餐店"]),
        (OrgKind::Company, 60, &["商贸有限公司", "建筑工程有限公司", "物业服务有限公司", "运输有限公司"]),
        (OrgKind::InternetCafe, 20, &["网咖", "网络会所"]),
        (OrgKind::BilliardHall, 12, &["台球俱乐部", "台球厅"]),
        (OrgKind::ChessCardRoom, 25, &["棋牌室", "茶社"]),
        (OrgKind::Ktv, 10, &["KTV", "量贩式KTV"]),
        (OrgKind::Barbecue, 30, &["烧烤", "烤肉店"]),
        (OrgKind::Hotel, 15, &["宾馆", "快捷酒店"]),
        (OrgKind::Bar, 8, &["酒吧", "清吧"]),
        (OrgKind::School, 8, &["小学", "中学", "幼儿园"]),
        (OrgKind::Hospital, 3, &["社区卫生服务中心", "医院"]),
        (OrgKind::Market, 2, &["农贸市场"]),
    ];
    let mut n = 0;
    for (kind, count, names) in plan {
        for _ in 0..*count {
            n += 1;
            let g = &grids[rng.below(grids.len())];
            let (ci, cj) = g.cells[rng.below(g.cells.len())];
            let (lon, lat) =
                lattice.point(ci, cj, 0.15 + rng.below(70) as f64 / 100.0, 0.15 + rng.below(70) as f64 / 100.0);
            let brand = rng.pick(COMPOUND_PREFIX);
            let inspected = (kind.is_key_place() && rng.below(100) < 85)
                .then(|| (today - Duration::days(rng.below(120) as i64)).format("%Y-%m-%d").to_string());
            let org = NewOrganisation {
                code: format!("XY-O{n:04}"),
                name: format!("{brand}{}", rng.pick(names)),
                kind: *kind,
                grid_id: g.id,
                alliance_id: (matches!(kind, OrgKind::Shop | OrgKind::Barbecue | OrgKind::Ktv | OrgKind::InternetCafe)
                    && rng.below(100) < 45)
                    .then(|| alliances[rng.below(alliances.len())]),
                address: format!(
                    "孝义市新义街道{}{}路{}号",
                    g.community,
                    rng.pick(COMPOUND_PREFIX),
                    rng.below(200) + 1
                ),
                lat,
                lon,
                responsible_name: Some(person_name(rng)),
                responsible_phone: Some(Phone::parse(&phone(rng)).expect("valid")),
                last_inspection: inspected,
            };
            upsert_organisation(conn, crypto, &org).await?;
        }
    }
    summary.organisations = n;
    Ok(summary)
}
