// The one-line entry form of the app, written once: a text field (and an
// Add button) that runs a generated mutation with the text, empties itself
// when the mutation succeeds, and shows the typed error under it. The main
// window and the companion add notes with it, the journal its entries.
import { useState, type FormEvent } from 'react';
import type { MizanError } from 'tauri-plugin-mizan-api';
import { useMutation, type MutationFn } from 'tauri-plugin-mizan-api/react';

export interface TextEntryProps<A, R, E> {
  /** The generated mutation the text is sent through. */
  fn: MutationFn<A, R, E>;
  /** Its arguments, from the text typed. */
  args: (text: string) => A;
  /** The sentence for an error (null: nothing to show). */
  describe: (error: MizanError<E> | null) => string | null;
  placeholder: string;
  label: string;
  /** Prefix of the test ids: `<testid>-input`, `<testid>-add`, `<testid>-error`. */
  testid: string;
  /** Whether to show an Add button (Enter submits either way). */
  button?: boolean;
}

/** A text field that adds what is typed through `fn`. */
export function TextEntry<A extends Record<string, unknown> | undefined, R, E>({
  fn,
  args,
  describe,
  placeholder,
  label,
  testid,
  button = true,
}: TextEntryProps<A, R, E>) {
  const [text, setText] = useState('');
  const add = useMutation(fn);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate(args(text), { onSuccess: () => setText('') });
  };
  const failure = describe(add.error);
  return (
    <>
      <form className="add-note" onSubmit={submit}>
        <input
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            add.reset();
          }}
          placeholder={placeholder}
          aria-label={label}
          data-testid={`${testid}-input`}
        />
        {button && (
          <button type="submit" className="primary" disabled={add.isPending} data-testid={`${testid}-add`}>
            Add
          </button>
        )}
      </form>
      {failure && (
        <p className="error small" role="alert" data-testid={`${testid}-error`}>
          {failure}
        </p>
      )}
    </>
  );
}
