//! One function per command; each returns a [`Report`] or an error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bex_engine::package::{Package, PackageLimits};
use bex_engine::store::{InstallOptions, InstalledPlugin};
use bex_engine::{Engine, EngineConfig, Error, Execution, Result};
use serde_json::json;

use crate::args::{Args, Command};
use crate::output::Report;

pub fn run(args: &Args) -> Result<Report> {
    if let Some(call) = crate::calls::request(&args.command) {
        let (id, request) = call?;
        return crate::calls::run(&engine(args)?, args, &id, &request);
    }
    match &args.command {
        Command::Js(c) => crate::js::run(c),
        Command::New(c) => crate::new::run(c),
        Command::Pack(c) => pack(c),
        Command::Keygen(c) => crate::keys::keygen(&c.out),
        Command::Rotate(c) => crate::keys::rotate(c),
        Command::Sign(c) => crate::keys::sign(c),
        Command::Inspect(c) => inspect(&c.package),
        Command::Verify(c) => verify(&c.package),
        Command::Unpack(c) => unpack(&c.package, &c.dir),
        Command::Install(c) => install(
            &engine(args)?,
            &c.packages,
            c.artifact.as_deref(),
            InstallOptions {
                force: c.force,
                accept_permissions: c.accept_permissions,
                accept_unverified: c.accept_unverified,
            },
        ),
        Command::Repo(c) => crate::repos::repo(|| engine(args), c),
        Command::Available(c) => crate::repos::available(&engine(args)?, c),
        Command::Update(c) => crate::repos::update(&engine(args)?, c),
        Command::Run(c) => crate::run::run(args, c),
        Command::Rollback(c) => {
            let r = engine(args)?.rollback(&c.id)?;
            let text = format!(
                "{} {}: rolled back (was {})",
                r.id,
                r.version,
                r.previous.as_deref().unwrap_or("-")
            );
            Ok(Report::new(to_json(&r), text))
        }
        Command::Precompile(c) => crate::precompile::run(&execution(args)?, c),
        Command::Uninstall(c) => {
            let r = engine(args)?.uninstall(&c.id)?;
            let text = format!(
                "uninstalled {} {}: removed {} key-value entries, {} secrets, {} component blobs, {} compiled artifacts",
                r.id, r.version, r.kv_entries, r.secrets, r.components, r.compiled_artifacts
            );
            Ok(Report::new(to_json(&r), text))
        }
        Command::List(_) => list(&engine(args)?),
        Command::PluginInfo(c) => {
            let p = engine(args)?.plugin(&c.id)?;
            Ok(Report::new(to_json(&p), plugin_text(&p)))
        }
        Command::Enable(c) => set_enabled(&engine(args)?, &c.id, true),
        Command::Disable(c) => set_enabled(&engine(args)?, &c.id, false),
        Command::SetKey(c) => {
            engine(args)?.set_secret(&c.id, &c.key, &c.value)?;
            let text = format!("set {} for {}", c.key, c.id);
            Ok(Report::new(json!({"id": c.id, "key": c.key}), text))
        }
        Command::GetKey(c) => {
            let value = engine(args)?.get_secret(&c.id, &c.key)?;
            Ok(Report::new(
                json!({"id": c.id, "key": c.key, "value": value}),
                value,
            ))
        }
        Command::DeleteKey(c) => {
            engine(args)?.delete_secret(&c.id, &c.key)?;
            let text = format!("deleted {} of {}", c.key, c.id);
            Ok(Report::new(json!({"id": c.id, "key": c.key}), text))
        }
        Command::ListKeys(c) => {
            let keys = engine(args)?.secret_keys(&c.id)?;
            let text = keys.join("\n");
            Ok(Report::new(json!({"id": c.id, "keys": keys}), text))
        }
        Command::Stats(_) => {
            let all = engine(args)?.stats()?;
            let s = &all.store;
            let text = format!(
                "store:       {}\nfile:        {} bytes\nplugins:     {} ({} enabled)\ncomponents:  {} ({} bytes)\ncompiled:    {} ({} bytes)\nkv entries:  {}\nsecrets:     {}",
                s.path,
                s.file_bytes,
                s.plugins,
                s.enabled,
                s.components,
                s.component_bytes,
                s.compiled_artifacts,
                s.compiled_bytes,
                s.kv_entries,
                s.secrets
            );
            let mut text = text;
            let code = &all.code;
            text.push_str(&format!(
                "\nexecution:   {}{}\nartifacts:   {}",
                code.execution,
                if code.jit {
                    " (compiles plugins)"
                } else {
                    " (runtime-only: precompiled artifacts)"
                },
                code.artifact_key
            ));
            text.push_str(&format!(
                "\nuptime:      {} ms\nexecutions:  {} of {} permits in use\nhttp:        {} requests, {} cache hits",
                all.uptime_ms,
                all.executions.in_use,
                all.executions.max,
                all.http.requests,
                all.http.cache_hits
            ));
            for l in &all.lanes {
                text.push_str(&format!(
                    "\nlane {:<10} {} workers, {} queued of {}, {} in flight, {} rejected",
                    l.lane, l.workers, l.queued, l.capacity, l.in_flight, l.rejected
                ));
            }
            for c in &all.calls {
                text.push_str(&format!(
                    "\nplugin {}: {} calls, {} ok, p50 {} us, p99 {} us, breaker {}",
                    c.id, c.calls, c.ok, c.p50_us, c.p99_us, c.breaker
                ));
            }
            Ok(Report::new(to_json(&all), text))
        }
        // Call commands were dispatched above.
        _ => Err(Error::InvalidArgument("unknown command".into())),
    }
}

