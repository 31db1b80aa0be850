/**
 * Single-flight refresh (docs/protocol.md: "Single-flight refresh"): a call lists the subscribed bundles,
 * the envelope brings back the reached ones, which land without a `ctx`
 * round trip, unless an invalidation overtook them (the generation rule).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMizanClient, type JsonValue, type MizanClient, type Target } from '../src/index.js';
import { pluginFeatures, refreshLimit } from '../src/refresh.js';
import { deferred, flush, setFeatures, type Deferred } from './helpers.js';

interface Request {
  cmd: string;
  args: {
    context?: string;
    params?: Record<string, JsonValue>;
    fn?: string;
    refresh?: Array<{ context: string; params: Record<string, JsonValue> }>;
  };
  reply: Deferred<unknown>;
}

const USER = { context: 'user', params: { user_id: 5 } };
const OTHER = { context: 'user', params: { user_id: 6 } };
const TEAM = { context: 'team', params: {} };
const TARGET: Target = { context: 'user', params: { user_id: 5 } };
const bundle = (key: { context: string; params: Record<string, JsonValue> }, v: number) => ({ ...key, data: { v }, errors: {} });

function setup(options: Parameters<typeof createMizanClient>[0] = {}) {
  const requests: Request[] = [];
  const client = createMizanClient({
    listen: false,
    gcTime: Infinity,
    ...options,
    invoke: (cmd, args) => {
      const reply = deferred<unknown>();
      requests.push({ cmd, args: args as Request['args'], reply });
      return reply.promise;
    },
  });
  const of = (cmd: string) => requests.filter((r) => r.cmd === `plugin:mizan|${cmd}`);
  /** Subscribes to `key` and answers its first fetch with version `v`. */
  const show = async (key: { context: string; params: Record<string, JsonValue> }, v: number) => {
    const unsubscribe = client.subscribe(key.context, key.params, () => {});
    await flush();
    const req = of('ctx').find((r) => r.args.context === key.context && r.args.params?.user_id === key.params.user_id)!;
    req.reply.resolve(bundle(key, v));
    await flush();
    return unsubscribe;
  };
  return { client, requests, of, show };
}

let client: MizanClient | undefined;
beforeEach(() => setFeatures({ refresh: { max: 32 } }));
afterEach(() => {
  client?.destroy();
  client = undefined;
  setFeatures(undefined);
});

