//! Roles. An account holds one or more; what each may do is decided in [`crate::policy`].
//! System, security and audit administration are separate roles (MLPS 2.0 three-role separation).

use serde::{Deserialize, Serialize};

macro_rules! roles {
    ($($variant:ident => $name:literal, $zh:literal, $en:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Role { $($variant,)* }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Role::$variant => $name,)* }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $(Role::$variant => $zh,)* }
            }

            pub fn label_en(self) -> &'static str {
                match self { $(Role::$variant => $en,)* }
            }

            pub fn parse(s: &str) -> Option<Role> {
                match s { $($name => Some(Role::$variant),)* _ => None }
            }
        }
    };
}

roles! {
    SystemAdmin => "system_admin", "系统管理员", "System administrator";
    SecurityAdmin => "security_admin", "安全管理员", "Security administrator";
    AuditAdmin => "audit_admin", "审计管理员", "Audit administrator";
    Commander => "commander", "指挥长", "Commander";
    DutyCommander => "duty_commander", "值班指挥长", "Duty commander";
    DeskOfficer => "desk_officer", "专班民警", "Desk officer";
    CommunityOfficer => "community_officer", "社区民警", "Community police officer";
    GridOfficer => "grid_officer", "网格警", "Grid police officer";
    GridWorker => "grid_worker", "网格员", "Grid worker";
    Mediator => "mediator", "调解员", "Mediator";
    Counsellor => "counsellor", "心理咨询师", "Psychological counsellor";
    DepartmentLiaison => "department_liaison", "部门联络员", "Department liaison";
    StreetLeader => "street_leader", "街道领导", "Street leader";
    CommunityLeader => "community_leader", "社区书记", "Community leader";
}

impl Role {
    /// Roles that must use a second factor unless the setting is changed.
    pub fn requires_totp_by_default(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin)
    }
}

/// Kinds of mediator in the multi-party mediation centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediatorKind {
    Governance,
    Community,
    Justice,
    Court,
    WorkSafety,
    MarketRegulation,
    Labour,
    Lawyer,
    RetiredPolice,
    Elder,
}

impl MediatorKind {
    pub const ALL: &'static [MediatorKind] = &[
        MediatorKind::Governance,
        MediatorKind::Community,
        MediatorKind::Justice,
        MediatorKind::Court,
        MediatorKind::WorkSafety,
        MediatorKind::MarketRegulation,
        MediatorKind::Labour,
        MediatorKind::Lawyer,
        MediatorKind::RetiredPolice,
        MediatorKind::Elder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediatorKind::Governance => "governance",
            MediatorKind::Community => "community",
            MediatorKind::Justice => "justice",
            MediatorKind::Court => "court",
            MediatorKind::WorkSafety => "work_safety",
            MediatorKind::MarketRegulation => "market_regulation",
            MediatorKind::Labour => "labour",
            MediatorKind::Lawyer => "lawyer",
            MediatorKind::RetiredPolice => "retired_police",
            MediatorKind::Elder => "elder",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MediatorKind::Governance => "综治",
            MediatorKind::Community => "社区",
            MediatorKind::Justice => "司法所",
            MediatorKind::Court => "法院",
            MediatorKind::WorkSafety => "安监",
            MediatorKind::MarketRegulation => "市场监管",
            MediatorKind::Labour => "劳动监察",
            MediatorKind::Lawyer => "律师",
            MediatorKind::RetiredPolice => "退休民警",
            MediatorKind::Elder => "五老乡贤",
        }
    }
}
