import { bundleKey, canonicalJson, canonicalParams } from './canonical.js';
import { MizanError } from './errors.js';
import { Notifier } from './notify.js';
import { reaches } from './reach.js';
import type { BundleResponse, JsonValue, StaleInfo, Target, WireError } from './wire.js';

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
  /** Canonical JSON of each param value, for the index. */
  readonly valueKeys: Map<string, string>;
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
    for (const k of Object.keys(params)) this.valueKeys.set(k, canonicalJson(params[k]));
  }

  /** Whether anything keeps this entry alive: a subscriber or a running fetch. */
  get inUse(): boolean {
    return this.listeners.size > 0 || this.inflight !== undefined;
  }
}

interface KeyIndex {
  /** canonical value -> entries whose param has that value */
  byValue: Map<string, Set<CacheEntry>>;
  /** entries of the context that lack this param ("absent means any": every target naming the key reaches them) */
  missing: Set<CacheEntry>;
}

interface ContextIndex {
  entries: Set<CacheEntry>;
  keys: Map<string, KeyIndex>;
}

export type BundleFetcher = (context: string, params: Record<string, JsonValue>) => Promise<BundleResponse<unknown>>;

export interface BundleCacheOptions {
  fetcher: BundleFetcher;
  /** Milliseconds an entry nobody uses stays cached. Default 5 minutes; `Infinity` keeps entries forever. */
  gcTime?: number;
  notifier?: Notifier;
}

export const DEFAULT_GC_TIME = 5 * 60 * 1000;

function toBundle<B>(entry: CacheEntry, response: BundleResponse<unknown>): Bundle<B> {
  return {
    context: response.context ?? entry.context,
    params: response.params ?? entry.params,
    data: (response.data ?? {}) as Partial<B>,
    errors: (response.errors ?? {}) as Bundle<B>['errors'],
    stale: (response.stale ?? {}) as Bundle<B>['stale'],
  };
}

/**
 * The framework-agnostic bundle cache (SPEC section 4).
 *
 * Entries are keyed by (context, canonical params) and indexed by context and,
 * within a context, by (param name, canonical value) plus, per param name, the
 * set of entries lacking it. Applying a target therefore touches only the
 * smallest candidate list of that context, not the whole cache.
 */
