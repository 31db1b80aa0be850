import { Channel } from '@tauri-apps/api/core';
import { MizanError, isTargetList } from './errors.js';
import type { Target, WireError } from './wire.js';

/** Options of a streaming call. */
export interface StreamOptions {
  /**
   * Stops the stream: the Rust function is dropped, and a pending or later
   * read rejects with `signal.reason` (an `AbortError`), as `fetch` does.
   */
  signal?: AbortSignal;
  /**
   * How many items the backend may send before this webview has read them
   * (1 to 16384; default 512). The backend waits past it: a consumer that
   * stops reading holds the producer back, and memory stays bounded.
   */
  window?: number;
  /** The client to stream through (default: the default client). */
  client?: StreamTransport;
}

/** What a stream needs of its client: the IPC transport and the cache. */
export interface StreamTransport {
  /** Sends one IPC request (with the client's token, if any). */
  streamInvoke(cmd: string, args: Record<string, unknown>): Promise<unknown>;
  /** Applies a streaming mutation's targets when it ends. */
  applyAndRefetch(targets: readonly Target[], origin: 'envelope' | 'error'): Promise<void>;
}

/** One message of a stream's channel. */
export type StreamMessage<T> = { items: T[] } | { end: true; invalidate: Target[] } | { error: WireError };

/** The window a stream gets when none is given (the backend's default too). */
export const DEFAULT_STREAM_WINDOW = 512;
const MAX_STREAM_WINDOW = 16_384;

type Waiter<T> = { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };

/**
 * The items of one call of a streaming function, read with `for await`.
 * Read once. The call starts on the first read; `break` (or `return`),
 * an exception in the loop body, or the `signal` stops it, and the Rust
 * function is dropped. It ends when the function returns, or with a
 * `MizanError<E>` when it fails (`app` with its typed details, `internal`
 * for a panic) or is refused before it starts (`forbidden`,
 * `invalid_args`, ...).
 *
 * ```ts
 * for await (const progress of exportNotes({ folder }, { signal })) {
 *   bar.value = progress.done / progress.total;
 * }
 * ```
 */
export class MizanStream<T, E = unknown> implements AsyncIterable<T> {
  readonly fn: string;
  private readonly transport: StreamTransport;
  private readonly args: Record<string, unknown>;
  private readonly signal: AbortSignal | undefined;
  private readonly window: number;
  private readonly channel: Channel<StreamMessage<T>>;
  /** Items received and not read yet; `head` is the next one. */
  private queue: T[] = [];
  private head = 0;
  private waiter: Waiter<T> | undefined;
  /** Read since the last acknowledgement. */
  private unacked = 0;
  private started: Promise<boolean> | undefined;
  private iterated = false;
  /** `end` or `error` received: no more items will come. */
  private ended = false;
  /**
   * The last message's targets being applied: a read waits for it, then
   * meets the error or the end. Cleared once it settled.
   */
  private closing: Promise<void> | undefined;
  /** Stopped by the consumer (break, abort): nothing more is delivered. */
  private stopped = false;
  private failure: unknown;
  private readonly onAbort = (): void => {
    this.stop();
    this.fail(this.signal?.reason ?? new DOMException('The stream was aborted.', 'AbortError'));
  };

  constructor(transport: StreamTransport, fn: string, args: Record<string, unknown>, options: StreamOptions = {}) {
    this.transport = transport;
    this.fn = fn;
    this.args = args;
    this.signal = options.signal;
    const window = Math.floor(options.window ?? DEFAULT_STREAM_WINDOW);
    this.window = Math.min(Math.max(Number.isFinite(window) ? window : DEFAULT_STREAM_WINDOW, 1), MAX_STREAM_WINDOW);
    this.channel = new Channel<StreamMessage<T>>((message) => this.receive(message));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error(`the stream of \`${this.fn}\` is read once: call the function again`);
    this.iterated = true;
    return {
      next: () => this.next(),
      return: () => {
        this.stop();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  /** Stops the stream (as `break` does): the Rust function is dropped. */
  cancel(): void {
    this.stop();
    this.settle({ done: true, value: undefined });
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) return Promise.resolve({ done: false, value: this.take() });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closing && !this.stopped) return this.closing.then(() => this.next());
    if (this.ended || this.stopped) return Promise.resolve({ done: true, value: undefined });
    this.start();
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private start(): void {
    if (this.started) return;
    if (this.signal?.aborted) {
      this.onAbort();
      this.started = Promise.resolve(false);
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.started = this.transport
      .streamInvoke('plugin:mizan|stream', { fn: this.fn, args: this.args, channel: this.channel, window: this.window })
      .then(
        () => true,
        (reason: unknown) => {
          this.finish();
          this.fail(MizanError.from<E>(reason, this.fn));
          return false;
        },
      );
  }

  /** The next item, acknowledging what was read every half window. */
  private take(): T {
    const item = this.queue[this.head] as T;
    this.queue[this.head] = undefined as T;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    this.unacked++;
    if (this.unacked * 2 >= this.window && !this.ended && !this.stopped) {
      const credits = this.unacked;
      this.unacked = 0;
      void this.transport
        .streamInvoke('plugin:mizan|stream_ack', { channel: this.channel, credits })
        .catch(() => undefined);
    }
    return item;
  }

  private receive(message: StreamMessage<T>): void {
    if (this.stopped || this.ended) return;
    if ('items' in message && Array.isArray(message.items)) {
      for (const item of message.items) this.queue.push(item);
      if (this.waiter && this.head < this.queue.length) this.settle({ done: false, value: this.take() });
    } else if ('error' in message) {
      const error = MizanError.from<E>(message.error, this.fn);
      // Items already received are still read first.
      this.close(error.invalidate, 'error', () => this.failLater(error));
    } else if ('end' in message) {
      const targets = isTargetList(message.invalidate) ? message.invalidate : [];
      this.close(targets, 'envelope', () => {
        if (this.waiter && this.head >= this.queue.length) this.settle({ done: true, value: undefined });
      });
    }
  }

  /**
   * The last message arrived: its targets are applied, then `then` ends
   * the stream (with the error, or done). Until then a read waits, so the
   * error is never missed and the end comes after the refetch.
   */
  private close(targets: readonly Target[], origin: 'envelope' | 'error', then: () => void): void {
    this.finish();
    const applied = targets.length > 0 ? this.transport.applyAndRefetch(targets, origin) : Promise.resolve();
    this.closing = applied.then(
      () => undefined,
      () => undefined,
    );
    void this.closing.then(() => {
      this.closing = undefined;
      then();
    });
  }

  /** The stream ended on the backend's side. */
  private finish(): void {
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  /** The consumer stops: tell the backend once the start has settled. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.ended || !this.started) return;
    void this.started.then((running) => {
      if (running && !this.ended) {
        return this.transport.streamInvoke('plugin:mizan|stream_cancel', { channel: this.channel }).catch(() => undefined);
      }
      return undefined;
    });
  }

  private fail(error: unknown): void {
    this.failure = error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  /** Fails once the items received before the error are read. */
  private failLater(error: unknown): void {
    if (this.head < this.queue.length) {
      // `next` serves the queue first, then meets the failure.
      this.failure = error;
      return;
    }
    this.fail(error);
  }

  private settle(result: IteratorResult<T>): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(result);
  }
}
