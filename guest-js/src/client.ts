import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import {
  BundleCache,
  toBundle,
  type Bundle,
  type BundleState,
  type CacheEntry,
  type Refreshed,
  type RefreshPlan,
  type TargetsApplied,
} from './cache.js';
import { pluginFeatures, refreshLimit, type SingleFlightOption } from './refresh.js';
import { isSinceAnswer, readSnapshot, type Snapshot } from './hydrate.js';
import { bundleKey, canonicalParams } from './canonical.js';
import { TokenSession, expiredInBundle, type TokenProvider } from './auth.js';
import { MizanError, isTargetList } from './errors.js';
import { Notifier } from './notify.js';
import { channelListen } from './notices.js';
import { sendUpload, type UploadOptions } from './upload.js';
import { MizanStream, type StreamOptions, type StreamTransport } from './stream.js';
import {
  IDENTITY_EVENT,
  INVALIDATE_EVENT,
  type BundleResponse,
  type IdentityEvent,
  type Envelope,
  type InvalidateEvent,
  type JsonValue,
  type RefreshKey,
  type StaleInfo,
  type Target,
  type WireError,
} from './wire.js';

/**
 * A context as the generated client describes it: its name plus, as phantom
 * types, its params `P` and its bundle data `B` (`{ fn_name: ResultType, ... }`).
 */
export interface ContextDescriptor<P = Record<string, unknown>, B = Record<string, unknown>> {
  readonly name: string;
  /** Type-level only; never set at run time. */
  readonly __types?: { readonly params: P; readonly bundle: B };
}

/** Params type of a descriptor. */
export type ParamsOf<D> = D extends ContextDescriptor<infer P, unknown> ? P : never;
/** Bundle data type of a descriptor. */
export type BundleOf<D> = D extends ContextDescriptor<unknown, infer B> ? B : never;

/** Declares a context for the cache and the hooks. The generated module calls this once per context. */
export function defineContext<P = Record<string, unknown>, B = Record<string, unknown>>(
  name: string,
): ContextDescriptor<P, B> {
  return Object.freeze({ name });
}

/** The invoke options Mizan sends: IPC headers, as a plain object. */
export interface InvokeOptions {
  headers: Record<string, string>;
}

/**
 * Signature of `invoke` from `@tauri-apps/api/core` (the part Mizan uses).
 *
 * A replacement must pass all three arguments on: `options` carries the IPC
 * headers, and uploads send their `mizan-upload` header there. TypeScript
 * accepts a function that takes fewer parameters, so a wrapper written as
 * `(cmd, args) => invoke(cmd, args)` type-checks, yet every upload then
 * fails with `invalid_args`, the `mizan-upload` header `missing`. Write
 * `(cmd, args, options) => invoke(cmd, args, options)`.
 */
export type InvokeFn = (cmd: string, args?: Record<string, unknown>, options?: InvokeOptions) => Promise<unknown>;

/** Signature of `listen` from `@tauri-apps/api/event` (the part Mizan uses). */
export type ListenFn = (
  event: string,
  handler: (event: { payload: unknown }) => void,
) => Promise<() => void>;

/** Where a set of targets came from. */
export type TargetOrigin = 'envelope' | 'error' | 'event' | 'manual';

/**
 * Called with every set of targets a client applies. A listener that mirrors
 * them into another cache may return a promise of its refetches: a `call`
 * whose envelope (or error) carried the targets settles only after it.
 *
 * `refreshed` is set for the targets of a single-flight call's envelope
 * (docs/protocol.md: "Single-flight refresh"): the bundles it brought back, and what each refresh source
 * listed when the call was sent. A listener that mirrors into another cache
 * stores those instead of refetching them (see `RefreshSource`); one that
 * takes two arguments ignores it.
 */
export type InvalidationListener = (
  targets: readonly Target[],
  origin: TargetOrigin,
  refreshed?: RefreshedBundles,
) => void | PromiseLike<unknown>;

/** What a refresh source listed for one call: the keys, plus whatever the source needs to judge the answer. */
export interface RefreshListing {
  readonly keys: readonly RefreshKey[];
}

