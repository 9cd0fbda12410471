// The web globals that need no Rust algorithm: console, timers on virtual
// time, queueMicrotask, structuredClone, performance, navigator, location
// and self. Called once per context with the host's natives; returns the
// hooks the host drives (timers) and uses (the result replacer).
(function (natives) {
  'use strict';
  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

  // QuickJS's generic array methods walk `length` without polling the
  // interrupt handler: on an array-like claiming 2 ** 53 elements they would
  // not return before the heat death of the call. Refuse lengths no array
  // in this heap can fill (sparse arrays that long are refused too).
  const MAX_LENGTH = 1 << 24;
  const AP = Array.prototype;
  for (const name of ['concat', 'copyWithin', 'every', 'fill', 'filter', 'find', 'findIndex',
    'findLast', 'findLastIndex', 'flat', 'flatMap', 'forEach', 'includes', 'indexOf', 'join',
    'lastIndexOf', 'map', 'reduce', 'reduceRight', 'reverse', 'slice', 'some', 'sort', 'splice',
    'toLocaleString', 'toReversed', 'toSorted', 'toSpliced', 'with']) {
    const original = AP[name];
    if (typeof original !== 'function') continue;
    const wrapped = {
      [name](...args) {
        const length = this === null || this === undefined ? 0 : Number(Object(this).length);
        if (length > MAX_LENGTH) {
          throw new RangeError('Array.prototype.' + name + ': a length of ' + length + ' is over this host\'s limit of ' + MAX_LENGTH);
        }
        return Reflect.apply(original, this, args);
      },
    }[name];
    Object.defineProperty(wrapped, 'length', { value: original.length, configurable: true });
    Object.defineProperty(AP, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
  }

  // console: every method writes one line to the plugin's log.
  const show = (v, seen) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'bigint') return v + 'n';
    if (typeof v === 'symbol' || typeof v === 'function') return String(v);
    if (v instanceof Error) return (v.stack ? v.name + ': ' + v.message + '\n' + v.stack : String(v));
    if (v === null || typeof v !== 'object') return String(v);
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    try {
      if (Array.isArray(v)) return '[' + v.map((x) => show(x, seen)).join(', ') + ']';
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s;
    } catch (e) {
      return Object.prototype.toString.call(v);
    } finally {
      seen.delete(v);
    }
  };
  const text = (args) => args.map((a) => show(a, new Set())).join(' ');
  const counts = new Map();
  const started = new Map();
  const console = {};
  const levels = { log: 'info', info: 'info', debug: 'debug', trace: 'debug', warn: 'warn', error: 'error', dir: 'info', table: 'info' };
  for (const m of Object.keys(levels)) {
    console[m] = (...args) => { natives.log(levels[m], text(args)); };
  }
  console.assert = (cond, ...args) => {
    if (!cond) natives.log('error', 'Assertion failed' + (args.length ? ': ' + text(args) : ''));
  };
  console.count = (label = 'default') => {
    const n = (counts.get(label) || 0) + 1;
    counts.set(label, n);
    natives.log('info', label + ': ' + n);
  };
  console.countReset = (label = 'default') => { counts.delete(label); };
  console.time = (label = 'default') => { started.set(label, natives.now()); };
  console.timeEnd = (label = 'default') => {
    if (!started.has(label)) return;
    natives.log('info', label + ': ' + (natives.now() - started.get(label)).toFixed(3) + ' ms');
    started.delete(label);
  };
  console.timeLog = (label = 'default', ...args) => {
    if (!started.has(label)) return;
    natives.log('info', label + ': ' + (natives.now() - started.get(label)).toFixed(3) + ' ms' + (args.length ? ' ' + text(args) : ''));
  };
  console.group = console.groupCollapsed = console.groupEnd = console.clear = () => {};
  define('console', console);

  // Timers: callbacks run after the script and its microtasks, in due-time
  // order (ties in the order they were set), on virtual time: the clock
  // jumps to the next due time instead of sleeping.
  let nextId = 1;
  let order = 0;
  let now = 0;
  const timers = new Map();
  const add = (handler, delay, args, repeat) => {
    let fn = handler;
    if (typeof fn !== 'function') {
      const code = String(handler);
      fn = () => (0, eval)(code);
    }
    // As browsers: the delay is a WebIDL `long` (ToInt32: 2**32 wraps to
    // 0, 2**31 to a negative), and below 0 is 0.
    delay = Math.max(0, Number(delay) | 0);
    const id = nextId++;
    timers.set(id, { fn, args, delay, due: now + delay, order: order++, repeat });
    return id;
  };
  const clear = (id) => { timers.delete(Number(id)); };
  define('setTimeout', (handler, delay, ...args) => add(handler, delay, args, false));
  define('setInterval', (handler, delay, ...args) => add(handler, delay, args, true));
  define('clearTimeout', clear);
  define('clearInterval', clear);
  const runNext = () => {
    let id = 0;
    let next = null;
    for (const [k, t] of timers) {
      if (next === null || t.due < next.due || (t.due === next.due && t.order < next.order)) {
        id = k;
        next = t;
      }
    }
    if (next === null) return false;
    now = Math.max(now, next.due);
    if (next.repeat) {
      next.due = now + Math.max(1, next.delay);
      next.order = order++;
    } else {
      timers.delete(id);
    }
    // An exception in a callback is reported, as browsers do, and the
    // script goes on: one stray timer must not discard the result.
    try {
      next.fn.apply(undefined, next.args);
    } catch (e) {
      natives.log('error', 'Uncaught ' + text([e]));
    }
    return true;
  };
  const clearAll = () => { timers.clear(); };

  define('queueMicrotask', (fn) => {
    if (typeof fn !== 'function') throw new TypeError('queueMicrotask: the callback is not a function');
    Promise.resolve().then(() => fn());
  });

  // structuredClone: the HTML structured clone of the types a script can
  // hold here; functions, symbols and other host objects throw
  // DataCloneError.
  const clone = (v, memo) => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')) return v;
    if (typeof v === 'function' || typeof v === 'symbol') {
      throw new DOMException(String(typeof v) + ' could not be cloned', 'DataCloneError');
    }
    if (memo.has(v)) return memo.get(v);
    const tag = Object.prototype.toString.call(v);
    let out;
    switch (tag) {
      case '[object Boolean]': out = new Boolean(v.valueOf()); break;
      case '[object Number]': out = new Number(v.valueOf()); break;
      case '[object String]': out = new String(v.valueOf()); break;
      case '[object BigInt]': out = Object(v.valueOf()); break;
      case '[object Date]': out = new Date(v.getTime()); break;
      case '[object RegExp]': out = new RegExp(v.source, v.flags); break;
      case '[object ArrayBuffer]': {
        if (v.detached) throw new DOMException('a detached ArrayBuffer could not be cloned', 'DataCloneError');
        if (v.resizable) {
          // Resizable stays resizable, to the same maximum.
          out = new ArrayBuffer(v.byteLength, { maxByteLength: v.maxByteLength });
          new Uint8Array(out).set(new Uint8Array(v));
        } else {
          out = v.slice(0);
        }
        break;
      }
      case '[object DataView]': {
        let length;
        try {
          length = v.byteLength;
        } catch (e) {
          throw new DOMException('an out-of-bounds DataView could not be cloned', 'DataCloneError');
        }
        out = new DataView(clone(v.buffer, memo), v.byteOffset, length);
        break;
      }
      case '[object Map]': {
        out = new Map();
        memo.set(v, out);
        for (const [k, x] of v) out.set(clone(k, memo), clone(x, memo));
        return out;
      }
      case '[object Set]': {
        out = new Set();
        memo.set(v, out);
        for (const x of v) out.add(clone(x, memo));
        return out;
      }
      case '[object Error]': {
        const C = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] || Error;
        out = new C(v.message);
        if (v.stack !== undefined) out.stack = String(v.stack);
        break;
      }
      case '[object Array]': {
        out = new Array(v.length);
        memo.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k], memo);
        return out;
      }
      case '[object Object]': {
        out = {};
        memo.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k], memo);
        return out;
      }
      default:
        if (ArrayBuffer.isView(v)) {
          out = new v.constructor(clone(v.buffer, memo), v.byteOffset, v.length);
          break;
        }
        throw new DOMException(tag + ' could not be cloned', 'DataCloneError');
    }
    memo.set(v, out);
    return out;
  };
  // `transfer`: the listed ArrayBuffers move to the clone, detached here.
  define('structuredClone', (value, options) => {
    const transfer = options == null || options.transfer === undefined ? [] : [...options.transfer];
    for (let i = 0; i < transfer.length; i++) {
      const b = transfer[i];
      if (Object.prototype.toString.call(b) !== '[object ArrayBuffer]') {
        throw new DOMException('only ArrayBuffers can be transferred', 'DataCloneError');
      }
      if (b.detached) throw new DOMException('a detached ArrayBuffer cannot be transferred', 'DataCloneError');
      if (transfer.indexOf(b) !== i) throw new DOMException('an ArrayBuffer is listed twice in transfer', 'DataCloneError');
    }
    const out = clone(value, new Map());
    for (const b of transfer) b.transfer();
    return out;
  });

  const origin = natives.now();
  define('performance', Object.freeze({
    now: () => natives.now() - origin,
    timeOrigin: Date.now() - (natives.now() - origin),
    toJSON() { return { timeOrigin: this.timeOrigin }; },
  }));
  define('navigator', Object.freeze({
    userAgent: natives.userAgent,
    appName: 'Netscape',
    appVersion: natives.userAgent.replace(/^Mozilla\//, ''),
    product: 'Gecko',
    vendor: '',
    platform: '',
    language: 'en-US',
    languages: Object.freeze(['en-US', 'en']),
    onLine: true,
    cookieEnabled: false,
    hardwareConcurrency: 1,
    webdriver: false,
  }));
  // A worker-like global scope: `self` is the global object; `location`
  // is the empty document's.
  define('self', g);
  const loc = new URL('about:blank');
  define('location', Object.freeze({
    href: loc.href, protocol: loc.protocol, host: loc.host, hostname: loc.hostname, port: loc.port,
    pathname: loc.pathname, search: loc.search, hash: loc.hash, origin: 'null',
    toString() { return this.href; },
  }));

  const replacer = (key, value) => (typeof value === 'bigint' ? value.toString() : value);
  return { runNext, clearAll, pending: () => timers.size, replacer };
})
