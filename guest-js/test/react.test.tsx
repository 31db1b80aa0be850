import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { StrictMode, useState, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMizanClient, defineContext, type MizanClient } from '../src/index.js';
import { MizanProvider, useBundle, useMutation } from '../src/react.js';
import { bundleOf, clearMocks, emitInvalidate, flush, installIpc, type IpcRequest } from './helpers.js';

const USER = defineContext<{ user_id: number }, { user_profile: { name: string; v: number } }>('user');

let versions: Map<number, number>;
let ipc: ReturnType<typeof installIpc>;
let client: MizanClient;

function handler(req: IpcRequest): unknown {
  const v = (id: number) => versions.get(id) ?? 0;
  if (req.cmd === 'plugin:mizan|ctx') {
    const { params } = req.args as { params: { user_id: number } };
    return bundleOf('user', params, { user_profile: { name: `user ${params.user_id}`, v: v(params.user_id) } });
  }
  if (req.cmd === 'plugin:mizan|call') {
    const { fn, args } = req.args as { fn: string; args: { user_id: number } };
    if (fn === 'update_profile') {
      versions.set(args.user_id, v(args.user_id) + 1);
      return { result: v(args.user_id), invalidate: [{ context: 'user', params: { user_id: args.user_id } }] };
    }
    return Promise.reject({ code: 'app', message: 'nope', fn, details: { why: 'because' }, invalidate: [] });
  }
  return undefined;
}

beforeEach(async () => {
  versions = new Map();
  ipc = installIpc(handler);
  client = createMizanClient();
  await client.ready;
});

afterEach(() => {
  cleanup();
  client.destroy();
  clearMocks();
});

const settle = () => act(async () => {
  await flush(40);
});

function Profile({ id, renders }: { id: number; renders: { count: number; seen: string[] } }) {
  const { data, status, isStale, isFetching } = useBundle(USER, { user_id: id });
  renders.count++;
  const line = `${status}:${data?.user_profile?.v ?? '-'}:${isStale ? 'stale' : 'fresh'}:${isFetching ? 'fetching' : 'idle'}`;
  renders.seen.push(line);
  return <p data-testid={`profile-${id}`}>{data ? `${data.user_profile?.name} v${data.user_profile?.v}` : 'loading'}</p>;
}

function wrap(children: ReactNode) {
  return <MizanProvider client={client}>{children}</MizanProvider>;
}

