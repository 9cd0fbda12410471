//! Between the contract and the API: a subtitle query to search
//! parameters, API subtitles to entries, language tags both ways, and the
//! plugin's ids.

use bex_pdk::{Error, PluginError, SubtitleEntry, SubtitleQuery, ids, records};

use crate::{api, file};

/// The kind of the plugin's subtitle ids: `file:<file_id>[:<language>]`.
pub const FILE: &str = "file";

/// The API parameters for `query`, unsorted (`api::search_url` sorts).
///
/// An IMDb id (`tt0063350`, sent as `63350`) or a TMDB id names the title;
/// with a season or an episode it names the show (`parent_imdb_id`,
/// `parent_tmdb_id`), as ids of shows are what players know. Without an
/// id the title is searched as text, narrowed by `year`.
pub fn search_params(query: &SubtitleQuery) -> Result<Vec<(&'static str, String)>, PluginError> {
    let episodic = query.season.is_some() || query.episode.is_some();
    let external = |name: &str| {
        query
            .external_ids
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let mut params = Vec::new();
    if let Some(imdb) = external("imdb") {
        let key = if episodic {
            "parent_imdb_id"
        } else {
            "imdb_id"
        };
        params.push((key, number(imdb, "imdb", true)?.to_string()));
    } else if let Some(tmdb) = external("tmdb") {
        let key = if episodic {
            "parent_tmdb_id"
        } else {
            "tmdb_id"
        };
        params.push((key, number(tmdb, "tmdb", false)?.to_string()));
    } else {
        let title = query.title.as_deref().map(str::trim).unwrap_or_default();
        if title.is_empty() {
            return Err(Error::invalid_input(
                "a subtitle query needs a title or an \"imdb\" or \"tmdb\" external id",
            ));
        }
        params.push(("query", title.to_string()));
        if let Some(year) = query.year {
            params.push(("year", year.to_string()));
        }
    }
    if let Some(season) = query.season {
        params.push(("season_number", season.to_string()));
    }
    if let Some(episode) = query.episode {
        params.push(("episode_number", episode.to_string()));
    }
    let mut languages = Vec::new();
    for tag in &query.languages {
        languages.extend(api_languages(tag)?);
    }
    if !languages.is_empty() {
        // The API wants the list sorted (and redirects otherwise).
        languages.sort();
        languages.dedup();
        params.push(("languages", languages.join(",")));
    }
    Ok(params)
}

/// A positive id number: `tt0063350` is 63350 (the API wants no `tt`
/// and no leading zeros).
fn number(value: &str, name: &str, imdb: bool) -> Result<u64, PluginError> {
    let value = value.trim();
    let digits = match value.get(..2) {
        Some(p) if imdb && p.eq_ignore_ascii_case("tt") => &value[2..],
        _ => value,
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| Error::invalid_input(format!("{value:?} is not a valid {name} id")))
}

/// The API's codes for a BCP 47 tag: the primary language in lower case,
/// except that Portuguese and Chinese come in two variants each.
fn api_languages(tag: &str) -> Result<Vec<String>, PluginError> {
    let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
    let (primary, rest) = tag.split_once('-').unwrap_or((&tag, ""));
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(Error::invalid_input(format!(
            "{tag:?} is not a language tag"
        )));
    }
    let codes: &[&str] = match (primary, rest) {
        ("pt", "") => &["pt-br", "pt-pt"],
        ("pt", "br") => &["pt-br"],
        ("pt", _) => &["pt-pt"],
        ("zh", "") => &["zh-cn", "zh-tw"],
        ("zh", r) if r.starts_with("hant") || ["tw", "hk", "mo"].contains(&r) => &["zh-tw"],
        ("zh", _) => &["zh-cn"],
        (p, _) => return Ok(vec![p.to_string()]),
    };
    Ok(codes.iter().map(|c| c.to_string()).collect())
}

/// The BCP 47 tag of an API code: `pt-br` is `pt-BR`.
pub fn language_tag(code: &str) -> String {
    match code.split_once('-') {
        Some((lang, region)) => format!(
            "{}-{}",
            lang.to_ascii_lowercase(),
            region.to_ascii_uppercase()
        ),
        None => code.to_ascii_lowercase(),
    }
}

/// Sorts `entries` by the query's languages, best first, keeping the
/// API's order (most downloaded first) within a language.
pub fn by_preference(entries: &mut [SubtitleEntry], wanted: &[String]) {
    let ranks: Vec<Vec<String>> = wanted
        .iter()
        .map(|t| api_languages(t).unwrap_or_default())
        .collect();
    entries.sort_by_key(|e| {
        let code = e.language.to_ascii_lowercase();
        ranks
            .iter()
            .position(|r| r.contains(&code))
            .unwrap_or(ranks.len())
    });
}

