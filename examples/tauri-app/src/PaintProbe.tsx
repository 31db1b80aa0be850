// The first-paint benchmark's window: the main window's first screen (the
// people, the first person's profile and lists), hydrated or fetched, and a
// report to the backend once it is painted with data. The backend times the
// window from its creation to that report (`bench_paint`).
import { useEffect, useRef } from 'react';
import { useBundle } from 'tauri-plugin-mizan-api/react';
import { PEOPLE, USER, benchPainted } from './generated/mizan';

// Frames painted before the data is there, counted from the module's start.
let emptyFrames = 0;
let counting = true;
function countFrame(): void {
  if (!counting) return;
  emptyFrames++;
  requestAnimationFrame(countFrame);
}
requestAnimationFrame(countFrame);

export function PaintProbe() {
  const people = useBundle(PEOPLE, {});
  const user = useBundle(USER, { user_id: 1 });
  const ready = people.status === 'success' && user.status === 'success';
  const sent = useRef(false);
  useEffect(() => {
    if (!ready || sent.current) return;
    sent.current = true;
    // This commit holds the data: the frames counted so far were empty.
    counting = false;
    const empty_frames = emptyFrames;
    // The frame holding the data is on screen once the next one starts.
    requestAnimationFrame(() =>
      setTimeout(() => void benchPainted({ page_ms: performance.now(), empty_frames }).catch(() => undefined), 0),
    );
  }, [ready]);
  return (
    <div className="bench">
      <h1>{user.data?.user_profile?.name ?? '…'}</h1>
      <ul data-testid="paint-people">
        {(people.data?.people ?? []).map((p) => (
          <li key={p.id}>{p.name}</li>
        ))}
      </ul>
      <ul>
        {(user.data?.user_lists ?? []).map((l) => (
          <li key={l.id}>{l.title}</li>
        ))}
      </ul>
    </div>
  );
}
