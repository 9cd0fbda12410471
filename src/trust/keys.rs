//! Ed25519 keys of publishers: the public key a package names and a
//! player pins, and the signing key a publisher keeps (`bex keygen`).
//!
//! Signing and verifying are `ring`'s (already in the tree through rustls,
//! so no new crate): Ed25519 as RFC 8032 defines it.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use super::TrustError;
use crate::digest::hex;

/// How a public key is written: `ed25519:` and 64 lowercase hex digits.
const PUBLIC_PREFIX: &str = "ed25519:";
/// The first line of a signing key file.
const SECRET_HEADER: &str = "bex-signing-key-v1 ed25519";

/// A publisher's Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublisherKey(pub(super) [u8; 32]);

impl PublisherKey {
    /// The key's 32 bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether `signature` is this key's signature of `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(message, signature)
            .is_ok()
    }
}

impl fmt::Display for PublisherKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", hex(&self.0))
    }
}

impl fmt::Debug for PublisherKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for PublisherKey {
    type Err = TrustError;

    /// Parses `ed25519:` followed by 64 hex digits.
    fn from_str(s: &str) -> Result<PublisherKey, TrustError> {
        let bad = || {
            TrustError::BadKey(format!(
                "\"{}\" is not a public key (ed25519: and 64 hex digits)",
                truncate(s)
            ))
        };
        let digits = s.trim().strip_prefix(PUBLIC_PREFIX).ok_or_else(bad)?;
        parse_hex32(digits).map(PublisherKey).ok_or_else(bad)
    }
}

impl serde::Serialize for PublisherKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PublisherKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PublisherKey, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A publisher's Ed25519 signing key. Its file holds the 32-byte seed as
/// hex after a header line; keep it private (`bex keygen` writes it 0600).
pub struct SigningKey {
    pair: Ed25519KeyPair,
    seed: [u8; 32],
}

impl SigningKey {
    /// A new key from the operating system's random numbers.
    pub fn generate() -> Result<SigningKey, TrustError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| TrustError::BadKey(format!("no random numbers for a key: {e}")))?;
        SigningKey::from_seed(seed)
    }

    fn from_seed(seed: [u8; 32]) -> Result<SigningKey, TrustError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|e| TrustError::BadKey(format!("ring refused the key: {e}")))?;
        Ok(SigningKey { pair, seed })
    }

    /// Parses the text of a signing key file.
    pub fn parse(text: &str) -> Result<SigningKey, TrustError> {
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some(SECRET_HEADER) {
            return Err(TrustError::BadKey(format!(
                "not a BEX signing key (the first line must be \"{SECRET_HEADER}\")"
            )));
        }
        let seed = lines
            .next()
            .and_then(|l| parse_hex32(l.trim()))
            .ok_or_else(|| {
                TrustError::BadKey("the signing key's second line must be 64 hex digits".into())
            })?;
        SigningKey::from_seed(seed)
    }

    /// Reads a signing key file.
    pub fn read_file(path: &Path) -> Result<SigningKey, TrustError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TrustError::BadKey(format!("{}: {e}", path.display())))?;
        SigningKey::parse(&text)
    }

    /// The text of this key's file.
    pub fn to_text(&self) -> String {
        format!("{SECRET_HEADER}\n{}\n", hex(&self.seed))
    }

    /// The public key that verifies this key's signatures.
    pub fn public(&self) -> PublisherKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.pair.public_key().as_ref());
        PublisherKey(key)
    }

    /// This key's signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.public())
    }
}

/// 64 hex digits as 32 bytes.
pub(super) fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    parse_hex(s, &mut out).then_some(out)
}

/// Fills `out` from exactly `2 * out.len()` hex digits.
pub(crate) fn parse_hex(s: &str, out: &mut [u8]) -> bool {
    if s.len() != 2 * out.len() || !s.is_ascii() {
        return false;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        match u8::from_str_radix(&s[2 * i..2 * i + 2], 16) {
            Ok(b) => *byte = b,
            Err(_) => return false,
        }
    }
    true
}

/// `s` cut to 80 characters, for a message.
fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}
