//! The signature section of a `.bex` package (format version 2) and the
//! key rotations it may carry.
//!
//! ```text
//! signature section (kind 3, stored), 104 + 128 * rotations bytes
//!   0   4  layout u32 LE = 1
//!   4   4  rotation count u32 LE, 0..=8
//!   8  32  publisher key (Ed25519)
//!  40  64  signature by the publisher key of the package message
//! then per rotation, oldest first:
//!   0  32  old key
//!  32  32  new key
//!  64  64  signature by the old key of the rotation message
//! ```
//!
//! The package message is `"BEX package signature v1\0"`, the manifest
//! section's SHA-256 and the component section's SHA-256: the signature
//! covers the content, which the section digests are checked against.
//! A rotation message is `"BEX key rotation v1\0"`, the old key and the
//! new key. The rotations form a chain: each one's new key is the next
//! one's old key, and the last one's new key is the publisher key.

use super::TrustError;
use super::keys::{PublisherKey, SigningKey};
use crate::digest::Sha256Digest;

const LAYOUT: u32 = 1;
const FIXED_LEN: usize = 104;
const ROTATION_LEN: usize = 128;
/// The most rotations a package carries.
pub const MAX_ROTATIONS: usize = 8;
const PACKAGE_CONTEXT: &[u8] = b"BEX package signature v1\0";
const ROTATION_CONTEXT: &[u8] = b"BEX key rotation v1\0";

/// A statement, signed by a publisher's old key, that its new key
/// succeeds it (`bex rotate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    old: PublisherKey,
    new: PublisherKey,
    signature: [u8; 64],
}

impl Rotation {
    /// `old` hands its plugins to `new`.
    pub fn new(old: &SigningKey, new: PublisherKey) -> Rotation {
        let old_public = old.public();
        Rotation {
            old: old_public,
            new,
            signature: old.sign(&rotation_message(&old_public, &new)),
        }
    }

    /// The key handing over.
    pub fn old(&self) -> PublisherKey {
        self.old
    }

    /// The key taking over.
    pub fn successor(&self) -> PublisherKey {
        self.new
    }

    /// The rotation as one line of text (a rotation file).
    pub fn to_text(&self) -> String {
        format!(
            "bex-key-rotation-v1 {} {} {}\n",
            self.old,
            self.new,
            crate::digest::hex(&self.signature)
        )
    }

    /// Parses [`Rotation::to_text`] and checks its signature.
    pub fn parse(text: &str) -> Result<Rotation, TrustError> {
        let bad = |why: &str| TrustError::BadKey(format!("not a key rotation: {why}"));
        let mut words = text.split_whitespace();
        if words.next() != Some("bex-key-rotation-v1") {
            return Err(bad("it must start with bex-key-rotation-v1"));
        }
        let old: PublisherKey = words.next().ok_or_else(|| bad("no old key"))?.parse()?;
        let new: PublisherKey = words.next().ok_or_else(|| bad("no new key"))?.parse()?;
        let mut signature = [0u8; 64];
        let sig = words.next().ok_or_else(|| bad("no signature"))?;
        if !super::keys::parse_hex(sig, &mut signature) || words.next().is_some() {
            return Err(bad("the signature must be 128 hex digits, and last"));
        }
        let rotation = Rotation {
            old,
            new,
            signature,
        };
        rotation.check()?;
        Ok(rotation)
    }

    fn check(&self) -> Result<(), TrustError> {
        if self
            .old
            .verifies(&rotation_message(&self.old, &self.new), &self.signature)
        {
            Ok(())
        } else {
            Err(TrustError::BadSignature(format!(
                "the rotation from {} to {} is not signed by {}",
                self.old, self.new, self.old
            )))
        }
    }
}

fn rotation_message(old: &PublisherKey, new: &PublisherKey) -> Vec<u8> {
    let mut m = Vec::with_capacity(ROTATION_CONTEXT.len() + 64);
    m.extend_from_slice(ROTATION_CONTEXT);
    m.extend_from_slice(old.bytes());
    m.extend_from_slice(new.bytes());
    m
}

/// The message a package signature signs.
pub(crate) fn package_message(manifest: &Sha256Digest, component: &Sha256Digest) -> Vec<u8> {
    let mut m = Vec::with_capacity(PACKAGE_CONTEXT.len() + 64);
    m.extend_from_slice(PACKAGE_CONTEXT);
    m.extend_from_slice(manifest);
    m.extend_from_slice(component);
    m
}

