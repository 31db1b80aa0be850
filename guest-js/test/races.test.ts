/**
 * The cache's rules where fetches, invalidations, hydration and subscribers
 * interleave (docs/protocol.md: "The client cache"), one deterministic schedule per rule. The
 * randomized scheduler in schedule.test.ts explores the rest.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalParams, createMizanClient, type JsonValue, type MizanClient, type Target } from '../src/index.js';
import { deferred, flush, type Deferred } from './helpers.js';

interface Request {
  cmd: string;
  args: { context?: string; params?: Record<string, JsonValue>; fn?: string; args?: Record<string, unknown> };
  reply: Deferred<unknown>;
}

/**
 * A client over a fake backend whose `user` bundle carries a version. A ctx
 * request reads the version when it arrives; its answer is held until the
 * test releases it.
 */
function setup(options: { gcTime?: number } = {}) {
  let version = 0;
  const requests: Request[] = [];
  const client = createMizanClient({
    listen: false,
    gcTime: options.gcTime ?? Infinity,
    invoke: (cmd, args) => {
      const reply = deferred<unknown>();
      requests.push({ cmd, args: args as Request['args'], reply });
      return reply.promise;
    },
  });
  const ctx = () => requests.filter((r) => r.cmd === 'plugin:mizan|ctx');
  /** Answers the i-th ctx request with the version it read when it arrived. */
  const versions: number[] = [];
  const answer = (i: number) => {
    const req = ctx()[i]!;
    req.reply.resolve({ context: req.args.context, params: req.args.params, data: { v: versions[i] }, errors: {} });
  };
  const track = () => {
    while (versions.length < ctx().length) versions.push(version);
  };
  return {
    client,
    requests,
    ctx,
    answer: async (i: number) => {
      track();
      answer(i);
      await flush();
      track();
    },
    /** Another window changed the bundle: the backend bumps the version, the target reaches the cache. */
    mutate: async (target: Target) => {
      track();
      version++;
      client.applyTargets([target]);
      await flush();
      track();
    },
    settle: async () => {
      track();
      await flush();
      track();
    },
  };
}

const USER = { context: 'user', params: { user_id: 5 } };
const TARGET: Target = { context: 'user', params: { user_id: 5 } };

let client: MizanClient | undefined;
afterEach(() => {
  client?.destroy();
  client = undefined;
  vi.useRealTimers();
});

describe('no stale write-back for awaiters', () => {
  it('an awaiter whose fetch was overtaken gets a newer answer, also when the entry was dropped meanwhile', async () => {
    const t = setup();
    client = t.client;
    const first = client.ensureBundle(USER.context, USER.params); // F1 reads v0
    await t.settle();
    await t.mutate(TARGET); // v1; F1 in flight keeps the entry
    const second = client.ensureBundle(USER.context, USER.params); // F2 reads v1
    await t.settle();
    expect(t.ctx().length).toBe(2);
    await t.answer(1); // F2 stores v1
    await expect(second).resolves.toMatchObject({ data: { v: 1 } });
    await t.mutate(TARGET); // v2: the unused entry is dropped
    expect(client.cache.find(USER.context, USER.params)).toBeUndefined();
    await t.answer(0); // F1 answers v0, older than both invalidations
    expect(t.ctx().length).toBe(3); // it fetched again
    await t.answer(2);
    await expect(first).resolves.toMatchObject({ data: { v: 2 } });
    expect(client.getBundleState(USER.context, USER.params)).toMatchObject({ status: 'success', isStale: false, data: { v: 2 } });
  });

  it('an awaiter whose entry was cleared and then invalidated gets a newer answer', async () => {
    const t = setup();
    client = t.client;
    const first = client.ensureBundle(USER.context, USER.params); // F1 reads v0
    await t.settle();
    client.cache.clear();
    const unsubscribe = client.subscribe(USER.context, USER.params, () => {}); // F2 on the new entry, reads v0
    await t.settle();
    await t.mutate(TARGET); // v1 reaches the new entry: F3 reads v1
    await t.answer(0); // F1's v0 answers after an invalidation reached its key
    await t.answer(1);
    await t.answer(2);
    await expect(first).resolves.toMatchObject({ data: { v: 1 } });
    unsubscribe();
  });
});

describe('no leaked entries', () => {
  it('subscribe, unsubscribe before the answer, hydrate, old answer: the entry is still collected', async () => {
    vi.useFakeTimers();
    const t = setup({ gcTime: 1000 });
    client = t.client;
    const unsubscribe = client.subscribe(USER.context, USER.params, () => {}); // F1
    await t.settle();
    unsubscribe(); // F1 still in flight
    client.hydrate([{ ...USER, data: { v: 9 }, errors: {} }]);
    await t.answer(0); // F1 answers (overtaken by the hydration)
    const entry = client.cache.find(USER.context, USER.params)!;
    expect(entry.state.data).toEqual({ v: 9 });
    expect(entry.inUse).toBe(false);
    expect(entry.gcTimer).toBeDefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.cache.size).toBe(0);
  });

  it('an awaiter whose fetch was overtaken by a hydration gets the hydrated bundle and leaves nothing in use', async () => {
    vi.useFakeTimers();
    const t = setup({ gcTime: 1000 });
    client = t.client;
    const read = client.ensureBundle(USER.context, USER.params);
    await t.settle();
    client.hydrate([{ ...USER, data: { v: 9 }, errors: {} }]);
    await t.answer(0);
    await expect(read).resolves.toMatchObject({ data: { v: 9 } });
    expect(t.ctx().length).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.cache.size).toBe(0);
  });
});