describe('useBundle', () => {
  it('renders pending then success, with one render per change', async () => {
    const renders = { count: 0, seen: [] as string[] };
    render(wrap(<Profile id={5} renders={renders} />));
    expect(screen.getByTestId('profile-5').textContent).toBe('loading');
    await settle();
    expect(screen.getByTestId('profile-5').textContent).toBe('user 5 v0');
    expect(renders.seen).toEqual(['pending:-:fresh:fetching', 'success:0:fresh:idle']);
    expect(ipc.ctxCalls()).toBe(1);
  });

  it('updates after a mutation in the same window', async () => {
    const renders = { count: 0, seen: [] as string[] };
    let mutate!: ReturnType<typeof useMutation<{ user_id: number }, number>>;
    function Editor() {
      mutate = useMutation<{ user_id: number }, number>('update_profile');
      return null;
    }
    render(
      wrap(
        <>
          <Profile id={5} renders={renders} />
          <Editor />
        </>,
      ),
    );
    await settle();
    await act(async () => {
      await mutate.mutateAsync({ user_id: 5 });
    });
    await settle();
    expect(screen.getByTestId('profile-5').textContent).toBe('user 5 v1');
    expect(mutate.status).toBe('success');
    expect(mutate.data).toBe(1);
    expect(renders.seen).toEqual([
      'pending:-:fresh:fetching',
      'success:0:fresh:idle',
      'success:0:stale:fetching',
      'success:1:fresh:idle',
    ]);
  });

  it('keeps a mutation pending until the refetch it caused has landed', async () => {
    const renders = { count: 0, seen: [] as string[] };
    const lines: string[] = [];
    function Editor() {
      const m = useMutation<{ user_id: number }, number>('update_profile');
      const { data } = useBundle(USER, { user_id: 5 });
      lines.push(`${m.status}:v${data?.user_profile?.v ?? '-'}`);
      return <button data-testid="save" onClick={() => m.mutate({ user_id: 5 })} />;
    }
    render(
      wrap(
        <>
          <Profile id={5} renders={renders} />
          <Editor />
        </>,
      ),
    );
    await settle();
    // From now on each ctx answer waits for its gate.
    const gates: Array<() => void> = [];
    installIpc((req) => {
      const answer = handler(req);
      if (req.cmd !== 'plugin:mizan|ctx') return answer;
      return new Promise((resolve) => gates.push(() => resolve(answer)));
    });
    await act(async () => {
      screen.getByTestId('save').click();
      await flush(40);
    });
    expect(gates.length).toBe(1); // the refetch is in flight...
    expect(lines.at(-1)).toBe('pending:v0'); // ...and the mutation still pending
    await act(async () => {
      gates[0]!();
      await flush(40);
    });
    // It turns success with the new data, never success with the old.
    expect(lines.at(-1)).toBe('success:v1');
    expect(lines).not.toContain('success:v0');
    expect(screen.getByTestId('profile-5').textContent).toBe('user 5 v1');
  });

  it('updates after an event from another window, and only the reached bundle re-renders', async () => {
    const five = { count: 0, seen: [] as string[] };
    const six = { count: 0, seen: [] as string[] };
    render(
      wrap(
        <>
          <Profile id={5} renders={five} />
          <Profile id={6} renders={six} />
        </>,
      ),
    );
    await settle();
    expect(five.count).toBe(2);
    expect(six.count).toBe(2);
    versions.set(5, 4);
    await act(async () => {
      await emitInvalidate([{ context: 'user', params: { user_id: 5 } }], 'other', 1);
    });
    await settle();
    expect(screen.getByTestId('profile-5').textContent).toBe('user 5 v4');
    expect(five.count).toBe(4);
    expect(six.count).toBe(2); // not reached: no render
  });

  it('does not re-render when a parent re-renders with an equal params object', async () => {
    const renders = { count: 0, seen: [] as string[] };
    let bump!: () => void;
    function Parent() {
      const [, set] = useState(0);
      bump = () => set((n) => n + 1);
      return <Profile id={5} renders={renders} />;
    }
    render(wrap(<Parent />));
    await settle();
    const before = renders.count;
    act(() => bump());
    await settle();
    expect(renders.count).toBe(before + 1); // the parent's render only
    expect(ipc.ctxCalls()).toBe(1);
  });

  it('switches to another key when params change', async () => {
    const { result, rerender } = renderHook(({ id }) => useBundle(USER, { user_id: id }), {
      initialProps: { id: 1 },
      wrapper: ({ children }) => wrap(children),
    });
    await settle();
    expect(result.current.data?.user_profile?.name).toBe('user 1');
    rerender({ id: 2 });
    expect(result.current.status).toBe('pending');
    await settle();
    expect(result.current.data?.user_profile?.name).toBe('user 2');
  });

  it('works under StrictMode with one fetch per key', async () => {
    render(
      <StrictMode>
        {wrap(<Profile id={9} renders={{ count: 0, seen: [] }} />)}
      </StrictMode>,
    );
    await settle();
    expect(screen.getByTestId('profile-9').textContent).toBe('user 9 v0');
    expect(ipc.ctxCalls()).toBe(1);
  });
});

describe('useMutation', () => {
  it('reports errors as MizanError and resets', async () => {
    const { result } = renderHook(() => useMutation<Record<string, never>, number, { why: string }>('broken'), {
      wrapper: ({ children }) => wrap(children),
    });
    expect(result.current.status).toBe('idle');
    let caught: unknown;
    await act(async () => {
      result.current.mutate({}, { onError: (e) => (caught = e) });
      await flush();
    });
    expect(result.current.status).toBe('error');
    expect(result.current.error?.code).toBe('app');
    expect(result.current.error?.details.why).toBe('because');
    expect(caught).toBe(result.current.error);
    act(() => result.current.reset());
    expect(result.current.status).toBe('idle');
    expect(result.current.error).toBeNull();
  });

  it('accepts a generated mutation function and hands it the provider client', async () => {
    const seen: MizanClient[] = [];
    const updateProfile = (args: { user_id: number }, c: MizanClient) => {
      seen.push(c);
      return c.call<number>('update_profile', args);
    };
    const { result } = renderHook(() => useMutation(updateProfile), { wrapper: ({ children }) => wrap(children) });
    await act(async () => {
      await result.current.mutateAsync({ user_id: 3 });
    });
    expect(seen).toEqual([client]);
    expect(result.current.data).toBe(1);
  });
});
