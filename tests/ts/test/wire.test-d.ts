// The plugin's wire types, generated from the Rust types through specta and
// the IR (tests/golden/wire.ts), against the types guest-js exports. Each
// pair must be mutually assignable: a change on either side fails here.
import { expectTypeOf, test } from 'vitest';
import type {
  BundleResponse,
  Envelope,
  InvalidateEvent,
  JsonValue,
  StaleInfo,
  Target,
  WireError,
} from 'tauri-plugin-mizan-api';
import type * as Rust from '../../golden/wire';

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

test('Target', () => {
  expectTypeOf<Mutual<Rust.Target, Target>>().toEqualTypeOf<true>();
});

test('InvalidateEvent (the mizan://invalidate payload)', () => {
  expectTypeOf<Mutual<Rust.InvalidateEvent, InvalidateEvent>>().toEqualTypeOf<true>();
});

test('WireError (every rejection)', () => {
  expectTypeOf<Mutual<Rust.WireError, WireError<JsonValue>>>().toEqualTypeOf<true>();
});

test('Envelope (the answer of call)', () => {
  expectTypeOf<Mutual<Rust.Envelope, Envelope<JsonValue>>>().toEqualTypeOf<true>();
});

test('JsonValue', () => {
  expectTypeOf<Mutual<Rust.JsonValue, JsonValue>>().toEqualTypeOf<true>();
});

test('Bundle (the answer of ctx)', () => {
  type Js = BundleResponse<{ [fn: string]: JsonValue }>;
  // What Rust sends is a BundleResponse.
  expectTypeOf<Rust.Bundle>().toExtend<Js>();
  // Field by field: guest-js types `data`, `errors` and `stale` as Partial (a
  // failed function has no data), which on a string index only adds `undefined`.
  expectTypeOf<Mutual<keyof Rust.Bundle, keyof Js>>().toEqualTypeOf<true>();
  type Own = 'data' | 'errors' | 'stale';
  expectTypeOf<Mutual<Omit<Rust.Bundle, Own>, Omit<Js, Own>>>().toEqualTypeOf<true>();
  type Values<T> = T[keyof T];
  expectTypeOf<Mutual<Values<Rust.Bundle['data']>, Exclude<Values<Js['data']>, undefined>>>().toEqualTypeOf<true>();
  // guest-js leaves the error details of a bundle untyped (`WireError<unknown>`).
  expectTypeOf<Mutual<Values<Rust.Bundle['errors']>, WireError<JsonValue>>>().toEqualTypeOf<true>();
  expectTypeOf<WireError<JsonValue>>().toExtend<Exclude<Values<Js['errors']>, undefined>>();
  // `stale` is absent when nothing is stale, on both sides.
  expectTypeOf<Mutual<undefined extends Rust.Bundle['stale'] ? true : false, true>>().toEqualTypeOf<true>();
  expectTypeOf<Mutual<undefined extends Js['stale'] ? true : false, true>>().toEqualTypeOf<true>();
  type Entries<T> = Values<Exclude<T, undefined>>;
  expectTypeOf<Mutual<Entries<Rust.Bundle['stale']>, Rust.Stale>>().toEqualTypeOf<true>();
  expectTypeOf<Rust.Stale>().toExtend<Exclude<Entries<Js['stale']>, undefined>>();
});

test('Stale (a stored value standing in for a failed run)', () => {
  expectTypeOf<Mutual<Rust.Stale, StaleInfo & { error: WireError<JsonValue> }>>().toEqualTypeOf<true>();
  expectTypeOf<Rust.Stale>().toExtend<StaleInfo>();
  expectTypeOf<keyof Rust.Stale>().toEqualTypeOf<keyof StaleInfo>();
});