/// A package's signature: who published it, and the keys that handed
/// their plugins to that key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    publisher: PublisherKey,
    signature: [u8; 64],
    rotations: Vec<Rotation>,
}

impl Signature {
    /// Signs `message` (see [`package_message`]) with `key`, carrying
    /// `rotations` (oldest first; the last must name `key` as successor).
    pub fn sign(
        key: &SigningKey,
        message: &[u8],
        rotations: Vec<Rotation>,
    ) -> Result<Signature, TrustError> {
        let s = Signature {
            publisher: key.public(),
            signature: key.sign(message),
            rotations,
        };
        s.check_chain()?;
        Ok(s)
    }

    /// The key that signed the package.
    pub fn publisher(&self) -> PublisherKey {
        self.publisher
    }

    /// The rotations carried, oldest first.
    pub fn rotations(&self) -> &[Rotation] {
        &self.rotations
    }

    /// Whether `pinned` is the publisher or handed over to it through the
    /// carried rotations (all of which were checked when read).
    pub fn vouched_by(&self, pinned: &PublisherKey) -> bool {
        self.publisher == *pinned || self.rotations.iter().any(|r| r.old == *pinned)
    }

    /// The section's bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_LEN + ROTATION_LEN * self.rotations.len());
        out.extend_from_slice(&LAYOUT.to_le_bytes());
        out.extend_from_slice(&(self.rotations.len() as u32).to_le_bytes());
        out.extend_from_slice(self.publisher.bytes());
        out.extend_from_slice(&self.signature);
        for r in &self.rotations {
            out.extend_from_slice(r.old.bytes());
            out.extend_from_slice(r.new.bytes());
            out.extend_from_slice(&r.signature);
        }
        out
    }

    /// Reads a signature section and checks it against `message`: the
    /// layout, the publisher's signature, and every rotation's.
    pub(crate) fn decode(bytes: &[u8], message: &[u8]) -> Result<Signature, TrustError> {
        let bad = |why: String| TrustError::BadSignature(format!("signature section: {why}"));
        if bytes.len() < FIXED_LEN {
            return Err(bad(format!(
                "{} bytes, at least {FIXED_LEN} expected",
                bytes.len()
            )));
        }
        let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        if word(0) != LAYOUT {
            return Err(bad(format!("layout {} (this BEX reads {LAYOUT})", word(0))));
        }
        let count = word(4) as usize;
        if count > MAX_ROTATIONS || bytes.len() != FIXED_LEN + ROTATION_LEN * count {
            return Err(bad(format!(
                "{} bytes for {count} rotations (at most {MAX_ROTATIONS}, {ROTATION_LEN} bytes each)",
                bytes.len()
            )));
        }
        let key = |at: usize| PublisherKey(bytes[at..at + 32].try_into().expect("32 bytes"));
        let sig = |at: usize| -> [u8; 64] { bytes[at..at + 64].try_into().expect("64 bytes") };
        let rotations = (0..count)
            .map(|i| {
                let at = FIXED_LEN + i * ROTATION_LEN;
                Rotation {
                    old: key(at),
                    new: key(at + 32),
                    signature: sig(at + 64),
                }
            })
            .collect();
        let s = Signature {
            publisher: key(8),
            signature: sig(40),
            rotations,
        };
        if !s.publisher.verifies(message, &s.signature) {
            return Err(TrustError::BadSignature(format!(
                "the package's signature does not verify with its publisher key {}: the package was changed after signing, or signed by another key",
                s.publisher
            )));
        }
        s.check_chain()?;
        Ok(s)
    }

    /// Each rotation is signed by its old key, and they lead to the
    /// publisher key.
    fn check_chain(&self) -> Result<(), TrustError> {
        if self.rotations.len() > MAX_ROTATIONS {
            return Err(TrustError::BadSignature(format!(
                "{} rotations; at most {MAX_ROTATIONS}",
                self.rotations.len()
            )));
        }
        for (i, r) in self.rotations.iter().enumerate() {
            r.check()?;
            let next = self.rotations.get(i + 1).map_or(self.publisher, |n| n.old);
            if r.new != next {
                return Err(TrustError::BadSignature(format!(
                    "rotation {} hands over to {}, but the next key is {next}",
                    i + 1,
                    r.new
                )));
            }
        }
        Ok(())
    }
}
