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
    /// print plugin log lines, plugin stdout/stderr and engine diagnostics to stderr
    #[argh(switch, short = 'v')]
    pub verbose: bool,
    /// save every HTTP exchange of plugin calls to DIR
    #[argh(option)]
    pub record: Option<PathBuf>,
    /// serve plugin HTTP only from recordings in DIR (never the network)
    #[argh(option)]
    pub replay: Option<PathBuf>,
    /// the user's language for plugin calls (BCP 47, e.g. en-US)
    #[argh(option)]
    pub locale: Option<String>,
    /// the user's region for plugin calls (ISO 3166-1, e.g. US)
    #[argh(option)]
    pub region: Option<String>,
    /// how plugins run: native or pulley (default: native where Cranelift has a backend)
    #[argh(option)]
    pub execution: Option<String>,
    /// refuse unsigned packages, as a player does (default: the CLI accepts them)
    #[argh(switch)]
    pub signed_only: bool,
    /// let plugins and repositories reach loopback and private addresses, over plain http too (tests, local repositories)
    #[argh(switch)]
    pub allow_private_networks: bool,
    #[argh(subcommand)]
    pub command: Command,
}

#[derive(FromArgs)]
#[argh(subcommand)]
pub enum Command {
    Pack(Pack),
    Keygen(Keygen),
    Rotate(Rotate),
    Sign(Sign),
    Inspect(Inspect),
    Verify(Verify),
    Unpack(Unpack),
    Install(Install),
    Repo(crate::repos::Repo),
    Available(crate::repos::AvailableArgs),
    Update(crate::repos::Update),
    Rollback(Rollback),
    Run(crate::run::Run),
    Precompile(Precompile),
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
    Home(Home),
    Category(Category),
    Search(Search),
    Info(Info),
    Servers(Servers),
    Stream(Stream),
    Subtitles(Subtitles),
    Subtitle(Subtitle),
    Articles(Articles),
    SearchArticles(SearchArticles),
    Js(Js),
    New(New),
}

/// Write a new plugin: manifest, world, source over the plugin kit, fixtures and an offline test.
#[derive(FromArgs)]
#[argh(subcommand, name = "new")]
pub struct New {
    /// the plugin's name, 1-64 of a-z 0-9 - (its id is bex.NAME)
    #[argh(positional)]
    pub name: String,
    /// capabilities, comma-separated: home, category, search, info, servers,
    /// stream, subtitles, articles (default search,info)
    #[argh(option)]
    pub capabilities: Option<String>,
    /// the source's API host (default api.example.com)
    #[argh(option)]
    pub host: Option<String>,
    /// where to create the NAME directory (default: here)
    #[argh(option)]
    pub dir: Option<PathBuf>,
    /// use the plugin kit of a BEX checkout (PATH/TO/plugins/bex-pdk) instead of vendoring it into the plugin (the default)
    #[argh(option)]
    pub pdk: Option<PathBuf>,
}

/// Run JavaScript in exactly the sandbox and globals plugins get (docs/js.md).
#[derive(FromArgs)]
#[argh(subcommand, name = "js")]
pub struct Js {
    #[argh(subcommand)]
    pub command: JsCommand,
}

#[derive(FromArgs)]
#[argh(subcommand)]
pub enum JsCommand {
    Eval(JsEval),
    Call(JsCall),
}

/// Evaluate a script file; print its completion value (a Promise is awaited) as JSON.
#[derive(FromArgs)]
#[argh(subcommand, name = "eval")]
pub struct JsEval {
    /// the script
    #[argh(positional)]
    pub file: PathBuf,
    /// JSON bound to the global `input`
    #[argh(option)]
    pub input: Option<String>,
    /// time limit, ms (default 2000, at most 10000)
    #[argh(option)]
    pub timeout_ms: Option<u64>,
    /// heap limit, bytes (default and most 32 MiB)
    #[argh(option)]
    pub memory_limit_bytes: Option<u64>,
}

/// Call the function a file defines (an expression evaluating to a function) with JSON arguments.
#[derive(FromArgs)]
#[argh(subcommand, name = "call")]
pub struct JsCall {
    /// the function source
    #[argh(positional)]
    pub file: PathBuf,
    /// the function's name (as the plugin registers it)
    #[argh(option)]
    pub name: String,
    /// a JSON array of arguments
    #[argh(option, default = "String::from(\"[]\")")]
    pub args: String,
    /// time limit, ms (default 2000, at most 10000)
    #[argh(option)]
    pub timeout_ms: Option<u64>,
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
    /// sign the package with this signing key (from `bex keygen`)
    #[argh(option)]
    pub key: Option<PathBuf>,
    /// a key rotation to carry (from `bex rotate`), oldest first; repeatable
    #[argh(option)]
    pub rotation: Vec<PathBuf>,
}

/// Make a publisher signing key: writes it (readable by you only) and prints its public key.
#[derive(FromArgs)]
#[argh(subcommand, name = "keygen")]
pub struct Keygen {
    /// the signing key file to write (never overwritten)
    #[argh(positional)]
    pub out: PathBuf,
}

/// Hand your plugins to a new key: a rotation signed by the old key, for `bex pack --rotation`.
#[derive(FromArgs)]
#[argh(subcommand, name = "rotate")]
pub struct Rotate {
    /// the old signing key
    #[argh(option)]
    pub old_key: PathBuf,
    /// the new public key (ed25519:...)
    #[argh(option)]
    pub new_public: String,
    /// the rotation file to write
    #[argh(positional)]
    pub out: PathBuf,
}

