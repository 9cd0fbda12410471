//! The manifest as written in YAML, before validation. Unknown fields are
//! refused here; every other rule lives in `validate`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub schema: u32,
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub authors: Vec<String>,
    pub abi: String,
    pub provides: RawProvides,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub storage: RawStorage,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub display: RawDisplay,
    pub priority: Option<i64>,
    #[serde(default)]
    pub limits: RawLimits,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProvides {
    #[serde(default)]
    pub home: bool,
    #[serde(default)]
    pub category: bool,
    #[serde(default)]
    pub search: bool,
    #[serde(default)]
    pub info: bool,
    #[serde(default)]
    pub servers: bool,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub subtitles: bool,
    #[serde(default)]
    pub articles: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNetwork {
    #[serde(default)]
    pub hosts: Vec<String>,
    pub concurrent: Option<i64>,
    pub rate_per_minute: Option<i64>,
    pub rate_per_second: Option<i64>,
    pub burst: Option<i64>,
}

/// `storage: true`, `storage: false`, or `storage: { quota_kb: N }`.
#[derive(Default)]
pub(super) struct RawStorage {
    pub enabled: bool,
    pub quota_kb: Option<i64>,
}

impl<'de> Deserialize<'de> for RawStorage {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawStorage;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false, or a map with `quota_kb`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawStorage, E> {
                Ok(RawStorage {
                    enabled: v,
                    quota_kb: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStorage, A::Error> {
                let mut quota_kb = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "quota_kb" => {
                            if quota_kb.is_some() {
                                return Err(de::Error::duplicate_field("quota_kb"));
                            }
                            quota_kb = Some(map.next_value::<i64>()?);
                        }
                        other => return Err(de::Error::unknown_field(other, &["quota_kb"])),
                    }
                }
                Ok(RawStorage {
                    enabled: true,
                    quota_kb,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDisplay {
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub icon: Option<String>,
    pub homepage: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOpLimits {
    pub fuel: Option<i64>,
    pub timeout_ms: Option<i64>,
    pub memory_mb: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub default: Option<RawOpLimits>,
    pub get_home: Option<RawOpLimits>,
    pub get_category: Option<RawOpLimits>,
    pub search: Option<RawOpLimits>,
    pub get_info: Option<RawOpLimits>,
    pub get_servers: Option<RawOpLimits>,
    pub resolve_stream: Option<RawOpLimits>,
    pub search_subtitles: Option<RawOpLimits>,
    pub download_subtitle: Option<RawOpLimits>,
    pub get_articles: Option<RawOpLimits>,
    pub search_articles: Option<RawOpLimits>,
}

impl RawLimits {
    /// The per-operation entries, by operation name.
    pub fn operations(&self) -> [(&'static str, Option<RawOpLimits>); 10] {
        [
            ("get_home", self.get_home),
            ("get_category", self.get_category),
            ("search", self.search),
            ("get_info", self.get_info),
            ("get_servers", self.get_servers),
            ("resolve_stream", self.resolve_stream),
            ("search_subtitles", self.search_subtitles),
            ("download_subtitle", self.download_subtitle),
            ("get_articles", self.get_articles),
            ("search_articles", self.search_articles),
        ]
    }
}
