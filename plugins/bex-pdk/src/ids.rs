//! Ids of the form `kind:value` (`show:139`, `episode:1001`): the kind says
//! what an id names, so a plugin can tell its ids apart and refuse others
//! with `invalid-input`.

use std::str::FromStr;

use crate::types::PluginError;

/// `kind:value`.
pub fn make(kind: &str, value: impl std::fmt::Display) -> String {
    format!("{kind}:{value}")
}

/// The value of `id` if it is of `kind`, else `invalid-input`.
pub fn value<'a>(id: &'a str, kind: &str) -> Result<&'a str, PluginError> {
    id.strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| PluginError::InvalidInput(format!("{id:?} is not a {kind}:<value> id")))
}

/// The value of `id` if it is of `kind`, parsed (a number, say).
pub fn parse<T: FromStr>(id: &str, kind: &str) -> Result<T, PluginError> {
    value(id, kind)?.parse().map_err(|_| {
        PluginError::InvalidInput(format!("{id:?}: the value after {kind}: is not valid"))
    })
}

/// The kind and value of `id`.
pub fn split(id: &str) -> Result<(&str, &str), PluginError> {
    id.split_once(':')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .ok_or_else(|| PluginError::InvalidInput(format!("{id:?} is not a kind:value id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_other_kinds() {
        assert_eq!(make("show", 139), "show:139");
        assert_eq!(value("show:139", "show").unwrap(), "139");
        assert_eq!(parse::<u64>("show:139", "show").unwrap(), 139);
        assert!(matches!(
            value("episode:1", "show"),
            Err(PluginError::InvalidInput(_))
        ));
        assert!(matches!(
            value("show:", "show"),
            Err(PluginError::InvalidInput(_))
        ));
        assert!(matches!(
            value("showtime:1", "show"),
            Err(PluginError::InvalidInput(_))
        ));
        assert!(matches!(
            parse::<u64>("show:x", "show"),
            Err(PluginError::InvalidInput(_))
        ));
        assert_eq!(split("a:b:c").unwrap(), ("a", "b:c"));
    }
}
