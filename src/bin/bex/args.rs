//! Command-line arguments.

use std::path::PathBuf;

use argh::FromArgs;

/// bex: pack, install and query BEX plugins.
///
/// Exit status: 0 on success, 64 on a usage error, otherwise the error's
/// stable code number (see docs/errors.md).
#[derive(FromArgs)]
pub struct Args {
    /// data directory (default: $BEX_DATA_DIR, else the platform data dir)
    #[argh(option)]
    pub data_dir: Option<PathBuf>,
    /// print stable JSON instead of text
    #[argh(switch)]
    pub json: bool,
    #[argh(subcommand)]
    pub command: Command,
}

#[derive(FromArgs)]
#[argh(subcommand)]
pub enum Command {
    Pack(Pack),
    Inspect(Inspect),
    Verify(Verify),
    Unpack(Unpack),
    Install(Install),
    Uninstall(Uninstall),
    List(List),
    PluginInfo(PluginInfo),
    Enable(Enable),
    Disable(Disable),
    SetKey(SetKey),
    GetKey(GetKey),
    DeleteKey(DeleteKey),
    ListKeys(ListKeys),
    Stats(Stats),
}

/// Check a manifest and a component against the contract and write a .bex package.
#[derive(FromArgs)]
#[argh(subcommand, name = "pack")]
pub struct Pack {
    /// the manifest (manifest.yaml)
    #[argh(positional)]
    pub manifest: PathBuf,
    /// the component (.wasm, built for wasm32-wasip2)
    #[argh(positional)]
    pub component: PathBuf,
    /// the package to write
    #[argh(positional)]
    pub out: PathBuf,
}

/// Verify a package and show its manifest and sections.
#[derive(FromArgs)]
#[argh(subcommand, name = "inspect")]
pub struct Inspect {
    /// the package
    #[argh(positional)]
    pub package: PathBuf,
}

/// Verify a package's checksums, sizes, manifest and component.
#[derive(FromArgs)]
#[argh(subcommand, name = "verify")]
pub struct Verify {
    /// the package
    #[argh(positional)]
    pub package: PathBuf,
}

/// Extract a package's manifest.yaml and component.wasm into a directory.
#[derive(FromArgs)]
#[argh(subcommand, name = "unpack")]
pub struct Unpack {
    /// the package
    #[argh(positional)]
    pub package: PathBuf,
    /// the directory to write into (created if missing)
    #[argh(positional)]
    pub dir: PathBuf,
}

/// Install or upgrade a plugin from a package.
#[derive(FromArgs)]
#[argh(subcommand, name = "install")]
pub struct Install {
    /// the package(s)
    #[argh(positional)]
    pub packages: Vec<PathBuf>,
    /// allow replacing a newer installed version
    #[argh(switch)]
    pub force: bool,
}

/// Remove a plugin and everything it stored.
#[derive(FromArgs)]
#[argh(subcommand, name = "uninstall")]
pub struct Uninstall {
    /// plugin id
    #[argh(positional)]
    pub id: String,
}

/// List installed plugins.
#[derive(FromArgs)]
#[argh(subcommand, name = "list")]
pub struct List {}

/// Show an installed plugin's details.
#[derive(FromArgs)]
#[argh(subcommand, name = "plugin-info")]
pub struct PluginInfo {
    /// plugin id
    #[argh(positional)]
    pub id: String,
}

/// Enable a plugin.
#[derive(FromArgs)]
#[argh(subcommand, name = "enable")]
pub struct Enable {
    /// plugin id
    #[argh(positional)]
    pub id: String,
}

/// Disable a plugin (its calls fail with DISABLED).
#[derive(FromArgs)]
#[argh(subcommand, name = "disable")]
pub struct Disable {
    /// plugin id
    #[argh(positional)]
    pub id: String,
}

/// Set a secret (API key) the plugin declares.
#[derive(FromArgs)]
#[argh(subcommand, name = "set-key")]
pub struct SetKey {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// secret name
    #[argh(positional)]
    pub key: String,
    /// secret value
    #[argh(positional)]
    pub value: String,
}

/// Print a secret.
#[derive(FromArgs)]
#[argh(subcommand, name = "get-key")]
pub struct GetKey {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// secret name
    #[argh(positional)]
    pub key: String,
}

/// Delete a secret.
#[derive(FromArgs)]
#[argh(subcommand, name = "delete-key")]
pub struct DeleteKey {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// secret name
    #[argh(positional)]
    pub key: String,
}

/// List the names of a plugin's secrets.
#[derive(FromArgs)]
#[argh(subcommand, name = "list-keys")]
pub struct ListKeys {
    /// plugin id
    #[argh(positional)]
    pub id: String,
}

/// Show store statistics.
#[derive(FromArgs)]
#[argh(subcommand, name = "stats")]
pub struct Stats {}
