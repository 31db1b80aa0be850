import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMizanClient, upload, type InvokeFn, type MizanClient, type UploadOptions } from '../src/index.js';
import { MizanProvider, useUpload } from '../src/react.js';
import { deferred, flush, type Deferred } from './helpers.js';

afterEach(cleanup);

/** A backend whose chunks wait for the test to release them. */
function slowBackend() {
  const gates: Deferred<void>[] = [];
  const cmds: string[] = [];
  let received = 0;
  const invoke = (async (cmd: string, body?: unknown) => {
    cmds.push(cmd);
    if (cmd === 'plugin:mizan|upload_begin') return { id: 'u1' };
    if (cmd === 'plugin:mizan|upload_cancel') return { cancelled: true };
    const gate = deferred<void>();
    gates.push(gate);
    await gate.promise;
    received += (body as Uint8Array).byteLength;
    return received < 12 ? { received } : { result: received, invalidate: [] };
  }) as InvokeFn;
  return { invoke, gates, cmds };
}

/** What the generator writes for `fn attach(file: Upload) -> usize`. */
function attach(args: { file: Uint8Array }, client?: MizanClient, options?: UploadOptions): Promise<number> {
  return upload<number, never>('attach', args, options, client);
}

function wrapper(client: MizanClient) {
  return ({ children }: { children: ReactNode }) => <MizanProvider client={client}>{children}</MizanProvider>;
}

describe('useUpload', () => {
  it('reports progress chunk by chunk, then the result', async () => {
    const b = slowBackend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const { result } = renderHook(() => useUpload(attach, { chunkBytes: 4 }), { wrapper: wrapper(client) });
    expect(result.current.status).toBe('idle');
    act(() => result.current.upload({ file: new Uint8Array(12) }));
    expect(result.current.status).toBe('pending');
    for (const loaded of [4, 8, 12]) {
      await act(async () => {
        await flush();
        b.gates.at(-1)!.resolve();
        await flush();
      });
      expect(result.current.progress).toEqual({ loaded, total: 12 });
    }
    expect(result.current.status).toBe('success');
    expect(result.current.data).toBe(12);
  });

  it('cancel stops the upload and goes back to idle', async () => {
    const b = slowBackend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const { result } = renderHook(() => useUpload(attach, { chunkBytes: 4 }), { wrapper: wrapper(client) });
    act(() => result.current.upload({ file: new Uint8Array(12) }));
    await act(async () => {
      await flush();
      b.gates.at(-1)!.resolve();
      await flush();
    });
    expect(result.current.progress).toEqual({ loaded: 4, total: 12 });
    act(() => result.current.cancel());
    await act(async () => {
      b.gates.at(-1)!.resolve();
      await flush();
    });
    expect(result.current.status).toBe('idle');
    expect(result.current.error).toBeNull();
    expect(b.cmds.at(-1)).toBe('plugin:mizan|upload_cancel');
  });
});
