/**
 * A randomized scheduler for the bundle cache. Each seeded schedule
 * interleaves, over a fake backend whose data carries versions:
 * subscribe / unsubscribe, `ensureBundle`, `refetchBundle`, mutations (their
 * envelopes and `app` errors carry targets), other windows' mutations (their
 * events arrive later, in any order), `hydrate`, `cache.clear()`, backend
 * answers and failures in any order, and the passing of time (fake timers
 * drive the gc timers).
 *
 * After every step it checks that
 * - no awaiter of `ensureBundle` / `refetchBundle` received data older than
 *   the newest invalidation that had reached its key when it resolved;
 * - no entry holds data as fresh that is older than that;
 * - every cached entry has a subscriber, a fetch in flight or a gc timer,
 *   and every subscribed entry without fresh data has a fetch in flight;
 * - a call settles only once the subscribed bundles its targets reached hold
 *   data at least as new as the mutation (or the error of their refetch);
 * and at the end, once everything is answered, that every awaiter settled,
 * every subscribed bundle equals what the backend answers now, and that
 * after the last unsubscribe the gc timers empty the cache.
 *
 * Reproduce one schedule: MIZAN_SEED=<seed> npx vitest run test/schedule.test.ts
 * More schedules: MIZAN_SCHEDULES=20000 npx vitest run test/schedule.test.ts
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMizanClient, reaches, type JsonValue, type ListenFn, type MizanClient, type Target } from '../src/index.js';
import { bundleKey } from '../src/canonical.js';
import { deferred, type Deferred } from './helpers.js';
import { prng } from './prng.js';

/** Version counters: 0 is global, 1..3 are users. */
const USERS = [1, 2, 3] as const;
type Versions = readonly number[];

interface Key {
  context: string;
  params: Record<string, JsonValue>;
  /** The counters its data depends on. */
  deps: readonly number[];
  id: string;
}

function key(context: string, params: Record<string, JsonValue>, deps: readonly number[]): Key {
  return { context, params, deps, id: bundleKey(context, params) };
}

const KEYS: readonly Key[] = [
  ...USERS.map((u) => key('user', { user_id: u }, [u])),
  ...[1, 2].flatMap((page) => [
    key('feed', { page }, USERS), // no user_id: any user
    ...USERS.map((u) => key('feed', { page, user_id: u }, [u])),
  ]),
  key('all', {}, [0]),
];
const BY_ID = new Map(KEYS.map((k) => [k.id, k]));

interface Mutation {
  fn: string;
  user: number;
}

class Backend {
  versions: number[] = [0, 0, 0, 0];

  answer(k: Key): Record<string, number> {
    const v: Record<string, number> = {};
    for (const c of k.deps) v[c] = this.versions[c]!;
    return v;
  }

  /** Runs a mutation now; returns its targets and the versions right after it. */
  mutate({ fn, user }: Mutation): { targets: Target[]; snapshot: Versions } {
    let targets: Target[];
    switch (fn) {
      case 'bump_all':
        this.versions[0]!++;
        targets = [{ context: 'all', params: {} }];
        break;
      case 'reset_users':
        for (const u of USERS) this.versions[u]!++;
        targets = [
          { context: 'feed', params: {} },
          { context: 'user', params: {} },
        ];
        break;
      case 'read_only':
        targets = [];
        break;
      default: // update_user, failing_update
        this.versions[user]!++;
        targets = [
          { context: 'feed', params: { user_id: user } },
          { context: 'user', params: { user_id: user } },
        ];
    }
    return { targets, snapshot: [...this.versions] };
  }
}

interface PendingRequest {
  cmd: string;
  args: Record<string, unknown>;
  reply: Deferred<unknown>;
}

const MUTATIONS = ['update_user', 'update_user', 'failing_update', 'bump_all', 'reset_users', 'read_only'];

/** Lets every continuation the last step caused run (the longest chain is about a dozen hops). */
async function flush(): Promise<void> {
  for (let i = 0; i < 32; i++) await Promise.resolve();
}

