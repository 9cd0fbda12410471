//! Page cursors. The contract's cursors are opaque strings the plugin
//! hands out (`next-page`) and gets back; these helpers use page numbers.

use crate::types::PluginError;

/// The page number a cursor names; `first` when there is none.
pub fn number(page: Option<&str>, first: u32) -> Result<u32, PluginError> {
    match page {
        None => Ok(first),
        Some(p) => p
            .parse()
            .map_err(|_| PluginError::InvalidInput(format!("bad page cursor {p:?}"))),
    }
}

/// The cursor of the page after `current`, if there is one.
pub fn next(current: u32, has_more: bool) -> Option<String> {
    has_more.then(|| (current + 1).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_page_numbers() {
        assert_eq!(number(None, 1).unwrap(), 1);
        assert_eq!(number(Some("7"), 1).unwrap(), 7);
        assert!(matches!(
            number(Some("x"), 1),
            Err(PluginError::InvalidInput(_))
        ));
        assert_eq!(next(1, true).as_deref(), Some("2"));
        assert_eq!(next(1, false), None);
    }
}