/// One entry per file of `subtitle` (most have one; old rips have a file
/// per CD).
pub fn entries(subtitle: &api::Subtitle) -> Vec<SubtitleEntry> {
    let a = &subtitle.attributes;
    let language = a
        .language
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(language_tag);
    let feature = feature_name(a);
    let release = a
        .release
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let files = a.files.len();
    a.files
        .iter()
        .map(|f| {
            let mut title = match release {
                Some(r) => format!("{feature} - {r}"),
                None => feature.clone(),
            };
            if files > 1 {
                title.push_str(&format!(" (CD {}/{files})", f.cd_number.unwrap_or(1)));
            }
            let id = match &language {
                Some(l) => ids::make(FILE, format!("{}:{l}", f.file_id)),
                None => ids::make(FILE, f.file_id),
            };
            let lang = language.clone().unwrap_or_else(|| "und".into());
            let format = file::format_of(f.file_name.as_deref().unwrap_or_default(), "");
            let mut e = records::subtitle_entry(id, title, lang, format);
            e.forced = a.foreign_parts_only.unwrap_or(false);
            e.hearing_impaired = a.hearing_impaired.unwrap_or(false);
            e.release = release.map(str::to_string);
            e.downloads = a
                .download_count
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            // An unrated subtitle says 0.0; that is no rating, not a bad one.
            e.rating = a.ratings.filter(|_| a.votes.unwrap_or(0) > 0);
            e.extra = extra(a);
            e
        })
        .collect()
}

/// `Game of Thrones S01E01 Winter Is Coming`, `Night of the Living Dead (1968)`.
fn feature_name(a: &api::Attributes) -> String {
    let Some(f) = &a.feature_details else {
        return "Subtitle".into();
    };
    let title = f.title.as_deref().filter(|t| !t.is_empty());
    if let (Some(show), Some(s), Some(e)) = (&f.parent_title, f.season_number, f.episode_number) {
        return match title {
            Some(t) => format!("{show} S{s:02}E{e:02} {t}"),
            None => format!("{show} S{s:02}E{e:02}"),
        };
    }
    match (title, f.year) {
        (Some(t), Some(y)) if y > 0 => format!("{t} ({y})"),
        (Some(t), _) => t.to_string(),
        _ => f.movie_name.clone().unwrap_or_else(|| "Subtitle".into()),
    }
}

/// What the contract has no field for.
fn extra(a: &api::Attributes) -> Vec<(String, String)> {
    let mut extra = Vec::new();
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            extra.push((k.to_string(), v));
        }
    };
    add("fps", a.fps.filter(|f| *f > 0.0).map(|f| f.to_string()));
    add("hd", a.hd.map(|b| b.to_string()));
    add("from_trusted", a.from_trusted.map(|b| b.to_string()));
    add(
        "ai_translated",
        a.ai_translated.filter(|b| *b).map(|b| b.to_string()),
    );
    add(
        "machine_translated",
        a.machine_translated.filter(|b| *b).map(|b| b.to_string()),
    );
    add("upload_date", a.upload_date.clone());
    add("uploader", a.uploader.as_ref().and_then(|u| u.name.clone()));
    add("url", a.url.clone());
    extra
}

/// The file id and, if the id carries it, the language of a `file:` id.
pub fn parse_id(id: &str) -> Result<(u64, Option<String>), PluginError> {
    let value = ids::value(id, FILE)?;
    let (number, language) = match value.split_once(':') {
        Some((n, l)) if !l.is_empty() => (n, Some(l.to_string())),
        Some(_) => return Err(Error::invalid_input(format!("{id:?}: empty language"))),
        None => (value, None),
    };
    let file_id = number
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::invalid_input(format!("{id:?}: the file id is not a number")))?;
    Ok((file_id, language))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(title: Option<&str>, ids: &[(&str, &str)]) -> SubtitleQuery {
        SubtitleQuery {
            title: title.map(str::to_string),
            media_id: None,
            external_ids: ids
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            season: None,
            episode: None,
            year: Some(1968),
            languages: vec!["fr".into(), "en-US".into(), "pt".into()],
        }
    }

    #[test]
    fn queries_become_api_parameters() {
        let p = search_params(&query(Some("Night"), &[("IMDB", "tt0063350")])).unwrap();
        assert_eq!(p[0], ("imdb_id", "63350".to_string()));
        assert_eq!(
            p.last().unwrap(),
            &("languages", "en,fr,pt-br,pt-pt".to_string())
        );
        let mut q = query(Some(" Night "), &[]);
        q.season = Some(1);
        let p = search_params(&q).unwrap();
        assert_eq!(
            &p[..3],
            &[
                ("query", "Night".into()),
                ("year", "1968".into()),
                ("season_number", "1".into())
            ]
        );
        q.external_ids = vec![("tmdb".into(), "1399".into())];
        assert_eq!(
            search_params(&q).unwrap()[0],
            ("parent_tmdb_id", "1399".to_string())
        );
        for bad in [
            query(None, &[]),
            query(Some(" "), &[]),
            query(None, &[("imdb", "tt")]),
        ] {
            assert!(matches!(
                search_params(&bad),
                Err(PluginError::InvalidInput(_))
            ));
        }
        let mut q = query(Some("x"), &[]);
        q.languages = vec!["1x".into()];
        assert!(matches!(
            search_params(&q),
            Err(PluginError::InvalidInput(_))
        ));
    }

    #[test]
    fn languages_map_both_ways() {
        assert_eq!(api_languages("zh-Hant-TW").unwrap(), ["zh-tw"]);
        assert_eq!(api_languages("pt_BR").unwrap(), ["pt-br"]);
        assert_eq!(language_tag("pt-br"), "pt-BR");
        assert_eq!(language_tag("en"), "en");
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(
            parse_id("file:42:pt-BR").unwrap(),
            (42, Some("pt-BR".into()))
        );
        assert_eq!(parse_id("file:42").unwrap(), (42, None));
        for bad in ["file:x", "file:0", "file:42:", "show:42", "file:"] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }
}
