/**
 * The React hook for forms (docs/protocol.md: "Forms") over the framework-agnostic
 * `FormState`. Exported from `tauri-plugin-mizan-api/react`.
 */
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { FormState, type FormErrorItem, type FormFunction, type FormSnapshot } from './form.js';
import { useMizanClient } from './react.js';

export interface UseFormOptions<A, P extends keyof A & string> {
  /** The form's starting values (read once, when the component mounts). */
  initial: A[P];
  /** The function's other args, sent with every submit. */
  args?: Omit<A, P>;
  /** Check the schema's rules in the webview before sending (default `true`). */
  clientChecks?: boolean;
}

/** What an input needs of one field: bind it with `{...form.field('name')}` and show `errors`. */
export interface FieldBinding {
  name: string;
  value: string;
  onChange: (event: { target: { value: string } }) => void;
  onBlur: (event?: { target: { value: string } }) => void;
}

export interface UseFormResult<A, P extends keyof A & string, R, E> extends FormSnapshot<A[P], R, E> {
  /** The form state the hook renders. */
  form: FormState<A, P, R, E>;
  setValue: (path: string, value: unknown) => void;
  touch: (path: string) => void;
  /** Submits (client checks, then the call); resolves to the result or `undefined`. */
  submit: () => Promise<R | undefined>;
  /** Asks the server to check the values without running the function. */
  validate: () => Promise<boolean>;
  reset: () => void;
  /** An input's binding for a text field at a wire path. */
  field: (path: string) => FieldBinding;
  /** The errors of a wire path (empty when it has none). */
  errorsOf: (path: string) => readonly FormErrorItem[];
}

/**
 * A form bound to a generated function that takes a form. Server field
 * errors land on their paths; client checks mirror the schema's rules.
 *
 * ```tsx
 * const f = useForm(createList, { initial: { name: '' } });
 * <input {...f.field('name')} />
 * {f.errorsOf('name').map((e) => <p key={e.code}>{e.message}</p>)}
 * <button disabled={f.submitting} onClick={() => void f.submit()}>Create</button>
 * ```
 */
export function useForm<A, P extends keyof A & string, R, E = unknown>(
  fn: FormFunction<A, P, R, E>,
  options: UseFormOptions<A, P>,
): UseFormResult<A, P, R, E> {
  const client = useMizanClient();
  const [form] = useState(
    () => new FormState(fn, { initial: options.initial, args: options.args, clientChecks: options.clientChecks, client }),
  );
  useEffect(() => {
    form.setArgs(options.args);
  }, [form, options.args]);
  const snapshot = useSyncExternalStore(form.subscribe, form.getSnapshot, form.getSnapshot);
  const setValue = useCallback((path: string, value: unknown) => form.setValue(path, value), [form]);
  const touch = useCallback((path: string) => form.touch(path), [form]);
  const submit = useCallback(() => form.submit(), [form]);
  const validate = useCallback(() => form.validate(), [form]);
  const reset = useCallback(() => form.reset(), [form]);
  const field = useCallback(
    (path: string): FieldBinding => {
      const value = form.getValue(path);
      return {
        name: path,
        value: value === undefined || value === null ? '' : String(value),
        onChange: (event) => form.setValue(path, event.target.value),
        // A value the input holds but no change event reported yet (a
        // WebDriver clear, some autofill) is taken before the field is
        // touched: the re-render that touching causes would put the old
        // value back into the input.
        onBlur: (event) => {
          const now = event?.target.value;
          if (now !== undefined && now !== (value === undefined || value === null ? '' : String(value))) {
            form.setValue(path, now);
          }
          form.touch(path);
        },
      };
    },
    // The binding reads the current values: recompute on every change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [form, snapshot],
  );
  const errorsOf = useCallback((path: string) => snapshot.errors[path] ?? [], [snapshot]);
  return useMemo(
    () => ({ ...snapshot, form, setValue, touch, submit, validate, reset, field, errorsOf }),
    [snapshot, form, setValue, touch, submit, validate, reset, field, errorsOf],
  );
}
