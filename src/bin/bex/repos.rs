//! `bex repo …`, `bex available`, `bex update`: repositories of signed
//! packages (docs/distribution.md), and `bex repo index` to publish one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use argh::FromArgs;
use bex_engine::package::{Package, PackageLimits};
use bex_engine::repo::{Entry, INDEX_FORMAT, Index, Release};
use bex_engine::store::InstallOptions;
use bex_engine::trust::{PublisherKey, SigningKey};
use bex_engine::{Engine, Error, Result, hex, sha256};
use serde_json::json;

use crate::output::Report;

/// Manage repositories: add, list, remove, refresh; index to publish one.
#[derive(FromArgs)]
#[argh(subcommand, name = "repo")]
pub struct Repo {
    #[argh(subcommand)]
    pub command: RepoCommand,
}

#[derive(FromArgs)]
#[argh(subcommand)]
pub enum RepoCommand {
    Add(RepoAdd),
    List(RepoList),
    Remove(RepoRemove),
    Refresh(RepoRefresh),
    Index(RepoIndex),
}

/// Add a repository by its index url (https), then fetch its index.
#[derive(FromArgs)]
#[argh(subcommand, name = "add")]
pub struct RepoAdd {
    /// the index url
    #[argh(positional)]
    pub url: String,
    /// the repository's key (ed25519:...); default: the key of its first index
    #[argh(option)]
    pub key: Option<String>,
}

/// List repositories.
#[derive(FromArgs)]
#[argh(subcommand, name = "list")]
pub struct RepoList {}

/// Remove a repository (installed plugins stay).
#[derive(FromArgs)]
#[argh(subcommand, name = "remove")]
pub struct RepoRemove {
    /// the index url
    #[argh(positional)]
    pub url: String,
}

/// Fetch repositories' indexes (all, or the one named).
#[derive(FromArgs)]
#[argh(subcommand, name = "refresh")]
pub struct RepoRefresh {
    /// the index url (default: every repository)
    #[argh(positional)]
    pub url: Option<String>,
}

/// Write a signed index for packages, to serve beside them.
#[derive(FromArgs)]
#[argh(subcommand, name = "index")]
pub struct RepoIndex {
    /// the packages (served from the index's directory under their file names)
    #[argh(positional)]
    pub packages: Vec<PathBuf>,
    /// the repository's signing key (from `bex keygen`)
    #[argh(option)]
    pub key: PathBuf,
    /// the repository's name
    #[argh(option)]
    pub name: String,
    /// the index version: raise it with every change
    #[argh(option)]
    pub version: u64,
    /// days until the index expires (default 30)
    #[argh(option, default = "30")]
    pub expires_days: u64,
    /// the index file to write
    #[argh(option)]
    pub out: PathBuf,
}

/// List the plugins repositories offer.
#[derive(FromArgs)]
#[argh(subcommand, name = "available")]
pub struct AvailableArgs {
    /// filter by id, name, description or tag
    #[argh(positional)]
    pub query: Option<String>,
}

/// Update installed plugins from repositories.
#[derive(FromArgs)]
#[argh(subcommand, name = "update")]
pub struct Update {
    /// the plugin (default: every installed plugin a repository offers)
    #[argh(positional)]
    pub id: Option<String>,
    /// accept updates that widen permissions
    #[argh(switch)]
    pub accept_permissions: bool,
}

pub fn repo(engine: impl Fn() -> Result<Engine>, r: &Repo) -> Result<Report> {
    match &r.command {
        RepoCommand::Add(c) => {
            let key = c
                .key
                .as_deref()
                .map(str::parse::<PublisherKey>)
                .transpose()?;
            let engine = engine()?;
            engine.repo_add(&c.url, key.as_ref())?;
            let report = engine.repo_refresh(&c.url)?;
            let text = format!(
                "added {}: index version {}, {} plugins",
                c.url, report.version, report.plugins
            );
            Ok(Report::new(crate::commands::to_json(&report), text))
        }
        RepoCommand::List(_) => {
            let repos = engine()?.repos()?;
            let mut text = String::new();
            for r in &repos {
                let _ = writeln!(
                    text,
                    "{}  {}  version {}  {} plugins  key {}",
                    r.url,
                    r.name.as_deref().unwrap_or("(not fetched)"),
                    r.version.map_or("-".into(), |v| v.to_string()),
                    r.plugins,
                    r.key.as_deref().unwrap_or("(first index)")
                );
            }
            if repos.is_empty() {
                text.push_str("no repositories");
            }
            Ok(Report::new(crate::commands::to_json(&repos), text))
        }
        RepoCommand::Remove(c) => {
            engine()?.repo_remove(&c.url)?;
            Ok(Report::new(
                json!({"removed": c.url}),
                format!("removed {}", c.url),
            ))
        }
        RepoCommand::Refresh(c) => {
            let engine = engine()?;
            let urls = match &c.url {
                Some(u) => vec![u.clone()],
                None => engine.repos()?.into_iter().map(|r| r.url).collect(),
            };
            let mut reports = Vec::new();
            let mut text = String::new();
            for url in urls {
                let r = engine.repo_refresh(&url)?;
                let _ = writeln!(
                    text,
                    "{url}: index version {}, {} plugins",
                    r.version, r.plugins
                );
                reports.push(r);
            }
            Ok(Report::new(crate::commands::to_json(&reports), text))
        }
        RepoCommand::Index(c) => index(c),
    }
}

