//! Repositories: a signed index of plugins served over https, fetched by
//! the host (never a plugin), and the packages it lists, checked against
//! it before they are installed (docs/distribution.md).

mod fetch;
mod index;

pub(crate) use fetch::Fetcher;
pub use index::{Entry, INDEX_FORMAT, Index, MAX_INDEX_BYTES, Release};

/// Why a repository, its index or one of its packages was refused.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The index is malformed: not a signed index, wrong format, bad
    /// fields.
    #[error("invalid repository index: {0}")]
    InvalidIndex(String),
    /// The index's signature does not verify, or it is signed by another
    /// key than the repository is pinned to.
    #[error("repository index: {0}")]
    BadSignature(String),
    /// The index is older than one already accepted.
    #[error(
        "the repository served index version {found}, older than version {seen} already seen: refused as a rollback"
    )]
    Rollback {
        /// The version served.
        found: u64,
        /// The newest accepted.
        seen: u64,
    },
    /// The index has expired.
    #[error(
        "the repository's index (version {version}) expired at {expired} (Unix seconds; now {now}): refused as a freeze; the repository must publish a fresh one"
    )]
    Expired {
        /// Its version.
        version: u64,
        /// When it expired.
        expired: u64,
        /// The time now.
        now: u64,
    },
    /// A downloaded package is not the one the index lists.
    #[error("{id} {version}: {message}")]
    Mismatch {
        /// The plugin.
        id: String,
        /// The version.
        version: String,
        /// What differs.
        message: String,
    },
    /// The repository url is not acceptable.
    #[error("repository url {url}: {message}")]
    BadUrl {
        /// The url.
        url: String,
        /// Why.
        message: String,
    },
    /// Fetching failed.
    #[error("{0}")]
    Network(String),
    /// Fetching took longer than allowed.
    #[error("{0}")]
    Timeout(String),
    /// The url resolves to an address repositories may not use.
    #[error("{0}")]
    Blocked(String),
    /// No such repository, or no repository offers the plugin.
    #[error("{0}")]
    NotFound(String),
}
