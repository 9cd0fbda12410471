//! Who published a package, and whether they may replace what is
//! installed: Ed25519 keys, package signatures with key rotations, and the
//! rule that pins each plugin id to its first publisher
//! (docs/distribution.md).

mod keys;
mod signature;

pub(crate) use keys::parse_hex;
pub use keys::{PublisherKey, SigningKey};
pub(crate) use signature::package_message;
pub use signature::{MAX_ROTATIONS, Rotation, Signature};

/// Why a key, a signature or a publisher was refused.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A key or rotation file is malformed.
    #[error("{0}")]
    BadKey(String),
    /// A signature does not verify: the package changed after signing, or
    /// was signed by another key than it names.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// The engine accepts only signed packages (or indexes).
    #[error("{what} is not signed, and this engine accepts only signed packages")]
    SignatureRequired {
        /// The plugin or index refused.
        what: String,
    },
    /// The plugin is pinned to another publisher.
    #[error(
        "{id} is installed from publisher {pinned}; this package is {found}. Only the pinned publisher (or a key it rotated to) may replace it; uninstall it first to change publisher (its data and secrets go with it)"
    )]
    PublisherMismatch {
        /// The plugin.
        id: String,
        /// The pinned publisher key.
        pinned: String,
        /// The package's publisher key, or "unsigned".
        found: String,
    },
}

/// How a package's publisher relates to the installed plugin's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Succession {
    /// Not installed: the package's publisher (or "unsigned") is pinned.
    First,
    /// Signed by the pinned key.
    Same,
    /// Signed by a key the pinned one rotated to; the pin moves to it.
    Rotated,
    /// The installed plugin is unsigned: nothing ties the package to it,
    /// so new content needs the user's consent.
    Unverified,
}

/// Whether a package signed as `incoming` may replace plugin `id`,
/// installed from `pinned` (`None`: unsigned; `installed` false: not
/// installed).
pub fn succession(
    id: &str,
    installed: bool,
    pinned: Option<&PublisherKey>,
    incoming: Option<&Signature>,
) -> Result<Succession, TrustError> {
    if !installed {
        return Ok(Succession::First);
    }
    let Some(pinned) = pinned else {
        return Ok(Succession::Unverified);
    };
    let mismatch = |found: String| TrustError::PublisherMismatch {
        id: id.to_string(),
        pinned: pinned.to_string(),
        found,
    };
    match incoming {
        None => Err(mismatch("unsigned".into())),
        Some(s) if s.publisher() == *pinned => Ok(Succession::Same),
        Some(s) if s.vouched_by(pinned) => Ok(Succession::Rotated),
        Some(s) => Err(mismatch(format!("signed by {}", s.publisher()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Vec<u8> {
        package_message(&[1; 32], &[2; 32])
    }

    #[test]
    fn a_signature_round_trips_and_refuses_any_changed_byte() {
        let key = SigningKey::generate().unwrap();
        let s = Signature::sign(&key, &message(), Vec::new()).unwrap();
        let bytes = s.encode();
        assert_eq!(Signature::decode(&bytes, &message()).unwrap(), s);
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert!(Signature::decode(&b, &message()).is_err(), "byte {i}");
        }
        let other = package_message(&[1; 32], &[3; 32]);
        assert!(matches!(
            Signature::decode(&bytes, &other),
            Err(TrustError::BadSignature(_))
        ));
    }

    #[test]
    fn keys_round_trip_through_text() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::parse(&key.to_text()).unwrap();
        assert_eq!(again.public(), key.public());
        let public: PublisherKey = key.public().to_string().parse().unwrap();
        assert_eq!(public, key.public());
        assert!("ed25519:12".parse::<PublisherKey>().is_err());
        assert!(SigningKey::parse("bex-signing-key-v1 ed25519\nzz\n").is_err());
    }

    #[test]
    fn rotations_chain_to_the_publisher() {
        let (a, b, c) = (
            SigningKey::generate().unwrap(),
            SigningKey::generate().unwrap(),
            SigningKey::generate().unwrap(),
        );
        let ab = Rotation::new(&a, b.public());
        let bc = Rotation::new(&b, c.public());
        assert_eq!(Rotation::parse(&ab.to_text()).unwrap(), ab);
        let s = Signature::sign(&c, &message(), vec![ab, bc]).unwrap();
        let read = Signature::decode(&s.encode(), &message()).unwrap();
        assert!(read.vouched_by(&a.public()) && read.vouched_by(&b.public()));
        assert_eq!(
            succession("x", true, Some(&a.public()), Some(&read)).unwrap(),
            Succession::Rotated
        );
        // A chain that skips a link, or ends at another key, is refused.
        assert!(Signature::sign(&c, &message(), vec![ab]).is_err());
        assert!(Signature::sign(&b, &message(), vec![ab, bc]).is_err());
        // A rotation signed by someone else is refused.
        let forged = Rotation::new(&c, b.public())
            .to_text()
            .replace(&c.public().to_string(), &a.public().to_string());
        assert!(Rotation::parse(&forged).is_err());
    }

    #[test]
    fn the_pin_refuses_other_publishers_and_unsigned() {
        let (a, b) = (
            SigningKey::generate().unwrap(),
            SigningKey::generate().unwrap(),
        );
        let by_b = Signature::sign(&b, &message(), Vec::new()).unwrap();
        let pinned = a.public();
        let err = succession("x", true, Some(&pinned), Some(&by_b)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&pinned.to_string()) && text.contains(&b.public().to_string()),
            "{text}"
        );
        assert!(matches!(
            succession("x", true, Some(&pinned), None),
            Err(TrustError::PublisherMismatch { found, .. }) if found == "unsigned"
        ));
        assert_eq!(
            succession("x", true, None, Some(&by_b)).unwrap(),
            Succession::Unverified
        );
        assert_eq!(
            succession("x", false, None, None).unwrap(),
            Succession::First
        );
    }
}