fn index(c: &RepoIndex) -> Result<Report> {
    let key = SigningKey::read_file(&c.key)?;
    let limits = PackageLimits::default();
    let mut plugins: Vec<Entry> = Vec::new();
    for path in &c.packages {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let package = Package::decode(&bytes, &limits)?;
        let m = package.manifest();
        let publisher = package.publisher().ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{} is unsigned; a repository lists signed packages (bex sign)",
                path.display()
            ))
        })?;
        let release = Release {
            version: m.version.clone(),
            url: file_name(path)?,
            sha256: hex(&sha256(&bytes)),
            size: bytes.len() as u64,
        };
        match plugins.iter_mut().find(|e| e.id == m.id) {
            Some(e) if e.publisher == publisher => e.versions.push(release),
            Some(_) => {
                return Err(Error::InvalidArgument(format!(
                    "{}: {} is signed by two keys",
                    path.display(),
                    m.id
                )));
            }
            None => plugins.push(Entry {
                id: m.id.clone(),
                name: m.name.clone(),
                description: m.display.description.clone().unwrap_or_default(),
                icon: m.display.icon.clone(),
                language: None,
                tags: m.display.tags.clone(),
                capabilities: m
                    .provides
                    .iter()
                    .map(|c| c.manifest_key().to_string())
                    .collect(),
                abi: m.abi.to_string(),
                publisher,
                versions: vec![release],
            }),
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let index = Index {
        format: INDEX_FORMAT,
        name: c.name.clone(),
        version: c.version,
        expires: now + c.expires_days * 86_400,
        plugins,
    };
    let text = index.sign(&key)?;
    std::fs::write(&c.out, text).map_err(|source| Error::Io {
        path: c.out.display().to_string(),
        source,
    })?;
    let summary = format!(
        "wrote {}: {} version {}, {} plugins, signed by {}",
        c.out.display(),
        index.name,
        index.version,
        index.plugins.len(),
        key.public()
    );
    Ok(Report::new(
        json!({"out": c.out.display().to_string(), "version": index.version, "plugins": index.plugins.len(), "key": key.public()}),
        summary,
    ))
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| Error::InvalidArgument(format!("{} has no file name", path.display())))
}

pub fn available(engine: &Engine, c: &AvailableArgs) -> Result<Report> {
    let offers = engine.available(c.query.as_deref())?;
    let mut text = String::new();
    for a in &offers {
        let state = match &a.installed {
            Some(v) if *v == a.latest => format!("installed {v}"),
            Some(v) => format!("installed {v}, update {}", a.latest),
            None => format!("{} available", a.latest),
        };
        let _ = writeln!(text, "{:<28} {:<24} {state}", a.entry.id, a.entry.name);
    }
    if offers.is_empty() {
        text.push_str("nothing available (add a repository: bex repo add URL)");
    }
    Ok(Report::new(crate::commands::to_json(&offers), text))
}

pub fn update(engine: &Engine, c: &Update) -> Result<Report> {
    let options = InstallOptions {
        accept_permissions: c.accept_permissions,
        ..InstallOptions::default()
    };
    let results = engine.update(c.id.as_deref(), options)?;
    let mut reports = Vec::new();
    let mut text = String::new();
    for (id, result) in results {
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(text, "{id}: refused: {e}");
                return Err(e);
            }
        };
        let _ = writeln!(
            text,
            "{} {}: {} (was {})",
            r.id,
            r.version,
            r.action,
            r.previous.as_deref().unwrap_or("-")
        );
        reports.push(r);
    }
    if reports.is_empty() {
        text.push_str("everything is up to date");
    }
    Ok(Report::new(crate::commands::to_json(&reports), text))
}