export class BundleCache {
  readonly gcTime: number;
  readonly notifier: Notifier;
  private readonly fetcher: BundleFetcher;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly contexts = new Map<string, ContextIndex>();

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
    const settle = (): boolean => {
      // true when this fetch may store its outcome
      const current = entry.inflight?.promise === promise;
      if (current) entry.inflight = undefined;
      return entry.generation === generation && !entry.removed;
    };
    const promise: Promise<Bundle<unknown>> = Promise.resolve()
      .then(() => this.fetcher(entry.context, entry.params))
      .then(
        (response) => {
          const mayStore = settle();
          if (entry.removed) return toBundle(entry, response);
          if (!mayStore) return this.afterOvertaken(entry);
          this.dispatch(entry, { type: 'success', bundle: response, now: Date.now() });
          this.scheduleGc(entry);
          return toBundle(entry, response);
        },
        (reason: unknown) => {
          const error = MizanError.from(reason);
          const mayStore = settle();
          if (entry.removed) throw error;
          if (!mayStore) return this.afterOvertaken(entry);
          this.dispatch(entry, { type: 'error', error });
          this.scheduleGc(entry);
          throw error;
        },
      );
    entry.inflight = { generation, promise };
    this.dispatch(entry, { type: 'fetch' });
    return promise;
  }

  /**
   * A fetch whose generation was overtaken by an invalidation: its answer may
   * predate that invalidation, so it is dropped. Resolve with the answer of a
   * newer fetch: the one in flight, the one already stored, or a new one.
   */
  private afterOvertaken<B>(entry: CacheEntry): Promise<Bundle<B>> {
    const s = entry.state;
    if (!entry.inflight && s.status === 'success' && !s.isStale) return Promise.resolve(this.cached<B>(entry));
    return this.fetchEntry<B>(entry);
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

  /** Stores a bundle as fresh (e.g. first-paint hydration). Counts as a new generation. */
  setBundle(bundle: BundleResponse<unknown>): CacheEntry {
    const entry = this.build(bundle.context, bundle.params);
    entry.generation++;
    this.notifier.batch(() => this.dispatch(entry, { type: 'success', bundle, now: Date.now() }));
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

  // ---- invalidation -------------------------------------------------------

  /** The entries a target reaches, found through the index. */
  reached(target: Target): CacheEntry[] {
    const ctx = this.contexts.get(target.context);
    if (!ctx) return [];
    let bestSize = ctx.entries.size;
    let best: Array<Set<CacheEntry> | undefined> = [ctx.entries];
    const params = target.params ?? {};
    for (const k of Object.keys(params)) {
      const value = params[k];
      if (value === null || value === undefined) continue;
      const keyIndex = ctx.keys.get(k);
      if (!keyIndex) continue; // no entry has this param: all of them are reached by it
      const posting = keyIndex.byValue.get(canonicalJson(value));
      const size = (posting?.size ?? 0) + keyIndex.missing.size;
      if (size < bestSize) {
        bestSize = size;
        best = [posting, keyIndex.missing];
        if (size === 0) break;
      }
    }
    const out: CacheEntry[] = [];
    for (const set of best) {
      if (!set) continue;
      for (const entry of set) if (reaches(target, entry)) out.push(entry);
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
    if (targets.length === 0) return 0;
    return this.notifier.batch(() => {
      const seen = new Set<CacheEntry>();
      for (const target of targets) {
        if (!target || typeof target.context !== 'string') continue;
        for (const entry of this.reached(target)) {
          if (seen.has(entry)) continue;
          seen.add(entry);
          this.invalidateEntry(entry);
        }
      }
      return seen.size;
    });
  }

  private invalidateEntry(entry: CacheEntry): void {
    entry.generation++;
    if (entry.listeners.size > 0) {
      this.dispatch(entry, { type: 'invalidate' });
      this.startFetch(entry).catch(noop);
    } else if (entry.inflight) {
      // Someone awaits this fetch: it will see the new generation and fetch again.
      this.dispatch(entry, { type: 'invalidate' });
    } else {
      this.remove(entry);
    }
  }

  // ---- garbage collection -----------------------------------------------

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

  /** Removes every entry. */
  clear(): void {
    this.notifier.batch(() => {
      for (const entry of [...this.entries.values()]) this.remove(entry);
    });
  }

  // ---- index --------------------------------------------------------------

  private addToIndex(entry: CacheEntry): void {
    let ctx = this.contexts.get(entry.context);
    if (!ctx) {
      ctx = { entries: new Set(), keys: new Map() };
      this.contexts.set(entry.context, ctx);
    }
    for (const [k, keyIndex] of ctx.keys) {
      if (!entry.valueKeys.has(k)) keyIndex.missing.add(entry);
    }
    for (const [k, v] of entry.valueKeys) {
      let keyIndex = ctx.keys.get(k);
      if (!keyIndex) {
        // A param name seen for the first time: every entry so far lacks it.
        keyIndex = { byValue: new Map(), missing: new Set(ctx.entries) };
        ctx.keys.set(k, keyIndex);
      }
      let posting = keyIndex.byValue.get(v);
      if (!posting) {
        posting = new Set();
        keyIndex.byValue.set(v, posting);
      }
      posting.add(entry);
    }
    ctx.entries.add(entry);
  }

  private removeFromIndex(entry: CacheEntry): void {
    const ctx = this.contexts.get(entry.context);
    if (!ctx) return;
    ctx.entries.delete(entry);
    if (ctx.entries.size === 0) {
      this.contexts.delete(entry.context);
      return;
    }
    for (const [k, keyIndex] of ctx.keys) {
      const v = entry.valueKeys.get(k);
      if (v === undefined) {
        keyIndex.missing.delete(entry);
        continue;
      }
      const posting = keyIndex.byValue.get(v);
      if (posting) {
        posting.delete(entry);
        if (posting.size === 0) keyIndex.byValue.delete(v);
      }
      if (keyIndex.byValue.size === 0) ctx.keys.delete(k);
    }
  }
}

function noop(): void {}
