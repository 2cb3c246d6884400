//! Matters and the three-tier dispute workflow, as pure rules: kinds, the category
//! taxonomy with the mediation approach each suggests, priorities and the response clock
//! (一事一应), tiers, and the state machine that makes illegal transitions impossible.
//! Storage and HTTP build on this (issue 4).

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $zh:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code,)* } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh,)* } }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(MatterKind {
    Dispute => "dispute", "矛盾纠纷";
    Hazard => "hazard", "风险隐患";
    Request => "request", "急难愁盼";
    Incident => "incident", "警情";
    Tip => "tip", "线索";
});

vocabulary!(Category {
    MarriageFamily => "marriage_family", "婚姻家庭";
    Neighbour => "neighbour", "邻里纠纷";
    HousingHomestead => "housing_homestead", "房屋宅基地";
    Damages => "damages", "损害赔偿";
    ContractDebt => "contract_debt", "合同债务";
    BusinessProduction => "business_production", "生产经营";
    LandForest => "land_forest", "山林土地";
    Demolition => "demolition", "征地拆迁";
    LabourWages => "labour_wages", "劳动争议";
    VillageAffairs => "village_affairs", "村务管理";
    Environment => "environment", "环境污染";
    Traffic => "traffic", "道路交通";
    Medical => "medical", "医疗纠纷";
    PropertyManagement => "property_management", "物业纠纷";
    Consumer => "consumer", "消费纠纷";
    SchoolBullying => "school_bullying", "校园欺凌";
    Other => "other", "其他";
});

vocabulary!(Approach {
    FilialHarmony => "filial_harmony", "孝和";
    CourtesyAndLaw => "courtesy_and_law", "义礼";
    NeighbourlyWarmth => "neighbourly_warmth", "融情";
});

vocabulary!(Difficulty {
    Simple => "simple", "简易";
    Ordinary => "ordinary", "一般";
    Difficult => "difficult", "疑难复杂";
});

vocabulary!(
    /// The "five small" policing tags (五小警务).
    FiveSmall {
    PracticalHelp => "practical_help", "小实事";
    SmallCase => "small_case", "小案件";
    SmallConflict => "small_conflict", "小矛盾";
    SmallHazard => "small_hazard", "小隐患";
    SmallPolicing => "small_policing", "小警务";
});

vocabulary!(
    /// Where a matter came from. `household_qr`, `api` and `open311` are set by their
    /// channels; staff choose among the rest.
    Source {
    WalkIn => "walk_in", "来访";
    Phone => "phone", "来电";
    Patrol => "patrol", "巡查发现";
    Screening => "screening", "排查";
    Referral => "referral", "部门移交";
    HouseholdQr => "household_qr", "一户一码";
    Api => "api", "接口";
    Open311 => "open311", "Open311";
    VideoPatrol => "video_patrol", "视频巡查";
});

impl Source {
    /// The sources a member of staff may choose on the intake form.
    pub const STAFF: &'static [Source] =
        &[Source::Patrol, Source::Screening, Source::WalkIn, Source::Phone, Source::Referral];
}

impl Category {
    /// The approach the seed prescribes for the category (孝和 for family and marriage,
    /// 义礼 for economic, labour and demolition disputes, 融情 for neighbours); it may be
    /// changed per case.
    pub fn suggested_approach(self) -> Option<Approach> {
        use Category::*;
        match self {
            MarriageFamily => Some(Approach::FilialHarmony),
            Neighbour | PropertyManagement | HousingHomestead => Some(Approach::NeighbourlyWarmth),
            ContractDebt | BusinessProduction | LabourWages | Demolition | LandForest | Damages | Consumer => {
                Some(Approach::CourtesyAndLaw)
            }
            _ => None,
        }
    }
}

/// One category of an installation's taxonomy: the national statistics' categories built
/// in, and an installation's own (added, or relabelled) from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    pub code: String,
    /// The name shown (Chinese).
    pub label: String,
    /// The mediation approach suggested for disputes of this category.
    #[serde(default)]
    pub approach: Option<Approach>,
}

/// The category taxonomy in use: the built-in categories, then the installation's.
#[derive(Debug, Clone)]
pub struct Taxonomy(Vec<CategoryDef>);