/**
 * Lists bundle keys for single-flight refresh besides the client's own
 * subscribed bundles: another cache's active queries (what
 * `connectQueryClient` registers for TanStack Query). Called once for each
 * `call` being sent, with the bound (`refreshLimit`, always > 0); returns
 * its listing, or `undefined` for none. The client merges the listings
 * after its own keys, drops duplicates and sends at most the bound: a key
 * another cache already listed costs nothing, and a bundle that comes back
 * serves every source that listed its key. `{ refresh: false }`,
 * `singleFlight: false` or a plugin without the feature call no source.
 *
 * The listing object comes back to the invalidation listeners with the
 * envelope's bundles (`RefreshedBundles.listingOf(source)`), so a source can
 * record there, say, the generation of each key when the call was sent and
 * let only bundles no later invalidation reached land as fresh.
 *
 * ```ts
 * const source: RefreshSource = (limit) => ({ keys: myActiveKeys().slice(0, limit) });
 * const unregister = client.addRefreshSource(source);
 * client.onInvalidate((targets, origin, refreshed) => {
 *   const mine = refreshed?.listingOf(source);
 *   // store refreshed.bundles.get(bundleKey(...)) for the keys `mine` listed, refetch the rest
 * });
 * ```
 */
export type RefreshSource<L extends RefreshListing = RefreshListing> = (limit: number) => L | undefined;

/** The bundles a single-flight envelope brought back (third argument of an `InvalidationListener`). */
export interface RefreshedBundles {
  /** The bundles, by `bundleKey(context, canonicalParams(params))`; only keys the call listed, malformed ones left out. */
  readonly bundles: ReadonlyMap<string, BundleResponse<unknown>>;
  /** What `source` listed for this call (the object it returned), if it listed any key. */
  listingOf<L extends RefreshListing>(source: RefreshSource<L>): L | undefined;
}

/** What a single-flight call listed: the keys sent, the cache's own plan and each source's listing. */
interface CallRefresh {
  readonly keys: RefreshKey[];
  readonly cache: RefreshPlan;
  readonly listings: ReadonlyMap<RefreshSource<RefreshListing>, RefreshListing>;
}

export interface MizanClientOptions {
  /**
   * Defaults to `invoke` from `@tauri-apps/api/core`. A replacement must
   * pass its third argument (the IPC headers) on: one that drops it
   * type-checks but breaks every upload (`invalid_args`: `mizan-upload`
   * missing). See
   * {@link InvokeFn}.
   */
  invoke?: InvokeFn;
  /**
   * How the client hears the plugin's notices (other windows' invalidations,
   * identity changes). Defaults to the plugin's own channel
   * (`plugin:mizan|listen`, sent through `invoke`); `false` listens to none.
   */
  listen?: ListenFn | false;
  /** Milliseconds an unused bundle stays cached (default 5 minutes, `Infinity` for never). */
  gcTime?: number;
  /**
   * Label of this webview; events whose `source` equals it are ignored (the
   * backend does not send them to their source anyway). Defaults to the label
   * Tauri reports for the current webview, if any.
   */
  webviewLabel?: string | null;
  /**
   * JWT mode (a): the access token this webview holds, sent with every call
   * as `Authorization: Bearer <token>`. Calls that meet `token_expired`
   * share one `refresh`, then each retries once; a failed refresh signs out
   * (`onSignOut`) and drops every cached bundle. Leave it out in mode (b),
   * where the Rust side holds the tokens.
   */
  tokens?: TokenProvider;
  /**
   * Single-flight refresh (on by default, used only when the plugin says it
   * supports it): each `call` lists the bundles this webview is subscribed
   * to, and what registered refresh sources list (a connected TanStack
   * `QueryClient`'s active queries; see `addRefreshSource`), at most `max`
   * and at most the plugin's bound, and the envelope
   * brings back those the call's targets reach, so a mutation and its
   * refreshed view take one round trip. `false` turns it off for every call
   * of this client.
   */
  singleFlight?: SingleFlightOption;
  /**
   * First-paint hydration (on by default): the client starts with the
   * bundles the plugin put in this window's initialization script, so the
   * first render has them with no IPC call. `false` ignores them.
   */
  hydrate?: boolean;
}

/** Options of one `call`. */
export interface CallOptions {
  /** `false`: list no bundles for single-flight refresh on this call, from the cache or any refresh source (refetch as before). */
  refresh?: boolean;
}

