import { useEffect, useRef } from 'react';
import { uiReady } from '../generated/mizan';

/** Tells the backend once that this window shows its data (used by the screenshot mode). */
export function useReadyOnce(ready: boolean): void {
  const sent = useRef(false);
  useEffect(() => {
    if (ready && !sent.current) {
      sent.current = true;
      requestAnimationFrame(() => void uiReady({}).catch(() => undefined));
    }
  }, [ready]);
}
