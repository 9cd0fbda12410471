//! Publisher keys: `bex keygen`, `bex rotate`, `bex sign`, and signing at
//! `bex pack --key`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use bex_engine::package::{Package, PackageLimits};
use bex_engine::trust::{PublisherKey, Rotation, SigningKey};
use bex_engine::{Error, Result};
use serde_json::json;

use crate::args::{Rotate, Sign};
use crate::output::Report;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `text` to a new file only its owner can read; never overwrites.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

pub fn keygen(out: &Path) -> Result<Report> {
    let key = SigningKey::generate()?;
    write_private(out, &key.to_text())?;
    let public = key.public();
    // The public half beside it, as ssh-keygen does: what players pin.
    let mut public_file = out.as_os_str().to_owned();
    public_file.push(".pub");
    let public_file = PathBuf::from(public_file);
    std::fs::write(&public_file, format!("{public}\n")).map_err(io(&public_file))?;
    let text = format!(
        "wrote the signing key {} (keep it private) and its public key {}\npublic key: {public}",
        out.display(),
        public_file.display()
    );
    Ok(Report::new(
        json!({"key_file": out.display().to_string(), "public_key": public, "public_key_file": public_file.display().to_string()}),
        text,
    ))
}

pub fn rotate(c: &Rotate) -> Result<Report> {
    let old = SigningKey::read_file(&c.old_key)?;
    let new: PublisherKey = c.new_public.parse()?;
    let rotation = Rotation::new(&old, new);
    std::fs::write(&c.out, rotation.to_text()).map_err(io(&c.out))?;
    let text = format!(
        "{} hands its plugins to {new}: wrote {} (pack with --rotation)",
        old.public(),
        c.out.display()
    );
    Ok(Report::new(
        json!({"from": old.public(), "to": new, "out": c.out.display().to_string()}),
        text,
    ))
}

/// `package` signed with the key in `key`, carrying the rotations in
/// `rotations`.
pub fn signed(package: Package, key: &Path, rotations: &[PathBuf]) -> Result<Package> {
    let key = SigningKey::read_file(key)?;
    let rotations = rotations
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(io(p))?;
            Ok(Rotation::parse(&text)?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(package.signed(&key, rotations)?)
}

pub fn sign(c: &Sign) -> Result<Report> {
    let limits = PackageLimits::default();
    let package = Package::read_file(&c.package, &limits)?;
    let package = signed(package, &c.key, &c.rotation)?;
    let out = c.out.as_deref().unwrap_or(&c.package);
    package.write_file(out, &limits)?;
    let m = package.manifest();
    let publisher = package.publisher().expect("just signed");
    let text = format!(
        "signed {} {} by {publisher} -> {}",
        m.id,
        m.version,
        out.display()
    );
    Ok(Report::new(
        json!({"id": m.id, "version": m.version.to_string(), "publisher": publisher, "out": out.display().to_string()}),
        text,
    ))
}
