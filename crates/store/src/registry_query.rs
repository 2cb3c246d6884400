//! What a resident search string is taken for (an ID number, a phone, its last four digits,
//! pinyin, or a name or address), and the hash phone tails are found by.

use fengqiao_domain::{IdNumber, Phone};

/// The keyed hash of a phone number's last four digits (searching by them).
pub fn phone_tail_hash(crypto: &crate::Crypto, phone: &str) -> String {
    let tail: String = phone.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    crypto.lookup_hash("phone_tail", &tail)
}

/// What a search string is taken for.
#[derive(Debug, Clone, PartialEq)]
pub enum ResidentQuery {
    IdNumber(IdNumber),
    Phone(Phone),
    /// Four digits: the end of a phone number (for roles that may read personal data; the
    /// caller decides), or else part of an address.
    PhoneTail(String),
    /// Lower-case latin letters: full pinyin or initials, as a prefix.
    Pinyin(String),
    /// Anything else: a name prefix, or part of an address.
    Text(String),
}

impl ResidentQuery {
    pub fn parse(q: &str) -> Option<ResidentQuery> {
        let q = q.trim();
        if q.is_empty() {
            return None;
        }
        if let Ok(id) = IdNumber::parse(q) {
            return Some(ResidentQuery::IdNumber(id));
        }
        if let Ok(p) = Phone::parse(q) {
            return Some(ResidentQuery::Phone(p));
        }
        if q.len() == 4 && q.bytes().all(|b| b.is_ascii_digit()) {
            return Some(ResidentQuery::PhoneTail(q.to_string()));
        }
        // Pinyin as people type it: "zhong rui", "Zhong-Rui", "zhongrui" and "zr" alike.
        if q.chars().all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '-' | '\'' | '·'))
            && q.chars().any(|c| c.is_ascii_alphabetic())
        {
            let joined: String = q.chars().filter(|c| c.is_ascii_alphabetic()).collect();
            return Some(ResidentQuery::Pinyin(joined.to_ascii_lowercase()));
        }
        Some(ResidentQuery::Text(q.to_string()))
    }
}

#[cfg(test)]
mod query_tests {
    use super::ResidentQuery;

    #[test]
    fn pinyin_is_read_as_people_type_it() {
        for q in ["zhong rui", "Zhong Rui", "zhong-rui", "zhongrui", " ZHONGRUI "] {
            assert_eq!(ResidentQuery::parse(q), Some(ResidentQuery::Pinyin("zhongrui".into())), "{q}");
        }
        assert_eq!(ResidentQuery::parse("zr"), Some(ResidentQuery::Pinyin("zr".into())));
        assert_eq!(ResidentQuery::parse(" 0003 "), Some(ResidentQuery::PhoneTail("0003".into())));
        assert!(matches!(ResidentQuery::parse("00031"), Some(ResidentQuery::Text(_))));
        assert!(matches!(ResidentQuery::parse("钟 瑞"), Some(ResidentQuery::Text(_))));
        assert!(matches!(ResidentQuery::parse("- '"), Some(ResidentQuery::Text(_))));
    }
}
