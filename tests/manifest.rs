//! Every manifest rule: the accepted form, and a refusal naming the field.

mod common;

use bex_engine::ErrorCode;
use bex_engine::contract::{Capability, Operation};
use bex_engine::manifest::{HostPattern, Manifest, ManifestError};

const VALID: &str = r#"
schema: 1
id: bex.example
name: Example
version: 1.2.3
authors: [Someone]
abi: ">=1.0.0, <2.0.0"
provides:
  search: true
  info: true
network:
  hosts: ["api.example.org", "*.cdn.example.org"]
  concurrent: 3
  rate_per_minute: 30
storage:
  quota_kb: 256
secrets: [api-key]
display:
  description: An example.
  tags: [demo]
  icon: https://example.org/icon.png
  homepage: https://example.org
priority: 7
limits:
  default: { fuel: 1000000000, timeout_ms: 5000, memory_mb: 32 }
  search: { timeout_ms: 8000 }
"#;

fn with(find: &str, replace: &str) -> String {
    assert!(VALID.contains(find), "test bug: {find:?} not in VALID");
    VALID.replacen(find, replace, 1)
}

/// Parses `text` and expects a field error naming `field`; returns the message.
fn field_error(text: &str, field: &str) -> String {
    match Manifest::parse(text) {
        Err(ManifestError::Field { field: f, message }) => {
            assert_eq!(f, field, "wrong field named: {message}");
            message
        }
        other => panic!("expected a field error on {field}, got {other:?}"),
    }
}

fn syntax_error(text: &str) -> String {
    match Manifest::parse(text) {
        Err(ManifestError::Syntax(m)) => m,
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

fn code(text: &str) -> ErrorCode {
    bex_engine::Error::from(Manifest::parse(text).unwrap_err()).code()
}

#[test]
fn valid_manifest_parses_with_every_field() {
    let m = Manifest::parse(VALID).unwrap();
    assert_eq!(m.id, "bex.example");
    assert_eq!(m.version.to_string(), "1.2.3");
    assert!(m.provides.contains(Capability::Search));
    assert!(m.provides.contains(Capability::Info));
    assert!(!m.provides.contains(Capability::Home));
    assert_eq!(m.network.hosts.len(), 2);
    assert!(m.network.allows("api.example.org", 443));
    assert!(m.network.allows("a.cdn.example.org", 80));
    assert!(!m.network.allows("a.cdn.example.org", 22));
    assert!(!m.network.allows("example.org", 443));
    assert_eq!((m.network.concurrent, m.network.rate_per_minute), (3, 30));
    assert!(m.storage.enabled);
    assert_eq!(m.storage.quota_bytes, 256 * 1024);
    assert_eq!(m.secrets, vec!["api-key"]);
    assert_eq!(m.priority, 7);
    let search = m.limits.for_operation(Operation::Search);
    assert_eq!(search.timeout_ms, Some(8000));
    assert_eq!(
        search.fuel,
        Some(1_000_000_000),
        "default fills unset fields"
    );
    assert_eq!(
        m.limits.for_operation(Operation::GetInfo).timeout_ms,
        Some(5000)
    );
}

#[test]
fn minimal_manifest_gets_defaults() {
    let m = Manifest::parse(
        "schema: 1\nid: bex.min\nname: Min\nversion: 0.1.0\nabi: \"^1\"\nprovides: {home: true}\n",
    )
    .unwrap();
    assert!(m.network.hosts.is_empty());
    assert!(!m.storage.enabled);
    assert_eq!(m.priority, bex_engine::manifest::DEFAULT_PRIORITY);
    assert_eq!(
        m.network.concurrent,
        bex_engine::manifest::DEFAULT_CONCURRENT
    );
    assert_eq!(
        m.limits.for_operation(Operation::GetHome),
        Default::default()
    );
    let on = Manifest::parse(&with("storage:\n  quota_kb: 256", "storage: true")).unwrap();
    assert_eq!(
        on.storage.quota_bytes,
        bex_engine::manifest::DEFAULT_STORAGE_QUOTA
    );
}

#[test]
fn size_is_capped() {
    let big = format!("{VALID}\n# {}\n", "x".repeat(70 * 1024));
    assert!(matches!(
        Manifest::parse(&big),
        Err(ManifestError::TooLarge { .. })
    ));
    assert_eq!(code(&big), ErrorCode::InvalidManifest);
}

#[test]
fn unknown_duplicate_missing_and_mistyped_fields_are_refused() {
    assert!(syntax_error(&with("priority: 7", "priority: 7\nsurprise: 1")).contains("surprise"));
    assert!(
        syntax_error(&with("  search: true", "  search: true\n  teleport: true"))
            .contains("teleport")
    );
    assert!(
        syntax_error(&with("  concurrent: 3", "  concurrent: 3\n  proxy: x")).contains("proxy")
    );
    assert!(
        syntax_error(&with("  quota_kb: 256", "  quota_kb: 256\n  shared: true"))
            .contains("shared")
    );
    assert!(
        syntax_error(&with(
            "  search: { timeout_ms: 8000 }",
            "  search: { timeout_ms: 8000, cpu: 1 }"
        ))
        .contains("cpu")
    );
    assert!(syntax_error(&with("priority: 7", "priority: 7\npriority: 8")).contains("priority"));
    assert!(syntax_error(&with("name: Example\n", "")).contains("name"));
    assert!(syntax_error(&with("priority: 7", "priority: high")).contains("priority"));
    syntax_error("{ this is: [not closed");
    syntax_error("- a list\n- not a map\n");
    assert_eq!(code("schema: 1\nbogus: 2\n"), ErrorCode::InvalidManifest);
}

#[test]
fn alias_bombs_are_refused() {
    // A billion-laughs document inside a known field: each level repeats
    // the previous one ten times, 10^12 strings if expanded.
    let mut bomb = String::from("[&a0 [x, x, x, x, x, x, x, x, x, x]");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            ", &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]"
        ));
    }
    bomb.push(']');
    let text = with("authors: [Someone]", &format!("authors: {bomb}"));
    assert!(text.len() < 4096);
    syntax_error(&text);
    let text = with(
        "secrets: [api-key]",
        "secrets: &s [a, b]
surplus: *s",
    );
    syntax_error(&text);
}