impl Taxonomy {
    /// The built-in taxonomy with an installation's categories: one with a built-in code
    /// replaces it (new label or approach), the others are added after.
    pub fn with(extra: &[CategoryDef]) -> Taxonomy {
        let mut all: Vec<CategoryDef> = Category::ALL
            .iter()
            .map(|c| CategoryDef {
                code: c.as_str().into(),
                label: c.label_zh().into(),
                approach: c.suggested_approach(),
            })
            .collect();
        for e in extra {
            match all.iter_mut().find(|c| c.code == e.code) {
                Some(c) => *c = e.clone(),
                None => all.push(e.clone()),
            }
        }
        Taxonomy(all)
    }

    /// Check an installation's categories: codes of 2–32 lower-case letters, digits and
    /// underscores, labels of 1–20 characters, no code twice.
    pub fn check(extra: &[CategoryDef]) -> Result<(), String> {
        for (i, c) in extra.iter().enumerate() {
            let n = i + 1;
            let ok = (2..=32).contains(&c.code.len())
                && c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(format!("categories[{n}].code: \"{}\" must be 2–32 of a-z, 0-9 and _", c.code));
            }
            if !(1..=20).contains(&c.label.trim().chars().count()) {
                return Err(format!("categories[{n}].label: 1–20 characters"));
            }
            if extra[..i].iter().any(|p| p.code == c.code) {
                return Err(format!("categories[{n}].code: \"{}\" appears twice", c.code));
            }
        }
        Ok(())
    }

    /// By code or by label.
    pub fn get(&self, s: &str) -> Option<&CategoryDef> {
        let s = s.trim();
        self.0.iter().find(|c| c.code == s || c.label == s)
    }

    pub fn all(&self) -> &[CategoryDef] {
        &self.0
    }

    /// The label of a code (the code itself when unknown, e.g. a category since removed).
    pub fn label<'a>(&'a self, code: &'a str) -> &'a str {
        self.0.iter().find(|c| c.code == code).map_or(code, |c| c.label.as_str())
    }

    pub fn codes(&self) -> String {
        self.0.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(", ")
    }
}

vocabulary!(Priority {
    Urgent => "urgent", "紧急";
    High => "high", "较急";
    Normal => "normal", "一般";
    Low => "low", "不急";
});

/// The response clock (一事一应): how long until the matter must be acknowledged and
/// resolved, in minutes, by kind and priority. Defaults; installations may configure them.
pub fn deadlines_minutes(kind: MatterKind, priority: Priority) -> (i64, i64) {
    const H: i64 = 60;
    const D: i64 = 24 * 60;
    let ack = match priority {
        Priority::Urgent => H,
        Priority::High => 4 * H,
        Priority::Normal => D,
        Priority::Low => 2 * D,
    };
    let resolve = match (kind, priority) {
        (_, Priority::Urgent) => D,
        // Mediation is normally finished within one month (People's Mediation Law).
        (MatterKind::Dispute, _) => 30 * D,
        (_, Priority::High) => 3 * D,
        (_, Priority::Normal) => 7 * D,
        (_, Priority::Low) => 15 * D,
    };
    (ack, resolve)
}

/// Where a dispute is handled: the lowest tier that can settle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Grid,
    Community,
    Street,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Grid => "grid",
            Tier::Community => "community",
            Tier::Street => "street",
        }
    }

    /// The tier above; `None` above the street: that is "passed up", a failure.
    pub fn up(self) -> Option<Tier> {
        match self {
            Tier::Grid => Some(Tier::Community),
            Tier::Community => Some(Tier::Street),
            Tier::Street => None,
        }
    }
}

/// How a closed matter ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closure {
    /// Case closed, matter settled, people reconciled (案结事了人和).
    Settled,
    ReferredArbitration,
    ReferredCourt,
    ReferredAdministrative,
    Withdrawn,
    /// Sent above the street: counted as a failure.
    PassedUp,
    /// A non-dispute matter dealt with.
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Registered,
    Accepted,
    /// Disputes: mediation under way (consent of both parties recorded).
    Mediating,
    AgreementReached,
    MediationFailed,
    /// The agreement's terms are being carried out.
    Performing,
    /// Other kinds: being dealt with.
    InProgress,
    Closed(Closure),
}