/** Called when who is signed in changes (the identity event, or a failed refresh). */
export type IdentityListener = (event: IdentityEvent) => void;

/** The snapshot the hooks and observers hand out. Stable: same object until something changes. */
export interface BundleSnapshot<B> {
  readonly data: Partial<B> | undefined;
  readonly errors: Partial<Record<keyof B, WireError>>;
  /** Cached functions whose value is an old one standing in for a failed run (see `staleSince`). */
  readonly stale: Partial<Record<keyof B, StaleInfo>>;
  readonly status: 'pending' | 'success' | 'error';
  readonly error: MizanError | null;
  readonly isStale: boolean;
  readonly isFetching: boolean;
}

type Ctx<P, B> = ContextDescriptor<P, B> | string;

function ctxName(ctx: Ctx<unknown, unknown>): string {
  return typeof ctx === 'string' ? ctx : ctx.name;
}

function currentWebviewLabel(): string | null {
  try {
    const internals = (globalThis as { __TAURI_INTERNALS__?: { metadata?: { currentWebview?: { label?: unknown } } } })
      .__TAURI_INTERNALS__;
    const label = internals?.metadata?.currentWebview?.label;
    return typeof label === 'string' ? label : null;
  } catch {
    return null;
  }
}

function isInvalidateEvent(value: unknown): value is InvalidateEvent {
  return typeof value === 'object' && value !== null && isTargetList((value as InvalidateEvent).targets);
}

function shallowEqualSnapshot(a: BundleSnapshot<unknown>, b: BundleSnapshot<unknown>): boolean {
  return (
    a.data === b.data &&
    a.errors === b.errors &&
    a.stale === b.stale &&
    a.status === b.status &&
    a.error === b.error &&
    a.isStale === b.isStale &&
    a.isFetching === b.isFetching
  );
}

/**
 * Watches one bundle for a UI binding: `subscribe` / `getSnapshot` fit
 * `useSyncExternalStore`. The first subscriber starts the fetch when needed.
 */
export class BundleObserver<B> {
  private readonly client: MizanClient;
  readonly context: string;
  readonly params: Record<string, JsonValue>;
  private readonly listeners = new Set<() => void>();
  private entry: CacheEntry | undefined;
  private unsubscribeEntry: (() => void) | undefined;
  private last: BundleSnapshot<B> | undefined;

  constructor(client: MizanClient, context: string, params: object | null | undefined) {
    this.client = client;
    this.context = context;
    this.params = canonicalParams(params);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.attach();
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.detach();
    };
  };

  getSnapshot = (): BundleSnapshot<B> => {
    const attached = this.entry !== undefined && !this.entry.removed;
    const entry = attached ? this.entry! : this.client.cache.build(this.context, this.params);
    const s = entry.state as BundleState<B>;
    // Not subscribed yet: show the fetch the first subscription will start, so mounting costs no extra render.
    const optimisticFetch = !attached && this.client.cache.wantsFetch(entry);
    const next: BundleSnapshot<B> = {
      data: s.data,
      errors: s.errors,
      stale: s.stale,
      status: s.status,
      error: s.error,
      isStale: s.isStale,
      isFetching: s.isFetching || optimisticFetch,
    };
    if (this.last && shallowEqualSnapshot(this.last, next)) return this.last;
    this.last = next;
    return next;
  };

  /** Refetches this bundle. */
  refetch(): Promise<Bundle<B>> {
    return this.client.cache.refetch<B>(this.context, this.params);
  }

  private attach(): void {
    const entry = this.client.cache.build(this.context, this.params);
    this.entry = entry;
    this.unsubscribeEntry = this.client.cache.subscribe(entry, this.onEntryChange);
  }

  private detach(): void {
    this.unsubscribeEntry?.();
    this.unsubscribeEntry = undefined;
    this.entry = undefined;
  }

  private onEntryChange = (): void => {
    if (this.entry?.removed && this.listeners.size > 0) {
      // The entry was cleared under us: follow the key to its new entry.
      this.detach();
      this.attach();
    }
    for (const listener of [...this.listeners]) listener();
  };
}

/**
 * One Mizan runtime: the IPC transport, the bundle cache and the event
 * subscription. Create isolated ones with `createMizanClient`; the module-level
 * `call`/`fetchBundle` use a lazily created default one.
 */
