import { Channel } from '@tauri-apps/api/core';
import type { InvokeFn, ListenFn } from './client.js';

/** One message on the page's notice channel. */
interface Notice {
  event: string;
  payload: unknown;
}

function isNotice(value: unknown): value is Notice {
  return typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string';
}

/**
 * The plugin's notices (`mizan://invalidate`, `mizan://identity`) as a
 * {@link ListenFn}: one `Channel` handed to `plugin:mizan|listen` on first
 * use, which only the plugin sends on. Tauri events are not used: any page
 * granted `core:event:allow-emit` can emit them, and any page can hear
 * them.
 */
export function channelListen(invoke: InvokeFn): ListenFn {
  const handlers = new Map<string, Set<(event: { payload: unknown }) => void>>();
  let opened: Promise<void> | undefined;
  const open = (): Promise<void> => {
    opened ??= Promise.resolve().then(async () => {
      const channel = new Channel<unknown>();
      channel.onmessage = (message) => {
        if (!isNotice(message)) return;
        for (const handler of [...(handlers.get(message.event) ?? [])]) handler({ payload: message.payload });
      };
      await invoke('plugin:mizan|listen', { channel });
    });
    return opened;
  };
  return async (event, handler) => {
    let set = handlers.get(event);
    if (!set) handlers.set(event, (set = new Set()));
    set.add(handler);
    try {
      await open();
    } catch (e) {
      set.delete(handler);
      throw e;
    }
    return () => {
      set.delete(handler);
    };
  };
}