impl Closure {
    pub const ALL: &'static [Closure] = &[
        Closure::Settled,
        Closure::ReferredArbitration,
        Closure::ReferredCourt,
        Closure::ReferredAdministrative,
        Closure::Withdrawn,
        Closure::PassedUp,
        Closure::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Closure::Settled => "settled",
            Closure::ReferredArbitration => "referred_arbitration",
            Closure::ReferredCourt => "referred_court",
            Closure::ReferredAdministrative => "referred_administrative",
            Closure::Withdrawn => "withdrawn",
            Closure::PassedUp => "passed_up",
            Closure::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Closure> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.closure() {
            Some(c) => write!(f, "closed ({})", c.as_str()),
            None => f.write_str(self.code()),
        }
    }
}

impl Status {
    /// The status column's value (`closed` for every closure; the closure has its own).
    pub fn code(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Accepted => "accepted",
            Status::Mediating => "mediating",
            Status::AgreementReached => "agreement_reached",
            Status::MediationFailed => "mediation_failed",
            Status::Performing => "performing",
            Status::InProgress => "in_progress",
            Status::Closed(_) => "closed",
        }
    }

    pub fn closure(self) -> Option<Closure> {
        match self {
            Status::Closed(c) => Some(c),
            _ => None,
        }
    }

    /// Rebuild from the two columns.
    pub fn from_parts(status: &str, closure: Option<&str>) -> Option<Status> {
        Some(match status {
            "registered" => Status::Registered,
            "accepted" => Status::Accepted,
            "mediating" => Status::Mediating,
            "agreement_reached" => Status::AgreementReached,
            "mediation_failed" => Status::MediationFailed,
            "performing" => Status::Performing,
            "in_progress" => Status::InProgress,
            "closed" => Status::Closed(Closure::parse(closure?)?),
            _ => return None,
        })
    }
}

impl Tier {
    pub fn parse(s: &str) -> Option<Tier> {
        [Tier::Grid, Tier::Community, Tier::Street].into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Accept,
    /// Both parties consented; mediation starts.
    StartMediation,
    /// A party refused consent: mediation cannot happen.
    ConsentRefused,
    ReachAgreement,
    FailMediation,
    StartPerforming,
    /// Every term carried out.
    Perform,
    Refer(Closure),
    Withdraw,
    StartWork,
    Resolve,
    /// A recurrence reopens a closed matter.
    Reopen,
}

impl Event {
    /// The event's name, as [`Event::parse`] reads it (`refer` for every referral).
    pub fn name(self) -> &'static str {
        match self {
            Event::Accept => "accept",
            Event::StartMediation => "start_mediation",
            Event::ConsentRefused => "consent_refused",
            Event::ReachAgreement => "reach_agreement",
            Event::FailMediation => "fail_mediation",
            Event::StartPerforming => "start_performing",
            Event::Perform => "perform",
            Event::Refer(_) => "refer",
            Event::Withdraw => "withdraw",
            Event::StartWork => "start_work",
            Event::Resolve => "resolve",
            Event::Reopen => "reopen",
        }
    }

    /// Parse an event name; `refer` needs the closure (`referred_court`, ...).
    pub fn parse(name: &str, closure: Option<&str>) -> Option<Event> {
        Some(match name {
            "accept" => Event::Accept,
            "start_mediation" => Event::StartMediation,
            "consent_refused" => Event::ConsentRefused,
            "reach_agreement" => Event::ReachAgreement,
            "fail_mediation" => Event::FailMediation,
            "start_performing" => Event::StartPerforming,
            "perform" => Event::Perform,
            "refer" => Event::Refer(Closure::parse(closure?)?),
            "withdraw" => Event::Withdraw,
            "start_work" => Event::StartWork,
            "resolve" => Event::Resolve,
            "reopen" => Event::Reopen,
            _ => return None,
        })
    }

    pub const NAMES: &'static [&'static str] = &[
        "accept",
        "start_mediation",
        "consent_refused",
        "reach_agreement",
        "fail_mediation",
        "start_performing",
        "perform",
        "refer",
        "withdraw",
        "start_work",
        "resolve",
        "reopen",
        "escalate",
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{}\" is not allowed when the matter is \"{}\"", event.name(), status.code())]
pub struct IllegalTransition {
    pub status: Status,
    pub event: Event,
}

