import { bundleKey, canonicalJson, canonicalParams, compareCodePoints, setOwn } from './canonical.js';
import { MizanError } from './errors.js';
import { Notifier } from './notify.js';
import { reaches } from './reach.js';
import type { BundleResponse, JsonValue, RefreshKey, StaleInfo, Target, WireError } from './wire.js';

/** A bundle as the cache hands it out. */
export interface Bundle<B> {
  context: string;
  params: Record<string, JsonValue>;
  data: Partial<B>;
  errors: Partial<Record<keyof B, WireError>>;
  /** Cached functions whose stored value stands in for a failed run (empty when none). */
  stale: Partial<Record<keyof B, StaleInfo>>;
}

export type BundleStatus = 'pending' | 'success' | 'error';

/**
 * The state of one cache entry. Immutable: every change makes a new object,
 * so identity comparison tells whether anything changed.
 */
export interface BundleState<B> {
  /** The last bundle data stored, kept while a refetch runs (stale-while-revalidate). */
  readonly data: Partial<B> | undefined;
  /** Per-function errors of the last bundle stored. */
  readonly errors: Partial<Record<keyof B, WireError>>;
  /**
   * Cached functions of the last bundle stored whose value is an old one
   * standing in for a failed run (offline, say): when it was stored and why
   * the run failed. Empty when nothing is stale.
   */
  readonly stale: Partial<Record<keyof B, StaleInfo>>;
  /** `pending`: nothing stored yet; `success`: the last fetch stored a bundle; `error`: the last fetch failed as a whole. */
  readonly status: BundleStatus;
  /** The error of the last failed fetch (whole-bundle failure such as `unknown_context`), else `null`. */
  readonly error: MizanError | null;
  /** An invalidation reached this bundle after its data was fetched. */
  readonly isStale: boolean;
  /** A fetch for this key is in flight. */
  readonly isFetching: boolean;
  /** `Date.now()` when data was last stored, 0 if never. */
  readonly updatedAt: number;
}

/** The actions of the entry state machine; `reduce` is the only place state changes. */
export type BundleAction =
  | { type: 'fetch' }
  | { type: 'success'; bundle: BundleResponse<unknown>; now: number }
  | { type: 'error'; error: MizanError }
  | { type: 'invalidate' };

const EMPTY_ERRORS = Object.freeze({}) as Partial<Record<never, WireError>>;
const EMPTY_STALE = Object.freeze({}) as Partial<Record<never, StaleInfo>>;

/** The oldest `stored_at` among a bundle's stale functions (unix ms), or `null` when nothing is stale. */
export function staleSince(bundle: { readonly stale?: Partial<Record<PropertyKey, StaleInfo>> }): number | null {
  let oldest: number | null = null;
  for (const info of Object.values(bundle.stale ?? {})) {
    if (info && (oldest === null || info.stored_at < oldest)) oldest = info.stored_at;
  }
  return oldest;
}

export const INITIAL_STATE: BundleState<never> = Object.freeze({
  data: undefined,
  errors: EMPTY_ERRORS,
  stale: EMPTY_STALE,
  status: 'pending',
  error: null,
  isStale: false,
  isFetching: false,
  updatedAt: 0,
});

/** Pure reducer of one entry's state. Returns the same object when nothing changes. */
export function reduce(state: BundleState<unknown>, action: BundleAction): BundleState<unknown> {
  switch (action.type) {
    case 'fetch':
      return state.isFetching ? state : { ...state, isFetching: true };
    case 'success':
      return {
        data: action.bundle.data,
        errors: (action.bundle.errors ?? EMPTY_ERRORS) as BundleState<unknown>['errors'],
        stale: (action.bundle.stale ?? EMPTY_STALE) as BundleState<unknown>['stale'],
        status: 'success',
        error: null,
        isStale: false,
        isFetching: false,
        updatedAt: action.now,
      };
    case 'error':
      return { ...state, status: 'error', error: action.error, isFetching: false };
    case 'invalidate':
      return state.isStale ? state : { ...state, isStale: true };
  }
}

