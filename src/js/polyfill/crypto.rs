//! `crypto`: getRandomValues, randomUUID and `crypto.subtle` (W3C Web
//! Cryptography API) with SHA-1/256/384/512 digests, HMAC, PBKDF2 and
//! AES-CBC/CTR/GCM.
//!
//! The JavaScript glue (`crypto.js`) does the WebIDL conversions, algorithm
//! normalization and the usage checks; the natives here do the byte work
//! (`subtle.rs`). Bytes go from JS to Rust as "binary strings" (one char per
//! byte; rquickjs has no safe way to borrow a buffer) and come back as
//! ArrayBuffers.
//!
//! Secret key bytes never enter the JS heap: a key's material is captured
//! by a native *handle* function, which performs operations with it when
//! called. The glue keeps each `CryptoKey`'s handle in a closure-private
//! WeakMap, so scripts can reach neither the handle nor the bytes, and the
//! bytes are freed with the key.

use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::{ArrayBuffer, Ctx, Exception, FromJs, Function, IntoJs, Object, Result, Value};

use super::subtle::{self, Failure, Hash};
use super::{Charge, Native, Stop};

/// The longest key a script may derive or generate, in bytes. The spec sets
/// no limit, but these bytes are allocated outside the runtime's memory
/// limit, so a hostile `length` must not reach the allocator.
const MAX_KEY_BYTES: usize = 1 << 20;

/// Defines `globalThis.crypto`.
///
/// Needs `DOMException` (`install_dom`) first. `stop` is consulted during
/// PBKDF2, whose iteration count a script chooses; when it returns true the
/// operation rejects with `Error('interrupted')`.
/// Key bytes count against `native`.
pub fn install(ctx: &Ctx<'_>, stop: Stop, native: &Native) -> Result<()> {
    let dom: Value = ctx.globals().get("DOMException")?;
    let glue: Function = ctx.eval(include_str!("crypto.js"))?;
    let keys = Keys {
        stop,
        native: native.clone(),
    };
    glue.call::<_, ()>((natives(ctx, keys)?, dom))
}

/// What every key handle needs.
#[derive(Clone)]
struct Keys {
    stop: Stop,
    native: Native,
}

/// The object of natives handed to the glue (never put on the global).
fn natives<'js>(ctx: &Ctx<'js>, keys: Keys) -> Result<Object<'js>> {
    let natives = Object::new(ctx.clone())?;
    natives.set("random", Function::new(ctx.clone(), random)?)?;
    natives.set("uuid", Function::new(ctx.clone(), uuid)?)?;
    natives.set("digest", Function::new(ctx.clone(), digest)?)?;
    let import = keys.clone();
    natives.set(
        "importKey",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, data: String| {
            let bytes = binary(&ctx, &data)?;
            key_len(&ctx, bytes.len() as f64)?;
            handle(&ctx, bytes, &import)
        })?,
    )?;
    natives.set(
        "generateKey",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, len: f64| {
            let len = key_len(&ctx, len)?;
            let mut bytes = vec![0u8; len];
            fill_random(&ctx, &mut bytes)?;
            handle(&ctx, bytes, &keys)
        })?,
    )?;
    Ok(natives)
}

/// Throws `failure`: a spec error as a plain Error whose `name` is the
/// DOMException name (the glue rethrows it as a DOMException), a stop as
/// `Error('interrupted')`.
fn throw(ctx: &Ctx<'_>, failure: Failure) -> rquickjs::Error {
    let (name, message) = match failure {
        Failure::Dom(name, message) => (name, message),
        Failure::Interrupted => ("Error", "interrupted"),
    };
    let made = Exception::from_message(ctx.clone(), message).and_then(|e| {
        if name != "Error" {
            e.set("name", name)?;
        }
        Ok(e)
    });
    match made {
        Ok(e) => e.throw(),
        Err(e) => e,
    }
}

/// The bytes of a binary string (each char one byte).
fn binary(ctx: &Ctx<'_>, s: &str) -> Result<Vec<u8>> {
    s.chars()
        .map(|c| u8::try_from(c).map_err(|_| Exception::throw_type(ctx, "not a binary string")))
        .collect()
}

fn buffer<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> Result<Value<'js>> {
    ArrayBuffer::new_copy(ctx.clone(), &bytes).map(ArrayBuffer::into_value)
}

/// A key length in bytes from a JS number the glue checked, capped.
fn key_len(ctx: &Ctx<'_>, len: f64) -> Result<usize> {
    if !(0.0..=MAX_KEY_BYTES as f64).contains(&len) || len.fract() != 0.0 {
        return Err(throw(
            ctx,
            Failure::Dom("OperationError", "key length too large"),
        ));
    }
    Ok(len as usize)
}

fn fill_random(ctx: &Ctx<'_>, bytes: &mut [u8]) -> Result<()> {
    getrandom::fill(bytes).map_err(|_| {
        throw(
            ctx,
            Failure::Dom("OperationError", "no randomness available"),
        )
    })
}

