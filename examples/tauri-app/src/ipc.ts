// Counts the IPC calls this window makes, so the app can show (and the
// end-to-end tests can check) what the cache saves: every
// `plugin:mizan|ctx` round trip is counted per context and canonical params.
import { invoke } from '@tauri-apps/api/core';
import { canonicalJson, canonicalParams, type InvokeFn, type Target } from 'tauri-plugin-mizan-api';

export interface InvalidationRecord {
  at: number;
  origin: string;
  targets: readonly Target[];
}

export interface IpcSnapshot {
  /** All IPC calls by command. */
  readonly byCommand: Readonly<Record<string, number>>;
  /** `plugin:mizan|ctx` calls by `context canonical-params`. */
  readonly bundles: Readonly<Record<string, number>>;
  /** Bundles that came back fresh in a call's envelope (single-flight refresh), by the same key. */
  readonly refreshed: Readonly<Record<string, number>>;
  readonly total: number;
  readonly invalidations: readonly InvalidationRecord[];
}

export function bundleKeyOf(context: string, params: object): string {
  return `${context} ${canonicalJson(canonicalParams(params))}`;
}

class IpcStats {
  private snapshot: IpcSnapshot = { byCommand: {}, bundles: {}, refreshed: {}, total: 0, invalidations: [] };
  private readonly listeners = new Set<() => void>();

  readonly invoke: InvokeFn = (cmd, args, options) => {
    const byCommand = { ...this.snapshot.byCommand, [cmd]: (this.snapshot.byCommand[cmd] ?? 0) + 1 };
    let bundles = this.snapshot.bundles;
    if (cmd === 'plugin:mizan|ctx' && args && !ArrayBuffer.isView(args)) {
      const key = bundleKeyOf(String(args.context), (args.params ?? {}) as object);
      bundles = { ...bundles, [key]: (bundles[key] ?? 0) + 1 };
    }
    this.set({ ...this.snapshot, byCommand, bundles, total: this.snapshot.total + 1 });
    this.pending++;
    // The options carry headers (uploads, bearer tokens): pass them on.
    const answer = invoke(cmd, args, options).finally(() => this.pending--);
    if (cmd === 'plugin:mizan|call') answer.then((a) => this.recordRefreshed(a), () => {});
    if (this.answers) {
      const log = this.answers;
      const record = (outcome: unknown) => {
        const sent = ArrayBuffer.isView(args) ? `<${args.byteLength} bytes>` : JSON.stringify(args ?? {});
        log.push(`${cmd} ${sent} -> ${outcome instanceof ArrayBuffer ? `<${outcome.byteLength} bytes>` : JSON.stringify(outcome)}`);
        if (log.length > 500) log.shift();
      };
      answer.then(record, record);
    }
    return answer;
  };

  /** Every answer as text, once `recordAnswers()` was called (tests only). */
  answers: string[] | undefined;

  /** IPC calls started and not answered yet. */
  pending = 0;

  private recordRefreshed(answer: unknown): void {
    const bundles = (answer as { bundles?: Array<{ context: string; params: object }> } | null)?.bundles;
    if (!Array.isArray(bundles) || bundles.length === 0) return;
    const refreshed = { ...this.snapshot.refreshed };
    for (const b of bundles) {
      const key = bundleKeyOf(b.context, b.params);
      refreshed[key] = (refreshed[key] ?? 0) + 1;
    }
    this.set({ ...this.snapshot, refreshed });
  }

  recordInvalidation(targets: readonly Target[], origin: string): void {
    const invalidations = [{ at: Date.now(), origin, targets }, ...this.snapshot.invalidations].slice(0, 30);
    this.set({ ...this.snapshot, invalidations });
  }

  get = (): IpcSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(next: IpcSnapshot): void {
    this.snapshot = next;
    // Notify after the current task: counting happens inside React renders.
    queueMicrotask(() => this.listeners.forEach((l) => l()));
  }
}

export const ipcStats = new IpcStats();

/** A hook for tests and the curious, in the webview's console. */
declare global {
  interface Window {
    mizanDebug?: {
      ctxCount(context: string, params: object): number;
      /** How often the bundle came back fresh in a call's envelope (single-flight refresh). */
      refreshCount(context: string, params: object): number;
      snapshot(): IpcSnapshot;
      pending(): number;
      /** Starts keeping every IPC answer of this window as text. */
      recordAnswers(): void;
      /** The answers kept since `recordAnswers()`, oldest first. */
      answers(): string[];
    };
  }
}

window.mizanDebug = {
  ctxCount: (context, params) => ipcStats.get().bundles[bundleKeyOf(context, params)] ?? 0,
  refreshCount: (context, params) => ipcStats.get().refreshed[bundleKeyOf(context, params)] ?? 0,
  snapshot: () => ipcStats.get(),
  pending: () => ipcStats.pending,
  recordAnswers: () => {
    ipcStats.answers ??= [];
  },
  answers: () => [...(ipcStats.answers ?? [])],
};