#[test]
fn schema_rules() {
    assert_eq!(
        field_error(&with("schema: 1", "schema: 0"), "schema"),
        "must be 1"
    );
    let newer = with("schema: 1", "schema: 2");
    assert!(matches!(
        Manifest::parse(&newer),
        Err(ManifestError::SchemaTooNew {
            found: 2,
            supported: 1
        })
    ));
    assert_eq!(code(&newer), ErrorCode::UpgradeRequired);
}

#[test]
fn id_rules() {
    for bad in [
        "example",
        "bex.",
        "bex.Example",
        "bex.-x",
        "bex.x-",
        "bex.a_b",
        "bex.a.b",
        "org.example",
    ] {
        let msg = field_error(&with("id: bex.example", &format!("id: \"{bad}\"")), "id");
        assert!(msg.contains(bad), "{msg}");
    }
    let long = format!("id: bex.{}", "a".repeat(65));
    field_error(&with("id: bex.example", &long), "id");
    let ok = format!("id: bex.{}", "a".repeat(64));
    Manifest::parse(&with("id: bex.example", &ok)).unwrap();
    Manifest::parse(&with("id: bex.example", "id: bex.my-plugin2")).unwrap();
}

#[test]
fn name_and_authors_rules() {
    field_error(&with("name: Example", "name: \"  \""), "name");
    field_error(
        &with("name: Example", &format!("name: {}", "n".repeat(101))),
        "name",
    );
    field_error(&with("name: Example", "name: \"bell\\u0007\""), "name");
    field_error(&with("authors: [Someone]", "authors: [\"\"]"), "authors[0]");
    let many: Vec<String> = (0..17).map(|i| format!("a{i}")).collect();
    field_error(
        &with(
            "authors: [Someone]",
            &format!("authors: [{}]", many.join(", ")),
        ),
        "authors",
    );
}

