import { hashKey, notifyManager, type Query, type QueryClient } from '@tanstack/query-core';
import { bundleKey, canonicalJson, canonicalParams } from './canonical.js';
import { toBundle, type Bundle } from './cache.js';
import {
  getDefaultClient,
  type ContextDescriptor,
  type MizanClient,
  type RefreshedBundles,
  type RefreshListing,
  type RefreshSource,
} from './client.js';
import { reaches } from './reach.js';
import type { MizanStream, StreamOptions } from './stream.js';
import type { BundleResponse, JsonValue, RefreshKey, Target } from './wire.js';

/** First element of every query key this entry point builds. */
export const MIZAN_QUERY_KEY_PREFIX = 'mizan';

/** The query key convention: `['mizan', context, canonicalParams]`. */
export type MizanQueryKey = readonly [typeof MIZAN_QUERY_KEY_PREFIX, string, Record<string, JsonValue>];

/** Builds the query key of a bundle: `['mizan', context, canonicalParams]` (keys sorted, nulls left out). */
export function mizanQueryKey<P, B>(context: ContextDescriptor<P, B> | string, params: P): MizanQueryKey {
  const name = typeof context === 'string' ? context : context.name;
  return [MIZAN_QUERY_KEY_PREFIX, name, canonicalParams(params as object)] as const;
}

/** Whether a query key follows the Mizan convention. */
export function isMizanQueryKey(key: readonly unknown[]): key is MizanQueryKey {
  return (
    key.length === 3 &&
    key[0] === MIZAN_QUERY_KEY_PREFIX &&
    typeof key[1] === 'string' &&
    typeof key[2] === 'object' &&
    key[2] !== null &&
    !Array.isArray(key[2])
  );
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasProtoKey);
  return Object.keys(value).some((k) => k === '__proto__' || hasProtoKey((value as Record<string, unknown>)[k]));
}

/**
 * The query hash of a Mizan key: TanStack's `hashKey` (so `getQueryData(key)`
 * finds the query without options), except for a key holding a param named
 * `__proto__`, which `hashKey` drops: such a key hashes by its canonical JSON.
 */
export function mizanQueryKeyHash(queryKey: readonly unknown[]): string {
  return hasProtoKey(queryKey) ? 'mizan:' + canonicalJson(queryKey) : hashKey(queryKey);
}

/** The bundle key of a query with a Mizan key (context and canonical params). */
function queryBundleKey(key: MizanQueryKey): string {
  return bundleKey(key[1], canonicalParams(key[2]));
}

/**
 * A bundle fetch in flight. `overtaken`: a target reached its key since it
 * started, so its answer may predate the target. `landed`: the bundle a
 * single-flight envelope stored for the key after that target, which the
 * fetch resolves with instead of fetching again. `refusedBy`: the last
 * envelope that reached the key without landing its bundle (in some query
 * client): a landing of that same envelope elsewhere does not answer it.
 */
interface Flight {
  overtaken: boolean;
  landed: Bundle<unknown> | undefined;
  refusedBy: object | undefined;
}

/**
 * Bundle fetches run by `mizanQueryOptions`' `queryFn`, by bundle key, while
 * they are in flight. A target reaching a key marks its fetches overtaken:
 * they fetch again before resolving (or resolve with the bundle a
 * single-flight envelope brought back for the key).
 */
const flights = new Map<string, Set<Flight>>();

async function fetchNotOvertaken<B>(key: string, fetch: () => Promise<Bundle<B>>): Promise<Bundle<B>> {
  for (;;) {
    const flight: Flight = { overtaken: false, landed: undefined, refusedBy: undefined };
    let set = flights.get(key);
    if (!set) {
      set = new Set();
      flights.set(key, set);
    }
    set.add(flight);
    try {
      const bundle = await fetch();
      if (!flight.overtaken) return bundle;
    } catch (error) {
      if (!flight.overtaken) throw error;
    } finally {
      set.delete(flight);
      if (set.size === 0 && flights.get(key) === set) flights.delete(key);
    }
    // Overtaken: the bundle stored after the target, if any, else a new fetch.
    if (flight.landed) return flight.landed as Bundle<B>;
  }
}

/**
 * Marks the fetches in flight for a key overtaken by a target; with
 * `landed`, the bundle a single-flight envelope stored for the key after
 * that target, which they resolve with. `envelope` names the envelope
 * whose targets these are, if any: the fetches of a key are shared by
 * every query client, and when one of them may not take the envelope's
 * bundle, no fetch resolves with it (they fetch again).
 */
function overtake(key: string, landed: Bundle<unknown> | undefined, envelope: object | undefined): void {
  const set = flights.get(key);
  if (!set) return;
  for (const flight of set) {
    flight.overtaken = true;
    if (!landed) {
      flight.landed = undefined;
      flight.refusedBy = envelope;
    } else if (flight.refusedBy !== envelope) {
      flight.landed = landed;
    }
  }
}