/// Sign an existing package (replacing any signature it has).
#[derive(FromArgs)]
#[argh(subcommand, name = "sign")]
pub struct Sign {
    /// the package
    #[argh(positional)]
    pub package: PathBuf,
    /// the signing key (from `bex keygen`)
    #[argh(option)]
    pub key: PathBuf,
    /// a key rotation to carry (from `bex rotate`), oldest first; repeatable
    #[argh(option)]
    pub rotation: Vec<PathBuf>,
    /// where to write the signed package (default: over the package)
    #[argh(option)]
    pub out: Option<PathBuf>,
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

/// Install or upgrade a plugin from a package file, or by id from the repositories.
#[derive(FromArgs)]
#[argh(subcommand, name = "install")]
pub struct Install {
    /// package files, or plugin ids to install from the repositories
    #[argh(positional)]
    pub packages: Vec<PathBuf>,
    /// allow replacing a newer installed version, or the same version with different content
    #[argh(switch)]
    pub force: bool,
    /// accept an upgrade that widens the plugin's permissions (new hosts, secrets, capabilities, more storage)
    #[argh(switch)]
    pub accept_permissions: bool,
    /// accept new code for a plugin installed unsigned (nothing shows it comes from the same author; it inherits the plugin's data and secrets)
    #[argh(switch)]
    pub accept_unverified: bool,
    /// the package's precompiled artifact (one package only; default: NAME.bexa beside NAME.bex, if there)
    #[argh(option)]
    pub artifact: Option<PathBuf>,
}

/// Reinstate the version a plugin had before its last update.
#[derive(FromArgs)]
#[argh(subcommand, name = "rollback")]
pub struct Rollback {
    /// the plugin id
    #[argh(positional)]
    pub id: String,
}

/// Compile packages ahead of time for a device whose engine cannot compile (docs/porting.md): writes NAME.bexa.
#[derive(FromArgs)]
#[argh(subcommand, name = "precompile")]
pub struct Precompile {
    /// the package(s)
    #[argh(positional)]
    pub packages: Vec<PathBuf>,
    /// the device's Rust target triple, e.g. aarch64-unknown-linux-gnu (default: this machine)
    #[argh(option)]
    pub target: Option<String>,
    /// the device engine's memory ceiling, MiB (default: 256 on 64-bit targets, 64 on 32-bit)
    #[argh(option)]
    pub memory_ceiling_mb: Option<u32>,
    /// where to write NAME.bexa (default: beside NAME.bex)
    #[argh(option)]
    pub out_dir: Option<PathBuf>,
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

/// Call a plugin's get-home.
#[derive(FromArgs)]
#[argh(subcommand, name = "home")]
pub struct Home {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// page cursor from a previous next_page
    #[argh(option)]
    pub page: Option<String>,
}

/// Call a plugin's get-category.
#[derive(FromArgs)]
#[argh(subcommand, name = "category")]
pub struct Category {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// category id
    #[argh(positional)]
    pub category: String,
    /// page cursor from a previous next_page
    #[argh(option)]
    pub page: Option<String>,
}

/// Call a plugin's search.
#[derive(FromArgs)]
#[argh(subcommand, name = "search")]
pub struct Search {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// the query
    #[argh(positional)]
    pub query: String,
    /// page cursor from a previous next_page
    #[argh(option)]
    pub page: Option<String>,
    /// filter: media kind (movie, series, anime, ...)
    #[argh(option)]
    pub kind: Option<String>,
    /// filter: release year
    #[argh(option)]
    pub year: Option<u32>,
    /// filter: genre
    #[argh(option)]
    pub genre: Option<String>,
    /// ordering: relevance, popularity, rating, newest, oldest, title
    #[argh(option)]
    pub sort: Option<String>,
}

/// Call a plugin's get-info.
#[derive(FromArgs)]
#[argh(subcommand, name = "info")]
pub struct Info {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// media id (from a card)
    #[argh(positional)]
    pub media_id: String,
}

/// Call a plugin's get-servers.
#[derive(FromArgs)]
#[argh(subcommand, name = "servers")]
pub struct Servers {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// episode or movie id
    #[argh(positional)]
    pub episode_id: String,
}

/// Call a plugin's resolve-stream with a server (JSON, as servers printed it).
#[derive(FromArgs)]
#[argh(subcommand, name = "stream")]
pub struct Stream {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// the server object, JSON
    #[argh(positional)]
    pub server_json: String,
}

/// Call a plugin's search-subtitles.
#[derive(FromArgs)]
#[argh(subcommand, name = "subtitles")]
pub struct Subtitles {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// a title, or a subtitle_query object as JSON
    #[argh(positional)]
    pub query: String,
    /// wanted language (repeatable)
    #[argh(option)]
    pub lang: Vec<String>,
}

/// Call a plugin's download-subtitle.
#[derive(FromArgs)]
#[argh(subcommand, name = "subtitle")]
pub struct Subtitle {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// subtitle id (from subtitles)
    #[argh(positional)]
    pub sub_id: String,
}

/// Call a plugin's get-articles.
#[derive(FromArgs)]
#[argh(subcommand, name = "articles")]
pub struct Articles {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// page cursor from a previous next_page
    #[argh(option)]
    pub page: Option<String>,
}

/// Call a plugin's search-articles.
#[derive(FromArgs)]
#[argh(subcommand, name = "search-articles")]
pub struct SearchArticles {
    /// plugin id
    #[argh(positional)]
    pub id: String,
    /// the query
    #[argh(positional)]
    pub query: String,
    /// page cursor from a previous next_page
    #[argh(option)]
    pub page: Option<String>,
}
