import { canonicalJson } from './canonical.js';
import type { JsonValue, Target } from './wire.js';

/** What `reaches` needs to know of a bundle: its context and its (canonical) params. */
export interface BundleRef {
  context: string;
  params: Readonly<Record<string, JsonValue | undefined>>;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Equality of two JSON values by canonical JSON (object key order does not matter, array order does). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The reach rule (docs/protocol.md: "Invalidation"), the one place it is written down:
 * target `(C, T)` reaches bundle `(C, B)` iff the contexts are equal and for
 * every key `k` of `T`, `k` is absent from `B` or `B[k]` equals `T[k]`
 * (compared as canonical JSON). A `null` value counts as absent on both sides,
 * as canonical params never hold one.
 */
export function reaches(target: Target, bundle: BundleRef): boolean {
  if (target.context !== bundle.context) return false;
  const t = target.params;
  const b = bundle.params;
  for (const key in t) {
    if (!hasOwn.call(t, key)) continue;
    const want = t[key];
    if (want === null || want === undefined) continue;
    if (!hasOwn.call(b, key)) continue;
    const have = b[key];
    if (have === null || have === undefined) continue;
    if (!jsonEqual(have, want)) return false;
  }
  return true;
}
