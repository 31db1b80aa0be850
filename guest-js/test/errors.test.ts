/**
 * Every rejection reaches the caller as a `MizanError`: the wire shape keeps
 * its fields; Tauri's own access-control refusal (a plain string, sent before
 * the plugin runs) is `forbidden`; anything else is `internal`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MizanError, createMizanClient, isMizanError, type MizanClient } from '../src/index.js';
import { clearMocks, installIpc } from './helpers.js';

/** What Tauri 2 rejects with when a window's capabilities do not grant a command. */
const ACL_REFUSALS = [
  'mizan.call not allowed. Permissions associated with this command: mizan:allow-call, mizan:default',
  'mizan.ctx not allowed. Plugin not found',
  'mizan.call not allowed on window "main", webview "main", URL: http://tauri.localhost/\n\nreferenced by: capability: main, permission: allow-call',
];

/** Rejections that are neither the wire shape nor an access refusal. */
const OTHER_FAILURES: unknown[] = [
  'command plugin:mizan|call not found',
  new TypeError("Cannot read properties of undefined (reading 'invoke')"),
  undefined,
  { message: 'no code' },
  42,
];

let client: MizanClient;

afterEach(() => {
  client?.destroy();
  clearMocks();
});

async function rejectionOf(run: (c: MizanClient) => Promise<unknown>, reason: unknown): Promise<MizanError> {
  installIpc(() => Promise.reject(reason));
  client = createMizanClient({ listen: false });
  const error = await run(client).then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MizanError);
  expect(isMizanError(error)).toBe(true);
  return error as MizanError;
}

const entryPoints: Array<[string, (c: MizanClient) => Promise<unknown>, string | undefined]> = [
  ['call', (c) => c.call('rename', { user_id: 1 }), 'rename'],
  ['fetchBundle', (c) => c.fetchBundle('user', { user_id: 1 }), undefined],
  ['ensureBundle', (c) => c.ensureBundle('user', { user_id: 1 }), undefined],
  ['refetchBundle', (c) => c.refetchBundle('user', { user_id: 1 }), undefined],
];

describe('rejections that are not the wire shape', () => {
  for (const [name, run, fn] of entryPoints) {
    it(`${name}: Tauri's access refusal is forbidden`, async () => {
      for (const refusal of ACL_REFUSALS) {
        const error = await rejectionOf(run, refusal);
        expect(error).toMatchObject({ code: 'forbidden', message: refusal, fn, details: refusal, invalidate: [] });
        expect(error.cause).toBe(refusal);
      }
    });

    it(`${name}: anything else is internal`, async () => {
      for (const failure of OTHER_FAILURES) {
        const error = await rejectionOf(run, failure);
        expect(error).toMatchObject({ code: 'internal', fn, invalidate: [] });
        expect(error.cause).toBe(failure);
      }
    });
  }

  it('a cached bundle whose fetch was refused holds the forbidden error in its state', async () => {
    await rejectionOf((c) => c.ensureBundle('user', { user_id: 1 }), ACL_REFUSALS[0]);
    expect(client.getBundleState('user', { user_id: 1 })).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
  });
});

describe('the wire shape', () => {
  it('keeps its fields; fn null on the wire is no fn', async () => {
    const wire = { code: 'unknown_context', message: 'no context nope', fn: null, details: { context: 'nope' }, invalidate: [] };
    const error = await rejectionOf((c) => c.ensureBundle('nope', {}), wire);
    expect(error).toMatchObject({ code: 'unknown_context', message: 'no context nope', fn: undefined, details: { context: 'nope' } });
    expect(error.toJSON()).toEqual({ code: 'unknown_context', message: 'no context nope', details: { context: 'nope' }, invalidate: [] });
  });

  it('serializes to the wire shape', () => {
    expect(MizanError.from({ code: 'app', message: 'm', fn: 'f', details: { a: 1 }, invalidate: [] }).toJSON()).toEqual({
      code: 'app',
      message: 'm',
      fn: 'f',
      details: { a: 1 },
      invalidate: [],
    });
  });
});
