/**
 * Randomized interleavings of fetches, mutations and other windows' events
 * over a fake backend with versioned data. After each schedule settles, no
 * cached bundle may be older than the last invalidation that reached it:
 * every bundle the cache holds as fresh equals what the backend answers now.
 *
 * Reproduce one schedule with MIZAN_SEED=<seed> npx vitest run test/interleave.test.ts
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMizanClient, type JsonValue, type MizanClient, type Target } from '../src/index.js';
import { clearMocks, deferred, emitInvalidate, flush, installIpc, type Deferred, type IpcRequest } from './helpers.js';
import { prng } from './prng.js';

const USERS = [1, 2, 3] as const;

interface Key {
  context: string;
  params: Record<string, JsonValue>;
}

const KEYS: Key[] = [
  ...USERS.map((u) => ({ context: 'user', params: { user_id: u } })),
  ...[1, 2].flatMap((page) => [
    { context: 'feed', params: { page } }, // no user_id: depends on every user
    ...USERS.map((u) => ({ context: 'feed', params: { page, user_id: u } })),
  ]),
  { context: 'all', params: {} },
];

class FakeBackend {
  versions = new Map<number, number>(USERS.map((u) => [u, 0]));
  global = 0;

  answer(key: Key): Record<string, unknown> {
    const p = key.params as { user_id?: number; page?: number };
    switch (key.context) {
      case 'user':
        return { user_profile: { id: p.user_id, v: this.versions.get(p.user_id!) } };
      case 'feed': {
        const v =
          p.user_id === undefined
            ? USERS.map((u) => this.versions.get(u)!).join('.')
            : String(this.versions.get(p.user_id));
        return { feed: { page: p.page, v } };
      }
      case 'all':
        return { total: this.global };
      default:
        throw new Error('unknown context');
    }
  }

  /** Runs a mutation; returns its targets (sorted by context, as the backend sends them). */
  mutate(fn: string, args: { user_id?: number }): Target[] {
    if (fn === 'bump_all') {
      this.global++;
      return [{ context: 'all', params: {} }];
    }
    const u = args.user_id!;
    this.versions.set(u, this.versions.get(u)! + 1);
    return [
      { context: 'feed', params: { user_id: u } },
      { context: 'user', params: { user_id: u } },
    ];
  }
}

interface Pending {
  req: IpcRequest;
  reply: Deferred<unknown>;
}

async function runSchedule(seed: number): Promise<void> {
  const rnd = prng(seed);
  const backend = new FakeBackend();
  const toProcess: Pending[] = [];
  const toDeliver: Array<() => void> = [];
  const events: Target[][] = [];
  let seq = 0;

  clearMocks();
  installIpc((req) => {
    const reply = deferred<unknown>();
    toProcess.push({ req, reply });
    return reply.promise;
  });
  const client: MizanClient = createMizanClient({ gcTime: Infinity });
  await client.ready;

  const subscriptions: Array<{ key: Key; unsubscribe: () => void }> = [];
  const take = <T>(xs: T[]): T => xs.splice(rnd.int(xs.length), 1)[0]!;

  const processOne = () => {
    const { req, reply } = take(toProcess);
    if (req.cmd === 'plugin:mizan|ctx') {
      const key = req.args as unknown as Key;
      const answer = { context: key.context, params: key.params, data: backend.answer(key), errors: {} };
      toDeliver.push(() => reply.resolve(answer));
    } else if (req.cmd === 'plugin:mizan|call') {
      const { fn, args } = req.args as { fn: string; args: { user_id?: number } };
      const targets = backend.mutate(fn, args);
      if (fn === 'failing_update') {
        toDeliver.push(() => reply.reject({ code: 'app', message: 'half done', fn, details: {}, invalidate: targets }));
      } else {
        toDeliver.push(() => reply.resolve({ result: null, invalidate: targets }));
      }
    } else {
      reply.resolve(null);
    }
  };

  const step = async (choice: number) => {
    switch (choice) {
      case 0: {
        const key = rnd.pick(KEYS);
        subscriptions.push({ key, unsubscribe: client.subscribe(key.context, key.params, () => {}) });
        break;
      }
      case 1:
        if (subscriptions.length > 0) take(subscriptions).unsubscribe();
        break;
      case 2: {
        const key = rnd.pick(KEYS);
        client.ensureBundle(key.context, key.params).catch(() => {});
        break;
      }
      case 3: {
        const fn = rnd.pick(['update_user', 'update_user', 'failing_update', 'bump_all']);
        client.call(fn, { user_id: rnd.pick(USERS) }).catch(() => {});
        break;
      }
      case 4: {
        // Another window's mutation: the backend applies it now, the event arrives later.
        const fn = rnd.pick(['update_user', 'bump_all']);
        events.push(backend.mutate(fn, { user_id: rnd.pick(USERS) }));
        break;
      }
      case 5:
        if (toProcess.length > 0) processOne();
        break;
      case 6:
        if (toDeliver.length > 0) take(toDeliver)();
        break;
      case 7:
        if (events.length > 0) await emitInvalidate(take(events), 'other', ++seq);
        break;
    }
    await flush();
  };

  const steps = 20 + rnd.int(30);
  for (let i = 0; i < steps; i++) await step(rnd.int(8));

  // Settle: let the backend answer everything, deliver everything, in random order.
  for (let guard = 0; ; guard++) {
    if (guard > 10_000) throw new Error('did not settle');
    const choices = [toProcess.length > 0 ? 5 : -1, toDeliver.length > 0 ? 6 : -1, events.length > 0 ? 7 : -1].filter((c) => c >= 0);
    if (choices.length === 0) {
      await flush(50);
      if (toProcess.length === 0 && toDeliver.length === 0 && events.length === 0) break;
      continue;
    }
    await step(rnd.pick(choices));
  }

  for (const entry of client.cache.getAll()) {
    const s = entry.state;
    if (s.status === 'success' && !s.isStale) {
      expect(s.isFetching, `${entry.key} settled`).toBe(false);
      expect(s.data, `${entry.key} is as new as the backend`).toEqual(backend.answer(entry));
    }
  }
  for (const { key } of subscriptions) {
    const s = client.cache.find(key.context, key.params)?.state;
    expect(s, `${JSON.stringify(key)} subscribed`).toMatchObject({ status: 'success', isStale: false, isFetching: false });
  }
  for (const { unsubscribe } of subscriptions) unsubscribe();
  client.destroy();
}

afterEach(() => clearMocks());

describe('randomized interleavings', () => {
  const fixed = process.env.MIZAN_SEED;
  const seeds = fixed ? [Number(fixed)] : Array.from({ length: 1000 }, (_, i) => 0x5eed0000 + i);

  it(`keeps no stale bundle as fresh in ${seeds.length} seeded schedules`, async () => {
    for (const seed of seeds) {
      try {
        await runSchedule(seed);
      } catch (error) {
        const message = `schedule failed with seed ${seed} (rerun with MIZAN_SEED=${seed})`;
        console.error(message);
        throw new Error(`${message}: ${(error as Error).message}`, { cause: error });
      }
    }
  });
});
