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
    }
}
