//! The organisation tree: every node is a unit of some kind; a jurisdiction is a node and
//! covers its whole subtree. Units carry a materialised path (`/1/4/17/`) so "is this inside
//! that?" is a prefix test.

use serde::{Deserialize, Serialize};

macro_rules! unit_kinds {
    ($($variant:ident => $name:literal, $zh:literal, $en:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum UnitKind { $($variant,)* }

        impl UnitKind {
            pub const ALL: &'static [UnitKind] = &[$(UnitKind::$variant,)*];
            pub fn as_str(self) -> &'static str { match self { $(UnitKind::$variant => $name,)* } }
            pub fn label_zh(self) -> &'static str { match self { $(UnitKind::$variant => $zh,)* } }
            pub fn label_en(self) -> &'static str { match self { $(UnitKind::$variant => $en,)* } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($name => Some(UnitKind::$variant),)* _ => None } }
        }
    };
}

unit_kinds! {
    Station => "station", "派出所", "Police station";
    Street => "street", "街道", "Street";
    Community => "community", "社区", "Community";
    PoliceGrid => "police_grid", "警格", "Police grid";
    Grid => "grid", "网格", "Grid";
    Zone => "zone", "战区", "Combat zone";
    CommandRoom => "command_room", "综合指挥室", "Command room";
    Desk => "desk", "专班", "Desk";
    CaseTeam => "case_team", "案件办理队", "Case-handling team";
    CommunityOffice => "community_office", "社区警务室", "Community police office";
    Battalion => "battalion", "合成作战综合大队", "Combined battalion";
    Department => "department", "联动部门", "Department";
    MediationCentre => "mediation_centre", "多元调解中心", "Multi-party mediation centre";
    Alliance => "alliance", "商圈联盟", "Business-district alliance";
    VolunteerTeam => "volunteer_team", "义警队", "Volunteer team";
}

/// Materialised path of a unit: `/<root id>/.../<own id>/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPath(pub String);

impl UnitPath {
    pub fn child(&self, id: i64) -> UnitPath {
        UnitPath(format!("{}{id}/", self.0))
    }

    pub fn root(id: i64) -> UnitPath {
        UnitPath(format!("/{id}/"))
    }

    /// True when `other` is this unit or lies below it.
    pub fn covers(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }
}

/// Unit codes: letters, digits, `-` and `_`, 2–32 characters.
pub fn validate_code(code: &str) -> Result<(), &'static str> {
    let ok_len = (2..=32).contains(&code.len());
    if ok_len && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(())
    } else {
        Err("2–32 characters: letters, digits, '-' or '_'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cover_their_subtree_only() {
        let street = UnitPath::root(1).child(2);
        let grid = street.child(30).child(301);
        assert!(street.covers(&grid));
        assert!(street.covers(&street));
        assert!(!grid.covers(&street));
        // /1/2/ must not cover /1/23/
        assert!(!street.covers(&UnitPath::root(1).child(23)));
    }
}
