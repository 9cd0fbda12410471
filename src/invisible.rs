//! Characters a reader cannot see: what display strings refuse and logs
//! escape, so that two names cannot look alike and a line cannot hide or
//! reorder text.
//!
//! Unicode's format characters (general category `Cf`, from the
//! unicode-rs tables: bidi controls, zero-width characters, the soft
//! hyphen, tags, the interlinear annotation marks...), plus the
//! characters that render as nothing without being `Cf`: the Hangul
//! fillers, the combining grapheme joiner and the variation selectors.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` is invisible (see the module docs). Control characters
/// (`Cc`) and the line and paragraph separators are left to the callers,
/// which refuse or escape them with their own names.
pub(crate) fn is_invisible(c: char) -> bool {
    // Below the soft hyphen (U+00AD) nothing is invisible: every log
    // line is mostly ASCII, so it skips the table.
    if c < '\u{ad}' {
        return false;
    }
    c.general_category() == GeneralCategory::Format
        || matches!(
            c,
            // Hangul fillers.
            '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
            // Combining grapheme joiner.
            | '\u{034f}'
            // Variation selectors, Mongolian free variation selectors,
            // and the whole tag/selector block (unassigned ones included).
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{180b}'..='\u{180f}'
            | '\u{e0000}'..='\u{e0fff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_the_review_named_is_invisible() {
        let named = [
            '\u{00ad}',
            '\u{034f}',
            '\u{061c}',
            '\u{115f}',
            '\u{1160}',
            '\u{180e}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{202e}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{2069}',
            '\u{206a}',
            '\u{206f}',
            '\u{3164}',
            '\u{fe00}',
            '\u{fe0f}',
            '\u{feff}',
            '\u{ffa0}',
            '\u{fff9}',
            '\u{fffb}',
            '\u{e0000}',
            '\u{e0001}',
            '\u{e007f}',
        ];
        for c in named {
            assert!(is_invisible(c), "U+{:04X}", c as u32);
        }
        for c in ['a', 'é', 'Ж', '漢', '한', ' ', '€', '🎬', '\u{0301}'] {
            assert!(!is_invisible(c), "U+{:04X}", c as u32);
        }
        // The fast path below U+00AD agrees with the table.
        for c in '\0'..'\u{ad}' {
            assert_ne!(c.general_category(), GeneralCategory::Format);
        }
    }
}