/// The one transition function. Everything not listed is illegal.
pub fn next(kind: MatterKind, status: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    let dispute = kind == MatterKind::Dispute;
    let to = match (status, event) {
        (S::Registered, E::Accept) => S::Accepted,
        (S::Registered | S::Accepted, E::Withdraw) => S::Closed(Closure::Withdrawn),
        (S::Accepted, E::StartMediation) if dispute => S::Mediating,
        (S::Accepted, E::ConsentRefused) if dispute => S::MediationFailed,
        (S::Mediating, E::ReachAgreement) => S::AgreementReached,
        (S::Mediating, E::FailMediation) => S::MediationFailed,
        (S::Mediating, E::Withdraw) => S::Closed(Closure::Withdrawn),
        (S::AgreementReached, E::StartPerforming) => S::Performing,
        (S::Performing, E::Perform) => S::Closed(Closure::Settled),
        (S::Performing, E::FailMediation) => S::MediationFailed,
        (S::MediationFailed, E::Refer(c))
            if matches!(c, Closure::ReferredArbitration | Closure::ReferredCourt | Closure::ReferredAdministrative) =>
        {
            S::Closed(c)
        }
        (S::MediationFailed, E::StartMediation) => S::Mediating,
        (S::Accepted, E::StartWork) if !dispute => S::InProgress,
        (S::InProgress, E::Resolve) => S::Closed(Closure::Resolved),
        (S::InProgress, E::Withdraw) => S::Closed(Closure::Withdrawn),
        (S::Closed(c), E::Reopen) if c != Closure::PassedUp => S::Accepted,
        _ => return Err(IllegalTransition { status, event }),
    };
    Ok(to)
}

/// A step the workflow allows from where a matter stands, and what it needs from the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// The event's name (as `Event::parse` and the API take it), or `escalate`.
    pub event: &'static str,
    /// For `refer`: the closures it may end with.
    pub closures: Vec<Closure>,
    /// A reason must be given (escalate, refer).
    pub needs_note: bool,
    /// The routes the parties were told of must be recorded (a refusal, a failure).
    pub needs_routes: bool,
    /// Escalating from the street passes the dispute up: counted as a failure.
    pub passes_up: bool,
}

/// Every step the state machine allows from `status` (and, for a dispute at `tier`, moving
/// up), in the order a case usually takes them. The law's preconditions (consent, a signed
/// agreement, ...) are checked when a step is taken (`mediation::guard`).
pub fn next_steps(kind: MatterKind, status: Status, tier: Option<Tier>) -> Vec<NextStep> {
    let step = |event: &'static str| NextStep {
        event,
        closures: vec![],
        needs_note: false,
        needs_routes: matches!(event, "fail_mediation" | "consent_refused"),
        passes_up: false,
    };
    let mut out = Vec::new();
    for name in Event::NAMES.iter().copied().filter(|n| !matches!(*n, "refer" | "escalate")) {
        if let Some(e) = Event::parse(name, None)
            && next(kind, status, e).is_ok()
        {
            out.push(step(name));
        }
    }
    let closures: Vec<Closure> =
        Closure::ALL.iter().copied().filter(|c| next(kind, status, Event::Refer(*c)).is_ok()).collect();
    if !closures.is_empty() {
        out.push(NextStep { closures, needs_note: true, ..step("refer") });
    }
    if let Some(t) = tier
        && let Ok((up, _)) = escalate(status, t)
    {
        out.push(NextStep { needs_note: true, passes_up: up.is_none(), ..step("escalate") });
    }
    out
}

/// Moving a dispute up a tier: allowed while it is open; above the street it closes as
/// passed up. Returns the new tier (or `None`: passed up) and the status after.
pub fn escalate(status: Status, tier: Tier) -> Result<(Option<Tier>, Status), IllegalTransition> {
    match status {
        Status::Registered | Status::Accepted | Status::Mediating | Status::MediationFailed => match tier.up() {
            Some(t) => Ok((Some(t), Status::Accepted)),
            None => Ok((None, Status::Closed(Closure::PassedUp))),
        },
        _ => Err(IllegalTransition { status, event: Event::Accept }),
    }
}

/// What the tier rules look at.
#[derive(Debug, Clone, Copy)]
pub struct TierFacts {
    pub tier: Tier,
    pub status: Status,
    pub difficult: bool,
    pub risk: crate::risk::Level,
    /// Whole days since the dispute reached its current tier.
    pub days_at_tier: i64,
}

