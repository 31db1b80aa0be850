import { QueryClient } from '@tanstack/query-core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  MizanError,
  call,
  createMizanClient,
  defineContext,
  fetchBundle,
  type Bundle,
  type BundleResponse,
  type ContextDescriptor,
  type Envelope,
  type ErrorCode,
  type InvalidateEvent,
  type JsonValue,
  type MizanClient,
  type RefreshedBundles,
  type RefreshListing,
  type RefreshSource,
  type Target,
  type TargetOrigin,
  type StaleInfo,
  type WireError,
} from '../src/index.js';
import { useBundle, useMutation, type UseBundleResult } from '../src/react.js';
import { applyTargetsToQueryClient, mizanQueryKey, mizanQueryOptions, type MizanQueryKey } from '../src/tanstack.js';

// What a generated module looks like.
interface UserParams {
  user_id: number;
}
interface UserProfile {
  name: string;
}
interface UserBundle {
  user_profile: UserProfile;
  user_posts: string[];
}
const USER = defineContext<UserParams, UserBundle>('user');
interface NotFound {
  kind: 'not_found';
}
function updateProfile(args: { user_id: number; name: string }): Promise<UserProfile> {
  return call<UserProfile, NotFound>('update_profile', args);
}

describe('wire types', () => {
  it('have the protocol shapes', () => {
    expectTypeOf<Target>().toEqualTypeOf<{ context: string; params: Record<string, JsonValue> }>();
    expectTypeOf<Envelope<number>>().toEqualTypeOf<{
      result: number;
      invalidate: Target[];
      bundles?: BundleResponse<unknown>[];
    }>();
    expectTypeOf<InvalidateEvent>().toEqualTypeOf<{ targets: Target[]; source: string | null; seq: number }>();
    expectTypeOf<WireError<{ a: 1 }>['details']>().toEqualTypeOf<{ a: 1 }>();
    expectTypeOf<WireError['fn']>().toEqualTypeOf<string | null>();
    expectTypeOf<BundleResponse<UserBundle>['data']>().toEqualTypeOf<Partial<UserBundle>>();
    expectTypeOf<BundleResponse<UserBundle>['errors']>().toEqualTypeOf<Partial<Record<keyof UserBundle, WireError>>>();
  });
  it('keeps the error code union open', () => {
    expectTypeOf<'invalid_args'>().toMatchTypeOf<ErrorCode>();
    expectTypeOf<'invalid_form'>().toMatchTypeOf<ErrorCode>();
  });
  it('JsonValue rejects what JSON cannot carry', () => {
    expectTypeOf<{ a: [1, 'x', null, { b: true }] }>().toMatchTypeOf<JsonValue>();
    expectTypeOf<() => void>().not.toMatchTypeOf<JsonValue>();
    expectTypeOf<undefined>().not.toMatchTypeOf<JsonValue>();
  });
});

describe('core API', () => {
  it('defineContext carries params and bundle types', () => {
    expectTypeOf(USER).toEqualTypeOf<ContextDescriptor<UserParams, UserBundle>>();
    expectTypeOf(USER.name).toEqualTypeOf<string>();
  });
  it('call returns the result type', () => {
    expectTypeOf(call<number>('f', {})).toEqualTypeOf<Promise<number>>();
    expectTypeOf(updateProfile).returns.resolves.toEqualTypeOf<UserProfile>();
    expectTypeOf(createMizanClient().call<string, NotFound>).returns.resolves.toEqualTypeOf<string>();
  });
  it('MizanError is an Error with typed details', () => {
    const e = new MizanError<NotFound>({ code: 'app', message: 'm', details: { kind: 'not_found' }, invalidate: [] });
    expectTypeOf(e).toMatchTypeOf<Error>();
    expectTypeOf(e.details).toEqualTypeOf<NotFound>();
    expectTypeOf(e.code).toEqualTypeOf<ErrorCode>();
    expectTypeOf(e.fn).toEqualTypeOf<string | undefined>();
    expectTypeOf(e.invalidate).toEqualTypeOf<Target[]>();
  });
  it('bundles are typed by the descriptor', () => {
    const client: MizanClient = createMizanClient({ listen: false });
    expectTypeOf(client.ensureBundle(USER, { user_id: 1 })).resolves.toEqualTypeOf<Bundle<UserBundle>>();
    expectTypeOf(fetchBundle(USER, { user_id: 1 })).resolves.toEqualTypeOf<Bundle<UserBundle>>();
    expectTypeOf<Bundle<UserBundle>['data']['user_profile']>().toEqualTypeOf<UserProfile | undefined>();
    expectTypeOf<Bundle<UserBundle>['errors']['user_posts']>().toEqualTypeOf<WireError | undefined>();
    // @ts-expect-error wrong params type
    void client.ensureBundle(USER, { user_id: 'x' });
    // @ts-expect-error missing param
    void client.ensureBundle(USER, {});
  });
  it('invalidation listeners take two arguments or three; refresh sources get their own listing back', () => {
    const client: MizanClient = createMizanClient({ listen: false });
    client.onInvalidate((targets, origin) => {
      expectTypeOf(targets).toEqualTypeOf<readonly Target[]>();
      expectTypeOf(origin).toEqualTypeOf<TargetOrigin>();
    });
    interface Mine extends RefreshListing {
      readonly generations: Map<string, number>;
    }
    const source: RefreshSource<Mine> = (limit) => ({ keys: [], generations: new Map([['k', limit]]) });
    expectTypeOf(client.addRefreshSource(source)).toEqualTypeOf<() => void>();
    client.onInvalidate((_targets, _origin, refreshed) => {
      expectTypeOf(refreshed).toEqualTypeOf<RefreshedBundles | undefined>();
      expectTypeOf(refreshed!.listingOf(source)).toEqualTypeOf<Mine | undefined>();
      expectTypeOf(refreshed!.bundles.get('k')).toEqualTypeOf<BundleResponse<unknown> | undefined>();
    });
  });
});

