//! `URL` and `URLSearchParams` (WHATWG URL Standard), backed by the `url`
//! crate (its `quirks` module implements the standard's getters and
//! setters) and by `form_urlencoded`.
//!
//! A `URL` object keeps its parsed URL in Rust, captured by a native handle
//! function that the JavaScript object holds in a private field.

use std::cell::RefCell;

use rquickjs::convert::List;
use rquickjs::prelude::Opt;
use rquickjs::{Ctx, Exception, Function, IntoJs, Object, Value};
use url::{ParseError, Url, quirks};

use super::{Charge, Native};

/// Defines `URL` and `URLSearchParams` on the context's global object.
///
/// # Errors
///
/// Fails if the context cannot allocate the natives or run the glue
/// (for example when out of memory).
pub fn install<'js>(ctx: &Ctx<'js>, native: &Native) -> rquickjs::Result<()> {
    let natives = Object::new(ctx.clone())?;
    let budget = native.clone();
    natives.set(
        "parse",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, input: String, base: Option<String>| {
                parse(ctx, &budget, input, base)
            },
        )?,
    )?;
    natives.set("canParse", Function::new(ctx.clone(), can_parse)?)?;
    natives.set("parseQuery", Function::new(ctx.clone(), parse_query)?)?;
    natives.set(
        "serializeQuery",
        Function::new(ctx.clone(), serialize_query)?,
    )?;
    super::run_glue(ctx, include_str!("url.js"), natives)
}

/// The standard's "API URL parser": `input` against the optional `base`.
fn parse_url(input: &str, base: Option<&str>) -> Result<Url, ParseError> {
    match base {
        None => Url::parse(input),
        Some(base) => Url::parse(base)?.join(input),
    }
}

/// A handle to the parsed URL, or the error message as a string. `base`
/// is undefined when absent.
fn parse<'js>(
    ctx: Ctx<'js>,
    native: &Native,
    input: String,
    base: Option<String>,
) -> rquickjs::Result<Value<'js>> {
    match parse_url(&input, base.as_deref()) {
        Ok(url) => {
            let charge = native.charge(&ctx, url.as_str().len())?;
            Ok(handle(ctx, url, charge)?.into_value())
        }
        Err(e) => format!("Invalid URL: {e}").into_js(&ctx),
    }
}

/// Whether `input` parses against the optional `base`.
fn can_parse(input: String, base: Option<String>) -> bool {
    parse_url(&input, base.as_deref()).is_ok()
}

/// The name-value pairs of an `application/x-www-form-urlencoded` string.
fn parse_query(query: String) -> Vec<List<(String, String)>> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| List((name.into_owned(), value.into_owned())))
        .collect()
}

/// The `application/x-www-form-urlencoded` serialisation of `pairs`.
fn serialize_query(pairs: Vec<List<(String, String)>>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|List((name, value))| (name, value)))
        .finish()
}

/// The native handle of one `URL`: `(name)` reads the component `name`,
/// `(name, value)` runs its setter. Besides the `URL` attributes it knows
/// `query`, the query without `?` (undefined if none), whose setter takes the
/// serialisation of the `URLSearchParams` ("" removes the query).
fn handle<'js>(ctx: Ctx<'js>, url: Url, charge: Charge) -> rquickjs::Result<Function<'js>> {
    let url = RefCell::new((url, charge));
    Function::new(
        ctx,
        move |ctx: Ctx<'js>,
              name: String,
              value: Opt<String>|
              -> rquickjs::Result<Option<String>> {
            match value.0 {
                None => get(&url.borrow().0, &name).ok_or_else(|| {
                    Exception::throw_type(&ctx, &format!("no URL component {name}"))
                }),
                Some(value) => {
                    let mut held = url.borrow_mut();
                    let (url, charge) = &mut *held;
                    let before = url.clone();
                    set(url, &name, &value)
                        .map_err(|message| Exception::throw_type(&ctx, &message))?;
                    if let Err(e) = charge.resize(&ctx, url.as_str().len()) {
                        *url = before;
                        return Err(e);
                    }
                    Ok(None)
                }
            }
        },
    )
}

/// The component `name` of `url`; `Some(None)` for an absent query, `None`
/// for an unknown name.
fn get(url: &Url, name: &str) -> Option<Option<String>> {
    let value = match name {
        "href" => quirks::href(url),
        "origin" => return Some(Some(quirks::origin(url))),
        "protocol" => quirks::protocol(url),
        "username" => quirks::username(url),
        "password" => quirks::password(url),
        "host" => quirks::host(url),
        "hostname" => quirks::hostname(url),
        "port" => quirks::port(url),
        "pathname" => quirks::pathname(url),
        "search" => quirks::search(url),
        "hash" => quirks::hash(url),
        "query" => return Some(url.query().map(str::to_owned)),
        _ => return None,
    };
    Some(Some(value.to_owned()))
}

/// Runs the setter of the component `name`. Only an invalid `href` (and an
/// unknown name) is an error; the other setters ignore invalid values, as
/// the standard says.
fn set(url: &mut Url, name: &str, value: &str) -> Result<(), String> {
    // The setters' `Err(())` means "value ignored", which is not an error.
    let _ignored = match name {
        "href" => return quirks::set_href(url, value).map_err(|e| format!("Invalid URL: {e}")),
        "protocol" => quirks::set_protocol(url, value),
        "username" => quirks::set_username(url, value),
        "password" => quirks::set_password(url, value),
        "host" => quirks::set_host(url, value),
        "hostname" => quirks::set_hostname(url, value),
        "port" => quirks::set_port(url, value),
        "pathname" => {
            quirks::set_pathname(url, value);
            Ok(())
        }
        "search" => {
            quirks::set_search(url, value);
            Ok(())
        }
        "hash" => {
            quirks::set_hash(url, value);
            Ok(())
        }
        "query" => {
            url.set_query(Some(value).filter(|q| !q.is_empty()));
            Ok(())
        }
        _ => return Err(format!("no URL component {name}")),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        let mut url = parse_url("../x?a=1#f", Some("http://u:p@h:81/a/b")).unwrap();
        assert_eq!(
            get(&url, "href"),
            Some(Some("http://u:p@h:81/x?a=1#f".into()))
        );
        assert_eq!(get(&url, "query"), Some(Some("a=1".into())));
        assert_eq!(get(&url, "bogus"), None);
        set(&mut url, "query", "").unwrap();
        assert_eq!(get(&url, "query"), Some(None));
        set(&mut url, "port", "99999").unwrap();
        assert_eq!(get(&url, "port"), Some(Some("81".into())));
        assert!(set(&mut url, "href", "nope").is_err());
    }

    #[test]
    fn query_round_trip() {
        let pairs = parse_query("a=b+c&%20=%F0%9F%98%80&&x".into());
        let pairs_ref: Vec<_> = pairs
            .iter()
            .map(|List((n, v))| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs_ref, [("a", "b c"), (" ", "😀"), ("x", "")]);
        assert_eq!(serialize_query(pairs), "a=b+c&+=%F0%9F%98%80&x=");
    }
}
