import { notifyManager, type Query, type QueryClient } from '@tanstack/query-core';
import { canonicalParams } from './canonical.js';
import type { Bundle } from './cache.js';
import { getDefaultClient, type ContextDescriptor, type MizanClient } from './client.js';
import { reaches } from './reach.js';
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

/**
 * Query options for a bundle: the Mizan key, a `queryFn` doing one
 * `plugin:mizan|ctx` round trip, and `staleTime: Infinity` (a bundle stays
 * fresh until a Mizan target reaches it).
 */
export function mizanQueryOptions<P, B>(
  descriptor: ContextDescriptor<P, B>,
  params: P,
  client: MizanClient = getDefaultClient(),
): {
  queryKey: MizanQueryKey;
  queryFn: () => Promise<Bundle<B>>;
  staleTime: number;
} {
  return {
    queryKey: mizanQueryKey(descriptor, params),
    queryFn: () => client.fetchBundle<P, B>(descriptor, params),
    staleTime: Infinity,
  };
}

function noop(): void {}

/**
 * Applies Mizan targets to a TanStack `QueryClient` in one pass over its
 * query cache: every query whose key follows the convention and is reached by
 * a target (same reach rule as the Mizan cache) is invalidated; active
 * queries, and inactive ones with a fetch in flight (whose answer may predate
 * the invalidation), refetch, cancelling the older fetch. Returns the number
 * of queries reached.
 */
export function applyTargetsToQueryClient(queryClient: QueryClient, targets: readonly Target[]): number {
  if (targets.length === 0) return 0;
  const byContext = new Map<string, Target[]>();
  for (const target of targets) {
    const list = byContext.get(target.context);
    if (list) list.push(target);
    else byContext.set(target.context, [target]);
  }
  const reached: Query[] = [];
  for (const query of queryClient.getQueryCache().getAll()) {
    const key = query.queryKey;
    if (!isMizanQueryKey(key)) continue;
    const list = byContext.get(key[1]);
    if (!list) continue;
    const bundle = { context: key[1], params: key[2] };
    if (list.some((target) => reaches(target, bundle))) reached.push(query);
  }
  if (reached.length === 0) return 0;
  notifyManager.batch(() => {
    for (const query of reached) query.invalidate();
    for (const query of reached) {
      const inFlight = query.state.fetchStatus !== 'idle';
      // A fetch in flight may answer with data older than the target: cancel it
      // silently (its awaiters get the new fetch's answer) and fetch again.
      if (inFlight) void query.cancel({ silent: true });
      if (inFlight || query.isActive()) query.fetch().catch(noop);
    }
  });
  return reached.length;
}

/** Mirrors every set of targets a Mizan client applies into a `QueryClient`. Returns the disconnect function. */
export function connectQueryClient(queryClient: QueryClient, client: MizanClient = getDefaultClient()): () => void {
  return client.onInvalidate((targets) => {
    applyTargetsToQueryClient(queryClient, targets);
  });
}
