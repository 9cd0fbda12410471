//! Plain text from the HTML snippets JSON APIs put in their fields
//! (summaries, descriptions, search excerpts), and years from free-form
//! dates. Light on purpose: for whole pages, use the `html` feature.

/// Plain text from an HTML snippet: comments and tags dropped, `<br>`,
/// `<p>`, `<div>`, `<li>`, `<tr>` and headings as line breaks, entities
/// decoded (`&amp;`, `&eacute;`-style common names, `&#39;`, `&#x2013;`),
/// spaces collapsed, at most one empty line between paragraphs.
///
/// ```text
/// plain("<p>A <b>zombie</b> classic.</p><p>By Romero &amp; co.</p>") == "A zombie classic.\n\nBy Romero & co."
/// ```
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag = &rest[open..];
        let end = if tag.starts_with("<!--") {
            tag.find("-->").map(|e| e + 3)
        } else {
            tag.find('>').map(|e| e + 1)
        };
        let Some(end) = end else {
            // A lone `<` is text ("a < b").
            out.push('<');
            rest = &tag[1..];
            continue;
        };
        let name = tag[1..end - 1]
            .trim_start_matches('/')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
        ) {
            out.push('\n');
        }
        rest = &tag[end..];
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    let mut text = String::with_capacity(decoded.len());
    let mut blank = false;
    for line in decoded.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            blank = !text.is_empty();
            continue;
        }
        if !text.is_empty() {
            text.push_str(if blank { "\n\n" } else { "\n" });
        }
        text.push_str(&words.join(" "));
        blank = false;
    }
    text
}

/// [`plain`] on one line: every run of white space, line breaks included,
/// as one space (search excerpts, card descriptions).
pub fn one_line(html: &str) -> String {
    plain(html).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s` with character references decoded; an unknown one stays as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let entity = after
            .find(';')
            .filter(|&e| e <= 10)
            .and_then(|e| entity_char(&after[..e]).map(|c| (c, e)));
        match entity {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity_char(name: &str) -> Option<char> {
    let numeric = |digits: &str, radix| {
        u32::from_str_radix(digits, radix)
            .ok()
            .filter(|&c| c != 0)
            .and_then(char::from_u32)
    };
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "ldquo" => '\u{201c}',
        "rdquo" => '\u{201d}',
        "copy" => '\u{a9}',
        "eacute" => '\u{e9}',
        "egrave" => '\u{e8}',
        "aacute" => '\u{e1}',
        "iacute" => '\u{ed}',
        "oacute" => '\u{f3}',
        "uacute" => '\u{fa}',
        "ntilde" => '\u{f1}',
        "uuml" => '\u{fc}',
        "ouml" => '\u{f6}',
        "auml" => '\u{e4}',
        "szlig" => '\u{df}',
        "ccedil" => '\u{e7}',
        _ => {
            let number = name.strip_prefix('#')?;
            return match number.strip_prefix(['x', 'X']) {
                Some(hex) => numeric(hex, 16),
                None => numeric(number, 10),
            };
        }
    })
}

/// A year from `1968`, `1968-10-01` or `c. 1940`: the first four digits in
/// a row, if they look like a year of film or television (1850-2200).
pub fn year(s: &str) -> Option<u32> {
    s.split(|c: char| !c.is_ascii_digit())
        .find(|part| part.len() == 4)?
        .parse()
        .ok()
        .filter(|y| (1850..=2200).contains(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_paragraphs() {
        let html = "<p>A <b>zombie</b>  classic.</p><p>Directed by George A. Romero.<br />\
                    Public domain &amp; free.</p>";
        assert_eq!(
            plain(html),
            "A zombie classic.\n\nDirected by George A. Romero.\nPublic domain & free."
        );
        assert_eq!(plain("one\n\n\n\ntwo"), "one\n\ntwo");
        assert_eq!(plain("a < b"), "a < b");
        assert_eq!(plain("a <!-- c > d --> b"), "a b");
    }

    #[test]
    fn entities_and_one_line() {
        let excerpt = "<span class=\"searchmatch\">Moon</span> &amp; <b>stars</b>&#039;s &#x2013; a&nbsp;b &bogus; &#0; caf&eacute;";
        assert_eq!(
            one_line(excerpt),
            "Moon & stars's \u{2013} a b &bogus; &#0; café"
        );
        assert_eq!(one_line("  two\n  lines "), "two lines");
    }

    #[test]
    fn years_from_dates() {
        assert_eq!(year("1968-10-01"), Some(1968));
        assert_eq!(year("c. 1940"), Some(1940));
        assert_eq!(year("12345"), None);
        assert_eq!(year("0999"), None);
        assert_eq!(year(""), None);
    }
}