export class MizanClient implements StreamTransport {
  readonly cache: BundleCache;
  readonly notifier: Notifier;
  /** Resolves once the `mizan://invalidate` listener is registered (or failed to be). */
  readonly ready: Promise<void>;
  private readonly invokeFn: InvokeFn;
  private readonly webviewLabel: string | null;
  private readonly invalidationListeners = new Set<InvalidationListener>();
  private readonly refreshSources = new Set<RefreshSource<RefreshListing>>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly tokens: TokenSession | undefined;
  private readonly unlisteners: Array<() => void> = [];
  private destroyed = false;
  /** Highest `seq` seen per event source, to skip duplicates. */
  private readonly lastSeq = new Map<string, number>();
  private readonly singleFlight: SingleFlightOption | undefined;

  constructor(options: MizanClientOptions = {}) {
    this.invokeFn = options.invoke ?? (tauriInvoke as InvokeFn);
    this.singleFlight = options.singleFlight;
    this.notifier = new Notifier();
    this.cache = new BundleCache({
      fetcher: (context, params) => this.fetchBundle(context, params),
      gcTime: options.gcTime,
      notifier: this.notifier,
    });
    this.webviewLabel = options.webviewLabel === undefined ? currentWebviewLabel() : options.webviewLabel;
    this.tokens = options.tokens && new TokenSession(options.tokens, () => this.signedOut());
    const listenFn = options.listen === undefined ? channelListen(this.invokeFn) : options.listen;
    if (listenFn === false) {
      this.ready = Promise.resolve();
    } else {
      const subscribe = (event: string, handler: (payload: unknown) => void) =>
        Promise.resolve()
          .then(() => listenFn(event, (e) => handler(e.payload)))
          .then(
            (unlisten) => {
              if (this.destroyed) unlisten();
              else this.unlisteners.push(unlisten);
            },
            () => {
              // Not inside Tauri (or events unavailable): envelopes still invalidate.
            },
          );
      this.ready = Promise.all([
        subscribe(INVALIDATE_EVENT, (payload) => this.onEvent(payload)),
        subscribe(IDENTITY_EVENT, (payload) => this.onIdentityEvent(payload)),
      ]).then(noop);
    }
    const snapshot = options.hydrate === false ? undefined : readSnapshot(this.webviewLabel);
    if (snapshot && snapshot.bundles.length > 0) {
      this.hydrate(snapshot.bundles);
      this.hydrated = this.ready.then(() => this.catchUp(snapshot));
    }
  }

  /**
   * Settles once a hydrated page has caught up with the invalidations made
   * after its snapshot was computed (at once without a snapshot).
   */
  readonly hydrated: Promise<void> = Promise.resolve();

  /**
   * Asks the plugin what was invalidated after the snapshot, and marks what
   * that reached stale: subscribed entries refetch in the background,
   * showing their data meanwhile. When the plugin no longer holds every
   * event since, every hydrated entry is taken as stale.
   */
  private async catchUp(snapshot: Snapshot): Promise<void> {
    let answer: unknown;
    try {
      answer = await this.send('plugin:mizan|since', { seq: snapshot.seq });
    } catch {
      answer = { seq: snapshot.seq, targets: null };
    }
    if (this.destroyed || !isSinceAnswer(answer)) return;
    const targets =
      answer.targets ?? snapshot.bundles.map((b) => ({ context: b.context, params: canonicalParams(b.params) }));
    if (isTargetList(targets) && targets.length > 0) {
      await this.notifier.batch(() => this.cache.revalidate(targets)).refetched;
    }
  }

  /**
   * Sends one IPC request; with a token provider, with its token, renewed
   * once when it expired. `body` is JSON args, or raw bytes (an upload).
   */
  private send(
    cmd: string,
    args: Record<string, unknown> | Uint8Array,
    expiredIn?: (answer: unknown) => unknown,
    headers?: Record<string, string>,
  ): Promise<unknown> {
    // `invoke` sends a typed array as a raw body.
    const invoke = this.invokeFn as (cmd: string, args: unknown, options?: InvokeOptions) => Promise<unknown>;
    const withHeaders = (extra: Record<string, string> | undefined) => {
      const all = { ...headers, ...extra };
      return Object.keys(all).length > 0 ? invoke(cmd, args, { headers: all }) : invoke(cmd, args);
    };
    if (!this.tokens) return withHeaders(undefined);
    return this.tokens.send(
      (token) => withHeaders(token === null ? undefined : { Authorization: `Bearer ${token}` }),
      expiredIn,
    );
  }

