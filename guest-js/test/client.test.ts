import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MizanError,
  createMizanClient,
  defineContext,
  call,
  setDefaultClient,
  type JsonValue,
  type MizanClient,
  type Target,
} from '../src/index.js';
import { prng } from './prng.js';
import { bundleOf, clearMocks, deferred, emitInvalidate, flush, installIpc, type IpcRequest } from './helpers.js';

interface UserParams {
  user_id: number;
}
interface UserBundle {
  user_profile: { name: string; v: number };
}
const USER = defineContext<UserParams, UserBundle>('user');
const FEED = defineContext<{ user_id?: number | null; page: number }, { feed: number[] }>('feed');

/** A tiny backend: one version counter per user; mutations bump it. */
function backend() {
  const versions = new Map<number, number>();
  const v = (id: number) => versions.get(id) ?? 0;
  const handler = (req: IpcRequest): unknown => {
    if (req.cmd === 'plugin:mizan|ctx') {
      const { context, params } = req.args as { context: string; params: Record<string, number> };
      const id = params.user_id ?? 0;
      if (context === 'user') return bundleOf('user', params, { user_profile: { name: 'Ada', v: v(id) } });
      if (context === 'feed') return bundleOf('feed', params, { feed: [v(id)] });
      return Promise.reject({ code: 'unknown_context', message: `no context ${context}`, details: {}, invalidate: [] });
    }
    if (req.cmd === 'plugin:mizan|call') {
      const { fn, args } = req.args as { fn: string; args: { user_id: number } };
      if (fn === 'update_profile') {
        versions.set(args.user_id, v(args.user_id) + 1);
        return { result: v(args.user_id), invalidate: [{ context: 'user', params: { user_id: args.user_id } }] };
      }
      if (fn === 'failing_update') {
        versions.set(args.user_id, v(args.user_id) + 1);
        return Promise.reject({
          code: 'app',
          message: 'half done',
          fn,
          details: { reason: 'disk full' },
          invalidate: [{ context: 'user', params: { user_id: args.user_id } }],
        });
      }
      if (fn === 'bad_args') {
        return Promise.reject({ code: 'invalid_args', message: 'missing user_id', fn, details: { user_id: 'missing' }, invalidate: [] });
      }
      if (fn === 'echo') return { result: args, invalidate: [] };
      return Promise.reject({ code: 'unknown_function', message: 'no such function', fn, details: {}, invalidate: [] });
    }
    return undefined;
  };
  return { handler, versions };
}

let client: MizanClient;

afterEach(() => {
  client?.destroy();
  clearMocks();
  vi.useRealTimers();
});

describe('call', () => {
  beforeEach(() => {
    const { handler } = backend();
    installIpc(handler);
    client = createMizanClient();
  });

  it('invokes plugin:mizan|call with fn and args and returns result', async () => {
    const ipc = installIpc(backend().handler);
    await expect(client.call('echo', { user_id: 5, name: 'Ada' })).resolves.toEqual({ user_id: 5, name: 'Ada' });
    expect(ipc.requests[0]).toEqual({ cmd: 'plugin:mizan|call', args: { fn: 'echo', args: { user_id: 5, name: 'Ada' } } });
  });

  it('rejects with MizanError carrying the wire fields', async () => {
    const error = await client.call('bad_args', { x: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MizanError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'invalid_args', message: 'missing user_id', fn: 'bad_args', details: { user_id: 'missing' }, invalidate: [] });
  });


  it('module-level call uses the default client', async () => {
    setDefaultClient(client);
    try {
      await expect(call<{ user_id: number }>('echo', { user_id: 1 })).resolves.toEqual({ user_id: 1 });
    } finally {
      setDefaultClient(undefined);
    }
  });
});

