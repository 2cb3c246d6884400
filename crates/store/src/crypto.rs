//! Field encryption for personal data (ID numbers, phone numbers, TOTP secrets).
//!
//! Values are sealed with AES-256-GCM under a random 96-bit nonce and stored as
//! `nonce || ciphertext`. A keyed hash (HMAC-SHA-256 under a separate derived key) lets the
//! database find exact matches without holding the plaintext. Both keys derive from one
//! 32-byte data key given in configuration.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// The 32-byte data key. `Debug` never shows it.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl DataKey {
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Self(k)
    }

    pub fn from_base64(s: &str) -> Result<Self, String> {
        let bytes = B64.decode(s.trim()).map_err(|e| format!("not valid base64: {e}"))?;
        let arr: [u8; 32] =
            bytes.try_into().map_err(|b: Vec<u8>| format!("must decode to 32 bytes, got {}", b.len()))?;
        Ok(Self(arr))
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(***)")
    }
}

#[derive(Clone)]
pub struct Crypto(Arc<Keys>);

/// The associated data of a sealed value: where it lives.
fn place(column: &str, row: &str) -> Vec<u8> {
    format!("fengqiao sealed v2\0{column}\0{row}").into_bytes()
}

/// A sealed value as read from the database, with the place it was read from: it opens
/// only if it was sealed for that place ([`Crypto::seal_at`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub blob: Vec<u8>,
    pub column: &'static str,
    pub row: String,
}

impl Sealed {
    pub fn new(blob: Vec<u8>, column: &'static str, row: impl ToString) -> Self {
        Self { blob, column, row: row.to_string() }
    }

    pub fn at(blob: Option<Vec<u8>>, column: &'static str, row: impl ToString) -> Option<Self> {
        blob.map(|b| Self::new(b, column, row))
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} of {})", self.column, self.row)
    }
}

struct Keys {
    cipher: Aes256Gcm,
    hash_key: [u8; 32],
}

impl fmt::Debug for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Crypto(***)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Crypto {
    pub fn new(key: &DataKey) -> Self {
        let enc = derive(&key.0, "fengqiao field encryption v1");
        let hash_key = derive(&key.0, "fengqiao lookup hash v1");
        Self(Arc::new(Keys { cipher: Aes256Gcm::new_from_slice(&enc).expect("32 bytes"), hash_key }))
    }

    /// Seal a value for its place: `column` (`table.column`) of the row whose key is `row`.
    /// The place is the associated data of AES-GCM: the value opens only there, so a value
    /// copied to another row or column (by anyone who can write to the database but has no
    /// key) does not open, it is reported as corrupt.
    pub fn seal_at(&self, column: &str, row: &str, plaintext: &str) -> Vec<u8> {
        self.seal_with(plaintext, &place(column, row))
    }

    /// Open a value read from its place (see [`Sealed`]).
    pub fn open(&self, s: &Sealed) -> Result<String, crate::StoreError> {
        self.open_with(&s.blob, &place(s.column, &s.row))
            .map_err(|_| crate::StoreError::Corrupt(format!("{} of row {} cannot be opened here", s.column, s.row)))
    }

    /// A value bound to no place: the data key's own check marker, and values sealed before
    /// migration 15 (re-sealed at their place by [`crate::Store::reseal_at_places`]).
    pub fn seal_unbound(&self, plaintext: &str) -> Vec<u8> {
        self.seal_with(plaintext, b"")
    }

    pub fn open_unbound(&self, blob: &[u8]) -> Result<String, crate::StoreError> {
        self.open_with(blob, b"")
    }

    fn seal_with(&self, plaintext: &str, aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = aes_gcm::aead::Payload { msg: plaintext.as_bytes(), aad };
        let sealed = self.0.cipher.encrypt(Nonce::from_slice(&nonce), payload).expect("in-memory encryption");
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    fn open_with(&self, blob: &[u8], aad: &[u8]) -> Result<String, crate::StoreError> {
        let fail = || crate::StoreError::Corrupt("sealed field cannot be opened with this data key".into());
        if blob.len() < 12 + 16 {
            return Err(fail());
        }
        let payload = aes_gcm::aead::Payload { msg: &blob[12..], aad };
        let plain = self.0.cipher.decrypt(Nonce::from_slice(&blob[..12]), payload).map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }

    /// Keyed hash for exact-match lookup; `kind` separates domains (an ID number and a
    /// phone number with the same digits hash differently).
    pub fn lookup_hash(&self, kind: &str, value: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0.hash_key).expect("any key length");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_detects_tampering() {
        let c = Crypto::new(&DataKey::generate());
        let mut blob = c.seal_at("users.phone_enc", "7", "13812345678");
        assert!(!blob.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(c.open(&Sealed::new(blob.clone(), "users.phone_enc", 7)).unwrap(), "13812345678");
        let last = blob.len() - 1;
        blob[last] ^= 1;
        assert!(c.open(&Sealed::new(blob, "users.phone_enc", 7)).is_err());
        let other = Crypto::new(&DataKey::generate());
        assert!(other.open(&Sealed::new(c.seal_at("users.phone_enc", "7", "x"), "users.phone_enc", 7)).is_err());
    }

    /// Issue 9, item 14: a sealed value opens only at the place it was sealed for — not in
    /// another row, not in another column, not unbound.
    #[test]
    fn a_sealed_value_opens_only_where_it_was_sealed() {
        let c = Crypto::new(&DataKey::generate());
        let blob = c.seal_at("residents.phone_enc", "abc", "13812345678");
        assert!(c.open(&Sealed::new(blob.clone(), "residents.phone_enc", "abc")).is_ok());
        assert!(c.open(&Sealed::new(blob.clone(), "residents.phone_enc", "abd")).is_err(), "another row");
        assert!(c.open(&Sealed::new(blob.clone(), "users.phone_enc", "abc")).is_err(), "another column");
        assert!(c.open_unbound(&blob).is_err(), "unbound");
        let old = c.seal_unbound("13812345678");
        assert!(c.open(&Sealed::new(old.clone(), "residents.phone_enc", "abc")).is_err());
        assert_eq!(c.open_unbound(&old).unwrap(), "13812345678");
    }

    #[test]
    fn lookup_hash_is_keyed_and_domain_separated() {
        let k = DataKey::generate();
        let c = Crypto::new(&k);
        assert_eq!(c.lookup_hash("phone", "1"), Crypto::new(&k).lookup_hash("phone", "1"));
        assert_ne!(c.lookup_hash("phone", "1"), c.lookup_hash("id", "1"));
        assert_ne!(c.lookup_hash("phone", "1"), Crypto::new(&DataKey::generate()).lookup_hash("phone", "1"));
        assert_eq!(DataKey::from_base64(&k.to_base64()).unwrap().0, k.0);
        assert!(DataKey::from_base64("AAAA").unwrap_err().contains("32 bytes"));
    }
}
