// The second window, "Quick capture": the same bundles as the main window,
// through its own cache. It stays coherent by itself: every mutation made in
// the main window reaches it as a `mizan://invalidate` event, and only the
// bundles the event's targets reach are fetched again. Its capability denies
// `deleteList`, so that button gets a `forbidden` error.
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useBundle, useMutation } from 'tauri-plugin-mizan-api/react';
import { TextEntry } from './components/TextEntry';
import { Avatar } from './components/Avatar';
import { useReadyOnce } from './components/hooks';
import { SessionLine } from './components/Journal';
import { errorText, listErrorText, noteErrorText } from './errors';
import {
  LIST,
  PEOPLE,
  USER,
  addNote,
  deleteList,
  setNoteDone,
  type DeleteListArgs,
  type DeleteListError,
  type Note,
} from './generated/mizan';
import { ipcStats } from './ipc';

export function Companion() {
  const people = useBundle(PEOPLE, {});
  const [userId, setUserId] = useState(1);
  const user = useBundle(USER, { user_id: userId });
  const lists = user.data?.user_lists ?? [];
  const [chosen, setChosen] = useState<number>();
  const listId = lists.some((l) => l.id === chosen) ? chosen : lists[0]?.id;
  const profile = user.data?.user_profile;
  const [listLoaded, setListLoaded] = useState(false);
  const onListLoaded = useCallback(() => setListLoaded(true), []);
  useReadyOnce(people.status === 'success' && user.status === 'success' && listLoaded);

  return (
    <div className="companion">
      <header className="companion-header">
        <h1>Quick capture</h1>
        <span className="live" title="Kept up to date by mizan://invalidate">
          <span className="dot" aria-hidden="true" /> Live
        </span>
      </header>

      <div className="pickers">
        <select
          value={userId}
          onChange={(e) => setUserId(Number(e.target.value))}
          aria-label="Person"
          data-testid="c-person"
        >
          {(people.data?.people ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <select
          value={listId ?? ''}
          onChange={(e) => setChosen(Number(e.target.value))}
          aria-label="List"
          data-testid="c-list"
        >
          {lists.map((l) => (
            <option key={l.id} value={l.id}>
              {l.title}
            </option>
          ))}
        </select>
      </div>

      {profile && (
        <section className="card mini-profile">
          <Avatar name={profile.name} color={profile.color} size={40} />
          <div>
            <strong data-testid="c-profile-name">{profile.name}</strong>
            <p className="bio">{profile.bio}</p>
          </div>
        </section>
      )}

      {listId !== undefined && (
        <CompanionList key={listId} userId={userId} listId={listId} onLoaded={onListLoaded} />
      )}

      <SessionLine />
      <LastChange />
    </div>
  );
}

function CompanionList({ userId, listId, onLoaded }: { userId: number; listId: number; onLoaded: () => void }) {
  const { data } = useBundle(LIST, { list_id: listId });
  const remove = useMutation<DeleteListArgs, null, DeleteListError>(deleteList);
  const detail = data?.list_detail;
  const notes = data?.list_notes;
  useEffect(() => {
    if (detail && notes) onLoaded();
  }, [detail, notes, onLoaded]);

  const removeError = errorText(remove.error, listErrorText);

  return (
    <section className="card c-list">
      <header className="list-header">
        <div>
          <h2 data-testid="c-list-title">{detail?.title ?? '…'}</h2>
          <p className="meta" data-testid="c-list-counts">
            {detail ? `${detail.open} open · ${detail.done} done` : '\u00a0'}
          </p>
        </div>
      </header>
      <TextEntry
        fn={addNote}
        args={(text) => ({ list_id: listId, text })}
        describe={(e) => errorText(e, noteErrorText)}
        placeholder="Capture a thought…"
        label="New note"
        testid="c-note"
      />
      <ul className="notes compact" data-testid="c-notes">
        {(notes ?? []).map((n) => (
          <CompanionNote key={n.id} note={n} />
        ))}
      </ul>
      <div className="danger-zone">
        <button
          className="ghost danger"
          onClick={() => remove.mutate({ user_id: userId, list_id: listId })}
          data-testid="c-delete-list"
        >
          Delete this list
        </button>
        {removeError && (
          <p className="error" role="alert" data-testid="c-error" data-code={remove.error?.code}>
            {removeError}
          </p>
        )}
      </div>
    </section>
  );
}

function CompanionNote({ note }: { note: Note }) {
  const toggle = useMutation(setNoteDone);
  return (
    <li className={'note' + (note.done ? ' done' : '')}>
      <label className="check">
        <input
          type="checkbox"
          checked={note.done}
          onChange={(e) => toggle.mutate({ list_id: note.list_id, note_id: note.id, done: e.target.checked })}
        />
        <span className="note-text">{note.text}</span>
      </label>
    </li>
  );
}

/** The last invalidation that came from the other window. */
function LastChange() {
  const ipc = useSyncExternalStore(ipcStats.subscribe, ipcStats.get);
  const last = ipc.invalidations.find((i) => i.origin === 'event');
  return (
    <p className="last-change" data-testid="c-last-change">
      {last
        ? `Updated from the main window at ${new Date(last.at).toLocaleTimeString()}: ${last.targets
            .map((t) => `${t.context} ${Object.values(t.params).join(', ') || '(all)'}`)
            .join('; ')}`
        : 'Changes made in the main window appear here at once.'}
    </p>
  );
}
