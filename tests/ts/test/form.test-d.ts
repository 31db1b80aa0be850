// Type tests of a generated form (tests/golden/fixture.ts, `create_team`):
// its schema constant, the form state and the React hook bound to it.
import { describe, expectTypeOf, test } from 'vitest';
import {
  createForm,
  type FormErrorItem,
  type FormFieldSchema,
  type FormSchema,
  type FormState,
  type MizanError,
} from 'tauri-plugin-mizan-api';
import { useForm } from 'tauri-plugin-mizan-api/react';
import * as api from '../../golden/fixture';

const initial: api.NewTeam = {
  teamName: '',
  contact: null,
  homePage: '',
  weight: 1,
  slug: '',
  members: [],
};

describe('the generated form schema', () => {
  test('is typed by the function\'s args and its form param', () => {
    expectTypeOf(api.createTeamForm).toEqualTypeOf<FormSchema<api.CreateTeamArgs, 'team'>>();
    expectTypeOf(api.createTeamForm.param).toEqualTypeOf<'team'>();
    expectTypeOf(api.createTeamForm.fields).toEqualTypeOf<readonly FormFieldSchema[]>();
    expectTypeOf(api.createTeam.form).toEqualTypeOf<FormSchema<api.CreateTeamArgs, 'team'>>();
  });

  test('a function without a form has no schema', () => {
    // @ts-expect-error `rename_by_id` takes no form
    void api.renameById.form;
  });
});

describe('the form state', () => {
  test('its values are the form param\'s type, its result the function\'s', () => {
    const form = createForm(api.createTeam, { initial });
    expectTypeOf(form).toMatchTypeOf<FormState<api.CreateTeamArgs, 'team', number, undefined>>();
    expectTypeOf(form.getSnapshot().values).toEqualTypeOf<api.NewTeam>();
    expectTypeOf(form.getSnapshot().errors).toEqualTypeOf<Readonly<Record<string, readonly FormErrorItem[]>>>();
    expectTypeOf(form.submit()).toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(form.getSnapshot().error).toEqualTypeOf<MizanError<api.CreateTeamError | undefined> | undefined>();
  });

  test('the initial values must be the form\'s', () => {
    // @ts-expect-error `teamName` must be a string
    createForm(api.createTeam, { initial: { ...initial, teamName: 3 } });
    // @ts-expect-error a function without a form cannot back a form state
    createForm(api.renameById, { initial: { id: 1, name: '' } });
  });
});

describe('useForm', () => {
  test('binds a generated form function', () => {
    const bound = () => useForm(api.createTeam, { initial, args: {} });
    type Result = ReturnType<typeof bound>;
    expectTypeOf<Result['values']>().toEqualTypeOf<api.NewTeam>();
    expectTypeOf<Result['submit']>().toEqualTypeOf<() => Promise<number | undefined>>();
    expectTypeOf<Result['errorsOf']>().toEqualTypeOf<(path: string) => readonly FormErrorItem[]>();
    expectTypeOf<Result['submitting']>().toEqualTypeOf<boolean>();
    // @ts-expect-error the initial values must be the form's
    void (() => useForm(api.createTeam, { initial: { teamName: 1 } }));
  });
});