#[test]
fn version_must_be_semver() {
    for bad in ["1.0", "v1.0.0", "1", "one"] {
        let msg = field_error(
            &with("version: 1.2.3", &format!("version: \"{bad}\"")),
            "version",
        );
        assert!(msg.contains("semantic version"), "{msg}");
    }
    Manifest::parse(&with("version: 1.2.3", "version: 1.2.3-beta.1")).unwrap();
}

#[test]
fn abi_range_must_parse_and_include_this_host() {
    field_error(
        &with("abi: \">=1.0.0, <2.0.0\"", "abi: \"one point oh\""),
        "abi",
    );
    for other in [">=2.0.0", "^0.9", "<1.0.0"] {
        let text = with("abi: \">=1.0.0, <2.0.0\"", &format!("abi: \"{other}\""));
        assert!(
            matches!(
                Manifest::parse(&text),
                Err(ManifestError::AbiMismatch { .. })
            ),
            "{other}"
        );
        assert_eq!(code(&text), ErrorCode::AbiMismatch);
    }
    for ok in ["^1.0", "=1.0.0", ">=1.0.0", "1"] {
        Manifest::parse(&with("abi: \">=1.0.0, <2.0.0\"", &format!("abi: \"{ok}\""))).unwrap();
    }
}

#[test]
fn provides_needs_at_least_one_capability() {
    let none = with("  search: true\n  info: true", "  search: false");
    field_error(&none, "provides");
    let all = with(
        "  search: true\n  info: true",
        "  home: true\n  category: true\n  search: true\n  info: true\n  servers: true\n  stream: true\n  subtitles: true\n  articles: true",
    );
    assert_eq!(Manifest::parse(&all).unwrap().provides.bits(), 0xff);
}

#[test]
fn host_patterns_are_validated_and_named_by_index() {
    for (bad, why) in [
        ("*", "bare"),
        ("*.org", "single-label"),
        ("localhost", "local machine"),
        ("127.0.0.1", "IP address"),
        ("[::1]", "IP address"),
        ("example.org:0", "port 0 is out of range"),
        ("example.org:65536", "port 65536 is out of range"),
        ("example.org:https", "must be a number from 1 to 65535"),
        ("https://example.org", "scheme"),
        ("EXAMPLE.org", "lower case"),
        ("a.*.example.org", "first label"),
    ] {
        let text = with(
            "hosts: [\"api.example.org\", \"*.cdn.example.org\"]",
            &format!("hosts: [\"api.example.org\", \"{bad}\"]"),
        );
        let msg = field_error(&text, "network.hosts[1]");
        assert!(msg.contains(why), "{bad}: {msg}");
    }
    let dup = with(
        "hosts: [\"api.example.org\", \"*.cdn.example.org\"]",
        "hosts: [\"api.example.org\", \"api.example.org\"]",
    );
    assert!(field_error(&dup, "network.hosts[1]").contains("twice"));
    let many: Vec<String> = (0..65).map(|i| format!("\"h{i}.example.org\"")).collect();
    field_error(
        &with(
            "hosts: [\"api.example.org\", \"*.cdn.example.org\"]",
            &format!("hosts: [{}]", many.join(",")),
        ),
        "network.hosts",
    );
    assert_eq!(
        HostPattern::parse("*.cdn.example.org").unwrap().to_string(),
        "*.cdn.example.org"
    );
}

