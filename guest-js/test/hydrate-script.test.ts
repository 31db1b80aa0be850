/**
 * The initialization script the plugin writes (pinned by the plugin's own
 * tests in `tests/golden/hydrate_script.js`), run in a page: it hands the
 * snapshot to the app's own top frame only, once, and only after the
 * plugin confirmed the page with its key.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../tests/golden/hydrate_script.js'),
  'utf8',
);
const KEY = '0123456789abcdef0123456789abcdef';

interface FakeWindow {
  top?: unknown;
  location: { protocol: string; host: string };
  __MIZAN_HYDRATE__?: unknown;
  __MIZAN_CONFIRM__?: (key: string) => void;
}

/** Runs the script with `window` standing for a document's global. */
function run(location: string, frame = false): FakeWindow {
  const url = new URL(location);
  const win: FakeWindow = { location: { protocol: url.protocol, host: url.host } };
  win.top = frame ? {} : win;
  new Function('window', script)(win);
  return win;
}

describe('the hydration script', () => {
  it('hands the snapshot to the confirmed top frame of the app, once', () => {
    const win = run('tauri://localhost/index.html');
    win.__MIZAN_CONFIRM__!(KEY);
    const text = win.__MIZAN_HYDRATE__;
    expect(typeof text).toBe('string');
    const snapshot = JSON.parse(text as string) as { identity: string; bundles: { data: { note_text: string } }[] };
    expect(snapshot.identity).toBe('ada');
    expect(snapshot.bundles[0]!.data.note_text).toBe('</script><!-- \u2028');
    // Read once: gone for every later reader.
    expect(win.__MIZAN_HYDRATE__).toBeUndefined();
    expect('__MIZAN_HYDRATE__' in win).toBe(false);
  });

  it('hands nothing before the plugin confirmed the page, nor with a wrong key', () => {
    const unconfirmed = run('tauri://localhost/index.html');
    expect(unconfirmed.__MIZAN_HYDRATE__).toBeUndefined();
    const guessed = run('http://tauri.localhost/');
    guessed.__MIZAN_CONFIRM__!('0'.repeat(32));
    expect(guessed.__MIZAN_HYDRATE__).toBeUndefined();
    // A late confirmation does not bring back what a read already consumed.
    unconfirmed.__MIZAN_CONFIRM__!(KEY);
    expect(unconfirmed.__MIZAN_HYDRATE__).toBeUndefined();
  });

  it('defines nothing in a remote page the window navigated to', () => {
    const win = run('https://evil.example/page');
    expect('__MIZAN_HYDRATE__' in win).toBe(false);
    expect('__MIZAN_CONFIRM__' in win).toBe(false);
  });

  it('defines nothing in a frame, even one of the app', () => {
    for (const location of ['tauri://localhost/frame.html', 'https://evil.example/']) {
      const win = run(location, true);
      expect('__MIZAN_HYDRATE__' in win).toBe(false);
      expect('__MIZAN_CONFIRM__' in win).toBe(false);
    }
  });

  it('keeps the confirmation from being replaced, and its key from being read', () => {
    const win = run('tauri://localhost/');
    const confirm = win.__MIZAN_CONFIRM__!;
    expect(() => {
      'use strict';
      (win as { __MIZAN_CONFIRM__: unknown }).__MIZAN_CONFIRM__ = () => {};
    }).toThrow();
    expect(win.__MIZAN_CONFIRM__).toBe(confirm);
    expect(String(confirm)).not.toContain(KEY);
  });
});