describe('single-flight refresh', () => {
  it('a mutation and its refreshed view take one IPC call', async () => {
    const t = setup();
    client = t.client;
    await t.show(USER, 0);
    await t.show(TEAM, 0);
    const before = t.requests.length;
    const call = client.call('rename', { user_id: 5 });
    await flush();
    const req = t.of('call')[0]!;
    expect(req.args.refresh).toEqual([USER, TEAM]);
    req.reply.resolve({ result: 'ok', invalidate: [TARGET], bundles: [bundle(USER, 1)] });
    await expect(call).resolves.toBe('ok');
    await flush();
    expect(t.requests.length - before).toBe(1); // the call, and no ctx
    expect(client.getBundleState(USER.context, USER.params)).toMatchObject({ data: { v: 1 }, isStale: false, isFetching: false });
    expect(client.getBundleState(TEAM.context, TEAM.params)).toMatchObject({ data: { v: 0 }, isStale: false });
  });

  it('refetches only what did not come back', async () => {
    const t = setup();
    client = t.client;
    await t.show(USER, 0);
    await t.show(OTHER, 0);
    const call = client.call('rename_all', {});
    await flush();
    const whole: Target = { context: 'user', params: {} };
    t.of('call')[0]!.reply.resolve({ result: null, invalidate: [whole], bundles: [bundle(OTHER, 1)] });
    await flush();
    const refetches = t.of('ctx').slice(2);
    expect(refetches.map((r) => r.args.params)).toEqual([USER.params]);
    refetches[0]!.reply.resolve(bundle(USER, 1));
    await call;
    expect(client.getBundleState(OTHER.context, OTHER.params)?.data).toEqual({ v: 1 });
    expect(client.getBundleState(USER.context, USER.params)?.data).toEqual({ v: 1 });
  });

  it('an invalidation that reaches a listed bundle while the call is in flight makes its refreshed value refetch', async () => {
    const t = setup();
    client = t.client;
    await t.show(USER, 0);
    const call = client.call('rename', { user_id: 5 });
    await flush();
    // Another window's mutation reaches the bundle before the envelope arrives:
    // the refreshed value may predate it, so it must not land as fresh.
    client.applyTargets([TARGET], 'event');
    await flush();
    expect(t.of('ctx').length).toBe(2); // the event's refetch
    t.of('call')[0]!.reply.resolve({ result: 'ok', invalidate: [TARGET], bundles: [bundle(USER, 1)] });
    await flush();
    expect(t.of('ctx').length).toBe(3); // the envelope's bundle did not land: refetched
    expect(client.getBundleState(USER.context, USER.params)).toMatchObject({ data: { v: 0 }, isStale: true });
    t.of('ctx')[1]!.reply.resolve(bundle(USER, 1)); // overtaken by the envelope's targets: does not land either
    t.of('ctx')[2]!.reply.resolve(bundle(USER, 2));
    await call;
    expect(client.getBundleState(USER.context, USER.params)).toMatchObject({ data: { v: 2 }, isStale: false });
  });

  it('a refreshed bundle overtakes a fetch in flight from before the call, whose awaiters get it', async () => {
    const t = setup();
    client = t.client;
    await t.show(USER, 0);
    const read = client.refetchBundle(USER.context, USER.params);
    const call = client.call('rename', { user_id: 5 });
    await flush();
    t.of('call')[0]!.reply.resolve({ result: 'ok', invalidate: [TARGET], bundles: [bundle(USER, 1)] });
    await call;
    t.of('ctx')[1]!.reply.resolve(bundle(USER, 0)); // the old answer
    await expect(read).resolves.toMatchObject({ data: { v: 1 } });
    expect(client.getBundleState(USER.context, USER.params)?.data).toEqual({ v: 1 });
    expect(t.of('ctx').length).toBe(2);
  });

  it('a failed mutation lands nothing and refetches as before', async () => {
    const t = setup();
    client = t.client;
    await t.show(USER, 0);
    const call = client.call('rename', { user_id: 5 }).catch((e: unknown) => e);
    await flush();
    t.of('call')[0]!.reply.reject({ code: 'app', message: 'half done', fn: 'rename', details: {}, invalidate: [TARGET] });
    await flush();
    expect(t.of('ctx').length).toBe(2);
    t.of('ctx')[1]!.reply.resolve(bundle(USER, 1));
    await expect(call).resolves.toMatchObject({ code: 'app' });
  });

  it('lists nothing when nothing is subscribed, and at most the smaller bound', async () => {
    setFeatures({ refresh: { max: 2 } });
    const t = setup({ singleFlight: { max: 5 } });
    client = t.client;
    void client.call('ping', {});
    await flush();
    expect(t.of('call')[0]!.args).toEqual({ fn: 'ping', args: {} });
    await t.show(USER, 0);
    await t.show(OTHER, 0);
    await t.show(TEAM, 0);
    void client.call('rename', {});
    await flush();
    expect(t.of('call')[1]!.args.refresh).toEqual([USER, OTHER]);
    expect(refreshLimit({ max: 1 }, { refresh: { max: 2 } })).toBe(1);
  });

  it('is off per call and per client', async () => {
    const t = setup();
    client = t.client;
    await t.show(USER, 0);
    void client.call('rename', {}, { refresh: false });
    await flush();
    expect(t.of('call')[0]!.args).not.toHaveProperty('refresh');

    const off = setup({ singleFlight: false });
    await off.show(USER, 0);
    void off.client.call('rename', {});
    await flush();
    expect(off.of('call')[0]!.args).not.toHaveProperty('refresh');
    off.client.destroy();
  });
});

describe('against a plugin without single-flight refresh', () => {
  it('the client sends no refresh key, and the call runs and refetches as before', async () => {
    setFeatures(undefined); // an older plugin advertises nothing
    expect(pluginFeatures()).toEqual({});
    const t = setup();
    client = t.client;
    await t.show(USER, 0);
    const call = client.call('rename', { user_id: 5 });
    await flush();
    const req = t.of('call')[0]!;
    // What the older plugin checks: no key beyond fn and args, or `invalid_args`.
    expect(Object.keys(req.args).sort()).toEqual(['args', 'fn']);
    req.reply.resolve({ result: 'ok', invalidate: [TARGET] });
    await flush();
    t.of('ctx')[1]!.reply.resolve(bundle(USER, 1));
    await expect(call).resolves.toBe('ok');
    expect(client.getBundleState(USER.context, USER.params)?.data).toEqual({ v: 1 });
  });

  it('reads a malformed advertisement as none', () => {
    for (const bad of [null, 1, {}, { refresh: true }, { refresh: { max: 'x' } }, { refresh: { max: -1 } }]) {
      setFeatures(bad);
      expect(pluginFeatures()).toEqual({});
    }
  });
});
