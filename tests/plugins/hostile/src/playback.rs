//! The servers, streams and subtitles exports: results shaped by knobs in
//! the server's `extra` pairs, for the result-check tests (tests/results.rs).

use super::*;

impl exports::bex::plugin::servers::Guest for Hostile {
    fn get_servers(_ctx: RequestContext, id: String) -> Result<Vec<Server>, PluginError> {
        Ok(vec![Server {
            id: format!("{id}$srv=1"),
            name: "Test server".into(),
            url: Some(
                id.strip_prefix("url=")
                    .unwrap_or("https://media.example.org/embed/1")
                    .into(),
            ),
            language: Some("en".into()),
            dub_status: DubStatus::SUBBED | DubStatus::DUBBED,
            quality: Some(1080),
            extra: vec![("k".into(), "v".into())],
        }])
    }
}

/// The `extra` value named `key`.
fn knob(extra: &[Pair], key: &str) -> Option<String> {
    extra.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// The `extra` pairs whose names start with `prefix`, named by the rest.
fn knob_pairs(extra: &[Pair], prefix: &str) -> Vec<Pair> {
    extra
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .map(|name| (name.to_string(), v.clone()))
        })
        .collect()
}

fn stream(server: &Server, extra: &[Pair]) -> StreamSource {
    let base = server.url.as_deref().unwrap_or("https://media.example.org");
    let default_url = format!("{base}/master.m3u8");
    let mut headers = vec![("Referer".into(), "https://media.example.org/".into())];
    headers.extend(knob_pairs(extra, "header:"));
    StreamSource {
        url: knob(extra, "url").unwrap_or(default_url),
        container: Container::Hls,
        mime_type: Some("application/vnd.apple.mpegurl".into()),
        quality: server.quality,
        label: Some(server.name.clone()),
        headers,
        audio_tracks: knob(extra, "audio")
            .map(|url| AudioTrack {
                id: Some("a1".into()),
                url: Some(url),
                language: Some("de".into()),
                label: None,
                is_default: false,
            })
            .into_iter()
            .collect(),
        subtitles: vec![SubtitleTrack {
            url: knob(extra, "subtitle")
                .unwrap_or_else(|| "https://media.example.org/en.vtt".into()),
            format: SubtitleFormat::Vtt,
            language: Some("en".into()),
            label: None,
            headers: knob_pairs(extra, "subtitle-header:"),
            forced: false,
            hearing_impaired: true,
            is_default: true,
        }],
        expires_at: Some(1_900_000_000_000),
        drm: Some(Drm {
            scheme: DrmScheme::Widevine,
            license_url: knob(extra, "license")
                .unwrap_or_else(|| "https://license.example.org/".into()),
            headers: knob_pairs(extra, "license-header:"),
            certificate_url: knob(extra, "certificate"),
        }),
        extra: server.extra.clone(),
    }
}

impl exports::bex::plugin::streams::Guest for Hostile {
    fn resolve_stream(
        _ctx: RequestContext,
        server: Server,
    ) -> Result<Vec<StreamSource>, PluginError> {
        let mut streams = vec![stream(&server, &server.extra)];
        if knob(&server.extra, "after-good").is_some() {
            streams.insert(0, stream(&server, &[]));
        }
        Ok(streams)
    }
}

impl exports::bex::plugin::subtitles::Guest for Hostile {
    fn search_subtitles(
        _ctx: RequestContext,
        query: SubtitleQuery,
    ) -> Result<Vec<SubtitleEntry>, PluginError> {
        Ok(query
            .languages
            .iter()
            .map(|l| SubtitleEntry {
                id: format!("{}:{l}", query.title.clone().unwrap_or_default()),
                title: query.title.clone().unwrap_or_default(),
                language: l.clone(),
                format: SubtitleFormat::Srt,
                forced: false,
                hearing_impaired: false,
                release: None,
                downloads: query.season,
                rating: None,
                extra: query.external_ids.clone(),
            })
            .collect())
    }

    fn download_subtitle(_ctx: RequestContext, id: String) -> Result<SubtitleFile, PluginError> {
        Ok(SubtitleFile {
            file_name: id
                .strip_prefix("name=")
                .map_or_else(|| format!("{id}.srt"), str::to_string),
            format: SubtitleFormat::Srt,
            language: None,
            content: "1\n00:00:01,000 --> 00:00:02,000\nHello\n".into(),
        })
    }
}