/// `random(n)`: an ArrayBuffer of `n` (≤ 65536, checked by the glue)
/// random bytes.
fn random(ctx: Ctx<'_>, len: f64) -> Result<Value<'_>> {
    if !(0.0..=65536.0).contains(&len) {
        return Err(Exception::throw_range(&ctx, "random: bad length"));
    }
    let mut bytes = vec![0u8; len as usize];
    fill_random(&ctx, &mut bytes)?;
    buffer(&ctx, bytes)
}

/// `uuid()`: a random RFC 4122 version 4 UUID, lowercase.
fn uuid(ctx: Ctx<'_>) -> Result<String> {
    let mut b = [0u8; 16];
    fill_random(&ctx, &mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

fn hash_arg(ctx: &Ctx<'_>, name: &str) -> Result<Hash> {
    Hash::from_name(name).ok_or_else(|| {
        throw(
            ctx,
            Failure::Dom("NotSupportedError", "unknown hash algorithm"),
        )
    })
}

/// `digest(hashName, data)`: an ArrayBuffer.
fn digest<'js>(ctx: Ctx<'js>, hash: String, data: String) -> Result<Value<'js>> {
    let hash = hash_arg(&ctx, &hash)?;
    let data = binary(&ctx, &data)?;
    buffer(&ctx, subtle::digest(hash, &data))
}

/// The arguments of a handle call after the operation name.
struct Args<'js> {
    ctx: Ctx<'js>,
    values: Vec<Value<'js>>,
}

impl<'js> Args<'js> {
    fn get<T: FromJs<'js>>(&self, index: usize) -> Result<T> {
        let value = self
            .values
            .get(index)
            .cloned()
            .unwrap_or_else(|| Value::new_undefined(self.ctx.clone()));
        T::from_js(&self.ctx, value)
    }

    fn bytes(&self, index: usize) -> Result<Vec<u8>> {
        binary(&self.ctx, &self.get::<String>(index)?)
    }

    fn hash(&self, index: usize) -> Result<Hash> {
        hash_arg(&self.ctx, &self.get::<String>(index)?)
    }

    fn number(&self, index: usize) -> Result<u32> {
        let n: f64 = self.get(index)?;
        if (0.0..=f64::from(u32::MAX)).contains(&n) && n.fract() == 0.0 {
            Ok(n as u32)
        } else {
            Err(Exception::throw_range(&self.ctx, "bad integer argument"))
        }
    }
}

/// A native function holding `key`: `handle(op, ...args)` runs `op` with
/// it. Operations (binary-string arguments, ArrayBuffer results):
/// - `export()`
/// - `sign(hash, data)`, `verify(hash, data, signature)` → boolean
/// - `cbc(encrypt, iv, data)`, `ctr(counter, lengthBits, data)`,
///   `gcm(encrypt, iv, additionalData, tagBytes, data)`
/// - `pbkdf2(hash, salt, iterations, bytes)`, and `pbkdf2Key(...)` with the
///   same arguments, which returns a new handle for the derived bytes.
fn handle<'js>(ctx: &Ctx<'js>, key: Vec<u8>, keys: &Keys) -> Result<Value<'js>> {
    let charge: Charge = keys.native.charge(ctx, key.len())?;
    let key = Rc::new((key, charge));
    let keys = keys.clone();
    let f = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, op: String, rest: Rest<Value<'js>>| {
            let args = Args {
                ctx: ctx.clone(),
                values: rest.0,
            };
            run(&args, &key.0, &keys, &op)
        },
    )?;
    Ok(f.into_value())
}

fn run<'js>(args: &Args<'js>, key: &[u8], keys: &Keys, op: &str) -> Result<Value<'js>> {
    let stop = &keys.stop;
    let ctx = &args.ctx;
    let out = match op {
        "export" => Ok(key.to_vec()),
        "sign" => Ok(subtle::hmac(args.hash(0)?, key, &args.bytes(1)?)),
        "verify" => {
            let ok = subtle::hmac_verify(args.hash(0)?, key, &args.bytes(1)?, &args.bytes(2)?);
            return ok.into_js(ctx);
        }
        "cbc" => subtle::aes_cbc(key, &args.bytes(1)?, &args.bytes(2)?, args.get(0)?),
        "ctr" => subtle::aes_ctr(key, &args.bytes(0)?, args.number(1)?, &args.bytes(2)?),
        "gcm" => {
            let (iv, aad) = (args.bytes(1)?, args.bytes(2)?);
            let (tag, data) = (args.number(3)? as usize, args.bytes(4)?);
            if args.get(0)? {
                subtle::aes_gcm_encrypt(key, &iv, &aad, tag, &data)
            } else {
                subtle::aes_gcm_decrypt(key, &iv, &aad, tag, &data)
            }
        }
        "pbkdf2" | "pbkdf2Key" => {
            let len = key_len(ctx, args.get(3)?)?;
            let stop_now = || stop();
            let derived = subtle::pbkdf2(
                args.hash(0)?,
                key,
                &args.bytes(1)?,
                args.number(2)?,
                len,
                &stop_now,
            )
            .map_err(|f| throw(ctx, f))?;
            if op == "pbkdf2Key" {
                return handle(ctx, derived, keys);
            }
            Ok(derived)
        }
        _ => return Err(Exception::throw_type(ctx, "unknown key operation")),
    };
    buffer(ctx, out.map_err(|f| throw(ctx, f))?)
}
