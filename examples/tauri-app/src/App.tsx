// The main window: people, their lists, a profile and the notes of one list.
// Every read is a context bundle (`useBundle`); every write is a generated
// mutation (`useMutation`). Nothing here invalidates anything by hand: the
// backend says which bundles a mutation changed, and the cache refetches
// exactly those, in this window and in the other one.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useBundle, useForm, useMutation } from 'tauri-plugin-mizan-api/react';
import { TextEntry } from './components/TextEntry';
import { NoteAttachments } from './components/Attachments';
import { Avatar } from './components/Avatar';
import { DailyQuote } from './components/DailyQuote';
import { Export } from './components/Export';
import { Journal } from './components/Journal';
import { useReadyOnce } from './components/hooks';
import { Inspector, StatusBar } from './components/StatusBar';
import { errorText, listErrorText, noteErrorText, profileErrorText } from './errors';
import { ipcStats } from './ipc';
import {
  LIST,
  PEOPLE,
  USER,
  addNote,
  clearCompleted,
  createList,
  deleteList,
  deleteNote,
  moveNote,
  setNoteDone,
  updateProfile,
  type AppInfo,
  type Attachment,
  type ListRef,
  type Note,
  type Person,
  type Profile,
} from './generated/mizan';

export function App({ info }: { info: AppInfo }) {
  const people = useBundle(PEOPLE, {});
  const [userId, setUserId] = useState(1);
  const user = useBundle(USER, { user_id: userId });
  const lists = user.data?.user_lists ?? [];
  const [chosen, setChosen] = useState<Record<number, number>>({});
  const choice = chosen[userId];
  const listId = lists.some((l) => l.id === choice) ? choice : lists[0]?.id;
  // Each card reports when it shows its data (hydrated or fetched); the
  // ready signal waits for all of them, and for the list now in view.
  const [loadedList, setLoadedList] = useState<number>();
  const [quoteLoaded, setQuoteLoaded] = useState(false);
  const onQuoteLoaded = useCallback(() => setQuoteLoaded(true), []);
  const [journalLoaded, setJournalLoaded] = useState(false);
  const onJournalLoaded = useCallback(() => setJournalLoaded(true), []);
  const [inspector, setInspector] = useState(false);
  useFirstRender(user.data?.user_profile?.name);

  const listShown = user.status === 'success' && (listId === undefined || loadedList === listId);
  useReadyOnce(people.status === 'success' && listShown && quoteLoaded && journalLoaded);

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ⚖
          </span>
          Mizan Notes
        </div>
        <section>
          <h2 className="section-title">People</h2>
          <ul className="people" data-testid="people">
            {(people.data?.people ?? []).map((p) => (
              <PersonRow key={p.id} person={p} selected={p.id === userId} onSelect={() => setUserId(p.id)} />
            ))}
          </ul>
        </section>
        <section className="grow">
          <h2 className="section-title">Lists</h2>
          <ul className="lists" data-testid="lists">
            {lists.map((l) => (
              <ListRow
                key={l.id}
                list={l}
                selected={l.id === listId}
                onSelect={() => setChosen({ ...chosen, [userId]: l.id })}
              />
            ))}
          </ul>
          <NewList userId={userId} onCreated={(id) => setChosen({ ...chosen, [userId]: id })} />
        </section>
      </aside>

      <main className="content">
        <DailyQuote onLoaded={onQuoteLoaded} />
        <Journal onLoaded={onJournalLoaded} />
        <Export />
        {user.data?.user_profile ? (
          <ProfileCard key={userId} profile={user.data.user_profile} listCount={lists.length} />
        ) : (
          <section className="card profile placeholder" />
        )}
        {listId !== undefined ? (
          <ListPane
            key={listId}
            userId={userId}
            listId={listId}
            lists={lists}
            onLoaded={setLoadedList}
          />
        ) : (
          <section className="card empty">No lists yet: create one on the left.</section>
        )}
      </main>

      <StatusBar info={info} inspectorOpen={inspector} onToggleInspector={() => setInspector(!inspector)} />
      {inspector && <Inspector onClose={() => setInspector(false)} />}
    </div>
  );
}

/** One person; the count comes from their own `user` bundle. */
function PersonRow({ person, selected, onSelect }: { person: Person; selected: boolean; onSelect: () => void }) {
  const { data } = useBundle(USER, { user_id: person.id });
  const count = data?.user_lists?.length;
  return (
    <li>
      <button
        className={'row person' + (selected ? ' selected' : '')}
        onClick={onSelect}
        data-testid={`person-${person.id}`}
      >
        <Avatar name={person.name} color={person.color} size={28} />
        <span className="row-label">{person.name}</span>
        <span className="row-meta">{count === undefined ? '' : `${count} ${count === 1 ? 'list' : 'lists'}`}</span>
      </button>
    </li>
  );
}

