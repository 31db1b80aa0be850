// Type tests of the generated fixture client (tests/golden/fixture.ts):
// functions, contexts and errors have the types the Rust side declares.
import { describe, expectTypeOf, test } from 'vitest';
import type {
  MizanStream,
  StreamOptions,
  BundleOf,
  ContextDescriptor,
  MizanClient,
  MizanError,
  ErrorTyped,
  ParamsOf,
  UploadBody,
  UploadOptions,
  UploadProgress,
} from 'tauri-plugin-mizan-api';
import * as api from '../../golden/fixture';

describe('uploads and binary results', () => {
  test('an upload param takes a File, a Blob, an ArrayBuffer or a typed array; the function takes upload options', () => {
    expectTypeOf(api.attachFiles).parameters.toEqualTypeOf<
      [args: api.AttachFilesArgs, client?: MizanClient, options?: UploadOptions]
    >();
    expectTypeOf<api.AttachFilesArgs['files'][number]>().toEqualTypeOf<UploadBody>();
    expectTypeOf(api.attachFiles).toBeCallableWith({ post_id: 1, files: [new File([], 'a.txt'), new Blob([])] });
    expectTypeOf(api.attachFiles).toBeCallableWith({ post_id: 1, files: [new ArrayBuffer(1), new Uint8Array(1)], cover: null });
    expectTypeOf(api.attachFiles).toBeCallableWith({ post_id: 1, files: [] }, undefined, {
      onProgress: (p: UploadProgress) => void p.loaded,
      signal: new AbortController().signal,
    });
    // @ts-expect-error a string is not a file
    api.attachFiles({ post_id: 1, files: ['a.txt'] });
    expectTypeOf(api.attachFiles).returns.toEqualTypeOf<Promise<number>>();
  });

  test('a query returning Bytes resolves a Uint8Array', () => {
    expectTypeOf(api.picture).returns.toEqualTypeOf<Promise<Uint8Array>>();
    expectTypeOf<api.PictureError>().toEqualTypeOf<string>();
  });
});

describe('functions', () => {
  test('a mutation takes its wire params by their Rust names and resolves its result', () => {
    expectTypeOf(api.updateProfile).parameters.toEqualTypeOf<
      [args: { user_id: number; name: string }, client?: MizanClient]
    >();
    expectTypeOf(api.updateProfile).returns.toEqualTypeOf<Promise<api.Profile>>();
  });

  test('a renamed function is reached by its wire name, in camelCase', () => {
    expectTypeOf(api.hello).parameter(0).toEqualTypeOf<api.HelloArgs>();
    expectTypeOf<api.HelloArgs>().toEqualTypeOf<{ name: string; excited?: boolean | null }>();
    expectTypeOf(api.hello).returns.resolves.toEqualTypeOf<string>();
  });

  test('a function without params may be called without args', () => {
    expectTypeOf(api.ping).toBeCallableWith();
    expectTypeOf(api.nothing).returns.resolves.toEqualTypeOf<null>();
  });

  test('64-bit integers are numbers', () => {
    expectTypeOf<api.WideArgs['b']>().toEqualTypeOf<number>();
    expectTypeOf(api.wide).returns.resolves.toEqualTypeOf<number>();
    expectTypeOf<api.Profile['userId']>().toEqualTypeOf<number>();
  });

  test('an unknown param or a wrong type does not compile', () => {
    // @ts-expect-error: `id` is not a param of update_profile
    void api.updateProfile({ id: 5, name: 'Ada' });
    // @ts-expect-error: user_id is a number
    void api.updateProfile({ user_id: '5', name: 'Ada' });
  });
});