  /**
   * Drops every cached bundle: they belong to an identity that is no
   * longer the caller's. What is subscribed refetches as the new one; a
   * fetch in flight for the old one never lands. The identity event does
   * this in every window.
   */
  dropIdentity(): void {
    this.cache.clear();
  }

  /** Called when who is signed in changes. Returns the unsubscribe function. */
  onIdentityChange(listener: IdentityListener): () => void {
    this.identityListeners.add(listener);
    return () => {
      this.identityListeners.delete(listener);
    };
  }

  private signedOut(): void {
    this.identityChanged({ change: 'signed_out', identity: null, previous: null });
  }

  private identityChanged(event: IdentityEvent): void {
    if (this.destroyed) return;
    this.dropIdentity();
    for (const listener of [...this.identityListeners]) {
      try {
        listener(event);
      } catch (error) {
        rethrowLater(error);
      }
    }
  }

  private onIdentityEvent(payload: unknown): void {
    if (isIdentityEvent(payload)) this.identityChanged(payload);
  }

  /**
   * Calls a client function through `plugin:mizan|call`. The envelope's
   * targets are applied to the cache as soon as it arrives: every bundle
   * they reach is marked stale, and the subscribed ones refetch. The
   * returned promise settles after those refetches have settled (as
   * `await queryClient.invalidateQueries(...)` in TanStack Query), so
   * whoever awaits a mutation sees the new data in the cache. A refetch that
   * fails does not fail the call: its error is on the bundle's state.
   * Rejects with `MizanError<E>`, whose targets are applied (and awaited) as well.
   *
   * With single-flight refresh (docs/protocol.md: "Single-flight refresh") the call lists, in `refresh`, the
   * subscribed bundles and what the refresh sources list; those the
   * envelope brings back land instead of refetching, unless an invalidation
   * reached them after the call was sent. `options.refresh: false` lists none.
   */
  async call<R, E = unknown>(fn: string, args: Record<string, unknown> = {}, options: CallOptions = {}): Promise<R> {
    const plan = this.refreshPlan(options);
    const body = plan ? { fn, args, refresh: plan.keys } : { fn, args };
    return this.settle<R, E>(fn, () => this.send('plugin:mizan|call', body), plan);
  }

  /**
   * The bundles a call lists for single-flight refresh: those subscribed
   * to, then what each refresh source lists, without duplicates and at most
   * the bound, when the client and the plugin both have it on and the call
   * does not opt out; `undefined` when there are none to list.
   */
  private refreshPlan(options: CallOptions): CallRefresh | undefined {
    if (options.refresh === false) return undefined;
    const limit = refreshLimit(this.singleFlight, pluginFeatures());
    if (limit <= 0) return undefined;
    const cache = this.cache.subscribedKeys(limit);
    const keys = [...cache.keys];
    const seen = new Set(keys.map((k) => bundleKey(k.context, k.params)));
    const listings = new Map<RefreshSource<RefreshListing>, RefreshListing>();
    for (const source of this.refreshSources) {
      let listing: RefreshListing | undefined;
      try {
        // The whole bound: keys already listed cost nothing, and the source needs to know them too.
        listing = source(limit);
      } catch (error) {
        rethrowLater(error);
        continue;
      }
      if (!listing || !Array.isArray(listing.keys)) continue;
      let listed = false;
      for (const key of listing.keys) {
        if (typeof key?.context !== 'string') continue;
        const params = canonicalParams(key.params);
        const id = bundleKey(key.context, params);
        if (seen.has(id)) {
          listed = true;
        } else if (keys.length < limit) {
          listed = true;
          seen.add(id);
          keys.push({ context: key.context, params });
        }
      }
      if (listed) listings.set(source, listing);
    }
    return keys.length > 0 ? { keys, cache, listings } : undefined;
  }

