// `globalThis.crypto` (W3C Web Cryptography API): the WebIDL conversions,
// algorithm normalization, key objects and checks. Evaluated as a function
// and called once with the Rust natives (crypto.rs) and DOMException; it
// defines `crypto` and nothing else on the global object.
//
// Bytes go to the natives as binary strings (one char per byte). Secret key
// bytes stay in Rust: a key's native handle runs operations with them, and
// handles live in the closure-private `slots` WeakMap.
(function (natives, DOMException) {
  'use strict';
  // Intrinsics, captured before any script can patch them.
  const { apply, defineProperty, getPrototypeOf, ownKeys } = Reflect;
  const { getOwnPropertyDescriptor } = Object;
  const TypeErr = TypeError;
  const U8 = Uint8Array;
  const fromCharCode = String.fromCharCode;
  const charCodeAt = String.prototype.charCodeAt;
  const join = Array.prototype.join;
  const trunc = Math.trunc;
  const WeakMapCtor = WeakMap;
  const wmGet = WeakMap.prototype.get;
  const wmSet = WeakMap.prototype.set;
  const getter = (proto, key) => getOwnPropertyDescriptor(proto, key).get;
  const TypedArrayProto = getPrototypeOf(U8.prototype);
  const taTag = getter(TypedArrayProto, Symbol.toStringTag);
  const taBuffer = getter(TypedArrayProto, 'buffer');
  const taOffset = getter(TypedArrayProto, 'byteOffset');
  const taLength = getter(TypedArrayProto, 'byteLength');
  const taSet = TypedArrayProto.set;
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dvOffset = getter(DataView.prototype, 'byteOffset');
  const dvLength = getter(DataView.prototype, 'byteLength');
  const abLength = getter(ArrayBuffer.prototype, 'byteLength');
  const isView = ArrayBuffer.isView;
  const { random, uuid, digest, importKey, generateKey } = natives;

  if (typeof DOMException !== 'function') throw new TypeErr('crypto needs DOMException');
  const fail = (name, message) => new DOMException(message, name);
  const includes = (list, value) => {
    for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
    return false;
  };

  // ---- WebIDL conversions ----
  const toStr = (v) => {
    if (typeof v === 'symbol') throw new TypeErr('Cannot convert a Symbol to a string');
    return `${v}`;
  };
  const isObject = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');
  // [EnforceRange] unsigned integer no larger than max.
  const enforceRange = (v, max, what) => {
    const x = +v;
    if (x !== x || x === Infinity || x === -Infinity) throw new TypeErr(`${what} is not a finite number`);
    const t = trunc(x) + 0;
    if (t < 0 || t > max) throw new TypeErr(`${what} is outside the range 0..${max}`);
    return t;
  };
  // unsigned long (modular conversion).
  const unsignedLong = (v) => {
    const x = +v;
    if (x !== x || x === Infinity || x === -Infinity) return 0;
    const t = trunc(x) % 4294967296;
    return t < 0 ? t + 4294967296 : t + 0;
  };
  const need = (count, min, method) => {
    if (count < min) throw new TypeErr(`${method}: ${min} arguments required, but only ${count} present`);
  };
  const toEnum = (v, values, type) => {
    const s = toStr(v);
    if (!includes(values, s)) throw new TypeErr(`'${s}' is not a valid value for enumeration ${type}`);
    return s;
  };

  const CHUNK = 4096;
  const binary = (buffer, offset, length) => {
    const parts = [];
    for (let i = 0; i < length; i += CHUNK) {
      const n = length - i < CHUNK ? length - i : CHUNK;
      parts[parts.length] = apply(fromCharCode, null, new U8(buffer, offset + i, n));
    }
    return apply(join, parts, ['']);
  };
  const isArrayBuffer = (v) => {
    try {
      apply(abLength, v, []);
      return true;
    } catch {
      return false; // not an ArrayBuffer (a SharedArrayBuffer included)
    }
  };
  // A copy of the bytes of a BufferSource, as a binary string.
  const bytesOf = (v, what) => {
    if (isView(v)) {
      const typed = apply(taTag, v, []) !== undefined;
      const buffer = apply(typed ? taBuffer : dvBuffer, v, []);
      if (!isArrayBuffer(buffer)) throw new TypeErr(`${what} is backed by a SharedArrayBuffer`);
      return binary(buffer, apply(typed ? taOffset : dvOffset, v, []), apply(typed ? taLength : dvLength, v, []));
    }
    if (!isArrayBuffer(v)) throw new TypeErr(`${what} is not an ArrayBuffer, TypedArray or DataView`);
    return binary(v, 0, apply(abLength, v, []));
  };

  // The WebIDL check of a BufferSource argument, before the method's steps
  // (which copy its bytes only after normalizing the algorithm, as the
  // current spec orders them: an algorithm getter may change the data).
  const checkSource = (v, what) => {
    if (!isView(v) && !isArrayBuffer(v)) throw new TypeErr(`${what} is not an ArrayBuffer, TypedArray or DataView`);
  };

  // ---- Algorithm normalization ----
  const asciiUpper = (s) => {
    let r = '';
    for (let i = 0; i < s.length; i++) {
      const c = apply(charCodeAt, s, [i]);
      r += c >= 97 && c <= 122 ? fromCharCode(c - 32) : s[i];
    }
    return r;
  };
  const HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
  const AES = ['AES-CBC', 'AES-CTR', 'AES-GCM'];
  const SECRET = ['HMAC', 'AES-CBC', 'AES-CTR', 'AES-GCM'];
  const BLOCK_BITS = { __proto__: null, 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 };
  const REGISTRY = {
    __proto__: null,
    digest: HASHES,
    importKey: ['HMAC', 'AES-CBC', 'AES-CTR', 'AES-GCM', 'PBKDF2'],
    generateKey: SECRET,
    keyLength: ['HMAC', 'AES-CBC', 'AES-CTR', 'AES-GCM', 'PBKDF2'],
    sign: ['HMAC'],
    verify: ['HMAC'],
    encrypt: AES,
    decrypt: AES,
    deriveBits: ['PBKDF2'],
  };
  const required = (dict, key, type) => {
    const v = dict[key];
    if (v === undefined) throw new TypeErr(`${type}: member ${key} is required`);
    return v;
  };

  // The normalized algorithm for `op`: a null-prototype record with the
  // canonical name and the members that op's params dictionary defines.
  const normalize = (op, alg) => {
    if (!isObject(alg)) alg = { name: toStr(alg) };
    const rawName = required(alg, 'name', 'Algorithm');
    const given = toStr(rawName);
    const wanted = asciiUpper(given);
    const list = REGISTRY[op];
    let name;
    for (let i = 0; i < list.length; i++) if (asciiUpper(list[i]) === wanted) name = list[i];
    if (name === undefined) throw fail('NotSupportedError', `Unrecognized algorithm name '${given}' for ${op}`);
    const out = { __proto__: null, name };
    if (name === 'HMAC' && op !== 'sign' && op !== 'verify') {
      out.hash = normalize('digest', required(alg, 'hash', name)).name;
      const length = alg.length;
      if (length !== undefined) out.length = enforceRange(length, 4294967295, 'length');
    } else if ((op === 'generateKey' || op === 'keyLength') && name !== 'PBKDF2') {
      out.length = enforceRange(required(alg, 'length', name), 65535, 'length');
    } else if (name === 'AES-CBC' && op !== 'importKey') {
      out.iv = bytesOf(required(alg, 'iv', name), 'iv');
    } else if (name === 'AES-CTR' && op !== 'importKey') {
      out.counter = bytesOf(required(alg, 'counter', name), 'counter');
      out.length = enforceRange(required(alg, 'length', name), 255, 'length');
    } else if (name === 'AES-GCM' && op !== 'importKey') {
      const aad = alg.additionalData;
      out.additionalData = aad === undefined ? '' : bytesOf(aad, 'additionalData');
      out.iv = bytesOf(required(alg, 'iv', name), 'iv');
      const tagLength = alg.tagLength;
      out.tagLength = tagLength === undefined ? 128 : enforceRange(tagLength, 255, 'tagLength');
    } else if (name === 'PBKDF2' && op === 'deriveBits') {
      out.hash = normalize('digest', required(alg, 'hash', name)).name;
      out.iterations = enforceRange(required(alg, 'iterations', name), 4294967295, 'iterations');
      out.salt = bytesOf(required(alg, 'salt', name), 'salt');
    }
    return out;
  };

  // ---- Keys ----
  const USAGES = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];
  // sequence<KeyUsage>, deduplicated in the enumeration's order.
  const toUsages = (v) => {
    if (!isObject(v)) throw new TypeErr('keyUsages is not a sequence');
    const given = [];
    for (const u of v) given[given.length] = toEnum(u, USAGES, 'KeyUsage');
    const out = [];
    for (let i = 0; i < USAGES.length; i++) if (includes(given, USAGES[i])) out[out.length] = USAGES[i];
    return out;
  };
  const checkUsages = (usages, allowed) => {
    for (let i = 0; i < usages.length; i++) {
      if (!includes(allowed, usages[i])) throw fail('SyntaxError', `Cannot create a key with usage '${usages[i]}'`);
    }
  };

  const TOKEN = {};
  const slots = new WeakMapCtor();
  class CryptoKey {
    constructor(token) {
      if (token !== TOKEN) throw new TypeErr('Illegal constructor');
    }
    get type() { return slotOf(this).type; }
    get extractable() { return slotOf(this).extractable; }
    get algorithm() { return slotOf(this).algorithm; }
    get usages() { return slotOf(this).usagesView; }
  }
  const slotOf = (key, what = 'this') => {
    const s = isObject(key) ? apply(wmGet, slots, [key]) : undefined;
    if (s === undefined) throw new TypeErr(`${what} is not a CryptoKey`);
    return s;
  };
  // `alg` is the internal [[algorithm]] (hash as a name); scripts see a copy.
  const makeKey = (alg, extractable, usages, handle) => {
    const key = new CryptoKey(TOKEN);
    // Literals define their members, so no setter a script put on
    // Object.prototype sees them.
    const algorithm = alg.hash !== undefined ? { name: alg.name, hash: { name: alg.hash }, length: alg.length }
      : alg.length !== undefined ? { name: alg.name, length: alg.length } : { name: alg.name };
    const usagesView = [];
    for (let i = 0; i < usages.length; i++) usagesView[i] = usages[i];
    apply(wmSet, slots, [key, { __proto__: null, type: 'secret', extractable, alg, algorithm, usages, usagesView, handle }]);
    return key;
  };
  const DOM_NAMES = ['OperationError', 'DataError', 'NotSupportedError', 'InvalidAccessError', 'SyntaxError'];
  // Runs a native, turning its spec errors into DOMExceptions.
  const native = (f, args) => {
    try {
      return apply(f, null, args);
    } catch (e) {
      if (isObject(e) && includes(DOM_NAMES, e.name)) throw fail(e.name, e.message);
      throw e;
    }
  };
  const use = (s, op, args) => {
    const all = [op];
    for (let i = 0; i < args.length; i++) all[i + 1] = args[i];
    return native(s.handle, all);
  };
  const checkKey = (s, name, usage) => {
    if (s.alg.name !== name) throw fail('InvalidAccessError', `${name} cannot use a ${s.alg.name} key`);
    if (!includes(s.usages, usage)) throw fail('InvalidAccessError', `The key does not allow ${usage}`);
  };
  const requireRaw = (format) => {
    if (format !== 'raw') throw fail('NotSupportedError', `Key format '${format}' is not supported`);
  };

  // The "import key" operations for raw key bytes (`length` of them), made
  // into a handle by `makeHandle` once they pass.
  const importSecret = (alg, format, length, makeHandle, extractable, usages) => {
    const name = alg.name;
    let keyAlg;
    if (name === 'PBKDF2') {
      requireRaw(format);
      checkUsages(usages, ['deriveKey', 'deriveBits']);
      if (extractable) throw fail('SyntaxError', 'PBKDF2 keys cannot be extractable');
      keyAlg = { __proto__: null, name };
    } else if (name === 'HMAC') {
      checkUsages(usages, ['sign', 'verify']);
      requireRaw(format);
      let bits = length * 8;
      if (bits === 0) throw fail('DataError', 'HMAC key data must not be empty');
      if (alg.length !== undefined) {
        if (alg.length > bits || alg.length <= bits - 8) throw fail('DataError', 'HMAC length does not match the key data');
        bits = alg.length;
      }
      keyAlg = { __proto__: null, name, hash: alg.hash, length: bits };
    } else {
      checkUsages(usages, ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']);
      requireRaw(format);
      if (length !== 16 && length !== 24 && length !== 32) throw fail('DataError', 'AES key data must be 128, 192 or 256 bits');
      keyAlg = { __proto__: null, name, length: length * 8 };
    }
    if (usages.length === 0) throw fail('SyntaxError', 'Secret keys need at least one usage');
    return makeKey(keyAlg, extractable, usages, makeHandle());
  };
  // "get key length" of a normalized 'keyLength' algorithm, in bits.
  const keyLength = (alg) => {
    if (alg.name === 'PBKDF2') return null;
    if (alg.name !== 'HMAC') {
      if (alg.length !== 128 && alg.length !== 192 && alg.length !== 256) throw fail('OperationError', 'AES key length must be 128, 192 or 256 bits');
      return alg.length;
    }
    if (alg.length === undefined) return BLOCK_BITS[alg.hash];
    if (alg.length === 0) throw new TypeErr('HMAC key length must not be zero');
    return alg.length;
  };
  const pbkdf2 = (s, alg, length, op) => {
    if (length === null || length % 8 !== 0) throw fail('OperationError', 'PBKDF2 length must be a multiple of 8');
    if (alg.iterations === 0) throw fail('OperationError', 'PBKDF2 iterations must not be zero');
    return use(s, op, [alg.hash, alg.salt, alg.iterations, length / 8]);
  };
  const GCM_TAGS = [32, 64, 96, 104, 112, 120, 128];
  const cipher = (op, algorithm, key, data) => {
    const s = slotOf(key, 'key');
    checkSource(data, 'data');
    const alg = normalize(op, algorithm);
    const bin = bytesOf(data, 'data');
    checkKey(s, alg.name, op);
    const encrypt = op === 'encrypt';
    if (alg.name === 'AES-CBC') return use(s, 'cbc', [encrypt, alg.iv, bin]);
    if (alg.name === 'AES-CTR') return use(s, 'ctr', [alg.counter, alg.length, bin]);
    if (!includes(GCM_TAGS, alg.tagLength)) throw fail('OperationError', 'AES-GCM tagLength must be 32, 64, 96, 104, 112, 120 or 128');
    return use(s, 'gcm', [encrypt, alg.iv, alg.additionalData, alg.tagLength / 8, bin]);
  };

  // ---- SubtleCrypto ----
  const FORMATS = ['raw', 'spki', 'pkcs8', 'jwk'];
  let subtle;
  const checkSubtle = (self) => {
    if (self !== subtle) throw new TypeErr('Illegal invocation');
  };
  class SubtleCrypto {
    constructor(token) {
      if (token !== TOKEN) throw new TypeErr('Illegal constructor');
    }
    async digest(algorithm, data) {
      checkSubtle(this);
      need(arguments.length, 2, 'digest');
      checkSource(data, 'data');
      const name = normalize('digest', algorithm).name;
      return native(digest, [name, bytesOf(data, 'data')]);
    }
    async importKey(format, keyData, algorithm, extractable, keyUsages) {
      checkSubtle(this);
      need(arguments.length, 5, 'importKey');
      format = toEnum(format, FORMATS, 'KeyFormat');
      let bin;
      if (format === 'jwk') {
        if (isView(keyData) || isArrayBuffer(keyData) || (keyData != null && !isObject(keyData))) throw new TypeErr('keyData is not a JsonWebKey');
      } else {
        bin = bytesOf(keyData, 'keyData');
      }
      const usages = toUsages(keyUsages);
      const alg = normalize('importKey', algorithm);
      const length = bin === undefined ? 0 : bin.length;
      return importSecret(alg, format, length, () => native(importKey, [bin]), !!extractable, usages);
    }
    async exportKey(format, key) {
      checkSubtle(this);
      need(arguments.length, 2, 'exportKey');
      format = toEnum(format, FORMATS, 'KeyFormat');
      const s = slotOf(key, 'key');
      if (s.alg.name === 'PBKDF2') throw fail('NotSupportedError', 'PBKDF2 keys cannot be exported');
      if (!s.extractable) throw fail('InvalidAccessError', 'The key is not extractable');
      requireRaw(format);
      return use(s, 'export', []);
    }
    async generateKey(algorithm, extractable, keyUsages) {
      checkSubtle(this);
      need(arguments.length, 3, 'generateKey');
      const usages = toUsages(keyUsages);
      const alg = normalize('generateKey', algorithm);
      const hmac = alg.name === 'HMAC';
      checkUsages(usages, hmac ? ['sign', 'verify'] : ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']);
      const bits = hmac && alg.length === undefined ? BLOCK_BITS[alg.hash] : alg.length;
      if (hmac ? bits === 0 : bits !== 128 && bits !== 192 && bits !== 256) throw fail('OperationError', 'Bad key length');
      const keyAlg = hmac ? { __proto__: null, name: 'HMAC', hash: alg.hash, length: bits } : { __proto__: null, name: alg.name, length: bits };
      if (usages.length === 0) throw fail('SyntaxError', 'Secret keys need at least one usage');
      return makeKey(keyAlg, !!extractable, usages, native(generateKey, [trunc((bits + 7) / 8)]));
    }
    async sign(algorithm, key, data) {
      checkSubtle(this);
      need(arguments.length, 3, 'sign');
      const s = slotOf(key, 'key');
      checkSource(data, 'data');
      const name = normalize('sign', algorithm).name;
      const bin = bytesOf(data, 'data');
      checkKey(s, name, 'sign');
      return use(s, 'sign', [s.alg.hash, bin]);
    }
    async verify(algorithm, key, signature, data) {
      checkSubtle(this);
      need(arguments.length, 4, 'verify');
      const s = slotOf(key, 'key');
      checkSource(signature, 'signature');
      checkSource(data, 'data');
      const name = normalize('verify', algorithm).name;
      const sig = bytesOf(signature, 'signature');
      const bin = bytesOf(data, 'data');
      checkKey(s, name, 'verify');
      return use(s, 'verify', [s.alg.hash, bin, sig]);
    }
    async encrypt(algorithm, key, data) {
      checkSubtle(this);
      need(arguments.length, 3, 'encrypt');
      return cipher('encrypt', algorithm, key, data);
    }
    async decrypt(algorithm, key, data) {
      checkSubtle(this);
      need(arguments.length, 3, 'decrypt');
      return cipher('decrypt', algorithm, key, data);
    }
    async deriveBits(algorithm, baseKey, length = null) {
      checkSubtle(this);
      need(arguments.length, 2, 'deriveBits');
      const s = slotOf(baseKey, 'baseKey');
      const bits = length === null ? null : unsignedLong(length);
      const alg = normalize('deriveBits', algorithm);
      checkKey(s, alg.name, 'deriveBits');
      return pbkdf2(s, alg, bits, 'pbkdf2');
    }
    async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
      checkSubtle(this);
      need(arguments.length, 5, 'deriveKey');
      const s = slotOf(baseKey, 'baseKey');
      const usages = toUsages(keyUsages);
      const alg = normalize('deriveBits', algorithm);
      const importAlg = normalize('importKey', derivedKeyType);
      const bits = keyLength(normalize('keyLength', derivedKeyType));
      checkKey(s, alg.name, 'deriveKey');
      const handle = pbkdf2(s, alg, bits, 'pbkdf2Key');
      return importSecret(importAlg, 'raw', bits / 8, () => handle, !!extractable, usages);
    }
  }

  // ---- Crypto ----
  const INTEGER_ARRAYS = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];
  let crypto;
  const checkCrypto = (self) => {
    if (self !== crypto) throw new TypeErr('Illegal invocation');
  };
  class Crypto {
    constructor(token) {
      if (token !== TOKEN) throw new TypeErr('Illegal constructor');
    }
    getRandomValues(array) {
      checkCrypto(this);
      need(arguments.length, 1, 'getRandomValues');
      if (!isView(array)) throw new TypeErr('getRandomValues: argument is not an ArrayBufferView');
      if (!includes(INTEGER_ARRAYS, apply(taTag, array, []))) {
        throw fail('TypeMismatchError', 'getRandomValues needs an integer typed array');
      }
      const length = apply(taLength, array, []);
      if (length > 65536) {
        throw fail('QuotaExceededError', `getRandomValues: ${length} bytes exceeds the limit of 65536`);
      }
      const target = new U8(apply(taBuffer, array, []), apply(taOffset, array, []), length);
      apply(taSet, target, [new U8(random(length))]);
      return array;
    }
    randomUUID() {
      checkCrypto(this);
      return uuid();
    }
    get subtle() {
      checkCrypto(this);
      return subtle;
    }
  }

  // WebIDL members are enumerable; classes carry their toStringTag.
  const webIdl = (cls, tag) => {
    const proto = cls.prototype;
    const keys = ownKeys(proto);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== 'constructor') {
        const desc = getOwnPropertyDescriptor(proto, keys[i]);
        desc.enumerable = true;
        defineProperty(proto, keys[i], desc);
      }
    }
    defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true });
  };
  webIdl(CryptoKey, 'CryptoKey');
  webIdl(SubtleCrypto, 'SubtleCrypto');
  webIdl(Crypto, 'Crypto');
  subtle = new SubtleCrypto(TOKEN);
  crypto = new Crypto(TOKEN);
  defineProperty(globalThis, 'crypto', { value: crypto, writable: true, enumerable: true, configurable: true });
})
