import { QueryClient, QueryObserver } from '@tanstack/query-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMizanClient, defineContext, type MizanClient } from '../src/index.js';
import {
  applyTargetsToQueryClient,
  connectQueryClient,
  isMizanQueryKey,
  mizanQueryKey,
  mizanQueryOptions,
} from '../src/tanstack.js';
import { bundleOf, clearMocks, deferred, flush, installIpc, type IpcRequest } from './helpers.js';

const FEED = defineContext<{ user_id?: number | null; page: number }, { feed: number[] }>('feed');

let versions: Map<number, number>;
let client: MizanClient;
let queryClient: QueryClient;

function handler(req: IpcRequest): unknown {
  const v = (id: number) => versions.get(id) ?? 0;
  if (req.cmd === 'plugin:mizan|ctx') {
    const { params } = req.args as { params: { user_id?: number; page: number } };
    return bundleOf('feed', params, { feed: [v(params.user_id ?? 0)] });
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

afterEach(() => {
  queryClient?.clear();
  client?.destroy();
  clearMocks();
});

describe('query keys', () => {
  it("follow ['mizan', context, canonicalParams]", () => {
    expect(mizanQueryKey(FEED, { page: 1, user_id: null })).toEqual(['mizan', 'feed', { page: 1 }]);
    expect(mizanQueryKey('feed', { user_id: 5, page: 1 })).toEqual(['mizan', 'feed', { page: 1, user_id: 5 }]);
    expect(isMizanQueryKey(['mizan', 'feed', {}])).toBe(true);
    expect(isMizanQueryKey(['todos', 'feed', {}])).toBe(false);
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
    const reached = applyTargetsToQueryClient(queryClient, [{ context: 'feed', params: { user_id: 5 } }]);
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
    const seen: Array<number | undefined> = [];
    const unsubscribe = observer.subscribe((r) => seen.push(r.data?.data.feed?.[0]));
    await flush(40);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([0]);
    await client.call('update', { user_id: 5 });
    await flush(40);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([1]);
    expect(ipc.ctxCalls()).toBe(2);
    unsubscribe();
    disconnect();
  });

  it('does not let an inactive fetch that started before the target store its answer as valid', async () => {
    setup();
    const gates: Array<ReturnType<typeof deferred<void>>> = [];
    installIpc((req) => {
      if (req.cmd !== 'plugin:mizan|ctx') return handler(req);
      const answer = handler(req);
      const gate = deferred<void>();
      gates.push(gate);
      return gate.promise.then(() => answer);
    });
    const read = queryClient.fetchQuery(mizanQueryOptions(FEED, { page: 1, user_id: 5 }, client));
    await flush();
    versions.set(5, 1);
    applyTargetsToQueryClient(queryClient, [{ context: 'feed', params: { user_id: 5 } }]);
    await flush();
    expect(gates.length).toBe(2); // the older fetch was replaced by a new one
    gates[0]!.resolve();
    gates[1]!.resolve();
    await flush(40);
    const state = queryClient.getQueryState(mizanQueryKey(FEED, { page: 1, user_id: 5 }));
    expect(state?.data).toMatchObject({ data: { feed: [1] } });
    await expect(read).resolves.toMatchObject({ data: { feed: [1] } });
  });
});
