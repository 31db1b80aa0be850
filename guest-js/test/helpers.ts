import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
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

/**
 * Installs `mockIPC` (with event mocking) as the current webview `main`.
 * `handler` answers each mizan command; returning a promise keeps it in flight.
 */
export function installIpc(handler: (req: IpcRequest) => unknown): { requests: IpcRequest[]; ctxCalls: () => number } {
  const requests: IpcRequest[] = [];
  mockWindows('main', 'other');
  mockIPC(
    (cmd, payload) => {
      const req = { cmd, args: (payload ?? {}) as Record<string, unknown> };
      requests.push(req);
      return handler(req);
    },
    { shouldMockEvents: true },
  );
  return { requests, ctxCalls: () => requests.filter((r) => r.cmd === 'plugin:mizan|ctx').length };
}

/** Delivers `mizan://invalidate` as if another webview's call caused it. */
export async function emitInvalidate(targets: Target[], source = 'other', seq = 1): Promise<void> {
  const payload: InvalidateEvent = { targets, source, seq };
  await emit('mizan://invalidate', payload);
}

export function bundleOf(context: string, params: Record<string, JsonValue>, data: Record<string, unknown>) {
  return { context, params, data, errors: {} };
}

export { clearMocks };
