import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createMizanClient, setDefaultClient } from 'tauri-plugin-mizan-api';
import { MizanProvider } from 'tauri-plugin-mizan-api/react';
import { App } from './App';
import { BenchScreen } from './Bench';
import { Companion } from './Companion';
import { PaintProbe } from './PaintProbe';
import { appInfo } from './generated/mizan';
import { ipcStats } from './ipc';
import './styles.css';

// One client per window: it owns this window's bundle cache and listens to
// `mizan://invalidate`, so changes made in the other window show up here.
const client = createMizanClient({ invoke: ipcStats.invoke });
setDefaultClient(client);
client.onInvalidate((targets, origin) => ipcStats.recordInvalidation(targets, origin));

const hash = window.location.hash;
const view = hash === '#companion' ? 'companion' : hash === '#paint' ? 'paint' : 'main';
document.body.dataset.view = view;

async function start(): Promise<void> {
  if (view === 'paint') {
    // The first-paint benchmark's window renders at once, like an app that
    // does not wait for anything before its first screen.
    createRoot(document.getElementById('root')!).render(
      <MizanProvider client={client}>
        <PaintProbe />
      </MizanProvider>,
    );
    return;
  }
  await client.ready;
  const info = await appInfo({});
  const root = createRoot(document.getElementById('root')!);
  let screen;
  if (info.mode === 'bench') {
    screen = view === 'main' ? <BenchScreen /> : <p className="bench-idle">The benchmark runs in the main window.</p>;
  } else {
    screen = view === 'main' ? <App info={info} /> : <Companion />;
  }
  root.render(
    <StrictMode>
      <MizanProvider client={client}>{screen}</MizanProvider>
    </StrictMode>,
  );
}

start().catch((e: unknown) => {
  document.body.textContent = `Mizan Notes could not start: ${String(e)}`;
});
