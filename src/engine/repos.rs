//! Repositories from the engine's side: add, list, refresh (fetch, verify,
//! refuse rollbacks and freezes), what they offer, and installing and
//! updating plugins from them (docs/distribution.md).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::Engine;
use crate::digest::{hex, sha256};
use crate::error::Result;
use crate::package::Package;
use crate::repo::{Entry, Index, Release, RepoError};
use crate::store::{InstallOptions, InstallReport, RepoRecord};
use crate::trust::PublisherKey;

/// A repository as listed.
#[derive(Clone, Debug, Serialize)]
pub struct RepoInfo {
    /// The index url.
    pub url: String,
    /// The pinned index key; `None` until the first refresh when it was
    /// added without one.
    pub key: Option<String>,
    /// The repository's name, from its last index.
    pub name: Option<String>,
    /// The last index version accepted.
    pub version: Option<u64>,
    /// When that index expires, Unix seconds.
    pub expires: Option<u64>,
    /// Plugins it offers.
    pub plugins: usize,
    /// When an index was last accepted, Unix ms.
    pub refreshed_at_ms: Option<u64>,
}

/// What a refresh accepted.
#[derive(Clone, Debug, Serialize)]
pub struct RefreshReport {
    /// The index url.
    pub url: String,
    /// The version accepted.
    pub version: u64,
    /// The version before, if any.
    pub previous: Option<u64>,
    /// Plugins it offers.
    pub plugins: usize,
}

/// A plugin a repository offers.
#[derive(Clone, Debug, Serialize)]
pub struct Available {
    /// The repository's index url.
    pub repository: String,
    /// The index entry (display data, publisher, releases).
    #[serde(flatten)]
    pub entry: Entry,
    /// The newest version offered.
    pub latest: String,
    /// The installed version, if installed.
    pub installed: Option<String>,
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn index_of(record: &RepoRecord) -> Result<Option<Index>> {
    record
        .index
        .as_deref()
        .map(|json| {
            serde_json::from_str(json).map_err(|e| {
                crate::store::StoreError::Corrupt {
                    what: format!("repository {}", record.url),
                    message: e.to_string(),
                }
                .into()
            })
        })
        .transpose()
}

impl Engine {
    /// Adds a repository by its index url (https), pinning `key` if given
    /// (else the key of its first index). Nothing is fetched: see
    /// [`Engine::repo_refresh`].
    pub fn repo_add(&self, url: &str, key: Option<&PublisherKey>) -> Result<RepoInfo> {
        self.inner.fetcher.url(url)?;
        let key = key.map(ToString::to_string);
        let record = self.inner.store.repo_add(url, key.as_deref())?;
        info_of(&record)
    }

    /// Removes a repository. Plugins installed from it stay installed.
    pub fn repo_remove(&self, url: &str) -> Result<()> {
        Ok(self.inner.store.repo_remove(url)?)
    }

    /// Every repository.
    pub fn repos(&self) -> Result<Vec<RepoInfo>> {
        self.inner.store.repos()?.iter().map(info_of).collect()
    }

    /// Fetches the repository's index, checks its signature against the
    /// pinned key, and accepts it unless it is older than the last one
    /// accepted (`INDEX_ROLLBACK`) or expired (`INDEX_EXPIRED`). A refused
    /// index changes nothing.
    pub fn repo_refresh(&self, url: &str) -> Result<RefreshReport> {
        let record = self.inner.store.repo(url)?;
        let target = self.inner.fetcher.url(url)?;
        let bytes = self.inner.fetcher.get(
            &target,
            crate::repo::MAX_INDEX_BYTES,
            self.inner.config.repository_timeout,
            |m| RepoError::InvalidIndex(format!("{m}: larger than an index may be")),
        )?;
        let pinned = record
            .key
            .as_deref()
            .map(str::parse::<PublisherKey>)
            .transpose()?;
        let (index, key) = Index::open(&bytes, pinned.as_ref())?;
        let json = serde_json::to_string(&index).expect("an index serializes");
        let mut previous = None;
        let accepted = self.inner.store.repo_update(url, |current| {
            // Checked against the record as committed, inside the write.
            index.check_fresh(current.version, now_s())?;
            previous = current.version;
            Ok::<_, crate::Error>(RepoRecord {
                key: Some(key.to_string()),
                version: Some(index.version),
                index: Some(json),
                refreshed_at_ms: Some(crate::store::now_ms()),
                ..current.clone()
            })
        })?;
        Ok(RefreshReport {
            url: accepted.url,
            version: index.version,
            previous,
            plugins: index.plugins.len(),
        })
    }

