/**
 * Single-flight refresh (docs/protocol.md: "Single-flight refresh") for TanStack Query: `connectQueryClient`
 * makes a client's calls list the active Mizan queries of a real
 * `QueryClient`; a reached query whose bundle comes back is set, not
 * refetched, unless a target reached it after the call was sent. vitest runs
 * this file against the newest query-core and against 5.0.0 (see
 * vitest.config.ts).
 */
import { Query, QueryClient, QueryObserver } from '@tanstack/query-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createMizanClient,
  defineContext,
  reaches,
  type JsonValue,
  type MizanClient,
  type MizanClientOptions,
  type RefreshedBundles,
  type Target,
  type TargetOrigin,
} from '../src/index.js';
import { applyTargetsToQueryClient, connectQueryClient, mizanQueryKey, mizanQueryOptions } from '../src/tanstack.js';
import { deferred, flush, setFeatures, type Deferred } from './helpers.js';

type Params = Record<string, JsonValue>;
interface Request {
  cmd: string;
  args: { context?: string; params?: Params; fn?: string; args?: { user_id?: number }; refresh?: Array<{ context: string; params: Params }> };
  reply: Deferred<unknown>;
}

const FEED = 'feed';
const FEED_CONTEXT = defineContext<Params, { feed: number[] }>(FEED);
const P1 = { page: 1, user_id: 5 };
const P2 = { page: 2, user_id: 5 };
const TARGET: Target = { context: FEED, params: { user_id: 5 } };
/** `staleTime: 'static'` exists from query-core 5.80 on. */
const HAS_STATIC = typeof (Query.prototype as { isStatic?: unknown }).isStatic === 'function';

const bundle = (params: Params, v: number) => ({ context: FEED, params, data: { feed: [v] }, errors: {} });

/**
 * A Mizan client whose `invoke` plays the plugin: `ctx` answers with the
 * user's version when asked, `update` bumps it and brings back the listed
 * bundles its target reaches (but those in `omit`). `hold` keeps a command's
 * requests in flight, to be answered by hand.
 */
function setup(options: MizanClientOptions = {}) {
  const requests: Request[] = [];
  const versions = new Map<number, number>();
  const v = (id: number | undefined) => versions.get(id ?? 0) ?? 0;
  const hold = new Set<string>();
  const omit = new Set<number>();
  const answer = (req: Request): unknown => {
    if (req.cmd === 'plugin:mizan|ctx') return bundle(req.args.params!, v(req.args.params!.user_id as number));
    const user = req.args.args!.user_id!;
    versions.set(user, v(user) + 1);
    const target = { context: FEED, params: { user_id: user } };
    const bundles = (req.args.refresh ?? [])
      .filter((key) => reaches(target, key) && !omit.has(key.params.page as number))
      .map((key) => bundle(key.params, v(user)));
    return { result: 'ok', invalidate: [target], ...(req.args.refresh ? { bundles } : {}) };
  };
  const client = createMizanClient({
    listen: false,
    gcTime: Infinity,
    ...options,
    invoke: (cmd, args) => {
      const req: Request = { cmd, args: args as Request['args'], reply: deferred<unknown>() };
      requests.push(req);
      if (!hold.has(cmd)) req.reply.resolve(answer(req));
      return req.reply.promise;
    },
  });
  const queryClient = new QueryClient();
  const disconnect = connectQueryClient(queryClient, client);
  const of = (cmd: string) => requests.filter((r) => r.cmd === `plugin:mizan|${cmd}`);
  const unsubscribes: Array<() => void> = [];
  /** An observed query of the feed (active unless `enabled: false`). */
  const watch = (params: Params, extra: { enabled?: boolean; staleTime?: 'static' } = {}) => {
    const observer = new QueryObserver(queryClient, { ...mizanQueryOptions(FEED_CONTEXT, params, client), ...extra });
    unsubscribes.push(observer.subscribe(() => {}));
    return observer;
  };
  const state = (params: Params) => queryClient.getQueryState(mizanQueryKey(FEED, params));
  const cleanup = () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
    disconnect();
    queryClient.clear();
    client.destroy();
  };
  return { client, queryClient, requests, versions, hold, omit, of, watch, state, disconnect, cleanup };
}

