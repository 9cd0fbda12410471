//! Component values to JSON and back: the mapping of docs/json.md,
//! version 1. It is driven by the contract's own types, so every record of
//! `wit/plugin.wit` maps the same way without per-record code.

use serde_json::{Map, Value as Json};
use wasmtime::component::Val;
use wasmtime::component::types::Type;

/// `next-page` → `next_page`.
fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// A component value as JSON.
/// An `f32` as the JSON number with its shortest decimal form (7.2, not
/// the 7.199999809265137 its exact `f64` value prints as); non-finite
/// floats have no JSON form and become `null`.
fn f32_json(f: f32) -> Json {
    // serde_json writes an f32 as ryu does: the shortest digits that read
    // back as the same f32 (the typed path writes exactly this); as an f64
    // that decimal prints the same way.
    let text = serde_json::to_string(&f).unwrap_or_default();
    let shortest: f64 = text.parse().unwrap_or(f64::NAN);
    serde_json::Number::from_f64(shortest).map_or(Json::Null, Json::Number)
}

pub(crate) fn to_json(v: &Val) -> Json {
    match v {
        Val::Bool(b) => Json::Bool(*b),
        Val::S8(n) => Json::from(*n),
        Val::U8(n) => Json::from(*n),
        Val::S16(n) => Json::from(*n),
        Val::U16(n) => Json::from(*n),
        Val::S32(n) => Json::from(*n),
        Val::U32(n) => Json::from(*n),
        Val::S64(n) => Json::from(*n),
        Val::U64(n) => Json::from(*n),
        Val::Float32(f) => f32_json(*f),
        Val::Float64(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Val::Char(c) => Json::String(c.to_string()),
        Val::String(s) => Json::String(s.clone()),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Json::Array(items.iter().map(to_json).collect())
        }
        Val::Map(pairs) => Json::Array(
            pairs
                .iter()
                .map(|(k, v)| Json::Array(vec![to_json(k), to_json(v)]))
                .collect(),
        ),
        Val::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(name, v)| (snake(name), to_json(v)))
                .collect(),
        ),
        Val::Variant(case, payload) => {
            let mut o = Map::new();
            o.insert("kind".into(), Json::String(snake(case)));
            if let Some(p) = payload {
                o.insert("value".into(), to_json(p));
            }
            Json::Object(o)
        }
        Val::Enum(case) => Json::String(snake(case)),
        Val::Option(None) => Json::Null,
        Val::Option(Some(v)) => to_json(v),
        Val::Result(r) => {
            let (key, payload) = match r {
                Ok(p) => ("ok", p),
                Err(p) => ("err", p),
            };
            let mut o = Map::new();
            o.insert(key.into(), payload.as_deref().map_or(Json::Null, to_json));
            Json::Object(o)
        }
        Val::Flags(names) => Json::Array(names.iter().map(|n| Json::String(snake(n))).collect()),
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => Json::Null,
    }
}

