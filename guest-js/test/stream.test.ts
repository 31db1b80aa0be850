import { afterEach, describe, expect, it, vi } from 'vitest';
import { MizanError, createMizanClient, type MizanClient, type StreamMessage } from '../src/index.js';
import { clearMocks, deferred, flush, installIpc, type IpcRequest } from './helpers.js';

interface FakeChannel {
  id: number;
}

/** A fake backend: records the stream commands and lets the test send messages. */
function rig(answer: (req: IpcRequest) => unknown = () => null) {
  const requests: IpcRequest[] = [];
  let channel: FakeChannel | undefined;
  let index = 0;
  installIpc((req) => {
    requests.push(req);
    if (req.cmd === 'plugin:mizan|stream') channel = req.args.channel as FakeChannel;
    return answer(req);
  });
  const client: MizanClient = createMizanClient({ listen: false, webviewLabel: 'main' });
  const send = (message: StreamMessage<unknown>) => {
    const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } })
      .__TAURI_INTERNALS__;
    internals.runCallback(channel!.id, { message, index: index++ });
  };
  const of = (cmd: string) => requests.filter((r) => r.cmd === `plugin:mizan|${cmd}`);
  return { client, send, of, requests };
}

afterEach(() => clearMocks());

describe('streams', () => {
  it('reads the items in order with for await, acknowledging as it reads, to the end marker', async () => {
    const r = rig();
    const stream = r.client.stream<number>('count', { to: 6 }, { window: 4 });
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of stream) seen.push(n);
    })();
    await flush();
    expect(r.of('stream')[0]!.args).toMatchObject({ fn: 'count', args: { to: 6 }, window: 4 });
    r.send({ items: [0, 1, 2, 3] });
    await flush();
    r.send({ items: [4, 5] });
    r.send({ end: true, invalidate: [] });
    await reading;
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    // Every half window read is acknowledged; nothing after the end.
    expect(r.of('stream_ack').map((a) => a.args.credits)).toEqual([2, 2]);
    expect(r.of('stream_cancel')).toHaveLength(0);
  });

  it('break stops the function: stream_cancel once the start answered, nothing delivered after', async () => {
    const started = deferred<unknown>();
    const r = rig((req) => (req.cmd === 'plugin:mizan|stream' ? started.promise : true));
    const stream = r.client.stream<number>('endless', {});
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of stream) {
        seen.push(n);
        if (n === 1) break;
      }
    })();
    await flush();
    r.send({ items: [0, 1, 2, 3] });
    await reading;
    await flush();
    expect(r.of('stream_cancel')).toHaveLength(0); // the start has not answered yet
    started.resolve(null);
    await flush();
    expect(r.of('stream_cancel')).toHaveLength(1);
    expect(r.of('stream_cancel')[0]!.args.channel).toBe(r.of('stream')[0]!.args.channel);
    expect(seen).toEqual([0, 1]);
  });

  it('an AbortSignal rejects the pending read with AbortError and cancels', async () => {
    const r = rig();
    const controller = new AbortController();
    const stream = r.client.stream<number>('endless', {}, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    await flush();
    r.send({ items: [7] });
    expect(await first).toEqual({ done: false, value: 7 });
    const pending = iterator.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await flush();
    expect(r.of('stream_cancel')).toHaveLength(1);
    r.send({ items: [8] });
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an already aborted signal sends nothing', async () => {
    const r = rig();
    const controller = new AbortController();
    controller.abort();
    const stream = r.client.stream<number>('endless', {}, { signal: controller.signal });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(r.requests).toHaveLength(0);
  });

  it('an error midway is a typed MizanError after the items before it, with its targets applied', async () => {
    const r = rig();
    const applied = vi.spyOn(r.client, 'applyAndRefetch');
    const stream = r.client.stream<number, { kind: 'too_far'; at: number }>('count_then_fail', {});
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of stream) seen.push(n);
    })();
    await flush();
    const target = { context: 'ledger', params: { account: 1 } };
    r.send({ items: [0, 1] });
    r.send({
      error: { code: 'app', message: 'failed', fn: 'count_then_fail', details: { kind: 'too_far', at: 2 }, invalidate: [target] },
    });
    const error = await reading.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen).toEqual([0, 1]);
    expect(error).toBeInstanceOf(MizanError);
    const typed = error as MizanError<{ kind: 'too_far'; at: number }>;
    expect(typed.code).toBe('app');
    expect(typed.details).toEqual({ kind: 'too_far', at: 2 });
    expect(applied).toHaveBeenCalledWith([target], 'error');
  });

  it('an error whose targets take a while to refetch rejects a read made meanwhile', async () => {
    const r = rig();
    const refetch = deferred<void>();
    vi.spyOn(r.client, 'applyAndRefetch').mockImplementation(() => refetch.promise);
    const stream = r.client.stream<number>('import_rows', {});
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    await flush();
    r.send({ items: [0] });
    expect(await first).toEqual({ done: false, value: 0 });
    const target = { context: 'ledger', params: {} };
    r.send({ error: { code: 'app', message: 'failed', fn: 'import_rows', details: null, invalidate: [target] } });
    // Read in the gap: the refetch has not finished.
    const gap = iterator.next();
    await flush();
    refetch.resolve();
    await expect(gap).rejects.toMatchObject({ code: 'app', fn: 'import_rows' });
    await expect(iterator.next()).rejects.toMatchObject({ code: 'app' });
  });

  it('for await meets the error even when the refetch is slow', async () => {
    const r = rig();
    const refetch = deferred<void>();
    vi.spyOn(r.client, 'applyAndRefetch').mockImplementation(() => refetch.promise);
    const stream = r.client.stream<number>('import_rows', {});
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of stream) seen.push(n);
    })().then(
      () => 'ended normally',
      (e: unknown) => e,
    );
    await flush();
    r.send({ items: [0, 1] });
    r.send({ error: { code: 'internal', message: 'x', fn: 'import_rows', details: {}, invalidate: [{ context: 'ledger', params: {} }] } });
    await flush();
    refetch.resolve();
    expect(await reading).toMatchObject({ code: 'internal' });
    expect(seen).toEqual([0, 1]);
  });

  it('the end marker ends a read made while its targets refetch only once they are applied', async () => {
    const r = rig();
    const refetch = deferred<void>();
    vi.spyOn(r.client, 'applyAndRefetch').mockImplementation(() => refetch.promise);
    const stream = r.client.stream<number>('import_rows', {});
    const iterator = stream[Symbol.asyncIterator]();
    void iterator.next();
    await flush();
    r.send({ items: [0] });
    r.send({ end: true, invalidate: [{ context: 'ledger', params: {} }] });
    let ended = false;
    const gap = iterator.next().then((result) => {
      ended = true;
      return result;
    });
    await flush();
    expect(ended).toBe(false);
    refetch.resolve();
    expect(await gap).toEqual({ done: true, value: undefined });
  });

  it('a refused start rejects the first read with the wire error', async () => {
    const r = rig((req) =>
      req.cmd === 'plugin:mizan|stream'
        ? Promise.reject({ code: 'forbidden', message: 'no', fn: 'secret', details: {}, invalidate: [] })
        : null,
    );
    const stream = r.client.stream<number>('secret', {});
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'forbidden', fn: 'secret' });
    expect(r.of('stream_cancel')).toHaveLength(0);
  });

  it("a streaming mutation's targets are applied before the stream ends", async () => {
    const r = rig();
    const applied = vi.spyOn(r.client, 'applyAndRefetch');
    const stream = r.client.stream<number>('import_rows', {});
    const reading = (async () => {
      const seen: number[] = [];
      for await (const n of stream) seen.push(n);
      return seen;
    })();
    await flush();
    const target = { context: 'ledger', params: {} };
    r.send({ items: [1] });
    r.send({ end: true, invalidate: [target] });
    expect(await reading).toEqual([1]);
    expect(applied).toHaveBeenCalledWith([target], 'envelope');
  });

  it('a consumer that does not read acknowledges nothing, so the backend holds back', async () => {
    const r = rig();
    const stream = r.client.stream<number>('endless', {}, { window: 4 });
    const iterator = stream[Symbol.asyncIterator]();
    void iterator.next();
    await flush();
    r.send({ items: [0, 1, 2, 3] });
    await flush();
    expect(r.of('stream_ack')).toHaveLength(0);
    await iterator.next();
    await flush();
    expect(r.of('stream_ack').map((a) => a.args.credits)).toEqual([2]);
    await iterator.return!();
  });

  it('is read once', () => {
    const r = rig();
    const stream = r.client.stream<number>('count', {});
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/read once/);
  });
});