/**
 * Query options for a bundle: the Mizan key, a `queryFn` doing one
 * `plugin:mizan|ctx` round trip (again if a target reached the key while it
 * was in flight), and `staleTime: Infinity` (a bundle stays fresh until a
 * Mizan target reaches it).
 */
export function mizanQueryOptions<P, B>(
  descriptor: ContextDescriptor<P, B>,
  params: P,
  client: MizanClient = getDefaultClient(),
): {
  queryKey: MizanQueryKey;
  queryFn: () => Promise<Bundle<B>>;
  queryKeyHashFn: (queryKey: readonly unknown[]) => string;
  staleTime: number;
} {
  const queryKey = mizanQueryKey(descriptor, params);
  const key = bundleKey(queryKey[1], queryKey[2]);
  return {
    queryKey,
    queryFn: () => fetchNotOvertaken(key, () => client.fetchBundle<P, B>(descriptor, params)),
    queryKeyHashFn: mizanQueryKeyHash,
    staleTime: Infinity,
  };
}

function isStatic(query: Query): boolean {
  // `staleTime: 'static'` (query-core 5.80 on): never refetched by invalidation.
  const fn = (query as { isStatic?: () => boolean }).isStatic;
  return typeof fn === 'function' && fn.call(query) === true;
}

/**
 * Bumped for a query each time a Mizan target reaches it: a single-flight
 * bundle listed under an older generation may predate that target, and
 * does not land (the protocol's "The client cache" section's no-stale-write-back rule).
 */
const generations = new WeakMap<Query, number>();

/** What `connectQueryClient`'s refresh source listed for one call: each query with its generation at send time. */
interface QueryListing extends RefreshListing {
  readonly sent: ReadonlyMap<string, { readonly query: Query; readonly generation: number }>;
}

/**
 * The active Mizan queries of a query client, at most `limit`: those whose
 * key follows the convention, with an enabled observer (`isActive`), and
 * not `staleTime: 'static'` (an invalidation never refetches those).
 */
function activeQueries(queryClient: QueryClient, limit: number): QueryListing | undefined {
  const keys: RefreshKey[] = [];
  const sent = new Map<string, { query: Query; generation: number }>();
  for (const query of queryClient.getQueryCache().getAll()) {
    if (keys.length >= limit) break;
    const key = query.queryKey;
    if (!isMizanQueryKey(key) || !query.isActive() || isStatic(query)) continue;
    const params = canonicalParams(key[2]);
    const id = bundleKey(key[1], params);
    if (sent.has(id)) continue;
    keys.push({ context: key[1], params });
    sent.set(id, { query, generation: generations.get(query) ?? 0 });
  }
  return keys.length > 0 ? { keys, sent } : undefined;
}

/**
 * The bundle a single-flight envelope brought back for a reached query, if
 * it may land as fresh: the call listed this very query, and no target
 * reached it since the call was sent.
 */
function landingFor(
  query: Query,
  id: string,
  listing: QueryListing | undefined,
  bundles: ReadonlyMap<string, BundleResponse<unknown>> | undefined,
): BundleResponse<unknown> | undefined {
  const sent = listing?.sent.get(id);
  if (!sent || sent.query !== query || sent.generation !== (generations.get(query) ?? 0)) return undefined;
  return bundles?.get(id);
}

/**
 * Applies targets to a query client; returns how many queries they reached
 * and the promise of the refetches (TanStack's `invalidateQueries` promise).
 * With `refreshed` (a single-flight envelope's targets), a reached query
 * whose bundle came back is set instead of refetched, when it may land.
 */
