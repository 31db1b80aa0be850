// Signing in with a local account, and that account's private journal.
// The tokens stay in Rust (JWT identity, held mode): the webview only calls
// `signIn` / `signOut` and reads bundles. When who is signed in changes,
// in this window or another, every window drops the bundles it cached for
// the previous account (`mizan://identity`) and reads again as the new one.
import { useState, type FormEvent } from 'react';
import { useBundle, useMutation } from 'tauri-plugin-mizan-api/react';
import { errorText, journalErrorText, signInErrorText } from '../errors';
import { JOURNAL, SESSION, addJournalEntry, signIn, signOut, type Account } from '../generated/mizan';

/** The sample accounts, shown on the form. */
const SAMPLES = [
  { name: 'ada', password: 'analytical' },
  { name: 'grace', password: 'compiler' },
];

export function Journal() {
  const session = useBundle(SESSION, {});
  const account = session.data?.whoami;
  return (
    <section className="card journal" data-testid="journal">
      <h2 className="section-title">Private journal</h2>
      {session.status !== 'success' ? null : account ? <Entries account={account} /> : <SignIn />}
    </section>
  );
}

function SignIn() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const submit = useMutation(signIn);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit.mutate({ name, password }, { onSuccess: () => setPassword('') });
  };
  return (
    <form className="sign-in" onSubmit={onSubmit} data-testid="sign-in">
      <input
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="Account"
        aria-label="Account"
        data-testid="sign-in-name"
      />
      <input
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        placeholder="Password"
        aria-label="Password"
        data-testid="sign-in-password"
      />
      <button type="submit" data-testid="sign-in-submit" disabled={submit.status === 'pending'}>
        Sign in
      </button>
      <p className="hint small">
        Sample accounts: {SAMPLES.map((s) => `${s.name} / ${s.password}`).join(', ')}
      </p>
      {submit.error && (
        <p className="error small" data-testid="sign-in-error">
          {errorText(submit.error, signInErrorText)}
        </p>
      )}
    </form>
  );
}

function Entries({ account }: { account: Account }) {
  const journal = useBundle(JOURNAL, {});
  const [text, setText] = useState('');
  const add = useMutation(addJournalEntry);
  const leave = useMutation(signOut);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ text }, { onSuccess: () => setText('') });
  };
  return (
    <div data-testid="journal-signed-in">
      <p className="signed-in">
        Signed in as <strong data-testid="journal-account">{account.name}</strong>
        <button type="button" className="link" onClick={() => leave.mutate(undefined)} data-testid="sign-out">
          Sign out
        </button>
      </p>
      <ul className="journal-entries" data-testid="journal-entries">
        {(journal.data?.my_journal ?? []).map((entry) => (
          <li key={entry.id}>{entry.text}</li>
        ))}
      </ul>
      <form onSubmit={onSubmit}>
        <input
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            add.reset();
          }}
          placeholder="Write an entry…"
          aria-label="New journal entry"
          data-testid="journal-input"
        />
      </form>
      {add.error && <p className="error small">{errorText(add.error, journalErrorText)}</p>}
    </div>
  );
}

/** One line for the second window: who is signed in, and a way out. */
export function SessionLine() {
  const session = useBundle(SESSION, {});
  const journal = useBundle(JOURNAL, {});
  const leave = useMutation(signOut);
  const account = session.data?.whoami;
  if (session.status !== 'success') return null;
  return (
    <p className="session-line small" data-testid="c-session">
      {account ? (
        <>
          Signed in as <strong data-testid="c-session-account">{account.name}</strong> (
          <span data-testid="c-journal-count">{journal.data?.my_journal?.length ?? 0}</span> journal entries){' '}
          <button type="button" className="link" onClick={() => leave.mutate(undefined)} data-testid="c-sign-out">
            Sign out
          </button>
        </>
      ) : (
        'Not signed in'
      )}
    </p>
  );
}
