/**
 * First-paint hydration (docs/protocol.md: "First-paint hydration"): the client starts with the snapshot of
 * its initialization script, and catches up with invalidations made after
 * it was computed (the sequence rule, across a reload).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMizanClient, type JsonValue, type MizanClient, type Target } from '../src/index.js';
import { readSnapshot } from '../src/hydrate.js';
import { deferred, flush, type Deferred } from './helpers.js';

interface Request {
  cmd: string;
  args: Record<string, unknown>;
  reply: Deferred<unknown>;
}

const ONE = { context: 'note', params: { note_id: 1 } };
const TWO = { context: 'note', params: { note_id: 2 } };
const bundle = (key: { context: string; params: Record<string, JsonValue> }, v: number) => ({ ...key, data: { v }, errors: {} });

function plant(snapshot: unknown): void {
  (globalThis as { __MIZAN_HYDRATE__?: unknown }).__MIZAN_HYDRATE__ =
    snapshot === undefined ? undefined : JSON.stringify(snapshot);
}

function setup(options: Parameters<typeof createMizanClient>[0] = {}) {
  const requests: Request[] = [];
  const client = createMizanClient({
    listen: false,
    gcTime: Infinity,
    webviewLabel: 'main',
    ...options,
    invoke: (cmd, args) => {
      const reply = deferred<unknown>();
      requests.push({ cmd, args: (args ?? {}) as Record<string, unknown>, reply });
      return reply.promise;
    },
  });
  const of = (cmd: string) => requests.filter((r) => r.cmd === `plugin:mizan|${cmd}`);
  return { client, requests, of };
}

let client: MizanClient | undefined;
afterEach(() => {
  client?.destroy();
  client = undefined;
  plant(undefined);
});

describe('first-paint hydration', () => {
  it('the first read has the data with no ctx call', async () => {
    plant({ label: 'main', seq: 7, bundles: [bundle(ONE, 1), bundle(TWO, 2)] });
    const t = setup();
    client = t.client;
    // Synchronously, before anything was sent: what a first render reads.
    expect(client.observe(ONE.context, ONE.params).getSnapshot()).toMatchObject({
      data: { v: 1 },
      status: 'success',
      isFetching: false,
    });
    const unsubscribe = client.subscribe(ONE.context, ONE.params, () => {});
    await flush();
    expect(t.of('ctx')).toHaveLength(0);
    // One question in the background: what was invalidated after seq 7.
    expect(t.of('since').map((r) => r.args)).toEqual([{ seq: 7 }]);
    t.of('since')[0]!.reply.resolve({ seq: 7, targets: [] });
    await client.hydrated;
    expect(t.of('ctx')).toHaveLength(0);
    unsubscribe();
  });

  it('a reload with the old snapshot refetches, in the background, only what later invalidations reached', async () => {
    // The page reloaded: its script still holds the snapshot of seq 7, and
    // a mutation (seq 8) reached note 1 since.
    plant({ label: 'main', seq: 7, bundles: [bundle(ONE, 1), bundle(TWO, 2)] });
    const t = setup();
    client = t.client;
    const seen: unknown[] = [];
    const unsubscribe = client.subscribe(ONE.context, ONE.params, (s) => seen.push(s.data));
    await flush();
    const reached: Target[] = [{ context: 'note', params: { note_id: 1 } }];
    t.of('since')[0]!.reply.resolve({ seq: 8, targets: reached });
    await flush();
    // Stale-while-revalidate: the old data shows while note 1 refetches.
    expect(client.getBundleState(ONE.context, ONE.params)).toMatchObject({ data: { v: 1 }, isStale: true, isFetching: true });
    expect(t.of('ctx').map((r) => r.args.params)).toEqual([{ note_id: 1 }]);
    t.of('ctx')[0]!.reply.resolve(bundle(ONE, 10));
    await client.hydrated;
    expect(client.getBundleState(ONE.context, ONE.params)).toMatchObject({ data: { v: 10 }, isStale: false });
    // Note 2 was not reached: fresh, and nobody fetched it.
    expect(client.getBundleState(TWO.context, TWO.params)).toMatchObject({ data: { v: 2 }, isStale: false });
    unsubscribe();
  });

  it('an entry reached before its first subscriber keeps its data until that subscriber refetches it', async () => {
    plant({ label: 'main', seq: 3, bundles: [bundle(ONE, 1)] });
    const t = setup();
    client = t.client;
    await flush();
    t.of('since')[0]!.reply.resolve({ seq: 4, targets: [{ context: 'note', params: {} }] });
    await client.hydrated;
    expect(client.getBundleState(ONE.context, ONE.params)).toMatchObject({ data: { v: 1 }, isStale: true });
    expect(t.of('ctx')).toHaveLength(0);
    const observer = client.observe(ONE.context, ONE.params);
    expect(observer.getSnapshot()).toMatchObject({ data: { v: 1 }, isFetching: true });
    const unsubscribe = observer.subscribe(() => {});
    await flush();
    expect(t.of('ctx')).toHaveLength(1);
    unsubscribe();
  });

  it('when the plugin no longer holds every event since, every hydrated entry is stale', async () => {
    plant({ label: 'main', seq: 1, bundles: [bundle(ONE, 1), bundle(TWO, 2)] });
    const t = setup();
    client = t.client;
    await flush();
    t.of('since')[0]!.reply.resolve({ seq: 900, targets: null });
    await client.hydrated;
    expect(client.getBundleState(ONE.context, ONE.params)?.isStale).toBe(true);
    expect(client.getBundleState(TWO.context, TWO.params)?.isStale).toBe(true);
  });

  it('removes the global when it reads it: no later script of the page finds it', () => {
    plant({ label: 'main', seq: 1, bundles: [bundle(ONE, 1)] });
    expect(readSnapshot('main')?.bundles).toHaveLength(1);
    expect('__MIZAN_HYDRATE__' in globalThis).toBe(false);
    expect(readSnapshot('main')).toBeUndefined();
  });

  it("ignores another window's snapshot, a malformed one, and every one with hydrate: false", async () => {
    plant({ label: 'other', seq: 1, bundles: [bundle(ONE, 1)] });
    expect(readSnapshot('main')).toBeUndefined();
    plant({ label: 'other', seq: 1, bundles: [bundle(ONE, 1)] });
    expect(readSnapshot('other')?.bundles).toHaveLength(1);
    for (const bad of [{ label: 'main' }, { label: 'main', seq: 1, bundles: [{ context: 1 }] }, 'x']) {
      plant(bad);
      expect(readSnapshot('main')).toBeUndefined();
    }
    (globalThis as { __MIZAN_HYDRATE__?: unknown }).__MIZAN_HYDRATE__ = '{not json';
    expect(readSnapshot('main')).toBeUndefined();

    plant({ label: 'main', seq: 1, bundles: [bundle(ONE, 1)] });
    const t = setup({ hydrate: false });
    client = t.client;
    expect(client.getBundleState(ONE.context, ONE.params)).toBeUndefined();
    await flush();
    expect(t.requests).toHaveLength(0);
  });

  it('a fetch in flight from before cannot overwrite a hydrated bundle (the generation rule)', async () => {
    plant(undefined);
    const t = setup();
    client = t.client;
    const read = client.ensureBundle(ONE.context, ONE.params);
    await flush();
    client.hydrate([bundle(ONE, 5)]);
    t.of('ctx')[0]!.reply.resolve(bundle(ONE, 0));
    await expect(read).resolves.toMatchObject({ data: { v: 5 } });
    expect(client.getBundleState(ONE.context, ONE.params)?.data).toEqual({ v: 5 });
  });
});
