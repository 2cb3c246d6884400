//! Masking of personal data for lists, logs and API responses (ENGINEERING.md §5).

/// Keeps the first `head` and last `tail` characters, replacing the rest with `*`.
pub fn mask_middle(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out = String::with_capacity(chars.len());
    out.extend(&chars[..head]);
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `110***********001X`: the first 3 and last 4 characters of an ID number.
pub fn mask_id_number(value: &str) -> String {
    mask_middle(value, 3, 4)
}

/// `**************002X`: only the last 4 characters of an ID number, for roles without the
/// personal-data permission. The first 3 (the region) with a birth date and an address
/// narrowed the rest to a few dozen candidates that an exact search confirmed.
pub fn mask_id_tail(value: &str) -> String {
    mask_middle(value, 0, 4)
}

/// Free text with numbers in it (a search typed, a narrative excerpt sent to a chat group):
/// runs of 7 or more digits — an ID or phone number, perhaps mistyped — keep only their last 4.
pub fn mask_digit_runs(t: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 7 {
            out.push_str(&mask_id_tail(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in t.chars() {
        if c.is_ascii_digit() || c == 'X' || c == 'x' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A person's age in whole years on `today`, from a `YYYY-MM-DD` birth date.
pub fn age_on(birth_date: &str, today: chrono::NaiveDate) -> Option<i64> {
    use chrono::Datelike;
    let b = chrono::NaiveDate::parse_from_str(birth_date, "%Y-%m-%d").ok()?;
    let mut age = i64::from(today.year() - b.year());
    if (today.month(), today.day()) < (b.month(), b.day()) {
        age -= 1;
    }
    (age >= 0).then_some(age)
}

/// `138****5678`: the first 3 and last 4 digits of a phone number.
pub fn mask_phone(value: &str) -> String {
    mask_middle(value, 3, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_convention_says() {
        assert_eq!(mask_id_number("11010519491231002X"), "110***********002X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_middle("abc", 3, 4), "***");
        assert_eq!(mask_id_tail("11010519491231002X"), "**************002X");
        assert_eq!(mask_id_tail("141***********0173"), "**************0173", "from the stored mask");
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(age_on("1949-12-31", d("2026-12-30")), Some(76));
        assert_eq!(age_on("1949-12-31", d("2026-12-31")), Some(77));
        assert_eq!(age_on("2030-01-01", d("2026-12-31")), None);
        assert_eq!(age_on("not a date", d("2026-12-31")), None);
    }
}
