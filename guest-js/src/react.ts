import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { canonicalJson, canonicalParams } from './canonical.js';
import {
  getDefaultClient,
  type BundleSnapshot,
  type ContextDescriptor,
  type MizanClient,
} from './client.js';
import { MizanError, type ErrorTyped } from './errors.js';
import type { MizanStream, StreamOptions } from './stream.js';

const ClientContext = createContext<MizanClient | null>(null);

export interface MizanProviderProps {
  client: MizanClient;
  children?: ReactNode;
}

/** Makes `client` the one the hooks below use. Without a provider they use the default client. */
export function MizanProvider({ client, children }: MizanProviderProps) {
  return createElement(ClientContext.Provider, { value: client }, children);
}

/** The client of the nearest `MizanProvider`, else the default client. */
export function useMizanClient(): MizanClient {
  return useContext(ClientContext) ?? getDefaultClient();
}

/** What `useBundle` returns: a stable snapshot of one cached bundle. */
export type UseBundleResult<B> = BundleSnapshot<B>;

/**
 * Reads one context bundle through the cache. Fetches on first use, refetches
 * when an invalidation reaches it (from a call in this window or an event from
 * another), and re-renders only when the snapshot changes.
 */
export function useBundle<P, B>(descriptor: ContextDescriptor<P, B>, params: P): UseBundleResult<B> {
  const client = useMizanClient();
  const key = descriptor.name + '\u0000' + canonicalJson(canonicalParams(params as object));
  // The observer depends on the key only, not on the params object's identity.
  const observer = useMemo(
    () => client.observe<P, B>(descriptor.name, params),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [client, key],
  );
  return useSyncExternalStore(observer.subscribe, observer.getSnapshot, observer.getSnapshot);
}

export type MutationStatus = 'idle' | 'pending' | 'success' | 'error';

/**
 * A mutation: a function name, or a (generated) function that receives the
 * args and the provider's client. A generated function also carries its error
 * type (`ErrorTyped`), so `useMutation(fn)` infers `E` too.
 */
export type MutationFn<A, R, E = unknown> =
  | string
  | (((args: A, client: MizanClient) => Promise<R>) & ErrorTyped<E>);

export interface MutateOptions<R, E> {
  onSuccess?: (data: R) => void;
  onError?: (error: MizanError<E>) => void;
  onSettled?: (data: R | undefined, error: MizanError<E> | null) => void;
}

export interface UseMutationResult<A, R, E> {
  /** Runs the mutation; errors go to `error` (and `onError`), never to an unhandled rejection. */
  mutate: (args: A, options?: MutateOptions<R, E>) => void;
  /** Runs the mutation and returns its promise (rejects with `MizanError<E>`). */
  mutateAsync: (args: A) => Promise<R>;
  status: MutationStatus;
  data: R | undefined;
  error: MizanError<E> | null;
  isPending: boolean;
  /** Back to `idle`; a mutation still running no longer updates this hook. */
  reset: () => void;
}

interface MutationState<R, E> {
  status: MutationStatus;
  data: R | undefined;
  error: MizanError<E> | null;
}

const IDLE: MutationState<never, never> = { status: 'idle', data: undefined, error: null };

/**
 * Runs a mutation. Invalidation needs nothing from the caller: the envelope's
 * targets reach the cache as soon as it arrives, and `mutateAsync` resolves
 * (and `status` leaves `pending`) once the subscribed bundles they reached
 * have refetched.
 */
export function useMutation<
  A extends Record<string, unknown> | undefined = Record<string, unknown>,
  R = unknown,
  E = unknown,
>(
  fn: MutationFn<A, R, E>,
): UseMutationResult<A, R, E> {
  const client = useMizanClient();
  const [state, setState] = useState<MutationState<R, E>>(IDLE);
  const runId = useRef(0);
  const fnRef = useRef(fn);
  useEffect(() => {
    fnRef.current = fn;
  });

  const mutateAsync = useCallback(
    async (args: A): Promise<R> => {
      const id = ++runId.current;
      setState({ status: 'pending', data: undefined, error: null });
      const current = fnRef.current;
      try {
        const data =
          typeof current === 'string' ? await client.call<R, E>(current, args ?? {}) : await current(args, client);
        if (runId.current === id) setState({ status: 'success', data, error: null });
        return data;
      } catch (reason) {
        const error = MizanError.from<E>(reason, typeof current === 'string' ? current : undefined);
        if (runId.current === id) setState({ status: 'error', data: undefined, error });
        throw error;
      }
    },
    [client],
  );

  const mutate = useCallback(
    (args: A, options?: MutateOptions<R, E>): void => {
      mutateAsync(args).then(
        (data) => {
          options?.onSuccess?.(data);
          options?.onSettled?.(data, null);
        },
        (error: MizanError<E>) => {
          options?.onError?.(error);
          options?.onSettled?.(undefined, error);
        },
      );
    },
    [mutateAsync],
  );

  const reset = useCallback(() => {
    runId.current++;
    setState(IDLE);
  }, []);

  return useMemo(
    () => ({
      mutate,
      mutateAsync,
      reset,
      status: state.status,
      data: state.data,
      error: state.error,
      isPending: state.status === 'pending',
    }),
    [mutate, mutateAsync, reset, state],
  );
}

