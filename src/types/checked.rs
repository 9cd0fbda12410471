//! The fields a player acts on (urls it fetches, headers it sends, file
//! names it saves under) serialize through these functions, so a result
//! can be checked while its JSON is written: one pass, not a check walk
//! and then a write.
//!
//! Outside a [`Scope`] they serialize the value as it is. Inside one, each
//! value is first judged by the scope's check (the engine's result rules,
//! `engine::vet`); a refused value stops serialization with an error and
//! marks the scope refused. The types do not know the rules: the engine
//! hands them in, so this module depends on nothing above it.

use std::cell::Cell;

use serde::Serializer;

use super::Pair;

/// What a checked field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// A url (`url`, `*_url`, each of `trailers`).
    Url,
    /// One header pair of `headers`: its name and value.
    Header,
    /// A subtitle file's `file_name`.
    FileName,
}

/// A check: whether `value` (and for a header, its `value2`) may stand in
/// a field of kind `field`.
pub(crate) type Check = fn(field: Field, value: &str, value2: &str) -> bool;

thread_local! {
    static CHECK: Cell<Option<Check>> = const { Cell::new(None) };
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// Checks every checked field serialized on this thread until it drops.
pub(crate) struct Scope {
    previous: Option<Check>,
}

impl Scope {
    /// Starts checking with `check`.
    pub fn enter(check: Check) -> Scope {
        REFUSED.with(|r| r.set(false));
        Scope {
            previous: CHECK.with(|c| c.replace(Some(check))),
        }
    }

    /// Whether a value was refused since the scope began.
    pub fn refused(&self) -> bool {
        REFUSED.with(Cell::get)
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        CHECK.with(|c| c.set(self.previous));
    }
}

fn judge<E: serde::ser::Error>(field: Field, value: &str, value2: &str) -> Result<(), E> {
    match CHECK.with(Cell::get) {
        Some(check) if !check(field, value, value2) => {
            REFUSED.with(|r| r.set(true));
            Err(E::custom("a field was refused by the result checks"))
        }
        _ => Ok(()),
    }
}

/// `url`, `*_url`.
pub(crate) fn url<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    judge::<S::Error>(Field::Url, v, "")?;
    s.serialize_str(v)
}

/// An optional url.
pub(crate) fn opt_url<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => {
            judge::<S::Error>(Field::Url, v, "")?;
            s.serialize_some(v)
        }
        None => s.serialize_none(),
    }
}

/// A list of urls (`trailers`).
pub(crate) fn urls<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    for url in v {
        judge::<S::Error>(Field::Url, url, "")?;
    }
    s.collect_seq(v)
}

/// `headers`.
pub(crate) fn headers<S: Serializer>(v: &[Pair], s: S) -> Result<S::Ok, S::Error> {
    for (name, value) in v {
        judge::<S::Error>(Field::Header, name, value)?;
    }
    s.collect_seq(v)
}

/// `file_name`.
pub(crate) fn file_name<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    judge::<S::Error>(Field::FileName, v, "")?;
    s.serialize_str(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_x(_: Field, v: &str, _: &str) -> bool {
        !v.contains('x')
    }

    #[test]
    fn outside_a_scope_nothing_is_judged_and_inside_a_refusal_stops_the_write() {
        let image = super::super::Image {
            url: "https://x.org/".into(),
            width: None,
            height: None,
            headers: vec![],
        };
        assert!(serde_json::to_string(&image).is_ok());
        {
            let scope = Scope::enter(no_x);
            assert!(serde_json::to_string(&image).is_err());
            assert!(scope.refused());
        }
        assert!(serde_json::to_string(&image).is_ok(), "the scope ended");
    }
}