type Timer = ReturnType<typeof setTimeout>;

/** One cached bundle. Internal; exposed read-only through `BundleCache`. */
export class CacheEntry {
  readonly key: string;
  readonly context: string;
  readonly params: Record<string, JsonValue>;
  /** Canonical JSON of each param value by name (names sorted), for the index. */
  readonly valueKeys: Map<string, string>;
  /** The index's name for the set of param names (the entry's shape). */
  readonly shapeKey: string;
  state: BundleState<unknown> = INITIAL_STATE;
  /** Bumped by every invalidation that reaches this entry: a fetch started under an older generation may not store. */
  generation = 0;
  inflight: { generation: number; promise: Promise<Bundle<unknown>> } | undefined;
  readonly listeners = new Set<() => void>();
  gcTimer: Timer | undefined;
  /** Set once the entry left the cache (dropped, collected or cleared). */
  removed = false;

  constructor(context: string, params: Record<string, JsonValue>, key: string) {
    this.context = context;
    this.params = params;
    this.key = key;
    this.valueKeys = new Map();
    const names = Object.keys(params).sort(compareCodePoints);
    for (const k of names) this.valueKeys.set(k, canonicalJson(params[k]));
    this.shapeKey = JSON.stringify(names);
  }

  /** Whether anything keeps this entry alive: a subscriber or a running fetch. */
  get inUse(): boolean {
    return this.listeners.size > 0 || this.inflight !== undefined;
  }
}

/**
 * The entries of one context that have exactly the same param names (one
 * "shape", e.g. `{page, user_id}`). Within a shape a target either names
 * none of the names (it reaches every entry), all of them (it reaches at most
 * the one entry with those values) or some (the entries matching on each).
 */
interface ShapeGroup {
  /** The param names of every entry of the group, sorted. */
  readonly names: readonly string[];
  readonly entries: Set<CacheEntry>;
  /** name -> canonical value -> entries with that value */
  readonly postings: Map<string, Map<string, Set<CacheEntry>>>;
}

interface ContextIndex {
  /** shape key (the sorted names as JSON) -> group */
  readonly shapes: Map<string, ShapeGroup>;
  size: number;
}

export type BundleFetcher = (context: string, params: Record<string, JsonValue>) => Promise<BundleResponse<unknown>>;

export interface BundleCacheOptions {
  fetcher: BundleFetcher;
  /** Milliseconds an entry nobody uses stays cached. Default 5 minutes; `Infinity` keeps entries forever. */
  gcTime?: number;
  notifier?: Notifier;
}

/** What applying targets did: how many entries they reached, and the refetches of the subscribed ones. */
export interface TargetsApplied {
  /** Number of cached entries reached. */
  readonly reached: number;
  /**
   * Settles once every refetch the targets started (those of subscribed
   * entries) has settled, whether it stored data or failed. Never rejects.
   */
  readonly refetched: Promise<void>;
}

/**
 * The bundles a single-flight call listed in its `refresh`, with the
 * generation each entry was at when the call was sent.
 */
export interface RefreshPlan {
  readonly keys: RefreshKey[];
  readonly sent: ReadonlyMap<CacheEntry, number>;
}

/** A single-flight call's plan and the bundles its envelope brought back, by cache key. */
export interface Refreshed {
  readonly plan: RefreshPlan;
  readonly bundles: ReadonlyMap<string, BundleResponse<unknown>>;
}

export const DEFAULT_GC_TIME = 5 * 60 * 1000;

/**
 * A bundle as handed out from a `ctx` answer (or a single-flight envelope's
 * bundle): missing fields filled in, `context` and `params` those asked for
 * when the answer leaves them out.
 */
export function toBundle<B>(
  response: BundleResponse<unknown> | undefined,
  context: string,
  params: Record<string, JsonValue>,
): Bundle<B> {
  return {
    context: response?.context ?? context,
    params: response?.params ?? params,
    data: (response?.data ?? {}) as Partial<B>,
    errors: (response?.errors ?? {}) as Bundle<B>['errors'],
    stale: (response?.stale ?? {}) as Bundle<B>['stale'],
  };
}