#[test]
fn numeric_ranges_name_their_field() {
    for (find, replace, field) in [
        ("concurrent: 3", "concurrent: 0", "network.concurrent"),
        ("concurrent: 3", "concurrent: 257", "network.concurrent"),
        (
            "rate_per_minute: 30",
            "rate_per_minute: 0",
            "network.rate_per_minute",
        ),
        (
            "rate_per_minute: 30",
            "rate_per_minute: 600001",
            "network.rate_per_minute",
        ),
        ("quota_kb: 256", "quota_kb: 0", "storage.quota_kb"),
        ("quota_kb: 256", "quota_kb: 65537", "storage.quota_kb"),
        ("priority: 7", "priority: -1", "priority"),
        ("priority: 7", "priority: 1001", "priority"),
        ("fuel: 1000000000", "fuel: 5", "limits.default.fuel"),
        (
            "timeout_ms: 5000",
            "timeout_ms: 600001",
            "limits.default.timeout_ms",
        ),
        ("memory_mb: 32", "memory_mb: 0", "limits.default.memory_mb"),
        (
            "memory_mb: 32",
            "memory_mb: 5000",
            "limits.default.memory_mb",
        ),
        (
            "search: { timeout_ms: 8000 }",
            "search: { timeout_ms: 1 }",
            "limits.search.timeout_ms",
        ),
    ] {
        let msg = field_error(&with(find, replace), field);
        assert!(msg.contains("out of range"), "{field}: {msg}");
    }
}

#[test]
fn limits_only_for_provided_operations() {
    let text = with(
        "  search: { timeout_ms: 8000 }",
        "  resolve_stream: { timeout_ms: 8000 }",
    );
    let msg = field_error(&text, "limits.resolve_stream");
    assert!(msg.contains("provides.stream"), "{msg}");
}

#[test]
fn secrets_rules() {
    field_error(
        &with("secrets: [api-key]", "secrets: [\"api key\"]"),
        "secrets[0]",
    );
    field_error(&with("secrets: [api-key]", "secrets: [\"\"]"), "secrets[0]");
    assert!(
        field_error(&with("secrets: [api-key]", "secrets: [a, a]"), "secrets[1]").contains("twice")
    );
    let many: Vec<String> = (0..33).map(|i| format!("k{i}")).collect();
    field_error(
        &with(
            "secrets: [api-key]",
            &format!("secrets: [{}]", many.join(",")),
        ),
        "secrets",
    );
}

#[test]
fn display_rules() {
    field_error(
        &with(
            "homepage: https://example.org",
            "homepage: http://example.org",
        ),
        "display.homepage",
    );
    field_error(
        &with(
            "icon: https://example.org/icon.png",
            "icon: \"javascript:alert(1)\"",
        ),
        "display.icon",
    );
    field_error(
        &with(
            "description: An example.",
            &format!("description: {}", "d".repeat(2001)),
        ),
        "display.description",
    );
    field_error(
        &with("tags: [demo]", &format!("tags: [{}]", "t".repeat(33))),
        "display.tags[0]",
    );
    let many: Vec<String> = (0..17).map(|i| format!("t{i}")).collect();
    field_error(
        &with("tags: [demo]", &format!("tags: [{}]", many.join(","))),
        "display.tags",
    );
    // Bidi controls, zero-width characters and line breaks would let a
    // package disguise itself in a player's list.
    // YAML escapes, decoded by the parser.
    for bad in [
        r"\u202e",
        r"\u200b",
        r"\u2066",
        r"\ufeff",
        r"\n",
        r"\r",
        r"\t",
        r"\u2028",
        r"\u0085",
        r"\u061c",
        // Invisible without being bidi or zero-width: the soft hyphen, the
        // combining grapheme joiner, Hangul fillers, the Mongolian vowel
        // separator, deprecated format characters, variation selectors,
        // interlinear annotations, tags.
        r"\u00ad",
        r"\u034f",
        r"\u115f",
        r"\u1160",
        r"\u180e",
        r"\u206a",
        r"\u3164",
        r"\ufe0f",
        r"\uffa0",
        r"\ufff9",
        r"\U000E0001",
        r"\U000E0041",
    ] {
        field_error(
            &with("tags: [demo]", &format!("tags: [\"de{bad}mo\"]")),
            "display.tags[0]",
        );
        field_error(
            &with(
                "description: An example.",
                &format!("description: \"An{bad}example.\""),
            ),
            "display.description",
        );
        field_error(
            &with("name: Example", &format!("name: \"Exa{bad}mple\"")),
            "name",
        );
    }
}

