//! The demo jurisdiction: a plausible station modelled on the seed article's own figures
//! (one street, 14 communities, 4 combat zones, 68 police grids, 156 grids, 68 grid
//! officers, 156 grid workers, 162 volunteer police and 165 Yong'an volunteers, 16
//! counsellors, a 14-member mediation centre, 9 business-district alliances, 14 community
//! police offices) around Xiaoyi (37.14 N, 111.78 E). Deterministic for a seed; written in
//! one transaction with one audit record.

pub mod cameras;
pub mod cases;
pub mod daily_posts;
pub mod instructions;
pub mod lattice;
pub mod matters;
pub mod names;
pub mod registry;
pub mod roster;
pub mod supervision;

use fengqiao_domain::Phone;
use fengqiao_domain::ids::UnitId;
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::role::{MediatorKind, Role};
use fengqiao_store::audit::{self, AuditCtx, AuditEvent, Outcome};
use fengqiao_store::org::{NewUnit, insert_unit};
use fengqiao_store::users::{NewUser, enable_totp_in, insert_user};
use fengqiao_store::volunteers::{NewVolunteer, insert_volunteer};
use fengqiao_store::{Store, StoreResult};
use lattice::Lattice;
use names::{Rng, person_name, phone};

pub const DEMO_PASSWORD: &str = "Fengqiao@2026";

pub const COMMUNITIES: [&str; 14] = [
    "府前社区",
    "崇文社区",
    "新义社区",
    "胜溪社区",
    "振兴社区",
    "东关社区",
    "西关社区",
    "南关社区",
    "北关社区",
    "文峰社区",
    "龙泉社区",
    "迎宾社区",
    "光明社区",
    "和平社区",
];
const ZONES: [&str; 4] = ["第一战区", "第二战区", "第三战区", "第四战区"];
const DESKS: [&str; 5] = ["指挥调度专班", "警网融合专班", "勤务监督专班", "综合内务专班", "视频巡查专班"];
const DEPARTMENTS: [(&str, &str); 7] = [
    ("GOV", "街道综治中心"),
    ("JUS", "新义司法所"),
    ("CRT", "城区人民法庭"),
    ("LAB", "劳动保障监察中队"),
    ("MKT", "新义市场监管所"),
    ("SAF", "街道应急管理站"),
    ("PSY", "护苗心理工作室"),
];
const ALLIANCES: [&str; 9] = ["府前街", "崇文街", "振兴路", "新义街", "迎宾路", "龙泉路", "文峰路", "光明路", "和平路"];
const CENTRE: [MediatorKind; 14] = [
    MediatorKind::Governance,
    MediatorKind::Community,
    MediatorKind::Community,
    MediatorKind::Justice,
    MediatorKind::Justice,
    MediatorKind::Court,
    MediatorKind::WorkSafety,
    MediatorKind::MarketRegulation,
    MediatorKind::Labour,
    MediatorKind::Lawyer,
    MediatorKind::Lawyer,
    MediatorKind::RetiredPolice,
    MediatorKind::Elder,
    MediatorKind::Elder,
];
const SKILLS: [&str; 8] =
    ["巡逻防控", "矛盾调解", "法律宣传", "应急救护", "反诈宣传", "交通疏导", "心理疏导", "治安信息"];

/// The logins printed by `fengqiao demo`: one per role (username, role).
pub const LOGINS: &[(&str, Role)] = &[
    ("sysadmin", Role::SystemAdmin),
    ("secadmin", Role::SecurityAdmin),
    ("auditor", Role::AuditAdmin),
    ("commander", Role::Commander),
    ("duty1", Role::DutyCommander),
    // The next shift's duty commander, who signs duty1's handover.
    ("duty2", Role::DutyCommander),
    ("desk1", Role::DeskOfficer),
    ("co01", Role::CommunityOfficer),
    ("go001", Role::GridOfficer),
    ("gw001", Role::GridWorker),
    ("med01", Role::Mediator),
    ("cs01", Role::Counsellor),
    ("liaison1", Role::DepartmentLiaison),
    ("street", Role::StreetLeader),
    ("cl01", Role::CommunityLeader),
];

