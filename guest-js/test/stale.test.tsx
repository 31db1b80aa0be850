// The origin cache's stale-if-error as the webview sees it: a bundle whose
// cached function failed carries the last stored value in `data` and says
// so under `stale`; the state, the snapshot and the React hook expose it,
// and a fresh answer clears it.
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMizanClient, defineContext, staleSince, type MizanClient, type StaleInfo } from '../src/index.js';
import { MizanProvider, useBundle } from '../src/react.js';
import { clearMocks, emitInvalidate, flush, installIpc, type IpcRequest } from './helpers.js';
import { createElement, type ReactNode } from 'react';

const RATE = defineContext<{ pair: string }, { rate: number; note: string }>('rate');

const offlineError = { code: 'app', message: 'the function returned an error', fn: 'rate', details: 'offline', invalidate: [] };

let online: boolean;
let client: MizanClient;

function handler(req: IpcRequest): unknown {
  if (req.cmd !== 'plugin:mizan|ctx') return undefined;
  const { params } = req.args as { params: { pair: string } };
  const base = { context: 'rate', params, errors: {} };
  if (online) return { ...base, data: { rate: 2, note: 'live' } };
  const stale: Record<string, StaleInfo> = { rate: { stored_at: 1_700_000_000_000, error: offlineError } };
  return { ...base, data: { rate: 1, note: 'live' }, stale };
}

beforeEach(async () => {
  online = false;
  installIpc(handler);
  client = createMizanClient();
  await client.ready;
});

afterEach(() => {
  cleanup();
  client.destroy();
  clearMocks();
});

describe('stale-if-error', () => {
  it('reaches the bundle state and clears with a fresh answer', async () => {
    const bundle = await client.ensureBundle(RATE, { pair: 'EURUSD' });
    expect(bundle.data.rate).toBe(1);
    expect(bundle.stale.rate?.stored_at).toBe(1_700_000_000_000);
    expect(bundle.stale.rate?.error.code).toBe('app');
    expect(bundle.stale.note).toBeUndefined();
    const state = client.getBundleState(RATE, { pair: 'EURUSD' })!;
    expect(state.stale.rate?.error.details).toBe('offline');
    expect(staleSince(state)).toBe(1_700_000_000_000);

    online = true;
    await emitInvalidate([{ context: 'rate', params: {} }]);
    const fresh = await client.ensureBundle(RATE, { pair: 'EURUSD' });
    expect(fresh.data.rate).toBe(2);
    expect(fresh.stale).toEqual({});
    expect(staleSince(client.getBundleState(RATE, { pair: 'EURUSD' })!)).toBeNull();
  });

  it('is on the React snapshot', async () => {
    const wrapper = ({ children }: { children: ReactNode }) => createElement(MizanProvider, { client }, children);
    const { result } = renderHook(() => useBundle(RATE, { pair: 'EURGBP' }), { wrapper });
    await act(async () => {
      await flush(40);
    });
    expect(result.current.data?.rate).toBe(1);
    expect(result.current.stale.rate?.stored_at).toBe(1_700_000_000_000);
    expect(staleSince(result.current)).toBe(1_700_000_000_000);
    const first = result.current;
    await act(async () => {
      await flush(40);
    });
    expect(result.current).toBe(first);
  });

  it('is the oldest stored_at of several stale functions', () => {
    const info = (stored_at: number): StaleInfo => ({ stored_at, error: offlineError });
    expect(staleSince({ stale: { a: info(5), b: info(3), c: undefined } })).toBe(3);
    expect(staleSince({ stale: {} })).toBeNull();
    expect(staleSince({})).toBeNull();
  });
});
