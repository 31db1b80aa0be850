import type { JsonValue } from './wire.js';

/** Orders strings by Unicode code point, which is the order of their UTF-8 bytes (the order of Rust's `BTreeMap<String, _>`). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: they sort after every BMP unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  // Plain ASCII keys (the common case) sort the same by code unit and by code point.
  return keys.sort(compareCodePoints);
}

/**
 * Canonical JSON: object keys sorted, no white space. `undefined` members are
 * left out (as `JSON.stringify` does); non-finite numbers become `null`.
 * Numbers use JavaScript's formatting, which equals serde_json's for integers
 * and for most floats (see README: an integral float such as `5.0` prints as `5`).
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return canonicalJson((toJSON as () => unknown).call(value));
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : canonicalJson(item);
        }
        return out + ']';
      }
      let out = '{';
      let first = true;
      for (const key of sortedKeys(value)) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(key) + ':' + canonicalJson(item);
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}

/**
 * Canonical params: keys sorted, members whose value is `null` or `undefined`
 * left out (an `Option` that is `None`). Nested values are normalised through
 * a JSON round trip in canonical order.
 */
export function canonicalParams(params: object | null | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (params == null) return out;
  for (const key of sortedKeys(params)) {
    const value = (params as Record<string, unknown>)[key];
    if (value === null || value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    setOwn(out, key, typeof value === 'object' ? (JSON.parse(canonicalJson(value)) as JsonValue) : (value as JsonValue));
  }
  return out;
}

/**
 * Sets `obj[key] = value` as an own data property whatever the key: a plain
 * assignment of `__proto__` would change the prototype (or be ignored)
 * instead of adding a param. This is how every user-chosen name becomes an
 * object key in this package (as `JSON.parse` does for the wire's objects).
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** The cache key of a bundle: context name and canonical params. */
export function bundleKey(context: string, canonical: Record<string, JsonValue>): string {
  return JSON.stringify(context) + canonicalJson(canonical);
}
