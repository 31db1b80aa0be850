import { useSyncExternalStore } from 'react';
import type { AppInfo } from '../generated/mizan';
import { ipcStats } from '../ipc';

function useIpc() {
  return useSyncExternalStore(ipcStats.subscribe, ipcStats.get);
}

export function StatusBar({
  info,
  inspectorOpen,
  onToggleInspector,
}: {
  info: AppInfo;
  inspectorOpen: boolean;
  onToggleInspector: () => void;
}) {
  const ipc = useIpc();
  const fetches = ipc.byCommand['plugin:mizan|ctx'] ?? 0;
  const calls = ipc.byCommand['plugin:mizan|call'] ?? 0;
  return (
    <footer className="statusbar">
      <span className="saved" title={info.data_file}>
        <span className="dot" aria-hidden="true" /> Saved on this computer
        <span className="path">{info.data_file}</span>
      </span>
      <span className="spacer" />
      <span data-testid="ipc-summary">
        {fetches} bundle {fetches === 1 ? 'fetch' : 'fetches'} · {calls} {calls === 1 ? 'call' : 'calls'}
      </span>
      <button className="link" onClick={onToggleInspector} aria-pressed={inspectorOpen} data-testid="inspector-toggle">
        {inspectorOpen ? 'Hide inspector' : 'Inspector'}
      </button>
    </footer>
  );
}

/** What the cache did: bundle fetches per key, and the invalidations it applied. */
export function Inspector({ onClose }: { onClose: () => void }) {
  const ipc = useIpc();
  const rows = Object.entries(ipc.bundles).sort(([a], [b]) => a.localeCompare(b));
  return (
    <aside className="inspector" data-testid="inspector">
      <header>
        <h2>Inspector</h2>
        <button className="icon" onClick={onClose} aria-label="Close inspector">
          ×
        </button>
      </header>
      <h3>Bundle fetches (plugin:mizan|ctx)</h3>
      <table>
        <tbody>
          {rows.map(([key, count]) => (
            <tr key={key} data-bundle={key}>
              <td>
                <code>{key}</code>
              </td>
              <td className="num">{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Invalidations</h3>
      {ipc.invalidations.length === 0 && <p className="meta">None yet. Change something.</p>}
      <ol className="log">
        {ipc.invalidations.map((inv, i) => (
          <li key={ipc.invalidations.length - i}>
            <span className={'origin ' + inv.origin}>{inv.origin === 'event' ? 'other window' : 'this window'}</span>
            {inv.targets.map((t, j) => (
              <code key={j}>
                {t.context} {JSON.stringify(t.params)}
              </code>
            ))}
          </li>
        ))}
      </ol>
    </aside>
  );
}
