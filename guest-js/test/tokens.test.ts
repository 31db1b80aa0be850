import { afterEach, describe, expect, it, vi } from 'vitest';
import { emit } from '@tauri-apps/api/event';
import { IDENTITY_EVENT, MizanError, createMizanClient, defineContext, type IdentityEvent, type InvokeOptions, type MizanClient, type TokenProvider } from '../src/index.js';
import { isTokenExpired } from '../src/auth.js';
import { bundleOf, clearMocks, deferred, flush, installIpc, notify } from './helpers.js';

const expired = { code: 'unauthorized', message: 'the access token has expired', fn: 'secret', details: { reason: 'token_expired' }, invalidate: [] };
const invalid = { code: 'unauthorized', message: 'bad signature', fn: 'secret', details: { reason: 'invalid_token' }, invalidate: [] };

interface Sent {
  cmd: string;
  args: Record<string, unknown>;
  authorization: string | undefined;
}

/**
 * A backend that accepts exactly one access token at a time (`valid`); any
 * other bearer token is expired. Answers are held until `release()` so that
 * calls overlap.
 */
function backend(first = 't1') {
  const sent: Sent[] = [];
  const held: Array<() => void> = [];
  const state = { valid: first, hold: false };
  const invoke = (cmd: string, args?: Record<string, unknown>, options?: InvokeOptions): Promise<unknown> => {
    const authorization = options?.headers.Authorization;
    sent.push({ cmd, args: args ?? {}, authorization });
    const answer = () => {
      const ok = authorization === `Bearer ${state.valid}`;
      if (cmd === 'plugin:mizan|ctx') {
        const errors = ok ? {} : { secret_profile: expired };
        const data = ok ? { secret_profile: `data for ${state.valid}` } : {};
        return Promise.resolve({ ...bundleOf('user', {}, data), errors });
      }
      return ok ? Promise.resolve({ result: authorization, invalidate: [] }) : Promise.reject(expired);
    };
    if (!state.hold) return answer();
    return new Promise((resolve, reject) => held.push(() => answer().then(resolve, reject)));
  };
  const release = () => {
    state.hold = false;
    for (const go of held.splice(0)) go();
  };
  return { sent, state, invoke, release };
}

/** A token provider whose refresh is counted and can be held or fail. */
function provider(initial: string | null, next: () => Promise<string | null>) {
  const tokens = { current: initial };
  const refresh = vi.fn(async () => {
    const token = await next();
    tokens.current = token;
    return token;
  });
  const onSignOut = vi.fn();
  const p: TokenProvider = { getToken: () => tokens.current, refresh, onSignOut };
  return { p, tokens, refresh, onSignOut };
}

let client: MizanClient | undefined;
afterEach(() => {
  client?.destroy();
  client = undefined;
  clearMocks();
});