/** One list; the open count comes from that list's `list` bundle. */
function ListRow({ list, selected, onSelect }: { list: ListRef; selected: boolean; onSelect: () => void }) {
  const { data } = useBundle(LIST, { list_id: list.id });
  const open = data?.list_detail?.open;
  return (
    <li>
      <button className={'row' + (selected ? ' selected' : '')} onClick={onSelect} data-testid={`list-${list.id}`}>
        <span className="hash" aria-hidden="true">
          #
        </span>
        <span className="row-label">{list.title}</span>
        {open !== undefined && open > 0 && <span className="badge">{open}</span>}
      </button>
    </li>
  );
}

/** The errors of one form field, inline under it. */
function FieldErrors({ errors, testid }: { errors: readonly { code: string; message: string }[]; testid: string }) {
  if (errors.length === 0) return null;
  return (
    <p className="error small" role="alert" data-testid={testid} data-code={errors[0]?.code}>
      {errors.map((e) => e.message).join('; ')}
    </p>
  );
}

// "New list" is a validated form (SPEC 6.4): the title's rule (1 to 40
// characters) shows under the field before any IPC, and the server checks
// it again on the call.
function NewList({ userId, onCreated }: { userId: number; onCreated: (id: number) => void }) {
  const form = useForm(createList, { initial: { title: '' }, args: { user_id: userId } });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const list = await form.submit();
    if (list) {
      form.reset();
      onCreated(list.id);
    }
  };
  return (
    <form className="new-list" onSubmit={(e) => void submit(e)} noValidate>
      <input {...form.field('title')} placeholder="New list…" aria-label="New list title" data-testid="new-list-title" />
      <FieldErrors errors={form.errorsOf('title')} testid="new-list-error" />
      {form.error && <p className="error small">{errorText(form.error, listErrorText)}</p>}
    </form>
  );
}

function ProfileCard({ profile, listCount }: { profile: Profile; listCount: number }) {
  const [editing, setEditing] = useState(false);
  return (
    <section className="card profile" data-testid="profile">
      <Avatar name={profile.name} color={profile.color} size={56} />
      {editing ? (
        <ProfileEditor profile={profile} onDone={() => setEditing(false)} />
      ) : (
        <>
          <div className="who">
            <h1 data-testid="profile-name">{profile.name}</h1>
            <p className="bio" data-testid="profile-bio">
              {profile.bio || 'No bio yet.'}
            </p>
            {(profile.website || profile.email) && (
              <p className="meta">
                {profile.website && <span data-testid="profile-website">{profile.website}</span>}
                {profile.website && profile.email && ' · '}
                {profile.email && <span data-testid="profile-email">{profile.email}</span>}
              </p>
            )}
            <p className="meta">
              {listCount} {listCount === 1 ? 'list' : 'lists'}
            </p>
          </div>
          <button className="ghost" onClick={() => setEditing(true)} data-testid="profile-edit">
            Edit profile
          </button>
        </>
      )}
    </section>
  );
}