describe('__proto__ as a param name', () => {
  const proto = (value: JsonValue) => JSON.parse(`{"__proto__": ${JSON.stringify(value)}}`) as Record<string, JsonValue>;

  it('is a param like any other in canonical params', () => {
    expect(Object.keys(canonicalParams(proto(1)))).toEqual(['__proto__']);
    const nested = canonicalParams(proto({ x: 1 }));
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
    expect(JSON.stringify(nested)).toBe('{"__proto__":{"x":1}}');
  });

  it('makes bundles of their own, sent and reached by that name', async () => {
    const t = setup();
    client = t.client;
    const keys = [proto(1), proto(2), {}, proto({ x: 1 })];
    for (const params of keys) void client.ensureBundle('tagged', params);
    await t.settle();
    expect(t.ctx().map((r) => JSON.stringify(r.args.params))).toEqual([
      '{"__proto__":1}',
      '{"__proto__":2}',
      '{}',
      '{"__proto__":{"x":1}}',
    ]);
    for (let i = 0; i < keys.length; i++) await t.answer(i);
    expect(client.cache.size).toBe(4);
    expect(client.applyTargets([{ context: 'tagged', params: proto(1) }])).toBe(2); // its own and the one lacking it
    expect(client.cache.find('tagged', proto(2))).toBeDefined();
    expect(client.cache.find('tagged', proto(1))).toBeUndefined();
  });
});

describe('a mutation settles after the refetch it caused', () => {
  it("call resolves after the subscribed bundles its envelope reached have refetched", async () => {
    const t = setup();
    client = t.client;
    const unsubscribe = client.subscribe(USER.context, USER.params, () => {});
    await t.settle();
    await t.answer(0); // v0 shown
    let settled = false;
    const call = client.call('rename', { user_id: 5 }).then((r) => {
      settled = true;
      return r;
    });
    await t.settle();
    const request = t.requests.find((r) => r.cmd === 'plugin:mizan|call')!;
    request.reply.resolve({ result: 'ok', invalidate: [TARGET] });
    await t.settle();
    expect(t.ctx().length).toBe(2); // the refetch started...
    expect(settled).toBe(false); // ...and the call waits for it
    t.ctx()[1]!.reply.resolve({ ...USER, data: { v: 1 }, errors: {} });
    await expect(call).resolves.toBe('ok');
    expect(client.getBundleState(USER.context, USER.params)).toMatchObject({ isStale: false, isFetching: false, data: { v: 1 } });
    unsubscribe();
  });

  it('a failed refetch does not fail the call; an app error settles after its refetch too', async () => {
    const t = setup();
    client = t.client;
    const unsubscribe = client.subscribe(USER.context, USER.params, () => {});
    await t.settle();
    await t.answer(0);
    const ok = client.call('rename', {});
    await t.settle();
    t.requests.filter((r) => r.cmd === 'plugin:mizan|call')[0]!.reply.resolve({ result: 1, invalidate: [TARGET] });
    await t.settle();
    t.ctx()[1]!.reply.reject({ code: 'internal', message: 'db gone', fn: null, details: {}, invalidate: [] });
    await expect(ok).resolves.toBe(1);
    expect(client.getBundleState(USER.context, USER.params)).toMatchObject({ status: 'error', error: { code: 'internal' } });

    let rejected = false;
    const failing = client.call('rename', {}).catch((e: unknown) => {
      rejected = true;
      return e;
    });
    await t.settle();
    t.requests
      .filter((r) => r.cmd === 'plugin:mizan|call')[1]!
      .reply.reject({ code: 'app', message: 'half done', fn: 'rename', details: {}, invalidate: [TARGET] });
    await t.settle();
    expect(rejected).toBe(false);
    t.ctx()[2]!.reply.resolve({ ...USER, data: { v: 2 }, errors: {} });
    await expect(failing).resolves.toMatchObject({ code: 'app' });
    expect(client.getBundleState(USER.context, USER.params)?.data).toEqual({ v: 2 });
    unsubscribe();
  });

  it('an unsubscribed bundle reached is dropped and not waited for', async () => {
    const t = setup();
    client = t.client;
    const read = client.ensureBundle(USER.context, USER.params);
    await t.settle();
    await t.answer(0);
    await read;
    const call = client.call('rename', {});
    await t.settle();
    t.requests.find((r) => r.cmd === 'plugin:mizan|call')!.reply.resolve({ result: 1, invalidate: [TARGET] });
    await expect(call).resolves.toBe(1);
    expect(t.ctx().length).toBe(1);
    expect(client.cache.find(USER.context, USER.params)).toBeUndefined();
  });
});