pub fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("report types serialize")
}

/// The `--execution` asked for, on an engine config.
fn execution(args: &Args) -> Result<EngineConfig> {
    let mut config = EngineConfig::new("");
    if let Some(e) = &args.execution {
        config = config.execution(e.parse::<Execution>().map_err(Error::InvalidArgument)?);
    }
    Ok(config)
}

fn engine(args: &Args) -> Result<Engine> {
    let dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => bex_engine::default_data_dir().ok_or_else(|| {
            Error::InvalidArgument(format!(
                "no data directory: pass --data-dir or set {}",
                bex_engine::DATA_DIR_ENV
            ))
        })?,
    };
    engine_at(args, dir)
}

/// An engine over `dir` with the global options of `args`.
pub fn engine_at(args: &Args, dir: PathBuf) -> Result<Engine> {
    let mut config = EngineConfig::new(dir)
        .allow_unsigned_packages(!args.signed_only)
        .allow_private_networks(args.allow_private_networks);
    if let Some(e) = &args.execution {
        config = config.execution(e.parse::<Execution>().map_err(Error::InvalidArgument)?);
    }
    if let Some(d) = &args.record {
        config = config.record_dir(d);
    }
    if let Some(d) = &args.replay {
        config = config.replay_dir(d);
    }
    if args.verbose {
        config = config.log_sink(|r| eprintln!("{r}"));
    }
    Engine::open(config)
}

fn pack(c: &crate::args::Pack) -> Result<Report> {
    let mut package = bex_engine::pack_files(&c.manifest, &c.component)?;
    if let Some(key) = &c.key {
        package = crate::keys::signed(package, key, &c.rotation)?;
    }
    let out = &c.out;
    package.write_file(out, &PackageLimits::default())?;
    let m = package.manifest();
    let signed = package
        .publisher()
        .map_or("unsigned".to_string(), |k| format!("signed by {k}"));
    let text = format!(
        "packed {} {} ({}), {signed} -> {}",
        m.id,
        m.version,
        m.provides,
        out.display()
    );
    Ok(Report::new(
        json!({
            "id": m.id,
            "version": m.version.to_string(),
            "provides": m.provides.iter().map(|c| c.manifest_key()).collect::<Vec<_>>(),
            "component_sha256": package.component_sha256_hex(),
            "publisher": package.publisher(),
            "out": out.display().to_string(),
        }),
        text,
    ))
}

