//! The one place that decides access: by role and by jurisdiction.
//!
//! A request is allowed when one of the actor's roles grants the action *and* the target
//! lies inside the actor's jurisdiction (the target's unit path is under the actor's).
//! Everything else is denied, and the caller audits the denial.

use crate::org::UnitPath;
use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See units of the organisation tree.
    ViewOrg,
    /// Create or edit units (names, codes, geometry).
    EditOrg,
    /// See staff and volunteers (personal data masked).
    ViewPeople,
    /// Create and edit staff accounts and volunteers.
    ManagePeople,
    /// See ID and phone numbers in full (each read is audited).
    ViewPersonalData,
    /// Unlock accounts, reset second factors, set the password policy.
    ManageSecurity,
    /// Search and read the audit log.
    ViewAudit,
    /// Export the audit log.
    ExportAudit,
    /// See the registry: households, residents (masked), organisations, visits.
    ViewRegistry,
    /// See residents' care and attention categories (elderly living alone, ...).
    ViewCare,
    /// Record household visits.
    RecordVisit,
    /// Import registry files (households, residents, organisations) through the upload page.
    ImportRegistry,
    /// See matters and their history.
    ViewMatters,
    /// Record a matter (intake from staff).
    RecordMatter,
    /// Move a matter through its workflow (accept, mediate, close, escalate, ...).
    HandleMatter,
    /// Grant or revoke the roles that read personal data or administer the system (the
    /// security administrator's alone, MLPS 2.0 three-admin separation).
    GrantRoles,
    /// Urge the handler of a matter (督办): a supervisor's reminder on its timeline.
    UrgeMatter,
    /// The command room's live board (指挥调度): open matters and alarms as they happen.
    ViewBoard,
    /// Issue two-way instructions (指令) to people and units of the jurisdiction.
    IssueInstruction,
    /// See the instructions of the jurisdiction, whoever issued or received them.
    ViewInstructions,
    /// Close or send back instructions on the command room's behalf (not only one's own).
    SuperviseInstructions,
    /// See the cameras of the jurisdiction, their coverage, rounds and repairs (视频巡查).
    ViewCameras,
    /// Keep the camera registry (import, status, plans) and walk patrol rounds.
    PatrolCameras,
    /// See the command room's roster, who is on duty and the handover sheets.
    ViewRoster,
    /// Make the roster: shift templates, rotations, changes and swaps, attendance.
    ManageRoster,
    /// The supervision desk (督查): issue, close and send back supervision slips; draw and
    /// review the weekly quality spot checks of closed matters.
    Supervise,
    /// Direct case work (指挥办案): set how a case is worked (solo, combined, cluster), who
    /// leads and takes part, and which parent case it belongs to.
    DirectCases,
    /// Draft, edit and send a grid's daily post (一日一微) to its group.
    PostDaily,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ViewOrg,
        Action::EditOrg,
        Action::ViewPeople,
        Action::ManagePeople,
        Action::ViewPersonalData,
        Action::ManageSecurity,
        Action::ViewAudit,
        Action::ExportAudit,
        Action::ViewRegistry,
        Action::ViewCare,
        Action::RecordVisit,
        Action::ImportRegistry,
        Action::ViewMatters,
        Action::RecordMatter,
        Action::HandleMatter,
        Action::GrantRoles,
        Action::UrgeMatter,
        Action::ViewBoard,
        Action::IssueInstruction,
        Action::ViewInstructions,
        Action::SuperviseInstructions,
        Action::ViewCameras,
        Action::PatrolCameras,
        Action::ViewRoster,
        Action::ManageRoster,
        Action::Supervise,
        Action::DirectCases,
        Action::PostDaily,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewOrg => "view_org",
            Action::EditOrg => "edit_org",
            Action::ViewPeople => "view_people",
            Action::ManagePeople => "manage_people",
            Action::ViewPersonalData => "view_personal_data",
            Action::ManageSecurity => "manage_security",
            Action::ViewAudit => "view_audit",
            Action::ExportAudit => "export_audit",
            Action::ViewRegistry => "view_registry",
            Action::ViewCare => "view_care",
            Action::RecordVisit => "record_visit",
            Action::ImportRegistry => "import_registry",
            Action::ViewMatters => "view_matters",
            Action::RecordMatter => "record_matter",
            Action::HandleMatter => "handle_matter",
            Action::GrantRoles => "grant_roles",
            Action::UrgeMatter => "urge_matter",
            Action::ViewBoard => "view_board",
            Action::IssueInstruction => "issue_instruction",
            Action::ViewInstructions => "view_instructions",
            Action::SuperviseInstructions => "supervise_instructions",
            Action::ViewCameras => "view_cameras",
            Action::PatrolCameras => "patrol_cameras",
            Action::ViewRoster => "view_roster",
            Action::ManageRoster => "manage_roster",
            Action::Supervise => "supervise",
            Action::DirectCases => "direct_cases",
            Action::PostDaily => "post_daily",
        }
    }
}

