/**
 * Wire shapes of the `plugin:mizan|*` commands and the `mizan://invalidate`
 * event. The Rust plugin produces exactly these.
 */

/** Any value that survives a JSON round trip. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * The bundles an invalidation reaches: every bundle of `context` whose params
 * agree with `params` on each key they have (absent means "any value").
 * `params: {}` reaches every bundle of the context.
 */
export interface Target {
  context: string;
  params: Record<string, JsonValue>;
}

/** Success response of `plugin:mizan|call`. */
export interface Envelope<T> {
  result: T;
  invalidate: Target[];
}

/**
 * Error codes fixed by the protocol. The union stays open: a newer backend may
 * send codes this version does not know yet (e.g. `invalid_form`).
 */
export type ErrorCode =
  | 'unknown_function'
  | 'unknown_context'
  | 'invalid_args'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'app'
  | 'internal'
  | (string & {});

/** The one error shape every `plugin:mizan|*` command rejects with. */
export interface WireError<D = unknown> {
  code: ErrorCode;
  message: string;
  /**
   * The function the error is about, when there is one. (A backend may send
   * `null` when there is none; `MizanError` reads that as `undefined`.)
   */
  fn?: string;
  details: D;
  invalidate: Target[];
}

/** Success response of `plugin:mizan|ctx`: a (possibly partial) bundle. */
export interface BundleResponse<B> {
  context: string;
  /** The canonical params as the backend understood them. */
  params: Record<string, JsonValue>;
  /** One entry per context function that succeeded. */
  data: Partial<B>;
  /** One entry per context function that failed. */
  errors: Partial<Record<keyof B, WireError>>;
}

/** Payload of the `mizan://invalidate` event sent to every other webview. */
export interface InvalidateEvent {
  targets: Target[];
  /** Label of the webview whose call caused the invalidation; `null` when the app invalidated on its own. */
  source: string | null;
  seq: number;
}

/** Name of the event that carries other windows' invalidations. */
export const INVALIDATE_EVENT = 'mizan://invalidate';
