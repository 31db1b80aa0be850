import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryObserver, experimental_streamedQuery as streamedQuery } from '@tanstack/query-core';
import { createElement, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMizanClient, stream, type MizanClient, type StreamMessage, type StreamOptions } from '../src/index.js';
import { MizanProvider, useStream } from '../src/react.js';
import { mizanStreamFn } from '../src/tanstack.js';
import { clearMocks, flush, installIpc, type IpcRequest } from './helpers.js';

interface Progress {
  done: number;
  total: number;
}

/** As the generated client declares a streaming function. */
function exportNotes(args: { total: number }, options?: StreamOptions) {
  return stream<Progress, { kind: 'disk_full' }>('export_notes', args, options);
}

function rig() {
  const requests: IpcRequest[] = [];
  let channel: { id: number } | undefined;
  let index = 0;
  installIpc((req) => {
    requests.push(req);
    if (req.cmd === 'plugin:mizan|stream') channel = req.args.channel as { id: number };
    return null;
  });
  const client: MizanClient = createMizanClient({ listen: false, webviewLabel: 'main' });
  const send = (message: StreamMessage<unknown>) =>
    (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, d: unknown) => void } }).__TAURI_INTERNALS__.runCallback(
      channel!.id,
      { message, index: index++ },
    );
  const of = (cmd: string) => requests.filter((r) => r.cmd === `plugin:mizan|${cmd}`);
  return { client, send, of };
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('useStream', () => {
  it('follows the latest item to the end, or keeps them all', async () => {
    const r = rig();
    const wrapper = ({ children }: { children?: ReactNode }) => createElement(MizanProvider, { client: r.client }, children);
    const { result } = renderHook(() => useStream(exportNotes, { accumulate: true }), { wrapper });
    expect(result.current.status).toBe('idle');
    act(() => result.current.start({ total: 3 }));
    expect(result.current.isStreaming).toBe(true);
    await act(flush);
    act(() => r.send({ items: [{ done: 1, total: 3 }, { done: 2, total: 3 }] }));
    await waitFor(() => expect(result.current.latest).toEqual({ done: 2, total: 3 }));
    act(() => {
      r.send({ items: [{ done: 3, total: 3 }] });
      r.send({ end: true, invalidate: [] });
    });
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(result.current.count).toBe(3);
    expect(result.current.items.map((p) => p.done)).toEqual([1, 2, 3]);
  });

  it('cancel stops the function; unmounting too', async () => {
    const r = rig();
    const wrapper = ({ children }: { children?: ReactNode }) => createElement(MizanProvider, { client: r.client }, children);
    const { result, unmount } = renderHook(() => useStream(exportNotes), { wrapper });
    act(() => result.current.start({ total: 9 }));
    await act(flush);
    act(() => result.current.cancel());
    expect(result.current.status).toBe('cancelled');
    await act(flush);
    expect(r.of('stream_cancel')).toHaveLength(1);

    act(() => result.current.start({ total: 9 }));
    await act(flush);
    unmount();
    await flush();
    expect(r.of('stream_cancel')).toHaveLength(2);
  });

  it('a typed error ends in `error`', async () => {
    const r = rig();
    const wrapper = ({ children }: { children?: ReactNode }) => createElement(MizanProvider, { client: r.client }, children);
    const { result } = renderHook(() => useStream(exportNotes), { wrapper });
    act(() => result.current.start({ total: 9 }));
    await act(flush);
    act(() =>
      r.send({ error: { code: 'app', message: 'full', fn: 'export_notes', details: { kind: 'disk_full' }, invalidate: [] } }),
    );
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error?.details?.kind).toBe('disk_full');
  });
});

describe('TanStack streamedQuery', () => {
  it('streams into the query, and cancelling the query stops the function', async () => {
    const r = rig();
    const queryClient = new QueryClient();
    const observer = new QueryObserver(queryClient, {
      queryKey: ['export', 3],
      queryFn: streamedQuery({ streamFn: mizanStreamFn(exportNotes, { total: 3 }, { client: r.client }) }),
    });
    const unsubscribe = observer.subscribe(() => undefined);
    await flush();
    r.send({ items: [{ done: 1, total: 3 }, { done: 2, total: 3 }] });
    await waitFor(() => expect(observer.getCurrentResult().data).toHaveLength(2));
    await queryClient.cancelQueries({ queryKey: ['export', 3] });
    await flush();
    expect(r.of('stream_cancel')).toHaveLength(1);
    unsubscribe();
  });
});