describe('react entry', () => {
  it('useBundle returns a typed snapshot', () => {
    type R = ReturnType<typeof useBundle<UserParams, UserBundle>>;
    expectTypeOf<R>().toEqualTypeOf<UseBundleResult<UserBundle>>();
    expectTypeOf<R['data']>().toEqualTypeOf<Partial<UserBundle> | undefined>();
    expectTypeOf<R['status']>().toEqualTypeOf<'pending' | 'success' | 'error'>();
    expectTypeOf<R['error']>().toEqualTypeOf<MizanError | null>();
    expectTypeOf<R['isStale']>().toEqualTypeOf<boolean>();
    expectTypeOf<R['isFetching']>().toEqualTypeOf<boolean>();
    // The origin cache's stale-if-error, by function name.
    expectTypeOf<R['stale']>().toEqualTypeOf<Partial<Record<keyof UserBundle, StaleInfo>>>();
    expectTypeOf<BundleResponse<UserBundle>['stale']>().toEqualTypeOf<Partial<Record<keyof UserBundle, StaleInfo>> | undefined>();
  });
  it('useMutation infers args and result from a generated function', () => {
    const update_profile = (args: { user_id: number; name: string }, client?: MizanClient): Promise<UserProfile> =>
      client ? client.call<UserProfile, NotFound>('update_profile', args) : call<UserProfile, NotFound>('update_profile', args);
    const m = useMutation(update_profile);
    expectTypeOf(m.mutateAsync).parameter(0).toEqualTypeOf<{ user_id: number; name: string }>();
    expectTypeOf(m.data).toEqualTypeOf<UserProfile | undefined>();
    expectTypeOf(m.error).toEqualTypeOf<MizanError<unknown> | null>();
  });
  it('useMutation infers the error type a generated function carries', () => {
    function update_profile(args: { user_id: number }, client?: MizanClient): Promise<UserProfile> {
      return client ? client.call<UserProfile, NotFound>('update_profile', args) : call<UserProfile, NotFound>('update_profile', args);
    }
    update_profile.__mizanError = undefined as NotFound | undefined;
    const m = useMutation(update_profile);
    expectTypeOf(m.error).toEqualTypeOf<MizanError<NotFound> | null>();
    expectTypeOf(m.data).toEqualTypeOf<UserProfile | undefined>();
  });
  it('useMutation takes explicit types', () => {
    type M = ReturnType<typeof useMutation<{ user_id: number; name: string }, UserProfile, NotFound>>;
    expectTypeOf<M['mutateAsync']>().parameter(0).toEqualTypeOf<{ user_id: number; name: string }>();
    expectTypeOf<M['mutateAsync']>().returns.resolves.toEqualTypeOf<UserProfile>();
    expectTypeOf<M['data']>().toEqualTypeOf<UserProfile | undefined>();
    expectTypeOf<M['error']>().toEqualTypeOf<MizanError<NotFound> | null>();
    expectTypeOf<M['status']>().toEqualTypeOf<'idle' | 'pending' | 'success' | 'error'>();
  });
});

describe('tanstack entry', () => {
  it('builds keys and options', () => {
    expectTypeOf(mizanQueryKey(USER, { user_id: 1 })).toEqualTypeOf<MizanQueryKey>();
    const options = mizanQueryOptions(USER, { user_id: 1 });
    expectTypeOf(options.queryFn).returns.resolves.toEqualTypeOf<Bundle<UserBundle>>();
    expectTypeOf(applyTargetsToQueryClient(new QueryClient(), [])).toEqualTypeOf<number>();
  });
});
