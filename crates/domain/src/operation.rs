//! Case work by size (issue 11 item 4; seed §5): ordinary cases are worked alone by one unit,
//! larger ones by combined units (合成作战), major ones by a cluster (集群作战) — the operation
//! type, the lead unit, the units and people taking part, and a parent case whose child cases
//! roll up into it. Pure rules; the store keeps them on the matter.

use crate::matter::{Difficulty, vocabulary};
use crate::org::UnitKind;

vocabulary!(
    /// How a case is worked, by its size.
    Operation {
    Solo => "solo", "独立作战";
    Combined => "combined", "合成作战";
    Cluster => "cluster", "集群作战";
});

/// Most supporting units and people on one case.
pub const MAX_UNITS: usize = 20;
pub const MAX_PEOPLE: usize = 50;

impl Operation {
    /// How many units besides the lead the operation takes: none when worked alone, at
    /// least one when combined, at least two for a cluster.
    pub fn supporting_units(self) -> std::ops::RangeInclusive<usize> {
        match self {
            Operation::Solo => 0..=0,
            Operation::Combined => 1..=MAX_UNITS,
            Operation::Cluster => 2..=MAX_UNITS,
        }
    }

    /// The operation a case of this difficulty is offered: a simple or ordinary one worked
    /// alone, a difficult one by combined units. A cluster is the commander's call.
    pub fn suggested(d: Difficulty) -> Operation {
        match d {
            Difficulty::Simple | Difficulty::Ordinary => Operation::Solo,
            Difficulty::Difficult => Operation::Combined,
        }
    }
}

/// Whether a unit of this kind may lead a case: a police unit (the station, its command
/// room and desks, the case-handling team, a combined battalion, a combat zone, a community
/// police office or community, a police grid). Departments, alliances, volunteer teams, the
/// mediation centre and grids take part but do not lead.
pub fn may_lead(kind: UnitKind) -> bool {
    matches!(
        kind,
        UnitKind::Station
            | UnitKind::CommandRoom
            | UnitKind::Desk
            | UnitKind::CaseTeam
            | UnitKind::Battalion
            | UnitKind::Zone
            | UnitKind::CommunityOffice
            | UnitKind::Community
            | UnitKind::PoliceGrid
    )
}

/// Why a case cannot be the child of another: a case is a parent or a child, not both (one
/// level), and never its own parent. `None` when it may.
pub fn parent_refusal(
    case_id: i64,
    case_has_children: bool,
    parent_id: i64,
    parent_has_parent: bool,
) -> Option<&'static str> {
    if case_id == parent_id {
        Some("a case cannot be its own parent")
    } else if case_has_children {
        Some("this case has child cases of its own; a parent case is not a child")
    } else if parent_has_parent {
        Some("that case is itself a child case; name its parent")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_of_a_case_sets_how_many_units_work_it() {
        assert_eq!(Operation::Solo.supporting_units(), 0..=0);
        assert!(!Operation::Combined.supporting_units().contains(&0));
        assert!(Operation::Combined.supporting_units().contains(&1));
        assert!(!Operation::Cluster.supporting_units().contains(&1));
        assert!(Operation::Cluster.supporting_units().contains(&2));
        assert_eq!(Operation::suggested(Difficulty::Ordinary), Operation::Solo);
        assert_eq!(Operation::suggested(Difficulty::Difficult), Operation::Combined);
        assert_eq!(Operation::parse("集群作战"), Some(Operation::Cluster));
    }

    #[test]
    fn police_units_lead_and_cases_nest_one_level() {
        assert!(may_lead(UnitKind::CaseTeam) && may_lead(UnitKind::Battalion));
        assert!(!may_lead(UnitKind::Department) && !may_lead(UnitKind::Grid));
        assert!(parent_refusal(1, false, 1, false).is_some());
        assert!(parent_refusal(1, true, 2, false).is_some());
        assert!(parent_refusal(1, false, 2, true).is_some());
        assert_eq!(parent_refusal(1, false, 2, false), None);
    }
}