async function runSchedule(seed: number): Promise<number> {
  const rnd = prng(seed);
  const gcTime = 1 + rnd.int(50);
  const backend = new Backend();
  const toProcess: PendingRequest[] = [];
  const toDeliver: Array<() => void> = [];
  const events: Array<{ targets: Target[]; seq: number }> = [];
  /** The versions each set of targets was computed at, by the identity of the array the client receives. */
  const snapshots = new WeakMap<readonly Target[], Versions>();
  /** Per key, per counter: the versions of the newest invalidations applied that reached it. */
  const floors = new Map<string, number[]>(KEYS.map((k) => [k.id, [0, 0, 0, 0]]));
  const violations: string[] = [];
  let failures = true;
  let seq = 0;
  let eventHandler: ((event: { payload: unknown }) => void) | undefined;

  const invoke = (cmd: string, args?: Record<string, unknown>) => {
    const reply = deferred<unknown>();
    toProcess.push({ cmd, args: args ?? {}, reply });
    return reply.promise;
  };
  const listen: ListenFn = (event, handler) => {
    if (event !== 'mizan://invalidate') return Promise.resolve(() => {});
    eventHandler = handler;
    return Promise.resolve(() => {
      eventHandler = undefined;
    });
  };
  const client: MizanClient = createMizanClient({ invoke, listen, gcTime, webviewLabel: 'main' });
  await client.ready;

  const older = (k: Key, data: unknown): string | undefined => {
    const floor = floors.get(k.id)!;
    const v = (data as { v?: Record<string, number> } | undefined)?.v;
    if (!v) return `${k.id}: no versions in ${JSON.stringify(data)}`;
    for (const c of k.deps) {
      if ((v[c] ?? -1) < floor[c]!) return `${k.id}: counter ${c} is ${v[c]}, an invalidation at ${floor[c]} reached it`;
    }
    return undefined;
  };

  /** Per key: the number of the last application of targets that reached it. */
  const lastReachedBy = new Map<string, number>();
  /** Per applied target list: its number, and the keys it reached that were subscribed then. */
  const applications = new WeakMap<readonly Target[], { n: number; subscribed: Key[] }>();
  let applied = 0;

  client.onInvalidate((targets) => {
    const snapshot = snapshots.get(targets);
    if (!snapshot) {
      violations.push(`targets applied that no mutation sent: ${JSON.stringify(targets)}`);
      return;
    }
    const n = ++applied;
    const subscribed: Key[] = [];
    for (const k of KEYS) {
      if (!targets.some((t) => reaches(t, k))) continue;
      const floor = floors.get(k.id)!;
      for (const c of k.deps) floor[c] = Math.max(floor[c]!, snapshot[c]!);
      lastReachedBy.set(k.id, n);
      if (subscriptions.some((sub) => sub.k === k)) subscribed.push(k);
    }
    applications.set(targets, { n, subscribed });
  });

  const subscriptions: Array<{ k: Key; unsubscribe: () => void }> = [];
  const awaiters: Array<{ settled: boolean }> = [];
  const take = <T>(xs: T[]): T => xs.splice(rnd.int(xs.length), 1)[0]!;

  const await_ = (k: Key, promise: Promise<{ data: unknown }>) => {
    const record = { settled: false };
    awaiters.push(record);
    promise.then(
      (bundle) => {
        record.settled = true;
        const problem = older(k, bundle.data);
        if (problem) violations.push(`an awaiter received stale data: ${problem}`);
      },
      () => {
        record.settled = true;
      },
    );
  };

  const process = () => {
    const { cmd, args, reply } = take(toProcess);
    if (cmd === 'plugin:mizan|ctx') {
      const k = BY_ID.get(bundleKey(args.context as string, args.params as Record<string, JsonValue>));
      if (!k) {
        violations.push(`unexpected ctx request ${JSON.stringify(args)}`);
        return;
      }
      if (failures && rnd.int(10) === 0) {
        toDeliver.push(() => reply.reject({ code: 'internal', message: 'flaky', fn: null, details: {}, invalidate: [] }));
      } else {
        const bundle = { context: k.context, params: k.params, data: { v: backend.answer(k) }, errors: {} };
        toDeliver.push(() => reply.resolve(bundle));
      }
    } else if (cmd === 'plugin:mizan|call') {
      const { fn, args: a } = args as { fn: string; args: { user_id: number } };
      const { targets, snapshot } = backend.mutate({ fn, user: a.user_id });
      snapshots.set(targets, snapshot);
      callTargets.set(a, targets);
      if (fn === 'failing_update') {
        toDeliver.push(() => reply.reject({ code: 'app', message: 'half done', fn, details: {}, invalidate: targets }));
      } else {
        toDeliver.push(() => reply.resolve({ result: null, invalidate: targets }));
      }
    } else {
      reply.resolve(null);
    }
  };

  /** The targets the backend answered each call with, by the call's args (passed through unchanged). */
  const callTargets = new WeakMap<object, Target[]>();

  const mutation = () => {
    const fn = rnd.pick(MUTATIONS);
    const args = { user_id: rnd.pick(USERS) };
    client.call(fn, args).then(
      () => checkAfterCall(fn, args),
      () => checkAfterCall(fn, args),
    );
  };

  /**
   * When a call settles, every bundle its targets reached that was subscribed
   * then and still is, and that no later invalidation reached, shows data at
   * least as new as the mutation (or the error of its refetch).
   */
  const checkAfterCall = (fn: string, args: object) => {
    const targets = callTargets.get(args);
    const application = targets && applications.get(targets);
    if (!targets || !application) return; // no targets
    const snapshot = snapshots.get(targets)!;
    for (const k of application.subscribed) {
      if (lastReachedBy.get(k.id) !== application.n) continue;
      if (!subscriptions.some((sub) => sub.k === k)) continue;
      const s = client.cache.find(k.context, k.params)?.state;
      if (s?.status === 'error') continue;
      const v = (s?.data as { v?: Record<string, number> } | undefined)?.v;
      if (!s || s.isStale || !v || k.deps.some((c) => (v[c] ?? -1) < snapshot[c]!)) {
        violations.push(`${fn} settled before ${k.id} refetched: ${JSON.stringify(s)}`);
      }
    }
  };

  const steps: Array<[number, () => void]> = [
    [3, () => {
      const k = rnd.pick(KEYS);
      subscriptions.push({ k, unsubscribe: client.subscribe(k.context, k.params, () => {}) });
    }],
    [2, () => {
      if (subscriptions.length > 0) take(subscriptions).unsubscribe();
    }],
    [3, () => {
      const k = rnd.pick(KEYS);
      await_(k, client.ensureBundle(k.context, k.params));
    }],
    [1, () => {
      const k = rnd.pick(KEYS);
      await_(k, client.refetchBundle(k.context, k.params));
    }],
    [2, mutation],
    [2, () => {
      // Another window's mutation: applied by the backend now, its event arrives later.
      const { targets, snapshot } = backend.mutate({ fn: rnd.pick(MUTATIONS.slice(0, 5).filter((f) => f !== 'failing_update')), user: rnd.pick(USERS) });
      snapshots.set(targets, snapshot);
      events.push({ targets, seq: ++seq });
    }],
    [5, () => {
      if (toProcess.length > 0) process();
    }],
    [5, () => {
      if (toDeliver.length > 0) take(toDeliver)();
    }],
    [2, () => {
      if (events.length > 0) eventHandler?.({ payload: { ...take(events), source: 'other' } });
    }],
    [1, () => {
      // First-paint data computed by the backend now.
      const k = rnd.pick(KEYS);
      client.hydrate([{ context: k.context, params: k.params, data: { v: backend.answer(k) }, errors: {} }]);
    }],
    [2, () => {
      vi.advanceTimersByTime(rnd.int(2 * gcTime));
    }],
    [0.2, () => client.cache.clear()],
  ];
  const total = steps.reduce((sum, [w]) => sum + w, 0);
  const pickStep = (): (() => void) => {
    let r = rnd.next() * total;
    for (const [w, run] of steps) {
      if ((r -= w) < 0) return run;
    }
    return steps[0]![1];
  };

  const checkInvariants = (where: string) => {
    for (const entry of client.cache.getAll()) {
      const k = BY_ID.get(entry.key)!;
      const s = entry.state;
      if (s.status === 'success' && !s.isStale) {
        const problem = older(k, s.data);
        if (problem) violations.push(`the cache holds stale data as fresh: ${problem}`);
      }
      if (entry.listeners.size === 0 && entry.inflight === undefined && entry.gcTimer === undefined) {
        violations.push(`${k.id} is cached with no subscriber, no fetch and no gc timer`);
      }
      // (A failed fetch is not retried by itself: a subscriber sees the error until the next use.)
      if (entry.listeners.size > 0 && (s.status === 'pending' || (s.status === 'success' && s.isStale)) && !entry.inflight) {
        violations.push(`${k.id} is subscribed, has no fresh data and nothing fetches it`);
      }
    }
    if (violations.length > 0) throw new Error(`${where}: ${violations.join('; ')}`);
  };

  const count = 20 + rnd.int(40);
  for (let i = 0; i < count; i++) {
    pickStep()();
    await flush();
    checkInvariants(`step ${i}`);
  }

  // Settle: the backend answers everything (without failures), in random order.
  failures = false;
  for (let guard = 0; toProcess.length + toDeliver.length + events.length > 0; guard++) {
    if (guard > 10_000) throw new Error('did not settle');
    const choices = [toProcess.length > 0 ? 0 : -1, toDeliver.length > 0 ? 1 : -1, events.length > 0 ? 2 : -1].filter((c) => c >= 0);
    const choice = rnd.pick(choices);
    if (choice === 0) process();
    else if (choice === 1) take(toDeliver)();
    else eventHandler?.({ payload: { ...take(events), source: 'other' } });
    await flush();
    checkInvariants(`settling ${guard}`);
  }

  if (!awaiters.every((a) => a.settled)) violations.push('an awaiter never settled');
  for (const { k } of subscriptions) {
    const s = client.cache.find(k.context, k.params)?.state;
    // A subscribed bundle whose last fetch failed stays failed until the next use; otherwise it is current.
    if (s?.status === 'error') continue;
    if (!s || s.status !== 'success' || s.isStale || s.isFetching) violations.push(`${k.id} subscribed but ${JSON.stringify(s)}`);
    else if (JSON.stringify(s.data) !== JSON.stringify({ v: backend.answer(k) })) {
      violations.push(`${k.id} subscribed holds ${JSON.stringify(s.data)}, the backend answers ${JSON.stringify(backend.answer(k))}`);
    }
  }
  for (const { unsubscribe } of subscriptions) unsubscribe();
  vi.advanceTimersByTime(gcTime);
  if (client.cache.size !== 0) violations.push(`${client.cache.size} unused entries were not collected`);
  if (violations.length > 0) throw new Error(`at the end: ${violations.join('; ')}`);
  client.destroy();
  return count;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('randomized cache schedules', () => {
  const fixed = process.env.MIZAN_SEED;
  const n = Number(process.env.MIZAN_SCHEDULES ?? 3000);
  const seeds = fixed ? [Number(fixed)] : Array.from({ length: n }, (_, i) => 0x5c4ed000 + i);

  it(`keeps awaiters and entries as new as the invalidations that reached them, and leaks no entry, in ${seeds.length} schedules`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let steps = 0;
    for (const seed of seeds) {
      try {
        steps += await runSchedule(seed);
      } catch (error) {
        const message = `schedule failed with seed ${seed} (rerun with MIZAN_SEED=${seed})`;
        throw new Error(`${message}: ${(error as Error).message}`, { cause: error });
      }
    }
    expect(steps).toBeGreaterThan(seeds.length * 20);
  });
});
