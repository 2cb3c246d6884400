//! The registry's vocabulary: dwelling types, relations to the head of household, care and
//! attention categories, and the checks that tie a resident's stated sex and birth date to
//! their ID number. Names get their pinyin (full and initials) for search.

use crate::IdNumber;

/// Kinds of household visit (走访): the monthly round, publicity, care, other.
pub const VISIT_KINDS: &[&str] = &["monthly", "publicity", "care", "other"];
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($name:ident { $($variant:ident => $code:literal, $zh:literal;)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code,)* } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh,)* } }
            /// Accepts the code or the Chinese label.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
            pub fn choices() -> String {
                Self::ALL.iter().map(|v| format!("{} ({})", v.as_str(), v.label_zh())).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

vocabulary!(DwellingType {
    OwnerOccupied => "owner_occupied", "自住";
    Rented => "rented", "出租";
    Vacant => "vacant", "空置";
});

vocabulary!(Relation {
    Head => "head", "户主";
    Spouse => "spouse", "配偶";
    Child => "child", "子女";
    Parent => "parent", "父母";
    Grandchild => "grandchild", "孙子女";
    Grandparent => "grandparent", "祖父母";
    Sibling => "sibling", "兄弟姐妹";
    Tenant => "tenant", "租户";
    Other => "other", "其他";
});

vocabulary!(CareCategory {
    ElderlyAlone => "elderly_alone", "独居老人";
    LeftBehindChild => "left_behind_child", "留守儿童";
    Disability => "disability", "残疾人";
    LowIncome => "low_income", "低保户";
    SeriousIllness => "serious_illness", "重病患者";
    MentalHealth => "mental_health", "严重精神障碍患者";
    Released => "released", "刑满释放人员";
    Veteran => "veteran", "退役军人";
});

vocabulary!(OrgKind {
    Company => "company", "企业";
    Shop => "shop", "商铺";
    School => "school", "学校";
    Hospital => "hospital", "医院";
    Government => "government", "机关单位";
    InternetCafe => "internet_cafe", "网吧";
    BilliardHall => "billiard_hall", "台球厅";
    ChessCardRoom => "chess_card_room", "棋牌室";
    Ktv => "ktv", "KTV";
    Barbecue => "barbecue", "烧烤店";
    Hotel => "hotel", "旅馆";
    Bar => "bar", "酒吧";
    Market => "market", "集贸市场";
});

impl OrgKind {
    /// Places the police inspect as key places (重点场所).
    pub fn is_key_place(self) -> bool {
        matches!(
            self,
            OrgKind::InternetCafe
                | OrgKind::BilliardHall
                | OrgKind::ChessCardRoom
                | OrgKind::Ktv
                | OrgKind::Barbecue
                | OrgKind::Hotel
                | OrgKind::Bar
                | OrgKind::School
                | OrgKind::Hospital
                | OrgKind::Market
        )
    }
}

/// Care categories: a list separated by `;`, `|`, `、` or `,` (empty is none).
pub fn parse_care(s: &str) -> Result<Vec<CareCategory>, String> {
    let mut out = vec![];
    for part in s.split([';', '|', '、', ',', '，']).map(str::trim).filter(|p| !p.is_empty()) {
        let c = CareCategory::parse(part)
            .ok_or_else(|| format!("unknown care category \"{part}\"; one of {}", CareCategory::choices()))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "male" | "m" | "M" | "男" => Some(Sex::Male),
            "female" | "f" | "F" | "女" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn of(id: &IdNumber) -> Sex {
        if id.is_male() { Sex::Male } else { Sex::Female }
    }
}

/// A stated sex or birth date must agree with the ID number. Returns (field, message).
pub fn check_against_id(
    id: &IdNumber,
    sex: Option<&str>,
    birth_date: Option<&str>,
) -> Result<(), (&'static str, String)> {
    if let Some(s) = sex.map(str::trim).filter(|s| !s.is_empty()) {
        let given = Sex::parse(s).ok_or(("sex", format!("\"{s}\" is not male/female (男/女)")))?;
        if given != Sex::of(id) {
            return Err((
                "sex",
                format!("{} does not match the ID number, which says {}", given.as_str(), Sex::of(id).as_str()),
            ));
        }
    }
    if let Some(b) = birth_date.map(str::trim).filter(|s| !s.is_empty()) {
        let given = NaiveDate::parse_from_str(b, "%Y-%m-%d")
            .map_err(|_| ("birth_date", format!("\"{b}\" is not a date (YYYY-MM-DD)")))?;
        if given != id.birth_date() {
            return Err((
                "birth_date",
                format!("{given} does not match the ID number, which says {}", id.birth_date()),
            ));
        }
    }
    Ok(())
}

/// A person's name: 1–32 characters, letters (any script), `·` and spaces only.
pub fn check_name(name: &str) -> Result<(), String> {
    let n = name.trim();
    let len = n.chars().count();
    if len == 0 || len > 32 {
        return Err("1–32 characters".into());
    }
    if !n.chars().all(|c| c.is_alphabetic() || c == '·' || c == ' ') {
        return Err("letters only (no digits or symbols)".into());
    }
    Ok(())
}

/// A party's name as recorded on a matter: a person's name, or — when the name is not known
/// yet — how they are described (楼上301住户, 3号楼快递员): 1–32 characters, no control
/// characters or markup brackets.
pub fn check_party_name(name: &str) -> Result<(), String> {
    let n = name.trim();
    let len = n.chars().count();
    if len == 0 || len > 32 {
        return Err("1–32 characters".into());
    }
    if n.chars().any(|c| c.is_control() || matches!(c, '<' | '>')) {
        return Err("a name or a description (no control characters or angle brackets)".into());
    }
    Ok(())
}

/// Full pinyin without tones (`zhangshichuan`) and initials (`zsc`); characters without
/// pinyin are kept as they are, lower-cased.
pub fn pinyin_of(name: &str) -> (String, String) {
    use pinyin::ToPinyin;
    let (mut full, mut initials) = (String::new(), String::new());
    for (c, p) in name.chars().zip(name.to_pinyin()) {
        match p {
            Some(p) => {
                // Keyboards type ü as v.
                full.push_str(&p.plain().replace('ü', "v"));
                initials.push_str(p.first_letter());
            }
            None if c.is_alphanumeric() => {
                let l = c.to_lowercase().to_string();
                full.push_str(&l);
                initials.push_str(&l);
            }
            None => {}
        }
    }
    (full, initials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_full_and_initials() {
        assert_eq!(pinyin_of("张世川"), ("zhangshichuan".into(), "zsc".into()));
        assert_eq!(pinyin_of("吕雨泽"), ("lvyuze".into(), "lyz".into()));
    }

    #[test]
    fn vocabulary_accepts_codes_and_chinese() {
        assert_eq!(Relation::parse("户主"), Some(Relation::Head));
        assert_eq!(DwellingType::parse("rented"), Some(DwellingType::Rented));
        assert_eq!(
            parse_care("独居老人;disability").unwrap(),
            vec![CareCategory::ElderlyAlone, CareCategory::Disability]
        );
        assert!(parse_care("rich").unwrap_err().contains("unknown care category \"rich\""));
        assert!(OrgKind::InternetCafe.is_key_place() && !OrgKind::Company.is_key_place());
    }

    #[test]
    fn stated_sex_and_birth_date_must_match_the_id() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(check_against_id(&id, Some("女"), Some("1949-12-31")), Ok(()));
        assert_eq!(check_against_id(&id, Some("男"), None).unwrap_err().0, "sex");
        let e = check_against_id(&id, None, Some("1950-01-01")).unwrap_err();
        assert_eq!(e, ("birth_date", "1950-01-01 does not match the ID number, which says 1949-12-31".into()));
        assert_eq!(check_against_id(&id, None, Some("1949/12/31")).unwrap_err().0, "birth_date");
        assert!(check_name("张世川").is_ok() && check_name("张3").is_err() && check_name("").is_err());
        assert!(check_name("阿依古丽·买买提").is_ok());
    }
}
