//! The demo's case work by size (办案作战): officers of the case-handling team and of the four
//! combined battalions (one per combat zone), and open matters set up as cases — most worked
//! alone by the case team, some by combined units led by the zone's battalion, and two
//! clusters with child cases. Seeded, so the same seed gives the same cases.

use super::names::{Rng, person_name};
use fengqiao_domain::matter::MatterKind;
use fengqiao_domain::operation::Operation;
use fengqiao_domain::role::Role;
use fengqiao_store::Store;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::operations::NewOperation;
use fengqiao_store::users::NewUser;

/// Write the demo's case officers and case operations as of `now`; how many cases.
pub async fn generate(store: &Store, seed: u64, now: i64) -> anyhow::Result<usize> {
    let mut rng = Rng::new(seed ^ 0xca5e_2026);
    let ctx = AuditCtx::system("demo", "case work");
    // Officers: six in the case team, three in each battalion.
    let mut officers: Vec<(String, Vec<i64>)> = vec![];
    for (unit, n, prefix) in
        [("XY-CT", 6, "ct"), ("XY-B1", 3, "b1o"), ("XY-B2", 3, "b2o"), ("XY-B3", 3, "b3o"), ("XY-B4", 3, "b4o")]
    {
        let u = store.unit_by_code(unit).await?;
        let mut ids = vec![];
        for i in 1..=n {
            let nu = NewUser {
                username: format!("{prefix}{i:02}"),
                display_name: person_name(&mut rng),
                unit_id: u.id,
                title: Some("办案民警".into()),
                officer_rank: Some("police".into()),
                mediator_kind: None,
                roles: vec![Role::CommunityOfficer],
                phone: None,
                password_hash: None,
            };
            ids.push(store.create_user(&ctx, &nu).await?.0);
        }
        officers.push((unit.to_string(), ids));
    }
    let unit_id = |code: &str| officers.iter().position(|(u, _)| u == code);
    let case_team = store.unit_by_code("XY-CT").await?;
    // Open matters that are police work first: incidents and tips, then disputes.
    let ids = store.open_matter_ids().await?;
    let mut matters = store.matters_by_ids(&ids).await?;
    matters.sort_by_key(|m| (!matches!(m.kind, MatterKind::Incident | MatterKind::Tip), m.id));
    matters.truncate(30);
    let mut n = 0;
    let mut k = 0;
    while k < matters.len() {
        let m = &matters[k];
        // The battalion of the matter's combat zone (its community's).
        let community = store.unit_by_code(m.grid_code.get(..6).unwrap_or("XY-C01")).await?;
        let zone_no = match community.zone_id {
            Some(z) => store.unit_by_id(z).await?.code.trim_start_matches("XY-Z").parse::<usize>().unwrap_or(1),
            None => 1,
        };
        let battalion = store.unit_by_code(&format!("XY-B{zone_no}")).await?;
        let b_people = &officers[unit_id(&format!("XY-B{zone_no}")).unwrap_or(1)].1;
        let ct_people = &officers[0].1;
        let ct = ct_people[rng.below(ct_people.len())];
        let b = b_people[rng.below(b_people.len())];
        let (op, lead, units, people, children) = match k % 10 {
            // A cluster with the two matters after it as child cases.
            9 if k + 2 < matters.len() => {
                (Operation::Cluster, &battalion, vec![case_team.id.0, community.id.0], vec![b, ct, b_people[0]], 2)
            }
            4 | 7 => (Operation::Combined, &battalion, vec![case_team.id.0], vec![b, ct], 0),
            _ => (Operation::Solo, &case_team, vec![], vec![ct], 0),
        };
        let mut people = people;
        people.dedup();
        let note = format!("{}：主办 {}", op.label_zh(), lead.name);
        let o = NewOperation {
            matter_id: m.id,
            code: &m.code,
            status: m.status.code(),
            operation: op.as_str(),
            lead_unit_id: lead.id.0,
            units: &units,
            people: &people,
            parent_id: None,
            note: &note,
            now: now - (30 - k as i64) * 3_600_000,
        };
        store.set_operation(&ctx, &o).await?;
        n += 1;
        for c in 1..=children {
            let child = &matters[k + c];
            let note = format!("{}：主办 {}；并入 {}", Operation::Solo.label_zh(), case_team.name, m.code);
            let o = NewOperation {
                matter_id: child.id,
                code: &child.code,
                status: child.status.code(),
                operation: Operation::Solo.as_str(),
                lead_unit_id: case_team.id.0,
                units: &[],
                people: &[ct],
                parent_id: Some(m.id),
                note: &note,
                now: now - (30 - k as i64) * 3_600_000,
            };
            store.set_operation(&ctx, &o).await?;
            n += 1;
        }
        k += 1 + children;
    }
    Ok(n)
}
