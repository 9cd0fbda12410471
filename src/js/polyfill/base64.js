// atob and btoa (HTML Standard). The Rust natives return undefined where the
// standard throws an "InvalidCharacterError" DOMException.
(function (natives) {
  'use strict';
  const { atob: decode, btoa: encode } = natives;
  const DOMException = globalThis.DOMException;

  const api = {
    atob(data) {
      if (arguments.length < 1) throw new TypeError('atob requires 1 argument');
      const result = decode(`${data}`);
      if (result === undefined) {
        throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
      }
      return result;
    },
    btoa(data) {
      if (arguments.length < 1) throw new TypeError('btoa requires 1 argument');
      const result = encode(`${data}`);
      if (result === undefined) {
        throw new DOMException('The string to be encoded contains characters outside of the Latin1 range.', 'InvalidCharacterError');
      }
      return result;
    },
  };

  for (const name of ['atob', 'btoa']) {
    Object.defineProperty(globalThis, name, { value: api[name], writable: true, enumerable: true, configurable: true });
  }
})
