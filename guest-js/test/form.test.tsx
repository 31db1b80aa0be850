import { act, cleanup, fireEvent, render, renderHook, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { call, checkForm, createForm, createMizanClient, type FormSchema, type InvokeFn, type MizanClient } from '../src/index.js';
import { parsePath } from '../src/form.js';
import { MizanProvider, useForm } from '../src/react.js';

afterEach(cleanup);

interface NewList {
  name: string;
  owner: { email: string };
  items: Array<{ qty: number }>;
  homepage: string | null;
}
interface CreateListArgs {
  list: NewList;
  team_id: number;
}

/** What the generator writes for a function taking `list: NewList` (a form). */
function createList(args: CreateListArgs, client?: MizanClient): Promise<string> {
  return client ? client.call<string, never>('create_list', { ...args }) : call<string, never>('create_list', { ...args });
}
createList.__mizanError = undefined as never | undefined;
const createListForm: FormSchema<CreateListArgs, 'list'> = {
  fn: 'create_list',
  param: 'list',
  fields: [
    { name: 'name', kind: 'string', required: true, rules: [{ rule: 'length', min: 1, max: 10 }], fields: [] },
    {
      name: 'owner',
      kind: 'object',
      required: true,
      rules: [],
      fields: [{ name: 'email', kind: 'string', required: true, rules: [{ rule: 'email' }], fields: [] }],
    },
    {
      name: 'items',
      kind: 'list',
      required: true,
      rules: [{ rule: 'length', max: 2 }],
      fields: [{ name: 'qty', kind: 'integer', required: true, rules: [{ rule: 'range', min: 1, max: 9 }], fields: [] }],
    },
    { name: 'homepage', kind: 'string', required: false, rules: [{ rule: 'url' }, { rule: 'server', code: 'custom' }], fields: [] },
  ],
};
createList.form = createListForm;

const valid: NewList = { name: 'Groceries', owner: { email: 'ada@example.com' }, items: [{ qty: 1 }], homepage: null };

/** A backend that answers `invalid_form` for names the server refuses, and records every request. */
function backend(taken = 'Taken') {
  const requests: Array<{ cmd: string; body: Record<string, unknown> }> = [];
  const invoke = (async (cmd: string, body?: unknown) => {
    const b = body as { fn: string; args: CreateListArgs };
    requests.push({ cmd, body: b as unknown as Record<string, unknown> });
    if (b.args.list.name === taken) {
      throw {
        code: 'invalid_form',
        message: 'the form has 1 invalid field(s)',
        fn: 'create_list',
        details: {
          fields: { name: [{ code: 'unique', message: 'is taken' }], 'items[0].qty': [{ code: 'range', message: 'out of stock' }] },
          form: [{ code: 'quota', message: 'too many lists' }],
        },
        invalidate: [],
      };
    }
    if (cmd === 'plugin:mizan|validate') return { result: null, invalidate: [] };
    return { result: `made ${b.args.list.name} for ${b.args.team_id}`, invalidate: [] };
  }) as InvokeFn;
  return { invoke, requests };
}

describe('paths and client checks', () => {
  it('reads wire paths', () => {
    expect(parsePath('items[2].qty')).toEqual(['items', 2, 'qty']);
    expect(parsePath('owner.email')).toEqual(['owner', 'email']);
    expect(parsePath('grid[1][2]')).toEqual(['grid', 1, 2]);
  });

  it('mirrors the schema: lengths in code points, ranges, email, url, nested paths; server rules are left to the server', () => {
    expect(checkForm(createListForm.fields, valid)).toEqual({});
    const errors = checkForm(createListForm.fields, {
      name: '',
      owner: { email: 'nope' },
      items: [{ qty: 1 }, { qty: 0 }, { qty: 10 }],
      homepage: 'not a url',
    });
    expect(Object.keys(errors).sort()).toEqual(['homepage', 'items', 'items[1].qty', 'items[2].qty', 'name', 'owner.email']);
    expect(errors['name']).toEqual([{ code: 'length', message: 'must be 1 to 10 characters' }]);
    expect(errors['items']).toEqual([{ code: 'length', message: 'must be at most 2 items' }]);
    expect(errors['items[1].qty']).toEqual([{ code: 'range', message: 'must be at least 1 and at most 9' }]);
    // Ten emoji are ten characters, as the server counts them.
    expect(checkForm(createListForm.fields, { ...valid, name: '😀'.repeat(10) })).toEqual({});
    // A required field left out.
    expect(checkForm(createListForm.fields, { ...valid, owner: undefined })['owner']).toEqual([
      { code: 'required', message: 'is required' },
    ]);
  });
});

describe('FormState', () => {
  it('a failing client check sends nothing; the fix submits with the other args', async () => {
    const b = backend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const form = createForm(createList, { initial: { ...valid, name: '' }, args: { team_id: 7 }, client });
    expect(await form.submit()).toBeUndefined();
    expect(b.requests).toHaveLength(0);
    expect(form.getSnapshot().errors['name']?.[0]?.code).toBe('length');
    expect(form.getSnapshot().valid).toBe(false);
    form.setValue('name', 'Books');
    expect(form.getSnapshot().errors).toEqual({});
    expect(await form.submit()).toBe('made Books for 7');
    expect(b.requests[0]).toEqual({
      cmd: 'plugin:mizan|call',
      body: { fn: 'create_list', args: { team_id: 7, list: { ...valid, name: 'Books' } } },
    });
    expect(form.getSnapshot().result).toBe('made Books for 7');
  });

  it('server field errors land on their paths and go when the field changes', async () => {
    const b = backend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const form = createForm(createList, { initial: { ...valid, name: 'Taken' }, args: { team_id: 1 }, client });
    expect(await form.submit()).toBeUndefined();
    const s = form.getSnapshot();
    expect(s.errors['name']).toEqual([{ code: 'unique', message: 'is taken' }]);
    expect(s.errors['items[0].qty']).toEqual([{ code: 'range', message: 'out of stock' }]);
    expect(s.formErrors).toEqual([{ code: 'quota', message: 'too many lists' }]);
    expect(s.submitting).toBe(false);
    expect(s.error).toBeUndefined();
    form.setValue('items[0].qty', 2);
    expect(form.getSnapshot().errors['items[0].qty']).toBeUndefined();
    expect(form.getSnapshot().errors['name']).toBeDefined();
    expect(form.getSnapshot().values.items).toEqual([{ qty: 2 }]);
    // The initial values were never mutated.
    expect(valid.items).toEqual([{ qty: 1 }]);
  });

  it('validate asks the server without calling the function', async () => {
    const b = backend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const form = createForm(createList, { initial: { ...valid, name: 'Taken' }, args: { team_id: 1 }, client, clientChecks: false });
    expect(await form.validate()).toBe(false);
    expect(b.requests.map((r) => r.cmd)).toEqual(['plugin:mizan|validate']);
    expect(form.getSnapshot().errors['name']?.[0]?.code).toBe('unique');
    form.setValue('name', 'Fine');
    expect(await form.validate()).toBe(true);
    expect(form.getSnapshot().valid).toBe(true);
  });

  it('another failure is the snapshot\'s error, not field errors', async () => {
    const invoke = (async () => {
      throw { code: 'forbidden', message: 'no', fn: 'create_list', details: {}, invalidate: [] };
    }) as InvokeFn;
    const client = createMizanClient({ invoke, listen: false });
    const form = createForm(createList, { initial: valid, args: { team_id: 1 }, client });
    expect(await form.submit()).toBeUndefined();
    expect(form.getSnapshot().error?.code).toBe('forbidden');
    expect(form.getSnapshot().errors).toEqual({});
  });
});

function wrapper(client: MizanClient) {
  return ({ children }: { children: ReactNode }) => <MizanProvider client={client}>{children}</MizanProvider>;
}

function NewListForm() {
  const f = useForm(createList, { initial: { ...valid, name: '' }, args: { team_id: 3 } });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void f.submit();
      }}
    >
      <input aria-label="name" {...f.field('name')} />
      {f.errorsOf('name').map((e) => (
        <p role="alert" key={e.code}>
          name {e.message}
        </p>
      ))}
      {f.formErrors.map((e) => (
        <p role="alert" key={e.code}>
          form {e.message}
        </p>
      ))}
      <button type="submit" disabled={f.submitting}>
        Create
      </button>
      {f.result && <output>{f.result}</output>}
    </form>
  );
}

