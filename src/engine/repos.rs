//! Repositories from the engine's side: add, list, refresh (fetch, verify,
//! refuse rollbacks and freezes), what they offer, and installing and
//! updating plugins from them (docs/distribution.md).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::{Engine, Inner};
use crate::cancel::CancelToken;
use crate::digest::{hex, sha256};
use crate::error::Result;
use crate::package::Package;
use crate::repo::{Entry, Index, Release, RepoError};
use crate::scheduler::Lane;
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

impl Inner {
    /// Adds a repository by its index url (https), pinning `key` if given
    /// (else the key of its first index). Nothing is fetched: see
    /// [`Engine::repo_refresh`].
    fn repo_add(&self, url: &str, key: Option<&PublisherKey>) -> Result<RepoInfo> {
        self.fetcher.url(url)?;
        let key = key.map(ToString::to_string);
        let record = self.store.repo_add(url, key.as_deref())?;
        info_of(&record)
    }

    /// Removes a repository. Plugins installed from it stay installed.
    fn repo_remove(&self, url: &str) -> Result<()> {
        Ok(self.store.repo_remove(url)?)
    }

    /// Every repository.
    fn repos(&self) -> Result<Vec<RepoInfo>> {
        self.store.repos()?.iter().map(info_of).collect()
    }