function applyToQueryClient(
  queryClient: QueryClient,
  targets: readonly Target[],
  refreshed?: { listing: QueryListing | undefined; bundles: ReadonlyMap<string, BundleResponse<unknown>> },
): { reached: number; refetched: Promise<void> } {
  if (targets.length === 0) return { reached: 0, refetched: Promise.resolve() };
  const byContext = new Map<string, Target[]>();
  for (const target of targets) {
    const list = byContext.get(target.context);
    if (list) list.push(target);
    else byContext.set(target.context, [target]);
  }
  const reached = new Set<Query>();
  const landed: Array<[Query, Bundle<unknown>]> = [];
  for (const query of queryClient.getQueryCache().getAll()) {
    const key = query.queryKey;
    if (!isMizanQueryKey(key)) continue;
    const list = byContext.get(key[1]);
    if (!list) continue;
    const bundle = { context: key[1], params: key[2] };
    if (!list.some((target) => reaches(target, bundle))) continue;
    const id = queryBundleKey(key);
    const response = landingFor(query, id, refreshed?.listing, refreshed?.bundles);
    generations.set(query, (generations.get(query) ?? 0) + 1);
    if (isStatic(query)) {
      reached.add(query);
      continue;
    }
    const fresh = response && toBundle(response, key[1], canonicalParams(key[2]));
    // A fetch in flight may answer with data older than the target: it fetches again before
    // resolving, or resolves with the bundle that lands now.
    overtake(id, fresh, refreshed?.bundles);
    if (fresh) landed.push([query, fresh]);
    else reached.add(query);
  }
  if (landed.length > 0) {
    // What `queryClient.setQueryData` does, on the query itself (whose hash may not be the default one).
    notifyManager.batch(() => {
      for (const [query, fresh] of landed) query.setData(fresh, { manual: true });
    });
  }
  const total = reached.size + landed.length;
  if (reached.size === 0) return { reached: total, refetched: Promise.resolve() };
  // TanStack's own invalidation: marks them invalidated and refetches the active ones (not disabled,
  // not static). A fetch in flight is joined, not cancelled: it refetches itself (above), so
  // whoever awaits it gets the newer answer, on every query-core 5 version.
  const refetched = queryClient.invalidateQueries(
    { predicate: (query) => reached.has(query as Query) },
    { cancelRefetch: false },
  );
  return { reached: total, refetched };
}

/**
 * Applies Mizan targets to a TanStack `QueryClient`: every query whose key
 * follows the convention and is reached by a target (same reach rule as the
 * Mizan cache) is invalidated through `queryClient.invalidateQueries` with a
 * predicate, so active queries refetch as TanStack refetches them (disabled
 * and `staleTime: 'static'` ones do not). A fetch in flight for a reached key
 * (`fetchQuery` awaiters, an active query's refetch) is joined, and fetches
 * again before it resolves, since its answer may predate the target. Returns
 * the number of queries reached.
 */
export function applyTargetsToQueryClient(queryClient: QueryClient, targets: readonly Target[]): number {
  return applyToQueryClient(queryClient, targets).reached;
}

/**
 * Mirrors every set of targets a Mizan client applies into a `QueryClient`.
 * A `call` whose envelope carried targets settles after the refetches they
 * started in the query client. Returns the disconnect function.
 *
 * Single-flight refresh (docs/protocol.md: "Single-flight refresh"): the client's calls also list the keys
 * of the query client's active Mizan queries (key convention, an enabled
 * observer, not `staleTime: 'static'`), after the Mizan cache's own, without
 * duplicates and within the same bound. A reached query whose bundle the
 * envelope brought back is set (as `setQueryData` does) instead of
 * refetched, unless a target reached it after the call was sent (an event,
 * another call): then its bundle may predate that target and it refetches.
 * A fetch in flight for a key that lands resolves with the landed bundle.
 * `{ refresh: false }` on a call, `singleFlight: false` on the client, or a
 * plugin without the feature list nothing, and every reached query refetches.
 *
 * ```ts
 * const queryClient = new QueryClient();
 * connectQueryClient(queryClient, client);
 * // useQuery(mizanQueryOptions(USER, { user_id }, client)) in a component, then:
 * await client.call('rename_user', { user_id, name }); // one IPC round trip
 * ```
 */
export function connectQueryClient(queryClient: QueryClient, client: MizanClient = getDefaultClient()): () => void {
  const source: RefreshSource<QueryListing> = (limit) => activeQueries(queryClient, limit);
  const removeSource = client.addRefreshSource(source);
  const removeListener = client.onInvalidate((targets, _origin, refreshed?: RefreshedBundles) =>
    applyToQueryClient(
      queryClient,
      targets,
      refreshed && { listing: refreshed.listingOf(source), bundles: refreshed.bundles },
    ).refetched,
  );
  return () => {
    removeSource();
    removeListener();
  };
}

/**
 * The `streamFn` of TanStack Query's `streamedQuery` (query-core 5.69 and
 * later, exported as `experimental_streamedQuery`; its first releases call
 * the option `queryFn`) for a streaming function: the query's `signal`
 * stops the Rust function when the query is cancelled or loses its last
 * observer.
 *
 * ```ts
 * import { experimental_streamedQuery as streamedQuery } from '@tanstack/query-core';
 * useQuery({
 *   queryKey: ['log', path],
 *   queryFn: streamedQuery({ streamFn: mizanStreamFn(tailLog, { path }) }),
 * });
 * ```
 */
export function mizanStreamFn<A, T, E = unknown>(
  fn: (args: A, options?: StreamOptions) => MizanStream<T, E>,
  args: A,
  options: Omit<StreamOptions, 'signal'> = {},
): (context: { signal: AbortSignal }) => MizanStream<T, E> {
  return (context) => fn(args, { ...options, signal: context.signal });
}
