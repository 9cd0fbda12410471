//! Names from the plugin contract (`wit/plugin.wit`): the ABI version, the
//! capabilities and the operations, and how they map to manifest keys and
//! component exports. Everything else refers to these instead of spelling
//! the strings again.

use std::fmt;

/// The contract version this engine implements (`bex:plugin@1.0.0`).
pub const ABI_VERSION: semver::Version = semver::Version::new(1, 0, 0);

/// The WIT package of the contract, without version.
pub const WIT_PACKAGE: &str = "bex:plugin";

/// Version of the JSON mapping of contract records (docs/json.md).
pub const JSON_MAPPING_VERSION: u32 = 1;

/// The contract itself, as shipped with this engine.
pub const WIT_SOURCE: &str = include_str!("../wit/plugin.wit");

/// One capability bit of a manifest's `provides`; each is one exported
/// interface of the component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Bit 0: `get-home`.
    Home,
    /// Bit 1: `get-category`.
    Category,
    /// Bit 2: `search`.
    Search,
    /// Bit 3: `get-info`.
    Info,
    /// Bit 4: `get-servers`.
    Servers,
    /// Bit 5: `resolve-stream`.
    Stream,
    /// Bit 6: `search-subtitles`, `download-subtitle`.
    Subtitles,
    /// Bit 7: `get-articles`, `search-articles`.
    Articles,
}

impl Capability {
    /// Every capability, in bit order.
    pub const ALL: [Capability; 8] = [
        Capability::Home,
        Capability::Category,
        Capability::Search,
        Capability::Info,
        Capability::Servers,
        Capability::Stream,
        Capability::Subtitles,
        Capability::Articles,
    ];

    /// The capability's bit number.
    pub fn bit(self) -> u32 {
        self as u32
    }

    /// The key under `provides` in the manifest.
    pub fn manifest_key(self) -> &'static str {
        match self {
            Capability::Home => "home",
            Capability::Category => "category",
            Capability::Search => "search",
            Capability::Info => "info",
            Capability::Servers => "servers",
            Capability::Stream => "stream",
            Capability::Subtitles => "subtitles",
            Capability::Articles => "articles",
        }
    }

    /// The WIT interface the component exports for this capability.
    pub fn interface(self) -> &'static str {
        match self {
            // `stream` is a WIT keyword.
            Capability::Stream => "streams",
            other => other.manifest_key(),
        }
    }

    /// The fully qualified export name, e.g. `bex:plugin/search@1.0.0`.
    pub fn export_name(self) -> String {
        format!("{WIT_PACKAGE}/{}@{ABI_VERSION}", self.interface())
    }

    /// The operations this capability enables.
    pub fn operations(self) -> &'static [Operation] {
        match self {
            Capability::Home => &[Operation::GetHome],
            Capability::Category => &[Operation::GetCategory],
            Capability::Search => &[Operation::Search],
            Capability::Info => &[Operation::GetInfo],
            Capability::Servers => &[Operation::GetServers],
            Capability::Stream => &[Operation::ResolveStream],
            Capability::Subtitles => &[Operation::SearchSubtitles, Operation::DownloadSubtitle],
            Capability::Articles => &[Operation::GetArticles, Operation::SearchArticles],
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.manifest_key())
    }
}

/// A set of capabilities, as a bit mask (bit numbers from [`Capability::bit`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(u32);

impl Capabilities {
    /// The empty set.
    pub const NONE: Capabilities = Capabilities(0);

    /// The set from a bit mask; unknown bits are dropped.
    pub fn from_bits(bits: u32) -> Capabilities {
        Capabilities(bits & ((1 << Capability::ALL.len()) - 1))
    }

    /// The bit mask.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether `cap` is in the set.
    pub fn contains(self, cap: Capability) -> bool {
        self.0 & (1 << cap.bit()) != 0
    }

    /// Adds `cap` to the set.
    pub fn insert(&mut self, cap: Capability) {
        self.0 |= 1 << cap.bit();
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The capabilities in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        let mut set = Capabilities::NONE;
        for cap in iter {
            set.insert(cap);
        }
        set
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Capability::manifest_key).collect();
        f.write_str(&names.join(","))
    }
}

