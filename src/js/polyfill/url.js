// URL and URLSearchParams (WHATWG URL Standard). A URL's state is a native
// handle in a private field; the Rust natives parse, run the setters and
// read and write application/x-www-form-urlencoded.
(function (natives) {
  'use strict';
  const { parse, canParse, parseQuery, serializeQuery } = natives;
  const toWellFormed = Function.prototype.call.bind(String.prototype.toWellFormed);
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

  // Web IDL USVString: ToString (a TypeError for symbols), then lone
  // surrogates become U+FFFD.
  const usv = (value) => toWellFormed(`${value}`);
  const optionalUsv = (value) => (value === undefined ? undefined : usv(value));

  function need(args, count, what) {
    if (args.length < count) {
      throw new TypeError(`${what} requires ${count} argument${count === 1 ? '' : 's'}, but only ${args.length} present`);
    }
  }

  // Internal access to URLSearchParams, for URL and the iterators.
  let params;

  class URLSearchParams {
    #list = [];
    // The associated URL's query setter, or null.
    #setQuery = null;

    static {
      params = {
        create(list, setQuery) {
          const p = new URLSearchParams();
          p.#list = list;
          p.#setQuery = setQuery;
          return p;
        },
        reset(p, list) {
          p.#list = list;
        },
        list(p) {
          return p.#list;
        },
      };
    }

    constructor(init = '') {
      if ((typeof init === 'object' && init !== null) || typeof init === 'function') {
        const method = init[Symbol.iterator];
        if (method !== undefined && method !== null) {
          if (typeof method !== 'function') throw new TypeError('URLSearchParams init is not iterable');
          for (const pair of { [Symbol.iterator]: () => method.call(init) }) {
            if ((typeof pair !== 'object' || pair === null) && typeof pair !== 'function') {
              throw new TypeError('Each URLSearchParams init pair must be a sequence');
            }
            const items = Array.from(pair, usv);
            if (items.length !== 2) throw new TypeError('Each URLSearchParams init pair must have exactly two items');
            this.#list.push(items);
          }
        } else {
          // record<USVString, USVString>: own enumerable keys, in order.
          const record = new Map();
          for (const key of Reflect.ownKeys(init)) {
            const desc = Reflect.getOwnPropertyDescriptor(init, key);
            if (desc !== undefined && desc.enumerable) record.set(usv(key), usv(init[key]));
          }
          for (const [name, value] of record) this.#list.push([name, value]);
        }
      } else {
        let query = usv(init);
        if (query.startsWith('?')) query = query.slice(1);
        this.#list = parseQuery(query);
      }
    }

    // The standard's "update" steps.
    #update() {
      if (this.#setQuery !== null) this.#setQuery(serializeQuery(this.#list));
    }

    get size() {
      return this.#list.length;
    }

    append(name, value) {
      need(arguments, 2, 'append');
      this.#list.push([usv(name), usv(value)]);
      this.#update();
    }

    delete(name, value = undefined) {
      need(arguments, 1, 'delete');
      const n = usv(name);
      const v = optionalUsv(value);
      this.#list = this.#list.filter((p) => p[0] !== n || (v !== undefined && p[1] !== v));
      this.#update();
    }

    get(name) {
      need(arguments, 1, 'get');
      const n = usv(name);
      const pair = this.#list.find((p) => p[0] === n);
      return pair === undefined ? null : pair[1];
    }

    getAll(name) {
      need(arguments, 1, 'getAll');
      const n = usv(name);
      return this.#list.filter((p) => p[0] === n).map((p) => p[1]);
    }

    has(name, value = undefined) {
      need(arguments, 1, 'has');
      const n = usv(name);
      const v = optionalUsv(value);
      return this.#list.some((p) => p[0] === n && (v === undefined || p[1] === v));
    }

    set(name, value) {
      need(arguments, 2, 'set');
      const n = usv(name);
      const v = usv(value);
      const first = this.#list.findIndex((p) => p[0] === n);
      if (first < 0) {
        this.#list.push([n, v]);
      } else {
        this.#list[first][1] = v;
        this.#list = this.#list.filter((p, i) => i <= first || p[0] !== n);
      }
      this.#update();
    }

    // Stable, by the names' UTF-16 code units (JS string order).
    sort() {
      const indexed = this.#list.map((p, i) => [p, i]);
      indexed.sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j));
      this.#list = indexed.map(([p]) => p);
      this.#update();
    }

    forEach(callback, thisArg = undefined) {
      need(arguments, 1, 'forEach');
      if (typeof callback !== 'function') throw new TypeError('forEach callback is not a function');
      for (let i = 0; i < this.#list.length; i++) {
        const [name, value] = this.#list[i];
        callback.call(thisArg, value, name, this);
      }
    }

    keys() {
      return new ParamsIterator(this, 'key');
    }

    values() {
      return new ParamsIterator(this, 'value');
    }

    entries() {
      return new ParamsIterator(this, 'key+value');
    }

    toString() {
      return serializeQuery(this.#list);
    }
  }

  // A live iterator over a URLSearchParams' list, by index.
  class ParamsIterator {
    #params;
    #kind;
    #index = 0;

    constructor(p, kind) {
      params.list(p);
      this.#params = p;
      this.#kind = kind;
    }

    next() {
      const list = params.list(this.#params);
      if (this.#index >= list.length) return { value: undefined, done: true };
      const [name, value] = list[this.#index++];
      const kind = this.#kind;
      return { value: kind === 'key' ? name : kind === 'value' ? value : [name, value], done: false };
    }
  }
  Object.setPrototypeOf(ParamsIterator.prototype, IteratorPrototype);
  delete ParamsIterator.prototype.constructor;
  Object.defineProperty(ParamsIterator.prototype, Symbol.toStringTag, {
    value: 'URLSearchParams Iterator',
    configurable: true,
  });
  Object.defineProperty(ParamsIterator.prototype, 'next', { enumerable: true });

  // Makes URL.parse's result without parsing again; closure-private.
  const adopt = Symbol('adopt');

  class URL {
    #h;
    #searchParams = null;

    constructor(url, base = undefined) {
      if (url === adopt) {
        this.#h = base;
        return;
      }
      need(arguments, 1, 'URL constructor');
      const h = parse(usv(url), optionalUsv(base));
      if (typeof h === 'string') throw new TypeError(h);
      this.#h = h;
    }

    static parse(url, base = undefined) {
      need(arguments, 1, 'URL.parse');
      const h = parse(usv(url), optionalUsv(base));
      return typeof h === 'string' ? null : new URL(adopt, h);
    }

    static canParse(url, base = undefined) {
      need(arguments, 1, 'URL.canParse');
      return canParse(usv(url), optionalUsv(base));
    }

    // After the query changed other than through searchParams.
    #queryChanged() {
      if (this.#searchParams !== null) params.reset(this.#searchParams, parseQuery(this.#h('query') ?? ''));
    }

    get href() {
      return this.#h('href');
    }
    set href(value) {
      this.#h('href', usv(value));
      this.#queryChanged();
    }
    get origin() {
      return this.#h('origin');
    }
    get protocol() {
      return this.#h('protocol');
    }
    set protocol(value) {
      this.#h('protocol', usv(value));
    }
    get username() {
      return this.#h('username');
    }
    set username(value) {
      this.#h('username', usv(value));
    }
    get password() {
      return this.#h('password');
    }
    set password(value) {
      this.#h('password', usv(value));
    }
    get host() {
      return this.#h('host');
    }
    set host(value) {
      this.#h('host', usv(value));
    }
    get hostname() {
      return this.#h('hostname');
    }
    set hostname(value) {
      this.#h('hostname', usv(value));
    }
    get port() {
      return this.#h('port');
    }
    set port(value) {
      this.#h('port', usv(value));
    }
    get pathname() {
      return this.#h('pathname');
    }
    set pathname(value) {
      this.#h('pathname', usv(value));
    }
    get search() {
      return this.#h('search');
    }
    set search(value) {
      this.#h('search', usv(value));
      this.#queryChanged();
    }
    get searchParams() {
      if (this.#searchParams === null) {
        const h = this.#h;
        this.#searchParams = params.create(parseQuery(h('query') ?? ''), (query) => h('query', query));
      }
      return this.#searchParams;
    }
    get hash() {
      return this.#h('hash');
    }
    set hash(value) {
      this.#h('hash', usv(value));
    }
    toString() {
      return this.#h('href');
    }
    toJSON() {
      return this.#h('href');
    }
  }

  // Web IDL: attributes and operations are enumerable; @@iterator is
  // entries; the classes have tags.
  Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
    value: URLSearchParams.prototype.entries,
    writable: true,
    configurable: true,
  });
  for (const [ctor, tag] of [[URL, 'URL'], [URLSearchParams, 'URLSearchParams']]) {
    for (const target of [ctor, ctor.prototype]) {
      for (const key of Object.getOwnPropertyNames(target)) {
        if (['constructor', 'length', 'name', 'prototype'].includes(key)) continue;
        Object.defineProperty(target, key, { enumerable: true });
      }
    }
    Object.defineProperty(ctor.prototype, Symbol.toStringTag, { value: tag, configurable: true });
    Object.defineProperty(globalThis, tag, { value: ctor, writable: true, configurable: true });
  }
})
