import { hashKey, type Query, type QueryClient } from '@tanstack/query-core';
import { bundleKey, canonicalJson, canonicalParams } from './canonical.js';
import type { Bundle } from './cache.js';
import { getDefaultClient, type ContextDescriptor, type MizanClient } from './client.js';
import { reaches } from './reach.js';
import type { MizanStream, StreamOptions } from './stream.js';
import type { JsonValue, Target } from './wire.js';

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

/**
 * Bundle fetches run by `mizanQueryOptions`' `queryFn`, by bundle key, while
 * they are in flight. A target reaching a key marks its fetches overtaken:
 * their answer may predate the target, so they fetch again before resolving.
 */
const flights = new Map<string, Set<{ overtaken: boolean }>>();

async function fetchNotOvertaken<B>(key: string, fetch: () => Promise<Bundle<B>>): Promise<Bundle<B>> {
  for (;;) {
    const flight = { overtaken: false };
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
  }
}

function overtake(key: string): void {
  const set = flights.get(key);
  if (set) for (const flight of set) flight.overtaken = true;
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
 * Applies targets to a query client; returns how many queries they reached
 * and the promise of the refetches (TanStack's `invalidateQueries` promise).
 */
function applyToQueryClient(
  queryClient: QueryClient,
  targets: readonly Target[],
): { reached: number; refetched: Promise<void> } {
  if (targets.length === 0) return { reached: 0, refetched: Promise.resolve() };
  const byContext = new Map<string, Target[]>();
  for (const target of targets) {
    const list = byContext.get(target.context);
    if (list) list.push(target);
    else byContext.set(target.context, [target]);
  }
  const reached = new Set<Query>();
  for (const query of queryClient.getQueryCache().getAll()) {
    const key = query.queryKey;
    if (!isMizanQueryKey(key)) continue;
    const list = byContext.get(key[1]);
    if (!list) continue;
    const bundle = { context: key[1], params: key[2] };
    if (!list.some((target) => reaches(target, bundle))) continue;
    reached.add(query);
    // A fetch in flight may answer with data older than the target: it fetches again before resolving.
    if (!isStatic(query)) overtake(bundleKey(key[1], key[2]));
  }
  if (reached.size === 0) return { reached: 0, refetched: Promise.resolve() };
  // TanStack's own invalidation: marks them invalidated and refetches the active ones (not disabled,
  // not static). A fetch in flight is joined, not cancelled: it refetches itself (above), so
  // whoever awaits it gets the newer answer, on every query-core 5 version.
  const refetched = queryClient.invalidateQueries(
    { predicate: (query) => reached.has(query as Query) },
    { cancelRefetch: false },
  );
  return { reached: reached.size, refetched };
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
 */
export function connectQueryClient(queryClient: QueryClient, client: MizanClient = getDefaultClient()): () => void {
  return client.onInvalidate((targets) => applyToQueryClient(queryClient, targets).refetched);
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
