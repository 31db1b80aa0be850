/**
 * Uploads (docs/protocol.md: "Uploads and binary results"): files travel as raw IPC bodies, never as JSON.
 *
 * A call that takes files sends its function name, its JSON args (with
 * `{"$upload": <index>}` where each file goes) and the files' names, types
 * and sizes in the `mizan-upload` header, percent-encoded JSON; the body is
 * the files' bytes one after the other. Above `chunkBytes` it sends them in
 * chunks, one IPC message each (`upload_begin`, `upload_chunk`,
 * `upload_cancel`), reporting progress, so the webview never posts one huge
 * body (WebKitGTK reads a request body on the UI thread).
 */
import { MizanError } from './errors.js';

/** What an `Upload` param takes: a `File`, a `Blob`, an `ArrayBuffer` or a typed array. */
export type UploadBody = Blob | ArrayBuffer | ArrayBufferView;

/** How far an upload is. */
export interface UploadProgress {
  /** Bytes the backend has received. */
  readonly loaded: number;
  /** Bytes of every file of the call together. */
  readonly total: number;
}

/** Options of a call that takes files. */
export interface UploadOptions {
  /** Called after every chunk the backend took (once, for a one-message upload). */
  onProgress?: (progress: UploadProgress) => void;
  /** Cancels the upload: the backend drops what it received; the call rejects with `aborted` (`cause`: the signal's reason). */
  signal?: AbortSignal;
  /** Files larger than this together are sent in chunks of this size (default `DEFAULT_CHUNK_BYTES`). */
  chunkBytes?: number;
}

/**
 * The default chunk size: 4 MiB. Measured in WebKitGTK (the example's
 * bench, 64 MiB): chunks of 1, 4, 16 and 64 MiB took 0.86, 0.71, 1.05 and
 * 1.37 s, and stalled the main thread (where WebKitGTK reads an IPC body)
 * for at most 18, 22, 156 and 464 ms.
 */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** The header that describes an upload request. */
export const UPLOAD_HEADER = 'mizan-upload';

/** Sends one IPC request with a raw or JSON body and headers. */
export type UploadSend = (
  cmd: string,
  body: Uint8Array | Record<string, unknown>,
  headers?: Record<string, string>,
) => Promise<unknown>;

interface FileMeta {
  name: string;
  type: string;
  size: number;
}

/** A call's args with placeholders, and its files in placeholder order. */
export interface PreparedUpload {
  readonly args: Record<string, unknown>;
  readonly files: readonly UploadBody[];
  readonly meta: readonly FileMeta[];
  readonly total: number;
}

/** Whether a value is something an `Upload` param takes. */
export function isUploadBody(value: unknown): value is UploadBody {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof Blob !== 'undefined' && value instanceof Blob)
  );
}

function sizeOf(body: UploadBody): number {
  return body instanceof ArrayBuffer || ArrayBuffer.isView(body) ? body.byteLength : body.size;
}

/**
 * Replaces each file among the args (a top-level value, or an item of a
 * top-level array) with its placeholder.
 */
export function prepareUpload(args: Record<string, unknown>): PreparedUpload {
  const files: UploadBody[] = [];
  const meta: FileMeta[] = [];
  const place = (body: UploadBody) => {
    const file = typeof File !== 'undefined' && body instanceof File ? body : undefined;
    const type = typeof Blob !== 'undefined' && body instanceof Blob ? body.type : '';
    meta.push({ name: file?.name ?? '', type, size: sizeOf(body) });
    files.push(body);
    return { $upload: files.length - 1 };
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (isUploadBody(value)) out[key] = place(value);
    else if (Array.isArray(value) && value.length > 0 && value.every(isUploadBody)) out[key] = value.map(place);
    else out[key] = value;
  }
  return { args: out, files, meta, total: meta.reduce((sum, m) => sum + m.size, 0) };
}

/** The upload limit the plugin told this webview (`Builder::max_upload_bytes`), if any. */
export function maxUploadBytes(): number | undefined {
  const limits = (globalThis as { __MIZAN_UPLOAD__?: { maxBytes?: unknown } }).__MIZAN_UPLOAD__;
  return typeof limits?.maxBytes === 'number' ? limits.maxBytes : undefined;
}

function asBytes(body: ArrayBuffer | ArrayBufferView): Uint8Array {
  return body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** Bytes `[start, end)` of one file (a `Blob` is read only that far). */
async function slice(body: UploadBody, start: number, end: number): Promise<Uint8Array> {
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return asBytes(body).subarray(start, end);
  return new Uint8Array(await body.slice(start, end).arrayBuffer());
}

/** Bytes `[start, end)` of the files one after the other. */
async function range(files: readonly UploadBody[], start: number, end: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let base = 0;
  for (const file of files) {
    const size = sizeOf(file);
    const from = Math.max(start, base);
    const to = Math.min(end, base + size);
    if (from < to) parts.push(await slice(file, from - base, to - base));
    base += size;
    if (base >= end) break;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(end - start);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function header(value: unknown): Record<string, string> {
  return { [UPLOAD_HEADER]: encodeURIComponent(JSON.stringify(value)) };
}

/** `aborted`, with the signal's reason as `cause`. */
function aborted(fn: string, signal: AbortSignal): MizanError {
  return new MizanError(
    { code: 'aborted', message: 'the upload was cancelled', fn, details: null, invalidate: [] },
    { cause: signal.reason },
  );
}

/**
 * Sends a call that takes files; resolves with the backend's answer (the
 * envelope, or raw bytes) as `invoke` gave it. Checks the limit first:
 * over it, rejects with `payload_too_large` and sends nothing.
 */
export async function sendUpload(
  send: UploadSend,
  fn: string,
  args: Record<string, unknown>,
  options: UploadOptions = {},
): Promise<unknown> {
  const { signal, onProgress } = options;
  const chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const prepared = prepareUpload(args);
  const { total } = prepared;
  const limit = maxUploadBytes();
  if (limit !== undefined && total > limit) {
    throw new MizanError({
      code: 'payload_too_large',
      message: `the upload is ${total} bytes, over the limit of ${limit} bytes`,
      fn,
      details: { size: total, limit },
      invalidate: [],
    });
  }
  if (signal?.aborted) throw aborted(fn, signal);
  const call = { fn, args: prepared.args, files: prepared.meta };

  if (total <= chunkBytes) {
    const body = await range(prepared.files, 0, total);
    if (signal?.aborted) throw aborted(fn, signal);
    const answer = await send('plugin:mizan|upload', body, header(call));
    onProgress?.({ loaded: total, total });
    return answer;
  }

  const begun = (await send('plugin:mizan|upload_begin', call)) as { id: string };
  const id = begun.id;
  // Until the last chunk is sent, a failure or an abort cancels: the
  // backend drops what it holds (an abandoned upload expires anyway).
  let last = false;
  try {
    let offset = 0;
    for (;;) {
      if (signal?.aborted) throw aborted(fn, signal);
      const end = Math.min(offset + chunkBytes, total);
      last = end >= total;
      const chunk = await range(prepared.files, offset, end);
      const answer = await send('plugin:mizan|upload_chunk', chunk, header({ id, offset }));
      offset = end;
      onProgress?.({ loaded: offset, total });
      if (offset >= total) return answer;
    }
  } catch (error) {
    if (!last) await send('plugin:mizan|upload_cancel', { id }).catch(() => undefined);
    throw error;
  }
}