type Outcome = { ok: true; response: BundleResponse<unknown> } | { ok: false; error: MizanError };

const SETTLED: Promise<void> = Promise.resolve();

/**
 * The framework-agnostic bundle cache (docs/protocol.md: "The client cache").
 *
 * Entries are keyed by (context, canonical params) and indexed by context,
 * then by shape (the set of param names), then by the tuple of all values and
 * by (param name, canonical value). Applying a target therefore touches, per
 * shape of its context, one tuple lookup or the smallest posting list, not the
 * whole cache.
 */
export class BundleCache {
  readonly gcTime: number;
  readonly notifier: Notifier;
  private readonly fetcher: BundleFetcher;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly contexts = new Map<string, ContextIndex>();
  private disposed = false;

  constructor(options: BundleCacheOptions) {
    this.fetcher = options.fetcher;
    this.gcTime = options.gcTime ?? DEFAULT_GC_TIME;
    this.notifier = options.notifier ?? new Notifier();
  }

  /** Number of cached entries. */
  get size(): number {
    return this.entries.size;
  }

  /** All entries (for inspection and tests). */
  getAll(): CacheEntry[] {
    return [...this.entries.values()];
  }

  /** The entry of a key, if cached. */
  find(context: string, params: object | null | undefined): CacheEntry | undefined {
    return this.entries.get(bundleKey(context, canonicalParams(params)));
  }

