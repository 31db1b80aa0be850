/**
 * The React hook for uploads (docs/protocol.md: "Uploads and binary results"): a mutation-like hook with
 * progress and cancel. Exported from `tauri-plugin-mizan-api/react`.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MizanClient } from './client.js';
import { MizanError, type ErrorTyped } from './errors.js';
import { useMizanClient, type MutationStatus } from './react.js';
import type { UploadOptions, UploadProgress } from './upload.js';

/** A generated function that takes files (its third param is the upload options). */
export type UploadFn<A, R, E = unknown> = ((args: A, client: MizanClient, options?: UploadOptions) => Promise<R>) &
  ErrorTyped<E>;

export interface UseUploadOptions {
  /** Chunk size for this hook's uploads (default `DEFAULT_CHUNK_BYTES`). */
  chunkBytes?: number;
}

export interface UseUploadResult<A, R, E> {
  /** Starts an upload; errors go to `error`, never to an unhandled rejection. A running one is cancelled first. */
  upload: (args: A) => void;
  /** Starts an upload and returns its promise (rejects with `MizanError<E>`; `aborted` when cancelled). */
  uploadAsync: (args: A) => Promise<R>;
  /** Cancels the running upload: the backend drops what it received; the hook goes back to `idle`. */
  cancel: () => void;
  status: MutationStatus;
  /** Bytes received of the total, while an upload runs and after it. `null` before the first. */
  progress: UploadProgress | null;
  data: R | undefined;
  error: MizanError<E> | null;
  isPending: boolean;
}

interface UploadState<R, E> {
  status: MutationStatus;
  progress: UploadProgress | null;
  data: R | undefined;
  error: MizanError<E> | null;
}

const IDLE: UploadState<never, never> = { status: 'idle', progress: null, data: undefined, error: null };

/**
 * Uploads through a generated function that takes files, with progress
 * (after every chunk) and cancel. Targets in the answer reach the cache as
 * for `useMutation`. An unmounted component's upload is cancelled.
 */
export function useUpload<A extends Record<string, unknown> | undefined, R, E = unknown>(
  fn: UploadFn<A, R, E>,
  options: UseUploadOptions = {},
): UseUploadResult<A, R, E> {
  const client = useMizanClient();
  const [state, setState] = useState<UploadState<R, E>>(IDLE);
  const running = useRef<AbortController | null>(null);
  const fnRef = useRef(fn);
  const chunkBytes = options.chunkBytes;
  useEffect(() => {
    fnRef.current = fn;
  });
  useEffect(() => () => running.current?.abort(), []);

  const uploadAsync = useCallback(
    async (args: A): Promise<R> => {
      running.current?.abort();
      const controller = new AbortController();
      running.current = controller;
      const mine = () => running.current === controller;
      setState({ status: 'pending', progress: null, data: undefined, error: null });
      try {
        const data = await fnRef.current(args, client, {
          signal: controller.signal,
          chunkBytes,
          onProgress: (progress) => {
            if (mine()) setState((s) => ({ ...s, progress }));
          },
        });
        if (mine()) setState((s) => ({ ...s, status: 'success', data }));
        return data;
      } catch (reason) {
        const error = MizanError.from<E>(reason);
        if (mine()) setState((s) => (error.code === 'aborted' ? IDLE : { ...s, status: 'error', error }));
        throw error;
      } finally {
        if (mine()) running.current = null;
      }
    },
    [client, chunkBytes],
  );

  const upload = useCallback(
    (args: A) => {
      uploadAsync(args).catch(() => undefined);
    },
    [uploadAsync],
  );

  const cancel = useCallback(() => {
    running.current?.abort();
  }, []);

  return useMemo(
    () => ({
      upload,
      uploadAsync,
      cancel,
      status: state.status,
      progress: state.progress,
      data: state.data,
      error: state.error,
      isPending: state.status === 'pending',
    }),
    [upload, uploadAsync, cancel, state],
  );
}