  /**
   * Registers a source of bundle keys for single-flight refresh (see
   * `RefreshSource`). Returns the function that removes it.
   */
  addRefreshSource<L extends RefreshListing>(source: RefreshSource<L>): () => void {
    this.refreshSources.add(source);
    return () => {
      this.refreshSources.delete(source);
    };
  }

  /**
   * Checks a call's args through `plugin:mizan|validate` without running
   * the function (docs/protocol.md: "Forms"): the same access, auth and argument checks as
   * `call`, then a form param's rules. Resolves when they pass; rejects
   * with `MizanError` (`invalid_form` with the errors by wire path,
   * `invalid_args`, `forbidden`, ...). Nothing runs, nothing is invalidated.
   */
  async validate(fn: string, args: Record<string, unknown> = {}): Promise<void> {
    try {
      await this.send('plugin:mizan|validate', { fn, args });
    } catch (reason) {
      throw MizanError.from(reason, fn);
    }
  }

  /**
   * Calls a client function that takes files (`Upload` params): the files
   * travel as raw IPC bodies, in chunks above `options.chunkBytes` with
   * `options.onProgress` after each; `options.signal` cancels. Files over
   * the plugin's `max_upload_bytes` reject with `payload_too_large` before
   * anything is sent. Answers as `call` does (envelope targets applied).
   */
  upload<R, E = unknown>(fn: string, args: Record<string, unknown> = {}, options?: UploadOptions): Promise<R> {
    const send = (cmd: string, body: Record<string, unknown> | Uint8Array, headers?: Record<string, string>) =>
      this.send(cmd, body, undefined, headers);
    return this.settle<R, E>(fn, () => sendUpload(send, fn, args, options));
  }

  /**
   * The answer of a call: raw bytes (a function that returns `Bytes`) as a
   * `Uint8Array`; an envelope's result once its targets are applied; an
   * error as `MizanError<E>`, its targets applied too.
   */
  private async settle<R, E>(fn: string, request: () => Promise<unknown>, plan?: CallRefresh): Promise<R> {
    let answer: unknown;
    try {
      answer = await request();
    } catch (reason) {
      const error = MizanError.from<E>(reason, fn);
      if (error.invalidate.length > 0) await this.applyAndRefetch(error.invalidate, 'error');
      throw error;
    }
    if (answer instanceof ArrayBuffer) return new Uint8Array(answer) as R;
    if (answer instanceof Uint8Array) return answer as R;
    const envelope = answer as Envelope<R> | undefined;
    if (envelope && isTargetList(envelope.invalidate) && envelope.invalidate.length > 0) {
      await this.applyAll(envelope.invalidate, 'envelope', refreshedOf(plan, envelope.bundles)).refetched;
    }
    return envelope?.result as R;
  }

  /**
   * Reads a streaming function through `plugin:mizan|stream`: its items
   * with `for await` (see `MizanStream`). A streaming mutation's targets
   * are applied when it ends.
   */
  stream<T, E = unknown>(fn: string, args: Record<string, unknown> = {}, options: StreamOptions = {}): MizanStream<T, E> {
    return new MizanStream<T, E>(this, fn, args, options);
  }

  /** The transport of streams: one IPC request, with the client's token. */
  streamInvoke(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    return this.send(cmd, args);
  }

  /** One `plugin:mizan|ctx` round trip, bypassing the cache. Rejects with `MizanError`. */
  async fetchBundle<P, B>(ctx: Ctx<P, B>, params: P): Promise<Bundle<B>>;
  async fetchBundle(ctx: Ctx<unknown, unknown>, params: object | null | undefined): Promise<Bundle<unknown>>;
  async fetchBundle(ctx: Ctx<unknown, unknown>, params: object | null | undefined): Promise<Bundle<unknown>> {
    const context = ctxName(ctx);
    let response: BundleResponse<unknown>;
    try {
      response = (await this.send(
        'plugin:mizan|ctx',
        { context, params: canonicalParams(params) },
        expiredInBundle,
      )) as BundleResponse<unknown>;
    } catch (reason) {
      throw MizanError.from(reason);
    }
    return toBundle(response, context, canonicalParams(params));
  }