let current: ReturnType<typeof setup> | undefined;
function start(options?: MizanClientOptions) {
  current = setup(options);
  return current;
}

beforeEach(() => setFeatures({ refresh: { max: 32 } }));
afterEach(() => {
  current?.cleanup();
  current = undefined;
  setFeatures(undefined);
});

describe('connectQueryClient with single-flight refresh', () => {
  it('a mutation whose reached active query came back takes one IPC call, and the query holds the returned bundle', async () => {
    const t = start();
    const observer = t.watch(P1);
    await flush(40);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([0]);
    const origins: TargetOrigin[] = [];
    const received: Array<RefreshedBundles | undefined> = [];
    t.client.onInvalidate((_targets, origin) => void origins.push(origin)); // two arguments, as before
    t.client.onInvalidate((_targets, _origin, refreshed) => void received.push(refreshed));
    const before = t.requests.length;

    await expect(t.client.call('update', { user_id: 5 })).resolves.toBe('ok');

    expect(t.requests.length - before).toBe(1);
    expect(t.of('call')[0]!.args.refresh).toEqual([{ context: FEED, params: P1 }]);
    expect(t.queryClient.getQueryData(mizanQueryKey(FEED, P1))).toEqual({ ...bundle(P1, 1), stale: {} });
    expect(t.state(P1)).toMatchObject({ status: 'success', fetchStatus: 'idle', isInvalidated: false });
    expect(observer.getCurrentResult()).toMatchObject({ isFetching: false, data: { data: { feed: [1] } } });
    expect(origins).toEqual(['envelope']);
    expect([...received[0]!.bundles.values()]).toEqual([bundle(P1, 1)]);
  });

  it('ten reached active queries: one IPC call per mutation instead of eleven', async () => {
    const t = start();
    const observers = Array.from({ length: 10 }, (_, page) => t.watch({ page, user_id: 5 }));
    await flush(40);
    let before = t.requests.length;
    await t.client.call('update', { user_id: 5 });
    const singleFlight = t.requests.length - before;
    before = t.requests.length;
    await t.client.call('update', { user_id: 5 }, { refresh: false });
    const without = t.requests.length - before;
    expect([singleFlight, without]).toEqual([1, 11]);
    for (const observer of observers) expect(observer.getCurrentResult().data?.data.feed).toEqual([2]);
  });

  it('a reached query that did not come back is refetched, and the call settles after it', async () => {
    const t = start();
    t.watch(P1);
    const second = t.watch(P2);
    await flush(40);
    t.omit.add(2);
    await t.client.call('update', { user_id: 5 });
    expect(t.of('call')[0]!.args.refresh).toEqual([
      { context: FEED, params: P1 },
      { context: FEED, params: P2 },
    ]);
    expect(t.of('ctx').map((r) => r.args.params)).toEqual([P1, P2, P2]);
    expect(second.getCurrentResult()).toMatchObject({ status: 'success', isFetching: false, data: { data: { feed: [1] } } });
    expect(t.state(P1)).toMatchObject({ isInvalidated: false, data: { data: { feed: [1] } } });
  });

  it('lists only active Mizan queries: not inactive, disabled or static ones, nor other keys', async () => {
    const t = start();
    await t.queryClient.fetchQuery(mizanQueryOptions(FEED_CONTEXT, { page: 3, user_id: 5 }, t.client)); // no observer
    await t.queryClient.fetchQuery(mizanQueryOptions(FEED_CONTEXT, { page: 4, user_id: 5 }, t.client));
    t.watch({ page: 4, user_id: 5 }, { enabled: false });
    if (HAS_STATIC) t.watch({ page: 5, user_id: 5 }, { staleTime: 'static' });
    const todos = new QueryObserver(t.queryClient, { queryKey: ['todos', 'feed', {}], queryFn: () => 'todos' });
    const unsubscribe = todos.subscribe(() => {});
    t.watch(P1);
    await flush(40);
    const ctxBefore = t.of('ctx').length;

    await t.client.call('update', { user_id: 5 });

    expect(t.of('call')[0]!.args.refresh).toEqual([{ context: FEED, params: P1 }]);
    // The disabled one is invalidated (as before) but neither listed nor refetched.
    expect(t.of('ctx').length).toBe(ctxBefore);
    expect(t.state({ page: 4, user_id: 5 })).toMatchObject({ isInvalidated: true, data: { data: { feed: [0] } } });
    unsubscribe();
  });

  it("merges with the Mizan cache's keys, without duplicates, within the bound", async () => {
    const t = start();
    const unsubscribe = t.client.subscribe(FEED, P1, () => {});
    t.watch(P1);
    t.watch(P2);
    await flush(40);
    const ctxBefore = t.of('ctx').length;
    await t.client.call('update', { user_id: 5 });
    expect(t.of('call')[0]!.args.refresh).toEqual([
      { context: FEED, params: P1 },
      { context: FEED, params: P2 },
    ]);
    // P1 lands in both caches from the one bundle: no refetch anywhere.
    expect(t.of('ctx').length).toBe(ctxBefore);
    expect(t.client.getBundleState(FEED, P1)).toMatchObject({ data: { feed: [1] }, isStale: false });
    expect(t.state(P1)?.data).toMatchObject({ data: { feed: [1] } });
    expect(t.state(P2)?.data).toMatchObject({ data: { feed: [1] } });

    setFeatures({ refresh: { max: 1 } });
    await t.client.call('update', { user_id: 5 });
    expect(t.of('call')[1]!.args.refresh).toEqual([{ context: FEED, params: P1 }]);
    expect(t.of('ctx').map((r) => r.args.params).slice(ctxBefore)).toEqual([P2]); // not listed: refetched
    unsubscribe();
  });

  it('an invalidation reaching a listed query between send and answer keeps its bundle from landing fresh', async () => {
    const t = start();
    const observer = t.watch(P1);
    await flush(40);
    t.hold.add('plugin:mizan|call');
    const call = t.client.call('update', { user_id: 5 });
    await flush();
    // Another window's mutation (v2) reaches the query while the call is in flight; its refetch reads v2.
    t.versions.set(5, 2);
    t.client.applyTargets([TARGET], 'event');
    await flush(40);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([2]);
    // The envelope's bundle was computed before that mutation: it must not land over v2.
    t.of('call')[0]!.reply.resolve({ result: 'ok', invalidate: [TARGET], bundles: [bundle(P1, 1)] });
    await call;
    expect(t.of('ctx').length).toBe(3); // first read, the event's refetch, the envelope's refetch
    expect(observer.getCurrentResult()).toMatchObject({ isFetching: false, data: { data: { feed: [2] } } });
  });

  it("an invalidation that overtakes a refetch in flight keeps the envelope's bundle from resolving it", async () => {
    const t = start();
    const observer = t.watch(P1);
    await flush(40);
    t.hold.add('plugin:mizan|call');
    t.hold.add('plugin:mizan|ctx');
    const call = t.client.call('update', { user_id: 5 });
    await flush();
    t.versions.set(5, 2);
    t.client.applyTargets([TARGET], 'event'); // its refetch stays in flight
    await flush(40);
    t.of('call')[0]!.reply.resolve({ result: 'ok', invalidate: [TARGET], bundles: [bundle(P1, 1)] });
    await flush(40);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([0]);
    t.of('ctx')[1]!.reply.resolve(bundle(P1, 1)); // overtaken by the envelope's targets: fetches again
    await flush(40);
    expect(t.of('ctx').length).toBe(3);
    t.of('ctx')[2]!.reply.resolve(bundle(P1, 2));
    await call;
    expect(observer.getCurrentResult()).toMatchObject({ isFetching: false, data: { data: { feed: [2] } } });
  });

  it('a fetch in flight from before the call resolves with the landed bundle, with no round trip more', async () => {
    const t = start();
    t.hold.add('plugin:mizan|ctx');
    const observer = t.watch(P1); // its first fetch stays in flight
    await flush(40);
    await t.client.call('update', { user_id: 5 });
    expect(t.of('call')[0]!.args.refresh).toEqual([{ context: FEED, params: P1 }]);
    expect(observer.getCurrentResult().data?.data.feed).toEqual([1]);
    t.of('ctx')[0]!.reply.resolve(bundle(P1, 0)); // the old answer
    await flush(40);
    expect(t.of('ctx').length).toBe(1);
    expect(observer.getCurrentResult()).toMatchObject({ status: 'success', fetchStatus: 'idle', data: { data: { feed: [1] } } });
  });
});

