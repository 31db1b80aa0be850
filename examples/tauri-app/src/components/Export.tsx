// Export: a streaming function. Its progress items fill the bar as they
// come; Cancel (or closing the window) stops the Rust function, which then
// writes nothing.
import { useStream } from 'tauri-plugin-mizan-api/react';
import { exportNotes } from '../generated/mizan';
import { errorText } from '../errors';

/** Milliseconds between two notes: slow enough to watch, and to cancel. */
const PACE_MS = 120;

export function Export() {
  const exporting = useStream(exportNotes);
  const p = exporting.latest;
  return (
    <section className="card export" data-testid="export">
      <div className="daily-head">
        <h2 className="section-title">Export</h2>
        <span className="spacer" />
        <button
          className="link"
          onClick={() => exporting.start({ pace_ms: PACE_MS })}
          disabled={exporting.isStreaming}
          data-testid="export-start"
        >
          Export as Markdown
        </button>
        <button className="link" onClick={exporting.cancel} disabled={!exporting.isStreaming} data-testid="export-cancel">
          Cancel
        </button>
      </div>
      <progress value={p?.done ?? 0} max={p?.total ?? 1} data-testid="export-progress" />
      <p className="row-meta" data-testid="export-status" data-status={exporting.status}>
        {exporting.status === 'idle' && 'Writes every note to export.md, beside the database.'}
        {exporting.status === 'streaming' && (p ? `${p.done} of ${p.total}: ${p.note}` : 'starting…')}
        {exporting.status === 'done' && `Exported ${p?.total ?? 0} notes.`}
        {exporting.status === 'cancelled' && `Cancelled after ${p?.done ?? 0} notes: nothing written.`}
        {exporting.status === 'error' &&
          errorText(exporting.error, (d) =>
            d.kind === 'unavailable' ? 'The notes could not be read.' : 'export.md could not be written.',
          )}
      </p>
    </section>
  );
}