fn read(path: &Path) -> Result<Package> {
    Package::read_file(path, &PackageLimits::default())
}

fn inspect(path: &Path) -> Result<Report> {
    let package = read(path)?;
    let m = package.manifest();
    let mut text = String::new();
    let _ = writeln!(text, "{} {} ({})", m.id, m.version, m.name);
    let _ = writeln!(text, "abi:       {}", m.abi);
    let _ = writeln!(text, "provides:  {}", m.provides);
    let hosts: Vec<String> = m.network.hosts.iter().map(ToString::to_string).collect();
    let _ = writeln!(text, "hosts:     {}", hosts.join(", "));
    let _ = writeln!(text, "storage:   {}", storage_text(m));
    let _ = writeln!(text, "secrets:   {}", m.secrets.join(", "));
    let _ = writeln!(text, "publisher: {}", publisher_text(&package));
    for s in package.sections() {
        let _ = writeln!(
            text,
            "section {:<9} {:>9} bytes ({} {} stored)  sha256 {}",
            s.kind, s.raw_bytes, s.stored_bytes, s.codec, s.sha256
        );
    }
    Ok(Report::new(
        json!({
            "manifest": m,
            "sections": package.sections(),
            "publisher": package.publisher(),
            "rotations": package.signature().map(|s| s.rotations().iter().map(|r| json!({"from": r.old(), "to": r.successor()})).collect::<Vec<_>>()),
        }),
        text,
    ))
}