describe('two query clients on one Mizan client', () => {
  it("one client's landing does not resolve the other's overtaken fetch with a bundle that may not land there", async () => {
    const t = start();
    t.disconnect();
    // The second query client is connected first: its listener runs first.
    const other = new QueryClient();
    const disconnectOther = connectQueryClient(other, t.client);
    const disconnect = connectQueryClient(t.queryClient, t.client);
    t.hold.add('plugin:mizan|ctx');
    t.hold.add('plugin:mizan|call');
    const mine = t.watch(P1);
    const theirs = new QueryObserver(other, mizanQueryOptions(FEED_CONTEXT, P1, t.client));
    const unsubscribe = theirs.subscribe(() => {});
    await flush(40);
    expect(t.of('ctx').length).toBe(2); // both first fetches in flight
    const call = t.client.call('update', { user_id: 5 });
    await flush();
    // A target reaches only the other query client's query while the call is in flight.
    applyTargetsToQueryClient(other, [TARGET]);
    t.of('call')[0]!.reply.resolve({ result: 'ok', invalidate: [TARGET], bundles: [bundle(P1, 1)] });
    await flush(40);
    expect(mine.getCurrentResult().data?.data.feed).toEqual([1]); // landed here
    t.of('ctx')[0]!.reply.resolve(bundle(P1, 0));
    t.of('ctx')[1]!.reply.resolve(bundle(P1, 0));
    await flush(40);
    for (const req of t.of('ctx').slice(2)) req.reply.resolve(bundle(P1, 2));
    await call;
    await flush(40);
    expect(theirs.getCurrentResult()).toMatchObject({ isFetching: false, data: { data: { feed: [2] } } });
    unsubscribe();
    disconnect();
    disconnectOther();
    other.clear();
  });
});

describe('opt-outs', () => {
  async function listsNothing(t: ReturnType<typeof setup>, options?: { refresh: false }) {
    const observer = t.watch(P1);
    await flush(40);
    await t.client.call('update', { user_id: 5 }, options);
    expect(Object.keys(t.of('call')[0]!.args).sort()).toEqual(['args', 'fn']);
    expect(t.of('ctx').length).toBe(2); // refetched as before
    expect(observer.getCurrentResult()).toMatchObject({ isFetching: false, data: { data: { feed: [1] } } });
  }

  it('{ refresh: false } on a call', async () => {
    await listsNothing(start(), { refresh: false });
  });

  it('singleFlight: false on the client', async () => {
    await listsNothing(start({ singleFlight: false }));
  });

  it('a plugin without the feature gets no refresh key', async () => {
    setFeatures(undefined);
    await listsNothing(start());
  });

  it('a disconnected query client is not listed', async () => {
    const t = start();
    t.disconnect();
    await flush();
    t.watch(P1);
    await flush(40);
    await t.client.call('update', { user_id: 5 });
    expect(t.of('call')[0]!.args).not.toHaveProperty('refresh');
  });
});