describe('useForm', () => {
  it('shows the server\'s field errors inline, then the result once fixed', async () => {
    const b = backend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    render(<NewListForm />, { wrapper: wrapper(client) });
    // A client check first: nothing is sent.
    await act(async () => {
      fireEvent.click(screen.getByText('Create'));
    });
    expect(screen.getByRole('alert').textContent).toBe('name must be 1 to 10 characters');
    expect(b.requests).toHaveLength(0);
    // A name the server refuses: its field error and the form error show.
    await act(async () => {
      fireEvent.change(screen.getByLabelText('name'), { target: { value: 'Taken' } });
    });
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
    await act(async () => {
      fireEvent.click(screen.getByText('Create'));
    });
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toEqual(['name is taken', 'form too many lists']);
    // Fixed: submitted, the result shows.
    await act(async () => {
      fireEvent.change(screen.getByLabelText('name'), { target: { value: 'Books' } });
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Create'));
    });
    expect(screen.getByRole('status').textContent).toBe('made Books for 3');
    expect(b.requests.at(-1)?.body).toEqual({ fn: 'create_list', args: { team_id: 3, list: { ...valid, name: 'Books' } } });
  });

  it('a value the input holds when it loses focus is taken, even with no change event before', async () => {
    const b = backend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    render(<NewListForm />, { wrapper: wrapper(client) });
    const input = screen.getByLabelText('name') as HTMLInputElement;
    // As a WebDriver clear does: the value changes, then focus leaves,
    // and the change event comes last.
    await act(async () => {
      fireEvent.change(input, { target: { value: 'Books' } });
    });
    input.value = '';
    await act(async () => {
      fireEvent.blur(input);
    });
    expect(input.value).toBe('');
    expect(screen.getByRole('alert').textContent).toBe('name must be 1 to 10 characters');
  });

  it('exposes the form state and stays one instance across renders', () => {
    const client = createMizanClient({ invoke: backend().invoke, listen: false });
    const { result, rerender } = renderHook(() => useForm(createList, { initial: valid, args: { team_id: 1 } }), {
      wrapper: wrapper(client),
    });
    const first = result.current.form;
    act(() => result.current.setValue('owner.email', 'x'));
    act(() => result.current.touch('owner.email'));
    rerender();
    expect(result.current.form).toBe(first);
    expect(result.current.values.owner.email).toBe('x');
    expect(result.current.errorsOf('owner.email')[0]?.code).toBe('email');
    expect(result.current.touched).toEqual({ 'owner.email': true });
  });
});