  /** The bundle from the cache when fresh, else fetched (two concurrent reads make one IPC call). */
  ensureBundle<P, B>(ctx: Ctx<P, B>, params: P): Promise<Bundle<B>> {
    return this.cache.ensure<B>(ctxName(ctx), params as object);
  }

  /** Fetches the bundle into the cache even if fresh (joins a fetch already in flight). */
  refetchBundle<P, B>(ctx: Ctx<P, B>, params: P): Promise<Bundle<B>> {
    return this.cache.refetch<B>(ctxName(ctx), params as object);
  }

  /**
   * Stores bundles as fresh without IPC, e.g. bundles rendered into the
   * page for the first paint. A later invalidation reaches them as usual.
   */
  hydrate(bundles: ReadonlyArray<BundleResponse<unknown>>): void {
    this.notifier.batch(() => {
      for (const bundle of bundles) this.cache.setBundle(bundle);
    });
  }

  /** The current state of a bundle (a pending state if it is not cached). Does not fetch. */
  getBundleState<P, B>(ctx: Ctx<P, B>, params: P): BundleState<B> | undefined {
    return this.cache.find(ctxName(ctx), params as object)?.state as BundleState<B> | undefined;
  }

  /** An observer for UI bindings (`subscribe` / `getSnapshot`). */
  observe<P, B>(ctx: Ctx<P, B>, params: P): BundleObserver<B> {
    return new BundleObserver<B>(this, ctxName(ctx), params as object);
  }

  /** Subscribes to one bundle; starts the fetch if needed. Returns the unsubscribe function. */
  subscribe<P, B>(ctx: Ctx<P, B>, params: P, listener: (snapshot: BundleSnapshot<B>) => void): () => void {
    const observer = this.observe(ctx, params);
    return observer.subscribe(() => listener(observer.getSnapshot()));
  }

  /** The cache key of a bundle: context name plus canonical params. */
  keyOf<P, B>(ctx: Ctx<P, B>, params: P): string {
    return bundleKey(ctxName(ctx), canonicalParams(params as object));
  }

  /**
   * Applies targets to the cache (what envelopes, error payloads and events
   * do). Returns the number of cached bundles reached.
   */
  applyTargets(targets: readonly Target[], origin: TargetOrigin = 'manual'): number {
    return this.applyAll(targets, origin).reached;
  }

  /**
   * Applies targets and resolves once the refetches they started (the
   * subscribed bundles reached, and whatever the invalidation listeners
   * return) have settled. Never rejects.
   */
  applyAndRefetch(targets: readonly Target[], origin: TargetOrigin = 'manual'): Promise<void> {
    return this.applyAll(targets, origin).refetched;
  }

  private applyAll(targets: readonly Target[], origin: TargetOrigin, refreshed?: CallRefreshed): TargetsApplied {
    if (!isTargetList(targets) || targets.length === 0) return { reached: 0, refetched: Promise.resolve() };
    return this.notifier.batch(() => {
      const applied = this.cache.apply(targets, refreshed?.cache);
      const pending: Array<PromiseLike<unknown>> = [applied.refetched];
      for (const listener of [...this.invalidationListeners]) {
        try {
          const result = refreshed ? listener(targets, origin, refreshed.listeners) : listener(targets, origin);
          if (isPromiseLike(result)) pending.push(result);
        } catch (error) {
          rethrowLater(error);
        }
      }
      const refetched = pending.length === 1 ? applied.refetched : Promise.allSettled(pending).then(noop);
      return { reached: applied.reached, refetched };
    });
  }

  /**
   * Called with every set of targets this client applies (e.g. to mirror
   * them into another cache), with a single-flight envelope's bundles as a
   * third argument. Returns the unsubscribe function.
   */
  onInvalidate(listener: InvalidationListener): () => void {
    this.invalidationListeners.add(listener);
    return () => {
      this.invalidationListeners.delete(listener);
    };
  }

  /** Stops listening to events and empties the cache for good. */
  destroy(): void {
    this.destroyed = true;
    for (const unlisten of this.unlisteners.splice(0)) unlisten();
    this.cache.dispose();
    this.invalidationListeners.clear();
    this.refreshSources.clear();
    this.identityListeners.clear();
  }

