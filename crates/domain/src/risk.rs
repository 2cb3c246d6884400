//! Early warning of civil-to-criminal escalation (民转刑): an explainable risk score.
//!
//! The score is a sum of factors, each shown with its weight and the evidence that raised
//! it: words of a configurable lexicon found in the narrative and records by Chinese word
//! segmentation (jieba, with the lexicon's words added to its dictionary), the same parties
//! in repeated matters, harassment after a court ruling (the seed's own example), failed
//! mediations, prior police incidents, vulnerable parties. Levels follow the practice of
//! red / orange / yellow grading: red is reported at once, orange handled the same day,
//! yellow settled on the spot.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The factors a score is made of. The lexicon supplies words for the textual ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    HarassmentAfterRuling,
    Threat,
    Weapon,
    SelfHarm,
    FamilyViolence,
    Violence,
    RepeatedParties,
    PriorIncidents,
    FailedMediation,
    Harassment,
    Alcohol,
    VulnerableParty,
    CourtRuling,
}

impl Factor {
    pub const ALL: &'static [Factor] = &[
        Factor::HarassmentAfterRuling,
        Factor::Threat,
        Factor::Weapon,
        Factor::SelfHarm,
        Factor::FamilyViolence,
        Factor::Violence,
        Factor::RepeatedParties,
        Factor::PriorIncidents,
        Factor::FailedMediation,
        Factor::Harassment,
        Factor::Alcohol,
        Factor::VulnerableParty,
        Factor::CourtRuling,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Factor::HarassmentAfterRuling => "harassment_after_ruling",
            Factor::Threat => "threat",
            Factor::Weapon => "weapon",
            Factor::SelfHarm => "self_harm",
            Factor::FamilyViolence => "family_violence",
            Factor::Violence => "violence",
            Factor::RepeatedParties => "repeated_parties",
            Factor::PriorIncidents => "prior_incidents",
            Factor::FailedMediation => "failed_mediation",
            Factor::Harassment => "harassment",
            Factor::Alcohol => "alcohol",
            Factor::VulnerableParty => "vulnerable_party",
            Factor::CourtRuling => "court_ruling",
        }
    }

    pub fn parse(s: &str) -> Option<Factor> {
        Self::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Factor::HarassmentAfterRuling => "判决后仍纠缠骚扰",
            Factor::Threat => "威胁恐吓言语",
            Factor::Weapon => "涉及凶器危险物",
            Factor::SelfHarm => "扬言轻生",
            Factor::FamilyViolence => "家庭暴力",
            Factor::Violence => "肢体冲突",
            Factor::RepeatedParties => "同一当事人反复纠纷",
            Factor::PriorIncidents => "当事人涉警前科",
            Factor::FailedMediation => "调解失败",
            Factor::Harassment => "纠缠滋扰",
            Factor::Alcohol => "酒后",
            Factor::VulnerableParty => "当事人为弱势群体",
            Factor::CourtRuling => "已经法院裁判",
        }
    }

    /// The weight a factor adds once (repeated parties, incidents and failed mediations
    /// add it per occurrence, up to twice).
    pub fn weight(self) -> u32 {
        match self {
            Factor::HarassmentAfterRuling => 35,
            Factor::Threat => 30,
            Factor::Weapon => 30,
            Factor::SelfHarm => 25,
            Factor::FamilyViolence => 25,
            Factor::Violence => 20,
            Factor::RepeatedParties => 12,
            Factor::PriorIncidents => 15,
            Factor::FailedMediation => 10,
            Factor::Harassment => 10,
            Factor::Alcohol => 10,
            Factor::VulnerableParty => 8,
            Factor::CourtRuling => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    None,
    Yellow,
    Orange,
    Red,
}

impl Level {
    pub fn of(score: u32) -> Level {
        match score {
            60.. => Level::Red,
            35.. => Level::Orange,
            15.. => Level::Yellow,
            _ => Level::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        [Level::None, Level::Yellow, Level::Orange, Level::Red].into_iter().find(|l| l.as_str() == s)
    }

    /// Whether a matter at this level raises an early-warning alert to the command room
    /// (with its report to the police). A matter raises it once: the store keeps one alert
    /// per matter and level, however often or concurrently the risk is recomputed.
    pub fn raises_alert(self) -> bool {
        self == Level::Red
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::None => "无",
            Level::Yellow => "黄色",
            Level::Orange => "橙色",
            Level::Red => "红色",
        }
    }
}

/// What the score is computed from, gathered by the store.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// The narrative, the mediation records and the notes of the case.
    pub texts: Vec<&'a str>,
    /// Earlier matters sharing a party with this one.
    pub repeated_matters: u32,
    /// Police incidents involving its parties.
    pub prior_incidents: u32,
    pub failed_mediations: u32,
    pub vulnerable_parties: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub factor: Factor,
    pub weight: u32,
    /// What raised it: the words found, or the count.
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationRisk {
    pub score: u32,
    pub level: Level,
    pub hits: Vec<Hit>,
}

impl EscalationRisk {
    /// The factors as one line for an alert: `判决后仍纠缠骚扰+35；...`.
    pub fn factors_text(&self) -> String {
        self.hits.iter().map(|h| format!("{}+{}", h.factor.label_zh(), h.weight)).collect::<Vec<_>>().join("；")
    }

    /// The report to the police the law requires, as recorded with a red alert.
    pub fn police_report(&self, code: &str) -> String {
        format!("矛盾纠纷{code}经研判存在民转刑风险（{}分），已即时报告派出所综合指挥室及值班指挥长。", self.score)
    }
}

/// Lexicon words per textual factor, and the segmenter that knows them.
pub struct Lexicon {
    words: HashMap<String, Factor>,
    jieba: jieba_rs::Jieba,
}

const NEGATIONS: &[&str] = &["没有", "没", "未", "并未", "不曾", "从未", "无", "并没有", "没再"];

/// The lexicon shipped with Fengqiao.
pub const DEFAULT_LEXICON: &str = include_str!("risk_lexicon.txt");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LexiconError {
    pub line: usize,
    pub message: String,
}

impl Lexicon {
    /// Parse a lexicon (`factor word word ...` per line, `#` comments).
    pub fn parse(text: &str) -> Result<Lexicon, LexiconError> {
        let mut words = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let name = parts.next().unwrap_or_default();
            let factor = Factor::parse(name)
                .filter(|f| {
                    matches!(
                        f,
                        Factor::Threat
                            | Factor::Violence
                            | Factor::Weapon
                            | Factor::Alcohol
                            | Factor::FamilyViolence
                            | Factor::SelfHarm
                            | Factor::Harassment
                            | Factor::CourtRuling
                    )
                })
                .ok_or_else(|| LexiconError {
                    line: i + 1,
                    message: format!(
                        "`{name}` is not a textual factor (threat, violence, weapon, alcohol, family_violence, self_harm, harassment, court_ruling)"
                    ),
                })?;
            for w in parts {
                words.insert(w.to_string(), factor);
            }
        }
        if words.is_empty() {
            return Err(LexiconError { line: 0, message: "the lexicon has no words".into() });
        }
        let mut jieba = jieba_rs::Jieba::new();
        for w in words.keys() {
            // A high frequency makes the segmenter keep the word whole.
            jieba.add_word(w, Some(50_000), None);
        }
        Ok(Lexicon { words, jieba })
    }

    /// The default lexicon, loaded once (the segmenter's dictionary takes a moment).
    pub fn default_shared() -> &'static Lexicon {
        static DEFAULT: OnceLock<Lexicon> = OnceLock::new();
        DEFAULT.get_or_init(|| Lexicon::parse(DEFAULT_LEXICON).expect("the default lexicon parses"))
    }

    /// Lexicon words in the text, as whole words, not right after a negation.
    pub fn find(&self, text: &str) -> Vec<(Factor, String)> {
        let mut found = Vec::new();
        let tokens: Vec<&str> = self.jieba.cut(text, true).into_iter().map(|t| t.word).collect();
        for (i, t) in tokens.iter().enumerate() {
            if let Some(f) = self.words.get(*t) {
                let negated = tokens[..i].iter().rev().take(2).any(|p| NEGATIONS.contains(p));
                if !negated {
                    found.push((*f, t.to_string()));
                }
            }
        }
        found
    }

    /// Score a case.
    pub fn assess(&self, facts: &Facts<'_>) -> EscalationRisk {
        let mut words: HashMap<Factor, Vec<String>> = HashMap::new();
        for text in &facts.texts {
            for (f, w) in self.find(text) {
                let list = words.entry(f).or_default();
                if !list.contains(&w) {
                    list.push(w);
                }
            }
        }
        let mut hits = Vec::new();
        let ruling = words.remove(&Factor::CourtRuling);
        let harassment = words.remove(&Factor::Harassment);
        match (&ruling, harassment) {
            (Some(r), Some(h)) => hits.push(Hit {
                factor: Factor::HarassmentAfterRuling,
                weight: Factor::HarassmentAfterRuling.weight(),
                evidence: format!("{} / {}", r.join("、"), h.join("、")),
            }),
            (_, Some(h)) => hits.push(Hit {
                factor: Factor::Harassment,
                weight: Factor::Harassment.weight(),
                evidence: h.join("、"),
            }),
            _ => {}
        }
        for (f, ws) in words {
            hits.push(Hit { factor: f, weight: f.weight(), evidence: ws.join("、") });
        }
        let mut counted = |factor: Factor, n: u32, unit: &str| {
            if n > 0 {
                hits.push(Hit { factor, weight: factor.weight() * n.min(2), evidence: format!("{n} {unit}") });
            }
        };
        counted(Factor::RepeatedParties, facts.repeated_matters, "earlier matters");
        counted(Factor::PriorIncidents, facts.prior_incidents, "police incidents");
        counted(Factor::FailedMediation, facts.failed_mediations, "failed mediations");
        if facts.vulnerable_parties > 0 {
            hits.push(Hit {
                factor: Factor::VulnerableParty,
                weight: Factor::VulnerableParty.weight(),
                evidence: format!("{} parties", facts.vulnerable_parties),
            });
        }
        hits.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.factor.cmp(&b.factor)));
        let score = hits.iter().map(|h| h.weight).sum::<u32>().min(100);
        EscalationRisk { score, level: Level::of(score), hits }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factors(a: &EscalationRisk) -> Vec<Factor> {
        a.hits.iter().map(|h| h.factor).collect()
    }

    #[test]
    fn the_seeds_harassment_example_scores_high_and_names_its_factors() {
        // The seed's own case: after the court's divorce ruling the ex-husband kept going
        // to his ex-wife's parents' home; he has come before (two earlier matters).
        let lex = Lexicon::default_shared();
        let narrative = "法院判决离婚后，乔某心有不甘，三番五次前往前妻郭某萍父母家中纠缠，扬言不让他们好过。";
        let a = lex.assess(&Facts { texts: vec![narrative], repeated_matters: 2, ..Default::default() });
        assert_eq!(a.level, Level::Red, "{a:?}");
        let f = factors(&a);
        assert!(f.contains(&Factor::HarassmentAfterRuling), "{a:?}");
        assert!(f.contains(&Factor::RepeatedParties), "{a:?}");
        let h = a.hits.iter().find(|h| h.factor == Factor::HarassmentAfterRuling).unwrap();
        assert!(h.evidence.contains("判决") && h.evidence.contains("纠缠"), "{h:?}");
        assert_eq!(a.score, a.hits.iter().map(|h| h.weight).sum::<u32>().min(100));
    }

    #[test]
    fn an_ordinary_neighbour_quarrel_stays_low() {
        let lex = Lexicon::default_shared();
        let a = lex.assess(&Facts {
            texts: vec!["楼上住户空调外机滴水到楼下阳台，双方多次沟通未果，请网格员协调。"],
            ..Default::default()
        });
        assert_eq!(a.level, Level::None, "{a:?}");
        assert!(a.hits.is_empty());
    }

    #[test]
    fn words_are_matched_as_words_and_negation_counts() {
        let lex = Lexicon::default_shared();
        // 刀削面 is a noodle, not a knife; 没有动手 is the absence of violence.
        assert!(lex.find("楼下刀削面馆油烟扰民").is_empty(), "{:?}", lex.find("楼下刀削面馆油烟扰民"));
        assert!(lex.find("双方争吵但没有动手").is_empty(), "{:?}", lex.find("双方争吵但没有动手"));
        let found = lex.find("酒后拿着菜刀到邻居家门口扬言要砍死他");
        let fs: Vec<Factor> = found.iter().map(|(f, _)| *f).collect();
        assert!(
            fs.contains(&Factor::Alcohol) && fs.contains(&Factor::Weapon) && fs.contains(&Factor::Threat),
            "{found:?}"
        );
    }

    #[test]
    fn counted_factors_add_per_occurrence_up_to_twice() {
        let lex = Lexicon::default_shared();
        let a = lex.assess(&Facts { texts: vec![], failed_mediations: 5, prior_incidents: 1, ..Default::default() });
        assert_eq!(a.score, 2 * 10 + 15);
        assert_eq!(a.level, Level::Orange);
    }

    #[test]
    fn a_lexicon_names_its_bad_line() {
        let err = Lexicon::parse("threat 杀\nrepeated_parties 反复\n").err().unwrap();
        assert_eq!(err.line, 2);
        assert!(Lexicon::parse("# nothing\n").is_err());
    }
}