describe('bundle cache over mockIPC', () => {
  let ipc: ReturnType<typeof installIpc>;
  let versions: Map<number, number>;

  beforeEach(() => {
    const b = backend();
    versions = b.versions;
    ipc = installIpc(b.handler);
    client = createMizanClient();
  });

  it('fetchBundle sends canonical params and returns the bundle', async () => {
    const bundle = await client.fetchBundle(FEED, { page: 1, user_id: null });
    expect(ipc.requests[0]).toEqual({ cmd: 'plugin:mizan|ctx', args: { context: 'feed', params: { page: 1 } } });
    expect(bundle).toEqual({ context: 'feed', params: { page: 1 }, data: { feed: [0] }, errors: {} });
  });

  it('de-duplicates reads of one key while a fetch is in flight (one ctx call)', async () => {
    const gate = deferred<void>();
    const b = backend();
    const counting = installIpc(async (req) => {
      await gate.promise;
      return b.handler(req);
    });
    const reads = [client.ensureBundle(USER, { user_id: 5 }), client.ensureBundle(USER, { user_id: 5 })];
    const unsubscribe = client.subscribe(USER, { user_id: 5 }, () => {});
    await flush();
    expect(counting.ctxCalls()).toBe(1);
    gate.resolve();
    await Promise.all(reads);
    await client.ensureBundle(USER, { user_id: 5 });
    expect(counting.ctxCalls()).toBe(1);
    // Key order and null params do not make another key.
    await client.ensureBundle('user', { user_id: 5, extra: null });
    expect(counting.ctxCalls()).toBe(1);
    unsubscribe();
  });

  it('applies envelope targets before the call resolves', async () => {
    await client.ensureBundle(USER, { user_id: 5 }); // unsubscribed
    await client.ensureBundle(USER, { user_id: 6 }); // unsubscribed, not reached
    const seen: string[] = [];
    const unsubscribe = client.subscribe(USER, { user_id: 7 }, () => {});
    await flush();
    expect(client.getBundleState(USER, { user_id: 7 })?.status).toBe('success');
    const before = ipc.ctxCalls();
    const result = await client.call<number>('update_profile', { user_id: 5 }).then((r) => {
      // Observed in the first continuation: the cache already knows.
      seen.push(client.cache.find('user', { user_id: 5 }) === undefined ? 'dropped' : 'kept');
      return r;
    });
    expect(result).toBe(1);
    expect(seen).toEqual(['dropped']);
    expect(client.getBundleState(USER, { user_id: 6 })?.status).toBe('success');
    expect(ipc.ctxCalls()).toBe(before); // nothing subscribed was reached
    const again = await client.ensureBundle(USER, { user_id: 5 });
    expect(again.data.user_profile?.v).toBe(1);
    unsubscribe();
  });

  it('refetches a subscribed bundle at once when reached', async () => {
    const snapshots: Array<{ v: number | undefined; stale: boolean; fetching: boolean }> = [];
    const unsubscribe = client.subscribe(USER, { user_id: 5 }, (s) =>
      snapshots.push({ v: s.data?.user_profile?.v, stale: s.isStale, fetching: s.isFetching }),
    );
    await flush();
    await client.call('update_profile', { user_id: 5 });
    // The call settles once the refetch its envelope started has settled.
    expect(client.getBundleState(USER, { user_id: 5 })).toMatchObject({ isStale: false, isFetching: false, data: { user_profile: { v: 1 } } });
    expect(snapshots).toEqual([
      { v: undefined, stale: false, fetching: true },
      { v: 0, stale: false, fetching: false },
      { v: 0, stale: true, fetching: true },
      { v: 1, stale: false, fetching: false },
    ]);
    expect(ipc.ctxCalls()).toBe(2);
    unsubscribe();
  });

  it('applies the targets of an app error, and types its details', async () => {
    const unsubscribe = client.subscribe(USER, { user_id: 5 }, () => {});
    await flush();
    const error = await client.call<number, { reason: string }>('failing_update', { user_id: 5 }).then(
      () => { throw new Error('expected a rejection'); },
      (e: unknown) => e as MizanError<{ reason: string }>,
    );
    expect(error).toBeInstanceOf(MizanError);
    expect(error.code).toBe('app');
    expect(error.details.reason).toBe('disk full');
    expect(error.invalidate).toEqual([{ context: 'user', params: { user_id: 5 } }]);
    // Rejected after the refetch of the subscribed bundle it reached.
    expect(client.getBundleState(USER, { user_id: 5 })).toMatchObject({ isFetching: false, data: { user_profile: { v: 1 } } });
    unsubscribe();
  });

  it('errors without targets invalidate nothing', async () => {
    await client.ensureBundle(USER, { user_id: 5 });
    await client.call('bad_args', {}).catch(() => {});
    expect(client.getBundleState(USER, { user_id: 5 })?.isStale).toBe(false);
  });

  it('applies targets from another window’s event', async () => {
    await client.ready;
    const unsubscribe = client.subscribe(USER, { user_id: 5 }, () => {});
    await client.ensureBundle(USER, { user_id: 6 });
    await flush();
    versions.set(5, 3);
    await emitInvalidate([{ context: 'user', params: { user_id: 5 } }], 'other', 1);
    await flush();
    expect(client.getBundleState(USER, { user_id: 5 })?.data?.user_profile?.v).toBe(3);
    expect(client.getBundleState(USER, { user_id: 6 })?.isStale).toBe(false);
    // A whole-context target from another window reaches every bundle of it.
    await emitInvalidate([{ context: 'user', params: {} }], 'other', 2);
    expect(client.cache.find('user', { user_id: 6 })).toBeUndefined();
    unsubscribe();
  });

  it('ignores an event whose source is this webview', async () => {
    await client.ready;
    await client.ensureBundle(USER, { user_id: 5 });
    await emitInvalidate([{ context: 'user', params: {} }], 'main', 1);
    expect(client.getBundleState(USER, { user_id: 5 })?.status).toBe('success');
    await emitInvalidate([{ context: 'user', params: {} }], 'other', 2);
    expect(client.getBundleState(USER, { user_id: 5 })).toBeUndefined();
  });

  it('reaches bundles that lack a target param (absent means any)', async () => {
    await client.ensureBundle(FEED, { page: 1 }); // no user_id: any user
    await client.ensureBundle(FEED, { page: 1, user_id: 5 });
    await client.ensureBundle(FEED, { page: 1, user_id: 6 });
    await client.ensureBundle(FEED, { page: 2, user_id: 5 });
    const reached = client.applyTargets([{ context: 'feed', params: { user_id: 5 } }]);
    expect(reached).toBe(3);
    expect(client.cache.find('feed', { page: 1 })).toBeUndefined();
    expect(client.cache.find('feed', { page: 1, user_id: 5 })).toBeUndefined();
    expect(client.cache.find('feed', { page: 2, user_id: 5 })).toBeUndefined();
    expect(client.cache.find('feed', { page: 1, user_id: 6 })).toBeDefined();
  });

  it('keeps a whole-bundle error as status error', async () => {
    const error = await client.ensureBundle('nope', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unknown_context' });
    expect(client.getBundleState('nope', {})).toMatchObject({ status: 'error', isFetching: false });
  });

  it('hydrated bundles answer without IPC until a target reaches them', async () => {
    client.hydrate([{ context: 'user', params: { user_id: 5 }, data: { user_profile: { name: 'Ada', v: 9 } }, errors: {} }]);
    const first = await client.ensureBundle(USER, { user_id: 5 });
    expect(first.data.user_profile?.v).toBe(9);
    expect(ipc.ctxCalls()).toBe(0);
    client.applyTargets([{ context: 'user', params: {} }]);
    const second = await client.ensureBundle(USER, { user_id: 5 });
    expect(second.data.user_profile?.v).toBe(0);
    expect(ipc.ctxCalls()).toBe(1);
  });

  it('a new subscriber retries a bundle whose last fetch failed', async () => {
    await client.ensureBundle('nope', {}).catch(() => {});
    expect(ipc.ctxCalls()).toBe(1);
    const unsubscribe = client.subscribe('nope', {}, () => {});
    await flush();
    expect(ipc.ctxCalls()).toBe(2);
    expect(client.getBundleState('nope', {})?.status).toBe('error');
    unsubscribe();
  });

  it('a subscriber follows its key when the cache is cleared', async () => {
    const values: Array<number | undefined> = [];
    const unsubscribe = client.subscribe(USER, { user_id: 5 }, (s) => values.push(s.data?.user_profile?.v));
    await flush();
    versions.set(5, 2);
    client.cache.clear();
    await flush();
    expect(client.getBundleState(USER, { user_id: 5 })?.data?.user_profile?.v).toBe(2);
    expect(values.at(-1)).toBe(2);
    unsubscribe();
  });

  it('does not store a fetch that started before an invalidation reaching it (unsubscribed)', async () => {
    const gates: Array<ReturnType<typeof deferred<void>>> = [];
    const b = backend();
    b.versions.set(5, 0);
    const racing = installIpc((req) => {
      if (req.cmd !== 'plugin:mizan|ctx') return b.handler(req);
      const answer = b.handler(req); // the backend reads now...
      const gate = deferred<void>();
      gates.push(gate);
      return gate.promise.then(() => answer); // ...and the answer arrives later
    });
    const read = client.ensureBundle(USER, { user_id: 5 });
    await flush();
    expect(racing.ctxCalls()).toBe(1);
    // The mutation lands and its envelope arrives while the read is in flight.
    await client.call('update_profile', { user_id: 5 });
    expect(client.getBundleState(USER, { user_id: 5 })?.isStale).toBe(true);
    gates[0]!.resolve(); // the old answer (v0) arrives after the invalidation
    await flush();
    expect(racing.ctxCalls()).toBe(2); // it fetched again instead of storing v0
    expect(client.getBundleState(USER, { user_id: 5 })?.data).toBeUndefined();
    gates[1]!.resolve();
    const bundle = await read;
    expect(bundle.data.user_profile?.v).toBe(1);
    expect(client.getBundleState(USER, { user_id: 5 })).toMatchObject({ status: 'success', isStale: false, data: { user_profile: { v: 1 } } });
  });

  it('does not store a fetch that started before an event reaching it (subscribed)', async () => {
    await client.ready;
    const gates: Array<ReturnType<typeof deferred<void>>> = [];
    const b = backend();
    installIpc((req) => {
      if (req.cmd !== 'plugin:mizan|ctx') return b.handler(req);
      const answer = b.handler(req);
      const gate = deferred<void>();
      gates.push(gate);
      return gate.promise.then(() => answer);
    });
    const fresh = createMizanClient();
    await fresh.ready;
    const values: Array<number | undefined> = [];
    const unsubscribe = fresh.subscribe(USER, { user_id: 5 }, (s) => values.push(s.data?.user_profile?.v));
    await flush();
    b.versions.set(5, 7); // another window's mutation
    await emitInvalidate([{ context: 'user', params: { user_id: 5 } }]);
    await flush();
    expect(gates.length).toBe(2); // refetched at once
    gates[1]!.resolve(); // the new answer first
    await flush();
    gates[0]!.resolve(); // the old answer last: ignored
    await flush();
    expect(fresh.getBundleState(USER, { user_id: 5 })?.data?.user_profile?.v).toBe(7);
    expect(values.filter((v) => v !== undefined)).toEqual([7]);
    unsubscribe();
    fresh.destroy();
  });
});

describe('garbage collection', () => {
  beforeEach(() => {
    installIpc(backend().handler);
  });

  it('collects unused entries after gcTime, keeps subscribed ones', async () => {
    vi.useFakeTimers();
    client = createMizanClient({ gcTime: 1000 });
    await client.ensureBundle(USER, { user_id: 1 });
    const unsubscribe = client.subscribe(USER, { user_id: 2 }, () => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(client.cache.size).toBe(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(client.cache.find('user', { user_id: 1 })).toBeDefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(client.cache.find('user', { user_id: 1 })).toBeUndefined();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.cache.find('user', { user_id: 2 })).toBeDefined();
    unsubscribe();
    await vi.advanceTimersByTimeAsync(999);
    expect(client.cache.find('user', { user_id: 2 })).toBeDefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(client.cache.size).toBe(0);
  });

  it('defaults gcTime to 5 minutes', async () => {
    vi.useFakeTimers();
    client = createMizanClient();
    expect(client.cache.gcTime).toBe(5 * 60 * 1000);
    await client.ensureBundle(USER, { user_id: 1 });
    await vi.advanceTimersByTimeAsync(5 * 60 * 1000 - 1);
    expect(client.cache.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.cache.size).toBe(0);
  });

  it('a resubscribe before gcTime keeps the entry and its data', async () => {
    vi.useFakeTimers();
    client = createMizanClient({ gcTime: 1000 });
    const ipc = installIpc(backend().handler);
    let unsubscribe = client.subscribe(USER, { user_id: 1 }, () => {});
    await vi.advanceTimersByTimeAsync(0);
    unsubscribe();
    await vi.advanceTimersByTimeAsync(500);
    unsubscribe = client.subscribe(USER, { user_id: 1 }, () => {});
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.getBundleState(USER, { user_id: 1 })?.status).toBe('success');
    expect(ipc.ctxCalls()).toBe(1);
    unsubscribe();
  });
});

describe('index', () => {
  it('finds exactly the entries the reach rule reaches', () => {
    client = createMizanClient({ listen: false, invoke: () => new Promise(() => {}) });
    const rnd = prng(42).int;
    const pick = () => {
      const params: Record<string, number | string> = {};
      if (rnd(3)) params.a = rnd(4);
      if (rnd(3)) params.b = rnd(3);
      if (rnd(4) === 0) params.c = String(rnd(2));
      return params;
    };
    for (let i = 0; i < 300; i++) {
      client.cache.setBundle({ context: rnd(2) ? 'x' : 'y', params: pick(), data: {}, errors: {} });
    }
    for (let i = 0; i < 300; i++) {
      const target: Target = { context: rnd(2) ? 'x' : 'y', params: pick() };
      const brute = client.cache.getAll().filter((e) => e.context === target.context && Object.entries(target.params).every(([k, v]) => !(k in e.params) || e.params[k] === v));
      const viaIndex = client.cache.reached(target);
      expect(new Set(viaIndex)).toEqual(new Set(brute));
    }
    // Removing entries keeps the index consistent.
    const removed = client.applyTargets([{ context: 'x', params: { a: 1 } }]);
    expect(removed).toBeGreaterThan(0);
    expect(client.cache.reached({ context: 'x', params: { a: 1 } })).toEqual([]);
  });

  it('finds by value whatever the key order of an object value, a null or an extra name in the target', () => {
    client = createMizanClient({ listen: false, invoke: () => new Promise(() => {}) });
    const put = (params: Record<string, JsonValue>) => client.cache.setBundle({ context: 'x', params, data: {}, errors: {} });
    const filter = { b: [1, 2], a: { y: 1, x: 2 } };
    const one = put({ f: filter });
    const both = put({ f: filter, g: 1 });
    put({ f: { a: 1 } });
    const lacking = put({ g: 2 });
    const at = (params: Record<string, JsonValue>) => new Set(client.cache.reached({ context: 'x', params }));
    const reordered = { a: { x: 2, y: 1 }, b: [1, 2] };
    expect(at({ f: reordered })).toEqual(new Set([one, both, lacking])); // names all of {f}, some of {f, g}, none of {g}
    expect(at({ f: reordered, g: 1, h: null, z: 'extra' })).toEqual(new Set([one, both]));
    expect(at({ f: { b: [2, 1], a: reordered.a } })).toEqual(new Set([lacking])); // array order matters
  });
});