  /** The entry of a key, created (pending, nothing fetched) if missing. */
  build(context: string, params: object | null | undefined): CacheEntry {
    const canonical = canonicalParams(params);
    const key = bundleKey(context, canonical);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = new CacheEntry(context, canonical, key);
      this.entries.set(key, entry);
      this.addToIndex(entry);
      this.scheduleGc(entry);
    }
    return entry;
  }

  // ---- state machine -----------------------------------------------------

  private dispatch(entry: CacheEntry, action: BundleAction): void {
    const next = reduce(entry.state, action);
    if (next === entry.state) return;
    entry.state = next;
    for (const listener of entry.listeners) this.notifier.schedule(listener);
  }

  /**
   * Fetches an entry, joining a fetch in flight for the same generation.
   * A fetch whose generation was overtaken by an invalidation never stores
   * its answer: it fetches again and resolves with that newer answer.
   */
  fetchEntry<B>(entry: CacheEntry): Promise<Bundle<B>> {
    if (entry.inflight && entry.inflight.generation === entry.generation) {
      return entry.inflight.promise as Promise<Bundle<B>>;
    }
    return this.startFetch(entry) as Promise<Bundle<B>>;
  }

  private startFetch(entry: CacheEntry): Promise<Bundle<unknown>> {
    const generation = entry.generation;
    const promise: Promise<Bundle<unknown>> = Promise.resolve()
      .then(() => this.fetcher(entry.context, entry.params))
      .then(
        (response): Bundle<unknown> | Promise<Bundle<unknown>> =>
          this.settle(entry, generation, promise, { ok: true, response }),
        (reason: unknown) => this.settle(entry, generation, promise, { ok: false, error: MizanError.from(reason) }),
      );
    entry.inflight = { generation, promise };
    this.dispatch(entry, { type: 'fetch' });
    return promise;
  }

  /**
   * The one place a fetch's outcome lands. It is stored, and handed to its
   * awaiters, only if no invalidation reached the key since the fetch started
   * (same generation, entry still cached). Otherwise it may predate that
   * invalidation: the awaiters get the key's current answer instead (fresh
   * data stored since, the newer fetch in flight, or a new fetch), whether the
   * entry is still cached or was dropped meanwhile.
   */
  private settle(
    entry: CacheEntry,
    generation: number,
    promise: Promise<Bundle<unknown>>,
    outcome: Outcome,
  ): Bundle<unknown> | Promise<Bundle<unknown>> {
    if (entry.inflight?.promise === promise) entry.inflight = undefined;
    const current = entry.generation === generation && !entry.removed;
    if (current) {
      if (outcome.ok) this.dispatch(entry, { type: 'success', bundle: outcome.response, now: Date.now() });
      else this.dispatch(entry, { type: 'error', error: outcome.error });
    }
    // Whatever happened, the entry may have become unused: collect it later.
    this.scheduleGc(entry);
    if (current || (this.disposed && entry.generation === generation)) {
      if (outcome.ok) return toBundle(outcome.response, entry.context, entry.params);
      throw outcome.error;
    }
    if (this.disposed) {
      throw new MizanError({
        code: 'internal',
        message: 'the Mizan client was destroyed while this bundle was being refetched',
        fn: undefined,
        details: {},
        invalidate: [],
      });
    }
    return this.ensure(entry.context, entry.params);
  }

  private cached<B>(entry: CacheEntry): Bundle<B> {
    const s = entry.state;
    return {
      context: entry.context,
      params: entry.params,
      data: (s.data ?? {}) as Partial<B>,
      errors: s.errors as Bundle<B>['errors'],
      stale: s.stale as Bundle<B>['stale'],
    };
  }

  /** Resolves from the cache when the entry holds fresh data, else fetches (de-duplicated). */
  ensure<B>(context: string, params: object | null | undefined): Promise<Bundle<B>> {
    const entry = this.build(context, params);
    const s = entry.state;
    if (s.status === 'success' && !s.isStale && !entry.inflight) {
      return Promise.resolve(this.cached<B>(entry));
    }
    return this.fetchEntry<B>(entry);
  }

  /** Fetches again (joining a fetch of the current generation if one is in flight). */
  refetch<B>(context: string, params: object | null | undefined): Promise<Bundle<B>> {
    return this.fetchEntry<B>(this.build(context, params));
  }

  /**
   * Stores a bundle as fresh (e.g. first-paint hydration). Counts as a new
   * generation: a fetch in flight for the key does not overwrite it, and its
   * awaiters get this bundle.
   */
  setBundle(bundle: BundleResponse<unknown>): CacheEntry {
    const entry = this.build(bundle.context, bundle.params);
    entry.generation++;
    this.notifier.batch(() => this.dispatch(entry, { type: 'success', bundle, now: Date.now() }));
    this.scheduleGc(entry);
    return entry;
  }

  // ---- subscriptions ------------------------------------------------------

  /**
   * Subscribes to an entry. The first subscriber of an entry that has no
   * fresh data starts a fetch. Returns the unsubscribe function.
   */
  subscribe(entry: CacheEntry, listener: () => void): () => void {
    let live = entry;
    if (live.removed) live = this.build(entry.context, entry.params);
    live.listeners.add(listener);
    this.cancelGc(live);
    if (this.wantsFetch(live)) {
      this.notifier.batch(() => {
        this.fetchEntry(live).catch(noop);
      });
    }
    return () => {
      if (!live.listeners.delete(listener)) return;
      this.scheduleGc(live);
    };
  }

  /** Whether a (new) subscriber of this entry would start a fetch. */
  wantsFetch(entry: CacheEntry): boolean {
    const s = entry.state;
    if (entry.inflight) return false;
    // Nothing stored yet, invalidated, or the last fetch failed (retried on next use, as TanStack retries on mount).
    return s.status !== 'success' || s.isStale;
  }

  // ---- single-flight refresh ---------------------------------------------

  /**
   * The bundles someone is subscribed to, at most `limit` of them, with
   * their generations now: what a single-flight call lists in `refresh`.
   */
  subscribedKeys(limit: number): RefreshPlan {
    const keys: RefreshKey[] = [];
    const sent = new Map<CacheEntry, number>();
    if (limit <= 0) return { keys, sent };
    for (const entry of this.entries.values()) {
      if (entry.listeners.size === 0) continue;
      keys.push({ context: entry.context, params: entry.params });
      sent.set(entry, entry.generation);
      if (keys.length >= limit) break;
    }
    return { keys, sent };
  }

  /**
   * The bundle a single-flight envelope brought back for `entry`, if it may
   * land as fresh: the call listed the entry and no invalidation reached it
   * since the call was sent (the generation rule of `settle`).
   */
  private refreshedFor(entry: CacheEntry, refreshed: Refreshed | undefined): BundleResponse<unknown> | undefined {
    if (!refreshed || entry.removed) return undefined;
    if (refreshed.plan.sent.get(entry) !== entry.generation) return undefined;
    return refreshed.bundles.get(entry.key);
  }

  // ---- invalidation -------------------------------------------------------

  /** The entries a target reaches, found through the index. */
  reached(target: Target): CacheEntry[] {
    const out: CacheEntry[] = [];
    const ctx = this.contexts.get(target.context);
    if (!ctx) return out;
    // The target's values by name; a null value names nothing (canonical params hold no nulls).
    const wanted = new Map<string, string>();
    const params = target.params ?? {};
    for (const k of Object.keys(params)) {
      const value = params[k];
      if (value !== null && value !== undefined) wanted.set(k, canonicalJson(value));
    }
    for (const group of ctx.shapes.values()) {
      let named = 0;
      let smallest: Set<CacheEntry> | undefined;
      let none = false;
      for (const name of group.names) {
        const want = wanted.get(name);
        if (want === undefined) continue;
        named++;
        const posting = group.postings.get(name)?.get(want);
        if (!posting) {
          none = true; // no entry of this shape has that value
          break;
        }
        if (!smallest || posting.size < smallest.size) smallest = posting;
      }
      if (none) continue;
      if (named === 0) {
        // The target names none of this shape's params: absent means any, every entry is reached.
        for (const entry of group.entries) out.push(entry);
      } else if (named === group.names.length) {
        // It names them all: at most the one entry with exactly these values, found by its key.
        const exact: Record<string, JsonValue> = {};
        for (const name of group.names) setOwn(exact, name, params[name]!);
        const entry = this.entries.get(bundleKey(target.context, exact));
        if (entry) out.push(entry);
      } else {
        for (const entry of smallest!) if (reaches(target, entry)) out.push(entry);
      }
    }
    return out;
  }

  /**
   * Applies targets: every reached bundle becomes stale; subscribed ones
   * refetch at once, ones with a fetch in flight refetch when it returns,
   * the others are dropped (they refetch on next use). Subscribers are
   * notified once, after all targets are applied. Returns the number of
   * entries reached.
   */
  applyTargets(targets: readonly Target[]): number {
    return this.apply(targets).reached;
  }

  /**
   * `applyTargets`, also handing out a promise of the refetches it started
   * (what `MizanClient.call` awaits before it settles).
   */
  apply(targets: readonly Target[], refreshed?: Refreshed, keep = false): TargetsApplied {
    if (targets.length === 0) return { reached: 0, refetched: SETTLED };
    const refetches: Array<Promise<unknown>> = [];
    const reached = this.notifier.batch(() => {
      const seen = new Set<CacheEntry>();
      for (const target of targets) {
        if (!target || typeof target.context !== 'string') continue;
        for (const entry of this.reached(target)) {
          if (seen.has(entry)) continue;
          seen.add(entry);
          const refetch = this.invalidateEntry(entry, this.refreshedFor(entry, refreshed), keep);
          if (refetch) refetches.push(refetch);
        }
      }
      return seen.size;
    });
    const refetched = refetches.length === 0 ? SETTLED : Promise.allSettled(refetches).then(noop);
    return { reached, refetched };
  }

  /**
   * Invalidates one entry; with `fresh` (a single-flight bundle computed
   * after the invalidation), stores it instead of refetching.
   */
  private invalidateEntry(entry: CacheEntry, fresh?: BundleResponse<unknown>, keep = false): Promise<unknown> | undefined {
    entry.generation++;
    if (fresh) {
      // A fetch in flight from before is overtaken: its awaiters get this bundle.
      this.dispatch(entry, { type: 'success', bundle: fresh, now: Date.now() });
      this.scheduleGc(entry);
      return undefined;
    }
    if (entry.listeners.size > 0) {
      this.dispatch(entry, { type: 'invalidate' });
      const refetch = this.startFetch(entry);
      refetch.catch(noop);
      return refetch;
    }
    if (entry.inflight || keep) {
      // Someone awaits this fetch: it will see the new generation and fetch
      // again. Or the stale data is kept to show until the first subscriber
      // refetches (a hydrated entry: stale-while-revalidate).
      this.dispatch(entry, { type: 'invalidate' });
    } else {
      this.remove(entry);
    }
    return undefined;
  }

  /**
   * Like `apply`, but keeps the reached entries nobody subscribes to yet,
   * marked stale, so their data still shows while the first subscriber
   * refetches them (what a hydrated page does with invalidations it missed).
   */
  revalidate(targets: readonly Target[]): TargetsApplied {
    return this.apply(targets, undefined, true);
  }

  // ---- garbage collection -----------------------------------------------

  /** (Re)starts the collection timer of an entry nobody uses; the one place an unused entry gets one. */
  private scheduleGc(entry: CacheEntry): void {
    if (entry.inUse || entry.removed) return;
    this.cancelGc(entry);
    if (!Number.isFinite(this.gcTime)) return;
    const timer = setTimeout(() => {
      entry.gcTimer = undefined;
      if (!entry.inUse) this.remove(entry);
    }, Math.max(0, this.gcTime));
    (timer as { unref?: () => void }).unref?.();
    entry.gcTimer = timer;
  }

  private cancelGc(entry: CacheEntry): void {
    if (entry.gcTimer !== undefined) {
      clearTimeout(entry.gcTimer);
      entry.gcTimer = undefined;
    }
  }

  /** Removes an entry from the cache (its subscribers, if any, keep a detached entry). */
  remove(entry: CacheEntry): void {
    if (entry.removed || this.entries.get(entry.key) !== entry) return;
    this.cancelGc(entry);
    entry.removed = true;
    this.entries.delete(entry.key);
    this.removeFromIndex(entry);
    for (const listener of entry.listeners) this.notifier.schedule(listener);
  }

  /**
   * Removes every entry. A fetch in flight for a removed entry still answers
   * its awaiters, through the key's new entry if an invalidation reached it.
   */
  clear(): void {
    this.notifier.batch(() => {
      for (const entry of [...this.entries.values()]) this.remove(entry);
    });
  }

  /**
   * Removes every entry for good: fetches in flight answer their awaiters
   * only if nothing invalidated them, and no new fetch starts for them.
   */
  dispose(): void {
    this.disposed = true;
    this.clear();
  }

  // ---- index --------------------------------------------------------------

  private addToIndex(entry: CacheEntry): void {
    let ctx = this.contexts.get(entry.context);
    if (!ctx) {
      ctx = { shapes: new Map(), size: 0 };
      this.contexts.set(entry.context, ctx);
    }
    let group = ctx.shapes.get(entry.shapeKey);
    if (!group) {
      group = { names: [...entry.valueKeys.keys()], entries: new Set(), postings: new Map() };
      ctx.shapes.set(entry.shapeKey, group);
    }
    group.entries.add(entry);
    for (const [name, value] of entry.valueKeys) {
      let byValue = group.postings.get(name);
      if (!byValue) {
        byValue = new Map();
        group.postings.set(name, byValue);
      }
      let posting = byValue.get(value);
      if (!posting) {
        posting = new Set();
        byValue.set(value, posting);
      }
      posting.add(entry);
    }
    ctx.size++;
  }

  private removeFromIndex(entry: CacheEntry): void {
    const ctx = this.contexts.get(entry.context);
    if (!ctx) return;
    const group = ctx.shapes.get(entry.shapeKey);
    if (!group || !group.entries.delete(entry)) return;
    ctx.size--;
    if (group.entries.size === 0) {
      ctx.shapes.delete(entry.shapeKey);
      if (ctx.size === 0) this.contexts.delete(entry.context);
      return;
    }
    for (const [name, value] of entry.valueKeys) {
      const byValue = group.postings.get(name);
      const posting = byValue?.get(value);
      if (!byValue || !posting) continue;
      posting.delete(entry);
      if (posting.size === 0) byValue.delete(value);
    }
  }
}

function noop(): void {}