fn describe(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn expected(path: &str, what: &str, got: &Json) -> String {
    format!("{path}: expected {what}, got {}", describe(got))
}

fn integer<T: TryFrom<i128>>(path: &str, v: &Json) -> Result<T, String> {
    let n = v
        .as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
        .ok_or_else(|| expected(path, "an integer", v))?;
    T::try_from(n).map_err(|_| format!("{path}: {n} is out of range"))
}

/// A JSON value as a component value of type `ty`; errors name the path.
pub(crate) fn from_json(ty: &Type, v: &Json, path: &str) -> Result<Val, String> {
    Ok(match ty {
        Type::Bool => Val::Bool(v.as_bool().ok_or_else(|| expected(path, "a boolean", v))?),
        Type::S8 => Val::S8(integer(path, v)?),
        Type::U8 => Val::U8(integer(path, v)?),
        Type::S16 => Val::S16(integer(path, v)?),
        Type::U16 => Val::U16(integer(path, v)?),
        Type::S32 => Val::S32(integer(path, v)?),
        Type::U32 => Val::U32(integer(path, v)?),
        Type::S64 => Val::S64(integer(path, v)?),
        Type::U64 => Val::U64(integer(path, v)?),
        Type::Float32 => {
            Val::Float32(v.as_f64().ok_or_else(|| expected(path, "a number", v))? as f32)
        }
        Type::Float64 => Val::Float64(v.as_f64().ok_or_else(|| expected(path, "a number", v))?),
        Type::Char => {
            let s = v
                .as_str()
                .ok_or_else(|| expected(path, "a one-character string", v))?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(expected(path, "a one-character string", v)),
            }
        }
        Type::String => Val::String(
            v.as_str()
                .ok_or_else(|| expected(path, "a string", v))?
                .to_string(),
        ),
        Type::List(list) => {
            let items = v.as_array().ok_or_else(|| expected(path, "an array", v))?;
            let elem = list.ty();
            Val::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| from_json(&elem, x, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Tuple(tuple) => {
            let items = v.as_array().ok_or_else(|| expected(path, "an array", v))?;
            let types: Vec<Type> = tuple.types().collect();
            if items.len() != types.len() {
                return Err(format!(
                    "{path}: expected an array of {} elements, got {}",
                    types.len(),
                    items.len()
                ));
            }
            Val::Tuple(
                types
                    .iter()
                    .zip(items)
                    .enumerate()
                    .map(|(i, (t, x))| from_json(t, x, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Record(record) => {
            let obj = v
                .as_object()
                .ok_or_else(|| expected(path, "an object", v))?;
            let mut fields = Vec::new();
            let mut known = Vec::new();
            for field in record.fields() {
                let key = snake(field.name);
                let sub = format!("{path}.{key}");
                let val = match obj.get(&key) {
                    Some(x) => from_json(&field.ty, x, &sub)?,
                    None => match &field.ty {
                        Type::Option(_) => Val::Option(None),
                        Type::List(_) => Val::List(Vec::new()),
                        Type::Flags(_) => Val::Flags(Vec::new()),
                        _ => return Err(format!("{sub}: missing")),
                    },
                };
                fields.push((field.name.to_string(), val));
                known.push(key);
            }
            if let Some(extra) = obj.keys().find(|k| !known.contains(k)) {
                return Err(format!(
                    "{path}.{extra}: unknown field (expected {})",
                    known.join(", ")
                ));
            }
            Val::Record(fields)
        }
        Type::Variant(variant) => {
            let obj = v
                .as_object()
                .ok_or_else(|| expected(path, "an object with \"kind\"", v))?;
            let kind = obj
                .get("kind")
                .and_then(Json::as_str)
                .ok_or_else(|| format!("{path}.kind: missing"))?;
            let case = variant
                .cases()
                .find(|c| snake(c.name) == kind)
                .ok_or_else(|| {
                    let names: Vec<String> = variant.cases().map(|c| snake(c.name)).collect();
                    format!("{path}.kind: \"{kind}\" is not one of {}", names.join(", "))
                })?;
            let payload = match (&case.ty, obj.get("value")) {
                (Some(t), Some(x)) => Some(Box::new(from_json(t, x, &format!("{path}.value"))?)),
                (Some(_), None) => return Err(format!("{path}.value: missing")),
                (None, _) => None,
            };
            Val::Variant(case.name.to_string(), payload)
        }
        Type::Enum(e) => {
            let s = v.as_str().ok_or_else(|| expected(path, "a string", v))?;
            let case = e.names().find(|n| snake(n) == s).ok_or_else(|| {
                let names: Vec<String> = e.names().map(snake).collect();
                format!("{path}: \"{s}\" is not one of {}", names.join(", "))
            })?;
            Val::Enum(case.to_string())
        }
        Type::Option(o) => match v {
            Json::Null => Val::Option(None),
            x => Val::Option(Some(Box::new(from_json(&o.ty(), x, path)?))),
        },
        Type::Flags(f) => {
            let items = v
                .as_array()
                .ok_or_else(|| expected(path, "an array of flag names", v))?;
            let mut set = Vec::new();
            for item in items {
                let s = item
                    .as_str()
                    .ok_or_else(|| expected(path, "flag names", item))?;
                let name = f.names().find(|n| snake(n) == s).ok_or_else(|| {
                    let names: Vec<String> = f.names().map(snake).collect();
                    format!("{path}: \"{s}\" is not one of {}", names.join(", "))
                })?;
                set.push(name.to_string());
            }
            Val::Flags(set)
        }
        Type::Result(r) => {
            let obj = v
                .as_object()
                .ok_or_else(|| expected(path, "{\"ok\": ...} or {\"err\": ...}", v))?;
            let (key, ty, ok) = if let Some(x) = obj.get("ok") {
                (x, r.ok(), true)
            } else if let Some(x) = obj.get("err") {
                (x, r.err(), false)
            } else {
                return Err(expected(path, "{\"ok\": ...} or {\"err\": ...}", v));
            };
            let payload = ty
                .map(|t| from_json(&t, key, path))
                .transpose()?
                .map(Box::new);
            Val::Result(if ok { Ok(payload) } else { Err(payload) })
        }
        other => {
            return Err(format!(
                "{path}: values of type {other:?} cannot be given as JSON"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_map_to_the_documented_json() {
        let card = Val::Record(vec![
            ("id".into(), Val::String("show:1".into())),
            ("next-page".into(), Val::Option(None)),
            (
                "kind".into(),
                Val::Option(Some(Box::new(Val::Enum("anime-movie".into())))),
            ),
            ("dub-status".into(), Val::Flags(vec!["subbed".into()])),
            (
                "headers".into(),
                Val::List(vec![Val::Tuple(vec![
                    Val::String("Referer".into()),
                    Val::String("x".into()),
                ])]),
            ),
            ("rating".into(), Val::Float32(6.5)),
            ("score".into(), Val::Float32(7.2)),
            ("tiny".into(), Val::Float32(1.0e-7)),
            ("nan".into(), Val::Float32(f32::NAN)),
            (
                "err".into(),
                Val::Variant(
                    "not-found".into(),
                    Some(Box::new(Val::String("gone".into()))),
                ),
            ),
            ("unit".into(), Val::Variant("none".into(), None)),
        ]);
        assert_eq!(
            to_json(&card),
            json!({
                "id": "show:1",
                "next_page": null,
                "kind": "anime_movie",
                "dub_status": ["subbed"],
                "headers": [["Referer", "x"]],
                "rating": 6.5,
                "score": 7.2,
                "tiny": 1.0e-7,
                "nan": null,
                "err": {"kind": "not_found", "value": "gone"},
                "unit": {"kind": "none"},
            })
        );
    }
}