describe('errors', () => {
  test('each function has its error type; none is never', () => {
    expectTypeOf<api.UpdateProfileError>().toEqualTypeOf<api.ProfileError>();
    expectTypeOf<api.PostError>().toEqualTypeOf<string>();
    expectTypeOf<api.PingError>().toEqualTypeOf<never>();
    expectTypeOf<api.UserProfileError>().toEqualTypeOf<api.ProfileError>();
  });

  test('each function carries its error type, for useMutation to infer', () => {
    expectTypeOf(api.updateProfile).toExtend<ErrorTyped<api.UpdateProfileError>>();
    expectTypeOf(api.updateProfile.__mizanError).toEqualTypeOf<api.UpdateProfileError | undefined>();
    expectTypeOf(api.ping.__mizanError).toEqualTypeOf<undefined>();
  });

  test('serde representations of enums', () => {
    expectTypeOf<api.ProfileError>().toEqualTypeOf<
      { kind: 'empty_name' } | { kind: 'too_long'; max: number } | ({ kind: 'taken' } & api.Owner)
    >();
    expectTypeOf<api.Shape>().toEqualTypeOf<
      | 'Empty'
      | { Circle: number }
      | { Rect: [number, number] }
      | { Poly: { points: [number, number][] } }
      | { tri: { a: [number, number, number] } }
    >();
    expectTypeOf<api.Event>().toEqualTypeOf<
      { t: 'Started' } | { t: 'Progress'; c: number } | { t: 'Done'; c: { ok: boolean } }
    >();
    expectTypeOf<api.Loose>().toEqualTypeOf<null | number | string | { left: string; right: string }>();
  });

  test('a narrowed MizanError carries the typed details', () => {
    const handle = (e: MizanError<api.UpdateProfileError>) => {
      if (e.details.kind === 'too_long') expectTypeOf(e.details.max).toEqualTypeOf<number>();
    };
    void handle;
  });
});

describe('contexts', () => {
  test('a descriptor carries its params and bundle types', () => {
    expectTypeOf(api.USER).toEqualTypeOf<ContextDescriptor<api.UserParams, api.UserBundle>>();
    expectTypeOf<ParamsOf<typeof api.USER>>().toEqualTypeOf<{ user_id: number; verbose?: boolean | null }>();
    expectTypeOf<BundleOf<typeof api.USER>>().toEqualTypeOf<{
      user_flags: string[];
      user_profile: api.Profile;
    }>();
  });

  test('context params are the union of its functions, generics instantiated', () => {
    expectTypeOf<api.FeedParams>().toEqualTypeOf<{ cursor?: string | null; user_id: number }>();
    expectTypeOf<api.FeedBundle['feed_page']>().toEqualTypeOf<api.Page<api.Profile>>();
    expectTypeOf<api.Page<string>['items']>().toEqualTypeOf<string[]>();
  });

  test('serde field names, optional and flattened fields', () => {
    expectTypeOf<api.Profile>().toEqualTypeOf<
      {
        userId: number;
        displayName: string;
        'e-mail': string | null;
        nickname?: string | null;
        tags?: string[];
      } & { created_at: number; updated_by: number | null }
    >();
  });
});

describe('streaming functions', () => {
  test('a streaming function returns an AsyncIterable of its item type, with its typed error', () => {
    expectTypeOf(api.profileChanges).parameters.toEqualTypeOf<
      [args: { user_id: number }, options?: StreamOptions]
    >();
    expectTypeOf(api.profileChanges).returns.toEqualTypeOf<MizanStream<api.Profile, api.ProfileError>>();
    expectTypeOf(api.profileChanges({ user_id: 1 })).toMatchTypeOf<AsyncIterable<api.Profile>>();
    expectTypeOf<api.ProfileChangesError>().toEqualTypeOf<api.ProfileError>();
  });

  test('options take an AbortSignal and a window, not a client as second argument', () => {
    expectTypeOf(api.importProfiles).toBeCallableWith({ count: 3 }, { signal: new AbortController().signal, window: 64 });
    // @ts-expect-error the item is a [done, total] pair
    expectTypeOf(api.importProfiles({ count: 1 })).toMatchTypeOf<AsyncIterable<string>>();
    expectTypeOf(api.importProfiles({ count: 1 })).toMatchTypeOf<AsyncIterable<[number, number]>>();
  });
});
