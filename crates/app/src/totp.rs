//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits) and
//! the base32 encoding authenticator apps use for the secret.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const STEP_SECONDS: i64 = 30;

pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = ALPHABET.iter().position(|&a| a as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push(((buf >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// A new random 160-bit secret, base32-encoded.
pub fn new_secret() -> String {
    let mut k = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut k);
    base32_encode(&k)
}

pub fn code_at(secret: &[u8], step: i64) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let bin = (u32::from(h[off] & 0x7f) << 24)
        | (u32::from(h[off + 1]) << 16)
        | (u32::from(h[off + 2]) << 8)
        | u32::from(h[off + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// The step a code matches within ±1 step of `now_secs`, if any.
pub fn verify(secret_b32: &str, code: &str, now_secs: i64) -> Option<i64> {
    let secret = base32_decode(secret_b32)?;
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = now_secs / STEP_SECONDS;
    [now, now - 1, now + 1].into_iter().find(|&s| code_at(&secret, s) == code)
}

pub fn otpauth_url(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| serde_urlencoded::to_string([("", s)]).unwrap_or_default()[1..].to_string();
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&period=30&digits=6",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (8-digit codes; we keep 6).
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59 / 30), "287082");
        assert_eq!(code_at(secret, 1111111109 / 30), "081804");
        assert_eq!(code_at(secret, 2000000000 / 30), "279037");
    }

    #[test]
    fn base32_roundtrip_and_window() {
        let s = base32_encode(b"12345678901234567890");
        assert_eq!(s, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&s).unwrap(), b"12345678901234567890");
        assert_eq!(verify(&s, "287082", 59), Some(1));
        assert_eq!(verify(&s, "287082", 59 + 30), Some(1));
        assert_eq!(verify(&s, "287082", 59 + 90), None);
        assert_eq!(verify(&s, "28708", 59), None);
    }
}
