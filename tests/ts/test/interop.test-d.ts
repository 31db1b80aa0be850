// tauri-specta and Mizan in one app (tests/interop): tauri-specta's bindings
// declare every type once, the Mizan client imports and re-exports them, and
// both files type-check together.
import { describe, expectTypeOf, test } from 'vitest';
import type { MizanError } from 'tauri-plugin-mizan-api';
import * as bindings from '../../golden/interop/bindings';
import * as mizan from '../../golden/interop/mizan.gen';

describe('tauri-specta interop', () => {
  test('the shared type is the same type in both files', () => {
    expectTypeOf<mizan.Profile>().toEqualTypeOf<bindings.Profile>();
    expectTypeOf<bindings.Profile>().toEqualTypeOf<{ id: number; name: string }>();
  });

  test('the tauri-specta command and the Mizan functions use it', () => {
    expectTypeOf(bindings.commands.getProfile).returns.resolves.toEqualTypeOf<bindings.Profile>();
    expectTypeOf(mizan.rename).returns.resolves.toEqualTypeOf<bindings.Profile>();
    expectTypeOf<mizan.UserBundle['profile']>().toEqualTypeOf<bindings.Profile>();
  });

  test('a type only Mizan uses is declared by the bindings too', () => {
    expectTypeOf<mizan.RenameError>().toEqualTypeOf<bindings.RenameError>();
    expectTypeOf<MizanError<mizan.RenameError>['details']>().toEqualTypeOf<{ kind: 'empty_name' }>();
  });
});