    /// What the repositories offer, from their last accepted indexes;
    /// `query` (case-insensitive) filters by id, name, description or tag.
    pub fn available(&self, query: Option<&str>) -> Result<Vec<Available>> {
        let installed = self.inner.store.list()?;
        let query = query.map(str::to_lowercase);
        let mut out = Vec::new();
        for record in self.inner.store.repos()? {
            let Some(index) = index_of(&record)? else {
                continue;
            };
            for entry in index.plugins {
                let matches = query.as_deref().is_none_or(|q| {
                    entry.id.to_lowercase().contains(q)
                        || entry.name.to_lowercase().contains(q)
                        || entry.description.to_lowercase().contains(q)
                        || entry.tags.iter().any(|t| t.to_lowercase() == q)
                });
                if matches {
                    out.push(Available {
                        repository: record.url.clone(),
                        latest: entry.latest().version.to_string(),
                        installed: installed
                            .iter()
                            .find(|p| p.id == entry.id)
                            .map(|p| p.version.clone()),
                        entry,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Installs (or upgrades to) the newest release of `id` any
    /// repository offers: downloaded, checked against its index entry
    /// (size, SHA-256, id, version, publisher: `INDEX_MISMATCH`), then
    /// installed like any package (signature, pin, consent).
    pub fn install_from_repo(&self, id: &str, options: InstallOptions) -> Result<InstallReport> {
        let (record, entry) = self.offer(id)?;
        let release = entry.latest().clone();
        let package = self.download(&record, &entry, &release)?;
        self.install_with(&package, options)
    }

    /// Updates `id` (or, with `None`, every installed plugin a repository
    /// offers a newer version of). Returns one result per plugin updated
    /// or refused; an update that widens permissions still needs
    /// `accept_permissions`.
    pub fn update(
        &self,
        id: Option<&str>,
        options: InstallOptions,
    ) -> Result<Vec<(String, Result<InstallReport>)>> {
        let installed = self.inner.store.list()?;
        let mut out = Vec::new();
        for plugin in installed.iter().filter(|p| id.is_none_or(|i| i == p.id)) {
            let offer = match self.offer(&plugin.id) {
                Ok(o) => o,
                Err(e) if id.is_none() && e.code() == crate::ErrorCode::NotFound => continue,
                Err(e) => {
                    out.push((plugin.id.clone(), Err(e)));
                    continue;
                }
            };
            let (record, entry) = offer;
            let release = entry.latest().clone();
            if release.version <= plugin.manifest.version {
                continue;
            }
            let result = self
                .download(&record, &entry, &release)
                .and_then(|p| self.install_with(&p, options));
            out.push((plugin.id.clone(), result));
        }
        if let Some(id) = id
            && !installed.iter().any(|p| p.id == id)
        {
            return Err(crate::store::StoreError::PluginNotFound { id: id.to_string() }.into());
        }
        Ok(out)
    }

    /// The repository offering the newest release of `id`, and its entry.
    /// An expired index offers nothing (`INDEX_EXPIRED`).
    fn offer(&self, id: &str) -> Result<(RepoRecord, Entry)> {
        let mut best: Option<(RepoRecord, Entry)> = None;
        let mut expired = None;
        for record in self.inner.store.repos()? {
            let Some(index) = index_of(&record)? else {
                continue;
            };
            let Some(entry) = index.plugins.iter().find(|e| e.id == id) else {
                continue;
            };
            if let Err(e) = index.check_fresh(None, now_s()) {
                expired = Some(e);
                continue;
            }
            let newer = best
                .as_ref()
                .is_none_or(|(_, b)| entry.latest().version > b.latest().version);
            if newer {
                best = Some((record.clone(), entry.clone()));
            }
        }
        match (best, expired) {
            (Some(b), _) => Ok(b),
            (None, Some(e)) => Err(e.into()),
            (None, None) => Err(RepoError::NotFound(format!(
                "no repository offers {id} (add one with `bex repo add`, then `bex repo refresh`)"
            ))
            .into()),
        }
    }

    /// Downloads `release` and checks it is what the index lists.
    fn download(&self, record: &RepoRecord, entry: &Entry, release: &Release) -> Result<Package> {
        let mismatch = |message: String| RepoError::Mismatch {
            id: entry.id.clone(),
            version: release.version.to_string(),
            message,
        };
        let base = self.inner.fetcher.url(&record.url)?;
        let url = self.inner.fetcher.join(&base, &release.url)?;
        let bytes = self.inner.fetcher.get(
            &url,
            release.size,
            self.inner.config.repository_timeout,
            |m| mismatch(format!("{m}: more bytes than the index's {}", release.size)),
        )?;
        if bytes.len() as u64 != release.size {
            return Err(mismatch(format!(
                "downloaded {} bytes, the index lists {}",
                bytes.len(),
                release.size
            ))
            .into());
        }
        let actual = hex(&sha256(&bytes));
        if !actual.eq_ignore_ascii_case(&release.sha256) {
            return Err(mismatch(format!(
                "the package's SHA-256 is {actual}, the index lists {}",
                release.sha256
            ))
            .into());
        }
        let package = Package::decode(&bytes, &self.inner.config.package_limits)?;
        if package.signature().is_none() && !self.inner.config.allow_unsigned_packages {
            return Err(crate::trust::TrustError::SignatureRequired {
                what: format!("package {} {}", entry.id, release.version),
            }
            .into());
        }
        let m = package.manifest();
        if m.id != entry.id || m.version != release.version {
            return Err(mismatch(format!("the package is {} {}", m.id, m.version)).into());
        }
        if package.publisher() != Some(entry.publisher) {
            return Err(mismatch(format!(
                "the package is {}, the index lists publisher {}",
                package
                    .publisher()
                    .map_or("unsigned".to_string(), |k| format!("signed by {k}")),
                entry.publisher
            ))
            .into());
        }
        Ok(package)
    }
}

fn info_of(record: &RepoRecord) -> Result<RepoInfo> {
    let index = index_of(record)?;
    Ok(RepoInfo {
        url: record.url.clone(),
        key: record.key.clone(),
        name: index.as_ref().map(|i| i.name.clone()),
        version: record.version,
        expires: index.as_ref().map(|i| i.expires),
        plugins: index.as_ref().map_or(0, |i| i.plugins.len()),
        refreshed_at_ms: record.refreshed_at_ms,
    })
}
