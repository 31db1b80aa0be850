/**
 * The TanStack Query adapter. vitest runs this file twice: against the newest
 * `@tanstack/query-core` and against the lowest version the peer range
 * allows (5.0.0, installed under the alias `query-core-lowest`; see
 * vitest.config.ts), so the adapter keeps working across `^5.0.0`.
 */
import { Query, QueryClient, QueryObserver } from '@tanstack/query-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMizanClient, defineContext, type JsonValue, type MizanClient } from '../src/index.js';
import {
  applyTargetsToQueryClient,
  connectQueryClient,
  isMizanQueryKey,
  mizanQueryKey,
  mizanQueryOptions,
} from '../src/tanstack.js';
import { bundleOf, clearMocks, deferred, flush, installIpc, type Deferred, type IpcRequest } from './helpers.js';

const FEED = defineContext<{ user_id?: number | null; page: number }, { feed: number[] }>('feed');
const TAGGED = defineContext<Record<string, JsonValue>, { feed: number[] }>('tagged');
const TARGET = { context: 'feed', params: { user_id: 5 } };
/** `staleTime: 'static'` and `Query#isStatic` exist from query-core 5.80 on. */
const HAS_STATIC = typeof (Query.prototype as { isStatic?: unknown }).isStatic === 'function';

let versions: Map<number, number>;
let client: MizanClient;
let queryClient: QueryClient;

/** Answers with the version a bundle's user has when the request arrives. */
function handler(req: IpcRequest): unknown {
  const v = (id: number) => versions.get(id) ?? 0;
  if (req.cmd === 'plugin:mizan|ctx') {
    const { context, params } = req.args as { context: string; params: { user_id?: number; page: number } };
    return bundleOf(context, params, { feed: [v(params.user_id ?? 0)] });
  }
  const { args } = req.args as { args: { user_id: number } };
  versions.set(args.user_id, v(args.user_id) + 1);
  return { result: null, invalidate: [{ context: 'feed', params: { user_id: args.user_id } }] };
}

function setup() {
  versions = new Map();
  const ipc = installIpc(handler);
  client = createMizanClient({ listen: false });
  queryClient = new QueryClient();
  return ipc;
}

/** Like `setup`, but each ctx answer waits for its gate (the answer is read when the request arrives). */
function setupGated(): Array<Deferred<void>> {
  setup();
  const gates: Array<Deferred<void>> = [];
  installIpc((req) => {
    if (req.cmd !== 'plugin:mizan|ctx') return handler(req);
    const answer = handler(req);
    const gate = deferred<void>();
    gates.push(gate);
    return gate.promise.then(() => answer);
  });
  return gates;
}

afterEach(() => {
  queryClient?.clear();
  client?.destroy();
  clearMocks();
});

it('runs against the query-core version this project names', () => {
  expect(HAS_STATIC).toBe(process.env.MIZAN_QUERY_CORE !== '5.0.0');
});

describe('query keys', () => {
  it("follow ['mizan', context, canonicalParams]", () => {
    expect(mizanQueryKey(FEED, { page: 1, user_id: null })).toEqual(['mizan', 'feed', { page: 1 }]);
    expect(mizanQueryKey('feed', { user_id: 5, page: 1 })).toEqual(['mizan', 'feed', { page: 1, user_id: 5 }]);
    expect(isMizanQueryKey(['mizan', 'feed', {}])).toBe(true);
    expect(isMizanQueryKey(['todos', 'feed', {}])).toBe(false);
  });

  it('keep a param named __proto__: two bundles, two queries', async () => {
    setup();
    const proto = (v: number) => JSON.parse(`{"__proto__": ${v}, "page": 1}`) as Record<string, JsonValue>;
    const one = await queryClient.fetchQuery(mizanQueryOptions(TAGGED, proto(1), client));
    const two = await queryClient.fetchQuery(mizanQueryOptions(TAGGED, proto(2), client));
    expect(queryClient.getQueryCache().getAll().length).toBe(2);
    expect(one.params).toEqual(proto(1));
    expect(two.params).toEqual(proto(2));
    // An ordinary key hashes as TanStack hashes it: found without the options.
    await queryClient.fetchQuery(mizanQueryOptions(FEED, { page: 1 }, client));
    expect(queryClient.getQueryData(mizanQueryKey(FEED, { page: 1 }))).toMatchObject({ data: { feed: [0] } });
  });
});