/// What a role may do, wherever it is allowed to act at all.
pub fn role_grants(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        // MLPS 2.0: the system administrator runs the system and accounts but reads neither
        // personal data in full nor the audit log; the security administrator holds the
        // security settings; the audit administrator only reviews.
        Role::SystemAdmin => matches!(action, ViewOrg | EditOrg | ViewPeople | ManagePeople),
        Role::SecurityAdmin => matches!(action, ViewOrg | ViewPeople | ManageSecurity | GrantRoles),
        Role::AuditAdmin => matches!(action, ViewOrg | ViewAudit | ExportAudit),
        // The command room sees everything, identifies people and handles matters.
        Role::Commander | Role::DutyCommander => matches!(
            action,
            ViewOrg
                | ViewPeople
                | ViewPersonalData
                | ViewRegistry
                | ViewCare
                | ViewMatters
                | RecordMatter
                | HandleMatter
                | UrgeMatter
                | ViewBoard
                | IssueInstruction
                | ViewInstructions
                | SuperviseInstructions
                | ViewCameras
                | PatrolCameras
                | ViewRoster
                | ManageRoster
                | Supervise
                | DirectCases
        ),
        Role::DeskOfficer => {
            matches!(
                action,
                ViewOrg
                    | ViewPeople
                    | ViewPersonalData
                    | ViewRegistry
                    | ViewMatters
                    | RecordMatter
                    | HandleMatter
                    | UrgeMatter
                    | ViewBoard
                    | IssueInstruction
                    | ViewInstructions
                    | ViewCameras
                    | PatrolCameras
                    | ViewRoster
                    | Supervise
            )
        }
        // Community police know their residents, visit them and must identify people.
        Role::CommunityOfficer | Role::GridOfficer => matches!(
            action,
            ViewOrg
                | ViewPeople
                | ViewPersonalData
                | ViewRegistry
                | ViewCare
                | RecordVisit
                | ImportRegistry
                | ViewMatters
                | RecordMatter
                | HandleMatter
                | UrgeMatter
                | ViewBoard
                | ViewInstructions
                | ViewCameras
                | PostDaily
        ),
        // Grid workers collect the registry and visit households; they see numbers masked.
        Role::GridWorker => matches!(
            action,
            ViewOrg
                | ViewPeople
                | ViewRegistry
                | ViewCare
                | RecordVisit
                | ImportRegistry
                | ViewMatters
                | RecordMatter
                | HandleMatter
                | PostDaily
        ),
        // Leaders see their area's matters, urge them on (领导督办) and instruct.
        Role::CommunityLeader => matches!(
            action,
            ViewOrg
                | ViewPeople
                | ViewRegistry
                | ViewCare
                | ViewMatters
                | UrgeMatter
                | IssueInstruction
                | ViewInstructions
        ),
        Role::StreetLeader => matches!(
            action,
            ViewOrg
                | ViewPeople
                | ViewRegistry
                | ViewMatters
                | UrgeMatter
                | ViewBoard
                | IssueInstruction
                | ViewInstructions
                | ViewCameras
                | Supervise
        ),
        Role::Mediator | Role::Counsellor | Role::DepartmentLiaison => matches!(action, ViewOrg | ViewPeople),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// No role of the actor grants the action.
    DenyRole,
    /// A role grants it, but the target is outside the actor's jurisdiction.
    DenyJurisdiction,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Decide whether an actor with `roles` and `jurisdiction` may do `action` on something
/// located at `target`.
pub fn decide(roles: &[Role], jurisdiction: &UnitPath, action: Action, target: &UnitPath) -> Decision {
    if !roles.iter().any(|r| role_grants(*r, action)) {
        Decision::DenyRole
    } else if !jurisdiction.covers(target) {
        Decision::DenyJurisdiction
    } else {
        Decision::Allow
    }
}

/// Whether any role of the actor grants the action somewhere (for showing a menu item).
/// A role only the security administrator grants: one that reads personal data in full, or
/// one of the three administrators.
pub fn is_sensitive(role: Role) -> bool {
    role_grants(role, Action::ViewPersonalData) || role.requires_totp_by_default()
}

pub fn may(roles: &[Role], action: Action) -> bool {
    roles.iter().any(|r| role_grants(*r, action))
}

/// Access by assignment rather than jurisdiction: a mediator of the multi-party centre
/// assigned to a case (its case plan) may see it and move it through mediation, wherever
/// it lies. The caller checks the assignment.
pub fn allowed_by_assignment(roles: &[Role], action: Action) -> bool {
    roles.contains(&Role::Mediator) && matches!(action, Action::ViewMatters | Action::HandleMatter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    /// The expected matrix, written out by hand: role → actions it is granted.
    fn expected(role: Role) -> &'static [Action] {
        match role {
            Role::SystemAdmin => &[ViewOrg, EditOrg, ViewPeople, ManagePeople],
            Role::SecurityAdmin => &[ViewOrg, ViewPeople, ManageSecurity, GrantRoles],
            Role::AuditAdmin => &[ViewOrg, ViewAudit, ExportAudit],
            Role::Commander | Role::DutyCommander => &[
                ViewOrg,
                ViewPeople,
                ViewPersonalData,
                ViewRegistry,
                ViewCare,
                ViewMatters,
                RecordMatter,
                HandleMatter,
                UrgeMatter,
                ViewBoard,
                IssueInstruction,
                ViewInstructions,
                SuperviseInstructions,
                ViewCameras,
                PatrolCameras,
                ViewRoster,
                ManageRoster,
                Supervise,
                DirectCases,
            ],
            Role::DeskOfficer => &[
                ViewOrg,
                ViewPeople,
                ViewPersonalData,
                ViewRegistry,
                ViewMatters,
                RecordMatter,
                HandleMatter,
                UrgeMatter,
                ViewBoard,
                IssueInstruction,
                ViewInstructions,
                ViewCameras,
                PatrolCameras,
                ViewRoster,
                Supervise,
            ],
            Role::CommunityOfficer | Role::GridOfficer => &[
                ViewOrg,
                ViewPeople,
                ViewPersonalData,
                ViewRegistry,
                ViewCare,
                RecordVisit,
                ImportRegistry,
                ViewMatters,
                RecordMatter,
                HandleMatter,
                UrgeMatter,
                ViewBoard,
                ViewInstructions,
                ViewCameras,
                PostDaily,
            ],
            Role::GridWorker => &[
                ViewOrg,
                ViewPeople,
                ViewRegistry,
                ViewCare,
                RecordVisit,
                ImportRegistry,
                ViewMatters,
                RecordMatter,
                HandleMatter,
                PostDaily,
            ],
            Role::CommunityLeader => &[
                ViewOrg,
                ViewPeople,
                ViewRegistry,
                ViewCare,
                ViewMatters,
                UrgeMatter,
                IssueInstruction,
                ViewInstructions,
            ],
            Role::StreetLeader => &[
                ViewOrg,
                ViewPeople,
                ViewRegistry,
                ViewMatters,
                UrgeMatter,
                ViewBoard,
                IssueInstruction,
                ViewInstructions,
                ViewCameras,
                Supervise,
            ],
            Role::Mediator | Role::Counsellor | Role::DepartmentLiaison => &[ViewOrg, ViewPeople],
        }
    }

    #[test]
    fn role_action_jurisdiction_matrix() {
        let station = UnitPath::root(1);
        let street = station.child(2);
        let community_a = street.child(10);
        let grid_a1 = community_a.child(100);
        let community_b = street.child(11);
        let grid_b1 = community_b.child(110);
        let places = [&station, &street, &community_a, &grid_a1, &community_b, &grid_b1];

        for &role in Role::ALL {
            for &action in Action::ALL {
                let granted = expected(role).contains(&action);
                for home in places {
                    for target in places {
                        let got = decide(&[role], home, action, target);
                        let inside = target.0.starts_with(&home.0);
                        let want = match (granted, inside) {
                            (false, _) => Decision::DenyRole,
                            (true, false) => Decision::DenyJurisdiction,
                            (true, true) => Decision::Allow,
                        };
                        assert_eq!(got, want, "{role:?} {action:?} home={home:?} target={target:?}");
                    }
                }
            }
        }
    }

    /// The live board carries camera events to whoever watches it: every role that may watch
    /// a board may see the cameras of its jurisdiction.
    #[test]
    fn board_viewers_see_cameras() {
        for role in Role::ALL.iter().copied().filter(|r| role_grants(*r, ViewBoard)) {
            assert!(role_grants(role, ViewCameras), "{role:?} watches the board but may not see cameras");
        }
    }

    #[test]
    fn grid_worker_sees_only_their_grid() {
        let street = UnitPath::root(1).child(2);
        let mine = street.child(10).child(100);
        let neighbour = street.child(10).child(101);
        assert!(decide(&[Role::GridWorker], &mine, ViewPeople, &mine).allowed());
        assert_eq!(decide(&[Role::GridWorker], &mine, ViewPeople, &neighbour), Decision::DenyJurisdiction);
        assert_eq!(decide(&[Role::GridWorker], &mine, ViewAudit, &mine), Decision::DenyRole);
    }

    #[test]
    fn the_three_administrators_are_separate() {
        let root = UnitPath::root(1);
        assert!(!decide(&[Role::SystemAdmin], &root, ViewAudit, &root).allowed());
        assert!(!decide(&[Role::AuditAdmin], &root, ManagePeople, &root).allowed());
        assert!(!decide(&[Role::SecurityAdmin], &root, ViewAudit, &root).allowed());
        assert!(!decide(&[Role::SystemAdmin], &root, ViewPersonalData, &root).allowed());
    }
}
