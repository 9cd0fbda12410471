//! Reading the Archive's free-text fields: runtimes, subtitle file names;
//! and escaping a user's words for Solr (HTML and years: `bex_pdk::text`).

/// Seconds from `5732.12`, `95:42` or `1:35:42`.
pub fn seconds(s: &str) -> Option<f64> {
    let s = s.trim();
    if !s.contains(':') {
        return s.parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0);
    }
    let parts: Vec<f64> = s
        .split(':')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [m, sec] => Some(m * 60.0 + sec),
        [h, m, sec] => Some(h * 3600.0 + m * 60.0 + sec),
        _ => None,
    }
}

/// Whole minutes (rounded, at least 1) from seconds.
pub fn minutes(seconds: f64) -> Option<u32> {
    (seconds > 0.0).then(|| ((seconds / 60.0).round() as u32).max(1))
}

/// Minutes from a `runtime` field: `1:35:42`, `95:42`, `96 min`,
/// `92 minutes`, `1 hr 32 min`.
pub fn runtime_minutes(s: &str) -> Option<u32> {
    let lower = s.trim().to_ascii_lowercase();
    if lower.contains(':') {
        return minutes(seconds(&lower)?);
    }
    let mut total = 0.0;
    let mut number: Option<f64> = None;
    for word in lower.split(|c: char| !c.is_ascii_alphanumeric() && c != '.') {
        if word.is_empty() {
            continue;
        }
        if let Ok(n) = word.parse::<f64>() {
            number = Some(n);
        } else if let Some(n) = number.take() {
            match word {
                w if w.starts_with('h') => total += n * 3600.0,
                w if w.starts_with("min") || w == "m" => total += n * 60.0,
                w if w.starts_with("s") => total += n,
                _ => {}
            }
        }
    }
    // A bare number is minutes.
    if let Some(n) = number {
        total += n * 60.0;
    }
    minutes(total)
}

/// Languages a subtitle file name may end with: BCP 47 tag, English name,
/// and the other spellings seen in Archive items (ISO 639-2 codes, native
/// names).
const LANGUAGES: &[(&str, &str, &[&str])] = &[
    ("en", "English", &["english", "eng"]),
    ("es", "Spanish", &["spanish", "spa", "espanol"]),
    ("fr", "French", &["french", "fre", "fra", "francais"]),
    ("de", "German", &["german", "ger", "deu", "deutsch"]),
    ("it", "Italian", &["italian", "ita", "italiano"]),
    ("pt", "Portuguese", &["portuguese", "por", "portugues"]),
    ("nl", "Dutch", &["dutch", "dut", "nld"]),
    ("ru", "Russian", &["russian", "rus"]),
    ("pl", "Polish", &["polish", "pol"]),
    ("sv", "Swedish", &["swedish", "swe"]),
    ("da", "Danish", &["danish", "dan"]),
    ("fi", "Finnish", &["finnish", "fin"]),
    ("el", "Greek", &["greek", "gre", "ell"]),
    ("tr", "Turkish", &["turkish", "tur"]),
    ("ar", "Arabic", &["arabic", "ara"]),
    ("he", "Hebrew", &["hebrew", "heb"]),
    ("ja", "Japanese", &["japanese", "jpn"]),
    ("zh", "Chinese", &["chinese", "chi", "zho"]),
    ("ko", "Korean", &["korean", "kor"]),
];

/// The language a subtitle file name ends with (`film.en.srt`,
/// `Film (1940) English.srt`, `film_spa.vtt`), as (BCP 47 tag, English
/// name).
pub fn subtitle_language(file_name: &str) -> Option<(&'static str, &'static str)> {
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let last = stem
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| !w.is_empty())?
        .to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(tag, _, names)| *tag == last || names.contains(&last.as_str()))
        .map(|(tag, name, _)| (*tag, *name))
}

/// `words` as literal search terms for Solr: its operator characters are
/// escaped and the operator words `AND`, `OR`, `NOT` lower-cased, so a
/// query can neither fail to parse nor widen past the plugin's filters.
pub fn solr_terms(words: &str) -> String {
    let escaped: String = words
        .chars()
        .fold(String::with_capacity(words.len()), |mut out, c| {
            if "+-&|!(){}[]^\"~*?:\\/".contains(c) {
                out.push('\\');
            }
            out.push(c);
            out
        });
    escaped
        .split_whitespace()
        .map(|w| match w {
            "AND" | "OR" | "NOT" => w.to_ascii_lowercase(),
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_and_lengths() {
        assert_eq!(seconds("5732.12"), Some(5732.12));
        assert_eq!(seconds("01:35:32"), Some(5732.0));
        assert_eq!(seconds("x"), None);
        assert_eq!(runtime_minutes("1:35:42"), Some(96));
        assert_eq!(runtime_minutes("0:31"), Some(1));
        assert_eq!(runtime_minutes("92 minutes"), Some(92));
        assert_eq!(runtime_minutes("96 min"), Some(96));
        assert_eq!(runtime_minutes("1 hr 32 min"), Some(92));
        assert_eq!(runtime_minutes("92"), Some(92));
        assert_eq!(runtime_minutes("unknown"), None);
    }

    #[test]
    fn subtitle_languages_from_file_names() {
        assert_eq!(subtitle_language("film.en.srt"), Some(("en", "English")));
        assert_eq!(
            subtitle_language("Night of the Living Dead (1968) English.srt"),
            Some(("en", "English"))
        );
        assert_eq!(
            subtitle_language("subs/film_spa.vtt"),
            Some(("es", "Spanish"))
        );
        assert_eq!(subtitle_language("film.asr.srt"), None);
        assert_eq!(subtitle_language("night_of_the_living_dead.srt"), None);
    }

    #[test]
    fn solr_terms_are_literal() {
        assert_eq!(
            solr_terms(" night of the  living dead "),
            "night of the living dead"
        );
        assert_eq!(solr_terms("a:b (c) OR d*"), "a\\:b \\(c\\) or d\\*");
        assert_eq!(solr_terms("NOT"), "not");
    }
}