fn publisher_text(package: &Package) -> String {
    match package.signature() {
        None => "unsigned".into(),
        Some(s) if s.rotations().is_empty() => s.publisher().to_string(),
        Some(s) => format!(
            "{} (rotated from {})",
            s.publisher(),
            s.rotations()
                .iter()
                .map(|r| r.old().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn verify(path: &Path) -> Result<Report> {
    let package = read(path)?;
    bex_engine::component::check(package.manifest(), package.component())?;
    let m = package.manifest();
    let text = format!("{}: ok ({} {})", path.display(), m.id, m.version);
    Ok(Report::new(
        json!({"ok": true, "id": m.id, "version": m.version.to_string()}),
        text,
    ))
}

fn unpack(path: &Path, dir: &Path) -> Result<Report> {
    let package = read(path)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::Io {
        path: dir.display().to_string(),
        source: e,
    })?;
    let manifest = dir.join("manifest.yaml");
    let component = dir.join("component.wasm");
    for (file, bytes) in [
        (&manifest, package.manifest_text().as_bytes()),
        (&component, package.component()),
    ] {
        std::fs::write(file, bytes).map_err(|e| Error::Io {
            path: file.display().to_string(),
            source: e,
        })?;
    }
    let text = format!("wrote {} and {}", manifest.display(), component.display());
    Ok(Report::new(
        json!({"manifest": manifest.display().to_string(), "component": component.display().to_string()}),
        text,
    ))
}

fn install(
    engine: &Engine,
    packages: &[PathBuf],
    artifact: Option<&Path>,
    options: InstallOptions,
) -> Result<Report> {
    if packages.is_empty() {
        return Err(Error::InvalidArgument(
            "install needs at least one package".into(),
        ));
    }
    // A plugin id that names no file comes from the repositories.
    let by_id = |p: &PathBuf| {
        !p.exists()
            && p.to_str()
                .is_some_and(|s| bex_engine::manifest::validate_plugin_id(s).is_ok())
    };
    let results = match (artifact, packages) {
        (None, _) if packages.iter().all(by_id) => packages
            .iter()
            .map(|p| engine.install_from_repo(p.to_str().expect("checked"), options))
            .collect(),
        (None, _) => engine.install_files_with(packages, options),
        (Some(a), [p]) => vec![engine.install_precompiled_file(p, a, options)],
        (Some(_), _) => {
            return Err(Error::InvalidArgument(
                "--artifact goes with exactly one package".into(),
            ));
        }
    };
    let mut reports = Vec::new();
    let mut text = String::new();
    for result in results {
        let r = result?;
        let how = if r.precompiled { ", precompiled" } else { "" };
        let _ = match &r.previous {
            Some(prev) => writeln!(
                text,
                "{} {}: {} (was {prev}{how})",
                r.id, r.version, r.action
            ),
            None if r.precompiled => {
                writeln!(text, "{} {}: {} (precompiled)", r.id, r.version, r.action)
            }
            None => writeln!(text, "{} {}: {}", r.id, r.version, r.action),
        };
        let p = &r.permissions;
        for (what, items) in [
            ("new hosts", &p.added_hosts),
            ("removed hosts", &p.removed_hosts),
            ("new secrets", &p.added_secrets),
            ("removed secrets", &p.removed_secrets),
            ("new capabilities", &p.added_capabilities),
            ("removed capabilities", &p.removed_capabilities),
        ] {
            if !items.is_empty() {
                let _ = writeln!(text, "  {what}: {}", items.join(", "));
            }
        }
        if let Some((before, after)) = p.storage {
            let kb = |q: Option<u64>| q.map_or("none".to_string(), |b| format!("{} KiB", b / 1024));
            let _ = writeln!(text, "  storage: {} -> {}", kb(before), kb(after));
        }
        reports.push(r);
    }
    Ok(Report::new(to_json(&reports), text))
}

fn list(engine: &Engine) -> Result<Report> {
    let plugins = engine.list()?;
    let mut text = String::new();
    if plugins.is_empty() {
        text.push_str("no plugins installed");
    }
    for p in &plugins {
        let _ = writeln!(
            text,
            "{:<24} {:<10} {:<8} {}",
            p.id,
            p.version,
            if p.enabled { "enabled" } else { "disabled" },
            p.manifest.provides
        );
    }
    Ok(Report::new(to_json(&plugins), text))
}

fn storage_text(m: &bex_engine::manifest::Manifest) -> String {
    if m.storage.enabled {
        format!("yes, quota {} bytes", m.storage.quota_bytes)
    } else {
        "no".into()
    }
}

fn plugin_text(p: &InstalledPlugin) -> String {
    let m = &p.manifest;
    let hosts: Vec<String> = m.network.hosts.iter().map(ToString::to_string).collect();
    let mut text = String::new();
    let _ = writeln!(text, "{} {} ({})", p.id, p.version, p.name);
    let _ = writeln!(text, "enabled:   {}", p.enabled);
    let _ = writeln!(text, "provides:  {}", m.provides);
    let _ = writeln!(text, "hosts:     {}", hosts.join(", "));
    let _ = writeln!(
        text,
        "network:   {} concurrent, {} requests/minute",
        m.network.concurrent, m.network.rate_per_minute
    );
    let _ = writeln!(text, "storage:   {}", storage_text(m));
    let _ = writeln!(text, "secrets:   {}", m.secrets.join(", "));
    let _ = writeln!(
        text,
        "component: {} ({} bytes)",
        p.component_sha256, p.component_bytes
    );
    let publisher = p
        .publisher
        .map_or("unsigned".to_string(), |k| k.to_string());
    let _ = writeln!(text, "publisher: {publisher}");
    if let Some(v) = &p.rollback_version {
        let _ = writeln!(text, "rollback:  {v} (bex rollback {})", p.id);
    }
    if let Some(d) = &m.display.description {
        let _ = writeln!(text, "about:     {d}");
    }
    text
}

fn set_enabled(engine: &Engine, id: &str, enabled: bool) -> Result<Report> {
    let was = engine.set_enabled(id, enabled)?;
    let state = if enabled { "enabled" } else { "disabled" };
    let text = if was == enabled {
        format!("{id} was already {state}")
    } else {
        format!("{id} {state}")
    };
    Ok(Report::new(
        json!({"id": id, "enabled": enabled, "was_enabled": was}),
        text,
    ))
}