/// Days a dispute may stay open at a tier before the rules move it up.
pub fn days_allowed(tier: Tier) -> Option<i64> {
    match tier {
        Tier::Grid => Some(7),
        Tier::Community => Some(15),
        Tier::Street => None,
    }
}

/// The three-tier rules: should this dispute move up a tier, and why? Rules never move a
/// dispute above the street (that would be "passed up", which only people decide).
pub fn rule_to_move_up(f: &TierFacts) -> Option<String> {
    use crate::risk::Level;
    if f.tier == Tier::Street {
        return None;
    }
    if !matches!(f.status, Status::Registered | Status::Accepted | Status::Mediating | Status::MediationFailed) {
        return None;
    }
    let next = if f.tier == Tier::Grid { "社区" } else { "街道多元调解中心" };
    if f.risk == Level::Red {
        return Some(format!("民转刑风险为红色，依规移交{next}"));
    }
    if f.status == Status::MediationFailed {
        return Some(format!("本级调解未成，依规移交{next}"));
    }
    if f.tier == Tier::Grid && f.risk == Level::Orange {
        return Some("民转刑风险为橙色，依规移交社区".into());
    }
    if f.tier == Tier::Grid && f.difficult {
        return Some("疑难复杂纠纷，依规移交社区".into());
    }
    match days_allowed(f.tier) {
        Some(limit) if f.days_at_tier > limit => Some(format!("在本级化解超过{limit}日未果，依规移交{next}")),
        _ => None,
    }
}

/// How long a narrative may be, in characters (not bytes): two characters can name a matter
/// in Chinese (漏水, "a leak"; 路灯不亮, "street light out", is four).
pub const NARRATIVE_MIN_CHARS: usize = 2;
pub const NARRATIVE_MAX_CHARS: usize = 5000;
/// Open311 GeoReport v2 limits a request's description to 4,000 characters.
pub const OPEN311_DESCRIPTION_MAX_CHARS: usize = 4000;
/// The residents' QR page asks for a shorter account.
pub const RESIDENT_NARRATIVE_MAX_CHARS: usize = 1000;