describe('applyTargetsToQueryClient', () => {
  it('invalidates exactly the reached queries, absent params included', async () => {
    setup();
    const keys = [
      { page: 1, user_id: 5 },
      { page: 2, user_id: 5 },
      { page: 1, user_id: 6 },
      { page: 1 },
    ];
    for (const params of keys) await queryClient.fetchQuery(mizanQueryOptions(FEED, params, client));
    queryClient.setQueryData(['todos', 1], 'unrelated');
    const reached = applyTargetsToQueryClient(queryClient, [TARGET]);
    expect(reached).toBe(3);
    const invalidated = (params: object) => queryClient.getQueryState(mizanQueryKey(FEED, params))?.isInvalidated;
    expect(invalidated({ page: 1, user_id: 5 })).toBe(true);
    expect(invalidated({ page: 2, user_id: 5 })).toBe(true);
    expect(invalidated({ page: 1 })).toBe(true);
    expect(invalidated({ page: 1, user_id: 6 })).toBe(false);
    expect(queryClient.getQueryState(['todos', 1])?.isInvalidated).toBe(false);
  });

  it('refetches active queries and follows a Mizan client through connectQueryClient', async () => {
    const ipc = setup();
    const disconnect = connectQueryClient(queryClient, client);
    const observer = new QueryObserver(queryClient, mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client));
    const unsubscribe = observer.subscribe(() => {});
    await flush(40);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([0]);
    await client.call('update', { user_id: 5 });
    // The call settles after the refetch it caused in the query client.
    expect(observer.getCurrentResult()).toMatchObject({ status: 'success', isFetching: false, data: { data: { feed: [1] } } });
    expect(ipc.ctxCalls()).toBe(2);
    unsubscribe();
    disconnect();
  });

  it('an active query whose first fetch a target overtakes ends with the newer data, not pending', async () => {
    const gates = setupGated();
    const observer = new QueryObserver(queryClient, mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client));
    const unsubscribe = observer.subscribe(() => {});
    await flush();
    expect(gates.length).toBe(1);
    versions.set(5, 1);
    expect(applyTargetsToQueryClient(queryClient, [TARGET])).toBe(1);
    await flush();
    gates[0]!.resolve(); // the answer read before the target arrives after it
    await flush(40);
    expect(gates.length).toBe(2); // so the fetch fetched again
    gates[1]!.resolve();
    await flush(40);
    expect(observer.getCurrentResult()).toMatchObject({ status: 'success', fetchStatus: 'idle', data: { data: { feed: [1] } } });
    expect(queryClient.getQueryState(mizanQueryKey(FEED, { page: 1, user_id: 5 }))?.isInvalidated).toBe(false);
    unsubscribe();
  });

  it('a refetch in flight that a target overtakes resolves its awaiter with the newer data', async () => {
    const gates = setupGated();
    const observer = new QueryObserver(queryClient, mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client));
    const unsubscribe = observer.subscribe(() => {});
    await flush();
    gates[0]!.resolve();
    await flush(40);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([0]);
    const refetch = observer.refetch();
    await flush();
    expect(gates.length).toBe(2);
    versions.set(5, 1);
    applyTargetsToQueryClient(queryClient, [TARGET]);
    await flush();
    gates[1]!.resolve(); // v0, older than the target
    await flush(40);
    expect(gates.length).toBe(3);
    gates[2]!.resolve();
    await expect(refetch).resolves.toMatchObject({ status: 'success', data: { data: { feed: [1] } } });
    expect(observer.getCurrentResult()).toMatchObject({ status: 'success', fetchStatus: 'idle', data: { data: { feed: [1] } } });
    unsubscribe();
  });

  it('does not let an inactive fetch that started before the target store its answer as valid', async () => {
    const gates = setupGated();
    const read = queryClient.fetchQuery(mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client));
    await flush();
    versions.set(5, 1);
    applyTargetsToQueryClient(queryClient, [TARGET]);
    await flush();
    gates[0]!.resolve(); // v0 arrives after the target: not stored, fetched again
    await flush(40);
    expect(gates.length).toBe(2);
    gates[1]!.resolve();
    await expect(read).resolves.toMatchObject({ data: { feed: [1] } });
    const state = queryClient.getQueryState(mizanQueryKey(FEED, { page: 1, user_id: 5 }));
    expect(state).toMatchObject({ status: 'success', isInvalidated: false, data: { data: { feed: [1] } } });
  });

  it('does not refetch a disabled query, only marks it invalidated', async () => {
    const ipc = setup();
    await queryClient.fetchQuery(mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client));
    const observer = new QueryObserver(queryClient, { ...mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client), enabled: false });
    const unsubscribe = observer.subscribe(() => {});
    await flush(40);
    applyTargetsToQueryClient(queryClient, [TARGET]);
    await flush(40);
    expect(ipc.ctxCalls()).toBe(1);
    expect(queryClient.getQueryState(mizanQueryKey(FEED, { page: 1, user_id: 5 }))?.isInvalidated).toBe(true);
    unsubscribe();
  });

  it.runIf(HAS_STATIC)("respects staleTime: 'static' (never refetched by an invalidation)", async () => {
    const ipc = setup();
    const options = { ...mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client), staleTime: 'static' as const };
    const observer = new QueryObserver(queryClient, options);
    const unsubscribe = observer.subscribe(() => {});
    await flush(40);
    expect(ipc.ctxCalls()).toBe(1);
    versions.set(5, 1);
    expect(applyTargetsToQueryClient(queryClient, [TARGET])).toBe(1);
    await flush(40);
    expect(ipc.ctxCalls()).toBe(1);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([0]);
    unsubscribe();
  });
});