#[test]
fn non_utf8_bytes_are_a_syntax_error() {
    assert!(matches!(
        Manifest::parse_bytes(b"schema: 1\nname: \xff\xfe\n"),
        Err(ManifestError::Syntax(_))
    ));
}

#[test]
fn manifest_serializes_to_stable_json() {
    let m = Manifest::parse(VALID).unwrap();
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["id"], "bex.example");
    assert_eq!(v["version"], "1.2.3");
    assert_eq!(v["provides"], serde_json::json!(["search", "info"]));
    assert_eq!(
        v["network"]["hosts"],
        serde_json::json!(["api.example.org", "*.cdn.example.org"])
    );
    assert_eq!(v["limits"]["operations"]["search"]["timeout_ms"], 8000);
}

/// The JSON form precompiled artifacts carry (for builds without YAML)
/// parses to the same manifest as the YAML, for every shipped plugin.
#[test]
fn the_json_form_of_a_manifest_means_the_same() {
    let mut texts = vec![VALID.to_string()];
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/plugins")).unwrap() {
        let path = entry.unwrap().path().join("manifest.yaml");
        if path.is_file() {
            texts.push(std::fs::read_to_string(path).unwrap());
        }
    }
    assert!(texts.len() >= 7, "the six plugins and VALID");
    for text in &texts {
        let json = Manifest::json_of(text).unwrap();
        assert!(json.starts_with('{'), "{json}");
        assert_eq!(
            Manifest::parse(&json).unwrap(),
            Manifest::parse(text).unwrap()
        );
        // JSON stays JSON.
        assert_eq!(Manifest::json_of(&json).unwrap(), json);
    }
    // An unquoted scalar that YAML reads as a number where text is meant
    // does not pass silently.
    let numeric_name = with("name: Example", "name: 2048");
    assert!(Manifest::parse(&numeric_name).is_ok());
    let err = Manifest::json_of(&numeric_name).unwrap_err().to_string();
    assert!(err.contains("quote"), "{err}");
    // Malformed JSON is a syntax error like malformed YAML.
    assert!(!syntax_error("{\"schema\": 1,").is_empty());
}

/// A package's icon and homepage are what a player fetches or opens: they
/// follow the rules of a result's urls (docs/sandbox.md), checked when a
/// package is packed and installed.
#[test]
fn display_urls_follow_the_rules_of_result_urls() {
    let wasm = common::wasm("bex_hostile");
    let manifest = |field: &str, url: &str| {
        common::Hostile::default().manifest().replace(
            "provides:",
            &format!("display: {{ {field}: \"{url}\" }}\nprovides:"),
        )
    };
    for field in ["icon", "homepage"] {
        for bad in [
            "https://127.0.0.1/icon.png",
            "https://10.0.0.1/",
            "https://[::1]/",
            "https://localhost/icon.png",
            "https://printer.local/",
            "https://intranet/",
            "https://user:secret@example.org/",
            "https://0x7f.1/",
        ] {
            let Err(err) = bex_engine::pack(&manifest(field, bad), wasm.clone()) else {
                panic!("{field} {bad} was accepted");
            };
            assert_eq!(err.code(), ErrorCode::InvalidManifest, "{bad}: {err}");
            assert!(
                err.to_string().contains(&format!("display.{field}")),
                "{bad}: {err}"
            );
        }
        let good = manifest(field, "https://example.org/icon.png");
        assert!(bex_engine::pack(&good, wasm.clone()).is_ok());
    }
}
