//! Record and replay of HTTP exchanges (docs/recording.md).
//!
//! A recording is one JSON file per exchange, keyed by method, URL and the
//! SHA-256 of the request body; the response body sits beside it or inline.
//! Replay never touches the network: a request without a recording fails
//! with a message naming it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::transport::{Hop, HopError, HopResponse, Live, Transport};
use super::url::Url;
use crate::digest::{hex, sha256};

/// Format version of recording files.
pub const RECORDING_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordingFile {
    bex_recording: u32,
    /// When the exchange was recorded (ms since the Unix epoch). In replay
    /// the plugin clock reads the newest of these, so urls built from
    /// today's date replay the same way every day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recorded_at_ms: Option<u64>,
    request: RecordedRequest,
    response: RecordedResponse,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedRequest {
    method: String,
    url: String,
    #[serde(default)]
    body_sha256: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedResponse {
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
    /// Response body in a file beside this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_file: Option<String>,
    /// Or inline (handy for hand-written fixtures): a string is the body
    /// as UTF-8 text; any other JSON value is the body as that JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<serde_json::Value>,
}

/// What identifies an exchange.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    method: String,
    url: String,
    body_sha256: Option<String>,
}

impl Key {
    fn of(hop: &Hop) -> Key {
        Key {
            method: hop.method.as_str().to_string(),
            url: hop.url.as_string(),
            body_sha256: hop.body.as_deref().map(|b| hex(&sha256(b))),
        }
    }

    fn describe(&self) -> String {
        match &self.body_sha256 {
            Some(h) => format!("{} {} (body sha256 {h})", self.method, self.url),
            None => format!("{} {}", self.method, self.url),
        }
    }
}

/// Serves exchanges from a directory of recordings.
pub(crate) struct Replay {
    dir: PathBuf,
    entries: HashMap<Key, HopResponse>,
    /// The newest `recorded_at_ms` of the recordings, if any has one.
    recorded_at_ms: Option<u64>,
}

impl Replay {
    /// Loads every `*.json` recording in `dir`.
    pub fn load(dir: &Path) -> Result<Replay, String> {
        let read_dir = std::fs::read_dir(dir)
            .map_err(|e| format!("replay directory {}: {e}", dir.display()))?;
        let mut entries = HashMap::new();
        let mut recorded_at_ms = None;
        let mut paths: Vec<PathBuf> = read_dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let (key, response, at) =
                load_one(dir, &path).map_err(|e| format!("recording {}: {e}", path.display()))?;
            entries.insert(key, response);
            recorded_at_ms = recorded_at_ms.max(at);
        }
        Ok(Replay {
            dir: dir.to_path_buf(),
            entries,
            recorded_at_ms,
        })
    }

    /// No recordings: every request fails (a plugin without a replay
    /// directory while others have theirs).
    pub fn empty() -> Replay {
        Replay {
            dir: PathBuf::from("(no replay directory for this plugin)"),
            entries: HashMap::new(),
            recorded_at_ms: None,
        }
    }

    /// The time the plugin clock reads in replay: the newest
    /// `recorded_at_ms` of the recordings (`None`: the real time).
    pub fn clock_ms(&self) -> Option<u64> {
        self.recorded_at_ms
    }
}

/// One recording file, checked (its `body_file` is not read).
pub(crate) fn parse(text: &[u8]) -> Result<(RecordingFile, Url), String> {
    let file: RecordingFile = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    if file.bex_recording != RECORDING_VERSION {
        return Err(format!(
            "bex_recording {} is not the supported version {RECORDING_VERSION}",
            file.bex_recording
        ));
    }
    let url = Url::parse(&file.request.url)?;
    if let Some(name) = &file.response.body_file
        && (name.contains('/') || name.contains('\\') || name.starts_with('.'))
    {
        return Err(format!("body_file \"{name}\" must be a plain file name"));
    }
    Ok((file, url))
}

fn load_one(dir: &Path, path: &Path) -> Result<(Key, HopResponse, Option<u64>), String> {
    let text = std::fs::read(path).map_err(|e| e.to_string())?;
    let (file, url) = parse(&text)?;
    let body = match (file.response.body_file, file.response.body) {
        (Some(name), None) => {
            std::fs::read(dir.join(&name)).map_err(|e| format!("body_file {name}: {e}"))?
        }
        (None, Some(serde_json::Value::String(text))) => text.into_bytes(),
        (None, Some(json)) => serde_json::to_vec(&json).expect("a JSON value serializes"),
        (None, None) => Vec::new(),
        (Some(_), Some(_)) => return Err("give either body or body_file, not both".into()),
    };
    Ok((
        Key {
            method: file.request.method.to_ascii_uppercase(),
            url: url.as_string(),
            body_sha256: file.request.body_sha256,
        },
        HopResponse {
            status: file.response.status,
            headers: file.response.headers,
            body,
        },
        file.recorded_at_ms,
    ))
}

impl Transport for Replay {
    fn exchange(&self, hop: &Hop) -> Result<HopResponse, HopError> {
        let key = Key::of(hop);
        let response = self.entries.get(&key).ok_or_else(|| {
            HopError::Network(format!(
                "replay: no recording for {} in {}",
                key.describe(),
                self.dir.display()
            ))
        })?;
        if response.body.len() as u64 > hop.max_bytes {
            return Err(HopError::TooLarge(format!(
                "{}: the body exceeds {} bytes",
                key.url, hop.max_bytes
            )));
        }
        Ok(response.clone())
    }
}

/// Forwards to the network and saves every exchange.
pub(crate) struct Recorder {
    inner: Live,
    dir: PathBuf,
}

impl Recorder {
    /// Creates the record directory; done once, when the engine opens.
    pub fn prepare(dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("record directory {}: {e}", dir.display()))
    }

    /// Records `inner`'s exchanges into `dir` (see [`Recorder::prepare`]).
    pub fn new(inner: Live, dir: &Path) -> Recorder {
        Recorder {
            inner,
            dir: dir.to_path_buf(),
        }
    }

    fn save(&self, key: &Key, response: &HopResponse, host: &str) -> std::io::Result<()> {
        let id = hex(&sha256(
            format!("{}\n{}\n{:?}", key.method, key.url, key.body_sha256).as_bytes(),
        ));
        let stem = format!("{host}-{}", &id[..16]);
        let body_file = format!("{stem}.body");
        std::fs::write(self.dir.join(&body_file), &response.body)?;
        let file = RecordingFile {
            bex_recording: RECORDING_VERSION,
            recorded_at_ms: Some(crate::host::wall_clock_ms()),
            request: RecordedRequest {
                method: key.method.clone(),
                url: key.url.clone(),
                body_sha256: key.body_sha256.clone(),
            },
            response: RecordedResponse {
                status: response.status,
                headers: response.headers.clone(),
                body_file: Some(body_file),
                body: None,
            },
        };
        let json = serde_json::to_vec_pretty(&file).expect("recordings serialize");
        std::fs::write(self.dir.join(format!("{stem}.json")), json)
    }
}

impl Transport for Recorder {
    fn exchange(&self, hop: &Hop) -> Result<HopResponse, HopError> {
        let response = self.inner.exchange(hop)?;
        self.save(&Key::of(hop), &response, &hop.url.host)
            .map_err(|e| HopError::Network(format!("recording to {}: {e}", self.dir.display())))?;
        Ok(response)
    }
}