#[derive(Default, Debug)]
pub struct Summary {
    pub units: usize,
    pub accounts: usize,
    pub volunteers: usize,
    pub grids: usize,
    pub police_grids: usize,
    pub registry: registry::RegistrySummary,
    pub matters: usize,
}

struct Gen<'a> {
    rng: Rng,
    store: &'a Store,
    password_hash: String,
    summary: Summary,
}

impl Gen<'_> {
    async fn unit(&mut self, conn: &mut fengqiao_store::Conn, mut nu: NewUnit, order: i64) -> StoreResult<UnitId> {
        nu.sort_order = order;
        self.summary.units += 1;
        Ok(insert_unit(conn, &nu).await?.id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn user(
        &mut self,
        conn: &mut fengqiao_store::Conn,
        username: &str,
        unit: UnitId,
        roles: &[Role],
        title: &str,
        rank: Option<&str>,
        mediator_kind: Option<MediatorKind>,
    ) -> StoreResult<i64> {
        let printed = LOGINS.iter().any(|(u, _)| *u == username);
        let nu = NewUser {
            username: username.into(),
            display_name: person_name(&mut self.rng),
            unit_id: unit,
            title: Some(title.into()),
            officer_rank: rank.map(str::to_string),
            mediator_kind: mediator_kind.map(|k| k.as_str().to_string()),
            roles: roles.to_vec(),
            phone: Some(Phone::parse(&phone(&mut self.rng)).expect("generated phones are valid")),
            // Only the printed logins get a password; the rest wait for an administrator.
            password_hash: printed.then(|| self.password_hash.clone()),
        };
        let id = insert_user(conn, &self.store.crypto, &nu).await?;
        if roles.iter().any(|r| r.requires_totp_by_default()) {
            let secret = fengqiao_app::totp::base32_encode(&self.rng.bytes::<20>());
            enable_totp_in(conn, &self.store.crypto, id, &secret).await?;
        }
        self.summary.accounts += 1;
        Ok(id.0)
    }
}

/// Build the whole demo jurisdiction in one transaction.
pub async fn generate(store: &Store, seed: u64, households: usize) -> StoreResult<Summary> {
    let mut g = Gen {
        rng: Rng::new(seed),
        store,
        password_hash: fengqiao_app::accounts::hash_password(DEMO_PASSWORD),
        summary: Summary::default(),
    };
    let mut tx = store.begin().await?;
    let c = &mut *tx;
    // Communities are blocks of 4 × 3 cells laid out four to a row: rows of 4, 4, 4 and 2.
    let lattice = Lattice::new(16, 12, &mut g.rng);

    let mut station = NewUnit::new("XY", UnitKind::Station, "新义派出所", None);
    station.address = Some("孝义市新义街道府前街88号".into());
    let station = g.unit(c, station, 0).await?;
    let mut street = NewUnit::new("XY-ST", UnitKind::Street, "新义街道", Some(station));
    street.geometry = Some(lattice.outline(&[(0, 0), (16, 0), (16, 9), (8, 9), (8, 12), (0, 12)]));
    let street = g.unit(c, street, 1).await?;
    let command_room = g.unit(c, NewUnit::new("XY-CR", UnitKind::CommandRoom, "综合指挥室", Some(station)), 2).await?;
    for (i, d) in DESKS.iter().enumerate() {
        g.unit(c, NewUnit::new(format!("XY-CR-D{}", i + 1), UnitKind::Desk, *d, Some(command_room)), i as i64).await?;
    }
    g.unit(c, NewUnit::new("XY-CT", UnitKind::CaseTeam, "案件办理队", Some(station)), 3).await?;
    let mut zones = vec![];
    for (i, z) in ZONES.iter().enumerate() {
        zones.push(
            g.unit(c, NewUnit::new(format!("XY-Z{}", i + 1), UnitKind::Zone, *z, Some(station)), 4 + i as i64).await?,
        );
    }
    for i in 0..4 {
        let name = format!("合成作战综合{}大队", ["一", "二", "三", "四"][i]);
        // Each battalion serves its combat zone (四个合成大队按战区).
        let mut b = NewUnit::new(format!("XY-B{}", i + 1), UnitKind::Battalion, name, Some(station));
        b.zone_id = Some(zones[i]);
        g.unit(c, b, 8 + i as i64).await?;
    }
    let centre =
        g.unit(c, NewUnit::new("XY-MC", UnitKind::MediationCentre, "新义街道多元调解中心", Some(street)), 100).await?;
    let mut departments = vec![];
    for (i, (code, name)) in DEPARTMENTS.iter().enumerate() {
        departments.push(
            g.unit(c, NewUnit::new(format!("XY-D-{code}"), UnitKind::Department, *name, Some(street)), 101 + i as i64)
                .await?,
        );
    }
    let mut alliances = vec![];
    for (i, a) in ALLIANCES.iter().enumerate() {
        let name = format!("{a}商圈平安联盟");
        let unit = NewUnit::new(format!("XY-AL{}", i + 1), UnitKind::Alliance, name, Some(street));
        alliances.push(g.unit(c, unit, 110 + i as i64).await?);
    }
    let mut demo_grids = vec![];

    // Accounts of the station and the street.
    g.user(c, "sysadmin", station, &[Role::SystemAdmin], "系统管理员", Some("police"), None).await?;
    g.user(c, "secadmin", station, &[Role::SecurityAdmin], "安全管理员", Some("police"), None).await?;
    g.user(c, "auditor", station, &[Role::AuditAdmin], "审计管理员", Some("police"), None).await?;
    g.user(c, "commander", station, &[Role::Commander], "所长、指挥长", Some("police"), None).await?;
    for i in 1..=4 {
        g.user(c, &format!("duty{i}"), station, &[Role::DutyCommander], "值班指挥长", Some("police"), None).await?;
    }
    for (i, d) in DESKS.iter().enumerate() {
        let rank = if i.is_multiple_of(2) { "police" } else { "auxiliary" };
        g.user(c, &format!("desk{}", i + 1), station, &[Role::DeskOfficer], d, Some(rank), None).await?;
    }
    g.user(c, "street", street, &[Role::StreetLeader], "街道党工委书记", None, None).await?;
    let mut mediators = vec![];
    for (i, kind) in CENTRE.iter().enumerate() {
        let name = format!("med{:02}", i + 1);
        mediators.push(g.user(c, &name, centre, &[Role::Mediator], "专职调解员", None, Some(*kind)).await?);
    }
    for (i, d) in departments.iter().enumerate().take(6) {
        g.user(c, &format!("liaison{}", i + 1), *d, &[Role::DepartmentLiaison], "联络员", None, None).await?;
    }
    for i in 1..=16 {
        g.user(c, &format!("cs{i:02}"), departments[6], &[Role::Counsellor], "心理咨询师", None, None).await?;
    }

    // Communities, each with its office, police grids and grids tiling its block.
    let (mut pg_no, mut grid_no, mut vp_left, mut ya_left) = (0usize, 0usize, 162usize, 165usize);
    let mut teams = vec![];
    for (ci, cname) in COMMUNITIES.iter().enumerate() {
        let (col, row) = (ci % 4, ci / 4);
        let (i0, j0) = (col * 4, row * 3);
        let ccode = format!("XY-C{:02}", ci + 1);
        let mut cu = NewUnit::new(&ccode, UnitKind::Community, *cname, Some(street));
        cu.zone_id = Some(zones[col / 2 + 2 * (row / 2)]);
        cu.geometry = Some(lattice.block(i0, j0, i0 + 4, j0 + 3));
        cu.address = Some(format!("{}党群服务中心", cname.trim_end_matches("社区")));
        let community = g.unit(c, cu, 200 + ci as i64).await?;
        let office_name = format!("{}警务室", cname);
        g.unit(c, NewUnit::new(format!("{ccode}-PO"), UnitKind::CommunityOffice, office_name, Some(community)), 0)
            .await?;
        g.user(c, &format!("co{:02}", ci + 1), community, &[Role::CommunityOfficer], "社区民警", Some("police"), None)
            .await?;
        g.user(c, &format!("cl{:02}", ci + 1), community, &[Role::CommunityLeader], "社区党委书记", None, None).await?;

        // 68 police grids = 2×4 + 12×5; 156 grids = 2×12 + 12×11. A police grid is a block
        // of cells; its grids are single cells, or two cells merged.
        type Block = (usize, usize, usize, usize);
        let plan: Vec<(Block, Vec<Block>)> = if ci < 2 {
            (0..4).map(|p| ((p, 0, p + 1, 3), (0..3).map(|k| (p, k, p + 1, k + 1)).collect())).collect()
        } else {
            let mut v: Vec<(Block, Vec<Block>)> =
                (0..2).map(|p| ((p, 0, p + 1, 3), (0..3).map(|k| (p, k, p + 1, k + 1)).collect())).collect();
            v.push(((2, 0, 4, 1), vec![(2, 0, 3, 1), (3, 0, 4, 1)]));
            v.push(((2, 1, 4, 2), vec![(2, 1, 3, 2), (3, 1, 4, 2)]));
            v.push(((2, 2, 4, 3), vec![(2, 2, 4, 3)]));
            v
        };
        let mut g_in_c = 0usize;
        for (p, (pb, grids)) in plan.iter().enumerate() {
            pg_no += 1;
            let pcode = format!("{ccode}-P{}", p + 1);
            let mut pu =
                NewUnit::new(&pcode, UnitKind::PoliceGrid, format!("{}第{}警格", cname, p + 1), Some(community));
            pu.geometry = Some(lattice.block(i0 + pb.0, j0 + pb.1, i0 + pb.2, j0 + pb.3));
            let pg = g.unit(c, pu, 10 + p as i64).await?;
            let rank = if pg_no.is_multiple_of(3) { "auxiliary" } else { "police" };
            g.user(c, &format!("go{pg_no:03}"), pg, &[Role::GridOfficer], "网格警", Some(rank), None).await?;
            for (k, gb) in grids.iter().enumerate() {
                grid_no += 1;
                g_in_c += 1;
                let gcode = format!("{ccode}-G{g_in_c:02}");
                let mut gu = NewUnit::new(&gcode, UnitKind::Grid, format!("{}第{}网格", cname, g_in_c), Some(pg));
                gu.geometry = Some(lattice.block(i0 + gb.0, j0 + gb.1, i0 + gb.2, j0 + gb.3));
                let grid = g.unit(c, gu, k as i64).await?;
                let worker_id =
                    g.user(c, &format!("gw{grid_no:03}"), grid, &[Role::GridWorker], "专职网格员", None, None).await?;
                let cells = (i0 + gb.0..i0 + gb.2).flat_map(|i| (j0 + gb.1..j0 + gb.3).map(move |j| (i, j))).collect();
                demo_grids.push(registry::DemoGrid {
                    id: grid,
                    code: gcode.clone(),
                    community: cname.to_string(),
                    cells,
                    worker_id,
                });
                let team_name = format!("{}第{}网格义警队", cname, g_in_c);
                teams.push(
                    g.unit(c, NewUnit::new(format!("{gcode}-VT"), UnitKind::VolunteerTeam, team_name, Some(grid)), 0)
                        .await?,
                );
            }
        }
    }
    g.summary.grids = grid_no;
    g.summary.police_grids = pg_no;

    // Volunteers: every team gets at least one volunteer police officer; the rest spread out.
    let mut i = 0usize;
    while vp_left + ya_left > 0 {
        let team = teams[i % teams.len()];
        let kind = if vp_left > 0 && (i.is_multiple_of(2) || ya_left == 0) { "volunteer_police" } else { "yongan" };
        if kind == "volunteer_police" {
            vp_left -= 1
        } else {
            ya_left -= 1
        }
        let v = NewVolunteer {
            name: person_name(&mut g.rng),
            unit_id: team,
            kind: kind.into(),
            phone: Some(Phone::parse(&phone(&mut g.rng)).expect("valid")),
            skills: Some((*g.rng.pick(&SKILLS)).to_string()),
        };
        insert_volunteer(c, &store.crypto, &v).await?;
        g.summary.volunteers += 1;
        i += 1;
    }

    g.summary.registry =
        registry::generate(c, &store.crypto, &mut g.rng, &lattice, &demo_grids, &alliances, households).await?;
    g.summary.matters =
        matters::generate(c, &store.crypto, &mut g.rng, &lattice, &demo_grids, &mediators, fengqiao_store::now_ms())
            .await?;

    let ctx = AuditCtx::system("demo", "generate demo jurisdiction");
    let ev = AuditEvent::new("demo.generate", "unit", "XY", Outcome::Success).detail(format!(
        "seed={seed} units={} accounts={} volunteers={}",
        g.summary.units, g.summary.accounts, g.summary.volunteers
    ));
    audit::append(c, &ctx, &ev).await?;
    tx.commit().await?;
    Ok(g.summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fengqiao_store::testing::TestDb;

    #[tokio::test]
    async fn the_demo_grids_tile_the_street_and_route_to_themselves() {
        let db = TestDb::sqlite().await;
        let s = generate(&db.store, 2026, 800).await.unwrap();
        assert_eq!(s.registry.households, 800);
        // The seed's figures: 443 disputes settled, none passed up.
        let filter = fengqiao_store::matter_list::MatterFilter {
            grids: None,
            status: Some("closed"),
            kind: Some(fengqiao_domain::matter::MatterKind::Dispute),
        };
        let settled = db.store.matters_page(&filter, None, 500).await.unwrap();
        assert_eq!(db.store.count_matters(&filter, 10_000).await.unwrap(), 443);
        assert_eq!(settled.len(), 443);
        assert!(settled.iter().all(|m| m.closure() == Some(fengqiao_domain::matter::Closure::Settled)));
        assert!(
            settled.iter().filter(|m| m.tier == Some(fengqiao_domain::matter::Tier::Grid)).count() > 300,
            "most at the lowest tier"
        );
        assert!(s.registry.residents > 1500, "{:?}", s.registry);
        assert_eq!((s.grids, s.police_grids, s.accounts, s.volunteers), (156, 68, 302, 327));
        let root = db.store.root_unit().await.unwrap().unwrap();
        let grids = db.store.units_under(&root.path, Some(UnitKind::Grid)).await.unwrap();
        let shapes: Vec<_> = grids
            .iter()
            .map(|g| {
                fengqiao_geo::parse_geometry(&serde_json::from_str(g.geometry.as_deref().unwrap()).unwrap()).unwrap()
            })
            .collect();
        assert_eq!(fengqiao_geo::validate_tiling(&shapes), vec![], "no invalid or overlapping grid");
        // The same seed builds the same jurisdiction.
        let again = TestDb::sqlite().await;
        generate(&again.store, 2026, 800).await.unwrap();
        let grids2 = again
            .store
            .units_under(&again.store.root_unit().await.unwrap().unwrap().path, Some(UnitKind::Grid))
            .await
            .unwrap();
        assert_eq!(
            grids.iter().map(|g| &g.geometry).collect::<Vec<_>>(),
            grids2.iter().map(|g| &g.geometry).collect::<Vec<_>>()
        );
        assert_eq!(
            db.store.user_by_username("gw100").await.unwrap().display_name,
            again.store.user_by_username("gw100").await.unwrap().display_name
        );
        db.finish().await;
        again.finish().await;
    }
}
