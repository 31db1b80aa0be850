// Signing in with a local account, and that account's private journal.
// The tokens stay in Rust (JWT identity, held mode): the webview only calls
// `signIn` / `signOut` and reads bundles. When who is signed in changes,
// in this window or another, every window drops the bundles it cached for
// the previous account (`mizan://identity`) and reads again as the new one.
import { useState, type FormEvent } from 'react';
import { useBundle, useMutation } from 'tauri-plugin-mizan-api/react';
import { errorText, journalErrorText, signInErrorText } from '../errors';
import { useLoaded } from './hooks';
import { TextEntry } from './TextEntry';
import { JOURNAL, SESSION, addJournalEntry, signIn, signOut, type Account } from '../generated/mizan';

/** The sample accounts, shown on the form. */
const SAMPLES = [
  { name: 'ada', password: 'analytical' },
  { name: 'grace', password: 'compiler' },
];

/**
 * The journal card; `onLoaded` once it shows the sign-in form or, signed
 * in, the entries.
 */
export function Journal({ onLoaded }: { onLoaded: () => void }) {
  const session = useBundle(SESSION, {});
  const account = session.data?.whoami;
  useLoaded(session.status === 'success' && !account, onLoaded);
  return (
    <section className="card journal" data-testid="journal">
      <h2 className="section-title">Private journal</h2>
      {session.status !== 'success' ? null : account ? <Entries account={account} onLoaded={onLoaded} /> : <SignIn />}
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

function Entries({ account, onLoaded }: { account: Account; onLoaded: () => void }) {
  const journal = useBundle(JOURNAL, {});
  useLoaded(journal.data?.my_journal !== undefined, onLoaded);
  const leave = useMutation(signOut);
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
      <TextEntry
        fn={addJournalEntry}
        args={(text) => ({ text })}
        describe={(e) => errorText(e, journalErrorText)}
        placeholder="Write an entry…"
        label="New journal entry"
        testid="journal"
        button={false}
      />
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
