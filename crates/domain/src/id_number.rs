//! Resident ID numbers (身份证号): 18 characters, GB 11643 ISO 7064 MOD 11-2 check digit.
//! An `IdNumber` that exists is valid: parse, don't validate.

use chrono::NaiveDate;
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("must be 18 characters, got {0}")]
    Length(usize),
    #[error("the first 17 characters must be digits and the last a digit or X")]
    Characters,
    #[error("the birth date {0} in the number is not a real date")]
    BirthDate(String),
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { found: char, expected: char },
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let s = input.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(IdNumberError::Length(n));
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        let date = &s[6..14];
        if NaiveDate::parse_from_str(date, "%Y%m%d").is_err() {
            return Err(IdNumberError::BirthDate(date.to_string()));
        }
        let expected = check_char(&b[..17]);
        let found = b[17] as char;
        if found != expected {
            return Err(IdNumberError::CheckDigit { found, expected });
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GB/T 2260 region code (first six digits).
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("validated at parse")
    }

    /// Odd 17th digit: male; even: female.
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    pub fn masked(&self) -> String {
        crate::mask::mask_id_number(&self.0)
    }
}

/// Never print a full ID number by accident (logs, panics): `Debug` masks it.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_a_valid_number_with_x() {
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert!(!id.is_male());
        assert_eq!(format!("{id:?}"), "IdNumber(110***********002X)");
    }

    #[test]
    fn rejects_with_a_precise_reason() {
        assert_eq!(IdNumber::parse("123"), Err(IdNumberError::Length(3)));
        assert_eq!(IdNumber::parse("11010519491231002A"), Err(IdNumberError::Characters));
        assert_eq!(IdNumber::parse("110105194913310021"), Err(IdNumberError::BirthDate("19491331".into())));
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::CheckDigit { found: '1', expected: 'X' }));
    }

    proptest! {
        #[test]
        fn exactly_one_check_char_is_valid(seq in 0u32..1000, day in 1u32..28, month in 1u32..13, year in 1930u32..2020) {
            let first17 = format!("141181{year:04}{month:02}{day:02}{seq:03}");
            let good = check_char(first17.as_bytes());
            for c in "0123456789X".chars() {
                let parsed = IdNumber::parse(&format!("{first17}{c}"));
                prop_assert_eq!(parsed.is_ok(), c == good);
            }
        }
    }
}