    /// Fetches the repository's index, checks its signature against the
    /// pinned key, and accepts it unless it is older than the last one
    /// accepted (`INDEX_ROLLBACK`) or expired (`INDEX_EXPIRED`). A refused
    /// index changes nothing.
    fn repo_refresh(&self, url: &str) -> Result<RefreshReport> {
        let record = self.store.repo(url)?;
        let target = self.fetcher.url(url)?;
        let bytes = self.fetcher.get(
            &target,
            crate::repo::MAX_INDEX_BYTES,
            self.config.repository_timeout,
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
        let accepted = self.store.repo_update(url, |current| {
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
    fn available(&self, query: Option<&str>) -> Result<Vec<Available>> {
        let installed = self.store.list()?;
        let query = query.map(str::to_lowercase);
        let mut out = Vec::new();
        for record in self.store.repos()? {
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
    fn install_from_repo(&self, id: &str, options: InstallOptions) -> Result<InstallReport> {
        let (record, entry) = self.offer(id)?;
        let release = entry.latest().clone();
        let package = self.download(&record, &entry, &release)?;
        self.install_package(&package, options)
    }

    /// Updates `id` (or, with `None`, every installed plugin a repository
    /// offers a newer version of). Returns one result per plugin updated
    /// or refused; an update that widens permissions still needs
    /// `accept_permissions`.
    fn update(
        &self,
        id: Option<&str>,
        options: InstallOptions,
    ) -> Result<Vec<(String, Result<InstallReport>)>> {
        let installed = self.store.list()?;
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
                .and_then(|p| self.install_package(&p, options));
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
        for record in self.store.repos()? {
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
        let base = self.fetcher.url(&record.url)?;
        let url = self.fetcher.join(&base, &release.url)?;
        let bytes = self
            .fetcher
            .get(&url, release.size, self.config.repository_timeout, |m| {
                mismatch(format!("{m}: more bytes than the index's {}", release.size))
            })?;
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
        let package = Package::decode(&bytes, &self.config.package_limits)?;
        if package.signature().is_none() && !self.config.allow_unsigned_packages {
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

/// A repository operation run on a lane (`Engine::submit_repo`).
#[derive(Clone, Debug)]
pub enum RepoJob {
    /// [`Engine::repo_refresh`] of one repository, or of every one.
    Refresh(Option<String>),
    /// [`Engine::install_from_repo`].
    Install(String, InstallOptions),
    /// [`Engine::update`] of one plugin, or of every one.
    Update(Option<String>, InstallOptions),
}

impl Engine {
    /// Adds a repository by its index url (https), pinning `key` if given
    /// (else the key of its first index). Nothing is fetched: see
    /// [`Engine::repo_refresh`].
    pub fn repo_add(&self, url: &str, key: Option<&PublisherKey>) -> Result<RepoInfo> {
        self.inner.repo_add(url, key)
    }

    /// Removes a repository. Plugins installed from it stay installed.
    pub fn repo_remove(&self, url: &str) -> Result<()> {
        self.inner.repo_remove(url)
    }

    /// Every repository.
    pub fn repos(&self) -> Result<Vec<RepoInfo>> {
        self.inner.repos()
    }

    /// Fetches the repository's index, checks its signature against the
    /// pinned key, and accepts it unless it is older than the last one
    /// accepted (`INDEX_ROLLBACK`) or expired (`INDEX_EXPIRED`). A refused
    /// index changes nothing.
    pub fn repo_refresh(&self, url: &str) -> Result<RefreshReport> {
        self.inner.repo_refresh(url)
    }

    /// What the repositories offer, from their last accepted indexes;
    /// `query` (case-insensitive) filters by id, name, description or tag.
    pub fn available(&self, query: Option<&str>) -> Result<Vec<Available>> {
        self.inner.available(query)
    }

    /// Installs (or upgrades to) the newest release of `id` any
    /// repository offers: downloaded, checked against its index entry
    /// (size, SHA-256, id, version, publisher: `INDEX_MISMATCH`), then
    /// installed like any package (signature, pin, consent).
    pub fn install_from_repo(&self, id: &str, options: InstallOptions) -> Result<InstallReport> {
        self.inner.install_from_repo(id, options)
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
        self.inner.update(id, options)
    }

    /// Runs `job` on the Background lane and returns its request id at
    /// once; `callback` receives the outcome as JSON exactly once, on a
    /// worker thread (see [`Engine::submit`]): a refresh's
    /// [`RefreshReport`]s, an install's [`InstallReport`], an update's
    /// `{"updated": [...], "refused": [{"id", "code", "message"}]}`.
    /// [`Engine::cancel`] stops it: queued, it never starts; running, its
    /// download ends within a poll interval and nothing is installed.
    pub fn submit_repo(
        &self,
        job: RepoJob,
        callback: impl FnOnce(u64, Result<String>) + Send + 'static,
    ) -> Result<u64> {
        if let RepoJob::Install(id, _) | RepoJob::Update(Some(id), _) = &job {
            crate::manifest::validate_plugin_id(id)?;
        }
        let inner = self.inner.clone();
        self.lanes.submit(
            Lane::Background,
            Box::new(move |token| inner.run_repo_job(&job, token)),
            Box::new(callback),
        )
    }
}

impl Inner {
    fn run_repo_job(&self, job: &RepoJob, token: &CancelToken) -> Result<String> {
        let _entered = token.enter();
        let cancelled = || -> crate::Error {
            super::CallError::Cancelled {
                id: "repository".into(),
                operation: match job {
                    RepoJob::Refresh(_) => "refresh",
                    RepoJob::Install(..) => "install",
                    RepoJob::Update(..) => "update",
                }
                .into(),
            }
            .into()
        };
        let outcome = (|| match job {
            RepoJob::Refresh(url) => {
                let urls = match url {
                    Some(u) => vec![u.clone()],
                    None => self.store.repos()?.into_iter().map(|r| r.url).collect(),
                };
                let mut reports = Vec::new();
                for u in urls {
                    reports.push(self.repo_refresh(&u)?);
                }
                Ok(serde_json::to_string(&reports).expect("reports serialize"))
            }
            RepoJob::Install(id, options) => {
                let (record, entry) = self.offer(id)?;
                let package = self.download(&record, &entry, &entry.latest().clone())?;
                if token.is_cancelled() {
                    return Err(cancelled());
                }
                let report = self.install_package(&package, *options)?;
                Ok(serde_json::to_string(&report).expect("a report serializes"))
            }
            RepoJob::Update(id, options) => {
                let results = self.update(id.as_deref(), *options)?;
                let (mut updated, mut refused) = (Vec::new(), Vec::new());
                for (id, r) in results {
                    match r {
                        Ok(report) => {
                            updated.push(serde_json::to_value(report).expect("a report serializes"))
                        }
                        Err(e) => refused.push(serde_json::json!({
                            "id": id, "code": e.code().name(), "message": e.to_string(),
                        })),
                    }
                }
                Ok(serde_json::json!({"updated": updated, "refused": refused}).to_string())
            }
        })();
        match outcome {
            Err(_) if token.is_cancelled() => Err(cancelled()),
            other => other,
        }
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
