import { useEffect, useRef } from 'react';
import { uiReady } from '../generated/mizan';

/**
 * Tells the backend once that this window shows its data (the screenshot
 * mode waits for it). What the window showed at that moment is kept in
 * `window.mizanReadyScreen` (each `data-testid` and its text), for the
 * end-to-end test that checks no card was still loading.
 */
export function useReadyOnce(ready: boolean): void {
  const sent = useRef(false);
  useEffect(() => {
    if (ready && !sent.current) {
      sent.current = true;
      requestAnimationFrame(() => {
        window.mizanReadyScreen = Object.fromEntries(
          [...document.querySelectorAll<HTMLElement>('[data-testid]')].map((e) => [e.dataset.testid, e.textContent ?? '']),
        );
        void uiReady({}).catch(() => undefined);
      });
    }
  }, [ready]);
}

/** Calls `onLoaded` each time `loaded` becomes true (a card reporting its data shown). */
export function useLoaded(loaded: boolean, onLoaded: () => void): void {
  useEffect(() => {
    if (loaded) onLoaded();
  }, [loaded, onLoaded]);
}

declare global {
  interface Window {
    mizanReadyScreen?: Record<string, string>;
  }
}
