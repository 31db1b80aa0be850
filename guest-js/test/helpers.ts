import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import type { InvalidateEvent, JsonValue, Target } from '../src/index.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise continuation run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Sets what the plugin's initialization script advertises (`undefined`: an older plugin). */
export function setFeatures(features: unknown): void {
  (globalThis as { __MIZAN_FEATURES__?: unknown }).__MIZAN_FEATURES__ = features;
}

export interface IpcRequest {
  cmd: string;
  args: Record<string, unknown>;
}

/** The channels pages handed to `plugin:mizan|listen`, and the next index of each. */
const noticeChannels = new Map<number, number>();

/**
 * Installs `mockIPC` (with event mocking) as the current webview `main`.
 * `handler` answers each mizan command; returning a promise keeps it in flight.
 * `plugin:mizan|listen` is answered here (not recorded): its channel is
 * where {@link notify} delivers the plugin's notices.
 */
export function installIpc(handler: (req: IpcRequest) => unknown): { requests: IpcRequest[]; ctxCalls: () => number } {
  const requests: IpcRequest[] = [];
  noticeChannels.clear();
  mockWindows('main', 'other');
  mockIPC(
    (cmd, payload) => {
      const req = { cmd, args: (payload ?? {}) as Record<string, unknown> };
      if (cmd === 'plugin:mizan|listen') {
        noticeChannels.set((req.args.channel as { id: number }).id, 0);
        return null;
      }
      requests.push(req);
      return handler(req);
    },
    { shouldMockEvents: true },
  );
  return { requests, ctxCalls: () => requests.filter((r) => r.cmd === 'plugin:mizan|ctx').length };
}

/** Sends a notice on every channel a page handed to `plugin:mizan|listen`, as the plugin does. */
export async function notify(event: string, payload: unknown): Promise<void> {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } })
    .__TAURI_INTERNALS__;
  for (const [id, index] of noticeChannels) {
    noticeChannels.set(id, index + 1);
    internals.runCallback(id, { message: { event, payload }, index });
  }
  await flush();
}

/** Delivers `mizan://invalidate` as if another webview's call caused it. */
export async function emitInvalidate(targets: Target[], source = 'other', seq = 1): Promise<void> {
  const payload: InvalidateEvent = { targets, source, seq };
  await notify('mizan://invalidate', payload);
}

export function bundleOf(context: string, params: Record<string, JsonValue>, data: Record<string, unknown>) {
  return { context, params, data, errors: {} };
}

export { clearMocks };
