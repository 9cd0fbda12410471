// TextEncoder and TextDecoder (WHATWG Encoding Standard). The Rust natives
// encode and decode; this glue converts arguments as Web IDL does.
(function (natives) {
  'use strict';
  const { encode, encodeInto, encodingName, decoder } = natives;
  const toWellFormed = Function.prototype.call.bind(String.prototype.toWellFormed);
  const fromCharCode = String.fromCharCode;
  const isView = ArrayBuffer.isView;
  const SharedBuffer = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : ArrayBuffer;

  // Web IDL USVString: ToString, then lone surrogates become U+FFFD.
  const usv = (value) => toWellFormed(`${value}`);

  // A Web IDL dictionary argument: undefined and null are empty.
  function dictionary(value, what) {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' && typeof value !== 'function') {
      throw new TypeError(`${what} is not an object`);
    }
    return value;
  }

  // The bytes of an AllowSharedBufferSource as a Uint8Array over them; a
  // detached buffer has none.
  function bytesOf(input) {
    if (isView(input)) {
      const length = input.byteLength;
      return length === 0 ? new Uint8Array(0) : new Uint8Array(input.buffer, input.byteOffset, length);
    }
    if (input instanceof ArrayBuffer || input instanceof SharedBuffer) return new Uint8Array(input.byteLength === 0 ? 0 : input);
    throw new TypeError("The provided value is not of type '(ArrayBuffer or ArrayBufferView)'");
  }

  // Bytes as a binary string, the form the natives read them in.
  function binaryString(bytes) {
    const chunk = 0x2000;
    if (bytes.length <= chunk) return fromCharCode.apply(null, bytes);
    const parts = [];
    for (let i = 0; i < bytes.length; i += chunk) {
      parts.push(fromCharCode.apply(null, bytes.subarray(i, i + chunk)));
    }
    return parts.join('');
  }

  function brandError(name) {
    return new TypeError(`Illegal invocation: not a ${name}`);
  }

  class TextEncoder {
    #brand = true;
    static #check(self) {
      if (typeof self !== 'object' || self === null || !(#brand in self)) throw brandError('TextEncoder');
    }
    get encoding() {
      TextEncoder.#check(this);
      return 'utf-8';
    }
    encode(input = '') {
      TextEncoder.#check(this);
      return encode(usv(input));
    }
    encodeInto(source, destination) {
      TextEncoder.#check(this);
      if (arguments.length < 2) throw new TypeError('encodeInto requires 2 arguments');
      const text = usv(source);
      if (!(destination instanceof Uint8Array)) {
        throw new TypeError("The provided value is not of type 'Uint8Array'");
      }
      const [read, bytes] = encodeInto(text, destination.length);
      destination.set(bytes);
      return { read, written: bytes.length };
    }
  }

  class TextDecoder {
    #encoding;
    #fatal;
    #ignoreBOM;
    #decode;
    constructor(label = 'utf-8', options = undefined) {
      const text = `${label}`;
      const dict = dictionary(options, 'options');
      const fatal = Boolean(dict.fatal);
      const ignoreBOM = Boolean(dict.ignoreBOM);
      const name = encodingName(text);
      if (name === undefined) throw new RangeError(`The encoding label provided ('${text}') is invalid.`);
      this.#encoding = name;
      this.#fatal = fatal;
      this.#ignoreBOM = ignoreBOM;
      this.#decode = decoder(name, fatal, ignoreBOM);
    }
    get encoding() {
      return this.#encoding;
    }
    get fatal() {
      return this.#fatal;
    }
    get ignoreBOM() {
      return this.#ignoreBOM;
    }
    decode(input = undefined, options = undefined) {
      const decode = this.#decode;
      const bytes = input === undefined ? undefined : bytesOf(input);
      const stream = Boolean(dictionary(options, 'options').stream);
      return decode(bytes === undefined ? '' : binaryString(bytes), stream);
    }
  }

  // Web IDL: attributes and operations are enumerable; the class has a tag.
  for (const [ctor, tag] of [[TextEncoder, 'TextEncoder'], [TextDecoder, 'TextDecoder']]) {
    const proto = ctor.prototype;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      desc.enumerable = true;
      Object.defineProperty(proto, key, desc);
    }
    Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true });
    Object.defineProperty(globalThis, tag, { value: ctor, writable: true, configurable: true });
  }
})
