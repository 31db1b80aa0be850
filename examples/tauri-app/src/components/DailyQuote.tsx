// The quote of the day, read from a (simulated) remote service that can go
// offline. Its context function is cached by the plugin with
// stale-if-error: offline, the bundle still carries the last quote and names
// it under `stale`, so the card keeps showing it with an "offline, from
// <time>" badge, also right after a restart while offline.
import { useEffect, useState } from 'react';
import { staleSince } from 'tauri-plugin-mizan-api';
import { useBundle, useMutation } from 'tauri-plugin-mizan-api/react';
import { useLoaded } from './hooks';
import { DAILY, isOnline, nextQuote, setOnline } from '../generated/mizan';

/** The quote card; `onLoaded` once it shows a quote or the error that none was kept. */
export function DailyQuote({ onLoaded }: { onLoaded: () => void }) {
  const daily = useBundle(DAILY, {});
  const quote = daily.data?.quote_of_the_day;
  const since = staleSince(daily);
  const [online, setOnlineState] = useState<boolean | null>(null);
  const toggle = useMutation(setOnline);
  const next = useMutation(nextQuote);
  useLoaded(quote !== undefined || daily.errors.quote_of_the_day !== undefined, onLoaded);

  useEffect(() => {
    isOnline({}).then(setOnlineState, () => setOnlineState(null));
  }, []);

  const flip = () => {
    const want = !online;
    toggle.mutate({ online: want }, { onSuccess: () => setOnlineState(want) });
  };

  return (
    <section className="card daily" data-testid="daily">
      <div className="daily-head">
        <h2 className="section-title">Quote of the day</h2>
        {since !== null && (
          <span className="offline-badge" data-testid="offline-badge" title={daily.stale.quote_of_the_day?.error.message}>
            offline, from {new Date(since).toLocaleString()}
          </span>
        )}
        <span className="spacer" />
        <button className="link" onClick={() => next.mutate({})} disabled={!online} data-testid="next-quote">
          Next
        </button>
        <button className="link" onClick={flip} disabled={online === null} data-testid="toggle-online">
          {online === false ? 'Go online' : 'Go offline'}
        </button>
      </div>
      {quote ? (
        <blockquote data-testid="quote">
          {quote.text} <span className="row-meta">#{quote.number}</span>
        </blockquote>
      ) : daily.errors.quote_of_the_day ? (
        <p className="error" data-testid="quote-error">
          The quote service is unreachable and no quote was kept.
        </p>
      ) : (
        <p className="row-meta">Loading…</p>
      )}
    </section>
  );
}