  private onEvent(payload: unknown): void {
    if (this.destroyed || !isInvalidateEvent(payload)) return;
    if (this.webviewLabel !== null && payload.source === this.webviewLabel) return;
    if (typeof payload.source === 'string' && typeof payload.seq === 'number') {
      const key = payload.source;
      const last = this.lastSeq.get(key);
      if (last !== undefined && payload.seq === last) return; // the same event delivered twice
      this.lastSeq.set(key, payload.seq);
    }
    this.applyTargets(payload.targets, 'event');
  }
}

/** A single-flight envelope's bundles, for the client's cache and for its invalidation listeners. */
interface CallRefreshed {
  readonly cache: Refreshed;
  readonly listeners: RefreshedBundles;
}

/** The bundles a single-flight envelope brought back, by cache key (unlisted and malformed ones left out). */
function refreshedOf(plan: CallRefresh | undefined, bundles: unknown): CallRefreshed | undefined {
  if (!plan || !Array.isArray(bundles)) return undefined;
  const listed = new Set(plan.keys.map((k) => bundleKey(k.context, k.params)));
  const byKey = new Map<string, BundleResponse<unknown>>();
  for (const bundle of bundles as unknown[]) {
    if (!isBundleResponse(bundle)) continue;
    const key = bundleKey(bundle.context, canonicalParams(bundle.params));
    if (listed.has(key)) byKey.set(key, bundle);
  }
  const listings = plan.listings;
  return {
    cache: { plan: plan.cache, bundles: byKey },
    listeners: {
      bundles: byKey,
      listingOf: <L extends RefreshListing>(source: RefreshSource<L>) =>
        listings.get(source as unknown as RefreshSource<RefreshListing>) as L | undefined,
    },
  };
}

function isBundleResponse(value: unknown): value is BundleResponse<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as BundleResponse<unknown>;
  return typeof b.context === 'string' && typeof b.params === 'object' && b.params !== null && typeof b.data === 'object' && b.data !== null;
}

function isIdentityEvent(value: unknown): value is IdentityEvent {
  if (typeof value !== 'object' || value === null) return false;
  const change = (value as IdentityEvent).change;
  return change === 'signed_in' || change === 'signed_out' || change === 'switched';
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

function noop(): void {}

/** Creates an isolated Mizan runtime. */
export function createMizanClient(options?: MizanClientOptions): MizanClient {
  return new MizanClient(options);
}

let defaultClient: MizanClient | undefined;

/** The default client, created on first use with Tauri's `invoke` and `listen`. */
export function getDefaultClient(): MizanClient {
  if (!defaultClient) defaultClient = new MizanClient();
  return defaultClient;
}

/** Replaces the default client (e.g. in tests, or to set `gcTime`). */
export function setDefaultClient(client: MizanClient | undefined): void {
  defaultClient = client;
}

/** Calls a client function with the default client. See `MizanClient.call`. */
export function call<R, E = unknown>(fn: string, args: Record<string, unknown>, options?: CallOptions): Promise<R> {
  return getDefaultClient().call<R, E>(fn, args, options);
}

/**
 * Calls a client function that takes files, with `client` or the default
 * client. See `MizanClient.upload`; the generated client calls this.
 */
export function upload<R, E = unknown>(
  fn: string,
  args: Record<string, unknown>,
  options?: UploadOptions,
  client?: MizanClient,
): Promise<R> {
  return (client ?? getDefaultClient()).upload<R, E>(fn, args, options);
}

/**
 * Reads a streaming function (the default client, or `options.client`).
 * See `MizanStream`.
 */
export function stream<T, E = unknown>(fn: string, args: Record<string, unknown> = {}, options: StreamOptions = {}): MizanStream<T, E> {
  return new MizanStream<T, E>(options.client ?? getDefaultClient(), fn, args, options);
}

/** One `plugin:mizan|ctx` round trip with the default client, bypassing the cache. */
export function fetchBundle<P, B>(ctx: ContextDescriptor<P, B> | string, params: P): Promise<Bundle<B>> {
  return getDefaultClient().fetchBundle<P, B>(ctx, params);
}

/** The bundle through the default client's cache (fresh data or one de-duplicated fetch). */
export function ensureBundle<P, B>(ctx: ContextDescriptor<P, B> | string, params: P): Promise<Bundle<B>> {
  return getDefaultClient().ensureBundle<P, B>(ctx, params);
}