// "Edit profile" is a validated form: each field's errors show under it,
// from the rules mirrored in the webview (lengths, URL, email) or from the
// server (a reserved name), and the typed application errors (a name taken)
// below the form.
function ProfileEditor({ profile, onDone }: { profile: Profile; onDone: () => void }) {
  const form = useForm(updateProfile, {
    initial: { name: profile.name, bio: profile.bio, website: profile.website, email: profile.email },
    args: { user_id: profile.id },
  });
  // An optional field left empty is sent as `null`: no web page, no email.
  const optional = (path: 'website' | 'email') => ({
    ...form.field(path),
    onChange: (e: { target: { value: string } }) => form.setValue(path, e.target.value === '' ? null : e.target.value),
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await form.submit()) onDone();
  };
  const message = errorText(form.error ?? null, profileErrorText);
  return (
    <form className="profile-form" onSubmit={(e) => void submit(e)} noValidate>
      <label>
        Name
        <input {...form.field('name')} data-testid="profile-name-input" autoFocus />
      </label>
      <FieldErrors errors={form.errorsOf('name')} testid="profile-name-error" />
      <label>
        About
        <textarea {...form.field('bio')} rows={2} data-testid="profile-bio-input" />
      </label>
      <FieldErrors errors={form.errorsOf('bio')} testid="profile-bio-error" />
      <label>
        Web page
        <input {...optional('website')} placeholder="https://…" data-testid="profile-website-input" />
      </label>
      <FieldErrors errors={form.errorsOf('website')} testid="profile-website-error" />
      <label>
        Email
        <input {...optional('email')} placeholder="name@example.com" data-testid="profile-email-input" />
      </label>
      <FieldErrors errors={form.errorsOf('email')} testid="profile-email-error" />
      {message && (
        <p className="error" role="alert" data-testid="profile-error" data-code={form.error?.code}>
          {message}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={form.submitting} data-testid="profile-save">
          {form.submitting ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

function ListPane({
  userId,
  listId,
  lists,
  onLoaded,
}: {
  userId: number;
  listId: number;
  lists: ListRef[];
  onLoaded: (listId: number) => void;
}) {
  const { data, errors, isFetching } = useBundle(LIST, { list_id: listId });
  const clear = useMutation(clearCompleted);
  const remove = useMutation(deleteList);
  const detail = data?.list_detail;
  const notes = data?.list_notes;
  const attachments = data?.list_attachments ?? [];
  useEffect(() => {
    if (detail && notes) onLoaded(listId);
  }, [detail, notes, listId, onLoaded]);

  const failure = errorText(clear.error, noteErrorText) ?? errorText(remove.error, listErrorText);
  const readError = errors.list_detail ?? errors.list_notes;

  return (
    <section className="card list" data-testid="list-pane" aria-busy={isFetching}>
      <header className="list-header">
        <div>
          <h2 data-testid="list-title">{detail?.title ?? '…'}</h2>
          <p className="meta" data-testid="list-counts">
            {detail ? `${detail.open} open · ${detail.done} done` : '\u00a0'}
          </p>
        </div>
        <div className="actions">
          <button
            className="ghost"
            onClick={() => clear.mutate({})}
            disabled={clear.isPending}
            title="Deletes done notes in every list (invalidates every list bundle)"
            data-testid="clear-completed"
          >
            Clear done everywhere
          </button>
          <button
            className="ghost danger"
            onClick={() => remove.mutate({ user_id: userId, list_id: listId })}
            data-testid="delete-list"
          >
            Delete list
          </button>
        </div>
      </header>

      <TextEntry
        fn={addNote}
        args={(text) => ({ list_id: listId, text })}
        describe={(e) => errorText(e, noteErrorText)}
        placeholder="Add a note…"
        label="New note"
        testid="note"
      />
      {failure && (
        <p className="error" role="alert" data-testid="list-error">
          {failure}
        </p>
      )}
      {readError && <p className="error">{readError.message}</p>}

      <ul className="notes" data-testid="notes">
        {(notes ?? []).map((n) => (
          <NoteRow key={n.id} note={n} lists={lists} attachments={attachments.filter((a) => a.note_id === n.id)} />
        ))}
        {notes && notes.length === 0 && <li className="empty-notes">Nothing here. Enjoy the quiet.</li>}
      </ul>
    </section>
  );
}

function NoteRow({ note, lists, attachments }: { note: Note; lists: ListRef[]; attachments: Attachment[] }) {
  const toggle = useMutation(setNoteDone);
  const remove = useMutation(deleteNote);
  const move = useMutation(moveNote);
  const others = lists.filter((l) => l.id !== note.list_id);
  return (
    <li className={'note' + (note.done ? ' done' : '')} data-testid={`note-${note.id}`}>
      <label className="check">
        <input
          type="checkbox"
          checked={note.done}
          onChange={(e) => toggle.mutate({ list_id: note.list_id, note_id: note.id, done: e.target.checked })}
        />
        <span className="note-text">{note.text}</span>
      </label>
      {others.length > 0 && (
        <select
          className="move"
          value=""
          aria-label="Move to another list"
          onChange={(e) => move.mutate({ note_id: note.id, to_list_id: Number(e.target.value) })}
          data-testid={`move-${note.id}`}
        >
          <option value="" disabled>
            Move…
          </option>
          {others.map((l) => (
            <option key={l.id} value={l.id}>
              {l.title}
            </option>
          ))}
        </select>
      )}
      <button
        className="icon"
        aria-label="Delete note"
        title="Delete note"
        onClick={() => remove.mutate({ list_id: note.list_id, note_id: note.id })}
      >
        ×
      </button>
      <NoteAttachments note={note} attachments={attachments} />
    </li>
  );
}

/**
 * Notes what the very first render had (for the end-to-end test of
 * first-paint hydration): the profile it could show, and how many bundles
 * had been fetched by then.
 */
function useFirstRender(profile: string | undefined): void {
  const seen = useRef(false);
  if (!seen.current) {
    seen.current = true;
    window.mizanFirstRender ??= { profile: profile ?? null, ctxCalls: ipcStats.get().byCommand['plugin:mizan|ctx'] ?? 0 };
  }
}

declare global {
  interface Window {
    mizanFirstRender?: { profile: string | null; ctxCalls: number };
  }
}
