/**
 * First-paint hydration (docs/protocol.md: "First-paint hydration"): the bundles the plugin computed for
 * this window when it was created, carried by its initialization script
 * and read once as `window.__MIZAN_HYDRATE__`, a JSON string (parsed once:
 * faster than a large object literal). The client stores them before the
 * first render, so that render has the data with no IPC call.
 *
 * The script answers only in the top frame of a page of the app's own
 * origin, once, and only after the plugin confirmed the page (its window's
 * own access and the identity the snapshot is for); otherwise the read
 * answers nothing and the page fetches as it would without a snapshot.
 *
 * A snapshot carries the number (`seq`) of the last invalidation event
 * when it was computed. Once its event listener is up, the client asks the
 * plugin (`plugin:mizan|since`) what was invalidated after that: events it
 * could not hear (before its listener was up, or before a reload ran the
 * same old snapshot again). What they reached is marked stale and
 * refetched in the background, its data shown meanwhile.
 */
import type { BundleResponse, JsonValue, Target } from './wire.js';

/** What the plugin put in the page. */
export interface Snapshot {
  /** The window label it was computed for; a snapshot for another label is ignored. */
  label: string;
  /** The last invalidation event's number when it was computed. */
  seq: number;
  /** The id of the identity it was computed for (`null`: nobody). */
  identity?: string | null;
  bundles: BundleResponse<unknown>[];
}

/** The answer of `plugin:mizan|since`. */
export interface SinceAnswer {
  seq: number;
  /** Every target invalidated after the asked number; `null` when the plugin no longer holds them all. */
  targets: Target[] | null;
}

const GLOBAL = '__MIZAN_HYDRATE__';

/**
 * The snapshot of this page for `label` (any label when `null`), or
 * `undefined` when there is none, it is malformed, or it is another window's.
 */
export function readSnapshot(label: string | null): Snapshot | undefined {
  const global = globalThis as Record<string, unknown>;
  const text = global[GLOBAL];
  // Read once: whatever defined it, it is gone for the rest of the page.
  if (GLOBAL in global) delete global[GLOBAL];
  if (typeof text !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isSnapshot(parsed)) return undefined;
  if (label !== null && parsed.label !== label) return undefined;
  return parsed;
}

function isSnapshot(value: unknown): value is Snapshot {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Snapshot;
  return (
    typeof s.label === 'string' &&
    typeof s.seq === 'number' &&
    Array.isArray(s.bundles) &&
    s.bundles.every(
      (b) =>
        typeof b === 'object' &&
        b !== null &&
        typeof b.context === 'string' &&
        isObject(b.params) &&
        isObject(b.data),
    )
  );
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an answer of `since` is well formed. */
export function isSinceAnswer(value: unknown): value is SinceAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as SinceAnswer;
  return typeof a.seq === 'number' && (a.targets === null || Array.isArray(a.targets));
}