/// One function a plugin exports; the unit of limits and statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `home.get-home`.
    GetHome,
    /// `category.get-category`.
    GetCategory,
    /// `search.search`.
    Search,
    /// `info.get-info`.
    GetInfo,
    /// `servers.get-servers`.
    GetServers,
    /// `streams.resolve-stream`.
    ResolveStream,
    /// `subtitles.search-subtitles`.
    SearchSubtitles,
    /// `subtitles.download-subtitle`.
    DownloadSubtitle,
    /// `articles.get-articles`.
    GetArticles,
    /// `articles.search-articles`.
    SearchArticles,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 10] = [
        Operation::GetHome,
        Operation::GetCategory,
        Operation::Search,
        Operation::GetInfo,
        Operation::GetServers,
        Operation::ResolveStream,
        Operation::SearchSubtitles,
        Operation::DownloadSubtitle,
        Operation::GetArticles,
        Operation::SearchArticles,
    ];

    /// The snake_case name used in manifests (`limits.search`), config and
    /// statistics.
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetHome => "get_home",
            Operation::GetCategory => "get_category",
            Operation::Search => "search",
            Operation::GetInfo => "get_info",
            Operation::GetServers => "get_servers",
            Operation::ResolveStream => "resolve_stream",
            Operation::SearchSubtitles => "search_subtitles",
            Operation::DownloadSubtitle => "download_subtitle",
            Operation::GetArticles => "get_articles",
            Operation::SearchArticles => "search_articles",
        }
    }

    /// The operation named `name` (see [`Operation::name`]).
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The WIT function name inside the capability's interface.
    pub fn function(self) -> &'static str {
        match self {
            Operation::GetHome => "get-home",
            Operation::GetCategory => "get-category",
            Operation::Search => "search",
            Operation::GetInfo => "get-info",
            Operation::GetServers => "get-servers",
            Operation::ResolveStream => "resolve-stream",
            Operation::SearchSubtitles => "search-subtitles",
            Operation::DownloadSubtitle => "download-subtitle",
            Operation::GetArticles => "get-articles",
            Operation::SearchArticles => "search-articles",
        }
    }

    /// The capability that provides this operation.
    pub fn capability(self) -> Capability {
        match self {
            Operation::GetHome => Capability::Home,
            Operation::GetCategory => Capability::Category,
            Operation::Search => Capability::Search,
            Operation::GetInfo => Capability::Info,
            Operation::GetServers => Capability::Servers,
            Operation::ResolveStream => Capability::Stream,
            Operation::SearchSubtitles | Operation::DownloadSubtitle => Capability::Subtitles,
            Operation::GetArticles | Operation::SearchArticles => Capability::Articles,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_capabilities_agree() {
        for op in Operation::ALL {
            assert!(op.capability().operations().contains(&op), "{op}");
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        let total: usize = Capability::ALL.iter().map(|c| c.operations().len()).sum();
        assert_eq!(total, Operation::ALL.len());
    }

    #[test]
    fn every_interface_and_function_is_in_the_wit() {
        for cap in Capability::ALL {
            let decl = format!("interface {} {{", cap.interface());
            assert!(WIT_SOURCE.contains(&decl), "{decl}");
            for op in cap.operations() {
                let f = format!("    {}: func(", op.function());
                assert!(WIT_SOURCE.contains(&f), "{f}");
            }
        }
        assert!(WIT_SOURCE.contains(&format!("package {WIT_PACKAGE}@{ABI_VERSION};")));
    }

    #[test]
    fn capability_set_operations() {
        let set: Capabilities = [Capability::Search, Capability::Articles]
            .into_iter()
            .collect();
        assert_eq!(set.bits(), 0b1000_0100);
        assert!(set.contains(Capability::Search));
        assert!(!set.contains(Capability::Home));
        assert_eq!(set.to_string(), "search,articles");
        assert_eq!(Capabilities::from_bits(0xffff_ffff).bits(), 0xff);
        assert_eq!(Capability::Stream.export_name(), "bex:plugin/streams@1.0.0");
    }
}