/// The longest narrative a channel takes.
pub fn narrative_max_chars(source: Source) -> usize {
    match source {
        Source::Open311 => OPEN311_DESCRIPTION_MAX_CHARS,
        _ => NARRATIVE_MAX_CHARS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn next_steps_offer_only_what_the_state_machine_allows() {
        let names = |v: Vec<NextStep>| v.into_iter().map(|s| s.event).collect::<Vec<_>>();
        // A settled, closed dispute offers only reopening: never "accept" first.
        let settled = next_steps(MatterKind::Dispute, Status::Closed(Closure::Settled), Some(Tier::Community));
        assert_eq!(names(settled), ["reopen"]);
        let registered = next_steps(MatterKind::Dispute, Status::Registered, Some(Tier::Grid));
        assert_eq!(names(registered.clone()), ["accept", "withdraw", "escalate"]);
        assert!(registered.iter().find(|s| s.event == "escalate").is_some_and(|s| s.needs_note && !s.passes_up));
        let failed = next_steps(MatterKind::Dispute, Status::MediationFailed, Some(Tier::Street));
        let refer = failed.iter().find(|s| s.event == "refer").expect("refer");
        assert_eq!(refer.closures.len(), 3);
        assert!(failed.iter().find(|s| s.event == "escalate").is_some_and(|s| s.passes_up));
        let mediating = next_steps(MatterKind::Dispute, Status::Mediating, Some(Tier::Grid));
        assert!(mediating.iter().find(|s| s.event == "fail_mediation").is_some_and(|s| s.needs_routes));
        // A hazard has no tiers and no mediation.
        assert_eq!(names(next_steps(MatterKind::Hazard, Status::Accepted, None)), ["withdraw", "start_work"]);
        // Every offered step is taken by the state machine, for every status.
        for status in [
            Status::Registered,
            Status::Accepted,
            Status::Mediating,
            Status::AgreementReached,
            Status::MediationFailed,
            Status::Performing,
            Status::InProgress,
            Status::Closed(Closure::Withdrawn),
        ] {
            for s in next_steps(MatterKind::Dispute, status, Some(Tier::Grid)) {
                match s.event {
                    "escalate" => assert!(escalate(status, Tier::Grid).is_ok()),
                    "refer" => {
                        assert!(s.closures.iter().all(|c| next(MatterKind::Dispute, status, Event::Refer(*c)).is_ok()))
                    }
                    e => assert!(next(MatterKind::Dispute, status, Event::parse(e, None).unwrap()).is_ok()),
                }
            }
        }
    }

    #[test]
    fn statuses_round_trip_through_their_columns() {
        for s in [
            Status::Registered,
            Status::Mediating,
            Status::Closed(Closure::ReferredCourt),
            Status::Closed(Closure::PassedUp),
        ] {
            assert_eq!(Status::from_parts(s.code(), s.closure().map(|c| c.as_str())), Some(s));
        }
        assert_eq!(Status::from_parts("closed", None), None);
        assert_eq!(Event::parse("refer", Some("referred_court")), Some(Event::Refer(Closure::ReferredCourt)));
        assert_eq!(Event::parse("refer", None), None);
    }

    #[test]
    fn the_taxonomy_is_configurable() {
        let extra = vec![
            CategoryDef {
                code: "elevator".into(),
                label: "电梯加装".into(),
                approach: Some(Approach::NeighbourlyWarmth),
            },
            CategoryDef {
                code: "consumer".into(), label: "消费维权".into(), approach: Some(Approach::CourtesyAndLaw)
            },
        ];
        assert!(Taxonomy::check(&extra).is_ok());
        let t = Taxonomy::with(&extra);
        assert_eq!(t.get("elevator").unwrap().approach, Some(Approach::NeighbourlyWarmth));
        assert_eq!(t.get("电梯加装").unwrap().code, "elevator");
        assert_eq!(t.label("consumer"), "消费维权", "a built-in relabelled");
        assert_eq!(t.all().len(), Category::ALL.len() + 1);
        assert_eq!(t.get("neighbour").unwrap().approach, Some(Approach::NeighbourlyWarmth));
        let bad = vec![CategoryDef { code: "Bad Code".into(), label: "x".into(), approach: None }];
        assert!(Taxonomy::check(&bad).unwrap_err().starts_with("categories[1].code"));
    }

    #[test]
    fn approaches_follow_the_seed() {
        assert_eq!(Category::MarriageFamily.suggested_approach(), Some(Approach::FilialHarmony));
        assert_eq!(Category::Neighbour.suggested_approach(), Some(Approach::NeighbourlyWarmth));
        assert_eq!(Category::LabourWages.suggested_approach(), Some(Approach::CourtesyAndLaw));
        assert_eq!(Category::Demolition.suggested_approach(), Some(Approach::CourtesyAndLaw));
        assert_eq!(Category::parse("邻里纠纷"), Some(Category::Neighbour));
    }

    #[test]
    fn urgent_matters_are_answered_within_the_hour() {
        assert_eq!(deadlines_minutes(MatterKind::Hazard, Priority::Urgent), (60, 1440));
        assert_eq!(deadlines_minutes(MatterKind::Dispute, Priority::Normal).1, 30 * 1440);
    }

    #[test]
    fn the_happy_path_of_a_dispute() {
        let k = MatterKind::Dispute;
        let mut s = Status::Registered;
        for e in [Event::Accept, Event::StartMediation, Event::ReachAgreement, Event::StartPerforming, Event::Perform] {
            s = next(k, s, e).unwrap();
        }
        assert_eq!(s, Status::Closed(Closure::Settled));
        assert_eq!(next(k, s, Event::Reopen), Ok(Status::Accepted));
    }

    #[test]
    fn no_mediation_without_consent_and_failure_ends_in_a_referral() {
        let k = MatterKind::Dispute;
        let s = next(k, Status::Accepted, Event::ConsentRefused).unwrap();
        assert_eq!(s, Status::MediationFailed);
        assert!(next(k, s, Event::ReachAgreement).is_err());
        assert!(next(k, s, Event::Refer(Closure::Settled)).is_err(), "a failed mediation does not settle");
        assert_eq!(next(k, s, Event::Refer(Closure::ReferredCourt)), Ok(Status::Closed(Closure::ReferredCourt)));
        assert!(
            next(MatterKind::Hazard, Status::Accepted, Event::StartMediation).is_err(),
            "only disputes are mediated"
        );
    }

    #[test]
    fn the_tier_rules_move_disputes_up_and_never_pass_them_up() {
        use crate::risk::Level;
        let f = |tier, status, difficult, risk, days| TierFacts { tier, status, difficult, risk, days_at_tier: days };
        let calm = f(Tier::Grid, Status::Accepted, false, Level::None, 1);
        assert_eq!(rule_to_move_up(&calm), None);
        assert!(rule_to_move_up(&TierFacts { difficult: true, ..calm }).unwrap().contains("疑难"));
        assert!(rule_to_move_up(&TierFacts { risk: Level::Orange, ..calm }).unwrap().contains("橙色"));
        assert!(rule_to_move_up(&TierFacts { status: Status::MediationFailed, ..calm }).unwrap().contains("调解未成"));
        assert!(rule_to_move_up(&TierFacts { days_at_tier: 8, ..calm }).unwrap().contains("7日"));
        assert_eq!(rule_to_move_up(&TierFacts { days_at_tier: 7, ..calm }), None);
        let community = TierFacts { tier: Tier::Community, ..calm };
        assert_eq!(
            rule_to_move_up(&TierFacts { risk: Level::Orange, ..community }),
            None,
            "orange stays at the community"
        );
        assert!(rule_to_move_up(&TierFacts { risk: Level::Red, ..community }).unwrap().contains("街道"));
        assert!(rule_to_move_up(&TierFacts { days_at_tier: 16, ..community }).unwrap().contains("15日"));
        let street = TierFacts { tier: Tier::Street, risk: Level::Red, status: Status::MediationFailed, ..calm };
        assert_eq!(rule_to_move_up(&street), None, "rules never pass a dispute up");
        let done = TierFacts { status: Status::Performing, risk: Level::Red, ..calm };
        assert_eq!(rule_to_move_up(&done), None, "an agreement in performance stays");
    }

    #[test]
    fn above_the_street_is_passed_up() {
        assert_eq!(escalate(Status::Mediating, Tier::Grid), Ok((Some(Tier::Community), Status::Accepted)));
        assert_eq!(escalate(Status::Accepted, Tier::Street), Ok((None, Status::Closed(Closure::PassedUp))));
        assert!(escalate(Status::Closed(Closure::Settled), Tier::Grid).is_err());
        assert!(next(MatterKind::Dispute, Status::Closed(Closure::PassedUp), Event::Reopen).is_err());
    }

    fn any_event() -> impl Strategy<Value = Event> {
        prop_oneof![
            Just(Event::Accept),
            Just(Event::StartMediation),
            Just(Event::ConsentRefused),
            Just(Event::ReachAgreement),
            Just(Event::FailMediation),
            Just(Event::StartPerforming),
            Just(Event::Perform),
            Just(Event::Refer(Closure::ReferredCourt)),
            Just(Event::Refer(Closure::ReferredArbitration)),
            Just(Event::Refer(Closure::Settled)),
            Just(Event::Withdraw),
            Just(Event::StartWork),
            Just(Event::Resolve),
            Just(Event::Reopen),
        ]
    }

    proptest! {
        /// Whatever events arrive, a matter only ever takes allowed steps: a dispute never
        /// reaches InProgress, other kinds never reach mediation states, Settled only comes
        /// from Performing, and a refused event leaves the status unchanged.
        #[test]
        fn no_illegal_transition(kind in prop::sample::select(MatterKind::ALL.to_vec()), events in prop::collection::vec(any_event(), 0..40)) {
            let mut s = Status::Registered;
            for e in events {
                match next(kind, s, e) {
                    Ok(t) => {
                        if kind == MatterKind::Dispute {
                            prop_assert!(!matches!(t, Status::InProgress | Status::Closed(Closure::Resolved)));
                        } else {
                            prop_assert!(!matches!(t, Status::Mediating | Status::AgreementReached | Status::Performing | Status::MediationFailed));
                        }
                        if t == Status::Closed(Closure::Settled) {
                            prop_assert_eq!(s, Status::Performing);
                        }
                        if matches!(t, Status::Closed(Closure::ReferredCourt | Closure::ReferredArbitration)) {
                            prop_assert_eq!(s, Status::MediationFailed);
                        }
                        s = t;
                    }
                    Err(err) => prop_assert_eq!(err.status, s),
                }
            }
        }
    }
}