describe('mode (a): a bearer token from the webview', () => {
  it('sends the token as an Authorization header, and none without one', async () => {
    const b = backend();
    const { p, tokens } = provider('t1', async () => 't2');
    client = createMizanClient({ invoke: b.invoke, listen: false, tokens: p });
    await expect(client.call('secret')).resolves.toBe('Bearer t1');
    tokens.current = null;
    await expect(client.call('open')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(b.sent.map((s) => s.authorization)).toEqual(['Bearer t1', undefined]);
  });

  it('N concurrent calls meeting token_expired cause one refresh, then each retries once', async () => {
    const b = backend('t2');
    const gate = deferred<string>();
    const { p, refresh } = provider('t1', () => gate.promise);
    client = createMizanClient({ invoke: b.invoke, listen: false, tokens: p });
    const n = 12;
    const calls = Array.from({ length: n }, (_, i) => client!.call<string>('secret', { i }));
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
    gate.resolve('t2');
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: n }, () => 'Bearer t2'));
    expect(refresh).toHaveBeenCalledTimes(1);
    // Each call: one attempt with the expired token, one retry with the new one.
    expect(b.sent.filter((s) => s.authorization === 'Bearer t1')).toHaveLength(n);
    expect(b.sent.filter((s) => s.authorization === 'Bearer t2')).toHaveLength(n);
    for (let i = 0; i < n; i++) expect(b.sent.filter((s) => (s.args.args as { i: number }).i === i)).toHaveLength(2);
  });

  it('a call whose expired answer comes after the refresh joins it instead of refreshing again', async () => {
    const b = backend('t2');
    const { p, refresh } = provider('t1', async () => 't2');
    client = createMizanClient({ invoke: b.invoke, listen: false, tokens: p });
    b.state.hold = true;
    const late = client.call<string>('secret', { which: 'late' }); // sent with t1, answer held
    await flush();
    b.state.hold = false;
    const early = client.call<string>('secret', { which: 'early' }); // sent with t1 too
    await expect(early).resolves.toBe('Bearer t2');
    expect(refresh).toHaveBeenCalledTimes(1);
    b.release(); // the late call now meets the expiry of t1, already renewed
    await expect(late).resolves.toBe('Bearer t2');
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('a failed refresh signs out once: the calls reject with token_expired and the bundles are dropped', async () => {
    const b = backend('t2');
    const { p, refresh, onSignOut } = provider('t1', () => Promise.reject(new Error('refresh token revoked')));
    client = createMizanClient({ invoke: b.invoke, listen: false, tokens: p });
    client.hydrate([bundleOf('user', { user_id: 1 }, { name: 'Ada' })]);
    const changes: IdentityEvent[] = [];
    client.onIdentityChange((e) => changes.push(e));
    const calls = Array.from({ length: 5 }, () => client!.call('secret').catch((e: unknown) => e));
    const errors = await Promise.all(calls);
    for (const e of errors) {
      expect(e).toBeInstanceOf(MizanError);
      expect(isTokenExpired(e)).toBe(true);
    }
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onSignOut).toHaveBeenCalledTimes(1);
    expect(changes).toEqual([{ change: 'signed_out', identity: null, previous: null }]);
    expect(client.cache.size).toBe(0);
    // One attempt each, no retry.
    expect(b.sent).toHaveLength(5);
  });

  it('a refresh that answers no token signs out as well', async () => {
    const b = backend('t2');
    const { p, onSignOut } = provider('t1', async () => null);
    client = createMizanClient({ invoke: b.invoke, listen: false, tokens: p });
    await expect(client.call('secret')).rejects.toMatchObject({ code: 'unauthorized', details: { reason: 'token_expired' } });
    expect(onSignOut).toHaveBeenCalledTimes(1);
  });

  it('retries once only: a retry that meets token_expired again rejects without a second refresh', async () => {
    const b = backend('never');
    const { p, refresh } = provider('t1', async () => 't2');
    client = createMizanClient({ invoke: b.invoke, listen: false, tokens: p });
    await expect(client.call('secret')).rejects.toMatchObject({ details: { reason: 'token_expired' } });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(b.sent.map((s) => s.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('an invalid token is not refreshed', async () => {
    const { p, refresh } = provider('t1', async () => 't2');
    const invoke = vi.fn(() => Promise.reject(invalid));
    client = createMizanClient({ invoke, listen: false, tokens: p });
    await expect(client.call('secret')).rejects.toMatchObject({ details: { reason: 'invalid_token' } });
    expect(refresh).not.toHaveBeenCalled();
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it('a bundle whose functions met token_expired is refetched once with the new token', async () => {
    const b = backend('t2');
    const { p, refresh } = provider('t1', async () => 't2');
    client = createMizanClient({ invoke: b.invoke, listen: false, tokens: p });
    const USER = defineContext<Record<string, never>, { secret_profile: string }>('user');
    const bundle = await client.ensureBundle(USER, {});
    expect(bundle.data.secret_profile).toBe('data for t2');
    expect(bundle.errors).toEqual({});
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(b.sent.map((s) => s.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });
});

describe('the identity event', () => {
  it("drops the old identity's bundles; a fetch in flight for it never lands", async () => {
    const owner = { id: 'ada' };
    const inflight = deferred<unknown>();
    let slow = false;
    installIpc((req) => {
      if (req.cmd !== 'plugin:mizan|ctx') return undefined;
      const data = { profile: `${owner.id}'s profile` };
      if (slow) return inflight.promise.then(() => bundleOf('user', { user_id: 1 }, { profile: "ada's profile" }));
      return bundleOf('user', { user_id: 1 }, data);
    });
    client = createMizanClient();
    await client.ready;
    const USER = defineContext<{ user_id: number }, { profile: string }>('user');
    await client.ensureBundle(USER, { user_id: 1 });
    expect(client.getBundleState(USER, { user_id: 1 })?.data).toEqual({ profile: "ada's profile" });

    // A refetch for ada is in flight when bob signs in.
    slow = true;
    const old = client.refetchBundle(USER, { user_id: 1 });
    await flush();
    const seen: IdentityEvent[] = [];
    client.onIdentityChange((e) => seen.push(e));
    owner.id = 'bob';
    slow = false;
    const event: IdentityEvent = { change: 'switched', identity: { id: 'bob', roles: [] }, previous: 'ada' };
    await notify(IDENTITY_EVENT, event);
    await flush();
    expect(seen).toEqual([event]);
    expect(client.getBundleState(USER, { user_id: 1 })).toBeUndefined();

    // ada's answer arrives late: its awaiter gets bob's data, and the cache never holds ada's.
    inflight.resolve(undefined);
    await expect(old).resolves.toMatchObject({ data: { profile: "bob's profile" } });
    expect(client.getBundleState(USER, { user_id: 1 })?.data).toEqual({ profile: "bob's profile" });
  });

  it('ignores payloads that are not identity events', async () => {
    installIpc(() => undefined);
    client = createMizanClient();
    await client.ready;
    client.hydrate([bundleOf('user', { user_id: 1 }, { profile: 'x' })]);
    await notify(IDENTITY_EVENT, { change: 'hijacked' });
    await notify(IDENTITY_EVENT, 'signed_out');
    await flush();
    expect(client.cache.size).toBe(1);
  });

  it('ignores Tauri events: any page granted core:event:allow-emit can emit them', async () => {
    installIpc(() => undefined);
    client = createMizanClient();
    await client.ready;
    const seen: IdentityEvent[] = [];
    client.onIdentityChange((e) => seen.push(e));
    client.hydrate([bundleOf('user', { user_id: 1 }, { profile: 'x' })]);
    const forged: IdentityEvent = { change: 'signed_out', identity: null, previous: 'ada' };
    await emit(IDENTITY_EVENT, forged);
    await emit('mizan://invalidate', { targets: [{ context: 'user', params: {} }], source: 'other', seq: 1 });
    await flush();
    expect(seen).toEqual([]);
    expect(client.cache.size).toBe(1);
    expect(client.getBundleState(defineContext<{ user_id: number }, { profile: string }>('user'), { user_id: 1 })?.isStale).toBe(false);
    // The plugin's own channel is heard.
    await notify(IDENTITY_EVENT, forged);
    expect(seen).toEqual([forged]);
  });
});