/** A streaming function, as the generated client declares it. */
export type StreamFn<A, T, E = unknown> = (args: A, options?: StreamOptions) => MizanStream<T, E>;

export type StreamStatus = 'idle' | 'streaming' | 'done' | 'error' | 'cancelled';

export interface UseStreamOptions {
  /** Keep every item in `items` (default: only the latest, in `latest`). */
  accumulate?: boolean;
  /** The stream's window (see `StreamOptions.window`). */
  window?: number;
}

export interface UseStreamResult<A, T, E> {
  /** Starts the stream (cancelling one this hook is running). */
  start: (args: A) => void;
  /** Stops the stream: the Rust function is dropped. */
  cancel: () => void;
  /** The last item received. */
  latest: T | undefined;
  /** Every item received, with `accumulate`; else empty. */
  items: readonly T[];
  /** How many items were received. */
  count: number;
  status: StreamStatus;
  error: MizanError<E> | null;
  isStreaming: boolean;
}

interface StreamState<T, E> {
  status: StreamStatus;
  latest: T | undefined;
  count: number;
  error: MizanError<E> | null;
}

const STREAM_IDLE: StreamState<never, never> = { status: 'idle', latest: undefined, count: 0, error: null };

/**
 * Reads a streaming function: `start(args)` runs it, the state follows
 * its items (the latest, or all of them with `accumulate`), and `cancel()`
 * or unmounting stops it (the Rust function is dropped). Items that
 * arrive together cause one render.
 *
 * ```tsx
 * const exporting = useStream(exportNotes);
 * <button onClick={() => exporting.start({ folder })}>Export</button>
 * <progress value={exporting.latest?.done ?? 0} max={exporting.latest?.total ?? 1} />
 * <button onClick={exporting.cancel} disabled={!exporting.isStreaming}>Cancel</button>
 * ```
 */
export function useStream<A, T, E = unknown>(
  fn: StreamFn<A, T, E>,
  options: UseStreamOptions = {},
): UseStreamResult<A, T, E> {
  const client = useMizanClient();
  const [state, setState] = useState<StreamState<T, E>>(STREAM_IDLE);
  const items = useRef<T[]>([]);
  const running = useRef<AbortController | null>(null);
  const fnRef = useRef(fn);
  const optionsRef = useRef(options);
  useEffect(() => {
    fnRef.current = fn;
    optionsRef.current = options;
  });

  const cancel = useCallback(() => {
    const controller = running.current;
    if (!controller) return;
    running.current = null;
    controller.abort();
    setState((s) => ({ ...s, status: 'cancelled' }));
  }, []);

  const start = useCallback(
    (args: A) => {
      running.current?.abort();
      const controller = new AbortController();
      running.current = controller;
      items.current = [];
      setState({ status: 'streaming', latest: undefined, count: 0, error: null });
      const { accumulate, window } = optionsRef.current;
      const stream = fnRef.current(args, { client, signal: controller.signal, window });
      const mine = () => running.current === controller;
      // One render per turn of the event loop, whatever the number of items.
      let scheduled = false;
      let latest: T | undefined;
      let count = 0;
      const render = () => {
        scheduled = false;
        if (mine()) setState((s) => ({ ...s, latest, count }));
      };
      void (async () => {
        try {
          for await (const item of stream) {
            if (!mine()) return;
            latest = item;
            count++;
            if (accumulate) items.current.push(item);
            if (!scheduled) {
              scheduled = true;
              setTimeout(render, 0);
            }
          }
          if (mine()) {
            running.current = null;
            setState({ status: 'done', latest, count, error: null });
          }
        } catch (reason) {
          if (!mine()) return;
          running.current = null;
          setState({ status: 'error', latest, count, error: MizanError.from<E>(reason) });
        }
      })();
    },
    [client],
  );

  useEffect(() => () => running.current?.abort(), []);

  const all = useMemo(() => items.current.slice(), [state]);
  return useMemo(
    () => ({
      start,
      cancel,
      latest: state.latest,
      items: all,
      count: state.count,
      status: state.status,
      error: state.error,
      isStreaming: state.status === 'streaming',
    }),
    [start, cancel, state, all],
  );
}

export type { BundleSnapshot, ContextDescriptor, MizanClient } from './client.js';
// Uploads (docs/protocol.md: "Uploads and binary results").
export { useUpload, type UploadFn, type UseUploadOptions, type UseUploadResult } from './react-upload.js';
// Forms (docs/protocol.md: "Forms").
export { useForm, type FieldBinding, type UseFormOptions, type UseFormResult } from './react-form.js';
